#include "net/ipv4.hpp"

#include "net/byte_order.hpp"
#include "net/checksum.hpp"

namespace synline::net {

namespace {
constexpr std::uint16_t kFlagMoreFragments = 0x2000;
constexpr std::uint16_t kFragmentOffsetMask = 0x1fff;
constexpr std::uint16_t kFlagDontFragment = 0x4000;
constexpr std::uint8_t kDefaultTtl = 64;
}  // namespace

std::optional<Ipv4Packet> parse_ipv4(std::span<const std::uint8_t> b, ChecksumVerdict nic,
                                     Drop& why) {
    if (b.size() < kIpv4MinHeaderLen) {
        why = Drop::ipv4_truncated;
        return std::nullopt;
    }
    const std::uint8_t* p = b.data();
    if ((p[0] >> 4) != 4) {
        why = Drop::ipv4_bad_version;
        return std::nullopt;
    }
    std::size_t header_len = std::size_t{p[0] & 0x0fu} * 4;
    if (header_len < kIpv4MinHeaderLen) {
        why = Drop::ipv4_bad_ihl;
        return std::nullopt;
    }
    std::size_t total_len = load_be16(p + 2);
    if (total_len < header_len) {
        why = header_len > b.size() ? Drop::ipv4_bad_ihl : Drop::ipv4_bad_total_length;
        return std::nullopt;
    }
    if (header_len > b.size()) {
        why = Drop::ipv4_bad_ihl;
        return std::nullopt;
    }
    if (total_len > b.size()) {
        why = Drop::ipv4_truncated;
        return std::nullopt;
    }
    if (!ipv4_header_checksum_ok(b.first(header_len), nic)) {
        why = Drop::ipv4_bad_checksum;
        return std::nullopt;
    }
    std::uint16_t frag = load_be16(p + 6);
    if ((frag & kFlagMoreFragments) || (frag & kFragmentOffsetMask)) {
        why = Drop::ipv4_fragment;
        return std::nullopt;
    }
    Ipv4Packet pkt;
    pkt.ttl = p[8];
    pkt.protocol = p[9];
    pkt.src = Ipv4Addr{load_be32(p + 12)};
    pkt.dst = Ipv4Addr{load_be32(p + 16)};
    pkt.payload = b.subspan(header_len, total_len - header_len);
    return pkt;
}

void write_ipv4_header(std::uint8_t* p, Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                       std::uint16_t payload_len, std::uint16_t id, bool compute_checksum) {
    p[0] = 0x45;
    p[1] = 0;
    store_be16(p + 2, static_cast<std::uint16_t>(kIpv4MinHeaderLen + payload_len));
    store_be16(p + 4, id);
    store_be16(p + 6, kFlagDontFragment);
    p[8] = kDefaultTtl;
    p[9] = protocol;
    store_be32(p + 12, src.value);
    store_be32(p + 16, dst.value);
    std::uint16_t field = 0;
    if (compute_checksum) {
        // Summed from the values just written, without reading them back.
        const std::uint32_t sum = 0x4500u + kIpv4MinHeaderLen + payload_len + id + kFlagDontFragment +
                                  (std::uint32_t{kDefaultTtl} << 8) + protocol + (src.value >> 16) +
                                  (src.value & 0xffff) + (dst.value >> 16) + (dst.value & 0xffff);
        field = checksum_finish(sum);
    }
    store_be16(p + 10, field);
}

}  // namespace synline::net
