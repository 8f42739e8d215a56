// The out-of-order queue of one connection's receive side: which sequence
// ranges past RCV.NXT have arrived (RFC 9293 3.10.7.4: segments beyond a hole
// are kept and delivered once the hole fills). It keeps ranges only; the
// bytes lie in the connection's receive ByteRing at their own offsets, so a
// queued segment costs one copy, the one in-order data takes when the
// application does not read it at once, and its memory is bounded by the
// window the connection offered.
//
// Ranges are kept sorted and disjoint (neighbours never touch: adjacent ones
// merge), at most kMaxRanges of them, inline: no allocation ever. Each
// remembers when a segment last landed in it, for the order of SACK blocks
// (RFC 2018 4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "net/seq_num.hpp"

namespace synline::tcp {

struct SeqRange {
    net::SeqNum start;
    net::SeqNum end;  // one past the last byte

    std::uint32_t size() const { return static_cast<std::uint32_t>(end - start); }
    constexpr bool operator==(const SeqRange&) const = default;
};

class ReassemblyQueue {
public:
    // Holes a connection can have open at once. At the loss rates TCP can
    // sustain, a window rarely has more than a few: at p = 1 % the window
    // is about 1.2 / sqrt(p) = 12 segments. A segment that would open one
    // more is refused (the caller counts it); the peer sends it again.
    static constexpr std::size_t kMaxRanges = 8;

    bool empty() const { return count_ == 0; }
    std::size_t ranges() const { return count_; }
    SeqRange range(std::size_t i) const { return {ranges_[i].start, ranges_[i].end}; }
    // One past the highest queued byte. Only when !empty().
    net::SeqNum end() const { return ranges_[count_ - 1].end; }
    // Bytes queued, over all ranges.
    std::uint32_t bytes() const;

    // Whether [seq, seq + len) (len > 0) can be recorded: it joins or
    // touches a range, or there is room for one more.
    bool fits(net::SeqNum seq, std::uint32_t len) const;

    struct Added {
        std::uint32_t new_bytes = 0;        // not held before
        std::uint32_t duplicate_bytes = 0;  // already queued
    };
    // Records [seq, seq + len), which lies past RCV.NXT; the caller checked
    // fits(). First calls write_gaps(seq, len, write), so that only new
    // bytes are copied and the first copy of a byte stands (RFC 9293
    // 3.10.7.4: what overlaps is trimmed).
    template <class Write>
    Added add(net::SeqNum seq, std::uint32_t len, Write&& write);

    // Calls write(seq, len) for each part of [seq, seq + len) that no range
    // holds, in order; returns how many bytes that is. Changes nothing.
    template <class Write>
    std::uint32_t write_gaps(net::SeqNum seq, std::uint32_t len, Write&& write) const;

    struct Taken {
        net::SeqNum next;             // the new RCV.NXT: data is contiguous up to here
        std::uint32_t overlap = 0;    // queued bytes below the RCV.NXT given: duplicates
        bool fin = false;             // the queued FIN is now in order
    };
    // RCV.NXT reached `rcv_nxt` by in-order data: removes the ranges it
    // reached or touches and says how far the data is now contiguous.
    Taken take(net::SeqNum rcv_nxt);

    // A FIN came right after the highest queued byte (`at` == end()):
    // delivered with it by take(). Ignored in any other place; the peer
    // sends the FIN again.
    void note_fin(net::SeqNum at) {
        if (count_ != 0 && at == end()) fin_ = true;
    }

    // SACK blocks (RFC 2018 4): the range that received the latest segment
    // first, then the others, latest first; as many as `out` holds. Returns
    // how many were written.
    std::size_t sack_blocks(std::span<SeqRange> out) const;

private:
    struct Entry {
        net::SeqNum start;
        net::SeqNum end;
        std::uint32_t stamp;  // arrival count when a segment last landed here
    };
    void remove(std::size_t first, std::size_t n);

    std::array<Entry, kMaxRanges> ranges_{};
    std::uint8_t count_ = 0;
    bool fin_ = false;
    std::uint32_t arrivals_ = 0;
};

template <class Write>
std::uint32_t ReassemblyQueue::write_gaps(net::SeqNum seq, std::uint32_t len, Write&& write) const {
    const net::SeqNum end = seq + len;
    std::uint32_t written = 0;
    net::SeqNum at = seq;
    for (std::size_t k = 0; k < count_ && at < end && ranges_[k].start < end; ++k) {
        if (ranges_[k].end <= at) continue;
        if (ranges_[k].start > at) {
            const auto n = static_cast<std::uint32_t>(ranges_[k].start - at);
            write(at, n);
            written += n;
        }
        at = ranges_[k].end;
    }
    if (at < end) {
        write(at, static_cast<std::uint32_t>(end - at));
        written += static_cast<std::uint32_t>(end - at);
    }
    return written;
}

template <class Write>
ReassemblyQueue::Added ReassemblyQueue::add(net::SeqNum seq, std::uint32_t len, Write&& write) {
    const net::SeqNum end = seq + len;
    const bool past_fin = fin_ && end > this->end();  // data after the FIN: the FIN was wrong
    Added a;
    a.new_bytes = write_gaps(seq, len, write);
    a.duplicate_bytes = len - a.new_bytes;

    // Ranges [i, j) overlap or touch the new one.
    std::size_t i = 0;
    while (i < count_ && ranges_[i].end < seq) ++i;
    std::size_t j = i;
    while (j < count_ && ranges_[j].start <= end) ++j;
    const std::uint32_t stamp = ++arrivals_;
    if (i == j) {  // touches nothing: a range of its own
        for (std::size_t k = count_; k > i; --k) ranges_[k] = ranges_[k - 1];
        ranges_[i] = {seq, end, stamp};
        ++count_;
    } else {
        ranges_[i] = {net::seq_min(seq, ranges_[i].start), net::seq_max(end, ranges_[j - 1].end), stamp};
        remove(i + 1, j - i - 1);
    }
    if (past_fin) fin_ = false;
    return a;
}

}  // namespace synline::tcp
