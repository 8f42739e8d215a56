// AES-128 block encryption with AES-NI (lib/tcp/aes128.hpp), the fast cookie PRF.
#include <catch2/catch.hpp>

#include <cstdint>

#include "tcp/aes128.hpp"

using synline::tcp::Aes128;

namespace {

// Bytes b[0..15] as a Block: lo holds bytes 0..7 little-endian.
Aes128::Block block(const std::uint8_t (&b)[16]) {
    Aes128::Block out;
    for (int i = 0; i < 8; ++i) {
        out.lo |= std::uint64_t{b[i]} << (8 * i);
        out.hi |= std::uint64_t{b[8 + i]} << (8 * i);
    }
    return out;
}

}  // namespace

TEST_CASE("AES-128 matches the FIPS 197 appendix C.1 example", "[aes128]") {
    if (!synline::tcp::aes_ni_available()) {
        WARN("this CPU has no AES-NI: AES-128 cannot run here");
        return;
    }
    const std::uint8_t key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                  0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    const std::uint8_t plain[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    const std::uint8_t cipher[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                     0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    const Aes128 aes(block(key));
    CHECK(aes.encrypt(block(plain)) == block(cipher));
}

TEST_CASE("AES-128 matches the FIPS 197 appendix B example (key expansion with carries)", "[aes128]") {
    if (!synline::tcp::aes_ni_available()) {
        WARN("this CPU has no AES-NI: AES-128 cannot run here");
        return;
    }
    const std::uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                  0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
    const std::uint8_t plain[16] = {0x32, 0x43, 0xf6, 0xa8, 0x88, 0x5a, 0x30, 0x8d,
                                    0x31, 0x31, 0x98, 0xa2, 0xe0, 0x37, 0x07, 0x34};
    const std::uint8_t cipher[16] = {0x39, 0x25, 0x84, 0x1d, 0x02, 0xdc, 0x09, 0xfb,
                                     0xdc, 0x11, 0x85, 0x97, 0x19, 0x6a, 0x0b, 0x32};
    CHECK(Aes128(block(key)).encrypt(block(plain)) == block(cipher));
}
