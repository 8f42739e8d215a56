#!/usr/bin/python3
"""Write a pcap of N TCP SYNs from random sources, for pktgen to replay.

    /usr/bin/python3 scripts/pktgen/make_syn_pcap.py OUT.pcap DST_MAC DST_IP DST_PORT N \
        [--src-mac MAC] [--src-net CIDR] [--seed S] [--no-options]

    e.g. /usr/bin/python3 scripts/pktgen/make_syn_pcap.py /tmp/syn-100k.pcap \
             02:53:59:4e:00:01 10.77.0.2 80 100000

DST_MAC is synline's port MAC (memif-server.conf: 02:53:59:4e:00:01; on a NIC
the address synline logs at start). pktgen replays frames byte for byte: it
never rewrites MACs, addresses or checksums of a pcap, so they must be right
here. Sources are random addresses in --src-net (default 198.18.0.0/15, the
RFC 2544 benchmark range, outside synline's prefix so that synline sends every
SYN-ACK to its --gateway) with random source ports 1024-65535, random ISNs and
an MSS option; every (address, port) pair is distinct, so a replay of N
packets is N different flows (unlike pktgen's range mode, which cycles through
about 24,576 prebuilt packets). Frames are padded to 60 bytes (64 on the wire
with the FCS), the minimum pktgen sends.

Classic pcap (not pcapng), link type Ethernet: the only format pktgen reads.
Needs scapy, which imports under /usr/bin/python3 on Debian (python3-scapy).
Prints one line: "wrote N SYNs to FILE (BYTES bytes)".
"""
import argparse
import ipaddress
import os
import random
import struct
import sys

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Padding
from scapy.compat import raw
from scapy.utils import PcapWriter, checksum

MIN_FRAME = 60  # bytes without the FCS: pktgen's MIN_PKT_SIZE


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="pcap file to write")
    ap.add_argument("dst_mac", help="synline's port MAC, e.g. 02:53:59:4e:00:01")
    ap.add_argument("dst_ip", help="synline's address, e.g. 10.77.0.2")
    ap.add_argument("dst_port", type=int, help="listening port, e.g. 80")
    ap.add_argument("count", type=int, help="number of SYNs (distinct flows)")
    ap.add_argument("--src-mac", default="02:53:59:4e:00:02",
                    help="source MAC (default: memif-client.conf's, pktgen's port)")
    ap.add_argument("--src-net", default="198.18.0.0/15",
                    help="network the random sources come from (default 198.18.0.0/15)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1: reproducible)")
    ap.add_argument("--no-options", action="store_true",
                    help="bare 20-byte TCP header like pktgen's own SYNs (default: MSS 1460)")
    a = ap.parse_args()

    net = ipaddress.ip_network(a.src_net, strict=False)
    if not 1 <= a.dst_port <= 65535:
        ap.error("dst_port must be 1-65535")
    hosts = net.num_addresses - 2 if net.num_addresses > 2 else net.num_addresses
    if a.count < 1 or a.count > hosts * 64512:
        ap.error(f"count must be 1..{hosts * 64512} for {net}")
    ipaddress.ip_address(a.dst_ip)  # validates

    rng = random.Random(a.seed)
    base = int(net.network_address) + (1 if net.num_addresses > 2 else 0)
    opts = [] if a.no_options else [("MSS", 1460)]

    def scapy_frame(src: int, sport: int, seq: int, ip_id: int) -> bytes:
        p = (Ether(dst=a.dst_mac, src=a.src_mac)
             / IP(src=str(ipaddress.ip_address(src)), dst=a.dst_ip, ttl=64, id=ip_id)
             / TCP(sport=sport, dport=a.dst_port, flags="S", seq=seq, window=65535, options=opts))
        pad = MIN_FRAME - len(p)
        return raw(p / Padding(b"\x00" * pad) if pad > 0 else p)

    # scapy builds one template; each frame patches addresses, port, ISN and IP
    # id into it and recomputes both checksums (scapy per frame is ~100x slower).
    # The first frames are cross-checked against scapy's own build.
    tmpl = bytearray(scapy_frame(base, 1024, 0, 0))
    ihl = (tmpl[14] & 0x0F) * 4
    t0 = 14 + ihl
    tcp_len = struct.unpack_from("!H", tmpl, 16)[0] - ihl
    dst_ip = ipaddress.ip_address(a.dst_ip).packed

    def fast_frame(src: int, sport: int, seq: int, ip_id: int) -> bytes:
        f = bytearray(tmpl)
        struct.pack_into("!H", f, 18, ip_id)
        struct.pack_into("!4s", f, 26, src.to_bytes(4, "big"))
        struct.pack_into("!H", f, 24, 0)
        struct.pack_into("!H", f, 24, checksum(bytes(f[14:t0])))
        struct.pack_into("!H", f, t0, sport)
        struct.pack_into("!I", f, t0 + 4, seq)
        struct.pack_into("!H", f, t0 + 16, 0)
        pseudo = src.to_bytes(4, "big") + dst_ip + struct.pack("!BBH", 0, 6, tcp_len)
        struct.pack_into("!H", f, t0 + 16, checksum(pseudo + bytes(f[t0:t0 + tcp_len])))
        return bytes(f)

    seen = set()
    with PcapWriter(a.out, linktype=1, sync=False) as w:  # 1 = DLT_EN10MB
        n = 0
        while n < a.count:
            src = base + rng.randrange(hosts)
            sport = rng.randint(1024, 65535)
            if (src, sport) in seen:
                continue
            seen.add((src, sport))
            seq, ip_id = rng.getrandbits(32), rng.randrange(65536)
            f = fast_frame(src, sport, seq, ip_id)
            if n < 16 and f != scapy_frame(src, sport, seq, ip_id):
                print("make_syn_pcap.py: internal error: frame differs from scapy's", file=sys.stderr)
                return 1
            w.write(f)
            n += 1
    print(f"wrote {a.count} SYNs to {a.out} ({os.path.getsize(a.out)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
