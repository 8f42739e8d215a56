// A hierarchical timing wheel (Varghese and Lauck, "Hashed and Hierarchical
// Timing Wheels", SOSP 1987) for the per-core timers of TCP: retransmission,
// SYN-ACK retransmission, TIME-WAIT, FIN-WAIT-2, keepalive and delayed ACK.
//
// Time is cut into ticks counted from `start`. Level L has 64 slots of 64^L ticks
// each. A timer due at tick T sits on the level of the highest 6-bit digit in
// which T differs from the last processed tick, in the slot named by T's digit on
// that level (the placement of Tokio's timer wheel). When the wheel
// reaches the start of that slot, the slot's timers move down to finer levels, so
// each timer moves at most once per level: O(1) amortised per timer. Per-level
// occupancy bitmaps find the next non-empty slot with one count-trailing-zeros,
// so a jump of an hour visits only slots that hold timers, never empty ticks.
// Six levels span 2^36 ticks (about two years at the default 1 ms tick); rarer
// deadlines wait in an overflow list that is re-examined once per 2^36 ticks.
//
// Nodes are intrusive, so arm and cancel never allocate. Not thread-safe: each
// core owns its wheel and the nodes armed on it.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "tcp/time.hpp"

namespace synline::tcp {

// Embed one in the object that owns the timer and recover the owner from the
// node in the expiry callback (e.g. with a member pointer offset). Owned by the
// wheel while armed: do not move, copy or destroy an armed node.
struct TimerNode {
    TimerNode* prev = nullptr;
    TimerNode* next = nullptr;
    Instant deadline{};

    bool armed() const { return next != nullptr; }
};

class TimerWheel {
public:
    static constexpr unsigned kSlotBits = 6;
    static constexpr std::size_t kSlots = std::size_t{1} << kSlotBits;
    static constexpr unsigned kLevels = 6;

    // Throws std::invalid_argument unless tick > 0.
    explicit TimerWheel(Instant start, Duration tick = std::chrono::milliseconds(1));
    // Disarms every node still armed so that their owners see armed() == false.
    ~TimerWheel();
    // Armed nodes point into the wheel's slot heads, so the wheel stays put.
    TimerWheel(const TimerWheel&) = delete;
    TimerWheel& operator=(const TimerWheel&) = delete;

    // (Re)arms `node`. A deadline at or before now() fires on the next advance().
    void arm(TimerNode& node, Instant deadline);
    // No-op when `node` is not armed.
    void cancel(TimerNode& node);

    // Moves the wheel to `now` (an earlier instant than now() is ignored) and calls
    // on_expire(TimerNode&) for each expired node, in tick order. A timer never
    // fires early and fires at most one tick late: deadlines are rounded up to the
    // next tick boundary after `start`, so one due at a tick boundary fires on the
    // advance that reaches it. Each node is disarmed before its callback, which may
    // arm or cancel any node: a node cancelled before its turn does not fire, and
    // a node armed from a callback fires on a later advance, never this one.
    // Do not call advance() from within on_expire.
    template <class OnExpire>
    void advance(Instant now, OnExpire&& on_expire);

    std::size_t armed_count() const { return armed_count_; }
    // The latest instant given to advance(), or `start`.
    Instant now() const { return now_; }
    Duration tick() const { return tick_; }

private:
    using Tick = std::uint64_t;

    static void init_list(TimerNode& head);
    static bool list_empty(const TimerNode& head) { return head.next == &head; }
    static void link_back(TimerNode& head, TimerNode& node);
    static void unlink(TimerNode& node);
    static void splice_all(TimerNode& from, TimerNode& to);

    Tick deadline_tick(Instant deadline) const;  // first tick at or after deadline
    Tick ticks_reached(Instant now) const;       // last tick at or before now
    void place(TimerNode& node, Tick due);       // precondition: due > processed_
    // Moves the next slot due at or before `target` into `batch`, sets processed_
    // to that slot's first tick and returns true; false when nothing is due.
    bool take_next_due(Tick target, TimerNode& batch);
    void disarm(TimerNode& node);

    Instant start_;
    Duration tick_;
    Instant now_;
    // The first instant of the tick after processed_: until then no slot can
    // come due, and advance() skips the division that finds the tick of now.
    Instant next_tick_at_;
    Tick processed_ = 0;  // every timer due at or before this tick has fired
    std::size_t armed_count_ = 0;
    std::array<std::uint64_t, kLevels> occupied_{};  // may over-report after cancel
    std::array<std::array<TimerNode, kSlots>, kLevels> slots_;
    TimerNode overflow_;
    Tick overflow_earliest_ = 0;  // lower bound on the ticks in overflow_
    TimerNode expired_;           // armed at or before now_: fire on the next advance
};

template <class OnExpire>
void TimerWheel::advance(Instant now, OnExpire&& on_expire) {
    if (now < now_) return;
    now_ = now;

    // The batch being fired lives on this frame as a circular list, so a callback
    // that cancels a node still waiting in it simply unlinks that node.
    TimerNode batch;
    init_list(batch);

    splice_all(expired_, batch);
    while (!list_empty(batch)) {
        TimerNode& node = *batch.next;
        disarm(node);
        on_expire(node);
    }

    if (now < next_tick_at_) return;
    const Tick target = ticks_reached(now);
    while (take_next_due(target, batch)) {
        while (!list_empty(batch)) {
            TimerNode& node = *batch.next;
            unlink(node);
            const Tick due = deadline_tick(node.deadline);
            if (due > processed_) {
                place(node, due);  // cascade to a finer level
                continue;
            }
            node.prev = node.next = nullptr;
            --armed_count_;
            on_expire(node);
        }
    }
    if (target > processed_) processed_ = target;
    next_tick_at_ = start_ + tick_ * static_cast<std::int64_t>(processed_ + 1);
}

}  // namespace synline::tcp
