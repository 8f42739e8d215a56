// IPv4 and MAC addresses as values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synline::net {

struct Ipv4Addr {
    std::uint32_t value = 0;  // host byte order: 10.0.0.1 is 0x0a000001

    constexpr bool operator==(const Ipv4Addr&) const = default;
    static std::optional<Ipv4Addr> parse(std::string_view dotted);
    std::string to_string() const;
};

// Addresses that can never be a TCP peer (RFC 9293 3.10.7.2, RFC 1122
// 4.2.3.10): the limited broadcast, multicast and 0.0.0.0.
inline bool bad_tcp_peer(Ipv4Addr a) {
    return a.value == 0xffffffff || (a.value >> 28) == 0xe || a.value == 0;
}

struct MacAddr {
    std::array<std::uint8_t, 6> bytes{};

    constexpr bool operator==(const MacAddr&) const = default;
    static constexpr MacAddr broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
    std::string to_string() const;
};

}  // namespace synline::net
