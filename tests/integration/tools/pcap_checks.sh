# shellcheck shell=bash
# tests/integration/tools/pcap_checks.sh -- sourced after scripts/lib/netns.sh.
#
#   sl_pcap_expert_ok PCAP SRC_IP LABEL
#       tshark's expert info with TCP checksum verification: fails the test if
#       any segment from SRC_IP raises error-level expert info. Logs the
#       summary (all severities) to stderr.
#   sl_pcap_fields PCAP OUT [DISPLAY_FILTER]
#       One tab-separated line per TCP segment into OUT:
#       frame time src dst srcport dstport flags(hex) seq_raw ack_raw len
#       syn ack fin rst option_kinds(comma list) mss wscale_shift

sl_pcap_expert_ok() {
    local pcap="$1" src="$2" label="$3" d nerr
    d="$(sl_tmpdir)"
    [[ -s "$pcap" ]] || sl_fail "$label: empty capture $pcap"
    tshark -n -r "$pcap" -o tcp.check_checksum:TRUE -q -z expert >"$d/$label.expert" 2>&1 \
        || sl_fail "$label: tshark -z expert failed: $(head -c 300 "$d/$label.expert")"
    sl_log "$label: tshark expert summary (all sources):"
    sed -e '/^$/d' -e 's/^/    /' "$d/$label.expert" >&2
    tshark -n -r "$pcap" -o tcp.check_checksum:TRUE -q -z "expert,error,ip.src==$src" \
        >"$d/$label.expert.src" 2>&1 \
        || sl_fail "$label: tshark -z expert,error failed: $(head -c 300 "$d/$label.expert.src")"
    nerr="$(tshark -n -r "$pcap" -o tcp.check_checksum:TRUE \
            -Y "ip.src == $src && _ws.expert.severity == error" -T fields -e frame.number \
            2>/dev/null | wc -l)"
    if [[ "$nerr" -ne 0 ]] || grep -q '^Errors' "$d/$label.expert.src"; then
        cat "$d/$label.expert.src" >&2
        sl_fail "$label: tshark expert info reports $nerr error-level segment(s) from $src"
    fi
    echo "$label: tshark expert (checksums verified): no error-level info for segments from $src"
}

sl_pcap_fields() {
    local pcap="$1" out="$2" filter="${3:-tcp}"
    tshark -n -r "$pcap" -Y "$filter" -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e frame.time_relative -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport \
        -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw -e tcp.len \
        -e tcp.flags.syn -e tcp.flags.ack -e tcp.flags.fin -e tcp.flags.reset \
        -e tcp.option_kind -e tcp.options.mss_val -e tcp.options.wscale.shift \
        >"$out" 2>"$out.err" || sl_fail "tshark fields failed: $(head -c 300 "$out.err")"
}

# Human-readable summary of a capture to stderr (for the log).
sl_pcap_log() {
    tshark -n -r "$1" -Y tcp 2>/dev/null | sed 's/^/    /' | head -n "${2:-40}" >&2
}
