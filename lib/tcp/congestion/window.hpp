// What every congestion controller shares: the window, the threshold, the
// segment size, and slow start with appropriate byte counting (RFC 3465) and
// HyStart++ (RFC 9406). No allocation, no clock: time comes in each sample.
#pragma once

#include <cstdint>

#include "net/seq_num.hpp"
#include "tcp/time.hpp"

namespace synline::tcp {

// One ACK that advanced SND.UNA, as a controller needs to see it.
struct AckSample {
    std::uint32_t acked = 0;  // bytes newly acknowledged
    Instant now;
    Duration rtt{0};          // this ACK's RTT sample; zero when it gave none
    Duration srtt{0};         // the smoothed RTT (RFC 6298)
    net::SeqNum ack;          // the cumulative ACK
    net::SeqNum snd_nxt;      // what has been sent: the end of the next HyStart++ round
};

// RFC 9406 4.2: HyStart++ watches the minimum RTT of each round trip during
// the first slow start; when it rises by RttThresh the window grows a quarter
// as fast (conservative slow start, CSS) and, after CSS_ROUNDS rounds without
// the RTT coming back down, slow start ends without a loss.
struct HyStart {
    static constexpr Duration kMinRttThresh = std::chrono::milliseconds(4);
    static constexpr Duration kMaxRttThresh = std::chrono::milliseconds(16);
    static constexpr unsigned kMinRttDivisor = 8;
    static constexpr unsigned kRttSamples = 8;    // N_RTT_SAMPLE
    static constexpr unsigned kCssGrowthDivisor = 4;
    static constexpr unsigned kCssRounds = 5;
    static constexpr Duration kNone = Duration::max();

    bool done = false;        // loss, timeout, or CSS finished: plain slow start from now on
    bool in_css = false;
    unsigned css_rounds = 0;
    unsigned samples = 0;     // rttSampleCount of this round
    bool round_open = false;
    net::SeqNum window_end;   // this round ends when this is acknowledged
    Duration last_round_min = kNone;
    Duration round_min = kNone;
    Duration css_baseline = kNone;
};

struct Window {
    static constexpr std::uint32_t kMaxCwnd = 1u << 30;  // far above any send buffer; no overflow
    // RFC 3465 2.2: at most L segments of growth per ACK in slow start; L = 1
    // in the slow start that follows a timeout (2.3).
    static constexpr std::uint32_t kAbcLimit = 2;

    std::uint32_t cwnd = 0;
    std::uint32_t ssthresh = 0xffffffff;
    std::uint32_t mss = 536;
    std::uint32_t bytes_acked = 0;  // RFC 3465 2.1: congestion avoidance by bytes
    bool after_timeout = false;
    HyStart hystart;
};

// Slow start's growth for one ACK (RFC 5681 3.1 with RFC 3465 and RFC 9406).
// May end slow start (ssthresh = cwnd) when HyStart++ says so.
void slow_start(Window& w, const AckSample& a);
// RFC 3465 2.1: one segment per cwnd of bytes acknowledged (Reno's linear growth).
void reno_congestion_avoidance(Window& w, std::uint32_t acked);
// A congestion event ends HyStart++ (it governs only the first slow start).
inline void end_hystart(Window& w) {
    w.hystart.done = true;
    w.hystart.in_css = false;
    w.bytes_acked = 0;
}

}  // namespace synline::tcp
