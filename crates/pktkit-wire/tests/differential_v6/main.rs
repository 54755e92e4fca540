//! Differential tests: our IPv6, extension-header, ICMPv6 and NDP decoders against
//! smoltcp and etherparse, on scapy captures and on random and mutated packets;
//! and tshark reading packets we emit (fields, checksums, nothing malformed).
//!
//! For every input, each field both decoders read must agree, and whether the
//! input is accepted must agree, except in the cases listed here, each with the
//! reason we decide the way we do:
//!
//! * **Repeated extension headers.** etherparse stops at the second routing,
//!   fragment or AH header (or third destination options) and reports it as the
//!   upper layer; we keep walking, as RFC 8200 §4.1 asks receivers to "accept and
//!   attempt to process extension headers in any order and occurring any number
//!   of times". We check etherparse's answer against our walk at the point where
//!   it stopped.
//! * **Non-first fragments.** etherparse walks on into fragment data; we stop,
//!   because after a fragment header with a non-zero offset the bytes are the
//!   middle of the original payload, not headers (RFC 8200 §4.5).
//! * **ICMPv6 errors quoting a non-IPv6 header.** smoltcp does not look at the
//!   quoted version; we reject it: the invoking packet of an ICMPv6 error is an
//!   IPv6 packet (RFC 4443 §2.4 (c)). etherparse keeps the quote as raw bytes
//!   and accepts quotes shorter than an IPv6 header, which a conforming sender
//!   never produces ("as much of invoking packet as possible").
//! * **Packet Too Big with a non-zero code.** smoltcp rejects it and etherparse
//!   calls it unknown; we accept it: the code is "set to 0 by the originator and
//!   ignored by the receiver" (RFC 4443 §3.2).
//! * **MLD messages** (130–132, 143): smoltcp decodes them; we do not (yet).
//! * **Malformed known NDP options.** A prefix information option whose length
//!   is not 4 or an MTU option whose length is not 1 (RFC 4861 §4.6.2, §4.6.4):
//!   smoltcp skips the option and accepts the message; we reject it, as
//!   etherparse does. A redirected header option shorter than 48 bytes: smoltcp
//!   rejects the message; we accept it, since RFC 4861 §4.6.3 only asks for "as
//!   much of the original packet as can fit" (etherparse agrees). An RDNSS
//!   option whose length is not odd and ≥ 3 (RFC 8106 §5.1): neither peer knows
//!   RDNSS, so both accept it as unknown; we reject it.

use std::net::Ipv6Addr;

use etherparse::{IpNumber, Ipv6Extensions, Ipv6Header};
use pktkit_wire::icmpv6::{Icmpv6Message, Icmpv6Packet, Icmpv6Repr};
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::ipv6_ext::{ExtHeader, ExtHeaderKind, ExtHeaders, Ipv6Option};
use pktkit_wire::ndp::{NdpOption, NdpOptionIter, NdpRepr};
use pktkit_wire::{IpProtocol, WireError};
use proptest::prelude::*;
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire as sm;

const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
const DST: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);

mod generated;
mod icmpv6;
mod ipv6;
mod tshark;

use icmpv6::compare_icmpv6;
use ipv6::compare_ipv6_packet;

// ---------------------------------------------------------------------------
// Captured packets (the committed fuzz seeds, made with scapy)
// ---------------------------------------------------------------------------

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert!(v.len() >= 8, "seed corpus of {target} went missing");
    v
}

#[test]
fn captured_ipv6_packets_agree() {
    for (name, b) in seeds("ipv6") {
        eprintln!("ipv6 seed {name}");
        compare_ipv6_packet(&b);
        // every prefix, too
        for n in 0..b.len() {
            compare_ipv6_packet(&b[..n]);
        }
    }
}

#[test]
fn captured_icmpv6_messages_agree() {
    let mut accepted = 0;
    for (name, b) in seeds("icmpv6") {
        eprintln!("icmpv6 seed {name}");
        compare_icmpv6(&b);
        accepted += Icmpv6Packet::new_checked(&b[..])
            .and_then(|p| Icmpv6Repr::parse(&p))
            .is_ok() as usize;
        for n in 0..b.len() {
            compare_icmpv6(&b[..n]);
        }
    }
    assert!(accepted >= 10, "the captures are meant to decode");
}

/// smoltcp's own ICMPv6 test vector (PKT_TOO_BIG_BYTES in its icmpv6.rs).
#[test]
fn smoltcp_packet_too_big_vector() {
    static PKT_TOO_BIG_BYTES: [u8; 60] = [
        0x02, 0x00, 0x0f, 0xc9, 0x00, 0x00, 0x05, 0xdc, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x11,
        0x40, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0xbf, 0x00, 0x00, 0x35, 0x00, 0x0c, 0x12, 0x4d, 0xaa, 0x00, 0x00, 0xff,
    ];
    let p = Icmpv6Packet::new_checked(&PKT_TOO_BIG_BYTES[..]).unwrap();
    assert!(p.verify_checksum(SRC, DST));
    let Icmpv6Repr::PacketTooBig { mtu, header, data } = Icmpv6Repr::parse(&p).unwrap() else {
        panic!()
    };
    assert_eq!((mtu, header.payload_len, data.len()), (1500, 12, 12));
    compare_icmpv6(&PKT_TOO_BIG_BYTES);
}
