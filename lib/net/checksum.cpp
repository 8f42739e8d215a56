#include "net/checksum.hpp"

namespace synline::net {

std::uint32_t checksum_accumulate(std::uint32_t sum, std::span<const std::uint8_t> bytes) {
    // 64-bit accumulator: eight bytes a step, carries folded at the end.
    std::uint64_t acc = sum;
    const std::uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    while (n >= 8) {
        acc += (std::uint64_t{p[0]} << 8 | p[1]) + (std::uint64_t{p[2]} << 8 | p[3]) +
               (std::uint64_t{p[4]} << 8 | p[5]) + (std::uint64_t{p[6]} << 8 | p[7]);
        p += 8;
        n -= 8;
    }
    while (n >= 2) {
        acc += std::uint64_t{p[0]} << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n == 1) acc += std::uint64_t{p[0]} << 8;  // odd length: pad with a zero byte
    while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
    return static_cast<std::uint32_t>(acc);
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
