// Fast retransmit and fast recovery without SACK (RFC 5681 3.2 with
// RFC 6582 NewReno): when duplicate ACKs start a recovery, what a partial
// ACK means, and when the recovery ends. Pure bookkeeping: the connection
// retransmits and tells the congestion controller; nothing here sends.
#pragma once

#include <cstdint>

#include "net/seq_num.hpp"

namespace synline::tcp {

class LossRecovery {
public:
    static constexpr std::uint8_t kDupThresh = 3;  // RFC 5681 3.2

    enum class Dup : std::uint8_t {
        counted,     // below the threshold, or after a recovery that it belongs to
        enter,       // the third: fast retransmit and enter recovery now
        inflate,     // in recovery: one more segment has left the network
    };
    enum class Advance : std::uint8_t {
        normal,      // not in recovery: the congestion controller grows cwnd
        partial,     // RFC 6582 3.2 (5): retransmit the first unacknowledged segment
        full,        // RFC 6582 3.2 (3): recovery is over
    };

    // Data transfer starts at `snd_una`: no recovery, no ACK can be "old".
    void start(net::SeqNum snd_una) {
        *this = {};
        recover_ = snd_una;
    }

    // A duplicate ACK in the sense of RFC 5681 2. `snd_una` is SND.UNA (the
    // duplicated ACK), `snd_max` the highest sequence number sent.
    Dup on_duplicate_ack(net::SeqNum snd_una, net::SeqNum snd_max, std::uint32_t mss);

    // An ACK that advanced SND.UNA to `ack`, acknowledging `acked` bytes.
    Advance on_advance(net::SeqNum ack, std::uint32_t acked, std::uint32_t mss) {
        dup_acks_ = 0;
        return in_recovery_ ? advance_in_recovery(ack, acked, mss) : Advance::normal;
    }

    // A retransmission timeout ends any recovery; duplicate ACKs for data
    // sent before it must not start another (RFC 6582 3.2 (1), 4.1).
    void on_timeout(net::SeqNum snd_max) {
        in_recovery_ = false;
        dup_acks_ = 0;
        inflation_ = 0;
        recover_ = snd_max;
    }

    bool in_recovery() const { return in_recovery_; }
    // The window to send by: cwnd (= ssthresh during recovery) plus the
    // segments that duplicate ACKs reported gone, less what partial ACKs
    // took back (RFC 6582 3.2 steps 2, 4 and 5). Never below one segment.
    std::uint32_t send_window(std::uint32_t cwnd, std::uint32_t mss) const {
        const std::int64_t w = std::int64_t{cwnd} + inflation_;
        return w < mss ? mss : static_cast<std::uint32_t>(w);
    }
    net::SeqNum recover() const { return recover_; }
    std::uint8_t dup_acks() const { return dup_acks_; }

private:
    Advance advance_in_recovery(net::SeqNum ack, std::uint32_t acked, std::uint32_t mss);

    bool in_recovery_ = false;
    std::uint8_t dup_acks_ = 0;
    std::int32_t inflation_ = 0;
    net::SeqNum recover_;  // RFC 6582 "recover" + 1: SND.MAX when recovery (or the timeout) began
};

}  // namespace synline::tcp
