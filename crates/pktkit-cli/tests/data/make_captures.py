#!/usr/bin/env python3
"""Builds the capture files the pktkit-cli decode tests read, with scapy (an
independent packet builder). Deterministic: fixed times and fields.
Usage: python3 make_captures.py   (writes into the current directory)"""
from scapy.all import *
from scapy.utils import PcapWriter, PcapNgWriter

A = "52:54:00:12:34:56"; B = "52:54:00:ab:cd:ef"
E = lambda: Ether(src=A, dst=B)

def stamp(pkts, t0=1700000000):
    for i, p in enumerate(pkts):
        p.time = EDecimal(t0) + EDecimal(i) + EDecimal("0.000001")
    return pkts

big = b"x" * 64
frags = fragment(IP(src="10.0.0.1", dst="10.0.0.2", id=0x1234)/UDP(sport=7, dport=9)/(b"f" * 40), fragsize=24)
v6frags = fragment6(IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrFragment(id=0xabcd)/UDP(sport=7, dport=9)/(b"g" * 80), 100)
inner = IP(src="10.0.0.2", dst="192.0.2.9", ttl=1)/UDP(sport=3333, dport=33434)/b"probe"
layers = [
    # Ethernet: plain, 802.1Q, QinQ, unknown EtherType
    Ether(src=A, dst="ff:ff:ff:ff:ff:ff")/ARP(op=1, hwsrc=A, psrc="10.0.0.1", pdst="10.0.0.2"),
    Ether(src=B, dst=A)/ARP(op=2, hwsrc=B, psrc="10.0.0.2", hwdst=A, pdst="10.0.0.1"),
    E()/Dot1Q(vlan=10)/IP(src="10.0.0.1", dst="10.0.0.2")/ICMP(type=8, id=7, seq=1)/b"hello",
    Ether(src=A, dst=B, type=0x88a8)/Dot1Q(vlan=100, type=0x8100)/Dot1Q(vlan=20)/IP(src="10.0.0.1", dst="10.0.0.2")/UDP(sport=1234, dport=5678)/b"qinq",
    Ether(src=A, dst=B, type=0x88cc)/Raw(b"\x00" * 30),
    # IPv4 options, fragments, ICMP errors
    E()/IP(src="10.0.0.1", dst="10.0.0.2", options=[IPOption_RR(routers=["0.0.0.0"] * 2), IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP()])/ICMP(type=0, id=7, seq=2)/b"opts",
    *[E()/f for f in frags],
    E()/IP(src="10.0.0.254", dst="10.0.0.2")/ICMP(type=3, code=3)/inner,
    E()/IP(src="10.0.0.254", dst="10.0.0.2")/ICMP(type=11, code=0)/inner,
    # TCP with every option, and a data segment
    E()/IP(src="10.0.0.1", dst="10.0.0.2", flags="DF", ttl=64, id=4321)/TCP(sport=40000, dport=443, flags="SA", seq=0xfffffff0, ack=12345, window=65535,
        options=[("MSS", 1460), ("NOP", None), ("WScale", 7), ("SAckOK", b""), ("Timestamp", (123456, 654321)), ("SAck", (1000, 2000, 3000, 4000)), ("EOL", None)]),
    E()/IP(src="10.0.0.2", dst="10.0.0.1")/TCP(sport=443, dport=40000, flags="PA", seq=12345, ack=1, window=501)/b"GET / HTTP/1.0\r\n\r\n",
    # IPv6: extension headers, fragments, ICMPv6 + NDP
    E()/IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64)/IPv6ExtHdrHopByHop(options=[RouterAlert()])/IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")])/IPv6ExtHdrRouting(addresses=["2001:db8::3"], segleft=1)/UDP(sport=5000, dport=5001)/b"v6udp",
    *[E()/f for f in v6frags],
    E()/IPv6(src="2001:db8::1", dst="2001:db8::2")/ICMPv6EchoRequest(id=1, seq=1, data=b"ping6"),
    E()/IPv6(src="2001:db8::2", dst="2001:db8::1")/ICMPv6EchoReply(id=1, seq=1, data=b"ping6"),
    Ether(src=A, dst="33:33:00:00:00:02")/IPv6(src="fe80::5054:ff:fe12:3456", dst="ff02::2", hlim=255)/ICMPv6ND_RS()/ICMPv6NDOptSrcLLAddr(lladdr=A),
    Ether(src=B, dst="33:33:00:00:00:01")/IPv6(src="fe80::1", dst="ff02::1", hlim=255)/ICMPv6ND_RA(routerlifetime=1800)/ICMPv6NDOptSrcLLAddr(lladdr=B)/ICMPv6NDOptMTU(mtu=1500)/ICMPv6NDOptPrefixInfo(prefix="2001:db8::", prefixlen=64),
    Ether(src=A, dst="33:33:ff:00:00:02")/IPv6(src="2001:db8::1", dst="ff02::1:ff00:2", hlim=255)/ICMPv6ND_NS(tgt="2001:db8::2")/ICMPv6NDOptSrcLLAddr(lladdr=A),
    Ether(src=B, dst=A)/IPv6(src="2001:db8::2", dst="2001:db8::1", hlim=255)/ICMPv6ND_NA(tgt="2001:db8::2", R=0, S=1, O=1)/ICMPv6NDOptDstLLAddr(lladdr=B),
    Ether(src=B, dst=A)/IPv6(src="fe80::1", dst="2001:db8::1", hlim=255)/ICMPv6ND_Redirect(tgt="fe80::2", dst="2001:db8::99")/ICMPv6NDOptDstLLAddr(lladdr=B),
    E()/IPv6(src="2001:db8::1", dst="2001:db8::2")/ICMPv6DestUnreach(code=4)/IPv6(src="2001:db8::2", dst="2001:db8::1")/UDP(sport=9, dport=7),
    E()/IPv6(src="2001:db8::1", dst="2001:db8::2")/TCP(sport=1, dport=2, flags="S", options=[("MSS", 1440)]),
]
stamp(layers)
wrpcap("kinds.pcap", layers)

# Damaged packets inside a well-formed file: bad checksums, then cut headers.
bad = [
    E()/IP(src="10.0.0.1", dst="10.0.0.2", chksum=0x1111)/UDP(sport=1, dport=2, chksum=0x2222)/b"bad",
    E()/IP(src="10.0.0.1", dst="10.0.0.2")/TCP(sport=1, dport=2, chksum=0x3333),
    E()/IP(src="10.0.0.1", dst="10.0.0.2")/ICMP(chksum=0x4444),
    E()/IPv6(src="2001:db8::1", dst="2001:db8::2")/ICMPv6EchoRequest(cksum=0x5555),
    E()/IP(src="10.0.0.1", dst="10.0.0.2")/UDP(sport=1, dport=2, chksum=0)/b"nocsum",
]
raw_bad = [
    bytes(E()/IP(src="10.0.0.1", dst="10.0.0.2")/TCP())[:14 + 20 + 10],    # TCP header cut
    bytes(E()/IP(src="10.0.0.1", dst="10.0.0.2")/UDP())[:14 + 12],         # IPv4 header cut
    bytes(E()/IPv6(src="::1", dst="::2")/IPv6ExtHdrHopByHop()/UDP())[:14 + 40 + 4],  # ext header cut
    bytes(Ether(src=A, dst=B, type=0x806))[:14] + b"\x00\x01\x08\x00",  # ARP cut
    b"\x52\x54\x00",                                                    # Ethernet cut
]
stamp(bad, 1700000100)
w = PcapWriter("damaged.pcap", sync=True)
for p in bad:
    w.write(p)
for i, r in enumerate(raw_bad):
    p = Raw(r); p.time = 1700000200 + i
    w.write(p)
w.close()

# A file that ends in the middle of its third record.
good = stamp([E()/IP(src="10.0.0.1", dst="10.0.0.2")/UDP(sport=1, dport=2)/(b"a" * 10) for _ in range(3)], 1700000300)
wrpcap("cut.pcap", good)
b = open("cut.pcap", "rb").read()
open("cut.pcap", "wb").write(b[:-7])

# The same packets cut to 60 bytes by a snap length (needs editcap, from Wireshark).
import subprocess
subprocess.run(["editcap", "-s", "60", "kinds.pcap", "snap60.pcap"], check=True)
