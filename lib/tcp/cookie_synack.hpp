// The SYN-ACK a listener sends from a SYN cookie (S13, S15, S16), in a form
// of its own: it never carries payload and its options follow from the SYN
// alone (MSS always; timestamps, with SACK-permitted in place of their two
// NOPs; window scale only beside timestamps). So a stack's cookie SYN-ACKs
// come in five shapes, each built once: the IPv4 header and TCP header with
// every per-SYN field zero, and what their constant words add to the
// checksums. Writing one is a copy of its shape plus the per-SYN words
// (addresses, IPv4 ID, ports, sequence numbers, timestamps), summed as they
// are stored. The SYN fast lane (engine/worker_syn_lane.cpp) writes it over
// the SYN's own frame; everyone else sends to_out_segment(), which puts the
// same bytes on the wire.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/four_tuple.hpp"
#include "net/ipv4.hpp"
#include "net/seq_num.hpp"
#include "net/tcp_header.hpp"
#include "tcp/segment_sink.hpp"
#include "tcp/segment_writer.hpp"

namespace synline::tcp {

// Bytes write_ipv4_cookie_synack() may write: the IPv4 header and the longest
// cookie SYN-ACK header, whose options are the MSS (4 bytes), SACK-permitted
// and timestamps (12) and NOP and window scale (4). Past a shorter header
// they are scratch.
inline constexpr std::size_t kCookieSynAckRoom = net::kIpv4MinHeaderLen + net::kTcpMinHeaderLen + 4 + 12 + 4;

struct CookieSynAck;

// What every cookie SYN-ACK with one set of options shares. Made only by
// CookieSynAckShapes, whose headers all carry the MSS first, where the
// writer's fixed offsets expect it.
class CookieSynAckShape {
public:
    // The header with zero ports, sequence numbers and timestamp values.
    const net::TcpHeader& header() const { return header_; }
    std::size_t header_len() const { return tcp_len_; }

private:
    friend class CookieSynAckShapes;
    friend std::size_t write_ipv4_cookie_synack(std::uint8_t* out, const CookieSynAck& s,
                                                std::uint16_t ip_id, ChecksumFill fill);
    friend void put_cookie_synack_seq(std::uint8_t* out, net::SeqNum seq, ChecksumFill fill);

    // Where the per-SYN fields lie in image_ (the TCP header starts at 20).
    static constexpr std::size_t kIpIdAt = 4;
    static constexpr std::size_t kIpChecksumAt = 10;
    static constexpr std::size_t kAddressesAt = 12;
    static constexpr std::size_t kTcpAt = net::kIpv4MinHeaderLen;
    static constexpr std::size_t kSeqAt = kTcpAt + 4;
    static constexpr std::size_t kAckAt = kTcpAt + 8;
    static constexpr std::size_t kTcpChecksumAt = kTcpAt + net::kTcpChecksumOffset;
    // After the MSS and the word that leads the timestamps (TcpOptions::emit).
    static constexpr std::size_t kTsvalAt = kTcpAt + net::kTcpMinHeaderLen + 8;
    static constexpr std::size_t kTsecrAt = kTsvalAt + 4;

    // `header` gives the window, the MSS and which options are sent, with
    // zero ports, sequence numbers and timestamp values.
    explicit CookieSynAckShape(const net::TcpHeader& header);

    alignas(64) std::array<std::uint8_t, kCookieSynAckRoom> image_{};
    // Sums of big-endian 32-bit words as SummingWordWriter keeps them.
    std::uint64_t ip_sum_ = 0;       // the IPv4 header's constant words
    std::uint64_t pseudo_sum_ = 0;   // the pseudo-header's protocol and length
    std::uint64_t tcp_sum_ = 0;      // the TCP header's constant words, plus pseudo_sum_
    std::uint64_t timestamps_mask_ = 0;  // all ones when the shape has timestamps
    std::uint16_t tcp_len_ = 0;
    net::TcpHeader header_;
};

// The five shapes of one stack's cookie SYN-ACKs, for its window, MSS and
// window scale. Only a SYN with timestamps gets SACK-permitted and window
// scaling back from a cookie (S16): without timestamps the MSS is alone.
class CookieSynAckShapes {
public:
    CookieSynAckShapes(std::uint16_t window, std::uint16_t mss, std::uint8_t window_scale);
    // SACK-permitted and window scale count only with timestamps.
    const CookieSynAckShape& pick(bool timestamps, bool sack_permitted, bool window_scale) const {
        return shapes_[timestamps ? 1u + sack_permitted + 2u * window_scale : 0u];
    }

private:
    std::array<CookieSynAckShape, 5> shapes_;
};

struct CookieSynAck {
    const CookieSynAckShape* shape = nullptr;
    net::FourTuple tuple;  // local = source
    net::SeqNum seq;       // the cookie
    net::SeqNum ack;       // the SYN's sequence number + 1
    std::uint32_t tsval = 0;  // sent only when the shape has timestamps
    std::uint32_t tsecr = 0;
};

// The same segment for a SegmentSink.
inline OutSegment to_out_segment(const CookieSynAck& s) {
    OutSegment out;
    out.tuple = s.tuple;
    net::TcpHeader& h = out.header;
    h = s.shape->header();
    h.src_port = s.tuple.local_port;
    h.dst_port = s.tuple.remote_port;
    h.seq = s.seq;
    h.ack = s.ack;
    if (h.options.timestamps) h.options.timestamps = net::TcpTimestamps{s.tsval, s.tsecr};
    return out;
}

// Writes the IPv4 and TCP headers of `s` at `out`, byte for byte what
// write_ipv4_tcp(to_out_segment(s)) writes; returns their length. `out` must
// have kCookieSynAckRoom bytes: whatever the shape, the timestamps are stored
// (past a header without them) and summed under a mask, so no branch depends
// on the options.
inline std::size_t write_ipv4_cookie_synack(std::uint8_t* out, const CookieSynAck& s, std::uint16_t ip_id,
                                            ChecksumFill fill) {
    using Shape = CookieSynAckShape;
    const Shape& shape = *s.shape;
    std::memcpy(out, shape.image_.data(), kCookieSynAckRoom);
    const std::uint32_t src = s.tuple.local_ip.value;
    const std::uint32_t dst = s.tuple.remote_ip.value;
    const std::uint32_t ports = std::uint32_t{s.tuple.local_port} << 16 | s.tuple.remote_port;
    net::store_be16(out + Shape::kIpIdAt, ip_id);
    net::store_be32(out + Shape::kAddressesAt, src);
    net::store_be32(out + Shape::kAddressesAt + 4, dst);
    net::store_be32(out + Shape::kTcpAt, ports);
    net::store_be32(out + Shape::kSeqAt, s.seq.raw());
    net::store_be32(out + Shape::kAckAt, s.ack.raw());
    net::store_be32(out + Shape::kTsvalAt, s.tsval);
    net::store_be32(out + Shape::kTsecrAt, s.tsecr);
    // Both checksums cover the addresses: the header's and the pseudo-header's.
    const std::uint64_t addresses = std::uint64_t{src} + dst;
    if (fill == ChecksumFill::software) {
        const std::uint64_t ip = shape.ip_sum_ + addresses + (std::uint32_t{ip_id} << 16);
        const std::uint64_t tcp = shape.tcp_sum_ + addresses + ports + s.seq.raw() + s.ack.raw() +
                                  ((std::uint64_t{s.tsval} + s.tsecr) & shape.timestamps_mask_);
        net::store_be16(out + Shape::kIpChecksumAt, net::checksum_finish(net::checksum_fold64(ip)));
        net::store_be16(out + Shape::kTcpChecksumAt, net::checksum_finish(net::checksum_fold64(tcp)));
    } else {  // the IPv4 field stays zero
        net::store_be16(out + Shape::kTcpChecksumAt,
                        offload_checksum_field(net::checksum_fold64(shape.pseudo_sum_ + addresses)));
    }
    return net::kIpv4MinHeaderLen + shape.tcp_len_;
}

// Puts `seq` in a SYN-ACK that write_ipv4_cookie_synack() wrote at `out`
// with seq 0: the field, and with software checksums the TCP checksum,
// updated for it as RFC 1624 does (eqn. 3 with an old value of 0). The SYN
// lane writes its SYN-ACKs before their cookies are finished, then puts the
// cookies in. An offloaded checksum field needs nothing: it holds the
// pseudo-header's sum, and the NIC sums the segment itself.
inline void put_cookie_synack_seq(std::uint8_t* out, net::SeqNum seq, ChecksumFill fill) {
    using Shape = CookieSynAckShape;
    net::store_be32(out + Shape::kSeqAt, seq.raw());
    if (fill == ChecksumFill::offload) return;
    std::uint8_t* const field = out + Shape::kTcpChecksumAt;
    const std::uint32_t sum = std::uint32_t{static_cast<std::uint16_t>(~net::load_be16(field))} +
                              (seq.raw() >> 16) + (seq.raw() & 0xffff);
    net::store_be16(field, net::checksum_finish(sum));
}

}  // namespace synline::tcp
