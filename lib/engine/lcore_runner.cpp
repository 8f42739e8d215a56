#include "engine/lcore_runner.hpp"

#include <rte_launch.h>
#include <rte_lcore.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <string>

#include "engine/config.hpp"

namespace synline::engine {

namespace {

// The one mutable global: a signal handler receives no context argument, so it
// can reach the running LcoreRunner's flag only through a static. Set and cleared
// by the LcoreRunner constructor/destructor; read only by the handler. A
// lock-free atomic store is async-signal-safe.
std::atomic<StopFlag*> g_signal_stop{nullptr};

extern "C" void on_stop_signal(int sig)
{
    StopFlag* flag = g_signal_stop.load();
    if (flag == nullptr || flag->requested()) {
        // Second signal: the loops did not stop; die the default way.
        std::signal(sig, SIG_DFL);
        std::raise(sig);
        return;
    }
    flag->request();
}

}  // namespace

struct LcoreRunner::SavedHandlers {
    struct sigaction int_old {}, term_old{};
};

LcoreRunner::LcoreRunner(std::vector<unsigned> worker_lcores)
    : lcores_(std::move(worker_lcores)), saved_(std::make_unique<SavedHandlers>())
{
    StopFlag* expected = nullptr;
    if (!g_signal_stop.compare_exchange_strong(expected, &stop_))
        throw std::logic_error("LcoreRunner: only one may exist at a time");
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &saved_->int_old);
    sigaction(SIGTERM, &sa, &saved_->term_old);
}

LcoreRunner::~LcoreRunner()
{
    stop_.request();
    try {
        wait_all();
    } catch (...) {
        // Already reported by an explicit wait_all(), or the owner is unwinding.
    }
    sigaction(SIGINT, &saved_->int_old, nullptr);
    sigaction(SIGTERM, &saved_->term_old, nullptr);
    g_signal_stop.store(nullptr);
}

int LcoreRunner::trampoline(void* arg)
{
    const auto* slot = static_cast<const Slot*>(arg);
    LcoreRunner& r = *slot->runner;
    int rc = 0;
    try {
        r.fn_(slot->index, slot->lcore);
    } catch (...) {
        bool expected = false;
        if (r.failed_.compare_exchange_strong(expected, true)) r.first_error_ = std::current_exception();
        r.stop_.request();
        rc = -1;
    }
    r.running_.fetch_sub(1);
    r.stop_.wake();  // the main lcore notices when the last worker is gone
    return rc;
}

void LcoreRunner::launch(WorkerFn fn)
{
    if (launched_) throw std::logic_error("LcoreRunner::launch called twice");
    launched_ = true;
    fn_ = std::move(fn);
    slots_.clear();
    for (unsigned i = 0; i < lcores_.size(); ++i) slots_.push_back({this, i, lcores_[i]});
    for (auto& slot : slots_) {
        running_.fetch_add(1);
        if (int ret = rte_eal_remote_launch(&LcoreRunner::trampoline, &slot, slot.lcore); ret != 0) {
            running_.fetch_sub(1);
            stop_.request();
            throw ConfigError("cannot start worker on lcore " + std::to_string(slot.lcore) +
                              ": lcore busy (" + std::to_string(ret) + "): check eal.lcores");
        }
    }
}

void LcoreRunner::run_until_stopped(const std::function<void()>& every_second,
                                    std::optional<double> duration_seconds)
{
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    auto next_tick = start + std::chrono::seconds(1);
    const auto end = duration_seconds
                         ? start + std::chrono::duration_cast<clock::duration>(
                                       std::chrono::duration<double>(*duration_seconds))
                         : clock::time_point::max();
    // Sleeps until the next tick, the end, or a wake-up (stop requested, a
    // worker returned): the main lcore may share a CPU with a worker, and
    // waking it for nothing would steal that worker's time.
    while (!stop_.requested() && (!launched_ || running_.load() > 0)) {
        const auto now = clock::now();
        if (now >= end) {
            stop_.request();
            break;
        }
        if (now >= next_tick) {
            if (every_second) every_second();
            next_tick += std::chrono::seconds(1);
            if (next_tick < now) next_tick = now + std::chrono::seconds(1);  // skip missed ticks
        }
        const auto deadline = std::min(next_tick, end);
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
        const timespec until{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
        sem_clockwait(&stop_.wakeup, CLOCK_MONOTONIC, &until);  // EINTR, ETIMEDOUT: look again
    }
}

void LcoreRunner::wait_all()
{
    if (launched_) {
        for (unsigned lcore : lcores_) rte_eal_wait_lcore(lcore);
    }
    if (first_error_) {
        auto e = first_error_;
        first_error_ = nullptr;
        std::rethrow_exception(e);
    }
}

}  // namespace synline::engine
