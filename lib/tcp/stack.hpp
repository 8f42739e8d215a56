// One core's TCP: its connection table, listeners, timers and counters. The
// engine feeds it validated segments and the current time; the stack answers
// through its SegmentSink. Nothing here is shared with another core.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/four_tuple.hpp"
#include "net/tcp_header.hpp"
#include "tcp/connection.hpp"
#include "tcp/cookie_synack.hpp"
#include "tcp/counters.hpp"
#include "tcp/flow_table.hpp"
#include "tcp/isn.hpp"
#include "tcp/listener.hpp"
#include "tcp/object_pool.hpp"
#include "tcp/segment_sink.hpp"
#include "tcp/stack_config.hpp"
#include "tcp/syn_cookie.hpp"
#include "tcp/timer_wheel.hpp"
#include "tcp/token_bucket.hpp"

namespace synline::tcp {

class Stack {
public:
    Stack(const StackConfig& config, SegmentSink& sink, const SipKey& secret, Instant now);
    ~Stack();
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    // A validated segment for one of our addresses. `src`/`dst` are the IPv4
    // source and destination of the packet that carried it.
    void input(net::Ipv4Addr src, net::Ipv4Addr dst, const net::TcpSegmentView& seg, Instant now);
    // A hint that a segment from `src` to `dst` will arrive next: its flow
    // table slot starts loading. Harmless when wrong.
    void prefetch_flow(net::Ipv4Addr src, net::Ipv4Addr dst, std::uint16_t src_port,
                       std::uint16_t dst_port) const {
        table_.prefetch({dst, src, dst_port, src_port});
    }
    // The SYN fast lane (engine/worker_syn_lane.cpp). `syn` is the validated
    // header of a segment with SYN set, ACK, RST and FIN clear and no payload.
    // When its listener answers it with a SYN cookie and no connection owns
    // its 4-tuple, this is input() of it except that the SYN-ACK is put in
    // `synack` instead of sent, so the caller can write it over the SYN's own
    // frame; returns true. Otherwise returns false having done nothing
    // (nothing counted), and the caller hands the segment to input().
    // The SYN-ACK's seq is left 0: its cookie is `isn`, for finish_cookies()
    // to finish with the others of a burst (SynCookies::draft_isn()).
    bool stateless_synack(net::Ipv4Addr src, net::Ipv4Addr dst, const net::TcpHeader& syn, Instant now,
                          CookieSynAck& synack, SynCookies::IsnDraft& isn);
    // Finishes drafted cookies, under the `now` they were drafted at (the
    // cookie keys rotate only when the stack's clock moves).
    void finish_cookies(std::span<SynCookies::IsnDraft> isns) const { cookies_.finish_isns(isns); }
    // Runs the timers that are due.
    void advance(Instant now);

    // Starts listening on `port` of every local address. False if already taken.
    bool listen(std::uint16_t port, ConnectionHandler& handler, ListenOptions options = {});
    // Stops listening; its half-open and not yet accepted connections are reset.
    bool unlisten(std::uint16_t port);
    // Pull mode: the oldest established connection waiting on `port`, now the
    // application's, with the listener's handler (set_handler may replace it);
    // data that arrived before waits in received(). nullptr when none waits.
    Connection* accept(std::uint16_t port);
    std::optional<ListenerStats> listener_stats(std::uint16_t port) const;
    // The ports listened on, in the order of their listen().
    std::vector<std::uint16_t> listening_ports() const;

    // Active open (RFC 9293 3.10.1): sends SYN from local_ip. With local_port 0
    // an ephemeral port is chosen that is free for this destination and never
    // equal to the destination itself (no accidental self-connect, S08); an
    // explicit port may connect to itself on purpose. The outcome arrives as
    // on_established or on_closed(refused / connect_timeout). nullptr when no
    // port or connection slot is free. `cc` overrides the stack's congestion
    // controller for this connection.
    Connection* connect(net::Ipv4Addr local_ip, net::Ipv4Addr remote_ip, std::uint16_t remote_port,
                        ConnectionHandler& handler, std::uint16_t local_port = 0,
                        std::optional<CongestionAlgorithm> cc = std::nullopt);
    // Ephemeral ports are then only those whose connection `homes_here`
    // accepts: with several cores, the engine's test that the replies of
    // that 4-tuple reach this core. No port passes: connect returns nullptr.
    using PortFilter = std::function<bool(const net::FourTuple&)>;
    void set_port_filter(PortFilter homes_here) { port_filter_ = std::move(homes_here); }

    const TcpCounters& counters() const { return counters_; }
    // The timestamp clock (RFC 7323): milliseconds, wrapping. Remembered for
    // the instant it was last read at: a burst's segments share one `now`, and
    // the conversion is a 64-bit division (tens of cycles on the SYN path).
    std::uint32_t ts_clock() const {
        if (ts_clock_at_ != now_) {
            ts_clock_at_ = now_;
            ts_clock_ = static_cast<std::uint32_t>(
                std::chrono::duration_cast<std::chrono::milliseconds>(now_.since_epoch).count());
        }
        return ts_clock_;
    }
    const StackConfig& config() const { return config_; }
    std::size_t connection_count() const { return pool_.in_use(); }
    Instant now() const { return now_; }
    // Between two inputs: empty when every invariant holds (each connection's
    // SND.UNA <= SND.NXT <= SND.MAX, buffers within their limits, table, pool,
    // queues and gauges in agreement), else what is broken. It walks every
    // connection: for tests and fuzz targets (tcp/stack_audit.cpp).
    std::string audit() const;

private:
    friend class Connection;

    void listener_input(Listener& l, const net::FourTuple& t, const net::TcpSegmentView& seg);
    void closed_input(const net::FourTuple& t, const net::TcpSegmentView& seg);
    // SYN cookies (S13, S15): answer without state; rebuild from a valid ACK.
    bool cookie_acks_expected(const Listener& l) const;
    static bool syn_queue_full(const Listener& l) { return l.half_open >= l.options.syn_backlog; }
    // Counts an arriving SYN; true when the listener's SYN queue is full.
    bool count_syn(const Listener& l);
    bool answers_with_cookie(const Listener& l) const;
    // The SYN-ACK that answers `syn` with a cookie, counted as sent; its seq
    // is left 0 for the cookie that `isn` drafts.
    CookieSynAck cookie_synack(Listener& l, const net::FourTuple& t, const net::TcpHeader& syn,
                               SynCookies::IsnDraft& isn);
    void cookie_ack_input(Listener& l, const net::FourTuple& t, const net::TcpSegmentView& seg);
    void rotate_cookie_keys_if_due();
    bool accept_queue_full(const Listener& l) const {
        return l.options.pull && l.accept_queue_len >= l.options.backlog;
    }
    void enqueue_accept(Listener& l, Connection& c);
    void dequeue_accept(Listener& l, Connection& c);
    // Reset-generation rules for a segment that matches no connection (RFC 9293 3.5.2 (1)).
    void reply_reset(const net::FourTuple& t, const net::TcpHeader& h, std::size_t payload_len,
                     RstSent why);
    Connection* create_connection(const net::FourTuple& t, ConnectionHandler* handler);
    std::optional<std::uint16_t> pick_ephemeral_port(net::Ipv4Addr local_ip, net::Ipv4Addr remote_ip,
                                                     std::uint16_t remote_port);
    // A connection ended: remove it from the table now, free it after the
    // current input or timer run (a callback may still be using it).
    void retire(Connection& c);
    void reap() {
        if (!retired_.empty()) reap_retired();
    }
    void reap_retired();
    void emit(const OutSegment& seg);
    bool challenge_ack_allowed();

    StackConfig config_;
    SegmentSink& sink_;
    IsnGenerator isn_;
    Instant now_;
    // Send and receive buffers' first blocks, reused across connections; up
    // to 256 KiB per core stay cached.
    RingBlockCache ring_blocks_{64};
    ObjectPool<Connection> pool_;
    FlowTable<Connection*> table_;
    TimerWheel timers_;
    std::vector<std::unique_ptr<Listener>> listeners_;      // few; looked up by port below
    std::unique_ptr<std::array<Listener*, 65536>> listener_by_port_;
    std::vector<Connection*> retired_;
    TcpCounters counters_;
    SipKey cookie_master_;
    SynCookies cookies_;
    CookieSynAckShapes cookie_synack_shapes_;  // from mss and receive_buffer
    mutable Instant ts_clock_at_;    // ts_clock()'s memo
    mutable std::uint32_t ts_clock_ = 0;
    // RFC 5961 7: one budget of challenge ACKs per second for the whole core.
    Instant challenge_window_start_;
    std::uint32_t challenge_acks_in_window_ = 0;
    TokenBucket cookie_rsts_;  // RSTs for bad cookie ACKs (config_.cookie_rst_rate)
    std::uint16_t next_ephemeral_;  // where the next search for a free port starts
    PortFilter port_filter_;        // empty: every port is this core's
};

}  // namespace synline::tcp
