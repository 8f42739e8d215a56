// The smallest complete synline program: an echo server on port 7. README.md
// quotes it; building it keeps that quote honest.
//
//   minimal_echo drivers-cfg/af_packet.conf veth-syn 10.77.0.2
#include <cstdio>

#include "synline/runtime.hpp"

struct Echo : synline::tcp::ConnectionHandler {
    std::size_t on_data(synline::tcp::Connection& c, std::span<const std::uint8_t> d) override {
        return c.send(d);  // runs inline on the connection's own core; the rest waits
    }
    void on_send_space(synline::tcp::Connection& c) override {
        auto pending = c.received();
        c.consume_received(c.send(pending.first));
    }
    void on_peer_closed(synline::tcp::Connection& c) override { c.close(); }
};

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: minimal_echo CONFIG IFACE IP\n");
        return 1;
    }
    synline::RuntimeOptions o;
    o.program_name = "minimal_echo";
    o.config_path = argv[1];
    o.vars["iface"] = argv[2];
    auto ip = synline::net::Ipv4Addr::parse(argv[3]);
    if (!ip) {
        std::fprintf(stderr, "minimal_echo: '%s' is not an IPv4 address\n", argv[3]);
        return 1;
    }
    o.ip = *ip;
    try {
        synline::Runtime rt(o);
        Echo echo;
        rt.run([&](synline::tcp::Stack& s, unsigned) { s.listen(7, echo); });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "minimal_echo: %s\n", e.what());
        return 1;
    }
}
