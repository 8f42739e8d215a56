// The public entry point of synline: bring up DPDK from a drivers-cfg file,
// start one run-to-completion worker per worker lcore, and let the
// application set up its listeners on every worker's stack.
//
//   synline::Runtime rt(options);             // throws synline::engine::ConfigError
//   rt.run([&](synline::tcp::Stack& stack, unsigned worker) {
//       stack.listen(80, my_handler[worker]);
//   });
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/worker_io.hpp"
#include "net/ipv4_addr.hpp"
#include "tcp/connection.hpp"
#include "tcp/stack.hpp"

namespace synline {

struct RuntimeOptions {
    std::string program_name = "synline";     // prefixes the "ready" line
    std::string config_path;                   // a drivers-cfg file
    std::map<std::string, std::string> vars;   // ${name} values for the file
    std::vector<std::string> overrides;        // "section.key=value"
    net::Ipv4Addr ip;
    std::uint8_t prefix_len = 24;
    std::optional<net::Ipv4Addr> gateway;
    std::optional<double> duration_seconds;    // stop by itself after this long
    bool status_lines = true;                  // one line per second on stdout
};

// Counter totals over all workers, by name (see engine/stats.hpp).
using CounterTotals = std::vector<std::pair<std::string, std::uint64_t>>;

class Runtime {
public:
    explicit Runtime(const RuntimeOptions& options);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    using WorkerSetupFn = std::function<void(tcp::Stack& stack, unsigned worker_index)>;
    using IterationFn = std::function<void(tcp::Stack& stack)>;
    // Runs the workers until SIGINT/SIGTERM, the duration, or request_stop();
    // `setup` runs on each worker lcore before it starts polling, and
    // `each_iteration` (optional) once per loop iteration. Returns the final totals.
    CounterTotals run(const WorkerSetupFn& setup, const IterationFn& each_iteration = {});
    // Asks every worker to stop (callable from any thread, e.g. from a callback).
    void request_stop();
    // Gives a tool raw frames on one worker's queue (engine/worker_io.hpp).
    // Call it from run()'s `setup`, for that worker, before it polls.
    void set_frame_tap(unsigned worker_index, engine::FrameTap* tap);

    unsigned worker_count() const;
    // Listener settings from the [tcp] section (backlogs, SYN cookies, overflow policy).
    const tcp::ListenOptions& listen_options() const;
    std::string describe() const;  // one line: port, driver, MAC, IP, queues

    struct Impl;  // defined in runtime.cpp

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace synline
