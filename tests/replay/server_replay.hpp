// A capture of synline-server replayed into a stack set up as the tests'
// server is: the [tcp] defaults (plus `overrides`, "tcp.key=value"), echo on
// port 7, discard on 9, http on 80 (scripts/lib/netns.sh, sl_server_start).
#pragma once

#include <string>
#include <vector>

#include "pcap_replay.hpp"

namespace synline::replay {

ReplayResult replay_server_pcap(const std::string& pcap_path, const std::vector<std::string>& overrides = {});

}  // namespace synline::replay
