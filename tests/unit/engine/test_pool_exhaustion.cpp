// The mbuf pool runs dry under a worker (worker_rig.hpp): a reply that needs
// a fresh mbuf is dropped and counted (drop.no_tx_buffer), nothing is lost
// for good, and once mbufs are back the same exchange is answered; every mbuf
// returns to the pool.
#include <catch2/catch.hpp>

#include <vector>

#include "worker_rig.hpp"

using namespace synline;
using namespace synline::engine::test;

TEST_CASE("exhaustion: with the mbuf pool empty a reply is dropped and counted, and answered once mbufs return",
          "[exhaustion][mbuf]") {
    LaneRig rig;
    Server server(rig, tcp::ListenOptions{});
    const auto synacks = rig.exchange(*server.worker, {frame_of(PeerSegment{}, rig.mac())});
    REQUIRE(synacks.size() == 1);
    const ParsedReply synack = parse_reply_to_peer(synacks[0], rig.mac());
    PeerSegment ack;
    ack.seq = kPeerIsn + 1;
    ack.ack = synack.tcp.seq.raw() + 1;
    ack.flags = flag::ack;
    REQUIRE(rig.exchange(*server.worker, {frame_of(ack, rig.mac())}).empty());
    REQUIRE(server.handler.established == 1);

    // Data far outside the window must be answered with an ACK at once
    // (RFC 9293 3.10.7.4); it carries payload, so its own mbuf cannot hold
    // the reply and a fresh one is needed.
    PeerSegment stray = ack;
    stray.seq = kPeerIsn + 1 + 0x40000000;
    stray.payload = {'x', 'y', 'z'};
    rte_mbuf* frame = rig.received(frame_of(stray, rig.mac()));
    std::vector<rte_mbuf*> hoard;  // every other mbuf of the pool
    while (rte_mbuf* m = rig.alloc()) hoard.push_back(m);
    CHECK(rig.free_mbufs() == 0);
    CHECK(rig.process_burst(*server.worker, {frame}).empty());
    CHECK(nonzero(*server.worker, "drop.") == Counts{{"drop.no_tx_buffer", 1}});
    for (rte_mbuf* m : hoard) rte_pktmbuf_free(m);

    const auto replies = rig.exchange(*server.worker, {frame_of(stray, rig.mac())});
    REQUIRE(replies.size() == 1);
    const ParsedReply p = parse_reply_to_peer(replies[0], rig.mac());
    CHECK(p.tcp.flags == flag::ack);
    CHECK(p.tcp.ack == net::SeqNum(kPeerIsn + 1));
    CHECK(nonzero(*server.worker, "drop.") == Counts{{"drop.no_tx_buffer", 1}});
    CHECK(server.worker->stack().connection_count() == 1);
    CHECK(server.worker->stack().audit().empty());
    server.worker.reset();
    CHECK(rig.free_mbufs() == 1023);
}
