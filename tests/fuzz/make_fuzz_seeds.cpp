// Writes the fuzz targets' seed corpora (tests/fuzz/corpus/) from the
// simulator's traffic: a client stack (10.0.0.2) against a server stack at
// fuzz_stack's own address (10.0.0.1) with its listeners, in a few dialogues
// (queue and cookie handshakes, echo, close from either side, abort, a
// refused port, a lossy link). For each dialogue:
//   fuzz_stack        what the server received, as a program of time and
//                     relative segment records (stack_input.hpp), so that it
//                     replays against fuzz_stack's own ISNs and clock;
//   fuzz_frame        every packet in an Ethernet frame;
//   fuzz_tcp_options  every distinct option block.
// Usage: make_fuzz_seeds DIR   (writes DIR/<target>/<name>)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "net/ethernet.hpp"
#include "net/ipv4.hpp"
#include "net/tcp_header.hpp"
#include "sim_app.hpp"
#include "sim_network.hpp"
#include "stack_input.hpp"

using namespace synline;
namespace fs = std::filesystem;

namespace {

constexpr net::MacAddr kOurMac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr net::MacAddr kPeerMac{{0x02, 0, 0, 0, 0, 0x02}};

void write_file(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                             static_cast<std::streamsize>(bytes.size()));
}

// Time records that add up to `d` (to the millisecond, rounded down).
void put_time(std::vector<std::uint8_t>& prog, tcp::Duration d) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    for (; ms >= 10000; ms -= std::min<long>(ms / 10000, 64) * 10000)
        prog.insert(prog.end(), {2, static_cast<std::uint8_t>(191 + std::min<long>(ms / 10000, 64))});
    for (; ms >= 100; ms -= std::min<long>(ms / 100, 64) * 100)
        prog.insert(prog.end(), {2, static_cast<std::uint8_t>(127 + std::min<long>(ms / 100, 64))});
    if (ms > 0) prog.insert(prog.end(), {2, static_cast<std::uint8_t>(ms)});
}

struct Recorder {
    std::vector<std::uint8_t> program{0x00};  // setup: port 80 on-overflow, push, echo
    std::vector<std::vector<std::uint8_t>> frames;
    std::set<std::vector<std::uint8_t>> options;
    fuzz::LastSent server_sent;
    std::optional<tcp::Instant> last_at;

    void packet(bool to_server, tcp::Instant at, std::span<const std::uint8_t> ip) {
        std::vector<std::uint8_t> f(net::kEthernetHeaderLen + ip.size());
        net::write_ethernet(f.data(), to_server ? kOurMac : kPeerMac, to_server ? kPeerMac : kOurMac,
                            net::EtherType::ipv4);
        std::copy(ip.begin(), ip.end(), f.begin() + net::kEthernetHeaderLen);
        frames.push_back(std::move(f));
        net::Drop why{};
        const auto pkt = net::parse_ipv4(ip, net::ChecksumVerdict::unknown, why);
        if (!pkt) return;
        const auto seg = net::parse_tcp(pkt->payload, why);
        if (!seg) return;
        const std::size_t hl = net::tcp_data_offset(pkt->payload.data());
        options.insert({pkt->payload.begin() + net::kTcpMinHeaderLen, pkt->payload.begin() + hl});
        const net::TcpHeader& h = seg->header;
        if (!to_server) {
            server_sent.note({pkt->src, pkt->dst, h.src_port, h.dst_port}, h, seg->payload.size());
            return;
        }
        if (last_at) put_time(program, at - *last_at);
        last_at = at;
        // The segment, relative to what the server last sent this 4-tuple.
        std::vector<std::uint8_t> tcp(pkt->payload.begin(), pkt->payload.end());
        if (const auto* m = server_sent.find(pkt->src, h.src_port, h.dst_port)) {
            net::store_be32(tcp.data() + 4, h.seq.raw() - m->ack);
            net::store_be32(tcp.data() + 8, h.ack.raw() - m->next_seq);
            if (auto at_ts = fuzz::tsecr_offset({tcp.data() + net::kTcpMinHeaderLen, hl - net::kTcpMinHeaderLen})) {
                std::uint8_t* ecr = tcp.data() + net::kTcpMinHeaderLen + *at_ts;
                net::store_be32(ecr, net::load_be32(ecr) - m->tsval);
            }
        }
        program.push_back(0x10);  // segment, peer 0, relative
        program.push_back(static_cast<std::uint8_t>(tcp.size() >> 8));
        program.push_back(static_cast<std::uint8_t>(tcp.size()));
        program.insert(program.end(), tcp.begin(), tcp.end());
    }
};

struct Dialogue {
    const char* name;
    std::uint16_t port;
    sim::LinkConfig link;
    std::function<void(sim::SimNetwork&, sim::SimApp& client, sim::AppConn&)> drive;
};

void record(const fs::path& dir, const Dialogue& d) {
    sim::SimConfig cfg;
    cfg.link = d.link;
    sim::SimNetwork net(cfg);
    const sim::NodeId server = net.add_stack("server", fuzz::kLocal, fuzz::decode_setup(0).config);
    const sim::NodeId client = net.add_stack("client", fuzz::peer(0));
    Recorder rec;
    net.set_packet_tap([&](sim::NodeId to, tcp::Instant at, std::span<const std::uint8_t> ip) {
        rec.packet(to == server, at, ip);
    });
    sim::SimApp srv(net, server), cli(net, client);
    srv.echo = true;
    for (const auto& l : fuzz::decode_setup(rec.program[0]).listeners) srv.listen(l.port, l.options);
    sim::AppConn* c = cli.connect(fuzz::kLocal, d.port);
    if (!c) throw std::runtime_error("connect refused by the client stack");
    net.run_for(std::chrono::milliseconds(50));
    d.drive(net, cli, *c);
    net.run_until_idle(std::chrono::minutes(5));
    write_file(dir / "fuzz_stack" / d.name, rec.program);
    for (std::size_t i = 0; i < rec.frames.size(); ++i)
        write_file(dir / "fuzz_frame" / (std::string(d.name) + "-" + std::to_string(i)), rec.frames[i]);
    std::size_t i = 0;
    for (const auto& o : rec.options)
        if (!o.empty()) write_file(dir / "fuzz_tcp_options" / (std::string(d.name) + "-" + std::to_string(i++)), o);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
        return 2;
    }
    const fs::path dir = argv[1];
    const auto hello = std::vector<std::uint8_t>{'h', 'e', 'l', 'l', 'o', '\n'};
    const auto bulk = sim::pseudo_random_bytes(7, 3000);
    sim::LinkConfig lossy;
    lossy.loss = 0.2;
    const Dialogue dialogues[] = {
        {"echo-close", 80, {}, [&](auto& net, auto& cli, auto& c) {
             cli.send(c, hello);
             net.run_for(std::chrono::milliseconds(50));
             cli.close(c);
         }},
        {"cookie-echo-close", 443, {}, [&](auto& net, auto& cli, auto& c) {
             cli.send(c, hello);
             net.run_for(std::chrono::milliseconds(50));
             cli.close(c);
         }},
        {"bulk-half-close", 80, {}, [&](auto& net, auto& cli, auto& c) {
             cli.send(c, bulk);
             cli.shutdown_write(c);
             net.run_for(std::chrono::seconds(1));
         }},
        {"abort", 80, {}, [&](auto&, auto& cli, auto& c) { cli.abort(c); }},
        {"refused", 81, {}, [&](auto&, auto&, auto&) {}},
        {"lossy-echo", 80, lossy, [&](auto& net, auto& cli, auto& c) {
             cli.send(c, bulk);
             net.run_for(std::chrono::seconds(5));
             cli.close(c);
         }},
    };
    for (const auto& d : dialogues) record(dir, d);
    return 0;
}
