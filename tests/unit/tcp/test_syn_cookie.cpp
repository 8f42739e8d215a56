// SYN cookies (lib/tcp/syn_cookie.hpp): scenarios S15 and S16.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "net/four_tuple.hpp"
#include "net/seq_num.hpp"
#include "tcp/aes128.hpp"
#include "tcp/siphash.hpp"
#include "tcp/syn_cookie.hpp"
#include "tcp/time.hpp"

using namespace std::chrono_literals;
using synline::net::FourTuple;
using synline::net::Ipv4Addr;
using synline::net::SeqNum;
using synline::tcp::CookieOptions;
using synline::tcp::CookiePrf;
using synline::tcp::Duration;
using synline::tcp::Instant;
using synline::tcp::kCookieMssTable;
using synline::tcp::parse_sip_key_hex;
using synline::tcp::SipKey;
using synline::tcp::SynCookieConfig;
using synline::tcp::SynCookieKeys;
using synline::tcp::SynCookies;
using Verdict = synline::tcp::SynCookies::Verdict;

namespace {

constexpr SipKey kKeyA{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};  // the SipHash paper's key
constexpr SipKey kKeyB{0x0123456789abcdefull, 0xfedcba9876543210ull};
constexpr SipKey kKeyC{0x1111111111111111ull, 0x2222222222222222ull};
constexpr FourTuple kTuple{Ipv4Addr{0x0a000001}, Ipv4Addr{0xc0a80102}, 80, 40001};
constexpr SeqNum kClientIsn{0x89abcdefu};
constexpr Duration kTick = 64s;
// Counter 1000, 10 s into the tick.
constexpr Instant kNow{1000 * kTick + 10s};

// Every PRF this CPU can run: the tests below hold for each.
std::vector<CookiePrf> test_prfs() {
    std::vector<CookiePrf> prfs{CookiePrf::siphash24};
    if (synline::tcp::aes_ni_available()) prfs.push_back(CookiePrf::aes128);
    return prfs;
}

SynCookieConfig prf_config(CookiePrf prf, Duration tick = kTick, unsigned valid_ticks = 2) {
    return SynCookieConfig{tick, valid_ticks, prf};
}

SynCookies make_cookies(SipKey key = kKeyA, SynCookieConfig config = {}) {
    return SynCookies(config, SynCookieKeys(key, Duration::zero(), Instant{}));
}

// The 2-bit clear counter of instant t under a tick.
std::uint32_t counter_bits(Instant t, Duration tick = kTick) {
    return static_cast<std::uint32_t>(t.since_epoch / tick) & 3u;
}

}  // namespace

TEST_CASE("S15 cookie layout: hash in bits 31..4, counter in 3..2, MSS index in 1..0", "[syn-cookie]") {
    const auto cookies = make_cookies();
    for (std::size_t i = 0; i < kCookieMssTable.size(); ++i) {
        const std::uint32_t isn = cookies.make_isn(kTuple, kClientIsn, kCookieMssTable[i], kNow).raw();
        CHECK((isn & 0x3u) == i);
        CHECK(((isn >> 2) & 0x3u) == counter_bits(kNow));

        // Independent recomputation of the documented 24-byte message.
        const std::uint64_t counter = static_cast<std::uint64_t>(kNow.since_epoch / kTick);
        const std::uint64_t words[3] = {
            (std::uint64_t{kTuple.remote_ip.value} << 32) | kTuple.local_ip.value,
            (std::uint64_t{kClientIsn.raw()} << 32) | (std::uint64_t{kTuple.remote_port} << 16) |
                kTuple.local_port,
            (counter << 2) | i};
        std::array<std::uint8_t, 24> m{};
        for (int w = 0; w < 3; ++w)
            for (int b = 0; b < 8; ++b) m[8 * w + b] = static_cast<std::uint8_t>(words[w] >> (8 * b));
        const auto h = synline::tcp::siphash24(kKeyA, m);
        CHECK((isn >> 4) == static_cast<std::uint32_t>(h >> 36));
    }
}

TEST_CASE("S15 cookie round trip for every MSS table entry and option combination", "[syn-cookie]") {
    const CookiePrf prf = GENERATE(from_range(test_prfs()));
    INFO("prf " << synline::tcp::to_string(prf));
    const auto cookies = make_cookies(kKeyA, prf_config(prf));
    const std::array<std::uint32_t, 5> clocks{0u, 63u, 64u, 0x12345678u, 0xffffffffu};
    int combinations = 0;
    for (const std::uint16_t mss : kCookieMssTable) {
        for (int ws = -1; ws <= 14; ++ws) {  // -1: no window scale option
            for (const bool sack : {false, true}) {
                for (const bool ecn : {false, true}) {
                    for (const bool timestamps : {false, true}) {
                        ++combinations;
                        CookieOptions sent{mss, std::nullopt, sack, ecn};
                        if (ws >= 0) sent.window_scale = static_cast<std::uint8_t>(ws);
                        const SeqNum isn = cookies.make_isn(kTuple, kClientIsn, mss, kNow);
                        const std::uint32_t clock = clocks[static_cast<std::size_t>(combinations) % clocks.size()];
                        std::optional<std::uint32_t> tsecr;
                        if (timestamps) tsecr = SynCookies::make_tsval(clock, sent);

                        // The ACK arrives within the same tick, and again one tick later.
                        for (const Instant at : {kNow + 1s, kNow + kTick}) {
                            const auto got = cookies.check(kTuple, kClientIsn, isn, tsecr, at);
                            INFO("mss " << mss << " ws " << ws << " sack " << sack << " ecn " << ecn
                                        << " ts " << timestamps);
                            REQUIRE(got.verdict == Verdict::ok);
                            const CookieOptions expected =
                                timestamps ? sent : CookieOptions{mss, std::nullopt, false, false};
                            CHECK(got.options == expected);
                        }
                    }
                }
            }
        }
    }
    CHECK(combinations == 4 * 16 * 2 * 2 * 2);
}

TEST_CASE("S15 table_mss maps a client MSS to the largest table entry not above it", "[syn-cookie]") {
    CHECK(SynCookies::table_mss(0) == 536);  // below the table: the IPv4 floor
    CHECK(SynCookies::table_mss(100) == 536);
    CHECK(SynCookies::table_mss(535) == 536);
    CHECK(SynCookies::table_mss(536) == 536);
    CHECK(SynCookies::table_mss(1299) == 536);
    CHECK(SynCookies::table_mss(1300) == 1300);
    CHECK(SynCookies::table_mss(1439) == 1300);
    CHECK(SynCookies::table_mss(1440) == 1440);
    CHECK(SynCookies::table_mss(1452) == 1440);  // PPPoE
    CHECK(SynCookies::table_mss(1459) == 1440);
    CHECK(SynCookies::table_mss(1460) == 1460);
    CHECK(SynCookies::table_mss(8960) == 1460);  // jumbo frames still get 1460
    CHECK(SynCookies::table_mss(65535) == 1460);

    // The MSS the check returns is the table entry, for any client MSS.
    const auto cookies = make_cookies();
    for (const std::uint16_t client_mss : {0, 536, 1000, 1300, 1400, 1440, 1460, 9000}) {
        const auto isn = cookies.make_isn(kTuple, kClientIsn, client_mss, kNow);
        const auto got = cookies.check(kTuple, kClientIsn, isn, std::nullopt, kNow);
        REQUIRE(got.verdict == Verdict::ok);
        CHECK(got.options.mss == SynCookies::table_mss(client_mss));
    }
}

TEST_CASE("S15 cookie expires exactly at the validity boundary", "[syn-cookie]") {
    const CookiePrf prf = GENERATE(from_range(test_prfs()));
    INFO("prf " << synline::tcp::to_string(prf));
    for (const Duration tick : {Duration{64s}, Duration{1s}, Duration{7ms}}) {
        for (unsigned valid_ticks = 1; valid_ticks <= 3; ++valid_ticks) {
            const auto cookies = make_cookies(kKeyA, prf_config(prf, tick, valid_ticks));
            // Made at the first and at the last nanosecond of tick 1000.
            for (const Instant made : {Instant{1000 * tick}, Instant{1001 * tick - 1ns}}) {
                INFO("tick " << tick.count() << " ns, valid_ticks " << valid_ticks << ", made at "
                             << made.since_epoch.count());
                const auto isn = cookies.make_isn(kTuple, kClientIsn, 1460, made);
                const Instant boundary{(1000 + valid_ticks) * tick};
                CHECK(cookies.check(kTuple, kClientIsn, isn, std::nullopt, made).verdict == Verdict::ok);
                CHECK(cookies.check(kTuple, kClientIsn, isn, std::nullopt, Instant{boundary.since_epoch - 1ns}).verdict ==
                      Verdict::ok);
                CHECK(cookies.check(kTuple, kClientIsn, isn, std::nullopt, boundary).verdict ==
                      Verdict::stale);
                // Still told apart from a live cookie until 4 ticks after it was made.
                for (unsigned later = valid_ticks; later < 4; ++later) {
                    CHECK(cookies.check(kTuple, kClientIsn, isn, std::nullopt, Instant{(1000 + later) * tick})
                              .verdict == Verdict::stale);
                }
                // Older than that it aliases onto a live counter and fails the hash.
                for (unsigned later = 4; later < 12; ++later) {
                    CHECK(cookies.check(kTuple, kClientIsn, isn, std::nullopt, Instant{(1000 + later) * tick})
                              .verdict != Verdict::ok);
                }
                // A check from before the cookie's tick (a validator whose clock lags).
                CHECK(cookies.check(kTuple, kClientIsn, isn, std::nullopt, Instant{1000 * tick - 1ns}).verdict ==
                      Verdict::stale);
            }
        }
    }
}

TEST_CASE("S15 the default lifetime is 64 to 128 seconds", "[syn-cookie]") {
    const auto cookies = make_cookies();
    CHECK(cookies.config().tick == 64s);
    CHECK(cookies.config().valid_ticks == 2);
    const Instant start{1000 * kTick};
    const auto early = cookies.make_isn(kTuple, kClientIsn, 1460, start);
    CHECK(cookies.check(kTuple, kClientIsn, early, std::nullopt, start + (128s - 1ns)).verdict == Verdict::ok);
    CHECK(cookies.check(kTuple, kClientIsn, early, std::nullopt, start + 128s).verdict == Verdict::stale);
    const auto late = cookies.make_isn(kTuple, kClientIsn, 1460, start + (64s - 1ns));
    CHECK(cookies.check(kTuple, kClientIsn, late, std::nullopt, start + (128s - 1ns)).verdict == Verdict::ok);
    CHECK(cookies.check(kTuple, kClientIsn, late, std::nullopt, start + 128s).verdict == Verdict::stale);
}

TEST_CASE("S15 a one-bit change in any tuple field, either ISN or the time counter is rejected", "[syn-cookie]") {
    const CookiePrf prf = GENERATE(from_range(test_prfs()));
    INFO("prf " << synline::tcp::to_string(prf));
    const auto cookies = make_cookies(kKeyA, prf_config(prf));
    const SeqNum isn = cookies.make_isn(kTuple, kClientIsn, 1440, kNow);
    REQUIRE(cookies.check(kTuple, kClientIsn, isn, std::nullopt, kNow).verdict == Verdict::ok);
    int rejected = 0;

    SECTION("each of the 96 bits of addresses and ports") {
        for (unsigned bit = 0; bit < 96; ++bit) {
            FourTuple t = kTuple;
            if (bit < 32) t.local_ip.value ^= 1u << bit;
            else if (bit < 64) t.remote_ip.value ^= 1u << (bit - 32);
            else if (bit < 80) t.local_port = static_cast<std::uint16_t>(t.local_port ^ (1u << (bit - 64)));
            else t.remote_port = static_cast<std::uint16_t>(t.remote_port ^ (1u << (bit - 80)));
            INFO("tuple bit " << bit);
            CHECK(cookies.check(t, kClientIsn, isn, std::nullopt, kNow).verdict == Verdict::bad_hash);
            ++rejected;
        }
        CHECK(rejected == 96);
        // Swapping the two ends is not the same connection either.
        const FourTuple swapped{kTuple.remote_ip, kTuple.local_ip, kTuple.remote_port, kTuple.local_port};
        CHECK(cookies.check(swapped, kClientIsn, isn, std::nullopt, kNow).verdict == Verdict::bad_hash);
    }
    SECTION("each of the 32 bits of the client ISN") {
        for (unsigned bit = 0; bit < 32; ++bit) {
            INFO("client ISN bit " << bit);
            const SeqNum other(kClientIsn.raw() ^ (1u << bit));
            CHECK(cookies.check(kTuple, other, isn, std::nullopt, kNow).verdict == Verdict::bad_hash);
        }
    }
    SECTION("each of the 32 bits of our ISN, the cookie itself") {
        for (unsigned bit = 0; bit < 32; ++bit) {
            INFO("cookie bit " << bit);
            const SeqNum other(isn.raw() ^ (1u << bit));
            const auto verdict = cookies.check(kTuple, kClientIsn, other, std::nullopt, kNow).verdict;
            if (bit == 2 || bit == 3) {
                CHECK(verdict != Verdict::ok);  // counter bits: stale or bad hash
            } else {
                CHECK(verdict == Verdict::bad_hash);  // hash bits and the MSS index
            }
        }
    }
    SECTION("each bit of the time counter the cookie was made with") {
        // kNow's counter, 1000, is even with bit 1 clear, so flipping bit 0 or 1
        // gives a counter from the future (a flip that gave now - 1 would be a
        // legitimately valid cookie).
        const std::uint64_t now_counter = static_cast<std::uint64_t>(kNow.since_epoch / kTick);
        // Instants are 64-bit nanoseconds: with a 64 s tick the counter has 28 bits.
        const std::uint64_t max_counter = static_cast<std::uint64_t>(Duration::max() / kTick);
        unsigned flipped = 0;
        for (unsigned bit = 0; bit < 64; ++bit) {
            const std::uint64_t made_counter = now_counter ^ (std::uint64_t{1} << bit);
            if (made_counter > max_counter) break;
            ++flipped;
            const Instant made{static_cast<Duration::rep>(made_counter) * kTick};
            const SeqNum old = cookies.make_isn(kTuple, kClientIsn, 1440, made);
            INFO("counter bit " << bit);
            const auto verdict = cookies.check(kTuple, kClientIsn, old, std::nullopt, kNow).verdict;
            CHECK(verdict != Verdict::ok);
            // Above the 2 clear bits the counter is only in the hash.
            if (bit >= 2) CHECK(verdict == Verdict::bad_hash);
        }
        CHECK(flipped == 28);
    }
}

TEST_CASE("S15 key rotation keeps the previous period valid and rejects the one before it", "[syn-cookie]") {
    const CookiePrf prf = GENERATE(from_range(test_prfs()));
    INFO("prf " << synline::tcp::to_string(prf));
    auto cookies = SynCookies(prf_config(prf), SynCookieKeys(kKeyA, 128s, kNow));
    CHECK_FALSE(cookies.rotation_due(kNow + (128s - 1ns)));
    CHECK(cookies.rotation_due(kNow + 128s));

    const SeqNum made_with_a = cookies.make_isn(kTuple, kClientIsn, 1460, kNow);
    cookies.rotate(kKeyB, kNow + 1s);
    CHECK(cookies.keys().current() == kKeyB);
    CHECK(cookies.keys().previous() == kKeyA);
    CHECK(cookies.keys().last_rotation() == kNow + 1s);
    CHECK_FALSE(cookies.rotation_due(kNow + 128s));
    CHECK(cookies.rotation_due(kNow + 129s));

    const SeqNum made_with_b = cookies.make_isn(kTuple, kClientIsn, 1460, kNow + 2s);
    CHECK(made_with_b != made_with_a);
    CHECK(cookies.check(kTuple, kClientIsn, made_with_a, std::nullopt, kNow + 2s).verdict == Verdict::ok);
    CHECK(cookies.check(kTuple, kClientIsn, made_with_b, std::nullopt, kNow + 2s).verdict == Verdict::ok);

    cookies.rotate(kKeyC, kNow + 3s);
    CHECK(cookies.check(kTuple, kClientIsn, made_with_a, std::nullopt, kNow + 4s).verdict == Verdict::bad_hash);
    CHECK(cookies.check(kTuple, kClientIsn, made_with_b, std::nullopt, kNow + 4s).verdict == Verdict::ok);

    cookies.rotate(kKeyA, kNow + 5s);  // keys may come back; B is now two rotations old
    CHECK(cookies.check(kTuple, kClientIsn, made_with_b, std::nullopt, kNow + 6s).verdict == Verdict::bad_hash);
    CHECK(cookies.check(kTuple, kClientIsn, made_with_a, std::nullopt, kNow + 6s).verdict == Verdict::ok);

    // Explicit previous key at construction, as a restarted server would load it.
    const SynCookies restarted(prf_config(prf), SynCookieKeys(kKeyC, kKeyB, 128s, kNow));
    CHECK(restarted.check(kTuple, kClientIsn, made_with_b, std::nullopt, kNow).verdict == Verdict::ok);
}

TEST_CASE("S15 a shared configured key lets two servers validate each other's cookies", "[syn-cookie]") {
    const CookiePrf prf = GENERATE(from_range(test_prfs()));
    INFO("prf " << synline::tcp::to_string(prf));
    const char* fleet_key = "5e4c8f0a1b2c3d4e5f60718293a4b5c6";
    const SynCookies server1(prf_config(prf), SynCookieKeys(parse_sip_key_hex(fleet_key), 0s, Instant{}));
    const SynCookies server2(prf_config(prf), SynCookieKeys(parse_sip_key_hex(fleet_key), 0s, Instant{}));
    const SynCookies stranger = make_cookies(kKeyB, prf_config(prf));

    const CookieOptions opts{1460, std::uint8_t{7}, true, false};
    const SeqNum from1 = server1.make_isn(kTuple, kClientIsn, 1460, kNow);
    const SeqNum from2 = server2.make_isn(kTuple, kClientIsn, 1460, kNow + 3s);
    const std::uint32_t tsval = SynCookies::make_tsval(0x00c0ffee, opts);

    const auto at2 = server2.check(kTuple, kClientIsn, from1, tsval, kNow + 1s);
    CHECK(at2.verdict == Verdict::ok);
    CHECK(at2.options == opts);
    CHECK(server1.check(kTuple, kClientIsn, from2, tsval, kNow + 4s).verdict == Verdict::ok);
    CHECK(stranger.check(kTuple, kClientIsn, from1, tsval, kNow + 1s).verdict == Verdict::bad_hash);
}

TEST_CASE("S15 key hex parsing round-trips and reports clear errors", "[syn-cookie]") {
    CHECK(parse_sip_key_hex("000102030405060708090a0b0c0d0e0f") == kKeyA);
    CHECK(parse_sip_key_hex("000102030405060708090A0B0C0D0E0F") == kKeyA);
    CHECK(synline::tcp::to_hex(kKeyA) == "000102030405060708090a0b0c0d0e0f");
    CHECK(parse_sip_key_hex(synline::tcp::to_hex(kKeyB)) == kKeyB);

    CHECK_THROWS_AS(parse_sip_key_hex(""), std::invalid_argument);
    CHECK_THROWS_WITH(parse_sip_key_hex("0001020304050607"), Catch::Contains("expected 32 hex digits") &&
                                                                 Catch::Contains("got 16"));
    CHECK_THROWS_WITH(parse_sip_key_hex("0x0102030405060708090a0b0c0d0e0f"),
                      Catch::Contains("'x' at position 1"));
    CHECK_THROWS_WITH(parse_sip_key_hex("000102030405060708090a0b0c0d0e0g"),
                      Catch::Contains("'g' at position 31"));
    CHECK_THROWS_AS(parse_sip_key_hex("00010203-0405060708090a0b0c0d0e0f"), std::invalid_argument);
}

TEST_CASE("S15 configuration errors throw at construction", "[syn-cookie]") {
    const SynCookieKeys keys(kKeyA, 0s, Instant{});
    CHECK_THROWS_AS(SynCookies(SynCookieConfig{0s, 2}, keys), std::invalid_argument);
    CHECK_THROWS_AS(SynCookies(SynCookieConfig{-1s, 2}, keys), std::invalid_argument);
    CHECK_THROWS_AS(SynCookies(SynCookieConfig{64s, 0}, keys), std::invalid_argument);
    CHECK_THROWS_AS(SynCookies(SynCookieConfig{64s, 4}, keys), std::invalid_argument);
    CHECK_NOTHROW(SynCookies(SynCookieConfig{64s, 3}, keys));
    // Rotation faster than a cookie lives would kill cookies early.
    CHECK_THROWS_AS(SynCookies(SynCookieConfig{64s, 2}, SynCookieKeys(kKeyA, 127s, Instant{})),
                    std::invalid_argument);
    CHECK_NOTHROW(SynCookies(SynCookieConfig{64s, 2}, SynCookieKeys(kKeyA, 128s, Instant{})));
    CHECK_THROWS_AS(SynCookieKeys(kKeyA, -1s, Instant{}), std::invalid_argument);
}

TEST_CASE("S15 TSval carries the options in its low 6 bits and never runs ahead of the clock", "[syn-cookie]") {
    std::mt19937_64 rng(15);
    for (int i = 0; i < 20000; ++i) {
        const auto clock = static_cast<std::uint32_t>(rng());
        CookieOptions o{1460, std::nullopt, (rng() & 1) != 0, (rng() & 1) != 0};
        const auto ws = static_cast<int>(rng() % 16);
        if (ws < 15) o.window_scale = static_cast<std::uint8_t>(ws);
        const std::uint32_t ts = SynCookies::make_tsval(clock, o);
        CHECK((ts & 0xfu) == static_cast<std::uint32_t>(ws));
        CHECK(((ts >> 4) & 1u) == (o.sack_permitted ? 1u : 0u));
        CHECK(((ts >> 5) & 1u) == (o.ecn ? 1u : 0u));
        const std::uint32_t behind = clock - ts;  // modulo 2^32
        CHECK(behind < 64u);
    }
    // A window scale above the RFC 7323 limit is sent as 14.
    CHECK((SynCookies::make_tsval(0x1000, CookieOptions{536, std::uint8_t{20}, false, false}) & 0xfu) == 14u);
    // Wrap-around: a clock below 64 can give a TSval just below 2^32.
    CHECK(SynCookies::make_tsval(5, CookieOptions{536, std::nullopt, true, true}) == 0xffffffffu);
}

TEST_CASE("S16 without timestamps only the MSS survives", "[syn-cookie]") {
    const auto cookies = make_cookies();
    const CookieOptions rich{1440, std::uint8_t{9}, true, true};
    const SeqNum isn = cookies.make_isn(kTuple, kClientIsn, 1452, kNow);

    // The SYN had timestamps and the ACK echoes them: everything comes back.
    const auto with_ts = cookies.check(kTuple, kClientIsn, isn, SynCookies::make_tsval(777777, rich), kNow);
    REQUIRE(with_ts.verdict == Verdict::ok);
    CHECK(with_ts.options == rich);

    // No timestamps: window scaling, SACK and ECN are lost, the MSS is kept.
    const auto without = cookies.check(kTuple, kClientIsn, isn, std::nullopt, kNow);
    REQUIRE(without.verdict == Verdict::ok);
    CHECK(without.options.mss == 1440);
    CHECK_FALSE(without.options.window_scale.has_value());
    CHECK_FALSE(without.options.sack_permitted);
    CHECK_FALSE(without.options.ecn);
}

TEST_CASE("S15 S16 random forgeries are rejected at the rate the hash width allows", "[syn-cookie]") {
    const CookiePrf prf = GENERATE(from_range(test_prfs()));
    INFO("prf " << synline::tcp::to_string(prf));
    // Right after a rotation, so that both keys are tried: the worst case.
    auto cookies = SynCookies(prf_config(prf), SynCookieKeys(kKeyA, 0s, Instant{}));
    cookies.rotate(kKeyB, kNow);
    std::mt19937_64 rng(0x5eed);
    constexpr int kTries = 1'000'000;
    constexpr double kPerKey = 1.0 / double(1u << 28);  // 28 hash bits

    SECTION("uniformly random cookie, tuple and client ISN") {
        int accepted = 0;
        int stale = 0;
        for (int i = 0; i < kTries; ++i) {
            const std::uint64_t r = rng();
            const FourTuple t{kTuple.local_ip, Ipv4Addr{static_cast<std::uint32_t>(r)}, 80,
                              static_cast<std::uint16_t>(r >> 32)};
            const std::uint64_t s = rng();
            const SeqNum client_isn(static_cast<std::uint32_t>(s));
            const SeqNum forged(static_cast<std::uint32_t>(s >> 32));
            const auto verdict = cookies.check(t, client_isn, forged, std::nullopt, kNow).verdict;
            accepted += verdict == Verdict::ok;
            stale += verdict == Verdict::stale;
        }
        // Half the random counters (2 of 4) are outside the window and cost no hash.
        const double expected = kTries * (2.0 / 4.0) * 2 * kPerKey;  // ~0.004
        INFO("accepted " << accepted << ", expected " << expected << ", stale " << stale);
        CHECK(accepted <= 1);
        CHECK(stale > kTries * 0.49);
        CHECK(stale < kTries * 0.51);
    }
    SECTION("targeted: the attacker knows the counter and MSS bits, guesses the hash") {
        const std::uint32_t clear = (counter_bits(kNow) << 2) | 3u;
        int accepted = 0;
        for (int i = 0; i < kTries; ++i) {
            const auto guess = (static_cast<std::uint32_t>(rng()) & ~0xfu) | clear;
            accepted += cookies.check(kTuple, kClientIsn, SeqNum(guess), std::nullopt, kNow).verdict == Verdict::ok;
        }
        const double expected = kTries * 2 * kPerKey;  // ~0.0075
        INFO("accepted " << accepted << ", expected " << expected);
        CHECK(accepted <= 1);
    }
}

TEST_CASE("S15 with aes128 the hash bits are CBC-MAC of the documented two blocks", "[syn-cookie]") {
    if (!synline::tcp::aes_ni_available()) {
        WARN("this CPU has no AES-NI: the aes128 cookie PRF cannot run here");
        return;
    }
    const auto cookies = make_cookies(kKeyA, prf_config(CookiePrf::aes128));
    const synline::tcp::Aes128 aes({kKeyA.k0, kKeyA.k1});
    const std::uint64_t counter = static_cast<std::uint64_t>(kNow.since_epoch / kTick);
    for (std::uint32_t i = 0; i < kCookieMssTable.size(); ++i) {
        const std::uint32_t isn = cookies.make_isn(kTuple, kClientIsn, kCookieMssTable[i], kNow).raw();
        CHECK((isn & 0x3u) == i);
        CHECK(((isn >> 2) & 0x3u) == counter_bits(kNow));
        const synline::tcp::Aes128::Block first{(counter << 2) | i, 0};
        const synline::tcp::Aes128::Block second{
            (std::uint64_t{kTuple.remote_ip.value} << 32) | kTuple.local_ip.value,
            (std::uint64_t{kClientIsn.raw()} << 32) | (std::uint64_t{kTuple.remote_port} << 16) |
                kTuple.local_port};
        const auto tag = aes.encrypt({aes.encrypt(first).lo ^ second.lo, aes.encrypt(first).hi ^ second.hi});
        CHECK((isn >> 4) == static_cast<std::uint32_t>(tag.lo >> 36));
        // The two PRFs give different cookies for the same key and input.
        CHECK(make_cookies(kKeyA).make_isn(kTuple, kClientIsn, kCookieMssTable[i], kNow).raw() != isn);
    }
}

TEST_CASE("S15 the per-tick cache never changes a cookie: across ticks, back in time and after rotations",
          "[syn-cookie]") {
    // One SynCookies makes every cookie in a random walk through instants
    // (forward within a tick, into the next ones, back to earlier ones) and
    // key rotations; a fresh one with the same keys, which has cached
    // nothing, must make the same cookie for each.
    const CookiePrf prf = GENERATE(from_range(test_prfs()));
    INFO("prf " << synline::tcp::to_string(prf));
    std::mt19937_64 rng(11);
    const std::array<SipKey, 3> keys{kKeyA, kKeyB, kKeyC};
    std::size_t current = 0, previous = 0;
    auto cookies = SynCookies(prf_config(prf), SynCookieKeys(keys[0], keys[0], Duration::zero(), Instant{}));
    Instant t = kNow;
    for (int step = 0; step < 4000; ++step) {
        switch (rng() % 8) {
            case 0: t = t + kTick; break;                                  // the next tick
            case 1: t = t + (-kTick); break;                               // back one tick
            case 2: t = t + Duration(static_cast<std::int64_t>(rng() % 1'000'000'000)); break;
            case 3: {                                                      // a rotation
                previous = current;
                current = (current + 1 + rng() % 2) % keys.size();
                cookies.rotate(keys[current], t);
                break;
            }
            default: break;                                                // the same instant
        }
        const FourTuple tuple{Ipv4Addr{static_cast<std::uint32_t>(rng())}, Ipv4Addr{static_cast<std::uint32_t>(rng())},
                              static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng())};
        const SeqNum client_isn{static_cast<std::uint32_t>(rng())};
        const auto mss = static_cast<std::uint16_t>(rng() % 2000);
        const SynCookies fresh(prf_config(prf), SynCookieKeys(keys[current], keys[previous], Duration::zero(), t));
        INFO("step " << step);
        REQUIRE(cookies.make_isn(tuple, client_isn, mss, t) == fresh.make_isn(tuple, client_isn, mss, t));
    }
}

TEST_CASE("S15 cookies drafted one by one and finished together equal make_isn's", "[syn-cookie]") {
    // As the SYN lane makes them: a burst's drafts under one instant, then
    // finish_isns() over all of them. The instant moves between bursts, so a
    // burst's first draft is sometimes the first of a tick (finished at once,
    // filling the tick's cache) and the rest wait for finish_isns().
    const CookiePrf prf = GENERATE(from_range(test_prfs()));
    INFO("prf " << synline::tcp::to_string(prf));
    std::mt19937_64 rng(12);
    const auto cookies = SynCookies(prf_config(prf), SynCookieKeys(kKeyA, kKeyB, Duration::zero(), Instant{}));
    const SynCookies fresh(prf_config(prf), SynCookieKeys(kKeyA, kKeyB, Duration::zero(), Instant{}));
    Instant t = kNow;
    std::size_t pending_at_finish = 0;
    for (int burst = 0; burst < 400; ++burst) {
        t = t + (rng() % 4 == 0 ? kTick : Duration(static_cast<std::int64_t>(rng() % 1'000'000)));
        struct Syn {
            FourTuple tuple;
            SeqNum client_isn;
            std::uint16_t mss;
        };
        std::vector<Syn> syns(1 + rng() % 32);
        std::vector<SynCookies::IsnDraft> drafts;
        for (Syn& s : syns) {
            s = {FourTuple{Ipv4Addr{static_cast<std::uint32_t>(rng())}, Ipv4Addr{static_cast<std::uint32_t>(rng())},
                           static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng())},
                 SeqNum{static_cast<std::uint32_t>(rng())}, static_cast<std::uint16_t>(rng() % 2000)};
            drafts.push_back(cookies.draft_isn(s.tuple, s.client_isn, s.mss, t));
        }
        for (const auto& d : drafts) pending_at_finish += d.done ? 0 : 1;
        cookies.finish_isns(drafts);
        for (std::size_t i = 0; i < syns.size(); ++i) {
            INFO("burst " << burst << ", SYN " << i);
            REQUIRE(drafts[i].done);
            REQUIRE(drafts[i].isn == fresh.make_isn(syns[i].tuple, syns[i].client_isn, syns[i].mss, t));
        }
    }
    // AES-128 leaves most drafts to finish_isns(); SipHash-2-4 finishes each at once.
    if (prf == CookiePrf::aes128) CHECK(pending_at_finish > 4000);
    else CHECK(pending_at_finish == 0);
}
