// What an application implements to use connections. Every callback runs
// inline on the connection's home core, from inside the stack; a handler may
// call any Connection method from a callback, including close() and abort().
// Data sent and a FIN queued from a callback that an arriving segment caused
// leave once that segment has been processed, together with its ACK: a
// response and the FIN of a close() go out as one segment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "tcp/counters.hpp"

namespace synline::tcp {

class Connection;

class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;

    // The handshake completed: accepted (passive open) or connected (active).
    virtual void on_established(Connection&) {}

    // In-order bytes arrived while the receive buffer was empty. Return how many
    // were consumed; the rest stay in the connection's receive buffer (shrinking
    // the window) and later data joins them there, without further on_data
    // calls, until the application drains it with Connection::received() and
    // consume_received(). PSH needs no special handling: data is always
    // delivered as soon as it is in order (S02).
    virtual std::size_t on_data(Connection&, std::span<const std::uint8_t> data) {
        return data.size();
    }

    // The send buffer has room again after a send() that did not take everything.
    virtual void on_send_space(Connection&) {}

    // The peer sent FIN: no more data will arrive. Called in every state,
    // also after our own shutdown_write(); sending is still allowed in
    // CLOSE-WAIT (S20).
    virtual void on_peer_closed(Connection&) {}

    // The connection is gone; the Connection object is destroyed after this
    // returns. Called once for every connection that reached on_established and
    // for every active open that failed.
    virtual void on_closed(Connection&, CloseReason) {}
};

}  // namespace synline::tcp
