// Runs the per-core loops on the worker lcores and keeps the main lcore for
// control (stats once per second, signals, shutdown).
#pragma once

#include <semaphore.h>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace synline::engine {

// Polled by every worker once per loop iteration. Own cache line: workers only
// read it, so it stays shared in their caches until stop is requested. The
// main lcore sleeps on `wakeup` between its once-a-second duties, so it never
// runs on a worker's CPU for nothing; request() and wake() post it and are
// async-signal-safe (sem_post).
struct alignas(64) StopFlag {
    std::atomic<bool> stop{false};
    sem_t wakeup;

    StopFlag() { sem_init(&wakeup, 0, 0); }
    ~StopFlag() { sem_destroy(&wakeup); }
    StopFlag(const StopFlag&) = delete;
    StopFlag& operator=(const StopFlag&) = delete;

    bool requested() const { return stop.load(std::memory_order_relaxed); }
    void request() {
        stop.store(true, std::memory_order_relaxed);
        wake();
    }
    void wake() { sem_post(&wakeup); }
};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handler stores the flag");

class LcoreRunner {
public:
    using WorkerFn = std::function<void(unsigned worker_index, unsigned lcore_id)>;

    // Installs SIGINT/SIGTERM handlers that request stop (a second signal kills
    // the process the default way, for a worker that never polls). At most one
    // LcoreRunner exists at a time (std::logic_error otherwise): the handler reaches
    // it through one static pointer, the only mutable global in the engine.
    explicit LcoreRunner(std::vector<unsigned> worker_lcores);
    // Requests stop, waits for the workers, restores the previous handlers.
    ~LcoreRunner();
    LcoreRunner(const LcoreRunner&) = delete;
    LcoreRunner& operator=(const LcoreRunner&) = delete;

    StopFlag& stop_flag() { return stop_; }
    const StopFlag& stop_flag() const { return stop_; }
    unsigned worker_count() const { return static_cast<unsigned>(lcores_.size()); }

    // Runs fn(i, worker_lcores[i]) on each worker lcore (rte_eal_remote_launch).
    // fn is expected to loop until stop_flag().requested(). If fn throws, the
    // exception is kept for wait_all() and stop is requested for everyone.
    // Throws ConfigError if an lcore is busy.
    void launch(WorkerFn fn);

    // On the main lcore: calls every_second() once per second until stop is
    // requested (signal, or a worker threw), every worker has returned, or
    // duration_seconds elapse (then it requests stop). Does not join; call
    // wait_all() next.
    void run_until_stopped(const std::function<void()>& every_second,
                           std::optional<double> duration_seconds = std::nullopt);

    // Joins every worker (rte_eal_mp_wait_lcore); rethrows the first exception
    // a worker threw. Safe to call more than once.
    void wait_all();

private:
    struct Slot {
        LcoreRunner* runner;
        unsigned index;
        unsigned lcore;
    };
    static int trampoline(void* arg);

    StopFlag stop_;
    std::vector<unsigned> lcores_;
    std::vector<Slot> slots_;
    WorkerFn fn_;
    std::atomic<unsigned> running_{0};
    std::atomic<bool> failed_{false};
    std::exception_ptr first_error_;  // written once, by the worker that set failed_
    bool launched_ = false;
    struct SavedHandlers;
    std::unique_ptr<SavedHandlers> saved_;
};

}  // namespace synline::engine
