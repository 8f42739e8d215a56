#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "tcp/timer_wheel.hpp"

using namespace std::chrono_literals;
using synline::tcp::Duration;
using synline::tcp::Instant;
using synline::tcp::TimerNode;
using synline::tcp::TimerWheel;

namespace {

// The owner of a timer, found from its embedded node as the stack will do it.
// Tests declare their timers before the wheel: a timer still armed when the
// test ends must outlive the wheel, whose destructor unlinks it.
struct Timer {
    TimerNode node;
    int id = 0;
    int fired = 0;
    Instant fired_at{};
};

Timer& owner_of(TimerNode& node) {
    return *reinterpret_cast<Timer*>(reinterpret_cast<char*>(&node) - offsetof(Timer, node));
}

constexpr Instant kStart{std::chrono::hours(1000)};

Instant at(Duration d) { return kStart + d; }

// Records every expiry, in order.
struct Recorder {
    std::vector<int> ids;
    Instant now{};

    auto callback() {
        return [this](TimerNode& node) {
            Timer& timer = owner_of(node);
            CHECK_FALSE(node.armed());
            ++timer.fired;
            timer.fired_at = now;
            ids.push_back(timer.id);
        };
    }
    void advance(TimerWheel& wheel, Instant to) {
        now = to;
        wheel.advance(to, callback());
    }
};

}  // namespace

TEST_CASE("TimerWheel: timers fire in deadline order across levels", "[timer-wheel]") {
    TimerWheel wheel(kStart);
    const std::vector<Duration> deadlines = {5ms, 70ms, 3ms, 5s, 300s, 1ms, 2h, 4097ms, 64ms};
    std::vector<Timer> timers(deadlines.size());
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        timers[i].id = static_cast<int>(i);
        wheel.arm(timers[i].node, at(deadlines[i]));
    }
    Recorder recorder;
    recorder.advance(wheel, at(3h));
    CHECK(recorder.ids == std::vector<int>{5, 2, 0, 8, 1, 7, 3, 4, 6});
    CHECK(wheel.armed_count() == 0);
    CHECK(wheel.now() == at(3h));
}

TEST_CASE("TimerWheel: never early, at most one tick late", "[timer-wheel]") {
    TimerWheel wheel(kStart);
    const std::vector<Duration> deadlines = {1ms, 1500us, 2ms, 63ms, 64ms, 65ms, 999us, 4096ms, 4096001us};
    std::vector<Timer> timers(deadlines.size());
    for (std::size_t i = 0; i < deadlines.size(); ++i) wheel.arm(timers[i].node, at(deadlines[i]));

    Recorder recorder;
    for (Duration t = 0us; t <= 5s; t += 100us) recorder.advance(wheel, at(t));
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        INFO("deadline " << deadlines[i].count() << " ns");
        CHECK(timers[i].fired == 1);
        CHECK(timers[i].fired_at >= at(deadlines[i]));
        CHECK(timers[i].fired_at < at(deadlines[i]) + wheel.tick());
    }
}

TEST_CASE("TimerWheel: a timer due on a tick fires on the advance that reaches it", "[timer-wheel]") {
    Timer timer;
    TimerWheel wheel(kStart);
    wheel.arm(timer.node, at(10ms));
    Recorder recorder;
    recorder.advance(wheel, at(10ms - 1ns));
    CHECK(timer.fired == 0);
    recorder.advance(wheel, at(10ms));
    CHECK(timer.fired == 1);
}

TEST_CASE("TimerWheel: deadlines on level boundaries fire exactly on their tick", "[timer-wheel]") {
    // Ticks on either side of each level's span, armed from several wheel positions
    // (including just before a boundary) so that they land on different levels.
    const std::vector<std::uint64_t> ticks = {1,         2,          63,         64,          65,
                                              127,       128,        4095,       4096,        4097,
                                              262143,    262144,     262145,     16777215,    16777216,
                                              16777217,  1073741823, 1073741824, 68719476735, 68719476736,
                                              68719476737};
    const std::vector<std::uint64_t> arm_positions = {0, 1, 62, 63, 64, 4095, 262143};
    for (const std::uint64_t position : arm_positions) {
        for (const std::uint64_t tick : ticks) {
            if (tick <= position) continue;
            INFO("armed at tick " << position << ", due at tick " << tick);
            TimerWheel wheel(kStart);
            Recorder recorder;
            recorder.advance(wheel, at(position * 1ms));
            Timer timer;
            wheel.arm(timer.node, at(tick * 1ms));
            recorder.advance(wheel, at(tick * 1ms - 1ns));
            CHECK(timer.fired == 0);
            recorder.advance(wheel, at(tick * 1ms));
            CHECK(timer.fired == 1);
        }
    }
}

TEST_CASE("TimerWheel: cancel", "[timer-wheel]") {
    Timer kept, cancelled, never_armed;
    TimerWheel wheel(kStart);
    kept.id = 1;
    cancelled.id = 2;
    wheel.arm(kept.node, at(10ms));
    wheel.arm(cancelled.node, at(10ms));
    CHECK(wheel.armed_count() == 2);
    wheel.cancel(cancelled.node);
    CHECK_FALSE(cancelled.node.armed());
    CHECK(wheel.armed_count() == 1);
    wheel.cancel(cancelled.node);  // no-op when not armed
    wheel.cancel(never_armed.node);
    CHECK(wheel.armed_count() == 1);

    Recorder recorder;
    recorder.advance(wheel, at(1s));
    CHECK(recorder.ids == std::vector<int>{1});
}

TEST_CASE("TimerWheel: re-arming moves the deadline", "[timer-wheel]") {
    Timer timer;
    TimerWheel wheel(kStart);
    wheel.arm(timer.node, at(10ms));
    wheel.arm(timer.node, at(500ms));
    CHECK(wheel.armed_count() == 1);
    Recorder recorder;
    recorder.advance(wheel, at(499ms));
    CHECK(timer.fired == 0);
    recorder.advance(wheel, at(500ms));
    CHECK(timer.fired == 1);
    wheel.arm(timer.node, at(1ms));  // earlier than now: fires on the next advance
    recorder.advance(wheel, at(500ms));
    CHECK(timer.fired == 2);
}

TEST_CASE("TimerWheel: a deadline in the past fires on the next advance", "[timer-wheel]") {
    TimerWheel wheel(kStart);
    Recorder recorder;
    recorder.advance(wheel, at(1500us));
    Timer past, present;
    past.id = 1;
    present.id = 2;
    wheel.arm(past.node, at(1ms));
    wheel.arm(present.node, at(1500us));
    recorder.advance(wheel, at(1500us));  // no tick boundary crossed, still fires
    CHECK(recorder.ids == std::vector<int>{1, 2});
    CHECK(wheel.armed_count() == 0);
}

TEST_CASE("TimerWheel: an earlier instant than now() is ignored", "[timer-wheel]") {
    Timer timer;
    TimerWheel wheel(kStart);
    Recorder recorder;
    recorder.advance(wheel, at(100ms));
    wheel.arm(timer.node, at(50ms));
    recorder.advance(wheel, at(10ms));
    CHECK(timer.fired == 0);
    CHECK(wheel.now() == at(100ms));
}

TEST_CASE("TimerWheel: a callback re-arms its own timer", "[timer-wheel]") {
    Timer periodic;
    TimerWheel wheel(kStart);
    int fired = 0;
    Instant now = kStart;
    auto on_expire = [&](TimerNode& node) {
        ++fired;
        wheel.arm(node, now + 10ms);
    };
    wheel.arm(periodic.node, at(10ms));
    for (Duration t = 1ms; t <= 100ms; t += 1ms) {
        now = at(t);
        wheel.advance(now, on_expire);
    }
    CHECK(fired == 10);
    CHECK(periodic.node.armed());
    CHECK(wheel.armed_count() == 1);
}

TEST_CASE("TimerWheel: re-arming into the past from a callback waits for the next advance",
          "[timer-wheel]") {
    Timer timer;
    TimerWheel wheel(kStart);
    int fired = 0;
    auto rearm_in_past = [&](TimerNode& node) {
        ++fired;
        wheel.arm(node, kStart);
    };
    wheel.arm(timer.node, at(1ms));
    wheel.advance(at(5ms), rearm_in_past);
    CHECK(fired == 1);
    wheel.advance(at(5ms), rearm_in_past);
    CHECK(fired == 2);
}

TEST_CASE("TimerWheel: a callback cancels another timer due in the same advance", "[timer-wheel]") {
    SECTION("due on the same tick") {
        Timer a, b;
        TimerWheel wheel(kStart);
        int fired = 0;
        auto cancel_the_other = [&](TimerNode& node) {
            ++fired;
            wheel.cancel(&node == &a.node ? b.node : a.node);
        };
        wheel.arm(a.node, at(7ms));
        wheel.arm(b.node, at(7ms));
        wheel.advance(at(7ms), cancel_the_other);
        CHECK(fired == 1);
        CHECK(wheel.armed_count() == 0);
    }
    SECTION("due later in the same advance, on another level") {
        Timer first, later;
        TimerWheel wheel(kStart);
        first.id = 1;
        later.id = 2;
        Recorder recorder;
        auto on_expire = [&](TimerNode& node) {
            recorder.callback()(node);
            if (&node == &first.node) wheel.cancel(later.node);
        };
        wheel.arm(first.node, at(3ms));
        wheel.arm(later.node, at(5000ms));
        wheel.advance(at(1h), on_expire);
        CHECK(recorder.ids == std::vector<int>{1});
    }
    SECTION("both already expired") {
        Timer a, b;
        TimerWheel wheel(kStart);
        int fired = 0;
        auto cancel_the_other = [&](TimerNode& node) {
            ++fired;
            wheel.cancel(&node == &a.node ? b.node : a.node);
        };
        wheel.advance(at(10ms), cancel_the_other);
        wheel.arm(a.node, at(1ms));
        wheel.arm(b.node, at(2ms));
        wheel.advance(at(10ms), cancel_the_other);
        CHECK(fired == 1);
    }
}

TEST_CASE("TimerWheel: large jumps in time", "[timer-wheel]") {
    SECTION("an hour at a time with keepalive-length timers") {
        Timer retransmit, keepalive;
        TimerWheel wheel(kStart);
        retransmit.id = 1;
        keepalive.id = 2;
        wheel.arm(retransmit.node, at(30s));
        wheel.arm(keepalive.node, at(2h));
        Recorder recorder;
        recorder.advance(wheel, at(1h));
        CHECK(recorder.ids == std::vector<int>{1});
        recorder.advance(wheel, at(2h - 1ms));
        CHECK(keepalive.fired == 0);
        recorder.advance(wheel, at(2h));
        CHECK(keepalive.fired == 1);
    }
    SECTION("beyond the top level, with a nanosecond tick") {
        // 2^36 ns is about 69 s, so these deadlines start in the overflow list; a
        // tick-by-tick walk over 10^13 ticks would never finish.
        TimerWheel wheel(kStart, 1ns);
        std::vector<Timer> timers(4);
        const std::vector<Duration> deadlines = {100s, 1h, 2h, 3h};
        for (std::size_t i = 0; i < timers.size(); ++i) {
            timers[i].id = static_cast<int>(i);
            wheel.arm(timers[i].node, at(deadlines[i]));
        }
        Recorder recorder;
        recorder.advance(wheel, at(100s - 1ns));
        CHECK(recorder.ids.empty());
        recorder.advance(wheel, at(100s));
        CHECK(recorder.ids == std::vector<int>{0});
        recorder.advance(wheel, at(2h - 1ns));
        CHECK(recorder.ids == std::vector<int>{0, 1});
        CHECK(timers[1].fired_at == at(2h - 1ns));
        recorder.advance(wheel, at(2h));
        recorder.advance(wheel, at(1000h));
        CHECK(recorder.ids == std::vector<int>{0, 1, 2, 3});
    }
    SECTION("a cancelled overflow timer does not hold others back") {
        Timer early, late;
        TimerWheel wheel(kStart, 1ns);
        early.id = 1;
        late.id = 2;
        wheel.arm(early.node, at(200s));
        wheel.arm(late.node, at(500s));
        wheel.cancel(early.node);
        Recorder recorder;
        recorder.advance(wheel, at(500s - 1ns));
        CHECK(recorder.ids.empty());
        recorder.advance(wheel, at(500s));
        CHECK(recorder.ids == std::vector<int>{2});
    }
}

TEST_CASE("TimerWheel: armed_count and the destructor", "[timer-wheel]") {
    Timer a, b, c;
    {
        TimerWheel wheel(kStart);
        CHECK(wheel.armed_count() == 0);
        wheel.arm(a.node, at(1ms));
        wheel.arm(b.node, at(1h));
        wheel.arm(c.node, at(10ms));
        wheel.arm(c.node, at(20ms));
        CHECK(wheel.armed_count() == 3);
        wheel.cancel(b.node);
        CHECK(wheel.armed_count() == 2);
        wheel.advance(at(1ms), [](TimerNode&) {});
        CHECK(wheel.armed_count() == 1);
        wheel.arm(b.node, at(1h));
        CHECK(wheel.armed_count() == 2);
    }
    // The wheel released the nodes it held.
    CHECK_FALSE(b.node.armed());
    CHECK_FALSE(c.node.armed());
}

TEST_CASE("TimerWheel: a million random timers each fire once, within a tick", "[timer-wheel]") {
    constexpr std::size_t kTimers = 1000000;
    TimerWheel wheel(kStart);
    std::vector<Timer> timers(kTimers);
    std::vector<bool> cancelled(kTimers);
    std::mt19937_64 rng(6298);
    // Mostly short (RTO-like) deadlines, some up to three hours (keepalive-like).
    std::uniform_int_distribution<std::int64_t> short_ns(0, (10s).count());
    std::uniform_int_distribution<std::int64_t> long_ns(0, (3h).count());
    for (std::size_t i = 0; i < kTimers; ++i) {
        const Duration after = Duration(i % 4 == 0 ? long_ns(rng) : short_ns(rng));
        wheel.arm(timers[i].node, at(after));
    }
    std::size_t expected_armed = kTimers;
    for (std::size_t i = 0; i < kTimers; i += 10) {
        wheel.cancel(timers[i].node);
        cancelled[i] = true;
        --expected_armed;
    }
    REQUIRE(wheel.armed_count() == expected_armed);

    // Advance in uneven steps, from sub-tick to minutes, and now and then re-arm a
    // cancelled timer relative to the current time.
    std::uniform_int_distribution<std::int64_t> step_ns(1, (3ms).count());
    std::uniform_int_distribution<int> one_in_a_thousand(0, 999);
    std::size_t next_to_rearm = 0;
    Instant now = kStart;
    Instant previous = kStart;
    bool all_within_a_tick = true;
    auto on_expire = [&](TimerNode& node) {
        ++owner_of(node).fired;
        // Never early; and not yet due (after rounding up to a tick) at the previous advance.
        if (now < node.deadline || previous >= node.deadline + wheel.tick()) all_within_a_tick = false;
    };
    auto advance_to = [&](Instant to) {
        previous = now;
        now = to;
        wheel.advance(now, on_expire);
    };
    while (now < at(3h)) {
        if (one_in_a_thousand(rng) == 0 && next_to_rearm < kTimers) {
            wheel.arm(timers[next_to_rearm].node, now + Duration(short_ns(rng)));
            cancelled[next_to_rearm] = false;
            next_to_rearm += 10;
        }
        advance_to(now + (one_in_a_thousand(rng) == 0 ? Duration(2min) : Duration(step_ns(rng))));
    }
    advance_to(at(4h));

    CHECK(all_within_a_tick);
    CHECK(wheel.armed_count() == 0);
    std::size_t wrong_count = 0;
    for (std::size_t i = 0; i < kTimers; ++i)
        if (timers[i].fired != (cancelled[i] ? 0 : 1)) ++wrong_count;
    CHECK(wrong_count == 0);
    CHECK(next_to_rearm > 100);  // some timers were re-armed
}
