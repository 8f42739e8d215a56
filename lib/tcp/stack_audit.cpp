// Stack::audit(): the invariants that must hold between two inputs, checked
// by walking every connection. Tests and fuzz targets call it after each step;
// nothing on the data path does.
#include <string>

#include "tcp/stack.hpp"

namespace synline::tcp {

namespace {

std::string about(const Connection& c, const char* what) {
    return std::string(to_string(c.state())) + " connection: " + what;
}

// A ring stays within its limit: size() + free_space() is the limit unless
// size() passed it (free_space() would then wrap).
bool within(const ByteRing& r, std::uint32_t limit) { return r.size() + r.free_space() == limit; }

}  // namespace

std::string Stack::audit() const {
    if (!retired_.empty()) return "retired connections not reaped";
    if (table_.size() != pool_.in_use())
        return "table holds " + std::to_string(table_.size()) + " connections, the pool " +
               std::to_string(pool_.in_use());
    std::array<std::int64_t, kStateCount> in_state{};
    in_state[static_cast<std::size_t>(State::listen)] = static_cast<std::int64_t>(listeners_.size());
    std::string broken;
    table_.for_each([&](const net::FourTuple& key, const Connection* c) {
        if (!broken.empty()) return;
        ++in_state[static_cast<std::size_t>(c->state_)];
        // RFC 9293 3.3.1: SND.UNA <= SND.NXT, and nothing beyond what was sent.
        if (!(key == c->tuple_)) broken = about(*c, "filed under another 4-tuple");
        else if (c->snd_una_ > c->snd_nxt_) broken = about(*c, "snd_una past snd_nxt");
        else if (c->snd_nxt_ > c->snd_max_) broken = about(*c, "snd_nxt past snd_max");
        else if (!within(c->send_buffer_, config_.send_buffer)) broken = about(*c, "send buffer over its limit");
        else if (!within(c->recv_buffer_, config_.receive_buffer)) broken = about(*c, "receive buffer over its limit");
        // What was sent lies in the send buffer, but for a FIN.
        else if (c->snd_max_ - c->send_buffer_seq_ > static_cast<std::int64_t>(c->send_buffer_.size()) + 1)
            broken = about(*c, "sent bytes the send buffer does not hold");
        else if (c->counted_half_open_ && c->state_ != State::syn_received)
            broken = about(*c, "counted half-open outside SYN-RECEIVED");
        else if ((c->counted_half_open_ || c->in_accept_queue_) && !c->listener_)
            broken = about(*c, "queued without a listener");
    });
    if (!broken.empty()) return broken;
    if (in_state != counters_.in_state) return "the per-state gauges disagree with the table";
    std::int64_t half_open = 0, queued = 0;
    for (const auto& l : listeners_) {
        std::uint32_t in_syn_queue = 0;
        table_.for_each([&](const net::FourTuple&, const Connection* c) {
            in_syn_queue += c->listener_ == l.get() && c->counted_half_open_;
        });
        if (in_syn_queue != l->half_open) return "a listener's SYN queue count is off";
        std::uint32_t n = 0;
        const Connection* prev = nullptr;
        for (const Connection* c = l->accept_head; c; prev = c, c = c->accept_next_) {
            if (c->accept_prev_ != prev || !c->in_accept_queue_ || c->listener_ != l.get() || ++n > pool_.in_use())
                return "a listener's accept queue is broken";
        }
        if (prev != l->accept_tail || n != l->accept_queue_len) return "a listener's accept queue length is off";
        if (l->half_open > l->options.syn_backlog) return "a SYN queue over its backlog";
        if (l->options.pull && l->accept_queue_len > l->options.backlog) return "an accept queue over its backlog";
        half_open += l->half_open;
        queued += l->accept_queue_len;
    }
    if (half_open != counters_.handshake.syn_queue) return "the SYN queue gauge is off";
    if (queued != counters_.handshake.accept_queue) return "the accept queue gauge is off";
    return {};
}

}  // namespace synline::tcp
