// The worker's side of the pcap capture (engine/capture_ring.hpp): copies of
// frames into the ring's slots. Only reached while capture is on.
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "engine/worker.hpp"

namespace synline::engine {

void Worker::capture_copy(CaptureRing& ring, std::span<rte_mbuf* const> frames, tcp::Instant at,
                          CaptureBatch& batch) {
    const std::size_t n = std::min(frames.size(), ring.room());
    const auto ts = static_cast<std::uint64_t>(at.since_epoch.count());
    for (std::size_t i = 0; i < n; ++i) {
        const rte_mbuf* m = frames[i];
        // The first segment is all a frame of ours has (multi-segment frames
        // are dropped on receive and never built on transmit).
        const std::uint32_t len = std::min<std::uint32_t>(m->data_len, static_cast<std::uint32_t>(ring.slot_bytes()));
        std::memcpy(ring.slot(i), rte_pktmbuf_mtod(m, const std::uint8_t*), len);
        batch.headers[i] = CaptureHeader{ts, m->pkt_len, len};
    }
    batch.copied = n;
}

void Worker::capture_publish(CaptureRing& ring, const CaptureBatch& batch, std::size_t count) {
    const std::size_t n = std::min(count, batch.copied);
    ring.publish(batch.headers.data(), n);
    if (!ring.closed()) counters_.capture_ring_full += count - n;
}

}  // namespace synline::engine
