// libFuzzer target: one Ethernet frame through lib/net's parsers, as the
// worker takes it (Ethernet, then ARP or IPv4, then ICMP or TCP). Nothing may
// read outside the frame (ASan), and what a parser accepts must be
// consistent: spans inside the frame, lengths as the headers say, options
// that survive a round trip through emit().
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "net/arp.hpp"
#include "net/ethernet.hpp"
#include "net/icmp.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"

using namespace synline::net;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::span<const std::uint8_t> part, std::span<const std::uint8_t> whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void tcp(const Ipv4Packet& ip) {
    const std::span<const std::uint8_t> s = ip.payload;
    (void)verify_tcp_checksum(ip.src, ip.dst, s);
    Drop why{};
    const auto seg = parse_tcp(s, why);
    if (!seg) {
        check(why == Drop::tcp_truncated || why == Drop::tcp_bad_data_offset || why == Drop::tcp_bad_option);
        return;
    }
    check(inside(seg->payload, s));
    check(seg->payload.size() + tcp_data_offset(s.data()) == s.size());
    const TcpOptions& o = seg->header.options;
    check(!o.window_scale || *o.window_scale <= kMaxWindowScale);
    // What we parsed, we can write, and read back the same.
    std::uint8_t out[kTcpMinHeaderLen + kTcpMaxOptionsLen];
    TcpHeader h = seg->header;
    check(h.header_len() <= sizeof out);
    h.emit(out);
    TcpHeader back;
    check(parse_tcp_header({out, h.header_len()}, back));
    TcpOptions sent = o;  // SACK blocks are read, never sent
    sent.sack_count = 0;
    sent.sack_malformed = false;
    check(back.options == sent && back.seq == h.seq && back.ack == h.ack && back.flags == h.flags &&
          back.window == h.window && back.urgent == h.urgent && back.src_port == h.src_port);
}

void icmp(const Ipv4Packet& ip) {
    Drop why{};
    if (!is_echo_request(ip.payload, why)) {
        check(why == Drop::icmp_malformed || why == Drop::icmp_unsupported_type);
        return;
    }
    // The reply keeps a valid checksum valid.
    std::vector<std::uint8_t> reply(ip.payload.begin(), ip.payload.end());
    const bool valid = checksum_verifies(0, ip.payload);
    make_echo_reply_in_place(reply);
    if (valid) check(checksum_verifies(0, reply));
}

void ipv4(std::span<const std::uint8_t> body, ChecksumVerdict verdict) {
    Drop why{};
    const auto ip = parse_ipv4(body, verdict, why);
    if (!ip) return;
    check(inside(ip->payload, body));
    check(ip->payload.size() + std::size_t{4} * (body[0] & 0x0f) == load_be16(body.data() + 2));
    if (ip->protocol == kIpProtoTcp) tcp(*ip);
    if (ip->protocol == kIpProtoIcmp) icmp(*ip);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A copy of exactly `size` bytes: ASan sees any read past the frame.
    std::vector<std::uint8_t> copy(data, data + size);
    const std::span<const std::uint8_t> frame(copy);
    if (!EthernetView::fits(frame)) return 0;
    const EthernetView eth(frame);
    const auto body = frame.subspan(kEthernetHeaderLen);
    if (eth.ether_type() == static_cast<std::uint16_t>(EtherType::arp)) {
        Drop why{};
        if (const auto arp = ArpRepr::parse(body, why)) {
            std::uint8_t out[kEthernetHeaderLen + kArpLen];
            arp->emit_frame(out, eth.src());
            const auto again = ArpRepr::parse({out + kEthernetHeaderLen, kArpLen}, why);
            check(again && again->sender_ip == arp->sender_ip && again->target_ip == arp->target_ip &&
                  again->op == arp->op);
        }
    } else if (eth.ether_type() == static_cast<std::uint16_t>(EtherType::ipv4)) {
        // Checked, and as if a NIC had vouched for the header checksum, so
        // that mutations reach the layers above without fixing checksums.
        ipv4(body, ChecksumVerdict::unknown);
        ipv4(body, ChecksumVerdict::good);
    }
    return 0;
}
