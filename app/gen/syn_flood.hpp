// synline-gen's SYN flood on one worker: SYNs from spoofed sources written
// from a template straight onto the worker's queue (engine/worker_io.hpp), in
// bursts, at a given rate or as fast as the queue takes them; the replies that
// come back are counted and freed before the stack sees them (it would only
// drop them: they are addressed to the spoofed sources).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/worker_io.hpp"
#include "gen_options.hpp"
#include "syn_template.hpp"

namespace synline::gen {

class SynFlood final : public engine::FrameTap {
public:
    struct Counts {
        std::uint64_t sent = 0;       // SYNs the queue took
        std::uint64_t synacks = 0;    // valid SYN-ACKs from the target acknowledging one of our SYNs
        std::uint64_t reflected = 0;  // our own SYNs back (a reflector, e.g. testpmd macswap)
        std::uint64_t no_buffer = 0;  // SYNs not sent: the mbuf pool was empty
    };

    // `rate`: this worker's SYNs per second, 0 for as fast as the queue takes them.
    SynFlood(const GenOptions& o, double rate, std::uint64_t seed);
    ~SynFlood() override;
    SynFlood(const SynFlood&) = delete;
    SynFlood& operator=(const SynFlood&) = delete;

    void start();  // SYNs from now on (once the target's MAC is known)
    void stop();   // no more SYNs; frames the queue did not take yet are freed
    const Counts& counts() const { return counts_; }

    std::size_t on_receive(std::span<rte_mbuf*> frames) override;
    void on_poll(const engine::WorkerQueue& queue) override;

private:
    static constexpr std::uint16_t kBurst = 32;
    enum class Reply : std::uint8_t { other, synack, reflected };

    Reply classify(const rte_mbuf* m);
    void learn_target_mac(std::span<const std::uint8_t> arp_body);
    void resolve(const engine::WorkerQueue& queue, std::uint64_t now);
    void flood(const engine::WorkerQueue& queue, std::uint64_t now);
    void fill(std::span<rte_mbuf*> burst, net::Ipv4Addr our_ip);
    void drop_unsent();
    bool ours(std::uint32_t addr) const { return (addr & ~host_mask_) == src_base_; }
    // Each SYN's ISN is a keyed hash of its source, so a SYN-ACK proves it
    // answers one of ours (its ACK is that ISN + 1) with nothing stored per SYN.
    std::uint32_t isn_for(std::uint32_t src, std::uint16_t src_port) const;

    const GenOptions& o_;
    const double rate_;
    std::uint64_t rng_;
    const std::uint64_t isn_key_;
    const std::uint32_t host_mask_;  // --src-range: base | (random & host_mask_)
    const std::uint32_t src_base_;
    std::optional<net::MacAddr> target_mac_;  // --target-mac, or learnt by ARP
    net::Ipv4Addr arp_target_;                // the next hop asked for
    std::optional<SynTemplate> template_;     // built at the first poll once the MAC is known
    bool sending_ = false;
    bool replies_backlogged_ = false;  // the last receive burst was full
    std::uint64_t start_tsc_ = 0;
    std::uint64_t built_ = 0;  // SYNs put together (sent, waiting or lost for a buffer): for the rate
    std::uint64_t next_arp_tsc_ = 0;
    std::array<rte_mbuf*, kBurst> unsent_{};  // built, not yet taken by the queue
    std::uint16_t unsent_first_ = 0, unsent_end_ = 0;
    Counts counts_;
};

}  // namespace synline::gen
