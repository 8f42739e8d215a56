// Fast retransmit and NewReno fast recovery bookkeeping (lib/tcp/loss_recovery.hpp):
// RFC 5681 3.2 and RFC 6582 3.2, without a connection.
#include <catch2/catch.hpp>

#include "tcp/loss_recovery.hpp"

using namespace synline;
using namespace synline::tcp;
using net::SeqNum;
using Dup = LossRecovery::Dup;
using Advance = LossRecovery::Advance;

namespace {
constexpr std::uint32_t kMss = 1000;
}

TEST_CASE("the third duplicate ACK enters recovery; later ones inflate the window (RFC 6582 3.2 (2), (4))",
          "[loss-recovery][rfc6582]") {
    LossRecovery r;
    r.start(SeqNum(1));
    const SeqNum una(1), max(1 + 20 * kMss);
    CHECK(r.on_duplicate_ack(una, max, kMss) == Dup::counted);
    CHECK(r.on_duplicate_ack(una, max, kMss) == Dup::counted);
    CHECK_FALSE(r.in_recovery());
    CHECK(r.on_duplicate_ack(una, max, kMss) == Dup::enter);
    CHECK(r.in_recovery());
    CHECK(r.recover() == max);
    CHECK(r.send_window(10 * kMss, kMss) == 13 * kMss);  // ssthresh + 3 SMSS
    CHECK(r.on_duplicate_ack(una, max, kMss) == Dup::inflate);
    CHECK(r.send_window(10 * kMss, kMss) == 14 * kMss);
}

TEST_CASE("a partial ACK deflates by what it acknowledged plus one SMSS back; a full ACK ends recovery",
          "[loss-recovery][rfc6582]") {
    LossRecovery r;
    r.start(SeqNum(1));
    const SeqNum max(1 + 20 * kMss);
    for (int i = 0; i < 3; ++i) r.on_duplicate_ack(SeqNum(1), max, kMss);
    REQUIRE(r.in_recovery());
    CHECK(r.on_advance(SeqNum(1 + 4 * kMss), 4 * kMss, kMss) == Advance::partial);
    CHECK(r.in_recovery());
    CHECK(r.send_window(10 * kMss, kMss) == 10 * kMss);  // 13 - 4 + 1
    CHECK(r.on_advance(SeqNum(1 + 4 * kMss + 10), 10, kMss) == Advance::partial);  // under one SMSS: none back
    CHECK(r.send_window(10 * kMss, kMss) == 10 * kMss - 10);
    CHECK(r.on_advance(max, 16 * kMss - 10, kMss) == Advance::full);
    CHECK_FALSE(r.in_recovery());
    CHECK(r.on_advance(max + kMss, kMss, kMss) == Advance::normal);
}

TEST_CASE("the send window never falls below one segment", "[loss-recovery]") {
    LossRecovery r;
    r.start(SeqNum(1));
    for (int i = 0; i < 3; ++i) r.on_duplicate_ack(SeqNum(1), SeqNum(1 + 100 * kMss), kMss);
    r.on_advance(SeqNum(1 + 50 * kMss), 50 * kMss, kMss);
    CHECK(r.send_window(2 * kMss, kMss) == kMss);
}

TEST_CASE("after a timeout, duplicates of data sent before it start no recovery (RFC 6582 4.1)",
          "[loss-recovery][rfc6582]") {
    LossRecovery r;
    r.start(SeqNum(1));
    const SeqNum max(1 + 20 * kMss);
    r.on_duplicate_ack(SeqNum(1), max, kMss);
    r.on_timeout(max);
    CHECK_FALSE(r.in_recovery());
    CHECK(r.dup_acks() == 0);
    const SeqNum una(1 + 5 * kMss);  // the go-back-N retransmissions are being acknowledged
    r.on_advance(una, 5 * kMss, kMss);
    for (int i = 0; i < 5; ++i) CHECK(r.on_duplicate_ack(una, max, kMss) == Dup::counted);
    CHECK_FALSE(r.in_recovery());
    // Once everything sent before the timeout is acknowledged, losses count again.
    r.on_advance(max, 15 * kMss, kMss);
    for (int i = 0; i < 2; ++i) CHECK(r.on_duplicate_ack(max, max + 10 * kMss, kMss) == Dup::counted);
    CHECK(r.on_duplicate_ack(max, max + 10 * kMss, kMss) == Dup::enter);
}
