// RSS-aware active opens: a stack given the engine's home test picks only
// source ports whose replies the RSS spread brings back to its own worker.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "engine/toeplitz.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/stack.hpp"

using namespace synline;

namespace {

struct NullSink : tcp::SegmentSink {
    std::size_t sent = 0;
    void send(const tcp::OutSegment&) override { ++sent; }
};

struct NullHandler : tcp::ConnectionHandler {};

const net::Ipv4Addr kLocal = *net::Ipv4Addr::parse("10.77.0.2");
const net::Ipv4Addr kRemote = *net::Ipv4Addr::parse("10.77.0.1");
constexpr std::uint16_t kRemotePort = 80;

// The home test the engine installs: the reply (remote -> local) hashes here.
tcp::Stack::PortFilter homes_on(const engine::RssSpread& spread, unsigned worker) {
    return [&spread, worker](const net::FourTuple& t) {
        return spread.home_of(t.remote_ip, t.local_ip, t.remote_port, t.local_port) == worker;
    };
}

}  // namespace

TEST_CASE("RSS ports: every worker of 1..16 gets ports whose replies hash home", "[steer][rss-ports]") {
    const std::vector<std::uint8_t> key = engine::symmetric_rss_key(40);
    NullHandler handler;
    for (unsigned workers = 1; workers <= 16; ++workers) {
        const engine::RssSpread spread(key, workers, 128);
        for (unsigned w = 0; w < workers; ++w) {
            INFO("workers " << workers << ", worker " << w);
            NullSink sink;
            tcp::StackConfig cfg;
            cfg.max_connections = 64;
            tcp::Stack stack(cfg, sink, tcp::SipKey{workers, w}, tcp::Instant{});
            stack.set_port_filter(homes_on(spread, w));
            std::set<std::uint16_t> ports;
            for (int i = 0; i < 32; ++i) {
                tcp::Connection* c = stack.connect(kLocal, kRemote, kRemotePort, handler);
                REQUIRE(c != nullptr);
                const net::FourTuple& t = c->tuple();
                CHECK(spread.home_of(kRemote, kLocal, kRemotePort, t.local_port) == w);
                ports.insert(t.local_port);
            }
            CHECK(ports.size() == 32);  // each a port of its own
            CHECK(sink.sent == 32);      // and each sent its SYN
        }
    }
}

TEST_CASE("RSS ports: without a filter ports of every worker are used", "[steer][rss-ports]") {
    const engine::RssSpread spread(engine::symmetric_rss_key(40), 4, 128);
    NullSink sink;
    NullHandler handler;
    tcp::StackConfig cfg;
    cfg.max_connections = 64;
    tcp::Stack stack(cfg, sink, tcp::SipKey{1, 2}, tcp::Instant{});
    std::set<unsigned> homes;
    for (int i = 0; i < 32; ++i)
        homes.insert(spread.home_of(kRemote, kLocal, kRemotePort,
                                    stack.connect(kLocal, kRemote, kRemotePort, handler)->tuple().local_port));
    CHECK(homes.size() == 4);  // what the filter prevents does happen without it
}

TEST_CASE("RSS ports: no port hashes home, connect fails", "[steer][rss-ports]") {
    NullSink sink;
    NullHandler handler;
    tcp::StackConfig cfg;
    cfg.max_connections = 8;
    tcp::Stack stack(cfg, sink, tcp::SipKey{1, 2}, tcp::Instant{});
    stack.set_port_filter([](const net::FourTuple&) { return false; });
    CHECK(stack.connect(kLocal, kRemote, kRemotePort, handler) == nullptr);
    CHECK(sink.sent == 0);
}
