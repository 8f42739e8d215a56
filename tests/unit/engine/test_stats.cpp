// The stats board: every counter has one stable, unique name, and a published
// value is read back at its name's position.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "engine/stats.hpp"

using namespace synline;

namespace {

std::size_t position_of(const std::string& name) {
    const auto& names = engine::counter_names();
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

}  // namespace

TEST_CASE("counter_names: unique, built once, joined from prefix and suffix", "[stats]") {
    const std::vector<std::string>& names = engine::counter_names();
    CHECK(&names == &engine::counter_names());
    CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
    CHECK(position_of("rx_packets") < names.size());
    CHECK(position_of("drop.eth_not_for_us") < names.size());
    CHECK(position_of("tcp.state.ESTABLISHED") < names.size());
    CHECK(position_of("tcp.connections") < names.size());
}

TEST_CASE("StatsBoard: published values are summed at their names' positions", "[stats]") {
    engine::WorkerCounters w;
    w.rx_packets = 7;
    w.drop(net::Drop::eth_not_for_us);
    tcp::TcpCounters t;
    t.in_state[static_cast<std::size_t>(tcp::State::established)] = 3;
    engine::StatsBoard a, b;
    a.publish(w, t, 5);
    w.rx_packets = 10;
    b.publish(w, t, 1);

    std::vector<std::uint64_t> sums(engine::counter_names().size(), 0);
    a.add_to(sums);
    b.add_to(sums);
    CHECK(sums[position_of("rx_packets")] == 17);
    CHECK(sums[position_of("drop.eth_not_for_us")] == 2);
    CHECK(sums[position_of("tcp.state.ESTABLISHED")] == 6);
    CHECK(sums[position_of("tcp.connections")] == 6);
    CHECK(sums[position_of("tx_packets")] == 0);
}
