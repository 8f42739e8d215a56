#!/usr/bin/env bash
# 1000 HTTP requests by one curl process over keep-alive: all 200 with the exact
# body, and the connection is reused (one TCP connect for all 1000).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
sl_test_begin http_keepalive_1000
sl_require_server
sl_topology_create
sl_server_start || sl_fail "server did not become ready"

out="$(sl_client timeout 120 "$HERE/tools/curl_bulk.sh" "http://$SL_SERVER_IP/" 1000 "$(sl_tmpdir)")"
rc=$?
[[ $rc -eq 0 ]] || sl_fail "${out:-curl_bulk exit $rc}"
read -r _ n _ conns _ secs _ rps <<<"$out"
echo "http keep-alive: $n requests in $secs s = $rps requests/s over $conns connection(s)"
[[ "$conns" -eq 1 ]] || sl_fail "keep-alive not honoured: $conns TCP connections for $n requests"
sl_server_stop
sl_pass
