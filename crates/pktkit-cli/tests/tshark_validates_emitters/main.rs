//! tshark as the judge of our encodings.
//!
//! One packet of every kind pktkit-wire can build is made with pktkit-wire's own
//! emitters (`XxxRepr::emit`, `fill_checksum`), written with its pcapng writer
//! (several interfaces, EPB direction flags, comments), and read back by tshark
//! with checksum validation on for IP, TCP, UDP and ICMP. tshark must read every
//! packet, find nothing malformed and no expert error, report every checksum
//! good, decode the protocol stack we meant, and agree with the fields we set;
//! and it must see the comments and directions our pcapng writer stored.
//! Fragmented packets are reassembled by tshark, so the upper-layer checksum is
//! checked over our fragments too.
//!
//! Needs tshark: `pktkit_testkit::require_tool` skips loudly outside CI and
//! fails in CI when it is missing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::Command;

use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::dhcpv4::{DhcpPacket, DhcpRepr, Ipv4List, MessageType, OptionData};
use pktkit_wire::ethernet::{EthernetFrame, EthernetRepr, Vlan};
use pktkit_wire::icmpv4::{Icmpv4Packet, Icmpv4Repr};
use pktkit_wire::icmpv6::{Icmpv6Repr, code as icmpv6_code};
use pktkit_wire::ipv4::{Ipv4Packet, Ipv4Repr};
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::ipv6_ext::{FragmentHeader, Ipv6Option, OptionsHeaderRepr, RoutingHeader};
use pktkit_wire::ndp::{
    NdpOption, NdpOptions, NdpRepr, NeighborFlags, PrefixInformation, Rdnss, RouterFlags,
    emit_options,
};
use pktkit_wire::pcap::LinkType;
use pktkit_wire::pcapng::{Direction, PcapngWriter};
use pktkit_wire::tcp::{TcpFlags, TcpOption, TcpPacket, TcpRepr, TcpSackBlocks, TcpTimestamp};
use pktkit_wire::udp::{UdpPacket, UdpRepr};
use pktkit_wire::{EtherType, IpProtocol, MacAddr, VlanTag};

/// The redirect carries a whole small UDP/IPv6 packet, which tshark decodes too.
const PROTO_REDIRECT: &str = "eth:ethertype:ipv6:icmpv6:ipv6:udp:data";
const MAC_A: MacAddr = MacAddr([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
const MAC_B: MacAddr = MacAddr([0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]);
const V4_A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const V4_B: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);
const V6_A: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const V6_B: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
const LL_A: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x5054, 0xff, 0xfe12, 0x3456);
const LL_B: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x5054, 0xff, 0xfeab, 0xcdef);

/// Which pcapng interface (= link type) a packet goes out on.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Link {
    Ethernet,
    RawIpv4,
    RawIpv6,
}

/// One packet and what tshark must say about it.
pub(crate) struct Kind {
    name: &'static str,
    link: Link,
    bytes: Vec<u8>,
    /// `frame.protocols` must end with this (e.g. `eth:ethertype:ip:tcp`).
    protocols: &'static str,
    /// Fields tshark must report with these values (first occurrence).
    fields: Vec<(&'static str, String)>,
}

mod builders;
mod kinds;

use builders::*;
use kinds::kinds;

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

const CHECKSUM_FIELDS: &[&str] = &[
    "ip.checksum.status",
    "tcp.checksum.status",
    "udp.checksum.status",
    "icmp.checksum.status",
    "icmpv6.checksum.status",
];

#[test]
fn tshark_accepts_every_kind_we_emit() {
    if !pktkit_testkit::require_tool("tshark") {
        return;
    }
    let kinds = kinds();
    // Our pcapng writer: three interfaces, alternating directions, each packet's name as its comment.
    let mut w = PcapngWriter::new(Vec::new()).unwrap();
    let eth = w.add_interface(LinkType::ETHERNET).unwrap();
    let raw4 = w.add_interface(LinkType::IPV4).unwrap();
    let raw6 = w.add_interface(LinkType::IPV6).unwrap();
    for (i, k) in kinds.iter().enumerate() {
        let ifc = match k.link {
            Link::Ethernet => eth,
            Link::RawIpv4 => raw4,
            Link::RawIpv6 => raw6,
        };
        let dir = if i % 2 == 0 {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        let ts = 1_700_000_000_000_000_000 + i as u64 * 1_000_000_123;
        w.write_packet(ifc, ts, &k.bytes, dir, Some(k.name))
            .unwrap();
    }
    let file = w.into_inner();
    let dir = std::env::temp_dir().join(format!("pktkit-tshark-emitters-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kinds.pcapng");
    std::fs::write(&path, &file).unwrap();

    let mut fields: Vec<&str> = vec![
        "frame.number",
        "frame.comment",
        "frame.packet_flags_direction",
        "frame.time_epoch",
        "frame.protocols",
        "_ws.malformed",
        "_ws.expert.severity",
        "_ws.expert.message",
    ];
    fields.extend(CHECKSUM_FIELDS);
    let extra: Vec<&str> = kinds
        .iter()
        .flat_map(|k| k.fields.iter().map(|(n, _)| *n))
        .collect();
    for e in &extra {
        if !fields.contains(e) {
            fields.push(e);
        }
    }
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(&path);
    for pref in [
        "ip.check_checksum:TRUE",
        "tcp.check_checksum:TRUE",
        "udp.check_checksum:TRUE",
        "tcp.relative_sequence_numbers:FALSE",
    ] {
        cmd.args(["-o", pref]);
    }
    cmd.args([
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
    ]);
    for fl in &fields {
        cmd.args(["-e", fl]);
    }
    let out = cmd.output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let rows: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(
        rows.len(),
        kinds.len(),
        "tshark read {} of {} packets",
        rows.len(),
        kinds.len()
    );
    let col = |name: &str| fields.iter().position(|f| *f == name).unwrap();
    let mut failures = Vec::new();
    for (i, (k, row)) in kinds.iter().zip(&rows).enumerate() {
        let get = |name: &str| row[col(name)];
        let mut fail = |m: String| failures.push(format!("#{} {}: {m}", i + 1, k.name));
        if get("frame.comment") != k.name {
            fail(format!("comment {:?}", get("frame.comment")));
        }
        let want_dir = if i % 2 == 0 { "1" } else { "2" };
        if get("frame.packet_flags_direction")
            .trim_start_matches("0x")
            .trim_start_matches('0')
            != want_dir
        {
            fail(format!(
                "direction {:?}",
                get("frame.packet_flags_direction")
            ));
        }
        let want_time = format!(
            "{}.{:09}",
            1_700_000_000 + i as u64,
            (i as u64 * 123) % 1_000_000_000
        );
        if get("frame.time_epoch") != want_time {
            fail(format!("time {} want {want_time}", get("frame.time_epoch")));
        }
        if !get("frame.protocols").ends_with(k.protocols) {
            fail(format!(
                "protocols {} want …{}",
                get("frame.protocols"),
                k.protocols
            ));
        }
        if !get("_ws.malformed").is_empty() {
            fail(format!("malformed: {}", get("_ws.malformed")));
        }
        // Expert severities: chat 0x200000, note 0x400000, warn 0x600000, error 0x800000.
        for (sev, msg) in get("_ws.expert.severity")
            .split('|')
            .zip(get("_ws.expert.message").split('|'))
        {
            if sev.parse::<u32>().is_ok_and(|s| s >= 0x80_0000) {
                fail(format!("expert error: {msg}"));
            }
        }
        for c in CHECKSUM_FIELDS {
            for v in get(c).split('|').filter(|v| !v.is_empty()) {
                if v != "1" {
                    fail(format!("{c} = {v} (1 is good)"));
                }
            }
        }
        for (name, want) in &k.fields {
            // A wanted value with `|` is every occurrence; otherwise the first.
            let got = if want.contains('|') {
                get(name)
            } else {
                get(name).split('|').next().unwrap_or("")
            };
            if got != want {
                fail(format!("{name} = {got:?}, want {want:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Our pcap writers (little-endian nanoseconds through `io::Write`, big-endian
/// microseconds into a buffer, raw-IP and Ethernet link types) read by tshark.
#[test]
fn tshark_reads_our_pcap_writers() {
    use pktkit_wire::pcap::{
        Endian, PcapHeader, PcapRecord, PcapSliceWriter, PcapWriter, TsPrecision,
    };
    if !pktkit_testkit::require_tool("tshark") {
        return;
    }
    let kinds = kinds();
    let dir = std::env::temp_dir().join(format!("pktkit-tshark-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pick = |link: Link| kinds.iter().filter(move |k| k.link == link);

    // Ethernet, little-endian, nanoseconds.
    let mut w = PcapWriter::new(Vec::new(), LinkType::ETHERNET, TsPrecision::Nano).unwrap();
    let eth: Vec<&Kind> = pick(Link::Ethernet).collect();
    for (i, k) in eth.iter().enumerate() {
        w.write_packet(1_600_000_000_123_456_789 + i as u64, &k.bytes)
            .unwrap();
    }
    let le = dir.join("le_nano.pcap");
    std::fs::write(&le, w.into_inner()).unwrap();

    // Raw IPv4 (LINKTYPE_RAW), big-endian, microseconds, the last record cut to 20 bytes.
    let raw: Vec<&Kind> = pick(Link::RawIpv4).collect();
    let mut header = PcapHeader::new(LinkType::RAW, TsPrecision::Micro);
    header.endian = Endian::Big;
    let mut buf = vec![0u8; 24 + raw.iter().map(|k| 16 + k.bytes.len()).sum::<usize>()];
    let mut sw = PcapSliceWriter::new(&mut buf, &header).unwrap();
    for (i, k) in raw.iter().enumerate() {
        let cut = if i + 1 == raw.len() {
            20
        } else {
            k.bytes.len()
        };
        sw.push(&PcapRecord {
            ts_sec: 1_600_000_000 + i as u32,
            ts_frac: 999_999,
            orig_len: k.bytes.len() as u32,
            data: &k.bytes[..cut],
        })
        .unwrap();
    }
    let n = sw.len();
    let be = dir.join("be_micro.pcap");
    std::fs::write(&be, &buf[..n]).unwrap();

    let read = |path: &std::path::Path| -> Vec<String> {
        let out = Command::new("tshark")
            .args(["-n", "-r"])
            .arg(path)
            .args([
                "-T",
                "fields",
                "-E",
                "separator=,",
                "-e",
                "frame.time_epoch",
                "-e",
                "frame.len",
                "-e",
                "frame.cap_len",
                "-e",
                "frame.protocols",
                "-e",
                "_ws.malformed",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let le_rows = read(&le);
    let be_rows = read(&be);
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(le_rows.len(), eth.len());
    for (i, (row, k)) in le_rows.iter().zip(&eth).enumerate() {
        let len = k.bytes.len();
        let want = format!("1600000000.{:09},{len},{len},", 123_456_789 + i);
        assert!(row.starts_with(&want), "{row} vs {want}");
        assert!(
            row.ends_with(&format!("{},", k.protocols)),
            "{row}: {}",
            k.name
        );
    }
    assert_eq!(be_rows.len(), raw.len());
    for (i, (row, k)) in be_rows.iter().zip(&raw).enumerate() {
        let cap = if i + 1 == raw.len() {
            20
        } else {
            k.bytes.len()
        };
        let want = format!(
            "{}.999999000,{},{cap},raw:ip",
            1_600_000_000 + i,
            k.bytes.len()
        );
        assert!(row.starts_with(&want), "{row} vs {want}");
        assert!(row.ends_with(','), "malformed: {row}");
    }
}
