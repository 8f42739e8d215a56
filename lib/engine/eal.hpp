// RAII ownership of the DPDK Environment Abstraction Layer.
//
// One Eal per process: rte_eal_init cannot run twice, not even after
// rte_eal_cleanup (the second attempt fails and is reported as a ConfigError).
//
// Shared config: by default (eal.multi_process = false) the EAL runs with
// --no-shconf: no shared config file, no hugepage map files, no multi-process
// socket, so a crashed run leaves little behind; the cost is that secondary
// processes (dpdk-proc-info, dpdk-pdump) cannot attach. Measured on 22.11:
// EAL still creates /var/run/dpdk/<prefix>/ holding the telemetry socket
// (dpdk_telemetry.v2, so `dpdk-telemetry.py -f <prefix>` works either way), and
// telemetry unlinks only the socket, at exit, leaving the empty directory. The
// destructor therefore removes /var/run/dpdk/<prefix> after rte_eal_cleanup in
// both modes. The default prefix "synline-<pid>" makes the directory ours; a
// file_prefix set by hand must not be shared with another live process.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/config.hpp"

namespace synline::engine {

class Eal {
public:
    // Builds argv (see build_args) and calls rte_eal_init; throws ConfigError
    // naming the reason if it fails.
    explicit Eal(const EalConfig& cfg, std::string_view program_name = "synline");
    ~Eal();
    Eal(const Eal&) = delete;
    Eal& operator=(const Eal&) = delete;

    unsigned main_lcore() const { return main_lcore_; }
    // Worker lcores in EAL order (ascending ids); worker index i uses worker_lcores()[i].
    const std::vector<unsigned>& worker_lcores() const { return workers_; }
    const std::string& file_prefix() const { return file_prefix_; }
    const std::vector<std::string>& args() const { return args_; }

    // argv for rte_eal_init: program, --lcores, --main-lcore <first listed>,
    // --file-prefix, [--no-shconf], cfg.args..., --vdev=<each vdev>.
    // An empty cfg.file_prefix becomes "synline-<pid>" (unique among live processes).
    static std::vector<std::string> build_args(const EalConfig& cfg, std::string_view program_name);

private:
    std::vector<std::string> args_;
    std::string file_prefix_;
    std::string runtime_dir_;  // /var/run/dpdk/<prefix>, removed in the destructor
    unsigned main_lcore_ = 0;
    std::vector<unsigned> workers_;
};

}  // namespace synline::engine
