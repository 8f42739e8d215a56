#!/usr/bin/env bash
# 1000 HTTP requests with "Connection: close": all 200 with the exact body, each
# on its own TCP connection (the server closes after the response).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
sl_test_begin http_connection_close_1000
sl_require_server
sl_topology_create
sl_server_start || sl_fail "server did not become ready"

d="$(sl_tmpdir)"
out="$(sl_client timeout 150 "$HERE/tools/curl_bulk.sh" "http://$SL_SERVER_IP/" 1000 "$d" \
       -H 'Connection: close')"
rc=$?
[[ $rc -eq 0 ]] || sl_fail "${out:-curl_bulk exit $rc}"
read -r _ n _ conns _ secs _ rps <<<"$out"
echo "http Connection: close: $n requests in $secs s = $rps requests/s over $conns connection(s)"
[[ "$conns" -eq 1000 ]] || sl_fail "expected 1000 TCP connections, got $conns"

# The server itself must end each connection: its response says so, and a raw
# client sees EOF right after the response without closing first.
resp="$(sl_client timeout 10 "$SL_PY" - "$SL_SERVER_IP" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: synline\r\nConnection: close\r\n\r\n")
buf = b""
try:
    while True:
        c = s.recv(4096)
        if not c:
            break
        buf += c
    print("EOF" if buf else "EMPTY")
except socket.timeout:
    print("TIMEOUT (server did not close)")
sys.stdout.write(buf.decode(errors="replace"))
PY
)"
echo "$resp" | sed 's/\r$//' | head -n 12 >&2
[[ "$(echo "$resp" | head -n1)" == EOF ]] || sl_fail "server did not close after Connection: close: $(echo "$resp" | head -n1)"
echo "$resp" | grep -qi '^connection: *close' || sl_fail "response lacks a 'Connection: close' header"
sl_server_stop
sl_pass
