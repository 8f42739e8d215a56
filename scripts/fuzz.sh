#!/usr/bin/env bash
# scripts/fuzz.sh -- build the libFuzzer targets (tests/fuzz) and run them.
#
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_ARGS...]  # one target, one CPU
#   scripts/fuzz.sh --all SECONDS      # every target SECONDS each, one after another
#   scripts/fuzz.sh --build            # only build them
#
# Targets: fuzz_frame, fuzz_tcp_options, fuzz_stack. Each starts from the
# committed seeds (tests/fuzz/corpus/TARGET) plus what earlier runs found
# (BUILD/corpus/TARGET, never committed); inputs that crash land in
# BUILD/crashes/TARGET and the run fails. Built with clang-14, ASan and UBSan
# in BUILD = $SYNLINE_FUZZ_BUILD_DIR (default build-fuzz/). The last line
# reads "fuzz TARGET: N runs in S s (C CPU s), M new inputs, K crashes".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SYNLINE_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
TARGETS=(fuzz_frame fuzz_tcp_options fuzz_stack)

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

build() {
    if [[ ! -f "$BUILD/build.ninja" ]]; then
        CXX=clang++-14 CC=clang-14 meson setup "$BUILD" "$ROOT" -Dfuzz=true \
            -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false -Dbuildtype=debugoptimized \
            >"$BUILD.setup.log" 2>&1 || { cat "$BUILD.setup.log"; return 1; }
    fi
    ninja -C "$BUILD" "${TARGETS[@]/#/tests/fuzz/}"
}

# Options: every target's inputs are small; the options parser reads at most 40 bytes.
max_len() { case "$1" in fuzz_tcp_options) echo 40 ;; fuzz_frame) echo 1514 ;; *) echo 2048 ;; esac; }

run_one() {  # TARGET SECONDS [ARGS...]
    local t="$1" secs="$2"; shift 2
    local exe="$BUILD/tests/fuzz/$t" corpus="$BUILD/corpus/$t" crashes="$BUILD/crashes/$t"
    [[ -x "$exe" ]] || { echo "fuzz.sh: no target $t (one of: ${TARGETS[*]})" >&2; return 2; }
    mkdir -p "$corpus" "$crashes"
    local before log rc
    before="$(find "$corpus" -type f | wc -l)"
    log="$BUILD/$t.log"
    # UBSan stops at its first report, ASan's LeakSanitizer checks each input.
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" ASAN_OPTIONS="detect_leaks=1" \
        /usr/bin/time -f '%U %S' -o "$log.cpu" "$exe" -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$@" "$corpus" "$ROOT/tests/fuzz/corpus/$t" \
        >"$log" 2>&1
    rc=$?
    local runs crashes_now cpu
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    cpu="$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { printf "%.0f", $1 + $2 }' "$log.cpu" 2>/dev/null)"
    crashes_now="$(find "$crashes" -type f | wc -l)"
    if ((rc != 0)); then
        grep -E 'ERROR|runtime error|fuzz_stack:|SUMMARY|Test unit written' "$log" | head -20
    fi
    echo "fuzz $t: ${runs:-0} runs in $secs s (${cpu:-?} CPU s), $(( $(find "$corpus" -type f | wc -l) - before )) new inputs, $crashes_now crashes (log $log)"
    return $rc
}

case "${1:-}" in
    --build) build ;;
    --all)
        secs="${2:?--all needs SECONDS}"
        build || exit 1
        rc=0
        for t in "${TARGETS[@]}"; do run_one "$t" "$secs" || rc=1; done
        exit $rc ;;
    -h|--help|"") usage ;;
    *)
        t="$1"; secs="${2:?usage: scripts/fuzz.sh TARGET SECONDS}"; shift 2
        build >/dev/null || { echo "fuzz.sh: build failed (ninja -C $BUILD)" >&2; exit 1; }
        run_one "$t" "$secs" "$@" ;;
esac
