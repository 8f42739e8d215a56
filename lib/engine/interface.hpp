// The IPv4 identity of the port: our address, the on-link prefix and the
// router for everything else.
#pragma once

#include <cstdint>
#include <optional>

#include "net/ipv4_addr.hpp"

namespace synline::engine {

struct Interface {
    net::Ipv4Addr ip;
    std::uint8_t prefix_len = 24;
    std::optional<net::Ipv4Addr> gateway;
    net::MacAddr mac;

    bool on_link(net::Ipv4Addr a) const {
        std::uint32_t mask = prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_len);
        return (a.value & mask) == (ip.value & mask);
    }
    // Where a packet for `dst` goes first: itself when on-link, else the gateway.
    std::optional<net::Ipv4Addr> next_hop(net::Ipv4Addr dst) const {
        if (on_link(dst)) return dst;
        return gateway;
    }
};

}  // namespace synline::engine
