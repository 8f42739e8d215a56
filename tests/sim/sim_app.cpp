#include "sim_app.hpp"

#include <random>

namespace synline::sim {

std::vector<std::uint8_t> pseudo_random_bytes(std::uint64_t seed, std::size_t n) {
    std::mt19937_64 g(seed);
    std::vector<std::uint8_t> out(n);
    for (std::size_t i = 0; i < n; i += 8) {
        std::uint64_t v = g();
        for (std::size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<std::uint8_t>(v >> (8 * k));
    }
    return out;
}

bool SimApp::listen(std::uint16_t port, tcp::ListenOptions options) {
    return net_.stack(node_).listen(port, *this, options);
}

AppConn* SimApp::connect(net::Ipv4Addr remote_ip, std::uint16_t remote_port, std::uint16_t local_port) {
    tcp::Connection* c = net_.stack(node_).connect(net_.ip(node_), remote_ip, remote_port, *this, local_port);
    if (c == nullptr) return nullptr;
    AppConn& a = conns_.emplace_back();
    a.index = conns_.size() - 1;
    a.conn = c;
    a.tuple = c->tuple();
    a.active = true;
    c->app_context = &a;
    net_.tracer().on_active_open(node_, *c, net_.now());
    a.states_seen.push_back(c->state());
    return &a;
}

AppConn& SimApp::context(tcp::Connection& c) {
    if (c.app_context == nullptr) {  // a passive open reaching the application
        AppConn& a = conns_.emplace_back();
        a.index = conns_.size() - 1;
        a.conn = &c;
        a.tuple = c.tuple();
        c.app_context = &a;
    }
    return *static_cast<AppConn*>(c.app_context);
}

void SimApp::note(AppConn& a, std::string event) {
    a.events.push_back(std::move(event));
    sample(a);
}

void SimApp::sample(AppConn& a) {
    if (!a.conn) return;  // on_closed already recorded the end
    const tcp::State s = a.conn->state();
    if (a.states_seen.empty() || a.states_seen.back() != s) a.states_seen.push_back(s);
    net_.tracer().observe(node_, *a.conn, net_.now());
}

void SimApp::flush(AppConn& a) {
    while (a.conn && a.taken < a.sent.size()) {
        std::size_t n = a.conn->send(std::span<const std::uint8_t>(a.sent).subspan(a.taken));
        if (n == 0) break;
        a.taken += n;
    }
    if (a.conn && a.close_when_sent && a.taken == a.sent.size()) {
        a.close_when_sent = false;
        a.conn->close();
    }
}

void SimApp::send(AppConn& a, std::span<const std::uint8_t> data) {
    a.sent.insert(a.sent.end(), data.begin(), data.end());
    flush(a);
    sample(a);
}

void SimApp::shutdown_write(AppConn& a) {
    if (!a.conn) return;
    a.conn->shutdown_write();
    sample(a);
}

void SimApp::close(AppConn& a) {
    if (!a.conn) return;
    if (a.pending() > 0) {
        a.close_when_sent = true;  // after the rest is handed over
        return;
    }
    a.conn->close();
    sample(a);
}

void SimApp::abort(AppConn& a) {
    if (!a.conn) return;
    a.conn->abort();
    sample(a);
}

AppConn& SimApp::adopt(tcp::Connection& c) {
    c.set_handler(this);
    AppConn& a = context(c);
    a.established = true;
    note(a, "accepted");
    return a;
}

std::size_t SimApp::drain(AppConn& a) {
    if (!a.conn) return 0;
    std::size_t n = 0;
    auto pieces = a.conn->received();
    for (auto piece : {pieces.first, pieces.second}) {
        a.received.insert(a.received.end(), piece.begin(), piece.end());
        n += piece.size();
    }
    a.conn->consume_received(n);
    sample(a);
    return n;
}

// ---------------------------------------------------------------- callbacks

void SimApp::on_established(tcp::Connection& c) {
    AppConn& a = context(c);
    a.established = true;
    note(a, "established");
    if (on_established_hook) on_established_hook(*this, a);
}

std::size_t SimApp::on_data(tcp::Connection& c, std::span<const std::uint8_t> data) {
    AppConn& a = context(c);
    note(a, "data " + std::to_string(data.size()));
    if (!consume) return 0;
    a.received.insert(a.received.end(), data.begin(), data.end());
    if (echo) send(a, data);
    if (on_data_hook && a.conn) on_data_hook(*this, a);
    return data.size();
}

void SimApp::on_send_space(tcp::Connection& c) {
    AppConn& a = context(c);
    note(a, "send-space");
    flush(a);
}

void SimApp::on_peer_closed(tcp::Connection& c) {
    AppConn& a = context(c);
    a.peer_closed = true;
    note(a, "peer-closed");
    if (on_peer_closed_hook) on_peer_closed_hook(*this, a);
    if (close_on_peer_closed && a.conn) close(a);
}

void SimApp::on_closed(tcp::Connection& c, tcp::CloseReason why) {
    AppConn& a = context(c);
    a.events.push_back("closed " + std::string(tcp::to_string(why)));
    const tcp::State s = c.state();
    if (a.states_seen.empty() || a.states_seen.back() != s) a.states_seen.push_back(s);
    a.closed = true;
    a.close_reason = why;
    a.closed_in = s;
    a.conn = nullptr;
    c.app_context = nullptr;
    ++closed_count_;
    net_.tracer().on_closed(node_, c, why, net_.now());
    if (on_closed_hook) on_closed_hook(*this, a);
}

}  // namespace synline::sim
