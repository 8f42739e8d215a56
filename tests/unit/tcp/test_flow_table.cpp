#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "net/four_tuple.hpp"
#include "tcp/flow_table.hpp"

using synline::net::FourTuple;
using synline::net::Ipv4Addr;
using synline::tcp::FlowHashKey;
using synline::tcp::FlowTable;
using synline::tcp::flow_hash;

namespace {

struct Connection {
    int id = 0;
};

constexpr FlowHashKey kKey{0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89};

FourTuple tuple_for(std::uint32_t n) {
    return FourTuple{Ipv4Addr{0x0a000001}, Ipv4Addr{0x0a100000 + (n >> 16)}, 80,
                     static_cast<std::uint16_t>(n)};
}

// The first `count` tuples, in order of n, whose home slot in `table` is `home`.
std::vector<FourTuple> tuples_homed_at(const FlowTable<Connection*>& table, std::size_t home,
                                       std::size_t count) {
    std::vector<FourTuple> found;
    for (std::uint32_t n = 0; found.size() < count; ++n)
        if (table.home_slot(tuple_for(n)) == home) found.push_back(tuple_for(n));
    return found;
}

struct TupleHash {
    std::size_t operator()(const FourTuple& t) const { return flow_hash(t, kKey); }
};

}  // namespace

TEST_CASE("FlowTable: insert, find, erase", "[flow-table]") {
    FlowTable<Connection*> table(16, kKey);
    Connection a{1}, b{2};
    CHECK(table.find(tuple_for(1)) == nullptr);
    CHECK(table.insert(tuple_for(1), &a));
    CHECK(table.insert(tuple_for(2), &b));
    CHECK(table.size() == 2);
    CHECK(table.find(tuple_for(1)) == &a);
    CHECK(table.find(tuple_for(2)) == &b);
    CHECK(table.find(tuple_for(3)) == nullptr);

    CHECK_FALSE(table.insert(tuple_for(1), &b));  // already present: left unchanged
    CHECK(table.find(tuple_for(1)) == &a);
    CHECK_FALSE(table.insert(tuple_for(4), nullptr));

    CHECK(table.erase(tuple_for(1)));
    CHECK_FALSE(table.erase(tuple_for(1)));
    CHECK(table.find(tuple_for(1)) == nullptr);
    CHECK(table.find(tuple_for(2)) == &b);
    CHECK(table.size() == 1);
    table.prefetch(tuple_for(2));
}

TEST_CASE("FlowTable: power-of-two slots for a load factor of at most 0.75", "[flow-table]") {
    CHECK(FlowTable<Connection*>(0, kKey).slot_count() == 1);
    CHECK(FlowTable<Connection*>(1, kKey).slot_count() == 2);
    CHECK(FlowTable<Connection*>(3, kKey).slot_count() == 4);
    CHECK(FlowTable<Connection*>(4, kKey).slot_count() == 8);
    CHECK(FlowTable<Connection*>(768, kKey).slot_count() == 1024);
    CHECK(FlowTable<Connection*>(769, kKey).slot_count() == 2048);
    CHECK(FlowTable<Connection*>(1000, kKey).max_entries() == 1000);
}

TEST_CASE("FlowTable: a full table refuses inserts until an erase", "[flow-table]") {
    FlowTable<Connection*> table(100, kKey);
    std::vector<Connection> connections(101);
    for (std::uint32_t n = 0; n < 100; ++n) REQUIRE(table.insert(tuple_for(n), &connections[n]));
    CHECK(table.size() == 100);
    CHECK_FALSE(table.insert(tuple_for(100), &connections[100]));
    CHECK(table.find(tuple_for(100)) == nullptr);

    CHECK(table.erase(tuple_for(42)));
    CHECK(table.insert(tuple_for(100), &connections[100]));
    for (std::uint32_t n = 0; n <= 100; ++n)
        CHECK(table.find(tuple_for(n)) == (n == 42 ? nullptr : &connections[n]));
}

TEST_CASE("FlowTable: a probe chain wraps from the last slot to the first", "[flow-table]") {
    FlowTable<Connection*> table(12, kKey);
    REQUIRE(table.slot_count() == 16);
    const std::size_t last = table.slot_count() - 1;
    const auto at_last = tuples_homed_at(table, last, 3);
    const auto at_first = tuples_homed_at(table, 0, 1);
    Connection c[4]{{0}, {1}, {2}, {3}};

    // Three keys homed at slot 15 occupy 15, 0 and 1; the key homed at 0 goes to 2.
    for (int i = 0; i < 3; ++i) REQUIRE(table.insert(at_last[i], &c[i]));
    REQUIRE(table.insert(at_first[0], &c[3]));
    std::vector<int> slot_order;
    table.for_each([&](const FourTuple&, Connection* conn) { slot_order.push_back(conn->id); });
    CHECK(slot_order == std::vector<int>{1, 2, 3, 0});

    // Erasing the key in slot 15 must shift the wrapped chain back across the end.
    CHECK(table.erase(at_last[0]));
    CHECK(table.find(at_last[0]) == nullptr);
    CHECK(table.find(at_last[1]) == &c[1]);
    CHECK(table.find(at_last[2]) == &c[2]);
    CHECK(table.find(at_first[0]) == &c[3]);
    slot_order.clear();
    table.for_each([&](const FourTuple&, Connection* conn) { slot_order.push_back(conn->id); });
    CHECK(slot_order == std::vector<int>{2, 3, 1});  // slots 0, 1 and 15

    // Erasing the middle of the chain leaves the key homed at 0 reachable.
    CHECK(table.erase(at_last[2]));
    CHECK(table.find(at_first[0]) == &c[3]);
    CHECK(table.find(at_last[1]) == &c[1]);
    CHECK(table.size() == 2);
}

TEST_CASE("FlowTable: keys with the same hash tag are told apart by the key", "[flow-table]") {
    // A birthday search finds two tuples whose 32-bit tags collide under the
    // table's key (after about 2^16).
    std::mt19937_64 rng(7);
    auto random_tuple = [&] {
        const std::uint64_t r = rng();
        return FourTuple{Ipv4Addr{0x0a000001}, Ipv4Addr{static_cast<std::uint32_t>(r)}, 80,
                         static_cast<std::uint16_t>(r >> 32)};
    };
    std::unordered_map<std::uint32_t, FourTuple> first_with_tag;
    FourTuple a{}, b{};
    for (;;) {
        const FourTuple t = random_tuple();
        const auto tag = static_cast<std::uint32_t>(flow_hash(t, kKey) >> 32);
        const auto [it, inserted] = first_with_tag.emplace(tag, t);
        if (!inserted && !(it->second == t)) {
            a = it->second;
            b = t;
            break;
        }
    }
    FlowTable<Connection*> table(8, kKey);
    REQUIRE(table.home_slot(a) == table.home_slot(b));
    Connection ca{1}, cb{2};
    CHECK(table.insert(a, &ca));
    CHECK(table.find(b) == nullptr);
    CHECK(table.insert(b, &cb));
    CHECK(table.find(a) == &ca);
    CHECK(table.find(b) == &cb);
    CHECK(table.erase(a));
    CHECK(table.find(a) == nullptr);
    CHECK(table.find(b) == &cb);
}

TEST_CASE("FlowTable: tuples aimed at one chain under one key spread under another", "[flow-table]") {
    // An attacker who knew the key could pick tuples that all start at one
    // slot. Another key, which is all he faces, places them like any tuples.
    FlowTable<Connection*> known(768, kKey);
    const std::vector<FourTuple> aimed = tuples_homed_at(known, 5, 64);
    REQUIRE(aimed.size() == 64);
    constexpr FlowHashKey other{0x452821e638d01377, 0xbe5466cf34e90c6c, 0xc0ac29b7c97c50dd, 0x3f84d5b5b5470917};
    FlowTable<Connection*> secret(768, other);
    std::unordered_map<std::size_t, int> per_home;
    for (const FourTuple& t : aimed) ++per_home[secret.home_slot(t)];
    // 64 random placements into 1024 slots: about 62 distinct homes, and a
    // fullest slot of 2 or 3.
    CHECK(per_home.size() >= 56);
    int fullest = 0;
    for (const auto& [home, n] : per_home) fullest = std::max(fullest, n);
    CHECK(fullest <= 4);
    // And the tag, the hash's strongly universal half, differs between keys.
    CHECK(flow_hash(aimed[0], kKey) >> 32 != flow_hash(aimed[0], other) >> 32);
}

TEST_CASE("FlowTable: randomised against std::unordered_map", "[flow-table]") {
    // A small key pool and inserts more likely than erases, so that the table sits
    // at its full load of 0.75 (768 in 1024 slots): long probe chains form, erases
    // shift them back, and inserts hit the capacity limit.
    constexpr std::size_t kCapacity = 768;
    constexpr std::uint32_t kKeyPool = 1400;
    FlowTable<Connection*> table(kCapacity, kKey);
    std::unordered_map<FourTuple, Connection*, TupleHash> model;
    std::vector<Connection> connections(kKeyPool);
    std::mt19937 rng(9293);
    std::uniform_int_distribution<std::uint32_t> pick_key(0, kKeyPool - 1);
    std::uniform_int_distribution<int> pick_op(0, 19);
    int steps_at_capacity = 0;

    for (int step = 0; step < 100000; ++step) {
        const std::uint32_t n = pick_key(rng);
        const FourTuple key = tuple_for(n);
        const int op = pick_op(rng);
        if (op < 9) {
            const bool expected = model.size() < kCapacity && !model.contains(key);
            REQUIRE(table.insert(key, &connections[n]) == expected);
            if (expected) model.emplace(key, &connections[n]);
        } else if (op < 14) {
            REQUIRE(table.erase(key) == (model.erase(key) == 1));
        } else {
            const auto it = model.find(key);
            REQUIRE(table.find(key) == (it == model.end() ? nullptr : it->second));
        }
        REQUIRE(table.size() == model.size());
        if (model.size() == kCapacity) ++steps_at_capacity;
    }
    CHECK(steps_at_capacity > 1000);  // the full-table path was exercised

    for (std::uint32_t n = 0; n < kKeyPool; ++n) {
        const auto it = model.find(tuple_for(n));
        REQUIRE(table.find(tuple_for(n)) == (it == model.end() ? nullptr : it->second));
    }
    std::size_t visited = 0;
    table.for_each([&](const FourTuple& key, Connection* conn) {
        ++visited;
        REQUIRE(model.at(key) == conn);
    });
    CHECK(visited == model.size());
}
