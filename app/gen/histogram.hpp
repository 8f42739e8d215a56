// A log-linear latency histogram in the manner of HdrHistogram: values below
// 128 ns have a bucket each; above, every power of two is split into 64 equal
// buckets, so a recorded value is known to within 1/64 (1.6 %). Recording is
// a count-leading-zeros and an increment; merging is a loop of additions. One
// histogram belongs to one worker; the reporter merges copies.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace synline::gen {

class Histogram {
public:
    static constexpr unsigned kSubBits = 7;                       // 128 exact values
    static constexpr unsigned kHalf = 1u << (kSubBits - 1);       // 64 buckets per octave
    static constexpr unsigned kMaxShift = 34;                     // up to 2^41 ns (~36 min)
    static constexpr unsigned kBuckets = (1u << kSubBits) + kMaxShift * kHalf;
    static constexpr std::uint64_t kMaxValue = (std::uint64_t{1} << (kSubBits + kMaxShift)) - 1;

    void record(std::uint64_t ns) {
        if (ns > kMaxValue) ns = kMaxValue;
        ++counts_[index_of(ns)];
        ++total_;
        sum_ += ns;
        if (ns < min_) min_ = ns;
        if (ns > max_) max_ = ns;
    }
    void merge(const Histogram& o);
    void reset() { *this = Histogram{}; }

    std::uint64_t count() const { return total_; }
    std::uint64_t min() const { return total_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    double mean() const { return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0; }
    // The highest value equivalent to the recorded one at percentile p (0..100],
    // never above the largest value recorded; 0 when empty.
    std::uint64_t percentile(double p) const;

    static constexpr unsigned index_of(std::uint64_t v) {
        if (v < (1u << kSubBits)) return static_cast<unsigned>(v);
        const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
        const unsigned shift = msb - (kSubBits - 1);  // >= 1: v >> shift is in [64, 128)
        return (1u << kSubBits) + (shift - 1) * kHalf + static_cast<unsigned>((v >> shift) - kHalf);
    }
    // Largest value that falls in bucket i.
    static constexpr std::uint64_t highest_in(unsigned i) {
        if (i < (1u << kSubBits)) return i;
        const unsigned shift = (i - (1u << kSubBits)) / kHalf + 1;
        const std::uint64_t sub = (i - (1u << kSubBits)) % kHalf + kHalf;
        return ((sub + 1) << shift) - 1;
    }

private:
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = ~std::uint64_t{0};
    std::uint64_t max_ = 0;
};

}  // namespace synline::gen
