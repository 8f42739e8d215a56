// A byte FIFO for data the application queued but the peer has not yet
// acknowledged. Storage grows in powers of two up to a limit, so an idle or
// short-lived connection costs no buffer memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace synline::tcp {

class ByteRing {
public:
    explicit ByteRing(std::size_t limit) : limit_(limit) {}

    // Copies as much of `data` as fits under the limit; returns the count copied.
    std::size_t append(std::span<const std::uint8_t> data);
    // Forgets the first n bytes (they were acknowledged).
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
    // Releases storage once empty (after the peer acknowledged everything).
    void release_if_empty();

private:
    void grow(std::size_t needed);

    std::unique_ptr<std::uint8_t[]> data_;
    std::size_t capacity_ = 0;  // zero or a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::size_t limit_;
};

}  // namespace synline::tcp
