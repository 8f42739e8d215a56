// The SYN-ACK a listener sends from a SYN cookie (S13, S15, S16), in a form
// of its own: it never carries payload and its options follow from the SYN
// alone (MSS always; timestamps, with SACK-permitted in place of their two
// NOPs; window scale only beside timestamps). So it is written with a fixed
// layout, each word stored once and summed for the checksum as it is stored,
// with no length or presence to work out per option. The SYN fast lane
// (engine/worker_syn_lane.cpp) writes it over the SYN's own frame; everyone
// else sends to_out_segment(), which puts the same bytes on the wire.
#pragma once

#include <cstddef>
#include <cstdint>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/four_tuple.hpp"
#include "net/ipv4.hpp"
#include "net/seq_num.hpp"
#include "net/tcp_header.hpp"
#include "tcp/segment_sink.hpp"
#include "tcp/segment_writer.hpp"

namespace synline::tcp {

struct CookieSynAck {
    // The options it carries, named by the TCP header length they make, so
    // that the writer derives every length from one number. Only a SYN with
    // timestamps gets SACK-permitted and window scaling back from a cookie
    // (S16): without timestamps the MSS is alone.
    enum class Layout : std::uint8_t {
        mss = 24,                         // MSS
        timestamps = 36,                  // MSS, timestamps (with SACK-permitted or two NOPs)
        timestamps_window_scale = 40,     // and NOP, window scale
    };
    // What rides on timestamps, read only when the layout has them.
    struct Timestamps {
        std::uint32_t tsval = 0;
        std::uint32_t tsecr = 0;
        bool sack_permitted = false;
        std::uint8_t window_scale = 0;  // our shift, with Layout::timestamps_window_scale
    };

    net::FourTuple tuple;  // local = source
    net::SeqNum seq;       // the cookie
    net::SeqNum ack;       // the SYN's sequence number + 1
    std::uint16_t window = 0;
    std::uint16_t mss = 0;
    Layout layout = Layout::mss;
    Timestamps ts;  // meaningful only when has_timestamps()

    bool has_timestamps() const { return layout != Layout::mss; }
    bool has_window_scale() const { return layout == Layout::timestamps_window_scale; }
    std::size_t header_len() const { return static_cast<std::size_t>(layout); }
};

// The same segment for a SegmentSink.
inline OutSegment to_out_segment(const CookieSynAck& s) {
    OutSegment out;
    out.tuple = s.tuple;
    net::TcpHeader& h = out.header;
    h.src_port = s.tuple.local_port;
    h.dst_port = s.tuple.remote_port;
    h.seq = s.seq;
    h.ack = s.ack;
    h.flags = net::tcp_flag::syn | net::tcp_flag::ack;
    h.window = s.window;
    h.options.mss = s.mss;
    if (s.has_timestamps()) {
        h.options.timestamps = net::TcpTimestamps{s.ts.tsval, s.ts.tsecr};
        h.options.sack_permitted = s.ts.sack_permitted;
        if (s.has_window_scale()) h.options.window_scale = s.ts.window_scale;
    }
    return out;
}

// Writes the IPv4 and TCP headers of `s` at `out`, byte for byte what
// write_ipv4_tcp(to_out_segment(s)) writes; returns their length.
inline std::size_t write_ipv4_cookie_synack(std::uint8_t* out, const CookieSynAck& s, std::uint16_t ip_id,
                                            ChecksumFill fill) {
    const std::size_t tcp_len = s.header_len();
    const net::Ipv4Addr src = s.tuple.local_ip;
    const net::Ipv4Addr dst = s.tuple.remote_ip;
    const bool software = fill == ChecksumFill::software;
    net::write_ipv4_header(out, src, dst, net::kIpProtoTcp, static_cast<std::uint16_t>(tcp_len), ip_id, software);
    std::uint8_t* const tcp = out + net::kIpv4MinHeaderLen;
    net::SummingWordWriter w(tcp);
    w.put(std::uint32_t{s.tuple.local_port} << 16 | s.tuple.remote_port);
    w.put(s.seq.raw());
    w.put(s.ack.raw());
    w.put(static_cast<std::uint32_t>(tcp_len / 4) << 28 | std::uint32_t{net::tcp_flag::syn | net::tcp_flag::ack} << 16 |
          s.window);
    w.put(0);  // checksum (filled below), urgent pointer
    w.put(net::option_word::mss(s.mss));
    if (s.has_timestamps()) {
        w.put(net::option_word::timestamps_lead(s.ts.sack_permitted));
        w.put(s.ts.tsval);
        w.put(s.ts.tsecr);
        if (s.has_window_scale()) w.put(net::option_word::window_scale(s.ts.window_scale));
    }
    const std::uint32_t pseudo =
        net::pseudo_header_sum(src, dst, net::kIpProtoTcp, static_cast<std::uint16_t>(tcp_len));
    net::store_be16(tcp + net::kTcpChecksumOffset,
                    software ? net::checksum_finish(net::checksum_fold64(w.sum() + pseudo))
                             : offload_checksum_field(pseudo));
    return net::kIpv4MinHeaderLen + tcp_len;
}

}  // namespace synline::tcp
