#!/usr/bin/env bash
# Run pktgen's SYN-flood recipes against synline-server over net_memif (one
# machine, no NIC, no namespaces). See docs/PKTGEN.md.
#
#   scripts/pktgen/run-against-memif.sh                      print the plan, run nothing
#   PKTGEN=/path/to/pktgen scripts/pktgen/run-against-memif.sh   print it and run it, bounded
#
# Without PKTGEN it prints the exact command lines (synline-server on the memif
# server end, drivers-cfg/memif-server.conf; pktgen on the client end) and
# exits 0. With PKTGEN (your own pktgen 23.06.1 binary, built as docs/PKTGEN.md
# says; this project ships no pktgen and no script to build it) it starts
# synline-server, waits for "ready", runs pktgen under a pseudo-terminal (it
# draws a VT100 screen and refuses to start without one) until the flood ends
# and pktgen quits by itself or a hard time limit passes, stops synline-server
# (SIGINT: clean stop, counters printed), prints synline's SYN counters and
# removes everything it created. Run as root (DPDK).
#
# Environment (all optional):
#   MODE         range (default): scripts/pktgen/syn-flood-range.pkt
#                lua: scripts/pktgen/syn-flood-range.lua (pktgen built with Lua)
#                pcap: make_syn_pcap.py + pktgen -s 0:FILE + replay-pcap.pkt
#   PKTGEN       path to your pktgen binary; unset = print the plan only
#   SERVER       synline-server binary (default build/app/server/synline-server)
#   RATE         percent of the link speed (memif reports 100 Gb/s: 1% = 1.488 M
#                64-byte frames/s; on 2 shared CPUs pktgen reaches ~0.3 M/s) (default 1)
#   COUNT        SYNs to send (default 3000000; pcap: 100000 = pcap size)
#   DURATION     seconds after which pktgen stops sending and quits even if
#                COUNT is not reached (default 20; hard limit = DURATION + 60)
#   SYN_COOKIES  synline's tcp.syn_cookies: always (default) | on-overflow | off
#   FRESH_FLOWS  lua mode: 1 = new ~24,576 flows per pool round (default 0)
#   GEN_LCORES / GEN_CPUS, SERVER_LCORES / SERVER_CPUS
#                lcore maps and taskset CPU lists; defaults: with 4+ CPUs pktgen
#                '0@0,1@1' on 0,1 and synline '0@2,1@3' on 2,3; with 2-3 CPUs
#                pktgen '0@0,1@0' on CPU 0 and synline '0@1,1@1' on CPU 1
#   PKTGEN_MEM   pktgen's EAL -m in MiB (default 2048: it makes five pools of
#                ~24,576 10-KiB mbufs, ~1.3 GB, plus the pcap)
#   WORK         directory for the socket, logs and generated files (run mode:
#                a new mktemp -d, removed at the end; plan: /tmp/synline-pktgen)
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT" || exit 1
HERE=scripts/pktgen

MODE="${MODE:-range}"
case "$MODE" in range|lua|pcap) ;; *) echo "run-against-memif.sh: MODE must be range, lua or pcap (got '$MODE')" >&2; exit 1 ;; esac
PKTGEN="${PKTGEN:-}"
SERVER="${SERVER:-build/app/server/synline-server}"
RATE="${RATE:-1}"
if [[ "$MODE" == pcap ]]; then COUNT="${COUNT:-100000}"; else COUNT="${COUNT:-3000000}"; fi
DURATION="${DURATION:-20}"
SYN_COOKIES="${SYN_COOKIES:-always}"
FRESH_FLOWS="${FRESH_FLOWS:-0}"
PKTGEN_MEM="${PKTGEN_MEM:-2048}"
for v in RATE COUNT DURATION PKTGEN_MEM; do
    [[ "${!v}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "run-against-memif.sh: $v must be a number (got '${!v}')" >&2; exit 1; }
done
[[ "$COUNT" =~ ^[0-9]+$ && "$DURATION" =~ ^[0-9]+$ ]] || { echo "run-against-memif.sh: COUNT and DURATION must be integers" >&2; exit 1; }
case "$SYN_COOKIES" in always|on-overflow|off) ;; *) echo "run-against-memif.sh: SYN_COOKIES must be always, on-overflow or off" >&2; exit 1 ;; esac

# Addresses. memif-server.conf fixes synline's MAC; memif-client's MAC is used
# for pktgen's port. pktgen's address is synline's gateway; the spoofed sources
# (198.18.0.0/15) are off-link, so every SYN-ACK goes to pktgen's port.
SYN_MAC=02:53:59:4e:00:01
GEN_MAC=02:53:59:4e:00:02
SYN_IP=10.77.0.2
GEN_IP=10.77.0.1
PREFIX=24
SYN_PORT=80

ncpu="$(nproc)"
if ((ncpu >= 4)); then
    GEN_LCORES="${GEN_LCORES:-0@0,1@1}";       GEN_CPUS="${GEN_CPUS:-0,1}"
    SERVER_LCORES="${SERVER_LCORES:-0@2,1@3}"; SERVER_CPUS="${SERVER_CPUS:-2,3}"
elif ((ncpu >= 2)); then
    GEN_LCORES="${GEN_LCORES:-0@0,1@0}";       GEN_CPUS="${GEN_CPUS:-0}"
    SERVER_LCORES="${SERVER_LCORES:-0@1,1@1}"; SERVER_CPUS="${SERVER_CPUS:-1}"
else
    GEN_LCORES="${GEN_LCORES:-0@0,1@0}";       GEN_CPUS="${GEN_CPUS:-0}"
    SERVER_LCORES="${SERVER_LCORES:-0@0,1@0}"; SERVER_CPUS="${SERVER_CPUS:-0}"
fi

RUN=0; [[ -n "$PKTGEN" ]] && RUN=1
if ((RUN)); then
    WORK="${WORK:-$(mktemp -d /tmp/synline-pktgen.XXXXXX)}"
else
    WORK="${WORK:-/tmp/synline-pktgen}"
fi
SOCK="$WORK/synline.memif"
PREFIX_NAME=pktgen; ((RUN)) && PREFIX_NAME="pktgen-$$"
PG="${PKTGEN:-pktgen}"

# Shell-quote one word for the printed plan: bare when safe, else in '...'.
q() {
    if [[ "$1" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then printf '%s' "$1"
    else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}

# ---- the flood file: the repository's, or a copy with other variable values --
# pktgen command files set their variables with `env set NAME VALUE` lines;
# other values need an edited copy (pktgen does not read the shell environment).
pkt_src="$HERE/syn-flood-range.pkt"; [[ "$MODE" == pcap ]] && pkt_src="$HERE/replay-pcap.pkt"
file_default() { sed -n "s/^env set $1 //p" "$pkt_src"; }
sed_args=()
declare -A want=([RATE]="$RATE" [COUNT]="$COUNT" [GEN_IP]="$GEN_IP/$PREFIX")
if [[ "$MODE" != lua ]]; then   # the Lua recipe reads the environment instead
    for v in RATE COUNT GEN_IP; do
        [[ "$(file_default "$v")" == "${want[$v]}" ]] || sed_args+=(-e "s|^env set $v .*|env set $v ${want[$v]}|")
    done
fi
if ((${#sed_args[@]})); then
    PKT_FILE="$WORK/$(basename "$pkt_src")"
else
    PKT_FILE="$pkt_src"
fi
PCAP_FILE="$WORK/syn-$COUNT.pcap"

# The finish file (range and pcap modes): after DURATION seconds stop the
# port and quit, so pktgen stops its port (rte_eth_dev_stop) before it exits.
FINISH="$WORK/finish.pkt"
RESULT="$WORK/pktgen-result.txt"

server_cmd=(taskset -c "$SERVER_CPUS" "$SERVER" --config drivers-cfg/memif-server.conf
            --var "socket=$SOCK" --set "eal.lcores=$SERVER_LCORES"
            --ip "$SYN_IP/$PREFIX" --gateway "$GEN_IP" --serve "http:$SYN_PORT"
            --set "tcp.syn_cookies=$SYN_COOKIES" --duration $((DURATION + 90)))
gen_env=()
[[ "$MODE" == lua ]] && gen_env=(env "SYN_MAC=$SYN_MAC" "SYN_IP=$SYN_IP" "SYN_PORT=$SYN_PORT"
                                 "GEN_IP=$GEN_IP/$PREFIX" "RATE=$RATE" "COUNT=$COUNT"
                                 "FRESH_FLOWS=$FRESH_FLOWS")
gen_cmd=(taskset -c "$GEN_CPUS" "$PG" --lcores "$GEN_LCORES" --no-huge -m "$PKTGEN_MEM" --no-pci
         --file-prefix "$PREFIX_NAME"
         --vdev "net_memif0,role=client,id=0,socket=$SOCK,socket-abstract=no,mac=$GEN_MAC"
         -- -P -m "[1].0")
case "$MODE" in
    range) gen_cmd+=(-f "$PKT_FILE") ;;
    lua)   gen_cmd+=(-f "$HERE/syn-flood-range.lua") ;;
    pcap)  gen_cmd+=(-s "0:$PCAP_FILE" -f "$PKT_FILE") ;;
esac

print_cmd() { local w out=""; for w in "$@"; do out+="$(q "$w") "; done; printf '%s\n' "${out% }"; }

# ---- the plan -------------------------------------------------------------------
echo "== synline-server vs pktgen over net_memif: MODE=$MODE RATE=$RATE% COUNT=$COUNT tcp.syn_cookies=$SYN_COOKIES"
echo "# Run as root from $ROOT, each step in its own terminal, in this order."
echo "# pktgen: your own pktgen 23.06.1 binary (docs/PKTGEN.md), e.g. ~/src/pktgen-23.06.1/build/app/pktgen;"
echo "# it must be built to tolerate memif refusing the MTU (memif has no MTU setting:"
echo "# an unmodified 23.06.1 panics with 'Cannot set MTU 1500 on port 0, (95)Operation not"
echo "# supported'; the one-line change is in docs/PKTGEN.md). Its terminal needs >= 132x42."
echo
echo "# 0. a directory for the memif socket and generated files"
print_cmd mkdir -p "$WORK"
if ((${#sed_args[@]})); then
    echo "#    and $(basename "$pkt_src") with other RATE/COUNT/GEN_IP values (its 'env set' lines)"
    printf '%s > %s\n' "$(print_cmd sed "${sed_args[@]}" "$pkt_src")" "$(q "$PKT_FILE")"
fi
if [[ "$MODE" == pcap ]]; then
    echo "#    and a pcap of $COUNT SYNs from distinct random sources to synline's MAC/IP/port"
    print_cmd /usr/bin/python3 "$HERE/make_syn_pcap.py" "$PCAP_FILE" "$SYN_MAC" "$SYN_IP" "$SYN_PORT" "$COUNT"
fi
echo
echo "# 1. synline-server on the memif server end (listens first: the client does not retry);"
echo "#    one status line a second ('rx N pps  tx N pps': SYNs in, SYN-ACKs out); ends by itself"
echo "#    after --duration, or Ctrl-C; then one 'stat NAME VALUE' line per counter"
print_cmd "${server_cmd[@]}"
echo
echo "# 2. once it prints 'synline-server: ready': pktgen on the client end."
case "$MODE" in
    range) echo "#    $(basename "$PKT_FILE") sends COUNT SYNs at RATE from ~24,576 distinct flows, then stops." ;;
    lua)   echo "#    the Lua recipe: same flood; its summary line says how many SYNs and how fast." ;;
    pcap)  echo "#    pktgen replays the pcap: $COUNT distinct flows, COUNT frames at RATE." ;;
esac
echo "#    'page main' shows the counters; 'quit' leaves pktgen (stopping its port first)."
print_cmd "${gen_env[@]}" "${gen_cmd[@]}"
echo
echo "# 3. read: pktgen 'Total Tx Pkts' (SYNs sent) and 'Total Rx Pkts' (SYN-ACKs + ARP back);"
echo "#    synline (after Ctrl-C): tcp.handshake.syns_received (= SYNs that arrived),"
echo "#    tcp.handshake.synacks_from_cookie / synacks_from_queue (answers), drop.* (what was lost where),"
echo "#    rx_packets / tx_packets. Stop pktgen before synline: memif's survivor can crash"
echo "#    if its peer vanishes mid-traffic."
echo "# 4. clean up"
print_cmd rm -rf "$WORK"
echo

if ((!RUN)); then
    echo "(plan only: set PKTGEN=/path/to/your/pktgen to run it here, bounded, and print synline's counters)"
    exit 0
fi

# ---- run it -----------------------------------------------------------------------
say() { printf '== %s\n' "$*"; }
fail() { echo "run-against-memif.sh: $*" >&2; exit 1; }
[[ -x "$PKTGEN" ]] || fail "PKTGEN=$PKTGEN is not an executable file"
[[ -x "$SERVER" ]] || fail "$SERVER not found: build synline first (meson setup build && ninja -C build)"
command -v script >/dev/null || fail "'script' (util-linux) is needed to give pktgen a terminal"
command -v setsid >/dev/null || fail "'setsid' (util-linux) is needed"
[[ "$MODE" != pcap ]] || /usr/bin/python3 -c 'import scapy' 2>/dev/null ||
    fail "pcap mode needs scapy under /usr/bin/python3 (apt-get install python3-scapy)"

SERVER_PID=""; GEN_PGID=""
cleanup() {
    if [[ -n "$GEN_PGID" ]] && kill -0 "$GEN_PGID" 2>/dev/null; then
        kill -TERM -- "-$GEN_PGID" 2>/dev/null; sleep 1; kill -KILL -- "-$GEN_PGID" 2>/dev/null
    fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -INT "$SERVER_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "/var/run/dpdk/$PREFIX_NAME"
    [[ "${KEEP:-0}" == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK"
((${#sed_args[@]})) && sed "${sed_args[@]}" "$pkt_src" >"$PKT_FILE"
if [[ "$MODE" == pcap ]]; then
    say "pcap: $COUNT SYNs"
    /usr/bin/python3 "$HERE/make_syn_pcap.py" "$PCAP_FILE" "$SYN_MAC" "$SYN_IP" "$SYN_PORT" "$COUNT" || fail "make_syn_pcap.py failed"
fi
printf 'sleep %s\nstop 0\nsleep 2\nquit\n' "$DURATION" >"$FINISH"
[[ "$MODE" != lua ]] && gen_cmd+=(-f "$FINISH")
[[ "$MODE" == lua ]] && gen_env+=("QUIT=1" "RESULT_FILE=$RESULT" "DURATION_S=$DURATION")

say "synline-server (cpus $SERVER_CPUS)"
"${server_cmd[@]}" >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
deadline=$((SECONDS + 15))
until grep -q '^synline-server: ready' "$WORK/server.log" 2>/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; SERVER_PID=""; fail "synline-server exited before ready"; }
    ((SECONDS < deadline)) || { cat "$WORK/server.log" >&2; fail "synline-server not ready within 15 s"; }
    sleep 0.1
done

say "pktgen (cpus $GEN_CPUS), at most $((DURATION + 60)) s; its screen goes to $WORK/pktgen.log"
gen_line="$(print_cmd "${gen_env[@]}" "${gen_cmd[@]}")"
t0=$SECONDS
setsid script -q -e -c "$gen_line" /dev/null </dev/null >"$WORK/pktgen.log" 2>&1 &
GEN_PGID=$!
limit=$((SECONDS + DURATION + 60)); timed_out=0
while kill -0 "$GEN_PGID" 2>/dev/null; do
    ((SECONDS < limit)) || { timed_out=1; break; }
    sleep 0.2
done
if ((timed_out)); then
    say "pktgen still running after $((DURATION + 60)) s: killing it"
    kill -TERM -- "-$GEN_PGID" 2>/dev/null; sleep 1; kill -KILL -- "-$GEN_PGID" 2>/dev/null
fi
wait "$GEN_PGID" 2>/dev/null; gen_rc=$?; GEN_PGID=""
say "pktgen exited ($gen_rc) after $((SECONDS - t0)) s"
plain_log() { sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$WORK/pktgen.log" | tr '\r' '\n'; }
plain_log | grep -aoE '(!PANIC!|PANIC in|WARNING:|ERROR:|\*\* command not found|Set command is invalid|Range command error)[^|]{0,150}' |
    sort -u | head -n 8 | sed 's/^/  pktgen: /'
[[ -s "$RESULT" ]] && cat "$RESULT"

kill -INT "$SERVER_PID" 2>/dev/null
for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$SERVER_PID" 2>/dev/null; server_rc=$?; SERVER_PID=""

stat() { awk -v n="$1" '$1 == "stat" && $2 == n { print $3; f = 1 } END { if (!f) print 0 }' "$WORK/server.log"; }
say "synline-server exited ($server_rc); its counters:"
for n in rx_packets tx_packets tcp.handshake.syns_received tcp.handshake.synacks_from_cookie \
         tcp.handshake.synacks_from_queue tcp.handshake.syn_queue_overflows tcp.dropped.syn_queue_full \
         tcp.handshake.syn_queue port.imissed; do
    printf '  stat %-40s %s\n' "$n" "$(stat "$n")"
done
grep -E '^stat (drop\.|tcp\.dropped\.)' "$WORK/server.log" | awk '$3 != 0 { printf "  %s %-40s %s\n", $1, $2, $3 }'
# The busiest second of the status lines ("[   3.0s] rx N pps  tx N pps | ...").
sed -n 's/^\[ *[0-9.]*s\] rx \([0-9]*\) pps  *tx \([0-9]*\) pps.*/\1 \2/p' "$WORK/server.log" | sort -n | tail -n 1 |
    awk '$1 > 0 { printf "  busiest second: rx %d pps (SYNs in), tx %d pps (SYN-ACKs out)\n", $1, $2 }'
syns="$(stat tcp.handshake.syns_received)"
if [[ "$server_rc" != 0 || "$syns" == 0 ]]; then
    echo "run-against-memif.sh: no SYN reached synline (server exit $server_rc); see the logs (KEEP=1 keeps $WORK)" >&2
    exit 1
fi
say "ok: $syns SYNs reached synline-server"
