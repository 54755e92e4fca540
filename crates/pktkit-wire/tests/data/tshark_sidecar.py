#!/usr/bin/env python3
"""Writes FILE.tshark.tsv: what tshark reads from a capture file, the truth
tests/capture_files.rs compares pktkit-wire's readers against.

Columns: frame number, epoch time (s.ns), original length, captured length,
interface id (empty for pcap), epb flags (empty when absent), comment, hex bytes.
Usage: python3 tshark_sidecar.py FILE...
"""
import json, subprocess, sys

FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "frame.cap_len",
          "frame.interface_id", "frame.packet_flags", "frame.comment"]

for path in sys.argv[1:]:
    args = ["tshark", "-r", path, "-T", "fields", "-E", "separator=/t"]
    for f in FIELDS:
        args += ["-e", f]
    rows = subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()
    raw = json.loads(subprocess.run(["tshark", "-r", path, "-T", "json", "-x"],
                                    check=True, capture_output=True, text=True).stdout)
    with open(path + ".tshark.tsv", "w") as out:
        for row, pkt in zip(rows, raw, strict=True):
            out.write(row + "\t" + pkt["_source"]["layers"]["frame_raw"][0] + "\n")
