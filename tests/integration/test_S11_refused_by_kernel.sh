#!/usr/bin/env bash
# S11 connection refused by the Linux kernel: synline-peer connects to a port
# of the client namespace on which nothing listens.
# Asserts:
#  - peer events: state SYN-SENT, then 'event closed refused' (never
#    'event connected'), result ok, within a few seconds (no SYN retries);
#  - in the capture: synline's SYN, then the kernel's RST+ACK whose ACK is
#    synline's ISN+1 (RFC 9293 3.10.7.1), and nothing from synline after the
#    RST; tshark's expert info (checksums verified) has no error for synline's
#    segments.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/capture.sh"
source "$HERE/tools/pcap_checks.sh"
sl_test_begin S11_refused_by_kernel
sl_require_peer
command -v tshark >/dev/null || sl_fail "tshark not installed"
command -v tcpdump >/dev/null || sl_fail "tcpdump not installed"
sl_topology_create
d="$(sl_tmpdir)"
PORT=5011
# Nothing may listen there (the namespace is new, but say so if it does).
if sl_client ss -Hltn "sport = :$PORT" | grep -q .; then sl_fail "port $PORT unexpectedly has a listener"; fi
sl_capture_start "$d/s11.pcap" 100 20 --immediate-mode tcp port "$PORT" || sl_fail "tcpdump did not start"

t0=$(sl_now)
sl_peer --connect "$SL_CLIENT_IP:$PORT" --send "never sent" --then close \
    --timeout 10 --hold 0.3 >"$d/peer.out" 2>"$d/peer.err"
prc=$?
t1=$(sl_now)
sleep 0.3
sl_capture_stop
sl_log "synline-peer (exit $prc):"; sed 's/^/    /' "$d/peer.out" >&2
sl_pcap_log "$d/s11.pcap"

ev() { grep -qxF "$1" "$d/peer.out"; }
[[ $prc -eq 0 ]] || sl_fail "synline-peer exit status $prc: $(tail -n 3 "$d/peer.err")"
ev "event state SYN-SENT" || sl_fail "no 'event state SYN-SENT'"
! ev "event connected" || sl_fail "synline-peer reports 'event connected' to a port without listener"
ev "event closed refused" || sl_fail "want 'event closed refused', got: $(grep '^event closed\|^result' "$d/peer.out" | tr '\n' ' ')"
ev "result ok" || sl_fail "synline-peer result: $(grep '^result' "$d/peer.out")"
echo "S11: synline-peer: SYN-SENT, then closed refused ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s run incl. start-up)"

sl_pcap_fields "$d/s11.pcap" "$d/s11.fields"
res="$(awk -F'\t' -v s="$SL_SERVER_IP" -v k="$SL_CLIENT_IP" '
    $3 == s && $11 == 1 && $12 == 0 { nsyn++; isn = $8; if (rst) after = $1; next }
    $3 == k && $14 == 1 {
        if (!rst) { rst = $1; rack = $12; ackv = $9; rflags = $7 }
        next }
    $3 == s { if (rst) after = $1; else other = $1 }
    END {
        if (!nsyn) { print "error: no SYN from synline"; exit }
        if (!rst) { print "error: no RST from the kernel"; exit }
        if (rack != 1) { print "error: kernel RST without ACK (flags " rflags ")"; exit }
        if (ackv != (isn + 1) % 4294967296) { print "error: RST+ACK acks " ackv ", want ISN+1 " (isn + 1) % 4294967296; exit }
        if (other) { print "error: synline sent frame " other " other than SYN before the RST"; exit }
        if (after) { print "error: synline sent frame " after " after the RST"; exit }
        printf "ok SYN (%d) then kernel RST+ACK (flags %s) in frame %d acking ISN+1, nothing after\n", nsyn, rflags, rst }' \
    "$d/s11.fields")"
echo "S11: capture: $res"
[[ "$res" == ok* ]] || sl_fail "capture: ${res#error: }"
sl_pcap_expert_ok "$d/s11.pcap" "$SL_SERVER_IP" S11
sl_pass
