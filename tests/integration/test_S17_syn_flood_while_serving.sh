#!/usr/bin/env bash
# S17 (and S13) a bounded SYN flood from spoofed sources at the HTTP port.
#  Run 1, tcp.syn_cookies=on-overflow (default), tcp.syn_backlog=64: while the
#      flood runs, N_CURL curl requests (each its own connection, "Connection:
#      close") must all get 200 with the exact body. The server
#      counted the SYNs, the SYN queue overflowed and overflowing SYNs were
#      answered with cookies, the legitimate clients came in through cookies,
#      state stayed bounded (syn_queue <= backlog; tcp.connections at the end
#      <= backlog + curls + slack, i.e. nothing per spoofed SYN), and no RST
#      went out (counters and a capture).
#  Run 2, tcp.syn_cookies=off, tcp.syn_backlog=64: overflowing SYNs are dropped
#      (tcp.dropped.syn_queue_full > 0, no cookie SYN-ACK), never answered with
#      RST (tcp.rst_sent.no_listener == 0, no RST in a capture), and a
#      legitimate connect during the overflow times out instead of being refused.
# The flood (tools/syn_flood.py) is bounded in count and time and stops itself;
# sources are in 198.18.0.0/15. The server's --gateway is the client, whose
# kernel silently drops the SYN-ACKs to the spoofed sources (no forwarding).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/capture.sh"
sl_test_begin S17_syn_flood_while_serving
sl_require_server
command -v tcpdump >/dev/null || sl_fail "tcpdump not installed"
sl_topology_create
d="$(sl_tmpdir)"

BACKLOG=64
N_CURL=${SL_S17_CURLS:-200}
N_BASE=20                            # curls before the flood (baseline)
FLOOD_RATE=${SL_S17_RATE:-25000}     # SYNs per second
FLOOD_MAX=500000                     # hard bound on SYNs per flood
FLOOD_SECS=25                        # hard bound on a flood's duration
FLOOD_MIN_SECS=2                     # run 1: flood at least this long
FLOOD_PID=""

# flood_start LABEL COUNT: spoofed SYNs at the server's port 80, in the background.
flood_start() {
    local label="$1" count="$2"
    env --default-signal ip netns exec "$SL_NS" timeout -s INT $((FLOOD_SECS + 5)) \
        "$SL_PY" "$HERE/tools/syn_flood.py" "$SL_IF_CLIENT" "$MAC" "$SL_SERVER_IP" 80 \
        "$count" "$FLOOD_RATE" "$FLOOD_SECS" >"$d/$label.flood" 2>"$d/$label.flood.err" </dev/null &
    FLOOD_PID=$!
    local deadline=$((SECONDS + 10))
    until grep -q '^started' "$d/$label.flood" 2>/dev/null; do
        kill -0 "$FLOOD_PID" 2>/dev/null || sl_fail "$label: flood did not start: $(tail -n 3 "$d/$label.flood.err")"
        ((SECONDS < deadline)) || sl_fail "$label: flood did not start within 10 s"
        sleep 0.05
    done
}
# flood_stop LABEL: SIGINT if still running; sets FLOOD_SENT FLOOD_PPS FLOOD_HOW.
flood_stop() {
    local label="$1"
    kill -INT "$FLOOD_PID" 2>/dev/null
    wait "$FLOOD_PID" 2>/dev/null
    FLOOD_PID=""
    read -r _ FLOOD_SENT _ FLOOD_TIME _ FLOOD_PPS _ FLOOD_HOW < <(grep '^sent ' "$d/$label.flood")
    [[ -n "${FLOOD_SENT:-}" ]] || sl_fail "$label: flood tool reported nothing: $(tail -n 3 "$d/$label.flood.err")"
    echo "$label: flood: $FLOOD_SENT spoofed SYNs in $FLOOD_TIME s ($FLOOD_PPS SYN/s), ended by $FLOOD_HOW"
}
stat0() { local v; v="$(sl_server_stat "$1")"; echo "${v:-missing}"; }
need() { [[ "$2" =~ ^[0-9]+$ ]] || sl_fail "$1: counter $3 missing"; }
no_rst_in_capture() {
    local label="$1" n
    n="$(tcpdump -n -r "$d/$label.rst.pcap" 2>/dev/null | wc -l)"
    [[ "$n" -eq 0 ]] || { tcpdump -n -r "$d/$label.rst.pcap" 2>/dev/null | head -n 5 >&2
                          sl_fail "$label: $n RST segment(s) from the server in the capture"; }
    echo "$label: capture: no RST from the server"
}

# curl_loop N OUTDIR: one curl process fetching N times with "Connection: close",
# so each request is its own TCP connection (tools/curl_bulk.sh checks every
# status and body). Prints "ok N connects C seconds S rps R" or "error: ...".
curl_loop() {
    sl_client timeout 50 "$HERE/tools/curl_bulk.sh" "http://$SL_SERVER_IP/" "$1" "$2" -H 'Connection: close'
}

# ---- run 1: cookies on overflow, flood + curls ---------------------------
sl_server_start --gateway "$SL_CLIENT_IP" --set tcp.syn_backlog=$BACKLOG --set tcp.syn_cookies=on-overflow \
    || sl_fail "server did not become ready"
sl_client ping -n -c 1 -W 2 "$SL_SERVER_IP" >/dev/null 2>&1 || sl_fail "no ping reply before the flood"
MAC="$(sl_client ip neigh show "$SL_SERVER_IP" dev "$SL_IF_CLIENT" | awk '/lladdr/ { print $3; exit }')"
[[ -n "$MAC" ]] || sl_fail "server MAC not in the client's neighbour table"

# Baseline without the flood, for comparison only.
mkdir -p "$d/base" "$d/flood"
base="$(curl_loop "$N_BASE" "$d/base")" || sl_fail "curl without the flood: $base"
echo "cookies: baseline without flood: $base"

sl_capture_start "$d/cookies.rst.pcap" 1000 $((FLOOD_SECS + 20)) \
    "src host $SL_SERVER_IP and tcp[tcpflags] & tcp-rst != 0" || sl_fail "tcpdump did not start"
flood_t0="$(sl_now)"
flood_start cookies "$FLOOD_MAX"
sleep 0.5   # the SYN queue is full well before the first legitimate SYN
out="$(curl_loop "$N_CURL" "$d/flood")"
crc=$?
running=0; kill -0 "$FLOOD_PID" 2>/dev/null && running=1
# Let the flood run FLOOD_MIN_SECS in all (~50k SYNs) even when the curls are quick.
sleep "$(awk -v a="$flood_t0" -v b="$(sl_now)" -v m="$FLOOD_MIN_SECS" 'BEGIN { r = m - (b - a); print (r > 0 ? r : 0) }')"
flood_stop cookies
sl_capture_stop
echo "cookies: curl during the flood: $out"
((running == 1)) || sl_fail "cookies: the flood ended ($FLOOD_HOW) before the curls did: raise FLOOD_MAX or lower N_CURL"
((crc == 0)) || sl_fail "cookies: curl during the flood: $out"
read -r _ ok _ nconn _ secs _ rps <<<"$out"
((ok == N_CURL && nconn == N_CURL)) || sl_fail "cookies: $ok of $N_CURL requests ok over $nconn connections (want one each)"
sl_server_stop
[[ "$SL_SERVER_RC" == 0 ]] || sl_fail "cookies: server exit status $SL_SERVER_RC (expected 0)"

syns="$(stat0 tcp.handshake.syns_received)";        need cookies "$syns" syns_received
fromq="$(stat0 tcp.handshake.synacks_from_queue)";  need cookies "$fromq" synacks_from_queue
fromc="$(stat0 tcp.handshake.synacks_from_cookie)"; need cookies "$fromc" synacks_from_cookie
valid="$(stat0 tcp.handshake.cookies_validated)";   need cookies "$valid" cookies_validated
ovf="$(stat0 tcp.handshake.syn_queue_overflows)";   need cookies "$ovf" syn_queue_overflows
sq="$(stat0 tcp.handshake.syn_queue)";              need cookies "$sq" syn_queue
conns="$(stat0 tcp.connections)";                   need cookies "$conns" tcp.connections
nolst="$(stat0 tcp.rst_sent.no_listener)";          need cookies "$nolst" rst_sent.no_listener
qfull="$(stat0 tcp.dropped.syn_queue_full)"
imissed="$(stat0 port.imissed)"
echo "cookies: server: syns_received=$syns synacks_from_queue=$fromq synacks_from_cookie=$fromc" \
     "cookies_validated=$valid syn_queue_overflows=$ovf syn_queue=$sq tcp.connections=$conns" \
     "dropped.syn_queue_full=$qfull port.imissed=$imissed"
echo "cookies: figures: $FLOOD_SENT SYNs sent, $fromc SYN-ACKs from cookies, $ok/$N_CURL curls ok (100%) in $secs s = $rps req/s, $conns connections left (of which SYN-RECEIVED $(stat0 tcp.state.SYN-RECEIVED), TIME-WAIT $(stat0 tcp.state.TIME-WAIT))"
sl_server_stats | grep -E '^stat tcp\.(state|rst_sent)\.' | awk '$3 != 0' | sed 's/^/  /' >&2
lost=0; [[ "$imissed" =~ ^[0-9]+$ ]] && lost=$imissed
((syns + lost >= FLOOD_SENT + N_CURL + N_BASE)) \
    || sl_fail "cookies: server counted $syns SYNs (+$lost missed by the port), sent $FLOOD_SENT spoofed + $((N_CURL + N_BASE)) legitimate"
((ovf > 0 && syns - fromq > BACKLOG)) || sl_fail "cookies: the SYN queue never overflowed (overflows $ovf)"
((fromq + fromc >= syns)) || sl_fail "cookies: $syns SYNs but only $fromq + $fromc SYN-ACKs: some SYNs went unanswered"
((fromc >= syns - fromq)) || sl_fail "cookies: overflowing SYNs not answered with cookies"
((valid >= N_CURL - BACKLOG && valid <= N_CURL)) \
    || sl_fail "cookies: cookies_validated $valid: expected the legitimate connections (<= $N_CURL, most of them) only"
((sq <= BACKLOG)) || sl_fail "cookies: syn_queue gauge $sq > backlog $BACKLOG"
# Closed connections linger in TIME-WAIT (the server closes first): at most
# one per legitimate connection, plus the SYN queue; none per spoofed SYN.
((conns <= BACKLOG + N_CURL + N_BASE + 16)) \
    || sl_fail "cookies: $conns connections at the end: state grows with the spoofed SYNs"
[[ "${qfull:-0}" == 0 ]] || sl_fail "cookies: $qfull SYNs dropped for a full queue although cookies are on"
((nolst == 0)) || sl_fail "cookies: rst_sent.no_listener $nolst"
no_rst_in_capture cookies

# ---- run 2: cookies off: overflowing SYNs dropped, never RST -------------
sl_server_start --gateway "$SL_CLIENT_IP" --set tcp.syn_backlog=$BACKLOG --set tcp.syn_cookies=off \
    || sl_fail "off: server did not become ready"
sl_client ping -n -c 1 -W 2 "$SL_SERVER_IP" >/dev/null 2>&1 || sl_fail "off: no ping reply"
sl_capture_start "$d/off.rst.pcap" 1000 30 \
    "src host $SL_SERVER_IP and tcp[tcpflags] & tcp-rst != 0" || sl_fail "off: tcpdump did not start"
flood_start off 20000
sleep 0.3
# A legitimate connect while the queue is full: dropped like the rest (S13),
# so it must time out, never be refused.
sl_client curl -s -o /dev/null --connect-timeout 2 --max-time 4 "http://$SL_SERVER_IP/" 2>/dev/null
crc=$?
flood_stop off
sl_capture_stop
sl_server_stop
[[ "$SL_SERVER_RC" == 0 ]] || sl_fail "off: server exit status $SL_SERVER_RC (expected 0)"
syns="$(stat0 tcp.handshake.syns_received)";        need off "$syns" syns_received
fromq="$(stat0 tcp.handshake.synacks_from_queue)";  need off "$fromq" synacks_from_queue
fromc="$(stat0 tcp.handshake.synacks_from_cookie)"; need off "$fromc" synacks_from_cookie
qfull="$(stat0 tcp.dropped.syn_queue_full)";        need off "$qfull" dropped.syn_queue_full
sq="$(stat0 tcp.handshake.syn_queue)";              need off "$sq" syn_queue
conns="$(stat0 tcp.connections)";                   need off "$conns" tcp.connections
nolst="$(stat0 tcp.rst_sent.no_listener)";          need off "$nolst" rst_sent.no_listener
echo "off: server: syns_received=$syns synacks_from_queue=$fromq synacks_from_cookie=$fromc" \
     "dropped.syn_queue_full=$qfull syn_queue=$sq tcp.connections=$conns rst_sent.no_listener=$nolst;" \
     "legitimate curl during overflow: exit $crc"
((qfull > 0)) || sl_fail "off: no SYN dropped for a full SYN queue"
((fromc == 0)) || sl_fail "off: $fromc cookie SYN-ACKs with syn_cookies=off"
((fromq <= BACKLOG)) || sl_fail "off: $fromq queue SYN-ACKs > backlog $BACKLOG"
((fromq + qfull == syns)) || sl_fail "off: $syns SYNs != $fromq queued + $qfull dropped"
((sq <= BACKLOG && conns <= BACKLOG + 8)) || sl_fail "off: state not bounded: syn_queue $sq, connections $conns"
((nolst == 0)) || sl_fail "off: rst_sent.no_listener $nolst"
((crc != 7)) || sl_fail "off: a connect during the overflow was refused (RST); it must be dropped silently"
((crc == 28)) || sl_fail "off: a connect during the overflow did not time out (curl exit $crc): was the queue full?"
no_rst_in_capture off
sl_pass
