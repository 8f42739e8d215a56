// Exhaustion of what a core owns: connection slots and a connection's send
// buffer. Each degrades with a counted drop (or a short send()) and recovers
// completely once the resource is free again. The SYN and accept queues are
// covered by the simulator (S13, S14); the mbuf pool by test_pool_exhaustion.
#include <catch2/catch.hpp>

#include "packet_script.hpp"
#include "tcp/listener.hpp"

using namespace synline;
using namespace synline::test;
using tcp::SegmentDrop;

TEST_CASE("exhaustion: a full connection table drops further SYNs, counted, and takes them again once a slot frees",
          "[exhaustion][listen]") {
    tcp::StackConfig cfg = test_config();
    cfg.max_connections = 4;
    Harness h(cfg);
    tcp::ListenOptions lo;
    lo.cookies = tcp::SynCookieMode::off;  // no cookie to fall back on: the slots are all there is
    REQUIRE(h.stack.listen(kLocalPort, h.app, lo));
    for (std::uint16_t p = 1; p <= 4; ++p) h.send(syn(P).from_port(p));
    CHECK(h.take().size() == 4);  // four SYN-ACKs, four half-open slots
    h.send(syn(P).from_port(5));
    h.expect_nothing();
    CHECK(h.dropped(SegmentDrop::no_connection_slot) == 1);
    CHECK(h.stack.connection_count() == 4);
    CHECK(h.stack.audit().empty());

    // The first client gives up (RST in window: RFC 9293 3.10.7.4); its slot frees.
    h.send(seg(RST, P + 1).from_port(1));
    CHECK(h.stack.connection_count() == 3);
    h.send(syn(P).from_port(5));  // the fifth client's retransmitted SYN
    const auto out = h.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].flags() == (SYN | ACK));
    CHECK(out[0].tuple.remote_port == 5);
    CHECK(h.dropped(SegmentDrop::no_connection_slot) == 1);
    CHECK(h.stack.audit().empty());
}

TEST_CASE("exhaustion: a full send buffer takes what fits, on_send_space follows the peer's ACK, the rest goes out",
          "[exhaustion][send]") {
    tcp::StackConfig cfg = test_config();
    cfg.send_buffer = 4096;
    Harness h(cfg);
    h.make_established();
    const std::string big(10000, 'b');
    const auto taken = h.conn().send({reinterpret_cast<const std::uint8_t*>(big.data()), big.size()});
    CHECK(taken == 4096);
    CHECK(h.conn().send_space() == 0);
    const auto first = h.take();  // as much of it as the window allows
    std::size_t sent = 0;
    for (const auto& s : first) sent += s.payload.size();
    CHECK(sent == 4096);
    CHECK(h.app.events == std::vector<std::string>{"established"});
    // The peer acknowledges it all: the buffer drains and the application hears so.
    h.send(seg(ACK, P + 1, h.iss + 1 + 4096));
    CHECK(h.app.events.back() == "send_space");
    CHECK(h.conn().send_space() == 4096);
    CHECK(h.conn().send({reinterpret_cast<const std::uint8_t*>(big.data()), 4096}) == 4096);
    std::size_t more = 0;
    for (const auto& s : h.take()) more += s.payload.size();
    CHECK(more == 4096);
    CHECK(h.stack.audit().empty());
}
