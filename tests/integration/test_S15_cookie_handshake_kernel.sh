#!/usr/bin/env bash
# S15/S16 SYN cookies against the Linux client: the server answers every SYN
# with a cookie (tcp.syn_cookies=always) and rebuilds each connection from the
# client's ACK.
#  S15 (client timestamps on): curl with "Connection: close" and a 2 MiB echo
#      through one connection (sha256) all succeed; every connection went through
#      a cookie (synacks_from_cookie >= conns, cookies_validated == conns,
#      synacks_from_queue == 0); in a capture every SYN-ACK carries MSS, window
#      scale shift 3, SACK-permitted and timestamps, tshark applies the
#      negotiated scaling to both directions (scale factor 8 from the server,
#      2^shift of the client's SYN from the client), and tshark's expert info
#      (with TCP checksum verification) has no error for synline's segments.
#  S16 (client namespace with net.ipv4.tcp_timestamps=0): the cookie SYN-ACK
#      carries MSS only (no window scale, no SACK-permitted, no timestamps),
#      neither side scales, and the same traffic still works.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
source "$HERE/tools/capture.sh"
sl_test_begin S15_cookie_handshake_kernel
sl_require_server
command -v tshark >/dev/null || sl_fail "tshark not installed"
command -v tcpdump >/dev/null || sl_fail "tcpdump not installed"
sl_topology_create
d="$(sl_tmpdir)"
N_CURL=5
ECHO_BYTES=$((2 * 1024 * 1024))

# run_phase LABEL: server with cookies always, capture, N_CURL curls + 1 echo.
# Leaves the server's stdout in $d/LABEL.server.out and the capture in $d/LABEL.pcap.
run_phase() {
    local label="$1"
    sl_server_start --set tcp.syn_cookies=always --set tcp.sack_permitted=true \
        || sl_fail "$label: server did not become ready"
    # Resolve ARP first so that the capture holds only the TCP exchanges.
    sl_client ping -n -c 1 -W 2 "$SL_SERVER_IP" >/dev/null 2>&1 || sl_fail "$label: no ping reply"
    sl_capture_start "$d/$label.pcap" 20000 40 tcp || sl_fail "$label: tcpdump did not start"

    local out rc
    out="$(sl_client timeout 30 "$HERE/tools/curl_bulk.sh" "http://$SL_SERVER_IP/" "$N_CURL" "$d" \
           -H 'Connection: close')"
    rc=$?
    [[ $rc -eq 0 ]] || sl_fail "$label: curl: ${out:-curl_bulk exit $rc}"
    read -r _ _ _ conns _ <<<"$out"
    [[ "$conns" -eq "$N_CURL" ]] || sl_fail "$label: expected $N_CURL curl connections, got $conns"
    echo "$label: $N_CURL x curl Connection: close -> 200 OK ($out)"

    head -c "$ECHO_BYTES" /dev/urandom >"$d/$label.in"
    # -N: shutdown(SHUT_WR) after stdin EOF, then read until the server closes.
    sl_client timeout 30 nc -N -w 10 "$SL_SERVER_IP" 7 <"$d/$label.in" >"$d/$label.out" 2>"$d/$label.nc.err"
    rc=$?
    local sent got n
    sent="$(sha256sum <"$d/$label.in" | cut -d' ' -f1)"
    got="$(sha256sum <"$d/$label.out" | cut -d' ' -f1)"
    n="$(stat -c %s "$d/$label.out")"
    [[ $rc -eq 0 ]] || sl_fail "$label: nc exit $rc after $n bytes back: $(head -c 200 "$d/$label.nc.err")"
    [[ "$sent" == "$got" ]] || sl_fail "$label: echo sha256 mismatch ($n of $ECHO_BYTES bytes back)"
    echo "$label: echo $ECHO_BYTES bytes through one connection: sha256 ok"

    sl_capture_stop
    sl_server_stop
    [[ "$SL_SERVER_RC" == 0 ]] || sl_fail "$label: server exit status $SL_SERVER_RC (expected 0)"
    cp "$SL_SERVER_OUT" "$d/$label.server.out"
}

# check_counters LABEL CONNS
check_counters() {
    local label="$1" conns="$2" name v
    local -A s
    for name in syns_received synacks_from_queue synacks_from_cookie cookies_validated \
                cookies_stale cookies_bad_hash syn_queue accept_queue; do
        v="$(sl_server_stat "tcp.handshake.$name")"
        [[ -n "$v" ]] || sl_fail "$label: counter tcp.handshake.$name missing"
        s[$name]=$v
    done
    echo "$label: syns_received=${s[syns_received]} synacks_from_cookie=${s[synacks_from_cookie]}" \
         "cookies_validated=${s[cookies_validated]} synacks_from_queue=${s[synacks_from_queue]}" \
         "cookies_stale=${s[cookies_stale]} cookies_bad_hash=${s[cookies_bad_hash]}" \
         "bad_cookie_rsts=$(sl_server_stat tcp.rst_sent.bad_cookie)" \
         "rsts_withheld=$(sl_server_stat tcp.dropped.cookie_rst_limited)"
    ((s[synacks_from_cookie] >= conns)) || sl_fail "$label: synacks_from_cookie ${s[synacks_from_cookie]} < $conns connections"
    ((s[cookies_validated] == conns)) || sl_fail "$label: cookies_validated ${s[cookies_validated]} != $conns connections"
    ((s[synacks_from_queue] == 0)) || sl_fail "$label: synacks_from_queue ${s[synacks_from_queue]} != 0 with syn_cookies=always"
    ((s[cookies_bad_hash] == 0 && s[cookies_stale] == 0)) \
        || sl_fail "$label: genuine cookies rejected (bad_hash ${s[cookies_bad_hash]}, stale ${s[cookies_stale]})"
}

# check_pcap LABEL TS(1|0) CONNS
check_pcap() {
    local label="$1" ts="$2" conns="$3" pcap="$d/$1.pcap" res
    [[ -s "$pcap" ]] || sl_fail "$label: empty capture"
    # One line per TCP segment: src, stream, flags syn/ack, option kinds, ws shift,
    # mss, scale factor tshark applied, payload length.
    tshark -n -r "$pcap" -Y tcp -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        -e ip.src -e tcp.stream -e tcp.flags.syn -e tcp.flags.ack -e tcp.option_kind \
        -e tcp.options.wscale.shift -e tcp.options.mss_val -e tcp.window_size_scalefactor \
        -e tcp.len >"$d/$label.fields" 2>"$d/$label.tshark.err" \
        || sl_fail "$label: tshark failed: $(head -c 300 "$d/$label.tshark.err")"
    res="$(awk -F'\t' -v srv="$SL_SERVER_IP" -v ts="$ts" -v want="$conns" '
        function has(kinds, k,   a, n, i) { n = split(kinds, a, ","); for (i = 1; i <= n; i++) if (a[i] == k) return 1; return 0 }
        function bad(msg) { if (!nbad++) first = msg }
        $3 == 1 && $4 == 0 && $1 != srv {          # client SYN
            syn[$2] = 1; cws[$2] = ($6 == "" ? -1 : $6); next }
        $3 == 1 && $4 == 1 && $1 == srv {          # our SYN-ACK
            synack[$2]++; nsa++
            if (!has($5, 2) || $7 == "") bad("stream " $2 ": SYN-ACK without MSS")
            if ($7 > 1460) bad("stream " $2 ": SYN-ACK MSS " $7 " > 1460")
            if (ts) {
                if ($6 != 3) bad("stream " $2 ": SYN-ACK window scale shift \"" $6 "\", want 3")
                if (!has($5, 4)) bad("stream " $2 ": SYN-ACK without SACK_PERM (kinds " $5 ")")
                if (!has($5, 8)) bad("stream " $2 ": SYN-ACK without timestamps (kinds " $5 ")")
            } else {
                if (has($5, 3)) bad("stream " $2 ": SYN-ACK carries window scale without timestamps")
                if (has($5, 4)) bad("stream " $2 ": SYN-ACK carries SACK_PERM without timestamps")
                if (has($5, 8)) bad("stream " $2 ": SYN-ACK carries timestamps the client did not offer")
            }
            next }
        $3 == 0 {                                   # everything after the handshake
            if (!(($2) in synack)) next
            if ($1 == srv) { want_f = ts ? 8 : -2; nsrv++; if ($9 > 0) dsrv++ }
            else { want_f = ts ? 2 ^ cws[$2] : -2; ncli++; if ($9 > 0) dcli++ }
            if ($8 != want_f) bad("stream " $2 " from " $1 ": window scale factor " $8 ", want " want_f)
            next }
        END {
            for (s in syn) { nstreams++; if (!(s in synack)) bad("stream " s ": client SYN without SYN-ACK in capture") }
            if (nstreams != want) bad(nstreams " connections in capture, want " want)
            if (!dsrv || !dcli) bad("no data segments seen in one direction")
            if (nbad) { print "error: " nbad " problem(s); first: " first; exit }
            printf "ok %d connections, %d SYN-ACKs, %d segments from server (%d with data), %d from client (%d with data)\n", \
                   nstreams, nsa, nsrv, dsrv, ncli, dcli }' "$d/$label.fields")"
    echo "$label: capture: $res"
    [[ "$res" == ok* ]] || sl_fail "$label: capture: ${res#error: }"
    # The scale factors seen, per direction, for the log.
    awk -F'\t' -v srv="$SL_SERVER_IP" '$3 == 0 { k = ($1 == srv ? "server->client" : "client->server") " factor " $8; c[k]++ }
        END { for (k in c) printf "  %s: %d segments\n", k, c[k] }' "$d/$label.fields" | sort >&2
    # SYN-ACK sample for the log.
    local f1
    f1="$(tshark -n -r "$pcap" -Y "ip.src == $SL_SERVER_IP && tcp.flags.syn == 1" -T fields -e frame.number 2>/dev/null | head -n 1)"
    tshark -n -r "$pcap" -Y "frame.number == ${f1:-0}" -V 2>/dev/null \
        | grep -E '^ +TCP Option - (Max|SACK|Time|Window)' | sed "s/^ */  $label first SYN-ACK: /" >&2

    # Expert info with checksum verification: no error for synline's segments.
    tshark -n -r "$pcap" -o tcp.check_checksum:TRUE -q -z "expert,error,ip.src==$SL_SERVER_IP" \
        >"$d/$label.expert" 2>&1 || sl_fail "$label: tshark -z expert failed: $(head -c 300 "$d/$label.expert")"
    local nerr
    nerr="$(tshark -n -r "$pcap" -o tcp.check_checksum:TRUE \
            -Y "ip.src == $SL_SERVER_IP && _ws.expert.severity == error" -T fields -e frame.number \
            2>/dev/null | wc -l)"
    if [[ "$nerr" -ne 0 ]] || grep -q '^Errors' "$d/$label.expert"; then
        cat "$d/$label.expert" >&2
        sl_fail "$label: tshark expert info reports $nerr error-level segment(s) from synline"
    fi
    local nck
    nck="$(tshark -n -r "$pcap" -o tcp.check_checksum:TRUE -Y "ip.src == $SL_SERVER_IP && tcp.checksum.status == 1" \
           -T fields -e frame.number 2>/dev/null | wc -l)"
    echo "$label: tshark expert: no error-level info for synline's segments; $nck segments with verified-good TCP checksum"
}

CONNS=$((N_CURL + 1))

# ---- S15: client with timestamps (the Linux default) ----------------------
sl_client sysctl -qw net.ipv4.tcp_timestamps=1 || sl_fail "sysctl tcp_timestamps=1"
sl_client sysctl -qw net.ipv4.tcp_sack=1 || sl_fail "sysctl tcp_sack=1"
sl_client sysctl -qw net.ipv4.tcp_window_scaling=1 || sl_fail "sysctl tcp_window_scaling=1"
run_phase S15
check_counters S15 "$CONNS"
check_pcap S15 1 "$CONNS"

# ---- S16: client without timestamps: the cookie can carry MSS only --------
sl_client sysctl -qw net.ipv4.tcp_timestamps=0 || sl_fail "sysctl tcp_timestamps=0"
run_phase S16
check_counters S16 "$CONNS"
check_pcap S16 0 "$CONNS"
sl_pass
