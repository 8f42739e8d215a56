// One SYN frame as Linux sends it (MSS, SACK-permitted, timestamps, window
// scale: the layout servers and middleboxes see most), built once with valid
// checksums. Each copy gets its own source address, source port and ISN; the
// checksums follow by incremental update (RFC 1624, eqn. 3), so a copy costs a
// 74-byte copy and a few additions, never a checksum over the frame.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "net/ipv4_addr.hpp"

namespace synline::gen {

class SynTemplate {
public:
    static constexpr std::size_t kFrameLen = 14 + 20 + 40;  // Ethernet, IPv4, TCP with 20 bytes of options

    SynTemplate(const net::MacAddr& dst_mac, const net::MacAddr& src_mac, net::Ipv4Addr dst,
                std::uint16_t dst_port, std::uint16_t mss);

    // Writes kFrameLen bytes to `out`: the template from `src`:`src_port`
    // with sequence number `isn`, both checksums valid.
    void write(std::uint8_t* out, net::Ipv4Addr src, std::uint16_t src_port, std::uint32_t isn) const;

    std::span<const std::uint8_t, kFrameLen> frame() const { return frame_; }

private:
    std::array<std::uint8_t, kFrameLen> frame_{};  // source address, port and ISN zero
    std::uint32_t ip_sum_ = 0;   // the template's checksums, uncomplemented (RFC 1624's ~HC)
    std::uint32_t tcp_sum_ = 0;
};

}  // namespace synline::gen
