// The simulator's clock: virtual time that moves only when the network steps
// it, so a run is a pure function of its seed and scenario. Nothing in the
// simulator reads a real clock.
#pragma once

#include <cassert>

#include "tcp/time.hpp"

namespace synline::sim {

class VirtualClock {
public:
    explicit VirtualClock(tcp::Instant start) : start_(start), now_(start) {}

    tcp::Instant now() const { return now_; }
    tcp::Instant start() const { return start_; }
    // Time since the simulation began: what traces print.
    tcp::Duration elapsed() const { return now_ - start_; }

    // Time never runs backwards.
    void advance_to(tcp::Instant t) {
        assert(t >= now_);
        now_ = t;
    }

private:
    tcp::Instant start_;
    tcp::Instant now_;
};

}  // namespace synline::sim
