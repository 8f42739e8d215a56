// A scriptable application for the simulator: one handler per stack that
// records every callback and the state seen at it, keeps what each connection
// sent and received so that tests can check the bytes end to end, and acts on
// cue (connect, send, shutdown, close, abort) either from the test between two
// steps or from its hooks inside callbacks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/four_tuple.hpp"
#include "sim_network.hpp"
#include "tcp/connection.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/counters.hpp"
#include "tcp/listener.hpp"
#include "tcp/state.hpp"

namespace synline::sim {

// The application's view of one connection.
struct AppConn {
    std::size_t index = 0;             // in SimApp::conns()
    tcp::Connection* conn = nullptr;   // null once on_closed ran
    net::FourTuple tuple;
    bool active = false;
    bool established = false;
    bool peer_closed = false;
    bool closed = false;
    std::optional<tcp::CloseReason> close_reason;
    std::optional<tcp::State> closed_in;  // state() at on_closed: CLOSED or TIME-WAIT
    std::vector<std::uint8_t> sent;       // everything given to SimApp::send
    std::size_t taken = 0;                // of `sent`, how much the stack accepted
    std::vector<std::uint8_t> received;   // everything delivered, in order
    std::vector<std::string> events;      // "established", "data 300", "peer-closed", "closed normal"
    std::vector<tcp::State> states_seen;  // state() at each callback, changes only
    bool close_when_sent = false;         // close() once `sent` is all taken
    std::uint64_t user = 0;               // free for the test

    std::size_t pending() const { return sent.size() - taken; }
};

class SimApp : public tcp::ConnectionHandler {
public:
    using Hook = std::function<void(SimApp&, AppConn&)>;

    SimApp(SimNetwork& net, NodeId node) : net_(net), node_(node) {}

    // ---- behaviour ----
    bool echo = false;                 // send back whatever arrives
    bool consume = true;               // false: leave data unread in the receive buffer (S26)
    bool close_on_peer_closed = false; // close() as soon as the peer's FIN arrives
    Hook on_established_hook, on_data_hook, on_peer_closed_hook, on_closed_hook;

    // ---- actions ----
    bool listen(std::uint16_t port, tcp::ListenOptions options = {});
    // nullptr when the stack refused (no port or slot free).
    AppConn* connect(net::Ipv4Addr remote_ip, std::uint16_t remote_port, std::uint16_t local_port = 0);
    // Queues bytes; what the stack does not take now is offered again on on_send_space.
    void send(AppConn& c, std::span<const std::uint8_t> data);
    void shutdown_write(AppConn& c);
    void close(AppConn& c);
    void abort(AppConn& c);
    // Pull mode (S09): takes a connection returned by Stack::accept(), makes
    // this app its handler and returns its AppConn (established, event
    // "accepted"). Data that arrived before stays in the receive buffer: drain().
    AppConn& adopt(tcp::Connection& c);
    // Reads (consumes) everything waiting in the receive buffer.
    std::size_t drain(AppConn& c);

    // ---- what happened ----
    std::deque<AppConn>& conns() { return conns_; }
    AppConn& conn(std::size_t i) { return conns_.at(i); }
    std::size_t closed_count() const { return closed_count_; }
    NodeId node() const { return node_; }
    SimNetwork& network() { return net_; }

    // ---- tcp::ConnectionHandler ----
    void on_established(tcp::Connection& c) override;
    std::size_t on_data(tcp::Connection& c, std::span<const std::uint8_t> data) override;
    void on_send_space(tcp::Connection& c) override;
    void on_peer_closed(tcp::Connection& c) override;
    void on_closed(tcp::Connection& c, tcp::CloseReason why) override;

private:
    AppConn& context(tcp::Connection& c);
    void note(AppConn& a, std::string event);  // records the event and the state now
    void flush(AppConn& a);
    void sample(AppConn& a);  // records state() if the application still holds `a`

    SimNetwork& net_;
    NodeId node_;
    std::deque<AppConn> conns_;
    std::size_t closed_count_ = 0;
};

// n pseudo-random bytes, a pure function of (seed, n).
std::vector<std::uint8_t> pseudo_random_bytes(std::uint64_t seed, std::size_t n);

}  // namespace synline::sim
