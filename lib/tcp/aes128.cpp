#include "tcp/aes128.hpp"

#include <stdexcept>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define SYNLINE_AESNI __attribute__((target("aes,sse2")))
#endif

namespace synline::tcp {

#if defined(__x86_64__)

namespace {

SYNLINE_AESNI __m128i load(const Aes128::Block& b) {
    return _mm_set_epi64x(static_cast<long long>(b.hi), static_cast<long long>(b.lo));
}

SYNLINE_AESNI Aes128::Block store(__m128i v) {
    Aes128::Block b;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(&b), v);
    return b;
}

// One step of the key schedule: the previous round key's words are chained
// by xor, and the last word of `assist` (RotWord, SubWord and the round
// constant, from AESKEYGENASSIST) is added to each.
SYNLINE_AESNI __m128i next_round_key(__m128i key, __m128i assist) {
    assist = _mm_shuffle_epi32(assist, 0xff);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

SYNLINE_AESNI __m128i encrypt_block(const std::array<Aes128::Block, 11>& rk, __m128i x) {
    const auto* k = reinterpret_cast<const __m128i*>(rk.data());
    x = _mm_xor_si128(x, _mm_load_si128(k));
    for (int r = 1; r < 10; ++r) x = _mm_aesenc_si128(x, _mm_load_si128(k + r));
    return _mm_aesenclast_si128(x, _mm_load_si128(k + 10));
}

// AESKEYGENASSIST takes its round constant as an immediate, hence the macro.
#define SYNLINE_AES_ROUND(i, rcon) \
    k = next_round_key(k, _mm_aeskeygenassist_si128(k, rcon)); \
    _mm_store_si128(out + (i), k)

SYNLINE_AESNI void expand(Aes128::Block key, std::array<Aes128::Block, 11>& rk) {
    auto* out = reinterpret_cast<__m128i*>(rk.data());
    __m128i k = load(key);
    _mm_store_si128(out, k);
    SYNLINE_AES_ROUND(1, 0x01);
    SYNLINE_AES_ROUND(2, 0x02);
    SYNLINE_AES_ROUND(3, 0x04);
    SYNLINE_AES_ROUND(4, 0x08);
    SYNLINE_AES_ROUND(5, 0x10);
    SYNLINE_AES_ROUND(6, 0x20);
    SYNLINE_AES_ROUND(7, 0x40);
    SYNLINE_AES_ROUND(8, 0x80);
    SYNLINE_AES_ROUND(9, 0x1b);
    SYNLINE_AES_ROUND(10, 0x36);
}
#undef SYNLINE_AES_ROUND

}  // namespace

bool aes_ni_available() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_AES) != 0;
}

Aes128::Aes128(Block key) {
    // Executing AESENC without AES-NI would kill the process with SIGILL.
    if (!aes_ni_available()) throw std::logic_error("AES-128: this CPU has no AES-NI instructions");
    expand(key, round_keys_);
}

SYNLINE_AESNI Aes128::Block Aes128::encrypt(Block plaintext) const {
    return store(encrypt_block(round_keys_, load(plaintext)));
}


#else  // no AES-NI on this architecture: aes_ni_available() is false

bool aes_ni_available() { return false; }
Aes128::Aes128(Block) { throw std::logic_error("AES-128: built for a CPU without AES-NI"); }
Aes128::Block Aes128::encrypt(Block) const { return {}; }  // unreachable: no object exists

#endif

}  // namespace synline::tcp
