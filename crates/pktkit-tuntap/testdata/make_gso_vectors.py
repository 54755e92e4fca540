#!/usr/bin/env python3
"""Builds the GSO test vectors with scapy (an independent packet builder).

Each vector is: a large "TSO/USO" input frame as a kernel would hand it over a
TAP with IFF_VNET_HDR (one header, payload past the MSS), plus the segments
scapy builds for the same stream with its own lengths, ids, sequence numbers,
flags and checksums. gso.rs must cut the input into exactly these bytes.
Regenerate with: python3 make_gso_vectors.py (writes *.hex beside itself).
"""
import os
from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, raw

HERE = os.path.dirname(os.path.abspath(__file__))
payload = bytes((i * 7 + 3) & 0xFF for i in range(3000))
ETH = dict(src="52:54:00:00:00:01", dst="52:54:00:00:00:02")
OPTS = [("NOP", None), ("NOP", None), ("Timestamp", (1000, 2000))]


def write(name, frames):
    with open(os.path.join(HERE, name + ".hex"), "w") as f:
        for fr in frames:
            f.write(raw(fr).hex() + "\n")


def tcp_vectors(name, ip_big, ip_seg, mss):
    # The input: one frame with all 3000 bytes, FIN|PSH|ACK|CWR; checksum left 0
    # (the segmenter must recompute it, as with NEEDS_CSUM).
    big = Ether(**ETH) / ip_big / TCP(sport=40000, dport=5001, seq=0xFFFFF000, ack=77,
                                     flags="FPAC", window=502, options=OPTS, chksum=0) / Raw(payload)
    segs = []
    chunks = [payload[i:i + mss] for i in range(0, len(payload), mss)]
    for i, c in enumerate(chunks):
        last = i == len(chunks) - 1
        flags = "A" + ("FP" if last else "") + ("C" if i == 0 else "")
        seg = Ether(**ETH) / ip_seg(i) / TCP(sport=40000, dport=5001,
                                             seq=(0xFFFFF000 + i * mss) & 0xFFFFFFFF,
                                             ack=77, flags=flags, window=502,
                                             options=OPTS) / Raw(c)
        segs.append(Ether(raw(seg)))  # freeze scapy's computed fields
    write(name, [big] + segs)


tcp_vectors("tso4", IP(src="10.0.0.1", dst="10.0.0.2", id=0xFFFE, flags="DF", ttl=64, chksum=0),
            lambda i: IP(src="10.0.0.1", dst="10.0.0.2", id=(0xFFFE + i) & 0xFFFF, flags="DF", ttl=64),
            1000)
tcp_vectors("tso6", IPv6(src="fd00::1", dst="fd00::2", hlim=64),
            lambda i: IPv6(src="fd00::1", dst="fd00::2", hlim=64),
            1200)

# USO: one UDP "datagram" of 3000 bytes cut into 1400-byte datagrams.
big = Ether(**ETH) / IP(src="10.0.0.1", dst="10.0.0.2", id=7, ttl=64, chksum=0) / \
    UDP(sport=5000, dport=6000, chksum=0) / Raw(payload)
segs = []
for i, off in enumerate(range(0, len(payload), 1400)):
    segs.append(Ether(raw(Ether(**ETH) / IP(src="10.0.0.1", dst="10.0.0.2", id=7 + i, ttl=64) /
                          UDP(sport=5000, dport=6000) / Raw(payload[off:off + 1400]))))
write("uso4", [big] + segs)

# Partial checksum: a UDP/IPv6 frame whose checksum field holds only the
# pseudo-header sum (what NEEDS_CSUM means); the second line is scapy's full frame.
full = Ether(raw(Ether(**ETH) / IPv6(src="fd00::1", dst="fd00::2") /
                 UDP(sport=1234, dport=4321) / Raw(payload[:333])))
ph = raw(full[IPv6])[8:40] + (8 + 333).to_bytes(4, "big") + b"\x00\x00\x00\x11"
s = 0
for i in range(0, len(ph), 2):
    s += (ph[i] << 8) | ph[i + 1]
while s >> 16:
    s = (s & 0xFFFF) + (s >> 16)
partial = bytearray(raw(full))
partial[14 + 40 + 6:14 + 40 + 8] = s.to_bytes(2, "big")
write("csum6", [Ether(bytes(partial)), full])
