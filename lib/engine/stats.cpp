#include "engine/stats.hpp"

#include <algorithm>

namespace synline::engine {

const std::vector<std::string>& counter_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        visit_counters(WorkerCounters{}, tcp::TcpCounters{}, 0, [&](CounterName name, std::uint64_t) {
            out.push_back(std::string(name.prefix).append(name.suffix));
        });
        return out;
    }();
    return names;
}

void StatsBoard::publish(const WorkerCounters& w, const tcp::TcpCounters& t,
                         std::size_t connections) {
    std::size_t i = 0;
    visit_counters(w, t, connections, [&](CounterName, std::uint64_t v) {
        values_[i++].store(v, std::memory_order_relaxed);
    });
}

void StatsBoard::add_to(std::span<std::uint64_t> sums) const {
    const std::size_t n = std::min(sums.size(), counter_names().size());
    for (std::size_t i = 0; i < n; ++i) sums[i] += values_[i].load(std::memory_order_relaxed);
}

}  // namespace synline::engine
