#include "net/checksum.hpp"

#include <bit>
#include <cstring>

namespace synline::net {

std::uint32_t checksum_accumulate(std::uint32_t sum, std::span<const std::uint8_t> bytes) {
    // The one's-complement sum does not depend on byte order (RFC 1071 2(B)):
    // add native 64-bit words with end-around carry, fold, and swap the
    // 16-bit result into network order once at the end.
    std::uint64_t acc = 0;
    const std::uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    auto add = [&acc](std::uint64_t w) {
        acc += w;
        acc += acc < w;  // end-around carry
    };
    while (n >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        add(w);
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        std::uint32_t w;
        std::memcpy(&w, p, 4);
        add(w);
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        std::uint16_t w;
        std::memcpy(&w, p, 2);
        add(w);
        p += 2;
        n -= 2;
    }
    if (n == 1) add(*p);  // odd length: the last byte is the first of a zero-padded word
    acc = (acc & 0xffffffff) + (acc >> 32);
    acc = (acc & 0xffffffff) + (acc >> 32);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    const auto native = static_cast<std::uint16_t>(acc);
    static_assert(std::endian::native == std::endian::little, "the swap below assumes x86");
    // Add to the running sum without losing a carry out of 32 bits.
    std::uint64_t total = std::uint64_t{sum} + static_cast<std::uint16_t>((native >> 8) | (native << 8));
    return static_cast<std::uint32_t>((total & 0xffffffff) + (total >> 32));
}

std::uint16_t checksum_finish(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::uint32_t pseudo_header_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                std::uint16_t l4_length) {
    std::uint32_t s = (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16) +
                      (dst.value & 0xffff);
    return s + protocol + l4_length;
}

}  // namespace synline::net
