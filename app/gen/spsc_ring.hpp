// A bounded ring of preallocated elements between one writer thread and one
// reader thread: pushing copies into a slot and publishes it with one
// release store, so the writer never takes a lock, never allocates and never
// waits for the reader (a full ring refuses the element).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace synline::gen {

template <class T, std::size_t N>
class SpscRing {
public:
    // Writer. False when the reader has N elements still to take.
    bool try_push(const T& v) {
        const std::uint64_t n = pushed_.load(std::memory_order_relaxed);
        if (n - popped_.load(std::memory_order_acquire) == N) return false;
        slots_[n % N] = v;
        pushed_.store(n + 1, std::memory_order_release);
        return true;
    }

    // Reader: the oldest element, valid until pop(); nullptr when empty.
    const T* front() const {
        const std::uint64_t n = popped_.load(std::memory_order_relaxed);
        if (n == pushed_.load(std::memory_order_acquire)) return nullptr;
        return &slots_[n % N];
    }
    void pop() { popped_.store(popped_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

private:
    std::array<T, N> slots_{};
    alignas(64) std::atomic<std::uint64_t> pushed_{0};  // written by the writer only
    alignas(64) std::atomic<std::uint64_t> popped_{0};  // written by the reader only
};

}  // namespace synline::gen
