# Two synline workers on this 2-core machine (main lcore and worker 0 share
# CPU 0, worker 1 has CPU 1), served to Linux clients: sourced by the
# test_workers2_*.sh tests after netns.sh.
#
# sl_two_workers_serve_check LABEL SERVER_ARGS...: starts synline-server with
# two workers and SERVER_ARGS, then from the kernel: 1,000 HTTP requests each
# on its own connection, and 100 concurrent echo transfers (128 KiB each,
# sha256 compared). Stops the server, prints its per-worker counters, and
# fails unless both workers opened connections. Leaves the stats in
# $SL_SERVER_OUT for the caller's own checks.
SL_TWO_WORKERS_LCORES="0@0,1@0,2@1"

sl_two_workers_serve_check() {
    local label="$1"; shift
    sl_server_start --set "eal.lcores=$SL_TWO_WORKERS_LCORES" "$@" || sl_fail "$label: server did not become ready"
    grep -q "workers 2" "$SL_SERVER_OUT" || sl_fail "$label: server does not say 'workers 2': $(head -n 3 "$SL_SERVER_OUT")"
    local d; d="$(sl_tmpdir)"
    local out rc
    out="$(sl_client timeout 150 "$SL_ROOT/tests/integration/tools/curl_bulk.sh" "http://$SL_SERVER_IP/" 1000 "$d" \
           -H 'Connection: close')"
    rc=$?
    [[ $rc -eq 0 ]] || sl_fail "$label: ${out:-curl_bulk exit $rc}"
    echo "$label: http: $out"
    local i pids=()
    for ((i = 0; i < 100; i++)); do
        head -c $((128 * 1024)) /dev/urandom >"$d/in.$i"
        sl_client timeout 120 socat -b 65536 -t 60 -T 30 - "TCP:$SL_SERVER_IP:7,connect-timeout=10" \
            <"$d/in.$i" >"$d/out.$i" 2>"$d/err.$i" &
        pids+=($!)
    done
    local failed=0
    for ((i = 0; i < 100; i++)); do
        wait "${pids[$i]}" || { failed=$((failed + 1)); sl_log "echo $i: socat exit $?: $(head -c 200 "$d/err.$i")"; continue; }
        cmp -s <(sha256sum <"$d/in.$i") <(sha256sum <"$d/out.$i") ||
            { failed=$((failed + 1)); sl_log "echo $i: sha256 differs ($(stat -c %s "$d/out.$i") bytes back)"; }
    done
    ((failed == 0)) || sl_fail "$label: $failed of 100 concurrent echo transfers failed"
    echo "$label: 100 concurrent echo transfers of 128 KiB: sha256 equal"
    sl_server_stop
    local w n
    for w in 0 1; do
        echo "$label: worker$w: rx_packets $(sl_server_stat "worker$w.rx_packets")" \
             "opened_passive $(sl_server_stat "worker$w.tcp.opened_passive")" \
             "foreign_packets $(sl_server_stat "worker$w.steer.foreign_packets")" \
             "arrived $(sl_server_stat "worker$w.steer.arrived")"
        n="$(sl_server_stat "worker$w.tcp.opened_passive")"
        [[ -n "$n" && "$n" -gt 0 ]] || sl_fail "$label: worker $w opened no connection (${n:-no counter})"
    done
    local opened=$(( $(sl_server_stat worker0.tcp.opened_passive) + $(sl_server_stat worker1.tcp.opened_passive) ))
    ((opened >= 1100)) || sl_fail "$label: the workers opened $opened connections, want >= 1100"
    local full; full="$(sl_server_stat drop.steer_channel_full)"
    [[ "${full:-0}" == 0 ]] || sl_fail "$label: $full frames dropped at a full steering channel"
}
