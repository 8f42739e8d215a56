// The Internet checksum (RFC 1071) and the TCP pseudo-header (RFC 9293 3.1).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "linux_captures.hpp"
#include "net/checksum.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"

using namespace synline::net;

namespace {

using Bytes = std::vector<std::uint8_t>;

// A bit-by-bit reference: 16-bit words, big-endian, odd byte padded with zero,
// every carry folded back in (RFC 1071 section 1).
std::uint16_t reference_fold(std::span<const std::uint8_t> b) {
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < b.size(); i += 2) {
        std::uint16_t w = static_cast<std::uint16_t>(b[i] << 8);
        if (i + 1 < b.size()) w = static_cast<std::uint16_t>(w | b[i + 1]);
        s += w;
    }
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(s);
}

// The folded one's-complement sum (not yet complemented) of a running sum.
std::uint16_t fold(std::uint32_t sum) { return static_cast<std::uint16_t>(~checksum_finish(sum)); }

std::uint16_t checksum_of(std::span<const std::uint8_t> b) {
    return checksum_finish(checksum_accumulate(0, b));
}

Bytes random_bytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

}  // namespace

TEST_CASE("RFC 1071 1.3 worked example: 00 01 f2 03 f4 f5 f6 f7", "[checksum][rfc1071]") {
    const Bytes b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    const std::uint32_t sum = checksum_accumulate(0, b);
    CHECK(fold(sum) == 0xddf2);           // 0001 + f203 + f4f5 + f6f7 = 2ddf0 -> ddf2
    CHECK(checksum_finish(sum) == 0x220d);
    // Byte-order independence (RFC 1071 2(B)): swapped bytes give the swapped sum.
    const Bytes swapped = {0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6};
    CHECK(fold(checksum_accumulate(0, swapped)) == 0xf2dd);
    // Appending the checksum makes the whole verify to zero.
    Bytes with_sum = b;
    with_sum.push_back(0x22);
    with_sum.push_back(0x0d);
    CHECK(checksum_of(with_sum) == 0);
}

TEST_CASE("empty input and all-zero input", "[checksum][rfc1071]") {
    CHECK(checksum_accumulate(0, {}) == 0);
    CHECK(checksum_finish(0) == 0xffff);
    CHECK(checksum_of(Bytes(20, 0)) == 0xffff);
}

TEST_CASE("odd lengths pad the last byte with zero on the right", "[checksum][rfc1071]") {
    CHECK(fold(checksum_accumulate(0, Bytes{0xab})) == 0xab00);
    CHECK(fold(checksum_accumulate(0, Bytes{0x00, 0x01, 0xf2})) == 0xf201);
    // 9 bytes: one 8-byte step and a lone tail byte.
    CHECK(fold(checksum_accumulate(0, Bytes{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7,
                                            0x80})) == 0x5df3);  // ddf2 + 8000, carry folded
}

TEST_CASE("every length from 0 to 130 matches a bit-by-bit reference", "[checksum][rfc1071]") {
    for (std::size_t n = 0; n <= 130; ++n) {
        const Bytes b = random_bytes(n, static_cast<std::uint32_t>(n));
        INFO("length " << n);
        CHECK(fold(checksum_accumulate(0, b)) == reference_fold(b));
    }
}

TEST_CASE("carries fold correctly for long runs of 0xff and a large starting sum",
          "[checksum][rfc1071]") {
    const Bytes ones(65536, 0xff);
    CHECK(fold(checksum_accumulate(0, ones)) == 0xffff);  // -0 in one's complement
    CHECK(checksum_of(ones) == 0x0000);
    // A running sum close to 2^32 must not lose the carry out of 32 bits.
    const std::uint32_t big = 0xfffffffe;
    const Bytes b = {0xff, 0xff, 0x00, 0x03};
    // The running sum counts as its two 16-bit halves, fffe and ffff.
    std::uint64_t s = 0xfffe + 0xffff + 0xffff + 0x0003;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    CHECK(fold(checksum_accumulate(big, b)) == s);
}

TEST_CASE("split accumulation equals whole accumulation at every even split",
          "[checksum][rfc1071]") {
    const Bytes b = random_bytes(97, 7);
    const std::uint32_t whole = checksum_accumulate(0, b);
    for (std::size_t cut = 0; cut <= b.size(); cut += 2) {
        std::span<const std::uint8_t> s(b);
        const std::uint32_t split = checksum_accumulate(checksum_accumulate(0, s.first(cut)),
                                                        s.subspan(cut));
        INFO("cut at " << cut);
        CHECK(checksum_finish(split) == checksum_finish(whole));
    }
    // Three pieces, as the stack sums pseudo-header, header and payload.
    std::span<const std::uint8_t> s(b);
    std::uint32_t three = checksum_accumulate(0, s.first(20));
    three = checksum_accumulate(three, s.subspan(20, 40));
    three = checksum_accumulate(three, s.subspan(60));
    CHECK(checksum_finish(three) == checksum_finish(whole));
    // Note: a split at an odd offset is NOT equivalent (the second piece's bytes
    // change lanes); callers keep every piece but the last an even length.
}

TEST_CASE("folding a 32-bit sum agrees with folding by repeated carries", "[checksum][rfc1071]") {
    auto by_carries = [](std::uint32_t s) {
        std::uint64_t v = s;
        while (v >> 16) v = (v & 0xffff) + (v >> 16);
        return static_cast<std::uint16_t>(~v);
    };
    // The edges of each half and of the carry out of the low half.
    for (std::uint32_t hi : {0x0000u, 0x0001u, 0x7fffu, 0x8000u, 0xfffeu, 0xffffu}) {
        for (std::uint32_t lo : {0x0000u, 0x0001u, 0x7fffu, 0x8000u, 0xfffeu, 0xffffu}) {
            const std::uint32_t s = hi << 16 | lo;
            INFO("sum " << std::hex << s);
            CHECK(checksum_finish(s) == by_carries(s));
        }
    }
    std::mt19937 rng(7);
    for (int i = 0; i < 100000; ++i) {
        const std::uint32_t s = static_cast<std::uint32_t>(rng());
        INFO("sum " << std::hex << s);
        REQUIRE(checksum_finish(s) == by_carries(s));
    }
}

TEST_CASE("checksum_verifies agrees with folding on every kind of sum", "[checksum][rfc1071]") {
    // It tests divisibility by 0xffff instead of folding; the two must agree,
    // on the sums that fold to 0xffff from either end of the 64-bit range, on
    // zero, and on random bytes with their checksum field right or wrong.
    const Bytes zeros(8, 0);
    CHECK_FALSE(checksum_verifies(0, zeros));  // folds to 0, not 0xffff
    CHECK(checksum_verifies(0xffff, zeros));
    CHECK(checksum_verifies(~std::uint64_t{0}, zeros));            // -0 on 64 bits
    CHECK(checksum_verifies(0xffffull * 0x10001'00010001ull, zeros));  // 0xffff in every lane
    CHECK_FALSE(checksum_verifies(0xfffe, zeros));
    CHECK_FALSE(checksum_verifies(~std::uint64_t{0} - 1, zeros));
    std::mt19937 rng(42);
    for (int i = 0; i < 2000; ++i) {
        Bytes b = random_bytes(2 + 2 * (rng() % 40), static_cast<std::uint32_t>(i));
        b[0] = b[1] = 0;
        const std::uint16_t field = checksum_of(b);
        // Right on even rounds; on odd ones off by 1..0xfffe, never by 0xffff
        // (which reads as the same one's-complement value).
        const std::uint16_t off = (i % 2 == 0) ? 0 : static_cast<std::uint16_t>(1 + rng() % 0xfffe);
        const std::uint16_t written = static_cast<std::uint16_t>(field + off);
        b[0] = static_cast<std::uint8_t>(written >> 8);
        b[1] = static_cast<std::uint8_t>(written);
        INFO("round " << i << ", length " << b.size());
        CHECK(checksum_verifies(0, b) == (reference_fold(b) == 0xffff));
    }
}

TEST_CASE("a real IPv4 header from Linux verifies to zero", "[checksum][ipv4][rfc1071]") {
    CHECK(checksum_of(linux_capture::syn_ipv4) == 0);
    CHECK(checksum_of(linux_capture::hello_ipv4) == 0);
    // Recomputing with the field zeroed reproduces what Linux wrote (0xc6fd).
    auto h = linux_capture::syn_ipv4;
    h[10] = h[11] = 0;
    CHECK(checksum_of(h) == 0xc6fd);
}

TEST_CASE("pseudo-header sum equals the sum of the 12 pseudo-header bytes",
          "[checksum][tcp][rfc9293-3.1]") {
    const Ipv4Addr src{0x0a090001}, dst{0x0a090002};  // 10.9.0.1 -> 10.9.0.2
    const std::uint32_t ph = pseudo_header_sum(src, dst, kIpProtoTcp, 40);
    CHECK(fold(ph) == 0x0a09 + 0x0001 + 0x0a09 + 0x0002 + 0x0006 + 40);
    const Bytes bytes = {0x0a, 0x09, 0x00, 0x01, 0x0a, 0x09, 0x00, 0x02, 0x00, 0x06, 0x00, 0x28};
    CHECK(fold(ph) == fold(checksum_accumulate(0, bytes)));
    // Addresses with high halves that carry.
    const Ipv4Addr a{0xffffffff}, c{0xfffe0001};
    const Bytes bytes2 = {0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x01, 0x00, 0x06, 0xff, 0xff};
    CHECK(fold(pseudo_header_sum(a, c, kIpProtoTcp, 0xffff)) ==
          fold(checksum_accumulate(0, bytes2)));
}

TEST_CASE("real TCP segments from Linux verify to zero with the pseudo-header",
          "[checksum][tcp][rfc9293-3.1]") {
    const Ipv4Addr client{0x0a090001}, server{0x0a090002};
    SECTION("SYN with options, even length") {
        const auto& seg = linux_capture::syn_tcp;
        const std::uint32_t sum = pseudo_header_sum(client, server, kIpProtoTcp, seg.size());
        CHECK(checksum_finish(checksum_accumulate(sum, seg)) == 0);
        CHECK(verify_tcp_checksum(client, server, seg));
        CHECK_FALSE(verify_tcp_checksum(server, server, seg));  // wrong pseudo-header
    }
    SECTION("data segment with an odd length (5-byte payload)") {
        const auto& seg = linux_capture::hello_tcp;
        const std::uint32_t sum = pseudo_header_sum(client, server, kIpProtoTcp, seg.size());
        CHECK(checksum_finish(checksum_accumulate(sum, seg)) == 0);
        // Recompute the field Linux wrote (0xb1db) from zero.
        auto copy = seg;
        copy[kTcpChecksumOffset] = copy[kTcpChecksumOffset + 1] = 0;
        CHECK(checksum_finish(checksum_accumulate(sum, copy)) == 0xb1db);
        // Header and payload summed apart (header length is even) give the same.
        std::span<const std::uint8_t> s(copy);
        CHECK(checksum_finish(checksum_accumulate(checksum_accumulate(sum, s.first(32)),
                                                  s.subspan(32))) == 0xb1db);
    }
}
