// synline-gen's SYN template: every copy must be a valid SYN with Linux's
// option layout, whatever source, port and ISN the incremental checksum update
// was given (the values that make the one's-complement sums wrap included).
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "syn_template.hpp"

using synline::gen::SynTemplate;
namespace net = synline::net;

namespace {

const net::MacAddr kServerMac{{0x02, 0x53, 0x59, 0x4e, 0x00, 0x01}};
const net::MacAddr kGenMac{{0x02, 0x53, 0x59, 0x4e, 0x00, 0x02}};
const net::Ipv4Addr kServer{0x0a630001};  // 10.99.0.1

// Parses a frame the way the server does; returns the TCP header when valid.
std::optional<net::TcpHeader> parse_syn(std::span<const std::uint8_t> frame, net::Ipv4Addr src) {
    net::Drop why{};
    auto ip = net::parse_ipv4(frame.subspan(net::kEthernetHeaderLen), net::ChecksumVerdict::unknown, why);
    if (!ip || ip->src != src || ip->dst != kServer || ip->protocol != net::kIpProtoTcp) return std::nullopt;
    if (!net::verify_tcp_checksum(ip->src, ip->dst, ip->payload)) return std::nullopt;
    auto seg = net::parse_tcp(ip->payload, why);
    if (!seg || !seg->payload.empty()) return std::nullopt;
    return seg->header;
}

}  // namespace

TEST_CASE("SynTemplate: a Linux-style SYN to the target", "[gen][syn]") {
    const SynTemplate t(kServerMac, kGenMac, kServer, 80, 1460);
    std::vector<std::uint8_t> frame(SynTemplate::kFrameLen);
    const net::Ipv4Addr src{0xc6120203};  // 198.18.2.3
    t.write(frame.data(), src, 40000, 0x12345678);

    net::EthernetView eth(frame);
    CHECK(eth.dst() == kServerMac);
    CHECK(eth.src() == kGenMac);
    CHECK(eth.ether_type() == static_cast<std::uint16_t>(net::EtherType::ipv4));
    auto h = parse_syn(frame, src);
    REQUIRE(h);
    CHECK(h->flags == net::tcp_flag::syn);
    CHECK(h->src_port == 40000);
    CHECK(h->dst_port == 80);
    CHECK(h->seq.raw() == 0x12345678u);
    CHECK(h->options.mss == 1460);
    CHECK(h->options.sack_permitted);
    CHECK(h->options.window_scale == 7);
    REQUIRE(h->options.timestamps);
    CHECK(h->options.timestamps->echo == 0);
    // Linux's order: MSS, SACK-permitted + timestamps, NOP + window scale.
    const std::uint8_t* opt = frame.data() + 14 + 20 + 20;
    CHECK(opt[0] == 2);
    CHECK(opt[4] == 4);
    CHECK(opt[6] == 8);
    CHECK(opt[16] == 1);
    CHECK(opt[17] == 3);
}

TEST_CASE("SynTemplate: checksums stay valid for any source, port and ISN", "[gen][syn]") {
    const SynTemplate t(kServerMac, kGenMac, kServer, 443, 1460);
    std::vector<std::uint8_t> frame(SynTemplate::kFrameLen);
    const std::uint32_t edges[] = {0, 1, 0xffff, 0x10000, 0xfffe, 0xffffffff, 0xffff0000, 0x0000ffff, 0x80008000};
    for (std::uint32_t a : edges)
        for (std::uint32_t isn : edges)
            for (std::uint16_t port : {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{0xffff}, std::uint16_t{0x8000}}) {
                t.write(frame.data(), net::Ipv4Addr{a}, port, isn);
                INFO("src " << a << " port " << port << " isn " << isn);
                REQUIRE(parse_syn(frame, net::Ipv4Addr{a}));
            }
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200000; ++i) {
        const auto r = rng();
        const net::Ipv4Addr src{static_cast<std::uint32_t>(r)};
        t.write(frame.data(), src, static_cast<std::uint16_t>(r >> 32), static_cast<std::uint32_t>(r >> 16));
        auto h = parse_syn(frame, src);
        REQUIRE(h);
        REQUIRE(h->src_port == static_cast<std::uint16_t>(r >> 32));
        REQUIRE(h->seq.raw() == static_cast<std::uint32_t>(r >> 16));
    }
}
