// SipHash-2-4, the keyed pseudo-random function of Aumasson and Bernstein
// ("SipHash: a fast short-input PRF", INDOCRYPT 2012). Used where an attacker
// must not be able to predict or steer an output: initial sequence numbers
// (RFC 6528) and SYN cookies.
#pragma once

#include <cstdint>
#include <span>

namespace synline::tcp {

// The 128-bit key as two 64-bit words; k0 holds key bytes 0..7 read little-endian,
// k1 bytes 8..15, as in the paper.
struct SipKey {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;

    constexpr bool operator==(const SipKey&) const = default;
};

// SipHash-2-4 of an arbitrary message.
std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> message);

// The hot-path form: equal to siphash24() over the 16 bytes of `a` then `b`, each
// written little-endian, without touching memory or looping over a tail.
std::uint64_t siphash24_u64x2(const SipKey& key, std::uint64_t a, std::uint64_t b);

// The same for 24 bytes: a, b, c as little-endian words. The hot-path form of
// siphash24 for three words (SYN cookies), without the generic byte loop.
std::uint64_t siphash24_u64x3(const SipKey& key, std::uint64_t a, std::uint64_t b, std::uint64_t c);

}  // namespace synline::tcp
