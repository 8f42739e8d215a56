// Command line of synline-gen.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "synline/runtime.hpp"

namespace synline::gen {

enum class Mode : std::uint8_t { cps, rps, bulk, synflood };
const char* to_string(Mode m);

struct GenOptions {
    RuntimeOptions runtime;
    Mode mode = Mode::cps;
    net::Ipv4Addr target_ip;
    std::uint16_t target_port = 0;
    double duration_s = 10;
    std::uint32_t concurrency = 64;     // cps: connections in flight
    std::optional<double> rate;         // cps: connections/s; rps: requests/s (open loop); synflood: SYNs/s
    std::uint32_t connections = 16;     // rps, bulk
    std::uint32_t pipeline = 1;         // rps: requests in flight per connection
    // HTTP unless a byte count is given: then raw requests of request_bytes
    // answered by response_bytes (echo: the same; discard: 0).
    bool http = true;
    std::uint32_t request_bytes = 0;
    std::uint32_t response_bytes = 0;
    std::string path = "/";
    std::string host;                   // Host header (default: the target IP)
    double timeout_s = 5;               // one operation (connect to response) at most
    net::Ipv4Addr src_base;             // synflood: spoofed sources, base and prefix
    std::uint8_t src_prefix = 0;
    std::optional<net::MacAddr> target_mac;  // synflood: skip ARP (a reflector does not answer it)
    bool have_src_range = false;
    std::string json_path;              // empty: on stdout after a line "json:"
    bool quiet = false;                 // no live line
    bool help = false;
};

// Throws std::invalid_argument with a one-line message naming the problem and the fix.
GenOptions parse_gen_options(int argc, char** argv);
const char* gen_usage();

}  // namespace synline::gen
