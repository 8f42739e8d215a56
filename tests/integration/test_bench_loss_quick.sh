#!/usr/bin/env bash
# scripts/bench_loss.sh end to end at a small size: 0 % and 1 % loss, one run
# each against synline and against the kernel, the markdown section into a temp
# file. Checks that the table has a row per level with numeric Linux figures
# (and synline's at 0 %), that the bridge really dropped frames at 1 % and none
# at 0 %, and that the run removed its namespaces. Figures are not judged.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
sl_test_begin bench_loss_quick
sl_require_server

T="$(sl_tmpdir)"
SEC="$T/section.md"
LOG="$T/bench_loss.log"
BUILD_DIR="$SL_BUILD_DIR" LOSS_LEVELS="0 1" LOSS_ECHO_MIB=1 LOSS_BULK_MIB=2 LOSS_RUN_LIMIT=40 \
    timeout -k 10 200 "$SL_ROOT/scripts/bench_loss.sh" --runs 1 --section "$SEC" >"$LOG" 2>&1
rc=$?
((rc == 0)) || { tail -n 15 "$LOG" >&2; sl_fail "bench_loss.sh exited with $rc"; }
[[ -s "$SEC" ]] || sl_fail "no section written"
grep -q '^<!-- scripts/bench.sh loss: begin' "$SEC" && grep -q '^<!-- scripts/bench.sh loss: end -->' "$SEC" ||
    sl_fail "section markers missing"
num='[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?'
for level in 0 1; do
    row="$(grep -E "^\| $level % \| .*\(" "$SEC" | head -1)"
    [[ -n "$row" ]] || sl_fail "no row for $level % in the results table"
    lin_echo="$(awk -F'|' '{gsub(/^ +| +$/, "", $4); print $4}' <<<"$row")"
    lin_bulk="$(awk -F'|' '{gsub(/^ +| +$/, "", $6); print $6}' <<<"$row")"
    [[ "$lin_echo" =~ ^$num\ /\ $num\ \($num\)$ ]] || sl_fail "$level %: Linux echo cell not numeric: '$lin_echo'"
    [[ "$lin_bulk" =~ ^$num\ \($num-$num\)$ ]] || sl_fail "$level %: Linux bulk cell not numeric: '$lin_bulk'"
    sl_log "$level %: $row"
done
syn0="$(grep -E '^\| 0 % \| ' "$SEC" | head -1 | awk -F'|' '{gsub(/^ +| +$/, "", $3); print $3}')"
[[ "$syn0" =~ ^$num\ /\ $num ]] || sl_fail "0 %: synline echo cell not numeric: '$syn0'"
drops0="$(grep -E '^\| 0 % \| [0-9]+ of' "$SEC" | head -1)"
drops1="$(grep -E '^\| 1 % \| [0-9]+ of' "$SEC" | head -1)"
[[ "$drops0" =~ ^\|\ 0\ %\ \|\ 0\ of\ [1-9][0-9]*\ /\ 0\ of\ [1-9][0-9]*\ \|\ 0\ of ]] ||
    sl_fail "0 %: the bridge dropped frames or saw none: '$drops0'"
[[ "$drops1" =~ ^\|\ 1\ %\ \|\ [1-9][0-9]*\ of ]] || sl_fail "1 %: the bridge dropped nothing to synline: '$drops1'"
# Its namespaces are gone (their names are in its raw directory).
raw="$(sed -n 's/.*raw files in \(\/[^ ]*\).*/\1/p' "$LOG" | head -1)"
[[ -d "$raw" ]] || sl_fail "raw directory not named in the log"
sl_defer "rm -rf '$raw'"
left="$(cat "$raw"/topo_*.vars | sed -n 's/^declare -g SL_\(NS\|SRV_NS\|MID_NS\)="\(.*\)"$/\2/p' |
        while read -r ns; do ip netns list | grep -qw "$ns" && echo "$ns"; done)"
[[ -z "$left" ]] || sl_fail "namespaces left behind: $left"
# Bad usage: one line, exit 2.
"$SL_ROOT/scripts/bench_loss.sh" --runs 0 >"$T/bad.out" 2>&1
brc=$?
((brc == 2)) || sl_fail "--runs 0: exit $brc, expected 2"
(($(wc -l <"$T/bad.out") == 1)) || sl_fail "--runs 0: expected one line, got: $(cat "$T/bad.out")"
sl_pass
