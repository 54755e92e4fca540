//! Our pcap / pcapng readers against real capture files and what tshark read from them.
//!
//! The files in `tests/data/` were written by independent programs: scapy
//! (`make_captures.py`: little- and big-endian, micro- and nanosecond pcap, link
//! types 1/101/228/229, a two-interface pcapng with EPB direction flags and a
//! comment), editcap (pcap → pcapng with a comment) and dumpcap (a loopback
//! capture ending in an Interface Statistics Block). Beside each,
//! `FILE.tshark.tsv` holds tshark's reading of it (`tshark_sidecar.py`): frame
//! time, lengths, interface, EPB flags, comment and bytes. Every field our
//! reader yields must match it.

use std::fs;
use std::path::PathBuf;

use pktkit_wire::pcap::{LinkType, PcapReader};
use pktkit_wire::pcapng::{Block, PcapngReader};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// One packet as both readers see it, in tshark's terms.
#[derive(Debug, PartialEq)]
struct Seen {
    time: String,
    len: u32,
    cap_len: usize,
    interface: Option<u32>,
    flags: Option<u32>,
    comment: Option<String>,
    hex: String,
    link_type: LinkType,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn read_ours(bytes: &[u8]) -> Vec<Seen> {
    if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let mut out = Vec::new();
        for b in PcapngReader::new(bytes).unwrap() {
            if let Block::Packet(p) = b.unwrap() {
                let (s, ns) = p.timestamp_parts();
                out.push(Seen {
                    time: format!("{s}.{ns:09}"),
                    len: p.orig_len,
                    cap_len: p.data.len(),
                    interface: Some(p.interface_id),
                    flags: p.flags,
                    comment: p.comment.map(str::to_owned),
                    hex: hex(p.data),
                    link_type: p.link_type,
                });
            }
        }
        out
    } else {
        let r = PcapReader::new(bytes).unwrap();
        let h = *r.header();
        r.map(|rec| {
            let rec = rec.unwrap();
            let ns = rec.ts_frac * h.precision.nanos_per_unit();
            Seen {
                time: format!("{}.{ns:09}", rec.ts_sec),
                len: rec.orig_len,
                cap_len: rec.data.len(),
                interface: None,
                flags: None,
                comment: None,
                hex: hex(rec.data),
                link_type: h.link_type,
            }
        })
        .collect()
    }
}

fn read_tshark(tsv: &str, link_types: &[LinkType]) -> Vec<Seen> {
    tsv.lines()
        .enumerate()
        .map(|(i, line)| {
            let c: Vec<&str> = line.split('\t').collect();
            assert_eq!(c.len(), 8, "{line}");
            assert_eq!(c[0].parse::<usize>().unwrap(), i + 1);
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
            let interface = opt(c[4]).map(|s| s.parse().unwrap());
            Seen {
                time: c[1].to_owned(),
                len: c[2].parse().unwrap(),
                cap_len: c[3].parse().unwrap(),
                interface,
                flags: opt(c[5]).map(|s| u32::from_str_radix(&s[2..], 16).unwrap()),
                comment: opt(c[6]),
                hex: c[7].to_owned(),
                link_type: link_types[interface.unwrap_or(0) as usize],
            }
        })
        .collect()
}

/// `link_types`: what the file's interfaces are (by id), from how it was made.
fn check(file: &str, link_types: &[LinkType], packets: usize) {
    let dir = data_dir();
    let bytes = fs::read(dir.join(file)).unwrap();
    let tsv = fs::read_to_string(dir.join(format!("{file}.tshark.tsv"))).unwrap();
    let ours = read_ours(&bytes);
    let theirs = read_tshark(&tsv, link_types);
    assert_eq!(ours.len(), packets, "{file}");
    assert_eq!(ours, theirs, "{file}");
}

#[test]
fn scapy_pcap_little_endian_microseconds() {
    check("eth_le_usec.pcap", &[LinkType::ETHERNET], 7);
}

#[test]
fn scapy_pcap_big_endian_nanoseconds() {
    let b = fs::read(data_dir().join("eth_be_nsec.pcap")).unwrap();
    assert_eq!(
        &b[..4],
        &[0xa1, 0xb2, 0x3c, 0x4d],
        "big-endian nanosecond magic"
    );
    check("eth_be_nsec.pcap", &[LinkType::ETHERNET], 7);
}

#[test]
fn scapy_pcap_raw_ip_link_types() {
    check("raw_101.pcap", &[LinkType::RAW], 2);
    check("ipv4_228.pcap", &[LinkType::IPV4], 1);
    check("ipv6_229.pcap", &[LinkType::IPV6], 1);
}

#[test]
fn scapy_pcapng_two_interfaces_flags_comment() {
    // scapy declares a default interface 0 first, then eth0 (Ethernet) and tun0 (raw IPv4).
    let b = fs::read(data_dir().join("two_if_flags.pcapng")).unwrap();
    let r = PcapngReader::new(&b).unwrap();
    let mut r2 = r.clone();
    for blk in r2.by_ref() {
        blk.unwrap();
    }
    let lt: Vec<LinkType> = r2.interfaces().iter().map(|i| i.link_type).collect();
    assert_eq!(lt.len(), 3);
    assert_eq!(&lt[1..], &[LinkType::ETHERNET, LinkType::IPV4]);
    check("two_if_flags.pcapng", &lt, 5);
}

#[test]
fn editcap_pcapng_with_comment() {
    check("editcap.pcapng", &[LinkType::ETHERNET], 7);
}

#[test]
fn dumpcap_pcapng_nanoseconds_and_statistics_block() {
    let b = fs::read(data_dir().join("dumpcap_lo.pcapng")).unwrap();
    let blocks: Vec<_> = PcapngReader::new(&b)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // SHB, IDB, 4 EPBs, then an Interface Statistics Block we skip by its length.
    assert_eq!(blocks.len(), 7);
    assert!(matches!(blocks[6], Block::Other { block_type: 5, .. }));
    check("dumpcap_lo.pcapng", &[LinkType::ETHERNET], 4);
}

/// Every prefix of every file reads as some packets then at most one error, never a panic,
/// and the error (if any) names an offset inside the prefix.
#[test]
fn every_prefix_of_every_file() {
    for entry in fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !(name.ends_with(".pcap") || name.ends_with(".pcapng")) {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        let whole = read_ours(&bytes).len();
        for n in 0..bytes.len() {
            let b = &bytes[..n];
            let (ok, err) = if name.ends_with(".pcapng") {
                match PcapngReader::new(b) {
                    Ok(r) => count(r.packets()),
                    Err(e) => (0, Some(e.offset)),
                }
            } else {
                match PcapReader::new(b) {
                    Ok(r) => count(r),
                    Err(e) => (0, Some(e.offset)),
                }
            };
            assert!(ok <= whole, "{name}[..{n}]");
            if let Some(off) = err {
                assert!(off <= n, "{name}[..{n}]: error offset {off}");
            }
        }
    }
}

fn count<T, E: Into<pktkit_wire::pcap::CaptureError>>(
    it: impl Iterator<Item = Result<T, E>>,
) -> (usize, Option<usize>) {
    let mut ok = 0;
    for r in it {
        match r {
            Ok(_) => ok += 1,
            Err(e) => return (ok, Some(e.into().offset)),
        }
    }
    (ok, None)
}
