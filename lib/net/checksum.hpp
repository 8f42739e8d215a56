// The Internet checksum (RFC 1071): a 16-bit one's-complement sum. Partial sums
// are kept in 32 bits so headers, pseudo-headers and payloads can be summed
// separately and folded once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/ipv4_addr.hpp"

namespace synline::net {

// Adds the bytes, read as big-endian 16-bit words, to a running sum.
std::uint32_t checksum_accumulate(std::uint32_t sum, std::span<const std::uint8_t> bytes);

// Folds carries and returns the one's complement: the value to put on the wire.
std::uint16_t checksum_finish(std::uint32_t sum);

// Sum of the IPv4 pseudo-header that TCP and UDP checksums cover (RFC 9293 3.1).
std::uint32_t pseudo_header_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                std::uint16_t l4_length);

}  // namespace synline::net
