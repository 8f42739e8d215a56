// Turns the TSC into the protocol core's Instant: nanoseconds since the Unix
// epoch, read from the wall clock once at start and advanced by the TSC after.
// A shared epoch lets servers that share a SYN-cookie key agree on its time
// counter; the TSC keeps reads cheap and monotonic.
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
    tcp::Duration epoch_offset_;
};

}  // namespace synline::engine
