#include "engine/telemetry.hpp"

#include <rte_telemetry.h>

#include <cerrno>
#include <charconv>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "engine/config.hpp"
#include "engine/stats.hpp"

namespace synline::engine {

namespace {

// The one source the callbacks read (see the header for why a static).
std::mutex g_source_mutex;
const TelemetrySource* g_source = nullptr;

// Runs fill(source, info) under the lock; -ENODEV when nothing is attached.
template <class F>
int with_source(rte_tel_data* info, F&& fill) {
    std::lock_guard lock(g_source_mutex);
    if (!g_source) return -ENODEV;
    return fill(*g_source, info);
}

std::vector<std::uint64_t> summed(const TelemetrySource& s) {
    std::vector<std::uint64_t> sums(counter_names().size(), 0);
    for (std::size_t i = 0; i < s.worker_lcores().size(); ++i) s.add_worker_counters(i, sums);
    return sums;
}

// Adds the counters whose names start with `prefix`, named without it.
void add_counters(rte_tel_data* d, std::span<const std::uint64_t> values, std::string_view prefix) {
    const std::vector<std::string>& names = counter_names();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i].starts_with(prefix))
            rte_tel_data_add_dict_u64(d, telemetry_name(std::string_view(names[i]).substr(prefix.size())).c_str(),
                                      values[i]);
}

std::optional<unsigned> number_param(const char* params) {
    if (!params) return std::nullopt;
    const std::string_view p(params);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || ec != std::errc{} || end != p.data() + p.size()) return std::nullopt;
    return v;
}

int stats(const char*, const char*, rte_tel_data* info) {
    return with_source(info, [](const TelemetrySource& s, rte_tel_data* d) {
        rte_tel_data_start_dict(d);
        add_counters(d, summed(s), "");
        for (const auto& [name, value] : s.figures()) rte_tel_data_add_dict_u64(d, telemetry_name(name).c_str(), value);
        return 0;
    });
}

int workers(const char*, const char*, rte_tel_data* info) {
    return with_source(info, [](const TelemetrySource& s, rte_tel_data* d) {
        rte_tel_data_start_dict(d);
        const std::vector<unsigned> lcores = s.worker_lcores();
        rte_tel_data_add_dict_int(d, "count", static_cast<int>(lcores.size()));
        rte_tel_data* list = rte_tel_data_alloc();
        if (!list) return -ENOMEM;
        rte_tel_data_start_array(list, RTE_TEL_INT_VAL);
        for (unsigned l : lcores) rte_tel_data_add_array_int(list, static_cast<int>(l));
        rte_tel_data_add_dict_container(d, "lcores", list, 0);
        return 0;
    });
}

int worker(const char*, const char* params, rte_tel_data* info) {
    const auto index = number_param(params);
    if (!index) return -EINVAL;
    return with_source(info, [&](const TelemetrySource& s, rte_tel_data* d) {
        const std::vector<unsigned> lcores = s.worker_lcores();
        std::vector<std::uint64_t> values(counter_names().size(), 0);
        if (*index >= lcores.size() || !s.add_worker_counters(*index, values)) return -EINVAL;
        rte_tel_data_start_dict(d);
        rte_tel_data_add_dict_int(d, "worker", static_cast<int>(*index));
        rte_tel_data_add_dict_int(d, "lcore", static_cast<int>(lcores[*index]));
        add_counters(d, values, "");
        return 0;
    });
}

int drops(const char*, const char*, rte_tel_data* info) {
    return with_source(info, [](const TelemetrySource& s, rte_tel_data* d) {
        rte_tel_data_start_dict(d);
        add_counters(d, summed(s), "drop.");
        return 0;
    });
}

int tcp_dropped(const char*, const char*, rte_tel_data* info) {
    return with_source(info, [](const TelemetrySource& s, rte_tel_data* d) {
        rte_tel_data_start_dict(d);
        add_counters(d, summed(s), "tcp.dropped.");
        return 0;
    });
}

int listeners(const char*, const char*, rte_tel_data* info) {
    return with_source(info, [](const TelemetrySource& s, rte_tel_data* d) {
        rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
        for (const ListenerFigures& l : s.listeners()) rte_tel_data_add_array_int(d, l.port);
        return 0;
    });
}

int listener(const char*, const char* params, rte_tel_data* info) {
    const auto port = number_param(params);
    if (!port) return -EINVAL;
    return with_source(info, [&](const TelemetrySource& s, rte_tel_data* d) {
        for (const ListenerFigures& l : s.listeners()) {
            if (l.port != *port) continue;
            rte_tel_data_start_dict(d);
            rte_tel_data_add_dict_int(d, "port", l.port);
            rte_tel_data_add_dict_u64(d, "syn_backlog", l.syn_backlog);
            rte_tel_data_add_dict_u64(d, "backlog", l.backlog);
            rte_tel_data_add_dict_u64(d, "workers", l.workers);
            return 0;
        }
        return -EINVAL;
    });
}

void register_endpoints() {
    struct Endpoint {
        const char* path;
        telemetry_cb fn;
        const char* help;
    };
    static constexpr Endpoint kEndpoints[] = {
        {"/synline/stats", stats, "Every synline counter, summed over the workers. No parameters."},
        {"/synline/workers", workers, "The number of workers and their lcores. No parameters."},
        {"/synline/worker", worker, "One worker's counters. Parameter: the worker's index (0..count-1)."},
        {"/synline/drops", drops, "Frames dropped, by reason, summed over the workers. No parameters."},
        {"/synline/tcp/dropped", tcp_dropped, "Segments dropped by TCP, by reason, summed. No parameters."},
        {"/synline/listeners", listeners, "The listening TCP ports. No parameters."},
        {"/synline/listener", listener, "One listener's settings. Parameter: its port."},
    };
    for (const Endpoint& e : kEndpoints)
        if (rte_telemetry_register_cmd(e.path, e.fn, e.help) != 0)
            throw ConfigError(std::string("telemetry: cannot register ") + e.path +
                              ": too many telemetry commands in this process");
}

}  // namespace

std::string telemetry_name(std::string_view counter) {
    std::string out(counter);
    for (char& c : out) {
        if (c == '.') c = '/';
        else if (c == '-') c = '_';
    }
    return out;
}

TelemetryEndpoints::TelemetryEndpoints(const TelemetrySource& source) {
    static std::once_flag registered;
    std::call_once(registered, register_endpoints);
    std::lock_guard lock(g_source_mutex);
    if (g_source) throw std::logic_error("TelemetryEndpoints: only one may exist at a time");
    g_source = &source;
}

TelemetryEndpoints::~TelemetryEndpoints() {
    std::lock_guard lock(g_source_mutex);
    g_source = nullptr;
}

}  // namespace synline::engine
