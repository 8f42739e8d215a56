#include "engine/worker.hpp"

#include <cstring>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "net/arp.hpp"
#include "net/checksum.hpp"
#include "net/ethernet.hpp"
#include "net/icmp.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "tcp/segment_writer.hpp"

namespace synline::engine {

namespace {

constexpr auto kPublishInterval = std::chrono::milliseconds(100);
constexpr auto kArpWait = std::chrono::seconds(1);  // then the parked frame is dropped
constexpr auto kDrainQuiet = std::chrono::milliseconds(50);
constexpr auto kDrainLimit = std::chrono::seconds(1);
constexpr int kTxAttempts = 4;

net::ChecksumVerdict verdict(std::uint64_t flags, std::uint64_t mask, std::uint64_t good,
                             std::uint64_t bad) {
    std::uint64_t v = flags & mask;
    if (v == good) return net::ChecksumVerdict::good;
    if (v == bad) return net::ChecksumVerdict::bad;
    return net::ChecksumVerdict::unknown;
}

}  // namespace

bool Worker::exclusively_ours(const rte_mbuf* m) { return RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1; }

net::ChecksumVerdict Worker::rx_ip_checksum(const rte_mbuf* m) const {
    if (!setup_.rx_checksum_offload) return net::ChecksumVerdict::unknown;
    return verdict(m->ol_flags, RTE_MBUF_F_RX_IP_CKSUM_MASK, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
                   RTE_MBUF_F_RX_IP_CKSUM_BAD);
}

net::ChecksumVerdict Worker::rx_l4_checksum(const rte_mbuf* m) const {
    if (!setup_.rx_checksum_offload) return net::ChecksumVerdict::unknown;
    return verdict(m->ol_flags, RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
                   RTE_MBUF_F_RX_L4_CKSUM_BAD);
}

tcp::ChecksumFill Worker::tx_checksum_fill(rte_mbuf* m) const {
    if (tx_fill() == tcp::ChecksumFill::software) return tcp::ChecksumFill::software;
    m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
    m->l2_len = net::kEthernetHeaderLen;
    m->l3_len = net::kIpv4MinHeaderLen;
    return tcp::ChecksumFill::offload;
}

Worker::Worker(const WorkerSetup& setup)
    : setup_(setup),
      stack_(std::make_unique<tcp::Stack>(setup.stack, static_cast<tcp::SegmentSink&>(*this),
                                          setup.secret, clock_.now())) {
    if (!setup.fabric) return;
    steer_ = std::make_unique<Steering>(*setup.fabric, setup.index, setup.own_queue ? setup.index : setup.queue_id,
                                        setup.pool, counters_);
    // Active opens use only ports whose replies are this worker's.
    stack_->set_port_filter([spread = &setup.fabric->spread(), me = setup.index](const net::FourTuple& t) {
        return spread->home_of(t.remote_ip, t.local_ip, t.remote_port, t.local_port) == me;
    });
}

Worker::~Worker() { flush_tx(); }

void Worker::run(const StopFlag& stop, const std::function<void(tcp::Stack&)>& each_iteration) {
    // Gratuitous ARP: announce (and check) our address on the link.
    send_arp(net::ArpOp::request, net::MacAddr::broadcast(), setup_.iface.ip, net::MacAddr{});
    flush_tx();
    tcp::Instant next_publish = clock_.now();
    while (!stop.requested()) {
        poll_once();
        if (each_iteration) each_iteration(*stack_);
        if (tcp::Instant now = clock_.now(); now >= next_publish) {
            publish_stats();
            next_publish = now + kPublishInterval;
        }
    }
    drain();
    publish_stats();
}

void Worker::drain() {
    // Keep answering until the link has been quiet for a moment, so the last
    // ACKs and FINs are exchanged and the peer is not left transmitting into a
    // port that is about to close (a memif peer has been seen to crash when
    // the other side vanished mid-traffic). Bounded: a peer that never stops
    // sending gets kDrainLimit.
    const tcp::Instant start = clock_.now();
    tcp::Instant last_rx = start;
    for (tcp::Instant now = start; now - last_rx < kDrainQuiet && now - start < kDrainLimit;
         now = clock_.now()) {
        if (poll_once() > 0) last_rx = clock_.now();
    }
}

unsigned Worker::poll_once() {
    std::array<rte_mbuf*, kBurst> rx;
    const std::uint16_t n =
        steer_ ? receive_steered(rx) : rte_eth_rx_burst(setup_.port_id, setup_.queue_id, rx.data(), kBurst);
    if (!tap_) {
        process({rx.data(), n});
        return n;
    }
    process({rx.data(), tap_->on_receive({rx.data(), n})});
    tap_->on_poll(WorkerQueue{setup_.port_id, setup_.queue_id, setup_.pool, &setup_.iface});
    return n;
}

void Worker::process(std::span<rte_mbuf* const> frames) {
    const tcp::Instant now = clock_.now();
    for (std::size_t at = 0; at < frames.size(); at += kBurst)
        process_burst(frames.subspan(at, std::min<std::size_t>(kBurst, frames.size() - at)), now);
    stack_->advance(now);
    if (parked_count_ > 0) expire_parked(now);
    flush_tx();
}

// Inlined into process(): it is the body of its loop.
[[gnu::always_inline]] inline void Worker::process_burst(std::span<rte_mbuf* const> frames, tcp::Instant now) {
    const std::size_t n = frames.size();
    if (setup_.capture_rx) [[unlikely]] {
        CaptureBatch shots;
        capture_copy(*setup_.capture_rx, frames, now, shots);
        capture_publish(*setup_.capture_rx, shots, n);
    }
    // First the flow-table slot of every frame starts loading. Reading each
    // frame's addresses and ports for it also starts loading its first cache
    // line, and all of the burst's misses are in flight at once, where a
    // prefetch a frame or two ahead kept one or two.
    for (std::size_t i = 0; i < n; ++i) prefetch_flow_of(frames[i]);
    // Then each frame in order: a SYN for the lane (worker_syn_lane.cpp) or
    // the general path. The lane's SYN-ACKs wait in a batch until a frame
    // goes the general way or the burst ends, so their cookies are finished
    // together. (Checking the whole burst for the lane first, in a pass of
    // its own, no longer paid once the lane got shorter: its parsed headers
    // went through memory between the passes.)
    LaneBatch lane;
    for (std::size_t i = 0; i < n; ++i) {
        LaneSyn syn;
        const bool lane_syn = check_lane_syn(frames[i], syn);
        if (lane_syn && batch_lane_syn(frames[i], syn, now, lane)) continue;
        // Replies leave in the order of the frames they answer.
        send_lane_synacks(lane);
        if (lane_syn) {
            count_rx(frames[i]);
            // Already validated: straight to the stack (no payload).
            deliver_tcp(frames[i], syn.src, syn.dst, net::TcpSegmentView{syn.header, {}}, now);
            continue;
        }
        handle_frame(frames[i], now);
    }
    send_lane_synacks(lane);
    if (released_count_ > 0) {
        rte_pktmbuf_free_bulk(released_.data(), released_count_);
        released_count_ = 0;
    }
}

void Worker::release(rte_mbuf* m) { released_[released_count_++] = m; }

void Worker::drop(rte_mbuf* m, net::Drop why) {
    counters_.drop(why);
    release(m);
}

void Worker::prefetch_flow_of(const rte_mbuf* m) {
    // Only a guess from fixed offsets (IPv4 without options, TCP); the frame
    // is validated later, when it is handled.
    constexpr std::size_t kIp = net::kEthernetHeaderLen, kTcp = kIp + net::kIpv4MinHeaderLen;
    if (m->data_len < kTcp + 4) return;
    const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
    if (net::load_be16(p + 12) != static_cast<std::uint16_t>(net::EtherType::ipv4) || p[kIp] != 0x45 ||
        p[kIp + 9] != net::kIpProtoTcp)
        return;
    stack_->prefetch_flow(net::Ipv4Addr{net::load_be32(p + kIp + 12)}, net::Ipv4Addr{net::load_be32(p + kIp + 16)},
                          net::load_be16(p + kTcp), net::load_be16(p + kTcp + 2));
}

bool Worker::addressed_to_us(const std::uint8_t* frame) const {
    // Compared where it lies: a MacAddr copy of it costs stores and reloads.
    static constexpr net::MacAddr kBroadcast = net::MacAddr::broadcast();
    return std::memcmp(frame, setup_.iface.mac.bytes.data(), 6) == 0 ||
           std::memcmp(frame, kBroadcast.bytes.data(), 6) == 0;
}

void Worker::count_rx(const rte_mbuf* m) {
    ++counters_.rx_packets;
    counters_.rx_bytes += m->pkt_len;
}

void Worker::handle_frame(rte_mbuf* m, tcp::Instant now) {
    count_rx(m);
    if (m->nb_segs != 1) {
        drop(m, net::Drop::rx_multi_segment);
        return;
    }
    std::span<const std::uint8_t> frame(rte_pktmbuf_mtod(m, const std::uint8_t*), m->data_len);
    if (!net::EthernetView::fits(frame)) {
        drop(m, net::Drop::eth_truncated);
        return;
    }
    net::EthernetView eth(frame);
    if (!addressed_to_us(frame.data())) {
        drop(m, net::Drop::eth_not_for_us);
        return;
    }
    switch (eth.ether_type()) {
        case static_cast<std::uint16_t>(net::EtherType::arp):
            handle_arp(m, frame.subspan(net::kEthernetHeaderLen), now);
            return;
        case static_cast<std::uint16_t>(net::EtherType::ipv4):
            handle_ipv4(m, frame, now);
            return;
        default:
            drop(m, net::Drop::eth_unknown_type);
    }
}

void Worker::handle_arp(rte_mbuf* m, std::span<const std::uint8_t> body, tcp::Instant now) {
    net::Drop why{};
    auto arp = net::ArpRepr::parse(body, why);
    if (!arp || arp->target_ip != setup_.iface.ip) {
        drop(m, arp ? net::Drop::arp_not_for_us : why);
        return;
    }
    // RFC 826: a packet addressed to us updates (or adds) the sender's entry.
    arp_.learn(arp->sender_ip, arp->sender_mac, now);
    if (parked_count_ > 0) release_parked(arp->sender_ip, arp->sender_mac);
    if (arp->op != net::ArpOp::request) {
        release(m);
        return;
    }
    // Answer in place: the request's mbuf becomes the reply.
    net::ArpRepr{net::ArpOp::reply, setup_.iface.mac, setup_.iface.ip, arp->sender_mac, arp->sender_ip}
        .emit_frame(rte_pktmbuf_mtod(m, std::uint8_t*), arp->sender_mac);
    m->data_len = m->pkt_len = net::kEthernetHeaderLen + net::kArpLen;
    ++counters_.arp_replies_sent;
    queue_tx(m);
}

void Worker::handle_ipv4(rte_mbuf* m, std::span<const std::uint8_t> frame, tcp::Instant now) {
    net::Drop why{};
    auto ip = net::parse_ipv4(frame.subspan(net::kEthernetHeaderLen), rx_ip_checksum(m), why);
    if (!ip) {
        drop(m, why);
        return;
    }
    if (ip->dst != setup_.iface.ip) {
        drop(m, net::Drop::ipv4_not_for_us);
        return;
    }
    // A "land" packet, our address as its source: no peer sends that, and
    // an answer would be addressed to ourselves (Linux drops it as a martian).
    if (ip->src == ip->dst) {
        drop(m, net::Drop::ipv4_land);
        return;
    }
    if (ip->protocol == net::kIpProtoIcmp) {
        if (net::is_echo_request(ip->payload, why)) {
            auto* base = rte_pktmbuf_mtod(m, std::uint8_t*);
            std::size_t ip_header_len = static_cast<std::size_t>(ip->payload.data() - base) -
                                        net::kEthernetHeaderLen;
            reply_echo(m, {base, frame.size()}, ip_header_len);
            return;
        }
        drop(m, why);
        return;
    }
    if (ip->protocol != net::kIpProtoTcp) {
        drop(m, net::Drop::ipv4_unknown_protocol);
        return;
    }
    if (!tcp_checksum_ok(m, ip->src, ip->dst, ip->payload)) {
        drop(m, net::Drop::tcp_bad_checksum);
        return;
    }
    auto seg = net::parse_tcp(ip->payload, why);
    if (!seg) {
        drop(m, why);
        return;
    }
    if (net::bad_tcp_peer(ip->src)) {
        drop(m, net::Drop::tcp_bad_address);
        return;
    }
    deliver_tcp(m, ip->src, ip->dst, *seg, now);
}

bool Worker::tcp_checksum_ok(const rte_mbuf* m, net::Ipv4Addr src, net::Ipv4Addr dst,
                             std::span<const std::uint8_t> segment) const {
    const net::ChecksumVerdict nic = rx_l4_checksum(m);
    if (nic != net::ChecksumVerdict::unknown) return nic == net::ChecksumVerdict::good;
    return net::verify_tcp_checksum(src, dst, segment);
}

void Worker::deliver_tcp(rte_mbuf* m, net::Ipv4Addr src, net::Ipv4Addr dst, const net::TcpSegmentView& seg,
                         tcp::Instant now) {
    current_peer_ip_ = src;
    current_peer_mac_ = net::EthernetView({rte_pktmbuf_mtod(m, const std::uint8_t*), m->data_len}).src();
    have_current_peer_ = true;
    // A segment without payload is not read again once the stack has parsed
    // it, so its mbuf can carry the first reply (SYN-ACK, RST, ACK): no
    // allocation, and the cache lines are already ours.
    rte_mbuf* const reusable = seg.payload.empty() && exclusively_ours(m) ? m : nullptr;
    reply_buffer_ = reusable;
    stack_->input(src, dst, seg, now);  // payload is read in place, zero copy
    const bool reused = reusable && !reply_buffer_;
    reply_buffer_ = nullptr;
    have_current_peer_ = false;
    if (!reused) release(m);
}

void Worker::reply_echo(rte_mbuf* m, std::span<std::uint8_t> frame, std::size_t ip_header_len) {
    std::uint8_t* eth = frame.data();
    std::uint8_t* ip = eth + net::kEthernetHeaderLen;
    std::uint8_t mac[6];
    std::memcpy(mac, eth, 6);  // swap source and destination MAC
    std::memcpy(eth, eth + 6, 6);
    std::memcpy(eth + 6, mac, 6);
    std::uint8_t addr[4];
    std::memcpy(addr, ip + 12, 4);  // swap source and destination address
    std::memcpy(ip + 12, ip + 16, 4);
    std::memcpy(ip + 16, addr, 4);
    std::uint16_t total_len = net::load_be16(ip + 2);
    ip[8] = 64;  // a fresh TTL
    net::store_be16(ip + 10, 0);
    net::store_be16(ip + 10, net::checksum_finish(net::checksum_accumulate(
                                 0, std::span<const std::uint8_t>(ip, ip_header_len))));
    net::make_echo_reply_in_place({ip + ip_header_len, total_len - ip_header_len});
    m->data_len = m->pkt_len = static_cast<std::uint32_t>(net::kEthernetHeaderLen + total_len);
    ++counters_.icmp_echo_replies;
    queue_tx(m);
}

void Worker::send_arp(net::ArpOp op, const net::MacAddr& dst_mac, net::Ipv4Addr target_ip,
                      const net::MacAddr& target_mac) {
    rte_mbuf* m = rte_pktmbuf_alloc(setup_.pool);
    if (!m) {
        counters_.drop(net::Drop::no_tx_buffer);
        return;
    }
    auto* p = reinterpret_cast<std::uint8_t*>(
        rte_pktmbuf_append(m, net::kEthernetHeaderLen + net::kArpLen));
    net::ArpRepr{op, setup_.iface.mac, setup_.iface.ip, target_mac, target_ip}.emit_frame(p, dst_mac);
    if (op == net::ArpOp::request) ++counters_.arp_requests_sent;
    queue_tx(m);
}

void Worker::park_for_arp(rte_mbuf* m, net::Ipv4Addr next_hop, tcp::Instant now) {
    bool asked = false;
    for (std::size_t i = 0; i < parked_count_; ++i) asked |= parked_[i].next_hop == next_hop;
    if (!asked) send_arp(net::ArpOp::request, net::MacAddr::broadcast(), next_hop, net::MacAddr{});
    if (parked_count_ == kMaxParked) {
        counters_.drop(net::Drop::no_arp_entry);
        rte_pktmbuf_free(m);  // a frame we built, not one of the burst's
        return;
    }
    parked_[parked_count_++] = Parked{m, next_hop, now};
}

void Worker::release_parked(net::Ipv4Addr ip, const net::MacAddr& mac) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < parked_count_; ++i) {
        Parked& p = parked_[i];
        if (p.next_hop == ip) {
            std::memcpy(rte_pktmbuf_mtod(p.frame, std::uint8_t*), mac.bytes.data(), 6);
            queue_tx(p.frame);
        } else {
            parked_[kept++] = p;
        }
    }
    parked_count_ = kept;
}

void Worker::expire_parked(tcp::Instant now) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < parked_count_; ++i) {
        if (now - parked_[i].since >= kArpWait) {
            counters_.drop(net::Drop::no_arp_entry);  // TCP's retransmission will try again
            rte_pktmbuf_free(parked_[i].frame);
        } else {
            parked_[kept++] = parked_[i];
        }
    }
    parked_count_ = kept;
}

void Worker::send(const tcp::OutSegment& seg) {
    std::optional<net::MacAddr> mac;
    if (have_current_peer_ && seg.tuple.remote_ip == current_peer_ip_) {
        mac = current_peer_mac_;
    } else {
        auto hop = setup_.iface.next_hop(seg.tuple.remote_ip);
        if (!hop) {
            counters_.drop(net::Drop::no_route);
            return;
        }
        mac = arp_.find(*hop, stack_->now());
    }
    rte_mbuf* m = reply_buffer_;
    if (m) {
        reply_buffer_ = nullptr;
        rte_pktmbuf_reset(m);
    } else if (!(m = rte_pktmbuf_alloc(setup_.pool))) {
        counters_.drop(net::Drop::no_tx_buffer);
        return;
    }
    // A segment never exceeds the MSS plus headers, far below the mbuf's data
    // room, so it is written in place and its length set once.
    auto* p = rte_pktmbuf_mtod(m, std::uint8_t*);
    net::write_ethernet(p, mac.value_or(net::MacAddr{}), setup_.iface.mac, net::EtherType::ipv4);
    const std::size_t ip_len =
        tcp::write_ipv4_tcp(p + net::kEthernetHeaderLen, seg, ip_id_++, tx_checksum_fill(m));
    m->data_len = static_cast<std::uint16_t>(net::kEthernetHeaderLen + ip_len);
    m->pkt_len = m->data_len;
    if (mac) queue_tx(m);
    else park_for_arp(m, *setup_.iface.next_hop(seg.tuple.remote_ip), stack_->now());
}

void Worker::queue_tx(rte_mbuf* m) {
    tx_[tx_count_++] = m;
    if (tx_count_ == kBurst) flush_tx();
}

void Worker::flush_tx() {
    if (steer_ && !steer_->has_own_queue()) {
        steer_->relay({tx_.data(), tx_count_});
        tx_count_ = 0;
        return;
    }
    // Once handed to the driver an mbuf is no longer ours: count bytes first.
    std::uint64_t bytes = 0;
    for (std::uint16_t i = 0; i < tx_count_; ++i) bytes += tx_[i]->pkt_len;
    // Copied before the driver takes them, published once it has: only
    // frames that left are captured (the driver takes a prefix of the batch).
    CaptureBatch shots;
    if (setup_.capture_tx) [[unlikely]]
        capture_copy(*setup_.capture_tx, {tx_.data(), tx_count_}, stack_->now(), shots);
    std::uint16_t sent = 0;
    for (int attempt = 0; attempt < kTxAttempts && sent < tx_count_; ++attempt)
        sent += rte_eth_tx_burst(setup_.port_id, setup_.queue_id, tx_.data() + sent,
                                 static_cast<std::uint16_t>(tx_count_ - sent));
    if (setup_.capture_tx) [[unlikely]] capture_publish(*setup_.capture_tx, shots, sent);
    counters_.tx_packets += sent;
    for (std::uint16_t i = sent; i < tx_count_; ++i) {
        bytes -= tx_[i]->pkt_len;
        counters_.drop(net::Drop::tx_ring_full);
        rte_pktmbuf_free(tx_[i]);
    }
    counters_.tx_bytes += bytes;
    tx_count_ = 0;
}

}  // namespace synline::engine
