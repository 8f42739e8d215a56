// Software steering between workers: where a device cannot bring every frame
// of a flow to the flow's home worker (one RX queue, af_packet's kernel
// fanout, memif or virtio_user queues a peer fills as it likes), the worker
// that received a frame hashes it as RSS would (engine/toeplitz.hpp) and
// hands it to its home worker over a lock-free single-producer,
// single-consumer channel (Boost.Lockfree spsc_queue), one per ordered pair
// of workers. On a port whose RSS spreads with our key and table every frame
// already arrives home, and the count of those that did not
// (steer.foreign_packets) stays 0.
//
// The same channels carry the transmissions of a worker without a queue of
// its own to the worker whose queue sends them, and tasks from the control
// thread (one more channel to each worker), so no worker ever takes a lock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <boost/lockfree/spsc_queue.hpp>

#include "engine/stats.hpp"
#include "engine/toeplitz.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace synline::tcp {
class Stack;
}

namespace synline::engine {

// A closure for one worker's stack, run on that worker's lcore between two
// bursts; `done` counts the workers that have run it.
struct WorkerTask {
    std::function<void(tcp::Stack&, unsigned worker)> run;
    std::atomic<unsigned> done{0};
};

struct SteerMessage {
    enum class Kind : std::uint8_t { rx_frame, tx_frame, task };
    Kind kind = Kind::rx_frame;
    void* what = nullptr;  // rte_mbuf* for frames, WorkerTask* for a task
};

// Every channel of a process: created before the workers, outlives them.
// Channel (from, to) has one producer, worker `from` (or the control thread
// when from == workers()), and one consumer, worker `to`.
class SteerFabric {
public:
    using Channel = boost::lockfree::spsc_queue<SteerMessage>;
    static constexpr std::size_t kChannelCapacity = 1024;

    SteerFabric(unsigned workers, RssSpread spread);
    ~SteerFabric();  // frees the frames still in the channels
    SteerFabric(const SteerFabric&) = delete;
    SteerFabric& operator=(const SteerFabric&) = delete;

    unsigned workers() const { return workers_; }
    const RssSpread& spread() const { return spread_; }
    Channel& channel(unsigned from, unsigned to) { return *channels_[from * workers_ + to]; }

    // From the control thread: runs `task` on every worker and waits until
    // all have (or `timeout` passes: false). Workers must be polling.
    bool run_on_every_worker(WorkerTask& task, std::chrono::milliseconds timeout);

private:
    unsigned workers_;
    RssSpread spread_;
    std::vector<std::unique_ptr<Channel>> channels_;  // (workers + 1) x workers
};

// One worker's end of the fabric.
class Steering {
public:
    // `tx_relay`: the worker whose queue sends this one's frames, when this
    // one has no queue (else its own index).
    // `counters`: the worker's, which this one's counts go to.
    Steering(SteerFabric& fabric, unsigned me, unsigned tx_relay, rte_mempool* pool, WorkerCounters& counters);

    unsigned me() const { return me_; }
    bool has_own_queue() const { return tx_relay_ == me_; }
    // The worker a TCP/IPv4 frame belongs to, or me() for every other frame.
    unsigned home_of(const rte_mbuf* m) const;
    // The frames of a received burst homed here stay, in order, at the front
    // of `frames` (their count is returned); the others go to their workers'
    // channels, in one push per worker. ARP frames stay and a copy goes to
    // every other worker (each keeps its own neighbour cache).
    std::size_t sort(std::span<rte_mbuf*> frames);
    // Frames and tasks other workers sent: received frames fill `out` (their
    // count is returned), frames to transmit go to `transmit`, tasks run on
    // `stack`. At most out.size() messages are taken.
    template <class Transmit>
    std::size_t collect(std::span<rte_mbuf*> out, tcp::Stack& stack, Transmit&& transmit);
    // A worker without a queue: its frames to send go to the relay's channel.
    void relay(std::span<rte_mbuf* const> frames);

private:
    void hand_off(unsigned to, std::span<const SteerMessage> msgs);
    void copy_to_others(const rte_mbuf* m);
    void run_task(SteerMessage msg, tcp::Stack& stack);

    SteerFabric& fabric_;
    unsigned me_;
    unsigned tx_relay_;
    rte_mempool* pool_;  // for ARP copies
    WorkerCounters& counters_;
};

template <class Transmit>
std::size_t Steering::collect(std::span<rte_mbuf*> out, tcp::Stack& stack, Transmit&& transmit) {
    std::size_t got = 0;
    for (unsigned from = 0; from <= fabric_.workers() && got < out.size(); ++from) {
        if (from == me_) continue;
        std::array<SteerMessage, 32> batch;
        const std::size_t n = fabric_.channel(from, me_).pop(batch.data(), std::min(batch.size(), out.size() - got));
        for (std::size_t i = 0; i < n; ++i) {
            auto* m = static_cast<rte_mbuf*>(batch[i].what);
            switch (batch[i].kind) {
                case SteerMessage::Kind::rx_frame:
                    out[got++] = m;
                    ++counters_.steer.arrived;
                    break;
                case SteerMessage::Kind::tx_frame:
                    transmit(m);
                    break;
                case SteerMessage::Kind::task:
                    run_task(batch[i], stack);
                    break;
            }
        }
    }
    return got;
}

}  // namespace synline::engine
