// Connection establishment and termination, end to end between two stacks on
// a perfect simulated link (scenarios S04-S26 of docs seed-scenarios). Each
// test asserts the states both ends pass through and the exact segments
// exchanged, with sequence numbers relative to each side's ISN.
#include <catch2/catch.hpp>

#include "sim_test_support.hpp"

using namespace synline;
using namespace synline::sim;
using namespace synline::sim::testing;
using tcp::CloseReason;
using tcp::State;
using Lines = std::vector<std::string>;
namespace flag = net::tcp_flag;

namespace {

constexpr std::uint16_t kPort = 80;

// Runs the handshake of a fresh client connection to the server's kPort.
AppConn& open(TwoStacks& t) {
    t.server.listen(kPort);
    AppConn* a = t.client.connect(t.net.ip(t.s), kPort);
    REQUIRE(a != nullptr);
    t.net.run_for(50ms);
    REQUIRE(a->established);
    REQUIRE(t.server.conns().size() == 1);
    return *a;
}

const Lines kHandshake = {
    "client>server [S] seq=0 len=0",
    "server>client [S.] seq=0 ack=1 len=0",
    "client>server [.] seq=1 ack=1 len=0",
};

Lines concat(Lines a, const Lines& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

void check_clean(TwoStacks& t) {
    CHECK(t.net.tracer().anomalies().empty());
    CHECK(t.net.malformed() == 0);
}

}  // namespace

// ---------------------------------------------------------------- establishment

TEST_CASE("S05 active open: CLOSED -> SYN-SENT -> ESTABLISHED in three segments", "[sim][S05][rfc9293-3.5]") {
    TwoStacks t;
    t.server.listen(kPort);
    AppConn* a = t.client.connect(t.net.ip(t.s), kPort);
    REQUIRE(a != nullptr);
    t.net.run_for(50ms);
    INFO(t.report());

    CHECK(a->established);
    CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED"});
    CHECK(t.server_states(*a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    CHECK(t.net.exchange() == kHandshake);
    // The client is ESTABLISHED when its ACK leaves, one link delay before the server.
    CHECK(*t.trace(t.c, a->tuple).entered(State::established) == t.net.start() + 2ms);
    CHECK(*t.trace(t.s, peer_view(a->tuple)).entered(State::established) == t.net.start() + 3ms);
    CHECK(t.net.stack(t.c).counters().connections_opened_active == 1);
    check_clean(t);
}

TEST_CASE("S04 passive open: LISTEN -> SYN-RECEIVED -> ESTABLISHED, data in the third segment is delivered",
          "[sim][S04][rfc9293-3.5]") {
    TwoStacks t;
    const auto request = pseudo_random_bytes(4, 100);
    t.client.on_established_hook = [&](SimApp& app, AppConn& c) { app.send(c, request); };
    t.server.listen(kPort);
    AppConn* a = t.client.connect(t.net.ip(t.s), kPort);
    t.net.run_for(100ms);
    INFO(t.report());

    REQUIRE(t.server.conns().size() == 1);
    AppConn& srv = t.server.conn(0);
    CHECK(srv.received == request);
    CHECK(t.server_states(*a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED"});
    // The server is SYN-RECEIVED from the SYN's arrival until the third segment.
    const ConnTrace& st = t.trace(t.s, peer_view(a->tuple));
    CHECK(*st.entered(State::syn_received) == t.net.start() + 1ms);
    CHECK(*st.entered(State::established) == t.net.start() + 3ms);
    // The data rides in the third segment, the one that completes the handshake
    // (no separate ACK before or after it); the server's delayed ACK answers it.
    CHECK(t.net.exchange() == Lines{
        "client>server [S] seq=0 len=0",
        "server>client [S.] seq=0 ack=1 len=0",
        "client>server [P.] seq=1 ack=1 len=100",
        "server>client [.] seq=1 ack=101 len=0",
    });
    CHECK(t.net.trace().back().sent_at - t.net.trace()[2].at == t.net.stack(t.s).config().delayed_ack);
    CHECK(t.net.stack(t.s).counters().connections_opened_passive == 1);
    check_clean(t);
}

TEST_CASE("S07 simultaneous open: four segments, each end SYN-SENT -> SYN-RECEIVED -> ESTABLISHED",
          "[sim][S07][rfc9293-3.5]") {
    TwoStacks t;
    // Both ends connect to each other's explicit port at the same virtual time.
    AppConn* a = t.client.connect(t.net.ip(t.s), 5000, 4000);
    AppConn* b = t.server.connect(t.net.ip(t.c), 4000, 5000);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    t.net.run_for(50ms);
    INFO(t.report());

    CHECK(a->established);
    CHECK(b->established);
    const Lines path{"CLOSED", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"};
    CHECK(t.states(t.c, a->tuple) == path);
    CHECK(t.states(t.s, b->tuple) == path);
    // Exactly one connection on each side, the same 4-tuple seen from both ends.
    CHECK(b->tuple == peer_view(a->tuple));
    CHECK(t.net.stack(t.c).connection_count() == 1);
    CHECK(t.net.stack(t.s).connection_count() == 1);
    CHECK(t.client.conns().size() == 1);
    CHECK(t.server.conns().size() == 1);
    // RFC 9293 Figure 8: SYN, SYN, then each SYN answered by SYN,ACK; nothing more.
    const Lines handshake = t.net.exchange();
    CHECK(handshake == Lines{
        "client>server [S] seq=0 len=0",
        "server>client [S] seq=0 len=0",
        "server>client [S.] seq=0 ack=1 len=0",
        "client>server [S.] seq=0 ack=1 len=0",
    });

    // Data flows both ways on the one connection.
    const auto x = pseudo_random_bytes(7, 300), y = pseudo_random_bytes(8, 500);
    t.client.send(*a, x);
    t.server.send(*b, y);
    t.net.run_for(100ms);
    CHECK(b->received == x);
    CHECK(a->received == y);
    check_clean(t);
}

TEST_CASE("S08 self-connect with an explicit port goes through simultaneous open", "[sim][S08]") {
    SimNetwork net;
    const NodeId n = net.add_stack("self", addr("10.0.0.1"), small_config());
    SimApp app(net, n);
    AppConn* a = app.connect(net.ip(n), 7000, 7000);
    REQUIRE(a != nullptr);
    CHECK(a->tuple.local_port == a->tuple.remote_port);
    net.run_for(20ms);
    INFO(net.dump());

    CHECK(a->established);
    CHECK(net.tracer().latest(n, a->tuple)->states() ==
          Lines{"CLOSED", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"});
    CHECK(net.stack(n).connection_count() == 1);
    CHECK(net.exchange() == Lines{
        "self>self [S] seq=0 len=0",
        "self>self [S.] seq=0 ack=1 len=0",
    });
    // What it sends, it receives.
    const auto data = pseudo_random_bytes(9, 1000);
    app.send(*a, data);
    net.run_for(100ms);
    CHECK(a->received == data);
    // And it closes like a simultaneous close, through TIME-WAIT.
    app.close(*a);
    CHECK(net.run_until_idle(2s));
    const Lines st = net.tracer().latest(n, a->tuple)->states();
    CHECK(st.back() == "CLOSED");
    CHECK(std::find(st.begin(), st.end(), "TIME-WAIT") != st.end());
    CHECK(net.tracer().anomalies().empty());
}

TEST_CASE("S08 an ephemeral connect to our own listening port never picks that port", "[sim][S08]") {
    SimNetwork net;
    tcp::StackConfig cfg = small_config();
    cfg.ephemeral_port_first = 7000;  // the range holds the listening port and one other
    cfg.ephemeral_port_last = 7001;
    const NodeId n = net.add_stack("self", addr("10.0.0.1"), cfg);
    SimApp app(net, n);
    REQUIRE(app.listen(7000));

    AppConn* a = app.connect(net.ip(n), 7000);
    REQUIRE(a != nullptr);
    CHECK(a->tuple.local_port == 7001);
    // The only other candidate would connect the socket to itself: refused.
    CHECK(app.connect(net.ip(n), 7000) == nullptr);
    net.run_for(20ms);
    INFO(net.dump());

    // A normal handshake with our own listener: two connections, one per end.
    REQUIRE(app.conns().size() == 2);
    CHECK(app.conns()[0].established);
    CHECK(app.conns()[1].established);
    CHECK(net.stack(n).connection_count() == 2);
    CHECK(net.tracer().latest(n, a->tuple)->states() == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED"});
    CHECK(net.tracer().latest(n, peer_view(a->tuple))->states() ==
          Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    CHECK(net.exchange() == Lines{
        "self>self [S] seq=0 len=0",
        "self>self [S.] seq=0 ack=1 len=0",
        "self>self [.] seq=1 ack=1 len=0",
    });
    CHECK(net.tracer().anomalies().empty());
}

TEST_CASE("S10 connect timeout: SYN at 0, 1, 3, 7, 15, 31, 63 s, then on_closed(connect_timeout) at 127 s",
          "[sim][S10][rfc6298]") {
    TwoStacks t;
    t.net.set_drop_filter([](const TraceEntry&) { return true; });  // the peer is silent
    t.server.listen(kPort);
    AppConn* a = t.client.connect(t.net.ip(t.s), kPort);
    REQUIRE(a != nullptr);
    const tcp::Instant t0 = t.net.now();
    REQUIRE(t.net.run_until([&] { return a->closed; }, 200s));
    INFO(t.report());

    std::vector<double> syn_at;
    for (const TraceEntry& e : t.net.trace()) {
        CHECK(e.flags == flag::syn);
        CHECK(e.fate == Fate::filtered);
        syn_at.push_back(std::chrono::duration<double>(e.sent_at - t0).count());
    }
    // Initial RTO 1 s doubling (RFC 6298 (2.1), (5.5)); syn_retries = 6.
    CHECK(syn_at == std::vector<double>{0, 1, 3, 7, 15, 31, 63});
    CHECK(t.net.stack(t.c).config().syn_retries == 6);
    CHECK(a->close_reason == CloseReason::connect_timeout);
    const tcp::Instant end = *t.trace(t.c, a->tuple).entered(State::closed);
    CHECK(end - t0 >= 127s);
    CHECK(end - t0 <= 127s + 1ms);
    CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT", "CLOSED"});
    CHECK(t.net.exchange(true) == Lines(7, "client>server [S] seq=0 len=0 (filtered)"));
    CHECK(t.net.stack(t.c).counters().retransmits == 6);
    CHECK(t.net.stack(t.c).connection_count() == 0);
    check_clean(t);
}

TEST_CASE("S11 connect to a port with no listener is refused by RST", "[sim][S11][rfc9293-3.10.7.1]") {
    TwoStacks t;
    AppConn* a = t.client.connect(t.net.ip(t.s), 81);
    REQUIRE(a != nullptr);
    t.net.run_for(20ms);
    INFO(t.report());

    CHECK(a->closed);
    CHECK(a->close_reason == CloseReason::refused);
    CHECK(!a->established);
    CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT", "CLOSED"});
    // The RST acknowledges the SYN; its seq is zero since the SYN had no ACK.
    CHECK(t.net.exchange() == Lines{
        "client>server [S] seq=0 len=0",
        "server>client [R.] seq=0 ack=1 len=0",
    });
    CHECK(t.net.stack(t.s).counters().rst_sent[static_cast<std::size_t>(tcp::RstSent::no_listener)] == 1);
    CHECK(t.net.stack(t.c).counters().rst_received[static_cast<std::size_t>(tcp::RstReceived::refused)] == 1);
    CHECK(t.net.stack(t.s).connection_count() == 0);
    CHECK(t.net.stack(t.c).connection_count() == 0);
    check_clean(t);
}

TEST_CASE("S27 an ACK to a listening port with no connection is answered by RST", "[sim][S27][rfc9293-3.10.7.2]") {
    // Regression: while Listener::last_cookie_sent started at Duration::min(),
    // `now - last_cookie_sent` overflowed and every stray ACK was taken for a
    // SYN cookie and dropped silently, stranding a client whose half-open peer
    // had timed out (found by the lossy stress run).
    TwoStacks t;
    t.server.listen(kPort);
    net::TcpHeader ack;
    ack.src_port = 40000;
    ack.dst_port = kPort;
    ack.seq = net::SeqNum(1000);
    ack.ack = net::SeqNum(5000);
    ack.flags = flag::ack | flag::psh;
    const auto data = pseudo_random_bytes(27, 10);
    t.net.inject(t.c, t.net.ip(t.s), ack, data);
    t.net.run_for(10ms);
    INFO(t.report());
    // RFC 9293 3.10.7.2: <SEQ=SEG.ACK><CTL=RST>.
    CHECK(t.net.exchange() == Lines{
        "client>server [P.] seq=1000 ack=5000 len=10",
        "server>client [R] seq=5000 len=0",
    });
    CHECK(t.net.stack(t.s).counters().rst_sent[static_cast<std::size_t>(tcp::RstSent::no_connection)] == 1);
}

// ---------------------------------------------------------------- termination

TEST_CASE("S18 S19 four-way close: active FIN-WAIT-1/2 -> TIME-WAIT, passive CLOSE-WAIT -> LAST-ACK",
          "[sim][S18][S19][rfc9293-3.6]") {
    TwoStacks t;
    AppConn& a = open(t);
    AppConn& srv = t.server.conn(0);
    t.client.close(a);
    t.net.run_for(50ms);  // the server application takes its time
    CHECK(srv.peer_closed);
    t.server.close(srv);
    REQUIRE(t.net.run_until_idle(1s));
    INFO(t.report());

    CHECK(t.client_states(a) ==
          Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"});
    CHECK(t.server_states(a) ==
          Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"});
    CHECK(t.net.exchange() == concat(kHandshake, {
        "client>server [F.] seq=1 ack=1 len=0",
        "server>client [.] seq=1 ack=2 len=0",
        "server>client [F.] seq=1 ack=2 len=0",
        "client>server [.] seq=2 ack=2 len=0",
    }));
    CHECK(a.close_reason == CloseReason::normal);
    CHECK(a.closed_in == State::time_wait);  // the application is released at TIME-WAIT
    CHECK(srv.close_reason == CloseReason::normal);
    CHECK(srv.closed_in == State::closed);
    check_clean(t);
}

TEST_CASE("S21 simultaneous close: FIN-WAIT-1 -> CLOSING -> TIME-WAIT on both sides", "[sim][S21][rfc9293-3.6]") {
    TwoStacks t;
    AppConn& a = open(t);
    AppConn& srv = t.server.conn(0);
    t.client.close(a);
    t.server.close(srv);
    REQUIRE(t.net.run_until_idle(1s));
    INFO(t.report());

    const Lines tail{"ESTABLISHED", "FIN-WAIT-1", "CLOSING", "TIME-WAIT", "CLOSED"};
    CHECK(t.client_states(a) == concat({"CLOSED", "SYN-SENT"}, tail));
    CHECK(t.server_states(a) == concat({"LISTEN", "SYN-RECEIVED"}, tail));
    CHECK(t.net.exchange() == concat(kHandshake, {
        "client>server [F.] seq=1 ack=1 len=0",
        "server>client [F.] seq=1 ack=1 len=0",
        "server>client [.] seq=2 ack=2 len=0",
        "client>server [.] seq=2 ack=2 len=0",
    }));
    CHECK(a.close_reason == CloseReason::normal);
    CHECK(srv.close_reason == CloseReason::normal);
    check_clean(t);
}

TEST_CASE("S22 a passive close from on_peer_closed answers with one FIN+ACK: three segments, FIN-WAIT-1 -> TIME-WAIT",
          "[sim][S22][rfc9293-3.6]") {
    TwoStacks t;
    t.server.close_on_peer_closed = true;  // the server closes as soon as the FIN arrives
    AppConn& a = open(t);
    t.client.close(a);
    REQUIRE(t.net.run_until_idle(1s));
    INFO(t.report());

    // The ACK of the client's FIN rides on the server's FIN: nothing else is sent.
    CHECK(t.net.exchange(true) == concat(kHandshake, {
        "client>server [F.] seq=1 ack=1 len=0",
        "server>client [F.] seq=1 ack=2 len=0",
        "client>server [.] seq=2 ack=2 len=0",
    }));
    // The active side goes from FIN-WAIT-1 straight to TIME-WAIT on that one segment.
    CHECK(t.client_states(a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT", "CLOSED"});
    CHECK(t.server_states(a) ==
          Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"});
    check_clean(t);
}

TEST_CASE("S20 half-close: after the peer's FIN the server keeps sending and the client receives it all",
          "[sim][S20][rfc9293-3.6]") {
    TwoStacks t;
    AppConn& a = open(t);
    AppConn& srv = t.server.conn(0);
    const auto first = pseudo_random_bytes(20, 3000), second = pseudo_random_bytes(21, 2000);
    t.client.shutdown_write(a);
    t.net.run_for(10ms);
    REQUIRE(srv.peer_closed);
    t.server.send(srv, first);    // in CLOSE-WAIT
    t.net.run_for(100ms);
    t.server.send(srv, second);   // still in CLOSE-WAIT, much later
    t.net.run_for(100ms);
    t.server.close(srv);
    REQUIRE(t.net.run_until_idle(1s));
    INFO(t.report());

    std::vector<std::uint8_t> all = first;
    all.insert(all.end(), second.begin(), second.end());
    CHECK(a.received == all);
    CHECK(t.client_states(a) ==
          Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"});
    CHECK(t.server_states(a) ==
          Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"});
    // Effective MSS 1448 (1460 less the timestamp option, RFC 6691).
    CHECK(t.net.exchange() == concat(kHandshake, {
        "client>server [F.] seq=1 ack=1 len=0",
        "server>client [.] seq=1 ack=2 len=0",
        "server>client [.] seq=1 ack=2 len=1448",
        "server>client [.] seq=1449 ack=2 len=1448",
        "server>client [P.] seq=2897 ack=2 len=104",
        "client>server [.] seq=2 ack=2897 len=0",
        "client>server [.] seq=2 ack=3001 len=0",
        "server>client [.] seq=3001 ack=2 len=1448",
        "server>client [P.] seq=4449 ack=2 len=552",
        "client>server [.] seq=2 ack=5001 len=0",
        "server>client [F.] seq=5001 ack=2 len=0",
        "client>server [.] seq=2 ack=5002 len=0",
    }));
    check_clean(t);
}

TEST_CASE("S23 TIME-WAIT lasts 2*MSL, holds the 4-tuple, and ignores RST (RFC 1337)", "[sim][S23][rfc1337]") {
    TwoStacks t;  // msl = 100 ms
    AppConn& a = open(t);
    AppConn& srv = t.server.conn(0);
    t.server.close_on_peer_closed = true;
    t.client.close(a);
    REQUIRE(t.net.run_until([&] { return a.closed; }, 1s));
    const tcp::Instant tw = *t.trace(t.c, a.tuple).entered(State::time_wait);
    t.net.run_for(50ms);
    INFO(t.report());
    REQUIRE(srv.closed);
    CHECK(t.net.stack(t.c).connection_count() == 1);

    // The 4-tuple is taken while in TIME-WAIT.
    CHECK(t.client.connect(t.net.ip(t.s), kPort, a.tuple.local_port) == nullptr);

    // An exactly-in-sequence RST does not end TIME-WAIT early.
    net::SeqNum server_fin_seq;
    for (const TraceEntry& e : t.net.trace())
        if (e.from == t.s && e.has(flag::fin)) server_fin_seq = e.seq;
    net::TcpHeader rst;
    rst.src_port = kPort;
    rst.dst_port = a.tuple.local_port;
    rst.seq = server_fin_seq + 1;
    rst.flags = flag::rst;
    t.net.inject(t.s, t.net.ip(t.c), rst);
    t.net.run_for(10ms);
    CHECK(t.net.stack(t.c).connection_count() == 1);
    CHECK(t.net.stack(t.c).counters().rst_received[static_cast<std::size_t>(tcp::RstReceived::in_time_wait)] == 1);

    t.net.run_until(tw + 199ms);
    CHECK(t.net.stack(t.c).connection_count() == 1);
    t.net.run_until(tw + 201ms);
    CHECK(t.net.stack(t.c).connection_count() == 0);
    const tcp::Instant closed = *t.trace(t.c, a.tuple).entered(State::closed);
    CHECK(closed - tw >= 200ms);
    CHECK(closed - tw <= 201ms);
    CHECK(t.client_states(a).back() == "CLOSED");
    check_clean(t);
}

TEST_CASE("S24 FIN-WAIT-2 times out when the peer never closes", "[sim][S24]") {
    TwoStacks t;  // fin_wait_2_timeout = 500 ms
    AppConn& a = open(t);
    AppConn& srv = t.server.conn(0);
    t.client.close(a);
    REQUIRE(t.net.run_until([&] { return a.closed; }, 2s));
    INFO(t.report());

    CHECK(a.close_reason == CloseReason::fin_wait_2_timeout);
    const ConnTrace& ct = t.trace(t.c, a.tuple);
    CHECK(ct.states() == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSED"});
    const tcp::Duration in_fw2 = *ct.entered(State::closed) - *ct.entered(State::fin_wait_2);
    CHECK(in_fw2 >= 500ms);
    CHECK(in_fw2 <= 501ms);
    CHECK(t.server_states(a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT"});
    CHECK(t.net.stack(t.c).connection_count() == 0);

    // When the server finally closes, its FIN finds no connection: RST.
    t.server.close(srv);
    REQUIRE(t.net.run_until_idle(1s));
    CHECK(srv.close_reason == CloseReason::reset_by_peer);
    CHECK(t.net.exchange() == concat(kHandshake, {
        "client>server [F.] seq=1 ack=1 len=0",
        "server>client [.] seq=1 ack=2 len=0",
        "server>client [F.] seq=1 ack=2 len=0",
        "client>server [R] seq=2 len=0",
    }));
    CHECK(t.server_states(a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"});
    check_clean(t);
}

TEST_CASE("S25 abort sends RST instead of FIN, discards queued data, the peer sees a reset", "[sim][S25]") {
    TwoStacks t;
    AppConn& a = open(t);
    AppConn& srv = t.server.conn(0);
    const auto data = pseudo_random_bytes(25, 64 * 1024);
    t.client.send(a, data);  // an initial window's worth leaves, the rest waits
    t.client.abort(a);
    REQUIRE(t.net.run_until_idle(1s));
    INFO(t.report());

    CHECK(a.close_reason == CloseReason::aborted);
    CHECK(srv.close_reason == CloseReason::reset_by_peer);
    CHECK(t.client_states(a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "CLOSED"});
    CHECK(t.server_states(a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSED"});
    // Ten segments of the initial window (RFC 6928), then the RST right after
    // the last byte sent; nothing of the queued rest. The server's ACKs, sent
    // before the RST reached it, find no connection and are answered by RST
    // (RFC 9293 3.10.7.1), which the closed server ignores.
    Lines expected = kHandshake;
    for (std::uint32_t i = 0; i < 10; ++i)
        expected.push_back("client>server [.] seq=" + std::to_string(1 + i * 1448) + " ack=1 len=1448");
    expected.push_back("client>server [R.] seq=14481 ack=1 len=0");
    for (std::uint32_t i = 1; i <= 5; ++i)
        expected.push_back("server>client [.] seq=1 ack=" + std::to_string(1 + i * 2896) + " len=0");
    for (std::uint32_t i = 1; i <= 5; ++i)
        expected.push_back("client>server [R] seq=" + std::to_string(1 + i * 2896) + " len=0");
    CHECK(t.net.exchange() == expected);
    std::size_t data_segments = 0;
    for (const TraceEntry& e : t.net.trace())
        if (e.from == t.c && e.len > 0) ++data_segments;
    CHECK(data_segments == 10);
    CHECK(srv.received == std::vector<std::uint8_t>(data.begin(), data.begin() + 14480));
    CHECK(t.net.stack(t.c).counters().rst_sent[static_cast<std::size_t>(tcp::RstSent::app_abort)] == 1);
    check_clean(t);
}

TEST_CASE("S26 closing with unread received data sends RST", "[sim][S26]") {
    TwoStacks t;
    t.server.consume = false;  // the server application never reads
    AppConn& a = open(t);
    AppConn& srv = t.server.conn(0);
    t.client.send(a, pseudo_random_bytes(26, 100));
    t.net.run_for(10ms);
    t.server.close(srv);
    REQUIRE(t.net.run_until_idle(1s));
    INFO(t.report());

    CHECK(srv.close_reason == CloseReason::unread_data);
    CHECK(a.close_reason == CloseReason::reset_by_peer);
    CHECK(t.net.exchange() == concat(kHandshake, {
        "client>server [P.] seq=1 ack=1 len=100",
        "server>client [R.] seq=1 ack=101 len=0",
    }));
    CHECK(t.client_states(a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "CLOSED"});
    CHECK(t.server_states(a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSED"});
    CHECK(t.net.stack(t.s).counters().rst_sent[static_cast<std::size_t>(tcp::RstSent::unread_data)] == 1);
    check_clean(t);
}
