// TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018): parse, emit, checksum.
#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <vector>

#include "linux_captures.hpp"
#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"

using namespace synline::net;

namespace {

using Bytes = std::vector<std::uint8_t>;

// A 20-byte header (1234 -> 80, ACK, window 1000) followed by `options` (a
// multiple of 4 bytes, reflected in the data offset) and `payload`.
Bytes segment_with_options(const Bytes& options, const Bytes& payload = {}) {
    REQUIRE(options.size() % 4 == 0);
    Bytes b(20, 0);
    store_be16(b.data(), 1234);
    store_be16(b.data() + 2, 80);
    store_be32(b.data() + 4, 0x01020304);
    store_be32(b.data() + 8, 0x05060708);
    b[12] = static_cast<std::uint8_t>(((20 + options.size()) / 4) << 4);
    b[13] = tcp_flag::ack;
    store_be16(b.data() + 14, 1000);
    append_bytes(b, options);
    append_bytes(b, payload);
    return b;
}

struct Parsed {
    std::optional<TcpSegmentView> seg;
    Drop why = Drop::count_;
};
Parsed parse(std::span<const std::uint8_t> b) {
    Parsed p;
    p.seg = parse_tcp(b, p.why);
    return p;
}

TcpOptions options_of(const Bytes& opts) {
    const Bytes b = segment_with_options(opts);
    Parsed p = parse(b);
    REQUIRE(p.seg);
    return p.seg->header.options;
}

void check_drop(std::span<const std::uint8_t> b, Drop expected) {
    Parsed p = parse(b);
    CHECK_FALSE(p.seg.has_value());
    INFO("got " << to_string(p.why) << ", expected " << to_string(expected));
    CHECK(p.why == expected);
}

// Emits `h` with `payload` and fills in the checksum for src -> dst.
Bytes emit_segment(const TcpHeader& h, const Bytes& payload, Ipv4Addr src, Ipv4Addr dst) {
    Bytes b(h.header_len());
    h.emit(b.data());
    append_bytes(b, payload);
    const std::uint32_t ph =
        pseudo_header_sum(src, dst, kIpProtoTcp, static_cast<std::uint16_t>(b.size()));
    store_be16(b.data() + kTcpChecksumOffset, checksum_finish(checksum_accumulate(ph, b)));
    return b;
}

const Ipv4Addr kClient{0x0a090001}, kServer{0x0a090002};

}  // namespace

TEST_CASE("parse_tcp reads a real Linux SYN", "[tcp-header]") {
    Parsed p = parse(linux_capture::syn_tcp);
    REQUIRE(p.seg);
    const TcpHeader& h = p.seg->header;
    CHECK(h.src_port == 34560);
    CHECK(h.dst_port == 8080);
    CHECK(h.seq == SeqNum(2935328725u));
    CHECK(h.ack == SeqNum(0));
    CHECK(h.flags == tcp_flag::syn);
    CHECK(h.has(tcp_flag::syn));
    CHECK_FALSE(h.has(tcp_flag::ack));
    CHECK(h.window == 64240);
    CHECK(h.urgent == 0);
    CHECK(h.options.mss == std::uint16_t{1460});
    CHECK(h.options.sack_permitted);
    CHECK(h.options.timestamps == TcpTimestamps{3219722234u, 0});
    CHECK(h.options.window_scale == std::uint8_t{10});
    CHECK(p.seg->payload.empty());
}

TEST_CASE("parse_tcp reads a real Linux data segment", "[tcp-header]") {
    Parsed p = parse(linux_capture::hello_tcp);
    REQUIRE(p.seg);
    const TcpHeader& h = p.seg->header;
    CHECK(h.flags == (tcp_flag::psh | tcp_flag::ack));
    CHECK(h.seq == SeqNum(111248634u));
    CHECK(h.ack == SeqNum(4290195334u));
    CHECK(h.window == 63);
    CHECK(h.options.timestamps == TcpTimestamps{2334913309u, 2835081791u});
    CHECK_FALSE(h.options.mss);
    CHECK_FALSE(h.options.window_scale);
    CHECK_FALSE(h.options.sack_permitted);
    REQUIRE(p.seg->payload.size() == 5);
    CHECK(std::string(p.seg->payload.begin(), p.seg->payload.end()) == "hello");
    CHECK(p.seg->payload.data() == linux_capture::hello_tcp.data() + 32);
}

TEST_CASE("parse_tcp drop reasons", "[tcp-header][drop]") {
    SECTION("shorter than 20 bytes: truncated") {
        const Bytes b = segment_with_options({});
        check_drop(std::span(b).first(19), Drop::tcp_truncated);
        check_drop(Bytes{}, Drop::tcp_truncated);
    }
    SECTION("data offset below 5: bad data offset") {
        Bytes b = segment_with_options({});
        for (std::uint8_t off = 0; off < 5; ++off) {
            b[12] = static_cast<std::uint8_t>(off << 4);
            INFO("data offset " << int{off});
            check_drop(b, Drop::tcp_bad_data_offset);
        }
    }
    SECTION("data offset past the end of the segment: bad data offset") {
        Bytes b = segment_with_options({});
        b[12] = 0x60;  // 24-byte header in 20 bytes
        check_drop(b, Drop::tcp_bad_data_offset);
        b[12] = 0xf0;  // 60-byte header
        b.resize(59);
        check_drop(b, Drop::tcp_bad_data_offset);
        b.resize(60);  // exactly enough: accepted (options all zero = EOL)
        CHECK(parse(b).seg);
    }
    SECTION("option length 0 or 1: bad option") {
        check_drop(segment_with_options({0x02, 0x00, 0x00, 0x00}), Drop::tcp_bad_option);
        check_drop(segment_with_options({0x02, 0x01, 0x00, 0x00}), Drop::tcp_bad_option);
        check_drop(segment_with_options({0xfe, 0x00, 0x00, 0x00}), Drop::tcp_bad_option);
        check_drop(segment_with_options({0x01, 0x05, 0x01, 0x00}), Drop::tcp_bad_option);
    }
    SECTION("option running past the header: bad option") {
        check_drop(segment_with_options({0x08, 0x0a, 0x00, 0x00}), Drop::tcp_bad_option);
        check_drop(segment_with_options({0x01, 0x01, 0x02, 0x04}), Drop::tcp_bad_option);
        // The option would fit if the payload counted: it does not.
        check_drop(segment_with_options({0x01, 0x01, 0x02, 0x04}, {0x05, 0xb4}),
                   Drop::tcp_bad_option);
    }
    SECTION("a kind byte with no room for its length: bad option") {
        check_drop(segment_with_options({0x01, 0x01, 0x01, 0x02}), Drop::tcp_bad_option);
    }
}

TEST_CASE("TCP options: each kind", "[tcp-header][options][rfc7323][rfc2018]") {
    SECTION("MSS") {
        CHECK(options_of({0x02, 0x04, 0x05, 0xb4}).mss == std::uint16_t{1460});
        CHECK(options_of({0x02, 0x04, 0xff, 0xff}).mss == std::uint16_t{65535});
    }
    SECTION("window scale, clamped to 14 (RFC 7323 2.3)") {
        CHECK(options_of({0x01, 0x03, 0x03, 0x00}).window_scale == std::uint8_t{0});
        CHECK(options_of({0x01, 0x03, 0x03, 0x07}).window_scale == std::uint8_t{7});
        CHECK(options_of({0x01, 0x03, 0x03, 0x0e}).window_scale == std::uint8_t{14});
        CHECK(options_of({0x01, 0x03, 0x03, 0x0f}).window_scale == std::uint8_t{14});
        CHECK(options_of({0x01, 0x03, 0x03, 0xff}).window_scale == std::uint8_t{14});
    }
    SECTION("SACK-permitted") {
        const TcpOptions o = options_of({0x01, 0x01, 0x04, 0x02});
        CHECK(o.sack_permitted);
        TcpOptions only_sack_permitted;
        only_sack_permitted.sack_permitted = true;
        CHECK(o == only_sack_permitted);
    }
    SECTION("timestamps") {
        const TcpOptions o = options_of(
            {0x01, 0x01, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44, 0xaa, 0xbb, 0xcc, 0xdd});
        CHECK(o.timestamps == TcpTimestamps{0x11223344, 0xaabbccdd});
    }
    SECTION("SACK blocks are kept in the order sent and parsing goes on (RFC 2018 3)") {
        const TcpOptions o = options_of({0x01, 0x01, 0x05, 0x12, 0, 0, 0, 1, 0, 0, 0, 2,
                                         0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10,
                                         0x02, 0x04, 0x05, 0xb4});
        CHECK(o.mss == std::uint16_t{1460});
        CHECK_FALSE(o.sack_permitted);
        CHECK_FALSE(o.sack_malformed);
        REQUIRE(o.sack_count == 2);
        CHECK(o.sack_block(0) == SackBlock{SeqNum(1), SeqNum(2)});
        CHECK(o.sack_block(1) == SackBlock{SeqNum(0xfffffff0), SeqNum(0x10)});  // across the wrap
    }
    SECTION("four SACK blocks, the most 40 bytes of options hold") {
        std::vector<std::uint8_t> b = {0x01, 0x01, 0x05, 34};
        for (std::uint8_t i = 0; i < 8; ++i) b.insert(b.end(), {0, 0, 0, static_cast<std::uint8_t>(i * 10)});
        const TcpOptions o = options_of(b);
        REQUIRE(o.sack_count == 4);
        CHECK(o.sack_block(3) == SackBlock{SeqNum(60), SeqNum(70)});
    }
    SECTION("unknown kinds are skipped by their length") {
        // Kind 254 (RFC 6994 experimental) and kind 30 (MPTCP), then MSS.
        const TcpOptions o = options_of({0xfe, 0x04, 0x12, 0x34, 0x1e, 0x04, 0x00, 0x00,
                                         0x02, 0x04, 0x02, 0x18});
        CHECK(o.mss == std::uint16_t{536});
    }
    SECTION("EOL stops parsing, even before bytes that would be malformed") {
        CHECK_FALSE(options_of({0x00, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00, 0x00}).mss);
        CHECK(options_of({0x00, 0x02, 0x00, 0x00}) == TcpOptions{});
        CHECK(options_of({0x02, 0x04, 0x05, 0xb4, 0x00, 0x08, 0xff, 0x00}).mss ==
              std::uint16_t{1460});
    }
    SECTION("NOPs are single bytes") {
        CHECK(options_of({0x01, 0x01, 0x01, 0x01, 0x02, 0x04, 0x05, 0xb4}).mss ==
              std::uint16_t{1460});
        CHECK(options_of({0x01, 0x01, 0x01, 0x01}) == TcpOptions{});
    }
}

TEST_CASE("a known option with the wrong length is ignored, not fatal", "[tcp-header][options]") {
    // Each malformed option is followed by a valid MSS to show parsing continued.
    SECTION("MSS with length 3") {
        const TcpOptions o = options_of({0x02, 0x03, 0x05, 0x01, 0x02, 0x04, 0x02, 0x18});
        CHECK(o.mss == std::uint16_t{536});  // only the well-formed one counts
    }
    SECTION("window scale with length 4") {
        const TcpOptions o = options_of({0x03, 0x04, 0x07, 0x00, 0x02, 0x04, 0x05, 0xb4});
        CHECK_FALSE(o.window_scale);
        CHECK(o.mss == std::uint16_t{1460});
    }
    SECTION("SACK-permitted with length 4") {
        const TcpOptions o = options_of({0x04, 0x04, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4});
        CHECK_FALSE(o.sack_permitted);
        CHECK(o.mss == std::uint16_t{1460});
    }
    SECTION("SACK with a length that is not 2 + 8n: no blocks, marked malformed") {
        const TcpOptions o = options_of({0x01, 0x01, 0x05, 0x06, 0, 0, 0, 1, 0x02, 0x04, 0x05, 0xb4});
        CHECK(o.sack_malformed);
        CHECK(o.sack_count == 0);
        CHECK(o.mss == std::uint16_t{1460});
    }
    SECTION("SACK with no block (length 2): marked malformed") {
        const TcpOptions o = options_of({0x01, 0x01, 0x05, 0x02, 0x02, 0x04, 0x05, 0xb4});
        CHECK(o.sack_malformed);
        CHECK(o.sack_count == 0);
        CHECK(o.mss == std::uint16_t{1460});
    }
    SECTION("timestamps with length 8") {
        const TcpOptions o =
            options_of({0x08, 0x08, 1, 2, 3, 4, 5, 6, 0x02, 0x04, 0x05, 0xb4});
        CHECK_FALSE(o.timestamps);
        CHECK(o.mss == std::uint16_t{1460});
    }
}

TEST_CASE("emit/parse round trip for all 16 option combinations", "[tcp-header][options]") {
    for (unsigned mask = 0; mask < 16; ++mask) {
        TcpHeader h;
        h.src_port = 40000;
        h.dst_port = 443;
        h.seq = SeqNum(0xfffffff0u + mask);
        h.ack = SeqNum(0x80000000u);
        h.flags = tcp_flag::ack | tcp_flag::psh | (mask & 1 ? tcp_flag::syn : 0);
        h.window = static_cast<std::uint16_t>(1000 * mask + 1);
        h.urgent = 7;
        if (mask & 1) h.options.mss = 1460;
        if (mask & 2) h.options.window_scale = static_cast<std::uint8_t>(mask % 15);
        if (mask & 4) h.options.sack_permitted = true;
        if (mask & 8) h.options.timestamps = TcpTimestamps{0xdeadbeef, mask};

        const std::size_t expected_options = (mask & 1 ? 4 : 0) + (mask & 8 ? 12 : (mask & 4 ? 4 : 0)) +
                                             (mask & 2 ? 4 : 0);
        INFO("mask " << mask);
        CHECK(h.options.encoded_len() == expected_options);
        CHECK(h.header_len() == 20 + expected_options);
        CHECK(h.header_len() % 4 == 0);
        CHECK(h.header_len() <= 20 + kTcpMaxOptionsLen);

        const Bytes payload = {'x', 'y', 'z'};
        Bytes b(h.header_len(), 0xee);  // 0xee: any byte emit fails to write shows up
        h.emit(b.data());
        CHECK(b[12] >> 4 == h.header_len() / 4);
        CHECK(load_be16(b.data() + kTcpChecksumOffset) == 0);
        append_bytes(b, payload);

        Parsed p = parse(b);
        REQUIRE(p.seg);
        const TcpHeader& r = p.seg->header;
        CHECK(r.src_port == h.src_port);
        CHECK(r.dst_port == h.dst_port);
        CHECK(r.seq == h.seq);
        CHECK(r.ack == h.ack);
        CHECK(r.flags == h.flags);
        CHECK(r.window == h.window);
        CHECK(r.urgent == h.urgent);
        CHECK(r.options == h.options);
        CHECK(Bytes(p.seg->payload.begin(), p.seg->payload.end()) == payload);
    }
}

TEST_CASE("SYN options are laid out byte for byte as Linux lays them out",
          "[tcp-header][options][rfc7323]") {
    // MSS, SACK_PERM+TS, NOP+WS: 20 bytes of options. Rebuilding the captured
    // Linux SYN field by field must reproduce all 40 bytes, checksum included.
    TcpHeader h;
    h.src_port = 34560;
    h.dst_port = 8080;
    h.seq = SeqNum(2935328725u);
    h.flags = tcp_flag::syn;
    h.window = 64240;
    h.options.mss = 1460;
    h.options.sack_permitted = true;
    h.options.timestamps = TcpTimestamps{3219722234u, 0};
    h.options.window_scale = 10;
    CHECK(h.options.encoded_len() == 20);
    const Bytes b = emit_segment(h, {}, kClient, kServer);
    CHECK(b == Bytes(linux_capture::syn_tcp.begin(), linux_capture::syn_tcp.end()));

    SECTION("timestamps alone: NOP NOP TS, as in Linux's data segments") {
        TcpHeader d;
        d.src_port = 32960;
        d.dst_port = 8080;
        d.seq = SeqNum(111248634u);
        d.ack = SeqNum(4290195334u);
        d.flags = tcp_flag::psh | tcp_flag::ack;
        d.window = 63;
        d.options.timestamps = TcpTimestamps{2334913309u, 2835081791u};
        const Bytes seg = emit_segment(d, {'h', 'e', 'l', 'l', 'o'}, kClient, kServer);
        CHECK(seg == Bytes(linux_capture::hello_tcp.begin(), linux_capture::hello_tcp.end()));
    }
    SECTION("SACK-permitted without timestamps: NOP NOP SACK_PERM") {
        TcpOptions o;
        o.sack_permitted = true;
        Bytes out(o.encoded_len());
        o.emit(out.data());
        CHECK(out == Bytes{0x01, 0x01, 0x04, 0x02});
    }
}

TEST_CASE("verify_tcp_checksum on an emitted segment", "[tcp-header][checksum]") {
    TcpHeader h;
    h.src_port = 80;
    h.dst_port = 55555;
    h.seq = SeqNum(42);
    h.ack = SeqNum(4242);
    h.flags = tcp_flag::ack | tcp_flag::fin;
    h.window = 512;
    h.options.timestamps = TcpTimestamps{1, 2};
    Bytes seg = emit_segment(h, {'o', 'd', 'd'}, kServer, kClient);
    CHECK(verify_tcp_checksum(kServer, kClient, seg));
    // The pseudo-header sum is symmetric in source and destination.
    CHECK(verify_tcp_checksum(kClient, kServer, seg));
    seg.back() ^= 0x01;
    CHECK_FALSE(verify_tcp_checksum(kServer, kClient, seg));
    seg.back() ^= 0x01;
    seg[kTcpChecksumOffset] ^= 0x80;
    CHECK_FALSE(verify_tcp_checksum(kServer, kClient, seg));
    seg[kTcpChecksumOffset] ^= 0x80;
    CHECK_FALSE(verify_tcp_checksum(kServer, Ipv4Addr{0x0a090003}, seg));
    // The pseudo-header length counts: one more zero byte is a different segment.
    seg.push_back(0);
    CHECK_FALSE(verify_tcp_checksum(kServer, kClient, seg));
}
