#include "syn_flood.hpp"

#include <algorithm>
#include <stdexcept>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "net/arp.hpp"
#include "net/byte_order.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"

namespace synline::gen {

namespace {

// Bursts sent per poll at most while replies are not backlogged. The worker
// receives one burst per poll, so once replies fill its bursts the flood sends
// one burst per poll too: faster, replies would overflow our RX ring and be
// lost to the count (a reflector returns every frame).
constexpr unsigned kBurstsPerPoll = 4;
constexpr std::uint16_t kSynMss = 1460;
constexpr unsigned kArpPerSecond = 10;  // requests while the target's MAC is unknown

std::uint64_t mix(std::uint64_t z) {  // SplitMix64's finaliser
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace

SynFlood::SynFlood(const GenOptions& o, double rate, std::uint64_t seed)
    : o_(o),
      rate_(rate),
      rng_(seed),
      isn_key_(mix(~seed)),  // not a value of the source stream (rng_ + k * golden ratio)
      host_mask_(o.src_prefix >= 32 ? 0u : ~0u >> o.src_prefix),
      src_base_(o.src_base.value & ~host_mask_),
      target_mac_(o.target_mac) {}

SynFlood::~SynFlood() { drop_unsent(); }

void SynFlood::start() { sending_ = true; }

void SynFlood::stop() {
    sending_ = false;
    drop_unsent();
}

void SynFlood::drop_unsent() {
    for (std::uint16_t i = unsent_first_; i < unsent_end_; ++i) rte_pktmbuf_free(unsent_[i]);
    unsent_first_ = unsent_end_ = 0;
}

std::uint32_t SynFlood::isn_for(std::uint32_t src, std::uint16_t src_port) const {
    return static_cast<std::uint32_t>(mix(((std::uint64_t{src} << 16) | src_port) ^ isn_key_));
}

// ---------------------------------------------------------------- receive

std::size_t SynFlood::on_receive(std::span<rte_mbuf*> frames) {
    std::array<rte_mbuf*, kBurst> claimed;
    unsigned n_claimed = 0;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        rte_mbuf* m = frames[i];
        if (i + 1 < frames.size()) rte_prefetch0(rte_pktmbuf_mtod(frames[i + 1], void*));
        switch (classify(m)) {
            case Reply::other: frames[kept++] = m; continue;
            case Reply::synack: ++counts_.synacks; break;
            case Reply::reflected: ++counts_.reflected; break;
        }
        claimed[n_claimed++] = m;
        if (n_claimed == claimed.size()) {
            rte_pktmbuf_free_bulk(claimed.data(), n_claimed);
            n_claimed = 0;
        }
    }
    if (n_claimed > 0) rte_pktmbuf_free_bulk(claimed.data(), n_claimed);
    replies_backlogged_ = frames.size() >= kBurst;
    return kept;
}

SynFlood::Reply SynFlood::classify(const rte_mbuf* m) {
    const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
    const std::size_t len = m->data_len;
    if (len < net::kEthernetHeaderLen) return Reply::other;
    const std::uint16_t type = net::load_be16(p + 12);
    if (type == static_cast<std::uint16_t>(net::EtherType::arp)) {
        if (!target_mac_) learn_target_mac({p + net::kEthernetHeaderLen, len - net::kEthernetHeaderLen});
        return Reply::other;  // the worker learns and answers ARP as usual
    }
    if (type != static_cast<std::uint16_t>(net::EtherType::ipv4) ||
        len < net::kEthernetHeaderLen + net::kIpv4MinHeaderLen)
        return Reply::other;
    const std::uint8_t* ip = p + net::kEthernetHeaderLen;
    const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
    const std::size_t ip_len = net::load_be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ip[9] != net::kIpProtoTcp || ihl < net::kIpv4MinHeaderLen ||
        ip_len < ihl + net::kTcpMinHeaderLen || len < net::kEthernetHeaderLen + ip_len)
        return Reply::other;
    const std::uint8_t* tcp = ip + ihl;
    const std::uint32_t src = net::load_be32(ip + 12);
    const std::uint32_t dst = net::load_be32(ip + 16);
    const std::uint8_t flags = tcp[13] & (net::tcp_flag::syn | net::tcp_flag::ack | net::tcp_flag::rst |
                                          net::tcp_flag::fin);
    if (flags == (net::tcp_flag::syn | net::tcp_flag::ack)) {
        // An answer to one of our SYNs acknowledges the ISN we derived from its
        // source; its checksum is checked too, so that the count is the server's
        // valid SYN-ACKs (the stack would drop a bad one).
        const std::uint16_t dst_port = net::load_be16(tcp + 2);
        if (src == o_.target_ip.value && net::load_be16(tcp) == o_.target_port && ours(dst) &&
            net::load_be32(tcp + 8) == isn_for(dst, dst_port) + 1 &&
            net::verify_tcp_checksum(net::Ipv4Addr{src}, net::Ipv4Addr{dst}, {tcp, ip_len - ihl}))
            return Reply::synack;
    } else if (flags == net::tcp_flag::syn) {
        if (dst == o_.target_ip.value && net::load_be16(tcp + 2) == o_.target_port && ours(src) &&
            net::load_be32(tcp + 4) == isn_for(src, net::load_be16(tcp)))
            return Reply::reflected;
    }
    return Reply::other;
}

void SynFlood::learn_target_mac(std::span<const std::uint8_t> arp_body) {
    net::Drop why{};
    const auto arp = net::ArpRepr::parse(arp_body, why);
    if (arp && arp->op == net::ArpOp::reply && arp->sender_ip == arp_target_) target_mac_ = arp->sender_mac;
}

// ---------------------------------------------------------------- transmit

void SynFlood::on_poll(const engine::WorkerQueue& queue) {
    const std::uint64_t now = rte_rdtsc();
    if (!target_mac_) {
        resolve(queue, now);
        return;
    }
    if (!template_) template_.emplace(*target_mac_, queue.iface->mac, o_.target_ip, o_.target_port, kSynMss);
    if (!sending_) return;
    if (start_tsc_ == 0) start_tsc_ = now;  // the rate counts from the first SYN
    flood(queue, now);
}

void SynFlood::resolve(const engine::WorkerQueue& queue, std::uint64_t now) {
    if (now < next_arp_tsc_) return;
    next_arp_tsc_ = now + rte_get_tsc_hz() / kArpPerSecond;
    const auto hop = queue.iface->next_hop(o_.target_ip);
    if (!hop) throw std::runtime_error("synflood: no route to " + o_.target_ip.to_string() + " (--gateway?)");
    arp_target_ = *hop;
    rte_mbuf* m = rte_pktmbuf_alloc(queue.pool);
    if (!m) return;
    auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, net::kEthernetHeaderLen + net::kArpLen));
    net::ArpRepr{net::ArpOp::request, queue.iface->mac, queue.iface->ip, net::MacAddr{}, *hop}.emit_frame(
        p, net::MacAddr::broadcast());
    if (rte_eth_tx_burst(queue.port_id, queue.queue_id, &m, 1) == 0) rte_pktmbuf_free(m);
}

void SynFlood::flood(const engine::WorkerQueue& queue, std::uint64_t now) {
    // What the queue refused last time goes first; at full rate that is the usual case.
    if (unsent_first_ < unsent_end_) {
        const std::uint16_t n = rte_eth_tx_burst(queue.port_id, queue.queue_id, unsent_.data() + unsent_first_,
                                                 static_cast<std::uint16_t>(unsent_end_ - unsent_first_));
        counts_.sent += n;
        unsent_first_ = static_cast<std::uint16_t>(unsent_first_ + n);
        if (unsent_first_ < unsent_end_) return;  // still full
        unsent_first_ = unsent_end_ = 0;
    }
    std::uint64_t budget = std::uint64_t{kBurst} * (replies_backlogged_ ? 1 : kBurstsPerPoll);
    if (rate_ > 0) {
        const double due = rate_ * static_cast<double>(now - start_tsc_) / static_cast<double>(rte_get_tsc_hz());
        const double behind = due - static_cast<double>(built_);
        if (behind < 1) return;
        budget = std::min<std::uint64_t>(budget, static_cast<std::uint64_t>(behind));
    }
    while (budget > 0) {
        const auto n = static_cast<std::uint16_t>(std::min<std::uint64_t>(kBurst, budget));
        budget -= n;
        built_ += n;
        if (rte_pktmbuf_alloc_bulk(queue.pool, unsent_.data(), n) != 0) {
            counts_.no_buffer += n;
            return;
        }
        fill({unsent_.data(), n}, queue.iface->ip);
        const std::uint16_t sent = rte_eth_tx_burst(queue.port_id, queue.queue_id, unsent_.data(), n);
        counts_.sent += sent;
        if (sent < n) {
            unsent_first_ = sent;
            unsent_end_ = n;
            return;
        }
    }
}

void SynFlood::fill(std::span<rte_mbuf*> burst, net::Ipv4Addr our_ip) {
    for (rte_mbuf* m : burst) {
        std::uint32_t src;
        std::uint64_t r;
        do {  // never our own address or the target's
            r = mix(rng_ += 0x9e3779b97f4a7c15ull);
            src = src_base_ | (static_cast<std::uint32_t>(r) & host_mask_);
        } while (src == our_ip.value || src == o_.target_ip.value);
        // 1024..65535, by multiply-shift rather than a division.
        const auto src_port = static_cast<std::uint16_t>(1024 + (((r >> 32) & 0xffff) * 64512 >> 16));
        template_->write(rte_pktmbuf_mtod(m, std::uint8_t*), net::Ipv4Addr{src}, src_port,
                         isn_for(src, src_port));
        m->data_len = SynTemplate::kFrameLen;
        m->pkt_len = SynTemplate::kFrameLen;
    }
}

}  // namespace synline::gen
