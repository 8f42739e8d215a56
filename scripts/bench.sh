#!/usr/bin/env bash
# synline vs Linux on the same machine and the same cores (docs/BENCHMARKS.md,
# section "Suite: synline vs Linux, same machine, same cores").
#
#   scripts/bench.sh [--quick] [--out DIR] [--loss-only]
#
# 1. In-process microbenchmarks (tests/bench/path_bench.cpp, synline-bench-path):
#    SYN -> SYN-ACK (cookie), a whole short HTTP connection, one keep-alive
#    request, bulk 1448-byte segments; operations/s on one core (median of runs)
#    and instructions per operation (callgrind; skipped with --quick).
# 2. End to end over net_memif: synline-gen (cps, rps, bulk) against
#    synline-server, server on CPU 0, generator on CPU 1. rps runs twice: a
#    closed loop (its max), then an open loop at half that rate (--rate), whose
#    latency is the stack's rather than the queue's.
#    Then a SYN flood on the same topology: synline-gen --mode synflood --rate
#    max into dpdk-testpmd (rxonly: the generator's ceiling; macswap: the
#    reflector baseline) and into synline-server with tcp.syn_cookies=always;
#    the ratio of SYN-ACKs to macswap reflections (target: at least 0.90).
# 3. The Linux baseline on loopback, same CPUs: nginx (worker_processes 1,
#    pinned to CPU 0) with wrk on CPU 1 (rps: keep-alive; cps: Connection:
#    close), iperf3 -s on CPU 0 and iperf3 -c on CPU 1 for bulk.
# 4. Loss (scripts/bench_loss.sh, needs root): echo and bulk transfers from a
#    Linux client over a bridge that drops 0 / 1 / 5 % of the frames each way,
#    synline-server against the kernel's TCP in the same topology, LOSS_RUNS
#    alternating runs (default 10) per level; its own section.
# 5. A markdown section with the table, machine, date, quietness and the exact
#    commands, and two plots (latency_cdf.png, rate_over_time.png).
#
# Output: without --out, the sections replace (or are added to) their sections
# of docs/BENCHMARKS.md and the plots go to docs/bench/; raw files go to
# a temporary directory that is kept and printed. With --out DIR everything goes
# under DIR: DIR/BENCHMARKS.md (the sections only), DIR/bench/*.png, DIR/raw/.
#
# --quick: ~3 s per end-to-end run, 3 x 0.5 s microbenchmark runs, no callgrind,
# no loss section (unless LOSS_RUNS is set); about 1-2 minutes once built.
# Otherwise ~10 s per run, 5 x 1 s, callgrind, and the loss section: 6 x LOSS_RUNS
# echo and bulk runs, each at most LOSS_RUN_LIMIT (60) s, ~2-5 minutes when
# neither stack times out. --loss-only: only the loss section (and synline-server).
#
# Environment:
#   BUILD_DIR   meson build directory (default build-bench; configured as a
#               release build if missing, must be release)
#   CG_BUILD_DIR  the build callgrind counts (default build-callgrind, -march=znver3:
#               see scripts/lib/callgrind_build.sh); CG_CPU another -march for it
#   SRV_CPU / CLI_CPU   CPUs of the server side and the client side (default 0 / 1)
#   E2E_SECONDS, MICRO_RUNS, MICRO_SECONDS   override the durations above
#   LOSS_RUNS, LOSS_LEVELS, LOSS_ECHO_MIB, LOSS_BULK_MIB, LOSS_RUN_LIMIT   the
#               loss section's (scripts/bench_loss.sh); LOSS_RUNS=0 skips it
#   NO_INSTALL=1  never call apt-get (missing tools end the run instead)
#   BENCH_ANY_BUILD=1  accept a non-release BUILD_DIR (tests of the script itself)
# Every process this script starts is stopped at exit (trap), every run is
# bounded with timeout(1).
set -uo pipefail

usage() { echo "usage: scripts/bench.sh [--quick] [--out DIR] [--loss-only]"; }
QUICK=0
LOSS_ONLY=0
OUT_DIR=""
while (($#)); do
    case "$1" in
        --quick) QUICK=1 ;;
        --loss-only) LOSS_ONLY=1 ;;
        --out)
            [[ $# -ge 2 && -n "$2" ]] || { echo "bench.sh: --out needs a directory" >&2; exit 2; }
            OUT_DIR="$2"; shift ;;
        --out=*) OUT_DIR="${1#--out=}"; [[ -n "$OUT_DIR" ]] || { echo "bench.sh: --out needs a directory" >&2; exit 2; } ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench.sh: unknown argument '$1' ($(usage))" >&2; exit 2 ;;
    esac
    shift
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build-bench}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
CG_BUILD_DIR="${CG_BUILD_DIR:-build-callgrind}"
case "$CG_BUILD_DIR" in /*) ;; *) CG_BUILD_DIR="$ROOT/$CG_BUILD_DIR" ;; esac
PY=/usr/bin/python3   # matplotlib imports only under this interpreter (machine-notes)
if ((QUICK)); then
    E2E_SECONDS="${E2E_SECONDS:-3}"; MICRO_RUNS="${MICRO_RUNS:-3}"; MICRO_SECONDS="${MICRO_SECONDS:-0.5}"
else
    E2E_SECONDS="${E2E_SECONDS:-10}"; MICRO_RUNS="${MICRO_RUNS:-5}"; MICRO_SECONDS="${MICRO_SECONDS:-1}"
fi
NCPU="$(nproc)"
LOSS_RUNS="${LOSS_RUNS:-$( ((QUICK)) && echo 0 || echo 10)}"
((LOSS_ONLY)) && ((LOSS_RUNS == 0)) && { echo "bench.sh: --loss-only with LOSS_RUNS=0 measures nothing" >&2; exit 2; }
if ((NCPU >= 2)); then SRV_CPU="${SRV_CPU:-0}"; CLI_CPU="${CLI_CPU:-1}"; else SRV_CPU=0; CLI_CPU=0; fi

if [[ -n "$OUT_DIR" ]]; then
    mkdir -p "$OUT_DIR" || { echo "bench.sh: cannot create $OUT_DIR" >&2; exit 1; }
    OUT_DIR="$(cd "$OUT_DIR" && pwd)"
    MD_FILE="$OUT_DIR/BENCHMARKS.md"; PNG_DIR="$OUT_DIR/bench"; RAW="$OUT_DIR/raw"
    mkdir -p "$RAW"
else
    MD_FILE="$ROOT/docs/BENCHMARKS.md"; PNG_DIR="$ROOT/docs/bench"
    RAW="$(mktemp -d /tmp/synline-bench.XXXXXX)"
fi
mkdir -p "$PNG_DIR"
chmod 755 "$RAW"
CMDS="$RAW/commands.txt"; : >"$CMDS"
RES="$RAW/results.env"; : >"$RES"

say() { printf '== %s\n' "$*" >&2; }
warn() { printf 'bench.sh: WARNING: %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }
rec() { local a out=""; for a; do out+="$(printf '%q' "$a") "; done; printf '%s\n' "${out% }" >>"$CMDS"; }  # the exact commands, for the report
put() { printf '%s=%q\n' "$1" "$2" >>"$RES"; }     # one result

# ---- processes we start, and their cleanup -----------------------------------
PIDS=()            # every background process this script started
stop_pid() {       # stop_pid PID [SIGNAL]: signal, wait up to 10 s, then SIGKILL
    local pid="$1" sig="${2:-TERM}" i
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -"$sig" "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in "${PIDS[@]}"; do stop_pid "$p" INT; done
    # nginx's worker is its master's child; it leaves with the master, but make sure.
    if [[ -s "$RAW/nginx/nginx.pid" ]]; then stop_pid "$(cat "$RAW/nginx/nginx.pid")" QUIT; fi
    rm -f "$RAW/memif.sock" "$RAW/flood.sock"
    [[ -n "${FLOOD_PREFIX:-}" ]] && rm -rf "/var/run/dpdk/$FLOOD_PREFIX"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bg NAME CMD...: start CMD in the background, output in $RAW/NAME.out/.err.
# Background jobs of a non-interactive shell ignore SIGINT: env restores it.
bg() {
    local name="$1"; shift
    env --default-signal "$@" >"$RAW/$name.out" 2>"$RAW/$name.err" </dev/null &
    BG_PID=$!
    PIDS+=("$BG_PID")
}
# wait_for FILE REGEX PID SECONDS: until FILE has a line matching REGEX.
wait_for() {
    local deadline=$((SECONDS + $4))
    while ((SECONDS < deadline)); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- tools (idempotent) ---------------------------------------------------------
need=()
command -v meson >/dev/null 2>&1 || need+=(meson)
command -v ninja >/dev/null 2>&1 || need+=(ninja-build)
if ((!LOSS_ONLY)); then
    command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
    command -v wrk >/dev/null 2>&1 || need+=(wrk)
    command -v iperf3 >/dev/null 2>&1 || need+=(iperf3)
    command -v dpdk-testpmd >/dev/null 2>&1 || need+=(dpdk-dev)   # the SYN flood's reflector baseline
    "$PY" -c 'import matplotlib' >/dev/null 2>&1 || need+=(python3-matplotlib)
fi
if ((LOSS_RUNS > 0)); then
    command -v socat >/dev/null 2>&1 || need+=(socat)
    command -v nft >/dev/null 2>&1 || need+=(nftables)
fi
if ((!QUICK && !LOSS_ONLY)); then
    command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
    [[ -f /usr/include/valgrind/callgrind.h ]] || need+=(valgrind)
fi
if ((${#need[@]})); then
    [[ "${NO_INSTALL:-0}" == 1 ]] && die "missing tools: ${need[*]} (NO_INSTALL=1)"
    say "installing ${need[*]}"
    SUDO=""; [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >"$RAW/apt.log" 2>&1 ||
        { tail -5 "$RAW/apt.log" >&2; die "apt-get install ${need[*]} failed"; }
    # Debian starts daemons on install: a running iperf3 or nginx service would
    # make the machine busy and hold ports. Stop only if it was us who installed.
    for s in iperf3 nginx; do
        [[ " ${need[*]} " == *" $s"* ]] && systemctl stop "$s" >/dev/null 2>&1
    done
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
HAVE_CG=0
((QUICK || LOSS_ONLY)) || { command -v valgrind >/dev/null 2>&1 && HAVE_CG=1; }

# ---- build (release) --------------------------------------------------------------
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    say "meson setup $BUILD_DIR --buildtype=release"
    meson setup "$BUILD_DIR" "$ROOT" --buildtype=release >"$RAW/setup.log" 2>&1 ||
        { tail -20 "$RAW/setup.log" >&2; die "meson setup failed"; }
fi
BUILDTYPE="$(meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null |
    "$PY" -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"][0])' 2>/dev/null)"
if [[ "$BUILDTYPE" != release ]]; then
    [[ "${BENCH_ANY_BUILD:-0}" == 1 ]] || die "$BUILD_DIR is a '$BUILDTYPE' build; benchmarks need --buildtype=release (BENCH_ANY_BUILD=1 to run anyway)"
    warn "$BUILD_DIR is a '$BUILDTYPE' build: figures are not representative"
fi
TARGETS=(app/server/synline-server app/gen/synline-gen)
((LOSS_ONLY)) && TARGETS=(app/server/synline-server)
say "ninja -C $BUILD_DIR ${TARGETS[*]}"
ninja -C "$BUILD_DIR" "${TARGETS[@]}" >"$RAW/build.log" 2>&1 || { tail -30 "$RAW/build.log" >&2; die "build failed"; }
HAVE_MICRO=$((!LOSS_ONLY))
((HAVE_MICRO)) && say "ninja -C $BUILD_DIR tests/bench/synline-bench-path tests/bench/synline-bench-syn"
((HAVE_MICRO)) && { ninja -C "$BUILD_DIR" tests/bench/synline-bench-path tests/bench/synline-bench-syn >>"$RAW/build.log" 2>&1 ||
    { HAVE_MICRO=0; warn "synline-bench-path did not build: microbenchmarks skipped ($(tail -3 "$RAW/build.log" | tr '\n' ' '))"; }; }
SERVER="$BUILD_DIR/app/server/synline-server"
GEN="$BUILD_DIR/app/gen/synline-gen"
PATHB="$BUILD_DIR/tests/bench/synline-bench-path"
if ((HAVE_CG && HAVE_MICRO)); then
    # shellcheck source=lib/callgrind_build.sh
    . "$ROOT/scripts/lib/callgrind_build.sh"
    say "callgrind build: $CG_BUILD_DIR (-march=${CG_CPU:-znver3}, no AVX-512: valgrind 3.19 runs it)"
    callgrind_build "$CG_BUILD_DIR" tests/bench/synline-bench-path tests/bench/synline-bench-syn ||
        { HAVE_CG=0; warn "the callgrind build failed: no instruction counts"; }
fi

# ---- is the machine quiet? -----------------------------------------------------------
# probe FILE: others' CPU use over 1 s (all CPUs), the busiest processes, loadavg.
probe() {
    "$PY" - "$$" >"$1" <<'PY'
import os, sys, time
me = int(sys.argv[1])
def stat():
    with open("/proc/stat") as f: v = list(map(int, f.readline().split()[1:]))
    return sum(v) - v[3] - v[4], sum(v)
def procs():
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit(): continue
        try:
            s = open(f"/proc/{d}/stat").read()
            rest = s[s.rfind(")") + 2:].split()
            out[int(d)] = (s[s.find("(") + 1:s.rfind(")")], int(rest[11]) + int(rest[12]))
        except Exception: pass
    return out
b0, t0 = stat(); p0 = procs(); time.sleep(1.0); b1, t1 = stat(); p1 = procs()
ncpu = os.cpu_count()
busy = (b1 - b0) / max(1, t1 - t0) * ncpu
tck = os.sysconf("SC_CLK_TCK")
top = sorted(((p1[p][1] - p0[p][1]) / tck, p, p1[p][0]) for p in p1 if p in p0 and p != me)[::-1]
top = [f"{n}({p}) {c*100:.0f}%" for c, p, n in top[:5] if c >= 0.05]
print(f"busy_cpus={busy:.2f}")
print(f"loadavg={open('/proc/loadavg').read().split()[0]}")
print("top=" + ", ".join(top))
PY
}
say "machine check (1 s)"
probe "$RAW/probe_before.txt"
BUSY_BEFORE="$(sed -n 's/^busy_cpus=//p' "$RAW/probe_before.txt")"
LOAD_BEFORE="$(sed -n 's/^loadavg=//p' "$RAW/probe_before.txt")"
TOP_BEFORE="$(sed -n 's/^top=//p' "$RAW/probe_before.txt")"
POLLERS="$(ps -eo pid=,comm= 2>/dev/null | grep -E '^ *[0-9]+ (synline-|dpdk-|testpmd)' | head -5 | tr -s ' ')"
QUIET=1
awk -v b="$BUSY_BEFORE" 'BEGIN { exit !(b > 0.2) }' && QUIET=0
[[ -n "$POLLERS" ]] && QUIET=0
if ((!QUIET)); then
    warn "machine NOT quiet before the runs: ${BUSY_BEFORE} CPUs busy, loadavg $LOAD_BEFORE; busiest: ${TOP_BEFORE:-?}"
    [[ -n "$POLLERS" ]] && warn "other DPDK pollers running: $POLLERS"
    warn "wall-clock figures will be pessimistic (a concurrent poller costs 2-10x)"
fi

# place_section FILE MARKER: FILE replaces the block from "<!-- MARKER: begin" to
# "<!-- MARKER: end -->" of docs/BENCHMARKS.md, or goes before its "## Method"
# (at the end when there is none).
place_section() {
    "$PY" - "$MD_FILE" "$1" "$2" <<'PY'
import os, re, sys
path, sec_path, marker = sys.argv[1:4]
doc = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
sec = open(sec_path).read()
m = re.escape(marker)
pat = re.compile(r"<!-- %s: begin.*?<!-- %s: end -->\n?" % (m, m), re.S)
if pat.search(doc):
    doc = pat.sub(lambda _: sec, doc, count=1)
elif "\n## Method" in doc:
    i = doc.index("\n## Method") + 1
    doc = doc[:i] + sec + "\n" + doc[i:]
else:
    doc = doc.rstrip("\n") + "\n\n" + sec
open(path, "w").write(doc)
PY
}
# loss_run: scripts/bench_loss.sh (namespaces: root only) into $RAW/loss_section.md.
LOSS_SECTION="$RAW/loss_section.md"
loss_run() {
    ((LOSS_RUNS > 0)) || return 0
    if [[ $EUID -ne 0 ]]; then warn "not root: no loss section (it builds network namespaces)"; return 0; fi
    say "loss: scripts/bench_loss.sh --runs $LOSS_RUNS (levels ${LOSS_LEVELS:-0 1 5} % each way; log $RAW/loss.log)"
    BUILD_DIR="$BUILD_DIR" timeout -k 10 "${LOSS_BUDGET:-3600}" "$ROOT/scripts/bench_loss.sh" --runs "$LOSS_RUNS" \
        --section "$LOSS_SECTION" 2>"$RAW/loss.log" ||
        { warn "bench_loss.sh failed: $(tail -3 "$RAW/loss.log" | tr '\n' ' ')"; rm -f "$LOSS_SECTION"; return 0; }
    sed -n '/^| loss each way | echo/,/^$/p' "$LOSS_SECTION" >&2
}
if ((LOSS_ONLY)); then
    loss_run
    [[ -s "$LOSS_SECTION" ]] || die "no loss section measured"
    if [[ -n "$OUT_DIR" ]]; then cp "$LOSS_SECTION" "$MD_FILE"; else place_section "$LOSS_SECTION" "scripts/bench.sh loss"; fi
    say "loss section written to ${MD_FILE#$ROOT/}; raw files in $RAW"
    exit 0
fi

# ====================================================================================
# 1. microbenchmarks (in-process, one core)
# ====================================================================================
MICRO=(syn conn keepalive bulk)
((HAVE_MICRO)) || MICRO=()
SYNB="$BUILD_DIR/tests/bench/synline-bench-syn"
for m in ${MICRO[@]+"${MICRO[@]}"}; do
    say "micro $m: $MICRO_RUNS runs x $MICRO_SECONDS s on cpu $SRV_CPU"
    # SYN -> SYN-ACK is synline-bench-syn's (net_null sink, cookies=always).
    if [[ $m == syn ]]; then
        cmd=("$SYNB" rate --runs "$MICRO_RUNS" --seconds "$MICRO_SECONDS" --cpu "$SRV_CPU")
        cgargs=("$CG_BUILD_DIR/tests/bench/synline-bench-syn" count 64000 --frames 4096 --memory 512 --cpu "$SRV_CPU")
        put MICRO_syn_UNIT SYN-ACK
    else
        cmd=("$PATHB" "$m" rate --runs "$MICRO_RUNS" --seconds "$MICRO_SECONDS" --cpu "$SRV_CPU")
        cgargs=("$CG_BUILD_DIR/tests/bench/synline-bench-path" "$m" count 32000 --memory 512 --cpu "$SRV_CPU")
    fi
    rec "${cmd[@]}"
    if timeout -k 5 120 "${cmd[@]}" >"$RAW/micro_$m.txt" 2>&1 && grep -q '^checks: ok' "$RAW/micro_$m.txt"; then
        put "MICRO_${m}_RATE" "$(sed -n 's/^median: \([0-9.]*\) .*/\1/p' "$RAW/micro_$m.txt")"
        [[ $m == syn ]] || put "MICRO_${m}_UNIT" "$(sed -n 's/^unit: //p' "$RAW/micro_$m.txt")"
        grep -E '^median' "$RAW/micro_$m.txt" | sed 's/^/   /' >&2
    else
        warn "microbenchmark $m failed: $(grep -vE '^(EAL|TELEMETRY)' "$RAW/micro_$m.txt" | tail -3 | tr '\n' ' ')"
    fi
    if ((HAVE_CG)); then
        say "micro $m: callgrind"
        cgcmd=(valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no
               "--toggle-collect=synline::engine::Worker::process(*"
               "--callgrind-out-file=$RAW/cg_$m.out" "${cgargs[@]}")
        rec "${cgcmd[@]}"
        if timeout -k 5 300 "${cgcmd[@]}" >"$RAW/cg_$m.log" 2>&1 && grep -q '^checks: ok' "$RAW/cg_$m.log"; then
            ops="$(sed -n 's/^\(operations\|segments\): //p' "$RAW/cg_$m.log" | head -1)"
            ir="$(callgrind_annotate "$RAW/cg_$m.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')"
            put "MICRO_${m}_IR" "$(awk -v a="$ir" -v n="$ops" 'BEGIN { if (n > 0) printf "%.0f", a / n }')"
            say "   $(awk -v a="$ir" -v n="$ops" 'BEGIN { if (n > 0) printf "%.0f", a / n }') instructions per $m"
        else
            warn "callgrind $m failed: $(tail -3 "$RAW/cg_$m.log" | tr '\n' ' ')"
        fi
    fi
done

# ====================================================================================
# 2. synline end to end: synline-gen -> memif -> synline-server
# ====================================================================================
SOCK="$RAW/memif.sock"
SERVER_IP=10.99.0.1
GEN_IP=10.99.0.2
E2E_LIMIT=$((E2E_SECONDS + 25))   # one gen run at most
SRV_DURATION=$((3 * E2E_LIMIT + 30))
# Common settings: packed mbuf pools (machine-notes), TIME-WAIT of 2 s so that
# a cps run does not fill the connection table (Linux recycles its TIME-WAIT
# entries by timestamps; synline does RFC 6191 reuse too, but keeps 2*MSL).
# The server side may also use the client's CPU, which its lcores do not, so
# that EAL's control threads run there: net_memif (DPDK 22.11) unmaps its rings
# in the interrupt thread when the peer disconnects, and on the lcore's CPU that
# thread can preempt a burst midway (SIGSEGV when the burst resumes).
SRV_CPUS="$SRV_CPU,$CLI_CPU"
srv_cmd=(taskset -c "$SRV_CPUS" "$SERVER" --config "$ROOT/drivers-cfg/memif-server.conf" --var "socket=$SOCK"
         --set "eal.lcores=0@$SRV_CPU,1@$SRV_CPU" --set port.packed_pool=true
         --set tcp.msl_ms=1000 --set tcp.max_connections=262144
         --ip "$SERVER_IP/24" --serve http:80 --serve discard:9 --duration "$SRV_DURATION" --quiet)
rm -f "$SOCK"
say "synline-server on cpu $SRV_CPU (memif)"
rec "${srv_cmd[@]}"
bg server "${srv_cmd[@]}"; SRV_PID=$BG_PID
SRV_UP=0
if wait_for "$RAW/server.out" '^synline-server: ready' "$SRV_PID" 30; then SRV_UP=1
else warn "synline-server did not start: $(tail -3 "$RAW/server.err" | tr '\n' ' ')"; fi

# gen NAME ARGS...: one bounded synline-gen run; live lines in NAME.out, record in NAME.json.
gen() {
    local name="$1"; shift
    local cmd=(taskset -c "$CLI_CPU" "$GEN" --config "$ROOT/drivers-cfg/memif-client.conf" --var "socket=$SOCK"
               --set "eal.lcores=0@$CLI_CPU,1@$CLI_CPU" --set port.packed_pool=true --ip "$GEN_IP/24"
               --duration "$E2E_SECONDS" --json "$RAW/syn_$name.json" "$@")
    rec "${cmd[@]}"
    say "synline $name: ${*}"
    rm -f "$RAW/syn_$name.json"
    timeout -k 3 "$E2E_LIMIT" "${cmd[@]}" >"$RAW/syn_$name.out" 2>&1
    local rc=$?
    grep -E '^synline-gen: |^  (connections|requests|goodput|errors|latency) ' "$RAW/syn_$name.out" | sed 's/^/   /' >&2
    ((rc == 0)) || warn "synline-gen $name exited with $rc: $(grep -vE '^(EAL|TELEMETRY|\[)' "$RAW/syn_$name.out" | tail -2 | tr '\n' ' ')"
    kill -0 "$SRV_PID" 2>/dev/null || { warn "synline-server died during $name"; SRV_UP=0; }
}
# json_get FILE EXPR: a field of a JSON record (python expression on r).
json_get() { "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

CONNS=32   # connections in flight, synline-gen and wrk alike
if ((SRV_UP)); then
    gen cps --mode cps --target "$SERVER_IP:80" --concurrency "$CONNS"
    ((SRV_UP)) && gen rps --mode rps --target "$SERVER_IP:80" --connections "$CONNS" --pipeline 1
    # Half load: a closed loop at its max measures queueing; requests on a fixed
    # schedule at half that rate (timed from their due time) measure latency.
    HALF_RATE="$(json_get "$RAW/syn_rps.json" 'round(r["rate_per_s"] / 2)')"
    if ((SRV_UP)) && [[ "${HALF_RATE:-0}" =~ ^[1-9][0-9]*$ ]]; then
        put SYN_rps_half_TARGET "$HALF_RATE"
        gen rps_half --mode rps --target "$SERVER_IP:80" --connections "$CONNS" --pipeline 1 --rate "$HALF_RATE"
    fi
    ((SRV_UP)) && gen bulk --mode bulk --target "$SERVER_IP:9" --connections 4
fi
for m in cps rps rps_half bulk; do
    f="$RAW/syn_$m.json"
    [[ -s "$f" ]] || continue
    if [[ $m == bulk ]]; then put SYN_bulk "$(json_get "$f" 'r["goodput_gbps"]')"
    else put "SYN_$m" "$(json_get "$f" 'round(r["rate_per_s"])')"; fi
    put "SYN_${m}_ERR" "$(json_get "$f" 'r["errors_total"]')"
    put "SYN_${m}_P50" "$(json_get "$f" 'r["latency_us"]["p50"]')"
    put "SYN_${m}_P99" "$(json_get "$f" 'r["latency_us"]["p99"]')"
    put "SYN_${m}_P99_9" "$(json_get "$f" 'r["latency_us"]["p99_9"]')"
    put "SYN_${m}_MAX" "$(json_get "$f" 'r["latency_us"]["max"]')"
    put "SYN_${m}_STALLS" "$(json_get "$f" 'r["loop_stalls"]["count"]')"
done
# Stop the server (the generator is gone: memif must be idle before a close).
stop_pid "$SRV_PID" INT
grep -E '^stat (tcp\.(connections_opened|retransmits)|drop\.)' "$RAW/server.out" >"$RAW/server_stats.txt" 2>/dev/null
rm -f "$SOCK"

# ====================================================================================
# 2b. SYN flood over memif: synline's SYN cookies vs a macswap reflector
# ====================================================================================
# The same topology, CPUs and generator command for every run: synline-gen
# --mode synflood --rate max (raw 74-byte SYNs from a template, bursts of 32)
# on CPU $CLI_CPU, against on CPU $SRV_CPU:
#   sink     dpdk-testpmd --forward-mode=rxonly: what the generator can send when
#            nothing comes back (its own ceiling);
#   macswap  dpdk-testpmd --forward-mode=macswap: the reflector baseline, frames
#            back per second (the generator counts its own SYNs coming back);
#   cookies  synline-server with tcp.syn_cookies=always: SYN-ACKs back per
#            second (counted only when they acknowledge one of our ISNs).
# macswap and cookies alternate FLOOD_RUNS times (median of each), so slow
# phases of a busy machine hit both. Target: cookies >= 90% of macswap.
FLOOD_SOCK="$RAW/flood.sock"
FLOOD_MAC=02:53:59:4e:00:01   # memif-server.conf's MAC: testpmd gets the same one
FLOOD_PREFIX="synline-bench-flood-$$"
FLOOD_RUNS="${FLOOD_RUNS:-$( ((QUICK)) && echo 1 || echo 3)}"
TESTPMD="$(command -v dpdk-testpmd)"
flood_cleanup() { rm -f "$FLOOD_SOCK"; rm -rf "/var/run/dpdk/$FLOOD_PREFIX"; }
# flood_server NAME KIND: start the server side (testpmd MODE or synline), wait until it listens.
flood_server() {
    local name="$1" kind="$2" cmd ready
    if [[ $kind == synline ]]; then
        cmd=(taskset -c "$SRV_CPUS" "$SERVER" --config "$ROOT/drivers-cfg/memif-server.conf" --var "socket=$FLOOD_SOCK"
             --set "eal.lcores=0@$SRV_CPU,1@$SRV_CPU" --set port.packed_pool=true --set tcp.syn_cookies=always
             --ip "$SERVER_IP/24" --serve http:80 --duration "$((E2E_LIMIT + 30))" --quiet)
        ready='^synline-server: ready'
    else
        cmd=(taskset -c "$SRV_CPUS" "$TESTPMD" --lcores "0@$SRV_CPU,1@$SRV_CPU" --no-huge -m 512 --no-pci
             --file-prefix "$FLOOD_PREFIX" --no-shconf
             --vdev "net_memif0,role=server,id=0,socket=$FLOOD_SOCK,socket-abstract=no,mac=$FLOOD_MAC"
             -- "--forward-mode=$kind" --auto-start --stats-period 1 --nb-cores=1 --rxd=1024 --txd=1024
             --burst=32 --total-num-mbufs=16384)
        ready='start packet forwarding'
    fi
    flood_cleanup
    rec "${cmd[@]}"
    bg "flood_$name" "${cmd[@]}"; FLOOD_PID=$BG_PID
    wait_for "$RAW/flood_$name.out" "$ready" "$FLOOD_PID" 30 ||
        { warn "flood server $name did not start: $(tail -3 "$RAW/flood_$name.err" | tr '\n' ' ')"
          stop_pid "$FLOOD_PID" INT; flood_cleanup; return 1; }
}
# flood_run NAME: one bounded generator run against the running flood server, then stop it.
flood_run() {
    local name="$1"
    local cmd=(taskset -c "$CLI_CPU" "$GEN" --config "$ROOT/drivers-cfg/memif-client.conf" --var "socket=$FLOOD_SOCK"
               --set "eal.lcores=0@$CLI_CPU,1@$CLI_CPU" --set port.packed_pool=true --ip "$GEN_IP/24"
               --mode synflood --rate max --target "$SERVER_IP:80" --target-mac "$FLOOD_MAC"
               --duration "$E2E_SECONDS" --quiet --json "$RAW/flood_$name.json")
    rec "${cmd[@]}"
    rm -f "$RAW/flood_$name.json"
    # Exit status 1 with a record is "nothing came back": expected of the rxonly sink.
    timeout -k 3 "$E2E_LIMIT" "${cmd[@]}" >"$RAW/flood_gen_$name.out" 2>&1
    [[ -s "$RAW/flood_$name.json" ]] ||
        warn "synline-gen flood $name wrote no record: $(grep -vE '^(EAL|TELEMETRY)' "$RAW/flood_gen_$name.out" | tail -2 | tr '\n' ' ')"
    grep -E '^  SYNs ' "$RAW/flood_gen_$name.out" | sed "s/^ */   $name: /" >&2
    stop_pid "$FLOOD_PID" INT   # the generator is gone: memif is idle
    flood_cleanup
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
say "SYN flood over memif: generator into testpmd rxonly (its own ceiling)"
flood_server sink rxonly && flood_run sink
for ((i = 1; i <= FLOOD_RUNS; i++)); do
    say "SYN flood run $i/$FLOOD_RUNS: testpmd macswap, then synline-server syn_cookies=always"
    flood_server "macswap_$i" macswap && flood_run "macswap_$i"
    flood_server "cookies_$i" synline && flood_run "cookies_$i"
done
[[ -s "$RAW/flood_sink.json" ]] && put FLOOD_sink_SENT "$(json_get "$RAW/flood_sink.json" 'round(r["rate_per_s"])')"
for k in macswap:reflected_per_s cookies:synacks_per_s; do
    name="${k%%:*}"; field="${k#*:}"
    sent="$(for f in "$RAW"/flood_"$name"_*.json; do [[ -s "$f" ]] && json_get "$f" 'r["rate_per_s"]'; done | median)"
    back="$(for f in "$RAW"/flood_"$name"_*.json; do [[ -s "$f" ]] && json_get "$f" "r[\"$field\"]"; done | median)"
    [[ -n "$sent" ]] && put "FLOOD_${name}_SENT" "$(printf '%.0f' "$sent")"
    [[ -n "$back" ]] && put "FLOOD_${name}_BACK" "$(printf '%.0f' "$back")"
done
flood_cleanup

# ====================================================================================
# 3. Linux on loopback: nginx + wrk, iperf3
# ====================================================================================
NG="$RAW/nginx"; mkdir -p "$NG/tmp"
NPORT="$(free_port)"
cat >"$NG/nginx.conf" <<EOF
# Private nginx for scripts/bench.sh: one worker, the same 19-byte body as synline's http app.
worker_processes 1;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $NG/tmp/body;
    proxy_temp_path $NG/tmp/proxy;
    fastcgi_temp_path $NG/tmp/fastcgi;
    uwsgi_temp_path $NG/tmp/uwsgi;
    scgi_temp_path $NG/tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
    server {
        listen 127.0.0.1:$NPORT backlog=4096;
        location / {
            default_type text/plain;
            return 200 "hello from synline\n";
        }
    }
}
EOF
ng_cmd=(taskset -c "$SRV_CPU" "$NGINX" -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf")
rec "${ng_cmd[@]}"; echo "#   nginx.conf: worker_processes 1; access_log off; location / { return 200 \"hello from synline\\n\"; }" >>"$CMDS"
say "nginx on cpu $SRV_CPU, 127.0.0.1:$NPORT"
bg nginx "${ng_cmd[@]}"; NG_PID=$BG_PID
NG_UP=0
for ((i = 0; i < 50; i++)); do
    curl -s -m 1 "http://127.0.0.1:$NPORT/" 2>/dev/null | grep -q '^hello from synline$' && { NG_UP=1; break; }
    kill -0 "$NG_PID" 2>/dev/null || break
    sleep 0.1
done
((NG_UP)) || warn "nginx did not start: $(tail -3 "$NG/error.log" "$RAW/nginx.err" 2>/dev/null | tr '\n' ' ')"
if ((NG_UP)); then
    body="$(curl -s -i "http://127.0.0.1:$NPORT/")"; printf '%s\n' "$body" >"$RAW/nginx_response.txt"
fi

# wrk_run NAME ARGS...: one bounded wrk run on the client CPU.
wrk_run() {
    local name="$1"; shift
    local cmd=(taskset -c "$CLI_CPU" wrk -t1 -c"$CONNS" -d"${E2E_SECONDS}s" --latency "$@" "http://127.0.0.1:$NPORT/")
    rec "${cmd[@]}"
    say "linux $name: wrk $*"
    timeout -k 3 "$E2E_LIMIT" "${cmd[@]}" >"$RAW/linux_$name.txt" 2>&1 ||
        warn "wrk $name failed: $(tail -2 "$RAW/linux_$name.txt" | tr '\n' ' ')"
    grep -E 'Requests/sec|requests in|Socket errors|Non-2xx' "$RAW/linux_$name.txt" | sed 's/^/   /' >&2
}
# wrk_parse NAME KEY: requests/s, latency percentiles in us, errors.
wrk_parse() {
    "$PY" - "$RAW/linux_$1.txt" "$2" <<'PY'
import re, sys
t = open(sys.argv[1]).read(); key = sys.argv[2]
def us(v, u): return float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[u]
if key == "rate":
    m = re.search(r"Requests/sec:\s+([0-9.]+)", t); print(round(float(m.group(1))) if m else "")
elif key == "errors":
    n = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", t))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t); n += int(m.group(1)) if m else 0
    print(n)
else:  # p50 p75 p90 p99
    m = re.search(r"^\s+%s%%\s+([0-9.]+)(us|ms|s)\s*$" % key[1:], t, re.M)
    print(round(us(*m.groups()), 1) if m else "")
PY
}
ng_cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
if ((NG_UP)); then
    NG_WORKER="$(pgrep -P "$NG_PID" | head -1)"
    for m in cps rps; do
        c0="$(ng_cpu "$NG_WORKER")"
        if [[ $m == cps ]]; then wrk_run cps -H 'Connection: close'; else wrk_run rps; fi
        c1="$(ng_cpu "$NG_WORKER")"
        put "LIN_$m" "$(wrk_parse "$m" rate)"
        put "LIN_${m}_ERR" "$(wrk_parse "$m" errors)"
        put "LIN_${m}_P50" "$(wrk_parse "$m" p50)"
        put "LIN_${m}_P99" "$(wrk_parse "$m" p99)"
        put "LIN_${m}_NGCPU" "$(awk -v a="$c0" -v b="$c1" -v s="$E2E_SECONDS" -v hz="$(getconf CLK_TCK)" \
            'BEGIN { printf "%.0f", 100 * (b - a) / hz / s }')"
    done
    for p in 50 75 90 99; do put "LIN_rps_P$p" "$(wrk_parse rps p$p)"; put "LIN_cps_P$p" "$(wrk_parse cps p$p)"; done
fi
stop_pid "$NG_PID" QUIT

# bulk: iperf3 server pinned to the server CPU, client on the other.
IPORT="$(free_port)"
ip_srv=(taskset -c "$SRV_CPU" iperf3 -s -1 -p "$IPORT" -B 127.0.0.1)
ip_cli=(taskset -c "$CLI_CPU" iperf3 -c 127.0.0.1 -p "$IPORT" -t "$E2E_SECONDS" -P 4 -J)
rec "${ip_srv[@]}"; rec "${ip_cli[@]}"
say "linux bulk: iperf3 -P 4 for $E2E_SECONDS s"
bg iperf3_server "${ip_srv[@]}"; IP_PID=$BG_PID
for ((i = 0; i < 50; i++)); do
    grep -q 'Server listening' "$RAW/iperf3_server.out" 2>/dev/null && break
    sleep 0.1
done
timeout -k 3 "$E2E_LIMIT" "${ip_cli[@]}" >"$RAW/linux_bulk.json" 2>"$RAW/linux_bulk.err" ||
    warn "iperf3 client failed: $(head -c 300 "$RAW/linux_bulk.json" "$RAW/linux_bulk.err" | tr '\n' ' ')"
stop_pid "$IP_PID" TERM
LB="$(json_get "$RAW/linux_bulk.json" 'round(r["end"]["sum_received"]["bits_per_second"] / 1e9, 4)')"
put LIN_bulk "$LB"
[[ -n "$LB" ]] && say "   linux bulk: $LB Gb/s received"

loss_run

say "machine check after the runs (1 s)"
probe "$RAW/probe_after.txt"

# ====================================================================================
# 4. report: markdown section + plots
# ====================================================================================
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
# shellcheck disable=SC1090
source "$RES"

say "plots -> ${PNG_DIR#$ROOT/}"
"$PY" - "$RAW" "$PNG_DIR" <<'PY' || warn "plotting failed (matplotlib)"
import json, os, re, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
raw, out = sys.argv[1], sys.argv[2]
def load(p):
    try: return json.load(open(p))
    except Exception: return None
def wrk_pcts(name):
    try: t = open(os.path.join(raw, f"linux_{name}.txt")).read()
    except Exception: return []
    mult = {"us": 1, "ms": 1e3, "s": 1e6}
    return [(float(v) * mult[u], float(p)) for p, v, u in re.findall(r"^\s+(\d+)%\s+([0-9.]+)(us|ms|s)\s*$", t, re.M)]

# Latency: synline-gen's JSON has percentiles, not buckets; plot the points on a
# "nines" axis (y = -log10(1 - p)) so that the tail is visible; max drawn at 99.99.
import math
def nines(p): return -math.log10(1 - min(p, 99.99) / 100)
fig, ax = plt.subplots(figsize=(7, 4.2))
for name, color in (("cps", "tab:blue"), ("rps", "tab:orange"), ("rps_half", "tab:red")):
    r = load(os.path.join(raw, f"syn_{name}.json"))
    if r and r["latency_us"]["count"]:
        l = r["latency_us"]
        pts = [(l["min"], 0), (l["p50"], 50), (l["p90"], 90), (l["p99"], 99), (l["p99_9"], 99.9), (l["max"], 99.99)]
        ax.plot([p[0] for p in pts], [nines(p[1]) for p in pts], "o-", color=color, label=f"synline {name} (synline-gen)")
    w = wrk_pcts(name)
    if w:
        ax.plot([p[0] for p in w], [nines(p[1]) for p in w], "s--", color=color, alpha=0.6, label=f"Linux {name} (nginx, wrk)")
ax.set_xscale("log"); ax.set_xlabel("latency (us, log)"); ax.set_ylabel("percentile")
ax.set_title("Latency percentiles, 32 connections, one server core")
ticks = [0, 50, 75, 90, 99, 99.9, 99.99]
ax.set_yticks([nines(t) for t in ticks]); ax.set_yticklabels(["min", "50", "75", "90", "99", "99.9", "max"])
ax.grid(True, which="both", alpha=0.3); ax.legend(fontsize=8)
fig.tight_layout(); fig.savefig(os.path.join(out, "latency_cdf.png"), dpi=110)

# Rate over time: synline-gen's per-second live lines; iperf3's intervals; wrk's mean.
fig, axes = plt.subplots(3, 1, figsize=(7, 7.5), sharex=True)
line = re.compile(r"^\[\s*(\d+)s\]\s+(\w+)\s+([0-9.]+)")
for ax, name, unit in zip(axes, ("cps", "rps", "bulk"), ("connections/s", "requests/s", "Gb/s")):
    xs, ys = [], []
    try:
        for l in open(os.path.join(raw, f"syn_{name}.out")):
            m = line.match(l)
            if m: xs.append(int(m.group(1))); ys.append(float(m.group(3)))
    except Exception: pass
    if xs: ax.plot(xs, ys, "o-", label="synline (memif, synline-gen)")
    if name == "bulk":
        r = load(os.path.join(raw, "linux_bulk.json"))
        if r and "intervals" in r:
            ix = [i["sum"]["end"] for i in r["intervals"]]; iy = [i["sum"]["bits_per_second"] / 1e9 for i in r["intervals"]]
            ax.plot(ix, iy, "s--", label="Linux (loopback, iperf3 -P 4)")
    else:
        try:
            m = re.search(r"Requests/sec:\s+([0-9.]+)", open(os.path.join(raw, f"linux_{name}.txt")).read())
            if m: ax.axhline(float(m.group(1)), ls="--", color="tab:green", label="Linux mean (loopback, nginx + wrk)")
        except Exception: pass
    ax.set_ylabel(unit); ax.set_title(name, fontsize=10); ax.grid(True, alpha=0.3); ax.legend(fontsize=8)
    ax.set_ylim(bottom=0)
axes[-1].set_xlabel("second of the run")
from matplotlib.ticker import MaxNLocator
axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
fig.tight_layout(); fig.savefig(os.path.join(out, "rate_over_time.png"), dpi=110)
PY

BUSY_AFTER="$(sed -n 's/^busy_cpus=//p' "$RAW/probe_after.txt")"
TOP_AFTER="$(sed -n 's/^top=//p' "$RAW/probe_after.txt")"
awk -v b="$BUSY_AFTER" 'BEGIN { exit !(b > 0.2) }' && QUIET=0

# Values with a fallback, ratios, formatting.
v() { local x="${!1:-}"; [[ -n "$x" ]] && echo "$x" || echo "n/a"; }
fmt_num() { [[ "$1" == n/a ]] && { echo n/a; return; }
            awk -v x="$1" 'BEGIN { if (x >= 1e6) printf "%.2f M", x / 1e6; else if (x >= 1e4) printf "%.1f K", x / 1e3;
                                   else if (x == int(x)) printf "%d", x; else if (x >= 100) printf "%.0f", x;
                                   else printf "%.3g", x }'; }
commas() { sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta' <<<"$1"; }
ratio() { [[ "$1" == n/a || "$2" == n/a ]] && { echo "-"; return; }
          awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
row() {  # label synline linux [note]
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$(fmt_num "$2")" "$(fmt_num "$3")" "$(ratio "$2" "$3")" "${4:-}"
}
micro_row() {  # name label note
    local r u ir extra=""
    r="$(v "MICRO_$1_RATE")"; u="$(v "MICRO_$1_UNIT")"; ir="$(v "MICRO_$1_IR")"
    [[ "$r" == n/a ]] || r="$(awk -v x="$r" 'BEGIN { printf "%.0f", x * 1e6 }')"
    [[ $1 == bulk && "$r" != n/a ]] && extra=" (= $(awk -v x="$r" 'BEGIN { printf "%.1f", x * 1448 * 8 / 1e9 }') Gb/s of payload)"
    printf '| %s | %s | %s | - | %s; %s |\n' "$2" "$([[ "$r" == n/a ]] && echo n/a || echo "$(fmt_num "$r") $u/s$extra")" "n/a" \
        "$([[ "$ir" == n/a ]] && echo "instructions/op not measured (--quick)" || echo "**$(commas "$ir") instructions/op**")" "$3"
}
DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
if ((QUIET)); then QUIET_TXT="quiet (${BUSY_BEFORE} CPUs busy before, ${BUSY_AFTER} after; loadavg $LOAD_BEFORE)"
else QUIET_TXT="**NOT quiet**: other processes kept ${BUSY_BEFORE} CPUs busy before the runs and ${BUSY_AFTER} after (loadavg $LOAD_BEFORE; busiest: ${TOP_BEFORE:-?}); wall-clock figures are pessimistic and noisy"; fi
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
GIT_DIRTY="$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' + local changes')"
if [[ -n "$OUT_DIR" ]]; then PNG_REL="bench"; else PNG_REL="bench"; fi

SECTION="$RAW/section.md"
{
echo "<!-- scripts/bench.sh: begin (generated; edit the script, not this section) -->"
echo "### Suite: synline vs Linux, same machine, same cores"
echo
echo "Generated by \`scripts/bench.sh$( ((QUICK)) && echo ' --quick')\` on $DATE, tree $GIT_REV${GIT_DIRTY}."
echo
echo "Machine: $CPU_MODEL, $NCPU CPUs ($(uname -r)), no hugepages, DPDK 22.11, buildtype $BUILDTYPE."
echo "Server side on CPU $SRV_CPU, client side on CPU $CLI_CPU (taskset), for both stacks."
echo "Machine: $QUIET_TXT."
echo
echo "| workload | synline | Linux | synline/Linux | notes |"
echo "|---|---:|---:|---:|---|"
row "cps: new HTTP connection per request, conn/s" "$(v SYN_cps)" "$(v LIN_cps)" \
    "synline-gen -> memif -> synline-server vs wrk -> loopback -> nginx (\`Connection: close\`); errors ${SYN_cps_ERR:-?} / ${LIN_cps_ERR:-?}; nginx worker CPU ${LIN_cps_NGCPU:-?}%"
row "rps: keep-alive requests, req/s" "$(v SYN_rps)" "$(v LIN_rps)" \
    "32 connections, one request in flight each; errors ${SYN_rps_ERR:-?} / ${LIN_rps_ERR:-?}; nginx worker CPU ${LIN_rps_NGCPU:-?}%"
row "bulk: goodput, Gb/s" "$(v SYN_bulk)" "$(v LIN_bulk)" \
    "4 connections to a discard server; synline: 1448-byte segments over memif; Linux: iperf3 -P 4 on loopback (64 KiB MTU, GSO)"
row "rps latency p50, us (lower is better)" "$(v SYN_rps_P50)" "$(v LIN_rps_P50)" "request sent to full response"
row "rps latency p99, us (lower is better)" "$(v SYN_rps_P99)" "$(v LIN_rps_P99)" ""
HALF_NOTE="open loop at ${SYN_rps_half_TARGET:-?} req/s (half the closed loop's rate), 32 connections, timed from each request's due time"
HALF_LINUX="Linux n/a: wrk has no open-loop mode and wrk2 is not packaged in Debian 12"
row "rps at half load, latency p50, us (lower is better)" "$(v SYN_rps_half_P50)" n/a "$HALF_NOTE"
row "rps at half load, latency p99, us (lower is better)" "$(v SYN_rps_half_P99)" n/a "$HALF_LINUX"
row "rps at half load, latency p99.9, us (lower is better)" "$(v SYN_rps_half_P99_9)" n/a \
    "max $(fmt_num "$(v SYN_rps_half_MAX)") us; generator loop stalls over 100 us: $(v SYN_rps_half_STALLS) (its CPU taken by another task)"
row "cps latency p50, us (lower is better)" "$(v SYN_cps_P50)" "$(v LIN_cps_P50)" "connect to full response"
micro_row syn "micro: SYN -> SYN-ACK (cookie), one core" "synline-bench-syn: ring port (TX comes back as the next RX), AES-128 cookies, 65,536 connection slots"
micro_row conn "micro: whole short HTTP connection, one core" "SYN, ACK+request, response, FIN, FIN+ACK, ACK: 3 frames in, 4 out"
micro_row keepalive "micro: keep-alive request -> response, one core" "256 established connections, 1 frame in, 1 out"
micro_row bulk "micro: 1448-byte data segments to discard, one core" "4 connections, 32 in-order segments per burst, ACKs back"
echo
echo "Microbenchmark rows are per core: one \`Worker\` fed frames in-process through"
echo "\`Worker::process()\` (no device, no client stack), median of $MICRO_RUNS runs x $MICRO_SECONDS s. SYN -> SYN-ACK"
echo "is \`synline-bench-syn\` (wall clock of its loop). The other three are \`synline-bench-path\`"
echo "(tests/bench/path_bench.cpp): a scripted client builds each frame from the worker's"
echo "previous replies, which it reads back from a \`net_ring\` port; the rate counts only"
echo "the time inside \`Worker::process()\` (the client's work and the freeing of the"
echo "replies are not counted). Instructions per operation: callgrind, collection limited"
echo "to \`Worker::process\` (parse, stack, handler, replies, tx burst). They have no Linux"
echo "counterpart here (the kernel cannot be driven that way); the end-to-end rows are the"
echo "comparison."
echo
echo "![latency percentiles]($PNG_REL/latency_cdf.png)"
echo
echo "![rate over time]($PNG_REL/rate_over_time.png)"
echo
echo "#### SYN flood over memif: synline's SYN cookies vs a macswap reflector"
echo
echo "Same memif topology, same CPUs, one generator command for every row: \`synline-gen --mode synflood"
echo "--rate max\` on CPU $CLI_CPU (raw 74-byte SYNs from a template, bursts of 32, sources from"
echo "198.18.0.0/15), the server side on CPU $SRV_CPU. Rates are per second over the run; macswap and"
echo "cookies alternate $FLOOD_RUNS time(s) and each row is the median."
echo
echo "| server side | SYNs sent/s | frames back/s | notes |"
echo "|---|---:|---:|---|"
echo "| \`dpdk-testpmd --forward-mode=rxonly\` | $(fmt_num "$(v FLOOD_sink_SENT)") | - | nothing comes back: what the generator alone can send |"
echo "| \`dpdk-testpmd --forward-mode=macswap\` | $(fmt_num "$(v FLOOD_macswap_SENT)") | $(fmt_num "$(v FLOOD_macswap_BACK)") | the baseline: our SYNs reflected with MACs swapped |"
echo "| synline-server, \`tcp.syn_cookies=always\` | $(fmt_num "$(v FLOOD_cookies_SENT)") | $(fmt_num "$(v FLOOD_cookies_BACK)") | SYN-ACKs that acknowledge one of our ISNs, checksum verified |"
echo
FLOOD_RATIO="$(awk -v a="$(v FLOOD_cookies_BACK)" -v b="$(v FLOOD_macswap_BACK)" 'BEGIN { if (a != "n/a" && b != "n/a" && b > 0) printf "%.3f", a / b }')"
if [[ -n "$FLOOD_RATIO" ]]; then
    echo "**synline SYN-ACKs / macswap reflections: $FLOOD_RATIO** (target: at least 0.90;" \
         "$(awk -v r="$FLOOD_RATIO" 'BEGIN { print (r >= 0.9 ? "met" : "**not met**") }'))."
else
    echo "**synline SYN-ACKs / macswap reflections: not measured** (see the warnings of the run)."
fi
echo
echo "The generator shares the limit: into macswap it also receives every reflection, so its"
echo "send rate there is below the rxonly row; when the macswap row's SYNs sent/s is close"
echo "to the rxonly row, the baseline is bounded by the generator, not by testpmd."
echo
echo "#### How to read it"
echo
echo "- **Both sides share two vCPUs**: the server stack on one, the load generator on"
echo "  the other. synline-server and synline-gen busy-poll their core (100% CPU whatever"
echo "  the load); nginx uses what it needs (its worker's share is in the notes). With a"
echo "  kernel client, Linux cps is limited by wrk's core, not by nginx (its worker"
echo "  ~60% busy in such runs): the Linux cps figure is a lower bound on what one kernel core"
echo "  can serve, and the ratio flatters synline by up to the nginx idle share."
echo "- synline's end-to-end figures include synline-gen's own cost on the client core;"
echo "  memif copies each frame through shared memory (no checksum offload: software"
echo "  checksums on both sides). Linux's loopback skips checksums and segmentation."
echo "- Bulk is not like for like: the kernel moves 64 KiB GSO super-segments through"
echo "  loopback, synline moves 1448-byte segments through memif; the microbenchmark's"
echo "  segments/s row is synline's per-segment cost."
echo "- Latency percentiles come from synline-gen's histogram (JSON has p50/p90/p99/p99.9,"
echo "  not buckets, so the plot shows those points) and from \`wrk --latency\`"
echo "  (50/75/90/99%). The two tools measure slightly differently (wrk: per request on a"
echo "  connection, including its own event-loop delay)."
echo "- The closed-loop rps rows measure queueing (32 requests always in flight at the"
echo "  server's max); the half-load rows are synline-gen's open loop (\`--rate\`): requests"
echo "  on a fixed schedule at half the closed loop's rate, latency counted from when each"
echo "  was due, so a stall on either side shows in full (no coordinated omission). A"
echo "  generator loop stall means the generator's CPU was taken from it (another process"
echo "  or a kernel thread): latency near it is partly the machine's, not the server's."
echo "- Packed mbuf pools (\`port.packed_pool=true\`, see Method) on both synline processes"
echo "  and in the microbenchmark. synline's TIME-WAIT is 2 s (\`tcp.msl_ms=1000\`) so that"
echo "  a cps run does not fill the connection table."
echo
echo "#### Commands"
echo
echo '```sh'
echo "scripts/bench.sh$( ((QUICK)) && echo ' --quick')$([[ -n "$OUT_DIR" ]] && echo " --out $OUT_DIR")"
echo "# which ran, in order ($([[ -n "$OUT_DIR" ]] && echo "$RAW" || echo "raw files in a temp dir")):"
sed -e "s|$ROOT/||g" -e "s|$RAW/||g" "$CMDS"
echo '```'
echo "<!-- scripts/bench.sh: end -->"
} >"$SECTION"

if [[ -n "$OUT_DIR" ]]; then
    cp "$SECTION" "$MD_FILE"
    [[ -s "$LOSS_SECTION" ]] && { echo; cat "$LOSS_SECTION"; } >>"$MD_FILE"
else
    place_section "$SECTION" "scripts/bench.sh"
    [[ -s "$LOSS_SECTION" ]] && place_section "$LOSS_SECTION" "scripts/bench.sh loss"
fi

echo
sed -n '/^| workload/,/^$/p' "$SECTION"
say "section written to ${MD_FILE#$ROOT/}; plots in ${PNG_DIR#$ROOT/}; raw files in $RAW"
((QUIET)) || warn "machine was NOT quiet: see the section's 'Machine:' line"
# Exit status: 0 when every end-to-end figure was measured on both sides.
for k in SYN_cps SYN_rps SYN_bulk LIN_cps LIN_rps LIN_bulk; do
    [[ -n "${!k:-}" ]] || { warn "missing result $k"; exit 1; }
done
exit 0
