// Golden replays: sessions synline-server captured with --capture during an
// integration test (tests/integration/test_capture_tshark.sh, which writes
// them with SL_CAPTURE_GOLDEN=DIR), replayed into a fresh stack. The stack
// must send what the server sent, segment for segment, and what the
// committed summary says (tests/replay/golden/NAME.txt, written by
// synline-replay).
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "server_replay.hpp"

using synline::replay::replay_server_pcap;

namespace {

const std::string kGolden = SYNLINE_GOLDEN_DIR;

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("golden replay: echo and http sessions get the server's replies back", "[replay]") {
    const auto r = replay_server_pcap(kGolden + "/echo_http.pcap");
    CHECK(r.skipped > 0);      // the ARP exchange
    CHECK(r.segments_in > 10);
    REQUIRE(r.captured.size() > 10);
    CHECK(r.replayed == r.captured);
    CHECK(r.replayed == lines_of(kGolden + "/echo_http.txt"));
}

TEST_CASE("golden replay: a stack set up otherwise does not pass for the server", "[replay]") {
    // A smaller MSS changes the SYN-ACK and the echo's segmentation.
    const auto r = replay_server_pcap(kGolden + "/echo_http.pcap", {"tcp.mss=536"});
    CHECK(r.replayed != r.captured);
}

TEST_CASE("replay: a file that is not a capture is an error naming it", "[replay]") {
    CHECK_THROWS_WITH(replay_server_pcap(kGolden + "/echo_http.txt"), Catch::Matchers::Contains("echo_http.txt"));
}
