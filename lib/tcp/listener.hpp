// A passive endpoint: LISTEN state for one local port (RFC 9293 3.10.7.2),
// with its two bounded queues (S12): the SYN queue of half-open connections
// and, in pull mode, the accept queue of established ones not yet accepted.
#pragma once

#include <cstdint>
#include <optional>

#include "tcp/congestion/congestion_control.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/time.hpp"

namespace synline::tcp {

class Connection;

enum class SynCookieMode : std::uint8_t {
    off,          // SYN queue full: new SYNs are dropped silently, never reset (S13)
    on_overflow,  // SYN queue full: new SYNs are answered with a cookie (default)
    always,       // every SYN is answered with a cookie; no half-open state at all
};

enum class AcceptOverflow : std::uint8_t {
    drop_ack,  // ignore the handshake's final ACK: the peer retries later (default, S14)
    reset,     // "abort on overflow": answer it with RST
};

// Told when a pull-mode listener has connections waiting for Stack::accept().
class AcceptHandler {
public:
    virtual ~AcceptHandler() = default;
    virtual void on_acceptable(std::uint16_t port) = 0;
};

struct ListenOptions {
    std::uint32_t syn_backlog = 4096;  // half-open entries at once
    std::uint32_t backlog = 4096;      // accept queue length (pull mode)
    SynCookieMode cookies = SynCookieMode::on_overflow;
    AcceptOverflow accept_overflow = AcceptOverflow::drop_ack;
    // Null: push mode, the handler's on_established runs as soon as a handshake
    // completes. Set: pull mode, established connections wait in the accept
    // queue (without a handler, their data buffered) until Stack::accept().
    AcceptHandler* pull = nullptr;
    // The congestion controller of its connections; unset: the stack's.
    std::optional<CongestionAlgorithm> congestion_control;
};

// What the application can observe of a listener (S12).
struct ListenerStats {
    std::uint32_t syn_queue = 0;     // half-open now
    std::uint32_t syn_backlog = 0;
    std::uint32_t accept_queue = 0;  // established, not yet accepted
    std::uint32_t backlog = 0;
};

struct Listener {
    std::uint16_t port = 0;
    ConnectionHandler* handler = nullptr;  // becomes each accepted connection's handler
    ListenOptions options;
    std::uint32_t half_open = 0;           // connections in SYN-RECEIVED from this listener
    Connection* accept_head = nullptr;     // FIFO, linked through the connections
    Connection* accept_tail = nullptr;
    std::uint32_t accept_queue_len = 0;
    std::optional<Instant> last_cookie_sent;  // ACKs are checked as cookies only after one
};

}  // namespace synline::tcp
