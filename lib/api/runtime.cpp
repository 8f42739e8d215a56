#include "synline/runtime.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/capture_config.hpp"
#include "engine/eal.hpp"
#include "engine/lcore_runner.hpp"
#include "engine/log_capture.hpp"
#include "engine/mbuf_pool.hpp"
#include "engine/pcap_writer.hpp"
#include "engine/port.hpp"
#include "engine/stats.hpp"
#include "engine/telemetry.hpp"
#include "engine/steering.hpp"
#include "engine/worker.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "synline/tcp_settings.hpp"

namespace synline {

namespace {

constexpr auto kLinkWait = std::chrono::seconds(5);
constexpr auto kWorkerStartWait = std::chrono::seconds(10);

// The status line. The control lcore shares its CPU with a worker in small
// deployments, so whatever it does once a second is time the worker loses:
// the figures' positions among the counters are looked up once, and a line
// costs a pass over the boards and one printf, no allocation.
class StatusLine {
public:
    StatusLine() {
        const std::vector<std::string>& names = engine::counter_names();
        for (std::size_t f = 0; f < kFigures; ++f)
            for (std::size_t i = 0; i < names.size(); ++i)
                if (names[i].starts_with(kPrefixes[f])) positions_[f].push_back(i);
    }

    void print(double seconds, std::span<const std::uint64_t> now,
               std::span<const std::uint64_t> before) const {
        auto at = [&](Figure f, std::span<const std::uint64_t> v) {
            std::uint64_t sum = 0;
            for (std::size_t i : positions_[f]) sum += v[i];
            return sum;
        };
        auto delta = [&](Figure f) { return at(f, now) - at(f, before); };
        std::printf(
            "[%6.1fs] rx %" PRIu64 " pps  tx %" PRIu64 " pps | conns %" PRIu64 ": estab %" PRIu64
            " syn-rcvd %" PRIu64 " close-wait %" PRIu64 " time-wait %" PRIu64
            " | opened %" PRIu64 " closed %" PRIu64 " | rst out %" PRIu64 " in %" PRIu64
            " | drops %" PRIu64 "\n",
            seconds, delta(rx), delta(tx), at(connections, now), at(established, now),
            at(syn_received, now), at(close_wait, now), at(time_wait, now), at(opened, now),
            at(closed, now), at(rst_out, now), at(rst_in, now), at(drops, now));
        std::fflush(stdout);
    }

private:
    // Each figure is the sum of the counters whose names start with its prefix.
    enum Figure : std::size_t {
        rx, tx, connections, established, syn_received, close_wait, time_wait,
        opened, closed, rst_out, rst_in, drops, kFigures
    };
    static constexpr std::array<std::string_view, kFigures> kPrefixes{
        "rx_packets", "tx_packets", "tcp.connections", "tcp.state.ESTABLISHED",
        "tcp.state.SYN-RECEIVED", "tcp.state.CLOSE-WAIT", "tcp.state.TIME-WAIT",
        "tcp.opened_", "tcp.closed.", "tcp.rst_sent.", "tcp.rst_received.", "drop."};
    std::array<std::vector<std::size_t>, kFigures> positions_;
};

// What a started worker shows the telemetry thread: its board, and its
// listeners as they were when it started polling. Written once, on the
// worker's lcore, before `board` is stored (release); read only after `board`
// is loaded non-null (acquire).
struct WorkerView {
    std::atomic<const engine::StatsBoard*> board{nullptr};
    std::vector<engine::ListenerFigures> listeners;
};

}  // namespace

struct Runtime::Impl final : engine::TelemetrySource {
    RuntimeOptions options;
    engine::DriverConfig config;
    tcp::StackConfig stack_config;
    tcp::ListenOptions listen_options;
    std::unique_ptr<engine::Eal> eal;
    std::vector<std::unique_ptr<engine::MbufPool>> pools;
    std::unique_ptr<engine::Port> port;
    std::unique_ptr<engine::SteerFabric> fabric;  // with several workers; outlives them
    std::vector<std::unique_ptr<engine::Worker>> workers;
    std::unique_ptr<engine::LcoreRunner> runner;  // while run() runs
    engine::CaptureConfig capture;
    std::vector<std::unique_ptr<engine::CaptureRing>> capture_rings;  // one per worker
    std::unique_ptr<engine::PcapWriter> capture_writer;
    std::unique_ptr<WorkerView[]> views;                    // one per worker
    std::unique_ptr<engine::TelemetryEndpoints> telemetry;  // last: detached first

    // engine::TelemetrySource, on the telemetry thread.
    std::vector<unsigned> worker_lcores() const override { return eal->worker_lcores(); }
    bool add_worker_counters(std::size_t i, std::span<std::uint64_t> sums) const override {
        const engine::StatsBoard* b = views[i].board.load(std::memory_order_acquire);
        if (b) b->add_to(sums);
        return b != nullptr;
    }
    std::vector<std::pair<std::string, std::uint64_t>> figures() const override {
        if (!capture_writer) return {};
        return {{"capture.packets", capture_writer->packets()},
                {"capture.bytes", capture_writer->bytes()},
                {"capture.over_limit", capture_writer->over_limit()}};
    }
    std::vector<engine::ListenerFigures> listeners() const override {
        std::vector<engine::ListenerFigures> out;
        for (std::size_t i = 0; i < eal->worker_lcores().size(); ++i) {
            if (!views[i].board.load(std::memory_order_acquire)) continue;
            for (const engine::ListenerFigures& l : views[i].listeners) {
                auto same = std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.port == l.port; });
                if (same == out.end()) out.push_back(l);
                else ++same->workers;
            }
        }
        return out;
    }

    // Every worker's counters summed, by position in engine::counter_names().
    void sum_boards(std::vector<std::uint64_t>& sums) const {
        std::fill(sums.begin(), sums.end(), 0);
        for (const auto& w : workers)
            if (w) w->board().add_to(sums);
    }

    CounterTotals totals() const {
        const std::vector<std::string>& names = engine::counter_names();
        std::vector<std::uint64_t> sums(names.size());
        sum_boards(sums);
        CounterTotals out;
        for (std::size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], sums[i]);
        // What the device itself saw: imissed > 0 means frames were lost before
        // we polled them (the RX ring was full).
        // Per worker, what shows how the work was spread.
        static constexpr std::string_view kPerWorker[] = {"rx_packets", "tcp.opened_passive", "tcp.opened_active",
                                                          "steer.foreign_packets", "steer.arrived"};
        for (std::size_t w = 0; w < workers.size() && workers.size() > 1; ++w) {
            std::fill(sums.begin(), sums.end(), 0);
            workers[w]->board().add_to(sums);
            for (std::string_view name : kPerWorker)
                for (std::size_t i = 0; i < names.size(); ++i)
                    if (names[i] == name) out.emplace_back("worker" + std::to_string(w) + "." + names[i], sums[i]);
        }
        engine::PortStats p = port->stats();
        out.emplace_back("port.ipackets", p.ipackets);
        out.emplace_back("port.opackets", p.opackets);
        out.emplace_back("port.imissed", p.imissed);
        out.emplace_back("port.ierrors", p.ierrors);
        out.emplace_back("port.oerrors", p.oerrors);
        out.emplace_back("port.rx_nombuf", p.rx_nombuf);
        for (auto& f : figures()) out.push_back(std::move(f));
        return out;
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
    if (s.capture.enabled()) {
        if (!s.capture.port.empty() && s.capture.port != s.port->name())
            throw engine::ConfigError(s.config.section("capture").origin("port") + ": capture.port = '" +
                                      s.capture.port + "' is not the port in use ('" + s.port->name() +
                                      "'): leave it empty or name that port");
        // A slot needs no more than the largest frame an mbuf holds.
        const std::size_t slot = std::min<std::size_t>(s.capture.snaplen, s.pools.front()->frame_capacity());
        for (std::size_t i = 0; i < lcores.size(); ++i)
            s.capture_rings.push_back(std::make_unique<engine::CaptureRing>(s.capture.ring_slots, slot));
        s.capture_writer = std::make_unique<engine::PcapWriter>(s.capture.file, s.capture.snaplen, s.capture.limits);
    }
    // Several workers: a frame's home is where RSS with the port's key and
    // table would put it; frames received elsewhere are handed over.
    if (rx_pools.size() > 1) {
        constexpr unsigned kSoftwareTable = 128;
        const bool rss = s.port->rss_enabled();
        s.fabric = std::make_unique<engine::SteerFabric>(
            static_cast<unsigned>(rx_pools.size()),
            engine::RssSpread(rss ? s.port->rss_key() : engine::symmetric_rss_key(40),
                              static_cast<unsigned>(rx_pools.size()),
                              rss && s.port->reta_size() ? s.port->reta_size() : kSoftwareTable));
    }
}

}  // namespace

Runtime::Runtime(const RuntimeOptions& options) : impl_(std::make_unique<Impl>()) {
    Impl& s = *impl_;
    s.options = options;
    s.config = engine::load_driver_config(options.config_path, options.vars, options.overrides,
                                          {tcp_schema(), engine::capture_schema()});
    s.stack_config = stack_config_from(s.config.section("tcp"));
    s.capture = engine::capture_config_from(s.config.section("capture"));
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
    s.views = std::make_unique<WorkerView[]>(s.workers.size());
    s.telemetry = std::make_unique<engine::TelemetryEndpoints>(s);
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

void Runtime::set_frame_tap(unsigned worker_index, engine::FrameTap* tap) {
    impl_->workers.at(worker_index)->set_frame_tap(tap);
}

CounterTotals Runtime::run(const WorkerSetupFn& setup, const IterationFn& each_iteration) {
    Impl& s = *impl_;
    s.runner = std::make_unique<engine::LcoreRunner>(s.eal->worker_lcores());
    engine::LcoreRunner& runner = *s.runner;
    std::atomic<unsigned> started{0};
    const tcp::SipKey secret = tcp::random_sip_key();  // one per process (RFC 6528)

    if (s.capture_writer) {
        // Started here, on the control lcore, so the thread shares its CPUs
        // and never a worker's.
        std::vector<engine::CaptureRing*> rings;
        for (const auto& r : s.capture_rings) rings.push_back(r.get());
        s.capture_writer->start(std::move(rings));
    }
    runner.launch([&](unsigned index, unsigned) {
        engine::WorkerSetup ws;
        ws.port_id = s.port->id();
        ws.own_queue = index < s.port->queue_count();
        ws.queue_id = static_cast<std::uint16_t>(index % s.port->queue_count());
        ws.fabric = s.fabric.get();
        ws.index = index;
        ws.pool = s.pools[index]->get();
        ws.iface = engine::Interface{s.options.ip, s.options.prefix_len, s.options.gateway,
                                     net::MacAddr{s.port->mac()}};
        ws.rx_checksum_offload = s.port->rx_ipv4_tcp_checksum_offload();
        ws.tx_checksum_offload = s.port->tx_checksum_offload();
        ws.stack = s.stack_config;
        ws.secret = secret;
        if (s.capture.enabled()) {
            if (s.capture.rx) ws.capture_rx = s.capture_rings[index].get();
            if (s.capture.tx) ws.capture_tx = s.capture_rings[index].get();
        }
        // Built on its own lcore so that its memory is local to it.
        s.workers[index] = std::make_unique<engine::Worker>(ws);
        setup(s.workers[index]->stack(), index);
        s.workers[index]->publish_stats();
        const tcp::Stack& stack = s.workers[index]->stack();
        for (std::uint16_t port : stack.listening_ports()) {
            const tcp::ListenerStats l = *stack.listener_stats(port);
            s.views[index].listeners.push_back({port, l.syn_backlog, l.backlog, 1});
        }
        s.views[index].board.store(&s.workers[index]->board(), std::memory_order_release);
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

    const StatusLine status_line;
    std::vector<std::uint64_t> now(engine::counter_names().size()), before(now.size());
    s.sum_boards(before);
    const auto t0 = std::chrono::steady_clock::now();
    std::function<void()> every_second;
    if (s.options.status_lines)
        every_second = [&] {
            s.sum_boards(now);
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            status_line.print(secs, now, before);
            std::swap(now, before);
        };
    runner.run_until_stopped(every_second, s.options.duration_seconds);
    runner.wait_all();  // rethrows a worker's exception
    if (s.capture_writer) s.capture_writer->stop();
    CounterTotals totals = s.totals();
    s.runner.reset();
    return totals;
}

}  // namespace synline
