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

// sessions.pcap: two echo connections (a line, 3000 bytes), two http (two
// keep-alive requests, one with "Connection: close"), a line and 5000 bytes
// to discard (the line's ACK comes from the delayed-ACK timer, which the
// replay runs at the capture's instants) and a SYN to a closed port (RST).
TEST_CASE("golden replay: echo, http, discard and a refusal get the server's replies back", "[replay]") {
    const auto r = replay_server_pcap(kGolden + "/sessions.pcap");
    CHECK(r.skipped > 0);      // the ARP exchange
    CHECK(r.segments_in > 20);
    REQUIRE(r.captured.size() > 20);
    CHECK(r.replayed == r.captured);
    CHECK(r.replayed == lines_of(kGolden + "/sessions.txt"));
}

TEST_CASE("golden replay: a stack set up otherwise does not pass for the server", "[replay]") {
    // A smaller MSS changes the SYN-ACK and the echo's segmentation.
    const auto r = replay_server_pcap(kGolden + "/sessions.pcap", {"tcp.mss=536"});
    CHECK(r.replayed != r.captured);
}

TEST_CASE("replay: a file that is not a capture is an error naming it", "[replay]") {
    CHECK_THROWS_WITH(replay_server_pcap(kGolden + "/sessions.txt"), Catch::Matchers::Contains("sessions.txt"));
}
