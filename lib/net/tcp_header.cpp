#include "net/tcp_header.hpp"

#include <algorithm>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ipv4.hpp"

namespace synline::net {

namespace {

// RFC 2018 3: kind 5, length 2 + 8n. Any other length is not trusted at all:
// the blocks are dropped and the option marked malformed (the segment stays).
void parse_sack_blocks(const std::uint8_t* v, std::uint8_t len, TcpOptions& out) {
    const std::size_t n = (len - 2u) / 8u;
    if ((len - 2u) % 8u != 0 || n == 0 || n > kMaxSackBlocks) {
        out.sack_malformed = true;
        out.sack_count = 0;
        return;
    }
    out.sack_count = 0;
    for (std::size_t i = 0; i < n; ++i)
        out.add_sack_block(SackBlock{SeqNum(load_be32(v + 8 * i)), SeqNum(load_be32(v + 8 * i + 4))});
}

}  // namespace

// A known option with an unexpected length is ignored, as other stacks do,
// rather than failing the whole segment.
bool parse_tcp_options_any_layout(std::span<const std::uint8_t> o, TcpOptions& out) {
    std::size_t i = 0;
    while (i < o.size()) {
        std::uint8_t kind = o[i];
        if (kind == option_kind::end) break;
        if (kind == option_kind::nop) {
            ++i;
            continue;
        }
        if (i + 1 >= o.size()) return false;
        std::uint8_t len = o[i + 1];
        if (len < 2 || i + len > o.size()) return false;
        const std::uint8_t* v = o.data() + i + 2;
        switch (kind) {
            case option_kind::mss:
                if (len == 4) out.mss = load_be16(v);
                break;
            case option_kind::window_scale:
                if (len == 3) out.window_scale = std::min(v[0], kMaxWindowScale);
                break;
            case option_kind::sack_permitted:
                if (len == 2) out.sack_permitted = true;
                break;
            case option_kind::timestamps:
                if (len == 10) out.timestamps = TcpTimestamps{load_be32(v), load_be32(v + 4)};
                break;
            case option_kind::sack:
                parse_sack_blocks(v, len, out);
                break;
            default:  // unknown kinds: skipped by their length
                break;
        }
        i += len;
    }
    return true;
}

std::size_t TcpOptions::encoded_len() const {
    // Branch-free: it is asked for once per segment written, by several layers.
    const std::size_t sack_alone = sack_permitted && !timestamps;  // SACK-permitted rides before TS
    return 4 * (std::size_t{mss.has_value()} + 3 * std::size_t{timestamps.has_value()} + sack_alone +
                std::size_t{window_scale.has_value()});
}

std::uint64_t TcpOptions::emit(std::uint8_t* p) const {
    SummingWordWriter w(p);
    if (mss) w.put(option_word::mss(*mss));
    if (timestamps) {
        w.put(option_word::timestamps_lead(sack_permitted));
        w.put(timestamps->value);
        w.put(timestamps->echo);
    } else if (sack_permitted) {
        w.put(option_word::sack_permitted_alone);
    }
    if (window_scale) w.put(option_word::window_scale(*window_scale));
    return w.sum();
}

std::uint64_t TcpHeader::emit(std::uint8_t* p) const {
    SummingWordWriter w(p);
    w.put(std::uint32_t{src_port} << 16 | dst_port);
    w.put(seq.raw());
    w.put(ack.raw());
    w.put(static_cast<std::uint32_t>(header_len() / 4) << 28 | std::uint32_t{flags} << 16 | window);
    w.put(urgent);  // the checksum field (high half) is written zero
    return w.sum() + options.emit(p + kTcpMinHeaderLen);
}

std::optional<TcpSegmentView> parse_tcp(std::span<const std::uint8_t> s, Drop& why) {
    // Every return names `out`, so it is built in the caller's storage (no
    // copy of the view on the per-segment path).
    std::optional<TcpSegmentView> out;
    if (s.size() < kTcpMinHeaderLen) {
        why = Drop::tcp_truncated;
        return out;
    }
    const std::size_t data_offset = tcp_data_offset(s.data());
    if (data_offset < kTcpMinHeaderLen || data_offset > s.size()) {
        why = Drop::tcp_bad_data_offset;
        return out;
    }
    if (!parse_tcp_header(s.first(data_offset), out.emplace().header)) {
        why = Drop::tcp_bad_option;
        out.reset();
        return out;
    }
    out->payload = s.subspan(data_offset);
    return out;
}

}  // namespace synline::net
