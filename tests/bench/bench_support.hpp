// What the benchmark programs share: callgrind's client requests (no-ops
// without valgrind's header), number parsing for their options, machine facts
// for their reports, the median of runs, and the client frames they feed a
// worker (built by the same writer the stack itself uses).
#pragma once

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define RUNNING_ON_VALGRIND 0
#endif

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <ctime>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "net/ethernet.hpp"
#include "tcp/segment_writer.hpp"

namespace synline::bench {

// The whole of `s` as a decimal unsigned number; nullopt otherwise.
inline std::optional<std::uint64_t> parse_u64(const char* s) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') return std::nullopt;
    return v;
}

inline std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown";
}

inline double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One segment from a Linux-like client: a SYN carries MSS 1460, SACK-permitted,
// timestamps and window scale 7 (74 bytes); anything else NOP NOP timestamps.
struct ClientSegment {
    net::MacAddr dst_mac, src_mac;
    net::FourTuple tuple;  // local = the client
    std::uint8_t flags = 0;
    std::uint32_t seq = 0, ack = 0;
    std::uint16_t window = 0;
    std::uint32_t tsval = 0, tsecr = 0;
    std::uint16_t ip_id = 0;
    std::span<const std::uint8_t> payload;
};

// Writes the whole frame at `p`; returns its length.
inline std::size_t write_client_frame(std::uint8_t* p, const ClientSegment& c) {
    tcp::OutSegment o;
    o.tuple = c.tuple;
    net::TcpHeader& h = o.header;
    h.src_port = c.tuple.local_port;
    h.dst_port = c.tuple.remote_port;
    h.seq = net::SeqNum(c.seq);
    h.ack = net::SeqNum(c.ack);
    h.flags = c.flags;
    h.window = c.window;
    h.options.timestamps = net::TcpTimestamps{c.tsval, c.tsecr};
    if (c.flags & net::tcp_flag::syn) {
        h.options.mss = 1460;
        h.options.sack_permitted = true;
        h.options.window_scale = 7;
    }
    o.payload_first = c.payload;
    net::write_ethernet(p, c.dst_mac, c.src_mac, net::EtherType::ipv4);
    return net::kEthernetHeaderLen +
           tcp::write_ipv4_tcp(p + net::kEthernetHeaderLen, o, c.ip_id, tcp::ChecksumFill::software);
}

}  // namespace synline::bench
