// Counters of one worker, and how the control lcore reads them without
// slowing the worker: the worker keeps plain integers and copies them now and
// then into a board of relaxed atomics (a plain store on x86), which the
// control lcore reads for the status line and the final summary.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/drop_reason.hpp"
#include "tcp/counters.hpp"

namespace synline::engine {

// Frames between workers (engine/steering.hpp).
struct SteerCounters {
    std::uint64_t foreign_packets = 0;  // received here, homed on another worker
    std::uint64_t handed_off = 0;       // of those, given to their home's channel
    std::uint64_t arrived = 0;          // frames other workers handed to this one
    std::uint64_t arp_copies = 0;       // ARP frames copied to every other worker
    std::uint64_t tx_relayed = 0;       // frames given to another worker's queue to send
};

struct WorkerCounters {
    std::uint64_t rx_packets = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_packets = 0;
    std::uint64_t tx_bytes = 0;
    std::uint64_t arp_replies_sent = 0;
    std::uint64_t arp_requests_sent = 0;
    std::uint64_t icmp_echo_replies = 0;
    std::uint64_t capture_ring_full = 0;  // frames the capture ring had no slot for
    std::array<std::uint64_t, net::kDropCount> drops{};
    SteerCounters steer;

    void drop(net::Drop d) { ++drops[static_cast<std::size_t>(d)]; }
};

// A counter's name in two parts ("drop." and "eth_truncated"): visiting the
// counters builds no string, so the worker can publish them without touching
// the heap. counter_names() joins the parts once.
struct CounterName {
    std::string_view prefix;
    std::string_view suffix;
};

// Calls f(CounterName, value) for every counter, always in the same order.
template <class F>
void visit_counters(const WorkerCounters& w, const tcp::TcpCounters& t, std::size_t connections,
                    F&& f) {
    auto one = [&](std::string_view name, std::uint64_t v) { f(CounterName{name, {}}, v); };
    auto each = [&](std::string_view prefix, const auto& arr, auto enum_tag) {
        using E = decltype(enum_tag);
        for (std::size_t i = 0; i < arr.size(); ++i)
            f(CounterName{prefix, to_string(static_cast<E>(i))}, static_cast<std::uint64_t>(arr[i]));
    };
    one("rx_packets", w.rx_packets);
    one("rx_bytes", w.rx_bytes);
    one("tx_packets", w.tx_packets);
    one("tx_bytes", w.tx_bytes);
    one("arp_replies_sent", w.arp_replies_sent);
    one("arp_requests_sent", w.arp_requests_sent);
    one("icmp_echo_replies", w.icmp_echo_replies);
    one("capture.ring_full", w.capture_ring_full);
    each("drop.", w.drops, net::Drop{});
    one("steer.foreign_packets", w.steer.foreign_packets);
    one("steer.handed_off", w.steer.handed_off);
    one("steer.arrived", w.steer.arrived);
    one("steer.arp_copies", w.steer.arp_copies);
    one("steer.tx_relayed", w.steer.tx_relayed);
    one("tcp.segments_in", t.segments_in);
    one("tcp.segments_out", t.segments_out);
    one("tcp.retransmits", t.retransmits);
    one("tcp.challenge_acks", t.challenge_acks);
    one("tcp.opened_passive", t.connections_opened_passive);
    one("tcp.opened_active", t.connections_opened_active);
    one("tcp.connections", connections);
    const tcp::HandshakeCounters& hs = t.handshake;
    one("tcp.handshake.syns_received", hs.syns_received);
    one("tcp.handshake.synacks_from_queue", hs.synacks_from_queue);
    one("tcp.handshake.synacks_from_cookie", hs.synacks_from_cookie);
    one("tcp.handshake.cookies_validated", hs.cookies_validated);
    one("tcp.handshake.cookies_stale", hs.cookies_stale);
    one("tcp.handshake.cookies_bad_hash", hs.cookies_bad_hash);
    one("tcp.handshake.syn_queue_overflows", hs.syn_queue_overflows);
    one("tcp.handshake.accept_queue_overflows", hs.accept_queue_overflows);
    one("tcp.handshake.syn_queue", static_cast<std::uint64_t>(hs.syn_queue));
    one("tcp.handshake.accept_queue", static_cast<std::uint64_t>(hs.accept_queue));
    const tcp::RecoveryCounters& rc = t.recovery;
    one("tcp.recovery.fast_retransmits", rc.fast_retransmits);
    one("tcp.recovery.partial_acks", rc.partial_acks);
    one("tcp.recovery.timeouts", rc.timeouts);
    one("tcp.recovery.cwnd_reductions", rc.cwnd_reductions);
    const tcp::ReassemblyCounters& ooo = t.ooo;
    one("tcp.ooo.queued", ooo.queued);
    one("tcp.ooo.queued_bytes", ooo.queued_bytes);
    one("tcp.ooo.duplicate_segments", ooo.duplicate_segments);
    one("tcp.ooo.duplicate_bytes", ooo.duplicate_bytes);
    one("tcp.ooo.holes_filled", ooo.holes_filled);
    one("tcp.ooo.delivered_bytes", ooo.delivered_bytes);
    one("tcp.ooo.held_bytes", static_cast<std::uint64_t>(ooo.held_bytes));
    each("tcp.rst_sent.", t.rst_sent, tcp::RstSent{});
    each("tcp.rst_received.", t.rst_received, tcp::RstReceived{});
    each("tcp.closed.", t.closed, tcp::CloseReason{});
    each("tcp.dropped.", t.dropped, tcp::SegmentDrop{});
    each("tcp.state.", t.in_state, tcp::State{});
}

// Every counter's full name, in visiting order; built on the first call.
const std::vector<std::string>& counter_names();

// Single writer (a worker), any number of readers. Values are stored by
// position in counter_names().
class StatsBoard {
public:
    StatsBoard() : values_(std::make_unique<std::atomic<std::uint64_t>[]>(counter_names().size())) {}
    void publish(const WorkerCounters& w, const tcp::TcpCounters& t, std::size_t connections);
    // Adds this board's values to sums (one per counter name); allocates nothing.
    void add_to(std::span<std::uint64_t> sums) const;

private:
    std::unique_ptr<std::atomic<std::uint64_t>[]> values_;
};

}  // namespace synline::engine
