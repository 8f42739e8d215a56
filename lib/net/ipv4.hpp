// IPv4 header validation and construction (RFC 791, RFC 1122 3.2.1).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "net/checksum.hpp"
#include "net/drop_reason.hpp"
#include "net/ipv4_addr.hpp"

namespace synline::net {

inline constexpr std::size_t kIpv4MinHeaderLen = 20;
inline constexpr std::uint8_t kIpProtoIcmp = 1;
inline constexpr std::uint8_t kIpProtoTcp = 6;

// What the NIC said about a checksum it verified, if it did.
enum class ChecksumVerdict : std::uint8_t { unknown, good, bad };

// A validated IPv4 packet: every field below was checked against the frame.
struct Ipv4Packet {
    Ipv4Addr src;
    Ipv4Addr dst;
    std::uint8_t protocol = 0;
    std::uint8_t ttl = 0;
    std::span<const std::uint8_t> payload;  // total_length - header_length bytes
};

// True when the NIC vouched for the header checksum or, without a verdict,
// the header (IHL * 4 bytes, options included) sums to zero.
inline bool ipv4_header_checksum_ok(std::span<const std::uint8_t> header, ChecksumVerdict nic) {
    if (nic != ChecksumVerdict::unknown) return nic == ChecksumVerdict::good;
    return checksum_verifies(0, header);
}

// Validates version, IHL, total length, header checksum (unless the NIC vouched
// for it) and refuses fragments. Ethernet padding after total_length is ignored.
std::optional<Ipv4Packet> parse_ipv4(std::span<const std::uint8_t> bytes,
                                     ChecksumVerdict nic_verdict, Drop& why);

// Writes a 20-byte header with DF set. The header checksum is computed unless
// the NIC will insert it (then the field is left zero).
void write_ipv4_header(std::uint8_t* out, Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                       std::uint16_t payload_len, std::uint16_t id, bool compute_checksum);

}  // namespace synline::net
