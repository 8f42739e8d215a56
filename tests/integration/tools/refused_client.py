#!/usr/bin/python3
"""Connect to HOST PORT and expect 'connection refused' (an RST) quickly.

usage: refused_client.py HOST PORT [PORT...]
Prints one line per port; exit 0 if every connect was refused.
"""
import socket
import sys
import time

host = sys.argv[1]
ok = True
for port in map(int, sys.argv[2:]):
    t0 = time.monotonic()
    try:
        s = socket.create_connection((host, port), timeout=5)
        s.close()
        print(f"error: port {port}: connect succeeded")
        ok = False
    except ConnectionRefusedError:
        print(f"ok: port {port}: connection refused in {1000 * (time.monotonic() - t0):.1f} ms")
    except OSError as e:
        print(f"error: port {port}: {e!r} after {time.monotonic() - t0:.1f}s (expected ConnectionRefusedError)")
        ok = False
sys.exit(0 if ok else 1)
