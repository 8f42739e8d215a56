// One worker lcore's run-to-completion loop over its own RX/TX queue pair:
// receive a burst, take each frame through Ethernet, ARP, IPv4, ICMP and TCP
// on this core, let the stack answer, run due timers, transmit the batch.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "engine/arp_cache.hpp"
#include "engine/capture_ring.hpp"
#include "net/arp.hpp"
#include "engine/interface.hpp"
#include "engine/lcore_runner.hpp"
#include "engine/stats.hpp"
#include "engine/steering.hpp"
#include "engine/tsc_clock.hpp"
#include "engine/worker_io.hpp"
#include "net/ipv4.hpp"
#include "tcp/segment_sink.hpp"
#include "tcp/segment_writer.hpp"
#include "tcp/siphash.hpp"
#include "tcp/stack.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace synline::engine {

struct WorkerSetup {
    std::uint16_t port_id = 0;
    std::uint16_t queue_id = 0;
    rte_mempool* pool = nullptr;
    Interface iface;
    bool rx_checksum_offload = false;  // trust the NIC's IPv4/TCP checksum verdicts
    bool tx_checksum_offload = false;  // let the NIC fill IPv4/TCP checksums
    tcp::StackConfig stack;
    tcp::SipKey secret;
    // Where copies of received / sent frames go (engine/capture_ring.hpp);
    // nullptr: none. The same ring may take both.
    CaptureRing* capture_rx = nullptr;
    CaptureRing* capture_tx = nullptr;
    // With several workers: the channels between them (engine/steering.hpp),
    // this worker's index, and whether queue_id is its own queue pair (else
    // the queue of the worker that receives and sends for it).
    SteerFabric* fabric = nullptr;
    unsigned index = 0;
    bool own_queue = true;
};

class Worker final : private tcp::SegmentSink {
public:
    static constexpr std::uint16_t kBurst = 32;

    explicit Worker(const WorkerSetup& setup);
    ~Worker() override;
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Runs until `stop` is requested, then keeps answering until the link is
    // quiet (50 ms, at most 1 s). Announces our address first (gratuitous
    // ARP). `each_iteration`, when given, runs once per loop (tools that act
    // at a given time use it; servers leave it empty).
    void run(const StopFlag& stop, const std::function<void(tcp::Stack&)>& each_iteration = {});
    // One loop iteration: returns the number of frames received.
    unsigned poll_once();
    // Raw frame access for tools (engine/worker_io.hpp); set before run(),
    // on the worker's lcore. nullptr: every frame goes to the stack.
    void set_frame_tap(FrameTap* tap) { tap_ = tap; }
    // Takes frames through the whole receive path as if they had just been
    // received (ownership passes to the worker), runs due timers and flushes
    // the replies to the port. poll_once() uses it; benchmarks feed it directly
    // and measure it as a whole, so it stays a function of its own (one call
    // per burst) even where link-time optimisation would inline it.
    [[gnu::noinline]] void process(std::span<rte_mbuf* const> frames);

    tcp::Stack& stack() { return *stack_; }
    const StatsBoard& board() const { return board_; }
    void publish_stats() { board_.publish(counters_, stack_->counters(), stack_->connection_count()); }

private:
    void drain();  // after a stop request: poll until the link is quiet
    // With steering (worker_steer.cpp): the frames of this worker's queue
    // that are homed here and those others handed to it, in `rx`.
    std::uint16_t receive_steered(std::array<rte_mbuf*, kBurst>& rx);
    void process_burst(std::span<rte_mbuf* const> frames, tcp::Instant now);  // at most kBurst
    void prefetch_flow_of(const rte_mbuf* m);
    void count_rx(const rte_mbuf* m);
    bool addressed_to_us(const std::uint8_t* frame) const;  // its destination: our MAC or broadcast
    // A received frame this burst is done with: freed, with the others, in
    // one rte_pktmbuf_free_bulk at the end of the burst (a free one by one
    // was a tenth of a dropped frame's cost). Its bytes stay valid until then.
    void release(rte_mbuf* m);
    void drop(rte_mbuf* m, net::Drop why);  // counts `why`, then release()
    void handle_frame(rte_mbuf* m, tcp::Instant now);
    void handle_arp(rte_mbuf* m, std::span<const std::uint8_t> body, tcp::Instant now);
    void handle_ipv4(rte_mbuf* m, std::span<const std::uint8_t> frame, tcp::Instant now);
    // The SYN fast lane (worker_syn_lane.cpp).
    struct LaneSyn {
        net::Ipv4Addr src;
        net::Ipv4Addr dst;
        net::TcpHeader header;
    };
    // Changes nothing: true when the frame is a valid bare SYN for us (its
    // addresses and parsed header in `out`).
    bool check_lane_syn(const rte_mbuf* m, LaneSyn& out) const;
    // The lane's SYN-ACKs of a burst, written over their SYNs' frames but for
    // their cookies, whose last AES blocks run together when the batch is
    // sent (SynCookies::draft_isn()): one after another they overlap, where
    // one inside each SYN's path stalled the lane.
    struct LaneBatch {
        std::array<rte_mbuf*, kBurst> frames;
        std::array<tcp::SynCookies::IsnDraft, kBurst> isns;
        std::size_t count = 0;
    };
    // Then: writes the stack's cookie SYN-ACK over the frame, but for the
    // cookie, adds it to the batch and counts the frame as received; false,
    // having done nothing, when the stack would rather take the segment (its
    // listener keeps state, or a connection owns its 4-tuple).
    bool batch_lane_syn(rte_mbuf* m, const LaneSyn& syn, tcp::Instant now, LaneBatch& batch);
    // Finishes the batch's cookies together, puts each in its SYN-ACK and
    // queues them in the order of their frames. Called before any frame goes
    // the general way, so replies leave in the order of what they answer.
    void send_lane_synacks(LaneBatch& batch);
    bool tcp_checksum_ok(const rte_mbuf* m, net::Ipv4Addr src, net::Ipv4Addr dst,
                         std::span<const std::uint8_t> segment) const;
    // Hands a validated segment to the stack, with the frame's sender as the
    // link-layer peer of the replies and its mbuf free for the first of them.
    void deliver_tcp(rte_mbuf* m, net::Ipv4Addr src, net::Ipv4Addr dst, const net::TcpSegmentView& seg,
                     tcp::Instant now);
    // A direct mbuf no one else references: its bytes may be rewritten.
    static bool exclusively_ours(const rte_mbuf* m);
    // The NIC's checksum verdicts when rx offload is on, else unknown.
    net::ChecksumVerdict rx_ip_checksum(const rte_mbuf* m) const;
    net::ChecksumVerdict rx_l4_checksum(const rte_mbuf* m) const;
    // Marks `m` for tx checksum offload when the port has it.
    tcp::ChecksumFill tx_checksum_fill(rte_mbuf* m) const;
    // Who fills the checksums of what this worker sends.
    tcp::ChecksumFill tx_fill() const {
        return setup_.tx_checksum_offload ? tcp::ChecksumFill::offload : tcp::ChecksumFill::software;
    }
    void reply_echo(rte_mbuf* m, std::span<std::uint8_t> frame, std::size_t ip_header_len);
    void send_arp(net::ArpOp op, const net::MacAddr& dst_mac, net::Ipv4Addr target_ip,
                  const net::MacAddr& target_mac);
    // Capture (worker_capture.cpp), reached by one branch per burst and per
    // tx flush. Copies what fits of `frames` (at most kBurst) into the ring's
    // next slots, stamped `at`; then publishes the first `count` of them,
    // counting those that did not fit.
    struct CaptureBatch {
        std::array<CaptureHeader, kBurst> headers;
        std::size_t copied = 0;
    };
    [[gnu::cold]] void capture_copy(CaptureRing& ring, std::span<rte_mbuf* const> frames, tcp::Instant at,
                                    CaptureBatch& batch);
    [[gnu::cold]] void capture_publish(CaptureRing& ring, const CaptureBatch& batch, std::size_t count);
    void send(const tcp::OutSegment& seg) override;  // tcp::SegmentSink
    void queue_tx(rte_mbuf* m);
    void flush_tx();
    // Frames whose next hop is being resolved wait here (a few, briefly), so
    // the first SYN to a new neighbour is not lost to ARP.
    void park_for_arp(rte_mbuf* m, net::Ipv4Addr next_hop, tcp::Instant now);
    void release_parked(net::Ipv4Addr ip, const net::MacAddr& mac);
    void expire_parked(tcp::Instant now);

    WorkerSetup setup_;
    TscClock clock_;
    ArpCache arp_;
    WorkerCounters counters_;
    StatsBoard board_;
    std::unique_ptr<tcp::Stack> stack_;
    std::array<rte_mbuf*, kBurst> tx_{};
    std::uint16_t tx_count_ = 0;
    std::uint16_t ip_id_ = 0;
    FrameTap* tap_ = nullptr;
    std::unique_ptr<Steering> steer_;  // with several workers only
    struct Parked {
        rte_mbuf* frame;
        net::Ipv4Addr next_hop;
        tcp::Instant since;
    };
    static constexpr std::size_t kMaxParked = 64;
    std::array<Parked, kMaxParked> parked_{};
    std::size_t parked_count_ = 0;
    // While a received frame is processed, replies to its sender reuse its
    // source MAC: no ARP lookup on the request/response path.
    net::Ipv4Addr current_peer_ip_;
    net::MacAddr current_peer_mac_;
    bool have_current_peer_ = false;
    // The received mbuf the next send() may reuse for its reply, if any.
    rte_mbuf* reply_buffer_ = nullptr;
    // Frames of the current burst released for freeing (each at most once).
    std::array<rte_mbuf*, kBurst> released_{};
    std::uint16_t released_count_ = 0;
};

}  // namespace synline::engine
