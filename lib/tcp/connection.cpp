#include "tcp/connection.hpp"

#include <algorithm>

#include "tcp/listener.hpp"
#include "tcp/stack.hpp"

namespace synline::tcp {

using net::SeqNum;
using net::TcpHeader;
using net::TcpSegmentView;
namespace flag = net::tcp_flag;

namespace {

constexpr std::uint16_t kDefaultMss = 536;    // RFC 9293 3.7.1
constexpr std::uint16_t kMinMss = 64;         // refuse absurdly small MSS values
constexpr std::uint32_t kTimestampOptionLen = 12;

// RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)), generalised to the configured count.
std::uint32_t initial_window(std::uint32_t segments, std::uint16_t mss) {
    return std::min(segments * mss, std::max(2u * mss, 14600u));
}

}  // namespace

Connection::Connection(Stack& stack, const net::FourTuple& tuple, ConnectionHandler* handler)
    : stack_(stack),
      tuple_(tuple),
      handler_(handler),
      send_buffer_(stack.config().send_buffer, &stack.ring_blocks_),
      cc_(stack.config().congestion_control),
      recv_buffer_(stack.config().receive_buffer, &stack.ring_blocks_),
      rtt_(stack.config().initial_rto, stack.config().min_rto, stack.config().max_rto) {
    retransmit_timer_.owner = delayed_ack_timer_.owner = lifetime_timer_.owner = this;
    retransmit_timer_.kind = TimerKind::retransmit;
    delayed_ack_timer_.kind = TimerKind::delayed_ack;
    lifetime_timer_.kind = TimerKind::lifetime;
    ++stack_.counters_.in_state[static_cast<std::size_t>(state_)];
}

Connection::~Connection() {
    cancel(retransmit_timer_);
    cancel(delayed_ack_timer_);
    cancel(lifetime_timer_);
    --stack_.counters_.in_state[static_cast<std::size_t>(state_)];
    stack_.counters_.ooo.held_bytes -= held_past_rcv_nxt_;
}

// ---------------------------------------------------------------- opening

void Connection::open_passive(const TcpSegmentView& syn, Listener& listener) {
    const TcpHeader& h = syn.header;
    const StackConfig& cfg = stack_.config();
    passive_ = true;
    listener_ = &listener;
    if (listener.options.congestion_control) cc_.select(*listener.options.congestion_control);
    ++listener.half_open;
    ++stack_.counters_.handshake.syn_queue;
    counted_half_open_ = true;

    irs_ = h.seq;
    rcv_nxt_ = irs_ + 1;
    rcv_adv_ = rcv_nxt_;
    iss_ = stack_.isn_.next(tuple_, stack_.now());
    snd_una_ = iss_;
    snd_nxt_ = snd_max_ = iss_ + 1;
    send_buffer_seq_ = iss_ + 1;
    snd_mss_ = std::clamp<std::uint16_t>(h.options.mss.value_or(kDefaultMss), kMinMss, cfg.mss);
    if (cfg.window_scaling && h.options.window_scale) {
        snd_wscale_ = *h.options.window_scale;
        rcv_wscale_ = window_scale_for(cfg.receive_buffer);
    }
    ts_enabled_ = cfg.timestamps && h.options.timestamps.has_value();
    if (ts_enabled_) ts_recent_ = h.options.timestamps->value;
    sack_enabled_ = cfg.sack_permitted && h.options.sack_permitted;
    snd_wnd_ = h.window;  // never scaled in a SYN (RFC 7323 2.2)
    snd_wl1_ = h.seq;
    last_received_at_ = stack_.now();

    set_state(State::syn_received);
    emit(flag::syn | flag::ack, iss_, {}, true);
    ++stack_.counters_.handshake.synacks_from_queue;
    rtt_sent_at_ = stack_.now();
    rtt_timing_ = true;
    rtt_seq_ = iss_ + 1;
    arm_retransmit();
}

void Connection::open_from_cookie(const TcpSegmentView& ack, const CookieOptions& options,
                                  Listener& listener) {
    const TcpHeader& h = ack.header;
    const StackConfig& cfg = stack_.config();
    passive_ = true;
    from_cookie_ = true;
    listener_ = &listener;
    if (listener.options.congestion_control) cc_.select(*listener.options.congestion_control);
    irs_ = h.seq - 1;
    rcv_nxt_ = h.seq;
    rcv_adv_ = rcv_nxt_ + handshake_window_for(cfg.receive_buffer);  // what the cookie SYN-ACK offered
    iss_ = h.ack - 1;
    snd_una_ = iss_;
    snd_nxt_ = snd_max_ = h.ack;
    send_buffer_seq_ = h.ack;
    snd_mss_ = std::clamp<std::uint16_t>(options.mss, kMinMss, cfg.mss);
    if (cfg.window_scaling && options.window_scale) {
        snd_wscale_ = *options.window_scale;
        rcv_wscale_ = window_scale_for(cfg.receive_buffer);
    }
    ts_enabled_ = cfg.timestamps && h.options.timestamps.has_value();
    if (ts_enabled_) ts_recent_ = h.options.timestamps->value;
    sack_enabled_ = options.sack_permitted;
    snd_wl1_ = irs_;
    last_received_at_ = stack_.now();
    set_state(State::syn_received);
}

void Connection::open_active() {
    const StackConfig& cfg = stack_.config();
    iss_ = stack_.isn_.next(tuple_, stack_.now());
    snd_una_ = iss_;
    snd_nxt_ = snd_max_ = iss_ + 1;
    send_buffer_seq_ = iss_ + 1;
    // Offer everything configured; the SYN-ACK says what the peer accepts.
    ts_enabled_ = cfg.timestamps;
    sack_enabled_ = cfg.sack_permitted;
    if (cfg.window_scaling) rcv_wscale_ = window_scale_for(cfg.receive_buffer);
    app_knows_ = true;  // a failed connect is reported through on_closed
    set_state(State::syn_sent);
    emit(flag::syn, iss_, {}, true);
    rtt_sent_at_ = stack_.now();
    rtt_timing_ = true;
    rtt_seq_ = iss_ + 1;
    arm_retransmit();
}

// RFC 9293 3.10.7.3: SEGMENT ARRIVES in SYN-SENT.
void Connection::on_segment_syn_sent(const TcpSegmentView& seg) {
    const TcpHeader& h = seg.header;
    const StackConfig& cfg = stack_.config();
    if (h.has(flag::ack) && (h.ack <= iss_ || h.ack > snd_max_)) {
        if (!h.has(flag::rst)) stack_.reply_reset(tuple_, h, seg.payload.size(), RstSent::bad_ack);
        return;
    }
    if (h.has(flag::rst)) {
        if (h.has(flag::ack)) {
            TcpCounters::bump(stack_.counters_.rst_received, RstReceived::refused);
            close_with(CloseReason::refused);
        }
        return;  // a RST without ACK cannot be tied to our SYN
    }
    if (!h.has(flag::syn)) return;

    irs_ = h.seq;
    rcv_nxt_ = irs_ + 1;
    rcv_adv_ = rcv_nxt_;
    snd_mss_ = std::clamp<std::uint16_t>(h.options.mss.value_or(kDefaultMss), kMinMss, cfg.mss);
    if (cfg.window_scaling && h.options.window_scale) {
        snd_wscale_ = *h.options.window_scale;
    } else {
        snd_wscale_ = rcv_wscale_ = 0;  // both sides must offer it (RFC 7323 2.2)
    }
    ts_enabled_ = ts_enabled_ && h.options.timestamps.has_value();
    if (ts_enabled_) ts_recent_ = h.options.timestamps->value;
    sack_enabled_ = sack_enabled_ && h.options.sack_permitted;
    snd_wnd_ = h.window;
    snd_wl1_ = h.seq;

    if (h.has(flag::ack)) {
        ack_now_ = true;  // the SYN-ACK is answered at once, by data if the app sends some
        establish(h);
        if (state_ == State::closed) return;
        output();
        flush_ack();
    } else {
        // Simultaneous open (S07): answer the SYN with our SYN again, now with ACK.
        set_state(State::syn_received);
        emit(flag::syn | flag::ack, iss_, {}, true);
        arm_retransmit();
    }
}

void Connection::establish(const TcpHeader& h) {
    if (h.has(flag::ack)) {
        snd_una_ = h.ack;
        snd_wnd_ = h.has(flag::syn) ? h.window : std::uint32_t{h.window} << snd_wscale_;
        snd_wl1_ = h.seq;
        snd_wl2_ = h.ack;
    }
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    // A cookie's TSval had its low bits replaced by options: no RTT sample from it.
    if (ts_enabled_ && !from_cookie_ && h.options.timestamps && h.options.timestamps->echo != 0) {
        rtt_.sample(std::chrono::milliseconds(ts_now() - h.options.timestamps->echo));
    } else if (rtt_timing_ && rtt_.backoffs() == 0) {
        rtt_.sample(stack_.now() - rtt_sent_at_);
    }
    rtt_.restart_after_lost_handshake();
    rtt_timing_ = false;
    retries_ = 0;
    cc_.start(effective_mss(), initial_window(stack_.config().initial_cwnd_segments, snd_mss_));
    recovery_.start(snd_una_);
    cancel(retransmit_timer_);
    leave_syn_queue();
    if (passive_) ++stack_.counters_.connections_opened_passive;
    else ++stack_.counters_.connections_opened_active;
    set_state(State::established);
    if (stack_.config().keepalive) arm(lifetime_timer_, stack_.config().keepalive_idle);
    if (listener_ && listener_->options.pull) {
        // Pull mode (S09): the handshake is complete; the connection waits,
        // its data buffered, until the application accepts it.
        stack_.enqueue_accept(*listener_, *this);
        return;
    }
    listener_ = nullptr;
    app_knows_ = true;
    if (handler_) handler_->on_established(*this);
    if (state_ == State::established && fin_queued_) {
        set_state(State::fin_wait_1);
        output();
    }
}

// ---------------------------------------------------------------- arrival

std::uint32_t Connection::advertised_window_bytes() const {
    return rcv_adv_ > rcv_nxt_ ? static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_) : 0;
}

bool Connection::sequence_acceptable(SeqNum seq, std::uint32_t seg_len) const {
    // RFC 9293 3.10.7.4, first: the four cases of the acceptability test,
    // against the window we offered (not the free buffer space, which may be
    // larger than a 16-bit unscaled window can say, RFC 5961 3.2).
    std::uint32_t wnd = advertised_window_bytes();
    if (seg_len == 0) return wnd == 0 ? seq == rcv_nxt_ : net::seq_in_window(seq, rcv_nxt_, wnd);
    if (wnd == 0) return false;
    return net::seq_in_window(seq, rcv_nxt_, wnd) ||
           net::seq_in_window(seq + (seg_len - 1), rcv_nxt_, wnd);
}

void Connection::on_segment(const TcpSegmentView& seg) {
    // What the application sends or closes from the callbacks this segment
    // causes leaves with the output() that ends its processing: a response,
    // the FIN of a close() and the ACK of this segment become one segment.
    in_segment_ = true;
    process_segment(seg);
    in_segment_ = false;
}

void Connection::process_segment(const TcpSegmentView& seg) {
    if (state_ == State::syn_sent) {
        on_segment_syn_sent(seg);
        return;
    }
    const TcpHeader& h = seg.header;
    const bool syn = h.has(flag::syn);
    const bool rst = h.has(flag::rst);
    const bool fin = h.has(flag::fin);
    auto& counters = stack_.counters_;
    last_received_at_ = stack_.now();

    if (state_ == State::syn_received) {
        // Our SYN-ACK was lost: the peer repeats its SYN. Repeat the SYN-ACK.
        if (syn && !h.has(flag::ack) && h.seq == irs_) {
            ++counters.retransmits;
            emit(flag::syn | flag::ack, iss_, {}, true);
            return;
        }
        // Simultaneous open (S07): the peer's SYN-ACK completes our SYN-RECEIVED
        // without another ACK; it is neither out of window nor a stray SYN.
        if (!passive_ && syn && h.has(flag::ack) && !rst && h.seq == irs_ && h.ack == snd_nxt_) {
            establish(h);
            if (state_ != State::closed) {
                output();
                flush_ack();
            }
            return;
        }
    }

    // RFC 7323 5.3 (PAWS): a timestamp older than TS.Recent marks an old duplicate.
    if (ts_enabled_ && !rst && h.options.timestamps &&
        static_cast<std::int32_t>(h.options.timestamps->value - ts_recent_) < 0) {
        TcpCounters::bump(counters.dropped, SegmentDrop::paws);
        send_ack();
        return;
    }

    // First: check the sequence number.
    const std::uint32_t seg_len =
        static_cast<std::uint32_t>(seg.payload.size()) + (syn ? 1 : 0) + (fin ? 1 : 0);
    if (!sequence_acceptable(h.seq, seg_len)) {
        TcpCounters::bump(counters.dropped, SegmentDrop::out_of_window);
        if (!seg.payload.empty() && h.seq + static_cast<std::uint32_t>(seg.payload.size()) <= rcv_nxt_) {
            ++counters.ooo.duplicate_segments;  // all of it delivered before
            counters.ooo.duplicate_bytes += seg.payload.size();
        }
        if (rst) {
            TcpCounters::bump(counters.rst_received, state_ == State::time_wait
                                                         ? RstReceived::in_time_wait
                                                         : RstReceived::out_of_window);
            return;
        }
        // TIME-WAIT: the peer repeats its FIN because our ACK was lost.
        if (state_ == State::time_wait && fin) arm(lifetime_timer_, 2 * stack_.config().msl);
        // RFC 5961 4.2: a SYN gets a (rate-limited) challenge ACK whatever its sequence number.
        if (syn) send_challenge_ack();
        else send_ack();
        return;
    }

    // Second: the RST bit.
    if (rst) {
        on_rst(h.seq);
        return;
    }

    // Fourth: a SYN on a synchronized connection (RFC 5961 4.2): challenge ACK.
    if (syn) {
        TcpCounters::bump(counters.dropped, SegmentDrop::syn_in_window);
        send_challenge_ack();
        return;
    }

    // Fifth: the ACK field.
    if (!h.has(flag::ack)) {
        TcpCounters::bump(counters.dropped, SegmentDrop::no_ack);
        return;
    }
    take_timestamp(h);
    if (!on_ack(h, seg.payload.size())) return;

    // Sixth: URG is treated as in-band data (RFC 6093); nothing to do.

    // Seventh: the segment text, trimmed to what is new and fits the window.
    SeqNum seq = h.seq;
    std::span<const std::uint8_t> data = seg.payload;
    bool fin_in_window = fin;
    if (seq < rcv_nxt_) {
        std::uint32_t already = static_cast<std::uint32_t>(rcv_nxt_ - seq);
        if (already > data.size()) {
            data = {};
            fin_in_window = false;  // a FIN we already have
        } else {
            data = data.subspan(already);
        }
        counters.ooo.duplicate_bytes += std::min<std::size_t>(already, seg.payload.size());
        seq = rcv_nxt_;
    }
    // The window starts at RCV.NXT: text past a hole has less of it.
    std::uint32_t room = receive_window();
    if (seq != rcv_nxt_) room -= std::min(room, static_cast<std::uint32_t>(seq - rcv_nxt_));
    if (data.size() > room) {
        data = data.first(room);
        fin_in_window = false;
    }
    const bool receiving = in_state(state_, {State::established, State::fin_wait_1, State::fin_wait_2});
    bool queued_fin_reached = false;
    if (!data.empty()) {
        if (receiving) {
            queued_fin_reached = on_text(seq, data, fin_in_window);
            if (state_ == State::closed) return;
        }
        // After the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT) new
        // text cannot be valid; the acceptability test already bounded it.
    } else if (fin_in_window && receiving && seq != rcv_nxt_) {
        reassembly_.note_fin(seq);  // a bare FIN right after queued data
        ack_now_ = true;
    }

    // Eighth: the FIN bit, once everything before it has arrived.
    if (!peer_fin_ && (queued_fin_reached ||
                       (fin_in_window && seq + static_cast<std::uint32_t>(data.size()) == rcv_nxt_)))
        on_fin();
    if (state_ == State::closed) return;
    // Our FIN was acknowledged by a segment whose own FIN could not be taken yet.
    if (state_ == State::fin_wait_1 && our_fin_acked()) enter_fin_wait_2();

    output();
    if (state_ != State::closed) flush_ack();
}

void Connection::on_rst(SeqNum seq) {
    auto& counters = stack_.counters_;
    if (state_ == State::time_wait) {  // RFC 1337: TIME-WAIT assassination is refused
        TcpCounters::bump(counters.rst_received, RstReceived::in_time_wait);
        return;
    }
    if (seq != rcv_nxt_) {  // RFC 5961 3.2: in window but not exact
        TcpCounters::bump(counters.rst_received, RstReceived::challenged);
        send_challenge_ack();
        return;
    }
    TcpCounters::bump(counters.rst_received, RstReceived::accepted);
    if (state_ == State::syn_received)
        close_with(passive_ ? CloseReason::handshake_reset : CloseReason::refused);
    else
        close_with(CloseReason::reset_by_peer);
}

bool Connection::on_ack(const TcpHeader& h, std::size_t payload_len) {
    auto& counters = stack_.counters_;
    const SeqNum ack = h.ack;

    if (state_ == State::syn_received) {
        if (!(snd_una_ < ack && ack <= snd_max_)) {
            stack_.reply_reset(tuple_, h, payload_len, RstSent::bad_ack);
            return false;
        }
        if (listener_ && stack_.accept_queue_full(*listener_)) {
            ++counters.handshake.accept_queue_overflows;
            if (listener_->options.accept_overflow == AcceptOverflow::reset) {
                send_reset(RstSent::accept_overflow);
                close_with(CloseReason::accept_overflow);
            } else {
                // S14: ignore the ACK; our SYN-ACK timer and the peer's next
                // segment retry once the application has accepted some.
                TcpCounters::bump(counters.dropped, SegmentDrop::accept_queue_full);
            }
            return false;
        }
        establish(h);
        return state_ != State::closed;
    }

    // RFC 5961 5.2: an ACK must lie in [SND.UNA - MAX.SND.WND, SND.NXT].
    if (ack > snd_max_) {
        TcpCounters::bump(counters.dropped, SegmentDrop::ack_unsent);
        send_challenge_ack();
        return false;
    }
    if (ack < snd_una_ - max_snd_wnd_) {
        TcpCounters::bump(counters.dropped, SegmentDrop::ack_too_old);
        send_challenge_ack();
        return false;
    }

    const std::uint32_t old_wnd = snd_wnd_;
    if (ack > snd_una_) {
        std::uint32_t acked = static_cast<std::uint32_t>(ack - snd_una_);
        if (ack > send_buffer_seq_) {
            std::size_t data_acked =
                std::min<std::size_t>(static_cast<std::uint32_t>(ack - send_buffer_seq_),
                                      send_buffer_.size());
            send_buffer_.consume(data_acked);
            send_buffer_seq_ += static_cast<std::uint32_t>(data_acked);
            // Past the data: our FIN is acknowledged, also when a timeout had
            // since rewound SND.NXT to send it again (fin_sent_ cleared).
            if (fin_queued_ && send_buffer_.empty() && ack > send_buffer_seq_) fin_sent_ = true;
        }
        Duration rtt{0};
        if (ts_enabled_ && h.options.timestamps && h.options.timestamps->echo != 0) {
            rtt = std::chrono::milliseconds(ts_now() - h.options.timestamps->echo);
        } else if (rtt_timing_ && ack >= rtt_seq_) {
            rtt = stack_.now() - rtt_sent_at_;
            rtt_timing_ = false;
        }
        if (rtt > Duration{0}) rtt_.sample(rtt);
        retries_ = 0;
        const std::uint32_t mss = effective_mss();
        switch (recovery_.on_advance(ack, acked, mss)) {
            case LossRecovery::Advance::normal:
                cc_.on_ack({acked, stack_.now(), rtt, rtt_.srtt(), ack, snd_nxt_},
                           static_cast<std::uint32_t>(snd_max_ - snd_una_));
                break;
            case LossRecovery::Advance::full:
                cc_.on_recovery_end(static_cast<std::uint32_t>(snd_max_ - ack));
                break;
            case LossRecovery::Advance::partial:
                ++counters.recovery.partial_acks;
                break;
        }
        snd_una_ = ack;
        if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
        if (snd_una_ == snd_max_) {
            cancel(retransmit_timer_);
            send_buffer_.release_if_empty();
        } else {
            // RFC 6582 3.2 (5): a partial ACK retransmits the next hole at once.
            if (recovery_.in_recovery()) resend_oldest();
            arm_retransmit();
        }
    } else if (ack == snd_una_ && payload_len == 0 && !h.has(flag::fin) && snd_max_ != snd_una_ &&
               (std::uint32_t{h.window} << snd_wscale_) == old_wnd) {
        // RFC 5681 3.2, RFC 6582 3.2 (2): the third duplicate ACK triggers fast retransmit.
        if (recovery_.on_duplicate_ack(snd_una_, snd_max_, effective_mss()) == LossRecovery::Dup::enter) {
            ++counters.recovery.fast_retransmits;
            ++counters.recovery.cwnd_reductions;
            cc_.on_loss(stack_.now(), static_cast<std::uint32_t>(snd_max_ - snd_una_));
            resend_oldest();
        }
    }

    // RFC 9293 3.10.7.4: update the send window from the newest segment only.
    if (snd_wl1_ < h.seq || (snd_wl1_ == h.seq && snd_wl2_ <= ack)) {
        snd_wnd_ = std::uint32_t{h.window} << snd_wscale_;
        snd_wl1_ = h.seq;
        snd_wl2_ = ack;
        max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    }

    const bool fin_acked = our_fin_acked();
    switch (state_) {
        case State::fin_wait_1:
            // With the peer's FIN in the same segment, the FIN step goes
            // straight to TIME-WAIT (S22); otherwise FIN-WAIT-2 now.
            if (fin_acked && !h.has(flag::fin)) enter_fin_wait_2();
            break;
        case State::closing:
            if (fin_acked) enter_time_wait();
            break;
        case State::last_ack:
            if (fin_acked) {
                close_with(CloseReason::normal);
                return false;
            }
            break;
        default:
            break;
    }

    if (send_blocked_ && send_space() > 0 && handler_) {
        send_blocked_ = false;
        handler_->on_send_space(*this);
        if (state_ == State::closed) return false;
    }
    return true;
}

bool Connection::on_text(SeqNum seq, std::span<const std::uint8_t> data, bool fin) {
    if (seq != rcv_nxt_) {
        queue_out_of_order(seq, data, fin);
        return false;
    }
    if (!reassembly_.empty()) return fill_hole(data);
    rcv_nxt_ += static_cast<std::uint32_t>(data.size());
    ++unacked_segments_;  // acknowledged at the latest with the second (RFC 5681 4.2)
    deliver(data);
    return false;
}

void Connection::queue_out_of_order(SeqNum seq, std::span<const std::uint8_t> data, bool fin) {
    // RFC 5681 4.2: a segment past a hole is acknowledged at once; the
    // duplicate ACK tells the peer where the hole is.
    ack_now_ = true;
    auto& counters = stack_.counters_;
    if (app_closed_) {  // never to be read (as deliver() does for in-order text)
        send_reset(RstSent::unread_data);
        close_with(CloseReason::unread_data);
        return;
    }
    const auto len = static_cast<std::uint32_t>(data.size());
    if (!reassembly_.fits(seq, len)) {
        TcpCounters::bump(counters.dropped, SegmentDrop::ooo_ranges_full);
        return;
    }
    const SeqNum end = reassembly_.empty() ? seq + len : seq_max(reassembly_.end(), seq + len);
    const auto held = static_cast<std::uint32_t>(end - rcv_nxt_);
    if (held > held_past_rcv_nxt_ && static_cast<std::uint64_t>(counters.ooo.held_bytes) + (held - held_past_rcv_nxt_) >
                                         stack_.config().reassembly_core_limit) {
        TcpCounters::bump(counters.dropped, SegmentDrop::ooo_over_limit);
        return;
    }
    // The bytes go to their place in the receive buffer, past the unread
    // in-order ones; the window we offered guarantees the room.
    const std::size_t base = recv_buffer_.size();
    const ReassemblyQueue::Added added = reassembly_.add(seq, len, [&](SeqNum at, std::uint32_t n) {
        recv_buffer_.write_at(base + static_cast<std::uint32_t>(at - rcv_nxt_),
                              data.subspan(static_cast<std::uint32_t>(at - seq), n));
    });
    if (fin) reassembly_.note_fin(seq + len);
    if (added.new_bytes == 0) {
        ++counters.ooo.duplicate_segments;
    } else {
        ++counters.ooo.queued;
        counters.ooo.queued_bytes += added.new_bytes;
    }
    counters.ooo.duplicate_bytes += added.duplicate_bytes;
    hold_past_rcv_nxt(held);
}

bool Connection::fill_hole(std::span<const std::uint8_t> data) {
    auto& counters = stack_.counters_;
    if (app_closed_) {
        send_reset(RstSent::unread_data);
        close_with(CloseReason::unread_data);
        return false;
    }
    // The text goes behind the unread bytes, around what is queued already
    // (the first copy of a byte stands), and joins the queued ranges it reaches.
    const bool app_caught_up = recv_buffer_.empty();
    const std::size_t base = recv_buffer_.size();
    const auto len = static_cast<std::uint32_t>(data.size());
    reassembly_.write_gaps(rcv_nxt_, len, [&](SeqNum at, std::uint32_t n) {
        const auto offset = static_cast<std::uint32_t>(at - rcv_nxt_);
        recv_buffer_.write_at(base + offset, data.subspan(offset, n));
    });
    const ReassemblyQueue::Taken taken = reassembly_.take(rcv_nxt_ + len);
    const auto readable = static_cast<std::uint32_t>(taken.next - rcv_nxt_);
    rcv_nxt_ = taken.next;
    recv_buffer_.commit(readable);
    ++counters.ooo.holes_filled;
    counters.ooo.delivered_bytes += readable - len + taken.overlap;
    counters.ooo.duplicate_bytes += taken.overlap;
    hold_past_rcv_nxt(reassembly_.empty() ? 0 : static_cast<std::uint32_t>(reassembly_.end() - rcv_nxt_));
    ack_now_ = true;  // RFC 5681 4.2: a segment that fills a hole, or part of one, is acknowledged at once
    if (app_caught_up && handler_) hand_buffered_to_app();
    return taken.fin;
}

// Bytes that became readable in the receive buffer go to on_data as in-order
// text from a segment would; what the application leaves stays for received().
void Connection::hand_buffered_to_app() {
    while (handler_ && !recv_buffer_.empty()) {
        const std::span<const std::uint8_t> piece = recv_buffer_.peek(0, recv_buffer_.size()).first;
        lent_to_app_ = static_cast<std::uint32_t>(piece.size());  // not "unread" for close()
        const std::size_t consumed = std::min(handler_->on_data(*this, piece), piece.size());
        lent_to_app_ = 0;
        if (state_ == State::closed) return;
        if (app_closed_) {  // as with text from a segment, the rest goes with the close
            recv_buffer_.consume(recv_buffer_.size());
            break;
        }
        recv_buffer_.consume(consumed);
        if (consumed < piece.size()) break;
    }
    recv_buffer_.release_if_empty();
}

void Connection::hold_past_rcv_nxt(std::uint32_t bytes) {
    stack_.counters_.ooo.held_bytes += static_cast<std::int64_t>(bytes) - held_past_rcv_nxt_;
    held_past_rcv_nxt_ = bytes;
}

void Connection::deliver(std::span<const std::uint8_t> data) {
    if (app_closed_) {
        // The application will never read this: tell the peer (as Linux does).
        send_reset(RstSent::unread_data);
        close_with(CloseReason::unread_data);
        return;
    }
    if (!recv_buffer_.empty() || handler_ == nullptr) {
        recv_buffer_.append(data);  // the advertised window guarantees room
        return;
    }
    std::size_t consumed = std::min(handler_->on_data(*this, data), data.size());
    if (state_ == State::closed || app_closed_ || consumed == data.size()) return;
    recv_buffer_.append(data.subspan(consumed));
}

void Connection::on_fin() {
    peer_fin_ = true;
    rcv_nxt_ += 1;
    ack_now_ = true;
    if (state_ == State::established) set_state(State::close_wait);
    else if (state_ == State::fin_wait_1 && !our_fin_acked()) set_state(State::closing);  // S21
    // The application hears of the end of the peer's data in every state,
    // also after its own shutdown_write() (half-close, S20).
    if (handler_ && app_knows_) handler_->on_peer_closed(*this);
    // FIN-WAIT-1 with our FIN acknowledged (S22) or FIN-WAIT-2 (S18).
    if (in_state(state_, {State::fin_wait_1, State::fin_wait_2})) enter_time_wait();
}

void Connection::take_timestamp(const TcpHeader& h) {
    // RFC 7323 4.3: remember TSval of in-order segments to echo and for PAWS.
    if (ts_enabled_ && h.options.timestamps && h.seq <= rcv_nxt_ &&
        static_cast<std::int32_t>(h.options.timestamps->value - ts_recent_) >= 0)
        ts_recent_ = h.options.timestamps->value;
}

bool Connection::accepts_syn_in_time_wait(const TcpHeader& syn) const {
    // RFC 6191 3: a timestamp newer than the last one seen, or, without
    // timestamps, a sequence number beyond the old connection's.
    if (ts_enabled_ && syn.options.timestamps)
        return static_cast<std::int32_t>(syn.options.timestamps->value - ts_recent_) > 0;
    return syn.seq > rcv_nxt_;
}

// ---------------------------------------------------------------- application calls

std::size_t Connection::send(std::span<const std::uint8_t> data) {
    if (fin_queued_ || !in_state(state_, {State::syn_sent, State::syn_received,
                                          State::established, State::close_wait}))
        return 0;
    std::size_t n = send_buffer_.append(data);
    if (n < data.size()) send_blocked_ = true;
    if (!in_segment_) output();
    return n;
}

std::size_t Connection::send_space() const {
    return fin_queued_ ? 0 : send_buffer_.free_space();
}

void Connection::consume_received(std::size_t n) {
    recv_buffer_.consume(n);
    if (lent_to_app_ == 0) recv_buffer_.release_if_empty();
    // Receiver-side silly window avoidance (RFC 9293 3.8.6.2.2): announce the
    // window only once it can open by a full segment or half the buffer.
    const std::uint32_t opening = receive_window() - advertised_window_bytes();
    const std::uint32_t worth = std::min<std::uint32_t>(snd_mss_, stack_.config().receive_buffer / 2);
    if (is_synchronized(state_) && !peer_fin_ && receive_window() > advertised_window_bytes() &&
        opening >= worth)
        send_ack();
}

void Connection::shutdown_write() {
    if (fin_queued_) return;
    switch (state_) {
        case State::syn_sent:
            close_with(CloseReason::aborted);
            return;
        case State::syn_received:
            fin_queued_ = true;  // sent once established (RFC 9293 3.10.4)
            return;
        case State::established:
            fin_queued_ = true;
            set_state(State::fin_wait_1);
            break;
        case State::close_wait:
            fin_queued_ = true;
            set_state(State::last_ack);
            break;
        default:
            return;
    }
    if (!in_segment_) output();
}

void Connection::close() {
    if (state_ == State::closed || app_closed_) return;
    app_closed_ = true;
    if (recv_buffer_.size() > lent_to_app_) {
        send_reset(RstSent::unread_data);
        close_with(CloseReason::unread_data);
        return;
    }
    shutdown_write();
    if (state_ == State::fin_wait_2) arm(lifetime_timer_, stack_.config().fin_wait_2_timeout);
}

void Connection::abort() {
    if (state_ == State::closed) return;
    if (state_ != State::syn_sent && state_ != State::time_wait) send_reset(RstSent::app_abort);
    close_with(CloseReason::aborted);
}

// ---------------------------------------------------------------- output

std::uint32_t Connection::receive_window() const {
    return stack_.config().receive_buffer - static_cast<std::uint32_t>(recv_buffer_.size());
}

std::uint16_t Connection::advertised_window(bool syn) const {
    std::uint32_t w = syn ? receive_window() : receive_window() >> rcv_wscale_;
    return static_cast<std::uint16_t>(std::min<std::uint32_t>(w, 0xffff));
}

std::uint32_t Connection::ts_now() const { return stack_.ts_clock(); }

void Connection::emit(std::uint8_t flags, SeqNum seq, ByteRing::Pieces payload, bool syn_options) {
    OutSegment o;
    o.tuple = tuple_;
    TcpHeader& h = o.header;
    h.src_port = tuple_.local_port;
    h.dst_port = tuple_.remote_port;
    h.seq = seq;
    h.flags = flags;
    if (flags & flag::ack) h.ack = rcv_nxt_;
    h.window = advertised_window(syn_options);
    // The right edge we offer never moves back (RFC 9293 3.8.6.2.2).
    rcv_adv_ = seq_max(rcv_adv_, rcv_nxt_ + (std::uint32_t{h.window} << (syn_options ? 0 : rcv_wscale_)));
    if (syn_options) {
        const StackConfig& cfg = stack_.config();
        h.options.mss = cfg.mss;
        // A SYN offers what we support; a SYN-ACK only what the peer offered.
        bool offer_ws = state_ == State::syn_sent ? cfg.window_scaling
                                                  : cfg.window_scaling && snd_wscale_ + rcv_wscale_ > 0;
        if (offer_ws) h.options.window_scale = rcv_wscale_;
        h.options.sack_permitted = sack_enabled_;
    }
    if (ts_enabled_) h.options.timestamps = net::TcpTimestamps{ts_now(), (flags & flag::ack) ? ts_recent_ : 0};
    o.payload_first = payload.first;
    o.payload_second = payload.second;
    if (flags & flag::ack) {
        unacked_segments_ = 0;
        ack_now_ = false;
        cancel(delayed_ack_timer_);
    }
    stack_.emit(o);
}

void Connection::send_control(std::uint8_t flags, SeqNum seq) { emit(flags, seq, {}, false); }

void Connection::send_challenge_ack() {
    if (!stack_.challenge_ack_allowed()) {
        TcpCounters::bump(stack_.counters_.dropped, SegmentDrop::challenge_rate_limited);
        return;
    }
    ++stack_.counters_.challenge_acks;
    send_ack();
}

void Connection::send_reset(RstSent why) {
    TcpCounters::bump(stack_.counters_.rst_sent, why);
    send_control(flag::rst | flag::ack, snd_max_);  // as send_ack()
}

void Connection::output() {
    if (!in_state(state_, {State::established, State::close_wait, State::fin_wait_1,
                           State::closing, State::last_ack}))
        return;
    const std::uint32_t mss = effective_mss();
    const std::uint32_t buffered = static_cast<std::uint32_t>(send_buffer_.size());
    for (;;) {
        std::uint32_t offset = static_cast<std::uint32_t>(snd_nxt_ - send_buffer_seq_);
        if (offset >= buffered) break;
        std::uint32_t unsent = buffered - offset;
        std::uint32_t flight = static_cast<std::uint32_t>(snd_nxt_ - snd_una_);
        std::uint32_t wnd = std::min(snd_wnd_, recovery_.in_recovery()
                                                   ? recovery_.send_window(cc_.cwnd(), mss)
                                                   : cc_.cwnd());
        if (flight >= wnd) break;
        std::uint32_t len = std::min({unsent, mss, wnd - flight});
        // Sender-side silly window avoidance (RFC 9293 3.8.6.2.1), Nagle off.
        if (len < mss && len < unsent && len < max_snd_wnd_ / 2) break;
        bool last = offset + len == buffered;
        std::uint8_t flags = flag::ack | (last ? flag::psh : 0);
        if (last && fin_queued_ && !fin_sent_) flags |= flag::fin;
        bool retransmission = snd_nxt_ < snd_max_;
        if (retransmission) ++stack_.counters_.retransmits;
        else if (!rtt_timing_ && !ts_enabled_) {
            rtt_timing_ = true;
            rtt_seq_ = snd_nxt_ + len;
            rtt_sent_at_ = stack_.now();
        }
        emit(flags, snd_nxt_, send_buffer_.peek(offset, len), false);
        snd_nxt_ += len;
        if (flags & flag::fin) {
            fin_sent_ = true;
            snd_nxt_ += 1;
        }
        snd_max_ = seq_max(snd_max_, snd_nxt_);
    }
    if (fin_queued_ && !fin_sent_ && snd_nxt_ == send_buffer_seq_ + buffered) {
        emit(flag::fin | flag::ack, snd_nxt_, {}, false);
        fin_sent_ = true;
        snd_nxt_ += 1;
        snd_max_ = seq_max(snd_max_, snd_nxt_);
    }
    // Something unacknowledged, or data waiting for a closed window (persist).
    bool waiting = snd_nxt_ != snd_una_ ||
                   static_cast<std::uint32_t>(snd_nxt_ - send_buffer_seq_) < buffered;
    if (waiting && !retransmit_timer_.armed()) arm_retransmit();
}

std::uint32_t Connection::effective_mss() const {
    // RFC 6691: the MSS counts no options, so the timestamp option comes off it.
    return snd_mss_ - (ts_enabled_ ? kTimestampOptionLen : 0);
}

void Connection::resend_oldest() {
    ++stack_.counters_.retransmits;
    const std::uint32_t mss = effective_mss();
    const std::uint32_t offset = static_cast<std::uint32_t>(snd_una_ - send_buffer_seq_);
    ByteRing::Pieces piece = send_buffer_.peek(offset, mss);
    const bool fin = fin_sent_ && snd_una_ + static_cast<std::uint32_t>(piece.size()) + 1 == snd_max_;
    emit(flag::ack | (fin ? flag::fin : 0), snd_una_, piece, false);
}

void Connection::flush_ack() {
    // RFC 1122 4.2.3.2 / RFC 5681 4.2: at once when something demands it or a
    // second segment is unacknowledged, else within the delayed-ACK time.
    if (ack_now_ || unacked_segments_ >= 2) {
        send_ack();
    } else if (unacked_segments_ > 0 && !delayed_ack_timer_.armed()) {
        arm(delayed_ack_timer_, stack_.config().delayed_ack);
    }
}

// ---------------------------------------------------------------- timers

void Connection::arm(ConnectionTimer& t, Duration after) { stack_.timers_.arm(t, stack_.now() + after); }
void Connection::cancel(ConnectionTimer& t) { stack_.timers_.cancel(t); }
void Connection::arm_retransmit() { arm(retransmit_timer_, rtt_.rto()); }

void Connection::on_timer(TimerKind kind) {
    switch (kind) {
        case TimerKind::retransmit:
            retransmit_timeout();
            break;
        case TimerKind::delayed_ack:
            if (unacked_segments_ > 0) send_ack();
            break;
        case TimerKind::lifetime:
            if (state_ == State::time_wait) close_with(CloseReason::normal);
            else if (state_ == State::fin_wait_2 && app_closed_)
                close_with(CloseReason::fin_wait_2_timeout);
            else if (in_state(state_, {State::established, State::close_wait, State::fin_wait_2}))
                keepalive_timeout();
            break;
    }
}

void Connection::keepalive_timeout() {
    // RFC 9293 3.8.4 / RFC 1122 4.2.3.6. The timer is not moved on every
    // segment: when it fires early relative to the last arrival it re-arms
    // for the remainder, which keeps the per-segment path free of timer work.
    const StackConfig& cfg = stack_.config();
    const Duration idle = stack_.now() - last_received_at_;
    if (idle < cfg.keepalive_idle && keepalive_probes_sent_ == 0) {
        arm(lifetime_timer_, cfg.keepalive_idle - idle);
        return;
    }
    if (keepalive_probes_sent_ > 0 && idle < cfg.keepalive_interval) {
        keepalive_probes_sent_ = 0;  // the peer answered the last probe
        arm(lifetime_timer_, cfg.keepalive_idle - idle);
        return;
    }
    if (keepalive_probes_sent_ >= cfg.keepalive_probes) {
        send_reset(RstSent::keepalive_timeout);
        close_with(CloseReason::keepalive_timeout);
        return;
    }
    // A probe: one byte below SND.UNA and no data, so the peer must answer with an ACK.
    ++keepalive_probes_sent_;
    send_control(flag::ack, snd_una_ - 1);
    arm(lifetime_timer_, cfg.keepalive_interval);
}

void Connection::retransmit_timeout() {
    const StackConfig& cfg = stack_.config();
    std::uint8_t limit = state_ == State::syn_sent       ? cfg.syn_retries
                         : state_ == State::syn_received ? cfg.synack_retries
                                                         : cfg.data_retries;
    if (++retries_ > limit) {
        close_with(state_ == State::syn_sent       ? CloseReason::connect_timeout
                   : state_ == State::syn_received ? CloseReason::handshake_timeout
                                                   : CloseReason::retransmit_timeout);
        return;
    }
    rtt_.back_off();  // RFC 6298 (5.5)
    rtt_timing_ = false;  // Karn: never time a retransmitted segment
    ++stack_.counters_.retransmits;
    if (state_ == State::syn_sent) {
        emit(flag::syn, iss_, {}, true);
    } else if (state_ == State::syn_received) {
        emit(flag::syn | flag::ack, iss_, {}, true);
    } else {
        const std::uint32_t buffered = static_cast<std::uint32_t>(send_buffer_.size());
        const bool persist = snd_una_ == snd_nxt_ && snd_wnd_ == 0 &&
                             static_cast<std::uint32_t>(snd_nxt_ - send_buffer_seq_) < buffered;
        if (persist) {
            // RFC 9293 3.8.6.1: probe a zero window with one byte of new data.
            std::uint32_t offset = static_cast<std::uint32_t>(snd_nxt_ - send_buffer_seq_);
            emit(flag::ack, snd_nxt_, send_buffer_.peek(offset, 1), false);
            snd_nxt_ += 1;
            snd_max_ = seq_max(snd_max_, snd_nxt_);
        } else {
            // RFC 5681 3.1 (4): after a timeout, ssthresh comes down (on the
            // first timeout of a run) and cwnd restarts at one segment; resend
            // from the first unacknowledged byte.
            --stack_.counters_.retransmits;  // output() counts each resent segment
            ++stack_.counters_.recovery.timeouts;
            if (retries_ == 1) ++stack_.counters_.recovery.cwnd_reductions;
            cc_.on_timeout(static_cast<std::uint32_t>(snd_max_ - snd_una_), retries_ == 1);
            recovery_.on_timeout(snd_max_);
            snd_nxt_ = snd_una_;
            fin_sent_ = false;
            output();
        }
    }
    arm_retransmit();
}

// ---------------------------------------------------------------- state

void Connection::set_state(State s) {
    auto& gauge = stack_.counters_.in_state;
    --gauge[static_cast<std::size_t>(state_)];
    ++gauge[static_cast<std::size_t>(s)];
    state_ = s;
}

bool Connection::our_fin_acked() const { return fin_sent_ && snd_una_ == snd_max_; }

void Connection::enter_fin_wait_2() {
    set_state(State::fin_wait_2);
    if (app_closed_) arm(lifetime_timer_, stack_.config().fin_wait_2_timeout);
}

void Connection::enter_time_wait() {
    set_state(State::time_wait);
    cancel(retransmit_timer_);
    arm(lifetime_timer_, 2 * stack_.config().msl);
    // The application is done with this connection; TIME-WAIT is the stack's.
    if (app_knows_ && handler_) {
        ConnectionHandler* h = handler_;
        handler_ = nullptr;
        app_knows_ = false;
        h->on_closed(*this, CloseReason::normal);
    }
}

void Connection::leave_syn_queue() {
    if (!counted_half_open_) return;
    counted_half_open_ = false;
    --listener_->half_open;
    --stack_.counters_.handshake.syn_queue;
}

void Connection::close_with(CloseReason why) {
    if (state_ == State::closed) return;
    cancel(retransmit_timer_);
    cancel(delayed_ack_timer_);
    cancel(lifetime_timer_);
    if (listener_) {
        leave_syn_queue();
        if (in_accept_queue_) stack_.dequeue_accept(*listener_, *this);
        listener_ = nullptr;
    }
    set_state(State::closed);
    TcpCounters::bump(stack_.counters_.closed, why);
    if (app_knows_ && handler_) {
        ConnectionHandler* h = handler_;
        handler_ = nullptr;
        h->on_closed(*this, why);
    }
    stack_.retire(*this);
}

}  // namespace synline::tcp
