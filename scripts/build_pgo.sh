#!/usr/bin/env bash
# A profile-guided release build of synline (GCC -fprofile-use): the same code
# laid out and register-allocated for the paths a server actually runs, which
# the benches measure at 1.3-8.5% fewer instructions per packet (docs/BENCHMARKS.md).
#
#   scripts/build_pgo.sh [BUILD_DIR]     default: build-pgo
#
# 1. meson setup BUILD_DIR -Db_pgo=generate, and build (instrumented);
# 2. train: the in-process benches drive Worker::process with no NIC and no
#    network (SYN flood with software and offloaded checksums, bad-cookie ACKs,
#    short HTTP connections, keep-alive requests, bulk data), a few seconds;
# 3. meson configure -Db_pgo=use, and build again. BUILD_DIR then holds a
#    normal release build (synline-server, synline-gen, tests) made with the
#    profile; rerun this script after changing the code.
# Needs root (DPDK EAL with --no-huge) and two full LTO builds' time (11 min on
# a 2-CPU VM).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${1:-build-pgo}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
CPU="$(( $(nproc) - 1 ))"

say() { printf '== %s\n' "$*"; }

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" "$ROOT" --buildtype=release -Db_pgo=generate >/dev/null
else
    meson configure "$BUILD_DIR" -Db_pgo=generate >/dev/null
fi
find "$BUILD_DIR" -name '*.gcda' -delete
say "instrumented build in $BUILD_DIR"
ninja -C "$BUILD_DIR" >/dev/null

say "training (a few seconds per workload)"
BENCH="$BUILD_DIR/tests/bench"
train() { "$@" >/dev/null 2>&1 || { echo "build_pgo.sh: training run failed: $*" >&2; exit 1; }; }
train "$BENCH/synline-bench-syn" rate --runs 1 --seconds 1 --cpu "$CPU"
train "$BENCH/synline-bench-syn" rate --runs 1 --seconds 1 --cpu "$CPU" --checksums offload
train "$BENCH/synline-bench-syn" badack 200000 --cpu "$CPU"
for scenario in conn keepalive bulk; do
    train "$BENCH/synline-bench-path" "$scenario" rate --runs 1 --seconds 1 --cpu "$CPU"
done

say "build with the profile"
meson configure "$BUILD_DIR" -Db_pgo=use >/dev/null
ninja -C "$BUILD_DIR" >/dev/null
say "done: $BUILD_DIR (release, LTO, -fprofile-use)"
