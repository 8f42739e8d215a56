// synline-server: serves the built-in apps on a DPDK port.
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <vector>

#include "discard_app.hpp"
#include "echo_app.hpp"
#include "engine/config.hpp"
#include "http_app.hpp"
#include "server_options.hpp"
#include "synline/runtime.hpp"

namespace {

// The apps are stateless between connections, so one instance of each serves
// every worker: callbacks only ever run on the connection's own core.
struct Apps {
    synline::app::EchoApp echo;
    synline::app::DiscardApp discard;
    synline::app::HttpApp http;

    synline::tcp::ConnectionHandler& of(synline::app::AppKind k) {
        switch (k) {
            case synline::app::AppKind::echo: return echo;
            case synline::app::AppKind::discard: return discard;
            case synline::app::AppKind::http: return http;
        }
        throw std::logic_error("unknown app kind");
    }
};

int fail(const char* what) {
    std::fprintf(stderr, "synline-server: %s\n", what);
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    synline::app::ServerOptions options;
    try {
        options = synline::app::parse_server_options(argc, argv);
    } catch (const std::invalid_argument& e) {
        return fail(e.what());
    }
    if (options.help) {
        std::fputs(synline::app::server_usage(), stdout);
        return 0;
    }
    try {
        synline::Runtime runtime(options.runtime);
        std::printf("synline-server: %s\n", runtime.describe().c_str());
        Apps apps;
        auto totals = runtime.run([&](synline::tcp::Stack& stack, unsigned) {
            for (const auto& s : options.services)
                if (!stack.listen(s.port, apps.of(s.kind), runtime.listen_options()))
                    throw synline::engine::ConfigError("port " + std::to_string(s.port) +
                                                       " is served twice: give each --serve its own port");
        });
        std::printf("synline-server: stopped; totals over %u worker(s):\n", runtime.worker_count());
        for (const auto& [name, value] : totals)
            std::printf("stat %s %llu\n", name.c_str(), static_cast<unsigned long long>(value));
        return 0;
    } catch (const synline::engine::ConfigError& e) {
        return fail(e.what());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}
