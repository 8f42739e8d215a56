// The 4-tuple that names a connection, seen from this endpoint.
#pragma once

#include <cstdint>

#include "net/ipv4_addr.hpp"

namespace synline::net {

struct FourTuple {
    Ipv4Addr local_ip;
    Ipv4Addr remote_ip;
    std::uint16_t local_port = 0;
    std::uint16_t remote_port = 0;

    constexpr bool operator==(const FourTuple&) const = default;
};

// A fast hash for table lookup (not a security boundary: tables are bounded
// and use the key only for placement). Where the CPU has the SSE 4.2 CRC32
// instruction, two CRC-32C chains with different seeds, one per 32-bit half
// (DPDK's rte_hash hashes with CRC-32C too): four instructions against a
// dozen for a multiply-xorshift mix.
inline std::uint64_t hash_of(const FourTuple& t) {
    const std::uint64_t a = (std::uint64_t{t.local_ip.value} << 32) | t.remote_ip.value;
    const std::uint64_t b = (std::uint64_t{t.local_port} << 16) | t.remote_port;
#if defined(__SSE4_2__)
    const std::uint64_t lo = __builtin_ia32_crc32di(__builtin_ia32_crc32di(0x9e3779b9u, a), b);
    const std::uint64_t hi = __builtin_ia32_crc32di(__builtin_ia32_crc32di(0x632be59bu, a), b);
    return hi << 32 | lo;
#else
    std::uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
#endif
}

}  // namespace synline::net
