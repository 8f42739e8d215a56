#include "tcp/congestion/cubic.hpp"

#include <algorithm>
#include <cmath>

namespace synline::tcp {

double Cubic::w_cubic(double t) const {
    const double d = t - k_;
    return kC * d * d * d + w_max_;
}

void Cubic::start_epoch(const Window& w, Instant now) {
    // RFC 9438 4.2: K from the distance between W_max and the window this
    // stage starts from (cwnd_epoch); a stage that starts above W_max (slow
    // start overshot, or no loss yet) is already in the convex region.
    epoch_ = now;
    const double cwnd = static_cast<double>(w.cwnd) / w.mss;
    if (cwnd < w_max_) {
        k_ = std::cbrt((w_max_ - cwnd) / kC);
    } else {
        k_ = 0;
        w_max_ = cwnd;
    }
    w_est_ = cwnd;  // RFC 9438 4.3: W_est starts at cwnd_epoch
}

void Cubic::on_ack(Window& w, const AckSample& a) {
    if (w.cwnd < w.ssthresh) {
        slow_start(w, a);
        return;
    }
    if (!epoch_) start_epoch(w, a.now);
    const double mss = w.mss;
    const double cwnd = w.cwnd / mss;
    const double acked = a.acked / mss;
    const double t = std::chrono::duration<double>(a.now - *epoch_).count();
    const double rtt = std::chrono::duration<double>(a.srtt).count();

    // RFC 9438 4.3: the Reno estimate grows by alpha segments per window of
    // acknowledged segments; alpha becomes 1 once W_est passes W_max.
    w_est_ += (w_est_ >= w_max_ ? 1.0 : kAlpha) * acked / cwnd;

    double next;
    if (w_cubic(t) < w_est_) {
        next = w_est_;  // Reno-friendly region
    } else {
        // RFC 9438 4.4 and 4.5: aim for W_cubic one RTT ahead, bounded to
        // [cwnd, 1.5 cwnd]; close (target - cwnd) / cwnd per acknowledged segment.
        const double target = std::clamp(w_cubic(t + rtt), cwnd, 1.5 * cwnd);
        next = cwnd + (target - cwnd) / cwnd * acked;
    }
    const double bytes = std::min(next * mss, static_cast<double>(Window::kMaxCwnd));
    w.cwnd = std::max(w.cwnd, static_cast<std::uint32_t>(bytes));
}

void Cubic::on_loss(Window& w, Instant, std::uint32_t) {
    // RFC 9438 4.6 and 4.7 (fast convergence): a loss below the previous
    // W_max means a new flow is taking its share, so release a little more.
    const double cwnd = static_cast<double>(w.cwnd) / w.mss;
    w_max_ = cwnd < w_max_ ? cwnd * (1.0 + kBeta) / 2.0 : cwnd;
    epoch_.reset();
    w.ssthresh = std::max(static_cast<std::uint32_t>(w.cwnd * kBeta), 2 * w.mss);
    w.cwnd = w.ssthresh;
}

}  // namespace synline::tcp
