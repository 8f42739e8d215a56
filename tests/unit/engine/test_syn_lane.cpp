// The SYN fast lane (lib/engine/worker_syn_lane.cpp) through a real Worker
// over a net_ring vdev, whose TX comes back on its RX: frames go in through
// Worker::process() as after rte_eth_rx_burst, the replies are read back from
// the ring (the rig is worker_rig.hpp). Each test case adds a vdev of its own
// and removes it at the end, so the ports the other EAL tests count and name
// are not disturbed.
//
// Which path answered: each received mbuf carries the port it came in on, as
// a PMD sets it. The lane writes the SYN-ACK over the SYN's mbuf and leaves
// that field alone; the general path's send() resets (or allocates) the mbuf
// it writes into, which makes it RTE_MBUF_PORT_INVALID.
#include <catch2/catch.hpp>

#include <vector>

#include "worker_rig.hpp"

using namespace synline;
using namespace synline::engine::test;
using engine::Worker;
using net::Ipv4Addr;
namespace flag = net::tcp_flag;

namespace {

// A SYN's options and what the SYN offers through them.
struct SynLayout {
    const char* name;
    std::vector<std::uint8_t> options;
    bool timestamps;
    bool sack_permitted;
    bool window_scale;
};

const std::vector<SynLayout>& syn_layouts() {
    static const std::vector<SynLayout> layouts{
        {"no options", {}, false, false, false},
        {"MSS only", OptionBytes().mss(1400).bytes(), false, false, false},
        {"Linux's 20 bytes: MSS, SACK-permitted, TS, NOP, WS",
         OptionBytes().mss(1460).sack_permitted().timestamps(kPeerTsval, 0).nop().window_scale(7).bytes(), true,
         true, true},
        {"MSS, NOP NOP TS, NOP WS: timestamps without SACK",
         OptionBytes().mss(1460).nop().nop().timestamps(kPeerTsval, 0).nop().window_scale(9).bytes(), true, false,
         true},
        {"NOP NOP TS alone", OptionBytes().nop().nop().timestamps(kPeerTsval, 0).bytes(), true, false, false},
        {"NOPs first, then WS, TS, SACK-permitted, MSS",
         OptionBytes().nop().nop().nop().window_scale(2).timestamps(kPeerTsval, 0).sack_permitted().mss(8960).bytes(),
         true, true, true},
        {"unknown kinds 253 and 34 among MSS, SACK-permitted, TS",
         OptionBytes().mss(536).add({253, 6, 1, 2, 3, 4}).add({34, 2}).sack_permitted().timestamps(kPeerTsval, 0)
             .bytes(),
         true, true, false},
        {"SACK-permitted and WS without timestamps (S16: neither is answered)",
         OptionBytes().mss(1460).sack_permitted().nop().window_scale(7).bytes(), false, true, true},
        {"options after end-of-options are not read",
         OptionBytes().mss(1460).add({net::option_kind::end}).add({8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1}).bytes(),
         false, false, false},
    };
    return layouts;
}

PeerSegment syn_with(const SynLayout& l) {
    PeerSegment s;
    s.options = l.options;
    return s;
}

// The cookie SYN-ACK for a SYN of layout `l` (S15, S16): ack = ISN + 1, our
// MSS always; timestamps when the SYN had them, and then also window scale
// and SACK-permitted as the SYN offered them; neither without timestamps.
void check_cookie_synack(const ParsedReply& p, const SynLayout& l, const tcp::StackConfig& config) {
    INFO("SYN layout: " << l.name);
    CHECK(p.tcp.flags == (flag::syn | flag::ack));
    CHECK(p.tcp.ack == net::SeqNum(kPeerIsn + 1));
    CHECK(p.tcp.window == 0xffff);  // 256 KiB receive buffer, unscaled in a SYN-ACK
    CHECK(p.tcp.options.mss == config.mss);
    CHECK(p.tcp.options.timestamps.has_value() == l.timestamps);
    if (l.timestamps) CHECK(p.tcp.options.timestamps->echo == kPeerTsval);
    CHECK(p.tcp.options.sack_permitted == (l.timestamps && l.sack_permitted));
    if (l.timestamps && l.window_scale)
        CHECK(p.tcp.options.window_scale == tcp::window_scale_for(config.receive_buffer));
    else
        CHECK_FALSE(p.tcp.options.window_scale.has_value());
}

// The handshake's last ACK for the SYN-ACK `synack`: seq = ISN + 1,
// ack = cookie + 1, and TSecr = our TSval when timestamps were agreed.
PeerSegment final_ack_for(const ParsedReply& synack) {
    PeerSegment ack;
    ack.seq = kPeerIsn + 1;
    ack.ack = synack.tcp.seq.raw() + 1;
    ack.flags = flag::ack;
    ack.window = 502;
    if (synack.tcp.options.timestamps)
        ack.options =
            OptionBytes().nop().nop().timestamps(kPeerTsval + 1, synack.tcp.options.timestamps->value).bytes();
    return ack;
}

// SYN through the lane, then the final ACK: an established connection.
// Returns the SYN-ACK.
ParsedReply complete_cookie_handshake(const LaneRig& rig, Server& server, const SynLayout& l) {
    const auto synacks = rig.exchange(*server.worker, {frame_of(syn_with(l), rig.mac())});
    REQUIRE(synacks.size() == 1);
    CHECK(synacks[0].written_in_place);
    const ParsedReply synack = parse_reply_to_peer(synacks[0], rig.mac());
    CHECK(rig.exchange(*server.worker, {frame_of(final_ack_for(synack), rig.mac())}).empty());
    return synack;
}

// The bytes of a frame but the IPv4 ID and header checksum, which differ
// between two answers to the same SYN.
std::vector<std::uint8_t> without_ip_id_and_checksum(std::vector<std::uint8_t> frame) {
    for (std::size_t at : {kIpAt + 4, kIpAt + 5, kIpAt + 10, kIpAt + 11}) frame.at(at) = 0;
    return frame;
}

}  // namespace

TEST_CASE("SYN lane: its SYN-ACK is the general path's but for the IPv4 ID and checksum",
          "[syn-lane][s15][s16]") {
    LaneRig rig;
    for (const SynLayout& l : syn_layouts()) {
        INFO("SYN layout: " << l.name);
        Server server(rig, cookies_always());
        const auto syn = frame_of(syn_with(l), rig.mac());
        // The same SYN twice in one burst (one clock reading, so one TSval):
        // first an mbuf the worker owns alone, which takes the lane; then one
        // with a second reference, which the lane must leave to the general path.
        rte_mbuf* lane = rig.received(syn);
        rte_mbuf* shared = rig.received(syn);
        rte_mbuf_refcnt_update(shared, 1);
        const auto replies = rig.process_burst(*server.worker, {lane, shared});
        CHECK(rte_mbuf_refcnt_read(shared) == 1);  // the worker let go of its reference, did not send it
        rte_pktmbuf_free(shared);
        REQUIRE(replies.size() == 2);
        CHECK(replies[0].written_in_place);
        CHECK_FALSE(replies[1].written_in_place);
        CHECK(without_ip_id_and_checksum(replies[0].bytes) == without_ip_id_and_checksum(replies[1].bytes));
        CHECK(net::load_be16(replies[1].bytes.data() + kIpAt + 4) ==
              net::load_be16(replies[0].bytes.data() + kIpAt + 4) + 1);
        check_cookie_synack(parse_reply_to_peer(replies[0], rig.mac()), l, server.worker->stack().config());
        const auto& hs = server.worker->stack().counters().handshake;
        CHECK(hs.syns_received == 2);
        CHECK(hs.synacks_from_cookie == 2);
        CHECK(server.worker->stack().counters().segments_in == 2);
        CHECK(server.worker->stack().counters().segments_out == 2);
        CHECK(nonzero(*server.worker, "drop.").empty());
    }
    CHECK(rig.free_mbufs() == 1023);
}

TEST_CASE("SYN lane: a burst's cookies, finished together, each complete their handshake; replies keep the "
          "frames' order",
          "[syn-lane][s15]") {
    // Eight SYNs from eight ports, and in their midst one the lane must leave
    // (IPv4 options), which sends the lane's batch out before the general path
    // answers it.
    LaneRig rig;
    Server server(rig, cookies_always());
    constexpr std::uint16_t kGeneralPort = kPeerPort + 100;
    std::vector<std::uint16_t> ports;
    std::vector<rte_mbuf*> burst;
    for (std::uint16_t i = 0; i < 9; ++i) {
        PeerSegment syn = syn_with(syn_layouts()[2]);  // Linux's options
        syn.src_port = i == 4 ? kGeneralPort : static_cast<std::uint16_t>(kPeerPort + i);
        if (i == 4) syn.ip_options = {1, 1, 1, 0};
        ports.push_back(syn.src_port);
        burst.push_back(rig.received(frame_of(syn, rig.mac())));
    }
    const auto synacks = rig.process_burst(*server.worker, burst);
    REQUIRE(synacks.size() == ports.size());
    std::vector<rte_mbuf*> final_acks;
    for (std::size_t i = 0; i < synacks.size(); ++i) {
        INFO("reply " << i);
        CHECK(synacks[i].written_in_place == (i != 4));
        const ParsedReply p = parse_reply(synacks[i]);
        REQUIRE(p.tcp.dst_port == ports[i]);
        CHECK(p.tcp.flags == (flag::syn | flag::ack));
        if (i > 0) CHECK(net::load_be16(synacks[i].bytes.data() + kIpAt + 4) ==
                         net::load_be16(synacks[i - 1].bytes.data() + kIpAt + 4) + 1);
        PeerSegment ack = final_ack_for(p);
        ack.src_port = ports[i];
        final_acks.push_back(rig.received(frame_of(ack, rig.mac())));
    }
    CHECK(rig.process_burst(*server.worker, final_acks).empty());
    const tcp::Stack& stack = server.worker->stack();
    CHECK(stack.counters().handshake.synacks_from_cookie == 9);
    CHECK(stack.counters().handshake.cookies_validated == 9);
    CHECK(stack.counters().handshake.cookies_bad_hash == 0);
    CHECK(stack.connection_count() == 9);
    CHECK(server.handler.established == 9);
    CHECK(nonzero(*server.worker, "drop.").empty());
}

TEST_CASE("SYN lane: its SYN-ACK verifies and completes a cookie handshake",
          "[syn-lane][s15][s16]") {
    LaneRig rig;
    for (const SynLayout& l : syn_layouts()) {
        INFO("SYN layout: " << l.name);
        Server server(rig, cookies_always());
        const ParsedReply synack = complete_cookie_handshake(rig, server, l);
        check_cookie_synack(synack, l, server.worker->stack().config());
        const tcp::Stack& stack = server.worker->stack();
        CHECK(stack.counters().handshake.cookies_validated == 1);
        CHECK(stack.counters().handshake.cookies_bad_hash == 0);
        CHECK(stack.counters().connections_opened_passive == 1);
        CHECK(stack.connection_count() == 1);
        CHECK(server.handler.established == 1);
        const Counts all = all_counters(*server.worker);
        CHECK(all.at("rx_packets") == 2);
        CHECK(all.at("tx_packets") == 1);  // the SYN-ACK; the final ACK is not answered
        CHECK(nonzero(*server.worker, "drop.").empty());
    }
}

namespace {

enum class Answer { none, general_synack, rst };

// A frame the lane must leave alone, and what the general path makes of it.
struct OffLaneCase {
    const char* name;
    PeerSegment segment;
    // Applied to the received mbuf (after the checksums were written).
    void (*damage)(rte_mbuf*);
    Counts drops;         // drop.* counters afterwards
    Counts tcp_counters;  // tcp.rst_sent.* and tcp.dropped.* afterwards
    Answer answer;
};

std::uint8_t& frame_byte(rte_mbuf* m, std::size_t at) { return rte_pktmbuf_mtod(m, std::uint8_t*)[at]; }

PeerSegment linux_syn() { return syn_with(syn_layouts()[2]); }

PeerSegment linux_syn_and(void (*change)(PeerSegment&)) {
    PeerSegment s = linux_syn();
    change(s);
    return s;
}

std::vector<OffLaneCase> off_lane_cases() {
    const auto intact = [](rte_mbuf*) {};
    return {
        {"bad IPv4 header checksum", linux_syn(), [](rte_mbuf* m) { frame_byte(m, kIpAt + 10) ^= 0x01; },
         {{"drop.ipv4_bad_checksum", 1}}, {}, Answer::none},
        {"bad TCP checksum", linux_syn(), [](rte_mbuf* m) { frame_byte(m, kTcpAt + 16) ^= 0x01; },
         {{"drop.tcp_bad_checksum", 1}}, {}, Answer::none},
        {"IPv4 fragment: more fragments", linux_syn_and([](PeerSegment& s) { s.fragment = 0x2000; }), intact,
         {{"drop.ipv4_fragment", 1}}, {}, Answer::none},
        {"IPv4 fragment: offset", linux_syn_and([](PeerSegment& s) { s.fragment = 0x0010; }), intact,
         {{"drop.ipv4_fragment", 1}}, {}, Answer::none},
        {"IPv4 options (IHL 6), otherwise a valid SYN",
         linux_syn_and([](PeerSegment& s) { s.ip_options = {1, 1, 1, 0}; }), intact, {}, {},
         Answer::general_synack},
        {"SYN+ACK", linux_syn_and([](PeerSegment& s) { s.flags |= flag::ack; s.ack = 0x11223344; }), intact, {},
         {{"tcp.rst_sent.no_connection", 1}}, Answer::rst},
        {"SYN+RST", linux_syn_and([](PeerSegment& s) { s.flags |= flag::rst; }), intact, {},
         {{"tcp.dropped.rst_no_connection", 1}}, Answer::none},
        {"SYN with payload", linux_syn_and([](PeerSegment& s) { s.payload = {'G', 'E', 'T', ' ', '/', '\r', '\n'}; }),
         intact, {}, {}, Answer::general_synack},
        {"SYN to another IPv4 address", linux_syn_and([](PeerSegment& s) { s.dst = kOtherIp; }), intact,
         {{"drop.ipv4_not_for_us", 1}}, {}, Answer::none},
        {"truncated: IPv4 total length beyond the frame",
         linux_syn_and([](PeerSegment& s) { s.extra_total_length = 8; }), intact, {{"drop.ipv4_truncated", 1}}, {},
         Answer::none},
        // As if the NIC had delivered 8 bytes less: the rest of the frame is
        // still in the buffer, so only the lengths tell that it is cut.
        {"truncated: frame cut inside the TCP options, total length and data offset intact", linux_syn(),
         [](rte_mbuf* m) { REQUIRE(rte_pktmbuf_trim(m, 8) == 0); }, {{"drop.ipv4_truncated", 1}}, {},
         Answer::none},
        {"broadcast source address", linux_syn_and([](PeerSegment& s) { s.src = Ipv4Addr{0xffffffff}; }), intact,
         {{"drop.tcp_bad_address", 1}}, {}, Answer::none},
        {"TCP data offset below 5 words", linux_syn_and([](PeerSegment& s) { s.data_offset_words = 4; }), intact,
         {{"drop.tcp_bad_data_offset", 1}}, {}, Answer::none},
        {"malformed option (MSS with length 0)",
         linux_syn_and([](PeerSegment& s) { s.options = {net::option_kind::mss, 0, 0, 0}; }), intact,
         {{"drop.tcp_bad_option", 1}}, {}, Answer::none},
    };
}

}  // namespace

TEST_CASE("SYN lane: frames it must not take are counted by the general path under their reason",
          "[syn-lane]") {
    LaneRig rig;
    for (const OffLaneCase& c : off_lane_cases()) {
        INFO("frame: " << c.name);
        Server server(rig, cookies_always());
        rte_mbuf* m = rig.received(frame_of(c.segment, rig.mac()));
        c.damage(m);
        const auto replies = rig.process_burst(*server.worker, {m});
        CHECK(nonzero(*server.worker, "drop.") == c.drops);
        Counts tcp_counters = nonzero(*server.worker, "tcp.rst_sent.");
        tcp_counters.merge(nonzero(*server.worker, "tcp.dropped."));
        CHECK(tcp_counters == c.tcp_counters);
        const auto& hs = server.worker->stack().counters().handshake;
        switch (c.answer) {
            case Answer::none:
                CHECK(replies.empty());
                CHECK(hs.synacks_from_cookie == 0);
                break;
            case Answer::general_synack: {
                REQUIRE(replies.size() == 1);
                CHECK_FALSE(replies[0].written_in_place);
                const ParsedReply p = parse_reply_to_peer(replies[0], rig.mac());
                CHECK(p.tcp.flags == (flag::syn | flag::ack));
                CHECK(p.tcp.ack == net::SeqNum(kPeerIsn + 1));  // a SYN's payload is not acknowledged
                CHECK(hs.synacks_from_cookie == 1);
                break;
            }
            case Answer::rst: {
                REQUIRE(replies.size() == 1);
                const ParsedReply p = parse_reply_to_peer(replies[0], rig.mac());
                CHECK(p.tcp.flags == flag::rst);  // RFC 9293 3.10.7.2: <SEQ=SEG.ACK><CTL=RST>
                CHECK(p.tcp.seq == net::SeqNum(c.segment.ack));
                CHECK(hs.synacks_from_cookie == 0);
                break;
            }
        }
        CHECK(server.worker->stack().connection_count() == 0);
    }
    CHECK(rig.free_mbufs() == 1023);
}

TEST_CASE("SYN lane: a listener that keeps state gets the SYN through the stack: a SYN-queue entry",
          "[syn-lane][s12]") {
    LaneRig rig;
    Server server(rig, tcp::ListenOptions{});  // on_overflow, room in the SYN queue
    const auto replies = rig.exchange(*server.worker, {frame_of(linux_syn(), rig.mac())});
    REQUIRE(replies.size() == 1);
    CHECK_FALSE(replies[0].written_in_place);
    const ParsedReply p = parse_reply_to_peer(replies[0], rig.mac());
    CHECK(p.tcp.flags == (flag::syn | flag::ack));
    CHECK(p.tcp.ack == net::SeqNum(kPeerIsn + 1));
    const tcp::Stack& stack = server.worker->stack();
    CHECK(stack.listener_stats(kListenPort)->syn_queue == 1);
    CHECK(stack.counters().handshake.synacks_from_queue == 1);
    CHECK(stack.counters().handshake.synacks_from_cookie == 0);
    CHECK(stack.connection_count() == 1);
}

TEST_CASE("SYN lane: once the SYN queue is full an on_overflow listener's SYNs take the lane",
          "[syn-lane][s13]") {
    LaneRig rig;
    tcp::ListenOptions one_half_open;
    one_half_open.syn_backlog = 1;
    Server server(rig, one_half_open);
    PeerSegment second = linux_syn();
    second.src_port = kPeerPort + 1;
    const auto replies =
        rig.exchange(*server.worker, {frame_of(linux_syn(), rig.mac()), frame_of(second, rig.mac())});
    REQUIRE(replies.size() == 2);
    CHECK_FALSE(replies[0].written_in_place);  // the queued entry's SYN-ACK
    CHECK(replies[1].written_in_place);        // the cookie's
    CHECK(parse_reply(replies[1]).tcp.dst_port == kPeerPort + 1);
    const auto& hs = server.worker->stack().counters().handshake;
    CHECK(hs.synacks_from_queue == 1);
    CHECK(hs.synacks_from_cookie == 1);
    CHECK(hs.syn_queue_overflows == 1);
    CHECK(hs.syns_received == 2);
    CHECK(server.worker->stack().connection_count() == 1);
}

TEST_CASE("SYN lane: a SYN to a port without a listener is refused with RST", "[syn-lane][s11]") {
    LaneRig rig;
    auto worker = rig.worker(lane_stack_config());
    const auto replies = rig.exchange(*worker, {frame_of(linux_syn(), rig.mac())});
    REQUIRE(replies.size() == 1);
    const ParsedReply p = parse_reply_to_peer(replies[0], rig.mac());
    CHECK(p.tcp.flags == (flag::rst | flag::ack));
    CHECK(p.tcp.seq == net::SeqNum(0));
    CHECK(p.tcp.ack == net::SeqNum(kPeerIsn + 1));
    CHECK(nonzero(*worker, "tcp.rst_sent.") == Counts{{"tcp.rst_sent.no_listener", 1}});
    CHECK(worker->stack().counters().handshake.syns_received == 0);
    CHECK(nonzero(*worker, "drop.").empty());
}

TEST_CASE("SYN lane: a SYN for a 4-tuple with a connection goes to that connection and gets no cookie",
          "[syn-lane][rfc5961]") {
    LaneRig rig;
    Server server(rig, cookies_always());
    const SynLayout& linux_layout = syn_layouts()[2];
    complete_cookie_handshake(rig, server, linux_layout);
    REQUIRE(server.worker->stack().connection_count() == 1);

    // A new SYN in the window of the established connection: RFC 5961 4.2
    // challenge ACK, no SYN-ACK.
    PeerSegment again = linux_syn();
    again.seq = kPeerIsn + 1;
    again.options =
        OptionBytes().mss(1460).sack_permitted().timestamps(kPeerTsval + 2, 0).nop().window_scale(7).bytes();
    const auto replies = rig.exchange(*server.worker, {frame_of(again, rig.mac())});
    REQUIRE(replies.size() == 1);
    CHECK_FALSE(replies[0].written_in_place);
    const ParsedReply p = parse_reply_to_peer(replies[0], rig.mac());
    CHECK(p.tcp.flags == flag::ack);
    CHECK(p.tcp.ack == net::SeqNum(kPeerIsn + 1));
    const tcp::TcpCounters& c = server.worker->stack().counters();
    CHECK(c.challenge_acks == 1);
    CHECK(nonzero(*server.worker, "tcp.dropped.") == Counts{{"tcp.dropped.syn_in_window", 1}});
    CHECK(c.handshake.synacks_from_cookie == 1);
    CHECK(c.handshake.syns_received == 1);
    CHECK(server.worker->stack().connection_count() == 1);
}
