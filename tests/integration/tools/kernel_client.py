#!/usr/bin/python3
"""Linux kernel TCP client scenarios against synline-server (client namespace).

usage: kernel_client.py MODE HOST PORT [BYTES]
  linger0         connect (echo port), send a line, read its echo, set
                  SO_LINGER {on, 0} and close(): the kernel sends RST instead
                  of FIN (S25)
  oversized-head  connect (http port), send BYTES (default 12288) of request
                  head without the blank line that ends it, then read: expect
                  ECONNRESET (ConnectionResetError) when synline aborts (S27)

Prints one line: 'ok ...' (exit 0) or 'error: ...' (exit 1).
"""
import socket
import struct
import sys
import time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
nbytes = int(sys.argv[4]) if len(sys.argv) > 4 else 12288
TIMEOUT = 10


def fail(msg):
    print(f"error: {msg}", flush=True)
    sys.exit(1)


try:
    s = socket.create_connection((host, port), timeout=TIMEOUT)
except OSError as e:
    fail(f"connect: {e!r}")
local = s.getsockname()

if mode == "linger0":
    line = b"S25 abortive close\n"
    s.sendall(line)
    got = b""
    try:
        while len(got) < len(line):
            chunk = s.recv(len(line) - len(got))
            if not chunk:
                break
            got += chunk
    except OSError as e:
        fail(f"reading the echo: {e!r}")
    if got != line:
        fail(f"echo mismatch: sent {line!r}, got {got!r}")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()  # RST, no FIN
    print(f"ok linger0: local port {local[1]}: echo of {len(line)} bytes, then close() with SO_LINGER {{1,0}}")
elif mode == "oversized-head":
    head = b"GET / HTTP/1.1\r\nHost: synline\r\nX-Fill: "
    head += b"a" * max(0, nbytes - len(head))  # no CRLF CRLF: the head never ends
    t0 = time.monotonic()
    stage = "send"
    try:
        s.sendall(head)
        stage = "recv"
        data = s.recv(65536)
        fail(f"recv returned {len(data)} bytes {data[:60]!r} instead of ECONNRESET")
    except ConnectionResetError as e:
        print(f"ok oversized-head: local port {local[1]}: {len(head)} bytes of head; "
              f"ConnectionResetError during {stage} after {1000 * (time.monotonic() - t0):.1f} ms ({e})")
    except socket.timeout:
        fail(f"no reset within {TIMEOUT}s after {len(head)} bytes of head (stage {stage})")
    except OSError as e:
        fail(f"{stage}: {e!r}, expected ConnectionResetError")
else:
    fail(f"unknown mode {mode}")
