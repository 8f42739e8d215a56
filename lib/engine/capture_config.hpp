// The [capture] section of a drivers-cfg file: copies of what every worker
// receives and sends, written to a pcap file (engine/pcap_writer.hpp).
// synline-server's --capture FILE sets capture.file. No DPDK here.
#pragma once

#include <cstdint>
#include <string>

#include "engine/config.hpp"
#include "engine/pcap_writer.hpp"

namespace synline::engine {

struct CaptureConfig {
    std::string file;        // empty: no capture
    std::string port;        // the ethdev captured; empty: the one synline runs on
    bool rx = true;          // frames received
    bool tx = true;          // frames sent
    std::uint32_t snaplen = 65535;
    CaptureLimits limits;
    std::uint32_t ring_slots = 4096;  // per worker

    bool enabled() const { return !file.empty(); }
};

const SectionSchema& capture_schema();

// Throws ConfigError naming the key, its origin and the fix.
CaptureConfig capture_config_from(const Section& s);

}  // namespace synline::engine
