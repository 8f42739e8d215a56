#include "net/tcp_header.hpp"

#include <algorithm>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ipv4.hpp"

namespace synline::net {

namespace {

enum OptionKind : std::uint8_t {
    kEnd = 0,
    kNop = 1,
    kMss = 2,
    kWindowScale = 3,
    kSackPermitted = 4,
    kSack = 5,
    kTimestamps = 8,
};

// Returns false when an option's length field is malformed: shorter than 2 or
// running past the header. A known option with an unexpected length is ignored,
// as other stacks do, rather than failing the whole segment.
// The two layouts Linux sends almost always, recognised whole: the SYN's
// MSS, SACK-permitted+TS, NOP+WS (20 bytes) and a data segment's NOP NOP TS.
bool parse_common_layout(std::span<const std::uint8_t> o, TcpOptions& out) {
    const std::uint8_t* v = o.data();
    if (o.size() == 12 && v[0] == kNop && v[1] == kNop && v[2] == kTimestamps && v[3] == 10) {
        out.timestamps = TcpTimestamps{load_be32(v + 4), load_be32(v + 8)};
        return true;
    }
    if (o.size() == 20 && v[0] == kMss && v[1] == 4 && v[4] == kSackPermitted && v[5] == 2 &&
        v[6] == kTimestamps && v[7] == 10 && v[16] == kNop && v[17] == kWindowScale && v[18] == 3) {
        out.mss = load_be16(v + 2);
        out.sack_permitted = true;
        out.timestamps = TcpTimestamps{load_be32(v + 8), load_be32(v + 12)};
        out.window_scale = std::min(v[19], kMaxWindowScale);
        return true;
    }
    return false;
}

bool parse_options(std::span<const std::uint8_t> o, TcpOptions& out) {
    if (parse_common_layout(o, out)) return true;
    std::size_t i = 0;
    while (i < o.size()) {
        std::uint8_t kind = o[i];
        if (kind == kEnd) break;
        if (kind == kNop) {
            ++i;
            continue;
        }
        if (i + 1 >= o.size()) return false;
        std::uint8_t len = o[i + 1];
        if (len < 2 || i + len > o.size()) return false;
        const std::uint8_t* v = o.data() + i + 2;
        switch (kind) {
            case kMss:
                if (len == 4) out.mss = load_be16(v);
                break;
            case kWindowScale:
                if (len == 3) out.window_scale = std::min(v[0], kMaxWindowScale);
                break;
            case kSackPermitted:
                if (len == 2) out.sack_permitted = true;
                break;
            case kTimestamps:
                if (len == 10) out.timestamps = TcpTimestamps{load_be32(v), load_be32(v + 4)};
                break;
            default:  // SACK blocks and unknown kinds: skipped by their length
                break;
        }
        i += len;
    }
    return true;
}

}  // namespace

std::size_t TcpOptions::encoded_len() const {
    std::size_t n = 0;
    if (mss) n += 4;
    if (timestamps) n += 12;  // SACK-permitted rides in the two NOPs before TS
    else if (sack_permitted) n += 4;
    if (window_scale) n += 4;
    return n;
}

void TcpOptions::emit(std::uint8_t* p) const {
    if (mss) {
        p[0] = kMss;
        p[1] = 4;
        store_be16(p + 2, *mss);
        p += 4;
    }
    if (timestamps) {
        if (sack_permitted) {
            p[0] = kSackPermitted;
            p[1] = 2;
        } else {
            p[0] = kNop;
            p[1] = kNop;
        }
        p[2] = kTimestamps;
        p[3] = 10;
        store_be32(p + 4, timestamps->value);
        store_be32(p + 8, timestamps->echo);
        p += 12;
    } else if (sack_permitted) {
        p[0] = kNop;
        p[1] = kNop;
        p[2] = kSackPermitted;
        p[3] = 2;
        p += 4;
    }
    if (window_scale) {
        p[0] = kNop;
        p[1] = kWindowScale;
        p[2] = 3;
        p[3] = *window_scale;
    }
}

void TcpHeader::emit(std::uint8_t* p) const {
    store_be16(p, src_port);
    store_be16(p + 2, dst_port);
    store_be32(p + 4, seq.raw());
    store_be32(p + 8, ack.raw());
    std::size_t len = header_len();
    p[12] = static_cast<std::uint8_t>((len / 4) << 4);
    p[13] = flags;
    store_be16(p + 14, window);
    store_be16(p + 16, 0);
    store_be16(p + 18, urgent);
    options.emit(p + kTcpMinHeaderLen);
}

std::optional<TcpSegmentView> parse_tcp(std::span<const std::uint8_t> s, Drop& why) {
    if (s.size() < kTcpMinHeaderLen) {
        why = Drop::tcp_truncated;
        return std::nullopt;
    }
    const std::uint8_t* p = s.data();
    std::size_t data_offset = static_cast<std::size_t>(p[12] >> 4) * 4;
    if (data_offset < kTcpMinHeaderLen || data_offset > s.size()) {
        why = Drop::tcp_bad_data_offset;
        return std::nullopt;
    }
    TcpSegmentView v;
    TcpHeader& h = v.header;
    h.src_port = load_be16(p);
    h.dst_port = load_be16(p + 2);
    h.seq = SeqNum(load_be32(p + 4));
    h.ack = SeqNum(load_be32(p + 8));
    h.flags = p[13];
    h.window = load_be16(p + 14);
    h.urgent = load_be16(p + 18);
    if (!parse_options(s.subspan(kTcpMinHeaderLen, data_offset - kTcpMinHeaderLen), h.options)) {
        why = Drop::tcp_bad_option;
        return std::nullopt;
    }
    v.payload = s.subspan(data_offset);
    return v;
}

bool verify_tcp_checksum(Ipv4Addr src, Ipv4Addr dst, std::span<const std::uint8_t> segment) {
    std::uint32_t sum = pseudo_header_sum(src, dst, kIpProtoTcp,
                                          static_cast<std::uint16_t>(segment.size()));
    return checksum_finish(checksum_accumulate(sum, segment)) == 0;
}

}  // namespace synline::net
