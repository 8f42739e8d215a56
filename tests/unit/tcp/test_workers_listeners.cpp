// Listeners across workers: every worker's stack listens on its own, with its
// own SYN queue and accept queue, and cookie keys derived from one master key,
// so a cookie one worker minted completes the handshake on any other.
#include <catch2/catch.hpp>

#include <algorithm>

#include "packet_script.hpp"

using namespace synline;
using namespace synline::test;

namespace {

struct CountingAccept : tcp::AcceptHandler {
    int calls = 0;
    void on_acceptable(std::uint16_t) override { ++calls; }
};

bool has_event(const RecordingHandler& h, const std::string& e) {
    return std::find(h.events.begin(), h.events.end(), e) != h.events.end();
}

// The cookie a worker's stack answers the peer's SYN with.
SeqNum cookie_of_synack(Harness& w) {
    tcp::ListenOptions o;
    o.cookies = tcp::SynCookieMode::always;
    REQUIRE(w.stack.listen(kLocalPort, w.app, o));
    w.send(syn());
    const auto sent = w.take();
    REQUIRE(sent.size() == 1);
    REQUIRE(sent[0].flags() == (SYN | ACK));
    return sent[0].seq();
}

}  // namespace

TEST_CASE("S15 a cookie minted by one worker's stack completes the handshake on another's", "[syn-cookie][workers]") {
    // Two workers of one process: stacks from the same secret, as the engine builds them.
    Harness minting, other;
    const SeqNum cookie = cookie_of_synack(minting);
    tcp::ListenOptions o;
    o.cookies = tcp::SynCookieMode::always;
    REQUIRE(other.stack.listen(kLocalPort, other.app, o));
    other.send(seg(ACK, P + 1, cookie + 1));
    CHECK(other.stack.counters().handshake.cookies_validated == 1);
    CHECK(has_event(other.app, "established"));
    CHECK(other.state() == tcp::State::established);
}

TEST_CASE("S15 a stack with another master key refuses that cookie", "[syn-cookie][workers]") {
    Harness minting;
    const SeqNum cookie = cookie_of_synack(minting);
    tcp::StackConfig cfg = test_config();
    cfg.syn_cookie_master_key = tcp::SipKey{1, 2};
    Harness stranger(cfg);
    tcp::ListenOptions o;
    o.cookies = tcp::SynCookieMode::always;
    REQUIRE(stranger.stack.listen(kLocalPort, stranger.app, o));
    stranger.send(seg(ACK, P + 1, cookie + 1));
    CHECK(stranger.stack.counters().handshake.cookies_bad_hash == 1);
    CHECK_FALSE(has_event(stranger.app, "established"));
}

TEST_CASE("S12 each worker's listener has its own queues; accept takes only its own", "[listener][workers]") {
    Harness w0, w1;
    CountingAccept pull0, pull1;
    tcp::ListenOptions o0, o1;
    o0.pull = &pull0;
    o1.pull = &pull1;
    REQUIRE(w0.stack.listen(kLocalPort, w0.app, o0));
    REQUIRE(w1.stack.listen(kLocalPort, w1.app, o1));
    w0.send(syn());
    const auto sent = w0.take();
    REQUIRE(sent.size() == 1);
    CHECK(w0.stack.listener_stats(kLocalPort)->syn_queue == 1);
    CHECK(w1.stack.listener_stats(kLocalPort)->syn_queue == 0);
    w0.send(seg(ACK, P + 1, sent[0].seq() + 1));
    CHECK(pull0.calls == 1);
    CHECK(pull1.calls == 0);
    CHECK(w1.stack.accept(kLocalPort) == nullptr);
    tcp::Connection* c = w0.stack.accept(kLocalPort);
    REQUIRE(c != nullptr);
    CHECK(c->tuple().remote_port == kRemotePort);
    CHECK(w0.stack.accept(kLocalPort) == nullptr);
}
