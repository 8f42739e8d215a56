// synline-gen's measuring parts: the latency histogram and the response parser
// that decides when a request has been answered.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "histogram.hpp"
#include "response_parser.hpp"

using synline::gen::Histogram;
using synline::gen::ResponseParser;

namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("Histogram buckets: exact below 128 ns, within 1/64 above", "[gen][histogram]") {
    for (std::uint64_t v = 0; v < 128; ++v) CHECK(Histogram::highest_in(Histogram::index_of(v)) == v);
    std::mt19937_64 rng(11);
    for (int i = 0; i < 100000; ++i) {
        const std::uint64_t v = 128 + rng() % Histogram::kMaxValue;
        const std::uint64_t hi = Histogram::highest_in(Histogram::index_of(v));
        REQUIRE(hi >= v);                    // a bucket reports its highest value
        REQUIRE(hi - v <= v / 64);           // and is never wider than 1/64 of it
    }
    CHECK(Histogram::index_of(Histogram::kMaxValue) == Histogram::kBuckets - 1);
}

TEST_CASE("Histogram percentiles, min, max, mean and merge", "[gen][histogram]") {
    Histogram h;
    CHECK(h.percentile(50) == 0);  // empty
    for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v * 1000);  // 1 us .. 1 ms
    CHECK(h.count() == 1000);
    CHECK(h.min() == 1000);
    CHECK(h.max() == 1000000);
    CHECK(h.mean() == Approx(500500.0));
    const std::uint64_t p50 = h.percentile(50);
    CHECK(p50 >= 500000);
    CHECK(p50 <= 500000 + 500000 / 64);
    CHECK(h.percentile(100) == 1000000);  // never above the largest recorded
    Histogram other;
    other.record(5000000);
    h.merge(other);
    CHECK(h.count() == 1001);
    CHECK(h.max() == 5000000);
    CHECK(h.percentile(100) == 5000000);
    h.record(Histogram::kMaxValue + 12345);  // clamped, not lost
    CHECK(h.count() == 1002);
}

TEST_CASE("ResponseParser: an HTTP response with Content-Length, whole or byte by byte", "[gen][parser]") {
    const std::string r = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n"
                          "Connection: keep-alive\r\n\r\nhello from synline\n";
    ResponseParser whole;
    std::size_t used = 0;
    CHECK(whole.feed(bytes_of(r), used) == ResponseParser::Result::complete);
    CHECK(used == r.size());
    CHECK(whole.status() == 200);
    CHECK_FALSE(whole.server_closes());

    ResponseParser split;
    ResponseParser::Result last = ResponseParser::Result::need_more;
    for (std::size_t i = 0; i < r.size(); ++i) {
        REQUIRE(last == ResponseParser::Result::need_more);
        last = split.feed(bytes_of(std::string_view(r).substr(i, 1)), used);
        REQUIRE(used == 1);
    }
    CHECK(last == ResponseParser::Result::complete);
    CHECK(split.status() == 200);
}

TEST_CASE("ResponseParser: pipelined responses, Connection: close, bad input", "[gen][parser]") {
    const std::string one = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const std::string two = one + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ResponseParser p;
    std::size_t used = 0;
    CHECK(p.feed(bytes_of(two), used) == ResponseParser::Result::complete);
    CHECK(used == one.size());  // stops at the end of the first response
    CHECK(p.status() == 200);
    p.reset();
    CHECK(p.feed(bytes_of(std::string_view(two).substr(used)), used) == ResponseParser::Result::complete);
    CHECK(p.status() == 404);
    CHECK(p.server_closes());

    ResponseParser bad;
    CHECK(bad.feed(bytes_of("SSH-2.0-OpenSSH\r\n\r\n"), used) == ResponseParser::Result::bad);
    CHECK(std::string(bad.error()).size() > 0);
}

TEST_CASE("ResponseParser: fixed-size responses for raw targets", "[gen][parser]") {
    ResponseParser p(64);
    std::size_t used = 0;
    const std::vector<std::uint8_t> data(100, 'x');
    CHECK(p.feed({data.data(), 40}, used) == ResponseParser::Result::need_more);
    CHECK(used == 40);
    CHECK(p.feed({data.data(), 60}, used) == ResponseParser::Result::complete);
    CHECK(used == 24);  // only up to the end of this response
}
