// DPDK telemetry endpoints under /synline/, read over the EAL's telemetry
// socket (/var/run/dpdk/<file-prefix>/dpdk_telemetry.v2) while the server
// runs:
//   /synline/stats             every counter summed over the workers, and the capture's figures
//   /synline/workers           how many workers, and their lcores
//   /synline/worker,N          worker N's counters
//   /synline/drops             the frame drop counters (drop.*), summed
//   /synline/tcp/dropped       the segment drop counters (tcp.dropped.*), summed
//   /synline/listeners         the listening ports
//   /synline/listener,PORT     one listener's settings and how many workers serve it
// Telemetry allows only letters, digits, '_' and '/' in names: a counter's
// '.' becomes '/' and '-' becomes '_' (tcp.state.SYN-RECEIVED is
// tcp/state/SYN_RECEIVED).
//
// Why reading is safe without slowing a worker: a worker's counters are plain
// integers that only it writes; every 100 ms it copies them into its
// StatsBoard with relaxed atomic stores (engine/stats.hpp), and the telemetry
// thread reads only boards, with relaxed atomic loads. Each value read is one
// the worker published, never torn (an aligned 64-bit atomic), at most 100 ms
// old; two counters may come from two consecutive publications. No worker
// waits for a reader, and no reader writes anything a worker reads.
//
// rte_telemetry gives a command's callback no context and in DPDK 22.11
// cannot unregister a command: the callbacks reach the live source through
// one static pointer, guarded by a mutex that only the telemetry thread and
// the thread that attaches or detaches the source ever take.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synline::engine {

struct ListenerFigures {
    std::uint16_t port = 0;
    std::uint32_t syn_backlog = 0;
    std::uint32_t backlog = 0;
    std::uint32_t workers = 0;  // how many workers listen on it
};

// What the endpoints read. Every function is called on the telemetry thread.
class TelemetrySource {
public:
    virtual ~TelemetrySource() = default;
    virtual std::vector<unsigned> worker_lcores() const = 0;
    // Adds worker i's published counters to sums (by position in
    // counter_names()); false when worker i has not started yet.
    virtual bool add_worker_counters(std::size_t i, std::span<std::uint64_t> sums) const = 0;
    // Figures beyond the workers' counters (the capture writer's), by name.
    virtual std::vector<std::pair<std::string, std::uint64_t>> figures() const = 0;
    virtual std::vector<ListenerFigures> listeners() const = 0;
};

// While it lives, the endpoints read `source`; registers them with the EAL's
// telemetry the first time one is made. One at a time.
class TelemetryEndpoints {
public:
    explicit TelemetryEndpoints(const TelemetrySource& source);
    ~TelemetryEndpoints();
    TelemetryEndpoints(const TelemetryEndpoints&) = delete;
    TelemetryEndpoints& operator=(const TelemetryEndpoints&) = delete;
};

// A counter's name as telemetry accepts it.
std::string telemetry_name(std::string_view counter);

}  // namespace synline::engine
