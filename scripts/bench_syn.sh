#!/usr/bin/env bash
# SYN -> SYN-ACK with SYN cookies, one core, no NIC (docs/BENCHMARKS.md).
#
#   scripts/bench_syn.sh            build (release), rate runs, callgrind counts
#
# Beside synline (engine::Worker) it measures the minimal SYN-cookie responder
# of tests/bench/reference_responder.hpp (--responder reference) on the same
# frames, feeder and ring port, and reports synline / reference: rates from
# one-run processes alternating between the two, so that a drift in the host's
# speed hits both alike, and instructions per SYN. Then synline again as it
# runs on a NIC with checksum offload (--checksums offload): the floor of
# docs/BENCHMARKS.md is the line rate of such a NIC.
#
# Environment:
#   BUILD_DIR   meson build directory (default: build-bench, configured if missing)
#   MESON_ARGS  extra `meson setup` arguments for a new BUILD_DIR (e.g. -Db_lto=true)
#   CG_BUILD_DIR  the build callgrind counts (default: build-callgrind, -march=znver3:
#               see scripts/lib/callgrind_build.sh); CG_CPU another -march for it
#   RUNS        rate runs (default 5, at least 5 for the median we report)
#   SECONDS_PER_RUN  (default 1)
#   CG_N        SYNs / bad ACKs under callgrind (default 64000)
#   BENCH_CPU   CPU for the one lcore (default: the last online CPU)
#   TOP         cost centres to print (default 18)
# Bounded: about 50 s of runs plus two builds (the rates' and the callgrind one);
# a fresh build takes a few minutes on a 2-CPU VM.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build-bench}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
CG_BUILD_DIR="${CG_BUILD_DIR:-build-callgrind}"
case "$CG_BUILD_DIR" in /*) ;; *) CG_BUILD_DIR="$ROOT/$CG_BUILD_DIR" ;; esac
# shellcheck source=lib/callgrind_build.sh
. "$ROOT/scripts/lib/callgrind_build.sh"
RUNS="${RUNS:-5}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-1}"
CG_N="${CG_N:-64000}"
BENCH_CPU="${BENCH_CPU:-$(( $(nproc) - 1 ))}"
TOP="${TOP:-18}"
OUT="$(mktemp -d /tmp/bench-syn.XXXXXX)"

say() { printf '== %s\n' "$*"; }

# ---- tools (idempotent) --------------------------------------------------------
need=()
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
[ -f /usr/include/valgrind/callgrind.h ] || need+=(valgrind)
command -v meson >/dev/null 2>&1 || need+=(meson)
command -v ninja >/dev/null 2>&1 || need+=(ninja-build)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# ---- build (release) ------------------------------------------------------------
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    say "meson setup $BUILD_DIR --buildtype=release ${MESON_ARGS:-}"
    # shellcheck disable=SC2086
    meson setup "$BUILD_DIR" "$ROOT" --buildtype=release ${MESON_ARGS:-} >"$OUT/setup.log" 2>&1 ||
        { cat "$OUT/setup.log"; exit 1; }
fi
[ "$(meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null |
     /usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"][0])')" = release ] ||
    { echo "bench_syn.sh: $BUILD_DIR is not a release build" >&2; exit 1; }
say "ninja -C $BUILD_DIR tests/bench/synline-bench-syn"
ninja -C "$BUILD_DIR" tests/bench/synline-bench-syn >"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }
BIN="$BUILD_DIR/tests/bench/synline-bench-syn"

quiet() { grep -v -E '^(EAL|TELEMETRY|synline: port)' || true; }

# ---- rate -----------------------------------------------------------------------
say "rate: $RUNS runs of ${SECONDS_PER_RUN} s on cpu $BENCH_CPU (ring port: TX comes back as RX)"
"$BIN" rate --runs "$RUNS" --seconds "$SECONDS_PER_RUN" --cpu "$BENCH_CPU" 2>&1 | quiet | tee "$OUT/rate.txt"
grep -q '^checks: ok' "$OUT/rate.txt" || { echo "bench_syn.sh: rate checks failed" >&2; exit 1; }
MEDIAN="$(sed -n 's/^median: \([0-9.]*\) M SYN-ACK\/s.*/\1/p' "$OUT/rate.txt")"
QUIET="$(sed -n 's/^other processes during the runs: .*machine \(.*\)$/\1/p' "$OUT/rate.txt")"
say "rate: the same with a net_null port (TX frees each mbuf, RX allocates)"
"$BIN" rate --runs "$RUNS" --seconds "$SECONDS_PER_RUN" --cpu "$BENCH_CPU" --port null 2>&1 | quiet |
    tee "$OUT/rate_null.txt"
grep -q '^checks: ok' "$OUT/rate_null.txt" || { echo "bench_syn.sh: rate checks failed" >&2; exit 1; }
MEDIAN_NULL="$(sed -n 's/^median: \([0-9.]*\) M SYN-ACK\/s.*/\1/p' "$OUT/rate_null.txt")"
say "rate: the same with NIC checksum offload (frames arrive verified, SYN-ACKs leave for the NIC to sum)"
"$BIN" rate --runs "$RUNS" --seconds "$SECONDS_PER_RUN" --cpu "$BENCH_CPU" --checksums offload 2>&1 | quiet |
    tee "$OUT/rate_offload.txt"
grep -q '^checks: ok' "$OUT/rate_offload.txt" || { echo "bench_syn.sh: rate checks failed" >&2; exit 1; }
MEDIAN_OFFLOAD="$(sed -n 's/^median: \([0-9.]*\) M SYN-ACK\/s.*/\1/p' "$OUT/rate_offload.txt")"
PROCESS_OFFLOAD="$(sed -n 's/^median burst: .* \([0-9.]*\) ns per SYN.*/\1/p' "$OUT/rate_offload.txt")"

say "rate: synline and the reference responder alternately, $RUNS one-run processes each (ring port)"
for i in $(seq "$RUNS"); do
    for r in synline reference; do
        "$BIN" rate --runs 1 --seconds "$SECONDS_PER_RUN" --cpu "$BENCH_CPU" --responder "$r" 2>&1 | quiet \
            >"$OUT/alt_${r}_$i.txt"
        grep -q '^checks: ok' "$OUT/alt_${r}_$i.txt" || { cat "$OUT/alt_${r}_$i.txt"; echo "bench_syn.sh: $r checks failed" >&2; exit 1; }
        printf '%-9s run %s: %s\n' "$r" "$i" "$(sed -n 's/^run 1: //p' "$OUT/alt_${r}_$i.txt")"
    done
done
alt_values() {  # responder sed-script: a figure over its one-run processes, ascending
    sed -n "$2" "$OUT"/alt_"$1"_*.txt | sort -g
}
alt_median() {  # the median of alt_values
    alt_values "$@" |
        awk '{v[NR] = $1} END {printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
alt_min() {  # the lowest of alt_values: the host's fast state (docs/BENCHMARKS.md)
    alt_values "$@" | head -1
}
RATE_OF='s/^run 1: \([0-9.]*\) M SYN-ACK\/s.*/\1/p'
PROCESS_NS_OF='s/^run 1: .*::process \([0-9.]*\) ns\/SYN in the median burst.*/\1/p'
ALT_SYNLINE="$(alt_median synline "$RATE_OF")"
ALT_REFERENCE="$(alt_median reference "$RATE_OF")"
ALT_SYNLINE_NS="$(alt_median synline "$PROCESS_NS_OF")"
ALT_REFERENCE_NS="$(alt_median reference "$PROCESS_NS_OF")"
ALT_SYNLINE_NS_MIN="$(alt_min synline "$PROCESS_NS_OF")"
ALT_REFERENCE_NS_MIN="$(alt_min reference "$PROCESS_NS_OF")"
awk -v s="$ALT_SYNLINE" -v r="$ALT_REFERENCE" -v sn="$ALT_SYNLINE_NS" -v rn="$ALT_REFERENCE_NS" \
    'BEGIN {printf "medians: synline %.3f M/s, reference %.3f M/s, synline/reference %.2f; " \
                   "process() per SYN in the median burst: synline %.1f ns, reference %.1f ns\n", s, r, s / r, sn, rn}'

# ---- callgrind ----------------------------------------------------------------
# Instrumentation starts at CALLGRIND_START_INSTRUMENTATION (after EAL, the
# frames and a warm-up) and collection is limited to Worker::process, so the
# total is exactly the receive path: parse, stack, reply, tx burst, frees.
# For the reference responder (toggle=$REFERENCE_ENTRY cg ...) it is its own
# burst entry.
WORKER_ENTRY='synline::engine::Worker::process(*'
REFERENCE_ENTRY='synline::bench::ReferenceResponder::process(*'
cg() {  # mode outfile [bench options]
    local mode="$1" file="$2"; shift 2
    valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
        --toggle-collect="${toggle:-$WORKER_ENTRY}" \
        --callgrind-out-file="$file" "$CG_BIN" "$mode" "$CG_N" --frames 4096 --memory 512 --cpu "$BENCH_CPU" "$@" \
        >"$file.log" 2>&1 || { cat "$file.log"; exit 1; }
    grep -q '^checks: ok' "$file.log" || { cat "$file.log"; echo "bench_syn.sh: $mode checks failed" >&2; exit 1; }
}
total_ir() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'; }
top() {  # outfile per-unit-name
    local total; total="$(total_ir "$1")"
    printf '%12s %8s %7s  %s\n' "Ir" "per $2" "incl%" "function (inclusive)"
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
        awk -v n="$CG_N" -v top="$TOP" -v total="$total" '
            /file:function/ {on = 1; getline; next}
            on && NF >= 3 && $1 ~ /^[0-9,]+$/ {
                ir = $1; gsub(",", "", ir);
                line = $0; sub(/^ *[0-9,]+ +\([ 0-9.]+%\) +/, "", line);
                sub(/^[^:]*:/, "", line); sub(/ \[[^]]*\]$/, "", line);
                gsub(/\(anonymous namespace\)/, "{anon}", line);
                gsub(/std::span<([^<>]|<[^<>]*>)*>/, "span", line); gsub(/\(.*\)/, "()", line);
                if (line == "main()" || line ~ /^main$/ || line ~ /^0x/) next;
                printf "%12s %8.1f %6.1f%%  %s\n", $1, ir / n, 100 * ir / total, line;
                if (++shown == top) exit
            }'
}

say "callgrind build: $CG_BUILD_DIR (-march=${CG_CPU:-znver3}, no AVX-512: valgrind 3.19 runs it)"
callgrind_build "$CG_BUILD_DIR" tests/bench/synline-bench-syn || { echo "bench_syn.sh: callgrind build failed" >&2; exit 1; }
CG_BIN="$CG_BUILD_DIR/tests/bench/synline-bench-syn"

per_unit() { awk -v a="$(total_ir "$1")" -v n="$CG_N" 'BEGIN {printf "%.0f", a / n}'; }
say "callgrind: count $CG_N (SYN -> SYN-ACK; ring port, default PRF)"
cg count "$OUT/syn.cg"
say "callgrind: the same with SipHash-2-4 cookies, and with a net_null port"
cg count "$OUT/syn_sip.cg" --prf siphash24
cg count "$OUT/syn_null.cg" --port null
say "callgrind: count and badack $CG_N with NIC checksum offload"
cg count "$OUT/syn_offload.cg" --checksums offload
cg badack "$OUT/ack_offload.cg" --checksums offload
say "callgrind: count $CG_N with the reference responder (ring port), both PRFs"
toggle="$REFERENCE_ENTRY" cg count "$OUT/syn_ref.cg" --responder reference
toggle="$REFERENCE_ENTRY" cg count "$OUT/syn_ref_sip.cg" --responder reference --prf siphash24
say "callgrind: badack $CG_N (ACK flood, bad cookies with a current counter), both PRFs"
cg badack "$OUT/ack.cg"
cg badack "$OUT/ack_sip.cg" --prf siphash24
PRF="$(sed -n 's/.*cookie PRF \([a-z0-9]*\),.*/\1/p' "$OUT/syn.cg.log")"
PER_SYN="$(per_unit "$OUT/syn.cg")"
PER_SYN_SIP="$(per_unit "$OUT/syn_sip.cg")"
PER_SYN_NULL="$(per_unit "$OUT/syn_null.cg")"
PER_SYN_REF="$(per_unit "$OUT/syn_ref.cg")"
PER_SYN_REF_SIP="$(per_unit "$OUT/syn_ref_sip.cg")"
PER_ACK="$(per_unit "$OUT/ack.cg")"
PER_ACK_SIP="$(per_unit "$OUT/ack_sip.cg")"
PER_SYN_OFFLOAD="$(per_unit "$OUT/syn_offload.cg")"
PER_ACK_OFFLOAD="$(per_unit "$OUT/ack_offload.cg")"

echo
say "where a SYN's instructions go (Worker::process inclusive = 100%)"
top "$OUT/syn.cg" SYN
echo
say "where a bad ACK's instructions go"
top "$OUT/ack.cg" ACK
echo
say "where a SYN's instructions go in the reference responder (ReferenceResponder::process inclusive = 100%)"
top "$OUT/syn_ref.cg" SYN
echo
say "summary ($(date -u +%Y-%m-%d), $(sed -n 's/^cpu: \([^,]*\),.*/\1/p' "$OUT/rate.txt"), $(nproc) CPUs, machine $QUIET)"
printf '  SYN-ACKs/s median        %s M over %s runs (ring port); %s M (net_null port)\n' "$MEDIAN" "$RUNS" "$MEDIAN_NULL"
printf '  instructions per SYN     %s (%s cookies, ring port); %s (siphash24); %s (net_null port)\n' \
    "$PER_SYN" "$PRF" "$PER_SYN_SIP" "$PER_SYN_NULL"
printf '  instructions per bad ACK %s (%s); %s (siphash24)\n' "$PER_ACK" "$PRF" "$PER_ACK_SIP"
printf '  with checksum offload    %s M SYN-ACK/s median over %s runs (process() %s ns/SYN in the median burst); %s instructions per SYN, %s per bad ACK\n' \
    "$MEDIAN_OFFLOAD" "$RUNS" "$PROCESS_OFFLOAD" "$PER_SYN_OFFLOAD" "$PER_ACK_OFFLOAD"
awk -v s="$PER_SYN" 'BEGIN {printf "  vs hand-written responder (416/SYN): %.2fx the instructions; goal <= %d\n", s / 416, 416 * 1.3}'
awk -v s="$ALT_SYNLINE" -v r="$ALT_REFERENCE" -v n="$RUNS" -v sn="$ALT_SYNLINE_NS" -v rn="$ALT_REFERENCE_NS" \
    'BEGIN {printf "  vs reference responder   synline %.3f M/s, reference %.3f M/s: %.2f (medians of %d alternating runs each);" \
                   " process() %.1f vs %.1f ns/SYN: %.2f\n", s, r, s / r, n, sn, rn, rn / sn}'
awk -v s="$ALT_SYNLINE_NS_MIN" -v r="$ALT_REFERENCE_NS_MIN" \
    'BEGIN {printf "  fastest run of each      process() %.1f vs %.1f ns/SYN: %.2f (the host'"'"'s fast state, if either caught it)\n", s, r, r / s}'
awk -v s="$PER_SYN" -v ss="$PER_SYN_SIP" -v r="$PER_SYN_REF" -v rs="$PER_SYN_REF_SIP" -v prf="$PRF" \
    'BEGIN {printf "  reference instructions   %d per SYN (%s), %d (siphash24); synline %.2fx and %.2fx that\n", r, prf, rs, s / r, ss / rs}'
echo "  raw files: $OUT"
