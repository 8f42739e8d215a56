#!/usr/bin/env bash
# A connect to a port nobody serves gets RST: ConnectionRefusedError (S11).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
sl_test_begin closed_port_refused
sl_require_server
sl_topology_create
sl_server_start || sl_fail "server did not become ready"

out="$(sl_client timeout 30 "$SL_PY" "$HERE/tools/refused_client.py" "$SL_SERVER_IP" 81 8080 12345 2>&1)"
rc=$?
echo "$out" >&2
[[ $rc -eq 0 ]] || sl_fail "$(echo "$out" | grep -m1 error: || echo "client exit $rc")"
sl_server_stop
sl_pass
