#include "net/arp.hpp"

#include <cstring>

#include "net/byte_order.hpp"

namespace synline::net {

namespace {
constexpr std::uint16_t kHwEthernet = 1;
constexpr std::uint16_t kProtoIpv4 = 0x0800;
}  // namespace

std::optional<ArpRepr> ArpRepr::parse(std::span<const std::uint8_t> b, Drop& why) {
    if (b.size() < kArpLen) {
        why = Drop::arp_malformed;
        return std::nullopt;
    }
    const std::uint8_t* p = b.data();
    std::uint16_t op = load_be16(p + 6);
    if (load_be16(p) != kHwEthernet || load_be16(p + 2) != kProtoIpv4 || p[4] != 6 || p[5] != 4 ||
        (op != 1 && op != 2)) {
        why = Drop::arp_unsupported;
        return std::nullopt;
    }
    ArpRepr r;
    r.op = static_cast<ArpOp>(op);
    std::memcpy(r.sender_mac.bytes.data(), p + 8, 6);
    r.sender_ip = Ipv4Addr{load_be32(p + 14)};
    std::memcpy(r.target_mac.bytes.data(), p + 18, 6);
    r.target_ip = Ipv4Addr{load_be32(p + 24)};
    return r;
}

void ArpRepr::emit(std::uint8_t* p) const {
    store_be16(p, kHwEthernet);
    store_be16(p + 2, kProtoIpv4);
    p[4] = 6;
    p[5] = 4;
    store_be16(p + 6, static_cast<std::uint16_t>(op));
    std::memcpy(p + 8, sender_mac.bytes.data(), 6);
    store_be32(p + 14, sender_ip.value);
    std::memcpy(p + 18, target_mac.bytes.data(), 6);
    store_be32(p + 24, target_ip.value);
}

}  // namespace synline::net
