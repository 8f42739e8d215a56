#!/usr/bin/env bash
# S20 half-close, synline as the side that half-closes first: synline-peer
# connects to a kernel server (python, client namespace), sends a request and
# shuts down its sending direction (FIN) at once; the kernel server reads until
# EOF, then, from CLOSE-WAIT, sends a reply of REPLY_BYTES bytes and closes.
# (The opposite direction -- a kernel client half-closing towards
# synline-server -- is test_S20_half_close.sh.)
# Asserts:
#  - peer events: connected, action shutdown, FIN-WAIT-1/FIN-WAIT-2, then all
#    REPLY_BYTES bytes (sum of 'event data'), the reply's first bytes are the
#    expected pattern, closed normal, result ok; no data event before the
#    shutdown. (No 'event peer-closed' is required: synline reports the peer's
#    FIN in FIN-WAIT-2 only through on_closed(normal).)
#  - the kernel server got the request, then EOF, and sent REPLY_BYTES;
#  - in the capture: synline's FIN precedes the kernel's first data segment,
#    the kernel's data segments total REPLY_BYTES, synline acknowledges every
#    byte and the kernel's FIN; tshark's expert info (checksums verified) has no
#    error for synline's segments.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/capture.sh"
source "$HERE/tools/pcap_checks.sh"
sl_test_begin S20_kernel_half_close
sl_require_peer
command -v tshark >/dev/null || sl_fail "tshark not installed"
command -v tcpdump >/dev/null || sl_fail "tcpdump not installed"
sl_topology_create
d="$(sl_tmpdir)"
PORT=5020
REQ="S20 request; reply after my FIN"
REPLY_BYTES="${SL_S20_REPLY_BYTES:-200000}"

sl_client_bg "$d/kserver.out" '^listening' \
    timeout 25 "$SL_PY" "$HERE/tools/kernel_server.py" "$SL_CLIENT_IP" "$PORT" reply-after-eof \
        --reply-bytes "$REPLY_BYTES" --timeout 15 \
    || sl_fail "kernel server did not start: $(cat "$d/kserver.out" "$d/kserver.out.err" | head -c 300)"
KPID=$SL_CLIENT_BG_PID
sl_capture_start "$d/s20.pcap" 5000 25 --immediate-mode tcp port "$PORT" || sl_fail "tcpdump did not start"

sl_peer --connect "$SL_CLIENT_IP:$PORT" --send "$REQ" --then shutdown \
    --timeout 15 --hold 0.3 >"$d/peer.out" 2>"$d/peer.err"
prc=$?
sl_wait_bg "$KPID" 10; krc=$?
sl_capture_stop
sl_log "synline-peer (exit $prc), first and last events:"
grep -v '^event received' "$d/peer.out" | head -n 12 | sed 's/^/    /' >&2
echo "    ..." >&2; grep -v '^event received' "$d/peer.out" | tail -n 4 | sed 's/^/    /' >&2
sl_log "kernel server (exit $krc): $(tail -n 1 "$d/kserver.out")"
sl_pcap_log "$d/s20.pcap" 12

# ---- events ----
[[ $prc -eq 0 ]] || sl_fail "synline-peer exit status $prc: $(tail -n 3 "$d/peer.err")"
res="$(awk -v want="$REPLY_BYTES" '
    $0 == "event connected" { conn = 1 }
    $0 == "event action shutdown" { if (!conn) { print "error: shutdown before connected"; exit } shut = 1 }
    $0 == "event state FIN-WAIT-1" { fw1 = shut }
    $0 == "event state FIN-WAIT-2" { fw2 = shut }
    $1 == "event" && $2 == "data" {
        if (!shut) { print "error: data event before the shutdown"; exit }
        if (pc) { print "error: data event after peer-closed"; exit }
        n += $3; nev++ }
    /^event received "/ && first == "" { first = substr($0, 17, 24) }
    $0 == "event peer-closed" { pc = 1 }
    $0 == "event closed normal" { cn = 1 }
    /^event closed / { closed = $3 }
    $0 == "result ok" { ok = 1 }
    END {
        if (!conn) { print "error: no event connected"; exit }
        if (!shut) { print "error: no event action shutdown"; exit }
        if (!fw1) { print "error: no event state FIN-WAIT-1 after the shutdown"; exit }
        if (n != want) { printf "error: received %d of %d bytes after the shutdown (%d data events)\n", n, want, nev; exit }
        if (first != "synline-half-close-reply") { print "error: reply starts with \"" first "\""; exit }
        if (!cn) { print "error: closed " (closed == "" ? "never" : closed) ", want normal"; exit }
        if (!ok) { print "error: result not ok"; exit }
        printf "ok %d bytes in %d data events after own FIN (FIN-WAIT-2 seen: %s), then closed normal (peer-closed event: %s)\n", n, nev, fw2 ? "yes" : "no", pc ? "yes" : "no" }' \
    "$d/peer.out")"
echo "S20: synline-peer: $res"
[[ "$res" == ok* ]] || sl_fail "synline-peer: ${res#error: }"

# ---- the kernel side ----
kline="$(tail -n 1 "$d/kserver.out")"
[[ $krc -eq 0 && "$kline" == ok* ]] || sl_fail "kernel server: ${kline:-exit $krc} $(head -c 200 "$d/kserver.out.err")"
[[ "$kline" == *" received=${#REQ} eof=1 sent=$REPLY_BYTES "* ]] \
    || sl_fail "kernel server: want received=${#REQ} eof=1 sent=$REPLY_BYTES: $kline"
echo "S20: kernel server: got the ${#REQ}-byte request, EOF, then sent $REPLY_BYTES bytes and closed"

# ---- capture ----
sl_pcap_fields "$d/s20.pcap" "$d/s20.fields"
complete=1
sl_capture_complete || { complete=0; sl_log "capture incomplete (tcpdump dropped frames): byte coverage not checked there; synline's own events checked it"; }
res="$(awk -F'\t' -v s="$SL_SERVER_IP" -v k="$SL_CLIENT_IP" -v want="$REPLY_BYTES" -v complete="$complete" '
    function d32(a, b) { x = a - b; if (x < -2147483648) x += 4294967296; if (x > 2147483647) x -= 4294967296; return x }
    $3 == k && $11 == 1 { kisn = $8; next }
    $3 == s && $13 == 1 && !sfin { sfin = $1; next }
    $3 == k && $10 > 0 {
        if (!sfin) { print "error: frame " $1 ": kernel data before synline FIN"; exit }
        if (!kfirst) kfirst = $1
        end = d32($8 + $10, kisn); if (end > kend) kend = end }
    $3 == k && $13 == 1 { kfin = $1; kfinseq = d32($8 + $10, kisn); next }
    $3 == k { next }
    $3 == s && $12 == 1 { a = d32($9, kisn); if (a > sack) sack = a }
    END {
        if (!sfin) { print "error: no FIN from synline"; exit }
        if (!kfirst) { print "error: no data from the kernel"; exit }
        if (complete && kend - 1 != want) { print "error: kernel data covers " kend - 1 " bytes, want " want; exit }
        if (!kfin) { print "error: no FIN from the kernel"; exit }
        if (complete && sack < kfinseq + 1) { print "error: synline acked up to relative " sack ", kernel FIN at " kfinseq; exit }
        printf "ok synline FIN frame %d < kernel data from frame %d (%d bytes) < kernel FIN frame %d, acked by synline\n", sfin, kfirst, want, kfin }' \
    "$d/s20.fields")"
echo "S20: capture: $res"
[[ "$res" == ok* ]] || sl_fail "capture: ${res#error: }"
sl_pcap_expert_ok "$d/s20.pcap" "$SL_SERVER_IP" S20
sl_pass
