// EAL-level tests of lib/engine: Eal, MbufPool, Port over ring/null vdevs, and
// LcoreRunner. Catch2 runs them in file order; the Port tests close the ports
// they use, so each uses its own vdev.
#include <catch2/catch.hpp>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <set>
#include <stdexcept>

#include "engine/lcore_runner.hpp"
#include "engine/mbuf_pool.hpp"
#include "engine/port.hpp"
#include "test_eal.hpp"

using namespace synline::engine;
using Catch::Matchers::Contains;

namespace {

PortConfig vdev_port(const std::string& name)
{
    PortConfig c;
    c.port_name = name;
    c.mbufs_per_queue = 4095;
    c.mbuf_cache = 64;
    c.rx_desc = 512;
    c.tx_desc = 512;
    c.packed_pool = true;
    return c;
}

std::string error_of(const std::function<void()>& f)
{
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("Eal: main lcore is the first listed, the rest are workers", "[eal]")
{
    CHECK(test::eal().main_lcore() == 0);
    CHECK(test::eal().worker_lcores() == std::vector<unsigned>{1});
    CHECK(rte_eth_dev_count_avail() == 3);
}

TEST_CASE("MbufPool: packed objects straddle pages, default ones do not", "[pool]")
{
    PortConfig cfg = vdev_port("");
    cfg.mbufs_per_queue = 1023;
    for (bool packed : {false, true}) {
        cfg.packed_pool = packed;
        MbufPool pool(packed ? "t_packed" : "t_plain", 0, cfg);
        CHECK(pool.packed() == packed);
        CHECK(pool.size() == 1023);
        CHECK(pool.available() == 1023);
        CHECK(pool.data_room() == RTE_MBUF_DEFAULT_BUF_SIZE);
        std::vector<rte_mbuf*> m(64);
        REQUIRE(rte_pktmbuf_alloc_bulk(pool.get(), m.data(), 64) == 0);
        CHECK(pool.available() == 1023 - 64);
        CHECK(rte_pktmbuf_tailroom(m[0]) >= 1500 + 18);
        // Page offsets of the mbuf headers: one value when each sits on its own page.
        std::set<uintptr_t> offsets;
        for (auto* b : m) offsets.insert(reinterpret_cast<uintptr_t>(b) % 4096);
        if (packed)
            CHECK(offsets.size() > 1);
        else
            CHECK(offsets.size() == 1);
        rte_pktmbuf_free_bulk(m.data(), 64);
    }
    cfg.mbufs_per_queue = 1u << 23;  // 8M x 2.2 KB does not fit in -m 128
    CHECK_THAT(error_of([&] { MbufPool big("t_big", 0, cfg); }),
               Contains("cannot create mbuf pool 't_big' (8388608 mbufs"));
}

TEST_CASE("Port: errors name the problem", "[port]")
{
    PortConfig cfg = vdev_port("net_nothere");
    MbufPool pool("t_err", 0, cfg);
    std::vector<rte_mempool*> pools{pool.get()};
    CHECK(error_of([&] { Port p(cfg, pools); }) ==
          "port.port_name = 'net_nothere' matches no DPDK port (found: net_ring0, net_ring1, "
          "net_null0): use one of those names");
    // net_ring has 16 ring pairs.
    cfg.port_name = "net_ring1";
    std::vector<rte_mempool*> many(17, pool.get());
    CHECK_THAT(error_of([&] { Port p(cfg, many); }),
               Contains("port net_ring1 (net_ring) has at most 16 RX/TX queue pairs but 17 workers"));
    CHECK(rte_eth_dev_is_valid_port(1));  // refused before configure: still there
    cfg.queues = 3;
    std::vector<rte_mempool*> two(2, pool.get());
    CHECK(error_of([&] { Port p(cfg, two); }) ==
          "port.queues = 3 is more than the 2 workers: give each worker at most one queue pair (0: one each)");
}

TEST_CASE("Port over net_ring: queue pairs, loopback, stats, stop and close", "[port]")
{
    PortConfig cfg = vdev_port("net_ring0");
    MbufPool p0("t_ring_q0", 0, cfg), p1("t_ring_q1", 1, cfg);
    uint16_t id;
    {
        Port port(cfg, {p0.get(), p1.get()});
        id = port.id();
        CHECK(port.name() == "net_ring0");
        CHECK(port.driver() == "net_ring");
        CHECK(port.queue_count() == 2);
        CHECK_FALSE(port.rss_enabled());  // net_ring offers no RSS
        CHECK_FALSE(port.rx_ipv4_tcp_checksum_offload());
        CHECK_FALSE(port.tx_checksum_offload());
        CHECK(port.wait_link_up(std::chrono::milliseconds(500)).up);
        CHECK(port.mtu() == 1500);
        rte_eth_dev_info info{};
        rte_eth_dev_info_get(id, &info);
        CHECK(info.nb_rx_queues == 2);
        CHECK(info.nb_tx_queues == 2);

        // One frame out of queue 1 comes back on queue 1 only.
        rte_mbuf* m = rte_pktmbuf_alloc(p1.get());
        REQUIRE(m != nullptr);
        char* d = rte_pktmbuf_append(m, 60);
        std::memset(d, 0xab, 60);
        REQUIRE(rte_eth_tx_burst(id, 1, &m, 1) == 1);
        rte_mbuf* got[4];
        CHECK(rte_eth_rx_burst(id, 0, got, 4) == 0);
        REQUIRE(rte_eth_rx_burst(id, 1, got, 4) == 1);
        CHECK(rte_pktmbuf_pkt_len(got[0]) == 60);
        CHECK(rte_pktmbuf_mtod(got[0], uint8_t*)[59] == 0xab);
        rte_pktmbuf_free(got[0]);

        PortStats s = port.stats();
        CHECK(s.opackets == 1);
        CHECK(s.ipackets == 1);
        CHECK(s.imissed == 0);
        CHECK_FALSE(port.xstats().empty());
    }
    // Stopped and closed: a vdev port is released on close.
    CHECK_FALSE(rte_eth_dev_is_valid_port(id));
    CHECK(p0.available() == p0.size());
}

TEST_CASE("Port over net_null: first-port default and RX from the worker's pool", "[port]")
{
    PortConfig cfg = vdev_port("");  // first available: ring0 is closed, so ring1
    cfg.promiscuous = true;
    MbufPool pool("t_null", 0, cfg);
    {
        Port port(cfg, {pool.get()});
        CHECK(port.name() == "net_ring1");
    }
    cfg.port_name = "net_null0";
    Port port(cfg, {pool.get()});
    rte_mbuf* got[8];
    const uint16_t n = rte_eth_rx_burst(port.id(), 0, got, 8);
    CHECK(n == 8);
    for (uint16_t i = 0; i < n; ++i) CHECK(got[i]->pool == pool.get());
    rte_pktmbuf_free_bulk(got, n);
}

TEST_CASE("LcoreRunner: workers run until stopped, duration ends the run", "[runner]")
{
    LcoreRunner runner(test::eal().worker_lcores());
    std::atomic<unsigned> seen_index{99}, seen_lcore{99};
    std::atomic<uint64_t> loops{0};
    runner.launch([&](unsigned index, unsigned lcore) {
        seen_index = index;
        seen_lcore = lcore;
        while (!runner.stop_flag().requested()) {
            loops.fetch_add(1, std::memory_order_relaxed);
            rte_pause();
        }
    });
    int ticks = 0;
    const auto t0 = std::chrono::steady_clock::now();
    runner.run_until_stopped([&] { ++ticks; }, 1.25);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    runner.wait_all();
    CHECK(took >= 1.2);
    CHECK(took < 2.0);
    CHECK(ticks == 1);
    CHECK(seen_index == 0);
    CHECK(seen_lcore == 1);
    CHECK(loops > 0);
    CHECK(rte_eal_get_lcore_state(1) == WAIT);
}

TEST_CASE("LcoreRunner: a worker's exception stops the run and is rethrown", "[runner]")
{
    LcoreRunner runner(test::eal().worker_lcores());
    runner.launch([](unsigned, unsigned) { throw std::runtime_error("boom"); });
    runner.run_until_stopped({}, 5.0);  // returns at once: the worker ended
    CHECK_THROWS_WITH(runner.wait_all(), "boom");
    CHECK_NOTHROW(runner.wait_all());  // reported once
}

TEST_CASE("LcoreRunner: SIGINT requests stop; only one runner at a time", "[runner]")
{
    struct sigaction before {};
    sigaction(SIGINT, nullptr, &before);  // Catch2's own handler
    {
        LcoreRunner runner(test::eal().worker_lcores());
        CHECK_THROWS_AS(LcoreRunner(test::eal().worker_lcores()), std::logic_error);
        runner.launch([&](unsigned, unsigned) {
            while (!runner.stop_flag().requested()) rte_pause();
        });
        std::raise(SIGINT);
        CHECK(runner.stop_flag().requested());
        runner.run_until_stopped({}, 5.0);
        runner.wait_all();
    }
    // Handlers restored: the previous disposition is back.
    struct sigaction now {};
    sigaction(SIGINT, nullptr, &now);
    CHECK(now.sa_handler == before.sa_handler);
}
