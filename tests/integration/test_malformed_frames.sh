#!/usr/bin/env bash
# Malformed frames (scapy, L2 on the client veth): each kind must be dropped and
# counted under its own reason, and the server must keep serving HTTP.
# After the server stops, every 'stat drop.<reason> N' must be >= frames sent.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../scripts/lib/netns.sh"
sl_test_begin malformed_frames
sl_require_server
sl_topology_create
sl_server_start || sl_fail "server did not become ready"

# Learn the server's MAC the way a host does: ARP (via one ping).
sl_client ping -n -c 1 -W 2 "$SL_SERVER_IP" >/dev/null 2>&1 \
    || sl_fail "no ping reply before the test (ARP/ICMP not working)"
mac="$(sl_client ip neigh show "$SL_SERVER_IP" dev "$SL_IF_CLIENT" | awk '/lladdr/ { print $3; exit }')"
[[ -n "$mac" ]] || sl_fail "server MAC not in the client's neighbour table"

# Ip ReasmReqds of the server namespace's kernel: fragments it took for itself.
reasm() { sl_srvns awk '$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) if ($i == "ReasmReqds") c = i; h = 1; next }
                       $1 == "Ip:" { print $c }' /proc/net/snmp; }
reasm0="$(reasm)"

d="$(sl_tmpdir)"
sl_client timeout 60 "$SL_PY" "$HERE/tools/malformed.py" \
    "$SL_IF_CLIENT" "$mac" "$SL_SERVER_IP" "$SL_CLIENT_IP" 3 >"$d/sent" 2>"$d/scapy.err" \
    || sl_fail "scapy sender failed: $(tail -n 3 "$d/scapy.err")"
sleep 0.5
reasm1="$(reasm)"
kernel_frags=$((reasm1 - reasm0))

code="$(sl_client timeout 15 curl -s -o "$d/body" -w '%{http_code}' --connect-timeout 3 --max-time 10 \
        "http://$SL_SERVER_IP/")"
[[ "$code" == 200 ]] || sl_fail "server no longer serves HTTP after malformed frames (status '$code')"
grep -qx 'hello from synline' "$d/body" || sl_fail "HTTP body wrong after malformed frames"

sl_server_stop
[[ "$SL_SERVER_RC" == 0 ]] || sl_fail "server exit status $SL_SERVER_RC after SIGINT (expected 0)"

fails=()
printf '%-28s %6s %6s\n' counter sent stat
while read -r what counter n rest; do
    if [[ "$what" == skip ]]; then
        printf '%-28s %6s %6s  (%s)\n' "drop.$counter" - - "not sent: $n $rest"
        continue
    fi
    v="$(sl_server_stat "drop.$counter")"
    if [[ "$counter" == ipv4_fragment ]] && ((kernel_frags >= n && ${v:-0} < n)); then
        # DPDK 22.11 net_af_packet sets PACKET_FANOUT_FLAG_DEFRAG: the kernel
        # queues fragments for reassembly before the PMD's sockets see them.
        printf '%-28s %6s %6s  (%s)\n' "drop.$counter" "$n" "${v:-missing}" \
            "not checked: the kernel took $kernel_frags fragments for reassembly (af_packet fanout DEFRAG)"
        continue
    fi
    printf '%-28s %6s %6s\n' "drop.$counter" "$n" "${v:-missing}"
    if [[ -z "$v" ]]; then
        fails+=("drop.$counter missing")
    elif ((v < n)); then
        fails+=("drop.$counter $v < $n")
    fi
done <"$d/sent"
((${#fails[@]} == 0)) || sl_fail "${fails[*]}"
sl_pass
