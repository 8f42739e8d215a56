#include <algorithm>

#include "tcp/congestion/window.hpp"

namespace synline::tcp {

namespace {

// RFC 9406 4.2, once per ACK while HyStart++ is on: round bookkeeping, the
// RTT sample, and the switches between slow start, CSS and congestion
// avoidance. Returns the divisor of this ACK's growth (1, or 4 in CSS).
std::uint32_t hystart_step(Window& w, const AckSample& a) {
    HyStart& h = w.hystart;
    if (!h.round_open || a.ack >= h.window_end) {
        // A round ended: this ACK starts the next one.
        if (h.in_css && ++h.css_rounds >= HyStart::kCssRounds) {
            w.ssthresh = w.cwnd;  // CSS ran its rounds: congestion avoidance from here
            end_hystart(w);
            return 1;
        }
        h.last_round_min = h.round_min;
        h.round_min = HyStart::kNone;
        h.samples = 0;
        h.window_end = a.snd_nxt;
        h.round_open = true;
    }
    if (a.rtt > Duration{0}) {
        h.round_min = std::min(h.round_min, a.rtt);
        ++h.samples;
    }
    if (h.samples >= HyStart::kRttSamples && h.round_min != HyStart::kNone) {
        if (!h.in_css && h.last_round_min != HyStart::kNone) {
            const Duration thresh = std::clamp(h.last_round_min / HyStart::kMinRttDivisor,
                                               HyStart::kMinRttThresh, HyStart::kMaxRttThresh);
            if (h.round_min >= h.last_round_min + thresh) {
                h.in_css = true;
                h.css_rounds = 0;
                h.css_baseline = h.round_min;
            }
        } else if (h.in_css && h.round_min < h.css_baseline) {
            h.in_css = false;  // the RTT came back down: the rise was noise, slow start resumes
            h.css_baseline = HyStart::kNone;
        }
    }
    return h.in_css ? HyStart::kCssGrowthDivisor : 1;
}

}  // namespace

void slow_start(Window& w, const AckSample& a) {
    const std::uint32_t limit = (w.after_timeout ? 1 : Window::kAbcLimit) * w.mss;
    std::uint32_t grow = std::min(a.acked, limit);
    if (!w.hystart.done) grow /= hystart_step(w, a);
    w.cwnd = std::min(w.cwnd + grow, Window::kMaxCwnd);
    if (w.cwnd >= w.ssthresh) w.after_timeout = false;
}

void reno_congestion_avoidance(Window& w, std::uint32_t acked) {
    w.bytes_acked += acked;
    if (w.bytes_acked >= w.cwnd) {
        w.bytes_acked -= w.cwnd;
        w.cwnd = std::min(w.cwnd + w.mss, Window::kMaxCwnd);
    }
}

}  // namespace synline::tcp
