// Why a received frame was discarded before it reached a connection. Every
// discard has one of these names and a counter (`stat drop.<name>`).
#pragma once

#include <cstdint>
#include <string_view>

namespace synline::net {

enum class Drop : std::uint8_t {
    rx_multi_segment,        // frames must fit one mbuf (MTU 1500 does)
    eth_truncated,
    eth_not_for_us,          // neither our MAC nor broadcast
    eth_unknown_type,
    arp_malformed,
    arp_unsupported,         // not Ethernet/IPv4, or not a request/reply
    arp_not_for_us,          // asks for or answers another address
    ipv4_truncated,          // frame shorter than the header or than total length
    ipv4_bad_version,
    ipv4_bad_ihl,
    ipv4_bad_total_length,
    ipv4_bad_checksum,
    ipv4_fragment,           // reassembly is not supported: fragments are refused
    ipv4_not_for_us,
    ipv4_land,               // our own address as the source: nothing legitimate arrives so from the wire
    ipv4_unknown_protocol,
    icmp_malformed,
    icmp_unsupported_type,
    tcp_truncated,
    tcp_bad_data_offset,
    tcp_bad_checksum,
    tcp_bad_option,
    tcp_bad_address,         // broadcast/multicast source or destination (RFC 9293 3.10.7.2)
    no_tx_buffer,            // a reply could not be built: mbuf pool empty
    no_arp_entry,            // next hop not resolved yet: ARP request sent, segment dropped
    no_route,                // destination off-link and no gateway configured
    tx_ring_full,            // the NIC queue refused the frame
    steer_channel_full,      // the channel to the frame's home worker was full
    count_
};

inline constexpr std::size_t kDropCount = static_cast<std::size_t>(Drop::count_);

constexpr std::string_view to_string(Drop d) {
    constexpr std::string_view names[] = {
        "rx_multi_segment",    "eth_truncated",      "eth_not_for_us",      "eth_unknown_type",   "arp_malformed",
        "arp_unsupported",     "arp_not_for_us",     "ipv4_truncated",     "ipv4_bad_version",
        "ipv4_bad_ihl",        "ipv4_bad_total_length", "ipv4_bad_checksum",
        "ipv4_fragment",       "ipv4_not_for_us",    "ipv4_land",          "ipv4_unknown_protocol",
        "icmp_malformed",      "icmp_unsupported_type", "tcp_truncated",
        "tcp_bad_data_offset", "tcp_bad_checksum",   "tcp_bad_option",
        "tcp_bad_address",     "no_tx_buffer",       "no_arp_entry",        "no_route",
        "tx_ring_full",        "steer_channel_full",
    };
    static_assert(std::size(names) == kDropCount);
    return names[static_cast<std::size_t>(d)];
}

}  // namespace synline::net
