// A token bucket: at most `burst` events at once and `rate` per second on
// average. Time is injected like everywhere in the protocol core; the bucket
// reads no clock and allocates nothing.
#pragma once

#include <cstdint>

#include "tcp/time.hpp"

namespace synline::tcp {

class TokenBucket {
public:
    // Starts full. A rate of 0 refills nothing: after the first `burst`
    // events none is allowed again. Rates above 10^9 per second are not
    // meant (a token would take less than a nanosecond).
    TokenBucket(std::uint32_t rate_per_second, std::uint32_t burst, Instant now)
        : period_(rate_per_second ? kNsPerSecond / rate_per_second : 0),
          burst_(burst),
          tokens_(burst),
          refilled_at_(now) {}

    // True (and one token spent) when an event may happen at `now`.
    bool take(Instant now) {
        refill(now);
        if (tokens_ == 0) return false;
        --tokens_;
        return true;
    }

private:
    static constexpr std::int64_t kNsPerSecond = 1'000'000'000;

    void refill(Instant now) {
        if (period_ == 0 || tokens_ == burst_) {
            refilled_at_ = now;  // time spent full (or with no rate) earns nothing
            return;
        }
        const std::int64_t elapsed = (now - refilled_at_).count();
        // A flood that has spent the bucket lands here: no division.
        if (elapsed < period_) return;
        const std::int64_t earned = elapsed / period_;
        if (earned >= burst_ - tokens_) {
            tokens_ = burst_;
            refilled_at_ = now;
            return;
        }
        tokens_ += static_cast<std::uint32_t>(earned);
        // The part of a token already earned stays earned.
        refilled_at_ = refilled_at_ + Duration(earned * period_);
    }

    std::int64_t period_;  // nanoseconds per token
    std::uint32_t burst_;
    std::uint32_t tokens_;
    Instant refilled_at_;
};

}  // namespace synline::tcp
