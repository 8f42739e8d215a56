// synline-bench-syn: SYN -> SYN-ACK with SYN cookies on one core, no NIC.
//
// One engine::Worker runs on the main lcore, listening on port 80 with
// cookies = always, and is fed frames through Worker::process(), the same entry
// point poll_once() uses after rte_eth_rx_burst: Ethernet/IPv4/TCP parse with
// software checksums, flow lookup (a miss), listener, cookie, SYN-ACK written
// into the SYN's own mbuf, tx burst. Nothing is mocked below process().
//
// The port (--port) plays the NIC:
//   ring (default)  a net_ring vdev whose TX ring is its RX ring, as the
//                   minimal reference responder is fed: the SYN-ACKs a
//                   burst transmits come back as the next burst's mbufs, the
//                   feeder copies the next SYNs into them. No mbuf is freed or
//                   allocated per packet, as with a NIC whose PMD recycles
//                   descriptors in bulk.
//   null            a net_null vdev, whose TX frees every mbuf one by one
//                   (rte_pktmbuf_free per packet), and the feeder allocates
//                   fresh ones from the lcore's mempool cache: a pessimistic
//                   PMD, ~80 more instructions per SYN.
//
// The frames: `--frames` distinct 74-byte SYNs (Linux's option layout: MSS,
// SACK-permitted, timestamps, NOP, window scale) from random sources (fixed
// seed), with valid IPv4 and TCP checksums, prebuilt once as bytes and copied
// into each burst's mbufs (what a NIC's DMA does); the worker then owns them.
//
// Modes:
//   rate            bursts of 32 for --seconds (or --syns) per run, --runs runs;
//                   prints SYN-ACKs/s per run and the median.
//   count N         exactly N SYNs (rounded up to bursts of 32); wraps the loop in
//                   CALLGRIND_START/STOP_INSTRUMENTATION for instruction counts.
//   badack N        N bare ACKs whose cookies are wrong: the ACK-flood path. By
//                   default their clear counter bits are current, so each costs
//                   the full hash check (the attacker's best case); with
//                   --random-ack they are random (about half are `stale`).
// Every mode checks the stack's counters: one SYN-ACK per SYN
// (handshake.synacks_from_cookie, and the port's opackets), or every ACK
// counted as cookies_bad_hash / cookies_stale and nothing sent but the RSTs the
// per-core budget allows (tcp.cookie_rst_rate). Exit status 1 if not.
// With the ring port, the last burst's SYN-ACKs are read back from its RX and
// checked too: addresses and ports swapped, SYN|ACK, ack = the SYN's seq + 1,
// TSecr, both checksums (and, for the reference responder, the cookie).
//
// Checksums (--checksums): software (default) as on a vdev and as the minimal
// reference responder measures, both checksums checked and both filled by the CPU; or
// offload, as synline runs on a NIC with checksum offload (Intel, Mellanox):
// the feeder marks the frames' checksums verified good, as such a PMD does
// from its descriptors, and the SYN-ACKs leave with the offload requested and
// the TCP field holding the pseudo-header sum. The read-back check then fills
// both checksums the way the NIC would before checking them.
//
// --responder reference feeds the same frames, port and feeder to the minimal
// responder of reference_responder.hpp instead of the Worker (rate and count
// modes): the baseline synline's figures are compared against, measured in
// the same process run as synline.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "reference_responder.hpp"
#include "engine/config.hpp"
#include "engine/eal.hpp"
#include "engine/mbuf_pool.hpp"
#include "engine/port.hpp"
#include "engine/worker.hpp"
#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/listener.hpp"
#include "tcp/syn_cookie.hpp"

namespace {

using namespace synline;

constexpr std::uint16_t kListenPort = 80;
constexpr std::uint32_t kServerIp = 0x0a000001;  // 10.0.0.1
constexpr std::size_t kBurst = engine::Worker::kBurst;
constexpr std::size_t kFrameStride = 80;  // room for the longest frame built here (74 bytes)

struct Options {
    std::string mode = "rate";
    std::uint64_t n = 0;           // count / badack: segments; rate: --syns per run (0: by time)
    double seconds = 1.0;          // rate: per run
    unsigned runs = 5;             // rate
    unsigned frames = 65536;       // distinct prebuilt frames (power of two)
    std::uint64_t seed = 1;
    unsigned cpu = 0;              // the CPU the one lcore runs on
    unsigned memory_mb = 1024;
    std::string port = "ring";     // ring: TX comes back as RX; null: TX frees
    std::string prf = "auto";      // the cookie PRF: auto, aes128, siphash24
    std::string responder = "synline";  // synline: engine::Worker; reference: ReferenceResponder
    // software: the Worker checks and fills checksums itself, as on a vdev;
    // offload: as on a NIC with checksum offload (Intel, Mellanox): the
    // frames arrive marked good and the SYN-ACKs leave for the NIC to fill.
    std::string checksums = "software";
    bool random_ack = false;       // badack: random clear counter bits
    std::uint64_t warmup = 4096;   // segments before measuring
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "synline-bench-syn: %s\n"
                 "usage: synline-bench-syn rate [--seconds S | --syns N] [--runs R]\n"
                 "       synline-bench-syn count N\n"
                 "       synline-bench-syn badack N [--random-ack]\n"
                 "  common: [--frames F (power of two, >= 64)] [--seed S] [--cpu C] [--memory MB]\n"
                 "          [--warmup N] [--port ring|null] [--prf auto|aes128|siphash24]\n"
                 "          [--responder synline|reference (rate and count only)]\n"
                 "          [--checksums software|offload (synline only)]\n",
                 why);
    std::exit(2);
}

std::uint64_t parse_u64(const char* s, const char* what) {
    const auto v = bench::parse_u64(s);
    if (!v) usage((std::string("bad number for ") + what).c_str());
    return *v;
}

Options parse_options(int argc, char** argv) {
    Options o;
    int i = 1;
    if (i < argc && argv[i][0] != '-') o.mode = argv[i++];
    if (o.mode != "rate" && o.mode != "count" && o.mode != "badack") usage("unknown mode");
    if (o.mode != "rate") {
        if (i >= argc) usage("count and badack need N");
        o.n = parse_u64(argv[i++], "N");
        if (o.n == 0) usage("N must be positive");
    }
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage(("missing value after " + a).c_str());
            return argv[++i];
        };
        if (a == "--seconds") o.seconds = std::atof(value());
        else if (a == "--syns") o.n = parse_u64(value(), "--syns");
        else if (a == "--runs") o.runs = static_cast<unsigned>(parse_u64(value(), "--runs"));
        else if (a == "--frames") o.frames = static_cast<unsigned>(parse_u64(value(), "--frames"));
        else if (a == "--seed") o.seed = parse_u64(value(), "--seed");
        else if (a == "--cpu") o.cpu = static_cast<unsigned>(parse_u64(value(), "--cpu"));
        else if (a == "--memory") o.memory_mb = static_cast<unsigned>(parse_u64(value(), "--memory"));
        else if (a == "--warmup") o.warmup = parse_u64(value(), "--warmup");
        else if (a == "--random-ack") o.random_ack = true;
        else if (a == "--port") o.port = value();
        else if (a == "--prf") o.prf = value();
        else if (a == "--responder") o.responder = value();
        else if (a == "--checksums") o.checksums = value();
        else usage(("unknown option " + a).c_str());
    }
    if (o.frames < 64 || (o.frames & (o.frames - 1)) != 0) usage("--frames must be a power of two >= 64");
    if (o.runs == 0 || o.seconds <= 0) usage("--runs and --seconds must be positive");
    if (o.port != "ring" && o.port != "null") usage("--port must be ring or null");
    if (o.prf != "auto" && o.prf != "aes128" && o.prf != "siphash24") usage("--prf must be auto, aes128 or siphash24");
    if (o.prf == "aes128" && !tcp::aes_ni_available()) usage("--prf aes128: this CPU has no AES-NI");
    if (o.responder != "synline" && o.responder != "reference") usage("--responder must be synline or reference");
    if (o.responder == "reference" && o.mode == "badack") usage("--responder reference: rate and count modes only");
    if (o.checksums != "software" && o.checksums != "offload") usage("--checksums must be software or offload");
    if (o.responder == "reference" && o.checksums == "offload")
        usage("--checksums offload: the reference responder checks and fills checksums in software only");
    return o;
}

// ---- machine facts -----------------------------------------------------------

std::string read_line(const char* path) {
    std::ifstream f(path);
    std::string line;
    std::getline(f, line);
    return line;
}

// Busy and total jiffies of all CPUs (/proc/stat, first line).
std::pair<std::uint64_t, std::uint64_t> cpu_jiffies() {
    std::istringstream in(read_line("/proc/stat"));
    std::string cpu;
    in >> cpu;
    std::uint64_t v, total = 0, idle = 0;
    for (int i = 0; in >> v; ++i) {
        total += v;
        if (i == 3 || i == 4) idle += v;  // idle, iowait
    }
    return {total - idle, total};
}

// utime + stime of this process, in jiffies.
std::uint64_t own_jiffies() {
    std::string s = read_line("/proc/self/stat");
    std::istringstream in(s.substr(s.rfind(')') + 2));
    std::string field;
    std::uint64_t ut = 0, st = 0;
    for (int i = 3; in >> field; ++i) {
        if (i == 14) ut = std::stoull(field);
        if (i == 15) { st = std::stoull(field); break; }
    }
    return ut + st;
}

// CPUs' worth of time used by other processes between two samples.
struct LoadProbe {
    std::pair<std::uint64_t, std::uint64_t> sys0 = cpu_jiffies();
    std::uint64_t own0 = own_jiffies();
    double others_cpus() const {
        auto sys1 = cpu_jiffies();
        const std::uint64_t own1 = own_jiffies();
        const double total = static_cast<double>(sys1.second - sys0.second);
        if (total <= 0) return 0;
        const double busy = static_cast<double>(sys1.first - sys0.first) -
                            static_cast<double>(own1 - own0);
        const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        return std::max(0.0, busy / total * static_cast<double>(ncpu));
    }
};

// ---- frames ------------------------------------------------------------------

// A unicast source a TCP stack accepts as a peer: 1.0.0.0 .. 223.255.255.255,
// never our own address.
std::uint32_t random_source(std::mt19937_64& rng) {
    for (;;) {
        const auto a = static_cast<std::uint32_t>(rng());
        if ((a >> 24) >= 1 && (a >> 24) <= 223 && a != kServerIp) return a;
    }
}

// The frames' bytes, back to back in one array (kFrameStride bytes each), as
// a NIC would find them on the wire; the feeder copies each into a fresh mbuf.
struct FrameSet {
    std::vector<std::uint8_t> bytes;
    std::uint16_t length = 0;  // all frames of a mode have the same length
    std::size_t count() const { return bytes.size() / kFrameStride; }
    const std::uint8_t* frame(std::size_t i) const { return bytes.data() + i * kFrameStride; }
};

FrameSet build_frames(const Options& o, bool acks, const net::MacAddr& our_mac) {
    std::mt19937_64 rng(o.seed);
    const net::MacAddr peer_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
    // The cookie counter the stack will compute now (wall-clock epoch, 64 s
    // tick, StackConfig's default): bad ACKs that carry it pass the cheap
    // `stale` test and cost the hash.
    const tcp::StackConfig defaults;
    const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    const auto counter = static_cast<std::uint32_t>(now_ns / defaults.syn_cookie_tick.count());
    FrameSet set;
    set.bytes.resize(std::size_t{o.frames} * kFrameStride);
    for (std::size_t i = 0; i < o.frames; ++i) {
        bench::ClientSegment c;
        c.dst_mac = our_mac;
        c.src_mac = peer_mac;
        c.tuple.local_ip = net::Ipv4Addr{random_source(rng)};
        c.tuple.remote_ip = net::Ipv4Addr{kServerIp};
        c.tuple.local_port = static_cast<std::uint16_t>(1024 + rng() % (65536 - 1024));
        c.tuple.remote_port = kListenPort;
        c.seq = static_cast<std::uint32_t>(rng());
        c.ip_id = static_cast<std::uint16_t>(c.seq);
        c.tsval = static_cast<std::uint32_t>(rng());
        if (acks) {
            std::uint32_t cookie = static_cast<std::uint32_t>(rng());
            if (!o.random_ack) cookie = (cookie & ~0xcu) | ((counter & 3u) << 2);
            c.ack = cookie + 1;
            c.flags = net::tcp_flag::ack;
            c.window = 502;
            c.tsecr = static_cast<std::uint32_t>(rng());
        } else {
            c.flags = net::tcp_flag::syn;
            c.window = 64240;
        }
        set.length = static_cast<std::uint16_t>(
            bench::write_client_frame(set.bytes.data() + i * kFrameStride, c));
    }
    return set;
}

// ---- the measured loop -------------------------------------------------------

class NullHandler final : public tcp::ConnectionHandler {};

// What the feeder drives: synline's Worker, or the reference responder when
// one is given (the Worker then sits idle).
struct Responder {
    engine::Worker& worker;
    bench::ReferenceResponder* reference = nullptr;

    void process(std::span<rte_mbuf* const> frames) {
        if (reference)
            reference->process(frames);
        else
            worker.process(frames);
    }
    const char* entry() const { return reference ? "ReferenceResponder::process" : "Worker::process"; }
};

// Plays the NIC: each burst takes back what the port transmitted (ring port;
// nothing with net_null, whose TX freed it), tops up from the pool (the
// lcore's mempool cache, as a PMD's RX refill does) and copies the next 32
// frames in, with the receive flags a PMD sets from its descriptors; the
// worker owns them from then on and transmits or frees them.
struct Feeder {
    Responder& responder;
    std::uint16_t port_id;
    rte_mempool* pool;
    const FrameSet& frames;
    std::uint64_t rx_flags = 0;  // with checksum offload: both checksums verified good
    std::size_t next = 0;
    // When set, the TSC cycles each process() call took are appended here:
    // a host that steals the CPU lengthens some bursts, not the median one.
    std::vector<std::uint64_t>* burst_cycles = nullptr;

    void burst() {
        std::array<rte_mbuf*, kBurst> b;
        const std::uint16_t back = rte_eth_rx_burst(port_id, 0, b.data(), kBurst);
        if (rte_pktmbuf_alloc_bulk(pool, b.data() + back, kBurst - back) != 0) {
            std::fprintf(stderr, "synline-bench-syn: mbuf pool exhausted\n");
            std::exit(1);
        }
        const std::size_t mask = frames.count() - 1;
        for (std::size_t i = 0; i < kBurst; ++i) {
            rte_mbuf* m = b[i];
            std::memcpy(rte_pktmbuf_mtod(m, std::uint8_t*), frames.frame((next + i) & mask), kFrameStride);
            m->data_len = frames.length;
            m->pkt_len = frames.length;
            m->ol_flags = rx_flags;
        }
        next = (next + kBurst) & mask;
        if (!burst_cycles) {
            responder.process({b.data(), kBurst});
            return;
        }
        const std::uint64_t t0 = rte_rdtsc();
        responder.process({b.data(), kBurst});
        burst_cycles->push_back(rte_rdtsc() - t0);
    }
    // Index of the first frame of the last burst fed.
    std::size_t last_burst_first() const { return (next - kBurst) & (frames.count() - 1); }
};

struct Snapshot {
    std::uint64_t syns, synacks, segments_out, bad_hash, stale, validated, opackets, rst;
};

Snapshot snapshot(const Responder& r, const engine::Port& port) {
    if (r.reference) {
        const auto& c = r.reference->counters();
        return {c.frames, c.synacks, c.synacks, 0, 0, 0, port.stats().opackets, 0};
    }
    const auto& c = r.worker.stack().counters();
    std::uint64_t rst = 0;
    for (auto v : c.rst_sent) rst += v;
    return {c.handshake.syns_received, c.handshake.synacks_from_cookie, c.segments_out,
            c.handshake.cookies_bad_hash, c.handshake.cookies_stale, c.handshake.cookies_validated,
            port.stats().opackets, rst};
}

bool check_syns(const Snapshot& a, const Snapshot& b, std::uint64_t fed) {
    const std::uint64_t syns = b.syns - a.syns, synacks = b.synacks - a.synacks,
                        sent = b.opackets - a.opackets;
    if (syns == fed && synacks == fed && sent == fed) return true;
    std::printf("CHECK FAILED: fed %llu SYNs, stack saw %llu, synacks_from_cookie %llu, port sent %llu\n",
                (unsigned long long)fed, (unsigned long long)syns, (unsigned long long)synacks,
                (unsigned long long)sent);
    return false;
}

// What a NIC with checksum offload does to a frame on transmit: the IPv4
// header checksum from a zero field, the TCP checksum from the pseudo-header
// sum the sender left in its field (DPDK's convention).
void complete_offloaded_checksums(rte_mbuf* m) {
    if ((m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM)) == 0) return;
    std::uint8_t* const ip = rte_pktmbuf_mtod_offset(m, std::uint8_t*, m->l2_len);
    const std::span<const std::uint8_t> header(ip, m->l3_len);
    const std::span<const std::uint8_t> segment(ip + m->l3_len, net::load_be16(ip + 2) - m->l3_len);
    if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM)
        net::store_be16(ip + 10, net::checksum_finish(net::checksum_accumulate(0, header)));
    if (m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM)
        net::store_be16(ip + m->l3_len + net::kTcpChecksumOffset,
                        net::checksum_finish(net::checksum_accumulate(0, segment)));
}

// True when m is a valid SYN-ACK answering the SYN frame `syn`: Ethernet,
// IPv4 and TCP addresses swapped, both checksums, SYN|ACK alone, ack = the
// SYN's seq + 1, MSS and timestamps with TSecr = the SYN's TSval; with
// `cookies`, also a cookie they accept that encodes the SYN's options.
bool answers_syn(const rte_mbuf* m, const std::uint8_t* syn, const net::MacAddr& our_mac,
                 const tcp::SynCookies* cookies, tcp::Instant now) {
    constexpr std::size_t ip_at = net::kEthernetHeaderLen, tcp_at = ip_at + net::kIpv4MinHeaderLen;
    const std::uint8_t* const f = rte_pktmbuf_mtod(m, const std::uint8_t*);
    const std::size_t len = m->data_len;
    if (m->nb_segs != 1 || len < tcp_at + net::kTcpMinHeaderLen || std::memcmp(f, syn + 6, 6) != 0 ||
        std::memcmp(f + 6, our_mac.bytes.data(), 6) != 0 ||
        net::load_be16(f + 12) != static_cast<std::uint16_t>(net::EtherType::ipv4))
        return false;
    const std::uint8_t* const ip = f + ip_at;
    const std::uint8_t* const seg = f + tcp_at;
    const std::size_t ip_len = net::load_be16(ip + 2);
    if (ip[0] != 0x45 || ip[9] != net::kIpProtoTcp || ip_len != len - ip_at ||
        !net::ipv4_header_checksum_ok({ip, net::kIpv4MinHeaderLen}, net::ChecksumVerdict::unknown))
        return false;
    const net::Ipv4Addr src{net::load_be32(ip + 12)}, dst{net::load_be32(ip + 16)};
    const std::size_t seg_len = ip_len - net::kIpv4MinHeaderLen;
    if (src.value != net::load_be32(syn + ip_at + 16) || dst.value != net::load_be32(syn + ip_at + 12) ||
        net::tcp_data_offset(seg) != seg_len || !net::verify_tcp_checksum(src, dst, {seg, seg_len}))
        return false;
    net::TcpHeader h, s;
    if (!net::parse_tcp_header({seg, seg_len}, h) ||
        !net::parse_tcp_header({syn + tcp_at, net::tcp_data_offset(syn + tcp_at)}, s))
        return false;
    if (h.flags != (net::tcp_flag::syn | net::tcp_flag::ack) || h.src_port != s.dst_port ||
        h.dst_port != s.src_port || h.ack != s.seq + 1 || !h.options.mss || !h.options.timestamps ||
        h.options.timestamps->echo != s.options.timestamps->value)
        return false;
    if (!cookies) return true;
    const auto d = cookies->check(net::FourTuple{src, dst, h.src_port, h.dst_port}, s.seq, h.seq,
                                  h.options.timestamps->value, now);
    return d.verdict == tcp::SynCookies::Verdict::ok && d.options.mss == tcp::SynCookies::table_mss(*s.options.mss) &&
           d.options.window_scale == s.options.window_scale && d.options.sack_permitted == s.options.sack_permitted;
}

// Reads the last burst's SYN-ACKs back from the ring port (its TX is its RX)
// before the feeder reuses their mbufs, checks each against its SYN and frees
// them; a later burst allocates afresh. The reference's cookies are checked
// with its key; the Worker's key is the stack's own, not visible from here.
bool check_synacks(const Responder& r, const engine::Port& port, const Feeder& feed, const net::MacAddr& our_mac) {
    std::array<rte_mbuf*, kBurst> b;
    const std::uint16_t n = rte_eth_rx_burst(port.id(), 0, b.data(), kBurst);
    const tcp::Instant now{std::chrono::duration_cast<tcp::Duration>(
        std::chrono::system_clock::now().time_since_epoch())};
    std::optional<tcp::SynCookies> cookies;
    if (r.reference) {
        const auto& setup = r.reference->setup();
        cookies.emplace(setup.cookie_config, tcp::SynCookieKeys(setup.cookie_key, tcp::Duration::zero(), now));
    }
    const std::size_t first = feed.last_burst_first(), mask = feed.frames.count() - 1;
    unsigned valid = 0;
    for (std::uint16_t i = 0; i < n; ++i) {
        complete_offloaded_checksums(b[i]);
        if (answers_syn(b[i], feed.frames.frame((first + i) & mask), our_mac, cookies ? &*cookies : nullptr, now))
            ++valid;
    }
    rte_pktmbuf_free_bulk(b.data(), n);
    std::printf("SYN-ACKs of the last burst read back: %u of %u valid (addresses, checksums, flags, ack, "
                "TSecr%s)\n",
                valid, n, cookies ? ", cookie" : "");
    if (n == kBurst && valid == n) return true;
    std::printf("CHECK FAILED: the last burst's SYN-ACKs\n");
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    std::string command;
    for (int i = 0; i < argc; ++i) {
        if (i) command += ' ';
        command += argv[i];
    }

    // Other processes' CPU use, sampled while we are still idle.
    LoadProbe idle_probe;
    std::this_thread::sleep_for(std::chrono::milliseconds(RUNNING_ON_VALGRIND ? 0 : 300));
    const double others_before = idle_probe.others_cpus();

    engine::EalConfig eal_cfg;
    eal_cfg.args = {"--no-huge", "-m", std::to_string(o.memory_mb), "--no-pci", "--log-level",
                    "*:warning"};
    eal_cfg.vdevs = {o.port == "ring" ? "net_ring0" : "net_null0"};
    eal_cfg.lcores = "0@" + std::to_string(o.cpu);
    eal_cfg.lcore_ids = {0};
    eal_cfg.file_prefix = "synline-bench-syn-" + std::to_string(::getpid());
    eal_cfg.multi_process = false;  // --no-shconf

    int rc = 0;
    try {
        engine::Eal eal(eal_cfg, "synline-bench-syn");
        engine::PortConfig port_cfg;
        port_cfg.packed_pool = true;
        port_cfg.mbufs_per_queue = 8192;  // one burst in flight; the rest sits in the pool
        port_cfg.mbuf_cache = 256;
        engine::MbufPool pool("bench-syn-pool", eal.main_lcore(), port_cfg);
        engine::Port port(port_cfg, {pool.get()});

        engine::WorkerSetup ws;
        ws.port_id = port.id();
        ws.queue_id = 0;
        ws.pool = pool.get();
        ws.iface = engine::Interface{net::Ipv4Addr{kServerIp}, 8, std::nullopt, net::MacAddr{port.mac()}};
        ws.rx_checksum_offload = o.checksums == "offload";
        ws.tx_checksum_offload = o.checksums == "offload";
        ws.secret = tcp::SipKey{0x0706050403020100ull ^ o.seed, 0x0f0e0d0c0b0a0908ull};
        if (o.prf == "aes128") ws.stack.syn_cookie_prf = tcp::CookiePrf::aes128;
        if (o.prf == "siphash24") ws.stack.syn_cookie_prf = tcp::CookiePrf::siphash24;
        engine::Worker worker(ws);
        NullHandler handler;
        tcp::ListenOptions lo;
        lo.cookies = tcp::SynCookieMode::always;
        if (!worker.stack().listen(kListenPort, handler, lo)) throw std::runtime_error("listen failed");

        std::optional<bench::ReferenceResponder> reference;
        if (o.responder == "reference") {
            bench::ReferenceResponder::Setup rs;
            rs.port_id = port.id();
            rs.queue_id = 0;
            rs.mac = ws.iface.mac;
            rs.ip = ws.iface.ip;
            rs.listen_port = kListenPort;
            rs.cookie_key = ws.secret;
            rs.cookie_config.tick = ws.stack.syn_cookie_tick;
            rs.cookie_config.prf = worker.stack().config().syn_cookie_prf;
            reference.emplace(rs);
        }
        Responder responder{worker, reference ? &*reference : nullptr};

        const bool acks = o.mode == "badack";
        const FrameSet frames = build_frames(o, acks, net::MacAddr{port.mac()});
        Feeder feed{responder, port.id(), pool.get(), frames};
        if (o.checksums == "offload") feed.rx_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;

        std::printf("synline-bench-syn: SYN -> SYN-ACK with cookies=always, one core, no NIC\n");
        std::printf("responder: %s (%s)\n", o.responder.c_str(), responder.entry());
        std::printf("command: %s\n", command.c_str());
        std::printf("cpu: %s, %ld online, lcore 0 on cpu %u; loadavg %s\n", bench::cpu_model().c_str(),
                    sysconf(_SC_NPROCESSORS_ONLN), o.cpu, read_line("/proc/loadavg").c_str());
        std::printf("setup: port %s (%s), packed pool of %u mbufs, %u distinct %s frames (%u bytes), "
                    "burst %zu, %s checksums, cookie PRF %s, seed %llu%s\n",
                    port.name().c_str(), port.driver().c_str(), pool.size(), o.frames,
                    acks ? "bad-cookie ACK" : "SYN", frames.length, kBurst,
                    o.checksums == "offload" ? "NIC-offloaded" : "software",
                    tcp::to_string(worker.stack().config().syn_cookie_prf), (unsigned long long)o.seed, RUNNING_ON_VALGRIND ? ", under valgrind" : "");
        std::printf("other processes before the run: %.2f CPUs busy\n", others_before);

        const std::uint64_t warm_bursts = (o.warmup + kBurst - 1) / kBurst;
        for (std::uint64_t i = 0; i < warm_bursts; ++i) feed.burst();
        const std::uint64_t warm_fed = warm_bursts * kBurst;
        if (!acks && snapshot(responder, port).synacks != warm_fed) {
            std::printf("CHECK FAILED: warm-up produced %llu SYN-ACKs for %llu SYNs\n",
                        (unsigned long long)snapshot(responder, port).synacks,
                        (unsigned long long)warm_fed);
            return 1;
        }
        const double hz = static_cast<double>(rte_get_tsc_hz());

        if (o.mode == "rate") {
            std::vector<double> rates, cpu_rates, process_ns;
            std::vector<std::uint64_t> burst_cycles;
            burst_cycles.reserve(1u << 22);
            LoadProbe run_probe;
            for (unsigned r = 0; r < o.runs; ++r) {
                const Snapshot a = snapshot(responder, port);
                const std::uint64_t limit_bursts = o.n ? (o.n + kBurst - 1) / kBurst : UINT64_MAX;
                const std::uint64_t limit_cycles = static_cast<std::uint64_t>(o.seconds * hz);
                burst_cycles.clear();
                feed.burst_cycles = &burst_cycles;
                const double c0 = bench::thread_cpu_seconds();
                const std::uint64_t t0 = rte_rdtsc();
                std::uint64_t bursts = 0, t1 = t0;
                while (bursts < limit_bursts) {
                    feed.burst();
                    ++bursts;
                    if ((bursts & 63) == 0 && !o.n && (t1 = rte_rdtsc()) - t0 >= limit_cycles) break;
                }
                t1 = rte_rdtsc();
                feed.burst_cycles = nullptr;
                const double cpu = bench::thread_cpu_seconds() - c0;
                std::vector<double> per_syn(burst_cycles.begin(), burst_cycles.end());
                process_ns.push_back(bench::median(std::move(per_syn)) / hz * 1e9 / kBurst);
                const Snapshot b = snapshot(responder, port);
                const std::uint64_t fed = bursts * kBurst;
                const double secs = static_cast<double>(t1 - t0) / hz;
                const double rate = static_cast<double>(b.synacks - a.synacks) / secs;
                rates.push_back(rate);
                cpu_rates.push_back(static_cast<double>(b.synacks - a.synacks) / cpu);
                std::printf("run %u: %.3f M SYN-ACK/s (%llu SYNs in %.3f s, %.1f ns/SYN; got %.0f%% of a CPU, "
                            "%.3f M per CPU-second; %s %.1f ns/SYN in the median burst)\n",
                            r + 1, rate / 1e6, (unsigned long long)fed, secs,
                            secs * 1e9 / static_cast<double>(fed), 100 * cpu / secs, cpu_rates.back() / 1e6,
                            responder.entry(), process_ns.back());
                if (!check_syns(a, b, fed)) rc = 1;
            }
            const double others = run_probe.others_cpus();
            std::vector<double> sorted = rates;
            std::sort(sorted.begin(), sorted.end());
            std::printf("median: %.3f M SYN-ACK/s over %u runs (min %.3f, max %.3f)\n",
                        bench::median(rates) / 1e6, o.runs, sorted.front() / 1e6, sorted.back() / 1e6);
            std::printf("median per CPU-second actually received: %.3f M SYN-ACK/s\n",
                        bench::median(cpu_rates) / 1e6);
            std::printf("median burst: %s %.1f ns per SYN (%.2f M SYN-ACK/s if the feeder cost "
                        "nothing)\n",
                        responder.entry(), bench::median(process_ns), 1e3 / bench::median(process_ns));
            std::printf("other processes during the runs: %.2f CPUs busy -> machine %s\n", others,
                        others < 0.2 ? "quiet" : "NOT quiet (figures are pessimistic)");
        } else {
            const std::uint64_t bursts = (o.n + kBurst - 1) / kBurst;
            const std::uint64_t fed = bursts * kBurst;
            const Snapshot a = snapshot(responder, port);
            const std::uint64_t t0 = rte_rdtsc();
            CALLGRIND_START_INSTRUMENTATION;
            for (std::uint64_t i = 0; i < bursts; ++i) feed.burst();
            CALLGRIND_STOP_INSTRUMENTATION;
            const std::uint64_t t1 = rte_rdtsc();
            const Snapshot b = snapshot(responder, port);
            const double secs = static_cast<double>(t1 - t0) / hz;
            std::printf("measured: %llu %s in %.4f s (%.3f M/s%s)\n", (unsigned long long)fed,
                        acks ? "bad ACKs" : "SYNs", secs, static_cast<double>(fed) / secs / 1e6,
                        RUNNING_ON_VALGRIND ? ", meaningless under valgrind" : "");
            std::printf("segments: %llu\n", (unsigned long long)fed);
            if (acks) {
                const std::uint64_t bad = b.bad_hash - a.bad_hash, stale = b.stale - a.stale;
                std::printf("cookies_bad_hash %llu, cookies_stale %llu, validated %llu, sent %llu, rst %llu\n",
                            (unsigned long long)bad, (unsigned long long)stale,
                            (unsigned long long)(b.validated - a.validated),
                            (unsigned long long)(b.opackets - a.opackets),
                            (unsigned long long)(b.rst - a.rst));
                // RFC 9293 3.10.7.2: each may get a RST, as far as the
                // per-core budget (tcp.cookie_rst_rate, _burst) allows.
                const std::uint64_t rsts = b.rst - a.rst;
                if (bad + stale != fed || b.validated != a.validated || b.opackets - a.opackets != rsts ||
                    b.segments_out - a.segments_out != rsts || rsts > fed || b.synacks != a.synacks) {
                    std::printf("CHECK FAILED: bad ACKs must be counted and answered by RSTs only\n");
                    rc = 1;
                }
            } else {
                std::printf("synacks_from_cookie %llu, port sent %llu\n",
                            (unsigned long long)(b.synacks - a.synacks),
                            (unsigned long long)(b.opackets - a.opackets));
                if (!check_syns(a, b, fed)) rc = 1;
            }
        }
        if (!acks && o.port == "ring" && !check_synacks(responder, port, feed, net::MacAddr{port.mac()})) rc = 1;
        if (rc == 0) std::printf("checks: ok\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synline-bench-syn: %s\n", e.what());
        return 1;
    }
    return rc;
}
