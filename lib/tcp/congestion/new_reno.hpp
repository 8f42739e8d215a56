// NewReno's window rules (RFC 5681 3.1, RFC 6582): slow start, then one
// segment per window of acknowledged bytes; half the flight after a loss.
#pragma once

#include "tcp/congestion/window.hpp"

namespace synline::tcp {

class NewReno {
public:
    void on_ack(Window& w, const AckSample& a);
    // RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS); cwnd = ssthresh.
    void on_loss(Window& w, Instant now, std::uint32_t flight);
};

}  // namespace synline::tcp
