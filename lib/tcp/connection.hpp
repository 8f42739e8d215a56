// One TCP connection: its transmission control block (RFC 9293 3.3.1) and the
// segment-arrives processing of RFC 9293 3.10.7. Connections are created and
// owned by their core's Stack; applications hold references only inside
// callbacks or until on_closed.
#pragma once

#include <cstdint>
#include <span>

#include "net/four_tuple.hpp"
#include "net/seq_num.hpp"
#include "net/tcp_header.hpp"
#include "tcp/byte_ring.hpp"
#include "tcp/congestion/congestion_control.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/counters.hpp"
#include "tcp/loss_recovery.hpp"
#include "tcp/reassembly_queue.hpp"
#include "tcp/rtt_estimator.hpp"
#include "tcp/syn_cookie.hpp"
#include "tcp/state.hpp"
#include "tcp/time.hpp"
#include "tcp/timer_wheel.hpp"

namespace synline::tcp {

// The smallest shift that lets `buffer` bytes of window fit 16 bits (RFC 7323 2.2).
constexpr std::uint8_t window_scale_for(std::uint32_t buffer) {
    std::uint8_t s = 0;
    while ((buffer >> s) > 0xffff && s < net::kMaxWindowScale) ++s;
    return s;
}

// The window a SYN-ACK made without a connection (a cookie) offers: never
// scaled (RFC 7323 2.2), so the buffer capped at 65,535 bytes.
constexpr std::uint16_t handshake_window_for(std::uint32_t buffer) {
    return static_cast<std::uint16_t>(buffer < 0xffff ? buffer : 0xffff);
}

class Stack;
class Connection;
struct Listener;

enum class TimerKind : std::uint8_t {
    retransmit,   // SYN, SYN-ACK, data and FIN retransmission; zero-window probes
    delayed_ack,  // RFC 1122 4.2.3.2
    lifetime,     // TIME-WAIT, FIN-WAIT-2 timeout, keepalive: one at a time
};

// What the handshake settled (RFC 9293 3.7.1, RFC 7323, RFC 2018).
struct NegotiatedOptions {
    std::uint16_t send_mss;      // the peer's MSS, as we use it
    std::uint8_t send_wscale;    // the peer's window shift
    std::uint8_t receive_wscale; // ours
    bool timestamps;
    bool sack_permitted;
    bool from_cookie;            // rebuilt from a SYN cookie
};

struct ConnectionTimer : TimerNode {
    Connection* owner = nullptr;
    TimerKind kind = TimerKind::retransmit;
};

class Connection {
public:
    Connection(Stack& stack, const net::FourTuple& tuple, ConnectionHandler* handler);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // ---- Application API ----
    // Queues bytes for sending; returns how many were taken (limited by the send
    // buffer). When fewer than offered were taken, on_send_space follows later.
    std::size_t send(std::span<const std::uint8_t> data);
    std::size_t send_space() const;
    // Sends FIN after the queued data; receiving continues (half-close).
    void shutdown_write();
    // Ends the connection gracefully. With unread received data it resets
    // instead, as Linux does, so the peer learns the data was lost (S26).
    void close();
    // Sends RST and discards queued data at once (linger 0, S25).
    void abort();

    // Data received but not yet consumed by the application.
    ByteRing::Pieces received() const { return recv_buffer_.peek(0, recv_buffer_.size()); }
    void consume_received(std::size_t n);

    State state() const { return state_; }
    NegotiatedOptions negotiated() const {
        return {snd_mss_, snd_wscale_, rcv_wscale_, ts_enabled_, sack_enabled_, from_cookie_};
    }
    const net::FourTuple& tuple() const { return tuple_; }
    void set_handler(ConnectionHandler* h) { handler_ = h; }
    ConnectionHandler* handler() const { return handler_; }
    void* app_context = nullptr;  // for the application's per-connection state

    // ---- Stack side ----
    void open_passive(const net::TcpSegmentView& syn, Listener& listener);
    // A handshake completed through a SYN cookie: the connection starts in
    // SYN-RECEIVED as if its SYN-ACK had been sent, and the caller then hands
    // it the validating ACK (which completes it and may carry data).
    void open_from_cookie(const net::TcpSegmentView& ack, const CookieOptions& options,
                          Listener& listener);
    void open_active();
    void on_segment(const net::TcpSegmentView& seg);
    void on_timer(TimerKind kind);
    // RFC 6191: may a SYN reuse this TIME-WAIT 4-tuple?
    bool accepts_syn_in_time_wait(const net::TcpHeader& syn) const;

    net::SeqNum snd_nxt() const { return snd_nxt_; }
    const CongestionControl& congestion() const { return cc_; }
    net::SeqNum rcv_nxt() const { return rcv_nxt_; }

private:
    friend class Stack;

    // RFC 9293 3.10.7 steps
    void process_segment(const net::TcpSegmentView& seg);
    void on_segment_syn_sent(const net::TcpSegmentView& seg);
    bool sequence_acceptable(net::SeqNum seq, std::uint32_t seg_len) const;
    void on_rst(net::SeqNum seq);
    bool on_ack(const net::TcpHeader& h, std::size_t payload_len);
    // Returns true when a FIN queued out of order is now in order.
    bool on_text(net::SeqNum seq, std::span<const std::uint8_t> payload, bool fin);
    void queue_out_of_order(net::SeqNum seq, std::span<const std::uint8_t> payload, bool fin);
    bool fill_hole(std::span<const std::uint8_t> payload);
    void hand_buffered_to_app();
    void hold_past_rcv_nxt(std::uint32_t bytes);  // the core's out-of-order budget
    void on_fin();
    void establish(const net::TcpHeader& h);
    void deliver(std::span<const std::uint8_t> data);

    // Output
    void output();
    std::uint32_t effective_mss() const;
    void send_control(std::uint8_t flags, net::SeqNum seq);
    void emit(std::uint8_t flags, net::SeqNum seq, ByteRing::Pieces payload, bool syn_options);
    // A segment without text carries the highest sequence number sent, not
    // SND.NXT: after a timeout SND.NXT goes back to SND.UNA, and the peer,
    // which may hold everything up to SND.MAX, would find an older sequence
    // number unacceptable and answer with an ACK of its own, never reading
    // ours (as in 4.4BSD's tcp_output).
    void send_ack() { send_control(net::tcp_flag::ack, snd_max_); }
    void send_challenge_ack();
    void send_reset(RstSent why);
    void retransmit_timeout();
    void keepalive_timeout();
    void resend_oldest();  // fast retransmit: the first unacknowledged segment
    void arm_retransmit();
    void flush_ack();  // sends or schedules the ACK this segment made due
    std::uint32_t receive_window() const;          // free receive buffer space
    std::uint32_t advertised_window_bytes() const; // RCV.WND as last offered
    std::uint16_t advertised_window(bool syn) const;
    std::uint32_t ts_now() const;
    void take_timestamp(const net::TcpHeader& h);

    void leave_syn_queue();
    void set_state(State s);
    bool our_fin_acked() const;
    void enter_fin_wait_2();
    void enter_time_wait();
    // Ends the connection: timers off, out of the table, the app told once.
    void close_with(CloseReason why);
    void arm(ConnectionTimer& t, Duration after);
    void cancel(ConnectionTimer& t);

    Stack& stack_;
    net::FourTuple tuple_;
    ConnectionHandler* handler_;
    Listener* listener_ = nullptr;  // half-open, or waiting in its accept queue
    Connection* accept_prev_ = nullptr;  // accept queue links (pull mode)
    Connection* accept_next_ = nullptr;
    bool in_accept_queue_ = false;
    bool counted_half_open_ = false;     // counts toward listener_->half_open
    bool from_cookie_ = false;
    State state_ = State::closed;
    bool passive_ = false;
    bool app_knows_ = false;        // on_established or a connect reached the app
    bool app_closed_ = false;       // close() called: no more reading either
    bool fin_queued_ = false;       // shutdown_write()/close() called
    bool fin_sent_ = false;
    bool peer_fin_ = false;
    bool send_blocked_ = false;     // a send() came up short: on_send_space owed
    bool in_segment_ = false;       // inside on_segment(): its own output() sends
    std::uint8_t retries_ = 0;      // consecutive retransmission timeouts
    std::uint8_t keepalive_probes_sent_ = 0;

    // Send sequence space (RFC 9293 3.3.1)
    net::SeqNum iss_;
    net::SeqNum snd_una_;
    net::SeqNum snd_nxt_;
    net::SeqNum snd_max_;          // highest sequence sent: acks up to here are valid
    net::SeqNum snd_wl1_;
    net::SeqNum snd_wl2_;
    std::uint32_t snd_wnd_ = 0;
    std::uint32_t max_snd_wnd_ = 0;
    std::uint8_t snd_wscale_ = 0;
    std::uint16_t snd_mss_ = 536;  // RFC 9293 3.7.1 default until the peer says
    net::SeqNum send_buffer_seq_;  // sequence number of send_buffer_'s first byte
    ByteRing send_buffer_;

    // Congestion control (tcp/congestion) and fast recovery (RFC 6582)
    CongestionControl cc_;
    LossRecovery recovery_;

    // Receive sequence space
    net::SeqNum irs_;
    net::SeqNum rcv_nxt_;
    std::uint8_t rcv_wscale_ = 0;
    net::SeqNum rcv_adv_;                 // right edge of the window we offered
    std::uint8_t unacked_segments_ = 0;  // in-order data segments not yet acknowledged
    bool ack_now_ = false;                // an immediate ACK is owed (FIN, hole, SYN-ACK)
    ByteRing recv_buffer_;                // in-order bytes not yet read, then out-of-order ones
    ReassemblyQueue reassembly_;          // which bytes past RCV.NXT recv_buffer_ holds
    std::uint32_t held_past_rcv_nxt_ = 0; // charged to the core's counters_.ooo.held_bytes
    std::uint32_t lent_to_app_ = 0;       // recv_buffer_ bytes inside an on_data call

    // Options (RFC 7323)
    bool ts_enabled_ = false;
    bool sack_enabled_ = false;
    std::uint32_t ts_recent_ = 0;

    // RTT (RFC 6298) timed without timestamps by one segment at a time (Karn)
    RttEstimator rtt_;
    bool rtt_timing_ = false;
    net::SeqNum rtt_seq_;
    Instant rtt_sent_at_;
    Instant last_received_at_;

    ConnectionTimer retransmit_timer_;
    ConnectionTimer delayed_ack_timer_;
    ConnectionTimer lifetime_timer_;
};

}  // namespace synline::tcp
