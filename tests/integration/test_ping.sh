#!/usr/bin/env bash
# ping: 5 ICMP echo requests from the client namespace, 5 replies expected.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
sl_test_begin ping
sl_require_server
sl_topology_create
sl_server_start || sl_fail "server did not become ready"

out="$(sl_client timeout 20 ping -n -c 5 -i 0.2 -W 2 -w 15 "$SL_SERVER_IP" 2>&1)"
echo "$out" | tail -n 3 >&2
received="$(echo "$out" | sed -n 's/.* \([0-9]\+\) received.*/\1/p')"
[[ "$received" == 5 ]] || sl_fail "expected 5 echo replies, got '${received:-none}'"
sl_server_stop
sl_pass
