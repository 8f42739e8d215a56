// The congestion controllers (lib/tcp/congestion) driven by hand-made ACK
// samples, no connection and no EAL: slow start with ABC (RFC 3465) and
// HyStart++ (RFC 9406), NewReno's rules (RFC 5681), CUBIC (RFC 9438).
#include <catch2/catch.hpp>

#include <cmath>

#include "tcp/congestion/congestion_control.hpp"

using namespace synline;
using namespace synline::tcp;
using namespace std::chrono_literals;
using net::SeqNum;

namespace {

constexpr std::uint32_t kMss = 1000;

// Feeds ACKs of `per_ack` bytes, each at `now`, until `bytes` are acknowledged.
struct Driver {
    CongestionControl cc;
    Instant now{std::chrono::seconds(10)};
    SeqNum una{1};
    Duration rtt{0};   // the sample each ACK carries (0: none)
    Duration srtt{100ms};

    explicit Driver(CongestionAlgorithm a, std::uint32_t iw = 10 * kMss) : cc(a) { cc.start(kMss, iw); }
    void ack(std::uint32_t bytes) {
        una += bytes;
        cc.on_ack({bytes, now, rtt, srtt, una, una + cc.cwnd()}, cc.cwnd());  // the window was full
    }
    // One round trip: the whole window acknowledged a segment at a time, then time moves by srtt.
    void round() {
        const std::uint32_t w = cc.cwnd();
        for (std::uint32_t done = 0; done < w; done += kMss) ack(kMss);
        now = now + srtt;
    }
    double segments() const { return static_cast<double>(cc.cwnd()) / kMss; }
};

}  // namespace

TEST_CASE("congestion_control names: cubic and newreno, nothing else", "[congestion]") {
    CHECK(parse_congestion_algorithm("cubic") == CongestionAlgorithm::cubic);
    CHECK(parse_congestion_algorithm("newreno") == CongestionAlgorithm::newreno);
    CHECK_FALSE(parse_congestion_algorithm("reno"));
    CHECK_FALSE(parse_congestion_algorithm("CUBIC"));
    CHECK(to_string(CongestionAlgorithm::newreno) == "newreno");
    CHECK(CongestionControl().algorithm() == CongestionAlgorithm::cubic);
}

TEST_CASE("slow start grows by the bytes acknowledged, at most 2 SMSS per ACK (RFC 3465 2.2)",
          "[congestion][rfc3465][rfc5681-3.1]") {
    for (auto a : {CongestionAlgorithm::newreno, CongestionAlgorithm::cubic}) {
        INFO(to_string(a));
        Driver d(a);
        CHECK(d.cc.cwnd() == 10 * kMss);
        d.ack(kMss);
        CHECK(d.cc.cwnd() == 11 * kMss);
        d.ack(500);
        CHECK(d.cc.cwnd() == 11 * kMss + 500);
        d.ack(5 * kMss);  // a stretch ACK: L = 2
        CHECK(d.cc.cwnd() == 13 * kMss + 500);
        d.round();        // doubling per round trip
        CHECK(d.cc.cwnd() == 27 * kMss + 500);  // 14 ACKs of one segment
    }
}

TEST_CASE("the window does not grow while the sender leaves most of it unused (RFC 7661 4.3)",
          "[congestion][rfc7661]") {
    for (auto a : {CongestionAlgorithm::newreno, CongestionAlgorithm::cubic}) {
        INFO(to_string(a));
        CongestionControl cc(a);
        cc.start(kMss, 10 * kMss);
        cc.on_ack({kMss, Instant{}, Duration{0}, 100ms, SeqNum(1001), SeqNum(2001)}, 4 * kMss);
        CHECK(cc.cwnd() == 10 * kMss);  // 4 of 10 segments in flight: application-limited
        cc.on_ack({kMss, Instant{}, Duration{0}, 100ms, SeqNum(2001), SeqNum(7001)}, 5 * kMss);
        CHECK(cc.cwnd() == 11 * kMss);  // half the window in use: slow start goes on
    }
}

TEST_CASE("NewReno: congestion avoidance adds one SMSS per window of acknowledged bytes",
          "[congestion][newreno][rfc3465-2.1][rfc5681-3.1]") {
    Driver d(CongestionAlgorithm::newreno, 20 * kMss);
    d.cc.on_loss(d.now, 40 * kMss);  // ssthresh = cwnd = 20 SMSS
    REQUIRE(d.cc.ssthresh() == 20 * kMss);
    REQUIRE(d.cc.cwnd() == 20 * kMss);
    for (int i = 0; i < 19; ++i) d.ack(kMss);
    CHECK(d.cc.cwnd() == 20 * kMss);  // 19 of 20 segments' worth: not yet
    d.ack(kMss);
    CHECK(d.cc.cwnd() == 21 * kMss);
    for (int r = 0; r < 5; ++r) d.round();
    CHECK(d.cc.cwnd() == 26 * kMss);
}

TEST_CASE("NewReno: a loss halves the flight, a timeout restarts from one segment (RFC 5681 (4), 3.1)",
          "[congestion][newreno][rfc5681-3.1]") {
    Driver d(CongestionAlgorithm::newreno, 40 * kMss);
    d.cc.on_loss(d.now, 30 * kMss);
    CHECK(d.cc.ssthresh() == 15 * kMss);
    CHECK(d.cc.cwnd() == 15 * kMss);
    d.cc.on_loss(d.now, 3 * kMss);  // never below 2 SMSS
    CHECK(d.cc.ssthresh() == 2 * kMss);

    Driver t(CongestionAlgorithm::newreno, 40 * kMss);
    t.cc.on_timeout(20 * kMss, true);
    CHECK(t.cc.ssthresh() == 10 * kMss);
    CHECK(t.cc.cwnd() == kMss);
    t.cc.on_timeout(kMss, false);  // a backed-off timeout keeps ssthresh
    CHECK(t.cc.ssthresh() == 10 * kMss);
    CHECK(t.cc.cwnd() == kMss);
    t.ack(3 * kMss);  // slow start after a timeout: L = 1 (RFC 3465 2.3)
    CHECK(t.cc.cwnd() == 2 * kMss);
    t.cc.on_recovery_end(50 * kMss);  // RFC 6582 3.2 (3): min(ssthresh, flight + SMSS)
    CHECK(t.cc.cwnd() == 10 * kMss);
    t.cc.on_recovery_end(2 * kMss);
    CHECK(t.cc.cwnd() == 3 * kMss);
}

// CUBIC's own arithmetic, on a Window of its own, one round trip at a time.
struct CubicRun {
    Cubic c;
    Window w;
    Instant now{std::chrono::seconds(10)};
    Duration srtt{100ms};
    SeqNum una{1};

    explicit CubicRun(std::uint32_t segments) {
        w.mss = kMss;
        w.cwnd = segments * kMss;
        w.hystart.done = true;
    }
    void round() {
        const std::uint32_t wnd = w.cwnd;
        for (std::uint32_t done = 0; done < wnd; done += kMss) {
            una += kMss;
            c.on_ack(w, {kMss, now, Duration{0}, srtt, una, una + w.cwnd});
        }
        now = now + srtt;
    }
    double segments() const { return static_cast<double>(w.cwnd) / kMss; }
};

TEST_CASE("CUBIC: a loss sets W_max and ssthresh = 0.7 cwnd; K = cbrt((W_max - cwnd_epoch) / C) (RFC 9438 4.2, 4.6)",
          "[congestion][cubic][rfc9438-4.2][rfc9438-4.6]") {
    CubicRun r(100);
    r.c.on_loss(r.w, r.now, 100 * kMss);
    CHECK(r.w.ssthresh == 70 * kMss);
    CHECK(r.w.cwnd == 70 * kMss);
    CHECK(r.c.w_max() == Approx(100));
    CHECK_FALSE(r.c.epoch_started());
    r.round();  // the first ACK in congestion avoidance starts the epoch
    REQUIRE(r.c.epoch_started());
    CHECK(r.c.k() == Approx(std::cbrt(30.0 / 0.4)));  // about 4.22 s
    CHECK(r.c.w_cubic(r.c.k()) == Approx(100));       // the plateau is W_max
    CHECK(r.c.w_cubic(0) == Approx(70));
}

TEST_CASE("CUBIC: concave up to W_max, a plateau near it, convex beyond (RFC 9438 4.2)",
          "[congestion][cubic][rfc9438-4.2]") {
    // A long RTT so that the cubic curve, not the Reno estimate, governs.
    CubicRun r(1000);
    r.srtt = 200ms;
    r.c.on_loss(r.w, r.now, 1000 * kMss);
    const double k = std::cbrt(300.0 / 0.4);  // about 9.1 s
    std::vector<double> at;  // cwnd after each round trip
    for (int i = 0; i < 100; ++i) {
        r.round();
        at.push_back(r.segments());
    }
    const auto round_of = [&](double t) { return static_cast<std::size_t>(t / 0.2); };
    const std::size_t kr = round_of(k);
    // Concave: growth per round shrinks on the way up to W_max.
    CHECK(at[5] - at[4] > at[kr - 10] - at[kr - 11]);
    CHECK(at[kr - 10] - at[kr - 11] > at[kr - 2] - at[kr - 3]);
    // The plateau: within 1 % of W_max around t = K.
    CHECK(at[kr] == Approx(1000).epsilon(0.01));
    // Convex: growth per round grows again beyond it.
    CHECK(at[kr + 20] - at[kr + 19] > at[kr + 5] - at[kr + 4]);
    CHECK(at.back() > 1100);
    // Never more than 1.5x per round trip (RFC 9438 4.4 target bound).
    for (std::size_t i = 1; i < at.size(); ++i) CHECK(at[i] <= 1.5 * at[i - 1] + 1);
}

TEST_CASE("CUBIC: fast convergence releases W_max after a loss below the previous one (RFC 9438 4.7)",
          "[congestion][cubic][rfc9438-4.7]") {
    CubicRun r(100);
    r.c.on_loss(r.w, r.now, 100 * kMss);  // W_max 100, cwnd 70
    r.round();
    r.c.on_loss(r.w, r.now, r.w.cwnd);    // lost again below 100
    CHECK(r.c.w_max() < 70 * 1.0);
    CHECK(r.c.w_max() == Approx(r.segments() / 0.7 * (1 + 0.7) / 2).epsilon(0.02));
}

TEST_CASE("CUBIC: on a short RTT it grows as fast as Reno would (the Reno-friendly region, RFC 9438 4.3)",
          "[congestion][cubic][rfc9438-4.3]") {
    CubicRun r(100);
    r.srtt = 1ms;  // Reno's one segment per RTT outruns the cubic curve here
    r.c.on_loss(r.w, r.now, 100 * kMss);
    for (int i = 0; i < 20; ++i) r.round();
    // W_est = cwnd_epoch + alpha per round, alpha = 3 (1 - 0.7) / (1 + 0.7) = 0.529.
    CHECK(Cubic::kAlpha == Approx(0.5294).epsilon(0.001));
    CHECK(r.segments() == Approx(70 + 20 * Cubic::kAlpha).epsilon(0.02));
    CHECK(r.c.w_cubic(20 * 0.001) < r.segments());  // the cubic curve alone would be lower
    // Past W_max the estimate grows by a whole segment per round (alpha = 1).
    for (int i = 0; i < 60; ++i) r.round();
    const double before = r.segments();
    for (int i = 0; i < 10; ++i) r.round();
    CHECK(r.segments() - before == Approx(10).margin(1));
}

TEST_CASE("CUBIC: a timeout reduces as a loss does, then one segment and slow start (RFC 9438 4.8)",
          "[congestion][cubic][rfc9438-4.8]") {
    Driver d(CongestionAlgorithm::cubic, 100 * kMss);
    d.cc.on_timeout(100 * kMss, true);
    CHECK(d.cc.ssthresh() == 70 * kMss);
    CHECK(d.cc.cwnd() == kMss);
    CHECK(d.cc.in_slow_start());
}

TEST_CASE("HyStart++: a rise of the round's minimum RTT slows slow start to a quarter, then ends it (RFC 9406 4.2)",
          "[congestion][hystart][rfc9406]") {
    Driver d(CongestionAlgorithm::newreno, 16 * kMss);
    d.srtt = 20ms;
    d.rtt = 20ms;
    d.round();  // round 1: its minimum is 20 ms
    const std::uint32_t after_first = d.cc.cwnd();
    CHECK(after_first == 32 * kMss);
    d.rtt = 22500us;  // RttThresh is clamp(20/8 = 2.5 ms, 4, 16) = 4 ms: not enough
    d.round();
    CHECK(d.cc.cwnd() == 64 * kMss);
    d.rtt = 27ms;  // 27 >= 22.5 + 4: conservative slow start
    const std::uint32_t before_css = d.cc.cwnd();
    d.round();
    const std::uint32_t grown = d.cc.cwnd() - before_css;
    CHECK(grown < 64 * kMss / 2);  // well below doubling: a quarter after the first 8 samples
    CHECK(d.cc.in_slow_start());
    for (int i = 0; i < 6; ++i) d.round();
    CHECK_FALSE(d.cc.in_slow_start());  // CSS_ROUNDS later: ssthresh = cwnd, without a loss
    CHECK(d.cc.ssthresh() < d.cc.cwnd() + 1);
    CHECK(d.cc.window().hystart.done);
}

TEST_CASE("HyStart++: the RTT coming back down returns from CSS to slow start (RFC 9406 4.2)",
          "[congestion][hystart][rfc9406]") {
    Driver d(CongestionAlgorithm::newreno, 16 * kMss);
    d.srtt = 20ms;
    d.rtt = 20ms;
    d.round();
    d.rtt = 30ms;
    d.round();  // CSS from the ninth ACK of this round
    d.rtt = 10ms;
    const std::uint32_t w = d.cc.cwnd();
    d.round();
    d.round();
    CHECK(d.cc.cwnd() > 3 * w);  // doubling again
    CHECK(d.cc.in_slow_start());
}

TEST_CASE("a loss ends HyStart++: the next slow start is plain (RFC 9406 4.2)", "[congestion][hystart]") {
    Driver d(CongestionAlgorithm::newreno, 16 * kMss);
    d.cc.on_timeout(16 * kMss, true);
    CHECK(d.cc.window().hystart.done);
}
