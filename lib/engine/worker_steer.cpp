// A worker's receive when frames move between workers (engine/steering.hpp).
#include <rte_ethdev.h>

#include "engine/worker.hpp"

namespace synline::engine {

std::uint16_t Worker::receive_steered(std::array<rte_mbuf*, kBurst>& rx) {
    std::size_t n = 0;
    if (steer_->has_own_queue())
        n = steer_->sort({rx.data(), rte_eth_rx_burst(setup_.port_id, setup_.queue_id, rx.data(), kBurst)});
    // What others sent: frames homed here, frames to send on this worker's
    // queue for a worker that has none, and tasks.
    n += steer_->collect({rx.data() + n, kBurst - n}, *stack_, [this](rte_mbuf* m) { queue_tx(m); });
    return static_cast<std::uint16_t>(n);
}

}  // namespace synline::engine
