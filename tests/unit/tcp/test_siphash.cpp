// SipHash-2-4 against the reference test vectors of Aumasson and Bernstein
// (vectors_sip64 in github.com/veorq/SipHash, vectors.h): key 00 01 .. 0f,
// message 00 01 .. (n-1) for n = 0..63, each output read as a little-endian word.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "tcp/siphash.hpp"

using synline::tcp::SipKey;
using synline::tcp::siphash24;
using synline::tcp::siphash24_u64x2;

namespace {

constexpr SipKey kReferenceKey{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};

constexpr std::array<std::uint64_t, 64> kReferenceOutputs = {
    0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull,  // lengths 0, 1
    0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,  // lengths 2, 3
    0xcf2794e0277187b7ull, 0x18765564cd99a68dull,  // lengths 4, 5
    0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,  // lengths 6, 7
    0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull,  // lengths 8, 9
    0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,  // lengths 10, 11
    0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull,  // lengths 12, 13
    0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,  // lengths 14, 15
    0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull,  // lengths 16, 17
    0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,  // lengths 18, 19
    0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull,  // lengths 20, 21
    0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,  // lengths 22, 23
    0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull,  // lengths 24, 25
    0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,  // lengths 26, 27
    0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull,  // lengths 28, 29
    0xad87a3535c49ef28ull, 0x32d892fad841c342ull,  // lengths 30, 31
    0x7127512f72f27cceull, 0xa7f32346f95978e3ull,  // lengths 32, 33
    0x12e0b01abb051238ull, 0x15e034d40fa197aeull,  // lengths 34, 35
    0x314dffbe0815a3b4ull, 0x027990f029623981ull,  // lengths 36, 37
    0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,  // lengths 38, 39
    0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull,  // lengths 40, 41
    0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,  // lengths 42, 43
    0xf935451de4f21df2ull, 0xa9538f0419755787ull,  // lengths 44, 45
    0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,  // lengths 46, 47
    0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull,  // lengths 48, 49
    0xee64435a9752fe72ull, 0xa192d576b245165aull,  // lengths 50, 51
    0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full,  // lengths 52, 53
    0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,  // lengths 54, 55
    0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull,  // lengths 56, 57
    0x60e61c23a3795013ull, 0x6606d7e446282b93ull,  // lengths 58, 59
    0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull,  // lengths 60, 61
    0xe51b38608ef25f57ull, 0x958a324ceb064572ull,  // lengths 62, 63
};

std::vector<std::uint8_t> counting_message(std::size_t length) {
    std::vector<std::uint8_t> message(length);
    for (std::size_t i = 0; i < length; ++i) message[i] = static_cast<std::uint8_t>(i);
    return message;
}

std::array<std::uint8_t, 16> little_endian_bytes(std::uint64_t a, std::uint64_t b) {
    std::array<std::uint8_t, 16> bytes{};
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<std::uint8_t>(a >> (8 * i));
        bytes[8 + i] = static_cast<std::uint8_t>(b >> (8 * i));
    }
    return bytes;
}

}  // namespace

TEST_CASE("siphash24 matches the 64 reference vectors", "[siphash]") {
    for (std::size_t length = 0; length < kReferenceOutputs.size(); ++length) {
        INFO("message length " << length);
        CHECK(siphash24(kReferenceKey, counting_message(length)) == kReferenceOutputs[length]);
    }
}

TEST_CASE("siphash24: the paper's worked example, 15 bytes", "[siphash]") {
    // Aumasson and Bernstein 2012, appendix A: key 00..0f, message 00..0e.
    CHECK(siphash24(kReferenceKey, counting_message(15)) == 0xa129ca6149be45e5ull);
}

TEST_CASE("siphash24_u64x2 equals siphash24 over the 16 little-endian bytes", "[siphash]") {
    // Length 16 is itself a reference vector.
    const auto reference_message = counting_message(16);
    const std::uint64_t a = 0x0706050403020100ull;
    const std::uint64_t b = 0x0f0e0d0c0b0a0908ull;
    CHECK(siphash24_u64x2(kReferenceKey, a, b) == kReferenceOutputs[16]);
    CHECK(siphash24(kReferenceKey, reference_message) == siphash24_u64x2(kReferenceKey, a, b));

    std::mt19937_64 rng(6528);
    for (int i = 0; i < 10000; ++i) {
        const SipKey key{rng(), rng()};
        const std::uint64_t x = rng();
        const std::uint64_t y = rng();
        const auto bytes = little_endian_bytes(x, y);
        REQUIRE(siphash24_u64x2(key, x, y) == siphash24(key, bytes));
    }
}

TEST_CASE("siphash24: the key changes the output", "[siphash]") {
    const auto message = counting_message(16);
    const SipKey other{kReferenceKey.k0 ^ 1, kReferenceKey.k1};
    CHECK(siphash24(other, message) != siphash24(kReferenceKey, message));
}
