// Per-core TCP counters. Every RST sent or received, every connection end and
// every discarded segment is counted under a named reason (scenario S30).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "tcp/state.hpp"

namespace synline::tcp {

// Why this endpoint sent a RST.
enum class RstSent : std::uint8_t {
    no_listener,        // SYN to a port nobody listens on: connection refused (RFC 9293 3.10.7.1)
    no_connection,      // segment for a connection that does not exist (S27)
    bad_ack,            // unacceptable ACK in SYN-SENT / SYN-RECEIVED (RFC 9293 3.10.7.3-4)
    app_abort,          // the application aborted, e.g. linger 0 (S25)
    unread_data,        // closed with received data unread (S26)
    accept_overflow,    // accept queue full under the "abort on overflow" policy (S14)
    keepalive_timeout,  // the peer stopped answering keepalive probes (S28)
    bad_cookie,         // an ACK to a listener whose SYN cookie did not verify (RFC 9293 3.10.7.2)
    count_
};

// Why a RST that arrived was or was not acted on (RFC 5961 3.2).
enum class RstReceived : std::uint8_t {
    accepted,        // exact sequence number: the connection is reset
    challenged,      // in window but not exact: a challenge ACK was sent
    out_of_window,   // ignored
    in_time_wait,    // ignored: RFC 1337
    refused,         // RST answering our SYN: connection refused
    count_
};

// Why a connection ended.
enum class CloseReason : std::uint8_t {
    normal,                 // both FINs exchanged and acknowledged
    reset_by_peer,
    aborted,                // the application aborted it
    refused,                // RST in answer to our SYN (S11)
    connect_timeout,        // SYN retransmissions exhausted (S10)
    retransmit_timeout,     // data/FIN retransmissions exhausted
    handshake_timeout,      // SYN-ACK retransmissions exhausted for a half-open entry
    fin_wait_2_timeout,     // S24
    keepalive_timeout,      // S28
    time_wait_reused,       // a new SYN took over the TIME-WAIT 4-tuple (RFC 6191)
    handshake_reset,        // a half-open entry reset by the peer, e.g. after an old duplicate SYN (S06)
    unread_data,            // closed with unread data: RST sent (S26)
    accept_overflow,
    count_
};

// Why a segment addressed to an existing or listening endpoint was discarded.
enum class SegmentDrop : std::uint8_t {
    out_of_window,       // failed the acceptability test; an ACK was sent (RFC 9293 3.10.7.4)
    ooo_over_limit,      // past a hole, but the core's out-of-order budget is spent (tcp.reassembly_core_limit)
    ooo_ranges_full,     // past a hole, and would open one hole more than a connection may keep
    paws,                // timestamp older than ts_recent (RFC 7323 5.3)
    no_ack,              // synchronized state, ACK bit off
    ack_unsent,          // acknowledges data never sent (RFC 5961 5.2): challenge ACK
    ack_too_old,         // acknowledges data older than the send window allows (RFC 5961 5.2)
    syn_in_window,       // SYN on a synchronized connection: challenge ACK (RFC 5961 4.2)
    challenge_rate_limited,
    listener_not_syn,    // listener got neither SYN nor ACK
    syn_fin,             // SYN with FIN to a listener: a scan, never an open (Linux, FreeBSD drop it too)
    syn_queue_full,      // SYN queue full and cookies off: dropped, never reset (S13)
    cookie_rst_limited,  // a bad-cookie ACK whose RST the per-core budget withheld (tcp.cookie_rst_rate)
    accept_queue_full,   // final ACK dropped: accept queue full (S14)
    no_connection_slot,  // connection pool exhausted
    rst_no_connection,   // RST for an unknown connection: never answered
    count_
};

constexpr std::string_view to_string(RstSent r) {
    constexpr std::string_view n[] = {"no_listener", "no_connection", "bad_ack", "app_abort",
                                      "unread_data", "accept_overflow", "keepalive_timeout", "bad_cookie"};
    static_assert(std::size(n) == static_cast<std::size_t>(RstSent::count_));
    return n[static_cast<std::size_t>(r)];
}
constexpr std::string_view to_string(RstReceived r) {
    constexpr std::string_view n[] = {"accepted", "challenged", "out_of_window", "in_time_wait",
                                      "refused"};
    static_assert(std::size(n) == static_cast<std::size_t>(RstReceived::count_));
    return n[static_cast<std::size_t>(r)];
}
constexpr std::string_view to_string(CloseReason r) {
    constexpr std::string_view n[] = {
        "normal",         "reset_by_peer",      "aborted",           "refused",
        "connect_timeout", "retransmit_timeout", "handshake_timeout", "fin_wait_2_timeout",
        "keepalive_timeout", "time_wait_reused", "handshake_reset",         "unread_data",
        "accept_overflow"};
    static_assert(std::size(n) == static_cast<std::size_t>(CloseReason::count_));
    return n[static_cast<std::size_t>(r)];
}
constexpr std::string_view to_string(SegmentDrop r) {
    constexpr std::string_view n[] = {
        "out_of_window", "ooo_over_limit", "ooo_ranges_full", "paws",  "no_ack", "ack_unsent", "ack_too_old",
        "syn_in_window", "challenge_rate_limited", "listener_not_syn", "syn_fin", "syn_queue_full",
        "cookie_rst_limited", "accept_queue_full",
        "no_connection_slot", "rst_no_connection"};
    static_assert(std::size(n) == static_cast<std::size_t>(SegmentDrop::count_));
    return n[static_cast<std::size_t>(r)];
}

template <class Enum>
using CounterArray = std::array<std::uint64_t, static_cast<std::size_t>(Enum::count_)>;

// The listener side of the handshake, SYN queue and SYN cookies (scenarios S12-S17).
struct HandshakeCounters {
    std::uint64_t syns_received = 0;          // SYNs that reached a listener
    std::uint64_t synacks_from_queue = 0;     // first SYN-ACKs of half-open entries
    std::uint64_t synacks_from_cookie = 0;
    std::uint64_t cookies_validated = 0;
    std::uint64_t cookies_stale = 0;          // counter outside the validity window
    std::uint64_t cookies_bad_hash = 0;       // forged, for another 4-tuple, or an old key
    std::uint64_t syn_queue_overflows = 0;    // SYNs met a full SYN queue (cookie or drop)
    std::uint64_t accept_queue_overflows = 0; // final ACKs met a full accept queue
    std::int64_t syn_queue = 0;               // gauge: half-open entries, all listeners
    std::int64_t accept_queue = 0;            // gauge: established, not yet accepted
};

// Loss recovery and congestion control (RFC 5681, RFC 6582, RFC 6298).
struct RecoveryCounters {
    std::uint64_t fast_retransmits = 0;  // recoveries begun by the third duplicate ACK
    std::uint64_t partial_acks = 0;      // NewReno partial ACKs, each resending the next hole
    std::uint64_t timeouts = 0;          // data retransmission timeouts
    std::uint64_t cwnd_reductions = 0;   // ssthresh and cwnd brought down (a loss or a first timeout)
};

// The out-of-order queue (tcp/reassembly_queue.hpp).
struct ReassemblyCounters {
    std::uint64_t queued = 0;              // segments past a hole that brought new bytes
    std::uint64_t queued_bytes = 0;        // those new bytes
    std::uint64_t duplicate_segments = 0;  // segments that brought no byte not already held
    std::uint64_t duplicate_bytes = 0;     // bytes that came again: already queued or delivered
    std::uint64_t holes_filled = 0;        // in-order segments that reached queued data
    std::uint64_t delivered_bytes = 0;     // queued bytes that became in order
    std::int64_t held_bytes = 0;           // gauge: receive buffer held past RCV.NXT, all connections
};

struct TcpCounters {
    std::uint64_t segments_in = 0;
    std::uint64_t segments_out = 0;
    std::uint64_t retransmits = 0;
    std::uint64_t challenge_acks = 0;
    std::uint64_t connections_opened_passive = 0;
    std::uint64_t connections_opened_active = 0;
    CounterArray<RstSent> rst_sent{};
    CounterArray<RstReceived> rst_received{};
    CounterArray<CloseReason> closed{};
    CounterArray<SegmentDrop> dropped{};
    HandshakeCounters handshake;
    RecoveryCounters recovery;
    ReassemblyCounters ooo;
    // Gauge: connections currently in each state (LISTEN counts listeners).
    std::array<std::int64_t, kStateCount> in_state{};

    template <class Enum>
    static void bump(CounterArray<Enum>& a, Enum e) { ++a[static_cast<std::size_t>(e)]; }
};

}  // namespace synline::tcp
