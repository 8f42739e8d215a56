// A minimal SYN-cookie responder, the scale the SYN lane's target was set by
// (~29 Mpps, ~416 instructions per SYN on another machine): a baseline that
// synline-bench-syn measures beside engine::Worker in the same run, on the
// same frames and port. It does only what answering a SYN flood correctly
// takes: verify Ethernet, IPv4 and TCP with software checksums, accept the
// one option layout Linux sends in a SYN (MSS, SACK-permitted+TS, NOP+WS),
// make a cookie, rewrite the SYN into its SYN-ACK in place and transmit. No
// ARP, no flow table, no listener table, no other segment.
//
// Its cookie is made by tcp::SynCookies, synline's own, with the PRF the
// bench runs synline with (the target's responder used SipHash-2-4: --prf
// siphash24), so the two differ in everything but the cookie, and
// SynCookies::check() with the same key accepts it; the bench checks that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/tsc_clock.hpp"
#include "net/ipv4_addr.hpp"
#include "tcp/syn_cookie.hpp"

struct rte_mbuf;

namespace synline::bench {

class ReferenceResponder {
public:
    static constexpr std::size_t kBurst = 32;
    // What the SYN-ACK advertises: Ethernet's MSS, a 64 KiB window scaled by 2^7.
    static constexpr std::uint16_t kMss = 1460;
    static constexpr std::uint16_t kWindow = 65535;
    static constexpr std::uint8_t kWindowScale = 7;

    struct Setup {
        std::uint16_t port_id = 0;
        std::uint16_t queue_id = 0;
        net::MacAddr mac;
        net::Ipv4Addr ip;
        std::uint16_t listen_port = 0;
        tcp::SipKey cookie_key;              // used as is: no rotation
        tcp::SynCookieConfig cookie_config;  // tick and PRF
    };

    struct Counters {
        std::uint64_t frames = 0;           // handed to process()
        std::uint64_t synacks = 0;          // written and queued for transmission
        std::uint64_t dropped_invalid = 0;  // not a well-formed SYN for us
        std::uint64_t dropped_options = 0;  // a SYN for us with another option layout
        std::uint64_t tx_failed = 0;        // SYN-ACKs the port did not take (freed)
    };

    explicit ReferenceResponder(const Setup& setup)
        : setup_(setup),
          cookies_(setup.cookie_config, tcp::SynCookieKeys(setup.cookie_key, tcp::Duration::zero(), clock_.now())) {}

    // Answers or frees every frame, as Worker::process does. Not inlined, so
    // that callgrind can count exactly it
    // (--toggle-collect='synline::bench::ReferenceResponder::process(*').
    [[gnu::noinline]] void process(std::span<rte_mbuf* const> frames);

    const Counters& counters() const { return counters_; }
    const Setup& setup() const { return setup_; }

private:
    void process_burst(std::span<rte_mbuf* const> frames, tcp::Instant now, std::uint32_t ts_clock);
    // Rewrites m into its SYN-ACK; false, with m unchanged and the reason
    // counted, when m is to be dropped.
    bool answer(rte_mbuf* m, tcp::Instant now, std::uint32_t ts_clock);

    engine::TscClock clock_;
    Setup setup_;
    tcp::SynCookies cookies_;
    std::uint16_t ip_id_ = 0;
    Counters counters_;
};

}  // namespace synline::bench
