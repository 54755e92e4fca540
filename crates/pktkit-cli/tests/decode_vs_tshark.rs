//! `pktkit decode --json` against tshark's own decode of the same files.
//!
//! The captures in `tests/data/` were built by scapy (`make_captures.py`: every
//! layer and kind the decoder knows, damaged packets, a file cut short) and by
//! scapy/editcap/dumpcap for pktkit-wire's reader tests. Beside each,
//! `FILE.tshark.tsv` is tshark's decode with checksum validation on
//! (`tshark_fields.py`). For every packet, every layer our JSON has must agree
//! field by field with tshark's, and every layer tshark decoded must be in our
//! JSON, except where both say the packet is malformed at that layer.
//!
//! When tshark is installed the test also re-runs it and checks the stored
//! `.tsv` files are still what it says (`tshark_sidecars_are_current`).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn cli_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn wire_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../pktkit-wire/tests/data")
}

/// The tshark options the sidecars were made with (as in `tshark_fields.py`).
const TSHARK_PREFS: &[&str] = &[
    "-o",
    "ip.check_checksum:TRUE",
    "-o",
    "tcp.check_checksum:TRUE",
    "-o",
    "udp.check_checksum:TRUE",
    "-o",
    "tcp.relative_sequence_numbers:FALSE",
    "-o",
    "tcp.analyze_sequence_numbers:FALSE",
    "-o",
    "ip.defragment:FALSE",
    "-o",
    "ipv6.defragment:FALSE",
    "-d",
    "udp.port==0,data",
];

/// One tshark row: field name → all occurrences.
struct Row(HashMap<String, Vec<String>>);

impl Row {
    fn all(&self, f: &str) -> &[String] {
        self.0.get(f).map_or(&[], Vec::as_slice)
    }
    fn first(&self, f: &str) -> Option<&str> {
        self.all(f).first().map(String::as_str)
    }
    fn has(&self, f: &str) -> bool {
        !self.all(f).is_empty()
    }
    fn num(&self, f: &str) -> Option<u64> {
        self.first(f).map(parse_num)
    }
}

fn parse_num(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap(),
        None => s.parse().unwrap_or_else(|_| panic!("not a number: {s}")),
    }
}

fn read_tsv(text: &str) -> Vec<Row> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), header.len(), "{l}");
            Row(header
                .iter()
                .zip(cols)
                .filter(|(_, v)| !v.is_empty())
                .map(|(h, v)| (h.to_string(), v.split(',').map(str::to_owned).collect()))
                .collect())
        })
        .collect()
}

fn ours(file: &Path) -> (Vec<Value>, Option<String>) {
    let bytes = fs::read(file).unwrap();
    let mut out = Vec::new();
    let report = pktkit_cli::decode_file(&bytes, true, &mut out).unwrap();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), report.packets);
    (lines, report.error.map(|e| e.to_string()))
}

/// tshark's checksum status: 0 bad, 1 good, 2 unverified, 3 not present.
fn status_matches(ours: &Value, theirs: Option<&str>) -> bool {
    matches!(
        (ours.as_bool(), theirs),
        (Some(true), Some("1")) | (Some(false), Some("0")) | (None, None | Some("2") | Some("3"))
    )
}

/// The layer tshark's `_ws.malformed` names, in our layer names.
fn malformed_layer(t: &Row) -> Option<&'static str> {
    let m = t.first("_ws.malformed")?;
    Some(match m {
        _ if m.contains("TCP") => "tcp",
        _ if m.contains("UDP") => "udp",
        _ if m.contains("ICMPv6") => "icmpv6",
        _ if m.contains("ICMP") => "icmpv4",
        _ if m.contains("IPv6") => "ipv6",
        _ if m.contains("IPv4") => "ipv4",
        _ if m.contains("ARP") => "arp",
        _ if m.contains("Ethernet") => "eth",
        // Application layers (a DNS or LLDP payload tshark found bad) are not ours.
        _ => return None,
    })
}

/// Compares one packet; returns the list of disagreements.
fn compare(o: &Value, t: &Row) -> Vec<String> {
    let bad = std::cell::RefCell::new(Vec::new());
    let eq = |what: &str, a: String, b: String| {
        if a != b {
            bad.borrow_mut()
                .push(format!("{what}: ours {a} tshark {b}"));
        }
    };
    let err_layer = o["error"]["layer"].as_str();
    let ours_has = |l: &str| o.get(l).is_some();
    let icmp_error = o["icmpv4"]["type"]
        .as_u64()
        .is_some_and(|t| matches!(t, 3 | 4 | 5 | 11 | 12))
        || o["icmpv6"]["type"].as_u64().is_some_and(|t| t < 128);

    // Which layers tshark has; inner layers of ICMP errors are not ours to decode.
    let theirs_has = |l: &str| match l {
        "eth" => t.has("eth.src"),
        "arp" => t.has("arp.src.proto_ipv4"),
        "ipv4" => t.has("ip.src"),
        "ipv6" => t.has("ipv6.src"),
        "icmpv4" => t.has("icmp.type"),
        "icmpv6" => t.has("icmpv6.type"),
        "tcp" => t.has("tcp.window_size_value") && !icmp_error,
        "udp" => t.has("udp.length") && !icmp_error,
        _ => unreachable!(),
    };
    for l in [
        "eth", "arp", "ipv4", "ipv6", "icmpv4", "icmpv6", "tcp", "udp",
    ] {
        let (a, b) = (ours_has(l), theirs_has(l));
        if a && !b {
            bad.borrow_mut()
                .push(format!("layer {l}: ours has it, tshark does not"));
        }
        if b && !a && err_layer != Some(l) {
            bad.borrow_mut()
                .push(format!("layer {l}: tshark has it, ours does not"));
        }
    }
    // Malformed where tshark says so, at the same layer. A header cut by the
    // capture's snap length is "truncated" to us and "short" (not malformed) to tshark.
    let snapped = o["frame"]["caplen"].as_u64() < o["frame"]["len"].as_u64();
    match (err_layer, malformed_layer(t)) {
        (None, None) => {}
        (Some(_), None) if snapped && o["error"]["reason"] == "truncated" => {}
        (Some(a), Some(b)) => eq("malformed layer", a.into(), b.into()),
        (a, b) => eq("malformed", format!("{a:?}"), format!("{b:?}")),
    }

    // The capture-file facts: time, interface, direction, comment.
    let fr = &o["frame"];
    eq(
        "frame.time",
        fr["time"].as_str().unwrap().into(),
        t.first("frame.time_epoch").unwrap_or("").into(),
    );
    eq(
        "frame.interface",
        fr["interface"].to_string(),
        t.num("frame.interface_id")
            .map_or("null".into(), |v| v.to_string()),
    );
    let dir = match t.num("frame.packet_flags_direction").map(|v| v & 3) {
        Some(1) => "\"in\"",
        Some(2) => "\"out\"",
        _ => "null",
    };
    eq("frame.direction", fr["direction"].to_string(), dir.into());
    eq(
        "frame.comment",
        fr["comment"].as_str().unwrap_or("").into(),
        t.all("frame.comment").join(","),
    );

    if let Some(e) = o.get("eth") {
        eq(
            "eth.src",
            e["src"].as_str().unwrap().into(),
            t.first("eth.src").unwrap_or("").into(),
        );
        eq(
            "eth.dst",
            e["dst"].as_str().unwrap().into(),
            t.first("eth.dst").unwrap_or("").into(),
        );
        let inner = t
            .all("vlan.etype")
            .last()
            .map(|s| parse_num(s))
            .or(t.num("eth.type"));
        eq(
            "eth.ethertype",
            e["ethertype"].to_string(),
            format!("{}", inner.unwrap_or(0)),
        );
        let mut tags: Vec<u64> = t
            .all("ieee8021ad.id")
            .iter()
            .map(|s| parse_num(s))
            .collect();
        tags.extend(t.all("vlan.id").iter().map(|s| parse_num(s)));
        let ours_tags: Vec<u64> = e["vlan"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        eq("eth.vlan", format!("{ours_tags:?}"), format!("{tags:?}"));
    }
    if let Some(a) = o.get("arp") {
        eq(
            "arp.op",
            a["op"].to_string(),
            t.first("arp.opcode").unwrap_or("").into(),
        );
        eq(
            "arp.sha",
            a["sha"].as_str().unwrap().into(),
            t.first("arp.src.hw_mac").unwrap_or("").into(),
        );
        eq(
            "arp.spa",
            a["spa"].as_str().unwrap().into(),
            t.first("arp.src.proto_ipv4").unwrap_or("").into(),
        );
        eq(
            "arp.tha",
            a["tha"].as_str().unwrap().into(),
            t.first("arp.dst.hw_mac").unwrap_or("").into(),
        );
        eq(
            "arp.tpa",
            a["tpa"].as_str().unwrap().into(),
            t.first("arp.dst.proto_ipv4").unwrap_or("").into(),
        );
    }
    if let Some(i) = o.get("ipv4") {
        eq(
            "ipv4.src",
            i["src"].as_str().unwrap().into(),
            t.first("ip.src").unwrap_or("").into(),
        );
        eq(
            "ipv4.dst",
            i["dst"].as_str().unwrap().into(),
            t.first("ip.dst").unwrap_or("").into(),
        );
        for (ours_f, theirs_f) in [
            ("ttl", "ip.ttl"),
            ("proto", "ip.proto"),
            ("len", "ip.len"),
            ("id", "ip.id"),
        ] {
            eq(
                &format!("ipv4.{ours_f}"),
                i[ours_f].to_string(),
                format!("{:?}", t.num(theirs_f).unwrap_or(u64::MAX)),
            );
        }
        eq(
            "ipv4.df",
            i["df"].to_string(),
            (t.first("ip.flags.df") == Some("1")).to_string(),
        );
        eq(
            "ipv4.mf",
            i["mf"].to_string(),
            (t.first("ip.flags.mf") == Some("1")).to_string(),
        );
        // tshark counts the offset in 8-byte units; ours is in bytes.
        eq(
            "ipv4.frag_offset",
            i["frag_offset"].to_string(),
            (t.num("ip.frag_offset").unwrap_or(0) * 8).to_string(),
        );
        if !status_matches(&i["checksum_ok"], t.first("ip.checksum.status")) {
            bad.borrow_mut().push(format!(
                "ipv4.checksum_ok {} vs {:?}",
                i["checksum_ok"],
                t.first("ip.checksum.status")
            ));
        }
    }
    if let Some(i) = o.get("ipv6") {
        eq(
            "ipv6.src",
            i["src"].as_str().unwrap().into(),
            t.first("ipv6.src").unwrap_or("").into(),
        );
        eq(
            "ipv6.dst",
            i["dst"].as_str().unwrap().into(),
            t.first("ipv6.dst").unwrap_or("").into(),
        );
        for (ours_f, theirs_f) in [
            ("hop_limit", "ipv6.hlim"),
            ("next_header", "ipv6.nxt"),
            ("payload_len", "ipv6.plen"),
        ] {
            eq(
                &format!("ipv6.{ours_f}"),
                i[ours_f].to_string(),
                format!("{:?}", t.num(theirs_f).unwrap_or(u64::MAX)),
            );
        }
        // Extension headers, kind by kind, in order.
        let ext = i["ext"].as_array().unwrap();
        for (kind, prefix) in [
            ("hop_by_hop", "ipv6.hopopts"),
            ("dest_opts", "ipv6.dstopts"),
            ("routing", "ipv6.routing"),
            ("fragment", "ipv6.fraghdr"),
        ] {
            let ours_k: Vec<&Value> = ext.iter().filter(|e| e["type"] == kind).collect();
            let theirs_nxt = t.all(&format!("{prefix}.nxt"));
            // A chain cut short: ours stops where it failed, tshark may have read one more.
            if ours_k.len() != theirs_nxt.len()
                && !(err_layer == Some("ipv6") && ours_k.len() < theirs_nxt.len())
            {
                bad.borrow_mut().push(format!(
                    "ipv6 ext {kind}: ours {} tshark {}",
                    ours_k.len(),
                    theirs_nxt.len()
                ));
                continue;
            }
            for (n, e) in ours_k.iter().enumerate() {
                eq(
                    &format!("{kind}.next_header"),
                    e["next_header"].to_string(),
                    theirs_nxt[n].clone(),
                );
                match kind {
                    "fragment" => {
                        eq(
                            "fragment.offset",
                            e["frag_offset"].to_string(),
                            (parse_num(&t.all("ipv6.fraghdr.offset")[n]) * 8).to_string(),
                        );
                        eq(
                            "fragment.mf",
                            e["mf"].to_string(),
                            (t.all("ipv6.fraghdr.more")[n] == "1").to_string(),
                        );
                        eq(
                            "fragment.id",
                            e["id"].to_string(),
                            parse_num(&t.all("ipv6.fraghdr.ident")[n]).to_string(),
                        );
                        eq("fragment.len", e["len"].to_string(), "8".into());
                    }
                    _ => {
                        eq(
                            &format!("{kind}.len"),
                            e["len"].to_string(),
                            t.all(&format!("{prefix}.len_oct"))[n].clone(),
                        );
                        if kind == "routing" {
                            eq(
                                "routing.type",
                                e["routing_type"].to_string(),
                                t.all("ipv6.routing.type")[n].clone(),
                            );
                            eq(
                                "routing.segleft",
                                e["segments_left"].to_string(),
                                t.all("ipv6.routing.segleft")[n].clone(),
                            );
                        }
                    }
                }
            }
        }
    }
    for (l, p) in [("icmpv4", "icmp"), ("icmpv6", "icmpv6")] {
        if let Some(i) = o.get(l) {
            eq(
                &format!("{l}.type"),
                i["type"].to_string(),
                t.first(&format!("{p}.type")).unwrap_or("").into(),
            );
            eq(
                &format!("{l}.code"),
                i["code"].to_string(),
                t.first(&format!("{p}.code")).unwrap_or("").into(),
            );
            if !status_matches(&i["checksum_ok"], t.first(&format!("{p}.checksum.status"))) {
                bad.borrow_mut().push(format!(
                    "{l}.checksum_ok {} vs {:?}",
                    i["checksum_ok"],
                    t.first(&format!("{p}.checksum.status"))
                ));
            }
        }
    }
    if let Some(c) = o.get("tcp") {
        for (ours_f, theirs_f) in [
            ("sport", "tcp.srcport"),
            ("dport", "tcp.dstport"),
            ("seq", "tcp.seq_raw"),
            ("ack", "tcp.ack_raw"),
            ("flags", "tcp.flags"),
            ("window", "tcp.window_size_value"),
        ] {
            eq(
                &format!("tcp.{ours_f}"),
                c[ours_f].to_string(),
                format!("{:?}", t.num(theirs_f).unwrap_or(u64::MAX)),
            );
        }
        if !status_matches(&c["checksum_ok"], t.first("tcp.checksum.status")) {
            bad.borrow_mut().push(format!(
                "tcp.checksum_ok {} vs {:?}",
                c["checksum_ok"],
                t.first("tcp.checksum.status")
            ));
        }
        let opts = c["options"].as_array().unwrap();
        let code = |o: &Value| match o["kind"].as_str().unwrap() {
            "eol" => 0,
            "nop" => 1,
            "mss" => 2,
            "window_scale" => 3,
            "sack_permitted" => 4,
            "sack" => 5,
            "timestamp" => 8,
            _ => o["code"].as_u64().unwrap(),
        };
        let ours_kinds: Vec<u64> = opts.iter().map(code).collect();
        // tshark lists every padding byte after EOL as another EOL; we stop at the first.
        let mut theirs_kinds: Vec<u64> = t
            .all("tcp.option_kind")
            .iter()
            .map(|s| parse_num(s))
            .collect();
        while theirs_kinds.len() >= 2 && theirs_kinds[theirs_kinds.len() - 2..] == [0, 0] {
            theirs_kinds.pop();
        }
        eq(
            "tcp.options",
            format!("{ours_kinds:?}"),
            format!("{theirs_kinds:?}"),
        );
        for o in opts {
            match o["kind"].as_str().unwrap() {
                "mss" => eq(
                    "mss",
                    o["value"].to_string(),
                    t.first("tcp.options.mss_val").unwrap_or("").into(),
                ),
                "window_scale" => eq(
                    "wscale",
                    o["value"].to_string(),
                    t.first("tcp.options.wscale.shift").unwrap_or("").into(),
                ),
                "timestamp" => {
                    eq(
                        "tsval",
                        o["tsval"].to_string(),
                        t.first("tcp.options.timestamp.tsval").unwrap_or("").into(),
                    );
                    eq(
                        "tsecr",
                        o["tsecr"].to_string(),
                        t.first("tcp.options.timestamp.tsecr").unwrap_or("").into(),
                    );
                }
                "sack" => {
                    let blocks: Vec<String> = o["blocks"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|b| format!("{}-{}", b[0], b[1]))
                        .collect();
                    let theirs: Vec<String> = t
                        .all("tcp.options.sack_le")
                        .iter()
                        .zip(t.all("tcp.options.sack_re"))
                        .map(|(l, r)| format!("{l}-{r}"))
                        .collect();
                    eq("sack", format!("{blocks:?}"), format!("{theirs:?}"));
                }
                _ => {}
            }
        }
    }
    if let Some(u) = o.get("udp") {
        for (ours_f, theirs_f) in [
            ("sport", "udp.srcport"),
            ("dport", "udp.dstport"),
            ("len", "udp.length"),
        ] {
            eq(
                &format!("udp.{ours_f}"),
                u[ours_f].to_string(),
                format!("{:?}", t.num(theirs_f).unwrap_or(u64::MAX)),
            );
        }
        if !status_matches(&u["checksum_ok"], t.first("udp.checksum.status")) {
            bad.borrow_mut().push(format!(
                "udp.checksum_ok {} vs {:?}",
                u["checksum_ok"],
                t.first("udp.checksum.status")
            ));
        }
    }
    bad.into_inner()
}

/// Decodes `file` and compares it packet by packet; `expect_packets` guards against
/// a silently empty comparison.
fn check(file: &Path, expect_packets: usize) {
    let tsv = fs::read_to_string(format!("{}.tshark.tsv", file.display())).unwrap();
    let theirs = read_tsv(&tsv);
    let (lines, err) = ours(file);
    assert_eq!(lines.len(), expect_packets, "{}: {err:?}", file.display());
    assert_eq!(lines.len(), theirs.len(), "{}", file.display());
    let mut failures = Vec::new();
    for (o, t) in lines.iter().zip(&theirs) {
        let n = o["frame"]["number"].as_u64().unwrap();
        assert_eq!(Some(n), t.num("frame.number"));
        assert_eq!(
            Some(o["frame"]["len"].as_u64().unwrap()),
            t.num("frame.len")
        );
        assert_eq!(
            Some(o["frame"]["caplen"].as_u64().unwrap()),
            t.num("frame.cap_len")
        );
        for b in compare(o, t) {
            failures.push(format!("{} #{n}: {b}\n    ours: {o}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_kind_matches_tshark() {
    check(&cli_data().join("kinds.pcap"), 24);
}

/// The same packets cut to 60 bytes by editcap's snap length.
#[test]
fn snap_length_cut_packets_match_tshark() {
    check(&cli_data().join("snap60.pcap"), 24);
}

#[test]
fn damaged_packets_match_tshark() {
    check(&cli_data().join("damaged.pcap"), 10);
}

#[test]
fn cut_file_prints_whole_records_then_errors() {
    let f = cli_data().join("cut.pcap");
    check(&f, 2);
    let (_, err) = ours(&f);
    assert_eq!(
        err.as_deref(),
        Some("pcap record #2 at byte offset 160: truncated")
    );
}

#[test]
fn wire_crate_captures_match_tshark() {
    for (name, n) in [
        ("eth_le_usec.pcap", 7),
        ("eth_be_nsec.pcap", 7),
        ("raw_101.pcap", 2),
        ("ipv4_228.pcap", 1),
        ("ipv6_229.pcap", 1),
        ("two_if_flags.pcapng", 5),
        ("editcap.pcapng", 7),
        ("dumpcap_lo.pcapng", 4),
    ] {
        let f = wire_data().join(name);
        let side = cli_data().join(format!("{name}.tshark.tsv"));
        let tsv = fs::read_to_string(&side).unwrap();
        let theirs = read_tsv(&tsv);
        let (lines, err) = ours(&f);
        assert!(err.is_none(), "{name}: {err:?}");
        assert_eq!(lines.len(), n, "{name}");
        assert_eq!(theirs.len(), n, "{name}");
        let mut failures = Vec::new();
        for (o, t) in lines.iter().zip(&theirs) {
            for b in compare(o, t) {
                failures.push(format!(
                    "{name} #{}: {b}\n    ours: {o}",
                    o["frame"]["number"]
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// The stored sidecars are what tshark says today (needs tshark; loudly skipped without).
#[test]
fn tshark_sidecars_are_current() {
    if !pktkit_testkit::require_tool("tshark") {
        return;
    }
    let mut files: Vec<(PathBuf, PathBuf)> =
        ["kinds.pcap", "snap60.pcap", "damaged.pcap", "cut.pcap"]
            .iter()
            .map(|n| {
                (
                    cli_data().join(n),
                    cli_data().join(format!("{n}.tshark.tsv")),
                )
            })
            .collect();
    for n in [
        "eth_le_usec.pcap",
        "eth_be_nsec.pcap",
        "raw_101.pcap",
        "ipv4_228.pcap",
        "ipv6_229.pcap",
        "two_if_flags.pcapng",
        "editcap.pcapng",
        "dumpcap_lo.pcapng",
    ] {
        files.push((
            wire_data().join(n),
            cli_data().join(format!("{n}.tshark.tsv")),
        ));
    }
    for (cap, side) in files {
        let stored = fs::read_to_string(&side).unwrap();
        let header = stored.lines().next().unwrap();
        let mut cmd = Command::new("tshark");
        cmd.arg("-n").arg("-r").arg(&cap).args(TSHARK_PREFS);
        cmd.args([
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ]);
        for f in header.split('\t') {
            cmd.args(["-e", f]);
        }
        let out = cmd.output().unwrap();
        let now = format!("{header}\n{}", String::from_utf8(out.stdout).unwrap());
        assert_eq!(
            now,
            stored,
            "{} is stale: rerun tshark_fields.py",
            side.display()
        );
    }
}

/// The binary: exit status and the error line for a cut file and for garbage.
#[test]
fn binary_exit_status_and_error_message() {
    let exe = env!("CARGO_BIN_EXE_pktkit");
    let ok = Command::new(exe)
        .args(["decode"])
        .arg(cli_data().join("kinds.pcap"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert_eq!(String::from_utf8(ok.stdout).unwrap().lines().count(), 24);

    let cut = Command::new(exe)
        .args(["decode", "--json"])
        .arg(cli_data().join("cut.pcap"))
        .output()
        .unwrap();
    assert!(!cut.status.success());
    assert_eq!(String::from_utf8(cut.stdout).unwrap().lines().count(), 2);
    let err = String::from_utf8(cut.stderr).unwrap();
    assert!(
        err.contains("2 packets decoded, then pcap record #2 at byte offset 160: truncated"),
        "{err}"
    );

    let dir = std::env::temp_dir().join(format!("pktkit-cli-test-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.pcap");
    fs::write(&garbage, b"this is not a capture file at all").unwrap();
    let g = Command::new(exe)
        .arg("decode")
        .arg(&garbage)
        .output()
        .unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert!(!g.status.success());
    assert!(g.stdout.is_empty());
    let err = String::from_utf8(g.stderr).unwrap();
    assert!(
        err.contains("not a pcap or pcapng file (pcap file header at byte offset 0: bad version)"),
        "{err}"
    );

    let missing = Command::new(exe)
        .arg("decode")
        .arg(dir.join("nope.pcap"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(
        String::from_utf8(missing.stderr)
            .unwrap()
            .contains("nope.pcap")
    );
}
