// A byte FIFO: the send buffer (data queued, not yet acknowledged) and the
// receive buffer (data received, not yet read). Storage grows in powers of two
// up to a limit, so an idle or short-lived connection costs no buffer memory.
// A receive buffer also holds bytes that arrived out of order, written past
// the readable ones at their own offsets (write_at) and made readable once
// the bytes before them are in (commit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace synline::tcp {

// Blocks of a ring's first size that rings released, kept for the next ring
// that starts: a short connection or a keep-alive exchange would otherwise go
// to malloc and free for every response. One per core; it keeps at most
// `max_blocks`, so memory held for idle connections stays bounded.
class RingBlockCache {
public:
    static constexpr std::size_t kBlockSize = 4096;  // a ring's first allocation

    explicit RingBlockCache(std::size_t max_blocks) : max_blocks_(max_blocks) {
        blocks_.reserve(max_blocks);
    }

    std::unique_ptr<std::uint8_t[]> take() {
        if (blocks_.empty()) return std::make_unique_for_overwrite<std::uint8_t[]>(kBlockSize);
        std::unique_ptr<std::uint8_t[]> b = std::move(blocks_.back());
        blocks_.pop_back();
        return b;
    }
    // Frees `block` instead when the cache is full.
    void give(std::unique_ptr<std::uint8_t[]> block) {
        if (blocks_.size() < max_blocks_) blocks_.push_back(std::move(block));
    }
    std::size_t cached() const { return blocks_.size(); }

private:
    std::vector<std::unique_ptr<std::uint8_t[]>> blocks_;
    std::size_t max_blocks_;
};

class ByteRing {
public:
    // With a cache, first-size storage comes from it and goes back to it.
    explicit ByteRing(std::size_t limit, RingBlockCache* cache = nullptr)
        : limit_(limit), cache_(cache) {}
    ~ByteRing() {
        if (capacity_ != 0) release();
    }
    ByteRing(const ByteRing&) = delete;
    ByteRing& operator=(const ByteRing&) = delete;

    // Copies as much of `data` as fits under the limit; returns the count copied.
    // Nothing may have been written past the readable bytes (write_at).
    std::size_t append(std::span<const std::uint8_t> data);
    // Copies `data` to `offset` bytes past the head, at or past the readable
    // bytes, without making it readable; returns the count copied (what fits
    // under the limit). Bytes between the readable ones and `offset` that were
    // never written stay unreadable garbage until written.
    std::size_t write_at(std::size_t offset, std::span<const std::uint8_t> data);
    // The n bytes after the readable ones, already written by write_at (or
    // about to be discarded by consume), become readable.
    void commit(std::size_t n);
    // Forgets the first n readable bytes (acknowledged, or read).
    void consume(std::size_t n);

    // Up to `len` bytes starting `offset` bytes past the head, as at most two
    // contiguous pieces (the second is empty unless the range wraps).
    struct Pieces {
        std::span<const std::uint8_t> first, second;
        std::size_t size() const { return first.size() + second.size(); }
    };
    Pieces peek(std::size_t offset, std::size_t len) const;

    std::size_t size() const { return size_; }
    std::size_t free_space() const { return limit_ - size_; }
    bool empty() const { return size_ == 0; }
    // Releases storage once empty and nothing is written past the head.
    void release_if_empty();

private:
    void grow(std::size_t needed);
    void copy_in(std::size_t offset, std::span<const std::uint8_t> data);
    void release();  // precondition: capacity_ != 0

    std::unique_ptr<std::uint8_t[]> data_;
    std::size_t capacity_ = 0;  // zero or a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::size_t extent_ = 0;  // bytes past the head that write_at or append wrote: >= size_
    std::size_t limit_;
    RingBlockCache* cache_;
};

}  // namespace synline::tcp
