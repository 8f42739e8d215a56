// Tunables of one per-core TCP stack. Frozen once the stack is built.
#pragma once

#include <cstdint>
#include <optional>

#include "tcp/congestion/congestion_control.hpp"
#include "tcp/siphash.hpp"
#include "tcp/syn_cookie.hpp"
#include "tcp/time.hpp"

namespace synline::tcp {

struct StackConfig {
    std::uint32_t max_connections = 65536;   // connection slots per core (table and pool size)
    std::uint16_t mss = 1460;                // MSS we advertise (MTU 1500 - 40)
    std::uint32_t receive_buffer = 256 * 1024;  // bytes of window we offer
    std::uint32_t send_buffer = 256 * 1024;     // bytes an application may queue per connection
    bool timestamps = true;                  // RFC 7323
    bool window_scaling = true;              // RFC 7323
    bool sack_permitted = false;             // we do not do SACK recovery yet: do not offer it
    // Receive buffer that out-of-order data may hold past RCV.NXT, over all
    // of a core's connections (each is bounded by its window besides).
    std::uint32_t reassembly_core_limit = 32u << 20;
    std::uint32_t initial_cwnd_segments = 10;  // RFC 6928
    Duration initial_rto = std::chrono::seconds(1);    // RFC 6298 (2.1)
    Duration min_rto = std::chrono::milliseconds(200); // Linux's floor; RFC 6298 (2.4) allows lower than 1 s
    CongestionAlgorithm congestion_control = CongestionAlgorithm::cubic;  // RFC 9438; a listener may override
    Duration max_rto = std::chrono::seconds(120);
    std::uint8_t syn_retries = 6;             // SYN retransmissions before connect fails (S10)
    std::uint8_t synack_retries = 5;          // SYN-ACK retransmissions of a half-open entry
    std::uint8_t data_retries = 15;           // data/FIN retransmissions before giving up
    Duration msl = std::chrono::seconds(30);  // TIME-WAIT lasts 2*MSL (S23)
    Duration fin_wait_2_timeout = std::chrono::seconds(60);  // S24
    Duration delayed_ack = std::chrono::milliseconds(40);    // RFC 1122 4.2.3.2: < 500 ms
    bool keepalive = false;                   // S28: off unless asked for, as sockets do
    Duration keepalive_idle = std::chrono::seconds(7200);
    Duration keepalive_interval = std::chrono::seconds(75);
    std::uint8_t keepalive_probes = 9;
    std::uint32_t challenge_ack_limit = 1000;  // per second per core (RFC 5961 7)
    // RSTs answering ACKs whose SYN cookie does not verify (RFC 9293
    // 3.10.7.2): per second per core on average, and at most this many at
    // once, so that an ACK flood with forged sources is not reflected.
    std::uint32_t cookie_rst_rate = 1000;
    std::uint32_t cookie_rst_burst = 100;
    // SYN cookies (S15): the key of each rotation period is derived from one
    // master key, so every core, and every server given the same master key
    // (a fleet behind ECMP), makes and accepts the same cookies. Default: a
    // per-process key. Instants must then share an epoch (the engine uses
    // the wall clock).
    std::optional<SipKey> syn_cookie_master_key;
    Duration syn_cookie_tick = std::chrono::seconds(64);
    unsigned syn_cookie_valid_ticks = 2;
    CookiePrf syn_cookie_prf = default_cookie_prf();
    Duration syn_cookie_key_rotation = std::chrono::seconds(256);
    std::uint16_t ephemeral_port_first = 32768;  // Linux's default range
    std::uint16_t ephemeral_port_last = 60999;
};

}  // namespace synline::tcp
