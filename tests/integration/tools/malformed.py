#!/usr/bin/python3
"""Send malformed frames to synline-server from the client namespace (L2, sendp).

usage: malformed.py IFACE SERVER_MAC SERVER_IP CLIENT_IP [COUNT]

Every frame carries exactly one defect, so that it must land in exactly one
drop counter. Each variant is sent COUNT times (default 3). Output, one line per
counter: 'sent <counter> <frames>' ; or 'skip <counter> <why>' when the kernel
cannot transmit such a frame at all.
"""
import os
import socket
import sys
from collections import Counter

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, checksum, conf

conf.verb = 0
iface, dmac, dip, sip = sys.argv[1:5]
count = int(sys.argv[5]) if len(sys.argv) > 5 else 3
smac = open(f"/sys/class/net/{iface}/address").read().strip()

sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((iface, 0))


def eth(ethertype=0x0800):
    return bytes(Ether(dst=dmac, src=smac, type=ethertype))


def ip(**kw):
    kw.setdefault("src", sip)
    kw.setdefault("dst", dip)
    return IP(**kw)


def syn(**kw):
    kw.setdefault("sport", 40000 + (len(frames) % 20000))
    kw.setdefault("dport", 80)
    kw.setdefault("flags", "S")
    kw.setdefault("seq", 1000)
    return TCP(**kw)


def fix_ip_checksum(b):
    """Recompute the IPv4 header checksum over the 20-byte base header."""
    b = bytearray(b)
    b[10:12] = b"\0\0"
    c = checksum(bytes(b[:20]))
    b[10:12] = c.to_bytes(2, "big")
    return bytes(b)


frames = []  # (counter, frame bytes)


def add(counter, frame):
    frames.append((counter, bytes(frame)))


# --- Ethernet -----------------------------------------------------------
# Frames shorter than 14 bytes: the kernel refuses them on a veth (EINVAL from
# dev_validate_header); tried below, reported as 'skip' when refused.
short_eth = bytes.fromhex(dmac.replace(":", "")) + smac.encode()[:4]  # 10 bytes
add("eth_unknown_type", eth(0x88B5) + b"\x00" * 46)  # IEEE local experimental

# --- ARP ------------------------------------------------------------------
# (An ARP with hlen != 6 is "unsupported", not malformed: not sent here.)
arp = bytes(ARP(op=1, hwsrc=smac, psrc=sip, pdst=dip))
add("arp_malformed", eth(0x0806) + arp[:20])           # truncated ARP body

# --- IPv4 -----------------------------------------------------------------
echo = ip() / ICMP(type=8, id=0x5151, seq=1) / Raw(b"synline malformed test")
add("ipv4_truncated", eth() + bytes(echo)[:12])         # 12 < 20-byte header
add("ipv4_bad_version", eth() + bytes(ip(version=6) / ICMP(type=8) / Raw(b"v6")))
add("ipv4_bad_ihl", eth() + fix_ip_checksum(bytes(ip(ihl=3) / ICMP(type=8) / Raw(b"ihl3"))))
# ihl=15 claims a 60-byte header; the whole IP packet is 28+4 bytes.
add("ipv4_bad_ihl", eth() + bytes(ip(ihl=15, len=32) / ICMP(type=8) / Raw(b"ih15")))
# Total length larger than the frame: the datagram was cut short -> truncated.
add("ipv4_truncated", eth() + bytes(ip(len=1000) / ICMP(type=8) / Raw(b"long")))
# Total length smaller than the header: the field itself is impossible.
add("ipv4_bad_total_length", eth() + bytes(ip(len=12) / ICMP(type=8) / Raw(b"shrt")))
add("ipv4_bad_total_length", eth() + bytes(ip(len=19) / ICMP(type=8) / Raw(b"shrt")))
good = bytearray(bytes(echo))
good[10:12] = (int.from_bytes(good[10:12], "big") ^ 0x5A5A).to_bytes(2, "big")
add("ipv4_bad_checksum", eth() + bytes(good))
# Fragments: distinct ids, so that no set ever completes a datagram. NOTE: DPDK's
# net_af_packet joins a fanout group with PACKET_FANOUT_FLAG_DEFRAG, so the
# kernel of the server namespace swallows these for reassembly and synline
# never sees them there; the test checks that case via Ip ReasmReqds.
add("ipv4_fragment", eth() + bytes(ip(flags="MF", frag=0, id=0x5107) / ICMP(type=8) / Raw(b"f" * 16)))
add("ipv4_fragment", eth() + bytes(ip(flags=0, frag=3, id=0x5108, proto=1) / Raw(b"g" * 16)))
add("ipv4_fragment", eth() + bytes(ip(flags="MF", frag=5, id=0x5109) / syn()))
not_us = dip.rsplit(".", 1)[0] + ".99"
add("ipv4_not_for_us", eth() + bytes(ip(dst=not_us) / ICMP(type=8) / Raw(b"notme")))
add("ipv4_unknown_protocol", eth() + bytes(ip(proto=253) / Raw(b"\x00" * 16)))

# --- ICMP -----------------------------------------------------------------
add("icmp_malformed", eth() + bytes(ip(proto=1) / Raw(b"\x08\x00")))  # 2 < 8-byte header

# --- TCP ------------------------------------------------------------------
def tcp_truncated_segment():
    """12 bytes of TCP header (< 20) whose Internet checksum still verifies
    (bytes 10-11 chosen for it), so truncation is its only defect."""
    seg = bytearray(b"\x9c\x40\x00\x50" + b"\x00\x00\x03\xe8" + b"\x00" * 4)
    pseudo = socket.inet_aton(sip) + socket.inet_aton(dip) + bytes([0, 6]) + len(seg).to_bytes(2, "big")
    seg[10:12] = checksum(pseudo + bytes(seg)).to_bytes(2, "big")
    assert checksum(pseudo + bytes(seg)) == 0
    return bytes(seg)


add("tcp_truncated", eth() + bytes(ip(proto=6) / Raw(tcp_truncated_segment())))  # 12 < 20
add("tcp_bad_data_offset", eth() + bytes(ip() / syn(dataofs=15)))  # 60-byte header, segment has 20
add("tcp_bad_data_offset", eth() + bytes(ip() / syn(dataofs=4)))   # < 5 words
add("tcp_bad_checksum", eth() + bytes(ip() / syn(chksum=0xDEAD)))
add("tcp_bad_checksum", eth() + bytes(ip() / TCP(sport=40999, dport=7, flags="A", seq=1, ack=1, chksum=0xBEEF) / Raw(b"data")))
# Options area of 4 bytes (dataofs=6) holding a malformed option.
add("tcp_bad_option", eth() + bytes(ip() / syn(dataofs=6) / Raw(b"\x02\x09\x05\xb4")))  # MSS len 9 > space left
add("tcp_bad_option", eth() + bytes(ip() / syn(dataofs=6) / Raw(b"\x08\x01\x00\x00")))  # len 1 < 2
add("tcp_bad_option", eth() + bytes(ip() / syn(dataofs=6) / Raw(b"\x03\x00\x01\x00")))  # len 0 (loop trap)

# Diagnostics: SL_MALFORMED_ONLY=3 (or 3,5) sends only those variants (0-based,
# in the order above); SL_MALFORMED_ONLY=list prints the variants and exits.
only = os.environ.get("SL_MALFORMED_ONLY", "")
if only == "list":
    for i, (counter, frame) in enumerate(frames):
        print(i, counter, frame.hex())
    sys.exit(0)
if only:
    keep = {int(x) for x in only.split(",")}
    frames = [f for i, f in enumerate(frames) if i in keep]

sent = Counter()
skipped = {}
for _ in range(count):
    if not only:
        try:
            sock.send(short_eth)
            sent["eth_truncated"] += 1
        except OSError as e:
            skipped["eth_truncated"] = f"kernel refuses a {len(short_eth)}-byte frame on {iface}: {e.strerror}"
    for counter, frame in frames:
        sock.send(frame)
        sent[counter] += 1

for counter in sorted(set(c for c, _ in frames) | ({"eth_truncated"} if not only else set())):
    if counter in skipped:
        print(f"skip {counter} {skipped[counter]}")
    else:
        print(f"sent {counter} {sent[counter]}")
