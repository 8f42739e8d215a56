#include "tcp/byte_ring.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace synline::tcp {

namespace {
constexpr std::size_t kInitialCapacity = RingBlockCache::kBlockSize;
}

void ByteRing::grow(std::size_t needed) {
    std::size_t cap = std::max(kInitialCapacity, std::bit_ceil(needed));
    // Not zeroed: only bytes that append() wrote are ever read.
    auto bigger = cap == kInitialCapacity && cache_
                      ? cache_->take()
                      : std::make_unique_for_overwrite<std::uint8_t[]>(cap);
    Pieces old = peek(0, size_);
    std::memcpy(bigger.get(), old.first.data(), old.first.size());
    if (!old.second.empty())
        std::memcpy(bigger.get() + old.first.size(), old.second.data(), old.second.size());
    if (capacity_ != 0) release();
    data_ = std::move(bigger);
    capacity_ = cap;
    head_ = 0;
}

std::size_t ByteRing::append(std::span<const std::uint8_t> in) {
    std::size_t n = std::min(in.size(), free_space());
    if (n == 0) return 0;
    if (size_ + n > capacity_) grow(size_ + n);
    std::size_t tail = (head_ + size_) & (capacity_ - 1);
    std::size_t first = std::min(n, capacity_ - tail);
    std::memcpy(data_.get() + tail, in.data(), first);
    std::memcpy(data_.get(), in.data() + first, n - first);
    size_ += n;
    return n;
}

void ByteRing::consume(std::size_t n) {
    n = std::min(n, size_);
    size_ -= n;
    head_ = size_ == 0 ? 0 : (head_ + n) & (capacity_ - 1);
}

ByteRing::Pieces ByteRing::peek(std::size_t offset, std::size_t len) const {
    if (offset >= size_) return {};
    len = std::min(len, size_ - offset);
    std::size_t start = (head_ + offset) & (capacity_ - 1);
    std::size_t first = std::min(len, capacity_ - start);
    return {{data_.get() + start, first}, {data_.get(), len - first}};
}

void ByteRing::release_if_empty() {
    if (size_ != 0 || capacity_ == 0) return;
    release();
    head_ = 0;
}

void ByteRing::release() {
    if (capacity_ == kInitialCapacity && cache_) cache_->give(std::move(data_));
    else data_.reset();
    capacity_ = 0;
}

}  // namespace synline::tcp
