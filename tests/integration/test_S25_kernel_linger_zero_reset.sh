#!/usr/bin/env bash
# S25 abortive close by the Linux kernel: a kernel client connects to
# synline-server's echo port, sends a line, reads its echo, sets SO_LINGER
# {1, 0} and closes, so its kernel sends RST instead of FIN.
# Asserts:
#  - the client's exchange worked (echo ok before the abortive close);
#  - the server's counters: tcp.rst_received.accepted >= 1 (the RST had the
#    exact sequence number and reset the connection) and
#    tcp.closed.reset_by_peer >= 1;
#  - the capture holds the kernel's RST (client -> server port 7), with no FIN
#    from the client, and synline sent nothing on that connection after the RST
#    (a RST is never answered); tshark's expert info (checksums verified) has
#    no error for synline's segments.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/capture.sh"
source "$HERE/tools/pcap_checks.sh"
sl_test_begin S25_kernel_linger_zero_reset
sl_require_server
command -v tshark >/dev/null || sl_fail "tshark not installed"
command -v tcpdump >/dev/null || sl_fail "tcpdump not installed"
sl_topology_create
d="$(sl_tmpdir)"
sl_server_start || sl_fail "server did not become ready"
# Resolve ARP first so that the capture holds only the TCP exchange.
sl_client ping -n -c 1 -W 2 "$SL_SERVER_IP" >/dev/null 2>&1 || sl_fail "no ping reply"
sl_capture_start "$d/s25.pcap" 100 20 --immediate-mode tcp port 7 || sl_fail "tcpdump did not start"

out="$(sl_client timeout 20 "$SL_PY" "$HERE/tools/kernel_client.py" linger0 "$SL_SERVER_IP" 7 2>&1)"
rc=$?
echo "S25: client: $out"
[[ $rc -eq 0 && "$out" == ok* ]] || sl_fail "client: $out"
sleep 0.5   # let the server process the RST (and show whether it answers it)
sl_capture_stop
sl_server_stop
[[ "$SL_SERVER_RC" == 0 ]] || sl_fail "server exit status $SL_SERVER_RC (expected 0)"
sl_pcap_log "$d/s25.pcap"

acc="$(sl_server_stat tcp.rst_received.accepted)"
rbp="$(sl_server_stat tcp.closed.reset_by_peer)"
sl_log "server RST/close counters:"
sl_server_stats | grep -E '^stat tcp\.(rst_|closed\.)' | grep -v ' 0$' | sed 's/^/    /' >&2
[[ -n "$acc" && -n "$rbp" ]] || sl_fail "counters tcp.rst_received.accepted / tcp.closed.reset_by_peer missing"
((acc >= 1)) || sl_fail "tcp.rst_received.accepted = $acc, want >= 1"
((rbp >= 1)) || sl_fail "tcp.closed.reset_by_peer = $rbp, want >= 1"
echo "S25: server counters: tcp.rst_received.accepted=$acc tcp.closed.reset_by_peer=$rbp"

sl_pcap_fields "$d/s25.pcap" "$d/s25.fields"
res="$(awk -F'\t' -v s="$SL_SERVER_IP" -v k="$SL_CLIENT_IP" '
    $3 == k && $14 == 1 { if (!rst) { rst = $1; rseq = $8 } ; next }
    $3 == k && $13 == 1 { kfin = $1 }
    $3 == s { last_s = $1; sn = $8 + $10; if (rst) after = $1 }
    $3 == s && $12 == 1 { srv_ack = $9 }
    END {
        if (!rst) { print "error: no RST from the kernel in the capture"; exit }
        if (kfin) { print "error: the kernel sent FIN (frame " kfin ") instead of only RST"; exit }
        if (after) { print "error: synline sent frame " after " after the kernel RST (frame " rst ")"; exit }
        if (rseq != srv_ack) { print "error: RST seq " rseq " != synline rcv_nxt " srv_ack; exit }
        printf "ok kernel RST in frame %d (seq = synline rcv_nxt %s), no FIN, nothing from synline after it\n", rst, rseq }' \
    "$d/s25.fields")"
echo "S25: capture: $res"
[[ "$res" == ok* ]] || sl_fail "capture: ${res#error: }"
sl_pcap_expert_ok "$d/s25.pcap" "$SL_SERVER_IP" S25
sl_pass
