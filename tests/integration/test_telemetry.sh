#!/usr/bin/env bash
# The server's counters over DPDK telemetry while it runs: after a known
# amount of traffic (6 HTTP connections, 1 echo connection) a telemetry client
# (tools/telemetry_client.py, on the EAL's socket) reads /synline/stats,
# /synline/worker,0, /synline/workers, /synline/drops, /synline/tcp/dropped,
# /synline/listeners and /synline/listener,80, and the figures must be those
# traffic made and those the server prints at exit.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
sl_test_begin telemetry
sl_require_server
sl_topology_create
d="$(sl_tmpdir)"
prefix="sltel-$$"
sock="/var/run/dpdk/$prefix/dpdk_telemetry.v2"
sl_server_start --set "eal.file_prefix=$prefix" || sl_fail "server did not become ready"
[[ -S "$sock" ]] || sl_fail "no telemetry socket at $sock"

for i in 1 2 3 4 5 6; do
    sl_client curl -s --max-time 10 -H 'Connection: close' -o /dev/null "http://$SL_SERVER_IP/" ||
        sl_fail "curl request $i failed"
done
printf 'telemetry\n' | sl_client timeout 10 socat -t 3 - "TCP:$SL_SERVER_IP:7,connect-timeout=5" >"$d/echo" ||
    sl_fail "echo connection failed"
sleep 0.5  # the workers publish every 100 ms

"$SL_PY" "$(dirname "$0")/tools/telemetry_client.py" "$sock" /synline/stats /synline/worker,0 /synline/worker,7 \
    /synline/workers /synline/drops /synline/tcp/dropped /synline/listeners /synline/listener,80 \
    /synline/listener,81 >"$d/tel.json" 2>"$d/tel.err" || sl_fail "telemetry read failed: $(cat "$d/tel.err")"
sl_server_stop
sl_server_stats | sed 's/^stat //' >"$d/final.txt"
"$SL_PY" - "$d/tel.json" "$d/final.txt" 2>"$d/check.err" <<'PY' || sl_fail "$(cat "$d/check.err")"
import json, sys
tel = json.load(open(sys.argv[1]))
final = dict(l.split() for l in open(sys.argv[2]))
name = lambda n: n.replace(".", "/").replace("-", "_")
errors = []
def check(ok, what):
    if not ok:
        errors.append(what)
stats, w0 = tel["/synline/stats"], tel["/synline/worker,0"]
check(isinstance(stats, dict) and len(stats) > 100, "stats: %r" % (stats,))
check(stats.get("tcp/opened_passive") == 7, "7 connections made, stats say %s" % stats.get("tcp/opened_passive"))
check(w0.get("tcp/opened_passive") == 7 and w0.get("worker") == 0, "worker 0: %s" % w0.get("tcp/opened_passive"))
# Counters that the traffic had settled before the read: the same at exit.
for n in ("tcp.opened_passive", "tcp.closed.normal", "tcp.handshake.syns_received"):
    if n in final:
        check(stats.get(name(n)) == int(final[n]), "%s: telemetry %s, at exit %s" % (n, stats.get(name(n)), final[n]))
# Every counter of the exit lines is there, under its telemetry name.
missing = [n for n in final if not n.startswith("port.") and name(n) not in stats]
check(not missing, "counters missing from /synline/stats: %s" % missing[:5])
check(stats.get("rx_packets", 0) > 7 * 3 and stats.get("tx_packets", 0) > 7 * 3, "rx/tx too low")
check(tel["/synline/worker,7"] is None, "worker 7 (none such) answered %r" % tel["/synline/worker,7"])
check(tel["/synline/workers"] == {"count": 1, "lcores": [1]}, "workers: %r" % tel["/synline/workers"])
drops = tel["/synline/drops"]
check(set(drops) == {n[len("drop."):] for n in final if n.startswith("drop.")}, "drops: %r" % drops)
dropped = tel["/synline/tcp/dropped"]
check(set(dropped) == {name(n[len("tcp.dropped."):]) for n in final if n.startswith("tcp.dropped.")},
      "tcp/dropped: %r" % dropped)
check(sorted(tel["/synline/listeners"]) == [7, 9, 80], "listeners: %r" % tel["/synline/listeners"])
check(tel["/synline/listener,80"] == {"port": 80, "syn_backlog": 4096, "backlog": 4096, "workers": 1},
      "listener 80: %r" % tel["/synline/listener,80"])
check(tel["/synline/listener,81"] is None, "listener 81 (none such) answered")
if errors:
    print("; ".join(errors), file=sys.stderr)
    sys.exit(1)
print("telemetry: %d counters; opened_passive %d, rx_packets %d" %
      (len(stats), stats["tcp/opened_passive"], stats["rx_packets"]))
PY
[[ ! -e "/var/run/dpdk/$prefix" ]] || sl_fail "/var/run/dpdk/$prefix left behind"
sl_pass
