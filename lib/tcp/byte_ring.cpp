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
    // Not zeroed: only bytes that append() or write_at() wrote are ever read.
    auto bigger = cap == kInitialCapacity && cache_
                      ? cache_->take()
                      : std::make_unique_for_overwrite<std::uint8_t[]>(cap);
    if (extent_ != 0) {  // everything written, also past the readable bytes
        std::size_t first = std::min(extent_, capacity_ - head_);
        std::memcpy(bigger.get(), data_.get() + head_, first);
        std::memcpy(bigger.get() + first, data_.get(), extent_ - first);
    }
    if (capacity_ != 0) release();
    data_ = std::move(bigger);
    capacity_ = cap;
    head_ = 0;
}

void ByteRing::copy_in(std::size_t offset, std::span<const std::uint8_t> in) {
    std::size_t at = (head_ + offset) & (capacity_ - 1);
    std::size_t first = std::min(in.size(), capacity_ - at);
    std::memcpy(data_.get() + at, in.data(), first);
    std::memcpy(data_.get(), in.data() + first, in.size() - first);
}

std::size_t ByteRing::append(std::span<const std::uint8_t> in) {
    std::size_t n = std::min(in.size(), free_space());
    if (n == 0) return 0;
    if (size_ + n > capacity_) grow(size_ + n);
    copy_in(size_, in.first(n));
    size_ += n;
    extent_ = std::max(extent_, size_);
    return n;
}

std::size_t ByteRing::write_at(std::size_t offset, std::span<const std::uint8_t> in) {
    if (offset >= limit_) return 0;
    std::size_t n = std::min(in.size(), limit_ - offset);
    if (n == 0) return 0;
    if (offset + n > capacity_) grow(offset + n);
    copy_in(offset, in.first(n));
    extent_ = std::max(extent_, offset + n);
    return n;
}

void ByteRing::commit(std::size_t n) { size_ = std::min(size_ + n, extent_); }

void ByteRing::consume(std::size_t n) {
    n = std::min(n, size_);
    size_ -= n;
    extent_ -= n;
    head_ = extent_ == 0 ? 0 : (head_ + n) & (capacity_ - 1);
}

ByteRing::Pieces ByteRing::peek(std::size_t offset, std::size_t len) const {
    if (offset >= size_) return {};
    len = std::min(len, size_ - offset);
    std::size_t start = (head_ + offset) & (capacity_ - 1);
    std::size_t first = std::min(len, capacity_ - start);
    return {{data_.get() + start, first}, {data_.get(), len - first}};
}

void ByteRing::release_if_empty() {
    if (extent_ != 0 || capacity_ == 0) return;
    release();
    head_ = 0;
}

void ByteRing::release() {
    if (capacity_ == kInitialCapacity && cache_) cache_->give(std::move(data_));
    else data_.reset();
    capacity_ = 0;
}

}  // namespace synline::tcp
