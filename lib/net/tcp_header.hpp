// TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018): a validated value
// type with parse and emit. Parsing checks every length against the segment.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "net/drop_reason.hpp"
#include "net/ipv4_addr.hpp"
#include "net/seq_num.hpp"

namespace synline::net {

inline constexpr std::size_t kTcpMinHeaderLen = 20;
inline constexpr std::size_t kTcpMaxOptionsLen = 40;
inline constexpr std::uint8_t kMaxWindowScale = 14;  // RFC 7323 2.3

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
}  // namespace tcp_flag

struct TcpTimestamps {
    std::uint32_t value = 0;  // TSval
    std::uint32_t echo = 0;   // TSecr
    constexpr bool operator==(const TcpTimestamps&) const = default;
};

// The options synline understands. Unknown options are skipped on parse; SACK
// blocks are recognised but not kept (no SACK-based recovery yet).
struct TcpOptions {
    std::optional<std::uint16_t> mss;
    std::optional<std::uint8_t> window_scale;  // clamped to 14 on parse
    bool sack_permitted = false;
    std::optional<TcpTimestamps> timestamps;

    constexpr bool operator==(const TcpOptions&) const = default;
    // Encoded size, padded to a multiple of 4.
    std::size_t encoded_len() const;
    // Writes encoded_len() bytes, in the order Linux uses so that middleboxes
    // see a familiar layout: MSS, SACK-permitted+TS (or NOPs+TS), NOP+WS.
    void emit(std::uint8_t* out) const;
};

struct TcpHeader {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    SeqNum seq;
    SeqNum ack;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    std::uint16_t urgent = 0;
    TcpOptions options;

    bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
    std::size_t header_len() const { return kTcpMinHeaderLen + options.encoded_len(); }
    // Writes header_len() bytes with a zero checksum field.
    void emit(std::uint8_t* out) const;
};

struct TcpSegmentView {
    TcpHeader header;
    std::span<const std::uint8_t> payload;
};

// Parses a TCP segment (the IPv4 payload). The checksum is checked separately
// (verify_tcp_checksum) so that a NIC's verdict can stand in for it.
std::optional<TcpSegmentView> parse_tcp(std::span<const std::uint8_t> segment, Drop& why);

bool verify_tcp_checksum(Ipv4Addr src, Ipv4Addr dst, std::span<const std::uint8_t> segment);

// Offset of the checksum field within the TCP header.
inline constexpr std::size_t kTcpChecksumOffset = 16;

}  // namespace synline::net
