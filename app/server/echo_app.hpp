// echo: every byte received is sent back. When the send buffer is full the
// rest waits in the receive buffer, which closes the window: the peer is
// slowed down instead of data being dropped.
#pragma once

#include "tcp/connection.hpp"

namespace synline::app {

class EchoApp final : public tcp::ConnectionHandler {
public:
    std::size_t on_data(tcp::Connection& c, std::span<const std::uint8_t> data) override {
        return c.send(data);
    }
    void on_send_space(tcp::Connection& c) override { drain(c); }
    void on_peer_closed(tcp::Connection& c) override { drain(c); }

private:
    static void drain(tcp::Connection& c) {
        for (;;) {
            auto pending = c.received();
            if (pending.size() == 0) break;
            std::size_t n = c.send(pending.first);
            c.consume_received(n);
            if (n < pending.first.size()) return;  // resumes on the next on_send_space
        }
        // Everything echoed: once the peer has finished, so do we.
        if (c.state() == tcp::State::close_wait) c.close();
    }
};

}  // namespace synline::app
