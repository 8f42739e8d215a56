#include "tcp/syn_cookie.hpp"

#include <cstddef>
#include <stdexcept>
#include <utility>

namespace synline::tcp {

namespace {

constexpr std::uint32_t kCounterModulus = 1u << cookie_bits::counter_width;

// The message, as documented in the header: fixed length, injective encoding.
struct CookieMessage {
    std::uint64_t addresses;  // local ip | remote ip << 32
    std::uint64_t ports_isn;  // local port | remote port << 16 | client ISN << 32
    std::uint64_t counter_mss;  // counter << 2 | MSS index
};

CookieMessage cookie_message(const net::FourTuple& t, net::SeqNum client_isn, std::uint64_t counter,
                             std::uint32_t mss_index) {
    return {cookie_detail::message_addresses(t), cookie_detail::message_ports_isn(t, client_isn),
            cookie_detail::message_counter_mss(counter, mss_index)};
}

Aes128::Block aes_key_of(const SipKey& key) { return {key.k0, key.k1}; }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

SipKey parse_sip_key_hex(std::string_view hex) {
    if (hex.size() != 32) {
        throw std::invalid_argument("SYN cookie key: expected 32 hex digits (128 bits), got " +
                                    std::to_string(hex.size()) + " characters");
    }
    std::uint64_t words[2] = {0, 0};
    for (std::size_t byte = 0; byte < 16; ++byte) {
        const int hi = hex_digit(hex[2 * byte]);
        const int lo = hex_digit(hex[2 * byte + 1]);
        if (hi < 0 || lo < 0) {
            const std::size_t at = hi < 0 ? 2 * byte : 2 * byte + 1;
            throw std::invalid_argument("SYN cookie key: '" + std::string(1, hex[at]) +
                                        "' at position " + std::to_string(at) + " is not a hex digit");
        }
        words[byte / 8] |= std::uint64_t(hi * 16 + lo) << (8 * (byte % 8));
    }
    return SipKey{words[0], words[1]};
}

std::string to_hex(const SipKey& key) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (std::size_t byte = 0; byte < 16; ++byte) {
        const auto b = static_cast<std::uint8_t>((byte < 8 ? key.k0 : key.k1) >> (8 * (byte % 8)));
        out[2 * byte] = kDigits[b >> 4];
        out[2 * byte + 1] = kDigits[b & 0xf];
    }
    return out;
}

SynCookieKeys::SynCookieKeys(SipKey current, Duration rotation_period, Instant now)
    : SynCookieKeys(current, current, rotation_period, now) {}

SynCookieKeys::SynCookieKeys(SipKey current, SipKey previous, Duration rotation_period,
                             Instant last_rotation)
    : current_(current), previous_(previous), period_(rotation_period), last_rotation_(last_rotation) {
    if (rotation_period < Duration::zero()) {
        throw std::invalid_argument("SYN cookie keys: negative rotation period");
    }
}

bool SynCookieKeys::rotation_due(Instant now) const {
    return period_ > Duration::zero() && now >= last_rotation_ + period_;
}

void SynCookieKeys::rotate(SipKey next, Instant now) {
    previous_ = current_;
    current_ = next;
    last_rotation_ = now;
}

const char* to_string(CookiePrf prf) {
    return prf == CookiePrf::aes128 ? "aes128" : "siphash24";
}

CookiePrf default_cookie_prf() { return aes_ni_available() ? CookiePrf::aes128 : CookiePrf::siphash24; }

SynCookies::SynCookies(SynCookieConfig config, SynCookieKeys keys) : config_(config), keys_(keys) {
    if (config_.prf == CookiePrf::aes128) {
        if (!aes_ni_available()) {
            throw std::invalid_argument("SYN cookies: prf aes128 needs a CPU with AES-NI; use siphash24");
        }
        aes_current_.emplace(aes_key_of(keys_.current()));
        aes_previous_.emplace(aes_key_of(keys_.previous()));
    }
    if (config_.tick <= Duration::zero()) {
        throw std::invalid_argument("SYN cookies: tick must be positive");
    }
    if (config_.valid_ticks < 1 || config_.valid_ticks >= kCounterModulus) {
        throw std::invalid_argument("SYN cookies: valid_ticks must be 1..3 (2 counter bits in the cookie)");
    }
    if (keys_.rotation_period() > Duration::zero() &&
        keys_.rotation_period() < config_.tick * config_.valid_ticks) {
        throw std::invalid_argument(
            "SYN cookies: key rotation period shorter than the cookie lifetime (valid_ticks * tick)");
    }
}

void SynCookies::rotate(SipKey next, Instant now) {
    keys_.rotate(next, now);
    if (config_.prf == CookiePrf::aes128) {
        aes_previous_ = std::exchange(aes_current_, Aes128(aes_key_of(next)));
        tick_.first_blocks_ready = false;
    }
}

[[gnu::always_inline]] inline Aes128::Block SynCookies::encrypted_first_block(std::uint64_t counter,
                                                                             std::uint32_t mss_index) const {
    // Cached for the tick counter() last saw: the one cookies are made in.
    if (counter != tick_.counter) {
        return aes_current_->encrypt({cookie_detail::message_counter_mss(counter, mss_index), 0});
    }
    if (!tick_.first_blocks_ready) {
        for (std::uint32_t i = 0; i < kCookieMssTable.size(); ++i)
            tick_.first_blocks[i] = aes_current_->encrypt({cookie_detail::message_counter_mss(counter, i), 0});
        tick_.first_blocks_ready = true;
    }
    return tick_.first_blocks[mss_index];
}

[[gnu::always_inline]] inline std::uint32_t SynCookies::hash(KeyAge age, const net::FourTuple& tuple,
                                                             net::SeqNum client_isn, std::uint64_t counter,
                                                             std::uint32_t mss_index) const {
    const CookieMessage m = cookie_message(tuple, client_isn, counter, mss_index);
    if (config_.prf == CookiePrf::aes128) {
        // CBC-MAC of the two blocks: E(E(block 1) ^ block 2).
        const Aes128& aes = age == KeyAge::current ? *aes_current_ : *aes_previous_;
        const Aes128::Block first = age == KeyAge::current ? encrypted_first_block(counter, mss_index)
                                                           : aes.encrypt({m.counter_mss, 0});
        return cookie_detail::hash_bits(aes.encrypt({first.lo ^ m.addresses, first.hi ^ m.ports_isn}).lo);
    }
    const SipKey& key = age == KeyAge::current ? keys_.current() : keys_.previous();
    return cookie_detail::hash_bits(siphash24_u64x3(key, m.addresses, m.ports_isn, m.counter_mss));
}

std::uint64_t SynCookies::counter(Instant now) const {
    const auto n = now.since_epoch.count();
    if (n >= tick_.start && n < tick_.end) return tick_.counter;
    // Floor division, so that instants before the epoch still tick regularly;
    // the unsigned conversion wraps like the rest of the arithmetic.
    const auto d = config_.tick.count();
    auto q = n / d;
    if (n % d != 0 && n < 0) --q;
    tick_.start = q * d;
    tick_.end = q * d + d;
    tick_.counter = static_cast<std::uint64_t>(q);
    tick_.first_blocks_ready = false;
    return tick_.counter;
}

std::uint16_t SynCookies::table_mss(std::uint16_t client_mss) {
    return kCookieMssTable[cookie_detail::mss_index_of(client_mss)];
}

net::SeqNum SynCookies::make_isn_in_new_tick(const net::FourTuple& tuple, net::SeqNum client_isn,
                                             std::uint16_t client_mss, Instant now) const {
    const std::uint64_t c = counter(now);
    const std::uint32_t mss_index = cookie_detail::mss_index_of(client_mss);
    return net::SeqNum(hash(KeyAge::current, tuple, client_isn, c, mss_index) | cookie_detail::clear_bits_of(c, mss_index));
}

std::uint32_t SynCookies::make_tsval(std::uint32_t clock_tsval, const CookieOptions& options) {
    std::uint32_t bits = cookie_ts_bits::wscale_none;
    if (options.window_scale) bits = *options.window_scale > 14 ? 14u : *options.window_scale;
    if (options.sack_permitted) bits |= cookie_ts_bits::sack;
    if (options.ecn) bits |= cookie_ts_bits::ecn;
    std::uint32_t ts = (clock_tsval & ~cookie_ts_bits::mask) | bits;
    if (ts > clock_tsval) ts -= cookie_ts_bits::mask + 1;
    return ts;
}

SynCookies::Decoded SynCookies::check(const net::FourTuple& tuple, net::SeqNum client_isn,
                                      net::SeqNum our_isn, std::optional<std::uint32_t> tsecr,
                                      Instant now) const {
    const std::uint32_t cookie = our_isn.raw();
    const std::uint64_t now_counter = counter(now);

    // Step 1: the clear counter bits must name one of the last valid_ticks
    // periods. Cheap, so an ACK flood of expired or random cookies costs no hash.
    const std::uint32_t low = (cookie & cookie_bits::counter_mask) >> cookie_bits::counter_shift;
    const std::uint32_t age = static_cast<std::uint32_t>(now_counter - low) % kCounterModulus;
    if (age >= config_.valid_ticks) return Decoded{Verdict::stale, {}};
    const std::uint64_t made_at = now_counter - age;

    // Step 2: recompute the hash under the key that was current when the
    // cookie was made. Its tick lies wholly before or after the last rotation
    // (one hash, also for every forged ACK of a flood); only a cookie from the
    // tick that contains the rotation instant may need both keys.
    const std::uint32_t mss_index = (cookie & cookie_bits::mss_mask) >> cookie_bits::mss_shift;
    const std::uint32_t presented = cookie & cookie_bits::hash_mask;
    const Instant tick_start{config_.tick * static_cast<std::int64_t>(made_at)};
    const bool made_before_rotation = tick_start + config_.tick <= keys_.last_rotation();
    const bool made_after_rotation = tick_start >= keys_.last_rotation();
    bool match = !made_before_rotation &&
                 hash(KeyAge::current, tuple, client_isn, made_at, mss_index) == presented;
    if (!match && !made_after_rotation && !(keys_.previous() == keys_.current())) {
        match = hash(KeyAge::previous, tuple, client_isn, made_at, mss_index) == presented;
    }
    if (!match) return Decoded{Verdict::bad_hash, {}};

    // Step 3: rebuild the options. Without timestamps only the MSS survives (S16).
    Decoded out{Verdict::ok, {}};
    out.options.mss = kCookieMssTable[mss_index];
    if (tsecr) {
        const std::uint32_t ws = *tsecr & cookie_ts_bits::wscale_mask;
        if (ws != cookie_ts_bits::wscale_none) out.options.window_scale = static_cast<std::uint8_t>(ws);
        out.options.sack_permitted = (*tsecr & cookie_ts_bits::sack) != 0;
        out.options.ecn = (*tsecr & cookie_ts_bits::ecn) != 0;
    }
    return out;
}

const char* to_string(SynCookies::Verdict verdict) {
    switch (verdict) {
        case SynCookies::Verdict::ok: return "ok";
        case SynCookies::Verdict::stale: return "stale";
        case SynCookies::Verdict::bad_hash: return "bad-hash";
    }
    return "unknown";
}

}  // namespace synline::tcp
