#!/usr/bin/env bash
# The server captures its own traffic (--capture) while a Linux client talks to
# echo (a line, then 3000 bytes), http (one keep-alive request, one with
# "Connection: close") and discard (a line, acknowledged by the delayed-ACK
# timer, then 5000 bytes), and connects to a closed port (refused with RST). tshark reads the
# file back: it holds exactly the frames the server counted (rx_packets +
# tx_packets, none lost to a full ring), and expert analysis of the server's
# own segments, with checksums verified, finds no error, no warning but the
# one RST that refuses port 8, and no retransmission (no loss here).
# SL_CAPTURE_GOLDEN=DIR copies the capture to DIR/sessions.pcap (the golden
# replay's input, tests/replay/).
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
source "$(dirname "$0")/tools/pcap_checks.sh"
sl_test_begin capture_tshark
sl_require_server
command -v tshark >/dev/null || sl_fail "tshark not found (scripts/setup.sh installs it)"
sl_topology_create
d="$(sl_tmpdir)"
cap="$d/server.pcap"
sl_server_start --capture "$cap" || sl_fail "server did not become ready"

printf 'hello, capture\n' >"$d/line"
head -c 3000 /dev/urandom >"$d/blob"
for f in line blob; do
    sl_client timeout 20 socat -t 5 -T 10 - "TCP:$SL_SERVER_IP:7,connect-timeout=5" <"$d/$f" >"$d/$f.back" 2>"$d/socat.err" ||
        sl_fail "echo of $f: socat failed: $(head -c 200 "$d/socat.err")"
    cmp -s "$d/$f" "$d/$f.back" || sl_fail "echo of $f: bytes differ"
done
sl_client curl -s --max-time 10 -o "$d/get1" -o "$d/get2" "http://$SL_SERVER_IP/" "http://$SL_SERVER_IP/" ||
    sl_fail "curl keep-alive requests failed"
sl_client curl -s --max-time 10 -H 'Connection: close' -o "$d/get3" "http://$SL_SERVER_IP/" ||
    sl_fail "curl request with Connection: close failed"
head -c 5000 /dev/urandom >"$d/discard"
# A line alone first: its ACK waits for the delayed-ACK timer.
{ printf 'discard me\n'; sleep 0.3; cat "$d/discard"; } |
    sl_client timeout 20 socat -u - "TCP:$SL_SERVER_IP:9,connect-timeout=5" 2>"$d/socat.err" ||
    sl_fail "discard: socat failed: $(head -c 200 "$d/socat.err")"
if sl_client timeout 10 socat -u /dev/null "TCP:$SL_SERVER_IP:8,connect-timeout=5" 2>"$d/refused.err"; then
    sl_fail "a connection to closed port 8 succeeded"
fi
grep -q 'Connection refused' "$d/refused.err" || sl_fail "port 8 not refused: $(head -c 200 "$d/refused.err")"
sleep 0.3  # the last ACKs
sl_server_stop
[[ "$SL_SERVER_RC" == 0 ]] || sl_fail "server exit status $SL_SERVER_RC"

mac="$(sed -n 's/.* mac \([0-9a-f:]*\) .*/\1/p' "$SL_SERVER_OUT" | head -1)"
[[ -n "$mac" ]] || sl_fail "no 'mac' in the server's description line"
rx="$(sl_server_stat rx_packets)"; tx="$(sl_server_stat tx_packets)"
full="$(sl_server_stat capture.ring_full)"; written="$(sl_server_stat capture.packets)"
over="$(sl_server_stat capture.over_limit)"
[[ -n "$rx" && -n "$tx" && -n "$written" ]] || sl_fail "counters missing from the server's stat lines"
[[ "$full" == 0 && "$over" == 0 ]] || sl_fail "capture lost frames: ring_full $full, over_limit $over"

frames="$(tshark -r "$cap" -T fields -e frame.number 2>"$d/tshark.err" | wc -l)"
sent="$(tshark -r "$cap" -Y "eth.src == $mac" -T fields -e frame.number 2>>"$d/tshark.err" | wc -l)"
sl_log "capture: $frames frames ($sent sent by the server); counters rx $rx tx $tx, written $written"
((frames == written)) || sl_fail "file holds $frames frames, the writer counted $written"
((frames == rx + tx)) || sl_fail "file holds $frames frames, the server counted rx $rx + tx $tx"
((sent == tx)) || sl_fail "file holds $sent frames from the server, it counted tx $tx"
((tx > 12)) || sl_fail "only $tx frames sent: the exchanges did not happen"

# Expert analysis of the server's segments: no error (sl_pcap_expert_ok), no
# warning either (severity values: note 0x400000, warning 0x600000, error
# 0x800000) but "Connection reset" on the refusal, and no retransmission.
ours="ip.src == $SL_SERVER_IP && tcp"
sl_pcap_expert_ok "$cap" "$SL_SERVER_IP" capture >&2
tshark -r "$cap" -o tcp.check_checksum:TRUE -Y "$ours && _ws.expert.severity >= 0x600000 && !(tcp.srcport == 8 && tcp.flags.reset == 1)" \
    -T fields -e frame.number -e _ws.expert.message >"$d/bad.txt" 2>>"$d/tshark.err"
refusals="$(tshark -r "$cap" -Y "$ours && tcp.srcport == 8 && tcp.flags.reset == 1" -T fields -e frame.number 2>>"$d/tshark.err" | wc -l)"
((refusals == 1)) || sl_fail "$refusals RSTs from port 8, expected 1"
[[ ! -s "$d/bad.txt" ]] || sl_fail "expert warnings on the server's segments: $(head -5 "$d/bad.txt" | tr '\n\t' '; ')"
tshark -r "$cap" -Y "$ours && tcp.analysis.retransmission" -T fields -e frame.number >"$d/retx.txt" 2>>"$d/tshark.err"
[[ ! -s "$d/retx.txt" ]] || sl_fail "retransmissions by the server without loss: frames $(head -5 "$d/retx.txt" | tr '\n' ' ')"
checked="$(tshark -r "$cap" -o tcp.check_checksum:TRUE -Y "$ours && tcp.checksum.status == 1" -T fields -e frame.number 2>>"$d/tshark.err" | wc -l)"
ours_n="$(tshark -r "$cap" -Y "$ours" -T fields -e frame.number 2>>"$d/tshark.err" | wc -l)"
((checked == ours_n && ours_n > 0)) || sl_fail "only $checked of the server's $ours_n segments have a verified good checksum"

if [[ -n "${SL_CAPTURE_GOLDEN:-}" ]]; then
    cp "$cap" "$SL_CAPTURE_GOLDEN/sessions.pcap" && sl_log "golden capture written to $SL_CAPTURE_GOLDEN/sessions.pcap"
fi
echo "capture: $frames frames = rx $rx + tx $tx; expert: no warnings or errors on $ours_n server segments"
sl_pass
