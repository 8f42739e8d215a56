#!/usr/bin/env bash
# S05 active open against the Linux kernel: synline-peer connects to a kernel
# echo server (python, client namespace), sends a text, reads its echo, closes.
# Asserts:
#  - peer events: state SYN-SENT, connected, the echoed text received, closed
#    normal, result ok;
#  - the kernel server received exactly the text and then EOF (synline's FIN);
#  - in the capture: synline's SYN (SYN=1 ACK=0) carries MSS (<= 1460), window
#    scale and timestamps; the kernel's SYN-ACK acknowledges synline's ISN+1;
#    synline's third segment is an ACK (no SYN; it may carry the data) of the
#    kernel's ISN+1 with timestamps; and tshark's expert info (checksums
#    verified) has no error for synline's segments.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/capture.sh"
source "$HERE/tools/pcap_checks.sh"
sl_test_begin S05_active_open_to_kernel
sl_require_peer
command -v tshark >/dev/null || sl_fail "tshark not installed"
command -v tcpdump >/dev/null || sl_fail "tcpdump not installed"
sl_topology_create
d="$(sl_tmpdir)"
PORT=5005
TEXT="S05 hello from synline"

sl_client_bg "$d/kserver.out" '^listening' \
    timeout 25 "$SL_PY" "$HERE/tools/kernel_server.py" "$SL_CLIENT_IP" "$PORT" echo --timeout 15 \
    || sl_fail "kernel server did not start: $(cat "$d/kserver.out" "$d/kserver.out.err" | head -c 300)"
KPID=$SL_CLIENT_BG_PID
sl_capture_start "$d/s05.pcap" 200 25 --immediate-mode tcp port "$PORT" || sl_fail "tcpdump did not start"

sl_peer --connect "$SL_CLIENT_IP:$PORT" --send "$TEXT" --read-bytes "${#TEXT}" --then close \
    --timeout 10 --hold 0.3 >"$d/peer.out" 2>"$d/peer.err"
prc=$?
sl_wait_bg "$KPID" 10; krc=$?
sl_capture_stop
sl_log "synline-peer (exit $prc):"; sed 's/^/    /' "$d/peer.out" >&2
sl_log "kernel server (exit $krc): $(tail -n 1 "$d/kserver.out")"
sl_pcap_log "$d/s05.pcap"

# ---- events ----
ev() { grep -qxF "$1" "$d/peer.out"; }
[[ $prc -eq 0 ]] || sl_fail "synline-peer exit status $prc: $(tail -n 3 "$d/peer.err")"
ev "event state SYN-SENT" || sl_fail "no 'event state SYN-SENT' from synline-peer"
ev "event connected" || sl_fail "no 'event connected' from synline-peer"
got="$(sed -n 's/^event received "\(.*\)"$/\1/p' "$d/peer.out" | tr -d '\n')"
[[ "$got" == "$TEXT" ]] || sl_fail "echo received by synline: '$got', want '$TEXT'"
ev "event closed normal" || sl_fail "no 'event closed normal' (got: $(grep '^event closed' "$d/peer.out"))"
ev "result ok" || sl_fail "synline-peer result: $(grep '^result' "$d/peer.out")"
echo "S05: synline-peer events: SYN-SENT, connected, received \"$TEXT\", closed normal"

# ---- the kernel side ----
kline="$(tail -n 1 "$d/kserver.out")"
[[ $krc -eq 0 && "$kline" == ok* ]] || sl_fail "kernel server: ${kline:-exit $krc} $(head -c 200 "$d/kserver.out.err")"
[[ "$kline" == *" received=${#TEXT} eof=1 "* ]] || sl_fail "kernel server did not get ${#TEXT} bytes then EOF: $kline"
[[ "$kline" == *"text=\"$TEXT\""* ]] || sl_fail "kernel server got other bytes: $kline"
echo "S05: kernel server received ${#TEXT} bytes, then EOF"

# ---- the handshake in the capture ----
sl_pcap_fields "$d/s05.pcap" "$d/s05.fields"
res="$(awk -F'\t' -v syn_ip="$SL_SERVER_IP" -v k_ip="$SL_CLIENT_IP" '
    function has(kinds, k,   a, n, i) { n = split(kinds, a, ","); for (i = 1; i <= n; i++) if (a[i] == k) return 1; return 0 }
    function bad(m) { print "error: frame " $1 ": " m; exit 1 }
    step == 0 && $3 == syn_ip && $11 == 1 && $12 == 0 {
        if (!has($15, 2) || $16 == "") bad("SYN without MSS (option kinds " $15 ")")
        if ($16 > 1460) bad("SYN MSS " $16 " > 1460")
        if (!has($15, 3)) bad("SYN without window scale (option kinds " $15 ")")
        if (!has($15, 8)) bad("SYN without timestamps (option kinds " $15 ")")
        isn = $8; mss = $16; ws = $17; kinds = $15; step = 1; next }
    step == 1 && $3 == syn_ip && $11 == 1 && $12 == 0 { nretx++; next }
    step == 1 && $3 == k_ip && $11 == 1 && $12 == 1 {
        if ($9 != (isn + 1) % 4294967296) bad("SYN-ACK acks " $9 ", want ISN+1 = " (isn + 1) % 4294967296)
        kisn = $8; step = 2; next }
    step == 2 && $3 == syn_ip {
        if ($11 != 0 || $12 != 1) bad("third segment is not an ACK without SYN (flags " $7 ")")
        if ($9 != (kisn + 1) % 4294967296) bad("third segment acks " $9 ", want kernel ISN+1 = " (kisn + 1) % 4294967296)
        if (!has($15, 8)) bad("third segment without timestamps (option kinds " $15 ")")
        step = 3; printf "ok SYN(mss %s, wscale %s, kinds %s) SYN-ACK ACK", mss, ws, kinds
        if (nretx) printf " (%d SYN retransmission(s))", nretx
        print ""; exit 0 }
    END { if (step < 3) print "error: handshake incomplete in capture (step " step ")" }' "$d/s05.fields")"
echo "S05: capture: $res"
[[ "$res" == ok* ]] || sl_fail "capture: ${res#error: }"
nfin="$(awk -F'\t' -v s="$SL_SERVER_IP" '$3 == s && $13 == 1' "$d/s05.fields" | wc -l)"
((nfin >= 1)) || sl_fail "capture: no FIN from synline"
sl_pcap_expert_ok "$d/s05.pcap" "$SL_SERVER_IP" S05
sl_pass
