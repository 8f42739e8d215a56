#include "tcp/stack.hpp"

namespace synline::tcp {

namespace flag = net::tcp_flag;

namespace {

constexpr std::uint16_t kDefaultMss = 536;  // RFC 9293 3.7.1

// The cookie key of rotation period `period`: a PRF of the master key, so
// that all who share the master key agree on every period's key.
SipKey cookie_key(const SipKey& master, std::int64_t period) {
    auto p = static_cast<std::uint64_t>(period);
    return SipKey{siphash24_u64x2(master, p, 1), siphash24_u64x2(master, p, 2)};
}

// The flow table's hash key: a PRF of the stack's secret, like the cookie
// master key, so that neither reveals the other and a simulation with a fixed
// secret stays deterministic.
FlowHashKey flow_hash_key(const SipKey& secret) {
    constexpr std::uint64_t kLabel = 0x666c6f77;  // "flow"
    return FlowHashKey{siphash24_u64x2(secret, kLabel, 1), siphash24_u64x2(secret, kLabel, 2),
                       siphash24_u64x2(secret, kLabel, 3), siphash24_u64x2(secret, kLabel, 4)};
}

std::int64_t rotation_period_of(Instant now, Duration period) {
    return now.since_epoch.count() / period.count();
}

SynCookies make_cookies(const StackConfig& config, const SipKey& master, Instant now) {
    const std::int64_t p = rotation_period_of(now, config.syn_cookie_key_rotation);
    return SynCookies(SynCookieConfig{config.syn_cookie_tick, config.syn_cookie_valid_ticks,
                                      config.syn_cookie_prf},
                      SynCookieKeys(cookie_key(master, p), cookie_key(master, p - 1),
                                    config.syn_cookie_key_rotation,
                                    Instant{p * config.syn_cookie_key_rotation}));
}

// A separate key for cookies when none is configured, so that ISNs and
// cookies never share one.
SipKey default_cookie_master(const SipKey& secret) {
    return SipKey{siphash24_u64x2(secret, 0x636f6f6b6965ull, 1), siphash24_u64x2(secret, 0x636f6f6b6965ull, 2)};
}

}  // namespace

Stack::Stack(const StackConfig& config, SegmentSink& sink, const SipKey& secret, Instant now)
    : config_(config),
      sink_(sink),
      isn_(secret),
      now_(now),
      pool_(config.max_connections),
      table_(config.max_connections, flow_hash_key(secret)),
      timers_(now),
      listener_by_port_(std::make_unique<std::array<Listener*, 65536>>()),
      cookie_master_(config.syn_cookie_master_key.value_or(default_cookie_master(secret))),
      cookies_(make_cookies(config, cookie_master_, now)),
      cookie_synack_shapes_(handshake_window_for(config.receive_buffer), config.mss,
                            window_scale_for(config.receive_buffer)),
      challenge_window_start_(now),
      cookie_rsts_(config.cookie_rst_rate, config.cookie_rst_burst, now),
      next_ephemeral_(static_cast<std::uint16_t>(
          config.ephemeral_port_first +
          secret.k0 % (config.ephemeral_port_last - config.ephemeral_port_first + 1u))) {
    listener_by_port_->fill(nullptr);
}

Stack::~Stack() {
    std::vector<Connection*> live;
    table_.for_each([&](const net::FourTuple&, Connection* c) { live.push_back(c); });
    for (Connection* c : live) pool_.destroy(c);
    reap();
}

bool Stack::listen(std::uint16_t port, ConnectionHandler& handler, ListenOptions options) {
    Listener*& slot = (*listener_by_port_)[port];
    if (slot) return false;
    auto l = std::make_unique<Listener>();
    l->port = port;
    l->handler = &handler;
    l->options = options;
    slot = l.get();
    listeners_.push_back(std::move(l));
    ++counters_.in_state[static_cast<std::size_t>(State::listen)];
    return true;
}

bool Stack::unlisten(std::uint16_t port) {
    Listener*& slot = (*listener_by_port_)[port];
    if (!slot) return false;
    std::vector<Connection*> orphans;  // collected first: abort() edits the table
    table_.for_each([&](const net::FourTuple&, Connection* c) {
        if (c->listener_ == slot) orphans.push_back(c);
    });
    for (Connection* c : orphans) c->abort();
    std::erase_if(listeners_, [&](const auto& l) { return l.get() == slot; });
    slot = nullptr;
    --counters_.in_state[static_cast<std::size_t>(State::listen)];
    reap();
    return true;
}

Connection* Stack::accept(std::uint16_t port) {
    Listener* l = (*listener_by_port_)[port];
    if (!l || !l->accept_head) return nullptr;
    Connection* c = l->accept_head;
    dequeue_accept(*l, *c);
    c->listener_ = nullptr;
    c->app_knows_ = true;
    // Until now nothing was delivered (data waited in the receive buffer).
    c->handler_ = l->handler;
    return c;
}

std::optional<ListenerStats> Stack::listener_stats(std::uint16_t port) const {
    const Listener* l = (*listener_by_port_)[port];
    if (!l) return std::nullopt;
    return ListenerStats{l->half_open, l->options.syn_backlog, l->accept_queue_len,
                         l->options.backlog};
}

std::vector<std::uint16_t> Stack::listening_ports() const {
    std::vector<std::uint16_t> ports;
    for (const auto& l : listeners_) ports.push_back(l->port);
    return ports;
}

void Stack::enqueue_accept(Listener& l, Connection& c) {
    c.accept_prev_ = l.accept_tail;
    c.accept_next_ = nullptr;
    (l.accept_tail ? l.accept_tail->accept_next_ : l.accept_head) = &c;
    l.accept_tail = &c;
    c.in_accept_queue_ = true;
    ++l.accept_queue_len;
    ++counters_.handshake.accept_queue;
    if (l.options.pull) l.options.pull->on_acceptable(l.port);
}

void Stack::dequeue_accept(Listener& l, Connection& c) {
    (c.accept_prev_ ? c.accept_prev_->accept_next_ : l.accept_head) = c.accept_next_;
    (c.accept_next_ ? c.accept_next_->accept_prev_ : l.accept_tail) = c.accept_prev_;
    c.accept_prev_ = c.accept_next_ = nullptr;
    c.in_accept_queue_ = false;
    --l.accept_queue_len;
    --counters_.handshake.accept_queue;
}

Connection* Stack::connect(net::Ipv4Addr local_ip, net::Ipv4Addr remote_ip,
                          std::uint16_t remote_port, ConnectionHandler& handler,
                          std::uint16_t local_port, std::optional<CongestionAlgorithm> cc) {
    if (local_port == 0) {
        auto port = pick_ephemeral_port(local_ip, remote_ip, remote_port);
        if (!port) return nullptr;
        local_port = *port;
    }
    Connection* c = create_connection({local_ip, remote_ip, local_port, remote_port}, &handler);
    if (!c) return nullptr;
    if (cc) c->cc_.select(*cc);
    c->open_active();
    return c;
}

std::optional<std::uint16_t> Stack::pick_ephemeral_port(net::Ipv4Addr local_ip,
                                                        net::Ipv4Addr remote_ip,
                                                        std::uint16_t remote_port) {
    const std::uint32_t first = config_.ephemeral_port_first;
    const std::uint32_t span = config_.ephemeral_port_last - first + 1u;
    for (std::uint32_t i = 0; i < span; ++i) {
        auto port = static_cast<std::uint16_t>(first + (next_ephemeral_ - first + i) % span);
        const bool self_connect = local_ip == remote_ip && port == remote_port;
        const net::FourTuple t{local_ip, remote_ip, port, remote_port};
        if (self_connect || (port_filter_ && !port_filter_(t)) || table_.find(t)) continue;
        next_ephemeral_ = static_cast<std::uint16_t>(first + (port - first + 1u) % span);
        return port;
    }
    return std::nullopt;
}

void Stack::input(net::Ipv4Addr src, net::Ipv4Addr dst, const net::TcpSegmentView& seg,
                  Instant now) {
    now_ = now;
    ++counters_.segments_in;
    const net::TcpHeader& h = seg.header;
    const net::FourTuple t{dst, src, h.dst_port, h.src_port};
    if (Connection* c = table_.find(t)) {
        // RFC 6191: a new incarnation may take over TIME-WAIT, but only when a
        // listener will accept it; otherwise TIME-WAIT answers the SYN itself.
        const bool new_syn = h.has(flag::syn) && !h.has(flag::ack) && !h.has(flag::rst);
        if (c->state() == State::time_wait && new_syn && (*listener_by_port_)[h.dst_port] &&
            c->accepts_syn_in_time_wait(h)) {
            c->close_with(CloseReason::time_wait_reused);  // RFC 6191: a new incarnation
        } else {
            c->on_segment(seg);
            reap();
            return;
        }
    }
    if (Listener* l = (*listener_by_port_)[h.dst_port]) listener_input(*l, t, seg);
    else closed_input(t, seg);
    reap();
}

// RFC 9293 3.10.7.2: SEGMENT ARRIVES in LISTEN.
void Stack::listener_input(Listener& l, const net::FourTuple& t, const net::TcpSegmentView& seg) {
    const net::TcpHeader& h = seg.header;
    // Before any cookie is made or checked, so that both agree on the key.
    rotate_cookie_keys_if_due();
    if (h.has(flag::rst)) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::rst_no_connection);
        return;
    }
    if (h.has(flag::ack)) {
        // Any ACK is bad in LISTEN, unless it returns one of our cookies.
        if (!h.has(flag::syn) && cookie_acks_expected(l)) cookie_ack_input(l, t, seg);
        else reply_reset(t, h, seg.payload.size(), RstSent::no_connection);
        return;
    }
    if (!h.has(flag::syn)) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::listener_not_syn);
        return;
    }
    // RFC 9293 would open and queue the FIN, but no client opens that way:
    // SYN+FIN is a scanner's probe, and answering it (with a cookie, too)
    // tells the scan the port is open.
    if (h.has(flag::fin)) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::syn_fin);
        return;
    }
    const bool queue_full = count_syn(l);
    if (answers_with_cookie(l)) {
        SynCookies::IsnDraft isn;
        CookieSynAck synack = cookie_synack(l, t, h, isn);
        finish_cookies({&isn, 1});
        synack.seq = isn.isn;
        emit(to_out_segment(synack));  // no allocation, no table entry (S17)
        return;
    }
    if (queue_full) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::syn_queue_full);  // never RST (S13)
        return;
    }
    Connection* c = create_connection(t, l.options.pull ? nullptr : l.handler);
    if (!c) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::no_connection_slot);
        return;
    }
    c->open_passive(seg, l);
}

bool Stack::cookie_acks_expected(const Listener& l) const {
    // Only while cookies may be outstanding does an ACK cost a hash (S16); a
    // listener that never needed them answers stray ACKs with RST as usual.
    if (l.options.cookies == SynCookieMode::always) return true;
    if (l.options.cookies == SynCookieMode::off || !l.last_cookie_sent) return false;
    return now_ - *l.last_cookie_sent <
           config_.syn_cookie_tick * static_cast<std::int64_t>(config_.syn_cookie_valid_ticks + 1);
}

bool Stack::stateless_synack(net::Ipv4Addr src, net::Ipv4Addr dst, const net::TcpHeader& syn, Instant now,
                             CookieSynAck& synack, SynCookies::IsnDraft& isn) {
    Listener* l = (*listener_by_port_)[syn.dst_port];
    if (!l || !answers_with_cookie(*l)) return false;
    const net::FourTuple t{dst, src, syn.dst_port, syn.src_port};
    if (table_.find(t)) return false;  // the connection (maybe TIME-WAIT) decides
    // From here on this is input() of the SYN, minus the sink.
    now_ = now;
    ++counters_.segments_in;
    rotate_cookie_keys_if_due();
    count_syn(*l);
    ++counters_.segments_out;
    synack = cookie_synack(*l, t, syn, isn);
    return true;
}

bool Stack::count_syn(const Listener& l) {
    ++counters_.handshake.syns_received;
    const bool queue_full = syn_queue_full(l);
    if (queue_full) ++counters_.handshake.syn_queue_overflows;
    return queue_full;
}

bool Stack::answers_with_cookie(const Listener& l) const {
    return l.options.cookies == SynCookieMode::always ||
           (l.options.cookies == SynCookieMode::on_overflow && syn_queue_full(l));
}

// Inlined into both callers, and with everything it calls inlined into it
// (with LTO, across files): on the SYN fast lane the calls and their
// register saves were ~60 instructions a SYN.
[[gnu::always_inline, gnu::flatten]] inline CookieSynAck Stack::cookie_synack(Listener& l, const net::FourTuple& t,
                                                                              const net::TcpHeader& syn,
                                                                              SynCookies::IsnDraft& isn) {
    // Options beyond the MSS survive only inside the TSval: without timestamps
    // the SYN-ACK offers neither window scaling nor SACK (S16).
    const bool ts = config_.timestamps && syn.options.timestamps.has_value();
    CookieOptions o;
    if (ts && config_.window_scaling) o.window_scale = syn.options.window_scale;
    o.sack_permitted = ts && config_.sack_permitted && syn.options.sack_permitted;
    CookieSynAck out;
    out.shape = &cookie_synack_shapes_.pick(ts, o.sack_permitted, o.window_scale.has_value());
    out.tuple = t;
    isn = cookies_.draft_isn(t, syn.seq, syn.options.mss.value_or(kDefaultMss), now_);
    out.ack = syn.seq + 1;
    if (ts) {
        out.tsval = SynCookies::make_tsval(ts_clock(), o);
        out.tsecr = syn.options.timestamps->value;
    }
    l.last_cookie_sent = now_;
    ++counters_.handshake.synacks_from_cookie;
    return out;
}

void Stack::cookie_ack_input(Listener& l, const net::FourTuple& t, const net::TcpSegmentView& seg) {
    const net::TcpHeader& h = seg.header;
    std::optional<std::uint32_t> tsecr;
    if (h.options.timestamps) tsecr = h.options.timestamps->echo;
    SynCookies::Decoded d = cookies_.check(t, h.seq - 1, h.ack - 1, tsecr, now_);
    if (d.verdict != SynCookies::Verdict::ok) {
        if (d.verdict == SynCookies::Verdict::stale) ++counters_.handshake.cookies_stale;
        else ++counters_.handshake.cookies_bad_hash;
        // RFC 9293 3.10.7.2: any ACK in LISTEN is answered <SEQ=SEG.ACK><CTL=RST>,
        // so a peer whose handshake we never knew (or forgot) learns at once.
        // It costs no state and no second hash; a per-core budget keeps an
        // ACK flood with forged sources from being reflected at them.
        if (cookie_rsts_.take(now_)) reply_reset(t, h, seg.payload.size(), RstSent::bad_cookie);
        else TcpCounters::bump(counters_.dropped, SegmentDrop::cookie_rst_limited);
        return;
    }
    ++counters_.handshake.cookies_validated;
    if (accept_queue_full(l)) {
        ++counters_.handshake.accept_queue_overflows;
        if (l.options.accept_overflow == AcceptOverflow::reset)
            reply_reset(t, h, seg.payload.size(), RstSent::accept_overflow);
        else
            TcpCounters::bump(counters_.dropped, SegmentDrop::accept_queue_full);
        return;
    }
    Connection* c = create_connection(t, l.options.pull ? nullptr : l.handler);
    if (!c) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::no_connection_slot);
        return;
    }
    c->open_from_cookie(seg, d.options, l);
    c->on_segment(seg);
}

void Stack::rotate_cookie_keys_if_due() {
    if (!cookies_.rotation_due(now_)) return;
    const std::int64_t p = rotation_period_of(now_, config_.syn_cookie_key_rotation);
    cookies_.rotate(cookie_key(cookie_master_, p), Instant{p * config_.syn_cookie_key_rotation});
}

// RFC 9293 3.10.7.1: SEGMENT ARRIVES in CLOSED (no connection, no listener).
void Stack::closed_input(const net::FourTuple& t, const net::TcpSegmentView& seg) {
    const net::TcpHeader& h = seg.header;
    if (h.has(flag::rst)) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::rst_no_connection);
        return;
    }
    const bool connection_request = h.has(flag::syn) && !h.has(flag::ack);
    reply_reset(t, h, seg.payload.size(),
                connection_request ? RstSent::no_listener : RstSent::no_connection);
}

void Stack::reply_reset(const net::FourTuple& t, const net::TcpHeader& h, std::size_t payload_len,
                        RstSent why) {
    // RFC 9293 3.10.7.1: take seq from the offending ACK, or acknowledge the
    // whole offending segment when it had no ACK.
    OutSegment o;
    o.tuple = t;
    o.header.src_port = t.local_port;
    o.header.dst_port = t.remote_port;
    if (h.has(flag::ack)) {
        o.header.seq = h.ack;
        o.header.flags = flag::rst;
    } else {
        o.header.seq = net::SeqNum(0);
        o.header.ack = h.seq + static_cast<std::uint32_t>(payload_len) +
                       (h.has(flag::syn) ? 1 : 0) + (h.has(flag::fin) ? 1 : 0);
        o.header.flags = flag::rst | flag::ack;
    }
    TcpCounters::bump(counters_.rst_sent, why);
    emit(o);
}

Connection* Stack::create_connection(const net::FourTuple& t, ConnectionHandler* handler) {
    Connection* c = pool_.create(*this, t, handler);
    if (!c) return nullptr;
    if (!table_.insert(t, c)) {
        pool_.destroy(c);
        return nullptr;
    }
    return c;
}

void Stack::retire(Connection& c) {
    table_.erase(c.tuple());
    retired_.push_back(&c);
}

void Stack::reap_retired() {
    for (Connection* c : retired_) pool_.destroy(c);
    retired_.clear();
}

void Stack::advance(Instant now) {
    now_ = now;
    timers_.advance(now, [](TimerNode& n) {
        auto& t = static_cast<ConnectionTimer&>(n);
        t.owner->on_timer(t.kind);
    });
    reap();
}

void Stack::emit(const OutSegment& seg) {
    ++counters_.segments_out;
    sink_.send(seg);
}

bool Stack::challenge_ack_allowed() {
    if (now_ - challenge_window_start_ >= std::chrono::seconds(1)) {
        challenge_window_start_ = now_;
        challenge_acks_in_window_ = 0;
    }
    if (challenge_acks_in_window_ >= config_.challenge_ack_limit) return false;
    ++challenge_acks_in_window_;
    return true;
}

}  // namespace synline::tcp
