// Replays a capture of synline-server (its --capture file) into a fresh
// tcp::Stack and records what that stack sends, beside what the server sent.
//
// Frames come from the pcap in file order (libpcap). A frame from the server's
// address is one the server sent: it is only recorded. Every other IPv4/TCP
// frame is parsed with lib/net (checksums verified) and given to
// Stack::input at its capture timestamp, which is the instant the server's
// worker processed it (engine/worker_capture.cpp stamps a received burst
// with the `now` its processing used, and a sent batch with the stack's
// `now`). After the last frame of one timestamp the stack's timers run
// (Stack::advance), as the worker runs them after each burst. The stack's
// clock is thus the server's, and its timestamps (RFC 7323 TSval) and timer
// deadlines come out the same.
//
// The one thing the capture cannot give the new stack is the server's secret,
// so its ISNs differ (RFC 6528). The replay learns both ISNs of each
// connection from the two SYN-ACKs and shifts the acknowledgment number of the
// client's segments by their difference. Summary lines show sequence numbers
// relative to each side's ISN, so the two records compare line for line.
//
// ARP, ICMP and anything not TCP is skipped (counted).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tcp/stack.hpp"

namespace synline::replay {

struct ReplayResult {
    std::vector<std::string> replayed;  // what the replayed stack sent, one line per segment
    std::vector<std::string> captured;  // what the server sent, the same way
    std::size_t frames = 0;             // in the file
    std::size_t segments_in = 0;        // given to the stack
    std::size_t skipped = 0;            // not IPv4/TCP, or malformed
};

// Calls `listen` once with the new stack (to listen as the server did), then
// replays `pcap_path`. The server's address is the destination of the first
// SYN without ACK in the file. Throws std::runtime_error when the file cannot
// be read or has no SYN.
ReplayResult replay_pcap(const std::string& pcap_path, const tcp::StackConfig& config,
                         const std::function<void(tcp::Stack&)>& listen);

}  // namespace synline::replay
