#include "tcp/timer_wheel.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace synline::tcp {

namespace {

constexpr unsigned kWheelBits = TimerWheel::kSlotBits * TimerWheel::kLevels;
constexpr std::uint64_t kSlotMask = TimerWheel::kSlots - 1;

// Bits of the slots after `index` on a level: the slots still ahead in this turn.
constexpr std::uint64_t slots_after(std::uint64_t index) {
    return index + 1 == TimerWheel::kSlots ? 0 : ~std::uint64_t{0} << (index + 1);
}

}  // namespace

TimerWheel::TimerWheel(Instant start, Duration tick)
    : start_(start), tick_(tick), now_(start), next_tick_at_(start + tick) {
    if (tick <= Duration::zero()) throw std::invalid_argument("TimerWheel: tick must be positive");
    for (auto& level : slots_)
        for (auto& head : level) init_list(head);
    init_list(overflow_);
    init_list(expired_);
}

TimerWheel::~TimerWheel() {
    auto release = [](TimerNode& head) {
        while (!list_empty(head)) {
            TimerNode& node = *head.next;
            unlink(node);
            node.prev = node.next = nullptr;
        }
    };
    for (auto& level : slots_)
        for (auto& head : level) release(head);
    release(overflow_);
    release(expired_);
}

void TimerWheel::init_list(TimerNode& head) { head.prev = head.next = &head; }

void TimerWheel::link_back(TimerNode& head, TimerNode& node) {
    node.prev = head.prev;
    node.next = &head;
    head.prev->next = &node;
    head.prev = &node;
}

void TimerWheel::unlink(TimerNode& node) {
    node.prev->next = node.next;
    node.next->prev = node.prev;
}

void TimerWheel::splice_all(TimerNode& from, TimerNode& to) {
    if (list_empty(from)) return;
    from.next->prev = to.prev;
    to.prev->next = from.next;
    from.prev->next = &to;
    to.prev = from.prev;
    init_list(from);
}

void TimerWheel::disarm(TimerNode& node) {
    unlink(node);
    node.prev = node.next = nullptr;
    --armed_count_;
}

TimerWheel::Tick TimerWheel::deadline_tick(Instant deadline) const {
    const Duration after_start = deadline - start_;
    if (after_start <= Duration::zero()) return 0;
    return static_cast<Tick>((after_start.count() - 1) / tick_.count()) + 1;
}

TimerWheel::Tick TimerWheel::ticks_reached(Instant now) const {
    const Duration after_start = now - start_;
    if (after_start <= Duration::zero()) return 0;
    return static_cast<Tick>(after_start.count() / tick_.count());
}

void TimerWheel::arm(TimerNode& node, Instant deadline) {
    if (node.armed())
        unlink(node);
    else
        ++armed_count_;
    node.deadline = deadline;
    if (deadline <= now_)
        link_back(expired_, node);
    else
        place(node, deadline_tick(deadline));
}

void TimerWheel::cancel(TimerNode& node) {
    if (node.armed()) disarm(node);
}

void TimerWheel::place(TimerNode& node, Tick due) {
    // The highest 6-bit digit in which `due` differs from the processed tick picks
    // the level; `due` shares all higher digits with it, so its slot on that level
    // lies ahead within the level's current turn and can never alias an earlier one.
    const unsigned highest_bit = std::bit_width(due ^ processed_) - 1;
    const unsigned level = highest_bit / kSlotBits;
    if (level >= kLevels) {
        overflow_earliest_ = list_empty(overflow_) ? due : std::min(overflow_earliest_, due);
        link_back(overflow_, node);
        return;
    }
    const auto slot = static_cast<std::size_t>((due >> (level * kSlotBits)) & kSlotMask);
    link_back(slots_[level][slot], node);
    occupied_[level] |= std::uint64_t{1} << slot;
}

bool TimerWheel::take_next_due(Tick target, TimerNode& batch) {
    for (;;) {
        // The lowest level with a slot ahead holds the earliest timers: everything
        // on level L lies within the current slot of level L + 1.
        unsigned level = 0;
        std::uint64_t ahead = 0;
        for (; level < kLevels; ++level) {
            const unsigned shift = level * kSlotBits;
            ahead = occupied_[level] & slots_after((processed_ >> shift) & kSlotMask);
            if (ahead != 0) break;
        }
        if (level == kLevels) {
            if (list_empty(overflow_)) return false;
            const Tick turn_start = overflow_earliest_ >> kWheelBits << kWheelBits;
            if (turn_start > target) return false;
            processed_ = turn_start;
            splice_all(overflow_, batch);
            return true;
        }
        const unsigned shift = level * kSlotBits;
        const auto slot = static_cast<unsigned>(std::countr_zero(ahead));
        const Tick turn_start = processed_ >> (shift + kSlotBits) << (shift + kSlotBits);
        const Tick slot_start = turn_start | (Tick{slot} << shift);
        if (slot_start > target) return false;
        occupied_[level] &= ~(std::uint64_t{1} << slot);
        processed_ = slot_start;
        TimerNode& head = slots_[level][slot];
        if (list_empty(head)) continue;  // its timers were all cancelled
        splice_all(head, batch);
        return true;
    }
}

}  // namespace synline::tcp
