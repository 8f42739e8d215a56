# shellcheck shell=bash
# tests/integration/tools/capture.sh -- sourced after scripts/lib/netns.sh.
# A bounded tcpdump in the client namespace (count AND time limits; it stops by
# itself, and the harness cleanup kills whatever is left in the namespace).
#
#   sl_capture_start FILE MAX_PACKETS MAX_SECONDS [FILTER...]
#   ... traffic ...
#   sl_capture_stop          # SIGINT, waits for tcpdump to flush FILE
# Full frames (-s 0) so that tshark can verify checksums. SL_CAP_NS and
# SL_CAP_IF capture elsewhere (e.g. on a bridge port of a lossy topology's
# middle namespace), SL_CAP_SNAP keeps only the first bytes of each frame.

SL_CAP_PID=""
SL_CAP_ERR=""

sl_capture_start() {
    local file="$1" count="$2" secs="$3"; shift 3
    SL_CAP_ERR="$file.err"
    : >"$SL_CAP_ERR"
    env --default-signal ip netns exec "${SL_CAP_NS:-$SL_NS}" timeout -s INT "$secs" \
        tcpdump -i "${SL_CAP_IF:-$SL_IF_CLIENT}" -n -s "${SL_CAP_SNAP:-0}" -U -B 32768 -c "$count" -w "$file" "$@" \
        2>"$SL_CAP_ERR" </dev/null &
    SL_CAP_PID=$!
    local deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)); do
        grep -q 'listening on' "$SL_CAP_ERR" 2>/dev/null && return 0
        kill -0 "$SL_CAP_PID" 2>/dev/null || break
        sleep 0.05
    done
    sl_log "tcpdump did not start: $(head -c 300 "$SL_CAP_ERR")"
    return 1
}

sl_capture_stop() {
    [[ -n "$SL_CAP_PID" ]] || return 0
    sleep 0.2   # let the last frames of the exchange arrive
    # The job is `timeout`, which passes SIGINT on to tcpdump.
    kill -INT "$SL_CAP_PID" 2>/dev/null
    wait "$SL_CAP_PID" 2>/dev/null
    SL_CAP_PID=""
    sl_log "capture: $(grep -E 'packets (captured|received by filter|dropped by kernel)' "$SL_CAP_ERR" | tr '\n' ';')"
}

# True when tcpdump kept every frame: on a busy machine it can drop some, and
# a check that counts bytes in the capture is then about tcpdump, not synline.
sl_capture_complete() {
    ! grep -Eq '^[1-9][0-9]* packets dropped by kernel' "$SL_CAP_ERR"
}
