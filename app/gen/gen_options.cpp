#include "gen_options.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include "synline/runtime_flags.hpp"

namespace synline::gen {

const char* to_string(Mode m) {
    switch (m) {
        case Mode::cps: return "cps";
        case Mode::rps: return "rps";
        case Mode::bulk: return "bulk";
        case Mode::synflood: return "synflood";
    }
    return "?";
}

namespace {

std::uint64_t parse_uint(std::string_view s, std::uint64_t min, std::uint64_t max, const std::string& what) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v < min || v > max)
        throw std::invalid_argument(what + ": '" + std::string(s) + "' is not a number in " +
                                    std::to_string(min) + ".." + std::to_string(max));
    return v;
}

double parse_positive(std::string_view s, const std::string& what) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v) || v <= 0)
        throw std::invalid_argument(what + " '" + std::string(s) + "': expected a positive number");
    return v;
}

std::optional<net::MacAddr> parse_mac(std::string_view s) {
    net::MacAddr mac;
    for (std::size_t i = 0; i < 6; ++i) {
        const std::string_view byte = s.substr(i * 3, 2);
        if (byte.size() != 2 || (i < 5 && (s.size() <= i * 3 + 2 || s[i * 3 + 2] != ':'))) return std::nullopt;
        auto [end, ec] = std::from_chars(byte.data(), byte.data() + 2, mac.bytes[i], 16);
        if (ec != std::errc{} || end != byte.data() + 2) return std::nullopt;
    }
    if (s.size() != 17) return std::nullopt;
    return mac;
}

std::pair<net::Ipv4Addr, std::uint8_t> parse_cidr(std::string_view s, const std::string& what,
                                                  const char* example) {
    const std::size_t slash = s.find('/');
    auto ip = net::Ipv4Addr::parse(s.substr(0, slash));
    if (!ip)
        throw std::invalid_argument(what + " '" + std::string(s) + "': expected ADDR/PREFIX, e.g. " + example);
    std::uint8_t prefix = 32;
    if (slash != std::string_view::npos)
        prefix = static_cast<std::uint8_t>(parse_uint(s.substr(slash + 1), 0, 32, what + " prefix"));
    return {*ip, prefix};
}

}  // namespace

const char* gen_usage() {
    return R"(usage: synline-gen --config FILE --ip ADDR/PREFIX --target IP:PORT --mode MODE [options]

A TCP load generator on synline's own stack (active open, many connections per worker).

modes:
  cps        open, send one request, read the whole response, close; --concurrency N
             connections in flight (default 64), or --rate R new connections per second
  rps        --connections N keep-alive connections (default 16), requests in a closed
             loop, --pipeline D requests in flight per connection (default 1); with
             --rate R an open loop instead: R requests per second on a fixed schedule,
             spread over the connections, latency measured from each request's due time
  bulk       --connections N connections (default 4) streaming to a discard or echo
             server; goodput in Gb/s (bytes the peer acknowledged)
  synflood   --rate R SYNs per second (or max) from random sources in --src-range CIDR
             (default 198.18.0.0/15), raw frames in bursts of 32 on the worker's queue;
             SYN-ACKs coming back (and SYNs reflected by a macswap peer) are counted
required:
  --config FILE        device configuration (drivers-cfg/*.conf), as for synline-server
  --ip ADDR/PREFIX     our IPv4 address and on-link prefix, e.g. 10.77.0.1/24
  --target IP:PORT     the server
  --mode MODE          cps | rps | bulk | synflood
options:
  --duration SECONDS   how long to generate (default 10); the run always stops by itself
  --concurrency N      cps: connections in flight (default 64; with --rate: 65536)
  --rate R             cps: connections per second; synflood: SYNs per second (required;
                       max or 0: as fast as the queue takes them);
                       rps: requests per second, open loop (--pipeline caps in flight)
  --connections N      rps, bulk: connections to keep open
  --pipeline D         rps: requests in flight per connection, 1..64
  --request-bytes N    raw (non-HTTP) target: send N bytes per request (bulk: ignored)
  --response-bytes M   raw target: each response is M bytes (echo: M = N; discard: 0)
  --path PATH          HTTP request path (default /)
  --host NAME          HTTP Host header (default: the target address)
  --timeout SECONDS    one operation at most, connect to full response (default 5)
  --src-range CIDR     synflood: spoofed source addresses
  --target-mac MAC     synflood: the target's (or next hop's) MAC, for peers that do not
                       answer ARP (testpmd); default: asked by ARP
  --json FILE          write the JSON record there (default: stdout after a line "json:")
  --quiet              no live line every second
  --gateway ADDR       router for destinations outside the prefix
  --var NAME=VALUE     value of ${NAME} in the config file; repeatable
  --set SECTION.KEY=VALUE
                       override one config key, e.g. --set tcp.syn_retries=2; repeatable
  --help               this text

output: one live line per second (rate, errors, p50/p99 latency), a summary, and a JSON
record with rates, errors by kind and p50/p90/p99/p99.9 latency.
exit status: 0 when operations succeeded, 1 for bad usage or configuration, or when the
target could not be reached (one line on stderr).
)";
}

GenOptions parse_gen_options(int argc, char** argv) {
    GenOptions o;
    o.runtime.program_name = "synline-gen";
    o.runtime.status_lines = false;
    bool have_target = false, have_mode = false;
    bool have_concurrency = false, have_connections = false;
    bool have_request = false, have_response = false;
    for (int i = 1; i < argc; ++i) {
        if (parse_runtime_flag(argc, argv, i, o.runtime)) continue;
        std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) throw std::invalid_argument(std::string(a) + " needs a value (see --help)");
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            o.help = true;
            return o;
        } else if (a == "--mode") {
            std::string_view m = value();
            if (m == "cps") o.mode = Mode::cps;
            else if (m == "rps") o.mode = Mode::rps;
            else if (m == "bulk") o.mode = Mode::bulk;
            else if (m == "synflood") o.mode = Mode::synflood;
            else
                throw std::invalid_argument("--mode: unknown mode '" + std::string(m) +
                                            "' (known: cps, rps, bulk, synflood)");
            have_mode = true;
        } else if (a == "--target") {
            std::string_view t = value();
            const std::size_t colon = t.rfind(':');
            auto ip = net::Ipv4Addr::parse(t.substr(0, colon));
            if (colon == std::string_view::npos || !ip)
                throw std::invalid_argument("--target '" + std::string(t) + "': expected IP:PORT, e.g. 10.77.0.2:80");
            o.target_ip = *ip;
            o.target_port = static_cast<std::uint16_t>(parse_uint(t.substr(colon + 1), 1, 65535, "--target port"));
            have_target = true;
        } else if (a == "--duration") {
            o.duration_s = parse_positive(value(), "--duration");
        } else if (a == "--concurrency") {
            o.concurrency = static_cast<std::uint32_t>(parse_uint(value(), 1, 1u << 20, "--concurrency"));
            have_concurrency = true;
        } else if (a == "--rate") {
            std::string_view r = value();
            double v = 0;
            auto [end, ec] = std::from_chars(r.data(), r.data() + r.size(), v);
            if (r == "max") v = 0;  // synflood: unlimited, checked below
            else if (ec != std::errc{} || end != r.data() + r.size() || !std::isfinite(v) || v < 0)
                throw std::invalid_argument("--rate '" + std::string(r) + "': expected a positive number per second");
            o.rate = v;
        } else if (a == "--connections") {
            o.connections = static_cast<std::uint32_t>(parse_uint(value(), 1, 1u << 20, "--connections"));
            have_connections = true;
        } else if (a == "--pipeline") {
            o.pipeline = static_cast<std::uint32_t>(parse_uint(value(), 1, 64, "--pipeline"));
        } else if (a == "--request-bytes") {
            o.request_bytes = static_cast<std::uint32_t>(parse_uint(value(), 0, 1u << 30, "--request-bytes"));
            have_request = true;
        } else if (a == "--response-bytes") {
            o.response_bytes = static_cast<std::uint32_t>(parse_uint(value(), 0, 1u << 30, "--response-bytes"));
            have_response = true;
        } else if (a == "--path") {
            o.path = value();
            if (o.path.empty() || o.path.front() != '/' || o.path.find_first_of(" \r\n") != std::string::npos)
                throw std::invalid_argument("--path '" + o.path + "': expected an absolute path without spaces, e.g. /index.html");
        } else if (a == "--host") {
            o.host = value();
        } else if (a == "--timeout") {
            o.timeout_s = parse_positive(value(), "--timeout");
        } else if (a == "--src-range") {
            auto [ip, prefix] = parse_cidr(value(), "--src-range", "198.18.0.0/15");
            o.src_base = ip;
            o.src_prefix = prefix;
            o.have_src_range = true;
        } else if (a == "--target-mac") {
            std::string_view m = value();
            o.target_mac = parse_mac(m);
            if (!o.target_mac)
                throw std::invalid_argument("--target-mac '" + std::string(m) + "': expected six hex bytes, e.g. 02:53:59:4e:00:01");
        } else if (a == "--json") {
            o.json_path = value();
        } else if (a == "--quiet") {
            o.quiet = true;
        } else {
            throw std::invalid_argument("unknown option '" + std::string(a) + "' (see --help)");
        }
    }
    if (!have_mode) throw std::invalid_argument("--mode MODE is required: cps, rps, bulk or synflood");
    if (!have_target) throw std::invalid_argument("--target IP:PORT is required, e.g. --target 10.77.0.2:80");
    require_runtime_flags(o.runtime);
    if (o.target_ip == o.runtime.ip)
        throw std::invalid_argument("--target is our own --ip: give the server's address");
    if (o.mode == Mode::synflood && !o.rate)
        throw std::invalid_argument("synflood needs --rate R (SYNs per second), e.g. --rate 100000");
    if (o.rate && o.mode == Mode::bulk)
        throw std::invalid_argument("--rate applies to cps, rps and synflood, not bulk (use --connections)");
    if (o.rate == 0.0 && o.mode != Mode::synflood)
        throw std::invalid_argument("--rate max (or 0) applies to synflood only: give a positive rate");
    if (o.target_mac && o.mode != Mode::synflood)
        throw std::invalid_argument("--target-mac applies to --mode synflood only (the stack resolves by ARP)");
    if (o.have_src_range && o.mode != Mode::synflood)
        throw std::invalid_argument("--src-range applies to --mode synflood only");
    if (o.mode == Mode::synflood && !o.have_src_range) {
        o.src_base = *net::Ipv4Addr::parse("198.18.0.0");  // RFC 2544 benchmarking range
        o.src_prefix = 15;
    }
    if (o.mode == Mode::synflood && o.src_prefix >= 31) {  // one or two addresses: any usable?
        const std::uint32_t first = o.src_base.value & (o.src_prefix == 32 ? ~0u : ~1u);
        const std::uint32_t last = first | (o.src_prefix == 32 ? 0u : 1u);
        bool usable = false;
        for (std::uint64_t a = first; a <= last; ++a)
            usable |= a != o.runtime.ip.value && a != o.target_ip.value;
        if (!usable)
            throw std::invalid_argument("--src-range holds only our own and the target's address: pick other sources, e.g. 198.18.0.0/15");
    }
    if (o.rate && o.mode == Mode::cps && !have_concurrency) o.concurrency = 65536;
    if (o.mode == Mode::bulk && !have_connections) o.connections = 4;
    if (have_request || have_response) {
        o.http = false;
        if (!have_response) o.response_bytes = 0;
        if (o.mode == Mode::rps && o.request_bytes == 0)
            throw std::invalid_argument("rps over a raw target needs --request-bytes N > 0");
        if (o.mode == Mode::rps && o.response_bytes == 0)
            throw std::invalid_argument("rps needs a response to wait for: --response-bytes M > 0 (echo: M = N)");
    }
    if (o.host.empty()) o.host = o.target_ip.to_string();
    // The run stops itself after the measurement and a short drain; this is a backstop.
    o.runtime.duration_seconds = o.duration_s + 10;
    return o;
}

}  // namespace synline::gen
