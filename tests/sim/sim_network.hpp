// A deterministic network of tcp::Stacks in one process.
//
// Each stack has an IPv4 address. What a stack sends is serialised to real
// bytes (IPv4 header, TCP header with options, payload, correct checksums), put
// on the directed link to the destination's stack, and on delivery parsed back
// with the same validation the engine uses (parse_ipv4, verify_tcp_checksum,
// parse_tcp) before Stack::input(). A packet to a stack's own address loops back
// to it. Delivery always goes through the event queue, never from inside a
// SegmentSink, so a stack is never re-entered.
//
// The network owns the virtual clock and the event queue (ordered by time, then
// by insertion). Stepping moves to the next delivery or one step (1 ms) ahead,
// whichever is sooner, and at every step delivers what is due and then calls
// advance(now) on every stack: timers fire at most one step late. All random
// decisions come from one std::mt19937_64 seeded by SimConfig::seed.
//
// Every delivered or dropped segment is recorded in trace(), which prints like
// tcpdump; exchange() gives the delivered segments with relative sequence
// numbers, for tests that assert the exact dialogue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "net/ipv4_addr.hpp"
#include "net/seq_num.hpp"
#include "net/tcp_header.hpp"
#include "sim_link.hpp"
#include "state_tracer.hpp"
#include "tcp/segment_sink.hpp"
#include "tcp/stack.hpp"
#include "tcp/stack_config.hpp"
#include "virtual_clock.hpp"

namespace synline::sim {

struct SimConfig {
    std::uint64_t seed = 1;
    // Not zero, so that no timestamp or instant is accidentally zero.
    tcp::Instant start{std::chrono::seconds(1)};
    tcp::Duration step = std::chrono::milliseconds(1);  // the longest time jump
    LinkConfig link;                                    // default for every pair of stacks
    LinkConfig loopback{std::chrono::microseconds(10)}; // a stack to itself
    bool trace = true;                                  // record trace() entries
};

enum class Fate : std::uint8_t {
    delivered,
    lost,            // the link's loss probability
    filtered,        // the test's drop filter
    no_route,        // no stack has the destination address
    malformed,       // failed IPv4/TCP parsing or a checksum on arrival (a simulator bug)
};
std::string_view to_string(Fate f);

inline constexpr std::size_t kNoNode = static_cast<std::size_t>(-1);

// One segment on the wire, as the trace and the drop filter see it.
struct TraceEntry {
    tcp::Instant at;        // delivery time; send time for a segment that was dropped
    tcp::Instant sent_at;
    NodeId from = kNoNode;
    NodeId to = kNoNode;    // kNoNode when unroutable
    net::Ipv4Addr src_ip, dst_ip;
    std::uint16_t src_port = 0, dst_port = 0;
    std::uint8_t flags = 0;
    net::SeqNum seq, ack;
    std::uint16_t window = 0;
    std::uint32_t len = 0;  // payload bytes
    net::TcpOptions options;  // as sent (MSS, window scale, SACK-permitted, timestamps)
    Fate fate = Fate::delivered;
    bool duplicate = false; // the link's second copy

    bool has(std::uint8_t f) const { return (flags & f) != 0; }
    bool dropped() const { return fate != Fate::delivered; }
};

// tcpdump's flag notation: "S", "S.", ".", "P.", "F.", "FP.", "R", "R." ...
std::string flags_string(std::uint8_t flags);

class SimNetwork {
public:
    explicit SimNetwork(SimConfig config = {});
    ~SimNetwork();
    SimNetwork(const SimNetwork&) = delete;
    SimNetwork& operator=(const SimNetwork&) = delete;

    // Adds a stack; its SipKey (hence its ISNs) derives from the seed and its id.
    NodeId add_stack(std::string name, net::Ipv4Addr ip, const tcp::StackConfig& config = {});
    tcp::Stack& stack(NodeId n) { return *nodes_.at(n)->stack; }
    net::Ipv4Addr ip(NodeId n) const { return nodes_.at(n)->ip; }
    const std::string& name(NodeId n) const { return nodes_.at(n)->name; }
    std::size_t node_count() const { return nodes_.size(); }

    // The link from `from` to `to` (one direction); replaces the default.
    void set_link(NodeId from, NodeId to, const LinkConfig& link);
    void set_links_both_ways(NodeId a, NodeId b, const LinkConfig& link);
    // Called for every segment before the link decides; true drops it
    // (Fate::filtered). The entry's `at` is the send time.
    void set_drop_filter(std::function<bool(const TraceEntry&)> filter) { filter_ = std::move(filter); }
    // Sees every trace entry as it is recorded (delivered or dropped), even
    // with SimConfig::trace off: for tests that watch the wire live.
    void set_tap(std::function<void(const TraceEntry&)> tap) { tap_ = std::move(tap); }
    // Sees the bytes (an IPv4 packet) of every segment about to be delivered
    // to stack `to`: the fuzz seed tool writes them out.
    using PacketTap = std::function<void(NodeId to, tcp::Instant at, std::span<const std::uint8_t> ipv4)>;
    void set_packet_tap(PacketTap tap) { packet_tap_ = std::move(tap); }

    // Puts a hand-made segment on the wire as if `from` had sent it to `dst`.
    void inject(NodeId from, net::Ipv4Addr dst, const net::TcpHeader& header,
                std::span<const std::uint8_t> payload = {});
    // The same with a forged IPv4 source address `src` (spoofing, S17): the
    // packet travels on the link from `via` to the destination's stack, and
    // whatever the destination answers goes to `src` (no route unless a stack
    // has that address).
    void inject_spoofed(NodeId via, net::Ipv4Addr src, net::Ipv4Addr dst, const net::TcpHeader& header,
                        std::span<const std::uint8_t> payload = {});

    // ---- time ----
    tcp::Instant now() const { return clock_.now(); }
    tcp::Duration elapsed() const { return clock_.elapsed(); }
    tcp::Instant start() const { return clock_.start(); }
    void run_until(tcp::Instant t);
    void run_for(tcp::Duration d) { run_until(now() + d); }
    // Steps until pred() holds (checked after every step) or `max` has passed.
    bool run_until(const std::function<bool()>& pred, tcp::Duration max);
    // Steps until nothing is in flight and no stack holds a connection, or
    // `max` has passed. True when it got there.
    bool run_until_idle(tcp::Duration max);
    bool idle() const;
    std::size_t in_flight() const { return queue_.size(); }

    // ---- observation ----
    StateTracer& tracer() { return tracer_; }
    const std::vector<TraceEntry>& trace() const { return trace_; }
    // tcpdump-like lines, the last `last_n` entries (all by default) that pass `filter`.
    std::string format(const TraceEntry& e) const;
    std::string dump(std::size_t last_n = static_cast<std::size_t>(-1),
                     const std::function<bool(const TraceEntry&)>& filter = {}) const;
    // Delivered segments as "client>server [S.] seq=0 ack=1 len=0": sequence
    // numbers relative to the sender's ISN and acks to the receiver's (the
    // first SYN of each direction of a 4-tuple), absolute where there is none.
    // With include_dropped, drops are listed too, with " (lost)" and so on.
    std::vector<std::string> exchange(bool include_dropped = false) const;
    LinkStats link_totals() const;
    std::uint64_t malformed() const { return malformed_; }
    std::uint64_t steps() const { return steps_; }

private:
    // Each stack's SegmentSink: hands the segment to the network, which only
    // queues it (no re-entry into any stack).
    class NodeSink : public tcp::SegmentSink {
    public:
        NodeSink(SimNetwork& net, NodeId id) : net_(net), id_(id) {}
        void send(const tcp::OutSegment& seg) override { net_.transmit(id_, seg); }

    private:
        SimNetwork& net_;
        NodeId id_;
    };
    struct Node {
        std::string name;
        net::Ipv4Addr ip;
        std::unique_ptr<NodeSink> sink;
        std::unique_ptr<tcp::Stack> stack;
    };
    struct Event {
        tcp::Instant at;
        std::uint64_t order;  // insertion order breaks ties
        NodeId from;
        NodeId to;
        bool duplicate;
        tcp::Instant sent_at;
        std::vector<std::uint8_t> bytes;  // IPv4 packet
    };
    struct EventLater {
        bool operator()(const Event& a, const Event& b) const {
            return a.at != b.at ? a.at > b.at : a.order > b.order;
        }
    };

    void transmit(NodeId from, const tcp::OutSegment& seg);
    void put_on_wire(NodeId from, net::Ipv4Addr src, net::Ipv4Addr dst, std::vector<std::uint8_t> bytes,
                     TraceEntry entry);
    void step_to(tcp::Instant t);
    void deliver(Event& ev);
    SimLink& link(NodeId from, NodeId to);
    std::optional<NodeId> route(net::Ipv4Addr dst) const;
    void record(const TraceEntry& e);

    SimConfig config_;
    VirtualClock clock_;
    std::mt19937_64 rng_;
    std::vector<std::unique_ptr<Node>> nodes_;
    std::map<std::pair<NodeId, NodeId>, SimLink> links_;
    std::function<bool(const TraceEntry&)> filter_;
    std::function<void(const TraceEntry&)> tap_;
    PacketTap packet_tap_;
    std::vector<Event> queue_;  // a heap under EventLater
    std::uint64_t next_order_ = 0;
    std::uint16_t next_ip_id_ = 1;
    std::vector<TraceEntry> trace_;
    StateTracer tracer_;
    std::uint64_t malformed_ = 0;
    std::uint64_t steps_ = 0;
};

}  // namespace synline::sim
