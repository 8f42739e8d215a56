// ARP (RFC 826) and ICMP echo (RFC 792).
#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <vector>

#include "linux_captures.hpp"
#include "net/arp.hpp"
#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/icmp.hpp"

using namespace synline::net;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes arp_bytes(const ArpRepr& r) {
    Bytes b(kArpLen, 0xee);
    r.emit(b.data());
    return b;
}

struct ArpOutcome {
    std::optional<ArpRepr> repr;
    Drop why = Drop::count_;
};
ArpOutcome parse_arp(std::span<const std::uint8_t> b) {
    ArpOutcome o;
    o.repr = ArpRepr::parse(b, o.why);
    return o;
}

void check_arp_drop(const Bytes& b, Drop expected) {
    ArpOutcome o = parse_arp(b);
    CHECK_FALSE(o.repr.has_value());
    INFO("got " << to_string(o.why) << ", expected " << to_string(expected));
    CHECK(o.why == expected);
}

const MacAddr kClientMac{{0x7a, 0x4a, 0x80, 0x4b, 0xf7, 0x4c}};
const MacAddr kServerMac{{0x2e, 0x12, 0x16, 0xa7, 0xf9, 0x79}};
const Ipv4Addr kClient{0x0a090001}, kServer{0x0a090002};

Bytes echo_request() {
    return Bytes(linux_capture::echo_request.begin(), linux_capture::echo_request.end());
}

// Sets type/code and a valid checksum on an ICMP message.
Bytes icmp_message(std::uint8_t type, std::uint8_t code, Bytes body) {
    Bytes b(4 + body.size(), 0);
    b[0] = type;
    b[1] = code;
    for (std::size_t i = 0; i < body.size(); ++i) b[4 + i] = body[i];
    store_be16(b.data() + 2, checksum_finish(checksum_accumulate(0, b)));
    return b;
}

}  // namespace

TEST_CASE("ARP: a real Linux request and reply parse", "[arp][rfc826]") {
    ArpOutcome req = parse_arp(Bytes(linux_capture::arp_request.begin(), linux_capture::arp_request.end()));
    REQUIRE(req.repr);
    CHECK(req.repr->op == ArpOp::request);
    CHECK(req.repr->sender_mac == kClientMac);
    CHECK(req.repr->sender_ip == kClient);
    CHECK(req.repr->target_mac == MacAddr{});
    CHECK(req.repr->target_ip == kServer);

    ArpOutcome rep = parse_arp(Bytes(linux_capture::arp_reply.begin(), linux_capture::arp_reply.end()));
    REQUIRE(rep.repr);
    CHECK(rep.repr->op == ArpOp::reply);
    CHECK(rep.repr->sender_mac == kServerMac);
    CHECK(rep.repr->sender_ip == kServer);
    CHECK(rep.repr->target_mac == kClientMac);
    CHECK(rep.repr->target_ip == kClient);
}

TEST_CASE("ARP: emit reproduces Linux's reply and round trips", "[arp][rfc826]") {
    ArpRepr reply;
    reply.op = ArpOp::reply;
    reply.sender_mac = kServerMac;
    reply.sender_ip = kServer;
    reply.target_mac = kClientMac;
    reply.target_ip = kClient;
    const Bytes b = arp_bytes(reply);
    CHECK(b == Bytes(linux_capture::arp_reply.begin(), linux_capture::arp_reply.end()));

    ArpOutcome back = parse_arp(b);
    REQUIRE(back.repr);
    CHECK(back.repr->op == reply.op);
    CHECK(back.repr->sender_mac == reply.sender_mac);
    CHECK(back.repr->sender_ip == reply.sender_ip);
    CHECK(back.repr->target_mac == reply.target_mac);
    CHECK(back.repr->target_ip == reply.target_ip);
}

TEST_CASE("ARP: Ethernet padding after the 28 bytes is ignored", "[arp]") {
    Bytes b(linux_capture::arp_request.begin(), linux_capture::arp_request.end());
    b.resize(b.size() + 18, 0x00);  // padded to the 46-byte minimum payload
    CHECK(parse_arp(b).repr);
}

TEST_CASE("ARP drop reasons", "[arp][drop]") {
    Bytes b(linux_capture::arp_request.begin(), linux_capture::arp_request.end());
    SECTION("truncated: malformed") {
        check_arp_drop(Bytes(b.begin(), b.begin() + 27), Drop::arp_malformed);
        check_arp_drop(Bytes{}, Drop::arp_malformed);
    }
    SECTION("hardware type not Ethernet: unsupported") {
        store_be16(b.data(), 6);  // IEEE 802
        check_arp_drop(b, Drop::arp_unsupported);
    }
    SECTION("protocol type not IPv4: unsupported") {
        store_be16(b.data() + 2, 0x86dd);
        check_arp_drop(b, Drop::arp_unsupported);
    }
    SECTION("address lengths not 6 and 4: unsupported") {
        b[4] = 8;
        check_arp_drop(b, Drop::arp_unsupported);
        b[4] = 6;
        b[5] = 16;
        check_arp_drop(b, Drop::arp_unsupported);
    }
    SECTION("operation neither request nor reply: unsupported") {
        for (std::uint16_t op : {0, 3, 4, 8, 0x0100}) {
            store_be16(b.data() + 6, op);
            INFO("op " << op);
            check_arp_drop(b, Drop::arp_unsupported);
        }
    }
}

TEST_CASE("ICMP: a real Linux echo request is recognised", "[icmp][rfc792]") {
    Drop why = Drop::count_;
    CHECK(is_echo_request(echo_request(), why));
    CHECK(why == Drop::count_);  // untouched on success
}

TEST_CASE("ICMP: the reply made in place is the one Linux sent", "[icmp][rfc792]") {
    Bytes b = echo_request();
    make_echo_reply_in_place(b);
    CHECK(b == Bytes(linux_capture::echo_reply.begin(), linux_capture::echo_reply.end()));
    CHECK(b[0] == 0);                                    // echo reply
    CHECK(b[1] == 0);
    CHECK(load_be16(b.data() + 4) == 20471);             // identifier unchanged
    CHECK(load_be16(b.data() + 6) == 1);                 // sequence unchanged
    CHECK(Bytes(b.begin() + 8, b.end()) == Bytes{0, 1, 2, 3, 4});  // data unchanged
    CHECK(checksum_finish(checksum_accumulate(0, b)) == 0);
}

TEST_CASE("ICMP: echo reply checksums verify for even and odd data lengths", "[icmp][rfc792]") {
    for (std::size_t n = 0; n < 70; ++n) {
        Bytes body = {0x12, 0x34, 0x00, static_cast<std::uint8_t>(n)};
        for (std::size_t i = 0; i < n; ++i) body.push_back(static_cast<std::uint8_t>(0xa0 + i));
        Bytes b = icmp_message(8, 0, body);
        Drop why{};
        INFO("data length " << n);
        REQUIRE(is_echo_request(b, why));
        make_echo_reply_in_place(b);
        CHECK(b[0] == 0);
        CHECK(checksum_finish(checksum_accumulate(0, b)) == 0);
        CHECK(Bytes(b.begin() + 4, b.end()) == body);
    }
}

TEST_CASE("ICMP drop reasons", "[icmp][drop]") {
    Drop why = Drop::count_;
    SECTION("bad checksum: malformed") {
        Bytes b = echo_request();
        b.back() ^= 0x01;
        CHECK_FALSE(is_echo_request(b, why));
        CHECK(why == Drop::icmp_malformed);
    }
    SECTION("shorter than the 8-byte header: malformed") {
        Bytes b = icmp_message(8, 0, {0x00, 0x01, 0x00});  // 7 bytes, checksum valid
        CHECK_FALSE(is_echo_request(b, why));
        CHECK(why == Drop::icmp_malformed);
    }
    SECTION("echo reply, timestamp, unreachable: unsupported type") {
        for (std::uint8_t type : {0, 3, 11, 13}) {
            Bytes b = icmp_message(type, 0, {0x12, 0x34, 0x00, 0x01});
            why = Drop::count_;
            INFO("type " << int{type});
            CHECK_FALSE(is_echo_request(b, why));
            CHECK(why == Drop::icmp_unsupported_type);
        }
    }
    SECTION("echo request with a non-zero code: unsupported type") {
        Bytes b = icmp_message(8, 1, {0x12, 0x34, 0x00, 0x01});
        CHECK_FALSE(is_echo_request(b, why));
        CHECK(why == Drop::icmp_unsupported_type);
    }
}
