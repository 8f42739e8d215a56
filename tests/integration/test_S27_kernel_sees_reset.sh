#!/usr/bin/env bash
# S27 the Linux kernel as client sees the RST of a connection synline reset:
# a kernel client connects to synline-server's HTTP port and sends more than
# 8 KiB of request head without the blank line that ends it; synline's http
# app aborts such a connection.
# Asserts:
#  - the client gets ECONNRESET (python ConnectionResetError), not data or EOF;
#  - the server's counters: tcp.rst_sent.app_abort >= 1;
#  - in the capture: a RST from synline on that connection whose sequence
#    number is synline's snd_nxt (what the kernel accepts), no FIN and no HTTP
#    response from synline before it; later RSTs (answers to the client's
#    segments that were already in flight, S27 reset generation) take their
#    sequence number from the offending segment's ACK; tshark's expert info (checksums verified) has no
#    error for synline's segments.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/capture.sh"
source "$HERE/tools/pcap_checks.sh"
sl_test_begin S27_kernel_sees_reset
sl_require_server
command -v tshark >/dev/null || sl_fail "tshark not installed"
command -v tcpdump >/dev/null || sl_fail "tcpdump not installed"
sl_topology_create
d="$(sl_tmpdir)"
HEAD_BYTES=12288
sl_server_start || sl_fail "server did not become ready"
sl_client ping -n -c 1 -W 2 "$SL_SERVER_IP" >/dev/null 2>&1 || sl_fail "no ping reply"
sl_capture_start "$d/s27.pcap" 200 20 --immediate-mode tcp port 80 || sl_fail "tcpdump did not start"

out="$(sl_client timeout 20 "$SL_PY" "$HERE/tools/kernel_client.py" oversized-head "$SL_SERVER_IP" 80 "$HEAD_BYTES" 2>&1)"
rc=$?
echo "S27: client: $out"
sleep 0.3
sl_capture_stop
sl_server_stop
sl_pcap_log "$d/s27.pcap" 30
[[ $rc -eq 0 && "$out" == ok* ]] || sl_fail "client: $out"
[[ "$SL_SERVER_RC" == 0 ]] || sl_fail "server exit status $SL_SERVER_RC (expected 0)"

ab="$(sl_server_stat tcp.rst_sent.app_abort)"
sl_log "server RST/close counters:"
sl_server_stats | grep -E '^stat tcp\.(rst_|closed\.)' | grep -v ' 0$' | sed 's/^/    /' >&2
[[ -n "$ab" ]] || sl_fail "counter tcp.rst_sent.app_abort missing"
((ab >= 1)) || sl_fail "tcp.rst_sent.app_abort = $ab, want >= 1"
echo "S27: server counters: tcp.rst_sent.app_abort=$ab aborted=$(sl_server_stat tcp.closed.aborted)" \
     "rst_sent.no_connection=$(sl_server_stat tcp.rst_sent.no_connection)"

sl_pcap_fields "$d/s27.pcap" "$d/s27.fields"
res="$(awk -F'\t' -v s="$SL_SERVER_IP" -v k="$SL_CLIENT_IP" '
    $3 == s && $11 == 1 { snxt = ($8 + 1) % 4294967296; next }
    $3 == s && $14 == 1 {
        nrst++
        if (!rst) { rst = $1; rseq = $8 }
        else if ($12 == 0 && !($8 in kack)) bad = bad " frame " $1 " (RST seq " $8 " is no ACK the client sent)"
        next }
    $3 == s && $13 == 1 { fin = $1 }
    $3 == s && $10 > 0 { sdata = $1 }
    $3 == k { cbytes += $10; if (rst) kafter++; if ($12 == 1) kack[$9] = 1 }
    END {
        if (!rst) { print "error: no RST from synline"; exit }
        if (fin && fin < rst) { print "error: synline sent FIN (frame " fin ") before its RST"; exit }
        if (sdata && sdata < rst) { print "error: synline sent data (frame " sdata ") before its RST"; exit }
        if (rseq != snxt) { print "error: RST seq " rseq " != synline snd_nxt " snxt; exit }
        if (bad != "") { print "error: later RSTs not built from the offending segment:" bad; exit }
        printf "ok synline RST in frame %d (seq = snd_nxt), %d RST(s) in all, %d client bytes on the wire, %d client segment(s) after the first RST\n", rst, nrst, cbytes, kafter }' \
    "$d/s27.fields")"
echo "S27: capture: $res"
[[ "$res" == ok* ]] || sl_fail "capture: ${res#error: }"
sl_pcap_expert_ok "$d/s27.pcap" "$SL_SERVER_IP" S27
sl_pass
