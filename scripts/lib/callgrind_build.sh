# Sourced by the benchmark scripts: a release build that valgrind can run, for
# callgrind's instruction counts.
#
# valgrind 3.19 (Debian 12) stops at the first AVX-512 instruction, and
# -march=native emits them on CPUs that have AVX-512 (Zen 4 and 5, Intel
# server parts). So the counts come from a build for a fixed ISA without it:
# -march=znver3 (AVX2, AES-NI, BMI2), the CPU the count history in
# docs/BENCHMARKS.md was taken on with -march=native, whose counts it
# reproduces exactly. The same build gives the same counts on any host.
#
#   callgrind_build DIR TARGET...   configure DIR if needed, build the targets
#
# Environment: CG_CPU overrides the -march target (meson option `cpu`).

callgrind_build() {
    local dir="$1" cpu="${CG_CPU:-znver3}" log
    shift
    log="$(mktemp /tmp/callgrind-build.XXXXXX)"
    if [[ ! -f "$dir/build.ninja" ]]; then
        meson setup "$dir" "$ROOT" --buildtype=release -Dcpu="$cpu" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
    else
        meson configure "$dir" -Dcpu="$cpu" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
    fi
    ninja -C "$dir" "$@" >"$log" 2>&1 || { tail -30 "$log" >&2; rm -f "$log"; return 1; }
    rm -f "$log"
}
