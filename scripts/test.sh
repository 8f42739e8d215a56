#!/usr/bin/env bash
# scripts/test.sh -- build, then run the unit tests (meson suite "unit") and the
# integration tests (tests/integration/test_*), and end with one line
# "N passed, N failed". Exit status is non-zero if anything failed.
#
#   scripts/test.sh                    # everything
#   scripts/test.sh --unit             # unit tests only
#   scripts/test.sh --integration      # integration tests only
#   scripts/test.sh --test NAME        # one test: an integration test file
#                                      # (test_ping.sh, test_ping or ping) or
#                                      # else a meson test name
#   scripts/test.sh --no-setup         # skip scripts/setup.sh (packages+build)
#
# Environment: SYNLINE_BUILD_DIR (default build/), SL_TEST_TIMEOUT (seconds per
# integration test, default 240).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
export SYNLINE_BUILD_DIR="${SYNLINE_BUILD_DIR:-$ROOT/build}"
BUILD_DIR="$SYNLINE_BUILD_DIR"
TEST_TIMEOUT="${SL_TEST_TIMEOUT:-240}"
RUN_UNIT=1
RUN_INTEG=1
ONLY=""
SETUP=1

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --unit) RUN_UNIT=1; RUN_INTEG=0 ;;
        --integration) RUN_UNIT=0; RUN_INTEG=1 ;;
        --test) ONLY="${2:?--test needs a name}"; shift ;;
        --no-setup) SETUP=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "test.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

passed=0
failed=0
failed_names=()

if [[ $SETUP -eq 1 ]]; then
    echo "== setup"
    if ! scripts/setup.sh --build-dir "$BUILD_DIR"; then
        echo "setup/build failed"
        echo "0 passed, 1 failed"
        exit 1
    fi
fi

# Resolve --test NAME to an integration test file, if one matches.
integ_tests=()
for f in tests/integration/test_*; do
    [[ -f "$f" && -x "$f" ]] && integ_tests+=("$f")
done
meson_name=""
if [[ -n "$ONLY" ]]; then
    match=()
    for f in "${integ_tests[@]}"; do
        b="$(basename "$f")"; s="${b%.*}"
        if [[ "$ONLY" == "$b" || "$ONLY" == "$s" || "test_$ONLY" == "$s" || "$ONLY" == "$f" ]]; then
            match+=("$f")
        fi
    done
    if ((${#match[@]} > 0)); then
        integ_tests=("${match[@]}"); RUN_UNIT=0; RUN_INTEG=1
    else
        meson_name="$ONLY"; RUN_UNIT=1; RUN_INTEG=0
    fi
fi

# ---- unit tests (meson) --------------------------------------------------
if [[ $RUN_UNIT -eq 1 ]]; then
    if [[ -n "$meson_name" ]]; then
        echo "== meson test $meson_name"
        sel=("$meson_name")
    else
        echo "== unit tests (meson test --suite unit)"
        sel=(--suite unit)
    fi
    log="$BUILD_DIR/meson-logs/testlog.json"
    rm -f "$log"
    meson test -C "$BUILD_DIR" --print-errorlogs "${sel[@]}"
    mrc=$?
    if [[ -f "$log" ]]; then
        # One JSON object per test; OK/EXPECTEDFAIL pass, SKIP is neither.
        read -r up uf names < <(/usr/bin/python3 - "$log" <<'PY'
import json, sys
p = f = 0; bad = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    t = json.loads(line)
    r = t.get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        pass
    else:
        f += 1; bad.append(t.get("name", "?").replace(" ", "_"))
print(p, f, ",".join(bad))
PY
        )
        passed=$((passed + up)); failed=$((failed + uf))
        [[ -n "$names" ]] && failed_names+=("unit:$names")
        if ((mrc != 0 && uf == 0)); then
            # meson failed without a failing test (e.g. a build error).
            failed=$((failed + 1)); failed_names+=("meson-test(exit $mrc)")
        fi
    elif ((mrc != 0)); then
        failed=$((failed + 1)); failed_names+=("meson-test(exit $mrc)")
    else
        echo "(no unit tests defined)"
    fi
    if [[ -n "$meson_name" ]] && ((passed + failed == 0)); then
        echo "test.sh: no integration test or meson test named '$meson_name'"
        failed=$((failed + 1)); failed_names+=("$meson_name(not found)")
    fi
fi

# ---- integration tests ---------------------------------------------------
if [[ $RUN_INTEG -eq 1 ]]; then
    if [[ $EUID -ne 0 ]]; then
        echo "test.sh: integration tests need root (network namespaces, af_packet)"
        for f in "${integ_tests[@]}"; do
            echo "FAIL $(basename "$f"): not root"; failed=$((failed + 1))
        done
    else
        for f in "${integ_tests[@]}"; do
            name="$(basename "$f")"
            echo "== integration: $name"
            t0=$SECONDS
            # Own process group; TERM at the timeout lets the test's trap clean up.
            timeout -k 20 "$TEST_TIMEOUT" "$f" </dev/null 2>&1
            rc=$?
            dt=$((SECONDS - t0))
            if ((rc == 0)); then
                passed=$((passed + 1))
                echo "-- $name: passed (${dt}s)"
            else
                failed=$((failed + 1)); failed_names+=("$name")
                ((rc == 124 || rc == 137)) && echo "FAIL $name: timed out after ${TEST_TIMEOUT}s"
                echo "-- $name: FAILED (exit $rc, ${dt}s)"
            fi
        done
    fi
fi

((${#failed_names[@]} > 0)) && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
((failed == 0))
