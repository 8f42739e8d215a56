// A Worker on a net_ring vdev for tests of the receive path (EAL tests
// only): frames go in through Worker::process() as after rte_eth_rx_burst,
// what it transmits is read back from the ring (net_ring's TX is its RX),
// its counters are read by their published names, and every mbuf of the
// rig's pool can be counted back. Frames from the peer are built field by
// field (PeerSegment), so a test can give one of them exactly one defect.
#pragma once

#include <catch2/catch.hpp>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/mbuf_pool.hpp"
#include "engine/port.hpp"
#include "engine/stats.hpp"
#include "engine/worker.hpp"
#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "tcp/connection.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/listener.hpp"

namespace synline::engine::test {

using net::Ipv4Addr;
namespace flag = net::tcp_flag;

constexpr Ipv4Addr kServerIp{0x0a000001};  // 10.0.0.1/24
constexpr Ipv4Addr kPeerIp{0x0a000002};
constexpr Ipv4Addr kOtherIp{0x0a000009};   // on the link, not ours
inline const net::MacAddr kPeerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
constexpr std::uint16_t kListenPort = 80;
constexpr std::uint16_t kPeerPort = 40001;
constexpr std::uint32_t kPeerIsn = 0x89abcdef;
constexpr std::uint32_t kPeerTsval = 0x01020304;
constexpr std::uint16_t kPeerWindow = 64240;
constexpr std::size_t kMinFrame = 60;  // Ethernet's minimum without FCS: short frames arrive padded
constexpr std::size_t kIpAt = net::kEthernetHeaderLen;
constexpr std::size_t kTcpAt = kIpAt + net::kIpv4MinHeaderLen;  // without IPv4 options

// ---- the rig: a ring vdev, its pool and port, workers on it -----------------

// A net_ring vdev that exists for one test case.
class RingVdev {
public:
    explicit RingVdev(std::string name) : name_(std::move(name)) {
        REQUIRE(rte_eal_hotplug_add("vdev", name_.c_str(), "") == 0);
    }
    ~RingVdev() { rte_eal_hotplug_remove("vdev", name_.c_str()); }
    RingVdev(const RingVdev&) = delete;
    RingVdev& operator=(const RingVdev&) = delete;
    const std::string& name() const { return name_; }

private:
    std::string name_;
};

inline engine::PortConfig lane_port_config(const std::string& name) {
    engine::PortConfig c;
    c.port_name = name;
    c.mbufs_per_queue = 1023;
    c.mbuf_cache = 32;
    c.rx_desc = 256;
    c.tx_desc = 256;
    c.rx_checksum_offload = false;  // net_ring has none; say so without a note
    c.tx_checksum_offload = false;
    c.packed_pool = true;
    return c;
}

// What came back out of the port.
struct Reply {
    std::vector<std::uint8_t> bytes;
    bool written_in_place = false;  // the lane's mark: the SYN's own mbuf, untouched metadata
};

class LaneRig {
public:
    LaneRig()
        : vdev_("net_ring_sl" + std::to_string(next_id_++)),
          pool_("t_syn_lane", 0, lane_port_config(vdev_.name())),
          port_(lane_port_config(vdev_.name()), {pool_.get()}) {}
    ~LaneRig() {
        // Whatever a failed check left in the ring goes back to the pool.
        replies();
    }

    net::MacAddr mac() const { return net::MacAddr{port_.mac()}; }

    std::unique_ptr<Worker> worker(const tcp::StackConfig& stack) const {
        engine::WorkerSetup ws;
        ws.port_id = port_.id();
        ws.pool = pool_.get();
        ws.iface = engine::Interface{kServerIp, 24, std::nullopt, mac()};
        ws.stack = stack;
        ws.secret = tcp::SipKey{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
        return std::make_unique<Worker>(ws);
    }

    // An mbuf holding `frame`, as the PMD would hand it over.
    rte_mbuf* received(const std::vector<std::uint8_t>& frame) const {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_.get());
        REQUIRE(m != nullptr);
        std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())), frame.data(),
                    frame.size());
        m->port = port_.id();
        return m;
    }

    // Everything the worker transmitted since the last call, in order.
    std::vector<Reply> replies() const {
        std::vector<Reply> out;
        rte_mbuf* got[Worker::kBurst];
        while (const std::uint16_t n = rte_eth_rx_burst(port_.id(), 0, got, Worker::kBurst)) {
            for (std::uint16_t i = 0; i < n; ++i) {
                const auto* p = rte_pktmbuf_mtod(got[i], const std::uint8_t*);
                out.push_back({{p, p + got[i]->data_len}, got[i]->port == port_.id()});
                rte_pktmbuf_free(got[i]);
            }
        }
        return out;
    }

    // Hands the mbufs to the worker as one received burst; returns the replies.
    std::vector<Reply> process_burst(Worker& w, const std::vector<rte_mbuf*>& burst) const {
        w.process(burst);
        return replies();
    }
    std::vector<Reply> exchange(Worker& w, std::initializer_list<std::vector<std::uint8_t>> frames) const {
        std::vector<rte_mbuf*> burst;
        for (const auto& f : frames) burst.push_back(received(f));
        return process_burst(w, burst);
    }

    unsigned free_mbufs() const { return pool_.available(); }
    // An mbuf of the rig's pool, or nullptr when it is empty.
    rte_mbuf* alloc() const { return rte_pktmbuf_alloc(pool_.get()); }

private:
    static inline unsigned next_id_ = 0;
    RingVdev vdev_;
    engine::MbufPool pool_;
    engine::Port port_;
};

inline tcp::StackConfig lane_stack_config() {
    tcp::StackConfig c;
    c.max_connections = 1024;
    c.sack_permitted = true;  // off by default; on here so the SYN-ACK's SACK option is exercised
    return c;
}

class CountingHandler final : public tcp::ConnectionHandler {
public:
    void on_established(tcp::Connection&) override { ++established; }
    int established = 0;
};

// A worker listening on kListenPort with `options`.
struct Server {
    Server(const LaneRig& rig, tcp::ListenOptions options) : worker(rig.worker(lane_stack_config())) {
        REQUIRE(worker->stack().listen(kListenPort, handler, options));
    }
    CountingHandler handler;
    std::unique_ptr<Worker> worker;
};

// A listener that answers every SYN with a cookie: the lane's case.
inline tcp::ListenOptions cookies_always() {
    tcp::ListenOptions o;
    o.cookies = tcp::SynCookieMode::always;
    return o;
}

// ---- counters ---------------------------------------------------------------

using Counts = std::map<std::string, std::uint64_t>;

// The worker's counters by their published name (`stat` names).
inline Counts all_counters(Worker& w) {
    w.publish_stats();
    const auto& names = engine::counter_names();
    std::vector<std::uint64_t> sums(names.size());
    w.board().add_to(sums);
    Counts out;
    for (std::size_t i = 0; i < names.size(); ++i) out[names[i]] = sums[i];
    return out;
}

// The counters under `prefix` that are not zero.
inline Counts nonzero(Worker& w, const std::string& prefix) {
    Counts out;
    for (const auto& [name, value] : all_counters(w))
        if (name.starts_with(prefix) && value != 0) out[name] = value;
    return out;
}

// ---- frames from the peer ---------------------------------------------------

// TCP options as bytes, in any order the test wants.
class OptionBytes {
public:
    OptionBytes& nop() { return add({net::option_kind::nop}); }
    OptionBytes& mss(std::uint16_t v) {
        return add({net::option_kind::mss, 4, static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
    }
    OptionBytes& window_scale(std::uint8_t shift) { return add({net::option_kind::window_scale, 3, shift}); }
    OptionBytes& sack_permitted() { return add({net::option_kind::sack_permitted, 2}); }
    OptionBytes& timestamps(std::uint32_t value, std::uint32_t echo) {
        add({net::option_kind::timestamps, 10});
        for (std::uint32_t word : {value, echo})
            for (int shift = 24; shift >= 0; shift -= 8) b_.push_back(static_cast<std::uint8_t>(word >> shift));
        return *this;
    }
    OptionBytes& add(std::initializer_list<std::uint8_t> bytes) {
        b_.insert(b_.end(), bytes);
        return *this;
    }
    // Padded with end-of-options to whole words.
    std::vector<std::uint8_t> bytes() const {
        std::vector<std::uint8_t> out = b_;
        while (out.size() % 4 != 0) out.push_back(net::option_kind::end);
        return out;
    }

private:
    std::vector<std::uint8_t> b_;
};

// A segment from the peer to us; frame_of() gives it valid checksums.
struct PeerSegment {
    Ipv4Addr src = kPeerIp;
    Ipv4Addr dst = kServerIp;
    std::uint16_t src_port = kPeerPort;
    std::uint16_t dst_port = kListenPort;
    std::uint32_t seq = kPeerIsn;
    std::uint32_t ack = 0;
    std::uint8_t flags = flag::syn;
    std::uint16_t window = kPeerWindow;
    std::vector<std::uint8_t> options;
    std::vector<std::uint8_t> payload;
    std::vector<std::uint8_t> ip_options;
    std::uint16_t fragment = 0x4000;                    // DF
    std::uint16_t extra_total_length = 0;               // claims bytes the frame does not have
    std::optional<std::uint8_t> data_offset_words;      // default: the header's true length
};

inline std::vector<std::uint8_t> frame_of(const PeerSegment& s, const net::MacAddr& to) {
    const std::size_t ip_header = net::kIpv4MinHeaderLen + s.ip_options.size();
    const std::size_t tcp_header = net::kTcpMinHeaderLen + s.options.size();
    const std::size_t tcp_len = tcp_header + s.payload.size();
    std::vector<std::uint8_t> f(std::max(kIpAt + ip_header + tcp_len, kMinFrame), 0);
    net::write_ethernet(f.data(), to, kPeerMac, net::EtherType::ipv4);
    std::uint8_t* ip = f.data() + kIpAt;
    ip[0] = static_cast<std::uint8_t>(0x40 | ip_header / 4);
    net::store_be16(ip + 2, static_cast<std::uint16_t>(ip_header + tcp_len + s.extra_total_length));
    net::store_be16(ip + 4, 0x1234);
    net::store_be16(ip + 6, s.fragment);
    ip[8] = 64;
    ip[9] = net::kIpProtoTcp;
    net::store_be32(ip + 12, s.src.value);
    net::store_be32(ip + 16, s.dst.value);
    std::copy(s.ip_options.begin(), s.ip_options.end(), ip + net::kIpv4MinHeaderLen);
    net::store_be16(ip + 10, net::checksum_finish(net::checksum_accumulate(0, {ip, ip_header})));
    std::uint8_t* tcp = ip + ip_header;
    net::store_be16(tcp, s.src_port);
    net::store_be16(tcp + 2, s.dst_port);
    net::store_be32(tcp + 4, s.seq);
    net::store_be32(tcp + 8, s.ack);
    tcp[12] = static_cast<std::uint8_t>(s.data_offset_words.value_or(tcp_header / 4) << 4);
    tcp[13] = s.flags;
    net::store_be16(tcp + 14, s.window);
    std::copy(s.options.begin(), s.options.end(), tcp + net::kTcpMinHeaderLen);
    std::copy(s.payload.begin(), s.payload.end(), tcp + tcp_header);
    const std::uint32_t pseudo =
        net::pseudo_header_sum(s.src, s.dst, net::kIpProtoTcp, static_cast<std::uint16_t>(tcp_len));
    net::store_be16(tcp + net::kTcpChecksumOffset,
                    net::checksum_finish(net::checksum_accumulate(pseudo, {tcp, tcp_len})));
    return f;
}

// ---- replies ----------------------------------------------------------------

struct ParsedReply {
    net::MacAddr eth_dst, eth_src;
    Ipv4Addr ip_src, ip_dst;
    net::TcpHeader tcp;
    std::size_t payload_len = 0;
};

// Parses a reply as a receiver would, checking both checksums.
inline ParsedReply parse_reply(const Reply& r) {
    const std::span<const std::uint8_t> f(r.bytes);
    REQUIRE(net::EthernetView::fits(f));
    const net::EthernetView eth(f);
    REQUIRE(eth.ether_type() == static_cast<std::uint16_t>(net::EtherType::ipv4));
    net::Drop why{};
    const auto ip = net::parse_ipv4(f.subspan(kIpAt), net::ChecksumVerdict::unknown, why);
    REQUIRE(ip);  // includes the IPv4 header checksum
    REQUIRE(ip->protocol == net::kIpProtoTcp);
    REQUIRE(net::verify_tcp_checksum(ip->src, ip->dst, ip->payload));
    const auto seg = net::parse_tcp(ip->payload, why);
    REQUIRE(seg);
    return {eth.dst(), eth.src(), ip->src, ip->dst, seg->header, seg->payload.size()};
}

// A reply from us to the peer of the default PeerSegment.
inline ParsedReply parse_reply_to_peer(const Reply& r, const net::MacAddr& ours) {
    const ParsedReply p = parse_reply(r);
    CHECK(p.eth_dst == kPeerMac);
    CHECK(p.eth_src == ours);
    CHECK(p.ip_src == kServerIp);
    CHECK(p.ip_dst == kPeerIp);
    CHECK(p.tcp.src_port == kListenPort);
    CHECK(p.tcp.dst_port == kPeerPort);
    CHECK(p.payload_len == 0);
    return p;
}

}  // namespace synline::engine::test
