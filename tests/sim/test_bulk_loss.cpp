// Bulk transfer over a bad link: 64 MiB each way at once between two stacks,
// at 0, 1, 5 and 10 % loss with reordering and duplication, over several
// seeds. Each end streams bytes that are a pure function of (seed, offset)
// and hashes what it receives: the SHA-256 of both directions must equal
// that of what was sent, both ends must close normally, and nothing may be
// left behind (connections, out-of-order holdings, packets in flight).
// Goodput in virtual time is printed, one line per case: it measures the
// sender's loss recovery as much as the receiver, so it is reported, not
// asserted.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

#include "sha256.hpp"
#include "sim_test_support.hpp"

using namespace synline;
using namespace synline::sim;
using namespace synline::sim::testing;
using tcp::CloseReason;

namespace {

constexpr std::uint16_t kPort = 5001;
constexpr std::uint64_t kClientStream = 0xc11e57;  // the seeds of the two byte streams
constexpr std::uint64_t kServerStream = 0x5e7e55;

// Bytes [offset, offset + out.size()) of stream `seed`: word w is a SplitMix64
// finalisation of (seed, w), little-endian.
void stream_bytes(std::uint64_t seed, std::uint64_t offset, std::span<std::uint8_t> out) {
    auto word = [seed](std::uint64_t w) {
        std::uint64_t z = seed * 0x9e3779b97f4a7c15ull + (w + 1) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    };
    std::size_t k = 0;
    while (k < out.size()) {
        const std::uint64_t pos = offset + k;
        const std::uint64_t v = word(pos / 8);
        for (std::size_t j = pos % 8; j < 8 && k < out.size(); ++j, ++k)
            out[k] = static_cast<std::uint8_t>(v >> (8 * j));
    }
}

Sha256::Digest stream_digest(std::uint64_t seed, std::uint64_t total) {
    static std::map<std::pair<std::uint64_t, std::uint64_t>, Sha256::Digest> memo;
    auto it = memo.find({seed, total});
    if (it != memo.end()) return it->second;
    Sha256 h;
    std::vector<std::uint8_t> chunk(1 << 20);
    for (std::uint64_t at = 0; at < total; at += chunk.size()) {
        std::span<std::uint8_t> piece(chunk.data(), std::min<std::uint64_t>(chunk.size(), total - at));
        stream_bytes(seed, at, piece);
        h.update(piece);
    }
    return memo[{seed, total}] = h.finish();
}

// One end of the transfer: sends its stream as fast as the send buffer
// takes it, then FIN; hashes what arrives; closes once both are done.
class BulkEnd : public tcp::ConnectionHandler {
public:
    BulkEnd(SimNetwork& net, std::uint64_t stream, std::uint64_t total) : net_(net), stream_(stream), total_(total) {}

    void on_established(tcp::Connection& c) override {
        established_at = net_.now();
        pump(c);
    }
    std::size_t on_data(tcp::Connection&, std::span<const std::uint8_t> d) override {
        hash_.update(d);
        received += d.size();
        if (received == total_) all_received_at = net_.now();
        return d.size();
    }
    void on_send_space(tcp::Connection& c) override { pump(c); }
    void on_peer_closed(tcp::Connection& c) override {
        peer_closed = true;
        if (sent == total_) c.close();
    }
    void on_closed(tcp::Connection&, CloseReason why) override { close_reason = why; }

    Sha256::Digest received_digest() { return hash_.finish(); }

    std::uint64_t sent = 0, received = 0;
    bool peer_closed = false;
    std::optional<tcp::Instant> established_at, all_received_at;
    std::optional<CloseReason> close_reason;

private:
    void pump(tcp::Connection& c) {
        while (sent < total_) {
            // Offered in chunks: a send() that comes up short is what makes
            // the stack call on_send_space later.
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(total_ - sent, 64 * 1024));
            scratch_.resize(n);
            stream_bytes(stream_, sent, scratch_);
            const std::size_t took = c.send(scratch_);
            sent += took;
            if (took < n) return;
        }
        if (fin_queued_) return;
        fin_queued_ = true;
        if (peer_closed) c.close();
        else c.shutdown_write();
    }

    SimNetwork& net_;
    std::uint64_t stream_;
    std::uint64_t total_;
    bool fin_queued_ = false;
    Sha256 hash_;
    std::vector<std::uint8_t> scratch_;
};

tcp::StackConfig bulk_config() {
    tcp::StackConfig c;
    c.max_connections = 16;
    c.initial_rto = 200ms;  // RTT is ~2 ms: keep the virtual run short
    c.min_rto = 20ms;
    c.max_rto = 1s;
    c.msl = 5s;             // TIME-WAIT (10 s) outlasts the peer's FIN retransmissions
    c.fin_wait_2_timeout = 60s;
    return c;
}

struct BulkCase {
    double loss = 0, duplicate = 0, reorder = 0;
    std::uint64_t seed = 1;
};

double env_or(const char* name, double fallback) {
    const char* v = std::getenv(name);
    return v ? std::strtod(v, nullptr) : fallback;
}

double mb_per_s(std::uint64_t bytes, std::optional<tcp::Instant> from, std::optional<tcp::Instant> to) {
    if (!from || !to) return 0;
    const double s = std::chrono::duration<double>(*to - *from).count();
    return s > 0 ? static_cast<double>(bytes) / s / 1e6 : 0;
}

void run_bulk(const BulkCase& k, std::uint64_t total) {
    SimConfig sim;
    sim.seed = k.seed;
    sim.trace = env_or("SIM_BULK_TRACE", 0) != 0;  // off: hundreds of thousands of segments
    sim.link.delay = 1ms;
    sim.link.loss = k.loss;
    sim.link.duplicate = k.duplicate;
    sim.link.reorder = k.reorder;
    sim.link.reorder_extra = 3ms;
    const auto wall_start = std::chrono::steady_clock::now();
    SimNetwork net(sim);
    const NodeId c = net.add_stack("client", addr("10.0.0.1"), bulk_config());
    const NodeId s = net.add_stack("server", addr("10.0.0.2"), bulk_config());
    BulkEnd client(net, kClientStream, total), server(net, kServerStream, total);
    REQUIRE(net.stack(s).listen(kPort, server));
    REQUIRE(net.stack(c).connect(net.ip(c), net.ip(s), kPort, client) != nullptr);

    const bool done = net.run_until(
        [&] { return client.close_reason.has_value() && server.close_reason.has_value(); }, 3600s);
    const tcp::Duration transfer = net.elapsed();
    const bool idle = net.run_until_idle(60s);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

    const tcp::TcpCounters& cc = net.stack(c).counters();
    const tcp::TcpCounters& sc = net.stack(s).counters();
    const LinkStats links = net.link_totals();
    std::printf("bulk seed %llu loss %4.1f%% dup %3.1f%% reorder %3.1f%%: %llu MiB each way, goodput "
                "c->s %7.2f MB/s s->c %7.2f MB/s, virtual %7.2f s, wall %5.2f s; packets %llu (lost %llu); "
                "retransmits %llu/%llu; ooo queued %llu/%llu; duplicate bytes %llu/%llu\n",
                static_cast<unsigned long long>(k.seed), k.loss * 100, k.duplicate * 100, k.reorder * 100,
                static_cast<unsigned long long>(total >> 20),
                mb_per_s(total, client.established_at, server.all_received_at),
                mb_per_s(total, server.established_at, client.all_received_at),
                std::chrono::duration<double>(transfer).count(), wall,
                static_cast<unsigned long long>(links.offered), static_cast<unsigned long long>(links.lost),
                static_cast<unsigned long long>(cc.retransmits), static_cast<unsigned long long>(sc.retransmits),
                static_cast<unsigned long long>(cc.ooo.queued), static_cast<unsigned long long>(sc.ooo.queued),
                static_cast<unsigned long long>(cc.ooo.duplicate_bytes),
                static_cast<unsigned long long>(sc.ooo.duplicate_bytes));
    if (!client.close_reason || client.close_reason != CloseReason::normal || server.close_reason != CloseReason::normal) {
        auto reasons = [](const char* who, const tcp::TcpCounters& t, const std::optional<CloseReason>& why) {
            std::printf("  %s closed: %s; dropped:", who, why ? std::string(tcp::to_string(*why)).c_str() : "no");
            for (std::size_t r = 0; r < t.dropped.size(); ++r)
                if (t.dropped[r]) std::printf(" %s=%llu", std::string(tcp::to_string(static_cast<tcp::SegmentDrop>(r))).c_str(),
                                              static_cast<unsigned long long>(t.dropped[r]));
            std::printf("\n");
        };
        reasons("client", cc, client.close_reason);
        reasons("server", sc, server.close_reason);
        if (sim.trace) std::printf("%s", net.dump(static_cast<std::size_t>(env_or("SIM_BULK_TRACE", 0))).c_str());
    }
    std::fflush(stdout);

    INFO("seed " << k.seed << " loss " << k.loss << " dup " << k.duplicate << " reorder " << k.reorder);
    CHECK(done);
    CHECK(client.sent == total);
    CHECK(server.sent == total);
    CHECK(client.received == total);
    CHECK(server.received == total);
    CHECK(Sha256::hex(server.received_digest()) == Sha256::hex(stream_digest(kClientStream, total)));
    CHECK(Sha256::hex(client.received_digest()) == Sha256::hex(stream_digest(kServerStream, total)));
    CHECK(client.close_reason == CloseReason::normal);
    CHECK(server.close_reason == CloseReason::normal);
    // Nothing left behind: connections (TIME-WAIT included), out-of-order
    // holdings, packets on the wire.
    CHECK(idle);
    CHECK(net.stack(c).connection_count() == 0);
    CHECK(net.stack(s).connection_count() == 0);
    CHECK(cc.ooo.held_bytes == 0);
    CHECK(sc.ooo.held_bytes == 0);
    CHECK(net.in_flight() == 0);
    CHECK(net.malformed() == 0);
    if (k.loss > 0) CHECK(links.lost > 0);
    if (k.reorder > 0) CHECK((cc.ooo.queued > 0 || sc.ooo.queued > 0));
}

// SIM_BULK_MIB and SIM_BULK_SEEDS in the environment change the size and the seeds.
std::uint64_t bulk_bytes() { return static_cast<std::uint64_t>(env_or("SIM_BULK_MIB", 64)) << 20; }

}  // namespace

TEST_CASE("the SHA-256 the bulk tests compare is SHA-256", "[sim][bulk]") {
    Sha256 h;
    const std::string abc = "abc";
    h.update({reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()});
    CHECK(Sha256::hex(h.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(Sha256::hex(h.finish()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// About 2.5 s of CPU per case here (a few hundred thousand segments).
TEST_CASE("bulk: 64 MiB each way on a clean link and at 0, 1, 5, 10 % loss with reordering and duplication",
          "[sim][bulk]") {
    const std::uint64_t total = bulk_bytes();
    run_bulk({0, 0, 0, 1}, total);
    const auto seeds = static_cast<std::uint64_t>(env_or("SIM_BULK_SEEDS", 3));
    for (std::uint64_t seed = 1; seed <= seeds; ++seed)
        for (const double loss : {0.0, 0.01, 0.05, 0.10}) run_bulk({loss, 0.01, 0.02, seed}, total);
}
