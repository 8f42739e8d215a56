#include "synline/runtime.hpp"

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "engine/eal.hpp"
#include "engine/lcore_runner.hpp"
#include "engine/log_capture.hpp"
#include "engine/mbuf_pool.hpp"
#include "engine/port.hpp"
#include "engine/stats.hpp"
#include "engine/worker.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "synline/tcp_settings.hpp"

namespace synline {

namespace {

constexpr auto kLinkWait = std::chrono::seconds(5);
constexpr auto kWorkerStartWait = std::chrono::seconds(10);

std::uint64_t total(const CounterTotals& t, std::string_view name) {
    for (const auto& [n, v] : t)
        if (n == name) return v;
    return 0;
}

std::uint64_t total_with_prefix(const CounterTotals& t, std::string_view prefix) {
    std::uint64_t sum = 0;
    for (const auto& [n, v] : t)
        if (n.starts_with(prefix)) sum += v;
    return sum;
}

}  // namespace

struct Runtime::Impl {
    RuntimeOptions options;
    engine::DriverConfig config;
    tcp::StackConfig stack_config;
    tcp::ListenOptions listen_options;
    std::unique_ptr<engine::Eal> eal;
    std::vector<std::unique_ptr<engine::MbufPool>> pools;
    std::unique_ptr<engine::Port> port;
    std::vector<std::unique_ptr<engine::Worker>> workers;
    std::unique_ptr<engine::LcoreRunner> runner;  // while run() runs

    CounterTotals totals() const {
        std::vector<std::string> names = engine::counter_names();
        CounterTotals out;
        for (auto& n : names) out.emplace_back(std::move(n), 0);
        for (const auto& w : workers) {
            if (!w) continue;
            std::vector<std::uint64_t> v = w->board().read();
            for (std::size_t i = 0; i < v.size(); ++i) out[i].second += v[i];
        }
        // What the device itself saw: imissed > 0 means frames were lost before
        // we polled them (the RX ring was full).
        engine::PortStats p = port->stats();
        out.emplace_back("port.ipackets", p.ipackets);
        out.emplace_back("port.opackets", p.opackets);
        out.emplace_back("port.imissed", p.imissed);
        out.emplace_back("port.ierrors", p.ierrors);
        out.emplace_back("port.oerrors", p.oerrors);
        out.emplace_back("port.rx_nombuf", p.rx_nombuf);
        return out;
    }

    void print_status(double seconds, const CounterTotals& now, const CounterTotals& before) const {
        auto delta = [&](std::string_view n) { return total(now, n) - total(before, n); };
        std::printf(
            "[%6.1fs] rx %" PRIu64 " pps  tx %" PRIu64 " pps | conns %" PRIu64 ": estab %" PRIu64
            " syn-rcvd %" PRIu64 " close-wait %" PRIu64 " time-wait %" PRIu64
            " | opened %" PRIu64 " closed %" PRIu64 " | rst out %" PRIu64 " in %" PRIu64
            " | drops %" PRIu64 "\n",
            seconds, delta("rx_packets"), delta("tx_packets"), total(now, "tcp.connections"),
            total(now, "tcp.state.ESTABLISHED"), total(now, "tcp.state.SYN-RECEIVED"),
            total(now, "tcp.state.CLOSE-WAIT"), total(now, "tcp.state.TIME-WAIT"),
            total(now, "tcp.opened_passive") + total(now, "tcp.opened_active"),
            total_with_prefix(now, "tcp.closed."), total_with_prefix(now, "tcp.rst_sent."),
            total_with_prefix(now, "tcp.rst_received."), total_with_prefix(now, "drop."));
        std::fflush(stdout);
    }
};

namespace {

// EAL, one mbuf pool per worker, the port and its link.
void bring_up(Runtime::Impl& s) {
    s.eal = std::make_unique<engine::Eal>(s.config.eal, s.options.program_name);
    std::vector<rte_mempool*> rx_pools;
    const auto& lcores = s.eal->worker_lcores();
    for (std::size_t i = 0; i < lcores.size(); ++i) {
        s.pools.push_back(std::make_unique<engine::MbufPool>("synline-pool-" + std::to_string(i),
                                                             lcores[i], s.config.port));
        rx_pools.push_back(s.pools.back()->get());
    }
    // Segments are written straight into one mbuf: the largest must fit.
    const std::size_t largest_frame = net::kEthernetHeaderLen + net::kIpv4MinHeaderLen +
                                      net::kTcpMinHeaderLen + net::kTcpMaxOptionsLen + s.stack_config.mss;
    if (largest_frame > s.pools.front()->frame_capacity())
        throw engine::ConfigError("tcp.mss = " + std::to_string(s.stack_config.mss) +
                                  " makes frames of up to " + std::to_string(largest_frame) +
                                  " bytes, more than an mbuf holds (" +
                                  std::to_string(s.pools.front()->frame_capacity()) + "): lower tcp.mss");
    s.port = std::make_unique<engine::Port>(s.config.port, rx_pools);
    s.port->wait_link_up(kLinkWait);
}

}  // namespace

Runtime::Runtime(const RuntimeOptions& options) : impl_(std::make_unique<Impl>()) {
    Impl& s = *impl_;
    s.options = options;
    s.config = engine::load_driver_config(options.config_path, options.vars, options.overrides,
                                          {tcp_schema()});
    s.stack_config = stack_config_from(s.config.section("tcp"));
    s.listen_options = listen_options_from(s.config.section("tcp"));
    engine::LogCapture startup_log;
    try {
        bring_up(s);
    } catch (const engine::ConfigError& e) {
        std::string driver_said = startup_log.first_error_line();
        throw engine::ConfigError(driver_said.empty() ? e.what()
                                                      : std::string(e.what()) + " (DPDK: " + driver_said + ")");
    }
    startup_log.forward_to_stderr();
    s.workers.resize(s.eal->worker_lcores().size());
}

Runtime::~Runtime() = default;

const tcp::ListenOptions& Runtime::listen_options() const { return impl_->listen_options; }

unsigned Runtime::worker_count() const {
    return static_cast<unsigned>(impl_->eal->worker_lcores().size());
}

std::string Runtime::describe() const {
    const Impl& s = *impl_;
    net::MacAddr mac{s.port->mac()};
    return "port " + s.port->name() + " (" + s.port->driver() + ") mac " + mac.to_string() +
           " ip " + s.options.ip.to_string() + "/" + std::to_string(s.options.prefix_len) +
           " workers " + std::to_string(worker_count()) + " queues " +
           std::to_string(s.port->queue_count()) +
           (s.port->tx_checksum_offload() ? " tx-csum-offload" : " sw-checksums");
}

void Runtime::request_stop() {
    if (impl_->runner) impl_->runner->stop_flag().request();
}

CounterTotals Runtime::run(const WorkerSetupFn& setup, const IterationFn& each_iteration) {
    Impl& s = *impl_;
    s.runner = std::make_unique<engine::LcoreRunner>(s.eal->worker_lcores());
    engine::LcoreRunner& runner = *s.runner;
    std::atomic<unsigned> started{0};
    const tcp::SipKey secret = tcp::random_sip_key();  // one per process (RFC 6528)

    runner.launch([&](unsigned index, unsigned) {
        engine::WorkerSetup ws;
        ws.port_id = s.port->id();
        ws.queue_id = static_cast<std::uint16_t>(index);
        ws.pool = s.pools[index]->get();
        ws.iface = engine::Interface{s.options.ip, s.options.prefix_len, s.options.gateway,
                                     net::MacAddr{s.port->mac()}};
        ws.rx_checksum_offload = s.port->rx_ipv4_tcp_checksum_offload();
        ws.tx_checksum_offload = s.port->tx_checksum_offload();
        ws.stack = s.stack_config;
        ws.secret = secret;
        // Built on its own lcore so that its memory is local to it.
        s.workers[index] = std::make_unique<engine::Worker>(ws);
        setup(s.workers[index]->stack(), index);
        s.workers[index]->publish_stats();
        started.fetch_add(1);
        s.workers[index]->run(runner.stop_flag(), each_iteration);
    });

    const auto deadline = std::chrono::steady_clock::now() + kWorkerStartWait;
    while (started.load() < s.workers.size() && !runner.stop_flag().requested() &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (started.load() == s.workers.size()) {
        std::printf("%s: ready\n", s.options.program_name.c_str());
        std::fflush(stdout);
    }

    CounterTotals before = s.totals();
    const auto t0 = std::chrono::steady_clock::now();
    runner.run_until_stopped(
        [&] {
            CounterTotals now = s.totals();
            if (s.options.status_lines) {
                double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                s.print_status(secs, now, before);
            }
            before = std::move(now);
        },
        s.options.duration_seconds);
    runner.wait_all();  // rethrows a worker's exception
    CounterTotals totals = s.totals();
    s.runner.reset();
    return totals;
}

}  // namespace synline
