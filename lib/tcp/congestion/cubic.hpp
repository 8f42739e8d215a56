// CUBIC (RFC 9438): after a loss the window follows a cubic function of the
// time since the loss, concave up to the window where the loss happened
// (W_max) and convex beyond it, and never grows slower than Reno would on
// the same path (the Reno-friendly region, RFC 9438 4.3). Windows inside
// the cubic arithmetic are in segments, as in the RFC; cwnd stays in bytes.
#pragma once

#include <optional>

#include "tcp/congestion/window.hpp"

namespace synline::tcp {

class Cubic {
public:
    static constexpr double kC = 0.4;          // RFC 9438 5: C
    static constexpr double kBeta = 0.7;       // RFC 9438 4.6: beta_cubic
    // RFC 9438 4.3: alpha_cubic, Reno-friendly for beta_cubic.
    static constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);

    void on_ack(Window& w, const AckSample& a);
    void on_loss(Window& w, Instant now, std::uint32_t flight);

    // W_cubic(t) = C (t - K)^3 + W_max, t in seconds since the epoch (RFC 9438 4.2).
    double w_cubic(double t) const;
    // Exposed for tests.
    double w_max() const { return w_max_; }
    double k() const { return k_; }
    double w_est() const { return w_est_; }
    bool epoch_started() const { return epoch_.has_value(); }

private:
    void start_epoch(const Window& w, Instant now);

    std::optional<Instant> epoch_;  // first ACK of this congestion avoidance stage
    double w_max_ = 0;              // segments: the window at the last loss
    double k_ = 0;                  // seconds to climb back to W_max
    double w_est_ = 0;              // segments: what Reno would have now
};

}  // namespace synline::tcp
