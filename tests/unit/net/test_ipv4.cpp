// IPv4 header validation (RFC 791, RFC 1122 3.2.1) and dotted-quad addresses.
#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "linux_captures.hpp"
#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ipv4.hpp"
#include "net/ipv4_addr.hpp"

using namespace synline::net;

namespace {

using Bytes = std::vector<std::uint8_t>;

// The captured Linux SYN: a 20-byte header and 40 bytes of TCP.
Bytes linux_syn_packet() {
    Bytes b(linux_capture::syn_ipv4.begin(), linux_capture::syn_ipv4.end());
    append_bytes(b, linux_capture::syn_tcp);
    return b;
}

// Rewrites the header checksum after a test changed a field, so that only the
// field under test is wrong.
void fix_checksum(Bytes& b) {
    const std::size_t ihl = std::size_t{b[0] & 0x0fu} * 4;
    store_be16(b.data() + 10, 0);
    store_be16(b.data() + 10, checksum_finish(checksum_accumulate(
                                  0, std::span<const std::uint8_t>(b.data(), std::min(ihl, b.size())))));
}

// Parses and returns the drop reason, or nullopt-equivalent "accepted".
struct Outcome {
    std::optional<Ipv4Packet> pkt;
    Drop why = Drop::count_;
};
Outcome parse(std::span<const std::uint8_t> b, ChecksumVerdict v = ChecksumVerdict::unknown) {
    Outcome o;
    o.pkt = parse_ipv4(b, v, o.why);
    return o;
}

void check_drop(const Bytes& b, Drop expected, ChecksumVerdict v = ChecksumVerdict::unknown) {
    Outcome o = parse(b, v);
    CHECK_FALSE(o.pkt.has_value());
    INFO("got " << to_string(o.why) << ", expected " << to_string(expected));
    CHECK(o.why == expected);
}

}  // namespace

TEST_CASE("a real Linux packet parses with every field", "[ipv4]") {
    const Bytes b = linux_syn_packet();
    Outcome o = parse(b);
    REQUIRE(o.pkt);
    CHECK(o.pkt->src == Ipv4Addr{0x0a090001});
    CHECK(o.pkt->dst == Ipv4Addr{0x0a090002});
    CHECK(o.pkt->protocol == kIpProtoTcp);
    CHECK(o.pkt->ttl == 64);
    CHECK(o.pkt->payload.size() == 40);
    CHECK(o.pkt->payload.data() == b.data() + 20);
}

TEST_CASE("parse_ipv4 drop reasons", "[ipv4][drop]") {
    Bytes b = linux_syn_packet();

    SECTION("shorter than the minimum header: truncated") {
        check_drop(Bytes(b.begin(), b.begin() + 19), Drop::ipv4_truncated);
        check_drop(Bytes{}, Drop::ipv4_truncated);
    }
    SECTION("version 6 in an IPv4 frame: bad version") {
        b[0] = 0x65;
        fix_checksum(b);
        check_drop(b, Drop::ipv4_bad_version);
        b[0] = 0x05;
        check_drop(b, Drop::ipv4_bad_version);
    }
    SECTION("IHL below 5: bad IHL") {
        for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
            b[0] = static_cast<std::uint8_t>(0x40 | ihl);
            INFO("ihl " << int{ihl});
            check_drop(b, Drop::ipv4_bad_ihl);
        }
    }
    SECTION("IHL beyond the frame: bad IHL") {
        Bytes small(b.begin(), b.begin() + 24);
        small[0] = 0x4f;  // 60-byte header in a 24-byte frame
        store_be16(small.data() + 2, 60);
        fix_checksum(small);
        check_drop(small, Drop::ipv4_bad_ihl);
        // Also when total length is below the (impossible) header length.
        store_be16(small.data() + 2, 24);
        check_drop(small, Drop::ipv4_bad_ihl);
    }
    SECTION("total length below the header length: bad total length") {
        store_be16(b.data() + 2, 19);
        fix_checksum(b);
        check_drop(b, Drop::ipv4_bad_total_length);
        b[0] = 0x46;  // 24-byte header, total length 20
        store_be16(b.data() + 2, 20);
        fix_checksum(b);
        check_drop(b, Drop::ipv4_bad_total_length);
    }
    SECTION("total length beyond the frame: truncated") {
        store_be16(b.data() + 2, 61);
        fix_checksum(b);
        check_drop(b, Drop::ipv4_truncated);
        // The captured packet cut short by one byte.
        Bytes cut = linux_syn_packet();
        cut.pop_back();
        check_drop(cut, Drop::ipv4_truncated);
    }
    SECTION("one flipped bit: bad checksum") {
        b[8] ^= 0x01;  // TTL
        check_drop(b, Drop::ipv4_bad_checksum);
    }
    SECTION("MF set: fragment") {
        store_be16(b.data() + 6, 0x2000);
        fix_checksum(b);
        check_drop(b, Drop::ipv4_fragment);
    }
    SECTION("non-zero fragment offset (last fragment): fragment") {
        store_be16(b.data() + 6, 0x0001);
        fix_checksum(b);
        check_drop(b, Drop::ipv4_fragment);
        store_be16(b.data() + 6, 0x4000 | 0x1fff);  // DF with an offset is still a fragment
        fix_checksum(b);
        check_drop(b, Drop::ipv4_fragment);
    }
    SECTION("DF alone and DF clear are not fragments") {
        store_be16(b.data() + 6, 0x0000);
        fix_checksum(b);
        CHECK(parse(b).pkt);
        store_be16(b.data() + 6, 0x4000);
        fix_checksum(b);
        CHECK(parse(b).pkt);
    }
}

TEST_CASE("the NIC's checksum verdict stands in for the software check", "[ipv4][offload]") {
    Bytes b = linux_syn_packet();
    SECTION("verdict good: a wrong checksum is not recomputed") {
        b[10] ^= 0xff;
        CHECK(parse(b, ChecksumVerdict::good).pkt);
        check_drop(b, Drop::ipv4_bad_checksum, ChecksumVerdict::unknown);
    }
    SECTION("verdict bad: a correct header is still dropped") {
        CHECK(parse(b, ChecksumVerdict::unknown).pkt);
        check_drop(b, Drop::ipv4_bad_checksum, ChecksumVerdict::bad);
    }
    SECTION("the verdict does not excuse structural errors") {
        b[0] = 0x44;
        check_drop(b, Drop::ipv4_bad_ihl, ChecksumVerdict::good);
    }
}

TEST_CASE("Ethernet padding after total length is ignored", "[ipv4]") {
    // A 40-byte packet padded to the 46-byte Ethernet minimum.
    Bytes b = linux_syn_packet();
    b.resize(40);
    store_be16(b.data() + 2, 40);
    fix_checksum(b);
    b.resize(b.size() + 6, 0x00);
    Outcome o = parse(b);
    REQUIRE(o.pkt);
    CHECK(o.pkt->payload.size() == 20);
    CHECK(o.pkt->payload.data() == b.data() + 20);
}

TEST_CASE("IP options: the payload starts after IHL*4 bytes", "[ipv4]") {
    Bytes b = linux_syn_packet();
    const Bytes options = {0x01, 0x01, 0x01, 0x00};  // NOP NOP NOP EOL
    Bytes with_options(b.begin(), b.begin() + 20);
    append_bytes(with_options, options);
    append_bytes(with_options, std::span(b).subspan(20));
    b = with_options;
    b[0] = 0x46;
    store_be16(b.data() + 2, static_cast<std::uint16_t>(b.size()));
    fix_checksum(b);
    Outcome o = parse(b);
    REQUIRE(o.pkt);
    CHECK(o.pkt->payload.size() == 40);
    CHECK(o.pkt->payload.data() == b.data() + 24);
    CHECK(o.pkt->payload[0] == linux_capture::syn_tcp[0]);
}

TEST_CASE("write_ipv4_header", "[ipv4]") {
    const Ipv4Addr src{0x0a090001}, dst{0x0a090002};
    SECTION("is byte-identical to the header Linux wrote for the same fields") {
        std::uint8_t out[20];
        write_ipv4_header(out, src, dst, kIpProtoTcp, 40, 0x5faa, true);
        CHECK(Bytes(out, out + 20) ==
              Bytes(linux_capture::syn_ipv4.begin(), linux_capture::syn_ipv4.end()));
    }
    SECTION("round trips through parse_ipv4") {
        Bytes b(20 + 7, 0xaa);
        write_ipv4_header(b.data(), Ipv4Addr{0xc0a80001}, Ipv4Addr{0x08080808}, kIpProtoIcmp, 7,
                          0x1234, true);
        CHECK(checksum_finish(checksum_accumulate(0, std::span(b).first(20))) == 0);
        Outcome o = parse(b);
        REQUIRE(o.pkt);
        CHECK(o.pkt->src == Ipv4Addr{0xc0a80001});
        CHECK(o.pkt->dst == Ipv4Addr{0x08080808});
        CHECK(o.pkt->protocol == kIpProtoIcmp);
        CHECK(o.pkt->ttl == 64);
        CHECK(o.pkt->payload.size() == 7);
        CHECK(load_be16(b.data() + 4) == 0x1234);
        CHECK(load_be16(b.data() + 6) == 0x4000);  // DF, no fragment offset
    }
    SECTION("leaves the checksum zero when the NIC inserts it") {
        Bytes b(20 + 8, 0);
        write_ipv4_header(b.data(), src, dst, kIpProtoTcp, 8, 1, false);
        CHECK(load_be16(b.data() + 10) == 0);
        check_drop(b, Drop::ipv4_bad_checksum);
        CHECK(parse(b, ChecksumVerdict::good).pkt);
    }
}

TEST_CASE("Ipv4Addr::parse accepts dotted quads", "[ipv4][addr]") {
    CHECK(Ipv4Addr::parse("10.0.0.1") == Ipv4Addr{0x0a000001});
    CHECK(Ipv4Addr::parse("0.0.0.0") == Ipv4Addr{0});
    CHECK(Ipv4Addr::parse("255.255.255.255") == Ipv4Addr{0xffffffff});
    CHECK(Ipv4Addr::parse("192.168.100.200") == Ipv4Addr{0xc0a864c8});
    CHECK(Ipv4Addr::parse("1.2.3.0") == Ipv4Addr{0x01020300});
}

TEST_CASE("Ipv4Addr::parse refuses malformed input", "[ipv4][addr]") {
    const char* bad[] = {
        "",           "1.2.3",         "1.2.3.4.5",  "256.0.0.1",   "1.2.3.256",
        "1.2.3.4 ",   " 1.2.3.4",      "1.2.3.4x",   "1.2.3.4.",    ".1.2.3.4",
        "1..2.3",     "1.2..3.4",      "a.b.c.d",    "-1.2.3.4",    "+1.2.3.4",
        "1.2.3.-4",   "0x1.2.3.4",     "1,2,3,4",    "1.2.3.4/24",  "1234.2.3.4",
        "0001.2.3.4", "4294967297.0.0.0", "1.2.3.4:80", "...",
    };
    for (const char* s : bad) {
        INFO("\"" << s << "\"");
        CHECK_FALSE(Ipv4Addr::parse(s).has_value());
    }
    // An embedded NUL is garbage too (string_view carries the length).
    CHECK_FALSE(Ipv4Addr::parse(std::string_view("1.2.3.4\0", 8)).has_value());
}

// Decision: a leading zero is refused. inet_aton(3) reads "010" as octal 8 while
// a decimal reader gets 10, so "010.0.0.1" would name different hosts to
// different tools (the ambiguity behind CVE-2021-29921 in Python's ipaddress).
// inet_pton(3) refuses it; so should synline's config parser. A lone "0" is fine.
TEST_CASE("Ipv4Addr::parse refuses octets with a leading zero", "[ipv4][addr]") {
    CHECK_FALSE(Ipv4Addr::parse("01.2.3.4").has_value());
    CHECK_FALSE(Ipv4Addr::parse("010.0.0.1").has_value());
    CHECK_FALSE(Ipv4Addr::parse("1.2.3.00").has_value());
    CHECK(Ipv4Addr::parse("0.0.0.0").has_value());
}

TEST_CASE("Ipv4Addr::to_string and round trip", "[ipv4][addr]") {
    CHECK(Ipv4Addr{0x0a000001}.to_string() == "10.0.0.1");
    CHECK(Ipv4Addr{0}.to_string() == "0.0.0.0");
    CHECK(Ipv4Addr{0xffffffff}.to_string() == "255.255.255.255");
    for (std::uint32_t v : {0x01020304u, 0xc0a80001u, 0x7f000001u, 0x80000000u, 0x000000ffu}) {
        auto parsed = Ipv4Addr::parse(Ipv4Addr{v}.to_string());
        REQUIRE(parsed);
        CHECK(parsed->value == v);
    }
}

TEST_CASE("MacAddr::to_string", "[addr]") {
    CHECK(MacAddr{{0x7a, 0x4a, 0x80, 0x4b, 0xf7, 0x4c}}.to_string() == "7a:4a:80:4b:f7:4c");
    CHECK(MacAddr::broadcast().to_string() == "ff:ff:ff:ff:ff:ff");
    CHECK(MacAddr{}.to_string() == "00:00:00:00:00:00");
}
