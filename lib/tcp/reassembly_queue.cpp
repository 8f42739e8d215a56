#include "tcp/reassembly_queue.hpp"

#include <algorithm>

namespace synline::tcp {

std::uint32_t ReassemblyQueue::bytes() const {
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < count_; ++i) n += static_cast<std::uint32_t>(ranges_[i].end - ranges_[i].start);
    return n;
}

bool ReassemblyQueue::fits(net::SeqNum seq, std::uint32_t len) const {
    if (count_ < kMaxRanges) return true;
    const net::SeqNum end = seq + len;
    for (std::size_t i = 0; i < count_; ++i)
        if (ranges_[i].end >= seq && ranges_[i].start <= end) return true;
    return false;
}

void ReassemblyQueue::remove(std::size_t first, std::size_t n) {
    if (n == 0) return;
    for (std::size_t k = first; k + n < count_; ++k) ranges_[k] = ranges_[k + n];
    count_ = static_cast<std::uint8_t>(count_ - n);
}

ReassemblyQueue::Taken ReassemblyQueue::take(net::SeqNum rcv_nxt) {
    Taken t{rcv_nxt};
    std::size_t n = 0;
    while (n < count_ && ranges_[n].start <= t.next) {
        const Entry& r = ranges_[n];
        t.overlap += static_cast<std::uint32_t>(net::seq_min(r.end, rcv_nxt) - r.start);
        t.next = net::seq_max(t.next, r.end);
        ++n;
    }
    remove(0, n);
    if (count_ == 0) {
        t.fin = fin_;
        fin_ = false;
    }
    return t;
}

std::size_t ReassemblyQueue::sack_blocks(std::span<SeqRange> out) const {
    // Selection by stamp (wrapping), latest first: at most kMaxRanges entries.
    std::array<bool, kMaxRanges> used{};
    std::size_t n = 0;
    for (; n < out.size() && n < count_; ++n) {
        std::size_t best = kMaxRanges;
        for (std::size_t i = 0; i < count_; ++i)
            if (!used[i] && (best == kMaxRanges || static_cast<std::int32_t>(ranges_[i].stamp - ranges_[best].stamp) > 0)) best = i;
        used[best] = true;
        out[n] = {ranges_[best].start, ranges_[best].end};
    }
    return n;
}

}  // namespace synline::tcp
