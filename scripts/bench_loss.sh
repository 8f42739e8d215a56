#!/usr/bin/env bash
# scripts/bench_loss.sh -- data transfer over a lossy path, synline against the
# Linux kernel in the same run (docs/BENCHMARKS.md, section "Loss"; scripts/bench.sh
# runs it and places its section).
#
#   scripts/bench_loss.sh [--runs N] [--section FILE]
#
# Two copies of the same topology (scripts/lib/netns.sh, sl_topology_create_lossy):
# a Linux client namespace, a bridge namespace whose nftables forward hook drops
# a share of the frames in each direction, and a server namespace, where one copy
# runs synline-server (net_af_packet) and the other the kernel's TCP
# (scripts/lib/kernel_servers.py). For each loss level (LOSS_LEVELS, percent of
# the frames each way), N runs alternate between the two servers, each run:
#   echo  LOSS_ECHO_MIB MiB (default 20) through the echo app with socat (the
#         client half-closes after sending, the server's FIN ends it): seconds;
#   bulk  LOSS_BULK_MIB MiB (default 64) to the discard app, timed to the
#         server's FIN (everything received): goodput in Gb/s.
# A transfer past LOSS_RUN_LIMIT seconds (default 60) is stopped and counted as
# timed out; after LOSS_MAX_TIMEOUTS (default 2) of them a server's remaining
# runs at that level are skipped (bounded time: at most levels x 2 servers x
# that many limits). An echo that comes back different counts as a failure.
# synline-server is restarted for each level, so its counters are per level.
#
# Output: the markdown section (begin/end markers included) into FILE, or on
# stdout; progress on stderr; raw files in a temp dir that is kept and named.
# Environment: SYNLINE_SERVER or BUILD_DIR (default build-bench) for the
# server binary; LOSS_RUNS (default 10, or --runs), LOSS_LEVELS ("0 1 5"),
# LOSS_ECHO_MIB, LOSS_BULK_MIB, LOSS_RUN_LIMIT, LOSS_MAX_TIMEOUTS.
set -uo pipefail

RUNS="${LOSS_RUNS:-10}"
SECTION=""
while (($#)); do
    case "$1" in
        --runs) RUNS="${2:?--runs needs a number}"; shift ;;
        --section) SECTION="${2:?--section needs a file}"; shift ;;
        -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench_loss.sh: unknown argument '$1' (usage: scripts/bench_loss.sh [--runs N] [--section FILE])" >&2; exit 2 ;;
    esac
    shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench_loss.sh: --runs must be a positive number, not '$RUNS'" >&2; exit 2; }
LEVELS=(${LOSS_LEVELS:-0 1 5})
ECHO_MIB="${LOSS_ECHO_MIB:-20}"
BULK_MIB="${LOSS_BULK_MIB:-64}"
LIMIT="${LOSS_RUN_LIMIT:-60}"
MAX_TIMEOUTS="${LOSS_MAX_TIMEOUTS:-2}"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build-bench}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
export SYNLINE_BUILD_DIR="$BUILD_DIR"
export SL_KEEP_TMP=1                 # the raw files stay for the reader
export SL_SERVER_DURATION=$(( ${#LEVELS[@]} * RUNS * 2 * LIMIT + 120 ))
# The harness's verdict lines and progress go to stderr, the section to FILE or stdout.
exec {SECTION_FD}>&1 1>&2
# shellcheck source=lib/netns.sh
source "$ROOT/scripts/lib/netns.sh"
sl_test_begin bench_loss
sl_require_server
RAW="$(sl_tmpdir)"
[[ -n "$SECTION" ]] || SECTION="$RAW/section.md"
sl_log "raw files in $RAW"

head -c $((ECHO_MIB * 1024 * 1024)) /dev/urandom >"$RAW/echo.in"
head -c $((BULK_MIB * 1024 * 1024)) /dev/urandom >"$RAW/bulk.in"

# The two topologies' variables, saved after each is made and switched between
# by `use syn` / `use lin` (netns.sh keeps one topology's names in globals).
TOPO_VARS=(SL_NS SL_SRV_NS SL_MID_NS SL_IF_CLIENT SL_IF_SERVER SL_IF_MID_C SL_IF_MID_S
           SL_CLIENT_IP SL_SERVER_IP SL_SERVER_CIDR SL_SERVER_PID SL_SERVER_OUT SL_SERVER_ERR)
save() { declare -p "${TOPO_VARS[@]}" | sed 's/^declare -[-a-z]* /declare -g /' >"$RAW/topo_$1.vars"; }
use() { source "$RAW/topo_$1.vars"; }

start_synline() { SL_BG_NAME="synline_$1" sl_server_start --set port.packed_pool=true || sl_fail "synline-server did not start"; }
sl_topology_create_lossy "${LEVELS[0]}" "${LEVELS[0]}"
start_synline "${LEVELS[0]}"
save syn
sl_topology_create_lossy "${LEVELS[0]}" "${LEVELS[0]}"
SL_BG_NAME=kernel sl_kernel_server_start || sl_fail "the kernel servers did not start"
save lin

LOAD_BEFORE="$(cut -d' ' -f1 /proc/loadavg)"
DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
RES="$RAW/results.txt"; : >"$RES"   # lines: side level kind run value|timeout|bad

# one SIDE LEVEL RUN: an echo and a bulk transfer against SIDE's server.
one() {
    local side="$1" level="$2" run="$3" rc v
    use "$side"
    sl_tcp_transfer 7 "$RAW/echo.in" "$RAW/echo.out" "$LIMIT"; rc=$?
    if ((rc == 124)); then v=timeout
    elif ((rc != 0)) || ! cmp -s "$RAW/echo.in" "$RAW/echo.out"; then v=bad
    else v="$SL_XFER_SECONDS"; fi
    echo "$side $level echo $run $v" >>"$RES"
    sl_tcp_transfer 9 "$RAW/bulk.in" "$RAW/bulk.out" "$LIMIT"; rc=$?
    if ((rc == 124)); then v=timeout
    elif ((rc != 0)); then v=bad
    else v="$(awk -v n="$BULK_MIB" -v t="$SL_XFER_SECONDS" 'BEGIN { printf "%.4f", n * 1048576 * 8 / t / 1e9 }')"; fi
    echo "$side $level bulk $run $v" >>"$RES"
    sl_log "$side, $level % loss, run $run: echo $(tail -2 "$RES" | head -1 | cut -d' ' -f5) (s), bulk $v (Gb/s)"
}
timeouts() { awk -v s="$1" -v l="$2" '$1 == s && $2 == l && $5 != $5 + 0 { n++ } END { print n + 0 }' "$RES"; }

for level in "${LEVELS[@]}"; do
    for side in syn lin; do use "$side"; sl_loss_set "$level" "$level"; done
    if [[ "$level" != "${LEVELS[0]}" ]]; then
        use syn; sl_server_stop; start_synline "$level"; save syn
    fi
    for ((r = 1; r <= RUNS; r++)); do
        # Alternate which server goes first, so that a slow phase of the host hits both.
        order=(syn lin); ((r % 2 == 0)) && order=(lin syn)
        for side in "${order[@]}"; do
            if (($(timeouts "$side" "$level") >= MAX_TIMEOUTS)); then continue; fi
            one "$side" "$level" "$r"
        done
    done
    use syn; read -r _ si di _ so do <<<"$(sl_loss_counts)"; echo "syn $level dropped $si $di $so $do" >>"$RAW/drops.txt"
    use lin; read -r _ si di _ so do <<<"$(sl_loss_counts)"; echo "lin $level dropped $si $di $so $do" >>"$RAW/drops.txt"
done
use syn; sl_server_stop
use lin; sl_server_stop
LOAD_AFTER="$(cut -d' ' -f1 /proc/loadavg)"

# ---- the section -------------------------------------------------------------
# stat SIDE LEVEL KIND FIELD: median / min / max / n / failed of the runs.
stat() {
    awk -v s="$1" -v l="$2" -v k="$3" -v f="$4" '
        $1 == s && $2 == l && $3 == k { if ($5 == $5 + 0) v[n++] = $5; else bad++ }
        END {
            if (f == "failed") { print bad + 0; exit }
            if (f == "n") { print n + 0; exit }
            if (!n) { print "n/a"; exit }
            asort(v)
            if (f == "median") x = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            else if (f == "min") x = v[1]
            else x = v[n]
            printf "%.3g\n", x
        }' "$RES"
}
syn_counter() {   # LEVEL NAME: a counter of synline-server at that level
    awk -v n="$2" '$1 == "stat" && $2 == n { v = $3 } END { print (v == "" ? "-" : v) }' "$RAW/synline_$1.out" 2>/dev/null
}
runs_note() {  # SIDE LEVEL KIND: "" or " (3 of 10 timed out / wrong)"
    local f; f="$(stat "$1" "$2" "$3" failed)"
    ((f > 0)) && echo " ($f of $((f + $(stat "$1" "$2" "$3" n))) over ${LIMIT} s or wrong)"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "-"; else printf "%.2f", a / b }'; }
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
GIT_DIRTY="$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' + local changes')"
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
BUILDTYPE="$(/usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(open(sys.argv[1])) if o["name"]=="buildtype"][0])' \
    "$BUILD_DIR/meson-info/intro-buildoptions.json" 2>/dev/null || echo '?')"
# The command that reproduces this run: the settings that differ from the defaults.
REPRO=""
for v in LOSS_LEVELS:"0 1 5" LOSS_ECHO_MIB:20 LOSS_BULK_MIB:64 LOSS_RUN_LIMIT:60 LOSS_MAX_TIMEOUTS:2; do
    n="${v%%:*}"; [[ -n "${!n:-}" && "${!n}" != "${v#*:}" ]] && REPRO+="$n=\"${!n}\" "
done
REPRO+="scripts/bench_loss.sh --runs $RUNS"
{
echo "<!-- scripts/bench.sh loss: begin (generated; edit scripts/bench_loss.sh, not this section) -->"
echo "### Loss: synline vs the Linux kernel on a lossy path"
echo
echo "Generated by \`$REPRO\` on $DATE, tree $GIT_REV${GIT_DIRTY}, buildtype $BUILDTYPE."
echo "Machine: $CPU_MODEL, $(nproc) CPUs ($(uname -r)); loadavg $LOAD_BEFORE before the runs, $LOAD_AFTER after" \
     "$(awk -v a="$LOAD_BEFORE" -v b="$LOAD_AFTER" 'BEGIN { print (a > 1 || b > 1) ? "(**not quiet**: other processes shared the CPUs; times are pessimistic and noisy)" : "(quiet)" }')."
echo
echo "| loss each way | echo $ECHO_MIB MiB, s: synline median / max (max/median) | Linux median / max (max/median) | bulk $BULK_MIB MiB, Gb/s: synline median (min-max) | Linux median (min-max) | bulk synline/Linux |"
echo "|---:|---:|---:|---:|---:|---:|"
for level in "${LEVELS[@]}"; do
    cells=()
    for side in syn lin; do
        med="$(stat "$side" "$level" echo median)"; mx="$(stat "$side" "$level" echo max)"
        cells+=("$med / $mx ($(ratio "$mx" "$med"))$(runs_note "$side" "$level" echo)")
    done
    for side in syn lin; do
        cells+=("$(stat "$side" "$level" bulk median) ($(stat "$side" "$level" bulk min)-$(stat "$side" "$level" bulk max))$(runs_note "$side" "$level" bulk)")
    done
    printf '| %s %% | %s | %s | %s | %s | %s |\n' "$level" "${cells[@]}" \
        "$(ratio "$(stat syn "$level" bulk median)" "$(stat lin "$level" bulk median)")"
done
echo
echo "Targets: bulk goodput at 1 % loss at least the Linux server's in the same run;"
echo "max/median of the echo time at most 2."
echo
echo "| loss each way | frames dropped to / from synline | to / from Linux | synline: retransmits, out-of-order segments dropped |"
echo "|---:|---:|---:|---:|"
for level in "${LEVELS[@]}"; do
    printf '| %s %% | %s | %s | %s, %s |\n' "$level" \
        "$(awk -v l="$level" '$1 == "syn" && $2 == l { printf "%d of %d / %d of %d", $5, $4, $7, $6 }' "$RAW/drops.txt")" \
        "$(awk -v l="$level" '$1 == "lin" && $2 == l { printf "%d of %d / %d of %d", $5, $4, $7, $6 }' "$RAW/drops.txt")" \
        "$(syn_counter "$level" tcp.retransmits)" "$(syn_counter "$level" tcp.dropped.out_of_order)"
done
echo
echo "How it is measured: two copies of one topology, a Linux client namespace, a"
echo "bridge namespace and a server namespace joined by veth pairs (MTU 1500, every"
echo "offload off: \`ethtool -K IF tx off rx off tso off gso off gro off\`). The bridge's"
echo "nftables forward hook drops each IPv4 frame with the given probability in each"
echo "direction (\`numgen random mod 10000 < N drop\`), so both stacks meet the loss on"
echo "the path, as on a network. One copy's server is synline-server on net_af_packet"
echo "(\`--serve echo:7 --serve discard:9\`, packed pools, synline's default \`[tcp]\`"
echo "settings), the other the kernel's TCP with its defaults (\`scripts/lib/kernel_servers.py\`,"
echo "Python echo and discard). The client is socat (\`socat -b 65536 - TCP:server:port\`):"
echo "an echo run sends $ECHO_MIB MiB of random data, half-closes and reads until the server"
echo "closes, and must get the same bytes back; a bulk run sends $BULK_MIB MiB to discard,"
echo "timed to the server's FIN. Each level's $RUNS runs alternate between the servers."
echo "A run over $LIMIT s is stopped and counted as timed out; after $MAX_TIMEOUTS, a"
echo "server's remaining runs at that level are skipped. af_packet moves at most"
echo "~0.5 M frames/s into synline here, the kernel's own path has no such limit: the"
echo "lossless row says what the path allows each stack."
echo "<!-- scripts/bench.sh loss: end -->"
} >"$SECTION"
[[ "$SECTION" == "$RAW/section.md" ]] && cat "$SECTION" >&"$SECTION_FD"
sl_log "section written; raw files in $RAW"
sl_pass
