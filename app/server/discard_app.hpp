// discard (RFC 863): everything received is consumed and forgotten.
#pragma once

#include "tcp/connection.hpp"

namespace synline::app {

class DiscardApp final : public tcp::ConnectionHandler {
public:
    void on_peer_closed(tcp::Connection& c) override { c.close(); }
};

}  // namespace synline::app
