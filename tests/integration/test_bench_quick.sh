#!/usr/bin/env bash
# scripts/bench.sh --quick end to end: microbenchmarks, synline-gen against
# synline-server over memif, nginx/wrk and iperf3 on loopback, the markdown
# table and the plots, all written into a temporary directory (never docs/).
# Checks that the table has numeric synline and Linux values for cps, rps and
# bulk, that both plots exist, and that nothing the script started is left
# running. Figures are not judged (the machine may be busy). Bounded: about
# 1-2 minutes once built (bench.sh builds what is missing in SYNLINE_BUILD_DIR).
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
sl_test_begin bench_quick

T="$(sl_tmpdir)"
OUT="$T/bench"
LOG="$T/bench.log"
# The script refuses non-release builds for real figures; here only the plumbing counts.
sl_log "scripts/bench.sh --quick --out $OUT (build dir $SL_BUILD_DIR)"
BUILD_DIR="$SL_BUILD_DIR" BENCH_ANY_BUILD=1 timeout -k 10 400 \
    "$SL_ROOT/scripts/bench.sh" --quick --out "$OUT" >"$LOG" 2>&1
rc=$?
grep -E '^\| |WARNING' "$LOG" >&2
((rc == 0)) || { tail -n 15 "$LOG" >&2; sl_fail "bench.sh --quick exited with $rc"; }

MD="$OUT/BENCHMARKS.md"
[[ -s "$MD" ]] || sl_fail "no markdown written to $MD"
grep -q '^### Suite: synline vs Linux, same machine, same cores' "$MD" || sl_fail "section heading missing in $MD"
# Each of cps, rps, bulk: a row whose synline and Linux cells are numbers (with
# an optional K/M suffix), and a ratio.
for w in cps rps bulk; do
    row="$(grep -E "^\| $w: " "$MD" | head -1)"
    [[ -n "$row" ]] || sl_fail "no '$w' row in the table"
    syn="$(awk -F'|' '{gsub(/^ +| +$/, "", $3); print $3}' <<<"$row")"
    lin="$(awk -F'|' '{gsub(/^ +| +$/, "", $4); print $4}' <<<"$row")"
    ratio="$(awk -F'|' '{gsub(/^ +| +$/, "", $5); print $5}' <<<"$row")"
    [[ "$syn" =~ ^[0-9]+(\.[0-9]+)?( [KM])?$ ]] || sl_fail "$w: synline value not numeric: '$syn'"
    [[ "$lin" =~ ^[0-9]+(\.[0-9]+)?( [KM])?$ ]] || sl_fail "$w: Linux value not numeric: '$lin'"
    [[ "$ratio" =~ ^[0-9]+(\.[0-9]+)?x$ ]] || sl_fail "$w: ratio not numeric: '$ratio'"
    sl_log "$w: synline $syn, Linux $lin, ratio $ratio"
done
grep -q '^Machine: .*CPUs' "$MD" || sl_fail "machine line missing"
grep -q '^```sh' "$MD" || sl_fail "commands block missing"
for p in latency_cdf rate_over_time; do
    [[ -s "$OUT/bench/$p.png" ]] || sl_fail "plot $p.png missing"
done
# Nothing left running from this run (every process it starts names $OUT/raw).
if pgrep -f -- "$OUT/raw" >/dev/null 2>&1; then
    sl_fail "processes of the run still alive: $(pgrep -a -f -- "$OUT/raw" | head -3)"
fi
# Bad usage: one line, exit 2.
"$SL_ROOT/scripts/bench.sh" --bogus >"$T/bad.out" 2>&1
brc=$?
((brc == 2)) || sl_fail "unknown flag: exit $brc, expected 2"
(($(wc -l <"$T/bad.out") == 1)) || sl_fail "unknown flag: expected one line, got: $(cat "$T/bad.out")"
sl_pass
