#!/usr/bin/python3
"""A one-connection Linux kernel TCP server for tests in which synline is the
active opener (synline-peer). Runs inside the client namespace.

usage: kernel_server.py IP PORT MODE [options]
  MODE echo              echo everything until EOF, then close
  MODE reply-after-eof   read until EOF (our side is then CLOSE-WAIT), then
                         send --reply-bytes N bytes (a repeating text pattern)
                         and close
  MODE close-at          read --expect-bytes N bytes (optional), then close()
                         at wall-clock instant --at T (spinning for the last
                         20 ms so that the FIN leaves within microseconds of T);
                         then read until EOF (or --timeout)
Options: --reply-bytes N, --at T, --expect-bytes N, --timeout S (default 15),
  --drain HOST:PORT:FRAME  (close-at) immediately before the FIN, send one UDP
                           datagram to HOST:PORT whose Ethernet frame is FRAME
                           bytes long: it empties a token-bucket shaper on the
                           interface so that the FIN behind it waits (a delay
                           line where netem is not available)

Prints 'listening' once the socket listens, then one result line:
  'ok mode=... received=N eof=0|1 sent=M ...' (exit 0) or 'error: ...' (exit 1).
"""
import argparse
import select
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("ip")
ap.add_argument("port", type=int)
ap.add_argument("mode", choices=["echo", "reply-after-eof", "close-at"])
ap.add_argument("--reply-bytes", type=int, default=0)
ap.add_argument("--at", type=float, default=None)
ap.add_argument("--expect-bytes", type=int, default=0)
ap.add_argument("--timeout", type=float, default=15)
ap.add_argument("--drain", default=None)
a = ap.parse_args()


def fail(msg):
    print(f"error: {msg}", flush=True)
    sys.exit(1)


def pattern(n):
    unit = b"synline-half-close-reply-0123456789\n"
    return (unit * (n // len(unit) + 1))[:n]


ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((a.ip, a.port))
ls.listen(1)
ls.settimeout(a.timeout)
print("listening", flush=True)
try:
    s, peer = ls.accept()
except socket.timeout:
    fail("no connection accepted")
ls.close()
s.settimeout(a.timeout)
t0 = time.monotonic()
received = bytearray()
sent = 0
eof = 0
extra = ""

try:
    if a.mode == "echo":
        while True:
            chunk = s.recv(65536)
            if not chunk:
                eof = 1
                break
            received += chunk
            s.sendall(chunk)
            sent += len(chunk)
        s.close()
    elif a.mode == "reply-after-eof":
        while True:
            chunk = s.recv(65536)
            if not chunk:
                eof = 1
                break
            received += chunk
        data = pattern(a.reply_bytes)
        s.sendall(data)  # from CLOSE-WAIT: the peer has half-closed
        sent = len(data)
        s.close()
    else:  # close-at
        while len(received) < a.expect_bytes:
            chunk = s.recv(65536)
            if not chunk:
                fail(f"EOF after {len(received)} of {a.expect_bytes} bytes, before the close instant")
            received += chunk
        if a.at is not None:
            while a.at - time.time() > 0.02:
                time.sleep(min(0.01, a.at - time.time() - 0.02))
            while time.time() < a.at:
                pass
        if a.drain:
            dh, dp, df = a.drain.rsplit(":", 2)
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.sendto(b"d" * (int(df) - 42), (dh, int(dp)))  # 14 Ethernet + 20 IP + 8 UDP
            u.close()
        t_close = time.time()
        s.shutdown(socket.SHUT_WR)  # the FIN; keep the socket to see the peer's
        extra = f" close_late_us={(t_close - a.at) * 1e6:.0f}" if a.at is not None else ""
        # Watch this socket's TCP state (tcpi_state) every millisecond until
        # EOF and the end of the close: FIN_WAIT1 -> CLOSING -> CLOSE (the
        # kernel moves a socket that completed the close to a TIME-WAIT mini
        # socket, so the user's socket reads CLOSE) is a simultaneous close.
        names = {1: "ESTABLISHED", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE",
                 8: "CLOSE_WAIT", 9: "LAST_ACK", 11: "CLOSING"}
        states = []
        deadline = time.monotonic() + a.timeout
        s.setblocking(False)
        while time.monotonic() < deadline:
            st = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
            if not states or states[-1] != names.get(st, str(st)):
                states.append(names.get(st, str(st)))
            if eof and st in (6, 7):
                break
            if not eof:
                r, _, _ = select.select([s], [], [], 0.001)
                if r:
                    try:
                        chunk = s.recv(65536)
                    except BlockingIOError:
                        chunk = None
                    if chunk == b"":
                        eof = 1
                    elif chunk:
                        received += chunk
            else:
                time.sleep(0.001)
        else:
            fail(f"close not finished within {a.timeout}s: eof={eof} states={','.join(states)}")
        extra += f" states={','.join(states)}"
        s.close()
except ConnectionResetError:
    fail(f"connection reset ({len(received)} bytes received, {sent} sent)")
except socket.timeout:
    fail(f"timeout ({len(received)} bytes received, eof={eof}, {sent} sent)")

text = bytes(received[:200]).decode("latin-1").encode("unicode_escape").decode()
print(f"ok mode={a.mode} peer={peer[0]}:{peer[1]} received={len(received)} eof={eof} sent={sent}"
      f" secs={time.monotonic() - t0:.3f}{extra} text=\"{text}\"", flush=True)
