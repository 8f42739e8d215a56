// The listener's two queues and SYN cookies, end to end in the simulator
// (scenarios S09, S12-S14, S16, S17 of docs seed-scenarios):
//   S09  pull mode: the handshake completes inside the stack, the connection
//        and its early data wait in the accept queue until Stack::accept().
//        (Establishment without listen(), i.e. simultaneous open, is S07 in
//        test_lifecycle.cpp and is not repeated here.)
//   S12  both queues bounded and observable (listener_stats, counters).
//   S13  SYN queue full: cookies (on_overflow) or a silent drop (off), never RST.
//   S14  accept queue full: drop the final ACK (default) or reset.
//   S16  cookies always: options through the TSval; without timestamps only
//        the MSS survives; an ACK flood of bad cookies costs a check each.
//   S17  a million spoofed SYNs while 1,000 legitimate clients are served.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <tuple>

#include "sim_test_support.hpp"

using namespace synline;
using namespace synline::sim;
using namespace synline::sim::testing;
using tcp::CloseReason;
using tcp::SegmentDrop;
using tcp::State;
using Lines = std::vector<std::string>;
namespace flag = net::tcp_flag;

namespace {

constexpr std::uint16_t kPort = 80;

// Records every AcceptHandler::on_acceptable and optionally acts on it.
struct PullHandler : tcp::AcceptHandler {
    explicit PullHandler(SimNetwork& n) : net(n) {}
    void on_acceptable(std::uint16_t port) override {
        calls.emplace_back(net.now(), port);
        if (hook) hook(port);
    }
    SimNetwork& net;
    std::vector<std::pair<tcp::Instant, std::uint16_t>> calls;
    std::function<void(std::uint16_t)> hook;
};

tcp::ListenOptions pull_options(PullHandler& p, std::uint32_t syn_backlog, std::uint32_t backlog,
                                tcp::SynCookieMode cookies = tcp::SynCookieMode::on_overflow) {
    tcp::ListenOptions o;
    o.pull = &p;
    o.syn_backlog = syn_backlog;
    o.backlog = backlog;
    o.cookies = cookies;
    return o;
}

// After one handshake completed in pull mode: one connection waits for
// accept(), none is half-open, and the counters agree with listener_stats().
void check_one_waiting_for_accept(const tcp::Stack& srv) {
    REQUIRE(srv.listener_stats(kPort).has_value());
    CHECK(srv.listener_stats(kPort)->accept_queue == 1);
    CHECK(srv.listener_stats(kPort)->syn_queue == 0);
    CHECK(srv.counters().handshake.accept_queue == 1);
    CHECK(srv.counters().handshake.syn_queue == 0);
    CHECK(srv.counters().connections_opened_passive == 1);
    CHECK(srv.connection_count() == 1);
}

// accept() hands over the one waiting connection, established, for the
// client's tuple; then the accept queue is empty.
tcp::Connection& accept_the_one(tcp::Stack& srv, const net::FourTuple& client_tuple) {
    tcp::Connection* c = srv.accept(kPort);
    REQUIRE(c != nullptr);
    CHECK(c->state() == State::established);
    CHECK(c->tuple() == peer_view(client_tuple));
    CHECK(srv.accept(kPort) == nullptr);  // only one was waiting
    CHECK(srv.listener_stats(kPort)->accept_queue == 0);
    CHECK(srv.counters().handshake.accept_queue == 0);
    return *c;
}

template <class Array, class Enum>
std::uint64_t at(const Array& a, Enum e) {
    return a[static_cast<std::size_t>(e)];
}
template <class Array>
std::uint64_t sum(const Array& a) {
    return std::accumulate(a.begin(), a.end(), std::uint64_t{0});
}

// Does the trace entry belong to the connection `t` (as the client names it)?
bool on_tuple(const TraceEntry& e, const net::FourTuple& t) {
    return (e.src_ip == t.local_ip && e.src_port == t.local_port && e.dst_ip == t.remote_ip &&
            e.dst_port == t.remote_port) ||
           (e.src_ip == t.remote_ip && e.src_port == t.remote_port && e.dst_ip == t.local_ip &&
            e.dst_port == t.local_port);
}

// The segments of one connection in exchange() notation: sequence numbers
// relative to each side's first SYN on this tuple; drops listed with their fate
// when include_dropped.
Lines dialogue(const SimNetwork& net, const net::FourTuple& t, bool include_dropped = false) {
    std::optional<net::SeqNum> isn_c, isn_s;
    for (const TraceEntry& e : net.trace()) {
        if (!on_tuple(e, t) || !e.has(flag::syn)) continue;
        const bool from_client = e.src_port == t.local_port && e.src_ip == t.local_ip;
        auto& isn = from_client ? isn_c : isn_s;
        if (!isn) isn = e.seq;
    }
    Lines out;
    for (const TraceEntry& e : net.trace()) {
        if (!on_tuple(e, t) || (e.dropped() && !include_dropped)) continue;
        const bool from_client = e.src_port == t.local_port && e.src_ip == t.local_ip;
        const auto& mine = from_client ? isn_c : isn_s;
        const auto& theirs = from_client ? isn_s : isn_c;
        std::string s = std::string(from_client ? "client>server" : "server>client") + " [" +
                        flags_string(e.flags) + "] seq=" +
                        std::to_string(mine ? static_cast<std::uint32_t>(e.seq - *mine) : e.seq.raw());
        if (e.has(flag::ack))
            s += " ack=" + std::to_string(theirs ? static_cast<std::uint32_t>(e.ack - *theirs) : e.ack.raw());
        s += " len=" + std::to_string(e.len);
        if (e.dropped()) s += " (" + std::string(to_string(e.fate)) + ")";
        out.push_back(s);
    }
    return out;
}

std::size_t count(const SimNetwork& net, const std::function<bool(const TraceEntry&)>& pred) {
    return static_cast<std::size_t>(std::count_if(net.trace().begin(), net.trace().end(), pred));
}

bool any_rst(const SimNetwork& net) {
    return count(net, [](const TraceEntry& e) { return e.has(flag::rst); }) != 0;
}

// The client app of the request/response tests: sends `request` once
// established and closes once the whole echo is back.
void request_then_close(SimApp& client, std::function<std::vector<std::uint8_t>(AppConn&)> request_of) {
    client.on_established_hook = [request_of](SimApp& app, AppConn& c) {
        const auto r = request_of(c);
        c.user = r.size();
        app.send(c, r);
    };
    client.on_data_hook = [](SimApp& app, AppConn& c) {
        if (c.user != 0 && c.received.size() == c.user) app.close(c);
    };
}

}  // namespace

// ---------------------------------------------------------------- S09

TEST_CASE("S09 pull mode: the handshake completes in the stack, the connection waits for accept()",
          "[sim][S09][listener]") {
    TwoStacks t;
    PullHandler pull(t.net);
    REQUIRE(t.server.listen(kPort, pull_options(pull, 16, 16)));
    t.client.close_on_peer_closed = true;
    AppConn* a = t.client.connect(t.net.ip(t.s), kPort);
    REQUIRE(a != nullptr);
    t.net.run_for(500ms);
    INFO(t.report());

    CHECK(a->established);
    CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED"});
    CHECK(t.server_states(*a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    CHECK(t.net.exchange() == Lines{
        "client>server [S] seq=0 len=0",
        "server>client [S.] seq=0 ack=1 len=0",
        "client>server [.] seq=1 ack=1 len=0",
    });
    check_one_waiting_for_accept(t.net.stack(t.s));
    REQUIRE(pull.calls.size() == 1);
    CHECK(pull.calls[0] == std::pair{t.net.start() + 3ms, kPort});  // when the final ACK arrived
    CHECK(t.server.conns().empty());  // no on_established in pull mode

    AppConn& s = t.server.adopt(accept_the_one(t.net.stack(t.s), a->tuple));
    t.server.echo = true;
    const auto request = pseudo_random_bytes(9, 300);
    t.client.send(*a, request);
    t.net.run_for(50ms);
    CHECK(s.received == request);
    CHECK(a->received == request);
    t.server.close(s);
    CHECK(t.net.run_until_idle(2s));
    CHECK(a->close_reason == CloseReason::normal);
    CHECK(s.close_reason == CloseReason::normal);
    CHECK(t.server_states(*a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT",
                                       "CLOSED"});
    CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"});
    CHECK_FALSE(any_rst(t.net));
    CHECK(t.net.tracer().anomalies().empty());
    CHECK(t.net.malformed() == 0);
}

TEST_CASE("S09 pull mode: data sent before accept() waits in the connection's receive buffer",
          "[sim][S09][listener]") {
    TwoStacks t;
    PullHandler pull(t.net);
    REQUIRE(t.server.listen(kPort, pull_options(pull, 16, 16)));
    const auto request = pseudo_random_bytes(9, 300);
    t.client.on_established_hook = [&](SimApp& app, AppConn& c) { app.send(c, request); };
    t.client.close_on_peer_closed = true;
    AppConn* a = t.client.connect(t.net.ip(t.s), kPort);
    REQUIRE(a != nullptr);
    t.net.run_for(500ms);
    INFO(t.report());

    // The handshake completed without the application.
    CHECK(a->established);
    CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED"});
    CHECK(t.server_states(*a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    // The data rides in the third segment and is acknowledged by the stack.
    CHECK(t.net.exchange() == Lines{
        "client>server [S] seq=0 len=0",
        "server>client [S.] seq=0 ack=1 len=0",
        "client>server [P.] seq=1 ack=1 len=300",
        "server>client [.] seq=1 ack=301 len=0",
    });
    check_one_waiting_for_accept(t.net.stack(t.s));
    CHECK(t.net.stack(t.s).counters().handshake.synacks_from_queue == 1);
    REQUIRE(pull.calls.size() == 1);
    CHECK(pull.calls[0].second == kPort);
    CHECK(pull.calls[0].first == t.net.start() + 3ms);  // when the final ACK arrived
    // Nothing reached the application's connection handler before accept():
    // no on_established, no on_data (the data waits in the receive buffer).
    for (AppConn& early : t.server.conns())
        for (const std::string& ev : early.events) UNSCOPED_INFO("server handler got before accept(): " << ev);
    CHECK(t.server.conns().empty());

    // The application accepts at 500 ms.
    tcp::Connection& c = accept_the_one(t.net.stack(t.s), a->tuple);
    auto pieces = c.received();
    CHECK(pieces.first.size() + pieces.second.size() == request.size());
    AppConn& s = t.server.adopt(c);
    CHECK(t.server.drain(s) == request.size());
    CHECK(s.received == request);

    // Echo and close.
    t.server.send(s, s.received);
    t.server.close(s);
    CHECK(t.net.run_until_idle(2s));
    CHECK(a->received == request);
    CHECK(a->close_reason == CloseReason::normal);
    CHECK(s.close_reason == CloseReason::normal);
    CHECK(t.client_states(*a).back() == "CLOSED");
    CHECK(t.server_states(*a).back() == "CLOSED");
    CHECK_FALSE(any_rst(t.net));
    CHECK(t.net.tracer().anomalies().empty());
    CHECK(t.net.malformed() == 0);
}

// ---------------------------------------------------------------- S12

TEST_CASE("S12 the SYN queue and the accept queue are bounded and observable", "[sim][S12][listener]") {
    constexpr std::uint32_t N = 3;  // syn_backlog
    constexpr std::uint32_t M = 2;  // backlog
    TwoStacks t;
    PullHandler pull(t.net);
    REQUIRE(t.server.listen(kPort, pull_options(pull, N, M, tcp::SynCookieMode::off)));
    std::set<std::uint16_t> held;  // client ports whose final ACK the network drops
    bool holding = true;
    t.net.set_drop_filter([&](const TraceEntry& e) {
        return holding && e.from == t.c && !e.has(flag::syn) && held.count(e.src_port) != 0;
    });

    // M + 1 handshakes that complete: M fill the accept queue, the last finds it
    // full and stays half-open (S14's drop_ack), so it also takes a SYN-queue slot.
    std::vector<AppConn*> clients;
    for (std::uint32_t i = 0; i < M + 1; ++i) clients.push_back(t.client.connect(t.net.ip(t.s), kPort));
    t.net.run_for(10ms);
    // N + 1 more whose final ACK is dropped: N - 1 fill the SYN queue, 2 find it full.
    for (std::uint32_t i = 0; i < N + 1; ++i) {
        clients.push_back(t.client.connect(t.net.ip(t.s), kPort));
        held.insert(clients.back()->tuple.local_port);
    }
    t.net.run_for(50ms);
    INFO(t.report());
    for (AppConn* c : clients) REQUIRE(c != nullptr);

    const auto& srv = t.net.stack(t.s);
    const auto stats = *srv.listener_stats(kPort);
    CHECK(stats.syn_queue == N);
    CHECK(stats.syn_backlog == N);
    CHECK(stats.accept_queue == M);
    CHECK(stats.backlog == M);
    const auto& hs = srv.counters().handshake;
    CHECK(hs.syn_queue == N);
    CHECK(hs.accept_queue == M);
    CHECK(srv.connection_count() == N + M);
    CHECK(srv.counters().in_state[static_cast<std::size_t>(State::syn_received)] == N);
    CHECK(srv.counters().in_state[static_cast<std::size_t>(State::established)] == M);
    CHECK(hs.syns_received == M + 1 + N + 1);
    CHECK(hs.synacks_from_queue == M + 1 + N - 1);
    CHECK(hs.syn_queue_overflows == 2);
    CHECK(at(srv.counters().dropped, SegmentDrop::syn_queue_full) == 2);
    CHECK(hs.accept_queue_overflows == 1);
    CHECK(at(srv.counters().dropped, SegmentDrop::accept_queue_full) == 1);
    CHECK(hs.synacks_from_cookie == 0);
    CHECK(pull.calls.size() == M);
    // Per connection: the first M established in the accept queue, then the
    // overflowed one and N - 1 held ones half-open, the last 2 never answered.
    for (std::uint32_t i = 0; i < M; ++i)
        CHECK(t.server_states(*clients[i]) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    for (std::uint32_t i = M; i < M + N; ++i)
        CHECK(t.server_states(*clients[i]) == Lines{"LISTEN", "SYN-RECEIVED"});
    for (std::uint32_t i = M + N; i < M + N + 2; ++i) {
        CHECK(t.client_states(*clients[i]) == Lines{"CLOSED", "SYN-SENT"});
        CHECK(dialogue(t.net, clients[i]->tuple) == Lines{"client>server [S] seq=0 len=0"});
    }
    CHECK_FALSE(any_rst(t.net));

    // Draining: the application accepts both; later everybody gets in.
    for (std::uint32_t i = 0; i < M; ++i) {
        tcp::Connection* c = t.net.stack(t.s).accept(kPort);
        REQUIRE(c != nullptr);
        t.server.adopt(*c);
    }
    CHECK(srv.listener_stats(kPort)->accept_queue == 0);
    CHECK(srv.counters().handshake.accept_queue == 0);
    pull.hook = [&](std::uint16_t port) {
        while (tcp::Connection* c = t.net.stack(t.s).accept(port)) t.server.adopt(*c);
    };
    holding = false;
    t.net.run_for(10s);
    for (AppConn* c : clients) CHECK(c->established);
    CHECK(t.server.conns().size() == clients.size());
    CHECK(srv.listener_stats(kPort)->syn_queue == 0);
    CHECK(srv.listener_stats(kPort)->accept_queue == 0);
    CHECK(srv.counters().handshake.syn_queue == 0);
    CHECK(srv.counters().handshake.accept_queue == 0);
    CHECK(srv.connection_count() == clients.size());
    CHECK_FALSE(any_rst(t.net));
}

// ---------------------------------------------------------------- S13

TEST_CASE("S13 SYN queue full, cookies on_overflow: the extra SYNs get cookie SYN-ACKs and connect",
          "[sim][S13][listener][cookies]") {
    constexpr std::uint32_t N = 2, K = 3;
    TwoStacks t;
    tcp::ListenOptions o;
    o.syn_backlog = N;
    o.cookies = tcp::SynCookieMode::on_overflow;
    t.server.echo = true;
    t.server.close_on_peer_closed = true;
    REQUIRE(t.server.listen(kPort, o));
    std::set<std::uint16_t> held;
    bool holding = true;
    t.net.set_drop_filter([&](const TraceEntry& e) {
        return holding && e.from == t.c && !e.has(flag::syn) && held.count(e.src_port) != 0;
    });

    std::vector<AppConn*> first;
    for (std::uint32_t i = 0; i < N; ++i) {
        first.push_back(t.client.connect(t.net.ip(t.s), kPort));
        held.insert(first.back()->tuple.local_port);
    }
    t.net.run_for(10ms);
    REQUIRE(t.net.stack(t.s).listener_stats(kPort)->syn_queue == N);

    request_then_close(t.client, [](AppConn& c) { return pseudo_random_bytes(c.tuple.local_port, 700); });
    std::vector<AppConn*> extra;
    for (std::uint32_t i = 0; i < K; ++i) extra.push_back(t.client.connect(t.net.ip(t.s), kPort));
    t.net.run_for(200ms);
    INFO(t.report());

    const auto& srv = t.net.stack(t.s);
    const auto& hs = srv.counters().handshake;
    CHECK(hs.syns_received == N + K);
    CHECK(hs.synacks_from_queue == N);
    CHECK(hs.syn_queue_overflows == K);
    CHECK(hs.synacks_from_cookie == K);
    CHECK(hs.cookies_validated == K);
    CHECK(hs.cookies_bad_hash == 0);
    CHECK(hs.cookies_stale == 0);
    CHECK(at(srv.counters().dropped, SegmentDrop::syn_queue_full) == 0);
    CHECK(srv.listener_stats(kPort)->syn_queue == N);  // the held ones, all along
    CHECK(hs.syn_queue == N);
    for (AppConn* a : extra) {
        CHECK(a->established);
        CHECK(a->received == pseudo_random_bytes(a->tuple.local_port, 700));
        CHECK(a->close_reason == CloseReason::normal);
        // The cookie SYN-ACK is indistinguishable on the wire: same dialogue as
        // a queued handshake, the request riding in the third segment.
        const Lines d = dialogue(t.net, a->tuple);
        REQUIRE(d.size() >= 3);
        CHECK(Lines(d.begin(), d.begin() + 3) == Lines{
            "client>server [S] seq=0 len=0",
            "server>client [S.] seq=0 ack=1 len=0",
            "client>server [P.] seq=1 ack=1 len=700",
        });
        CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT"});
    }
    CHECK_FALSE(any_rst(t.net));
    CHECK(sum(srv.counters().rst_sent) == 0);

    // The held ones complete once their ACKs get through (SYN-ACK retransmission at 1 s).
    holding = false;
    t.net.run_for(2s);
    for (AppConn* a : first) {
        CHECK(a->established);
        CHECK(t.server_states(*a) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    }
    CHECK(srv.listener_stats(kPort)->syn_queue == 0);
    CHECK(hs.syn_queue == 0);
    CHECK_FALSE(any_rst(t.net));
    CHECK(t.net.malformed() == 0);
}

TEST_CASE("S13 SYN queue full, cookies off: the extra SYNs are dropped silently and connect after the queue drains",
          "[sim][S13][listener]") {
    constexpr std::uint32_t N = 2, K = 2;
    TwoStacks t;
    tcp::ListenOptions o;
    o.syn_backlog = N;
    o.cookies = tcp::SynCookieMode::off;
    t.server.echo = true;
    t.server.close_on_peer_closed = true;
    REQUIRE(t.server.listen(kPort, o));
    // The first N clients' final ACKs (and SYN-ACK answers) are dropped until 2 s.
    std::set<std::uint16_t> held;
    t.net.set_drop_filter([&](const TraceEntry& e) {
        return e.at < t.net.start() + 2s && e.from == t.c && !e.has(flag::syn) && held.count(e.src_port) != 0;
    });
    std::vector<AppConn*> first;
    for (std::uint32_t i = 0; i < N; ++i) {
        first.push_back(t.client.connect(t.net.ip(t.s), kPort));
        held.insert(first.back()->tuple.local_port);
    }
    t.net.run_for(10ms);
    request_then_close(t.client, [](AppConn& c) { return pseudo_random_bytes(c.tuple.local_port, 500); });
    std::vector<AppConn*> extra;
    for (std::uint32_t i = 0; i < K; ++i) extra.push_back(t.client.connect(t.net.ip(t.s), kPort));
    t.net.run_for(50ms);
    INFO(t.report());

    const auto& srv = t.net.stack(t.s);
    CHECK(at(srv.counters().dropped, SegmentDrop::syn_queue_full) == K);
    CHECK(srv.counters().handshake.syn_queue_overflows == K);
    CHECK(srv.counters().handshake.synacks_from_cookie == 0);
    CHECK(srv.listener_stats(kPort)->syn_queue == N);
    CHECK(srv.connection_count() == N);
    for (AppConn* a : extra) {
        CHECK(t.client_states(*a) == Lines{"CLOSED", "SYN-SENT"});
        CHECK(dialogue(t.net, a->tuple) == Lines{"client>server [S] seq=0 len=0"});
    }

    // Their first SYN retransmission (1 s) still meets a full queue.
    t.net.run_until(t.net.start() + 1500ms);
    CHECK(at(srv.counters().dropped, SegmentDrop::syn_queue_full) == 2 * K);
    for (AppConn* a : extra) CHECK_FALSE(a->established);

    // At 3.001 s the server's second SYN-ACK retransmission gets the held
    // clients' ACKs through (the filter ended at 2 s): the queue drains, and the
    // extra clients' second SYN retransmission (3.010 s) gets in.
    t.net.run_until(t.net.start() + 5s);
    for (AppConn* a : first) CHECK(a->established);
    CHECK(srv.listener_stats(kPort)->syn_queue == 0);
    CHECK(at(srv.counters().dropped, SegmentDrop::syn_queue_full) == 2 * K);
    for (AppConn* a : extra) {
        CHECK(a->established);
        CHECK(a->received == pseudo_random_bytes(a->tuple.local_port, 500));
        CHECK(a->close_reason == CloseReason::normal);
        const Lines d = dialogue(t.net, a->tuple);
        REQUIRE(d.size() >= 6);
        CHECK(Lines(d.begin(), d.begin() + 5) == Lines{
            "client>server [S] seq=0 len=0",
            "client>server [S] seq=0 len=0",
            "client>server [S] seq=0 len=0",
            "server>client [S.] seq=0 ack=1 len=0",
            "client>server [P.] seq=1 ack=1 len=500",
        });
        // SYNs at 10 ms, 1.010 s and 3.010 s (RFC 6298 backoff).
        std::vector<tcp::Duration> syn_times;
        for (const TraceEntry& e : t.net.trace())
            if (on_tuple(e, a->tuple) && e.has(flag::syn) && !e.has(flag::ack))
                syn_times.push_back(e.sent_at - t.net.start());
        CHECK(syn_times == std::vector<tcp::Duration>{10ms, 1010ms, 3010ms});
    }
    // Never a RST (S13).
    CHECK_FALSE(any_rst(t.net));
    CHECK(sum(srv.counters().rst_sent) == 0);
    CHECK(t.net.malformed() == 0);
}

// ---------------------------------------------------------------- S14

TEST_CASE("S14 accept queue full, drop_ack: the final ACK is ignored, the SYN-ACK retransmitted, the retry completes",
          "[sim][S14][listener]") {
    TwoStacks t;
    PullHandler pull(t.net);
    REQUIRE(t.server.listen(kPort, pull_options(pull, 16, 1)));
    AppConn* a1 = t.client.connect(t.net.ip(t.s), kPort);
    t.net.run_for(10ms);
    AppConn* a2 = t.client.connect(t.net.ip(t.s), kPort);
    t.net.run_for(50ms);
    INFO(t.report());
    REQUIRE(a1 != nullptr);
    REQUIRE(a2 != nullptr);

    const auto& srv = t.net.stack(t.s);
    CHECK(a1->established);
    CHECK(a2->established);  // the client cannot tell
    CHECK(t.server_states(*a1) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    CHECK(t.server_states(*a2) == Lines{"LISTEN", "SYN-RECEIVED"});
    CHECK(srv.listener_stats(kPort)->accept_queue == 1);
    CHECK(srv.listener_stats(kPort)->syn_queue == 1);
    CHECK(srv.counters().handshake.accept_queue_overflows == 1);
    CHECK(at(srv.counters().dropped, SegmentDrop::accept_queue_full) == 1);
    CHECK(pull.calls.size() == 1);

    // The SYN-ACK is retransmitted at 1.011 s and the repeated ACK ignored again.
    t.net.run_until(t.net.start() + 1500ms);
    CHECK(t.server_states(*a2) == Lines{"LISTEN", "SYN-RECEIVED"});
    CHECK(srv.counters().handshake.accept_queue_overflows == 2);
    CHECK(at(srv.counters().dropped, SegmentDrop::accept_queue_full) == 2);

    // The application accepts the first at 1.5 s; the next retry (3.011 s) completes.
    tcp::Connection* c1 = t.net.stack(t.s).accept(kPort);
    REQUIRE(c1 != nullptr);
    t.server.adopt(*c1);
    CHECK(srv.listener_stats(kPort)->accept_queue == 0);
    t.net.run_until(t.net.start() + 3500ms);
    CHECK(t.server_states(*a2) == Lines{"LISTEN", "SYN-RECEIVED", "ESTABLISHED"});
    CHECK(*t.trace(t.s, peer_view(a2->tuple)).entered(State::established) == t.net.start() + 3013ms);
    CHECK(srv.listener_stats(kPort)->accept_queue == 1);
    CHECK(srv.listener_stats(kPort)->syn_queue == 0);
    CHECK(pull.calls.size() == 2);
    CHECK(srv.counters().handshake.accept_queue_overflows == 2);
    CHECK(dialogue(t.net, a2->tuple) == Lines{
        "client>server [S] seq=0 len=0",
        "server>client [S.] seq=0 ack=1 len=0",
        "client>server [.] seq=1 ack=1 len=0",   // ignored: accept queue full
        "server>client [S.] seq=0 ack=1 len=0",  // 1.011 s
        "client>server [.] seq=1 ack=1 len=0",   // ignored again
        "server>client [S.] seq=0 ack=1 len=0",  // 3.011 s
        "client>server [.] seq=1 ack=1 len=0",   // completes
    });

    // Accepted, it works as any connection.
    tcp::Connection* c2 = t.net.stack(t.s).accept(kPort);
    REQUIRE(c2 != nullptr);
    AppConn& s2 = t.server.adopt(*c2);
    t.server.echo = true;
    const auto x = pseudo_random_bytes(14, 900);
    t.client.send(*a2, x);
    t.net.run_for(100ms);
    CHECK(a2->received == x);
    CHECK(s2.received == x);
    CHECK_FALSE(any_rst(t.net));
    CHECK(sum(srv.counters().rst_sent) == 0);
}

TEST_CASE("S14 accept queue full, accept_overflow = reset: the final ACK is answered by RST",
          "[sim][S14][listener]") {
    TwoStacks t;
    PullHandler pull(t.net);
    tcp::ListenOptions o = pull_options(pull, 16, 1);
    o.accept_overflow = tcp::AcceptOverflow::reset;
    REQUIRE(t.server.listen(kPort, o));
    AppConn* a1 = t.client.connect(t.net.ip(t.s), kPort);
    t.net.run_for(10ms);
    AppConn* a2 = t.client.connect(t.net.ip(t.s), kPort);
    t.net.run_for(50ms);
    INFO(t.report());
    REQUIRE(a1 != nullptr);
    REQUIRE(a2 != nullptr);

    const auto& srv = t.net.stack(t.s);
    CHECK(a1->established);
    CHECK_FALSE(a1->closed);
    // The client believed it was established until the RST came.
    CHECK(a2->closed);
    CHECK(a2->close_reason == CloseReason::reset_by_peer);
    CHECK(t.client_states(*a2) == Lines{"CLOSED", "SYN-SENT", "ESTABLISHED", "CLOSED"});
    CHECK(t.server_states(*a2) == Lines{"LISTEN", "SYN-RECEIVED", "CLOSED"});
    CHECK(dialogue(t.net, a2->tuple) == Lines{
        "client>server [S] seq=0 len=0",
        "server>client [S.] seq=0 ack=1 len=0",
        "client>server [.] seq=1 ack=1 len=0",
        "server>client [R.] seq=1 ack=1 len=0",
    });
    CHECK(at(srv.counters().rst_sent, tcp::RstSent::accept_overflow) == 1);
    CHECK(sum(srv.counters().rst_sent) == 1);
    CHECK(at(srv.counters().closed, CloseReason::accept_overflow) == 1);
    CHECK(srv.counters().handshake.accept_queue_overflows == 1);
    CHECK(at(srv.counters().dropped, SegmentDrop::accept_queue_full) == 0);
    CHECK(at(t.net.stack(t.c).counters().rst_received, tcp::RstReceived::accepted) == 1);
    CHECK(srv.listener_stats(kPort)->accept_queue == 1);
    CHECK(srv.listener_stats(kPort)->syn_queue == 0);
    CHECK(srv.counters().handshake.syn_queue == 0);
    CHECK(srv.connection_count() == 1);
    CHECK(pull.calls.size() == 1);
}

// ---------------------------------------------------------------- S16

namespace {

// Per direction, the largest amount of data sent but not yet received, sampled
// at every step: a lower bound of the sender's flight, so a value above W
// proves the sender read the peer's window as larger than W.
struct FlightProbe {
    std::uint32_t client_to_server = 0, server_to_client = 0;
    void sample(const tcp::Connection* c, const tcp::Connection* s) {
        if (!c || !s) return;
        client_to_server = std::max<std::uint32_t>(client_to_server, static_cast<std::uint32_t>(
                                                       std::max(0, c->snd_nxt() - s->rcv_nxt())));
        server_to_client = std::max<std::uint32_t>(server_to_client, static_cast<std::uint32_t>(
                                                       std::max(0, s->snd_nxt() - c->rcv_nxt())));
    }
};

struct CookieRun {
    TwoStacks t;
    AppConn* a = nullptr;
    AppConn* srv = nullptr;
    FlightProbe flight;
    std::vector<std::uint8_t> request;

    CookieRun(const tcp::StackConfig& client_cfg, const tcp::StackConfig& server_cfg, std::size_t bytes)
        : t(client_cfg, server_cfg), request(pseudo_random_bytes(16, bytes)) {
        tcp::ListenOptions o;
        o.cookies = tcp::SynCookieMode::always;
        t.server.echo = true;
        t.server.close_on_peer_closed = true;
        REQUIRE(t.server.listen(kPort, o));
        request_then_close(t.client, [this](AppConn&) { return request; });
        a = t.client.connect(t.net.ip(t.s), kPort);
        REQUIRE(a != nullptr);
        t.net.run_until(
            [&] {
                if (!t.server.conns().empty()) srv = &t.server.conn(0);
                flight.sample(a->conn, srv ? srv->conn : nullptr);
                return a->closed;
            },
            30s);
        t.net.run_until_idle(2s);
    }
    const TraceEntry& first(NodeId from, std::uint8_t flags) {
        for (const TraceEntry& e : t.net.trace())
            if (e.from == from && e.flags == flags) return e;
        FAIL("no such segment");
        throw;
    }
    // Window fields and largest payload of the segments `from` sent after the handshake.
    std::set<std::uint16_t> windows(NodeId from) {
        std::set<std::uint16_t> w;
        for (const TraceEntry& e : t.net.trace())
            if (e.from == from && !e.has(flag::syn) && !e.has(flag::rst) && !e.has(flag::fin)) w.insert(e.window);
        return w;
    }
    std::uint32_t max_len(NodeId from) {
        std::uint32_t m = 0;
        for (const TraceEntry& e : t.net.trace())
            if (e.from == from) m = std::max(m, e.len);
        return m;
    }
    bool all_timestamped(NodeId from) {
        for (const TraceEntry& e : t.net.trace())
            if (e.from == from && !e.has(flag::rst) && !e.options.timestamps) return false;
        return true;
    }
};

tcp::StackConfig sack_config() {
    tcp::StackConfig c = small_config();
    c.sack_permitted = true;
    return c;
}

}  // namespace

TEST_CASE("S16 cookies always, client with timestamps: window scale and SACK come back through the cookie",
          "[sim][S16][S15][cookies]") {
    // 256 KiB receive buffers: window scale 3, so a full window reads 32768 in
    // the header (262144 >> 3) and means 256 KiB; unscaled it would mean 32 KiB.
    CookieRun r(sack_config(), sack_config(), 300 * 1024);
    TwoStacks& t = r.t;
    INFO(t.net.dump(40));
    const auto& srv = t.net.stack(t.s);
    const auto& hs = srv.counters().handshake;
    CHECK(hs.synacks_from_cookie == 1);
    CHECK(hs.synacks_from_queue == 0);
    CHECK(hs.cookies_validated == 1);
    CHECK(hs.syn_queue == 0);
    CHECK(r.a->received == r.request);
    CHECK(r.a->close_reason == CloseReason::normal);
    REQUIRE(r.srv != nullptr);
    CHECK(r.srv->received == r.request);

    const TraceEntry& syn = r.first(t.c, flag::syn);
    CHECK(syn.options.mss == std::optional<std::uint16_t>(1460));
    CHECK(syn.options.window_scale == std::optional<std::uint8_t>(3));
    CHECK(syn.options.sack_permitted);
    REQUIRE(syn.options.timestamps);
    const TraceEntry& synack = r.first(t.s, flag::syn | flag::ack);
    CHECK(synack.options.mss == std::optional<std::uint16_t>(1460));
    CHECK(synack.options.window_scale == std::optional<std::uint8_t>(3));
    CHECK(synack.options.sack_permitted);
    REQUIRE(synack.options.timestamps);
    // The TSval's low 6 bits carry the client's options (syn_cookie.hpp):
    // window scale 3 and SACK-permitted (bit 4), no ECN.
    CHECK((synack.options.timestamps->value & tcp::cookie_ts_bits::mask) == (3u | tcp::cookie_ts_bits::sack));
    CHECK(synack.options.timestamps->echo == syn.options.timestamps->value);

    // The server rebuilt from the cookie: it scales its own windows (the full
    // 256 KiB buffer advertised as 32768 << 3) and uses timestamps...
    CHECK(r.windows(t.s).count(32768) == 1);
    CHECK(*r.windows(t.s).rbegin() <= 32768);
    CHECK(r.all_timestamped(t.s));
    CHECK(r.all_timestamped(t.c));
    // ...and reads the client's windows scaled: it had more than 32 KiB in
    // flight, which a window of 32768 unscaled would not allow.
    INFO("flight c->s " << r.flight.client_to_server << " s->c " << r.flight.server_to_client);
    CHECK(r.flight.server_to_client > 32768);
    CHECK(r.flight.client_to_server > 32768);
    // MSS 1460 from the table, minus 12 bytes of timestamp option per segment.
    CHECK(r.max_len(t.s) == 1448);
    CHECK_FALSE(any_rst(t.net));
}

TEST_CASE("S16 cookies always, client without timestamps: connects, but only the MSS survives",
          "[sim][S16][S15][cookies]") {
    tcp::StackConfig client_cfg = sack_config();
    client_cfg.timestamps = false;
    client_cfg.mss = 1400;  // the cookie's table gives 1300
    CookieRun r(client_cfg, sack_config(), 300 * 1024);
    TwoStacks& t = r.t;
    INFO(t.net.dump(40));
    const auto& hs = t.net.stack(t.s).counters().handshake;
    CHECK(hs.synacks_from_cookie == 1);
    CHECK(hs.cookies_validated == 1);
    CHECK(r.a->received == r.request);
    CHECK(r.a->close_reason == CloseReason::normal);

    const TraceEntry& syn = r.first(t.c, flag::syn);
    CHECK(syn.options.mss == std::optional<std::uint16_t>(1400));
    CHECK(syn.options.window_scale == std::optional<std::uint8_t>(3));
    CHECK(syn.options.sack_permitted);
    CHECK_FALSE(syn.options.timestamps);
    // The SYN-ACK carries only the MSS.
    const TraceEntry& synack = r.first(t.s, flag::syn | flag::ack);
    CHECK(synack.options.mss == std::optional<std::uint16_t>(1460));
    CHECK_FALSE(synack.options.window_scale);
    CHECK_FALSE(synack.options.sack_permitted);
    CHECK_FALSE(synack.options.timestamps);
    // No scaling either way: windows are the 16-bit value, at most 65535, and
    // neither side ever had more than 65535 bytes in flight.
    CHECK(*r.windows(t.s).rbegin() == 65535);
    CHECK(*r.windows(t.c).rbegin() == 65535);
    INFO("flight c->s " << r.flight.client_to_server << " s->c " << r.flight.server_to_client);
    CHECK(r.flight.server_to_client <= 65535);
    CHECK(r.flight.client_to_server <= 65535);
    // The server's segments are limited by the table MSS (1300), not the client's 1400.
    CHECK(r.max_len(t.s) == 1300);
    CHECK(r.max_len(t.c) == 1400);
    CHECK_FALSE(any_rst(t.net));
}

TEST_CASE("S16 an ACK flood of bad cookies: one check each, nothing allocated, RSTs within the per-core budget",
          "[sim][S16][cookies]") {
    TwoStacks t;
    tcp::ListenOptions o;
    o.cookies = tcp::SynCookieMode::always;
    t.server.echo = true;
    REQUIRE(t.server.listen(kPort, o));
    // One legitimate connection, open during the flood.
    AppConn* a = t.client.connect(t.net.ip(t.s), kPort);
    t.net.run_for(20ms);
    REQUIRE(a->established);

    const auto& srv = t.net.stack(t.s);
    const auto before = srv.counters();
    const std::size_t conns_before = srv.connection_count();
    const std::size_t trace_before = t.net.trace().size();
    const tcp::Instant flood_start = t.net.now();
    constexpr std::size_t kAcks = 20'000;
    std::mt19937_64 rng(1616);
    for (std::size_t i = 0; i < kAcks; ++i) {
        net::TcpHeader h;
        h.src_port = static_cast<std::uint16_t>(1024 + rng() % 64512);
        h.dst_port = kPort;
        h.seq = net::SeqNum(static_cast<std::uint32_t>(rng()));
        h.ack = net::SeqNum(static_cast<std::uint32_t>(rng()));
        h.flags = flag::ack;
        h.window = 512;
        if (i % 2) h.options.timestamps = net::TcpTimestamps{static_cast<std::uint32_t>(rng()),
                                                             static_cast<std::uint32_t>(rng())};
        const net::Ipv4Addr src{0x0a010000u | static_cast<std::uint32_t>(rng() & 0xffff)};  // 10.1.x.x
        t.net.inject_spoofed(t.c, src, t.net.ip(t.s), h);
        if (i % 1000 == 999) t.net.run_for(1ms);
    }
    t.net.run_for(10ms);
    const auto& after = srv.counters();
    const std::uint64_t stale = after.handshake.cookies_stale - before.handshake.cookies_stale;
    const std::uint64_t bad = after.handshake.cookies_bad_hash - before.handshake.cookies_bad_hash;
    std::printf("S16 ACK flood: %zu ACKs, %llu stale (no hash), %llu bad hash\n", kAcks,
                static_cast<unsigned long long>(stale), static_cast<unsigned long long>(bad));
    CHECK(stale + bad == kAcks);  // exactly one verdict per ACK
    CHECK(stale > 0);
    CHECK(bad > 0);
    CHECK(after.handshake.cookies_validated == before.handshake.cookies_validated);
    // RFC 9293 3.10.7.2 answers each with RST, but no more than the token
    // bucket allows: its burst, then its rate over the flood's virtual time.
    const std::uint64_t rsts = at(after.rst_sent, tcp::RstSent::bad_cookie) - at(before.rst_sent, tcp::RstSent::bad_cookie);
    const std::uint64_t limited =
        at(after.dropped, SegmentDrop::cookie_rst_limited) - at(before.dropped, SegmentDrop::cookie_rst_limited);
    const tcp::StackConfig defaults;
    const auto flood_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(t.net.now() - flood_start).count());
    std::printf("S16 ACK flood: %llu RSTs, %llu withheld\n", static_cast<unsigned long long>(rsts),
                static_cast<unsigned long long>(limited));
    CHECK(rsts + limited == kAcks);
    CHECK(rsts >= defaults.cookie_rst_burst);
    CHECK(rsts <= defaults.cookie_rst_burst + defaults.cookie_rst_rate * flood_ms / 1000 + 1);
    CHECK(srv.connection_count() == conns_before);
    CHECK(after.segments_out - before.segments_out == rsts);
    CHECK(sum(after.rst_sent) - sum(before.rst_sent) == rsts);
    std::size_t from_server = 0;
    for (std::size_t i = trace_before; i < t.net.trace().size(); ++i)
        if (t.net.trace()[i].from == t.s) {
            ++from_server;
            CHECK(t.net.trace()[i].flags == flag::rst);
        }
    CHECK(from_server == rsts);

    // The legitimate connection did not notice.
    const auto x = pseudo_random_bytes(161, 1000);
    t.client.send(*a, x);
    t.net.run_for(50ms);
    CHECK(a->received == x);
}

// ---------------------------------------------------------------- S17

TEST_CASE("S17 1,000,000 spoofed SYNs while 1,000 legitimate clients connect, send a request and read the response",
          "[sim][S17][cookies][flood]") {
    constexpr std::uint32_t kSynBacklog = 256;
    constexpr std::size_t kSpoofed = 1'000'000;
    constexpr std::size_t kClients = 1'000;
    constexpr int kFloodMs = 10'000;  // 100 spoofed SYNs per virtual millisecond
    constexpr std::size_t kPerMs = kSpoofed / kFloodMs;
    const auto wall_start = std::chrono::steady_clock::now();

    SimConfig sim;
    sim.seed = 17;
    sim.trace = false;  // no per-packet storage: the tap counts what the test needs
    SimNetwork net(sim);
    tcp::StackConfig scfg = small_config();
    scfg.max_connections = 4096;
    tcp::StackConfig ccfg = small_config();
    ccfg.max_connections = 4096;
    const NodeId c = net.add_stack("client", addr("10.0.0.1"), ccfg);
    const NodeId s = net.add_stack("server", addr("10.0.0.2"), scfg);
    const NodeId x = net.add_stack("attacker", addr("10.0.0.66"), small_config());  // only a link
    SimApp client(net, c), server(net, s);
    server.echo = true;
    server.close_on_peer_closed = true;
    tcp::ListenOptions o;
    o.syn_backlog = kSynBacklog;
    o.cookies = tcp::SynCookieMode::on_overflow;
    REQUIRE(server.listen(kPort, o));
    request_then_close(client, [](AppConn& a) { return pseudo_random_bytes(0x17000 + a.index, 100 + a.index % 400); });

    std::uint64_t rst_seen = 0, synacks_nowhere = 0, delivered_to_client = 0;
    net.set_tap([&](const TraceEntry& e) {
        if (e.has(flag::rst)) ++rst_seen;
        if (e.from == s && e.fate == Fate::no_route && e.has(flag::syn)) ++synacks_nowhere;
        if (e.to == c && !e.dropped()) ++delivered_to_client;
    });

    const tcp::Stack& srv = net.stack(s);
    const tcp::Stack& cli = net.stack(c);
    std::size_t max_conns = 0, max_syn_queue = 0, max_legit_in_flight = 0, samples = 0;
    bool bound_held = true;
    auto sample = [&] {
        ++samples;
        const std::size_t n = srv.connection_count();
        const std::size_t legit = cli.connection_count();  // a server-side legit connection has its client side
        max_conns = std::max(max_conns, n);
        max_legit_in_flight = std::max(max_legit_in_flight, legit);
        const auto st = *srv.listener_stats(kPort);
        max_syn_queue = std::max<std::size_t>(
            max_syn_queue, std::max<std::size_t>(st.syn_queue, static_cast<std::size_t>(srv.counters().handshake.syn_queue)));
        if (n > kSynBacklog + legit || st.syn_queue > kSynBacklog) bound_held = false;
    };

    std::mt19937_64 rng(0x5117);
    std::size_t injected = 0, started = 0;
    for (int ms = 0; ms < kFloodMs; ++ms) {
        for (std::size_t k = 0; k < kPerMs; ++k) {
            std::uint32_t src;
            do src = static_cast<std::uint32_t>(rng()); while ((src >> 24) == 10 || src == 0);
            const std::uint64_t r = rng();
            net::TcpHeader h;
            h.src_port = static_cast<std::uint16_t>(1024 + (r & 0xffff) % 64512);
            h.dst_port = kPort;
            h.seq = net::SeqNum(static_cast<std::uint32_t>(r >> 32));
            h.flags = flag::syn;
            h.window = 64240;
            h.options.mss = 1460;
            if (r & 0x10000) {  // half of them look like Linux: SACK, timestamps, window scale
                h.options.sack_permitted = true;
                h.options.timestamps = net::TcpTimestamps{static_cast<std::uint32_t>(r >> 17), 0};
                h.options.window_scale = 7;
            }
            net.inject_spoofed(x, net::Ipv4Addr{src}, net.ip(s), h);
            ++injected;
        }
        if (ms % 10 == 5 && started < kClients) {
            REQUIRE(client.connect(net.ip(s), kPort) != nullptr);
            ++started;
        }
        net.run_for(1ms);
        sample();
    }
    const bool done = net.run_until(
        [&] {
            sample();
            return client.closed_count() == kClients;
        },
        30s);
    const auto wall = std::chrono::steady_clock::now() - wall_start;

    std::size_t ok = 0;
    for (std::size_t i = 0; i < client.conns().size(); ++i) {
        AppConn& a = client.conn(i);
        if (a.close_reason == CloseReason::normal &&
            a.received == pseudo_random_bytes(0x17000 + a.index, 100 + a.index % 400))
            ++ok;
    }
    const auto& hs = srv.counters().handshake;
    std::printf(
        "S17 flood: %zu spoofed SYNs injected, %zu legitimate clients, %zu succeeded\n"
        "  server: syns_received %llu, SYN-ACKs from queue %llu, from cookie %llu, cookies validated %llu"
        " (bad hash %llu, stale %llu), SYN-queue overflows %llu, handshake timeouts %llu\n"
        "  max connection_count %zu (syn_backlog %u + max legitimate in flight %zu), max SYN queue %zu,"
        " %zu samples\n"
        "  SYN-ACKs into the void %llu, RSTs on the wire %llu\n"
        "  virtual time %.3f s, wall time %.2f s\n",
        injected, started, ok, static_cast<unsigned long long>(hs.syns_received),
        static_cast<unsigned long long>(hs.synacks_from_queue), static_cast<unsigned long long>(hs.synacks_from_cookie),
        static_cast<unsigned long long>(hs.cookies_validated), static_cast<unsigned long long>(hs.cookies_bad_hash),
        static_cast<unsigned long long>(hs.cookies_stale), static_cast<unsigned long long>(hs.syn_queue_overflows),
        static_cast<unsigned long long>(at(srv.counters().closed, CloseReason::handshake_timeout)), max_conns,
        kSynBacklog, max_legit_in_flight, max_syn_queue, samples, static_cast<unsigned long long>(synacks_nowhere),
        static_cast<unsigned long long>(rst_seen), std::chrono::duration<double>(net.elapsed()).count(),
        std::chrono::duration<double>(wall).count());

    CHECK(done);
    CHECK(injected == kSpoofed);
    CHECK(started == kClients);
    CHECK(ok == kClients);  // 100% of the legitimate clients
    CHECK(bound_held);
    CHECK(max_syn_queue <= kSynBacklog);
    CHECK(max_conns <= kSynBacklog + max_legit_in_flight);
    CHECK(hs.syns_received == kSpoofed + kClients);
    CHECK(hs.synacks_from_queue + hs.synacks_from_cookie == kSpoofed + kClients);
    CHECK(hs.syn_queue_overflows == hs.synacks_from_cookie);
    CHECK(hs.cookies_validated + hs.synacks_from_queue >= kClients);
    CHECK(hs.cookies_bad_hash == 0);
    CHECK(hs.cookies_stale == 0);
    CHECK(rst_seen == 0);
    CHECK(net.malformed() == 0);
    CHECK(at(srv.counters().dropped, SegmentDrop::no_connection_slot) == 0);

    // The spoofed half-open entries give their memory back when their SYN-ACK
    // retransmissions run out (1+2+4+8+16+32 s after the SYN).
    CHECK(net.run_until([&] { return srv.connection_count() == 0; }, 70s));
    CHECK(at(srv.counters().closed, CloseReason::handshake_timeout) == kSynBacklog);
    CHECK(srv.listener_stats(kPort)->syn_queue == 0);
    CHECK(hs.syn_queue == 0);
    CHECK(srv.counters().in_state[static_cast<std::size_t>(State::syn_received)] == 0);
}
