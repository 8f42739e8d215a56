// Time inside the protocol core is injected, never read from a clock: the
// engine passes TSC-derived instants, the simulator a virtual clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace synline::tcp {

using Duration = std::chrono::nanoseconds;
using namespace std::chrono_literals;

// Nanoseconds since an arbitrary epoch chosen by whoever drives the stack.
struct Instant {
    Duration since_epoch{0};

    constexpr auto operator<=>(const Instant&) const = default;
    constexpr Instant operator+(Duration d) const { return Instant{since_epoch + d}; }
    constexpr Duration operator-(Instant o) const { return since_epoch - o.since_epoch; }
};

}  // namespace synline::tcp
