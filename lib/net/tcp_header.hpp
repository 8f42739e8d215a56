// TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018): a validated value
// type with parse and emit. Parsing checks every length against the segment.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/drop_reason.hpp"
#include "net/ipv4.hpp"
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

namespace option_kind {
inline constexpr std::uint8_t end = 0;
inline constexpr std::uint8_t nop = 1;
inline constexpr std::uint8_t mss = 2;
inline constexpr std::uint8_t window_scale = 3;
inline constexpr std::uint8_t sack_permitted = 4;
inline constexpr std::uint8_t sack = 5;
inline constexpr std::uint8_t timestamps = 8;
}  // namespace option_kind

// The options synline sends, as the whole 32-bit words it writes them in
// (Linux's layout, see TcpOptions::emit).
namespace option_word {
constexpr std::uint32_t kind_len(std::uint8_t kind, std::uint8_t len) { return std::uint32_t{kind} << 8 | len; }
constexpr std::uint32_t two_nops = kind_len(option_kind::nop, option_kind::nop);
constexpr std::uint32_t mss(std::uint16_t value) { return kind_len(option_kind::mss, 4) << 16 | value; }
// The first word of the timestamps: SACK-permitted (or two NOPs) in front of
// the kind and length; TSval and TSecr follow.
constexpr std::uint32_t timestamps_lead(bool sack_permitted) {
    return (sack_permitted ? kind_len(option_kind::sack_permitted, 2) : two_nops) << 16 |
           kind_len(option_kind::timestamps, 10);
}
constexpr std::uint32_t sack_permitted_alone = two_nops << 16 | kind_len(option_kind::sack_permitted, 2);
constexpr std::uint32_t window_scale(std::uint8_t shift) {
    return std::uint32_t{option_kind::nop} << 24 | kind_len(option_kind::window_scale, 3) << 8 | shift;
}
}  // namespace option_word

struct TcpTimestamps {
    std::uint32_t value = 0;  // TSval
    std::uint32_t echo = 0;   // TSecr
    constexpr bool operator==(const TcpTimestamps&) const = default;
};

// One SACK block (RFC 2018 3): the bytes [left, right) arrived.
struct SackBlock {
    SeqNum left;
    SeqNum right;
    constexpr bool operator==(const SackBlock&) const = default;
};
// 40 bytes of option space hold at most four blocks (RFC 2018 3).
inline constexpr std::size_t kMaxSackBlocks = 4;

// The options synline understands. Unknown options are skipped on parse.
struct TcpOptions {
    std::optional<std::uint16_t> mss;
    std::optional<std::uint8_t> window_scale;  // clamped to 14 on parse
    bool sack_permitted = false;
    std::optional<TcpTimestamps> timestamps;
    // SACK blocks, in the order the peer sent them (the first is the most
    // recent, or a D-SACK, RFC 2883 4). A SACK option whose length is not
    // 2 + 8n with n in 1..4 sets sack_malformed and gives no blocks.
    std::uint8_t sack_count = 0;
    bool sack_malformed = false;
    // Edges of the blocks, left and right of each. Left uninitialised: every
    // segment builds a header and most carry no SACK; only the first
    // sack_count are meaningful.
    std::array<std::uint32_t, 2 * kMaxSackBlocks> sack_edges;

    SackBlock sack_block(std::size_t i) const { return {SeqNum(sack_edges[2 * i]), SeqNum(sack_edges[2 * i + 1])}; }
    void add_sack_block(SackBlock b) {
        sack_edges[2 * sack_count] = b.left.raw();
        sack_edges[2 * sack_count + 1] = b.right.raw();
        ++sack_count;
    }
    constexpr bool operator==(const TcpOptions& o) const {
        if (!(mss == o.mss && window_scale == o.window_scale && sack_permitted == o.sack_permitted &&
              timestamps == o.timestamps && sack_count == o.sack_count && sack_malformed == o.sack_malformed))
            return false;
        for (std::size_t i = 0; i < 2u * sack_count; ++i)
            if (sack_edges[i] != o.sack_edges[i]) return false;
        return true;
    }
    // Encoded size, padded to a multiple of 4.
    std::size_t encoded_len() const;
    // Writes encoded_len() bytes, in the order Linux uses so that middleboxes
    // see a familiar layout: MSS, SACK-permitted+TS (or NOPs+TS), NOP+WS.
    // Returns the one's-complement sum of what it wrote (32-bit words added in
    // 64 bits; checksum_fold64 makes it a checksum sum).
    std::uint64_t emit(std::uint8_t* out) const;
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
    // Writes header_len() bytes with a zero checksum field; returns their sum
    // as TcpOptions::emit does.
    std::uint64_t emit(std::uint8_t* out) const;
};

struct TcpSegmentView {
    TcpHeader header;
    std::span<const std::uint8_t> payload;
};

// The header length a segment's data offset field gives (bytes; not yet
// checked against anything).
inline std::size_t tcp_data_offset(const std::uint8_t* segment) {
    return static_cast<std::size_t>(segment[12] >> 4) * 4;
}

// Walks options of any layout into `out`. False when an option's length field
// is malformed: shorter than 2 or running past the end.
bool parse_tcp_options_any_layout(std::span<const std::uint8_t> options, TcpOptions& out);

// The two layouts Linux sends almost always, recognised whole and compared a
// word at a time against the words we would write ourselves: the SYN's MSS,
// SACK-permitted+TS, NOP+WS (20 bytes) and a data segment's NOP NOP TS.
// False (and `out` untouched) for any other layout.
inline bool parse_tcp_options_common_layout(std::span<const std::uint8_t> o, TcpOptions& out) {
    const std::uint8_t* v = o.data();
    if (o.size() == 12 && load_be32(v) == option_word::timestamps_lead(false)) {
        out.timestamps = TcpTimestamps{load_be32(v + 4), load_be32(v + 8)};
        return true;
    }
    if (o.size() == 20 && load_be32(v) >> 16 == option_word::mss(0) >> 16 &&
        load_be32(v + 4) == option_word::timestamps_lead(true) &&
        load_be32(v + 16) >> 8 == option_word::window_scale(0) >> 8) {
        out.mss = load_be16(v + 2);
        out.sack_permitted = true;
        out.timestamps = TcpTimestamps{load_be32(v + 8), load_be32(v + 12)};
        out.window_scale = v[19] < kMaxWindowScale ? v[19] : kMaxWindowScale;
        return true;
    }
    return false;
}

// Parses the fields and options of a header whose length (data offset, at
// least 20) the caller has checked. False when an option is malformed.
// Inline: it is on the receive path of every segment.
inline bool parse_tcp_header(std::span<const std::uint8_t> header, TcpHeader& h) {
    const std::uint8_t* p = header.data();
    h.src_port = load_be16(p);
    h.dst_port = load_be16(p + 2);
    h.seq = SeqNum(load_be32(p + 4));
    h.ack = SeqNum(load_be32(p + 8));
    h.flags = p[13];
    h.window = load_be16(p + 14);
    h.urgent = load_be16(p + 18);
    const std::span<const std::uint8_t> options = header.subspan(kTcpMinHeaderLen);
    return parse_tcp_options_common_layout(options, h.options) || parse_tcp_options_any_layout(options, h.options);
}

// Parses a TCP segment (the IPv4 payload). The checksum is checked separately
// (verify_tcp_checksum) so that a NIC's verdict can stand in for it.
std::optional<TcpSegmentView> parse_tcp(std::span<const std::uint8_t> segment, Drop& why);

inline bool verify_tcp_checksum(Ipv4Addr src, Ipv4Addr dst, std::span<const std::uint8_t> segment) {
    return checksum_verifies(pseudo_header_raw_sum(src, dst, kIpProtoTcp, static_cast<std::uint16_t>(segment.size())),
                             segment);
}

// Offset of the checksum field within the TCP header.
inline constexpr std::size_t kTcpChecksumOffset = 16;

}  // namespace synline::net
