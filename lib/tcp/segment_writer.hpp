// Turns an OutSegment into IPv4 + TCP bytes: one implementation for the
// engine (into an mbuf) and the simulator (into a vector).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ipv4.hpp"
#include "tcp/segment_sink.hpp"

namespace synline::tcp {

enum class ChecksumFill : std::uint8_t {
    software,  // both checksums computed here
    offload,   // the NIC completes them: IPv4 field zero, TCP field = pseudo-header sum
};

// What the TCP checksum field holds when the NIC computes the checksum: the
// pseudo-header sum, folded but not inverted.
inline std::uint16_t offload_checksum_field(std::uint32_t pseudo_header_sum) {
    return static_cast<std::uint16_t>(~net::checksum_finish(pseudo_header_sum));
}

// Bytes write_ipv4_tcp() writes: the IPv4 header, the TCP header and payload.
// Both are inline: they sit on the per-segment transmit path.
inline std::size_t ipv4_tcp_length(const OutSegment& seg) {
    return net::kIpv4MinHeaderLen + seg.header.header_len() + seg.payload_size();
}

// Returns the bytes written (ipv4_tcp_length); `out` must have room for them.
inline std::size_t write_ipv4_tcp(std::uint8_t* out, const OutSegment& seg, std::uint16_t ip_id,
                                  ChecksumFill fill) {
    const std::size_t header_len = seg.header.header_len();
    const std::size_t tcp_len = header_len + seg.payload_size();
    const net::Ipv4Addr src = seg.tuple.local_ip;
    const net::Ipv4Addr dst = seg.tuple.remote_ip;
    const bool software = fill == ChecksumFill::software;
    net::write_ipv4_header(out, src, dst, net::kIpProtoTcp, static_cast<std::uint16_t>(tcp_len), ip_id,
                           software);
    std::uint8_t* tcp = out + net::kIpv4MinHeaderLen;
    // RFC 9293 3.1: the checksum covers the pseudo-header, the header and the
    // text. The header's part comes from emit(), not from reading it back.
    const std::uint32_t pseudo =
        net::pseudo_header_sum(src, dst, net::kIpProtoTcp, static_cast<std::uint16_t>(tcp_len));
    std::uint32_t sum = net::checksum_fold64(seg.header.emit(tcp) + pseudo);
    if (seg.payload_size() != 0) {  // handshake segments and pure ACKs carry none
        std::uint8_t* payload = tcp + header_len;
        std::memcpy(payload, seg.payload_first.data(), seg.payload_first.size());
        std::memcpy(payload + seg.payload_first.size(), seg.payload_second.data(),
                    seg.payload_second.size());
        if (software) sum = net::checksum_accumulate(sum, {payload, seg.payload_size()});
    }
    const std::uint16_t field = software ? net::checksum_finish(sum) : offload_checksum_field(pseudo);
    net::store_be16(tcp + net::kTcpChecksumOffset, field);
    return net::kIpv4MinHeaderLen + tcp_len;
}

}  // namespace synline::tcp
