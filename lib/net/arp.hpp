// ARP for IPv4 over Ethernet (RFC 826).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "net/drop_reason.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4_addr.hpp"

namespace synline::net {

inline constexpr std::size_t kArpLen = 28;

enum class ArpOp : std::uint16_t { request = 1, reply = 2 };

struct ArpRepr {
    ArpOp op = ArpOp::request;
    MacAddr sender_mac;
    Ipv4Addr sender_ip;
    MacAddr target_mac;
    Ipv4Addr target_ip;

    // Parses an ARP body (after the Ethernet header). On failure sets `why`.
    static std::optional<ArpRepr> parse(std::span<const std::uint8_t> body, Drop& why);
    void emit(std::uint8_t* out) const;  // writes kArpLen bytes
    // The whole frame, from the sender's MAC to `eth_dst` (broadcast for a
    // request): kEthernetHeaderLen + kArpLen bytes.
    void emit_frame(std::uint8_t* out, const MacAddr& eth_dst) const {
        write_ethernet(out, eth_dst, sender_mac, EtherType::arp);
        emit(out + kEthernetHeaderLen);
    }
};

}  // namespace synline::net
