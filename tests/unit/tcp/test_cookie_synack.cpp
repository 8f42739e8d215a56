// The SYN fast lane's SYN-ACK writer (lib/tcp/cookie_synack.hpp) against the
// general one (lib/tcp/segment_writer.hpp): the lane writes cookie SYN-ACKs
// with write_ipv4_cookie_synack(), every other path sends to_out_segment()
// through write_ipv4_tcp(), and the two must put the same bytes on the wire.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "net/checksum.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "tcp/cookie_synack.hpp"
#include "tcp/segment_writer.hpp"

using synline::net::FourTuple;
using synline::net::Ipv4Addr;
using synline::net::SeqNum;
using synline::tcp::ChecksumFill;
using synline::tcp::CookieSynAck;
namespace net = synline::net;
namespace tcp = synline::tcp;

namespace {

constexpr std::size_t kRoom = net::kIpv4MinHeaderLen + net::kTcpMinHeaderLen + net::kTcpMaxOptionsLen + 8;
// Both buffers start with this byte everywhere, so a byte one writer leaves
// unwritten shows up as a difference (or a bad checksum).
constexpr std::uint8_t kUnwritten = 0xa5;

struct OptionSet {
    bool timestamps, sack_permitted, window_scaling;
};

// Every combination: SACK-permitted and window scale take effect only beside
// timestamps (S16), so without them the SYN-ACK carries the MSS alone.
constexpr std::array<OptionSet, 8> kOptionSets{{
    {false, false, false},
    {false, true, false},
    {false, false, true},
    {false, true, true},
    {true, false, false},
    {true, true, false},
    {true, false, true},
    {true, true, true},
}};

// What a stack's shapes are built from, drawn at random.
struct ShapeParams {
    std::uint16_t window, mss;
    std::uint8_t shift;

    tcp::CookieSynAckShapes shapes() const { return tcp::CookieSynAckShapes(window, mss, shift); }
};

ShapeParams random_params(std::mt19937_64& rng) {
    return {static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()),
            static_cast<std::uint8_t>(rng() % (net::kMaxWindowScale + 1))};
}

CookieSynAck random_synack(std::mt19937_64& rng, const tcp::CookieSynAckShapes& shapes, const OptionSet& o) {
    auto u32 = [&] { return static_cast<std::uint32_t>(rng()); };
    auto u16 = [&] { return static_cast<std::uint16_t>(rng()); };
    CookieSynAck s;
    s.shape = &shapes.pick(o.timestamps, o.sack_permitted, o.window_scaling);
    s.tuple = FourTuple{Ipv4Addr{u32()}, Ipv4Addr{u32()}, u16(), u16()};
    s.seq = SeqNum(u32());
    s.ack = SeqNum(u32());
    // Filled even without timestamps, where both writers must ignore them.
    s.tsval = u32();
    s.tsecr = u32();
    return s;
}

struct Written {
    std::array<std::uint8_t, kRoom> bytes;
    std::size_t len;
};

Written write_cookie(const CookieSynAck& s, std::uint16_t id, ChecksumFill fill) {
    Written w;
    w.bytes.fill(kUnwritten);
    w.len = tcp::write_ipv4_cookie_synack(w.bytes.data(), s, id, fill);
    return w;
}

Written write_general(const CookieSynAck& s, std::uint16_t id, ChecksumFill fill) {
    Written w;
    w.bytes.fill(kUnwritten);
    w.len = tcp::write_ipv4_tcp(w.bytes.data(), tcp::to_out_segment(s), id, fill);
    return w;
}

// The segment as a receiver sees it: what parse_ipv4 and parse_tcp make of it.
net::TcpHeader parse_back(const Written& w) {
    net::Drop why{};
    auto ip = net::parse_ipv4({w.bytes.data(), w.len}, net::ChecksumVerdict::unknown, why);
    REQUIRE(ip);
    auto seg = net::parse_tcp(ip->payload, why);
    REQUIRE(seg);
    CHECK(seg->payload.empty());
    return seg->header;
}

}  // namespace

TEST_CASE("Cookie SYN-ACK writer: byte for byte what write_ipv4_tcp(to_out_segment) writes",
          "[cookie-synack][s15][s16]") {
    std::mt19937_64 rng(20261124);
    std::size_t compared = 0;
    for (int round = 0; round < 100; ++round) {
        const ShapeParams params = random_params(rng);
        const tcp::CookieSynAckShapes shapes = params.shapes();
        for (const OptionSet& o : kOptionSets) {
            for (ChecksumFill fill : {ChecksumFill::software, ChecksumFill::offload}) {
                for (int i = 0; i < 10; ++i) {
                    const CookieSynAck s = random_synack(rng, shapes, o);
                    const auto id = static_cast<std::uint16_t>(rng());
                    const Written lane = write_cookie(s, id, fill);
                    const Written general = write_general(s, id, fill);
                    INFO("window " << params.window << " mss " << params.mss << " shift " << int{params.shift}
                                   << " ts " << o.timestamps << " sack " << o.sack_permitted << " ws "
                                   << o.window_scaling << " fill " << static_cast<int>(fill) << " case " << i);
                    REQUIRE(lane.len == general.len);
                    REQUIRE(lane.len == net::kIpv4MinHeaderLen + s.shape->header_len());
                    // Past the header the lane's writer may leave scratch.
                    REQUIRE(std::equal(lane.bytes.begin(), lane.bytes.begin() + lane.len, general.bytes.begin()));
                    REQUIRE(general.bytes[general.len] == kUnwritten);
                    ++compared;
                }
            }
        }
    }
    CHECK(compared == 16000);
}

TEST_CASE("Cookie SYN-ACK writer: written with seq 0, then put_cookie_synack_seq(), the same bytes again",
          "[cookie-synack][s15]") {
    // The SYN lane's order: the SYN-ACK first, its cookie later. Sequence
    // numbers at the edges of both 16-bit halves, then random ones.
    std::mt19937_64 rng(20261204);
    std::vector<std::uint32_t> seqs{0, 1, 0xffff, 0x10000, 0xffff0000, 0x0000ffff, 0xfffffffe, 0xffffffff};
    while (seqs.size() < 40) seqs.push_back(static_cast<std::uint32_t>(rng()));
    std::size_t compared = 0;
    for (int round = 0; round < 20; ++round) {
        const tcp::CookieSynAckShapes shapes = random_params(rng).shapes();
        for (const OptionSet& o : kOptionSets) {
            for (ChecksumFill fill : {ChecksumFill::software, ChecksumFill::offload}) {
                for (const std::uint32_t seq : seqs) {
                    CookieSynAck s = random_synack(rng, shapes, o);
                    const auto id = static_cast<std::uint16_t>(rng());
                    s.seq = SeqNum(0);
                    Written lane = write_cookie(s, id, fill);
                    tcp::put_cookie_synack_seq(lane.bytes.data(), SeqNum(seq), fill);
                    s.seq = SeqNum(seq);
                    const Written general = write_general(s, id, fill);
                    INFO("seq " << seq << " fill " << static_cast<int>(fill));
                    REQUIRE(std::equal(lane.bytes.begin(), lane.bytes.begin() + lane.len, general.bytes.begin()));
                    if (fill == ChecksumFill::software) CHECK(parse_back(lane).seq == SeqNum(seq));
                    ++compared;
                }
            }
        }
    }
    CHECK(compared == 20 * 8 * 2 * 40);
}

TEST_CASE("Cookie SYN-ACK writer: writes no further than kCookieSynAckRoom", "[cookie-synack]") {
    std::mt19937_64 rng(5);
    const tcp::CookieSynAckShapes shapes = random_params(rng).shapes();
    for (const OptionSet& o : kOptionSets) {
        const Written w = write_cookie(random_synack(rng, shapes, o), 1, ChecksumFill::software);
        CHECK(w.len <= tcp::kCookieSynAckRoom);
        CHECK(w.bytes[tcp::kCookieSynAckRoom] == kUnwritten);
    }
}

TEST_CASE("Cookie SYN-ACK shapes: the header is 24 or 36 or 40 bytes long", "[cookie-synack]") {
    std::mt19937_64 rng(7);
    const tcp::CookieSynAckShapes shapes = random_params(rng).shapes();
    CHECK(shapes.pick(false, false, false).header_len() == 24);
    CHECK(shapes.pick(false, true, true).header_len() == 24);  // nothing rides without timestamps
    CHECK(shapes.pick(true, false, false).header_len() == 36);
    CHECK(shapes.pick(true, true, false).header_len() == 36);
    CHECK(shapes.pick(true, false, true).header_len() == 40);
    CHECK(shapes.pick(true, true, true).header_len() == 40);
}

TEST_CASE("Cookie SYN-ACK writer: software checksums verify and the fields parse back",
          "[cookie-synack][s15][s16]") {
    std::mt19937_64 rng(99);
    for (int round = 0; round < 50; ++round) {
        const ShapeParams params = random_params(rng);
        const tcp::CookieSynAckShapes shapes = params.shapes();
        for (const OptionSet& o : kOptionSets) {
            for (int i = 0; i < 10; ++i) {
                const CookieSynAck s = random_synack(rng, shapes, o);
                const Written w = write_cookie(s, static_cast<std::uint16_t>(i), ChecksumFill::software);
                const std::span<const std::uint8_t> ip(w.bytes.data(), net::kIpv4MinHeaderLen);
                const std::span<const std::uint8_t> segment(w.bytes.data() + net::kIpv4MinHeaderLen,
                                                            w.len - net::kIpv4MinHeaderLen);
                REQUIRE(net::checksum_finish(net::checksum_accumulate(0, ip)) == 0);
                REQUIRE(net::verify_tcp_checksum(s.tuple.local_ip, s.tuple.remote_ip, segment));

                const net::TcpHeader h = parse_back(w);
                REQUIRE(h.src_port == s.tuple.local_port);
                REQUIRE(h.dst_port == s.tuple.remote_port);
                REQUIRE(h.seq == s.seq);
                REQUIRE(h.ack == s.ack);
                REQUIRE(h.flags == (net::tcp_flag::syn | net::tcp_flag::ack));
                REQUIRE(h.window == params.window);
                REQUIRE(h.options.mss == params.mss);
                REQUIRE(h.options.timestamps.has_value() == o.timestamps);
                REQUIRE(h.options.sack_permitted == (o.timestamps && o.sack_permitted));
                REQUIRE(h.options.window_scale.has_value() == (o.timestamps && o.window_scaling));
                if (o.timestamps) {
                    REQUIRE(h.options.timestamps->value == s.tsval);
                    REQUIRE(h.options.timestamps->echo == s.tsecr);
                }
                if (o.timestamps && o.window_scaling) REQUIRE(*h.options.window_scale == params.shift);
            }
        }
    }
}

TEST_CASE("Cookie SYN-ACK writer: with offload the IPv4 checksum is zero and TCP's holds the "
          "pseudo-header sum",
          "[cookie-synack]") {
    std::mt19937_64 rng(3);
    const tcp::CookieSynAckShapes shapes = random_params(rng).shapes();
    for (const OptionSet& o : kOptionSets) {
        const CookieSynAck s = random_synack(rng, shapes, o);
        const Written w = write_cookie(s, 1, ChecksumFill::offload);
        const std::uint8_t* tcp_at = w.bytes.data() + net::kIpv4MinHeaderLen;
        CHECK(net::load_be16(w.bytes.data() + 10) == 0);
        const auto tcp_len = static_cast<std::uint16_t>(s.shape->header_len());
        CHECK(net::load_be16(tcp_at + net::kTcpChecksumOffset) ==
              tcp::offload_checksum_field(
                  net::pseudo_header_sum(s.tuple.local_ip, s.tuple.remote_ip, net::kIpProtoTcp, tcp_len)));
    }
}
