# shellcheck shell=bash
# scripts/lib/netns.sh -- sourced helpers for tests and demos that run
# synline-server against a real Linux client.
#
# Topology (all names unique per process, everything removed on exit):
#
#   [netns SL_SRV_NS]                         [netns SL_NS]
#    SL_IF_SERVER  <======== veth ========>    SL_IF_CLIENT
#    no kernel IP, up, owned by               SL_CLIENT_IP/24, tx checksum
#    synline-server (net_af_packet)           offload off, curl/nc/scapy run here
#
# The server end lives in its own namespace too (not in the root namespace):
# that namespace has no route anywhere, so no test frame can ever leave the
# machine, whatever the host's forwarding settings are.
#
# A lossy path (sl_topology_create_lossy PERCENT_IN PERCENT_OUT) puts a bridge
# in a third namespace between the two ends; its forward hook drops a share of
# the IPv4 frames in each direction (nftables: sch_netem cannot load here):
#
#   [SL_NS] SL_IF_CLIENT <= veth => SL_IF_MID_C [SL_MID_NS] SL_IF_MID_S <= veth => SL_IF_SERVER [SL_SRV_NS]
#                                     bridge br0, nft drops in its forward hook
#
# Its server end is synline-server (sl_server_start) or the Linux kernel
# (sl_kernel_server_start) on the same path, for side-by-side figures.
#
# Usage:
#   source "$(dirname "$0")/../../scripts/lib/netns.sh"
#   sl_test_begin my_test          # names PASS/FAIL lines, checks root
#   sl_topology_create             # SL_NS, SL_IF_CLIENT, SL_SERVER_IP, ...
#   sl_server_start || sl_fail "server did not start"
#   sl_client curl -s "http://$SL_SERVER_IP/"
#   sl_server_stop
#   sl_server_stat drop.ipv4_bad_checksum
#   sl_pass
# Cleanup (server kill, namespace and veth removal, temp files) runs from an
# EXIT/INT/TERM trap installed when this file is sourced; add your own
# cleanup steps with sl_defer 'command'.
# SL_CAPTURE=1: every sl_server_start also has the server capture its traffic
# (--capture, into the test's temp dir), and sl_server_stop fails the test when
# tshark finds error-level expert info on the server's segments
# (tests/integration/tools/pcap_checks.sh, checksums verified).

# Repository root (this file is scripts/lib/netns.sh).
SL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SL_BUILD_DIR="${SYNLINE_BUILD_DIR:-$SL_ROOT/build}"
SL_SERVER_BIN="${SYNLINE_SERVER:-$SL_BUILD_DIR/app/server/synline-server}"
SL_CONFIG="${SYNLINE_CONFIG:-$SL_ROOT/drivers-cfg/af_packet.conf}"
export SL_PY=/usr/bin/python3   # scapy imports only under this interpreter
SL_READY_TIMEOUT="${SL_READY_TIMEOUT:-30}"   # seconds to wait for "ready"
SL_STOP_TIMEOUT="${SL_STOP_TIMEOUT:-15}"     # seconds between SIGINT and SIGKILL
SL_SERVER_DURATION="${SL_SERVER_DURATION:-300}" # server stops itself after this

SL_TEST_NAME="${SL_TEST_NAME:-$(basename "$0")}"
SL_TMP=""
SL_NS=""
SL_SRV_NS=""
SL_MID_NS=""
SL_IF_CLIENT=""
SL_IF_SERVER=""
SL_SERVER_PID=""
SL_SERVER_RC=""
SL_SERVER_OUT=""
SL_SERVER_ERR=""
SL_SERVER_PCAP=""   # the running server's capture under SL_CAPTURE=1
_SL_DEFERRED=()
_SL_ALL_NS=()   # every namespace this process created
_SL_TOPO_N=0
_SL_DONE=0

sl_log() { printf '[%s] %s\n' "$SL_TEST_NAME" "$*" >&2; }

# Register a cleanup command (run in reverse order of registration).
sl_defer() { _SL_DEFERRED+=("$1"); }

# The script's own stdout/stderr, saved here: a signal trap can run while a
# function's redirections (sl_client ... >file) are in effect, and the verdict
# must not end up in that file.
exec {_SL_FD_OUT}>&1 {_SL_FD_ERR}>&2

_sl_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    exec 1>&"$_SL_FD_OUT" 2>&"$_SL_FD_ERR"
    if [[ -n "$SL_SERVER_PID" ]] && kill -0 "$SL_SERVER_PID" 2>/dev/null; then
        SL_SERVER_PCAP=""  # no verdict from here
        sl_server_stop >/dev/null 2>&1
    fi
    # Whatever still runs inside our namespaces was started by this script.
    local ns pids i
    for ns in "${_SL_ALL_NS[@]}"; do
        pids="$(ip netns pids "$ns" 2>/dev/null)"
        if [[ -n "$pids" ]]; then
            kill -KILL $pids 2>/dev/null
        fi
    done
    for ((i = ${#_SL_DEFERRED[@]} - 1; i >= 0; i--)); do
        eval "${_SL_DEFERRED[i]}" >/dev/null 2>&1
    done
    if [[ -n "$SL_TMP" && -d "$SL_TMP" && -z "${SL_KEEP_TMP:-}" ]]; then
        rm -rf "$SL_TMP"
    fi
    # A test that dies without printing its verdict still prints one.
    if [[ $_SL_DONE -eq 0 && $rc -ne 0 && -n "${_SL_BEGUN:-}" ]]; then
        echo "FAIL $SL_TEST_NAME: aborted (exit $rc)"
    fi
    exit "$rc"
}
trap _sl_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sl_tmpdir() {
    if [[ -z "$SL_TMP" ]]; then
        SL_TMP="$(mktemp -d "/tmp/synline-${SL_TEST_NAME%%.*}.$$.XXXX")"
        chmod 755 "$SL_TMP"
    fi
    echo "$SL_TMP"
}

# ---- verdicts ------------------------------------------------------------

sl_test_begin() {
    SL_TEST_NAME="$1"
    _SL_BEGUN=1
    if [[ $EUID -ne 0 ]]; then sl_fail "must run as root"; fi
    sl_tmpdir >/dev/null
}
sl_pass() { _SL_DONE=1; echo "PASS $SL_TEST_NAME"; exit 0; }
sl_fail() {
    _SL_DONE=1
    if [[ -n "$SL_SERVER_ERR" && -s "$SL_SERVER_ERR" ]]; then
        sl_log "server stderr (last lines):"; tail -n 20 "$SL_SERVER_ERR" >&2
    fi
    echo "FAIL $SL_TEST_NAME: $*"
    exit 1
}
sl_require_server() {
    [[ -x "$SL_SERVER_BIN" ]] || sl_fail "server binary not found: $SL_SERVER_BIN (build it: ninja -C build)"
    [[ -f "$SL_CONFIG" ]] || sl_fail "config not found: $SL_CONFIG"
}

# ---- topology ------------------------------------------------------------

# Run a setup step; a failure ends the test with FAIL.
_sl_must() { "$@" || sl_fail "setup step failed: $*"; }

# _sl_topology_names: the next topology's names (unique per process) and addresses.
_sl_topology_names() {
    _SL_TOPO_N=$((_SL_TOPO_N + 1))
    # Interface names are limited to 15 characters: "sl" + pid (<=7) + "n" + n + c/s/a/b.
    SL_NS="slc-$$-$_SL_TOPO_N"
    SL_SRV_NS="sls-$$-$_SL_TOPO_N"
    SL_IF_CLIENT="sl$$n${_SL_TOPO_N}c"
    SL_IF_SERVER="sl$$n${_SL_TOPO_N}s"
    SL_NET_X=$(( ($$ + _SL_TOPO_N) % 250 + 1 ))
    SL_CLIENT_IP="10.77.$SL_NET_X.1"
    SL_SERVER_IP="10.77.$SL_NET_X.2"
    SL_PREFIXLEN=24
    SL_SERVER_CIDR="$SL_SERVER_IP/$SL_PREFIXLEN"
    SL_MID_NS="slm-$$-$_SL_TOPO_N"
    SL_IF_MID_C="sl$$n${_SL_TOPO_N}a"
    SL_IF_MID_S="sl$$n${_SL_TOPO_N}b"
}

# sl_topology_create: two namespaces joined by a veth pair. Sets
#   SL_NS SL_SRV_NS SL_IF_CLIENT SL_IF_SERVER SL_NET_X
#   SL_CLIENT_IP SL_SERVER_IP SL_PREFIXLEN SL_SERVER_CIDR
sl_topology_create() {
    _sl_topology_names

    sl_defer "ip netns del $SL_SRV_NS"
    sl_defer "ip netns del $SL_NS"
    sl_defer "ip link del $SL_IF_SERVER"
    _sl_ns_add "$SL_NS"
    _sl_ns_add "$SL_SRV_NS"
    _sl_veth "$SL_IF_CLIENT" "$SL_NS" "$SL_IF_SERVER" "$SL_SRV_NS"
    # Mandatory (machine-notes): without it the client kernel emits partial
    # checksums and TSO super-frames that af_packet truncates.
    _sl_must ip netns exec "$SL_NS" ethtool -K "$SL_IF_CLIENT" tx off >/dev/null
    ip netns exec "$SL_SRV_NS" ethtool -K "$SL_IF_SERVER" tx off >/dev/null 2>&1 || true
    ip netns exec "$SL_SRV_NS" ethtool -K "$SL_IF_SERVER" gro off >/dev/null 2>&1 || true
    _sl_must ip -n "$SL_NS" addr add "$SL_CLIENT_IP/$SL_PREFIXLEN" dev "$SL_IF_CLIENT"
    _sl_must ip -n "$SL_SRV_NS" link set "$SL_IF_SERVER" up
    _sl_must ip -n "$SL_NS" link set "$SL_IF_CLIENT" up
    sl_log "topology: $SL_NS/$SL_IF_CLIENT $SL_CLIENT_IP <-> $SL_SRV_NS/$SL_IF_SERVER (server $SL_SERVER_IP)"
}

# _sl_ns_add NS: a namespace with IPv6 and forwarding off and lo up.
_sl_ns_add() {
    _sl_must ip netns add "$1"
    _SL_ALL_NS+=("$1")
    _sl_must ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    _sl_must ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    _sl_must ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=0
    _sl_must ip -n "$1" link set lo up
}

# _sl_veth IF_A NS_A IF_B NS_B: a veth pair (MTU 1500), one end in each namespace.
_sl_veth() {
    _sl_must ip link add "$1" mtu 1500 type veth peer name "$3" mtu 1500
    _sl_must ip link set "$1" netns "$2"
    _sl_must ip link set "$3" netns "$4"
    _sl_must ip netns exec "$2" sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1"
    _sl_must ip netns exec "$4" sysctl -qw "net.ipv6.conf.$3.disable_ipv6=1"
}

# _sl_offloads_off NS IF: every veth offload that changes frames off (checksums,
# segmentation, receive coalescing): each frame on the path is then one that a
# stack checksummed, at most 1500 bytes, and a loss rule drops single frames.
_sl_offloads_off() {
    _sl_must ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null
}

# sl_topology_create_lossy PERCENT_IN PERCENT_OUT: the two ends of
# sl_topology_create (same variables) with a bridge between them in a third
# namespace, SL_MID_NS, whose nftables forward hook drops PERCENT_IN % of the
# IPv4 frames going to the server and PERCENT_OUT % of those coming from it
# (0-100, up to two decimals; each frame drawn independently). The drops happen
# on the path, so neither end's stack learns of them but by their absence.
# Also sets SL_IF_MID_C / SL_IF_MID_S, the bridge ports facing the client and
# the server. sl_loss_counts reports what was dropped.
sl_topology_create_lossy() {
    command -v nft >/dev/null || sl_fail "nft not found: apt-get install -y nftables (scripts/setup.sh lists it)"
    _sl_topology_names

    sl_defer "ip netns del $SL_MID_NS"
    sl_defer "ip netns del $SL_SRV_NS"
    sl_defer "ip netns del $SL_NS"
    sl_defer "ip link del $SL_IF_SERVER"
    sl_defer "ip link del $SL_IF_CLIENT"
    _sl_ns_add "$SL_NS"
    _sl_ns_add "$SL_SRV_NS"
    _sl_ns_add "$SL_MID_NS"
    _sl_veth "$SL_IF_CLIENT" "$SL_NS" "$SL_IF_MID_C" "$SL_MID_NS"
    _sl_veth "$SL_IF_MID_S" "$SL_MID_NS" "$SL_IF_SERVER" "$SL_SRV_NS"
    _sl_offloads_off "$SL_NS" "$SL_IF_CLIENT"
    _sl_offloads_off "$SL_MID_NS" "$SL_IF_MID_C"
    _sl_offloads_off "$SL_MID_NS" "$SL_IF_MID_S"
    _sl_offloads_off "$SL_SRV_NS" "$SL_IF_SERVER"
    _sl_must ip -n "$SL_MID_NS" link add br0 type bridge
    _sl_must ip -n "$SL_MID_NS" link set "$SL_IF_MID_C" master br0
    _sl_must ip -n "$SL_MID_NS" link set "$SL_IF_MID_S" master br0
    sl_loss_set "$1" "$2"
    _sl_must ip -n "$SL_MID_NS" link set br0 up
    _sl_must ip -n "$SL_MID_NS" link set "$SL_IF_MID_C" up
    _sl_must ip -n "$SL_MID_NS" link set "$SL_IF_MID_S" up
    _sl_must ip -n "$SL_NS" addr add "$SL_CLIENT_IP/$SL_PREFIXLEN" dev "$SL_IF_CLIENT"
    _sl_must ip -n "$SL_SRV_NS" link set "$SL_IF_SERVER" up
    _sl_must ip -n "$SL_NS" link set "$SL_IF_CLIENT" up
    sl_log "lossy topology: $SL_NS/$SL_IF_CLIENT $SL_CLIENT_IP <-> $SL_MID_NS (bridge) <-> $SL_SRV_NS/$SL_IF_SERVER (server $SL_SERVER_IP)"
}

# sl_loss_set PERCENT_IN PERCENT_OUT: (re)place the lossy topology's drop rules
# (its counters start again from zero).
sl_loss_set() {
    local p
    for p in "$1" "$2"; do
        [[ "$p" =~ ^[0-9]+(\.[0-9]{1,2})?$ ]] && awk -v p="$p" 'BEGIN { exit !(p <= 100) }' ||
            sl_fail "loss percentage '$p' is not a number from 0 to 100 (at most two decimals)"
    done
    # Thresholds in hundredths of a percent ("numgen random mod 10000 < N").
    # The first two rules count what reaches the bridge, the last two drop.
    # (The chain is not named "fwd": that word is reserved in nft.)
    local t_in t_out
    t_in="$(awk -v p="$1" 'BEGIN { printf "%d", p * 100 + 0.5 }')"
    t_out="$(awk -v p="$2" 'BEGIN { printf "%d", p * 100 + 0.5 }')"
    ip netns exec "$SL_MID_NS" nft delete table bridge sl_loss 2>/dev/null
    printf '%s\n' "table bridge sl_loss {" \
        "  chain path {" \
        "    type filter hook forward priority 0; policy accept;" \
        "    iifname \"$SL_IF_MID_C\" ether type ip counter" \
        "    iifname \"$SL_IF_MID_S\" ether type ip counter" \
        "    iifname \"$SL_IF_MID_C\" ether type ip numgen random mod 10000 < $t_in counter drop" \
        "    iifname \"$SL_IF_MID_S\" ether type ip numgen random mod 10000 < $t_out counter drop" \
        "  }" "}" | ip netns exec "$SL_MID_NS" nft -f - ||
        sl_fail "setup step failed: nftables loss rules in $SL_MID_NS"
    sl_log "loss on the path: $1 % of frames to the server, $2 % from it"
}

# sl_loss_counts: "in SEEN DROPPED out SEEN DROPPED", the IPv4 frames the
# bridge saw and dropped towards the server (in) and from it (out).
sl_loss_counts() {
    ip netns exec "$SL_MID_NS" nft list chain bridge sl_loss path 2>/dev/null | awk '
        /counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") v[n++] = $(i + 1) }
        END { printf "in %d %d out %d %d\n", v[0], v[2], v[1], v[3] }'
}

# Run a command in the client (sl_client) or server (sl_srvns) namespace.
# The command runs as a waited-for background job (stdin kept) so that a
# SIGTERM/SIGINT to the test runs the cleanup at once instead of after the
# command; the cleanup then kills what is left in the namespaces.
_sl_in_ns() {
    local ns="$1"; shift
    env --default-signal ip netns exec "$ns" "$@" <&0 &
    wait "$!"
}
sl_client() { _sl_in_ns "$SL_NS" "$@"; }
sl_srvns() { _sl_in_ns "$SL_SRV_NS" "$@"; }
sl_mid() { _sl_in_ns "$SL_MID_NS" "$@"; }   # the bridge of a lossy topology

# sl_tcp_transfer PORT IN OUT LIMIT: one socat client in the client namespace
# to the server's PORT: sends file IN, half-closes, and writes what comes back
# to OUT until the server closes (socat's stderr in OUT.err). Killed after
# LIMIT seconds (status 124); -T 30 gives up after 30 s without traffic. Sets
# SL_XFER_SECONDS, the wall clock of the whole transfer (connect to close).
sl_tcp_transfer() {
    local port="$1" in="$2" out="$3" limit="$4" t0 t1 rc
    t0="$(sl_now)"
    sl_client timeout "$limit" socat -b 65536 -t "$limit" -T 30 - \
        "TCP:$SL_SERVER_IP:$port,connect-timeout=5" <"$in" >"$out" 2>"$out.err"
    rc=$?
    t1="$(sl_now)"
    SL_XFER_SECONDS="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    return "$rc"
}

# ---- background server ---------------------------------------------------

# sl_bg_start READY_REGEX CMD...: generic helper. Starts CMD in the background
# with stdout/stderr captured to $SL_SERVER_OUT/$SL_SERVER_ERR, waits (at most
# SL_READY_TIMEOUT s) for a stdout line matching READY_REGEX. Returns 0 when
# ready, 1 if the process exited or the timeout expired. Sets SL_SERVER_PID.
# Must be called in the main shell (not in $(...)) so that wait works.
sl_bg_start() {
    local ready="$1"; shift
    local d; d="$(sl_tmpdir)"
    SL_SERVER_OUT="$d/${SL_BG_NAME:-server}.out"; SL_SERVER_ERR="$d/${SL_BG_NAME:-server}.err"
    : >"$SL_SERVER_OUT"; : >"$SL_SERVER_ERR"
    SL_SERVER_RC=""
    sl_log "start: $*"
    # Background jobs of a non-interactive shell start with SIGINT ignored;
    # env --default-signal restores it so that sl_server_stop's SIGINT works.
    env --default-signal "$@" >"$SL_SERVER_OUT" 2>"$SL_SERVER_ERR" </dev/null &
    SL_SERVER_PID=$!
    local deadline=$((SECONDS + SL_READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if grep -qE "$ready" "$SL_SERVER_OUT" 2>/dev/null; then
            sl_log "server ready (pid $SL_SERVER_PID)"
            return 0
        fi
        if ! kill -0 "$SL_SERVER_PID" 2>/dev/null; then
            wait "$SL_SERVER_PID"; SL_SERVER_RC=$?
            sl_log "server exited early with status $SL_SERVER_RC"
            SL_SERVER_PID=""
            return 1
        fi
        sleep 0.1
    done
    sl_log "server not ready after ${SL_READY_TIMEOUT}s"
    return 1
}

# sl_server_start [EXTRA_ARGS...]: synline-server in the server namespace on
# SL_IF_SERVER with http:80, echo:7, discard:9 (set SL_SERVER_DEFAULTS=0 to pass
# only EXTRA_ARGS). Adds --duration SL_SERVER_DURATION unless given, so that a
# server can never outlive its test by long.
sl_server_start() {
    local args=()
    if [[ "${SL_SERVER_DEFAULTS:-1}" == 1 ]]; then
        args+=(--config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" --ip "$SL_SERVER_CIDR"
               --serve http:80 --serve echo:7 --serve discard:9)
    fi
    args+=("$@")
    if [[ "${SL_CAPTURE:-0}" == 1 && " ${args[*]} " != *" --capture "* ]]; then
        SL_SERVER_PCAP="$(sl_tmpdir)/server-$SECONDS-$RANDOM.pcap"
        args+=(--capture "$SL_SERVER_PCAP")
    fi
    if [[ " ${args[*]} " != *" --duration "* ]]; then
        args+=(--duration "$SL_SERVER_DURATION")
    fi
    # shellcheck disable=SC2206
    local extra=(${SYNLINE_SERVER_EXTRA_ARGS:-})
    sl_bg_start '^synline-server: ready' \
        ip netns exec "$SL_SRV_NS" "$SL_SERVER_BIN" "${args[@]}" "${extra[@]}"
}

# sl_kernel_server_start: the Linux kernel in synline's place: SL_SERVER_CIDR
# on SL_IF_SERVER and scripts/lib/kernel_servers.py (echo on 7, discard on 9,
# any number of connections) in the server namespace, stopped like synline by
# sl_server_stop. The kernel's own TCP settings apply (SACK, timestamps, CUBIC).
sl_kernel_server_start() {
    _sl_must ip -n "$SL_SRV_NS" addr add "$SL_SERVER_CIDR" dev "$SL_IF_SERVER"
    sl_bg_start '^kernel-servers: ready' ip netns exec "$SL_SRV_NS" timeout -s INT "$SL_SERVER_DURATION" \
        "$SL_PY" "$SL_ROOT/scripts/lib/kernel_servers.py" "$SL_SERVER_IP" --echo 7 --discard 9
}

# sl_server_stop: SIGINT, wait up to SL_STOP_TIMEOUT s, then SIGKILL.
# Sets SL_SERVER_RC (exit status; 137 when it had to be killed).
sl_server_stop() {
    [[ -n "$SL_SERVER_PID" ]] || return 0
    local pid=$SL_SERVER_PID
    kill -INT "$pid" 2>/dev/null
    local deadline=$((SECONDS + SL_STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        sl_log "server did not stop after SIGINT within ${SL_STOP_TIMEOUT}s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null; SL_SERVER_RC=$?
    SL_SERVER_PID=""
    sl_log "server stopped, exit status $SL_SERVER_RC"
    if [[ -n "$SL_SERVER_PCAP" ]]; then
        local pcap="$SL_SERVER_PCAP"
        SL_SERVER_PCAP=""
        declare -F sl_pcap_expert_ok >/dev/null || source "$SL_ROOT/tests/integration/tools/pcap_checks.sh"
        sl_pcap_expert_ok "$pcap" "$SL_SERVER_IP" server-capture >&2
    fi
    return 0
}

# All "stat <name> <value>" lines of the server's stdout.
sl_server_stats() { grep -E '^stat [^ ]+ [0-9]+$' "$SL_SERVER_OUT" 2>/dev/null; }
# Value of one counter (last occurrence); prints nothing if absent.
sl_server_stat() {
    awk -v n="$1" '$1 == "stat" && $2 == n { v = $3 } END { if (v != "") print v }' \
        "$SL_SERVER_OUT" 2>/dev/null
}

# ---- small utilities -----------------------------------------------------

# Wall clock in seconds with nanoseconds, and a rate helper.
sl_now() { date +%s.%N; }
sl_rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { d = b - a; if (d <= 0) d = 1e-9; printf "%.1f", n / d }'; }

# ---- synline-peer and background client-side helpers ---------------------

SL_PEER_BIN="${SYNLINE_PEER:-$SL_BUILD_DIR/tests/tools/synline-peer}"
sl_require_peer() {
    [[ -x "$SL_PEER_BIN" ]] || sl_fail "synline-peer not found: $SL_PEER_BIN (build with -Dtests=true)"
    [[ -f "$SL_CONFIG" ]] || sl_fail "config not found: $SL_CONFIG"
}

# sl_peer ARGS...: one synline-peer run (an active open from synline) in the
# server namespace on SL_IF_SERVER with SL_SERVER_CIDR, in the foreground; its
# event lines go to stdout. ARGS: --connect IP:PORT and the script (--send,
# --then, --at, ...). Bounded by its own --timeout and by SL_PEER_LIMIT seconds
# (default 60) of wall clock. Do not run it while synline-server runs on the
# same interface.
sl_peer() {
    sl_srvns timeout -k 5 "${SL_PEER_LIMIT:-60}" "$SL_PEER_BIN" --config "$SL_CONFIG" \
        --var "iface=$SL_IF_SERVER" --ip "$SL_SERVER_CIDR" "$@"
}

# sl_client_bg OUTFILE READY_REGEX CMD...: start CMD in the client namespace in
# the background (stdout to OUTFILE, stderr to OUTFILE.err) and wait (at most
# 10 s) for a line of OUTFILE matching READY_REGEX. Sets SL_CLIENT_BG_PID.
# Returns 1 if CMD exited or was not ready in time. The harness cleanup kills
# whatever is left in the namespace; sl_wait_bg collects the exit status.
SL_CLIENT_BG_PID=""
sl_client_bg() {
    local out="$1" ready="$2"; shift 2
    : >"$out"; : >"$out.err"
    env --default-signal ip netns exec "$SL_NS" "$@" >"$out" 2>"$out.err" </dev/null &
    SL_CLIENT_BG_PID=$!
    local deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)); do
        grep -qE "$ready" "$out" 2>/dev/null && return 0
        kill -0 "$SL_CLIENT_BG_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# sl_wait_bg PID SECONDS: wait for a background job at most SECONDS, then
# SIGKILL it. Prints nothing; returns the job's exit status (137 if killed).
sl_wait_bg() {
    local pid="$1" deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
