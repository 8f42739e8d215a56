#include "server_options.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

#include "synline/runtime_flags.hpp"

namespace synline::app {

namespace {

std::uint64_t parse_number(std::string_view s, std::uint64_t max, const std::string& what) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v > max)
        throw std::invalid_argument(what + ": '" + std::string(s) + "' is not a number in 0.." +
                                    std::to_string(max));
    return v;
}

Service parse_service(std::string_view s) {
    std::size_t colon = s.find(':');
    if (colon == std::string_view::npos)
        throw std::invalid_argument("--serve '" + std::string(s) +
                                    "': expected APP:PORT, e.g. --serve http:80");
    std::string_view name = s.substr(0, colon);
    AppKind kind;
    if (name == "echo") kind = AppKind::echo;
    else if (name == "discard") kind = AppKind::discard;
    else if (name == "http") kind = AppKind::http;
    else
        throw std::invalid_argument("--serve: unknown app '" + std::string(name) +
                                    "' (known: echo, discard, http)");
    auto port = parse_number(s.substr(colon + 1), 65535, "--serve port");
    if (port == 0) throw std::invalid_argument("--serve: port 0 is not a port; use 1..65535");
    return {kind, static_cast<std::uint16_t>(port)};
}

}  // namespace

const char* server_usage() {
    return R"(usage: synline-server --config FILE --ip ADDR/PREFIX --serve APP:PORT [options]

A TCP server on DPDK: one run-to-completion loop per worker lcore.

required:
  --config FILE        device configuration (drivers-cfg/*.conf): EAL, port and [tcp] settings
  --ip ADDR/PREFIX     our IPv4 address and on-link prefix, e.g. 10.77.0.2/24
  --serve APP:PORT     serve APP on PORT; repeatable. APP is one of:
                         echo     send back every byte received
                         discard  consume and ignore everything
                         http     answer each HTTP request with a small 200 OK
                                  (keep-alive unless "Connection: close")
options:
  --gateway ADDR       router for destinations outside the prefix
  --var NAME=VALUE     value of ${NAME} in the config file; repeatable
  --set SECTION.KEY=VALUE
                       override one config key, e.g. --set tcp.msl_ms=1000; repeatable
  --capture FILE       write what every worker receives and sends to FILE (pcap,
                       nanosecond timestamps); the [capture] section tunes it
  --duration SECONDS   stop by itself after this long (default: until SIGINT/SIGTERM)
  --quiet              no status line every second
  --help               this text

output: "synline-server: ready" once serving, one status line per second, and at
exit one line "stat NAME VALUE" per counter (summed over workers).
exit status: 0 after a clean stop, 1 for bad usage or configuration (one line on stderr).
)";
}

ServerOptions parse_server_options(int argc, char** argv) {
    ServerOptions o;
    o.runtime.program_name = "synline-server";
    for (int i = 1; i < argc; ++i) {
        if (parse_runtime_flag(argc, argv, i, o.runtime)) continue;
        std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc)
                throw std::invalid_argument(std::string(a) + " needs a value (see --help)");
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            o.help = true;
            return o;
        } else if (a == "--serve") {
            o.services.push_back(parse_service(value()));
        } else if (a == "--capture") {
            o.runtime.overrides.push_back("capture.file=" + std::string(value()));
        } else if (a == "--duration") {
            std::string_view d = value();
            double secs = 0;
            auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), secs);
            if (ec != std::errc{} || end != d.data() + d.size() || secs <= 0)
                throw std::invalid_argument("--duration '" + std::string(d) +
                                            "': expected a positive number of seconds");
            o.runtime.duration_seconds = secs;
        } else if (a == "--quiet") {
            o.runtime.status_lines = false;
        } else {
            throw std::invalid_argument("unknown option '" + std::string(a) + "' (see --help)");
        }
    }
    require_runtime_flags(o.runtime);
    if (o.services.empty())
        throw std::invalid_argument("nothing to serve: add --serve APP:PORT, e.g. --serve http:80");
    return o;
}

}  // namespace synline::app
