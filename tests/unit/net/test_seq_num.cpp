// Sequence number arithmetic modulo 2^32 (RFC 9293 3.4).
#include <catch2/catch.hpp>

#include <cstdint>

#include "net/seq_num.hpp"

using synline::net::SeqNum;
using synline::net::seq_in_window;
using synline::net::seq_max;

TEST_CASE("ordering wraps around: 0xffffffff < 0", "[seq][rfc9293-3.4]") {
    const SeqNum top(0xffffffff), zero(0);
    CHECK(top < zero);
    CHECK(top <= zero);
    CHECK(zero > top);
    CHECK(zero >= top);
    CHECK_FALSE(zero < top);
    CHECK(top + 1 == zero);
    CHECK(zero - 1 == top);
    CHECK(SeqNum(0xfffffff0) < SeqNum(0x10));
    CHECK(SeqNum(0x7fffffff) > SeqNum(0));
    CHECK(SeqNum(5) <= SeqNum(5));
    CHECK(SeqNum(5) >= SeqNum(5));
    CHECK_FALSE(SeqNum(5) < SeqNum(5));
}

TEST_CASE("distance is signed and wraps", "[seq][rfc9293-3.4]") {
    CHECK(SeqNum(0) - SeqNum(0xffffffff) == 1);
    CHECK(SeqNum(0xffffffff) - SeqNum(0) == -1);
    CHECK(SeqNum(10) - SeqNum(0xfffffff6) == 20);
    CHECK(SeqNum(1000) - SeqNum(1000) == 0);
    CHECK(SeqNum(0x7fffffff) - SeqNum(0) == 0x7fffffff);
    // Exactly half the space apart: the distance is -2^31 and reads as "before".
    CHECK(SeqNum(0x80000000) - SeqNum(0) == INT32_MIN);
    CHECK(SeqNum(0x80000000) < SeqNum(0));
}

TEST_CASE("adding and subtracting counts wraps", "[seq]") {
    SeqNum s(0xfffffffe);
    s += 3;
    CHECK(s.raw() == 1);
    CHECK((SeqNum(2) - 3u).raw() == 0xffffffff);
    CHECK((SeqNum(0xffffffff) + 0xffffffffu).raw() == 0xfffffffe);
}

TEST_CASE("seq_in_window: start inclusive, end exclusive", "[seq][rfc9293-3.4]") {
    const SeqNum start(1000);
    CHECK(seq_in_window(SeqNum(1000), start, 10));
    CHECK(seq_in_window(SeqNum(1009), start, 10));
    CHECK_FALSE(seq_in_window(SeqNum(1010), start, 10));
    CHECK_FALSE(seq_in_window(SeqNum(999), start, 10));
    // An empty window holds nothing, not even its start.
    CHECK_FALSE(seq_in_window(start, start, 0));
    // A window of one holds exactly its start.
    CHECK(seq_in_window(start, start, 1));
    CHECK_FALSE(seq_in_window(start + 1, start, 1));
}

TEST_CASE("seq_in_window across the wrap", "[seq][rfc9293-3.4]") {
    const SeqNum start(0xfffffff0);
    CHECK(seq_in_window(SeqNum(0xfffffff0), start, 0x20));
    CHECK(seq_in_window(SeqNum(0xffffffff), start, 0x20));
    CHECK(seq_in_window(SeqNum(0), start, 0x20));
    CHECK(seq_in_window(SeqNum(0xf), start, 0x20));
    CHECK_FALSE(seq_in_window(SeqNum(0x10), start, 0x20));
    CHECK_FALSE(seq_in_window(SeqNum(0xffffffef), start, 0x20));
    // The largest window: everything but the byte before start.
    CHECK(seq_in_window(start + 0xfffffffe, start, 0xffffffff));
    CHECK_FALSE(seq_in_window(start - 1, start, 0xffffffff));
}

TEST_CASE("seq_max picks the later number, across the wrap", "[seq]") {
    CHECK(seq_max(SeqNum(1), SeqNum(2)) == SeqNum(2));
    CHECK(seq_max(SeqNum(2), SeqNum(1)) == SeqNum(2));
    CHECK(seq_max(SeqNum(0xffffffff), SeqNum(3)) == SeqNum(3));
    CHECK(seq_max(SeqNum(3), SeqNum(0xffffffff)) == SeqNum(3));
    CHECK(seq_max(SeqNum(7), SeqNum(7)) == SeqNum(7));
}

TEST_CASE("SeqNum is usable in constant expressions", "[seq]") {
    static_assert(SeqNum(0xffffffff) < SeqNum(0));
    static_assert((SeqNum(0xffffffff) + 1).raw() == 0);
    static_assert(seq_in_window(SeqNum(0), SeqNum(0xffffffff), 2));
    SUCCEED();
}
