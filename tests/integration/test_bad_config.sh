#!/usr/bin/env bash
# Errors a user can cause: each must exit non-zero (not by a signal or a hang)
# with exactly one line on stderr, starting "synline-server: ".
#   unknown key in the config file, unknown key via --set, missing device,
#   no privileges (run as nobody), undefined variable (no --var iface=),
#   an unknown SYN-cookie PRF, a capture file in no directory, a bad
#   capture.direction, [capture] keys without a file, a capture.port not in use,
#   an unknown congestion controller.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
sl_test_begin bad_config
sl_require_server
sl_topology_create      # a real interface, so each case has only its own defect
d="$(sl_tmpdir)"

# Config copy with one unknown key: right after the first [section] header, or
# at the end when the file has no sections.
awk 'BEGIN { done = 0 }
     { print }
     !done && /^[ \t]*\[[^]]+\][ \t]*$/ { print "synline_no_such_key = 1"; done = 1 }
     END { if (!done) print "synline_no_such_key = 1" }' "$SL_CONFIG" >"$d/unknown_key.conf"

# The unprivileged run needs a binary and config that nobody can read.
bin="$SL_SERVER_BIN"; cfg="$SL_CONFIG"
if ! runuser -u nobody -- test -x "$bin" || ! runuser -u nobody -- test -r "$cfg"; then
    cp "$bin" "$d/synline-server"; cp "$cfg" "$d/af_packet.conf"
    chmod 755 "$d/synline-server"; chmod 644 "$d/af_packet.conf" "$d/unknown_key.conf"
    bin="$d/synline-server"; cfg="$d/af_packet.conf"
fi

std=(--ip "$SL_SERVER_CIDR" --serve http:80 --serve echo:7 --serve discard:9 --duration 5)
fails=()
# check NAME CMD...: run with a timeout and judge exit status and stderr.
check() {
    local name="$1"; shift
    local out="$d/$name.out" err="$d/$name.err" rc
    timeout -k 5 30 ip netns exec "$SL_SRV_NS" "$@" >"$out" 2>"$err" </dev/null
    rc=$?
    local nlines first
    nlines="$(grep -c . "$err")"
    first="$(grep -m1 . "$err")"
    printf '%-20s exit %-3s stderr: %s\n' "$name" "$rc" "${first:-<empty>}"
    if ((rc == 0)); then fails+=("$name: exit 0")
    elif ((rc == 124 || rc == 137)); then fails+=("$name: hung (killed by timeout)")
    elif ((rc > 128)); then fails+=("$name: died by signal $((rc - 128))")
    elif ((nlines != 1)); then
        fails+=("$name: $nlines stderr lines (want 1)")
        sed 's/^/    | /' "$err" | head -n 10
    elif [[ "$first" != "synline-server: "* ]]; then fails+=("$name: stderr does not start with 'synline-server: '")
    fi
}

check unknown_key "$SL_SERVER_BIN" --config "$d/unknown_key.conf" --var "iface=$SL_IF_SERVER" "${std[@]}"
check unknown_set_key "$SL_SERVER_BIN" --config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" "${std[@]}" \
    --set synline_no_such_section.no_such_key=1
check missing_device "$SL_SERVER_BIN" --config "$SL_CONFIG" --var "iface=slnodev$$" "${std[@]}"
check no_privileges setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
    "$bin" --config "$cfg" --var "iface=$SL_IF_SERVER" "${std[@]}"
check undefined_variable "$SL_SERVER_BIN" --config "$SL_CONFIG" "${std[@]}"
check unknown_cookie_prf "$SL_SERVER_BIN" --config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" "${std[@]}" \
    --set tcp.syn_cookie_prf=des
check capture_no_dir "$SL_SERVER_BIN" --config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" "${std[@]}" \
    --capture "/nonexistent-$$/x.pcap"
check capture_direction "$SL_SERVER_BIN" --config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" "${std[@]}" \
    --capture "$d/x.pcap" --set capture.direction=sideways
check capture_no_file "$SL_SERVER_BIN" --config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" "${std[@]}" \
    --set capture.snaplen=128
check capture_port "$SL_SERVER_BIN" --config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" "${std[@]}" \
    --capture "$d/x.pcap" --set capture.port=net_nosuchport0
check unknown_congestion_control "$SL_SERVER_BIN" --config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" "${std[@]}" \
    --set tcp.congestion_control=bbr

((${#fails[@]} == 0)) || sl_fail "$(IFS=';'; echo "${fails[*]}")"
sl_pass
