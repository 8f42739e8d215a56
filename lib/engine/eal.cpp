#include "engine/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace synline::engine {

std::vector<std::string> Eal::build_args(const EalConfig& cfg, std::string_view program_name)
{
    std::vector<std::string> a{std::string(program_name)};
    a.insert(a.end(), {"--lcores", cfg.lcores});
    // EAL's default main lcore is the lowest id; we promise "first listed".
    std::vector<unsigned> ids = cfg.lcore_ids.empty() ? parse_lcore_list(cfg.lcores) : cfg.lcore_ids;
    a.insert(a.end(), {"--main-lcore", std::to_string(ids.at(0))});
    const std::string prefix =
        cfg.file_prefix.empty() ? "synline-" + std::to_string(::getpid()) : cfg.file_prefix;
    a.insert(a.end(), {"--file-prefix", prefix});
    if (!cfg.multi_process) a.emplace_back("--no-shconf");
    // EAL's start-up INFO lines bury the one line a user must read; drivers'
    // warnings and errors still show. A --log-level in eal.args comes later and wins.
    a.emplace_back("--log-level=lib.eal:notice");
    a.emplace_back("--log-level=lib.telemetry:warning");
    a.insert(a.end(), cfg.args.begin(), cfg.args.end());
    for (const auto& v : cfg.vdevs) a.push_back("--vdev=" + v);
    return a;
}

Eal::Eal(const EalConfig& cfg, std::string_view program_name)
    : args_(build_args(cfg, program_name))
{
    for (size_t i = 0; i + 1 < args_.size(); ++i)
        if (args_[i] == "--file-prefix") file_prefix_ = args_[i + 1];

    // rte_eal_init permutes argv: hand it copies and keep args_ intact.
    std::vector<std::string> storage = args_;
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(args_.size()), argv.data()) < 0) {
        const int err = rte_errno;
        std::string cmd;
        for (size_t i = 1; i < args_.size(); ++i) cmd += (i > 1 ? " " : "") + args_[i];
        throw ConfigError("EAL init failed: " + std::string(rte_strerror(err)) +
                          ": check eal.args/eal.lcores/eal.vdevs and run as root (EAL args: " +
                          cmd + ")");
    }
    main_lcore_ = rte_get_main_lcore();
    unsigned id;
    RTE_LCORE_FOREACH_WORKER(id) workers_.push_back(id);
    runtime_dir_ = rte_eal_get_runtime_dir();
}

Eal::~Eal()
{
    rte_eal_cleanup();
    // Only our own prefix directory, never /var/run/dpdk itself.
    if (!runtime_dir_.empty() &&
        std::filesystem::path(runtime_dir_).filename() == file_prefix_) {
        std::error_code ec;
        std::filesystem::remove_all(runtime_dir_, ec);
        if (ec)
            std::fprintf(stderr, "synline: could not remove %s: %s\n", runtime_dir_.c_str(),
                         ec.message().c_str());
    }
}

}  // namespace synline::engine
