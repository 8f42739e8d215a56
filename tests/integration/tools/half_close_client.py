#!/usr/bin/python3
"""S20 half-close client: connect to an echo server, send data, shutdown(SHUT_WR),
then receive the complete echo followed by a clean EOF (FIN, not RST).

usage: half_close_client.py HOST PORT [BYTES]
Prints one line: 'ok ...' (exit 0) or 'error: ...' (exit 1).
"""
import hashlib
import os
import socket
import sys
import threading
import time

host, port = sys.argv[1], int(sys.argv[2])
size = int(sys.argv[3]) if len(sys.argv) > 3 else 256 * 1024
TIMEOUT = 20


def fail(msg):
    print(f"error: {msg}")
    sys.exit(1)


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


try:
    s = socket.create_connection((host, port), timeout=TIMEOUT)
except OSError as e:
    fail(f"connect: {e!r}")

# Phase 1: a plain round trip while both directions are open.
hello = b"S20 phase one\n"
s.sendall(hello)
got = recv_exact(s, len(hello))
if got != hello:
    fail(f"phase 1 echo mismatch: sent {hello!r} got {got!r}")

# Phase 2: send a block and half-close at once. The sender runs in its own
# thread so that a large block cannot deadlock on full windows.
data = os.urandom(size)
send_err = []


def sender():
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)  # our FIN; the server enters CLOSE-WAIT
    except OSError as e:
        send_err.append(e)


t = threading.Thread(target=sender)
t0 = time.monotonic()
t.start()
received = bytearray()
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:  # clean EOF: the server's FIN after all the echo
            break
        received += chunk
except ConnectionResetError:
    fail(f"connection reset after {len(received)} of {size} bytes (expected data then FIN)")
except socket.timeout:
    fail(f"timeout after {len(received)} of {size} bytes (no EOF from server)")
t.join(TIMEOUT)
if send_err:
    fail(f"send/shutdown: {send_err[0]!r}")
dt = time.monotonic() - t0
s.close()
if bytes(received) != data:
    fail(f"echo after SHUT_WR differs: sent {size} bytes sha256 {hashlib.sha256(data).hexdigest()[:16]}, "
         f"got {len(received)} bytes sha256 {hashlib.sha256(received).hexdigest()[:16]}")
print(f"ok: {size} bytes echoed after SHUT_WR, then EOF, in {dt:.3f}s")
