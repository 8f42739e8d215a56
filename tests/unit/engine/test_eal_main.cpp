// Main of test_engine_eal: rte_eal_init can run once per process (~150 ms), so
// it runs here, before any test, over in-process vdevs that need no root or NIC:
//   net_ring0, net_ring1: rings; RX and TX share them, a loopback
//   net_null0: RX makes 64-byte frames forever, TX frees
// lcore 1 is mapped onto CPU 0 (1@0), so the binary needs one CPU only.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "test_eal.hpp"

namespace {
const synline::engine::Eal* g_eal = nullptr;  // set once in main, before the tests
}

const synline::engine::Eal& synline::engine::test::eal() { return *g_eal; }

int main(int argc, char** argv)
{
    synline::engine::EalConfig cfg;
    cfg.args = {"--no-huge", "-m", "128", "--no-pci", "--log-level", "*:warning"};
    cfg.vdevs = {"net_ring0", "net_ring1", "net_null0"};
    cfg.lcores = "0,1@0";
    cfg.lcore_ids = {0, 1};
    cfg.file_prefix = "synline-test-" + std::to_string(::getpid());
    std::unique_ptr<synline::engine::Eal> eal;
    try {
        eal = std::make_unique<synline::engine::Eal>(cfg, "test_engine_eal");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    g_eal = eal.get();
    return Catch::Session().run(argc, argv);
}
