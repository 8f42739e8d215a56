// SYN cookies (S13, S15, S16): the listener's stateless answer to a SYN when its
// SYN queue is full (or always, in the "always cookies" mode). Everything the
// server must remember about the half-open connection is folded into the ISN of
// its SYN-ACK, and, when the SYN carried timestamps, into the low bits of the
// SYN-ACK's TSval; the ACK that completes the handshake returns both (ack - 1 is
// our ISN, TSecr echoes our TSval), so the connection can be rebuilt from that ACK
// alone.
//
// Pure functions of (keys, configuration, segment fields, now): no I/O, no clock
// read, no allocation, no exceptions after construction.
//
// Design and where it comes from
// ------------------------------
// - The idea is D. J. Bernstein's (1996): the server picks its ISN as a keyed
//   function of the connection and a slowly moving counter, plus a few bits for
//   the MSS, so that only a peer that really received the SYN-ACK can produce
//   the matching ACK. RFC 4987 section 3.6 describes it as one of the standard
//   SYN-flood defences and names its costs: options that do not fit in the
//   cookie are lost, and the cookie must be computed and checked per packet.
//   Scenario S16 explains why synline keeps the SYN queue as the normal path.
// - Linux (net/ipv4/syncookies.c) is the reference implementation we follow in
//   outline: a 4-entry MSS table {536, 1300, 1440, 1460}; a time counter with a
//   60 s period, of which a cookie is accepted only while the difference between
//   the current and the encoded counter is below MAX_SYNCOOKIE_AGE = 2 (so a
//   cookie lives between one and two periods); SipHash as the keyed function
//   since 2017; and, when timestamps are on, the options that do not fit in the
//   ISN stored in the low 6 bits of TSval (window scale in 4 bits with 0xf for
//   "none", SACK-permitted, ECN), read back from TSecr.
//   Where we differ from Linux, and why:
//     * Linux adds the client's ISN and a second hash outside the PRF, with the
//       counter hidden in the top 8 bits. We feed the whole input, the client's
//       ISN, the full counter AND the MSS index included, to one PRF call and
//       keep the counter's low bits and the MSS index in clear. Every bit of the
//       cookie is therefore authenticated (Linux accepts a cookie whose MSS
//       index was altered to another valid one; we do not), and the validator
//       needs exactly one PRF call per key it tries.
//     * The default tick is 64 s (a power of two of seconds); Linux uses 60 s
//       (TCP_SYNCOOKIE_PERIOD). It is configurable.
//
// Layout of the 32-bit cookie (the ISN of our SYN-ACK)
// ----------------------------------------------------
//     31                                   4   3   2   1   0
//    +--------------------------------------+-------+-------+
//    |  hash: 28 bits of the PRF output     | ctr   | mss   |
//    +--------------------------------------+-------+-------+
//   hash  = bits 63..36 of SipHash-2-4(key, M), where M is 24 bytes:
//             local ip (4) | remote ip (4) | local port (2) | remote port (2)
//             | client ISN (4) | (counter << 2 | mss index) (8),
//           every field little-endian. M has a fixed length and an injective
//           encoding, so no two inputs collide; its 24-byte length also keeps it
//           apart from the 16-byte inputs of the ISN generator should anyone
//           reuse a key.
//   ctr   = counter mod 4, so the validator knows which period to recompute.
//   mss   = index into kCookieMssTable.
// The counter is floor(now / tick). A cookie made at counter c is accepted at
// counter n when n - c < valid_ticks, valid_ticks in 1..3 (default 2, as Linux):
// its lifetime is between (valid_ticks - 1) and valid_ticks ticks, and with the
// 2-bit clear counter an expired cookie is told apart from a live one for up to
// 4 ticks (older ones alias onto a live counter and then fail the hash).
// Concretely, for a cookie made at counter c, instant (c + valid_ticks) * tick - 1ns
// is the last at which it is accepted and (c + valid_ticks) * tick the first at
// which it is `stale`.
//
// Forgery: all 32 bits are authenticated; an attacker who does not know the key
// and guesses the clear bits right still has 2^-28 per attempt per key tried
// (two keys right after a rotation: 2^-27). A uniformly random ACK passes the
// clear-counter test with probability valid_ticks / 4 and the hash with 2^-28
// per key. A blind attacker chooses the tuple and knows the counter, so only the
// hash is guessed: at 10 Mpps of spoofed ACKs that is one bogus connection every
// ~13 to 27 s. Each costs a connection slot until it times out, which is one more
// reason the listener checks cookies only while it has sent some recently.
//
// Why SipHash-2-4 (lib/tcp/siphash.hpp) is the PRF
// ------------------------------------------------
// - Sound: SipHash is designed and analysed as a PRF with a 128-bit secret key
//   (Aumasson and Bernstein, 2012). Predicting a cookie for a chosen 4-tuple, or
//   forging one, without the key is as hard as distinguishing SipHash from a
//   random function; seeing many cookies (an on-path observer) does not help.
//   Truncating a PRF output to 28 bits is still a PRF, with a 2^-28 guess.
// - Fast enough: a 24-byte message is 4 compression words (2 SipRounds each) and
//   4 finalization rounds, 12 SipRounds of 14 add/rotate/xor each: about 170
//   simple ALU instructions plus packing the 24 bytes, tens of nanoseconds; no
//   tables and no data-dependent branches or memory accesses (so no timing side
//   channel). Not benchmarked yet: that belongs in tests/bench. It
//   is the same function Linux uses for the same job. We call the general
//   siphash24() over 24 bytes rather than siphash24_u64x2(): the input (96 bits
//   of tuple, 32 of client ISN, the counter and MSS index) does not fit in the
//   128 bits that form takes, and squeezing the counter in by xor would let a
//   cookie for one tuple and period stand for another tuple and period.
//
// AES-128 with AES-NI, the faster alternative (CookiePrf::aes128)
// ---------------------------------------------------------------
// The benchmark showed the hash is a fifth of a SYN's cost: SipHash-2-4 over
// three words is ~180 instructions. AES-128 is a pseudo-random permutation
// under its 128-bit key, and CBC-MAC over messages of one fixed length is a
// PRF (Bellare, Kilian and Rogaway, 1994/2000); our message is always exactly
// two blocks: block 1 = counter << 2 | MSS index, zero-padded, block 2 =
// addresses | ports | client ISN (the first 16 bytes of M above). The hash
// bits are bits 63..36 of the low half of E(E(block1) ^ block2). Block 1 comes
// first because it takes only four values per tick: E(block1) for the current
// tick and key is computed once per tick (or rotation), so making a cookie,
// or checking one made in the current tick, costs one block: 10 AESENC rounds
// on round keys expanded once per key (aes128.hpp), not two. The rounds of a
// block form a chain of dependent instructions (about 40 cycles); halving it
// was worth 10-15% of the SYN rate. Constant time, no tables. The same
// 128-bit key serves either PRF. Where the CPU has AES-NI it is the default
// (default_cookie_prf()); a fleet sharing a key must also agree on the PRF
// (tcp.syn_cookie_prf), since members differing in CPU would otherwise pick
// different defaults.
//
// Options that do not fit in the ISN (S15, S16)
// ---------------------------------------------
// With timestamps (RFC 7323), make_tsval() stores in the low 6 bits of our
// SYN-ACK's TSval:  bits 3..0 window scale 0..14, or 15 for "no window scaling";
// bit 4 SACK-permitted; bit 5 ECN. The rest is our clock's TSval; as in Linux the
// result is moved back by 64 if it would exceed the clock, so later TSvals from
// the same clock never go backwards (the peer's PAWS, RFC 7323 5). The peer
// echoes it in TSecr and check() decodes it. These 6 bits are not authenticated:
// only a peer that saw our SYN-ACK can send a matching ACK, and such a peer could
// as well have sent different options in its SYN. Without timestamps (or if the
// ACK carries none) only the MSS survives: no window scaling, no SACK, no ECN.
//
// Keys
// ----
// SynCookieKeys holds the current and previous SipKey. check() tries the current
// key, then the previous one; a rotation therefore keeps cookies of the previous
// period valid for one more period and kills those made two rotations ago. Time
// already limits a cookie's life; rotation bounds the exposure of a key (for
// example one leaked from a core dump). Keys come from random_sip_key() or, for a
// fleet whose members must validate each other's cookies (an anycast or ECMP
// front where the ACK may land on another server), from configuration as 32 hex
// digits (parse_sip_key_hex). Fleet members must then also agree on the counter:
// the same tick, and instants measured from the same epoch (e.g. Unix time), with
// clocks synchronised well within a tick; and rotate to the same next key.
//
// What the listener must do (wiring)
// ----------------------------------
// - SYN, queue full and cookies on (S13), or "always cookies": answer with
//   ISN = make_isn(tuple, syn.seq, syn MSS or 536 if absent, now), advertising our
//   own MSS; if the SYN had timestamps and ours are on, TSval = make_tsval(clock,
//   {.window_scale = syn WS, .sack_permitted = syn SACK-perm && ours,
//    .ecn = ECN negotiated}). Keep nothing.
// - ACK with no connection and no SYN-queue entry: check(tuple, seg.seq - 1,
//   seg.ack - 1, seg TSecr if timestamps were negotiated, now). Only if the
//   listener sent cookies within the last valid_ticks * tick (Linux's
//   tcp_synq_no_recent_overflow), so that stray ACKs in normal operation cost no
//   hash. On ok, build the connection in ESTABLISHED with send MSS
//   min(options.mss, what the route allows), the decoded window scale / SACK /
//   ECN, and our own window scale recomputed from configuration. Otherwise count
//   a named reason (stale / bad hash) and either drop, or answer as RFC 9293
//   3.10.7.2 says for an ACK in LISTEN (RST with seq = SEG.ACK), as Linux does;
//   under an ACK flood that RST needs a rate limit. Listener policy, not ours.
// - Cookie ISNs have no RFC 6528 clock component; an old duplicate of a recent
//   incarnation of the same 4-tuple is not ordered against it. Linux accepts the
//   same trade-off.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "net/four_tuple.hpp"
#include "net/seq_num.hpp"
#include "tcp/aes128.hpp"
#include "tcp/siphash.hpp"
#include "tcp/time.hpp"

namespace synline::tcp {

// MSS values a cookie can carry, ascending. 536: the IPv4 default when no MSS
// option is sent (RFC 9293 3.7.1) and the floor every IPv4 host accepts (RFC 1122
// 3.3.2, 576-byte datagrams). 1300: paths through tunnels and VPNs (IPsec, GRE,
// IPv6-in-IPv4) that lose up to 160 bytes. 1440: PPPoE (1452) and light tunnels.
// 1460: Ethernet, MTU 1500 - 40, by far the most common. Same table as Linux.
inline constexpr std::array<std::uint16_t, 4> kCookieMssTable{536, 1300, 1440, 1460};

// Bit layout of the cookie, see the header comment.
namespace cookie_bits {
inline constexpr unsigned mss_shift = 0;
inline constexpr unsigned mss_width = 2;
inline constexpr unsigned counter_shift = 2;
inline constexpr unsigned counter_width = 2;
inline constexpr unsigned hash_shift = 4;
inline constexpr unsigned hash_width = 28;
inline constexpr std::uint32_t mss_mask = ((1u << mss_width) - 1) << mss_shift;              // 0x3
inline constexpr std::uint32_t counter_mask = ((1u << counter_width) - 1) << counter_shift;  // 0xc
inline constexpr std::uint32_t hash_mask = ~std::uint32_t{0} << hash_shift;                  // 0xfffffff0
}  // namespace cookie_bits

namespace cookie_detail {
// The PRF's output reduced to the cookie's 28 hash bits, already in place (bits 31..4).
inline std::uint32_t hash_bits(std::uint64_t prf_output) {
    return static_cast<std::uint32_t>(prf_output >> (64 - cookie_bits::hash_width)) << cookie_bits::hash_shift;
}
// The index of the largest table MSS not above client_mss (0 below 536).
inline std::uint32_t mss_index_of(std::uint16_t client_mss) {
    std::uint32_t i = kCookieMssTable.size() - 1;
    while (i > 0 && client_mss < kCookieMssTable[i]) --i;
    return i;
}
// The first two 64-bit words of the message M (see the header comment).
inline std::uint64_t message_addresses(const net::FourTuple& t) {
    return std::uint64_t{t.local_ip.value} | std::uint64_t{t.remote_ip.value} << 32;
}
inline std::uint64_t message_ports_isn(const net::FourTuple& t, net::SeqNum client_isn) {
    return std::uint64_t{t.local_port} | std::uint64_t{t.remote_port} << 16 | std::uint64_t{client_isn.raw()} << 32;
}
// The message's last word (block 1 of the AES CBC-MAC): counter << 2 | MSS index.
inline std::uint64_t message_counter_mss(std::uint64_t counter, std::uint32_t mss_index) {
    return (counter << cookie_bits::mss_width) | mss_index;
}
// The cookie's bits in clear: counter mod 4 and the MSS index.
inline std::uint32_t clear_bits_of(std::uint64_t counter, std::uint32_t mss_index) {
    return (static_cast<std::uint32_t>(counter << cookie_bits::counter_shift) & cookie_bits::counter_mask) |
           (mss_index << cookie_bits::mss_shift);
}
}  // namespace cookie_detail

// Bit layout of the option bits in TSval/TSecr, see the header comment.
namespace cookie_ts_bits {
inline constexpr std::uint32_t wscale_mask = 0x0f;  // 0..14, 15 = no window scaling
inline constexpr std::uint32_t wscale_none = 0x0f;
inline constexpr std::uint32_t sack = 1u << 4;
inline constexpr std::uint32_t ecn = 1u << 5;
inline constexpr std::uint32_t mask = 0x3f;  // the 6 low bits that carry options
}  // namespace cookie_ts_bits

// What the cookie lets the listener rebuild.
struct CookieOptions {
    std::uint16_t mss = kCookieMssTable[0];    // the table MSS, not above the client's (but >= 536)
    std::optional<std::uint8_t> window_scale;  // the peer's shift count, 0..14
    bool sack_permitted = false;
    bool ecn = false;

    constexpr bool operator==(const CookieOptions&) const = default;
};

// The keyed function behind the cookie's hash bits (see "Why SipHash-2-4" and
// "AES-128 with AES-NI" above). Servers that validate each other's cookies
// must use the same one.
enum class CookiePrf : std::uint8_t { siphash24, aes128 };
const char* to_string(CookiePrf prf);  // "siphash24", "aes128"
// aes128 where the CPU has AES-NI, else siphash24.
CookiePrf default_cookie_prf();

struct SynCookieConfig {
    Duration tick = std::chrono::seconds(64);  // period of the time counter
    // A cookie made at counter c is accepted while now's counter - c < valid_ticks:
    // 2 (Linux's MAX_SYNCOOKIE_AGE) gives a lifetime between 64 and 128 s. 1..3.
    unsigned valid_ticks = 2;
    CookiePrf prf = CookiePrf::siphash24;
};

// Throws std::invalid_argument unless `hex` is exactly 32 hexadecimal digits
// (either case, no prefix, no separators): key bytes 0..15 in order, so that k0
// is bytes 0..7 read little-endian and k1 bytes 8..15, as in the SipHash paper
// ("000102...0f" is the paper's test key).
SipKey parse_sip_key_hex(std::string_view hex);
// The inverse: 32 lower-case hex digits.
std::string to_hex(const SipKey& key);

// The current and previous cookie keys and when to rotate them. The class does
// not draw keys: the owner supplies the next one (random_sip_key() or the fleet's
// configuration) when rotation_due() says so.
class SynCookieKeys {
public:
    // One key; "previous" is the same key until the first rotation. A zero
    // rotation period means "never due" (explicit rotate() still works).
    SynCookieKeys(SipKey current, Duration rotation_period, Instant now);
    SynCookieKeys(SipKey current, SipKey previous, Duration rotation_period, Instant last_rotation);

    const SipKey& current() const { return current_; }
    const SipKey& previous() const { return previous_; }
    Duration rotation_period() const { return period_; }
    Instant last_rotation() const { return last_rotation_; }

    // now >= last rotation + period (never when the period is zero).
    bool rotation_due(Instant now) const;
    // previous = current; current = next; remembers `now` as the rotation time.
    void rotate(SipKey next, Instant now);

private:
    SipKey current_;
    SipKey previous_;
    Duration period_;
    Instant last_rotation_;
};

class SynCookies {
public:
    enum class Verdict : std::uint8_t {
        ok,
        // The clear counter bits are outside the validity window: expired (or
        // from a counter ahead of ours, e.g. a fleet peer whose clock is ahead).
        // Costs no hash.
        stale,
        // Counter in the window but the hash does not match under either key:
        // forged, corrupted, made with a key rotated out, or older than 4 ticks.
        bad_hash,
    };
    // There is no "bad MSS index" verdict: the 2-bit index always names one of
    // the 4 table entries, and it is covered by the hash anyway.

    struct Decoded {
        Verdict verdict = Verdict::bad_hash;
        CookieOptions options;  // meaningful only when verdict == ok
    };

    // Throws std::invalid_argument if tick <= 0, valid_ticks is not in 1..3, or
    // the keys' rotation period is nonzero and shorter than valid_ticks * tick
    // (a cookie would then die by rotation before its time).
    SynCookies(SynCookieConfig config, SynCookieKeys keys);

    // The ISN for our SYN-ACK. client_mss: the SYN's MSS option, or 536 when it
    // had none (RFC 9293 3.7.1).
    net::SeqNum make_isn(const net::FourTuple& tuple, net::SeqNum client_isn, std::uint16_t client_mss,
                         Instant now) const {
        IsnDraft draft = draft_isn(tuple, client_isn, client_mss, now);
        finish_isns({&draft, 1});
        return draft.isn;
    }

    // make_isn() in two halves, so that a burst's cookies run their last AES
    // block back to back: draft_isn() does everything but that block, and
    // finish_isns() does the blocks of a whole burst. A block's ten rounds are
    // a chain of dependent instructions; inside a SYN's long path the CPU's
    // window does not reach the next SYN's chain, so each chain's latency is
    // paid in full, where a run of independent chains overlaps (see
    // docs/BENCHMARKS.md, the SYN lane's changelog, 2026-12-04). Drafts are finished before the keys
    // rotate, i.e. under the same `now` as they were made.
    struct IsnDraft {
        Aes128::Block block;        // the last block's input, while !done
        std::uint32_t clear_bits = 0;
        bool done = false;
        net::SeqNum isn;            // once done
    };
    IsnDraft draft_isn(const net::FourTuple& tuple, net::SeqNum client_isn, std::uint16_t client_mss,
                       Instant now) const {
        // Inline for the SYN path's common case, AES-128 within the tick of
        // the last cookie: the cached first block and the message's words.
        const std::int64_t n = now.since_epoch.count();
        if (n >= tick_.start && n < tick_.end && tick_.first_blocks_ready) {
            const std::uint32_t i = cookie_detail::mss_index_of(client_mss);
            const Aes128::Block first = tick_.first_blocks[i];
            return IsnDraft{{first.lo ^ cookie_detail::message_addresses(tuple),
                             first.hi ^ cookie_detail::message_ports_isn(tuple, client_isn)},
                            cookie_detail::clear_bits_of(tick_.counter, i), false, {}};
        }
        return IsnDraft{{}, 0, true, make_isn_in_new_tick(tuple, client_isn, client_mss, now)};
    }
    void finish_isns(std::span<IsnDraft> drafts) const {
        for (IsnDraft& d : drafts) {
            if (d.done) continue;
            d.isn = net::SeqNum(cookie_detail::hash_bits(aes_current_->encrypt(d.block).lo) | d.clear_bits);
            d.done = true;
        }
    }

    // The TSval for our SYN-ACK when the SYN carried timestamps: clock_tsval with
    // its low 6 bits replaced by the options (options.mss is not used), moved back
    // by 64 if that would put it ahead of clock_tsval. A window scale above 14 is
    // encoded as 14 (RFC 7323 2.3).
    static std::uint32_t make_tsval(std::uint32_t clock_tsval, const CookieOptions& options);

    // Validates the ACK that completes the handshake: client_isn = its seq - 1,
    // our_isn = its ack - 1, tsecr = its TSecr when timestamps are in use.
    Decoded check(const net::FourTuple& tuple, net::SeqNum client_isn, net::SeqNum our_isn,
                  std::optional<std::uint32_t> tsecr, Instant now) const;

    // The largest table entry not above client_mss; 536 when client_mss < 536.
    static std::uint16_t table_mss(std::uint16_t client_mss);

    const SynCookieConfig& config() const { return config_; }
    const SynCookieKeys& keys() const { return keys_; }
    bool rotation_due(Instant now) const { return keys_.rotation_due(now); }
    void rotate(SipKey next, Instant now);

private:
    enum class KeyAge : std::uint8_t { current, previous };
    std::uint64_t counter(Instant now) const;
    // The 28 hash bits, in place, under the current or previous key.
    std::uint32_t hash(KeyAge age, const net::FourTuple& tuple, net::SeqNum client_isn,
                       std::uint64_t counter, std::uint32_t mss_index) const;

    SynCookieConfig config_;
    SynCookieKeys keys_;
    // The tick counter() computed last: its bounds and counter (the counter
    // changes once a tick, and a 64-bit division per cookie is tens of cycles
    // on the SYN path), and with CookiePrf::aes128 what every cookie made in
    // it shares, per MSS index: E(block 1) under the current key (see
    // "AES-128 with AES-NI").
    struct Tick {
        std::int64_t start = 0;  // first nanosecond of the tick, since the epoch
        std::int64_t end = 0;    // first nanosecond of the next (start == end: empty)
        std::uint64_t counter = 0;
        bool first_blocks_ready = false;  // false until filled, and after each rotation
        std::array<Aes128::Block, kCookieMssTable.size()> first_blocks{};
    };
    mutable Tick tick_;
    Aes128::Block encrypted_first_block(std::uint64_t counter, std::uint32_t mss_index) const;
    // make_isn() outside its inline case; makes the tick's cache ready.
    net::SeqNum make_isn_in_new_tick(const net::FourTuple& tuple, net::SeqNum client_isn,
                                     std::uint16_t client_mss, Instant now) const;
    // With CookiePrf::aes128: the expanded schedules of the two keys.
    std::optional<Aes128> aes_current_;
    std::optional<Aes128> aes_previous_;
};

// "ok", "stale", "bad-hash": for logs and drop-reason names.
const char* to_string(SynCookies::Verdict verdict);

}  // namespace synline::tcp
