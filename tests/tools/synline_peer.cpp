// synline-peer: one scripted active-open connection on synline, for tests in
// which the Linux kernel plays the server. It connects, sends, reads, then
// closes, half-closes or aborts (optionally at a given wall-clock instant, to
// cross FINs with the peer), and prints every event as a line:
//
//   event connected | event data N | event received "TEXT" | event peer-closed
//   event state STATE | event closed REASON | result ok|timeout
#include <chrono>
#include <cstdio>
#include <string>
#include <stdexcept>
#include <string_view>

#include "synline/runtime.hpp"
#include "synline/runtime_flags.hpp"

namespace {

using namespace synline;
using Clock = std::chrono::system_clock;

const char* kUsage = R"(usage: synline-peer --config FILE --ip ADDR/PREFIX --connect IP:PORT [options]
  --var NAME=VALUE      config variable (repeatable), --set SECTION.KEY=VALUE (repeatable)
  --local-port PORT     source port (default: ephemeral)
  --send TEXT           bytes to send once connected
  --read-bytes N        wait until N bytes arrived before the final action
  --then ACTION         close | shutdown | abort | wait (default close): done after send/read
  --at UNIX_SECONDS     do ACTION at this wall-clock time (e.g. to cross FINs)
  --hold SECONDS        keep running after the connection ended (default 0.5)
  --timeout SECONDS     give up after this long (default 10)
)";

struct Script {
    RuntimeOptions runtime;
    net::Ipv4Addr remote;
    std::uint16_t remote_port = 0;
    std::uint16_t local_port = 0;
    std::string send;
    std::size_t read_bytes = 0;
    std::string then = "close";
    std::optional<double> at;
    double hold = 0.5;
    double timeout = 10;
};

std::string escaped(std::span<const std::uint8_t> d) {
    std::string out;
    for (std::uint8_t c : d.first(std::min<std::size_t>(d.size(), 200))) {
        if (c >= 32 && c < 127 && c != '"' && c != '\\') out += static_cast<char>(c);
        else out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
    }
    return out;
}

class Peer final : public tcp::ConnectionHandler {
public:
    explicit Peer(const Script& s) : s_(s), start_(Clock::now()) {}

    void start(tcp::Stack& stack) {
        conn_ = stack.connect(s_.runtime.ip, s_.remote, s_.remote_port, *this, s_.local_port);
        if (!conn_) finish("no-port-or-slot");
    }

    void on_established(tcp::Connection& c) override {
        std::printf("event connected\n");
        if (!s_.send.empty())
            c.send({reinterpret_cast<const std::uint8_t*>(s_.send.data()), s_.send.size()});
        std::fflush(stdout);
    }
    std::size_t on_data(tcp::Connection&, std::span<const std::uint8_t> d) override {
        received_ += d.size();
        std::printf("event data %zu\nevent received \"%s\"\n", d.size(), escaped(d).c_str());
        std::fflush(stdout);
        return d.size();
    }
    void on_peer_closed(tcp::Connection&) override {
        std::printf("event peer-closed\n");
        std::fflush(stdout);
    }
    void on_closed(tcp::Connection&, tcp::CloseReason why) override {
        std::printf("event closed %s\n", std::string(tcp::to_string(why)).c_str());
        std::fflush(stdout);
        conn_ = nullptr;
        ended_ = Clock::now();
    }

    // Once per loop iteration on the worker: watch states, act, stop.
    bool step() {
        const double elapsed = seconds_since(start_);
        if (conn_ && conn_->state() != last_state_) {
            last_state_ = conn_->state();
            std::printf("event state %s\n", std::string(tcp::to_string(last_state_)).c_str());
            std::fflush(stdout);
        }
        if (conn_ && !acted_ && ready_to_act()) act();
        if (!conn_ && ended_ && seconds_since(*ended_) >= s_.hold) return finish("ok");
        if (elapsed >= s_.timeout) return finish("timeout");
        return false;
    }

private:
    static double seconds_since(Clock::time_point t) {
        return std::chrono::duration<double>(Clock::now() - t).count();
    }
    bool ready_to_act() const {
        if (!tcp::in_state(conn_->state(), {tcp::State::established, tcp::State::close_wait}))
            return false;
        if (received_ < s_.read_bytes) return false;
        if (s_.at) return std::chrono::duration<double>(Clock::now().time_since_epoch()).count() >= *s_.at;
        return true;
    }
    void act() {
        acted_ = true;
        std::printf("event action %s\n", s_.then.c_str());
        std::fflush(stdout);
        if (s_.then == "close") conn_->close();
        else if (s_.then == "shutdown") conn_->shutdown_write();
        else if (s_.then == "abort") conn_->abort();
    }
    bool finish(const char* result) {
        if (!finished_) {
            std::printf("result %s\n", result);
            std::fflush(stdout);
        }
        finished_ = true;
        return true;
    }

    const Script& s_;
    Clock::time_point start_;
    std::optional<Clock::time_point> ended_;
    tcp::Connection* conn_ = nullptr;
    tcp::State last_state_ = tcp::State::closed;
    std::size_t received_ = 0;
    bool acted_ = false;
    bool finished_ = false;
};

[[noreturn]] void usage_error(const std::string& what) {
    std::fprintf(stderr, "synline-peer: %s\n", what.c_str());
    std::exit(1);
}

Script parse(int argc, char** argv) {
    Script s;
    s.runtime.program_name = "synline-peer";
    s.runtime.status_lines = false;
    for (int i = 1; i < argc; ++i) {
        try {
            if (parse_runtime_flag(argc, argv, i, s.runtime)) continue;
        } catch (const std::invalid_argument& e) {
            usage_error(e.what());
        }
        std::string_view a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "--help") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (a == "--connect") {
            std::string v = value();
            auto colon = v.find(':');
            auto ip = net::Ipv4Addr::parse(v.substr(0, colon));
            if (!ip || colon == std::string::npos) usage_error("--connect wants IP:PORT");
            s.remote = *ip;
            s.remote_port = static_cast<std::uint16_t>(std::stoi(v.substr(colon + 1)));
        } else if (a == "--local-port") s.local_port = static_cast<std::uint16_t>(std::stoi(value()));
        else if (a == "--send") s.send = value();
        else if (a == "--read-bytes") s.read_bytes = std::stoul(value());
        else if (a == "--then") {
            s.then = value();
            if (s.then != "close" && s.then != "shutdown" && s.then != "abort" && s.then != "wait")
                usage_error("--then wants close, shutdown, abort or wait");
        } else if (a == "--at") s.at = std::stod(value());
        else if (a == "--hold") s.hold = std::stod(value());
        else if (a == "--timeout") s.timeout = std::stod(value());
        else usage_error("unknown option '" + std::string(a) + "' (see --help)");
    }
    try {
        require_runtime_flags(s.runtime);
    } catch (const std::invalid_argument& e) {
        usage_error(e.what());
    }
    if (s.remote_port == 0) usage_error("--connect IP:PORT is required");
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    Script script = parse(argc, argv);
    try {
        Runtime rt(script.runtime);
        Peer peer(script);
        rt.run([&](tcp::Stack& stack, unsigned worker) { if (worker == 0) peer.start(stack); },
               [&](tcp::Stack&) { if (peer.step()) rt.request_stop(); });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synline-peer: %s\n", e.what());
        return 1;
    }
    return 0;
}
