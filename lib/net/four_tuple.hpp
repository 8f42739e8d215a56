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

// A fast mixing hash for table lookup (not a security boundary: tables are
// bounded and use the key only for placement).
inline std::uint64_t hash_of(const FourTuple& t) {
    std::uint64_t a = (std::uint64_t{t.local_ip.value} << 32) | t.remote_ip.value;
    std::uint64_t b = (std::uint64_t{t.local_port} << 16) | t.remote_port;
    std::uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

}  // namespace synline::net
