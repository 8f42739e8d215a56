// A passive endpoint: LISTEN state for one local port (RFC 9293 3.10.7.2).
#pragma once

#include <cstdint>

#include "tcp/connection_handler.hpp"

namespace synline::tcp {

struct ListenOptions {
    // Half-open (SYN-RECEIVED) entries allowed at once; SYNs beyond are dropped,
    // never answered with RST (S13).
    std::uint32_t syn_backlog = 4096;
};

struct Listener {
    std::uint16_t port = 0;
    ConnectionHandler* handler = nullptr;  // becomes each accepted connection's handler
    ListenOptions options;
    std::uint32_t half_open = 0;           // connections in SYN-RECEIVED from this listener
};

}  // namespace synline::tcp
