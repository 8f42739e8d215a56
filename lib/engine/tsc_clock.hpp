// Turns the TSC into the protocol core's Instant (nanoseconds since start).
#pragma once

#include <cstdint>

#include "tcp/time.hpp"

namespace synline::engine {

class TscClock {
public:
    TscClock();
    tcp::Instant now() const;

private:
    std::uint64_t start_;
    double ns_per_cycle_;
};

}  // namespace synline::engine
