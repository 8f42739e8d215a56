// Loss recovery as the peer sees it: scripted ACKs in, exactly the expected
// retransmissions out (RFC 5681 3.2, RFC 6582, RFC 6298 5).
#include <catch2/catch.hpp>

#include <string>

#include "packet_script.hpp"

using namespace synline;
using namespace synline::test;

namespace {

constexpr std::uint32_t kSeg = 1460;  // the peer's MSS, no timestamps: whole segments

// Established, with `segments` full segments sent by the application and on
// the wire, the first of them segment number `first` of the connection.
void send_segments(Harness& h, std::uint32_t segments, std::uint32_t first = 0) {
    const std::string data(segments * kSeg, 'd');
    REQUIRE(h.conn().send({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()}) == data.size());
    auto out = h.take();
    REQUIRE(out.size() == segments);
    for (std::uint32_t i = 0; i < segments; ++i) REQUIRE(out[i].seq() == h.iss + 1 + (first + i) * kSeg);
}

SeqNum seg_start(const Harness& h, std::uint32_t i) { return h.iss + 1 + i * kSeg; }

}  // namespace

TEST_CASE("a partial ACK retransmits the next hole (NewReno)", "[established][recovery][rfc6582-3.2]") {
    Harness h;
    h.make_established();
    send_segments(h, 10);  // the initial window
    // Segments 0 and 3 are lost; 1, 2 and 4 each draw a duplicate ACK.
    for (int i = 0; i < 3; ++i) h.send(seg(ACK, P + 1, h.iss + 1));
    h.expect({{ACK, seg_start(h, 0), P + 1, {}, {}, kSeg}});  // fast retransmit
    // The rest draw more duplicates: nothing to send, no new data.
    for (int i = 0; i < 5; ++i) h.send(seg(ACK, P + 1, h.iss + 1));
    h.expect_nothing();
    // The retransmission fills the first hole: the ACK stops at the second.
    h.send(seg(ACK, P + 1, seg_start(h, 3)));
    h.expect({{ACK, seg_start(h, 3), P + 1, {}, {}, kSeg}});
    CHECK(h.stack.counters().recovery.partial_acks == 1);
    // Everything acknowledged: recovery ends, nothing more is resent.
    h.send(seg(ACK, P + 1, seg_start(h, 10)));
    h.expect_nothing();
    const auto& rc = h.stack.counters().recovery;
    CHECK(rc.fast_retransmits == 1);
    CHECK(rc.cwnd_reductions == 1);
    CHECK(rc.timeouts == 0);
    CHECK(h.stack.counters().retransmits == 2);
    // ssthresh is 0.7 of the 10-segment window (CUBIC); with nothing left in
    // flight cwnd restarts from FlightSize + SMSS (RFC 6582 3.2 (3), option 1).
    CHECK(h.conn().congestion().ssthresh() == static_cast<std::uint32_t>(10 * kSeg * 0.7));
    CHECK(h.conn().congestion().cwnd() == 2 * kSeg);
}

TEST_CASE("NewReno as the congestion controller halves the flight on a loss",
          "[established][recovery][rfc5681-3.2]") {
    tcp::StackConfig cfg = test_config();
    cfg.congestion_control = tcp::CongestionAlgorithm::newreno;
    Harness h(cfg);
    h.make_established();
    REQUIRE(h.conn().congestion().algorithm() == tcp::CongestionAlgorithm::newreno);
    send_segments(h, 10);
    for (int i = 0; i < 3; ++i) h.send(seg(ACK, P + 1, h.iss + 1));
    h.expect({{ACK, seg_start(h, 0), P + 1, {}, {}, kSeg}});
    CHECK(h.conn().congestion().ssthresh() == 5 * kSeg);
}

TEST_CASE("duplicate ACKs after a timeout do not start a second recovery (RFC 6582 4.1)",
          "[established][recovery][rfc6582-4.1]") {
    Harness h;
    h.make_established();
    send_segments(h, 4);
    CHECK(h.advance_until_sent(10s) == h.cfg.min_rto);  // RTT 0 in the handshake: RTO = min_rto
    h.expect({{ACK, seg_start(h, 0), P + 1, {}, {}, kSeg}});  // go-back-N, cwnd one segment
    // The originals of 1..3 arrive late and draw duplicates: they are no loss signal.
    for (int i = 0; i < 3; ++i) h.send(seg(ACK, P + 1, h.iss + 1));
    h.expect_nothing();
    CHECK(h.stack.counters().recovery.fast_retransmits == 0);
}

TEST_CASE("an RTO after a lost retransmission backs off and recovers", "[established][recovery][rfc6298-5]") {
    Harness h;
    h.make_established();
    send_segments(h, 4);
    const Duration rto = h.cfg.min_rto;
    h.advance(50ms);
    for (int i = 0; i < 3; ++i) h.send(seg(ACK, P + 1, h.iss + 1));
    h.expect({{ACK, seg_start(h, 0), P + 1, {}, {}, kSeg}});  // fast retransmit: lost as well
    // The timer still runs from the first transmission (RFC 6298 5.3: no restart on duplicates).
    CHECK(h.advance_until_sent(10s) == rto - 50ms);
    h.expect({{ACK, seg_start(h, 0), P + 1, {}, {}, kSeg}});
    const auto& rc = h.stack.counters().recovery;
    CHECK(rc.timeouts == 1);
    CHECK(h.conn().congestion().cwnd() == kSeg);  // RFC 5681 3.1 (5): the loss window
    const std::uint32_t ssthresh = h.conn().congestion().ssthresh();
    // Lost again: the timer doubles (RFC 6298 5.5); ssthresh is not cut twice.
    CHECK(h.advance_until_sent(10s) == 2 * rto);
    h.expect({{ACK, seg_start(h, 0), P + 1, {}, {}, kSeg}});
    CHECK(rc.timeouts == 2);
    CHECK(rc.cwnd_reductions == 2);  // the fast retransmit and the first timeout
    CHECK(h.conn().congestion().ssthresh() == ssthresh);
    // It arrives: the hole is filled, the peer holds the rest, slow start resumes.
    h.send(seg(ACK, P + 1, seg_start(h, 4)));
    h.expect_nothing();
    CHECK(h.conn().congestion().cwnd() == 2 * kSeg);
    // New data flows at once. Its ACK is the first RTT sample since the
    // timeouts (Karn): the backed-off timer goes back to the computed RTO.
    send_segments(h, 2, 4);
    h.advance(10ms);
    h.send(seg(ACK, P + 1, seg_start(h, 6)));
    h.expect_nothing();
    send_segments(h, 3, 6);  // cwnd grew by the two segments acknowledged
    CHECK(h.advance_until_sent(10s) == rto);
}
