#!/usr/bin/env bash
# Two workers on a port with one queue pair (net_af_packet, qpairs=1,
# port.queues=1): worker 0 receives every frame, hands those homed on worker
# 1 to it, and sends what worker 1 transmits. 1,000 short HTTP connections
# and 100 concurrent echo transfers from the Linux kernel; both workers serve.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/two_workers.sh"
sl_test_begin workers2_single_queue
sl_require_server
sl_topology_create
sl_two_workers_serve_check "one queue" --set port.queues=1 \
    --set "eal.vdevs=net_af_packet0,iface=$SL_IF_SERVER,qpairs=1,framecnt=4096"
relayed="$(sl_server_stat steer.tx_relayed)"
[[ -n "$relayed" && "$relayed" -gt 0 ]] || sl_fail "worker 1 relayed nothing to worker 0's queue"
[[ "$(sl_server_stat worker0.steer.arrived)" == 0 ]] || sl_fail "worker 0 (the receiver) got frames handed to it"
echo "one queue: worker 1 sent $relayed frames through worker 0's queue"
sl_pass
