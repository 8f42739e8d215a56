#include "reference_responder.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"

namespace synline::bench {

namespace {

constexpr std::size_t kIpAt = net::kEthernetHeaderLen;
constexpr std::size_t kTcpAt = kIpAt + net::kIpv4MinHeaderLen;
// The SYN layout accepted, and so the SYN-ACK's: 20 bytes of options.
constexpr std::size_t kOptionsLen = 20;
constexpr std::size_t kTcpHeaderLen = net::kTcpMinHeaderLen + kOptionsLen;
constexpr std::size_t kFrameLen = kTcpAt + kTcpHeaderLen;

constexpr std::uint8_t kHandshakeFlags = net::tcp_flag::syn | net::tcp_flag::ack | net::tcp_flag::rst |
                                         net::tcp_flag::fin;
constexpr std::uint16_t kFragmentBits = 0x3fff;  // more-fragments and the offset

}  // namespace

void ReferenceResponder::process(std::span<rte_mbuf* const> frames) {
    // One clock read a call: the cookie's time and the TSval clock (ms).
    const tcp::Instant now = clock_.now();
    const auto ts_clock = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.since_epoch).count());
    for (std::size_t at = 0; at < frames.size(); at += kBurst)
        process_burst(frames.subspan(at, std::min(kBurst, frames.size() - at)), now, ts_clock);
}

void ReferenceResponder::process_burst(std::span<rte_mbuf* const> frames, tcp::Instant now,
                                       std::uint32_t ts_clock) {
    std::array<rte_mbuf*, kBurst> out, drop;
    std::uint16_t n_out = 0;
    unsigned n_drop = 0;
    counters_.frames += frames.size();
    for (rte_mbuf* m : frames) {
        if (answer(m, now, ts_clock))
            out[n_out++] = m;
        else
            drop[n_drop++] = m;
    }
    counters_.synacks += n_out;
    const std::uint16_t sent = rte_eth_tx_burst(setup_.port_id, setup_.queue_id, out.data(), n_out);
    if (sent < n_out) {
        counters_.tx_failed += n_out - sent;
        rte_pktmbuf_free_bulk(out.data() + sent, n_out - sent);
    }
    if (n_drop) rte_pktmbuf_free_bulk(drop.data(), n_drop);
}

bool ReferenceResponder::answer(rte_mbuf* m, tcp::Instant now, std::uint32_t ts_clock) {
    std::uint8_t* const frame = rte_pktmbuf_mtod(m, std::uint8_t*);
    std::uint8_t* const ip = frame + kIpAt;
    std::uint8_t* const tcp = frame + kTcpAt;
    const std::size_t frame_len = m->data_len;
    // The mbuf came from RX and is ours alone (no refcount check); one segment
    // holds the whole frame, and the SYN-ACK is as long as the SYN.
    if (m->nb_segs != 1 || frame_len < kTcpAt + net::kTcpMinHeaderLen ||
        std::memcmp(frame, setup_.mac.bytes.data(), 6) != 0 ||
        net::load_be16(frame + 12) != static_cast<std::uint16_t>(net::EtherType::ipv4) || ip[0] != 0x45 ||
        (net::load_be16(ip + 6) & kFragmentBits) != 0 || ip[9] != net::kIpProtoTcp) {
        ++counters_.dropped_invalid;
        return false;
    }
    const std::size_t ip_len = net::load_be16(ip + 2);
    const std::size_t header_len = net::tcp_data_offset(tcp);
    const net::Ipv4Addr src{net::load_be32(ip + 12)};
    const net::Ipv4Addr dst{net::load_be32(ip + 16)};
    if (ip_len > frame_len - kIpAt || ip_len < net::kIpv4MinHeaderLen + net::kTcpMinHeaderLen ||
        header_len < net::kTcpMinHeaderLen ||
        header_len > ip_len - net::kIpv4MinHeaderLen || dst != setup_.ip || net::bad_tcp_peer(src) ||
        (tcp[13] & kHandshakeFlags) != net::tcp_flag::syn || net::load_be16(tcp + 2) != setup_.listen_port ||
        !net::ipv4_header_checksum_ok({ip, net::kIpv4MinHeaderLen}, net::ChecksumVerdict::unknown) ||
        !net::verify_tcp_checksum(src, dst, {tcp, ip_len - net::kIpv4MinHeaderLen})) {
        ++counters_.dropped_invalid;
        return false;
    }
    net::TcpOptions syn;
    if (header_len != kTcpHeaderLen || !net::parse_tcp_options_common_layout({tcp + 20, kOptionsLen}, syn)) {
        ++counters_.dropped_options;
        return false;
    }

    const std::uint16_t remote_port = net::load_be16(tcp);
    const std::uint32_t client_isn = net::load_be32(tcp + 4);
    const std::uint32_t cookie =
        cookies_.make_isn({dst, src, setup_.listen_port, remote_port}, net::SeqNum(client_isn), *syn.mss, now).raw();
    tcp::CookieOptions echoed;
    echoed.window_scale = syn.window_scale;
    echoed.sack_permitted = true;
    const std::uint32_t tsval = tcp::SynCookies::make_tsval(ts_clock, echoed);

    // Back to the sender, from us. The receive flags must not read as transmit requests.
    std::memcpy(frame, frame + 6, 6);
    std::memcpy(frame + 6, setup_.mac.bytes.data(), 6);
    m->ol_flags = 0;
    net::write_ipv4_header(ip, dst, src, net::kIpProtoTcp, kTcpHeaderLen, ip_id_++, true);
    // A layout of its own rather than synline's SYN-ACK writer, so that the
    // baseline stays put while that writer is tuned.
    net::SummingWordWriter w(tcp);
    w.put(std::uint32_t{setup_.listen_port} << 16 | remote_port);
    w.put(cookie);
    w.put(client_isn + 1);
    w.put(std::uint32_t{kTcpHeaderLen / 4} << 28 |
          std::uint32_t{net::tcp_flag::syn | net::tcp_flag::ack} << 16 | kWindow);
    w.put(0);  // checksum (below), urgent pointer
    w.put(net::option_word::mss(kMss));
    w.put(net::option_word::timestamps_lead(true));
    w.put(tsval);
    w.put(syn.timestamps->value);
    w.put(net::option_word::window_scale(kWindowScale));
    const std::uint32_t pseudo = net::pseudo_header_sum(dst, src, net::kIpProtoTcp, kTcpHeaderLen);
    net::store_be16(tcp + net::kTcpChecksumOffset, net::checksum_finish(net::checksum_fold64(w.sum() + pseudo)));
    m->data_len = kFrameLen;
    m->pkt_len = kFrameLen;
    return true;
}

}  // namespace synline::bench
