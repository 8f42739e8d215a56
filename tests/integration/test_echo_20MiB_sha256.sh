#!/usr/bin/env bash
# 20 MiB of random data through the echo app with socat: the client half-closes
# after sending and reads until the server closes; sha256 must match.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
sl_test_begin echo_20MiB_sha256
sl_require_server
sl_topology_create
sl_server_start || sl_fail "server did not become ready"

d="$(sl_tmpdir)"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$d/in"
t0="$(sl_now)"
# -t 60: after stdin EOF (our FIN) keep reading up to 60 s until the server's FIN.
# -T 30: give up after 30 s without any traffic.
sl_client timeout 150 socat -b 65536 -t 60 -T 30 - "TCP:$SL_SERVER_IP:7,connect-timeout=5" \
    <"$d/in" >"$d/out" 2>"$d/socat.err"
rc=$?
t1="$(sl_now)"
sent="$(sha256sum <"$d/in" | cut -d' ' -f1)"
got="$(sha256sum <"$d/out" | cut -d' ' -f1)"
nbytes="$(stat -c %s "$d/out")"
[[ $rc -eq 0 ]] || sl_fail "socat exit $rc after $nbytes bytes back: $(head -c 300 "$d/socat.err")"
[[ "$sent" == "$got" ]] || sl_fail "sha256 mismatch: sent $sent, got $got ($nbytes of $((20 * 1024 * 1024)) bytes)"
mbs="$(sl_rate "$(awk 'BEGIN { print 20 * 1024 * 1024 / 1e6 }')" "$t0" "$t1")"
echo "echo 20 MiB: sha256 ok, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, $mbs MB/s each way"
sl_server_stop
sl_pass
