#include "net/checksum.hpp"

#include <bit>
#include <cstring>

namespace synline::net {

std::uint32_t pseudo_header_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                std::uint16_t l4_length) {
    std::uint32_t s = (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16) +
                      (dst.value & 0xffff);
    return s + protocol + l4_length;
}

}  // namespace synline::net
