#!/usr/bin/python3
"""A minimal client of DPDK's telemetry socket, as dpdk-telemetry.py is (Debian
12's dpdk package does not ship that script).

usage: telemetry_client.py SOCKET COMMAND...
  SOCKET   /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2
  COMMAND  e.g. /synline/stats or /synline/worker,0
Prints one JSON object {"<command>": reply, ...} with every reply (a command
whose callback failed replies null). Exit 1 when the socket cannot be read.
"""
import json
import socket
import sys

path, commands = sys.argv[1], sys.argv[2:]
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    # The greeting: {"version": ..., "pid": ..., "max_output_len": ...}.
    hello = json.loads(s.recv(1024).decode())
    out = {}
    for c in commands:
        s.send(c.encode())
        reply = json.loads(s.recv(hello["max_output_len"]).decode())
        out[c] = reply.get(c.split(",")[0])
    s.close()
except (OSError, ValueError, KeyError) as e:
    print("error: %s: %s" % (path, e), file=sys.stderr)
    sys.exit(1)
print(json.dumps(out))
