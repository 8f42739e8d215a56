// Out-of-order arrival as dialogues with one connection (packet_script.hpp):
// segments past a hole are kept, acknowledged at once with a duplicate ACK,
// delivered in order when the hole fills (with an immediate ACK), trimmed
// where they overlap what is held, counted when duplicate, and bounded per
// connection and per core.
//
// Notation: P is the peer's ISN, h.iss the stack's. The harness's peer offers
// no timestamps and no window scaling, so every window reads 65535.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "packet_script.hpp"

using namespace synline;
using namespace synline::test;
using tcp::SegmentDrop;
using tcp::State;

namespace {

const tcp::ReassemblyCounters& ooo(const Harness& h) { return h.stack.counters().ooo; }

std::string buffered(tcp::Connection& c) {
    auto p = c.received();
    return std::string(p.first.begin(), p.first.end()) + std::string(p.second.begin(), p.second.end());
}

}  // namespace

TEST_CASE("a hole filled out of order is delivered in order with an immediate ACK",
          "[established][reassembly][rfc5681-4.2][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    const std::string a = pattern(100, 'a'), b = pattern(100, 'b'), c = pattern(100, 'c'), d = pattern(100, 'd'),
                      e = pattern(100, 'e');
    // a (P+1) and d (P+301) are missing; every segment past a hole gets a duplicate ACK at once.
    h.send(seg(ACK, P + 101, h.iss + 1).data(b));
    h.expect({{ACK, h.iss + 1, P + 1}});
    h.send(seg(ACK, P + 201, h.iss + 1).data(c));
    h.expect({{ACK, h.iss + 1, P + 1}});
    h.send(seg(ACK | PSH, P + 401, h.iss + 1).data(e));
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(h.app.received.empty());
    CHECK(ooo(h).queued == 3);
    CHECK(ooo(h).held_bytes == 500);  // the buffer from RCV.NXT to the end of e

    h.send(seg(ACK, P + 1, h.iss + 1).data(a));  // fills the first hole: a, b, c in order
    h.expect({{ACK, h.iss + 1, P + 301}});
    CHECK(h.app.received == a + b + c);
    CHECK(ooo(h).held_bytes == 200);

    h.send(seg(ACK, P + 301, h.iss + 1).data(d));  // the last hole
    h.expect({{ACK, h.iss + 1, P + 501}});
    CHECK(h.app.received == a + b + c + d + e);
    CHECK(ooo(h).holes_filled == 2);
    CHECK(ooo(h).delivered_bytes == 300);
    CHECK(ooo(h).held_bytes == 0);
    CHECK(ooo(h).duplicate_bytes == 0);

    // In order again: the delayed ACK is back.
    h.send(seg(ACK, P + 501, h.iss + 1).data("f"));
    h.expect_nothing();
    h.advance(h.cfg.delayed_ack);
    h.expect({{ACK, h.iss + 1, P + 502}});
}

TEST_CASE("segments that arrive in reverse order are all held and delivered at once",
          "[established][reassembly][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    std::string all;
    for (int i = 0; i < 6; ++i) all += pattern(50, static_cast<char>('a' + i));
    for (int i = 5; i >= 1; --i) {
        h.send(seg(ACK, P + 1 + 50u * static_cast<std::uint32_t>(i), h.iss + 1).data(all.substr(50u * i, 50)));
        h.expect({{ACK, h.iss + 1, P + 1}});
    }
    CHECK(h.conn().received().size() == 0);
    h.send(seg(ACK, P + 1, h.iss + 1).data(all.substr(0, 50)));
    h.expect({{ACK, h.iss + 1, P + 301}});
    CHECK(h.app.received == all);
}

TEST_CASE("out-of-order text that overlaps what is held is trimmed: the first copy stands",
          "[established][reassembly][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    h.send(seg(ACK, P + 101, h.iss + 1).data(pattern(100, 'B')));
    h.expect({{ACK, h.iss + 1, P + 1}});

    SECTION("a later segment over the queued one and past it") {
        h.send(seg(ACK, P + 151, h.iss + 1).data(std::string(100, 'Z')));  // 50 held, 50 new
        h.expect({{ACK, h.iss + 1, P + 1}});
        CHECK(ooo(h).duplicate_bytes == 50);
        CHECK(ooo(h).queued_bytes == 150);
        h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(100)));
        h.expect({{ACK, h.iss + 1, P + 251}});
        CHECK(h.app.received == pattern(100) + pattern(100, 'B') + std::string(50, 'Z'));
    }
    SECTION("the in-order segment that fills the hole and runs into the queued one") {
        h.send(seg(ACK, P + 1, h.iss + 1).data(std::string(150, 'Y')));
        h.expect({{ACK, h.iss + 1, P + 201}});
        CHECK(h.app.received == std::string(100, 'Y') + pattern(100, 'B'));
        CHECK(ooo(h).duplicate_bytes == 50);
        CHECK(ooo(h).delivered_bytes == 100);
    }
    SECTION("a segment across two queued ones fills only the gap between them") {
        h.send(seg(ACK, P + 301, h.iss + 1).data(pattern(100, 'D')));
        h.expect({{ACK, h.iss + 1, P + 1}});
        h.send(seg(ACK, P + 101, h.iss + 1).data(std::string(300, 'Q')));
        h.expect({{ACK, h.iss + 1, P + 1}});
        CHECK(ooo(h).duplicate_bytes == 200);
        h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(100)));
        h.expect({{ACK, h.iss + 1, P + 401}});
        CHECK(h.app.received == pattern(100) + pattern(100, 'B') + std::string(100, 'Q') + pattern(100, 'D'));
    }
}

TEST_CASE("duplicate segments are counted, and each still gets an ACK",
          "[established][reassembly][rfc5681-4.2]") {
    Harness h;
    h.make_established();
    h.send(seg(ACK, P + 101, h.iss + 1).data(pattern(100, 'B')));
    h.expect({{ACK, h.iss + 1, P + 1}});
    h.send(seg(ACK, P + 101, h.iss + 1).data(pattern(100, 'B')));  // the link duplicated it
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(ooo(h).queued == 1);
    CHECK(ooo(h).duplicate_segments == 1);
    CHECK(ooo(h).duplicate_bytes == 100);

    h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(100)));
    h.expect({{ACK, h.iss + 1, P + 201}});
    h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(100)));  // delivered already: a retransmission
    h.expect({{ACK, h.iss + 1, P + 201}});
    CHECK(ooo(h).duplicate_segments == 2);
    CHECK(ooo(h).duplicate_bytes == 200);
    CHECK(h.dropped(SegmentDrop::out_of_window) == 1);
    CHECK(h.app.received == pattern(100) + pattern(100, 'B'));
}

TEST_CASE("a connection keeps at most kMaxRanges holes; the segment that would open one more is dropped",
          "[established][reassembly]") {
    Harness h;
    h.make_established();
    const auto n = static_cast<std::uint32_t>(tcp::ReassemblyQueue::kMaxRanges);
    for (std::uint32_t i = 0; i < n; ++i) {
        h.send(seg(ACK, P + 1 + 200 * (i + 1), h.iss + 1).data(100, static_cast<char>('A' + i)));
        h.expect({{ACK, h.iss + 1, P + 1}});
    }
    CHECK(ooo(h).queued == n);
    h.send(seg(ACK, P + 1 + 200 * (n + 1), h.iss + 1).data(100, '!'));  // a ninth range
    h.expect({{ACK, h.iss + 1, P + 1}});                                 // still answered
    CHECK(h.dropped(SegmentDrop::ooo_ranges_full) == 1);
    CHECK(ooo(h).queued == n);
    h.send(seg(ACK, P + 1 + 200 + 100, h.iss + 1).data(100, 'a'));  // joins the first two ranges
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(ooo(h).queued == n + 1);
    CHECK(h.dropped(SegmentDrop::ooo_ranges_full) == 1);

    // Everything held arrives in order once the holes fill.
    h.send(seg(ACK, P + 1, h.iss + 1).data(200, '0'));
    h.expect({{ACK, h.iss + 1, P + 501}});
    CHECK(h.app.received == std::string(200, '0') + std::string(100, 'A') + std::string(100, 'a') +
                                std::string(100, 'B'));
}

TEST_CASE("out-of-order text is bounded by the window, which starts at RCV.NXT",
          "[established][reassembly][rfc9293-3.10.7.4]") {
    tcp::StackConfig cfg = test_config();
    cfg.receive_buffer = 4096;
    Harness h(cfg);
    h.make_established();
    // The window is 4096 from P+1: of 1000 bytes at P+4001, 96 fit.
    h.send(seg(ACK, P + 4001, h.iss + 1).data(1000, 'w'));
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(ooo(h).queued_bytes == 96);
    CHECK(ooo(h).held_bytes == 4096);
    h.send(seg(ACK, P + 4097, h.iss + 1).data(10, 'w'));  // wholly past it
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(h.dropped(SegmentDrop::out_of_window) == 1);
    h.send(seg(ACK, P + 1, h.iss + 1).data(4000, 'a'));
    h.expect({{ACK, h.iss + 1, P + 4097}});
    CHECK(h.app.received == std::string(4000, 'a') + std::string(96, 'w'));
}

TEST_CASE("the core's out-of-order budget bounds what all its connections hold",
          "[established][reassembly]") {
    tcp::StackConfig cfg = test_config();
    cfg.reassembly_core_limit = 1000;
    Harness h(cfg);
    h.make_established();
    h.send(seg(ACK, P + 501, h.iss + 1).data(400, 'x'));  // holds 900 bytes of buffer
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(ooo(h).held_bytes == 900);
    h.send(seg(ACK, P + 1001, h.iss + 1).data(200, 'y'));  // would hold 1200
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(h.dropped(SegmentDrop::ooo_over_limit) == 1);
    h.send(seg(ACK, P + 301, h.iss + 1).data(100, 'z'));  // inside what is held: costs nothing more
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(ooo(h).queued == 2);

    SECTION("a second connection shares the budget") {
        const std::uint16_t port2 = kRemotePort + 1;
        h.send(syn(P).from_port(port2));
        auto out = h.take();
        REQUIRE(out.size() == 1);
        const SeqNum iss2 = out[0].seq();
        h.send(seg(ACK, P + 1, iss2 + 1).from_port(port2));
        h.send(seg(ACK, P + 101, iss2 + 1).from_port(port2).data(50, 'q'));  // 150 more: 1050
        CHECK(h.take().size() == 1);
        CHECK(h.dropped(SegmentDrop::ooo_over_limit) == 2);
        h.send(seg(ACK, P + 51, iss2 + 1).from_port(port2).data(50, 'q'));  // 100 more: 1000
        CHECK(h.take().size() == 1);
        CHECK(h.dropped(SegmentDrop::ooo_over_limit) == 2);
        CHECK(ooo(h).held_bytes == 1000);
    }
    SECTION("filling the hole gives the budget back") {
        h.send(seg(ACK, P + 1, h.iss + 1).data(300, 'a'));
        h.expect({{ACK, h.iss + 1, P + 401}});
        CHECK(ooo(h).held_bytes == 500);
        h.send(seg(ACK, P + 401, h.iss + 1).data(100, 'b'));
        h.expect({{ACK, h.iss + 1, P + 901}});
        CHECK(ooo(h).held_bytes == 0);
        CHECK(h.app.received == std::string(300, 'a') + std::string(100, 'z') + std::string(100, 'b') +
                                    std::string(400, 'x'));
    }
}

TEST_CASE("a FIN that comes out of order is taken when the hole before it fills",
          "[established][reassembly][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    SECTION("on the last data segment") {
        h.send(seg(FIN | ACK, P + 101, h.iss + 1).data("end"));
        h.expect({{ACK, h.iss + 1, P + 1}});
        CHECK(h.state() == State::established);
    }
    SECTION("alone, right after the queued data") {
        h.send(seg(ACK, P + 101, h.iss + 1).data("end"));
        h.expect({{ACK, h.iss + 1, P + 1}});
        h.send(seg(FIN | ACK, P + 104, h.iss + 1));
        h.expect({{ACK, h.iss + 1, P + 1}});
    }
    h.send(seg(ACK, P + 1, h.iss + 1).data(100, 'a'));
    h.expect({{ACK, h.iss + 1, P + 105}});  // the data and the FIN
    CHECK(h.state() == State::close_wait);
    CHECK(h.app.received == std::string(100, 'a') + "end");
    CHECK(h.app.events.back() == "peer_closed");
}

TEST_CASE("bytes that become in order wait in the receive buffer while the application does not read",
          "[established][reassembly]") {
    Harness h;
    h.app.on_data_reaction = RecordingHandler::OnData::consume_nothing;
    h.make_established();
    h.send(seg(ACK, P + 101, h.iss + 1).data(pattern(100, 'B')));
    h.take();
    h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(100)));
    h.expect({{ACK, h.iss + 1, P + 201}});
    CHECK(buffered(h.conn()) == pattern(100) + pattern(100, 'B'));
    h.conn().consume_received(150);
    CHECK(buffered(h.conn()) == pattern(100, 'B').substr(50));

    // Another hole behind the unread bytes: held after them, in order.
    h.send(seg(ACK, P + 301, h.iss + 1).data(pattern(100, 'D')));
    h.send(seg(ACK, P + 201, h.iss + 1).data(pattern(100, 'C')));
    CHECK(buffered(h.conn()) == pattern(100, 'B').substr(50) + pattern(100, 'C') + pattern(100, 'D'));
}

TEST_CASE("an application that closes from the on_data of a filled hole closes gracefully",
          "[established][reassembly][S26]") {
    struct CloseOnData : RecordingHandler {
        std::size_t on_data(tcp::Connection& c, std::span<const std::uint8_t> d) override {
            const std::size_t n = RecordingHandler::on_data(c, d);
            if (received.size() >= 200) c.close();
            return n;
        }
    };
    Harness h;
    h.make_established();
    CloseOnData closer;
    closer.conn = &h.conn();
    h.conn().set_handler(&closer);
    h.send(seg(ACK, P + 101, h.iss + 1).data(pattern(100, 'B')));
    h.take();
    h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(100)));
    h.expect({{FIN | ACK, h.iss + 1, P + 201}});  // all read: FIN, not RST
    CHECK(closer.received == pattern(100) + pattern(100, 'B'));
    CHECK(h.state() == State::fin_wait_1);
}

TEST_CASE("out-of-order text after the application closed resets the connection, as in-order text does",
          "[fin-wait-1][reassembly][S26]") {
    Harness h;
    h.make_fin_wait_1();
    h.send(seg(ACK, P + 101, h.iss + 2).data(10, 'x'));
    h.expect({{RST | ACK, h.iss + 2, P + 1}});
    CHECK(h.rst_sent(tcp::RstSent::unread_data) == 1);
}

TEST_CASE("a connection that ends with data queued gives the core's budget back",
          "[established][reassembly]") {
    Harness h;
    h.make_established();
    h.send(seg(ACK, P + 101, h.iss + 1).data(100, 'x'));
    h.take();
    CHECK(ooo(h).held_bytes == 200);
    h.conn().abort();
    h.advance(1ms);
    CHECK(h.stack.connection_count() == 0);
    CHECK(ooo(h).held_bytes == 0);
}

TEST_CASE("after a retransmission timeout a bare ACK carries SND.MAX, so the peer that holds it all accepts it",
          "[established][rfc9293-3.10.7.4][rfc6298-5]") {
    Harness h;
    h.make_established();
    h.conn().send(std::vector<std::uint8_t>(3000, 'x'));  // three segments: 1460, 1460, 80
    CHECK(h.take().size() == 3);
    h.advance_until_sent(2s);  // the timeout: SND.NXT back to SND.UNA, the first segment again
    auto out = h.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].seq() == h.iss + 1);
    // The peer had everything; its data now gets an ACK whose seq is past all we sent.
    h.send(seg(ACK | PSH, P + 1, h.iss + 1).data(10, 'p'));
    h.advance(h.cfg.delayed_ack);
    h.expect({{ACK, h.iss + 3001, P + 11}});
}

TEST_CASE("an ACK of our FIN after a timeout rewound SND.NXT short of it completes our side of the close",
          "[fin-wait-1][rfc9293-3.10.7.4][rfc6298-5]") {
    Harness h;
    h.make_established();
    h.conn().send(std::vector<std::uint8_t>(3000, 'x'));
    h.conn().close();
    auto out = h.take();
    REQUIRE(out.size() == 4);  // 1460, 1460, 80, FIN
    CHECK(out[3].flags() == (FIN | ACK));
    h.advance_until_sent(2s);  // the timeout resends the first segment only (cwnd: one)
    CHECK(h.take().size() == 1);
    // The peer, which had it all, acknowledges the data and the FIN.
    h.send(seg(ACK, P + 1, h.iss + 3002));
    CHECK(h.state() == State::fin_wait_2);
    h.send(seg(FIN | ACK, P + 1, h.iss + 3002));
    h.expect({{ACK, h.iss + 3002, P + 2}});
    CHECK(h.state() == State::time_wait);
}
