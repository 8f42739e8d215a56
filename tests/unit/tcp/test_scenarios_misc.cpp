// Named seed scenarios (shared/seed-scenarios.md) that do not belong to one
// state: S02 (PSH and URG), S28 (keepalive) and S30 (every RST and every
// connection end counted with its reason). Dialogues as in packet_script.hpp:
// P is the peer's ISN, h.iss the stack's.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "packet_script.hpp"

using namespace synline;
using namespace synline::test;
using tcp::CloseReason;
using tcp::RstReceived;
using tcp::RstSent;
using tcp::State;

namespace {

std::vector<std::string> events(std::initializer_list<const char*> l) {
    return std::vector<std::string>(l.begin(), l.end());
}

std::size_t received_unread(Harness& h) { return h.conn().received().size(); }

}  // namespace

// ============================================================ S02

TEST_CASE("S02 PSH is deliver-now, and data without PSH is delivered at once too",
          "[established][rfc9293-3.9.1][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    h.app.events.clear();

    h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("push"));
    // In the same input call: nothing waits for more data.
    CHECK(h.app.events == events({"data:push"}));
    CHECK(received_unread(h) == 0);

    h.send(seg(ACK, P + 5, h.iss + 1).data("nopsh"));  // no PSH
    CHECK(h.app.events == events({"data:push", "data:nopsh"}));
    CHECK(received_unread(h) == 0);
    CHECK(h.app.received == "pushnopsh");
    // The second unacknowledged segment is acknowledged at once (RFC 5681 4.2).
    h.expect({{ACK, h.iss + 1, P + 10}});

    SECTION("a lone segment without PSH is delivered at once; only its ACK is delayed") {
        h.send(seg(ACK, P + 10, h.iss + 1).data("z"));
        CHECK(h.app.events.back() == "data:z");
        h.expect_nothing();
        h.advance(h.cfg.delayed_ack);
        h.expect({{ACK, h.iss + 1, P + 11}});
    }
}

TEST_CASE("S02 URG data is in-band (RFC 6093): every byte is delivered in order",
          "[established][rfc6093][rfc9293-3.8.5]") {
    Harness h;
    h.make_established();
    h.app.events.clear();

    SECTION("the urgent pointer inside the segment removes no byte") {
        // Pointer 3: "the byte at seq+3 - 1 is urgent" (RFC 6093 2); a stack
        // without SO_OOBINLINE semantics would pull 'c' out of the stream.
        h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("abcdef").urg(3));
        CHECK(h.app.events == events({"data:abcdef"}));
        h.send(seg(ACK | PSH, P + 7, h.iss + 1).data("ghi"));
        CHECK(h.app.received == "abcdefghi");
        // The ACK covers every byte: nothing was held back or dropped.
        h.expect({{ACK, h.iss + 1, P + 10}});
    }
    SECTION("a pointer beyond the segment (urgent data still to come) delays nothing") {
        h.send(seg(ACK, P + 1, h.iss + 1).data("12345").urg(500));
        CHECK(h.app.events == events({"data:12345"}));
        h.send(seg(ACK | PSH, P + 6, h.iss + 1).data("678").urg(497));
        CHECK(h.app.received == "12345678");
        h.expect({{ACK, h.iss + 1, P + 9}});
    }
    SECTION("URG on every segment of a run keeps the order") {
        std::string expected;
        SeqNum seq = P + 1;
        for (int i = 0; i < 4; ++i) {
            const std::string chunk(3, static_cast<char>('p' + i));
            h.send(seg(ACK | PSH, seq, h.iss + 1).data(chunk).urg(static_cast<std::uint16_t>(i + 1)));
            seq += 3;
            expected += chunk;
        }
        CHECK(h.app.received == expected);
        CHECK(h.app.events == events({"data:ppp", "data:qqq", "data:rrr", "data:sss"}));
        h.take();
        h.advance(h.cfg.delayed_ack);
        CHECK(h.conn().rcv_nxt() == P + 13);
    }
    CHECK(h.stack.counters().ooo.queued == 0);  // every byte was taken in order
}

// ============================================================ S28

namespace {

tcp::StackConfig keepalive_config() {
    tcp::StackConfig c = test_config();
    c.keepalive = true;
    c.keepalive_idle = std::chrono::seconds(10);
    c.keepalive_interval = std::chrono::seconds(2);
    c.keepalive_probes = 3;
    return c;
}

// A keepalive probe: ACK, seq = SND.UNA - 1, no data (RFC 9293 3.8.4, RFC 1122 4.2.3.6).
void expect_probe(Harness& h) { h.expect({{ACK, h.iss, P + 1, {}, ""}}); }

}  // namespace

TEST_CASE("S28 keepalive: probes at idle, idle+interval, ...; a silent peer is reset after the last",
          "[keepalive][established][rfc9293-3.8.4][rfc1122-4.2.3.6]") {
    Harness h(keepalive_config());
    h.make_established();  // the last segment from the peer arrives now
    h.app.events.clear();

    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(10));
    expect_probe(h);  // probe 1 at idle
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(2));
    expect_probe(h);  // probe 2 at idle + interval
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(2));
    expect_probe(h);  // probe 3 = keepalive_probes
    CHECK(h.app.events.empty());

    // keepalive_probes unanswered: one interval after the last, RST and close.
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(2));
    h.expect({{RST | ACK, h.iss + 1, P + 1}});
    CHECK(h.app.events == events({"closed:keepalive_timeout"}));
    CHECK(h.app.closed_reason == CloseReason::keepalive_timeout);
    CHECK(h.rst_sent(RstSent::keepalive_timeout) == 1);
    CHECK(h.closed_count(CloseReason::keepalive_timeout) == 1);
    CHECK(h.stack.connection_count() == 0);
    h.advance(std::chrono::seconds(60));
    h.expect_nothing();
}

TEST_CASE("S28 keepalive: a peer that answers keeps the connection; the probe count starts over",
          "[keepalive][established][rfc9293-3.8.4][rfc1122-4.2.3.6]") {
    Harness h(keepalive_config());
    h.make_established();
    h.app.events.clear();

    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(10));
    expect_probe(h);
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(2));
    expect_probe(h);  // two probes out, one short of the limit

    // The peer is alive: it answers the probe (an ACK of SND.UNA) after a 50 ms RTT.
    h.advance(std::chrono::milliseconds(50));
    h.send(seg(ACK, P + 1, h.iss + 1));
    h.expect_nothing();

    // The probes stop: the next one comes a full idle time after the answer.
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::milliseconds(10000));
    expect_probe(h);
    // The count was reset: three probes again before the RST, not one.
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(2));
    expect_probe(h);
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(2));
    expect_probe(h);
    CHECK(h.app.events.empty());
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(2));
    h.expect({{RST | ACK, h.iss + 1, P + 1}});
    CHECK(h.app.events == events({"closed:keepalive_timeout"}));
    CHECK(h.rst_sent(RstSent::keepalive_timeout) == 1);
    CHECK(h.closed_count(CloseReason::keepalive_timeout) == 1);
}

TEST_CASE("S28 keepalive: idle counts from the last segment received, and a peer that keeps "
          "answering is kept for ever",
          "[keepalive][established][rfc9293-3.8.4]") {
    Harness h(keepalive_config());
    h.make_established();
    h.app.events.clear();

    // Data 4 s in: the first probe moves to 10 s after it, not 10 s after the handshake.
    h.advance(std::chrono::seconds(4));
    h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("hi"));
    h.advance(h.cfg.delayed_ack);
    h.expect({{ACK, h.iss + 1, P + 3}});
    CHECK(h.advance_until_sent(std::chrono::seconds(60)) ==
          std::chrono::seconds(10) - h.cfg.delayed_ack);
    h.expect({{ACK, h.iss, P + 3, {}, ""}});

    for (int round = 0; round < 5; ++round) {
        h.advance(std::chrono::milliseconds(20));
        h.send(seg(ACK, P + 3, h.iss + 1));  // the answer
        CHECK(h.advance_until_sent(std::chrono::seconds(60)) == std::chrono::seconds(10));
        h.expect({{ACK, h.iss, P + 3, {}, ""}});
    }
    CHECK(h.connection() != nullptr);
    CHECK(h.closed_count(CloseReason::keepalive_timeout) == 0);
}

TEST_CASE("S28 keepalive is off by default: an idle connection sends nothing",
          "[keepalive][established]") {
    Harness h;
    h.make_established();
    h.advance(std::chrono::hours(3));  // past the default 2 h idle
    h.expect_nothing();
    CHECK(h.connection() != nullptr);
}

// ============================================================ S30

namespace {

// The three per-reason arrays of S30, read together so that a step can assert
// that exactly the expected entries moved and nothing else did.
struct ReasonCounts {
    tcp::CounterArray<RstSent> rst_sent{};
    tcp::CounterArray<RstReceived> rst_received{};
    tcp::CounterArray<CloseReason> closed{};
};

ReasonCounts snapshot(const Harness& h) {
    const auto& c = h.stack.counters();
    return {c.rst_sent, c.rst_received, c.closed};
}

template <class E, class A>
std::string diff_of(const char* name, const A& before, const A& after) {
    std::string s;
    for (std::size_t i = 0; i < before.size(); ++i)
        if (after[i] != before[i])
            s += std::string(name) + "." + std::string(tcp::to_string(static_cast<E>(i))) + " +" +
                 std::to_string(after[i] - before[i]) + "; ";
    return s;
}

// "rst_sent.app_abort +1; closed.aborted +1; " in array order.
std::string moved_since(const Harness& h, const ReasonCounts& before) {
    const ReasonCounts now = snapshot(h);
    return diff_of<RstSent>("rst_sent", before.rst_sent, now.rst_sent) +
           diff_of<RstReceived>("rst_received", before.rst_received, now.rst_received) +
           diff_of<CloseReason>("closed", before.closed, now.closed);
}

// A passive handshake from `port` on the harness's listener; returns the
// connection's ISS. h.conn() is the new connection afterwards.
SeqNum open_from(Harness& h, std::uint16_t port) {
    h.send(syn(P).from_port(port));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].flags() == (SYN | ACK));
    const SeqNum iss = out[0].seq();
    h.send(seg(ACK, P + 1, iss + 1).from_port(port));
    h.expect_nothing();
    REQUIRE(h.connection() != nullptr);
    REQUIRE(h.conn().tuple().remote_port == port);
    return iss;
}

}  // namespace

TEST_CASE("S30 every RST received or sent and every connection end is counted with its reason",
          "[counters][rfc9293-3.10.7][rfc5961]") {
    Harness h;
    h.make_listening();
    ReasonCounts before = snapshot(h);

    // 1. A SYN to a closed port is refused.
    h.send(syn(P).to_port(81));
    h.expect({{RST | ACK, SeqNum(0), P + 1}});
    CHECK(moved_since(h, before) == "rst_sent.no_listener +1; ");

    // 2. The application aborts (linger 0).
    before = snapshot(h);
    SeqNum iss = open_from(h, 40001);
    h.conn().abort();
    h.expect({{RST | ACK, iss + 1, P + 1}});
    CHECK(h.app.closed_reason == CloseReason::aborted);
    CHECK(moved_since(h, before) == "rst_sent.app_abort +1; closed.aborted +1; ");

    // 3. The peer resets (exact sequence number).
    before = snapshot(h);
    iss = open_from(h, 40002);
    h.send(seg(RST, P + 1).from_port(40002));
    h.expect_nothing();
    CHECK(h.app.closed_reason == CloseReason::reset_by_peer);
    CHECK(moved_since(h, before) == "rst_received.accepted +1; closed.reset_by_peer +1; ");

    // 4. A normal close, passive side: FIN, close(), ACK of our FIN.
    before = snapshot(h);
    iss = open_from(h, 40003);
    h.send(seg(FIN | ACK, P + 1, iss + 1).from_port(40003));
    h.expect({{ACK, iss + 1, P + 2}});
    h.conn().close();
    h.expect({{FIN | ACK, iss + 1, P + 2}});
    h.send(seg(ACK, P + 2, iss + 2).from_port(40003));
    CHECK(h.app.closed_reason == CloseReason::normal);
    CHECK(moved_since(h, before) == "closed.normal +1; ");

    // 5. close() with received data unread.
    before = snapshot(h);
    h.app.on_data_reaction = RecordingHandler::OnData::consume_nothing;
    iss = open_from(h, 40004);
    h.send(seg(ACK | PSH, P + 1, iss + 1).data("unread").from_port(40004));
    h.take();
    h.conn().close();
    h.expect({{RST | ACK, iss + 1, P + 7}});
    CHECK(h.app.closed_reason == CloseReason::unread_data);
    CHECK(moved_since(h, before) == "rst_sent.unread_data +1; closed.unread_data +1; ");
    h.app.on_data_reaction = RecordingHandler::OnData::consume;

    // 6. A normal close, active side: the end is counted when TIME-WAIT ends.
    before = snapshot(h);
    iss = open_from(h, 40005);
    h.conn().close();
    h.expect({{FIN | ACK, iss + 1, P + 1}});
    h.send(seg(FIN | ACK, P + 1, iss + 2).from_port(40005));
    h.expect({{ACK, iss + 2, P + 2}});
    CHECK(moved_since(h, before) == "");  // in TIME-WAIT: not ended yet

    // 7. A RST in TIME-WAIT is counted, and ignored (RFC 1337).
    h.send(seg(RST, P + 2).from_port(40005));
    CHECK(moved_since(h, before) == "rst_received.in_time_wait +1; ");
    before = snapshot(h);
    h.advance(2 * h.cfg.msl);
    CHECK(moved_since(h, before) == "closed.normal +1; ");

    // 8. A RST in the window but not exact is challenged (RFC 5961 3.2), one
    // beyond the window ignored; neither ends the connection.
    before = snapshot(h);
    iss = open_from(h, 40006);
    h.send(seg(RST, P + 100).from_port(40006));
    h.expect({{ACK, iss + 1, P + 1}});
    h.send(seg(RST, P + 100000).from_port(40006));
    h.expect_nothing();
    CHECK(moved_since(h, before) == "rst_received.challenged +1; rst_received.out_of_window +1; ");

    // 9. An active open refused by the peer.
    before = snapshot(h);
    REQUIRE(h.stack.connect(kLocalIp, kRemoteIp, kRemotePort, h.app, 50000));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    h.send(seg(RST | ACK, SeqNum(0), out[0].seq() + 1).to_port(50000));
    CHECK(h.app.closed_reason == CloseReason::refused);
    CHECK(moved_since(h, before) == "rst_received.refused +1; closed.refused +1; ");

    // 10. A segment for a connection that no longer exists gets RST.
    before = snapshot(h);
    h.send(seg(ACK | PSH, P + 1, SeqNum(777)).data("late").from_port(40002));
    h.expect({{RST, SeqNum(777)}});
    CHECK(moved_since(h, before) == "rst_sent.no_connection +1; ");

    // Only the connection of step 8 is left.
    CHECK(h.stack.connection_count() == 1);
}

TEST_CASE("S30 keepalive and unacceptable-ACK resets are counted with their reasons",
          "[counters][keepalive][syn-received][rfc9293-3.10.7.4]") {
    SECTION("keepalive timeout") {
        tcp::StackConfig c = test_config();
        c.keepalive = true;
        c.keepalive_idle = std::chrono::seconds(1);
        c.keepalive_interval = std::chrono::seconds(1);
        c.keepalive_probes = 1;
        Harness h(c);
        h.make_established();
        const ReasonCounts before = snapshot(h);
        h.advance(std::chrono::seconds(3));
        CHECK(moved_since(h, before) ==
              "rst_sent.keepalive_timeout +1; closed.keepalive_timeout +1; ");
    }
    SECTION("bad ACK in SYN-RECEIVED, then the half-open entry reset by the peer") {
        Harness h;
        h.make_syn_received();
        ReasonCounts before = snapshot(h);
        h.send(seg(ACK, P + 1, h.iss + 9));
        h.expect({{RST, h.iss + 9}});
        CHECK(moved_since(h, before) == "rst_sent.bad_ack +1; ");
        before = snapshot(h);
        h.send(seg(RST, P + 1));
        CHECK(moved_since(h, before) == "rst_received.accepted +1; closed.handshake_reset +1; ");
    }
}
