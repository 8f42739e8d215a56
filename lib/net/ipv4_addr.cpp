#include "net/ipv4_addr.hpp"

#include <charconv>
#include <cstdio>

namespace synline::net {

std::optional<Ipv4Addr> Ipv4Addr::parse(std::string_view s) {
    std::uint32_t v = 0;
    const char* p = s.data();
    const char* end = s.data() + s.size();
    for (int i = 0; i < 4; ++i) {
        unsigned octet = 0;
        auto [next, ec] = std::from_chars(p, end, octet);
        // Leading zeros are refused, as inet_pton does: inet_aton would read
        // "010" as octal 8, and an address must not mean two things.
        if (ec != std::errc{} || next == p || octet > 255 || next - p > 3 ||
            (next - p > 1 && *p == '0'))
            return std::nullopt;
        v = v << 8 | octet;
        p = next;
        if (i < 3) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
    }
    if (p != end) return std::nullopt;
    return Ipv4Addr{v};
}

std::string Ipv4Addr::to_string() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", value >> 24, (value >> 16) & 0xff,
                  (value >> 8) & 0xff, value & 0xff);
    return buf;
}

std::string MacAddr::to_string() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1],
                  bytes[2], bytes[3], bytes[4], bytes[5]);
    return buf;
}

}  // namespace synline::net
