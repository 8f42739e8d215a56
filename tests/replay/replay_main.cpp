// synline-replay: replays a capture of synline-server (--capture FILE) into a
// fresh stack set up as the tests' server (tests/replay/server_replay.hpp) and
// prints one line per segment that stack sent. Exit status 0 when those lines
// are the ones the server sent in the capture, 1 (and the first difference on
// stderr) when not, 2 when the file cannot be replayed.
//
//   synline-replay FILE.pcap [--set tcp.KEY=VALUE]... [--captured]
//
// --captured prints the server's own segments instead. A golden summary
// (tests/replay/golden/*.txt) is this program's output.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "server_replay.hpp"

int main(int argc, char** argv) {
    std::string path;
    std::vector<std::string> overrides;
    bool captured = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--captured") captured = true;
        else if (a == "--set" && i + 1 < argc) overrides.emplace_back(argv[++i]);
        else if (path.empty() && !a.starts_with("--")) path = a;
        else {
            std::fprintf(stderr, "usage: synline-replay FILE.pcap [--set tcp.KEY=VALUE]... [--captured]\n");
            return 2;
        }
    }
    if (path.empty()) {
        std::fprintf(stderr, "usage: synline-replay FILE.pcap [--set tcp.KEY=VALUE]... [--captured]\n");
        return 2;
    }
    try {
        const synline::replay::ReplayResult r = synline::replay::replay_server_pcap(path, overrides);
        for (const std::string& line : captured ? r.captured : r.replayed) std::printf("%s\n", line.c_str());
        for (std::size_t i = 0; i < std::max(r.replayed.size(), r.captured.size()); ++i) {
            const std::string none = "(nothing)";
            const std::string& a = i < r.replayed.size() ? r.replayed[i] : none;
            const std::string& b = i < r.captured.size() ? r.captured[i] : none;
            if (a != b) {
                std::fprintf(stderr, "synline-replay: segment %zu differs:\n  replayed %s\n  captured %s\n", i + 1,
                             a.c_str(), b.c_str());
                return 1;
            }
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synline-replay: %s\n", e.what());
        return 2;
    }
}
