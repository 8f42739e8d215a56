#!/usr/bin/env bash
# S20 half-close: the client sends, calls shutdown(SHUT_WR), and still gets the
# full echo of what it sent (the server sends from CLOSE-WAIT), then a clean EOF.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
sl_test_begin S20_half_close
sl_require_server
sl_topology_create
sl_server_start || sl_fail "server did not become ready"

for size in 1000 262144; do
    out="$(sl_client timeout 60 "$SL_PY" "$HERE/tools/half_close_client.py" "$SL_SERVER_IP" 7 "$size" 2>&1)"
    rc=$?
    echo "$out" >&2
    [[ $rc -eq 0 ]] || sl_fail "$size bytes: $(echo "$out" | tail -n1)"
done
sl_server_stop
sl_pass
