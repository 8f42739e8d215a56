// Every discard has a named reason (style: "Every discard has a named reason and
// a counter"): the names become counter keys, so they must be distinct and non-empty.
#include <catch2/catch.hpp>

#include <set>
#include <string_view>

#include "net/drop_reason.hpp"

using synline::net::Drop;
using synline::net::kDropCount;

TEST_CASE("every net::Drop has a distinct, non-empty name", "[drop]") {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < kDropCount; ++i) {
        const std::string_view name = to_string(static_cast<Drop>(i));
        INFO("Drop #" << i << " = \"" << name << "\"");
        CHECK_FALSE(name.empty());
        CHECK(name.find(' ') == std::string_view::npos);  // usable as a counter key
        CHECK(seen.insert(name).second);
    }
    CHECK(seen.size() == kDropCount);
}

TEST_CASE("Drop names match the enumerators they stand for", "[drop]") {
    CHECK(to_string(Drop::rx_multi_segment) == "rx_multi_segment");
    CHECK(to_string(Drop::ipv4_bad_checksum) == "ipv4_bad_checksum");
    CHECK(to_string(Drop::tcp_bad_option) == "tcp_bad_option");
    CHECK(to_string(Drop::tx_ring_full) == "tx_ring_full");
}
