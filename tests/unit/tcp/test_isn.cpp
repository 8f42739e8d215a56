#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>

#include "net/four_tuple.hpp"
#include "tcp/isn.hpp"

using namespace std::chrono_literals;
using synline::net::FourTuple;
using synline::net::Ipv4Addr;
using synline::tcp::Instant;
using synline::tcp::IsnGenerator;
using synline::tcp::SipKey;

namespace {

constexpr SipKey kKey{0x0123456789abcdefull, 0xfedcba9876543210ull};
constexpr FourTuple kTuple{Ipv4Addr{0x0a000001}, Ipv4Addr{0x0a000002}, 80, 40000};
constexpr Instant kSomeTime{123456789us};

}  // namespace

TEST_CASE("ISN: same tuple and time give the same ISN", "[isn][rfc6528-3]") {
    const IsnGenerator isn(kKey);
    CHECK(isn.next(kTuple, kSomeTime) == isn.next(kTuple, kSomeTime));
    CHECK(IsnGenerator(kKey).next(kTuple, kSomeTime) == isn.next(kTuple, kSomeTime));
}

TEST_CASE("ISN: each field of the 4-tuple changes the ISN", "[isn][rfc6528-3]") {
    const IsnGenerator isn(kKey);
    const auto base = isn.next(kTuple, kSomeTime);

    FourTuple other = kTuple;
    other.local_ip.value ^= 1;
    CHECK(isn.next(other, kSomeTime) != base);
    other = kTuple;
    other.remote_ip.value ^= 1;
    CHECK(isn.next(other, kSomeTime) != base);
    other = kTuple;
    other.local_port ^= 1;
    CHECK(isn.next(other, kSomeTime) != base);
    other = kTuple;
    other.remote_port ^= 1;
    CHECK(isn.next(other, kSomeTime) != base);
    // Swapping the two ends is a different tuple, not the same connection seen back.
    const FourTuple mirrored{kTuple.remote_ip, kTuple.local_ip, kTuple.remote_port, kTuple.local_port};
    CHECK(isn.next(mirrored, kSomeTime) != base);
}

TEST_CASE("ISN: advances by one every 4 microseconds for a fixed tuple", "[isn][rfc6528-3][rfc9293-3.4.1]") {
    const IsnGenerator isn(kKey);
    const Instant aligned{1000000us};  // a multiple of 4 us
    const auto base = isn.next(kTuple, aligned);
    CHECK(isn.next(kTuple, aligned + 3us) == base);
    CHECK(isn.next(kTuple, aligned + 4us) == base + 1);
    CHECK(isn.next(kTuple, aligned + 40us) == base + 10);
    CHECK(isn.next(kTuple, aligned + 1s) == base + 250000);
    // The 32-bit sequence space wraps after 2^32 * 4 us, about 4.77 hours.
    CHECK(isn.next(kTuple, aligned + 4us * (std::int64_t{1} << 32)) == base);
}

TEST_CASE("ISN: different keys give different ISNs", "[isn][rfc6528-3]") {
    const IsnGenerator a(kKey);
    const IsnGenerator b(SipKey{kKey.k0, kKey.k1 + 1});
    CHECK(a.next(kTuple, kSomeTime) != b.next(kTuple, kSomeTime));
}

TEST_CASE("ISN: random_sip_key returns a fresh secret each call", "[isn]") {
    const SipKey first = synline::tcp::random_sip_key();
    const SipKey second = synline::tcp::random_sip_key();
    CHECK(first != second);  // equal with probability 2^-128
    CHECK(first != SipKey{});
}
