// One worker's copies of the frames it receives and sends, on their way to the
// pcap writer thread (engine/pcap_writer.hpp). The worker writes each frame's
// first bytes straight into a preallocated slot and publishes a small header
// for it through a Boost.Lockfree spsc_queue; the writer reads the slot where
// it lies and then releases it. Neither side locks, allocates or waits: when
// every slot is still waiting for the writer, the frame is not copied and the
// worker counts it (capture.ring_full).
//
// Why copies and not a reference on the mbuf: a held mbuf cannot be rewritten
// (the worker answers ARP, ICMP and SYNs in the received frame itself, and
// checks that it holds the only reference before doing so), a slow disk would
// hold mbufs out of the pool the NIC fills, and a sent mbuf belongs to the
// driver. A copy of at most snaplen bytes of a frame the worker has just
// touched costs a few cache lines, and only while capture is on.
//
// Slot k of the ring holds the k-th frame published, modulo the slot count.
// The producer writes slot k only while the queue has room for it, that is
// after the consumer's consume of frame k - slots returned (its release of the
// queue's read index follows its reads of the slot); the consumer reads slot
// k only after the producer's push of header k (its release of the write index
// follows the copy). So the queue's own indices order every access to a slot.
// No DPDK here: unit-tested without EAL.
#pragma once

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace synline::engine {

// Trivial on purpose: a worker's batch of them on the stack costs nothing to
// declare while capture is off.
struct CaptureHeader {
    std::uint64_t ts_ns;     // the worker's clock: nanoseconds since the Unix epoch
    std::uint32_t wire_len;  // the frame's length
    std::uint32_t cap_len;   // bytes kept in the slot (at most the slot size)
};

class CaptureRing {
public:
    // `slots` frames in flight at most, each kept up to `slot_bytes` bytes.
    CaptureRing(std::size_t slots, std::size_t slot_bytes)
        : slots_(slots),
          slot_bytes_(slot_bytes),
          stride_((slot_bytes + 63) / 64 * 64),
          data_(std::make_unique<std::uint8_t[]>(slots * stride_)),
          queue_(slots) {}
    CaptureRing(const CaptureRing&) = delete;
    CaptureRing& operator=(const CaptureRing&) = delete;

    std::size_t slot_bytes() const { return slot_bytes_; }

    // Producer (the worker). How many frames may be written before the next
    // publish(); 0 once the writer has closed the ring (its limit was reached).
    std::size_t room() const { return closed() ? 0 : queue_.write_available(); }
    // The slot of the k-th frame after those published so far (k < room()).
    std::uint8_t* slot(std::size_t k) { return data_.get() + (pushed_ + k) % slots_ * stride_; }
    // Hands the first `n` written slots to the consumer, headers[i] describing slot(i).
    void publish(const CaptureHeader* headers, std::size_t n) {
        pushed_ += queue_.push(headers, n);
    }

    // Consumer (the writer thread). Calls f(header, bytes) for every published
    // frame, oldest first, then releases their slots; returns how many.
    template <class F>
    std::size_t consume(F&& f) {
        return queue_.consume_all([&](const CaptureHeader& h) {
            f(h, std::span<const std::uint8_t>(data_.get() + popped_++ % slots_ * stride_, h.cap_len));
        });
    }
    // Stops the producer from writing more (room() becomes 0); any thread.
    void close() { closed_.store(true, std::memory_order_relaxed); }
    bool closed() const { return closed_.load(std::memory_order_relaxed); }

private:
    const std::size_t slots_;
    const std::size_t slot_bytes_;
    const std::size_t stride_;  // slots start on cache lines
    std::unique_ptr<std::uint8_t[]> data_;
    boost::lockfree::spsc_queue<CaptureHeader> queue_;
    std::atomic<bool> closed_{false};
    alignas(64) std::size_t pushed_ = 0;  // producer's own count
    alignas(64) std::size_t popped_ = 0;  // consumer's own count
};

}  // namespace synline::engine
