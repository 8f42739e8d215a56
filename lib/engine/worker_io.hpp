// Raw frames on a worker's own queue, for tools that put on the wire what the
// stack would never send (a SYN flood from spoofed sources) and count replies
// the stack must not answer. A worker with a FrameTap calls it from every
// poll: first with the received burst, before the stack sees it, then once to
// let it transmit. Both calls run on the worker's lcore, so the tap needs no
// locking and owns the queue between them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/interface.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace synline::engine {

// What a tap may use between two polls: transmit on (port_id, queue_id) with
// rte_eth_tx_burst, allocate from `pool` (the worker's, local to its core).
struct WorkerQueue {
    std::uint16_t port_id = 0;
    std::uint16_t queue_id = 0;
    rte_mempool* pool = nullptr;
    const Interface* iface = nullptr;  // our MAC and address
};

class FrameTap {
public:
    virtual ~FrameTap() = default;
    // The received burst, before the stack; called on every poll, also with
    // an empty burst. A frame the tap claims becomes its own (it frees it);
    // the frames left for the stack are moved to the front of `frames`, in
    // their order, and their number returned.
    virtual std::size_t on_receive(std::span<rte_mbuf*> frames) = 0;
    // Once per poll, after the stack has answered the burst and flushed its
    // replies: the tap may allocate frames and transmit them.
    virtual void on_poll(const WorkerQueue& queue) = 0;
};

}  // namespace synline::engine
