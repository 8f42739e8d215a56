#!/usr/bin/env bash
# Two workers on net_af_packet with two queue pairs, which the kernel's
# PACKET_FANOUT_HASH spreads by its own flow hash (not Toeplitz, and seeded
# at random): a frame's home is where Toeplitz with the symmetric key puts
# it, and frames the fanout gave the other worker are handed over. 1,000
# short HTTP connections and 100 concurrent echo transfers from the Linux
# kernel; both workers serve, and the hand-offs are counted.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/two_workers.sh"
sl_test_begin workers2_af_packet_fanout
sl_require_server
sl_topology_create
sl_two_workers_serve_check "af_packet qpairs=2"
arrived=$(( $(sl_server_stat worker0.steer.arrived) + $(sl_server_stat worker1.steer.arrived) ))
foreign=$(( $(sl_server_stat worker0.steer.foreign_packets) + $(sl_server_stat worker1.steer.foreign_packets) ))
# Every frame that arrived at the wrong worker was handed over (none lost),
# and the ARP copies account for the rest of what arrived.
copies="$(sl_server_stat steer.arp_copies)"
((arrived == foreign + copies)) || sl_fail "arrived $arrived != foreign $foreign + ARP copies $copies"
echo "af_packet qpairs=2: $foreign frames handed to their home worker"
sl_pass
