#include "tcp/stack.hpp"

namespace synline::tcp {

namespace flag = net::tcp_flag;

Stack::Stack(const StackConfig& config, SegmentSink& sink, const SipKey& secret, Instant now)
    : config_(config),
      sink_(sink),
      isn_(secret),
      now_(now),
      pool_(config.max_connections),
      table_(config.max_connections),
      timers_(now),
      listener_by_port_(std::make_unique<std::array<Listener*, 65536>>()),
      challenge_window_start_(now),
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
    // Half-open entries of this listener finish on their own; they must not
    // point at it any more.
    table_.for_each([&](const net::FourTuple&, Connection* c) {
        if (c->listener_ == slot) c->listener_ = nullptr;
    });
    std::erase_if(listeners_, [&](const auto& l) { return l.get() == slot; });
    slot = nullptr;
    --counters_.in_state[static_cast<std::size_t>(State::listen)];
    return true;
}

Connection* Stack::connect(net::Ipv4Addr local_ip, net::Ipv4Addr remote_ip,
                          std::uint16_t remote_port, ConnectionHandler& handler,
                          std::uint16_t local_port) {
    if (local_port == 0) {
        auto port = pick_ephemeral_port(local_ip, remote_ip, remote_port);
        if (!port) return nullptr;
        local_port = *port;
    }
    Connection* c = create_connection({local_ip, remote_ip, local_port, remote_port}, &handler);
    if (c) c->open_active();
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
        if (self_connect || table_.find({local_ip, remote_ip, port, remote_port})) continue;
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
        const bool new_syn = h.has(flag::syn) && !h.has(flag::ack) && !h.has(flag::rst);
        if (c->state() == State::time_wait && new_syn && c->accepts_syn_in_time_wait(h)) {
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
    if (h.has(flag::rst)) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::rst_no_connection);
        return;
    }
    if (h.has(flag::ack)) {
        reply_reset(t, h, seg.payload.size(), RstSent::no_connection);
        return;
    }
    if (!h.has(flag::syn)) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::listener_not_syn);
        return;
    }
    if (l.half_open >= l.options.syn_backlog) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::syn_queue_full);  // never RST (S13)
        return;
    }
    Connection* c = create_connection(t, l.handler);
    if (!c) {
        TcpCounters::bump(counters_.dropped, SegmentDrop::no_connection_slot);
        return;
    }
    c->open_passive(seg, l);
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

void Stack::reap() {
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
