#!/usr/bin/env bash
# synline-gen on the af_packet veth (in the server namespace, where
# synline-server runs in the other tests) against a Linux server in the client
# namespace: a small Python HTTP/1.1 server. cps and rps for a few seconds
# each, then cps with two workers; all must show successful operations and
# zero errors. Bounded: ~30 s.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib/netns.sh"
sl_test_begin gen_kernel_smoke

GEN_BIN="${SYNLINE_GEN:-$SL_BUILD_DIR/app/gen/synline-gen}"
[[ -x "$GEN_BIN" ]] || sl_fail "synline-gen not found: $GEN_BIN (ninja -C $SL_BUILD_DIR)"
[[ -f "$SL_CONFIG" ]] || sl_fail "config not found: $SL_CONFIG"
T="$(sl_tmpdir)"
PORT=8080
GEN_SECONDS="${GEN_SECONDS:-3}"

sl_topology_create

cat >"$T/server.py" <<'PY'
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive unless the client says close
    body = b"hello from the kernel\n"
    def do_GET(self):
        # One write: headers and body in one segment (two writes meet Nagle
        # and the client's delayed ACK: 40 ms per request).
        close = b"Connection: close\r\n" if self.close_connection else b""
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n"
                         % (len(self.body), close) + self.body)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True
s = S((sys.argv[1], int(sys.argv[2])), H)
print("ready", flush=True)
s.serve_forever()
PY
sl_client_bg "$T/kserver.out" '^ready' "$SL_PY" "$T/server.py" "$SL_CLIENT_IP" "$PORT" ||
    sl_fail "the kernel HTTP server did not start: $(cat "$T/kserver.out.err")"

# gen NAME ARGS...: one bounded run in the server namespace on the veth.
gen() {
    local name="$1"; shift
    sl_log "gen $name: $*"
    sl_srvns timeout -k 3 30 "$GEN_BIN" --config "$SL_CONFIG" --var "iface=$SL_IF_SERVER" \
        --ip "$SL_SERVER_CIDR" --target "$SL_CLIENT_IP:$PORT" --duration "$GEN_SECONDS" \
        --json "$T/$name.json" "$@" >"$T/$name.out" 2>&1
    local rc=$?
    grep -E '^\[|^  |^synline-gen: (cps|rps) ' "$T/$name.out" >&2
    ((rc == 0)) || { tail -n 5 "$T/$name.out" >&2; sl_fail "synline-gen $name exited with $rc"; }
    "$SL_PY" - "$T/$name.json" <<'PY' || sl_fail "$name: $(cat "$T/$name.json")"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["ok"] > 0 and r["errors_total"] == 0 else 1)
PY
}

gen cps --mode cps --concurrency 8
gen rps --mode rps --connections 4
# Active opens from two workers (af_packet qpairs=2): each picks source ports
# whose replies Toeplitz homes on it; both open connections, none fails.
gen cps2 --mode cps --concurrency 8 --set eal.lcores=0@0,1@0,2@1
"$SL_PY" - "$T/cps2.json" <<'PY' || sl_fail "cps2: both workers must open connections: $(cat "$T/cps2.json")"
import json, sys
s = json.load(open(sys.argv[1]))["stack"]
print("cps2: opened_active per worker:", s.get("worker0.tcp.opened_active"), s.get("worker1.tcp.opened_active"),
      "handed over:", s.get("worker0.steer.arrived"), s.get("worker1.steer.arrived"), file=sys.stderr)
sys.exit(0 if s.get("worker0.tcp.opened_active", 0) > 0 and s.get("worker1.tcp.opened_active", 0) > 0 else 1)
PY

# The kernel's view: no bad checksums from synline's frames.
csum="$(sl_client nstat -az TcpInCsumErrors 2>/dev/null | awk '$1 == "TcpInCsumErrors" {print $2}')"
[[ -z "$csum" || "$csum" == 0 ]] || sl_fail "kernel counted $csum TCP checksum errors"
sl_pass
