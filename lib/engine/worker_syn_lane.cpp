// The SYN fast lane. Under a SYN flood nearly every frame is a bare SYN that
// the listener answers with a cookie and forgets (S13, S17). The general
// receive path would parse it into a segment view, the stack would build an
// OutSegment and send() would fill a fresh frame for it; here the SYN is
// checked where it lies, the stack decides with the same flow-table and
// listener lookups and option parsing as for any SYN, and its SYN-ACK is
// written over the SYN's own frame, which goes straight back out.
//
// Each SYN-ACK is written at once but for its cookie. They wait in a batch
// until the burst ends or a frame takes the general path; then their
// cookies' last AES blocks run together and each goes in its SYN-ACK: ten
// dependent rounds each, they stalled a lane that computed them one SYN at
// a time (docs/BENCHMARKS.md, the SYN lane's changelog, 2026-12-04).
//
// Only a frame that is plainly a valid SYN for us takes the lane: at the
// first doubt check_lane_syn() says no and the general path takes the frame
// from the start, counting whatever is wrong with it under its named drop
// reason.
#include <cstring>

#include <rte_mbuf.h>

#include "engine/worker.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"

namespace synline::engine {

namespace {

constexpr std::size_t kIpAt = net::kEthernetHeaderLen;
constexpr std::size_t kTcpAt = kIpAt + net::kIpv4MinHeaderLen;
// What the SYN-ACK writer needs of the frame.
constexpr std::size_t kSynAckRoom = kIpAt + tcp::kCookieSynAckRoom;

constexpr std::uint8_t kHandshakeFlags = net::tcp_flag::syn | net::tcp_flag::ack | net::tcp_flag::rst |
                                         net::tcp_flag::fin;
constexpr std::uint16_t kFragmentBits = 0x3fff;  // more-fragments and the offset

}  // namespace

bool Worker::check_lane_syn(const rte_mbuf* m, LaneSyn& out) const {
    const std::size_t frame_len = m->data_len;
    const std::uint8_t* const frame = rte_pktmbuf_mtod(m, const std::uint8_t*);
    const std::uint8_t* const ip = frame + kIpAt;
    const std::uint8_t* const tcp = frame + kTcpAt;
    // Shape: IPv4 without options carrying all of a TCP segment that has SYN
    // alone among SYN/ACK/RST/FIN and no payload; not a fragment.
    if (frame_len < kTcpAt + net::kTcpMinHeaderLen || (tcp[13] & kHandshakeFlags) != net::tcp_flag::syn ||
        net::load_be16(frame + 12) != static_cast<std::uint16_t>(net::EtherType::ipv4) || ip[0] != 0x45 ||
        ip[9] != net::kIpProtoTcp || (net::load_be16(ip + 6) & kFragmentBits) != 0 || m->nb_segs != 1)
        return false;
    if (!addressed_to_us(frame)) return false;
    const std::size_t ip_len = net::load_be16(ip + 2);
    const std::size_t header_len = net::tcp_data_offset(tcp);
    if (ip_len > frame_len - kIpAt || header_len < net::kTcpMinHeaderLen ||
        header_len != ip_len - net::kIpv4MinHeaderLen || !exclusively_ours(m) ||
        std::size_t{m->buf_len} - m->data_off < kSynAckRoom)
        return false;
    out.src = net::Ipv4Addr{net::load_be32(ip + 12)};
    out.dst = net::Ipv4Addr{net::load_be32(ip + 16)};
    if (out.dst != setup_.iface.ip || out.src == out.dst || net::bad_tcp_peer(out.src)) return false;
    if (!net::ipv4_header_checksum_ok({ip, net::kIpv4MinHeaderLen}, rx_ip_checksum(m))) return false;
    const std::span<const std::uint8_t> segment(tcp, header_len);
    if (!tcp_checksum_ok(m, out.src, out.dst, segment)) return false;
    return net::parse_tcp_header(segment, out.header);
}

bool Worker::batch_lane_syn(rte_mbuf* m, const LaneSyn& syn, tcp::Instant now, LaneBatch& b) {
    tcp::CookieSynAck synack;
    if (!stack_->stateless_synack(syn.src, syn.dst, syn.header, now, synack, b.isns[b.count])) return false;
    count_rx(m);
    // Back to the sender, from us; the ethertype stays. The frame's receive
    // flags must not be read as transmit requests.
    std::uint8_t* const frame = rte_pktmbuf_mtod(m, std::uint8_t*);
    std::memcpy(frame, frame + 6, 6);
    std::memcpy(frame + 6, setup_.iface.mac.bytes.data(), 6);
    m->ol_flags = 0;
    const std::size_t len = tcp::write_ipv4_cookie_synack(frame + kIpAt, synack, ip_id_++, tx_checksum_fill(m));
    m->data_len = static_cast<std::uint16_t>(kIpAt + len);
    m->pkt_len = m->data_len;
    b.frames[b.count++] = m;
    return true;
}

void Worker::send_lane_synacks(LaneBatch& b) {
    if (b.count == 0) return;
    stack_->finish_cookies({b.isns.data(), b.count});
    const tcp::ChecksumFill fill = tx_fill();
    for (std::size_t i = 0; i < b.count; ++i) {
        tcp::put_cookie_synack_seq(rte_pktmbuf_mtod(b.frames[i], std::uint8_t*) + kIpAt, b.isns[i].isn, fill);
        queue_tx(b.frames[i]);
    }
    b.count = 0;
}

}  // namespace synline::engine
