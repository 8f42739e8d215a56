// Command line of synline-server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "synline/runtime.hpp"

namespace synline::app {

enum class AppKind { echo, discard, http };

struct Service {
    AppKind kind;
    std::uint16_t port;
};

struct ServerOptions {
    RuntimeOptions runtime;
    std::vector<Service> services;
    bool help = false;
};

// Throws std::invalid_argument with a one-line message naming the problem and the fix.
ServerOptions parse_server_options(int argc, char** argv);
const char* server_usage();

}  // namespace synline::app
