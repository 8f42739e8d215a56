#include "sim_network.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "net/byte_order.hpp"
#include "tcp/segment_writer.hpp"
#include "net/checksum.hpp"
#include "net/drop_reason.hpp"
#include "net/ipv4.hpp"

namespace synline::sim {

namespace flag = net::tcp_flag;

namespace {

// SplitMix64 (Steele, Lea, Flood 2014): spreads a seed into independent keys.
std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double seconds(tcp::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string_view to_string(Fate f) {
    switch (f) {
        case Fate::delivered: return "delivered";
        case Fate::lost: return "lost";
        case Fate::filtered: return "filtered";
        case Fate::no_route: return "no_route";
        case Fate::malformed: return "malformed";
    }
    return "?";
}

std::string flags_string(std::uint8_t f) {
    std::string s;
    if (f & flag::fin) s += 'F';
    if (f & flag::syn) s += 'S';
    if (f & flag::rst) s += 'R';
    if (f & flag::psh) s += 'P';
    if (f & flag::urg) s += 'U';
    if (f & flag::ece) s += 'E';
    if (f & flag::cwr) s += 'W';
    if (f & flag::ack) s += '.';
    if (s.empty()) s = "none";
    return s;
}

SimNetwork::SimNetwork(SimConfig config)
    : config_(config), clock_(config.start), rng_(config.seed) {
    if (config_.step <= tcp::Duration::zero()) throw std::invalid_argument("SimConfig::step must be > 0");
}

SimNetwork::~SimNetwork() = default;

NodeId SimNetwork::add_stack(std::string name, net::Ipv4Addr ip, const tcp::StackConfig& config) {
    if (route(ip)) throw std::invalid_argument("SimNetwork: address already taken: " + ip.to_string());
    const NodeId id = nodes_.size();
    auto node = std::make_unique<Node>();
    node->name = std::move(name);
    node->ip = ip;
    node->sink = std::make_unique<NodeSink>(*this, id);
    std::uint64_t x = config_.seed * 0x100000001b3ull + id;
    tcp::SipKey key{splitmix64(x), splitmix64(x)};
    node->stack = std::make_unique<tcp::Stack>(config, *node->sink, key, clock_.now());
    tracer_.add_node(id, *node->stack);
    nodes_.push_back(std::move(node));
    return id;
}

void SimNetwork::set_link(NodeId from, NodeId to, const LinkConfig& l) {
    links_.insert_or_assign({from, to}, SimLink(l));
}

void SimNetwork::set_links_both_ways(NodeId a, NodeId b, const LinkConfig& l) {
    set_link(a, b, l);
    set_link(b, a, l);
}

SimLink& SimNetwork::link(NodeId from, NodeId to) {
    auto it = links_.find({from, to});
    if (it == links_.end())
        it = links_.emplace(std::pair{from, to}, SimLink(from == to ? config_.loopback : config_.link)).first;
    return it->second;
}

std::optional<NodeId> SimNetwork::route(net::Ipv4Addr dst) const {
    for (NodeId i = 0; i < nodes_.size(); ++i)
        if (nodes_[i]->ip == dst) return i;
    return std::nullopt;
}

LinkStats SimNetwork::link_totals() const {
    LinkStats s;
    for (const auto& [k, l] : links_) s += l.stats();
    return s;
}

// ---------------------------------------------------------------- sending

void SimNetwork::transmit(NodeId from, const tcp::OutSegment& seg) {
    const net::TcpHeader& h = seg.header;
    std::vector<std::uint8_t> bytes(tcp::ipv4_tcp_length(seg));
    const net::Ipv4Addr src = seg.tuple.local_ip;
    const net::Ipv4Addr dst = seg.tuple.remote_ip;
    tcp::write_ipv4_tcp(bytes.data(), seg, next_ip_id_++, tcp::ChecksumFill::software);

    TraceEntry e;
    e.at = e.sent_at = clock_.now();
    e.from = from;
    e.src_ip = src;
    e.dst_ip = dst;
    e.src_port = h.src_port;
    e.dst_port = h.dst_port;
    e.flags = h.flags;
    e.seq = h.seq;
    e.ack = h.ack;
    e.window = h.window;
    e.len = static_cast<std::uint32_t>(seg.payload_size());
    e.options = h.options;
    put_on_wire(from, src, dst, std::move(bytes), e);
}

void SimNetwork::inject(NodeId from, net::Ipv4Addr dst, const net::TcpHeader& header,
                        std::span<const std::uint8_t> payload) {
    tcp::OutSegment o;
    o.tuple = {ip(from), dst, header.src_port, header.dst_port};
    o.header = header;
    o.payload_first = payload;
    transmit(from, o);
}

void SimNetwork::inject_spoofed(NodeId via, net::Ipv4Addr src, net::Ipv4Addr dst,
                                const net::TcpHeader& header, std::span<const std::uint8_t> payload) {
    tcp::OutSegment o;
    o.tuple = {src, dst, header.src_port, header.dst_port};
    o.header = header;
    o.payload_first = payload;
    transmit(via, o);
}

void SimNetwork::put_on_wire(NodeId from, net::Ipv4Addr, net::Ipv4Addr dst,
                             std::vector<std::uint8_t> bytes, TraceEntry e) {
    const std::optional<NodeId> to = route(dst);
    if (!to) {
        e.fate = Fate::no_route;
        record(e);
        return;
    }
    e.to = *to;
    if (filter_ && filter_(e)) {
        e.fate = Fate::filtered;
        record(e);
        return;
    }
    const LinkFate fate = link(from, *to).transmit(rng_);
    for (std::size_t i = 0; i < fate.count; ++i) {
        const LinkFate::Copy& c = fate.copies[i];
        if (c.lost) {
            TraceEntry d = e;
            d.fate = Fate::lost;
            d.duplicate = c.duplicate;
            record(d);
            continue;
        }
        std::vector<std::uint8_t> copy;
        if (i + 1 < fate.count) copy = bytes;
        else copy = std::move(bytes);
        queue_.push_back(Event{clock_.now() + c.delay, next_order_++, from, *to, c.duplicate,
                               clock_.now(), std::move(copy)});
        std::push_heap(queue_.begin(), queue_.end(), EventLater{});
    }
}

void SimNetwork::record(const TraceEntry& e) {
    if (tap_) tap_(e);
    if (config_.trace) trace_.push_back(e);
}

// ---------------------------------------------------------------- delivery

void SimNetwork::deliver(Event& ev) {
    net::Drop why{};
    TraceEntry e;
    e.at = clock_.now();
    e.sent_at = ev.sent_at;
    e.from = ev.from;
    e.to = ev.to;
    e.duplicate = ev.duplicate;
    const std::span<const std::uint8_t> bytes(ev.bytes);
    auto pkt = net::parse_ipv4(bytes, net::ChecksumVerdict::unknown, why);
    std::optional<net::TcpSegmentView> seg;
    if (pkt && pkt->protocol == net::kIpProtoTcp && net::verify_tcp_checksum(pkt->src, pkt->dst, pkt->payload))
        seg = net::parse_tcp(pkt->payload, why);
    if (!seg) {
        ++malformed_;
        e.fate = Fate::malformed;
        record(e);
        return;
    }
    const net::TcpHeader& h = seg->header;
    e.src_ip = pkt->src;
    e.dst_ip = pkt->dst;
    e.src_port = h.src_port;
    e.dst_port = h.dst_port;
    e.flags = h.flags;
    e.seq = h.seq;
    e.ack = h.ack;
    e.window = h.window;
    e.len = static_cast<std::uint32_t>(seg->payload.size());
    e.options = h.options;
    record(e);
    if (packet_tap_) packet_tap_(ev.to, clock_.now(), bytes);
    tcp::Stack& s = stack(ev.to);
    s.input(pkt->src, pkt->dst, *seg, clock_.now());
    tracer_.after_input(ev.to, net::FourTuple{pkt->dst, pkt->src, h.dst_port, h.src_port}, h.flags,
                        clock_.now());
}

// ---------------------------------------------------------------- time

void SimNetwork::step_to(tcp::Instant t) {
    clock_.advance_to(t);
    ++steps_;
    // Application calls made between steps (close(), send() ...) may have
    // changed states: pick them up at the time they took effect.
    for (NodeId n = 0; n < nodes_.size(); ++n) tracer_.after_advance(n, clock_.now());
    while (!queue_.empty() && queue_.front().at <= t) {
        std::pop_heap(queue_.begin(), queue_.end(), EventLater{});
        Event ev = std::move(queue_.back());
        queue_.pop_back();
        deliver(ev);
    }
    for (NodeId n = 0; n < nodes_.size(); ++n) {
        nodes_[n]->stack->advance(t);
        tracer_.after_advance(n, t);
    }
}

void SimNetwork::run_until(tcp::Instant limit) {
    run_until([] { return false; }, limit - now());
}

bool SimNetwork::run_until(const std::function<bool()>& pred, tcp::Duration max) {
    const tcp::Instant limit = now() + max;
    for (;;) {
        if (pred()) return true;
        tcp::Instant next = now() + config_.step;
        if (!queue_.empty() && queue_.front().at < next) next = queue_.front().at;
        if (next > limit) {
            if (now() < limit) step_to(limit);
            return pred();
        }
        step_to(next);
    }
}

bool SimNetwork::idle() const {
    if (!queue_.empty()) return false;
    for (const auto& n : nodes_)
        if (n->stack->connection_count() != 0) return false;
    return true;
}

bool SimNetwork::run_until_idle(tcp::Duration max) {
    return run_until([this] { return idle(); }, max);
}

// ---------------------------------------------------------------- printing

std::string SimNetwork::format(const TraceEntry& e) const {
    char head[64];
    std::snprintf(head, sizeof head, "%11.6f ", seconds(e.at - clock_.start()));
    std::ostringstream o;
    o << head << (e.from != kNoNode ? name(e.from) : "?") << " " << e.src_ip.to_string() << "."
      << e.src_port << " > " << (e.to != kNoNode ? name(e.to) : "?") << " " << e.dst_ip.to_string()
      << "." << e.dst_port << ": Flags [" << flags_string(e.flags) << "], seq " << e.seq.raw();
    if (e.len) o << ":" << (e.seq + e.len).raw();
    if (e.has(flag::ack)) o << ", ack " << e.ack.raw();
    o << ", win " << e.window << ", length " << e.len;
    if (e.duplicate) o << " [dup]";
    if (e.dropped()) o << " ** " << to_string(e.fate) << " **";
    return o.str();
}

std::string SimNetwork::dump(std::size_t last_n, const std::function<bool(const TraceEntry&)>& filter) const {
    std::vector<const TraceEntry*> picked;
    for (const TraceEntry& e : trace_)
        if (!filter || filter(e)) picked.push_back(&e);
    const std::size_t from = picked.size() > last_n ? picked.size() - last_n : 0;
    std::string out;
    for (std::size_t i = from; i < picked.size(); ++i) out += format(*picked[i]) + "\n";
    return out;
}

std::vector<std::string> SimNetwork::exchange(bool include_dropped) const {
    using Key = std::tuple<std::uint32_t, std::uint16_t, std::uint32_t, std::uint16_t>;
    std::map<Key, net::SeqNum> isn;  // first SYN of each direction
    for (const TraceEntry& e : trace_) {
        if (!e.has(flag::syn)) continue;
        isn.try_emplace(Key{e.src_ip.value, e.src_port, e.dst_ip.value, e.dst_port}, e.seq);
    }
    std::vector<std::string> out;
    for (const TraceEntry& e : trace_) {
        if (e.dropped() && !include_dropped) continue;
        auto mine = isn.find(Key{e.src_ip.value, e.src_port, e.dst_ip.value, e.dst_port});
        auto theirs = isn.find(Key{e.dst_ip.value, e.dst_port, e.src_ip.value, e.src_port});
        const std::uint32_t seq = mine != isn.end() ? static_cast<std::uint32_t>(e.seq - mine->second) : e.seq.raw();
        std::ostringstream o;
        o << (e.from != kNoNode ? name(e.from) : "?") << ">" << (e.to != kNoNode ? name(e.to) : "?") << " ["
          << flags_string(e.flags) << "] seq=" << seq;
        if (e.has(flag::ack))
            o << " ack="
              << (theirs != isn.end() ? static_cast<std::uint32_t>(e.ack - theirs->second) : e.ack.raw());
        o << " len=" << e.len;
        if (e.dropped()) o << " (" << to_string(e.fate) << ")";
        out.push_back(o.str());
    }
    return out;
}

}  // namespace synline::sim
