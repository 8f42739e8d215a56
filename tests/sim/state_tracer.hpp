// Records the states every connection of every simulated stack passes through.
//
// lib/tcp has no state-change hook yet, so the tracer samples instead:
//  - Connection::state() of every connection the application holds, from the
//    application's callbacks (SimApp reports each one) and from the network
//    loop after every event (an input to the connection's 4-tuple, a timer run,
//    or an application call made between two steps);
//  - for connections the application cannot reach — a passive open before
//    on_established (SYN-RECEIVED) and TIME-WAIT after on_closed — the per-state
//    gauge TcpCounters::in_state: after each event the tracer compares the gauge
//    with its own count of connections per state and attributes the difference.
//    After an input the difference belongs to that segment's 4-tuple; after a
//    timer run a decrease is given to the unreachable connections of that state
//    whose timer started first (TIME-WAIT: entry, or the last FIN that
//    restarted it, RFC 9293 3.10.7.4).
//
// Limits, by construction of sampling: transitions within one event collapse
// (FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT on one FIN+ACK is seen as FIN-WAIT-1 ->
// TIME-WAIT unless a callback ran in between); times are those of the event,
// exact to the simulator step; and attributing a timer-driven end among several
// unreachable connections in the same state is a heuristic. Whatever the gauge
// shows that the tracer cannot explain is listed in anomalies(), so tests can
// require that list to be empty. An exact `StackConfig::on_state_change` hook in
// lib/tcp would replace all of this.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/four_tuple.hpp"
#include "tcp/connection.hpp"
#include "tcp/counters.hpp"
#include "tcp/flow_hash.hpp"
#include "tcp/stack.hpp"
#include "tcp/state.hpp"
#include "tcp/time.hpp"

namespace synline::sim {

using NodeId = std::size_t;

struct StateChange {
    tcp::Instant at;
    tcp::State state;
};

// One incarnation of a connection on one stack.
struct ConnTrace {
    std::uint64_t id = 0;
    NodeId node = 0;
    net::FourTuple tuple;
    bool passive = false;                   // history starts with LISTEN
    std::vector<StateChange> history;       // first entry: CLOSED (active) or LISTEN (passive)
    std::optional<tcp::CloseReason> reason;  // as on_closed reported it, if it was called

    tcp::State current() const { return history.back().state; }
    bool ended() const { return current() == tcp::State::closed && history.size() > 1; }
    // State names in order, e.g. {"CLOSED", "SYN-SENT", "ESTABLISHED"}.
    std::vector<std::string> states() const;
    // Time the connection entered `s` (the first time), if it did. The CLOSED
    // an active open starts in does not count: entered(CLOSED) is the end.
    std::optional<tcp::Instant> entered(tcp::State s) const;
    std::string describe(tcp::Instant epoch) const;
};

class StateTracer {
public:
    void add_node(NodeId node, const tcp::Stack& stack);

    // ---- from the application side (SimApp) ----
    // connect() returned this connection.
    void on_active_open(NodeId node, tcp::Connection& c, tcp::Instant now);
    // A callback ran or the application acted on `c`: sample its state.
    void observe(NodeId node, tcp::Connection& c, tcp::Instant now);
    // on_closed: `c` leaves the application (it may live on in TIME-WAIT).
    void on_closed(NodeId node, tcp::Connection& c, tcp::CloseReason why, tcp::Instant now);

    // ---- from the network loop ----
    // A segment with `flags` for `tuple` was handed to the node's stack.
    void after_input(NodeId node, const net::FourTuple& tuple, std::uint8_t flags, tcp::Instant now);
    void after_advance(NodeId node, tcp::Instant now);

    // ---- queries ----
    const std::deque<ConnTrace>& traces() const { return traces_; }
    std::vector<const ConnTrace*> traces_of(NodeId node) const;
    // The latest incarnation of `tuple` (local/remote as seen by `node`).
    const ConnTrace* latest(NodeId node, const net::FourTuple& tuple) const;
    const std::vector<std::string>& anomalies() const { return anomalies_; }

private:
    static constexpr tcp::FlowHashKey kTupleKey{0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb,
                                                0x2545f4914f6cdd1d};
    struct TupleHash {
        std::size_t operator()(const net::FourTuple& t) const { return tcp::flow_hash(t, kTupleKey); }
    };
    using OrphanKey = std::pair<tcp::Instant, std::uint64_t>;  // (last touch, trace id)
    struct Node {
        const tcp::Stack* stack = nullptr;
        std::array<std::int64_t, tcp::kStateCount> model{};  // our count per state
        std::unordered_map<net::FourTuple, std::size_t, TupleHash> by_tuple;  // latest trace
        std::unordered_map<const tcp::Connection*, std::size_t> live;  // app-held connections
        // Connections the application cannot reach, per state, oldest touch first.
        std::array<std::set<OrphanKey>, tcp::kStateCount> orphans;
    };
    struct Extra {
        const tcp::Connection* live = nullptr;
        tcp::Instant last_touch;
    };

    static bool counted(tcp::State s) { return s != tcp::State::closed && s != tcp::State::listen; }
    ConnTrace& new_trace(NodeId node, const net::FourTuple& t, bool passive, tcp::Instant now);
    std::size_t index_of(const ConnTrace& t) const { return static_cast<std::size_t>(t.id); }
    void record(ConnTrace& t, tcp::State s, tcp::Instant now);
    void touch(ConnTrace& t, tcp::Instant now);
    void detach(ConnTrace& t);  // the application let go: the trace becomes an orphan
    void sample_all(NodeId node, tcp::Instant now);
    bool gauge_matches(NodeId node) const;
    void reconcile(NodeId node, tcp::Instant now, const net::FourTuple* tuple, std::uint8_t flags);
    ConnTrace* open_trace(NodeId node, const net::FourTuple& t);  // latest, if not ended

    std::vector<Node> nodes_;
    std::deque<ConnTrace> traces_;  // id == index
    std::deque<Extra> extra_;       // parallel to traces_
    std::vector<std::string> anomalies_;
};

}  // namespace synline::sim
