#include "state_tracer.hpp"

#include <cstdio>
#include <sstream>

namespace synline::sim {

using tcp::State;

std::vector<std::string> ConnTrace::states() const {
    std::vector<std::string> out;
    out.reserve(history.size());
    for (const StateChange& c : history) out.emplace_back(tcp::to_string(c.state));
    return out;
}

std::optional<tcp::Instant> ConnTrace::entered(State s) const {
    for (std::size_t i = s == State::closed ? 1 : 0; i < history.size(); ++i)
        if (history[i].state == s) return history[i].at;
    return std::nullopt;
}

std::string ConnTrace::describe(tcp::Instant epoch) const {
    std::ostringstream o;
    o << "conn#" << id << " node " << node << " " << tuple.local_ip.to_string() << ":"
      << tuple.local_port << " <-> " << tuple.remote_ip.to_string() << ":" << tuple.remote_port
      << (passive ? " (passive)" : " (active)") << ":";
    for (const StateChange& c : history) {
        char t[32];
        std::snprintf(t, sizeof t, "%.6f",
                      std::chrono::duration<double>(c.at - epoch).count());
        o << " " << tcp::to_string(c.state) << "@" << t;
    }
    if (reason) o << " reason=" << tcp::to_string(*reason);
    return o.str();
}

void StateTracer::add_node(NodeId node, const tcp::Stack& stack) {
    if (nodes_.size() <= node) nodes_.resize(node + 1);
    nodes_[node].stack = &stack;
}

ConnTrace& StateTracer::new_trace(NodeId node, const net::FourTuple& t, bool passive,
                                  tcp::Instant now) {
    ConnTrace& tr = traces_.emplace_back();
    tr.id = traces_.size() - 1;
    tr.node = node;
    tr.tuple = t;
    tr.passive = passive;
    tr.history.push_back({now, passive ? State::listen : State::closed});
    extra_.push_back({nullptr, now});
    nodes_[node].by_tuple[t] = index_of(tr);
    return tr;
}

ConnTrace* StateTracer::open_trace(NodeId node, const net::FourTuple& t) {
    Node& n = nodes_[node];
    auto it = n.by_tuple.find(t);
    if (it == n.by_tuple.end()) return nullptr;
    ConnTrace& tr = traces_[it->second];
    return tr.ended() ? nullptr : &tr;
}

void StateTracer::record(ConnTrace& t, State s, tcp::Instant now) {
    Extra& x = extra_[index_of(t)];
    Node& n = nodes_[t.node];
    const State old = t.current();
    if (x.live == nullptr && counted(old)) n.orphans[static_cast<std::size_t>(old)].erase({x.last_touch, t.id});
    x.last_touch = now;
    if (s != old) {
        if (counted(old)) --n.model[static_cast<std::size_t>(old)];
        if (counted(s)) ++n.model[static_cast<std::size_t>(s)];
        t.history.push_back({now, s});
    }
    if (x.live == nullptr && counted(s)) n.orphans[static_cast<std::size_t>(s)].insert({now, t.id});
}

void StateTracer::touch(ConnTrace& t, tcp::Instant now) { record(t, t.current(), now); }

void StateTracer::detach(ConnTrace& t) {
    Extra& x = extra_[index_of(t)];
    if (x.live == nullptr) return;
    nodes_[t.node].live.erase(x.live);
    x.live = nullptr;
    if (counted(t.current()))
        nodes_[t.node].orphans[static_cast<std::size_t>(t.current())].insert({x.last_touch, t.id});
}

void StateTracer::on_active_open(NodeId node, tcp::Connection& c, tcp::Instant now) {
    ConnTrace& t = new_trace(node, c.tuple(), false, now);
    extra_[index_of(t)].live = &c;
    nodes_[node].live[&c] = index_of(t);
    record(t, c.state(), now);
}

void StateTracer::observe(NodeId node, tcp::Connection& c, tcp::Instant now) {
    Node& n = nodes_[node];
    ConnTrace* t = nullptr;
    if (auto it = n.live.find(&c); it != n.live.end()) {
        t = &traces_[it->second];
    } else {
        // A passive open reaching the application: adopt the orphan that the
        // gauge showed in SYN-RECEIVED, or start a trace if it was missed.
        t = open_trace(node, c.tuple());
        if (t == nullptr) t = &new_trace(node, c.tuple(), true, now);
        Extra& x = extra_[index_of(*t)];
        if (counted(t->current())) n.orphans[static_cast<std::size_t>(t->current())].erase({x.last_touch, t->id});
        x.live = &c;
        n.live[&c] = index_of(*t);
    }
    record(*t, c.state(), now);
}

void StateTracer::on_closed(NodeId node, tcp::Connection& c, tcp::CloseReason why,
                            tcp::Instant now) {
    observe(node, c, now);
    ConnTrace& t = traces_[nodes_[node].live.at(&c)];
    t.reason = why;
    detach(t);
}

bool StateTracer::gauge_matches(NodeId node) const {
    const Node& n = nodes_[node];
    const auto& g = n.stack->counters().in_state;
    for (std::size_t s = 0; s < tcp::kStateCount; ++s)
        if (counted(static_cast<State>(s)) && g[s] != n.model[s]) return false;
    return true;
}

void StateTracer::sample_all(NodeId node, tcp::Instant now) {
    Node& n = nodes_[node];
    // record() never changes the live map, so iterating it is safe.
    for (auto& [conn, idx] : n.live) record(traces_[idx], conn->state(), now);
}

void StateTracer::after_input(NodeId node, const net::FourTuple& tuple, std::uint8_t flags,
                              tcp::Instant now) {
    if (ConnTrace* t = open_trace(node, tuple)) {
        const Extra& x = extra_[index_of(*t)];
        if (x.live) record(*t, x.live->state(), now);
    }
    reconcile(node, now, &tuple, flags);
}

void StateTracer::after_advance(NodeId node, tcp::Instant now) {
    if (gauge_matches(node)) return;
    sample_all(node, now);
    reconcile(node, now, nullptr, 0);
}

void StateTracer::reconcile(NodeId node, tcp::Instant now, const net::FourTuple* tuple,
                            std::uint8_t flags) {
    Node& n = nodes_[node];
    const auto& gauge = n.stack->counters().in_state;
    auto diff = [&](State s) {
        const auto i = static_cast<std::size_t>(s);
        return gauge[i] - n.model[i];
    };
    auto first_increase = [&]() -> std::optional<State> {
        for (std::size_t s = 0; s < tcp::kStateCount; ++s)
            if (counted(static_cast<State>(s)) && diff(static_cast<State>(s)) > 0) return static_cast<State>(s);
        return std::nullopt;
    };

    if (tuple) {
        ConnTrace* t = open_trace(node, *tuple);
        if (t && extra_[index_of(*t)].live == nullptr && counted(t->current())) {
            if (diff(t->current()) < 0) {
                std::optional<State> to = first_increase();
                // RFC 6191: a SYN that reuses a TIME-WAIT 4-tuple ends the old
                // incarnation and starts a new one.
                const bool reuse = t->current() == State::time_wait && to == State::syn_received;
                if (to && !reuse) {
                    record(*t, *to, now);
                } else {
                    record(*t, State::closed, now);
                    t = nullptr;
                }
            } else if (t->current() == State::time_wait && (flags & net::tcp_flag::fin)) {
                touch(*t, now);  // a FIN repeated into TIME-WAIT restarts its timer
            }
        }
        if (t == nullptr) {
            if (std::optional<State> to = first_increase())
                record(new_trace(node, *tuple, true, now), *to, now);
        }
    }

    // Ends nobody reported: give them to the least recently touched orphans.
    for (std::size_t s = 0; s < tcp::kStateCount; ++s) {
        const State st = static_cast<State>(s);
        if (!counted(st)) continue;
        while (diff(st) < 0 && !n.orphans[s].empty()) {
            ConnTrace& t = traces_[static_cast<std::size_t>(n.orphans[s].begin()->second)];
            record(t, State::closed, now);
        }
    }

    if (!gauge_matches(node)) {
        std::ostringstream o;
        o << "t=" << std::chrono::duration<double>(now.since_epoch).count() << "s node " << node
          << ": gauge/tracer mismatch:";
        for (std::size_t s = 0; s < tcp::kStateCount; ++s) {
            const State st = static_cast<State>(s);
            if (counted(st) && diff(st) != 0)
                o << " " << tcp::to_string(st) << " gauge=" << gauge[s] << " tracer=" << n.model[s];
        }
        anomalies_.push_back(o.str());
        n.model = gauge;  // resynchronise so one surprise is reported once
        n.model[static_cast<std::size_t>(State::closed)] = 0;
        n.model[static_cast<std::size_t>(State::listen)] = 0;
    }
}

std::vector<const ConnTrace*> StateTracer::traces_of(NodeId node) const {
    std::vector<const ConnTrace*> out;
    for (const ConnTrace& t : traces_)
        if (t.node == node) out.push_back(&t);
    return out;
}

const ConnTrace* StateTracer::latest(NodeId node, const net::FourTuple& tuple) const {
    const Node& n = nodes_[node];
    auto it = n.by_tuple.find(tuple);
    return it == n.by_tuple.end() ? nullptr : &traces_[it->second];
}

}  // namespace synline::sim
