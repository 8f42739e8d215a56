#include "tcp/siphash.hpp"

#include <bit>

namespace synline::tcp {

namespace {

// The internal state v0..v3 (paper, section 2).
struct SipState {
    std::uint64_t v0, v1, v2, v3;

    explicit SipState(const SipKey& key)
        : v0(key.k0 ^ 0x736f6d6570736575ull),   // "somepseu"
          v1(key.k1 ^ 0x646f72616e646f6dull),   // "dorandom"
          v2(key.k0 ^ 0x6c7967656e657261ull),   // "lygenera"
          v3(key.k1 ^ 0x7465646279746573ull) {} // "tedbytes"

    void round() {
        v0 += v1; v1 = std::rotl(v1, 13); v1 ^= v0; v0 = std::rotl(v0, 32);
        v2 += v3; v3 = std::rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = std::rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = std::rotl(v1, 17); v1 ^= v2; v2 = std::rotl(v2, 32);
    }

    // Compression: two SipRounds per 8-byte message word m.
    void compress(std::uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }

    // Finalization: four SipRounds after xoring 0xff into v2.
    std::uint64_t finish() {
        v2 ^= 0xff;
        round();
        round();
        round();
        round();
        return v0 ^ v1 ^ v2 ^ v3;
    }
};

// Reads up to 8 bytes little-endian; explicit shifts keep the result independent
// of host byte order and alignment.
std::uint64_t load_le(const std::uint8_t* p, std::size_t n) {
    std::uint64_t word = 0;
    for (std::size_t i = 0; i < n; ++i) word |= std::uint64_t{p[i]} << (8 * i);
    return word;
}

}  // namespace

std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> message) {
    SipState state(key);
    const std::size_t full_words = message.size() / 8;
    for (std::size_t i = 0; i < full_words; ++i) state.compress(load_le(message.data() + 8 * i, 8));

    // The last word carries the remaining 0..7 bytes and, in its top byte, the
    // message length mod 256 (paper, section 2, "Compression").
    const std::size_t tail = message.size() % 8;
    std::uint64_t last = load_le(message.data() + 8 * full_words, tail);
    last |= std::uint64_t{static_cast<std::uint8_t>(message.size())} << 56;
    state.compress(last);
    return state.finish();
}

std::uint64_t siphash24_u64x2(const SipKey& key, std::uint64_t a, std::uint64_t b) {
    SipState state(key);
    state.compress(a);
    state.compress(b);
    state.compress(std::uint64_t{16} << 56);  // empty tail, length 16
    return state.finish();
}

std::uint64_t siphash24_u64x3(const SipKey& key, std::uint64_t a, std::uint64_t b,
                              std::uint64_t c) {
    SipState state(key);
    state.compress(a);
    state.compress(b);
    state.compress(c);
    state.compress(std::uint64_t{24} << 56);  // empty tail, length 24
    return state.finish();
}

}  // namespace synline::tcp
