#include "tcp/loss_recovery.hpp"

namespace synline::tcp {

LossRecovery::Dup LossRecovery::on_duplicate_ack(net::SeqNum snd_una, net::SeqNum snd_max, std::uint32_t mss) {
    if (in_recovery_) {
        inflation_ += static_cast<std::int32_t>(mss);  // RFC 6582 3.2 (4)
        return Dup::inflate;
    }
    if (dup_acks_ < kDupThresh) ++dup_acks_;
    // RFC 6582 3.2 (2): the third duplicate starts a recovery only when the
    // ACK covers everything up to the last one's "recover" (else they are
    // the echo of a window retransmitted after a timeout, 4.1). recover_ is
    // held exclusive (SND.MAX, not the highest byte), hence >=.
    if (dup_acks_ != kDupThresh || snd_una < recover_) return Dup::counted;
    in_recovery_ = true;
    recover_ = snd_max;
    inflation_ = static_cast<std::int32_t>(kDupThresh * mss);
    return Dup::enter;
}

LossRecovery::Advance LossRecovery::advance_in_recovery(net::SeqNum ack, std::uint32_t acked, std::uint32_t mss) {
    if (ack >= recover_) {
        in_recovery_ = false;
        inflation_ = 0;
        return Advance::full;
    }
    // RFC 6582 3.2 (5): deflate by what was acknowledged, add back one
    // segment when at least one left, so about ssthresh stays in flight.
    inflation_ -= static_cast<std::int32_t>(acked);
    if (acked >= mss) inflation_ += static_cast<std::int32_t>(mss);
    return Advance::partial;
}

}  // namespace synline::tcp
