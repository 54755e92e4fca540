#!/usr/bin/env python3
"""Writes FILE.tshark.tsv: tshark's own decode of a capture, the independent
truth tests/decode_vs_tshark.rs compares `pktkit decode --json` against.
First line: the field names; then one line per frame, tab-separated, every
occurrence of a field joined by ','. Checksum validation is on.
Usage: python3 tshark_fields.py [--out DIR] FILE...
(the test tshark_sidecars_are_current re-runs tshark the same way when it exists)"""
import os, subprocess, sys

FIELDS = """frame.number frame.len frame.cap_len frame.time_epoch frame.interface_id frame.packet_flags_direction frame.comment
eth.src eth.dst eth.type ieee8021ad.id vlan.id vlan.etype
arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
ip.src ip.dst ip.ttl ip.proto ip.len ip.id ip.flags.df ip.flags.mf ip.frag_offset ip.checksum.status
ipv6.src ipv6.dst ipv6.hlim ipv6.nxt ipv6.plen
ipv6.hopopts.nxt ipv6.hopopts.len_oct ipv6.dstopts.nxt ipv6.dstopts.len_oct
ipv6.routing.nxt ipv6.routing.len_oct ipv6.routing.type ipv6.routing.segleft
ipv6.fraghdr.nxt ipv6.fraghdr.offset ipv6.fraghdr.more ipv6.fraghdr.ident
icmp.type icmp.code icmp.checksum.status
icmpv6.type icmpv6.code icmpv6.checksum.status
tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.flags tcp.window_size_value tcp.checksum.status
tcp.option_kind tcp.options.mss_val tcp.options.wscale.shift tcp.options.timestamp.tsval tcp.options.timestamp.tsecr
tcp.options.sack_le tcp.options.sack_re
udp.srcport udp.dstport udp.length udp.checksum.status
_ws.malformed _ws.expert.severity""".split()

PREFS = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
         "-o", "udp.check_checksum:TRUE", "-o", "tcp.relative_sequence_numbers:FALSE",
         "-o", "tcp.analyze_sequence_numbers:FALSE", "-o", "ip.defragment:FALSE",
         "-o", "ipv6.defragment:FALSE", "-d", "udp.port==0,data"]

def fields(path):
    args = ["tshark", "-n", "-r", path, *PREFS, "-T", "fields", "-E", "separator=/t",
            "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0 and "cut short" not in r.stderr:  # a cut file still lists its whole frames
        raise SystemExit(f"tshark failed on {path}: {r.stderr}")
    return "\t".join(FIELDS) + "\n" + r.stdout

if __name__ == "__main__":
    args = sys.argv[1:]
    out_dir = None
    if args[:1] == ["--out"]:
        out_dir, args = args[1], args[2:]
    for path in args:
        side = path + ".tshark.tsv"
        if out_dir:
            side = os.path.join(out_dir, os.path.basename(side))
        with open(side, "w") as f:
            f.write(fields(path))
