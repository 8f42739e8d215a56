// Protocol tests of tcp::Stack on the passive side: each test is a dialogue
// between a scripted peer and the stack (packet_script.hpp). Names carry the
// seed-scenario ids (docs: shared/seed-scenarios.md), tags the RFC sections.
//
// Notation: P is the peer's ISN, h.iss the stack's; the default harness config
// offers a 256 KiB receive buffer, so without window scaling every window the
// stack advertises reads 65535.
#include <catch2/catch.hpp>

#include <string>

#include "packet_script.hpp"

using namespace synline;
using namespace synline::test;
using tcp::CloseReason;
using tcp::RstSent;
using tcp::SegmentDrop;
using tcp::State;

namespace {

std::uint64_t rst_received(const Harness& h, tcp::RstReceived why) {
    return h.stack.counters().rst_received[static_cast<std::size_t>(why)];
}

std::vector<std::string> events(std::initializer_list<const char*> l) {
    return std::vector<std::string>(l.begin(), l.end());
}

}  // namespace

// ============================================================ establishment

TEST_CASE("S04 passive open: LISTEN -> SYN-RECEIVED -> ESTABLISHED, SYN-ACK acks ISN+1",
          "[listen][syn-received][rfc9293-3.10.7.2][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_listening();
    h.send(syn(P));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    const Sent& synack = out[0];
    CHECK(synack.flags() == (SYN | ACK));
    CHECK(synack.ack() == P + 1);
    CHECK(synack.header.window == 65535);  // never scaled in a SYN (RFC 7323 2.2)
    // Offers only what the peer offered (MSS alone): no WS, TS or SACK-permitted.
    CHECK(synack.header.options.mss == std::uint16_t{1460});
    CHECK_FALSE(synack.header.options.window_scale);
    CHECK_FALSE(synack.header.options.timestamps);
    CHECK_FALSE(synack.header.options.sack_permitted);
    CHECK(synack.payload.empty());
    h.iss = synack.seq();
    CHECK(h.state() == State::syn_received);
    CHECK(h.app.events.empty());  // the application learns nothing of half-open entries

    h.send(seg(ACK, P + 1, h.iss + 1));
    h.expect_nothing();
    CHECK(h.app.events == events({"established"}));
    REQUIRE(h.connection());
    CHECK(h.conn().state() == State::established);
    CHECK(h.conn().tuple() ==
          net::FourTuple{kLocalIp, kRemoteIp, kLocalPort, kRemotePort});
    CHECK(h.stack.counters().connections_opened_passive == 1);
}

TEST_CASE("S04 the third segment of the handshake may carry data, which is delivered",
          "[syn-received][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_syn_received();
    h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("hello"));
    h.expect_nothing();  // the ACK of the data is delayed
    CHECK(h.app.events == events({"established", "data:hello"}));
    h.advance(39ms);
    h.expect_nothing();
    h.advance(1ms);
    h.expect({{ACK, h.iss + 1, P + 6, 65535}});
}

TEST_CASE("S04 the SYN-ACK acknowledges ISN+1 across the sequence-number wrap",
          "[listen][rfc9293-3.4][rfc9293-3.10.7.2]") {
    Harness h;
    h.make_listening();
    const SeqNum top(0xffffffff);
    h.send(syn(top));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].flags() == (SYN | ACK));
    CHECK(out[0].ack() == SeqNum(0));
    h.iss = out[0].seq();
    h.send(seg(ACK | PSH, SeqNum(0), h.iss + 1).data("abc"));
    h.send(seg(ACK | PSH, SeqNum(3), h.iss + 1).data("def"));
    h.expect({{ACK, h.iss + 1, SeqNum(6)}});
    CHECK(h.app.received == "abcdef");
}

TEST_CASE("S04 a repeated SYN in SYN-RECEIVED (our SYN-ACK lost) gets the same SYN-ACK",
          "[syn-received][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_syn_received();
    h.send(syn(P));
    h.expect({{SYN | ACK, h.iss, P + 1}});
    CHECK(h.state() == State::syn_received);
    CHECK(h.stack.connection_count() == 1);
}

TEST_CASE("S03 SYN-ACK answers window scale and timestamps; MSS excludes the TS option",
          "[listen][rfc7323][rfc6691]") {
    Harness h;
    h.make_listening();
    h.send(syn(P).wscale(7).ts(12345, 0));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    const net::TcpHeader& sa = out[0].header;
    CHECK(sa.flags == (SYN | ACK));
    CHECK(sa.window == 65535);
    CHECK(sa.options.mss == std::uint16_t{1460});
    CHECK(sa.options.window_scale == std::uint8_t{3});  // 256 KiB needs a shift of 3
    // TSval is the stack's millisecond clock (100 s in); TSecr echoes the SYN.
    CHECK(sa.options.timestamps == net::TcpTimestamps{100000, 12345});
    h.iss = out[0].seq();
    h.send(seg(ACK, P + 1, h.iss + 1).ts(12346, 100000));
    h.expect_nothing();
    REQUIRE(h.connection());

    // 3000 bytes leave in segments of 1460 - 12 (timestamp option) = 1448.
    const std::string data = pattern(3000);
    CHECK(h.conn().send({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()}) == 3000);
    h.expect({{ACK, h.iss + 1, P + 1, 32768, {}, 1448},  // 262144 >> 3
              {ACK, h.iss + 1449, P + 1, 32768, {}, 1448},
              {ACK | PSH, h.iss + 2897, P + 1, 32768, {}, 104}});
}

// ============================================================ S01

TEST_CASE("S01 after the handshake every segment the stack sends carries ACK",
          "[established][close-wait][last-ack][rfc9293-3.10.7.4]") {
    Harness h;
    h.app.on_data_reaction = RecordingHandler::OnData::echo;
    h.make_established();
    const std::size_t after_handshake = h.peer.all().size();

    h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("ping"));
    h.expect({{ACK | PSH, h.iss + 1, P + 5, {}, "ping"}});  // the echo carries the ACK
    h.send(seg(ACK, P + 5, h.iss + 5));
    h.send(seg(ACK, P + 5, h.iss + 5).data(pattern(1460)));
    h.send(seg(ACK, P + 1465, h.iss + 5).data(pattern(1460)));
    h.take();
    h.send(seg(RST, P + 3000));  // in window, not exact: challenge ACK
    h.send(seg(FIN | ACK, P + 2925, h.iss + 2925));
    h.conn().close();
    h.send(seg(ACK, P + 2926, h.iss + 2926));
    CHECK(h.app.closed_reason == CloseReason::normal);

    const auto& all = h.peer.all();
    REQUIRE(all.size() == after_handshake + 6);  // echo x3, challenge, ACK of FIN, FIN
    for (std::size_t i = after_handshake; i < all.size(); ++i) {
        INFO(all[i].describe());
        CHECK((all[i].flags() & ACK) != 0);
        CHECK((all[i].flags() & SYN) == 0);
    }
}

// ============================================================ S11 / S27: resets for unknown connections

TEST_CASE("S11 SYN to a port with no listener gets RST+ACK with seq 0 and ack SEG.SEQ+1",
          "[closed][rfc9293-3.10.7.1][rfc9293-3.5.2]") {
    Harness h;  // nothing listens anywhere
    h.send(syn(P).to_port(81));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].flags() == (RST | ACK));
    CHECK(out[0].seq() == SeqNum(0));
    CHECK(out[0].ack() == P + 1);
    CHECK(out[0].header.src_port == 81);
    CHECK(out[0].header.dst_port == kRemotePort);
    CHECK(out[0].payload.empty());
    CHECK(h.rst_sent(RstSent::no_listener) == 1);
    CHECK(h.stack.connection_count() == 0);

    SECTION("a port with a listener next door is still closed") {
        h.make_listening();  // port 80
        h.send(syn(P + 7).to_port(81));
        auto again = h.take();
        REQUIRE(again.size() == 1);
        CHECK(again[0].flags() == (RST | ACK));
        CHECK(again[0].ack() == P + 8);
    }
}

TEST_CASE("S11 RST rules for a segment without ACK: ack covers SEG.LEN, SYN and FIN",
          "[closed][rfc9293-3.10.7.1]") {
    Harness h;
    h.send(seg(FIN, P).data("abc").to_port(81));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].flags() == (RST | ACK));
    CHECK(out[0].seq() == SeqNum(0));
    CHECK(out[0].ack() == P + 4);  // 3 bytes + FIN
    CHECK(h.rst_sent(RstSent::no_connection) == 1);
}

TEST_CASE("S11 RST rules for a segment with ACK: RST with seq = SEG.ACK and no ACK bit",
          "[closed][rfc9293-3.10.7.1]") {
    Harness h;
    SECTION("a bare ACK") {
        h.send(seg(ACK, P, SeqNum(5555)).to_port(81));
        h.expect({{RST, SeqNum(5555)}});
    }
    SECTION("a SYN-ACK (the answer to a SYN we never sent)") {
        h.send(seg(SYN | ACK, P, SeqNum(0xfffffff0)).to_port(81));
        h.expect({{RST, SeqNum(0xfffffff0)}});
    }
    SECTION("data with ACK") {
        h.send(seg(ACK | PSH, P, SeqNum(77)).data("zzz").to_port(81));
        h.expect({{RST, SeqNum(77)}});
    }
    CHECK(h.rst_sent(RstSent::no_connection) == 1);
}

TEST_CASE("a SYN with FIN to a listener is dropped unanswered and counted, whatever the cookie mode",
          "[listen][hardening]") {
    for (const auto mode : {tcp::SynCookieMode::off, tcp::SynCookieMode::on_overflow, tcp::SynCookieMode::always}) {
        Harness h;
        tcp::ListenOptions lo;
        lo.cookies = mode;
        REQUIRE(h.stack.listen(kLocalPort, h.app, lo));
        h.send(seg(SYN | FIN, P));
        h.send(seg(SYN | FIN | PSH, P).data("x"));
        h.expect_nothing();
        CHECK(h.stack.connection_count() == 0);
        CHECK(h.dropped(SegmentDrop::syn_fin) == 2);
        // The same client's plain SYN is answered as ever.
        h.send(syn(P));
        auto out = h.take();
        REQUIRE(out.size() == 1);
        CHECK(out[0].flags() == (SYN | ACK));
    }
}

TEST_CASE("S27 a RST for an unknown connection is never answered",
          "[closed][listen][rfc9293-3.10.7.1]") {
    Harness h;
    h.send(seg(RST, P).to_port(81));
    h.send(seg(RST | ACK, P, SeqNum(5)).to_port(81));
    h.make_listening();
    h.send(seg(RST, P));
    h.send(seg(RST | ACK, P, SeqNum(5)));
    h.expect_nothing();
    CHECK(h.dropped(SegmentDrop::rst_no_connection) == 4);
}

TEST_CASE("S27 an ACK to a listening port for no known connection gets RST seq=SEG.ACK",
          "[listen][rfc9293-3.10.7.2]") {
    Harness h;
    h.make_listening();
    h.send(seg(ACK, P + 1, SeqNum(4242)).data("stale"));
    h.expect({{RST, SeqNum(4242)}});
    CHECK(h.stack.connection_count() == 0);
    CHECK(h.rst_sent(RstSent::no_connection) == 1);
}

TEST_CASE("S27 data after the connection is gone is answered with RST per the rules",
          "[closed][rfc9293-3.10.7.1]") {
    Harness h;
    h.make_established();
    h.conn().abort();
    h.expect({{RST | ACK, h.iss + 1, P + 1}});
    // The peer did not see the RST and keeps talking.
    h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("anyone there?"));
    h.expect({{RST, h.iss + 1}});
    CHECK(h.rst_sent(RstSent::no_connection) == 1);
}

// ============================================================ termination

TEST_CASE("S18 active close: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> CLOSED after 2*MSL",
          "[fin-wait-1][fin-wait-2][time-wait][rfc9293-3.10.4][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    h.conn().close();
    h.expect({{FIN | ACK, h.iss + 1, P + 1}});
    CHECK(h.state() == State::fin_wait_1);

    h.send(seg(ACK, P + 1, h.iss + 2));
    h.expect_nothing();
    CHECK(h.state() == State::fin_wait_2);

    h.send(seg(FIN | ACK, P + 1, h.iss + 2));
    h.expect({{ACK, h.iss + 2, P + 2}});
    CHECK(h.state() == State::time_wait);
    // The application is done; TIME-WAIT belongs to the stack.
    CHECK(h.app.events == events({"established", "peer_closed", "closed:normal"}));
    CHECK(h.stack.connection_count() == 1);

    const Duration two_msl = 2 * h.cfg.msl;
    h.advance(two_msl - 1ms);
    CHECK(h.state() == State::time_wait);
    h.advance(1ms);
    CHECK(h.state() == State::closed);
    CHECK(h.stack.connection_count() == 0);
    h.expect_nothing();
    CHECK(h.closed_count(CloseReason::normal) == 1);
    CHECK(h.closed_count(CloseReason::fin_wait_2_timeout) == 0);
}

TEST_CASE("S18 TIME-WAIT: a retransmitted FIN is acknowledged again and restarts 2*MSL",
          "[time-wait][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_time_wait();
    h.advance(10s);
    h.send(seg(FIN | ACK, P + 1, h.iss + 2));  // our last ACK was lost
    h.expect({{ACK, h.iss + 2, P + 2}});
    h.advance(2 * h.cfg.msl - 1ms);
    CHECK(h.state() == State::time_wait);
    h.advance(1ms);
    CHECK(h.state() == State::closed);
}

TEST_CASE("S22 FIN+ACK in FIN-WAIT-1 that acknowledges our FIN goes straight to TIME-WAIT",
          "[fin-wait-1][time-wait][rfc9293-3.10.7.4]") {
    tcp::StackConfig cfg = test_config();
    cfg.msl = 10s;  // 2*MSL (20 s) apart from the FIN-WAIT-2 timeout (60 s)
    Harness h(cfg);
    h.make_fin_wait_1();
    h.send(seg(FIN | ACK, P + 1, h.iss + 2));  // the peer's FIN and its ACK of ours, together
    h.expect({{ACK, h.iss + 2, P + 2}});
    CHECK(h.state() == State::time_wait);
    CHECK(h.app.events == events({"established", "peer_closed", "closed:normal"}));
    h.advance(20s - 1ms);
    CHECK(h.state() == State::time_wait);
    h.advance(1ms);
    CHECK(h.state() == State::closed);
    CHECK(h.closed_count(CloseReason::normal) == 1);
    h.expect_nothing();
}

TEST_CASE("S22 the passive side answers FIN with one FIN+ACK when the app closes at once",
          "[close-wait][last-ack][rfc9293-3.10.7.4]") {
    Harness h;
    h.app.close_on_peer_closed = true;
    h.make_established();
    h.send(seg(FIN | ACK, P + 1, h.iss + 1));
    h.expect({{FIN | ACK, h.iss + 1, P + 2}});  // the ACK of the peer's FIN rides on ours
    CHECK(h.state() == State::last_ack);
    h.send(seg(ACK, P + 2, h.iss + 2));
    CHECK(h.state() == State::closed);
    CHECK(h.app.events == events({"established", "peer_closed", "closed:normal"}));
}

TEST_CASE("S23 a RST in TIME-WAIT does not end it early (RFC 1337)",
          "[time-wait][rfc1337]") {
    Harness h;
    h.make_time_wait();
    h.send(seg(RST, P + 2));
    h.expect_nothing();
    CHECK(h.state() == State::time_wait);
    CHECK(rst_received(h, tcp::RstReceived::in_time_wait) == 1);
}

TEST_CASE("S21 simultaneous close: FIN-WAIT-1 -> CLOSING -> TIME-WAIT",
          "[fin-wait-1][closing][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_closing();
    h.send(seg(ACK, P + 2, h.iss + 2));
    h.expect_nothing();
    CHECK(h.state() == State::time_wait);
}

TEST_CASE("S19 passive close: CLOSE-WAIT -> LAST-ACK -> CLOSED",
          "[close-wait][last-ack][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    h.send(seg(FIN | ACK, P + 1, h.iss + 1));
    h.expect({{ACK, h.iss + 1, P + 2}});  // the FIN is acknowledged at once
    CHECK(h.conn().state() == State::close_wait);
    CHECK(h.app.events == events({"established", "peer_closed"}));

    h.conn().close();
    h.expect({{FIN | ACK, h.iss + 1, P + 2}});
    CHECK(h.conn().state() == State::last_ack);

    h.send(seg(ACK, P + 2, h.iss + 2));
    h.expect_nothing();
    CHECK(h.state() == State::closed);
    CHECK(h.stack.connection_count() == 0);
    CHECK(h.app.events == events({"established", "peer_closed", "closed:normal"}));
}

TEST_CASE("S19 LAST-ACK: an unacknowledged FIN is retransmitted on RTO",
          "[last-ack][rfc6298]") {
    Harness h;
    h.make_last_ack();  // handshake RTT 0: RTO is the 200 ms floor
    CHECK(h.advance_until_sent(10s) == 200ms);
    h.expect({{FIN | ACK, h.iss + 1, P + 2}});
    h.send(seg(ACK, P + 2, h.iss + 2));
    CHECK(h.state() == State::closed);
    h.advance(10s);
    h.expect_nothing();
}

TEST_CASE("S20 half-close: after the peer's FIN the stack still sends and all data arrives",
          "[close-wait][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_close_wait();
    const std::string data = pattern(3000);
    CHECK(h.conn().send({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()}) == 3000);
    auto out = h.take();
    REQUIRE(out.size() == 3);
    CHECK(out[0].describe() == "[ACK] seq=" + std::to_string((h.iss + 1).raw()) + " ack=" +
                                   std::to_string((P + 2).raw()) + " win=65535 len=1460");
    CHECK(out[1].seq() == h.iss + 1461);
    CHECK(out[2].seq() == h.iss + 2921);
    CHECK(out[2].flags() == (ACK | PSH));
    std::string arrived;
    for (const Sent& s : out) {
        CHECK(s.ack() == P + 2);
        arrived += s.text();
    }
    CHECK(arrived == data);

    h.send(seg(ACK, P + 2, h.iss + 3001));
    h.expect_nothing();
    const std::string tail = "and one more thing";
    h.conn().send({reinterpret_cast<const std::uint8_t*>(tail.data()), tail.size()});
    h.expect({{ACK | PSH, h.iss + 3001, P + 2, {}, tail}});
    h.conn().close();
    const SeqNum fin_seq = h.iss + 3001 + static_cast<std::uint32_t>(tail.size());
    h.expect({{FIN | ACK, fin_seq, P + 2}});
    h.send(seg(ACK, P + 2, fin_seq + 1));
    CHECK(h.state() == State::closed);
    CHECK(h.app.closed_reason == CloseReason::normal);
}

TEST_CASE("S25 abort sends RST and discards queued data", "[established][rfc9293-3.10.5]") {
    Harness h;
    h.make_established();
    SECTION("data queued behind a zero window is never sent") {
        h.send(seg(ACK, P + 1, h.iss + 1).win(0));
        const std::string data = "queued but never sent";
        h.conn().send({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
        h.expect_nothing();
        h.conn().abort();
        h.expect({{RST | ACK, h.iss + 1, P + 1}});
    }
    SECTION("data in flight is not retransmitted; the RST carries SND.NXT") {
        const std::string data = "in flight";
        h.conn().send({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
        h.expect({{ACK | PSH, h.iss + 1, P + 1, {}, data}});
        h.conn().abort();
        h.expect({{RST | ACK, h.iss + 10, P + 1}});
    }
    CHECK(h.app.events == events({"established", "closed:aborted"}));
    CHECK(h.rst_sent(RstSent::app_abort) == 1);
    h.advance(30s);  // no probe, no retransmission, no delayed ACK
    h.expect_nothing();
    CHECK(h.stack.connection_count() == 0);
    CHECK(h.closed_count(CloseReason::aborted) == 1);
}

TEST_CASE("S26 close with unread received data sends RST instead of FIN",
          "[established][rfc9293-3.10.4]") {
    Harness h;
    h.app.on_data_reaction = RecordingHandler::OnData::consume_nothing;
    h.make_established();
    h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("unread"));
    h.expect_nothing();
    h.conn().close();
    h.expect({{RST | ACK, h.iss + 1, P + 7}});
    CHECK(h.app.events == events({"established", "data(kept):unread", "closed:unread_data"}));
    CHECK(h.rst_sent(RstSent::unread_data) == 1);
    h.advance(1s);
    h.expect_nothing();  // not even the delayed ACK that was pending
    CHECK(h.stack.connection_count() == 0);
}

TEST_CASE("S26 data arriving after close() is answered with RST",
          "[fin-wait-1][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_fin_wait_1();
    h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("late"));
    // The RST carries SND.NXT (after our FIN) and acknowledges the data.
    h.expect({{RST | ACK, h.iss + 2, P + 5}});
    CHECK(h.app.events == events({"established", "closed:unread_data"}));
    CHECK(h.state() == State::closed);
}

// ============================================================ retransmission

TEST_CASE("S10 SYN-ACK is retransmitted with backoff; the half-open entry goes after synack_retries",
          "[syn-received][rfc6298][rfc9293-3.8.1]") {
    Harness h;
    const Instant t0 = h.now;
    h.make_syn_received();
    h.advance(62999ms);
    CHECK(h.state() == State::syn_received);
    h.advance(1ms);
    CHECK(h.state() == State::closed);
    CHECK(h.stack.connection_count() == 0);

    // The first SYN-ACK and synack_retries (5) more, at 1, 3, 7, 15 and 31 s:
    // initial RTO 1 s (RFC 6298 (2.1)), doubled on each expiry ((5.5)).
    const auto& all = h.peer.all();
    REQUIRE(all.size() == 6);
    const Duration expected_at[] = {0s, 1s, 3s, 7s, 15s, 31s};
    for (std::size_t i = 0; i < all.size(); ++i) {
        INFO("SYN-ACK #" << i);
        CHECK(all[i].flags() == (SYN | ACK));
        CHECK(all[i].seq() == h.iss);
        CHECK(all[i].ack() == P + 1);
        CHECK(all[i].at - t0 == expected_at[i]);
    }
    CHECK(h.closed_count(CloseReason::handshake_timeout) == 1);
    CHECK(h.app.events.empty());  // the application never knew
    h.take();

    // The peer's late ACK finds nothing: RST. A new SYN is served again.
    h.send(seg(ACK, P + 1, h.iss + 1));
    h.expect({{RST, h.iss + 1}});
    h.send(syn(P + 100000));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].flags() == (SYN | ACK));
    CHECK(out[0].ack() == P + 100001);
}

TEST_CASE("data is retransmitted on RTO, doubling each time (RFC 6298)",
          "[established][rfc6298]") {
    Harness h;
    h.make_syn_received();
    h.advance(100ms);
    h.send(seg(ACK, P + 1, h.iss + 1));  // RTT 100 ms: SRTT 100, RTTVAR 50, RTO 300 ms (2.2)
    REQUIRE(h.connection());
    const std::string data = "retransmit me";
    h.conn().send({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
    h.expect({{ACK | PSH, h.iss + 1, P + 1, {}, data}});

    for (Duration gap : {300ms, 600ms, 1200ms, 2400ms}) {
        INFO("waiting " << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count() << " ms");
        CHECK(h.advance_until_sent(10s) == gap);
        h.expect({{ACK | PSH, h.iss + 1, P + 1, {}, data}});
    }
    h.send(seg(ACK, P + 1, h.iss + 14));
    h.advance(20s);
    h.expect_nothing();
    CHECK(h.stack.counters().retransmits == 4);
}

TEST_CASE("RFC 6298 (5.7): after the SYN-ACK timed out, data starts with an RTO of 3 s",
          "[established][rfc6298]") {
    Harness h;
    h.make_syn_received();
    h.advance(1s);
    h.expect({{SYN | ACK, h.iss, P + 1}});
    h.advance(50ms);
    h.send(seg(ACK, P + 1, h.iss + 1));
    REQUIRE(h.connection());
    const std::string data = "x";
    h.conn().send({reinterpret_cast<const std::uint8_t*>(data.data()), 1});
    h.expect({{ACK | PSH, h.iss + 1, P + 1, {}, data}});
    CHECK(h.advance_until_sent(10s) == 3s);
}

// ============================================================ receiving

TEST_CASE("in-order data: cumulative ACK at once for every second full segment, else after delayed_ack",
          "[established][rfc9293-3.10.7.4][rfc1122-4.2.3.2][rfc5681-4.2]") {
    Harness h;
    h.make_established();
    h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(1460)));
    h.expect_nothing();
    h.send(seg(ACK, P + 1461, h.iss + 1).data(pattern(1460, 'A')));
    h.expect({{ACK, h.iss + 1, P + 2921, 65535}});
    CHECK(h.app.received == pattern(1460) + pattern(1460, 'A'));

    h.send(seg(ACK | PSH, P + 2921, h.iss + 1).data("single"));
    h.expect_nothing();
    h.advance(h.cfg.delayed_ack - 1ms);
    h.expect_nothing();
    h.advance(1ms);
    h.expect({{ACK, h.iss + 1, P + 2927}});
    h.advance(1s);
    h.expect_nothing();
}

TEST_CASE("an out-of-order segment is queued, answered at once with a duplicate ACK, delivered when the hole fills",
          "[established][rfc5681-4.2][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    h.send(seg(ACK, P + 101, h.iss + 1).data(pattern(100, 'B')));  // P+1..P+100 missing
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(h.app.received.empty());
    CHECK(h.stack.counters().ooo.queued == 1);

    h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(100)));  // the hole
    h.expect({{ACK, h.iss + 1, P + 201}});                  // at once: it filled a hole
    CHECK(h.app.received == pattern(100) + pattern(100, 'B'));
    CHECK(h.stack.counters().ooo.holes_filled == 1);
    CHECK(h.stack.counters().ooo.delivered_bytes == 100);
    CHECK(h.stack.counters().ooo.held_bytes == 0);
}

TEST_CASE("the receive window shrinks while the application does not read, reopens after consume",
          "[established][rfc9293-3.8.6][rfc9293-3.10.7.4]") {
    tcp::StackConfig cfg = test_config();
    cfg.receive_buffer = 4096;
    Harness h(cfg);
    h.app.on_data_reaction = RecordingHandler::OnData::consume_nothing;
    h.make_listening();
    h.send(syn(P));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].header.window == 4096);
    h.iss = out[0].seq();
    h.send(seg(ACK, P + 1, h.iss + 1));

    h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(1460)));
    h.send(seg(ACK, P + 1461, h.iss + 1).data(pattern(1460)));
    h.expect({{ACK, h.iss + 1, P + 2921, 4096 - 2920}});
    h.send(seg(ACK, P + 2921, h.iss + 1).data(pattern(1176)));
    h.advance(h.cfg.delayed_ack);
    h.expect({{ACK, h.iss + 1, P + 4097, 0}});
    CHECK(h.conn().received().size() == 4096);
    CHECK(h.app.events == std::vector<std::string>{"established", "data(kept):" + pattern(1460)});

    // A zero-window probe is not acceptable; it is answered with an ACK (3.10.7.4).
    h.send(seg(ACK, P + 4097, h.iss + 1).data("?"));
    h.expect({{ACK, h.iss + 1, P + 4097, 0}});
    CHECK(h.conn().received().size() == 4096);

    h.conn().consume_received(4096);
    h.expect({{ACK, h.iss + 1, P + 4097, 4096}});  // window update
    h.send(seg(ACK | PSH, P + 4097, h.iss + 1).data("more"));
    CHECK(h.app.events.back() == "data(kept):more");  // on_data again: the buffer was empty
}

TEST_CASE("receiver SWS avoidance: a window opening below min(MSS, buffer/2) is not announced",
          "[established][rfc9293-3.8.6.2.2]") {
    tcp::StackConfig cfg = test_config();
    cfg.receive_buffer = 4096;
    Harness h(cfg);
    h.app.on_data_reaction = RecordingHandler::OnData::consume_nothing;
    h.make_established();
    h.send(seg(ACK, P + 1, h.iss + 1).data(pattern(1460)));
    h.send(seg(ACK, P + 1461, h.iss + 1).data(pattern(1460)));
    h.send(seg(ACK, P + 2921, h.iss + 1).data(pattern(1176)));
    h.advance(h.cfg.delayed_ack);
    h.take();
    h.conn().consume_received(100);
    h.expect_nothing();  // 100 bytes < min(1460, 2048): the window stays shut
    h.conn().consume_received(1400);
    h.expect({{ACK, h.iss + 1, P + 4097, 1500}});
}

// ============================================================ S29: blind in-window attacks

TEST_CASE("S29 a RST with the exact sequence number resets the connection",
          "[established][rfc5961-3.2][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    SECTION("RST") { h.send(seg(RST, P + 1)); }
    SECTION("RST+ACK") { h.send(seg(RST | ACK, P + 1, h.iss + 1)); }
    h.expect_nothing();
    CHECK(h.app.events == events({"established", "closed:reset_by_peer"}));
    CHECK(h.stack.connection_count() == 0);
    CHECK(rst_received(h, tcp::RstReceived::accepted) == 1);
}

TEST_CASE("S29 a RST in the window but not exact gets a challenge ACK; the connection stays",
          "[established][rfc5961-3.2]") {
    Harness h;
    h.make_established();
    h.send(seg(RST, P + 101));
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(h.conn().state() == State::established);
    CHECK(h.stack.counters().challenge_acks == 1);
    CHECK(rst_received(h, tcp::RstReceived::challenged) == 1);

    // Out of the window altogether, before or after: silently ignored.
    h.send(seg(RST, P));
    h.send(seg(RST, P + 1 + 300000));
    h.expect_nothing();
    CHECK(h.conn().state() == State::established);

    // A genuine peer answers the challenge with the exact RST.
    h.send(seg(RST, P + 1));
    CHECK(h.app.closed_reason == CloseReason::reset_by_peer);
}

TEST_CASE("S29 a RST beyond the advertised window is ignored, not challenged",
          "[established][rfc9293-3.10.7.4][rfc5961-3.2]") {
    Harness h;
    h.make_established();  // advertised RCV.WND = 65535
    h.send(seg(RST, P + 1 + 65535));
    h.send(seg(RST, P + 1 + 200000));
    h.expect_nothing();
    CHECK(h.stack.counters().challenge_acks == 0);
}

TEST_CASE("S29 a SYN on an established connection gets a challenge ACK",
          "[established][rfc5961-4.2][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_established();
    h.send(syn(P + 500));
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(h.conn().state() == State::established);
    CHECK(h.stack.counters().challenge_acks == 1);
    CHECK(h.dropped(SegmentDrop::syn_in_window) == 1);
}

TEST_CASE("S29 a restarted client: new SYN -> challenge ACK -> its RST -> reconnect",
          "[established][listen][rfc5961-4.2]") {
    Harness h;
    h.make_established();
    const SeqNum new_isn(0x9000000);  // nowhere near the old window
    h.send(syn(new_isn));
    h.expect({{ACK, h.iss + 1, P + 1}});
    // The client knows no such connection: RST with seq = the challenge's ack.
    h.send(seg(RST, P + 1));
    h.expect_nothing();
    CHECK(h.app.closed_reason == CloseReason::reset_by_peer);
    // The client retries its SYN and gets a fresh connection.
    h.send(syn(new_isn));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].flags() == (SYN | ACK));
    CHECK(out[0].ack() == new_isn + 1);
    h.send(seg(ACK, new_isn + 1, out[0].seq() + 1));
    REQUIRE(h.connection());
    CHECK(h.conn().state() == State::established);
}

TEST_CASE("S29 data acknowledging something never sent gets a challenge ACK and is dropped",
          "[established][rfc5961-5.2]") {
    Harness h;
    h.make_established();
    h.send(seg(ACK | PSH, P + 1, h.iss + 1000).data("blind"));
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(h.app.received.empty());
    CHECK(h.dropped(SegmentDrop::ack_unsent) == 1);
    CHECK(h.conn().state() == State::established);
}

TEST_CASE("S29 challenge ACKs are rate limited per second", "[established][rfc5961-7]") {
    tcp::StackConfig cfg = test_config();
    cfg.challenge_ack_limit = 2;
    Harness h(cfg);
    h.make_established();
    for (int i = 0; i < 4; ++i) h.send(seg(RST, P + 10 + static_cast<std::uint32_t>(i)));
    h.expect({{ACK, h.iss + 1, P + 1}, {ACK, h.iss + 1, P + 1}});
    CHECK(h.dropped(SegmentDrop::challenge_rate_limited) == 2);
    h.send(syn(P + 50));  // SYNs draw on the same budget
    h.expect_nothing();

    h.advance(1s);
    h.send(seg(RST, P + 20));
    h.expect({{ACK, h.iss + 1, P + 1}});
    CHECK(h.stack.counters().challenge_acks == 3);
    CHECK(h.conn().state() == State::established);
}

// ============================================================ SYN-RECEIVED odds and ends

TEST_CASE("S06 an exact RST in SYN-RECEIVED removes the half-open entry silently",
          "[syn-received][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_syn_received();
    h.send(seg(RST, P + 1));
    h.expect_nothing();
    CHECK(h.state() == State::closed);
    CHECK(h.closed_count(CloseReason::handshake_reset) == 1);
    CHECK(h.app.events.empty());
}

TEST_CASE("SYN-RECEIVED: an unacceptable ACK gets RST with seq = SEG.ACK",
          "[syn-received][rfc9293-3.10.7.4]") {
    Harness h;
    h.make_syn_received();
    h.send(seg(ACK, P + 1, h.iss + 5));
    h.expect({{RST, h.iss + 5}});
    CHECK(h.state() == State::syn_received);  // the entry survives a forged ACK
    h.send(seg(ACK, P + 1, h.iss + 1));
    CHECK(h.connection());
}
