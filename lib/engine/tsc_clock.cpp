#include "engine/tsc_clock.hpp"

#include <chrono>

#include <rte_cycles.h>

namespace synline::engine {

TscClock::TscClock()
    : start_(rte_get_tsc_cycles()),
      ns_per_cycle_(1e9 / static_cast<double>(rte_get_tsc_hz())),
      epoch_offset_(std::chrono::duration_cast<tcp::Duration>(
          std::chrono::system_clock::now().time_since_epoch())) {}

tcp::Instant TscClock::now() const {
    auto cycles = static_cast<double>(rte_get_tsc_cycles() - start_);
    return tcp::Instant{epoch_offset_ + tcp::Duration(static_cast<std::int64_t>(cycles * ns_per_cycle_))};
}

}  // namespace synline::engine
