#!/usr/bin/env bash
# scripts/demo.sh -- show synline-server answering a real Linux client.
#
#   scripts/demo.sh [--no-setup]
#
# Builds (scripts/setup.sh), creates two network namespaces joined by a veth
# pair, starts synline-server (http:80, echo:7, discard:9) on one end, and from
# the other runs: ping (3), curl of the HTTP app, an nc echo round trip and a
# connect to a closed port. Stops the server, prints its statistics, removes
# everything. Exit status 0 only if every exchange succeeded.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SETUP=1
[[ "${1:-}" == --no-setup ]] && SETUP=0
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
if [[ $SETUP -eq 1 ]]; then
    "$ROOT/scripts/setup.sh" || { echo "demo: setup/build failed"; exit 1; }
fi

source "$ROOT/scripts/lib/netns.sh"
sl_test_begin demo
sl_require_server

ok=0; bad=0
if [[ -t 1 ]]; then B=$'\033[1m' N=$'\033[0m'; else B='' N=''; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
good() { echo "   -> OK: $*"; ok=$((ok + 1)); }
nope() { echo "   -> FAILED: $*"; bad=$((bad + 1)); }

step "topology"
sl_topology_create
echo "   client namespace $SL_NS, $SL_IF_CLIENT = $SL_CLIENT_IP/24 (Linux kernel TCP/IP)"
echo "   server namespace $SL_SRV_NS, $SL_IF_SERVER = no kernel address, owned by synline-server as $SL_SERVER_IP"

step "start synline-server"
if ! sl_server_start; then
    echo "   server output:"; sed 's/^/   | /' "$SL_SERVER_OUT" "$SL_SERVER_ERR" | tail -n 30
    sl_fail "server did not become ready"
fi
grep -m1 '^synline-server: ready' "$SL_SERVER_OUT" | sed 's/^/   /'

step "ping -c 3 $SL_SERVER_IP"
out="$(sl_client timeout 15 ping -n -c 3 -i 0.3 -W 2 "$SL_SERVER_IP" 2>&1)"
echo "$out" | sed 's/^/   /'
if echo "$out" | grep -q ' 3 received'; then good "3 echo replies"; else nope "not all echo replies came back"; fi

step "curl -i http://$SL_SERVER_IP/"
out="$(sl_client timeout 15 curl -sS -i --connect-timeout 3 --max-time 10 "http://$SL_SERVER_IP/" 2>&1)"
echo "$out" | sed 's/\r$//; s/^/   | /'
if echo "$out" | head -n1 | grep -q '^HTTP/1.1 200' && echo "$out" | grep -q '^hello from synline$'; then
    good "200 OK with body 'hello from synline'"
else
    nope "unexpected HTTP response"
fi

msg="hello echo $$ $(date +%T)"
step "echo: printf '$msg' | nc -N $SL_SERVER_IP 7"
got="$(printf '%s\n' "$msg" | sl_client timeout 15 nc -N -w 5 "$SL_SERVER_IP" 7 2>&1)"
echo "   sent:     $msg"
echo "   received: $got"
if [[ "$got" == "$msg" ]]; then good "message came back unchanged"; else nope "echo differs"; fi

step "connect to closed port $SL_SERVER_IP:81"
out="$(sl_client timeout 15 nc -v -z -w 5 "$SL_SERVER_IP" 81 2>&1)"
echo "$out" | sed 's/^/   /'
if echo "$out" | grep -qi 'refused'; then good "connection refused (RST)"; else nope "expected 'Connection refused'"; fi

step "stop synline-server (SIGINT)"
sl_server_stop
echo "   exit status $SL_SERVER_RC"
[[ "$SL_SERVER_RC" == 0 ]] || nope "server exit status $SL_SERVER_RC"
echo "   last status line: $(grep -v '^stat ' "$SL_SERVER_OUT" | grep -v '^synline-server: ready' | tail -n1)"
echo "   statistics (non-zero):"
sl_server_stats | awk '$3 != 0 { printf "     %-32s %s\n", $2, $3 }'

step "summary"
echo "   $ok exchanges succeeded, $bad failed"
if ((bad == 0)); then sl_pass; else sl_fail "$bad exchange(s) failed"; fi
