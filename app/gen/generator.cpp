#include "generator.hpp"

#include <algorithm>
#include <cmath>

namespace synline::gen {

namespace {

constexpr Nanos kSecond = 1'000'000'000;
constexpr Nanos kScanInterval = 10'000'000;   // timeouts are checked every 10 ms
constexpr Nanos kDrainLimit = 1'000'000'000;  // then whatever is left is aborted
constexpr unsigned kMaxOpensPerIteration = 32;   // one TX burst of SYNs
constexpr std::size_t kBulkChunk = 64 * 1024;

std::uint32_t share(std::uint32_t total, unsigned worker, unsigned workers) {
    return total / workers + (worker < total % workers ? 1 : 0);
}

}  // namespace

const char* to_string(ErrorKind k) {
    switch (k) {
        case ErrorKind::refused: return "refused";
        case ErrorKind::timeout: return "timeout";
        case ErrorKind::reset: return "reset";
        case ErrorKind::closed_early: return "closed_early";
        case ErrorKind::bad_response: return "bad_response";
        case ErrorKind::local: return "local";
        case ErrorKind::count_: break;
    }
    return "?";
}

void Tally::merge(const Tally& o) {
    ok += o.ok;
    started += o.started;
    bytes_acked += o.bytes_acked;
    bytes_received += o.bytes_received;
    for (std::size_t i = 0; i < kErrorKinds; ++i) errors[i] += o.errors[i];
    latency.merge(o.latency);
    reflected += o.reflected;
    stalls += o.stalls;
    stalled_ns += o.stalled_ns;
    longest_stall_ns = std::max(longest_stall_ns, o.longest_stall_ns);
}

Generator::Generator(const GenOptions& o, unsigned worker, unsigned workers, Mailbox& mailbox)
    : o_(o),
      mailbox_(mailbox),
      concurrency_(std::max<std::uint32_t>(1, share(o.concurrency, worker, workers))),
      connections_(share(o.connections, worker, workers)),
      timeout_(static_cast<Nanos>(o.timeout_s * 1e9)),
      duration_(static_cast<Nanos>(o.duration_s * 1e9)),
      rng_(static_cast<std::uint64_t>(now_ns()) ^ (std::uint64_t{worker} << 48)) {
    if (o.rate) rate_ = *o.rate / workers;
    if (o.mode == Mode::synflood) syn_flood_ = std::make_unique<SynFlood>(o, rate_, rng_);
    if (o.mode == Mode::bulk) {
        request_.resize(kBulkChunk);
        for (std::size_t i = 0; i < request_.size(); ++i) request_[i] = static_cast<char>('a' + i % 26);
    } else if (!o.http) {
        request_.resize(o.request_bytes);
        for (std::size_t i = 0; i < request_.size(); ++i) request_[i] = static_cast<char>('a' + i % 26);
    } else {
        request_ = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + "\r\nUser-Agent: synline-gen\r\n" +
                   (o.mode == Mode::cps ? "Connection: close\r\n" : "") + "\r\n";
    }
    const std::uint32_t slots = o.mode == Mode::cps ? std::min<std::uint32_t>(concurrency_, 4096) : connections_;
    slots_.reserve(slots);
    if (o.mode == Mode::rps) sent_at_.reserve(std::size_t{slots} * o.pipeline);
}

// ---------------------------------------------------------------- slots

std::uint32_t Generator::alloc_slot() {
    std::uint32_t i;
    if (!free_.empty()) {
        i = free_.back();
        free_.pop_back();
    } else {
        i = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
        slots_.back().parser = ResponseParser(o_.http ? 0 : o_.response_bytes);
        if (o_.mode == Mode::rps) sent_at_.resize(sent_at_.size() + o_.pipeline);
    }
    Slot& s = slots_[i];
    s.conn = nullptr;
    s.started = 0;
    s.pending = s.queued = 0;
    s.outstanding = s.head = 0;
    s.in_use = true;
    s.done = s.failed = s.peer_closed = false;
    s.parser.reset();
    ++open_;
    return i;
}

bool Generator::open_one(Nanos now) {
    const std::uint32_t i = alloc_slot();
    tcp::Connection* c = stack->connect(o_.runtime.ip, o_.target_ip, o_.target_port, *this);
    if (!c) {
        slots_[i].in_use = false;
        free_.push_back(i);
        --open_;
        if (measuring_) {
            ++second_.errors[static_cast<std::size_t>(ErrorKind::local)];
            ++total_.errors[static_cast<std::size_t>(ErrorKind::local)];
        }
        return false;
    }
    c->app_context = reinterpret_cast<void*>(std::uintptr_t{i} + 1);
    slots_[i].conn = c;
    slots_[i].started = now;
    return true;
}

// ---------------------------------------------------------------- the loop

bool Generator::step() {
    const Nanos now = now_ns();
    switch (phase_) {
        case Phase::idle:
            start_ = last_step_ = now;
            deadline_ = now + duration_;
            next_second_ = now + kSecond;
            next_scan_ = now + kScanInterval;
            phase_ = Phase::run;
            measuring_ = true;
            [[fallthrough]];
        case Phase::run:
            if (now >= deadline_) {
                publish_second(now, true);
                begin_drain(now);
                return false;
            }
            note_loop_gap(now - last_step_);
            last_step_ = now;
            if (o_.mode == Mode::synflood) flood();
            else launch(now);
            if (o_.mode == Mode::rps && rate_ > 0) send_due(now);
            if (now >= next_scan_) {
                check_timeouts(now);
                next_scan_ = now + kScanInterval;
            }
            if (now >= next_second_) publish_second(now, false);
            return false;
        case Phase::drain:
            if (drained() || now >= drain_until_) {
                for (Slot& s : slots_)
                    if (s.in_use && s.conn) s.conn->abort();  // TIME-WAIT included: nothing is sent
                phase_ = Phase::done;
                return true;
            }
            return false;
        case Phase::done:
            return true;
    }
    return true;
}

void Generator::launch(Nanos now) {
    unsigned budget = kMaxOpensPerIteration;
    if (o_.mode == Mode::cps) {
        if (rate_ > 0) {
            const double due = rate_ * static_cast<double>(now - start_) / 1e9;
            const double behind = due - static_cast<double>(launched_);
            if (behind < 1) return;
            budget = static_cast<unsigned>(std::min<double>(budget, behind));
        }
        while (budget-- > 0 && open_ < concurrency_) {
            if (!open_one(now)) return;
            ++launched_;
            ++second_.started;
            ++total_.started;
        }
    } else {  // rps, bulk: keep `connections_` open, reopening lost ones
        while (budget-- > 0 && open_ < connections_)
            if (!open_one(now)) return;
    }
}

// rps --rate (open loop): request j is due at start + j / rate, whatever
// happened to the ones before it. It goes out on the next connection with
// room, round robin; when every connection is full it waits, and its latency
// still counts from its due time, so a server that falls behind cannot hide
// behind a generator that waited for it (no coordinated omission).
void Generator::send_due(Nanos now) {
    unsigned budget = kMaxOpensPerIteration;  // one TX burst of requests
    while (budget-- > 0 && may_have_room_ && due_at(launched_) <= now) {
        Slot* s = next_with_room();
        if (!s) {
            may_have_room_ = false;  // until a connection opens or a response arrives
            return;
        }
        request(*s, *s->conn, due_at(launched_));
        ++launched_;
    }
}

Nanos Generator::due_at(std::uint64_t request) const {
    return start_ + static_cast<Nanos>(static_cast<double>(request) * 1e9 / rate_);
}

Generator::Slot* Generator::next_with_room() {
    for (std::size_t tried = 0; tried < slots_.size(); ++tried) {
        Slot& s = slots_[next_conn_];
        next_conn_ = static_cast<std::uint32_t>((next_conn_ + 1) % slots_.size());
        if (s.in_use && s.conn && !s.failed && s.outstanding < o_.pipeline &&
            s.conn->state() == tcp::State::established)
            return &s;
    }
    return nullptr;
}

// synflood: the SynFlood tap sends from the worker's poll (raw frames, no
// connections); the generator starts it and books what it did, once a second.
void Generator::flood() { syn_flood_->start(); }

void Generator::account_flood() {
    const SynFlood::Counts& c = syn_flood_->counts();
    for (Tally* t : {&second_, &total_}) {
        t->started += c.sent - flood_counted_.sent;
        t->ok += c.synacks - flood_counted_.synacks;
        t->reflected += c.reflected - flood_counted_.reflected;
        t->errors[static_cast<std::size_t>(ErrorKind::local)] += c.no_buffer - flood_counted_.no_buffer;
    }
    flood_counted_ = c;
}

void Generator::check_timeouts(Nanos now) {
    for (Slot& s : slots_) {
        if (!s.in_use || !s.conn || s.failed) continue;
        bool late = false;
        if (o_.mode == Mode::cps) late = !s.done && now - s.started > timeout_;
        else if (o_.mode == Mode::rps)
            late = s.outstanding > 0 && now - sent_at_[static_cast<std::size_t>(&s - slots_.data()) * o_.pipeline + s.head] > timeout_;
        else late = s.conn->state() == tcp::State::syn_sent && now - s.started > timeout_;
        if (late) {
            fail(s, ErrorKind::timeout);
            s.conn->abort();
        }
    }
}

void Generator::begin_drain(Nanos now) {
    measuring_ = false;
    phase_ = Phase::drain;
    drain_until_ = now + kDrainLimit;
    if (syn_flood_) {
        account_flood();
        syn_flood_->stop();
    }
    mailbox_.total = total_;
    mailbox_.measured_s = static_cast<double>(now - start_) / 1e9;
    mailbox_.final = true;
    // Close what can be closed gracefully; rps connections waiting for a
    // response close when it arrives (on_data).
    for (Slot& s : slots_) {
        if (!s.in_use || !s.conn) continue;
        if (s.conn->state() == tcp::State::syn_sent) s.conn->abort();
        else if (o_.mode == Mode::rps && s.outstanding > 0) continue;
        else if (o_.mode == Mode::cps && !s.done) continue;  // may still finish (not counted)
        else s.conn->close();
    }
}

bool Generator::drained() const {
    for (const Slot& s : slots_)
        if (s.in_use && s.conn && !tcp::in_state(s.conn->state(), {tcp::State::time_wait, tcp::State::closed}))
            return false;
    return true;
}

void Generator::finish_if_interrupted() {
    if (mailbox_.final) return;
    mailbox_.total = total_;
    mailbox_.measured_s = phase_ == Phase::idle ? 0 : static_cast<double>(now_ns() - start_) / 1e9;
    mailbox_.final = true;
}

std::uint64_t Generator::acked_now() const {
    if (o_.mode != Mode::bulk || !stack) return 0;
    const std::uint64_t buffer = stack->config().send_buffer;
    std::uint64_t sum = acked_closed_;
    for (const Slot& s : slots_) {
        if (!s.in_use || !s.conn) continue;
        const std::uint64_t unacked = s.conn->send_space() <= buffer ? buffer - s.conn->send_space() : 0;
        sum += s.queued > unacked ? s.queued - unacked : 0;
    }
    return sum;
}

void Generator::publish_second(Nanos now, bool last) {
    if (syn_flood_) account_flood();
    SecondRecord r;
    r.index = ++second_index_;
    r.seconds = static_cast<double>(now - (next_second_ - kSecond)) / 1e9;
    r.open = open_;
    const std::uint64_t acked = acked_now();
    second_.bytes_acked = acked - acked_at_second_;
    total_.bytes_acked += second_.bytes_acked;
    acked_at_second_ = acked;
    r.tally = second_;
    second_ = Tally{};
    next_second_ += kSecond;
    if (last && r.seconds < 0.05 && r.tally.ok == 0 && r.tally.started == 0) return;
    mailbox_.seconds.push(r);  // false when full: that live line is lost
}

// ---------------------------------------------------------------- operations

void Generator::fail(Slot& s, ErrorKind k) {
    if (s.failed) return;
    s.failed = true;
    if (!measuring_) return;
    ++second_.errors[static_cast<std::size_t>(k)];
    ++total_.errors[static_cast<std::size_t>(k)];
}

void Generator::note_loop_gap(Nanos gap) {
    if (static_cast<std::uint64_t>(gap) <= kStallNs) return;
    for (Tally* t : {&second_, &total_}) {
        ++t->stalls;
        t->stalled_ns += static_cast<std::uint64_t>(gap);
        t->longest_stall_ns = std::max(t->longest_stall_ns, static_cast<std::uint64_t>(gap));
    }
}

void Generator::complete(Slot&, Nanos latency) {
    if (!measuring_) return;
    const auto ns = static_cast<std::uint64_t>(std::max<Nanos>(latency, 0));
    ++second_.ok;
    ++total_.ok;
    second_.latency.record(ns);
    total_.latency.record(ns);
}

// Latency is measured from `timed_from`: now, or under --rate the request's due time.
void Generator::request(Slot& s, tcp::Connection& c, Nanos timed_from) {
    if (o_.mode == Mode::rps) {
        const std::size_t slot = static_cast<std::size_t>(&s - slots_.data());
        sent_at_[slot * o_.pipeline + (s.head + s.outstanding) % o_.pipeline] = timed_from;
        ++s.outstanding;
        if (measuring_) {
            ++second_.started;
            ++total_.started;
        }
    }
    s.pending += request_.size();
    push(s, c);
}

// Queues request bytes until done or the send buffer is full (on_send_space resumes).
void Generator::push(Slot& s, tcp::Connection& c) {
    const std::size_t size = request_.size();
    while (s.pending > 0) {
        const std::size_t pos = (size - s.pending % size) % size;
        const std::size_t chunk = std::min<std::uint64_t>(s.pending, size - pos);
        const std::size_t n =
            c.send({reinterpret_cast<const std::uint8_t*>(request_.data()) + pos, chunk});
        s.pending -= n;
        if (n < chunk) return;
    }
}

void Generator::fill_bulk(Slot& s, tcp::Connection& c) {
    if (phase_ != Phase::run) return;
    for (;;) {
        const std::size_t n = c.send({reinterpret_cast<const std::uint8_t*>(request_.data()), request_.size()});
        s.queued += n;
        if (n < request_.size()) return;
    }
}

void Generator::on_established(tcp::Connection& c) {
    if (!c.app_context) return;
    Slot& s = slots_[slot_of(c)];
    const Nanos now = now_ns();
    switch (o_.mode) {
        case Mode::cps:
            request(s, c, now);
            if (!o_.http && o_.response_bytes == 0 && s.pending == 0) {  // nothing comes back
                s.done = true;
                complete(s, now - s.started);
                c.close();
            }
            break;
        case Mode::rps:
            if (phase_ != Phase::run) {
                c.close();
                break;
            }
            if (rate_ > 0) may_have_room_ = true;  // send_due() will use it
            else
                for (std::uint32_t i = 0; i < o_.pipeline; ++i) request(s, c, now);
            break;
        case Mode::bulk:
            complete(s, now - s.started);  // bulk counts handshakes: connect latency
            fill_bulk(s, c);
            break;
        case Mode::synflood:
            break;
    }
}

std::size_t Generator::on_data(tcp::Connection& c, std::span<const std::uint8_t> data) {
    if (!c.app_context) return data.size();
    const std::size_t size = data.size();
    Slot& s = slots_[slot_of(c)];
    if (measuring_) {
        second_.bytes_received += size;
        total_.bytes_received += size;
    }
    if (o_.mode == Mode::bulk) return size;
    while (!data.empty()) {
        if (s.done || (o_.mode == Mode::rps && s.outstanding == 0)) {
            fail(s, ErrorKind::bad_response);  // bytes nobody asked for
            c.abort();
            return size;
        }
        std::size_t used = 0;
        const ResponseParser::Result r = s.parser.feed(data, used);
        data = data.subspan(used);
        if (r == ResponseParser::Result::need_more) break;
        if (r == ResponseParser::Result::bad ||
            (o_.http && (s.parser.status() < 200 || s.parser.status() >= 400))) {
            fail(s, ErrorKind::bad_response);
            c.abort();
            return size;
        }
        const Nanos now = now_ns();
        const bool server_closes = o_.http && s.parser.server_closes();
        s.parser.reset();
        if (o_.mode == Mode::cps) {
            s.done = true;
            complete(s, now - s.started);
            // The server closes after "Connection: close": wait for its FIN so
            // that TIME-WAIT stays on its side; otherwise close first.
            if (s.peer_closed || !server_closes) c.close();
        } else {
            const std::size_t slot = static_cast<std::size_t>(&s - slots_.data());
            complete(s, now - sent_at_[slot * o_.pipeline + s.head]);
            s.head = (s.head + 1) % o_.pipeline;
            --s.outstanding;
            const bool another = phase_ == Phase::run && !server_closes;
            if (another && rate_ > 0) may_have_room_ = true;  // open loop: send_due() decides when
            else if (another) request(s, c, now);             // closed loop: the next one at once
            else if (s.outstanding == 0) c.close();
        }
        if (c.state() == tcp::State::closed) return size;
    }
    return size;
}

void Generator::on_send_space(tcp::Connection& c) {
    if (!c.app_context) return;
    Slot& s = slots_[slot_of(c)];
    if (o_.mode == Mode::bulk) fill_bulk(s, c);
    else push(s, c);
}

void Generator::on_peer_closed(tcp::Connection& c) {
    if (!c.app_context) return;
    Slot& s = slots_[slot_of(c)];
    s.peer_closed = true;
    // cps: the server closes after its response; anything else is early.
    if (!(o_.mode == Mode::cps && s.done) && phase_ == Phase::run) fail(s, ErrorKind::closed_early);
    c.close();
}

void Generator::on_closed(tcp::Connection& c, tcp::CloseReason why) {
    if (!c.app_context) return;
    const std::uint32_t i = slot_of(c);
    Slot& s = slots_[i];
    switch (why) {
        case tcp::CloseReason::normal:
        case tcp::CloseReason::aborted:
        case tcp::CloseReason::unread_data:
            if (o_.mode == Mode::cps && !s.done && phase_ == Phase::run) fail(s, ErrorKind::closed_early);
            break;
        case tcp::CloseReason::refused: fail(s, ErrorKind::refused); break;
        case tcp::CloseReason::connect_timeout:
        case tcp::CloseReason::retransmit_timeout:
        case tcp::CloseReason::keepalive_timeout: fail(s, ErrorKind::timeout); break;
        default: fail(s, ErrorKind::reset); break;
    }
    if (o_.mode == Mode::bulk) {
        const std::uint64_t buffer = stack->config().send_buffer;
        const std::uint64_t unacked = c.send_space() <= buffer ? buffer - c.send_space() : 0;
        // A normal close means everything was acknowledged.
        acked_closed_ += why == tcp::CloseReason::normal ? s.queued : (s.queued > unacked ? s.queued - unacked : 0);
    }
    c.app_context = nullptr;
    s.conn = nullptr;
    s.in_use = false;
    free_.push_back(i);
    --open_;
}

}  // namespace synline::gen
