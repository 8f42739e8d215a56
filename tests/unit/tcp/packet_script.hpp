// A scripted peer for protocol tests: drives ONE tcp::Stack with hand-built
// segments and records exactly what the stack sends back, so that each test
// reads as a short dialogue (style.md, "Tests per state and event"):
//
//   Harness h;
//   h.make_established();                       // handshake done: peer at P+1, stack at iss+1
//   h.send(seg(ACK | PSH, P + 1, h.iss + 1).data("hi"));
//   h.advance(40ms);                            // the delayed ACK fires
//   h.expect({{ACK, h.iss + 1, P + 3}});
//
// Segments travel as real bytes: the peer emits a TcpHeader and parses it back
// with net::parse_tcp before handing the view to Stack::input. Time is virtual.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/four_tuple.hpp"
#include "net/seq_num.hpp"
#include "net/tcp_header.hpp"
#include "tcp/connection.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/segment_sink.hpp"
#include "tcp/stack.hpp"
#include "tcp/stack_config.hpp"
#include "tcp/state.hpp"
#include "tcp/time.hpp"

namespace synline::test {

using net::SeqNum;
using tcp::Duration;
using tcp::Instant;
using namespace std::chrono_literals;

inline constexpr std::uint8_t FIN = net::tcp_flag::fin;
inline constexpr std::uint8_t SYN = net::tcp_flag::syn;
inline constexpr std::uint8_t RST = net::tcp_flag::rst;
inline constexpr std::uint8_t PSH = net::tcp_flag::psh;
inline constexpr std::uint8_t ACK = net::tcp_flag::ack;
inline constexpr std::uint8_t URG = net::tcp_flag::urg;

inline constexpr net::Ipv4Addr kLocalIp{0x0a000001};   // 10.0.0.1: the stack
inline constexpr net::Ipv4Addr kRemoteIp{0x0a000002};  // 10.0.0.2: the scripted peer
inline constexpr std::uint16_t kLocalPort = 80;
inline constexpr std::uint16_t kRemotePort = 40000;
inline const SeqNum P{1000};  // the peer's ISN in every builder

std::string flags_to_string(std::uint8_t flags);  // "SYN|ACK"

// n bytes that differ from position to position, so reordering shows.
inline std::string pattern(std::size_t n, char base = 'a') {
    std::string s(n, ' ');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(base + i % 26);
    return s;
}

// A segment from the peer. Build with seg(), refine with the chainable setters.
struct Seg {
    std::uint8_t flags = 0;
    SeqNum seq;
    SeqNum ack;
    std::uint16_t window = 65535;
    net::TcpOptions options;
    std::vector<std::uint8_t> payload;
    std::uint16_t src_port = kRemotePort;
    std::uint16_t dst_port = kLocalPort;
    std::uint16_t urgent = 0;  // the urgent pointer; sent only as given

    Seg& data(std::string_view bytes);
    Seg& data(std::size_t n, char fill = 'x');  // n bytes of `fill`
    Seg& win(std::uint16_t w) { window = w; return *this; }
    Seg& mss(std::uint16_t m) { options.mss = m; return *this; }
    Seg& wscale(std::uint8_t s) { options.window_scale = s; return *this; }
    Seg& ts(std::uint32_t val, std::uint32_t ecr) { options.timestamps = {val, ecr}; return *this; }
    Seg& from_port(std::uint16_t p) { src_port = p; return *this; }
    Seg& to_port(std::uint16_t p) { dst_port = p; return *this; }
    // Sets URG and the urgent pointer (an offset from seq, RFC 9293 3.1).
    Seg& urg(std::uint16_t pointer) { flags |= URG; urgent = pointer; return *this; }
};

inline Seg seg(std::uint8_t flags, SeqNum seq, SeqNum ack = SeqNum(0)) {
    Seg s;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    return s;
}
// The peer's SYN as Linux would open it, minus options we do not need: MSS 1460.
inline Seg syn(SeqNum seq = P) { return seg(SYN, seq).mss(1460); }

// What the stack sent, with the payload copied out of its send buffer.
struct Sent {
    net::FourTuple tuple;  // local = source
    net::TcpHeader header;
    std::vector<std::uint8_t> payload;
    Instant at;

    std::uint8_t flags() const { return header.flags; }
    SeqNum seq() const { return header.seq; }
    SeqNum ack() const { return header.ack; }
    std::string text() const { return std::string(payload.begin(), payload.end()); }
    std::string describe() const;  // "[SYN|ACK] seq=… ack=… win=… len=…"
};

// One expected segment. `ack` is compared only when `flags` has ACK; the
// optional fields only when given.
struct Expect {
    std::uint8_t flags;
    SeqNum seq;
    SeqNum ack{};
    std::optional<std::uint16_t> window{};
    std::optional<std::string> payload{};  // exact bytes
    std::optional<std::size_t> len{};      // payload length only
};

// Captures everything the stack emits and injects segments into it.
class ScriptedPeer : public tcp::SegmentSink {
public:
    void send(const tcp::OutSegment& out) override;
    // Emits `s` to bytes, parses them back and gives them to stack.input().
    void inject(tcp::Stack& stack, const Seg& s, Instant now);

    std::vector<Sent> take();
    const std::vector<Sent>& all() const { return log_; }  // everything ever sent
    const Instant* clock = nullptr;

private:
    std::vector<Sent> pending_;
    std::vector<Sent> log_;
};

// Records the callbacks as readable events ("established", "data:hi",
// "peer_closed", "closed:reset_by_peer") and reacts as told.
class RecordingHandler : public tcp::ConnectionHandler {
public:
    enum class OnData { consume, consume_nothing, echo };
    OnData on_data_reaction = OnData::consume;
    bool close_on_peer_closed = false;

    tcp::Connection* conn = nullptr;  // set on established, cleared on closed
    std::vector<std::string> events;
    std::string received;             // every byte consumed, in order
    std::optional<tcp::CloseReason> closed_reason;

    void on_established(tcp::Connection& c) override;
    std::size_t on_data(tcp::Connection& c, std::span<const std::uint8_t> data) override;
    void on_send_space(tcp::Connection&) override { events.push_back("send_space"); }
    void on_peer_closed(tcp::Connection& c) override;
    void on_closed(tcp::Connection& c, tcp::CloseReason why) override;
};

// The config every harness starts from: the defaults, with a small pool.
tcp::StackConfig test_config();

struct Harness {
    explicit Harness(const tcp::StackConfig& config = test_config());
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    Instant now{std::chrono::seconds(100)};  // the virtual clock
    tcp::StackConfig cfg;
    ScriptedPeer peer;
    RecordingHandler app;
    tcp::Stack stack;
    SeqNum iss;  // the stack's ISN, learnt from its SYN-ACK

    // peer -> stack, at the current virtual time
    void send(const Seg& s);
    // Everything the stack sent since the last take()/expect().
    std::vector<Sent> take() { return peer.take(); }
    // The stack sent exactly these segments since the last take()/expect().
    void expect(std::initializer_list<Expect> expected);
    void expect_nothing() { expect({}); }
    // Moves virtual time forward one timer tick (1 ms) at a time, running the
    // stack's timers at each step, so re-armed timers fire at their exact times.
    void advance(Duration d);
    // Advances until the stack sends something or `limit` passes; returns the time waited.
    Duration advance_until_sent(Duration limit);

    // The connection under test (from the handler; null before established and after closed).
    tcp::Connection* connection() { return app.conn; }
    tcp::Connection& conn();  // REQUIREs one
    // The state of the one connection in the stack, from the state gauges, so it
    // works in SYN-RECEIVED and TIME-WAIT where the application holds no pointer.
    tcp::State state() const;
    std::uint64_t closed_count(tcp::CloseReason why) const;
    std::uint64_t rst_sent(tcp::RstSent why) const;
    std::uint64_t dropped(tcp::SegmentDrop why) const;

    // Builders: bring the connection under test into a state. The peer's
    // sequence numbers start at P and the stack's at iss; the comment of each
    // says where both stand afterwards (next seq of the peer / of the stack).
    void make_listening();    // listening on kLocalPort
    // Active open from kLocalIp:kLocalPort to the peer; nothing listens.
    void make_syn_sent();     // peer P (nothing yet) / stack iss+1 (our SYN sent)
    // Simultaneous open (S07): make_syn_sent(), then the peer's SYN crosses ours.
    void make_simultaneous_syn_received(); // P+1 / iss+1 (our SYN-ACK unacknowledged)
    void make_syn_received(); // peer P+1 / stack iss+1 (SYN-ACK not yet acknowledged)
    void make_established();  // P+1 / iss+1
    void make_close_wait();   // P+2 / iss+1 (peer's FIN acknowledged)
    void make_last_ack();     // P+2 / iss+2 (our FIN sent, unacknowledged)
    void make_fin_wait_1();   // P+1 / iss+2 (app called close(); our FIN unacknowledged)
    void make_fin_wait_2();   // P+1 / iss+2
    void make_closing();      // P+2 / iss+2 (FINs crossed; ours unacknowledged)
    void make_time_wait();    // P+2 / iss+2
};

}  // namespace synline::test
