// The input language of fuzz_stack, shared with the seed-corpus tool that
// writes it. A program is one setup byte, then records until the bytes end:
//
//   setup  bits 0-1  port 80's cookie mode: on-overflow, off, always, on-overflow
//          bit 2     port 80 in pull mode (accept queue), else push
//          bit 3     accept queue overflow resets, else drops the ACK
//          bit 4     timestamps off;  bit 5  4 KiB buffers instead of 64 KiB
//          bit 6     the application does not echo;  bit 7  it consumes half of what arrives
//          (port 443 always answers with cookies, push mode; 16 connection
//          slots, SYN backlog 4, accept backlog 2)
//   record op = one byte, its low two bits the kind:
//     0 segment  bits 2-3 the peer, bit 4 relative, bit 5 bad TCP checksum;
//                then a 16-bit big-endian length and that many bytes of TCP segment, put
//                in an IPv4 packet from the peer to us. Relative: seq, ack
//                and TSecr are offsets from what the stack last sent that
//                4-tuple (its ack, its seq plus length, its TSval), so a
//                mutated dialogue stays in the window.
//     1 packet   a 16-bit big-endian length and a whole IPv4 packet, as is
//     2 time     one byte t: t ms (t < 128), (t - 127) * 100 ms (t < 192), else (t - 191) * 10 s
//     3 app      bits 2-4 the call (send, consume, shutdown, close, abort,
//                accept, connect), bits 5-7 which connection; then one byte:
//                the amount / 64 (send, consume), or the remote port - 8000 (connect)
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "net/byte_order.hpp"
#include "net/checksum.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "tcp/listener.hpp"
#include "tcp/segment_sink.hpp"
#include "tcp/stack_config.hpp"

namespace synline::fuzz {

inline constexpr net::Ipv4Addr kLocal{0x0a000001};  // 10.0.0.1
inline constexpr tcp::Instant kStart{std::chrono::seconds(1'000'000)};
inline constexpr std::size_t kPeers = 4;
inline constexpr net::Ipv4Addr peer(std::size_t i) { return net::Ipv4Addr{0x0a000002u + static_cast<std::uint32_t>(i % kPeers)}; }

struct ListenerSetup {
    std::uint16_t port;
    tcp::ListenOptions options;  // a non-null pull is replaced by the harness
};

struct StackSetup {
    tcp::StackConfig config;
    std::vector<ListenerSetup> listeners;
    bool echo = true;
    bool consume_all = true;
};

inline StackSetup decode_setup(std::uint8_t b) {
    StackSetup s;
    s.config.max_connections = 16;
    s.config.send_buffer = s.config.receive_buffer = (b & 0x20) ? 4096 : 65536;
    s.config.timestamps = !(b & 0x10);
    tcp::ListenOptions web;
    web.syn_backlog = 4;
    web.backlog = 2;
    constexpr tcp::SynCookieMode modes[] = {tcp::SynCookieMode::on_overflow, tcp::SynCookieMode::off,
                                            tcp::SynCookieMode::always, tcp::SynCookieMode::on_overflow};
    web.cookies = modes[b & 3];
    // Any non-null value asks for pull mode; the harness puts itself there.
    if (b & 0x04) web.pull = reinterpret_cast<tcp::AcceptHandler*>(1);
    web.accept_overflow = (b & 0x08) ? tcp::AcceptOverflow::reset : tcp::AcceptOverflow::drop_ack;
    tcp::ListenOptions cookies = web;
    cookies.cookies = tcp::SynCookieMode::always;
    cookies.pull = nullptr;
    s.listeners = {{80, web}, {443, cookies}};
    s.echo = !(b & 0x40);
    s.consume_all = !(b & 0x80);
    return s;
}

enum class AppCall : std::uint8_t { send, consume, shutdown, close, abort, accept, connect };

struct Record {
    enum Kind : std::uint8_t { segment, packet, time, app } kind = segment;
    // segment
    std::size_t peer = 0;
    bool relative = false;
    bool bad_checksum = false;
    std::span<const std::uint8_t> bytes;  // the TCP segment, or the IPv4 packet
    // time
    tcp::Duration step{};
    // app
    AppCall call = AppCall::send;
    std::size_t which = 0;
    std::size_t amount = 0;
    std::uint16_t port = 0;
    std::uint16_t local_port = 0;
};

class StackProgram {
public:
    explicit StackProgram(std::span<const std::uint8_t> in) : in_(in) {}
    StackSetup setup() const { return decode_setup(in_.empty() ? 0 : in_[0]); }

    std::optional<Record> next() {
        if (at_ >= in_.size()) return std::nullopt;
        const std::uint8_t op = in_[at_++];
        Record r;
        r.kind = static_cast<Record::Kind>(op & 3);
        switch (r.kind) {
            case Record::segment:
                r.peer = (op >> 2) & 3;
                r.relative = op & 0x10;
                r.bad_checksum = op & 0x20;
                r.bytes = take(length());
                break;
            case Record::packet: r.bytes = take(length()); break;
            case Record::time: {
                const unsigned t = byte();
                r.step = t < 128 ? tcp::Duration(std::chrono::milliseconds(t))
                         : t < 192 ? tcp::Duration(std::chrono::milliseconds(100 * (t - 127)))
                                   : tcp::Duration(std::chrono::seconds(10 * (t - 191)));
                break;
            }
            case Record::app: {
                r.call = static_cast<AppCall>(((op >> 2) & 7) % 7);
                r.which = op >> 5;
                const std::uint8_t arg = byte();
                r.amount = std::size_t{arg} * 64;
                r.port = static_cast<std::uint16_t>(8000 + arg);
                break;
            }
        }
        return r;
    }

private:
    std::uint8_t byte() { return at_ < in_.size() ? in_[at_++] : 0; }
    std::size_t length() {
        const std::size_t high = byte();
        return high << 8 | byte();
    }
    std::span<const std::uint8_t> take(std::size_t n) {
        n = std::min(n, in_.size() - at_);
        const auto s = in_.subspan(at_, n);
        at_ += n;
        return s;
    }
    std::span<const std::uint8_t> in_;
    std::size_t at_ = 1;
};

// What the stack last sent each 4-tuple: where relative segments start.
class LastSent {
public:
    struct Mark {
        std::uint32_t next_seq;  // its seq plus what the segment occupies
        std::uint32_t ack;
        std::uint32_t tsval;
    };
    void note(const tcp::OutSegment& s) { note(s.tuple, s.header, s.payload_size()); }
    void note(const net::FourTuple& t, const net::TcpHeader& h, std::size_t payload) {
        const std::uint32_t len = static_cast<std::uint32_t>(payload) + h.has(net::tcp_flag::syn) +
                                  h.has(net::tcp_flag::fin);
        marks_[key(t.remote_ip, t.remote_port, t.local_port)] =
            Mark{(h.seq + len).raw(), h.ack.raw(), h.options.timestamps ? h.options.timestamps->value : 0};
    }
    const Mark* find(net::Ipv4Addr remote, std::uint16_t remote_port, std::uint16_t local_port) const {
        auto it = marks_.find(key(remote, remote_port, local_port));
        return it == marks_.end() ? nullptr : &it->second;
    }

private:
    using Key = std::tuple<std::uint32_t, std::uint16_t, std::uint16_t>;
    static Key key(net::Ipv4Addr ip, std::uint16_t rp, std::uint16_t lp) { return {ip.value, rp, lp}; }
    std::map<Key, Mark> marks_;
};

// Offset of the TSecr field in TCP options, if they hold a timestamps option.
inline std::optional<std::size_t> tsecr_offset(std::span<const std::uint8_t> o) {
    for (std::size_t i = 0; i < o.size();) {
        if (o[i] == net::option_kind::end) break;
        if (o[i] == net::option_kind::nop) { ++i; continue; }
        if (i + 1 >= o.size() || o[i + 1] < 2) break;
        if (o[i] == net::option_kind::timestamps && o[i + 1] == 10 && i + 10 <= o.size()) return i + 6;
        i += o[i + 1];
    }
    return std::nullopt;
}

// The IPv4 packet of a segment record: a 20-byte header from the peer to us,
// the TCP bytes made relative (when asked) and their checksum filled.
inline std::vector<std::uint8_t> segment_packet(const Record& r, const LastSent& last) {
    const net::Ipv4Addr src = peer(r.peer);
    std::vector<std::uint8_t> p(net::kIpv4MinHeaderLen + r.bytes.size());
    net::write_ipv4_header(p.data(), src, kLocal, net::kIpProtoTcp, static_cast<std::uint16_t>(r.bytes.size()), 1, true);
    std::memcpy(p.data() + net::kIpv4MinHeaderLen, r.bytes.data(), r.bytes.size());
    std::uint8_t* t = p.data() + net::kIpv4MinHeaderLen;
    if (r.bytes.size() < net::kTcpMinHeaderLen) return p;
    if (const LastSent::Mark* m = r.relative ? last.find(src, net::load_be16(t), net::load_be16(t + 2)) : nullptr) {
        net::store_be32(t + 4, net::load_be32(t + 4) + m->ack);
        net::store_be32(t + 8, net::load_be32(t + 8) + m->next_seq);
        const std::size_t hl = std::min<std::size_t>(net::tcp_data_offset(t), r.bytes.size());
        if (hl > net::kTcpMinHeaderLen)
            if (auto at = tsecr_offset({t + net::kTcpMinHeaderLen, hl - net::kTcpMinHeaderLen}))
                net::store_be32(t + net::kTcpMinHeaderLen + *at, net::load_be32(t + net::kTcpMinHeaderLen + *at) + m->tsval);
    }
    net::store_be16(t + net::kTcpChecksumOffset, 0);
    const auto len = static_cast<std::uint16_t>(r.bytes.size());
    const std::uint32_t sum =
        net::checksum_accumulate(net::pseudo_header_sum(src, kLocal, net::kIpProtoTcp, len), {t, len});
    // A bad checksum is off by 0x100, which no one's-complement equivalence
    // (0x0000 = 0xffff) can make good again.
    net::store_be16(t + net::kTcpChecksumOffset,
                    static_cast<std::uint16_t>(net::checksum_finish(sum) + (r.bad_checksum ? 0x100 : 0)));
    return p;
}

}  // namespace synline::fuzz
