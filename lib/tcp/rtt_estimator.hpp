// Retransmission timeout computation (RFC 6298).
#pragma once

#include <algorithm>

#include "tcp/time.hpp"

namespace synline::tcp {

class RttEstimator {
public:
    RttEstimator(Duration initial, Duration min, Duration max)
        : rto_(initial), min_(min), max_(max) {}

    // RFC 6298 (2.2) and (2.3): fold in one RTT measurement.
    void sample(Duration rtt) {
        if (!has_sample_) {
            srtt_ = rtt;
            rttvar_ = rtt / 2;
            has_sample_ = true;
        } else {
            Duration err = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
            rttvar_ = (3 * rttvar_ + err) / 4;  // beta = 1/4
            srtt_ = (7 * srtt_ + rtt) / 8;      // alpha = 1/8
        }
        // K = 4; G (clock granularity) is below our 1 ms tick.
        rto_ = std::clamp(srtt_ + std::max(Duration(std::chrono::milliseconds(1)), 4 * rttvar_),
                          min_, max_);
        backoff_ = 0;
    }

    // RFC 6298 (5.7): when the SYN or SYN-ACK had to be retransmitted and no
    // RTT sample was taken, data transmission starts with an RTO of 3 s.
    void restart_after_lost_handshake() {
        if (has_sample_ || backoff_ == 0) return;
        rto_ = std::clamp(Duration(std::chrono::seconds(3)), min_, max_);
        backoff_ = 0;
    }

    // RFC 6298 (5.5): double the timer on each expiry.
    void back_off() { ++backoff_; }

    Duration rto() const {
        Duration d = rto_;
        for (unsigned i = 0; i < backoff_ && d < max_; ++i) d *= 2;
        return std::min(d, max_);
    }
    unsigned backoffs() const { return backoff_; }
    void reset_backoff() { backoff_ = 0; }
    Duration srtt() const { return srtt_; }

private:
    Duration srtt_{0};
    Duration rttvar_{0};
    Duration rto_;
    Duration min_;
    Duration max_;
    unsigned backoff_ = 0;
    bool has_sample_ = false;
};

}  // namespace synline::tcp
