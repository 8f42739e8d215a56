// The malformed-input catalogue, through a real Worker (worker_rig.hpp): each
// frame has one defect, and must be dropped under exactly one named counter,
// answered only where an answer is due (a SYN-ACK for a SYN whose options are
// odd but legal, a RST where RFC 9293 3.10.7.1 asks for one), create no
// connection, and give every mbuf back. A listener on port 80 (SYN queue,
// cookies on overflow); port 81 is closed.
#include <catch2/catch.hpp>

#include <vector>

#include "worker_rig.hpp"

using namespace synline;
using namespace synline::engine::test;
using engine::Worker;

namespace {

constexpr std::size_t kIpAt = net::kEthernetHeaderLen;
constexpr std::uint16_t kClosedPort = 81;

enum class Answer { none, synack, rst };

struct Malformed {
    const char* name;
    std::vector<std::uint8_t> frame;
    Counts counters;  // drop.*, tcp.dropped.* and tcp.rst_sent.* afterwards
    Answer answer = Answer::none;
};

std::vector<std::uint8_t> frame(const PeerSegment& s, const net::MacAddr& to) { return frame_of(s, to); }

PeerSegment syn_options(std::vector<std::uint8_t> options) {
    PeerSegment s;
    s.options = std::move(options);
    return s;
}

PeerSegment with_flags(std::uint8_t flags, std::uint16_t port = kListenPort) {
    PeerSegment s;
    s.flags = flags;
    s.dst_port = port;
    return s;
}

PeerSegment from(Ipv4Addr src) {
    PeerSegment s;
    s.src = src;
    return s;
}

// Rewrites an IPv4 header field after frame_of() and fixes the header checksum.
std::vector<std::uint8_t> ip_patched(std::vector<std::uint8_t> f, std::size_t at, std::uint8_t value) {
    f[kIpAt + at] = value;
    // Over the header as IHL gives it, or as much of it as the frame holds.
    const std::size_t ihl = std::min(std::max<std::size_t>(std::size_t{f[kIpAt] & 0x0fu} * 4, net::kIpv4MinHeaderLen),
                                     f.size() - kIpAt);
    net::store_be16(&f[kIpAt + 10], 0);
    net::store_be16(&f[kIpAt + 10], net::checksum_finish(net::checksum_accumulate(0, {&f[kIpAt], ihl})));
    return f;
}

// A frame whose TCP segment is `tcp` as given, its checksum made to verify by
// the 16-bit word at `fix_at` (a truncated header has no checksum field).
std::vector<std::uint8_t> raw_tcp(std::vector<std::uint8_t> tcp, std::size_t fix_at, const net::MacAddr& to) {
    PeerSegment s;
    s.options.clear();
    std::vector<std::uint8_t> f = frame_of(s, to);
    f.resize(kIpAt + net::kIpv4MinHeaderLen);
    net::store_be16(&f[kIpAt + 2], static_cast<std::uint16_t>(net::kIpv4MinHeaderLen + tcp.size()));
    f = ip_patched(f, 0, 0x45);
    net::store_be16(&tcp[fix_at], 0);
    const std::uint32_t pseudo =
        net::pseudo_header_sum(kPeerIp, kServerIp, net::kIpProtoTcp, static_cast<std::uint16_t>(tcp.size()));
    net::store_be16(&tcp[fix_at], net::checksum_finish(net::checksum_accumulate(pseudo, tcp)));
    f.insert(f.end(), tcp.begin(), tcp.end());
    f.resize(std::max<std::size_t>(f.size(), 60));
    return f;
}

std::vector<Malformed> catalogue(const net::MacAddr& us) {
    PeerSegment plain;  // a SYN without options: 54 bytes, padded to 60
    const auto good = frame(plain, us);
    std::vector<std::uint8_t> eth_short(good.begin(), good.begin() + 10);
    std::vector<std::uint8_t> ip_short(good.begin(), good.begin() + kIpAt + 12);
    auto bad_ip_sum = good;
    bad_ip_sum[kIpAt + 10] ^= 0x40;
    auto bad_tcp_sum = good;
    bad_tcp_sum[kIpAt + 20 + 16] ^= 0x40;
    PeerSegment long_total;
    long_total.extra_total_length = 100;
    PeerSegment mf;
    mf.fragment = 0x2000;
    PeerSegment offset;
    offset.fragment = 0x0001;
    PeerSegment do4;
    do4.data_offset_words = 4;
    PeerSegment do15;
    do15.data_offset_words = 15;
    // 12 bytes of TCP header: ports, seq, half the ack field (its checksum fixer).
    const std::vector<std::uint8_t> tcp12{0x9c, 0x41, 0x00, 0x50, 0x89, 0xab, 0xcd, 0xef, 0, 0, 0, 0};
    return {
        {"Ethernet header truncated (10 bytes)", eth_short, {{"drop.eth_truncated", 1}}},
        {"IPv4 header truncated (12 bytes)", ip_short, {{"drop.ipv4_truncated", 1}}},
        {"IPv4 version 6", ip_patched(good, 0, 0x65), {{"drop.ipv4_bad_version", 1}}},
        {"IPv4 IHL 4 (< 5)", ip_patched(good, 0, 0x44), {{"drop.ipv4_bad_ihl", 1}}},
        {"IPv4 IHL 15, past the frame", ip_patched(good, 0, 0x4f), {{"drop.ipv4_bad_ihl", 1}}},
        {"IPv4 total length past the frame", frame(long_total, us), {{"drop.ipv4_truncated", 1}}},
        {"IPv4 total length 19, shorter than the header", ip_patched(ip_patched(good, 2, 0), 3, 19),
         {{"drop.ipv4_bad_total_length", 1}}},
        {"IPv4 header checksum wrong", bad_ip_sum, {{"drop.ipv4_bad_checksum", 1}}},
        {"IPv4 fragment: more fragments", frame(mf, us), {{"drop.ipv4_fragment", 1}}},
        {"IPv4 fragment: offset 8", frame(offset, us), {{"drop.ipv4_fragment", 1}}},
        {"land: our own address as the source", frame(from(kServerIp), us), {{"drop.ipv4_land", 1}}},
        {"broadcast source", frame(from(Ipv4Addr{0xffffffff}), us), {{"drop.tcp_bad_address", 1}}},
        {"multicast source", frame(from(Ipv4Addr{0xe0000001}), us), {{"drop.tcp_bad_address", 1}}},
        {"source 0.0.0.0", frame(from(Ipv4Addr{0}), us), {{"drop.tcp_bad_address", 1}}},
        {"TCP header truncated (12 bytes)", raw_tcp(tcp12, 8, us), {{"drop.tcp_truncated", 1}}},
        {"TCP checksum wrong", bad_tcp_sum, {{"drop.tcp_bad_checksum", 1}}},
        {"TCP data offset 4 (< 5)", frame(do4, us), {{"drop.tcp_bad_data_offset", 1}}},
        {"TCP data offset 15, past the segment", frame(do15, us), {{"drop.tcp_bad_data_offset", 1}}},
        {"option length 0", frame(syn_options({2, 0, 5, 0xb4}), us), {{"drop.tcp_bad_option", 1}}},
        {"option length 1", frame(syn_options({8, 1, 0, 0}), us), {{"drop.tcp_bad_option", 1}}},
        {"option overruns the header (MSS length 9)", frame(syn_options({2, 9, 5, 0xb4}), us),
         {{"drop.tcp_bad_option", 1}}},
        {"option kind in the last byte, no length", frame(syn_options({1, 1, 1, 2}), us),
         {{"drop.tcp_bad_option", 1}}},
        // Legal if odd: the SYN is answered.
        {"MSS twice", frame(syn_options(OptionBytes().mss(1460).mss(536).bytes()), us), {}, Answer::synack},
        {"window scale 15 (> 14, used as 14: RFC 7323 2.3)",
         frame(syn_options(OptionBytes().mss(1460).nop().window_scale(15).bytes()), us), {}, Answer::synack},
        {"window scale 255", frame(syn_options(OptionBytes().nop().window_scale(255).bytes()), us), {},
         Answer::synack},
        // Flags: to the listener, then to the closed port.
        {"SYN+FIN to a listener", frame(with_flags(flag::syn | flag::fin), us), {{"tcp.dropped.syn_fin", 1}}},
        {"SYN+RST to a listener", frame(with_flags(flag::syn | flag::rst), us),
         {{"tcp.dropped.rst_no_connection", 1}}},
        {"no flags to a listener", frame(with_flags(0), us), {{"tcp.dropped.listener_not_syn", 1}}},
        {"XMAS (FIN PSH URG) to a listener", frame(with_flags(flag::fin | flag::psh | flag::urg), us),
         {{"tcp.dropped.listener_not_syn", 1}}},
        {"every flag to a listener", frame(with_flags(0xff), us), {{"tcp.dropped.rst_no_connection", 1}}},
        {"SYN+RST to a closed port", frame(with_flags(flag::syn | flag::rst, kClosedPort), us),
         {{"tcp.dropped.rst_no_connection", 1}}},
        // RFC 9293 3.10.7.1: in CLOSED, anything but a RST gets one.
        {"no flags to a closed port", frame(with_flags(0, kClosedPort), us), {{"tcp.rst_sent.no_connection", 1}},
         Answer::rst},
        {"XMAS to a closed port", frame(with_flags(flag::fin | flag::psh | flag::urg, kClosedPort), us),
         {{"tcp.rst_sent.no_connection", 1}}, Answer::rst},
    };
}

Counts outcome(Worker& w) {
    Counts c = nonzero(w, "drop.");
    c.merge(nonzero(w, "tcp.dropped."));
    c.merge(nonzero(w, "tcp.rst_sent."));
    return c;
}

}  // namespace

TEST_CASE("malformed catalogue: each defect dropped under its one counter, answered only where due",
          "[malformed][drop]") {
    LaneRig rig;
    for (const Malformed& c : catalogue(rig.mac())) {
        INFO("frame: " << c.name);
        Server server(rig, tcp::ListenOptions{});
        const auto replies = rig.exchange(*server.worker, {c.frame});
        CHECK(outcome(*server.worker) == c.counters);
        switch (c.answer) {
            case Answer::none: CHECK(replies.empty()); break;
            case Answer::synack:
                REQUIRE(replies.size() == 1);
                CHECK(parse_reply_to_peer(replies[0], rig.mac()).tcp.flags == (flag::syn | flag::ack));
                break;
            case Answer::rst:
                REQUIRE(replies.size() == 1);
                CHECK(parse_reply(replies[0]).tcp.has(flag::rst));
                break;
        }
        if (c.answer != Answer::synack) CHECK(server.worker->stack().connection_count() == 0);
    }
    CHECK(rig.free_mbufs() == 1023);  // every frame and reply back in the pool
}
