#include "pcap_replay.hpp"

#include <pcap/pcap.h>

#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "tcp/segment_sink.hpp"

namespace synline::replay {

namespace {

struct Frame {
    tcp::Instant at;
    std::vector<std::uint8_t> bytes;
};

std::vector<Frame> read_frames(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) throw std::runtime_error("replay: cannot read " + path + ": " + err);
    std::vector<Frame> frames;
    pcap_pkthdr* h;
    const u_char* data;
    while (pcap_next_ex(p, &h, &data) == 1)
        frames.push_back({tcp::Instant{std::chrono::seconds(h->ts.tv_sec) + std::chrono::nanoseconds(h->ts.tv_usec)},
                          std::vector<std::uint8_t>(data, data + h->caplen)});
    pcap_close(p);
    return frames;
}

struct Parsed {
    net::Ipv4Addr src;
    net::Ipv4Addr dst;
    net::TcpSegmentView seg;
};

// The frame's TCP segment, validated as the worker validates it.
std::optional<Parsed> parse(const std::vector<std::uint8_t>& bytes) {
    const std::span<const std::uint8_t> frame(bytes);
    if (!net::EthernetView::fits(frame) ||
        net::EthernetView(frame).ether_type() != static_cast<std::uint16_t>(net::EtherType::ipv4))
        return std::nullopt;
    net::Drop why{};
    auto ip = net::parse_ipv4(frame.subspan(net::kEthernetHeaderLen), net::ChecksumVerdict::unknown, why);
    if (!ip || ip->protocol != net::kIpProtoTcp || !net::verify_tcp_checksum(ip->src, ip->dst, ip->payload))
        return std::nullopt;
    auto seg = net::parse_tcp(ip->payload, why);
    if (!seg) return std::nullopt;
    return Parsed{ip->src, ip->dst, *seg};
}

// What one side (the captured server or the replayed stack) said first on a
// connection: its ISN and first TSval, the origins of its summary lines.
struct Side {
    std::optional<std::uint32_t> isn;
    std::optional<std::uint32_t> ts0;
};

struct Connection {
    Side peer;  // the client
    Side captured;
    Side replayed;
};

// A connection seen from the server: local port, remote address, remote port.
using Key = std::tuple<std::uint16_t, std::uint32_t, std::uint16_t>;

std::uint32_t fnv1a(std::uint32_t h, std::span<const std::uint8_t> bytes) {
    for (std::uint8_t b : bytes) h = (h ^ b) * 16777619u;
    return h;
}

std::string flags_of(std::uint8_t f) {
    std::string s;
    for (auto [bit, c] : {std::pair{net::tcp_flag::syn, 'S'}, {net::tcp_flag::ack, 'A'}, {net::tcp_flag::fin, 'F'},
                          {net::tcp_flag::rst, 'R'}, {net::tcp_flag::psh, 'P'}, {net::tcp_flag::urg, 'U'}})
        if (f & bit) s += c;
    return s.empty() ? "." : s;
}

// One segment the server side sent, relative to the origins in `c`; `self`
// is the sending side, learning its origins from its SYN-ACK.
std::string describe(tcp::Instant at, tcp::Instant start, const net::TcpHeader& h, std::uint32_t payload_sum,
                     std::size_t payload_len, Side& self, const Side& peer) {
    if (h.has(net::tcp_flag::syn)) {
        self.isn = h.seq.raw();
        if (h.options.timestamps) self.ts0 = h.options.timestamps->value;
    }
    auto rel = [](std::uint32_t v, const std::optional<std::uint32_t>& origin) {
        return origin ? v - *origin : v;
    };
    char line[256];
    int n = std::snprintf(line, sizeof line, "+%.6f %u>%u %s seq=%u ack=%u win=%u len=%zu",
                          std::chrono::duration<double>(at - start).count(), h.src_port, h.dst_port,
                          flags_of(h.flags).c_str(), rel(h.seq.raw(), self.isn),
                          h.has(net::tcp_flag::ack) ? rel(h.ack.raw(), peer.isn) : 0u, h.window, payload_len);
    std::string out(line, static_cast<std::size_t>(n));
    if (h.options.mss) out += " mss=" + std::to_string(*h.options.mss);
    if (h.options.window_scale) out += " ws=" + std::to_string(*h.options.window_scale);
    if (h.options.sack_permitted) out += " sackok";
    if (const auto& ts = h.options.timestamps)
        out += " ts=" + std::to_string(rel(ts->value, self.ts0)) + "/" + std::to_string(rel(ts->echo, peer.ts0));
    if (payload_len > 0) {
        std::snprintf(line, sizeof line, " data=%08x", payload_sum);
        out += line;
    }
    return out;
}

class Recorder final : public tcp::SegmentSink {
public:
    Recorder(std::map<Key, Connection>& conns, ReplayResult& result, tcp::Instant start)
        : conns_(conns), result_(result), start_(start) {}
    void attach(const tcp::Stack& stack) { stack_ = &stack; }

    void send(const tcp::OutSegment& s) override {
        Connection& c = conns_[Key{s.tuple.local_port, s.tuple.remote_ip.value, s.tuple.remote_port}];
        const std::uint32_t sum = fnv1a(fnv1a(2166136261u, s.payload_first), s.payload_second);
        result_.replayed.push_back(
            describe(stack_->now(), start_, s.header, sum, s.payload_size(), c.replayed, c.peer));
    }

private:
    std::map<Key, Connection>& conns_;
    ReplayResult& result_;
    tcp::Instant start_;
    const tcp::Stack* stack_ = nullptr;
};

}  // namespace

ReplayResult replay_pcap(const std::string& pcap_path, const tcp::StackConfig& config,
                         const std::function<void(tcp::Stack&)>& listen) {
    const std::vector<Frame> frames = read_frames(pcap_path);
    std::optional<net::Ipv4Addr> server;
    for (const Frame& f : frames)
        if (auto p = parse(f.bytes); p && p->seg.header.flags == net::tcp_flag::syn) {
            server = p->dst;
            break;
        }
    if (!server) throw std::runtime_error("replay: " + pcap_path + " holds no SYN to a server");

    ReplayResult result;
    result.frames = frames.size();
    std::map<Key, Connection> conns;
    const tcp::Instant start = frames.front().at;
    Recorder recorder(conns, result, start);
    tcp::Stack stack(config, recorder, tcp::SipKey{}, start);
    recorder.attach(stack);
    listen(stack);

    std::optional<tcp::Instant> burst;  // the timestamp of the frames being replayed
    for (const Frame& f : frames) {
        // The worker runs the timers after each burst, at the burst's instant.
        if (burst && f.at != *burst) stack.advance(*burst);
        burst = f.at;
        std::optional<Parsed> p = parse(f.bytes);
        if (!p) {
            ++result.skipped;
            continue;
        }
        net::TcpHeader h = p->seg.header;
        if (p->src == *server) {
            Connection& c = conns[Key{h.src_port, p->dst.value, h.dst_port}];
            result.captured.push_back(describe(f.at, start, h, fnv1a(2166136261u, p->seg.payload),
                                               p->seg.payload.size(), c.captured, c.peer));
            continue;
        }
        Connection& c = conns[Key{h.dst_port, p->src.value, h.src_port}];
        if (h.flags == net::tcp_flag::syn) {
            c.peer.isn = h.seq.raw();
            c.peer.ts0 = h.options.timestamps ? std::optional(h.options.timestamps->value) : std::nullopt;
        }
        if (h.has(net::tcp_flag::ack) && c.captured.isn && c.replayed.isn)
            h.ack = net::SeqNum(h.ack.raw() - *c.captured.isn + *c.replayed.isn);
        ++result.segments_in;
        stack.input(p->src, p->dst, net::TcpSegmentView{h, p->seg.payload}, f.at);
    }
    if (burst) stack.advance(*burst);
    return result;
}

}  // namespace synline::replay
