// The Internet checksum (RFC 1071): a 16-bit one's-complement sum. Partial sums
// are kept in 32 bits so headers, pseudo-headers and payloads can be summed
// separately and folded once.
#pragma once

#include <cstddef>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>

#include "net/byte_order.hpp"
#include "net/ipv4_addr.hpp"

namespace synline::net {

namespace checksum_detail {

// acc + w with end-around carry (one's-complement addition on 64 bits).
inline std::uint64_t add_carry(std::uint64_t acc, std::uint64_t w) {
    acc += w;
    return acc + (acc < w);
}

// The one's-complement sum of n whole 64-bit words at p, plus acc.
inline std::uint64_t add_words(std::uint64_t acc, const std::uint8_t* p, std::size_t words) {
#if defined(__x86_64__)
    // A chain of add-with-carry: one instruction per 8 bytes, 32 bytes a step.
    for (const std::uint8_t* end = p + (words & ~std::size_t{3}) * 8; p != end; p += 32) {
        asm("addq 0(%[p]), %[acc]\n\t"
            "adcq 8(%[p]), %[acc]\n\t"
            "adcq 16(%[p]), %[acc]\n\t"
            "adcq 24(%[p]), %[acc]\n\t"
            "adcq $0, %[acc]"
            : [acc] "+r"(acc)
            : [p] "r"(p), "m"(*reinterpret_cast<const std::uint8_t(*)[32]>(p))
            : "cc");
    }
    words &= 3;
#endif
    auto word = [](const std::uint8_t* at) {
        std::uint64_t w;
        std::memcpy(&w, at, 8);
        return w;
    };
    // At most three words are left on x86: no loop for a header's worth.
    for (; words >= 4; words -= 4, p += 32) {
        acc = add_carry(acc, word(p));
        acc = add_carry(acc, word(p + 8));
        acc = add_carry(acc, word(p + 16));
        acc = add_carry(acc, word(p + 24));
    }
    switch (words) {
        case 3: acc = add_carry(acc, word(p + 16)); [[fallthrough]];
        case 2: acc = add_carry(acc, word(p + 8)); [[fallthrough]];
        case 1: acc = add_carry(acc, word(p)); break;
        default: break;
    }
    return acc;
}

// A 32-bit one's-complement sum folded to 16 bits: the high half of
// sum + rotl(sum, 16) is hi + lo with the carry out of the low half added
// back, as in checksum_fold64. That carry cannot wrap the high half, as
// hi + lo is at most 0x1fffe.
inline std::uint16_t fold32(std::uint32_t sum) { return static_cast<std::uint16_t>((sum + std::rotl(sum, 16)) >> 16); }

}  // namespace checksum_detail

// A one's-complement sum kept in 64 bits folded to 32 (same value modulo
// 0xffff): the high half of acc + rotl(acc, 32) is hi + lo with the carry out
// of the low half already added back.
inline std::uint32_t checksum_fold64(std::uint64_t acc) {
    return static_cast<std::uint32_t>((acc + std::rotl(acc, 32)) >> 32);
}

// The one's-complement sum of the bytes plus acc, kept in 64 bits in the
// order the words were loaded ("raw": on a little-endian CPU each 16-bit
// network word is byte-swapped). The sum does not depend on byte order
// (RFC 1071 2(B)), only the two bytes of its result do, so summing raw words
// needs no swap per field. Inline: headers of constant length (IPv4's 20
// bytes) then compile to a few adds.
[[gnu::always_inline]] inline std::uint64_t checksum_raw_sum(std::uint64_t acc, const std::uint8_t* p,
                                                            std::size_t n) {
    static_assert(std::endian::native == std::endian::little, "raw sums assume little-endian");
    acc = checksum_detail::add_words(acc, p, n / 8);
    p += n & ~std::size_t{7};
    if (n & 7) {
        // The last 1..7 bytes, at their places in a zero-padded word (an odd
        // last byte is the first of a zero-padded 16-bit word).
        std::uint64_t tail = 0;
        unsigned at = 0;
        if (n & 4) {
            std::uint32_t w;
            std::memcpy(&w, p, 4);
            tail = w;
            p += 4;
            at = 32;
        }
        if (n & 2) {
            std::uint16_t w;
            std::memcpy(&w, p, 2);
            tail |= std::uint64_t{w} << at;
            p += 2;
            at += 16;
        }
        if (n & 1) tail |= std::uint64_t{*p} << at;
        acc = checksum_detail::add_carry(acc, tail);
    }
    return acc;
}

// A raw sum folded to 16 bits. A header whose checksum field is right sums to
// 0xffff, which reads the same in either byte order.
inline std::uint16_t checksum_fold16(std::uint64_t raw) { return checksum_detail::fold32(checksum_fold64(raw)); }

// True when the bytes, their checksum field included, sum to 0xffff (plus
// `raw`, a raw sum of what else the checksum covers, e.g. a pseudo-header).
//
// Without folding: as 2^16 is 1 modulo 0xffff, a raw sum is congruent to its
// fold, and folding yields 0xffff exactly from the nonzero multiples of 0xffff
// (0 only from 0). For an odd d, x is a multiple of d exactly when x times d's
// inverse modulo 2^64 is at most (2^64 - 1) / d (the multiples map onto those
// quotients, one to one): a multiply and a compare, against the fold's ten
// instructions or a division.
inline bool checksum_verifies(std::uint64_t raw, std::span<const std::uint8_t> bytes) {
    constexpr std::uint64_t d = 0xffff;
    constexpr std::uint64_t inverse = [] {
        std::uint64_t x = d;  // right in the low 3 bits; each step doubles them
        for (int i = 0; i < 5; ++i) x *= 2 - d * x;
        return x;
    }();
    static_assert(inverse * d == 1);
    const std::uint64_t sum = checksum_raw_sum(raw, bytes.data(), bytes.size());
    return sum != 0 && sum * inverse <= ~std::uint64_t{0} / d;
}

// Adds the bytes, read as big-endian 16-bit words, to a running sum.
[[gnu::always_inline]] inline std::uint32_t checksum_accumulate(std::uint32_t sum,
                                                              std::span<const std::uint8_t> bytes) {
    // Swap the two 16-bit lanes of the folded raw sum into network order once.
    const std::uint64_t acc = checksum_raw_sum(0, bytes.data(), bytes.size());
    const std::uint64_t total = std::uint64_t{sum} + __builtin_bswap32(checksum_fold64(acc));
    return static_cast<std::uint32_t>((total & 0xffffffff) + (total >> 32));
}

// Folds carries and returns the one's complement: the value to put on the wire.
inline std::uint16_t checksum_finish(std::uint32_t sum) {
    return static_cast<std::uint16_t>(~checksum_detail::fold32(sum));
}

// Writes big-endian 32-bit words one after another and keeps their sum, so
// that a header's checksum never reads the header back: checksum_fold64(sum())
// is the header's share of the checksum.
class SummingWordWriter {
public:
    explicit SummingWordWriter(std::uint8_t* at) : p_(at) {}
    void put(std::uint32_t word) {
        store_be32(p_, word);
        p_ += 4;
        sum_ += word;  // a word's host value is its two 16-bit halves, modulo 0xffff
    }
    std::uint64_t sum() const { return sum_; }

private:
    std::uint8_t* p_;
    std::uint64_t sum_ = 0;
};

// Sum of the IPv4 pseudo-header that TCP and UDP checksums cover (RFC 9293 3.1).
inline std::uint32_t pseudo_header_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                       std::uint16_t l4_length) {
    return (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16) + (dst.value & 0xffff) + protocol +
           l4_length;
}

// The same pseudo-header as a raw sum (see checksum_raw_sum).
inline std::uint64_t pseudo_header_raw_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                           std::uint16_t l4_length) {
    // In memory: source, destination, then the bytes 0, protocol, length.
    const std::uint64_t addresses =
        std::uint64_t{__builtin_bswap32(src.value)} | std::uint64_t{__builtin_bswap32(dst.value)} << 32;
    const std::uint64_t tail = std::uint64_t{protocol} << 8 | std::uint64_t{__builtin_bswap16(l4_length)} << 16;
    return checksum_detail::add_carry(addresses, tail);
}

}  // namespace synline::net
