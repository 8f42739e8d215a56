// The software Toeplitz hash against the verification vectors of Microsoft's
// RSS specification ("Verifying the RSS Hash Calculation", IPv4 with and
// without ports), and the symmetric key's one promise.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "engine/toeplitz.hpp"

using namespace synline;
using engine::Toeplitz;

namespace {

// The specification's 40-byte example key.
constexpr std::array<std::uint8_t, 40> kSpecKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

net::Ipv4Addr ip(const char* dotted) { return *net::Ipv4Addr::parse(dotted); }

struct Vector {
    const char* dst;
    std::uint16_t dst_port;
    const char* src;
    std::uint16_t src_port;
    std::uint32_t ipv4;      // hash of the addresses alone
    std::uint32_t ipv4_tcp;  // with the ports
};

constexpr std::array<Vector, 5> kVectors = {{
    {"161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178},
    {"65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea},
    {"12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a},
    {"209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f},
    {"202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2},
}};

}  // namespace

TEST_CASE("Toeplitz: the RSS specification's IPv4 and TCP/IPv4 verification vectors", "[toeplitz]") {
    const Toeplitz t(kSpecKey);
    for (const Vector& v : kVectors) {
        INFO(v.src << " -> " << v.dst);
        CHECK(t.ipv4(ip(v.src), ip(v.dst)) == v.ipv4);
        CHECK(t.ipv4_tcp(ip(v.src), ip(v.dst), v.src_port, v.dst_port) == v.ipv4_tcp);
    }
}

TEST_CASE("Toeplitz: hash over bytes equals the typed TCP/IPv4 hash", "[toeplitz]") {
    const Toeplitz t(kSpecKey);
    const Vector& v = kVectors[1];
    const std::uint32_t s = ip(v.src).value, d = ip(v.dst).value;
    const std::vector<std::uint8_t> input = {
        std::uint8_t(s >> 24), std::uint8_t(s >> 16), std::uint8_t(s >> 8), std::uint8_t(s),
        std::uint8_t(d >> 24), std::uint8_t(d >> 16), std::uint8_t(d >> 8), std::uint8_t(d),
        std::uint8_t(v.src_port >> 8), std::uint8_t(v.src_port), std::uint8_t(v.dst_port >> 8),
        std::uint8_t(v.dst_port)};
    CHECK(t.hash(input) == v.ipv4_tcp);
    CHECK(t.hash(std::span(input).first(8)) == v.ipv4);
}

TEST_CASE("Toeplitz: the symmetric key hashes both directions of a flow alike", "[toeplitz]") {
    const Toeplitz sym(engine::symmetric_rss_key(40));
    const Toeplitz spec(kSpecKey);
    bool spec_asymmetric = false;
    for (const Vector& v : kVectors) {
        const auto a = ip(v.src), b = ip(v.dst);
        CHECK(sym.ipv4_tcp(a, b, v.src_port, v.dst_port) == sym.ipv4_tcp(b, a, v.dst_port, v.src_port));
        spec_asymmetric |= spec.ipv4_tcp(a, b, v.src_port, v.dst_port) != spec.ipv4_tcp(b, a, v.dst_port, v.src_port);
    }
    CHECK(spec_asymmetric);  // the check above is not true of any key
}

TEST_CASE("Toeplitz: a key too short for the input is refused", "[toeplitz]") {
    const std::array<std::uint8_t, 15> short_key{};
    CHECK_THROWS_AS(Toeplitz(short_key), std::invalid_argument);
}
