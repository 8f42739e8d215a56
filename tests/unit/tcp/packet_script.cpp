#include "packet_script.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace synline::test {

std::string flags_to_string(std::uint8_t flags) {
    static constexpr std::pair<std::uint8_t, const char*> names[] = {
        {SYN, "SYN"}, {RST, "RST"}, {FIN, "FIN"}, {PSH, "PSH"}, {ACK, "ACK"},
        {net::tcp_flag::urg, "URG"}, {net::tcp_flag::ece, "ECE"}, {net::tcp_flag::cwr, "CWR"}};
    std::string s;
    for (auto [bit, name] : names) {
        if (!(flags & bit)) continue;
        if (!s.empty()) s += '|';
        s += name;
    }
    return s.empty() ? "none" : s;
}

Seg& Seg::data(std::string_view bytes) {
    payload.assign(bytes.begin(), bytes.end());
    return *this;
}

Seg& Seg::data(std::size_t n, char fill) {
    payload.assign(n, static_cast<std::uint8_t>(fill));
    return *this;
}

std::string Sent::describe() const {
    std::ostringstream o;
    o << "[" << flags_to_string(header.flags) << "] seq=" << header.seq.raw();
    if (header.flags & ACK) o << " ack=" << header.ack.raw();
    o << " win=" << header.window << " len=" << payload.size();
    return o.str();
}

// ---------------------------------------------------------------- ScriptedPeer

void ScriptedPeer::send(const tcp::OutSegment& out) {
    Sent s;
    s.tuple = out.tuple;
    s.header = out.header;
    // OutSegment points into the stack's send buffer: copy the bytes now.
    s.payload.assign(out.payload_first.begin(), out.payload_first.end());
    for (std::uint8_t b : out.payload_second) s.payload.push_back(b);
    s.at = clock ? *clock : Instant{};
    pending_.push_back(s);
    log_.push_back(std::move(s));
}

void ScriptedPeer::inject(tcp::Stack& stack, const Seg& s, Instant now) {
    net::TcpHeader h;
    h.src_port = s.src_port;
    h.dst_port = s.dst_port;
    h.seq = s.seq;
    h.ack = s.ack;
    h.flags = s.flags;
    h.window = s.window;
    h.urgent = s.urgent;
    h.options = s.options;
    std::vector<std::uint8_t> wire(h.header_len());
    h.emit(wire.data());
    for (std::uint8_t b : s.payload) wire.push_back(b);

    net::Drop why{};
    auto view = net::parse_tcp(wire, why);
    REQUIRE(view);  // a malformed scripted segment is a bug in the test
    stack.input(kRemoteIp, kLocalIp, *view, now);
}

std::vector<Sent> ScriptedPeer::take() {
    std::vector<Sent> out;
    out.swap(pending_);
    return out;
}

// ---------------------------------------------------------------- RecordingHandler

void RecordingHandler::on_established(tcp::Connection& c) {
    conn = &c;
    events.push_back("established");
}

std::size_t RecordingHandler::on_data(tcp::Connection& c, std::span<const std::uint8_t> data) {
    const std::string text(data.begin(), data.end());
    switch (on_data_reaction) {
        case OnData::consume_nothing:
            events.push_back("data(kept):" + text);
            return 0;
        case OnData::echo:
            events.push_back("data:" + text);
            received += text;
            c.send(data);
            return data.size();
        case OnData::consume:
            break;
    }
    events.push_back("data:" + text);
    received += text;
    return data.size();
}

void RecordingHandler::on_peer_closed(tcp::Connection& c) {
    events.push_back("peer_closed");
    if (close_on_peer_closed) c.close();
}

void RecordingHandler::on_closed(tcp::Connection& c, tcp::CloseReason why) {
    events.push_back("closed:" + std::string(to_string(why)));
    closed_reason = why;
    if (conn == &c) conn = nullptr;
}

// ---------------------------------------------------------------- Harness

tcp::StackConfig test_config() {
    tcp::StackConfig c;
    c.max_connections = 64;
    return c;
}

Harness::Harness(const tcp::StackConfig& config)
    : cfg(config), stack(cfg, peer, tcp::SipKey{0x0123456789abcdefull, 0xfedcba9876543210ull}, now) {
    peer.clock = &now;
}

void Harness::send(const Seg& s) { peer.inject(stack, s, now); }

void Harness::expect(std::initializer_list<Expect> expected) {
    const std::vector<Sent> got = take();
    // Compare as text so that a failure prints both sides in full.
    auto describe_expected = [](const Expect& e) {
        std::ostringstream o;
        o << "[" << flags_to_string(e.flags) << "] seq=" << e.seq.raw();
        if (e.flags & ACK) o << " ack=" << e.ack.raw();
        if (e.window) o << " win=" << *e.window;
        if (e.payload) o << " payload=\"" << *e.payload << "\"";
        else if (e.len) o << " len=" << *e.len;
        return o.str();
    };
    auto describe_actual = [](const Sent& s, const Expect& e) {
        std::ostringstream o;
        o << "[" << flags_to_string(s.flags()) << "] seq=" << s.seq().raw();
        if (e.flags & ACK) o << " ack=" << s.ack().raw();
        if (e.window) o << " win=" << s.header.window;
        if (e.payload) o << " payload=\"" << s.text() << "\"";
        else if (e.len) o << " len=" << s.payload.size();
        return o.str();
    };
    std::string all;
    for (const Sent& s : got) all += "\n  " + s.describe();
    INFO("the stack sent " << got.size() << " segment(s):" << all);
    CHECK(got.size() == expected.size());
    std::size_t i = 0;
    for (const Expect& e : expected) {
        if (i >= got.size()) break;
        const Sent& s = got[i++];
        INFO("segment #" << i);
        CHECK(describe_actual(s, e) == describe_expected(e));
        // Without ACK the ack field must be zero (RFC 9293 3.1: ignored, sent as zero here).
        if (!(e.flags & ACK)) CHECK(s.ack().raw() == 0);
        if (!e.payload && !e.len) CHECK(s.payload.empty());
        CHECK(s.tuple.local_ip == kLocalIp);
        CHECK(s.tuple.remote_ip == kRemoteIp);
        CHECK(s.header.src_port == s.tuple.local_port);
        CHECK(s.header.dst_port == s.tuple.remote_port);
    }
}

void Harness::advance(Duration d) {
    const Instant end = now + d;
    while (now < end) {
        now = std::min(end, now + Duration(1ms));
        stack.advance(now);
    }
}

Duration Harness::advance_until_sent(Duration limit) {
    const Instant start = now;
    const std::size_t before = peer.all().size();
    while (now - start < limit && peer.all().size() == before) advance(1ms);
    return now - start;
}

tcp::Connection& Harness::conn() {
    REQUIRE(app.conn != nullptr);
    return *app.conn;
}

tcp::State Harness::state() const {
    const auto& gauge = stack.counters().in_state;
    for (std::size_t i = 0; i < tcp::kStateCount; ++i) {
        const auto s = static_cast<tcp::State>(i);
        if (s == tcp::State::closed || s == tcp::State::listen) continue;
        if (gauge[i] > 0) return s;
    }
    return tcp::State::closed;
}

std::uint64_t Harness::closed_count(tcp::CloseReason why) const {
    return stack.counters().closed[static_cast<std::size_t>(why)];
}
std::uint64_t Harness::rst_sent(tcp::RstSent why) const {
    return stack.counters().rst_sent[static_cast<std::size_t>(why)];
}
std::uint64_t Harness::dropped(tcp::SegmentDrop why) const {
    return stack.counters().dropped[static_cast<std::size_t>(why)];
}

// ---------------------------------------------------------------- builders

void Harness::make_listening() { REQUIRE(stack.listen(kLocalPort, app)); }

void Harness::make_syn_sent() {
    REQUIRE(stack.connect(kLocalIp, kRemoteIp, kRemotePort, app, kLocalPort) != nullptr);
    auto out = take();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].flags() == SYN);
    iss = out[0].seq();
    REQUIRE(state() == tcp::State::syn_sent);
}

void Harness::make_simultaneous_syn_received() {
    make_syn_sent();
    send(syn(P));  // no ACK: the peer's own SYN, not an answer to ours
    expect({{SYN | ACK, iss, P + 1}});
    REQUIRE(state() == tcp::State::syn_received);
}

void Harness::make_syn_received() {
    make_listening();
    send(syn(P));
    auto out = take();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].flags() == (SYN | ACK));
    REQUIRE(out[0].ack() == P + 1);
    iss = out[0].seq();
    REQUIRE(state() == tcp::State::syn_received);
}

void Harness::make_established() {
    make_syn_received();
    send(seg(ACK, P + 1, iss + 1));
    expect_nothing();
    REQUIRE(connection() != nullptr);
    REQUIRE(conn().state() == tcp::State::established);
}

void Harness::make_close_wait() {
    make_established();
    send(seg(FIN | ACK, P + 1, iss + 1));
    expect({{ACK, iss + 1, P + 2}});
    REQUIRE(conn().state() == tcp::State::close_wait);
}

void Harness::make_last_ack() {
    make_close_wait();
    conn().close();
    expect({{FIN | ACK, iss + 1, P + 2}});
    REQUIRE(conn().state() == tcp::State::last_ack);
}

void Harness::make_fin_wait_1() {
    make_established();
    conn().close();
    expect({{FIN | ACK, iss + 1, P + 1}});
    REQUIRE(conn().state() == tcp::State::fin_wait_1);
}

void Harness::make_fin_wait_2() {
    make_fin_wait_1();
    send(seg(ACK, P + 1, iss + 2));
    expect_nothing();
    REQUIRE(conn().state() == tcp::State::fin_wait_2);
}

void Harness::make_closing() {
    make_fin_wait_1();
    send(seg(FIN | ACK, P + 1, iss + 1));  // the peer's FIN crosses ours
    expect({{ACK, iss + 2, P + 2}});
    REQUIRE(conn().state() == tcp::State::closing);
}

void Harness::make_time_wait() {
    make_fin_wait_2();
    send(seg(FIN | ACK, P + 1, iss + 2));
    expect({{ACK, iss + 2, P + 2}});
    REQUIRE(state() == tcp::State::time_wait);
}

}  // namespace synline::test
