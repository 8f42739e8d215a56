#include "engine/stats.hpp"

namespace synline::engine {

std::vector<std::string> counter_names() {
    std::vector<std::string> names;
    visit_counters(WorkerCounters{}, tcp::TcpCounters{}, 0,
                   [&](std::string name, std::uint64_t) { names.push_back(std::move(name)); });
    return names;
}

void StatsBoard::publish(const WorkerCounters& w, const tcp::TcpCounters& t,
                         std::size_t connections) {
    std::size_t i = 0;
    visit_counters(w, t, connections, [&](const std::string&, std::uint64_t v) {
        values_[i++].store(v, std::memory_order_relaxed);
    });
}

std::vector<std::uint64_t> StatsBoard::read() const {
    std::size_t n = counter_names().size();
    std::vector<std::uint64_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = values_[i].load(std::memory_order_relaxed);
    return out;
}

}  // namespace synline::engine
