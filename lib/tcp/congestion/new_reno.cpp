#include "tcp/congestion/new_reno.hpp"

#include <algorithm>

namespace synline::tcp {

void NewReno::on_ack(Window& w, const AckSample& a) {
    if (w.cwnd < w.ssthresh) slow_start(w, a);
    else reno_congestion_avoidance(w, a.acked);
}

void NewReno::on_loss(Window& w, Instant, std::uint32_t flight) {
    w.ssthresh = std::max(flight / 2, 2 * w.mss);
    w.cwnd = w.ssthresh;
}

}  // namespace synline::tcp
