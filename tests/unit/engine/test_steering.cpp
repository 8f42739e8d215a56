// Steering between workers (lib/engine/steering.hpp) without running worker
// loops: two workers' ends of one fabric, driven in turn from the test.
#include <catch2/catch.hpp>
#include <rte_mbuf.h>

#include <array>
#include <cstring>
#include <thread>
#include <vector>

#include "engine/mbuf_pool.hpp"
#include "engine/steering.hpp"
#include "net/byte_order.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "tcp/stack.hpp"

using namespace synline;
using engine::SteerFabric;
using engine::Steering;

namespace {

constexpr net::Ipv4Addr kLocal{0x0a000001};
constexpr net::Ipv4Addr kRemote{0x0a000002};

struct NullSink : tcp::SegmentSink {
    void send(const tcp::OutSegment&) override {}
};

engine::PortConfig small_pool() {
    engine::PortConfig cfg;
    cfg.mbufs_per_queue = 4095;
    cfg.mbuf_cache = 0;
    return cfg;
}

// A TCP/IPv4 frame from kRemote:src_port to kLocal:80 (only what steering reads).
rte_mbuf* tcp_frame(rte_mempool* pool, std::uint16_t src_port) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, 54));
    std::memset(p, 0, 54);
    net::store_be16(p + 12, static_cast<std::uint16_t>(net::EtherType::ipv4));
    std::uint8_t* ip = p + net::kEthernetHeaderLen;
    ip[0] = 0x45;
    ip[9] = net::kIpProtoTcp;
    net::store_be32(ip + 12, kRemote.value);
    net::store_be32(ip + 16, kLocal.value);
    net::store_be16(ip + 20, src_port);
    net::store_be16(ip + 22, 80);
    return m;
}

rte_mbuf* arp_frame(rte_mempool* pool) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, 42));
    std::memset(p, 0, 42);
    net::store_be16(p + 12, static_cast<std::uint16_t>(net::EtherType::arp));
    return m;
}

// Ports from 40000 up whose frames are homed on `worker`.
std::vector<std::uint16_t> ports_homed_on(const engine::RssSpread& spread, unsigned worker, std::size_t n) {
    std::vector<std::uint16_t> out;
    for (std::uint16_t p = 40000; out.size() < n; ++p)
        if (spread.home_of(kRemote, kLocal, p, 80) == worker) out.push_back(p);
    return out;
}

struct Rig {
    engine::MbufPool pool{"t_steer", 0, small_pool()};
    SteerFabric fabric{2, engine::RssSpread(engine::symmetric_rss_key(40), 2, 128)};
    engine::WorkerCounters counters0, counters1;
    Steering w0{fabric, 0, 0, pool.get(), counters0};
    Steering w1{fabric, 1, 1, pool.get(), counters1};
    NullSink sink;
    tcp::Stack stack{tcp::StackConfig{}, sink, tcp::SipKey{1, 2}, tcp::Instant{}};
};

std::uint16_t src_port_of(const rte_mbuf* m) {
    return net::load_be16(rte_pktmbuf_mtod(m, const std::uint8_t*) + 34);
}

}  // namespace

TEST_CASE("Steering: frames homed elsewhere reach their worker, in order; the rest stay", "[steer]") {
    Rig r;
    const auto mine = ports_homed_on(r.fabric.spread(), 0, 3), theirs = ports_homed_on(r.fabric.spread(), 1, 3);
    std::array<rte_mbuf*, 6> burst{tcp_frame(r.pool.get(), mine[0]),   tcp_frame(r.pool.get(), theirs[0]),
                                   tcp_frame(r.pool.get(), theirs[1]), tcp_frame(r.pool.get(), mine[1]),
                                   tcp_frame(r.pool.get(), theirs[2]), tcp_frame(r.pool.get(), mine[2])};
    REQUIRE(r.w0.sort(burst) == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(src_port_of(burst[i]) == mine[i]);
    CHECK(r.counters0.steer.foreign_packets == 3);
    CHECK(r.counters0.steer.handed_off == 3);

    std::array<rte_mbuf*, 32> got{};
    std::size_t sent = 0;
    REQUIRE(r.w1.collect(got, r.stack, [&](rte_mbuf*) { ++sent; }) == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(src_port_of(got[i]) == theirs[i]);
    CHECK(r.counters1.steer.arrived == 3);
    CHECK(sent == 0);
    CHECK(r.w1.collect(got, r.stack, [&](rte_mbuf*) { ++sent; }) == 0);  // taken once
    for (std::size_t i = 0; i < 3; ++i) rte_pktmbuf_free(burst[i]);
    for (std::size_t i = 0; i < 3; ++i) rte_pktmbuf_free(got[i]);
}

TEST_CASE("Steering: ARP stays and a copy goes to every other worker", "[steer]") {
    Rig r;
    std::array<rte_mbuf*, 1> burst{arp_frame(r.pool.get())};
    REQUIRE(r.w0.sort(burst) == 1);
    CHECK(r.counters0.steer.arp_copies == 1);
    CHECK(r.counters0.steer.foreign_packets == 0);
    std::array<rte_mbuf*, 32> got{};
    REQUIRE(r.w1.collect(got, r.stack, [](rte_mbuf*) {}) == 1);
    CHECK(got[0] != burst[0]);
    CHECK(std::memcmp(rte_pktmbuf_mtod(got[0], void*), rte_pktmbuf_mtod(burst[0], void*), 42) == 0);
    rte_pktmbuf_free(got[0]);
    rte_pktmbuf_free(burst[0]);
}

TEST_CASE("Steering: a full channel drops with a named counter", "[steer]") {
    Rig r;
    const std::uint16_t theirs = ports_homed_on(r.fabric.spread(), 1, 1)[0];
    const unsigned avail = rte_mempool_avail_count(r.pool.get());
    std::size_t pushed = 0;
    while (pushed < SteerFabric::kChannelCapacity + 32) {
        std::array<rte_mbuf*, 32> burst;
        for (auto& m : burst) m = tcp_frame(r.pool.get(), theirs);
        CHECK(r.w0.sort(burst) == 0);
        pushed += burst.size();
    }
    CHECK(r.counters0.steer.handed_off == SteerFabric::kChannelCapacity);
    CHECK(r.counters0.drops[static_cast<std::size_t>(net::Drop::steer_channel_full)] == 32);
    // Nothing leaked: the dropped frames were freed, the fabric frees the rest.
    CHECK(rte_mempool_avail_count(r.pool.get()) == avail - SteerFabric::kChannelCapacity);
}

TEST_CASE("Steering: a worker without a queue sends through its relay", "[steer]") {
    Rig r;
    Steering queueless{r.fabric, 1, 0, r.pool.get(), r.counters1};
    CHECK_FALSE(queueless.has_own_queue());
    std::array<rte_mbuf*, 2> out{tcp_frame(r.pool.get(), 1), tcp_frame(r.pool.get(), 2)};
    queueless.relay(out);
    CHECK(r.counters1.steer.tx_relayed == 2);
    std::vector<rte_mbuf*> transmitted;
    std::array<rte_mbuf*, 32> got{};
    CHECK(r.w0.collect(got, r.stack, [&](rte_mbuf* m) { transmitted.push_back(m); }) == 0);
    REQUIRE(transmitted.size() == 2);
    CHECK(transmitted[0] == out[0]);
    CHECK(transmitted[1] == out[1]);
    for (rte_mbuf* m : transmitted) rte_pktmbuf_free(m);
}

TEST_CASE("Steering: a task from the control thread runs on every worker's stack", "[steer]") {
    Rig r;
    engine::WorkerTask task;
    std::array<int, 2> ran{};
    task.run = [&](tcp::Stack& s, unsigned worker) {
        CHECK(&s == &r.stack);
        ++ran[worker];
    };
    bool ok = false;
    std::thread control([&] { ok = r.fabric.run_on_every_worker(task, std::chrono::seconds(5)); });
    std::array<rte_mbuf*, 32> got{};
    while (task.done.load() < 2) {
        r.w0.collect(got, r.stack, [](rte_mbuf*) {});
        r.w1.collect(got, r.stack, [](rte_mbuf*) {});
        std::this_thread::yield();
    }
    control.join();
    CHECK(ok);
    CHECK(ran == std::array<int, 2>{1, 1});
}
