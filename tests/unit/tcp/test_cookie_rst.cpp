// RFC 9293 3.10.7.2: an ACK that reaches a listening port is answered with
// <SEQ=SEG.ACK><CTL=RST>, also when the listener checks ACKs as SYN cookies
// and the cookie does not verify; and the per-core token bucket that keeps
// those RSTs from reflecting an ACK flood (tcp.cookie_rst_rate, _burst).
#include <catch2/catch.hpp>

#include "packet_script.hpp"
#include "tcp/listener.hpp"
#include "tcp/token_bucket.hpp"

using namespace synline;
using namespace synline::test;
using tcp::RstSent;
using tcp::SegmentDrop;
using tcp::TokenBucket;

namespace {

tcp::ListenOptions cookies_always() {
    tcp::ListenOptions o;
    o.cookies = tcp::SynCookieMode::always;
    return o;
}

}  // namespace

TEST_CASE("token bucket: starts full, refills at its rate, never holds more than its burst", "[token-bucket]") {
    Instant t{std::chrono::seconds(5)};
    TokenBucket b(10, 3, t);  // 10 per second, 3 at once
    CHECK(b.take(t));
    CHECK(b.take(t));
    CHECK(b.take(t));
    CHECK_FALSE(b.take(t));
    t = t + 99ms;  // a token takes 100 ms
    CHECK_FALSE(b.take(t));
    t = t + 1ms;
    CHECK(b.take(t));
    CHECK_FALSE(b.take(t));
    // Parts of a token add up across refills: 3 x 50 ms earn one token, and
    // the 50 ms left over count toward the next one.
    t = t + 50ms;
    CHECK_FALSE(b.take(t));
    t = t + 50ms;
    CHECK(b.take(t));
    t = t + 50ms;
    CHECK_FALSE(b.take(t));
    t = t + 50ms;
    CHECK(b.take(t));
    // A long pause fills it to the burst, no further.
    t = t + std::chrono::hours(10);
    for (int i = 0; i < 3; ++i) CHECK(b.take(t));
    CHECK_FALSE(b.take(t));
}

TEST_CASE("token bucket: time spent full earns nothing; rate 0 allows the burst once", "[token-bucket]") {
    Instant t{std::chrono::seconds(5)};
    TokenBucket b(10, 2, t);
    t = t + std::chrono::seconds(60);  // full all along
    CHECK(b.take(t));
    CHECK(b.take(t));
    CHECK_FALSE(b.take(t + 99ms));  // the refill started at the first take, not a minute ago
    CHECK(b.take(t + 100ms));

    TokenBucket none(0, 2, t);
    CHECK(none.take(t));
    CHECK(none.take(t));
    CHECK_FALSE(none.take(t + std::chrono::hours(1)));
}

TEST_CASE("S15 a bad cookie ACK to a listening port gets <SEQ=SEG.ACK><CTL=RST> and creates nothing",
          "[listen][cookies][rfc9293-3.10.7.2]") {
    Harness h;
    REQUIRE(h.stack.listen(kLocalPort, h.app, cookies_always()));
    SECTION("bare ACK") {
        h.send(seg(ACK, P + 1, SeqNum(0x12345678)));
        h.expect({{RST, SeqNum(0x12345678)}});
    }
    SECTION("ACK with data and timestamps") {
        h.send(seg(ACK | PSH, P + 1, SeqNum(77)).ts(5, 6).data("GET / HTTP/1.1\r\n"));
        h.expect({{RST, SeqNum(77)}});
    }
    CHECK(h.rst_sent(RstSent::bad_cookie) == 1);
    const auto& hs = h.stack.counters().handshake;
    CHECK(hs.cookies_bad_hash + hs.cookies_stale == 1);  // one check, one verdict
    CHECK(hs.cookies_validated == 0);
    CHECK(h.stack.connection_count() == 0);
    CHECK(h.app.events.empty());
}

TEST_CASE("S15 a valid cookie ACK still completes the handshake, no RST", "[listen][cookies][rfc9293-3.10.7.2]") {
    Harness h;
    REQUIRE(h.stack.listen(kLocalPort, h.app, cookies_always()));
    h.send(syn(P));
    auto out = h.take();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].flags() == (SYN | ACK));
    h.send(seg(ACK, P + 1, out[0].seq() + 1));
    h.expect_nothing();
    CHECK(h.app.events == std::vector<std::string>{"established"});
    CHECK(h.rst_sent(RstSent::bad_cookie) == 0);
    CHECK(h.stack.counters().handshake.cookies_validated == 1);
}

TEST_CASE("S16 bad cookie RSTs are limited per core by a token bucket, counted when it bites, and recover",
          "[listen][cookies][rfc9293-3.10.7.2]") {
    tcp::StackConfig cfg = test_config();
    cfg.cookie_rst_rate = 10;
    cfg.cookie_rst_burst = 3;
    Harness h(cfg);
    REQUIRE(h.stack.listen(kLocalPort, h.app, cookies_always()));
    auto flood = [&](int n) {
        for (int i = 0; i < n; ++i)
            h.send(seg(ACK, P + 1, SeqNum(1000 + static_cast<std::uint32_t>(i))).from_port(static_cast<std::uint16_t>(2000 + i)));
        return h.take().size();
    };
    CHECK(flood(5) == 3);  // the burst
    CHECK(h.rst_sent(RstSent::bad_cookie) == 3);
    CHECK(h.dropped(SegmentDrop::cookie_rst_limited) == 2);
    h.now = h.now + 100ms;  // one token
    CHECK(flood(2) == 1);
    CHECK(h.dropped(SegmentDrop::cookie_rst_limited) == 3);
    h.now = h.now + std::chrono::seconds(10);  // full again, no more than the burst
    CHECK(flood(4) == 3);
    CHECK(h.rst_sent(RstSent::bad_cookie) == 7);
    CHECK(h.dropped(SegmentDrop::cookie_rst_limited) == 4);
    // Each ACK was checked once, limited or not; nothing was created.
    const auto& hs = h.stack.counters().handshake;
    CHECK(hs.cookies_bad_hash + hs.cookies_stale == 11);
    CHECK(h.stack.connection_count() == 0);
}
