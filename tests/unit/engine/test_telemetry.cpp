// Telemetry names: every counter must reach /synline/stats, and DPDK 22.11's
// telemetry refuses (drops) a name with any character but letters, digits,
// '_' and '/'. No EAL needed for the names.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "engine/stats.hpp"
#include "engine/telemetry.hpp"

using synline::engine::counter_names;
using synline::engine::telemetry_name;

TEST_CASE("telemetry_name: '.' becomes '/', '-' becomes '_'", "[telemetry]") {
    CHECK(telemetry_name("tcp.state.SYN-RECEIVED") == "tcp/state/SYN_RECEIVED");
    CHECK(telemetry_name("rx_packets") == "rx_packets");
    CHECK(telemetry_name("drop.eth_not_for_us") == "drop/eth_not_for_us");
}

TEST_CASE("telemetry_name: every counter gets a distinct name telemetry accepts", "[telemetry]") {
    std::set<std::string> seen;
    for (const std::string& counter : counter_names()) {
        const std::string name = telemetry_name(counter);
        INFO(counter << " -> " << name);
        CHECK(std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '/';
        }));
        CHECK(name.size() < 64);  // RTE_TEL_MAX_STRING_LEN is 128
        CHECK(seen.insert(name).second);
    }
    CHECK(counter_names().size() + 3 <= 256);  // one dict: RTE_TEL_MAX_DICT_ENTRIES
}
