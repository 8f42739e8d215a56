// One worker's load generator: a ConnectionHandler for every connection it
// opens on its core's Stack, driven once per loop iteration by step(). It
// keeps plain counters and a latency histogram, and hands the reporter one
// record per second through its Mailbox without a lock or an allocation.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/lockfree/spsc_queue.hpp>

#include "gen_options.hpp"
#include "histogram.hpp"
#include "response_parser.hpp"
#include "syn_flood.hpp"
#include "tcp/connection.hpp"
#include "tcp/connection_handler.hpp"
#include "tcp/stack.hpp"

namespace synline::gen {

enum class ErrorKind : std::uint8_t {
    refused,        // RST in answer to our SYN
    timeout,        // connect (SYN retries exhausted) or response later than --timeout
    reset,          // RST on an established connection
    closed_early,   // the server closed before the full response
    bad_response,   // not HTTP, bad status, bad length
    local,          // no local port or connection slot for a new connection
    count_
};
constexpr std::size_t kErrorKinds = static_cast<std::size_t>(ErrorKind::count_);
const char* to_string(ErrorKind k);

// A loop iteration longer than this is a stall of the generator itself: an
// idle iteration takes well under a microsecond, a full burst of 32 requests
// and responses up to about 50 us on this class of machine.
constexpr std::uint64_t kStallNs = 100'000;

// What happened over an interval (one second, or the whole run).
struct Tally {
    std::uint64_t ok = 0;          // cps: connections with a full response; rps: responses; synflood: SYN-ACKs
    std::uint64_t reflected = 0;   // synflood: our own SYNs back from a reflector (testpmd macswap)
    std::uint64_t started = 0;     // connects (cps), requests (rps), SYNs (synflood)
    std::uint64_t bytes_acked = 0; // bulk: bytes the peer acknowledged
    std::uint64_t bytes_received = 0;
    std::array<std::uint64_t, kErrorKinds> errors{};
    Histogram latency;             // nanoseconds
    // The worker loop did not come round for longer than kStallNs: the
    // generator could not send or time anything then (its CPU was taken from
    // it), so latency it reports near those moments is partly its own.
    std::uint64_t stalls = 0;
    std::uint64_t stalled_ns = 0;
    std::uint64_t longest_stall_ns = 0;

    std::uint64_t error_total() const {
        std::uint64_t s = 0;
        for (auto e : errors) s += e;
        return s;
    }
    void merge(const Tally& o);
};

struct SecondRecord {
    unsigned index = 0;     // 1, 2, ...: the second that ended
    double seconds = 1;     // its length (the last one may be shorter)
    std::uint64_t open = 0; // connections open at its end
    Tally tally;
};

// The only state a worker shares. Seconds go to the reporter through a ring,
// so that publishing one costs the worker a copy: no lock, no allocation, no
// waiting. When the ring is full (the reporter starved for kSeconds seconds)
// that second's live line is lost, not the measurement, which `total` carries.
struct Mailbox {
    static constexpr std::size_t kSeconds = 8;
    boost::lockfree::spsc_queue<SecondRecord, boost::lockfree::capacity<kSeconds>> seconds;
    // Written by the worker when the measurement ends, read once it was joined.
    Tally total;
    double measured_s = 0;
    bool final = false;
};

using Nanos = std::int64_t;
inline Nanos now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

class Generator final : public tcp::ConnectionHandler {
public:
    Generator(const GenOptions& o, unsigned worker, unsigned workers, Mailbox& mailbox);
    Generator(const Generator&) = delete;
    Generator& operator=(const Generator&) = delete;

    tcp::Stack* stack = nullptr;  // set by the worker's setup
    // What this worker's queue must be tapped with (synflood), else nullptr.
    engine::FrameTap* frame_tap() { return syn_flood_.get(); }

    // Once per loop iteration. Returns true once the run and its drain are over.
    bool step();
    // After the workers stopped (e.g. on SIGINT before the end): the totals so far.
    void finish_if_interrupted();

    void on_established(tcp::Connection& c) override;
    std::size_t on_data(tcp::Connection& c, std::span<const std::uint8_t> data) override;
    void on_send_space(tcp::Connection& c) override;
    void on_peer_closed(tcp::Connection& c) override;
    void on_closed(tcp::Connection& c, tcp::CloseReason why) override;

private:
    struct Slot {
        tcp::Connection* conn = nullptr;
        Nanos started = 0;          // connect time (cps), for timeouts and latency
        std::uint64_t pending = 0;  // request bytes not yet queued for sending
        std::uint64_t queued = 0;   // bulk: bytes taken by send()
        std::uint32_t outstanding = 0;  // rps: requests without a response
        std::uint32_t head = 0;         // rps: oldest entry of this slot's send-time ring
        bool in_use = false;
        bool done = false;          // cps: the response is complete
        bool failed = false;        // an error was counted already
        bool peer_closed = false;
        ResponseParser parser;
    };
    enum class Phase : std::uint8_t { idle, run, drain, done };

    std::uint32_t slot_of(const tcp::Connection& c) const {
        return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(c.app_context) - 1);
    }
    std::uint32_t alloc_slot();
    bool open_one(Nanos now);
    void launch(Nanos now);
    void send_due(Nanos now);
    Nanos due_at(std::uint64_t request) const;
    Slot* next_with_room();
    void flood();
    void account_flood();
    void check_timeouts(Nanos now);
    void request(Slot& s, tcp::Connection& c, Nanos timed_from);
    void push(Slot& s, tcp::Connection& c);
    void fill_bulk(Slot& s, tcp::Connection& c);
    void fail(Slot& s, ErrorKind k);
    void complete(Slot& s, Nanos latency);
    void note_loop_gap(Nanos gap);
    std::uint64_t acked_now() const;
    void publish_second(Nanos now, bool last);
    void begin_drain(Nanos now);
    bool drained() const;

    const GenOptions& o_;
    Mailbox& mailbox_;
    std::uint32_t concurrency_;     // this worker's share
    std::uint32_t connections_;
    double rate_ = 0;               // this worker's share, per second
    std::string request_;           // one request's bytes (HTTP, raw pattern or bulk chunk)
    Nanos timeout_;
    Nanos duration_;

    Phase phase_ = Phase::idle;
    Nanos start_ = 0, last_step_ = 0, deadline_ = 0, next_second_ = 0, next_scan_ = 0, drain_until_ = 0;
    unsigned second_index_ = 0;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_;
    std::vector<Nanos> sent_at_;    // rps: pipeline rings, `pipeline` entries per slot
    std::uint32_t open_ = 0;        // slots in use
    std::uint64_t launched_ = 0;    // cps connects, synflood SYNs, rps requests since start (for --rate)
    std::uint32_t next_conn_ = 0;   // rps --rate: where the search for a connection with room starts
    bool may_have_room_ = false;    // rps --rate: false after a search found every connection full
    std::uint64_t acked_closed_ = 0;// bulk: bytes acked on connections already gone
    std::uint64_t acked_at_second_ = 0;
    std::uint64_t rng_;
    std::unique_ptr<SynFlood> syn_flood_;  // synflood: sends the SYNs and counts the replies
    SynFlood::Counts flood_counted_;       // what is already in second_ and total_
    Tally second_, total_;
    bool measuring_ = false;
};

}  // namespace synline::gen
