#!/usr/bin/env bash
# synline-gen against synline-server over net_memif (no namespace, no NIC):
# the default benchmark topology, server on one CPU and generator on the other.
# A few seconds of each mode (cps, rps, bulk against discard, rps against echo,
# synflood); each must show successful operations and zero errors (synflood:
# SYN-ACKs counted back). Bounded: about 30 s.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
sl_test_begin gen_memif_smoke
sl_require_server

GEN_BIN="${SYNLINE_GEN:-$SL_BUILD_DIR/app/gen/synline-gen}"
[[ -x "$GEN_BIN" ]] || sl_fail "synline-gen not found: $GEN_BIN (ninja -C $SL_BUILD_DIR)"
SRV_CFG="$SL_ROOT/drivers-cfg/memif-server.conf"
CLI_CFG="$SL_ROOT/drivers-cfg/memif-client.conf"
T="$(sl_tmpdir)"
SOCK="$T/memif.sock"
sl_defer "rm -f '$SOCK'"
# One CPU each when there are two (machine-notes: taskset per process, and the
# lcores mapped onto that CPU so EAL does not move them back).
if (($(nproc) >= 2)); then SRV_CPU=0; GEN_CPU=1; else SRV_CPU=0; GEN_CPU=0; fi
# The server process may also use the generator's CPU, which its lcores do not:
# EAL then puts its control threads there. DPDK 22.11's net_memif unmaps the
# shared rings in the interrupt thread when the peer disconnects, with nothing
# to hold off an rx/tx burst already past its "connected" check; on the lcore's
# own CPU that thread preempts the burst midway, and the burst resumes into
# unmapped memory (SIGSEGV, seen in CI after a generator run ended).
SRV_CPUS="$SRV_CPU,$GEN_CPU"
SERVER_IP=10.99.0.1
GEN_IP=10.99.0.2
GEN_SECONDS="${GEN_SECONDS:-2}"

# The server listens first: the memif client does not retry.
sl_bg_start '^synline-server: ready' \
    taskset -c "$SRV_CPUS" "$SL_SERVER_BIN" --config "$SRV_CFG" --var "socket=$SOCK" \
    --set "eal.lcores=0@$SRV_CPU,1@$SRV_CPU" --set tcp.msl_ms=2000 \
    --ip "$SERVER_IP/24" --serve http:80 --serve discard:9 --serve echo:7 \
    --duration 50 --quiet || sl_fail "synline-server did not start over memif"

# gen NAME MODE ARGS...: one bounded run; its output in $T/NAME.out, JSON in $T/NAME.json.
gen() {
    local name="$1"; shift
    sl_log "gen $name: $*"
    timeout -k 3 25 taskset -c "$GEN_CPU" "$GEN_BIN" --config "$CLI_CFG" --var "socket=$SOCK" \
        --set "eal.lcores=0@$GEN_CPU,1@$GEN_CPU" --ip "$GEN_IP/24" \
        --duration "$GEN_SECONDS" --json "$T/$name.json" "$@" >"$T/$name.out" 2>&1
    local rc=$?
    grep -E '^\[|^  |^synline-gen: (cps|rps|bulk|synflood) ' "$T/$name.out" >&2
    kill -0 "$SL_SERVER_PID" 2>/dev/null || sl_fail "synline-server died during $name"
    ((rc == 0)) || { tail -n 5 "$T/$name.out" >&2; sl_fail "synline-gen $name exited with $rc"; }
    [[ -s "$T/$name.json" ]] || sl_fail "synline-gen $name wrote no JSON record"
}

# check NAME FIELD: FIELD > 0 and errors_total == 0 in the JSON record.
check() {
    "$SL_PY" - "$T/$1.json" "$2" <<'PY' || sl_fail "$1: $(cat "$T/$1.check" 2>/dev/null)"
import json, sys
r = json.load(open(sys.argv[1]))
field = sys.argv[2]
bad = []
if r.get(field, 0) <= 0: bad.append(f"{field} = {r.get(field)}")
if r["errors_total"] != 0: bad.append(f"errors {r['errors']}")
if bad:
    open(sys.argv[1].replace(".json", ".check"), "w").write("; ".join(bad))
    sys.exit(1)
print(f"  {r['mode']}: {field} {r[field]}, rate {r['rate_per_s']:.0f}/s, "
      f"p50 {r['latency_us']['p50']:.1f} us, p99 {r['latency_us']['p99']:.1f} us, "
      f"goodput {r['goodput_gbps']:.3f} Gb/s", file=sys.stderr)
PY
}

gen cps --mode cps --target "$SERVER_IP:80" --concurrency 32
check cps ok
gen rps --mode rps --target "$SERVER_IP:80" --connections 16 --pipeline 2
check rps ok
gen bulk --mode bulk --target "$SERVER_IP:9" --connections 4
check bulk bytes_acked
gen echo --mode rps --target "$SERVER_IP:7" --connections 8 --request-bytes 64 --response-bytes 64
check echo ok
# Open loop: requests on a schedule, not as fast as answers come back.
gen rps_rate --mode rps --target "$SERVER_IP:80" --connections 8 --rate 5000
check rps_rate ok
"$SL_PY" - "$T/rps_rate.json" <<'PY' || sl_fail "rps --rate: $(cat "$T/rps_rate.check")"
import json, sys
r = json.load(open(sys.argv[1]))
due = r["rate_target"] * r["duration_s"]
# The schedule is kept: never more than due, and not far behind it (a loaded
# machine may leave the last requests unanswered when the run ends).
if not (r["open_loop"] and 0.8 * due <= r["ok"] <= due + 1):
    open(sys.argv[1].replace(".json", ".check"), "w").write(f"open_loop {r['open_loop']}, {r['ok']} answered of {due:.0f} due")
    sys.exit(1)
PY
gen synflood --mode synflood --target "$SERVER_IP:80" --rate 20000 --src-range 10.99.1.0/24
check synflood synacks
# Every SYN is answered (memif pushes back rather than drops): only the last
# ones, still in flight when the run ends, may miss the count.
"$SL_PY" - "$T/synflood.json" <<'PY' || sl_fail "synflood: $(cat "$T/synflood.check")"
import json, sys
r = json.load(open(sys.argv[1]))
if not 0.9 * r["started"] <= r["synacks"] <= r["started"]:
    open(sys.argv[1].replace(".json", ".check"), "w").write(f"{r['synacks']} SYN-ACKs for {r['started']} SYNs")
    sys.exit(1)
PY

sl_server_stop
((SL_SERVER_RC == 0)) || sl_fail "synline-server exited with $SL_SERVER_RC"
sl_pass
