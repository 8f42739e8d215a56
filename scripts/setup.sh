#!/usr/bin/env bash
# scripts/setup.sh -- install the Debian 12 packages synline needs to build and
# test, then configure and build it with meson+ninja.
#
#   scripts/setup.sh              # packages + build (build/)
#   scripts/setup.sh --no-build   # packages only
#   scripts/setup.sh --build-dir DIR
#
# Idempotent and quick when everything is already there: apt is only called
# when a package is missing, meson setup only when DIR is not configured.
# Needs root for apt (CI runs as root with CI=true and no stdin).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${SYNLINE_BUILD_DIR:-$ROOT/build}"
DO_BUILD=1

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) DO_BUILD=0 ;;
        --build-dir) BUILD_DIR="$(realpath -m "$2")"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "setup.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

PACKAGES=(
    # build
    dpdk libdpdk-dev meson ninja-build pkg-config g++ libboost-dev catch2 libpcap-dev
    # fuzz targets (libFuzzer is clang's) and readable sanitizer reports
    clang-14 libclang-rt-14-dev llvm-14
    # test and demo tools
    iproute2 ethtool curl netcat-openbsd python3 python3-scapy tshark iputils-ping
    valgrind wrk hping3 socat tcpdump util-linux procps coreutils gawk gdb nftables time
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
    echo "setup.sh: installing: ${missing[*]}"
    if [[ $EUID -ne 0 ]]; then
        echo "setup.sh: missing packages and not root; run as root: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; answer once, quietly.
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections 2>/dev/null || true
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
    echo "setup.sh: all ${#PACKAGES[@]} packages present"
fi

# scapy must import under the system interpreter (another python3 may come first on PATH).
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null \
    || { echo "setup.sh: /usr/bin/python3 cannot import scapy" >&2; exit 1; }

if [[ $DO_BUILD -eq 1 ]]; then
    if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
        if [[ -d "$BUILD_DIR/meson-private" ]]; then
            meson setup --reconfigure "$BUILD_DIR" "$ROOT"
        else
            meson setup "$BUILD_DIR" "$ROOT"
        fi
    fi
    ninja -C "$BUILD_DIR"
fi
