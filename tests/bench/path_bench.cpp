// synline-bench-path: whole server-side paths on one core, no NIC, no client stack.
//
// One engine::Worker on the main lcore serves a tiny HTTP handler on port 80
// (the response and request parser of app/server's http app, from
// app/server/http_messages.hpp) and a discard handler on port 9. A
// scripted client builds every frame it sends from what the worker transmitted
// before: the port is a net_ring vdev whose TX ring is also its RX ring, so
// after each Worker::process() the bench reads the replies back with
// rte_eth_rx_burst, learns the server's sequence numbers and timestamps from
// them, and frees them. Frames go in through Worker::process(), the function
// poll_once() calls after rte_eth_rx_burst: parse with software checksums, flow
// lookup, TCP, the handler, replies built and queued to the port. Nothing is
// mocked below process().
//
// Scenarios (one "operation" each):
//   conn       a whole short connection, 32 at a time: SYN -> SYN-ACK;
//              ACK + "GET / ... Connection: close" -> response + FIN;
//              FIN+ACK -> ACK (the server then holds TIME-WAIT for 2*MSL, 10 ms here).
//   keepalive  one request -> response on one of 256 established connections
//              (the request also acknowledges the previous response).
//   bulk       one 1448-byte data segment, in order, to the discard handler on one
//              of 4 established connections (32 consecutive segments per burst);
//              the server's ACKs are read back.
// Modes:
//   SCENARIO rate [--runs R] [--seconds S]   operations/s, median of R runs
//   SCENARIO count N                         N operations inside CALLGRIND_START/STOP
// The rate counts only the time spent inside Worker::process() (TSC around each
// call), i.e. what one server core spends per operation; the scripted client's
// own work (building frames, reading replies, freeing them) is not counted. The
// wall-clock rate of the whole loop is printed too. Checks: the expected replies
// arrived (SYN-ACK, the full response, FIN, final ACK) and no RST was sent or
// segment dropped; exit status 1 otherwise.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"
#include "http_messages.hpp"
#include "engine/config.hpp"
#include "engine/eal.hpp"
#include "engine/mbuf_pool.hpp"
#include "engine/port.hpp"
#include "engine/worker.hpp"
#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "tcp/connection.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/listener.hpp"

namespace {

using namespace synline;

constexpr std::uint32_t kServerIp = 0x0a000001;  // 10.0.0.1
constexpr std::uint32_t kClientIp = 0x0a000002;  // 10.0.0.2
constexpr std::uint16_t kHttpPort = 80;
constexpr std::uint16_t kDiscardPort = 9;
constexpr std::size_t kBurst = engine::Worker::kBurst;
constexpr std::size_t kSegment = 1448;  // 1500 - 20 - 20 - 12 (timestamps)
constexpr std::uint16_t kFirstClientPort = 1024;
constexpr std::uint32_t kClientPorts = 65536 - kFirstClientPort;
constexpr unsigned kKeepAliveConns = 256;
constexpr unsigned kBulkConns = 4;

namespace tf = net::tcp_flag;

// ---- the server's application: a tiny HTTP responder and discard -------------

// Answers each complete request in a segment (requests are never split here);
// a request that does not keep the connection closes it after the response, as
// app/server's http app does.
class HttpHandler final : public tcp::ConnectionHandler {
public:
    std::size_t on_data(tcp::Connection& c, std::span<const std::uint8_t> data) override {
        std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
        for (std::size_t used = 0;;) {
            const app::RequestHead head = app::read_head(bytes.substr(used));
            if (head.length == 0) break;
            used += head.length;
            const std::string& r = head.keep_alive ? keep_ : close_;
            c.send({reinterpret_cast<const std::uint8_t*>(r.data()), r.size()});
            if (!head.keep_alive) {
                c.close();
                break;
            }
        }
        return data.size();
    }
    void on_peer_closed(tcp::Connection& c) override { c.close(); }
    std::size_t response_size(bool keep) const { return keep ? keep_.size() : close_.size(); }

private:
    std::string keep_ = app::http_response(true), close_ = app::http_response(false);
};

class DiscardHandler final : public tcp::ConnectionHandler {
public:
    void on_peer_closed(tcp::Connection& c) override { c.close(); }
};

// ---- the scripted client ----------------------------------------------------

struct Peer {                 // one client connection, as the client sees it
    std::uint16_t port = 0;   // client port (the index is port - kFirstClientPort)
    std::uint16_t dst = 0;    // server port
    std::uint32_t snd_nxt = 0;  // client's next sequence number
    std::uint32_t rcv_nxt = 0;  // next server byte expected
    std::uint32_t ts_recent = 0;
    std::uint32_t got_bytes = 0;  // server payload bytes seen since reset
    bool synack = false, fin = false;
    std::uint32_t acks = 0;   // pure ACKs seen
};

struct Tally {
    std::uint64_t frames_in = 0, frames_out = 0, rst = 0, unknown = 0;
};

class Client {
public:
    Client(engine::Worker& w, rte_mempool* pool, std::uint16_t port_id, const net::MacAddr& server_mac)
        : worker_(w), pool_(pool), port_id_(port_id), server_mac_(server_mac), peers_(kClientPorts) {
        for (std::uint32_t i = 0; i < kClientPorts; ++i) peers_[i].port = static_cast<std::uint16_t>(kFirstClientPort + i);
    }

    Peer& peer(std::uint32_t index) { return peers_[index % kClientPorts]; }

    // Queues one frame for the next process() call.
    void add(Peer& p, std::uint8_t flags, std::span<const std::uint8_t> payload = {}) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (!m) throw std::runtime_error("mbuf pool exhausted (client)");
        const bool syn = (flags & tf::syn) != 0;
        bench::ClientSegment c;
        c.dst_mac = server_mac_;
        c.src_mac = kClientMac;
        c.tuple = {net::Ipv4Addr{kClientIp}, net::Ipv4Addr{kServerIp}, p.port, p.dst};
        c.flags = flags;
        c.seq = p.snd_nxt;
        c.ack = (flags & tf::ack) ? p.rcv_nxt : 0;
        c.window = syn ? 64240 : 8192;  // window 8192 << 7 = 1 MiB after the SYN
        c.tsval = ++tsval_;
        c.tsecr = syn ? 0 : p.ts_recent;
        c.ip_id = ip_id_++;
        c.payload = payload;
        auto* f = rte_pktmbuf_mtod(m, std::uint8_t*);  // a client frame is far below the data room
        m->data_len = static_cast<std::uint16_t>(bench::write_client_frame(f, c));
        m->pkt_len = m->data_len;
        p.snd_nxt += static_cast<std::uint32_t>(payload.size()) + (syn ? 1u : 0u) + ((flags & tf::fin) ? 1u : 0u);
        batch_[count_++] = m;
        if (count_ == batch_.size()) flush();
    }

    // The ARP request that teaches the worker our MAC (timers send later, without
    // a frame to take the address from).
    void add_arp() {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        auto* f = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, 42));
        std::memset(f, 0xff, 6);
        std::memcpy(f + 6, kClientMac.bytes.data(), 6);
        net::store_be16(f + 12, 0x0806);
        std::uint8_t* a = f + 14;
        net::store_be16(a, 1);
        net::store_be16(a + 2, 0x0800);
        a[4] = 6;
        a[5] = 4;
        net::store_be16(a + 6, 1);  // request
        std::memcpy(a + 8, kClientMac.bytes.data(), 6);
        net::store_be32(a + 14, kClientIp);
        std::memset(a + 18, 0, 6);
        net::store_be32(a + 24, kServerIp);
        batch_[count_++] = m;
        flush();
    }

    // Hands the queued frames to the worker (timed), then reads and frees the replies.
    void flush() {
        if (count_ == 0) return;
        const std::uint64_t t0 = rte_rdtsc();
        worker_.process({batch_.data(), count_});
        cycles_ += rte_rdtsc() - t0;
        tally_.frames_in += count_;
        count_ = 0;
        drain();
    }

    void drain() {
        std::array<rte_mbuf*, 64> rx;
        for (;;) {
            const std::uint16_t n = rte_eth_rx_burst(port_id_, 0, rx.data(), rx.size());
            for (std::uint16_t i = 0; i < n; ++i) {
                read_reply(rx[i]);
                rte_pktmbuf_free(rx[i]);
            }
            if (n < rx.size()) break;
        }
    }

    std::uint64_t cycles() const { return cycles_; }
    const Tally& tally() const { return tally_; }

private:
    void read_reply(rte_mbuf* m) {
        ++tally_.frames_out;
        const auto* f = rte_pktmbuf_mtod(m, const std::uint8_t*);
        if (m->data_len < 54 || net::load_be16(f + 12) != 0x0800) { ++tally_.unknown; return; }
        const std::uint8_t* ip = f + net::kEthernetHeaderLen;
        const std::size_t ihl = (ip[0] & 0x0f) * 4u;
        if (ip[9] != net::kIpProtoTcp) { ++tally_.unknown; return; }
        const std::uint8_t* t = ip + ihl;
        const std::size_t thl = (t[12] >> 4) * 4u;
        const std::size_t payload = net::load_be16(ip + 2) - ihl - thl;
        const std::uint16_t dport = net::load_be16(t + 2);
        if (dport < kFirstClientPort) { ++tally_.unknown; return; }
        Peer& p = peers_[dport - kFirstClientPort];
        const std::uint8_t flags = t[13];
        const std::uint32_t seq = net::load_be32(t + 4);
        if (flags & tf::rst) { ++tally_.rst; return; }
        for (std::size_t i = 20; i + 1 < thl;) {  // the timestamp option, wherever it is
            const std::uint8_t kind = t[i];
            if (kind == 0) break;
            if (kind == 1) { ++i; continue; }
            const std::uint8_t len = t[i + 1];
            if (len < 2) break;
            if (kind == 8 && len == 10) p.ts_recent = net::load_be32(t + i + 2);
            i += len;
        }
        if (flags & tf::syn) {
            p.synack = true;
            p.rcv_nxt = seq + 1;
        }
        if (payload > 0) {
            p.got_bytes += static_cast<std::uint32_t>(payload);
            if (static_cast<std::int32_t>(seq + static_cast<std::uint32_t>(payload) - p.rcv_nxt) > 0)
                p.rcv_nxt = seq + static_cast<std::uint32_t>(payload);
        }
        if (flags & tf::fin) {
            p.fin = true;
            p.rcv_nxt = seq + static_cast<std::uint32_t>(payload) + 1;
        }
        if (!(flags & (tf::syn | tf::fin)) && payload == 0) ++p.acks;
    }

    static constexpr net::MacAddr kClientMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
    engine::Worker& worker_;
    rte_mempool* pool_;
    std::uint16_t port_id_;
    net::MacAddr server_mac_;
    std::vector<Peer> peers_;
    std::array<rte_mbuf*, kBurst> batch_{};
    std::size_t count_ = 0;
    std::uint16_t ip_id_ = 1;
    std::uint32_t tsval_ = 1000;
    std::uint64_t cycles_ = 0;
    Tally tally_;
};

// ---- scenarios ------------------------------------------------------------

const std::string kRequestKeep = "GET / HTTP/1.1\r\nHost: 10.0.0.1\r\nUser-Agent: synline-bench\r\n\r\n";
const std::string kRequestClose =
    "GET / HTTP/1.1\r\nHost: 10.0.0.1\r\nUser-Agent: synline-bench\r\nConnection: close\r\n\r\n";

std::span<const std::uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Scenario {
    Client& cl;
    const HttpHandler& http;
    std::uint32_t next_port = 0;  // conn: next client port index
    std::uint64_t failures = 0;
    std::vector<std::uint8_t> segment = std::vector<std::uint8_t>(kSegment, 'x');
    std::uint64_t bulk_round = 0;
    std::uint64_t ka_next = 0;
    unsigned kept_open = 0;  // connections the scenario holds open on purpose (keepalive, bulk)

    // One handshake for each of `n` peers starting at index `first` (port `dst`).
    void handshake(std::uint32_t first, unsigned n, std::uint16_t dst) {
        for (unsigned i = 0; i < n; ++i) {
            Peer& p = cl.peer(first + i);
            p = Peer{p.port, dst, 0x10000000u * (i % 7) + p.port * 977u, 0, 0, 0, false, false, 0};
            cl.add(p, tf::syn);
        }
        cl.flush();
        for (unsigned i = 0; i < n; ++i) {
            Peer& p = cl.peer(first + i);
            if (!p.synack) ++failures;
            cl.add(p, tf::ack);
        }
        cl.flush();
    }

    // conn: 32 whole connections (one burst per step).
    std::uint64_t conn_burst() {
        const std::uint32_t first = next_port;
        next_port = (next_port + kBurst) % (kClientPorts - kClientPorts % kBurst);
        for (unsigned i = 0; i < kBurst; ++i) {
            Peer& p = cl.peer(first + i);
            p = Peer{p.port, kHttpPort, p.port * 2654435761u, 0, 0, 0, false, false, 0};
            cl.add(p, tf::syn);
        }
        cl.flush();
        for (unsigned i = 0; i < kBurst; ++i) {
            Peer& p = cl.peer(first + i);
            if (!p.synack) ++failures;
            cl.add(p, tf::ack | tf::psh, bytes(kRequestClose));
        }
        cl.flush();
        for (unsigned i = 0; i < kBurst; ++i) {
            Peer& p = cl.peer(first + i);
            if (p.got_bytes != http.response_size(false) || !p.fin) ++failures;
            p.acks = 0;
            cl.add(p, tf::ack | tf::fin);
        }
        cl.flush();
        for (unsigned i = 0; i < kBurst; ++i)
            if (cl.peer(first + i).acks == 0) ++failures;  // the final ACK of our FIN
        return kBurst;
    }

    void keepalive_setup() {
        handshake(0, kKeepAliveConns, kHttpPort);
        kept_open = kKeepAliveConns;
    }
    std::uint64_t keepalive_burst() {
        for (unsigned i = 0; i < kBurst; ++i) {
            Peer& p = cl.peer(static_cast<std::uint32_t>(ka_next++ % kKeepAliveConns));
            p.got_bytes = 0;
            cl.add(p, tf::ack | tf::psh, bytes(kRequestKeep));
        }
        cl.flush();
        for (unsigned i = 0; i < kBurst; ++i) {
            Peer& p = cl.peer(static_cast<std::uint32_t>((ka_next - kBurst + i) % kKeepAliveConns));
            if (p.got_bytes != http.response_size(true)) ++failures;
        }
        return kBurst;
    }

    void bulk_setup() {
        handshake(0, kBulkConns, kDiscardPort);
        kept_open = kBulkConns;
    }
    std::uint64_t bulk_burst() {
        Peer& p = cl.peer(static_cast<std::uint32_t>(bulk_round++ % kBulkConns));
        for (unsigned i = 0; i < kBurst; ++i) cl.add(p, tf::ack | (i == kBurst - 1 ? tf::psh : 0), segment);
        cl.flush();
        return kBurst;
    }
};

// ---- options, machine facts -----------------------------------------------

struct Options {
    std::string scenario;
    std::string mode = "rate";
    std::uint64_t n = 0;
    unsigned runs = 5;
    double seconds = 1.0;
    unsigned cpu = 0;
    unsigned memory_mb = 512;
    bool cookies_always = false;  // every handshake through a SYN cookie, not the SYN queue
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "synline-bench-path: %s\n"
                 "usage: synline-bench-path conn|keepalive|bulk rate [--runs R] [--seconds S]\n"
                 "       synline-bench-path conn|keepalive|bulk count N\n"
                 "  common: [--cpu C] [--memory MB] [--cookies always]\n",
                 why.c_str());
    std::exit(2);
}

std::uint64_t parse_u64(const char* s, const std::string& what) {
    const auto v = bench::parse_u64(s);
    if (!v) usage("bad number for " + what);
    return *v;
}

Options parse_options(int argc, char** argv) {
    Options o;
    int i = 1;
    if (i >= argc) usage("missing scenario");
    o.scenario = argv[i++];
    if (o.scenario != "conn" && o.scenario != "keepalive" && o.scenario != "bulk")
        usage("unknown scenario '" + o.scenario + "'");
    if (i < argc && argv[i][0] != '-') o.mode = argv[i++];
    if (o.mode != "rate" && o.mode != "count") usage("unknown mode '" + o.mode + "'");
    if (o.mode == "count") {
        if (i >= argc) usage("count needs N");
        o.n = parse_u64(argv[i++], "N");
        if (o.n == 0) usage("N must be positive");
    }
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage("missing value after " + a);
            return argv[++i];
        };
        if (a == "--runs") o.runs = static_cast<unsigned>(parse_u64(value(), a));
        else if (a == "--seconds") o.seconds = std::atof(value());
        else if (a == "--cpu") o.cpu = static_cast<unsigned>(parse_u64(value(), a));
        else if (a == "--memory") o.memory_mb = static_cast<unsigned>(parse_u64(value(), a));
        else if (a == "--cookies") {
            if (std::string(value()) != "always") usage("--cookies takes always");
            o.cookies_always = true;
        } else usage("unknown option " + a);
    }
    if (o.runs == 0 || o.seconds <= 0) usage("--runs and --seconds must be positive");
    return o;
}

std::uint64_t bad_things(const tcp::TcpCounters& c) {
    std::uint64_t n = std::accumulate(c.rst_sent.begin(), c.rst_sent.end(), std::uint64_t{0});
    n += std::accumulate(c.dropped.begin(), c.dropped.end(), std::uint64_t{0});
    return n + c.retransmits;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);

    engine::EalConfig eal_cfg;
    eal_cfg.args = {"--no-huge", "-m", std::to_string(o.memory_mb), "--no-pci", "--log-level", "*:warning"};
    eal_cfg.vdevs = {"net_ring0"};  // one ring per queue pair: what TX enqueues, RX dequeues
    eal_cfg.lcores = "0@" + std::to_string(o.cpu);
    eal_cfg.lcore_ids = {0};
    eal_cfg.file_prefix = "synline-bench-path-" + std::to_string(::getpid());
    eal_cfg.multi_process = false;

    int rc = 0;
    try {
        engine::Eal eal(eal_cfg, "synline-bench-path");
        engine::PortConfig port_cfg;
        port_cfg.packed_pool = true;
        port_cfg.mbufs_per_queue = 16383;
        port_cfg.mbuf_cache = 256;
        port_cfg.rss = false;
        engine::MbufPool pool("bench-path-pool", eal.main_lcore(), port_cfg);
        engine::Port port(port_cfg, {pool.get()});

        engine::WorkerSetup ws;
        ws.port_id = port.id();
        ws.queue_id = 0;
        ws.pool = pool.get();
        ws.iface = engine::Interface{net::Ipv4Addr{kServerIp}, 8, std::nullopt, net::MacAddr{port.mac()}};
        ws.rx_checksum_offload = false;
        ws.tx_checksum_offload = false;
        ws.stack.msl = std::chrono::milliseconds(5);  // TIME-WAIT 10 ms: ports recycle
        ws.stack.max_connections = 65536;
        ws.secret = tcp::SipKey{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
        engine::Worker worker(ws);
        HttpHandler http;
        DiscardHandler discard;
        tcp::ListenOptions lo;
        lo.cookies = o.cookies_always ? tcp::SynCookieMode::always : tcp::SynCookieMode::on_overflow;
        lo.syn_backlog = 4096;
        if (!worker.stack().listen(kHttpPort, http, lo) || !worker.stack().listen(kDiscardPort, discard, lo))
            throw std::runtime_error("listen failed");

        Client cl(worker, pool.get(), port.id(), net::MacAddr{port.mac()});
        cl.add_arp();
        Scenario sc{cl, http};
        std::uint64_t (Scenario::*burst)() = nullptr;
        const char* unit = "";
        if (o.scenario == "conn") { burst = &Scenario::conn_burst; unit = "conn"; }
        if (o.scenario == "keepalive") { sc.keepalive_setup(); burst = &Scenario::keepalive_burst; unit = "req"; }
        if (o.scenario == "bulk") { sc.bulk_setup(); burst = &Scenario::bulk_burst; unit = "seg"; }

        std::printf("synline-bench-path: %s, one core, no NIC (net_ring), scripted client\n", o.scenario.c_str());
        std::printf("cpu: %s, %ld online, lcore 0 on cpu %u\n", bench::cpu_model().c_str(),
                    sysconf(_SC_NPROCESSORS_ONLN), o.cpu);
        std::printf("unit: %s\n", unit);

        // Warm-up: enough operations to touch every structure the run uses.
        for (int i = 0; i < 256; ++i) (sc.*burst)();
        const std::uint64_t warm_failures = sc.failures;
        const std::uint64_t bad0 = bad_things(worker.stack().counters());
        const double hz = static_cast<double>(rte_get_tsc_hz());

        if (o.mode == "rate") {
            std::vector<double> rates;
            for (unsigned r = 0; r < o.runs; ++r) {
                const std::uint64_t c0 = cl.cycles();
                const std::uint64_t t0 = rte_rdtsc();
                const double cpu0 = bench::thread_cpu_seconds();
                const auto limit = static_cast<std::uint64_t>(o.seconds * hz);
                std::uint64_t ops = 0;
                while (rte_rdtsc() - t0 < limit) ops += (sc.*burst)();
                const double wall = static_cast<double>(rte_rdtsc() - t0) / hz;
                const double cpu = bench::thread_cpu_seconds() - cpu0;
                const double in_worker = static_cast<double>(cl.cycles() - c0) / hz;
                rates.push_back(static_cast<double>(ops) / in_worker);
                std::printf("run %u: %.3f M %s/s in the worker (%llu ops, %.3f s of %.3f s wall in "
                            "Worker::process, %.0f ns/op; whole loop %.3f M/s; got %.0f%% of a CPU)\n",
                            r + 1, rates.back() / 1e6, unit, (unsigned long long)ops, in_worker, wall,
                            in_worker * 1e9 / static_cast<double>(ops), static_cast<double>(ops) / wall / 1e6,
                            100 * cpu / wall);
            }
            std::vector<double> s = rates;
            std::sort(s.begin(), s.end());
            std::printf("median: %.4f M %s/s over %u runs (min %.4f, max %.4f)\n", bench::median(rates) / 1e6, unit,
                        o.runs, s.front() / 1e6, s.back() / 1e6);
        } else {
            const std::uint64_t bursts = (o.n + kBurst - 1) / kBurst;
            std::uint64_t ops = 0;
            CALLGRIND_START_INSTRUMENTATION;
            for (std::uint64_t i = 0; i < bursts; ++i) ops += (sc.*burst)();
            CALLGRIND_STOP_INSTRUMENTATION;
            std::printf("operations: %llu\n", (unsigned long long)ops);
        }
        const auto& c = worker.stack().counters();
        const Tally& t = cl.tally();
        std::printf("frames: %llu in, %llu out; segments in %llu out %llu; rst %llu, dropped+rst+retransmits %llu, "
                    "failed checks %llu (warm-up %llu)\n",
                    (unsigned long long)t.frames_in, (unsigned long long)t.frames_out,
                    (unsigned long long)c.segments_in, (unsigned long long)c.segments_out,
                    (unsigned long long)t.rst, (unsigned long long)(bad_things(c) - bad0),
                    (unsigned long long)sc.failures, (unsigned long long)warm_failures);
        // What the run leaves behind once the client is quiet and TIME-WAIT
        // (2 * msl) is over: no connection but those the scenario keeps open,
        // no mbuf outside the mempool, and the stack's own invariants.
        rte_delay_ms(20);
        worker.process({});
        const std::size_t left = worker.stack().connection_count();
        const unsigned mbufs_out = pool.size() - pool.available();
        const std::string audit = worker.stack().audit();
        std::printf("left after the run: %zu connections, %u mbufs outside the pool; audit: %s\n", left, mbufs_out,
                    audit.empty() ? "ok" : audit.c_str());
        if (left != sc.kept_open || mbufs_out != 0 || !audit.empty()) {
            std::printf("CHECK FAILED: the run leaked\n");
            rc = 1;
        }
        if (sc.failures != 0 || t.rst != 0 || bad_things(c) != bad0) {
            std::printf("CHECK FAILED\n");
            rc = 1;
        } else {
            if (rc == 0) std::printf("checks: ok\n");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synline-bench-path: %s\n", e.what());
        return 1;
    }
    return rc;
}
