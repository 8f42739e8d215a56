// Ethernet II framing (no VLAN tags: a tagged frame is an unknown ethertype).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "net/byte_order.hpp"
#include "net/ipv4_addr.hpp"

namespace synline::net {

inline constexpr std::size_t kEthernetHeaderLen = 14;

enum class EtherType : std::uint16_t { ipv4 = 0x0800, arp = 0x0806 };

// A view over a frame whose length was checked to hold the header.
class EthernetView {
public:
    static bool fits(std::span<const std::uint8_t> frame) {
        return frame.size() >= kEthernetHeaderLen;
    }
    explicit EthernetView(std::span<const std::uint8_t> frame) : p_(frame.data()) {}

    MacAddr dst() const { return mac_at(0); }
    MacAddr src() const { return mac_at(6); }
    std::uint16_t ether_type() const { return load_be16(p_ + 12); }

private:
    MacAddr mac_at(std::size_t off) const {
        MacAddr m;
        std::memcpy(m.bytes.data(), p_ + off, 6);
        return m;
    }
    const std::uint8_t* p_;
};

inline void write_ethernet(std::uint8_t* out, const MacAddr& dst, const MacAddr& src,
                           EtherType type) {
    std::memcpy(out, dst.bytes.data(), 6);
    std::memcpy(out + 6, src.bytes.data(), 6);
    store_be16(out + 12, static_cast<std::uint16_t>(type));
}

}  // namespace synline::net
