// libFuzzer target: the receive path of one tcp::Stack under a virtual clock.
// The input is a program of records (stack_input.hpp): segments from a few
// peers, raw IPv4 packets, time steps and application calls. Each packet goes
// through the parsers the engine uses (parse_ipv4, the TCP checksum,
// parse_tcp) into Stack::input, and after every record the stack's
// invariants must hold (Stack::audit). Every segment the stack sends must
// parse back as it was written, go to a possible peer, and never be a RST
// answering a RST. At the end, with the application closing everything and
// the clock run on, no connection may be left.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "stack_input.hpp"
#include "tcp/connection.hpp"
#include "tcp/segment_writer.hpp"
#include "tcp/stack.hpp"

using namespace synline;
using fuzz::StackProgram;

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_stack: %s\n", what.c_str());
    std::abort();
}
void check(bool ok, const char* what) {
    if (!ok) fail(what);
}

class Harness final : public tcp::SegmentSink, public tcp::ConnectionHandler, public tcp::AcceptHandler {
public:
    explicit Harness(const fuzz::StackSetup& setup)
        : setup_(setup), now_(fuzz::kStart), stack_(setup.config, *this, tcp::SipKey{1, 2}, now_) {
        for (const auto& l : setup.listeners) {
            tcp::ListenOptions o = l.options;
            if (o.pull) o.pull = this;
            check(stack_.listen(l.port, *this, o), "listen");
        }
    }

    void run(StackProgram& p) {
        while (auto r = p.next()) {
            switch (r->kind) {
                case fuzz::Record::segment: deliver(fuzz::segment_packet(*r, replies_)); break;
                case fuzz::Record::packet: deliver(r->bytes); break;
                case fuzz::Record::time: now_ = now_ + r->step; break;
                case fuzz::Record::app: app(*r); break;
            }
            stack_.advance(now_);
            audit();
        }
        finish();
    }

private:
    // ---- SegmentSink: what the stack sends ----
    void send(const tcp::OutSegment& seg) override {
        check(!net::bad_tcp_peer(seg.tuple.remote_ip), "a segment to a broadcast or multicast address");
        check(!(in_rst_ && seg.header.has(net::tcp_flag::rst)), "a RST answering a RST (RFC 9293 3.10.7.1)");
        std::vector<std::uint8_t> wire(tcp::ipv4_tcp_length(seg));
        tcp::write_ipv4_tcp(wire.data(), seg, 0, tcp::ChecksumFill::software);
        net::Drop why{};
        const auto ip = net::parse_ipv4(wire, net::ChecksumVerdict::unknown, why);
        check(ip && net::verify_tcp_checksum(ip->src, ip->dst, ip->payload), "a segment sent fails its checksums");
        const auto back = net::parse_tcp(ip->payload, why);
        check(back && back->header.options == seg.header.options && back->header.seq == seg.header.seq &&
                  back->header.ack == seg.header.ack && back->header.flags == seg.header.flags &&
                  back->payload.size() == seg.payload_size(),
              "a segment sent does not parse back as written");
        replies_.note(seg);
    }

    // ---- the application ----
    void on_established(tcp::Connection& c) override { live_.push_back(&c); }
    std::size_t on_data(tcp::Connection& c, std::span<const std::uint8_t> d) override {
        const std::size_t taken = setup_.echo ? c.send(d) : d.size();
        return setup_.consume_all ? d.size() : taken / 2;
    }
    void on_closed(tcp::Connection& c, tcp::CloseReason) override { std::erase(live_, &c); }
    void on_acceptable(std::uint16_t) override {}

    void app(const fuzz::Record& r) {
        using A = fuzz::AppCall;
        if (r.call == A::accept) {
            for (const auto& l : setup_.listeners)
                if (tcp::Connection* c = stack_.accept(l.port)) live_.push_back(c);
            return;
        }
        if (r.call == A::connect) {
            if (tcp::Connection* c = stack_.connect(fuzz::kLocal, fuzz::peer(r.which), r.port, *this, r.local_port))
                live_.push_back(c);
            return;
        }
        if (live_.empty()) return;
        tcp::Connection& c = *live_[r.which % live_.size()];
        switch (r.call) {
            case A::send: {
                const std::vector<std::uint8_t> data(r.amount, 0x5a);
                c.send(data);
                break;
            }
            case A::consume: c.consume_received(std::min<std::size_t>(r.amount, c.received().size())); break;
            case A::shutdown: c.shutdown_write(); break;
            case A::close: c.close(); break;
            case A::abort: c.abort(); break;
            case A::accept:
            case A::connect: break;
        }
    }

    // The engine's order: IPv4, addressed to us, TCP, checksum, header, a
    // possible peer (engine/worker.cpp, Worker::handle_ipv4).
    void deliver(std::span<const std::uint8_t> bytes) {
        net::Drop why{};
        const auto ip = net::parse_ipv4(bytes, net::ChecksumVerdict::unknown, why);
        if (!ip || ip->dst != fuzz::kLocal || ip->protocol != net::kIpProtoTcp) return;
        if (!net::verify_tcp_checksum(ip->src, ip->dst, ip->payload)) return;
        const auto seg = net::parse_tcp(ip->payload, why);
        if (!seg || net::bad_tcp_peer(ip->src)) return;
        in_rst_ = seg->header.has(net::tcp_flag::rst);
        stack_.input(ip->src, ip->dst, *seg, now_);
        in_rst_ = false;
    }

    void audit() {
        if (const std::string broken = stack_.audit(); !broken.empty()) fail(broken);
        check(stack_.connection_count() <= setup_.config.max_connections, "more connections than slots");
    }

    // The application lets go of everything and the peers fall silent: every
    // connection must end within the stack's own timeouts.
    void finish() {
        while (!live_.empty()) live_.back()->abort();  // on_closed erases it
        for (const auto& l : setup_.listeners) stack_.unlisten(l.port);
        for (int i = 0; i < 2000 && stack_.connection_count() > 0; ++i) {
            now_ = now_ + std::chrono::seconds(10);
            stack_.advance(now_);
        }
        audit();
        if (stack_.connection_count() != 0)
            fail(std::to_string(stack_.connection_count()) + " connections left after every timeout");
    }

    fuzz::StackSetup setup_;
    tcp::Instant now_;
    tcp::Stack stack_;
    fuzz::LastSent replies_;
    std::vector<tcp::Connection*> live_;
    bool in_rst_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    StackProgram p({data, size});
    Harness h(p.setup());
    h.run(p);
    return 0;
}
