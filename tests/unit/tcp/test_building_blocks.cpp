// The small containers and estimators under the protocol core: the byte
// FIFO behind send and receive buffers, the RFC 6298 estimator, the
// fixed-capacity connection pool.
#include <catch2/catch.hpp>

#include <numeric>
#include <random>
#include <vector>

#include "tcp/byte_ring.hpp"
#include "tcp/object_pool.hpp"
#include "tcp/rtt_estimator.hpp"

using synline::tcp::ByteRing;
using synline::tcp::Duration;
using synline::tcp::ObjectPool;
using synline::tcp::RingBlockCache;
using synline::tcp::RttEstimator;
using namespace std::chrono_literals;

namespace {

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t first) {
    std::vector<std::uint8_t> v(n);
    std::iota(v.begin(), v.end(), first);
    return v;
}

std::vector<std::uint8_t> flatten(ByteRing::Pieces p) {
    std::vector<std::uint8_t> v(p.first.begin(), p.first.end());
    v.insert(v.end(), p.second.begin(), p.second.end());
    return v;
}

}  // namespace

TEST_CASE("ByteRing holds nothing until data comes and takes no more than its limit", "[byte-ring]") {
    ByteRing r(10000);
    CHECK(r.empty());
    CHECK(r.free_space() == 10000);
    CHECK(r.peek(0, 100).size() == 0);
    auto data = bytes(12000, 0);
    CHECK(r.append(data) == 10000);  // the rest is refused, not lost silently
    CHECK(r.size() == 10000);
    CHECK(r.free_space() == 0);
    CHECK(r.append(data) == 0);
}

TEST_CASE("ByteRing keeps bytes in order across wrap-around and growth", "[byte-ring]") {
    ByteRing r(1 << 16);
    std::mt19937 rng(7);
    std::vector<std::uint8_t> model;
    std::uint8_t next = 0;
    for (int step = 0; step < 20000; ++step) {
        if (rng() % 2) {
            auto chunk = bytes(rng() % 3000, next);
            std::size_t n = r.append(chunk);
            model.insert(model.end(), chunk.begin(), chunk.begin() + static_cast<long>(n));
            next = static_cast<std::uint8_t>(next + n);
        } else {
            std::size_t n = rng() % 3000;
            r.consume(n);
            model.erase(model.begin(), model.begin() + static_cast<long>(std::min(n, model.size())));
        }
        REQUIRE(r.size() == model.size());
        if (!model.empty()) {
            std::size_t off = rng() % model.size();
            std::size_t len = rng() % 4000;
            auto got = flatten(r.peek(off, len));
            std::size_t want = std::min(len, model.size() - off);
            REQUIRE(got.size() == want);
            REQUIRE(std::equal(got.begin(), got.end(), model.begin() + static_cast<long>(off)));
        }
    }
}

TEST_CASE("ByteRing gives its storage back once drained", "[byte-ring]") {
    ByteRing r(1 << 20);
    r.append(bytes(5000, 1));
    r.release_if_empty();  // not empty: nothing happens
    CHECK(flatten(r.peek(0, 3)) == std::vector<std::uint8_t>{1, 2, 3});
    r.consume(5000);
    r.release_if_empty();
    CHECK(r.empty());
    CHECK(r.append(bytes(3, 9)) == 3);  // usable again after release
    CHECK(flatten(r.peek(0, 3)) == std::vector<std::uint8_t>{9, 10, 11});
}

TEST_CASE("ByteRing holds bytes written past the readable ones until commit, across growth and wrap",
          "[byte-ring][reassembly]") {
    ByteRing r(1 << 16);
    r.append(bytes(3000, 0));
    r.consume(2900);  // the head is near the end of the first 4 KiB block
    REQUIRE(r.size() == 100);
    // Out of order: bytes 100 past the readable end, then far past it (growth).
    CHECK(r.write_at(200, bytes(1500, 50)) == 1500);  // wraps in the 4 KiB block
    CHECK(r.write_at(9000, bytes(100, 200)) == 100);  // grows to 16 KiB, keeping both
    CHECK(r.size() == 100);                            // nothing readable yet
    r.consume(100);
    r.release_if_empty();  // empty, but bytes lie past the head: kept
    CHECK(r.write_at(0, bytes(100, 7)) == 100);        // the hole before them
    r.commit(1600);
    REQUIRE(r.size() == 1600);
    CHECK(flatten(r.peek(0, 2)) == std::vector<std::uint8_t>{7, 8});
    CHECK(flatten(r.peek(100, 2)) == std::vector<std::uint8_t>{50, 51});
    CHECK(flatten(r.peek(1599, 1)) == std::vector<std::uint8_t>{static_cast<std::uint8_t>(50 + 1499)});
    r.consume(1600);  // the far bytes now lie 7300 past the head
    CHECK(r.write_at(7250, bytes(50, 1)) == 50);
    r.commit(7400);
    CHECK(flatten(r.peek(7300, 3)) == std::vector<std::uint8_t>{200, 201, 202});
    CHECK(flatten(r.peek(7250, 3)) == std::vector<std::uint8_t>{1, 2, 3});
    CHECK(r.write_at(1 << 16, bytes(1, 0)) == 0);  // never past the limit
    CHECK(r.write_at((1 << 16) - 10, bytes(20, 0)) == 10);
}

TEST_CASE("RingBlockCache hands released blocks to the next ring and keeps at most its cap",
          "[byte-ring]") {
    RingBlockCache cache(2);
    CHECK(cache.cached() == 0);
    {
        ByteRing a(1 << 20, &cache), b(1 << 20, &cache), c(1 << 20, &cache);
        a.append(bytes(100, 1));
        b.append(bytes(100, 2));
        c.append(bytes(100, 3));
        CHECK(cache.cached() == 0);
        a.consume(100);
        a.release_if_empty();  // drained: its block goes back
        CHECK(cache.cached() == 1);
        ByteRing d(1 << 20, &cache);
        d.append(bytes(10, 4));  // takes the cached block
        CHECK(cache.cached() == 0);
        CHECK(flatten(d.peek(0, 3)) == std::vector<std::uint8_t>{4, 5, 6});
    }  // b, c and d are destroyed with storage: two are kept, one is freed
    CHECK(cache.cached() == 2);
    const auto first = cache.take();
    const auto second = cache.take();
    CHECK(first != second);
    CHECK(cache.cached() == 0);
    const auto fresh = cache.take();  // empty cache: a new block
    CHECK(fresh != nullptr);
}

TEST_CASE("RFC 6298: first sample, smoothing, the 1 s floor and backoff", "[rtt][rfc6298]") {
    RttEstimator e(1s, 200ms, 60s);
    CHECK(e.rto() == 1s);  // (2.1) before any sample
    e.sample(100ms);       // (2.2): SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR = 300 ms
    CHECK(e.srtt() == 100ms);
    CHECK(e.rto() == 300ms);
    e.sample(100ms);  // (2.3): RTTVAR = 3/4*50 + 1/4*0 = 37.5, SRTT = 100 -> RTO 250 ms
    CHECK(e.rto() == 250ms);
    for (int i = 0; i < 50; ++i) e.sample(10ms);
    CHECK(e.rto() == 200ms);  // never below the configured floor
    e.back_off();             // (5.5) doubles on each expiry
    e.back_off();
    CHECK(e.rto() == 800ms);
    for (int i = 0; i < 20; ++i) e.back_off();
    CHECK(e.rto() == 60s);  // bounded by the maximum
    e.sample(10ms);         // a new sample ends the backoff
    CHECK(e.rto() == 200ms);
}

TEST_CASE("RFC 6298 (5.7): 3 s after a lost handshake without a sample", "[rtt][rfc6298]") {
    RttEstimator lost(1s, 200ms, 60s);
    lost.back_off();  // the SYN-ACK timed out once
    lost.restart_after_lost_handshake();
    CHECK(lost.rto() == 3s);
    RttEstimator sampled(1s, 200ms, 60s);
    sampled.sample(50ms);
    sampled.back_off();
    sampled.restart_after_lost_handshake();  // a sample exists: keep it
    CHECK(sampled.rto() == 400ms);
}

TEST_CASE("ObjectPool hands out at most its capacity and reuses freed slots", "[object-pool]") {
    struct Tracked {
        explicit Tracked(int v, int& live) : value(v), live_(live) { ++live_; }
        ~Tracked() { --live_; }
        int value;
        int& live_;
    };
    int live = 0;
    ObjectPool<Tracked> pool(3);
    Tracked* a = pool.create(1, live);
    Tracked* b = pool.create(2, live);
    Tracked* c = pool.create(3, live);
    CHECK(pool.create(4, live) == nullptr);  // bounded by design
    CHECK(pool.in_use() == 3);
    CHECK(live == 3);
    pool.destroy(b);
    CHECK(live == 2);  // destructors run
    Tracked* d = pool.create(5, live);
    CHECK(d == b);  // the freed slot comes back
    CHECK(d->value == 5);
    pool.destroy(a);
    pool.destroy(c);
    pool.destroy(d);
    CHECK(pool.in_use() == 0);
    CHECK(live == 0);
}
