// Shared fixtures of the simulator tests: a client and a server stack on one
// link, with small timers so that a scenario runs in little virtual time.
#pragma once

#include <string>
#include <vector>

#include "net/four_tuple.hpp"
#include "net/ipv4_addr.hpp"
#include "sim_app.hpp"
#include "sim_network.hpp"
#include "tcp/stack_config.hpp"

namespace synline::sim::testing {

using namespace std::chrono_literals;

inline net::Ipv4Addr addr(const char* dotted) { return *net::Ipv4Addr::parse(dotted); }

// The same connection as the other end names it.
inline net::FourTuple peer_view(const net::FourTuple& t) {
    return {t.remote_ip, t.local_ip, t.remote_port, t.local_port};
}

inline tcp::StackConfig small_config() {
    tcp::StackConfig c;
    c.max_connections = 64;
    c.msl = 100ms;                 // TIME-WAIT 200 ms
    c.fin_wait_2_timeout = 500ms;
    return c;
}

struct TwoStacks {
    explicit TwoStacks(const tcp::StackConfig& client_cfg = small_config(),
                       const tcp::StackConfig& server_cfg = small_config(), SimConfig sim = {})
        : net(sim),
          c(net.add_stack("client", addr("10.0.0.1"), client_cfg)),
          s(net.add_stack("server", addr("10.0.0.2"), server_cfg)),
          client(net, c),
          server(net, s) {}

    // States of the client's connection `a` and of its peer on the server.
    std::vector<std::string> client_states(const AppConn& a) { return states(c, a.tuple); }
    std::vector<std::string> server_states(const AppConn& a) { return states(s, peer_view(a.tuple)); }
    std::vector<std::string> states(NodeId n, const net::FourTuple& t) {
        const ConnTrace* tr = net.tracer().latest(n, t);
        return tr ? tr->states() : std::vector<std::string>{"<no trace>"};
    }
    const ConnTrace& trace(NodeId n, const net::FourTuple& t) { return *net.tracer().latest(n, t); }

    // Printed by Catch when a check after it fails.
    std::string report() {
        std::string out = "--- trace ---\n" + net.dump() + "--- states ---\n";
        for (const ConnTrace& t : net.tracer().traces()) out += t.describe(net.start()) + "\n";
        for (const std::string& a : net.tracer().anomalies()) out += "anomaly: " + a + "\n";
        return out;
    }

    SimNetwork net;
    NodeId c, s;
    SimApp client, server;
};

}  // namespace synline::sim::testing
