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

}  // namespace synline::net
