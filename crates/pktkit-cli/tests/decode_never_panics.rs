//! The decoder on hostile bytes: every packet of the test captures, cut at every
//! length and with every byte set to edge values, under every link type and with
//! both a whole and a snap-length-cut `orig_len`, decodes without panicking, and
//! whatever it reports as an error names a layer it tried.

use std::path::PathBuf;

use pktkit_cli::capture::Capture;
use pktkit_cli::decode::{Layers, decode, json, summary};
use pktkit_wire::pcap::LinkType;

fn packets() -> Vec<(LinkType, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut out = Vec::new();
    for f in ["kinds.pcap", "damaged.pcap"] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        for p in Capture::open(&bytes).unwrap().packets() {
            let p = p.unwrap();
            out.push((p.link_type, p.data.to_vec()));
        }
    }
    assert!(out.len() > 30);
    out
}

fn check(l: &Layers) {
    if let Some(e) = &l.error {
        let known = [
            "frame", "ip", "eth", "arp", "ipv4", "ipv6", "icmpv4", "icmpv6", "tcp", "udp",
        ];
        assert!(known.contains(&e.layer), "{e:?}");
        assert!(!e.reason.is_empty());
    }
    // Both printers accept whatever was decoded.
    let frame = pktkit_cli::decode::FrameInfo {
        number: 1,
        time: "0.000000000".into(),
        len: 1,
        caplen: 1,
        interface: None,
        direction: None,
        comment: None,
    };
    assert!(!summary::line(&frame, l).is_empty());
    assert!(json::line(&frame, l).starts_with("{\"frame\""));
}

#[test]
fn truncations_and_byte_edits_never_panic() {
    let links = [
        LinkType::ETHERNET,
        LinkType::RAW,
        LinkType::IPV4,
        LinkType::IPV6,
    ];
    let mut decoded = 0usize;
    for (link, data) in packets() {
        let strip = if link == LinkType::ETHERNET { 14 } else { 0 };
        for n in 0..=data.len() {
            for lt in links {
                let d = if lt == LinkType::ETHERNET {
                    &data[..n]
                } else {
                    &data[strip.min(n)..n]
                };
                check(&decode(lt, d, d.len() as u32));
                check(&decode(lt, d, data.len() as u32 + 1));
                decoded += 2;
            }
        }
        let mut m = data.clone();
        for i in 0..data.len() {
            let orig = m[i];
            for v in [
                0,
                1,
                0x0f,
                0x40,
                0x45,
                0x60,
                0x7f,
                0x80,
                0xff,
                orig ^ 0xff,
                orig.wrapping_add(1),
            ] {
                m[i] = v;
                check(&decode(link, &m, m.len() as u32));
                check(&decode(link, &m, m.len() as u32 + 100));
                decoded += 2;
            }
            m[i] = orig;
        }
    }
    assert!(decoded > 10_000, "{decoded}");
}
