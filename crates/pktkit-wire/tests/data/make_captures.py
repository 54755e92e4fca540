from scapy.all import *
from scapy.utils import PcapWriter, PcapNgWriter
import os
conf.verb = 0
A = "52:54:00:12:34:56"; B = "52:54:00:ab:cd:ef"
def pkts():
    t = 1700000000
    L = [
      Ether(src=A, dst="ff:ff:ff:ff:ff:ff")/ARP(op=1, hwsrc=A, psrc="10.0.2.15", pdst="10.0.2.2"),
      Ether(src=B, dst=A)/ARP(op=2, hwsrc=B, psrc="10.0.2.2", hwdst=A, pdst="10.0.2.15"),
      Ether(src=A, dst=B)/IP(src="10.0.2.15", dst="10.0.2.2", id=7, flags="DF")/ICMP(type=8, id=1, seq=1)/b"ping-data",
      Ether(src=A, dst=B)/IP(src="10.0.2.15", dst="93.184.216.34", ttl=63)/TCP(sport=40000, dport=80, flags="S", seq=1000, window=64240, options=[("MSS",1460),("SAckOK",b""),("Timestamp",(1,0)),("NOP",None),("WScale",7)]),
      Ether(src=A, dst=B)/Dot1Q(vlan=10)/IP(src="10.0.2.15", dst="10.0.2.3")/UDP(sport=5353, dport=53)/b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00",
      Ether(src=A, dst="33:33:00:00:00:01")/IPv6(src="fe80::1", dst="ff02::1", hlim=255)/ICMPv6ND_RA(),
      Ether(src=A, dst=B)/IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrHopByHop()/UDP(sport=1000, dport=2000)/b"v6",
    ]
    for i, p in enumerate(L):
        p.time = EDecimal(t) + EDecimal(i) + EDecimal("0.123456")
    return L
P = pkts()
wrpcap("eth_le_usec.pcap", P)
PcapWriter("eth_be_nsec.pcap", endianness=">", nano=True, sync=True).write(P)
raw = [IP(src="10.0.0.1", dst="10.0.0.2")/UDP(sport=1, dport=2)/b"raw", IPv6(src="::1", dst="::2")/ICMPv6EchoRequest(id=1, seq=2)]
for p in raw: p.time = 1600000000.5
wrpcap("raw_101.pcap", raw, linktype=101)
w = PcapWriter("ipv4_228.pcap", linktype=228, sync=True); w.write(raw[0]); w.close()
w = PcapWriter("ipv6_229.pcap", linktype=229, sync=True); w.write(raw[1]); w.close()
# pcapng with two interfaces (eth0 Ethernet, tun0 raw IPv4), directions and comments
ng = []
for i, p in enumerate(P[:4]):
    p.sniffed_on = "eth0"; p.direction = 1 if i % 2 == 0 else 2
    if i == 1: p.comments = [b"second packet"]
    ng.append(p)
r = IP(src="10.9.0.1", dst="10.9.0.2")/ICMP()
r.time = 1700000010.25; r.sniffed_on = "tun0"; r.direction = 2
ng.append(r)
w = PcapNgWriter("two_if_flags.pcapng")
for p in ng:
    w.write(p)
w.close()
