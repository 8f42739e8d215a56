// AES-128 (FIPS 197) encryption of single blocks with the x86 AES-NI
// instructions: the fast alternative PRF for SYN cookies (syn_cookie.hpp).
//
// Only encryption, only with the hardware instructions: each round is one
// AESENC on a register, so there are no tables and no data-dependent memory
// accesses (no cache-timing channel), and a block costs ~10 instructions once
// the key schedule is expanded. Where the CPU lacks AES-NI, aes_ni_available()
// is false and nothing here may be called; callers fall back to SipHash.
#pragma once

#include <array>
#include <cstdint>

namespace synline::tcp {

// True when this CPU executes the AES-NI instructions.
bool aes_ni_available();

class Aes128 {
public:
    // A 16-byte block as two little-endian 64-bit words: `lo` holds bytes 0..7.
    struct Block {
        std::uint64_t lo = 0;
        std::uint64_t hi = 0;
        constexpr bool operator==(const Block&) const = default;
    };

    // Expands the key (bytes 0..15 as Block). Requires aes_ni_available().
    explicit Aes128(Block key);

    Block encrypt(Block plaintext) const;

private:
    alignas(16) std::array<Block, 11> round_keys_{};
};

}  // namespace synline::tcp
