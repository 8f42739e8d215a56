// Counters of one worker, and how the control lcore reads them without
// slowing the worker: the worker keeps plain integers and copies them now and
// then into a board of relaxed atomics (a plain store on x86), which the
// control lcore reads for the status line and the final summary.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/drop_reason.hpp"
#include "tcp/counters.hpp"

namespace synline::engine {

struct WorkerCounters {
    std::uint64_t rx_packets = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_packets = 0;
    std::uint64_t tx_bytes = 0;
    std::uint64_t arp_replies_sent = 0;
    std::uint64_t arp_requests_sent = 0;
    std::uint64_t icmp_echo_replies = 0;
    std::array<std::uint64_t, net::kDropCount> drops{};

    void drop(net::Drop d) { ++drops[static_cast<std::size_t>(d)]; }
};

// Calls f(name, value) for every counter, always in the same order.
template <class F>
void visit_counters(const WorkerCounters& w, const tcp::TcpCounters& t, std::size_t connections,
                    F&& f) {
    f("rx_packets", w.rx_packets);
    f("rx_bytes", w.rx_bytes);
    f("tx_packets", w.tx_packets);
    f("tx_bytes", w.tx_bytes);
    f("arp_replies_sent", w.arp_replies_sent);
    f("arp_requests_sent", w.arp_requests_sent);
    f("icmp_echo_replies", w.icmp_echo_replies);
    for (std::size_t i = 0; i < net::kDropCount; ++i)
        f("drop." + std::string(net::to_string(static_cast<net::Drop>(i))), w.drops[i]);
    f("tcp.segments_in", t.segments_in);
    f("tcp.segments_out", t.segments_out);
    f("tcp.retransmits", t.retransmits);
    f("tcp.challenge_acks", t.challenge_acks);
    f("tcp.opened_passive", t.connections_opened_passive);
    f("tcp.opened_active", t.connections_opened_active);
    f("tcp.connections", connections);
    const tcp::HandshakeCounters& hs = t.handshake;
    f("tcp.handshake.syns_received", hs.syns_received);
    f("tcp.handshake.synacks_from_queue", hs.synacks_from_queue);
    f("tcp.handshake.synacks_from_cookie", hs.synacks_from_cookie);
    f("tcp.handshake.cookies_validated", hs.cookies_validated);
    f("tcp.handshake.cookies_stale", hs.cookies_stale);
    f("tcp.handshake.cookies_bad_hash", hs.cookies_bad_hash);
    f("tcp.handshake.syn_queue_overflows", hs.syn_queue_overflows);
    f("tcp.handshake.accept_queue_overflows", hs.accept_queue_overflows);
    f("tcp.handshake.syn_queue", static_cast<std::uint64_t>(hs.syn_queue));
    f("tcp.handshake.accept_queue", static_cast<std::uint64_t>(hs.accept_queue));
    auto each = [&](const char* prefix, const auto& arr, auto enum_tag) {
        using E = decltype(enum_tag);
        for (std::size_t i = 0; i < arr.size(); ++i)
            f(prefix + std::string(tcp::to_string(static_cast<E>(i))), arr[i]);
    };
    each("tcp.rst_sent.", t.rst_sent, tcp::RstSent{});
    each("tcp.rst_received.", t.rst_received, tcp::RstReceived{});
    each("tcp.closed.", t.closed, tcp::CloseReason{});
    each("tcp.dropped.", t.dropped, tcp::SegmentDrop{});
    for (std::size_t i = 0; i < t.in_state.size(); ++i)
        f("tcp.state." + std::string(tcp::to_string(static_cast<tcp::State>(i))),
          static_cast<std::uint64_t>(t.in_state[i]));
}

std::vector<std::string> counter_names();

// Single writer (a worker), any number of readers.
class StatsBoard {
public:
    StatsBoard() : values_(std::make_unique<std::atomic<std::uint64_t>[]>(counter_names().size())) {}
    void publish(const WorkerCounters& w, const tcp::TcpCounters& t, std::size_t connections);
    std::vector<std::uint64_t> read() const;

private:
    std::unique_ptr<std::atomic<std::uint64_t>[]> values_;
};

}  // namespace synline::engine
