#include "syn_template.hpp"

#include <cstring>
#include <stdexcept>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "tcp/segment_writer.hpp"

namespace synline::gen {

namespace {

constexpr std::size_t kIp = net::kEthernetHeaderLen;
constexpr std::size_t kTcp = kIp + net::kIpv4MinHeaderLen;
constexpr std::uint16_t kLinuxSynWindow = 64240;  // 44 * 1460: what Linux offers with MSS 1460
constexpr std::uint8_t kLinuxWindowScale = 7;
constexpr std::uint32_t kTsval = 0x5eed0001;      // any value: the server only echoes it

}  // namespace

SynTemplate::SynTemplate(const net::MacAddr& dst_mac, const net::MacAddr& src_mac, net::Ipv4Addr dst,
                         std::uint16_t dst_port, std::uint16_t mss) {
    tcp::OutSegment syn;
    syn.tuple = net::FourTuple{net::Ipv4Addr{0}, dst, 0, dst_port};
    syn.header.dst_port = dst_port;
    syn.header.flags = net::tcp_flag::syn;
    syn.header.window = kLinuxSynWindow;
    syn.header.options.mss = mss;
    syn.header.options.sack_permitted = true;
    syn.header.options.timestamps = net::TcpTimestamps{kTsval, 0};
    syn.header.options.window_scale = kLinuxWindowScale;
    net::write_ethernet(frame_.data(), dst_mac, src_mac, net::EtherType::ipv4);
    const std::size_t written = tcp::write_ipv4_tcp(frame_.data() + kIp, syn, 0, tcp::ChecksumFill::software);
    static_assert(kFrameLen == kTcp + 40);
    if (written != kFrameLen - kIp) throw std::logic_error("SYN template: unexpected option layout");
    ip_sum_ = static_cast<std::uint16_t>(~net::load_be16(frame_.data() + kIp + 10));
    tcp_sum_ = static_cast<std::uint16_t>(~net::load_be16(frame_.data() + kTcp + net::kTcpChecksumOffset));
}

void SynTemplate::write(std::uint8_t* out, net::Ipv4Addr src, std::uint16_t src_port, std::uint32_t isn) const {
    std::memcpy(out, frame_.data(), kFrameLen);
    // RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): every changed field is zero in
    // the template, so ~m + m' is 0xffff + m', which one's-complement addition
    // treats as m' alone: the new words are simply added.
    const std::uint32_t src_words = (src.value >> 16) + (src.value & 0xffff);
    net::store_be32(out + kIp + 12, src.value);
    net::store_be16(out + kIp + 10, net::checksum_finish(ip_sum_ + src_words));
    net::store_be16(out + kTcp, src_port);
    net::store_be32(out + kTcp + 4, isn);
    const std::uint32_t tcp_sum = tcp_sum_ + src_words + src_port + (isn >> 16) + (isn & 0xffff);
    net::store_be16(out + kTcp + net::kTcpChecksumOffset, net::checksum_finish(tcp_sum));
}

}  // namespace synline::gen
