//! Unit tests of the parent module.

use super::*;
use std::vec::Vec;

// scapy: IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64)
//   / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
//   / IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:db8::99"])
//   / IPv6ExtHdrFragment(offset=0, m=1, id=0x12345678)
//   / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x3e, optdata=b"\x01\x02\x03")])
//   / ICMPv6EchoRequest(id=0x1234, seq=7, data=b"ping")
static CHAIN: [u8; 100] = [
    0x60, 0x00, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x2b, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x2c, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x99, 0x3c, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78,
    0x3a, 0x00, 0x3e, 0x03, 0x01, 0x02, 0x03, 0x00, 0x80, 0x00, 0x32, 0xa1, 0x12, 0x34, 0x00, 0x07,
    0x70, 0x69, 0x6e, 0x67,
];

// scapy: IPv6(...)/IPv6ExtHdrFragment(offset=185, m=0, id=0xdeadbeef, nh=6)/Raw(b"0123456789abcdef")
static FRAG_NON_FIRST: [u8; 64] = [
    0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x2c, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x00, 0x05, 0xc8, 0xde, 0xad, 0xbe, 0xef,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
];

// scapy: IPv6(...)/AH(nh=58, payloadlen=4, spi=0x100, seq=5, icv=b"\xaa"*12)
//   / ICMPv6EchoReply(id=1, seq=2)
static AH: [u8; 72] = [
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x33, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3a, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x05, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0x81, 0x00, 0x23, 0x45, 0x00, 0x01, 0x00, 0x02,
];

fn all(next: IpProtocol, payload: &[u8]) -> Result<Vec<ExtHeader<'_>>> {
    ExtHeaders::new(next, payload).collect()
}

#[test]
fn chain_deconstruct() {
    let payload = &CHAIN[40..];
    let hs = all(IpProtocol::HOP_BY_HOP, payload).unwrap();
    let kinds: Vec<_> = hs
        .iter()
        .map(|h| (h.kind, h.next_header, h.len()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ExtHeaderKind::HopByHop, IpProtocol::IPV6_ROUTE, 8),
            (ExtHeaderKind::Routing, IpProtocol::IPV6_FRAG, 24),
            (ExtHeaderKind::Fragment, IpProtocol::IPV6_OPTS, 8),
            (ExtHeaderKind::DestinationOptions, IpProtocol::ICMPV6, 8),
        ]
    );
    let hbh: Vec<_> = hs[0].options().unwrap().collect::<Result<_>>().unwrap();
    assert_eq!(hbh, [Ipv6Option::RouterAlert(0), Ipv6Option::PadN(0)]);
    let rt = hs[1].routing().unwrap();
    assert_eq!((rt.routing_type, rt.segments_left), (0, 1));
    assert_eq!(&rt.data[4..], &CHAIN[56..72]); // the one address, after 4 reserved bytes
    let f = hs[2].fragment().unwrap();
    assert_eq!(
        f,
        FragmentHeader {
            next_header: IpProtocol::IPV6_OPTS,
            offset: 0,
            more_fragments: true,
            ident: 0x1234_5678
        }
    );
    let dst: Vec<_> = hs[3].options().unwrap().collect::<Result<_>>().unwrap();
    assert_eq!(
        dst,
        [
            Ipv6Option::Unknown {
                kind: 0x3e,
                data: &[1, 2, 3]
            },
            Ipv6Option::Pad1
        ]
    );
    assert_eq!(dst[0].action(), UnknownOptionAction::Skip);
    assert!(dst[0].may_change_en_route());
    assert!(hs[0].routing().is_none() && hs[1].options().is_none());
    // First fragment: the upper layer is there.
    assert_eq!(
        upper_layer(IpProtocol::HOP_BY_HOP, payload),
        Ok((IpProtocol::ICMPV6, 48))
    );
    assert_eq!(payload[48], 0x80); // echo request
}

#[test]
fn non_first_fragment_stops() {
    let payload = &FRAG_NON_FIRST[40..];
    let c = walk(IpProtocol::IPV6_FRAG, payload).unwrap();
    assert!(c.is_non_first_fragment());
    assert_eq!((c.protocol, c.offset, c.count), (IpProtocol::TCP, 8, 1));
    let f = c.fragment.unwrap();
    assert_eq!(
        (f.offset, f.byte_offset(), f.more_fragments, f.ident),
        (185, 1480, false, 0xdead_beef)
    );
    assert_eq!(
        upper_layer(IpProtocol::IPV6_FRAG, payload),
        Err(WireError::Unsupported)
    );
    // The walker does not read fragment data as headers even if it looks like one.
    let mut b = FRAG_NON_FIRST;
    b[40] = 0; // fragment says "next: hop-by-hop"
    let c = walk(IpProtocol::IPV6_FRAG, &b[40..]).unwrap();
    assert_eq!((c.protocol, c.count), (IpProtocol::HOP_BY_HOP, 1));
}

#[test]
fn ah_length_counts_words() {
    let payload = &AH[40..];
    let hs = all(IpProtocol::AH, payload).unwrap();
    assert_eq!(hs.len(), 1);
    assert_eq!(hs[0].len(), 24);
    let ah = hs[0].auth().unwrap();
    assert_eq!(
        (ah.next_header, ah.spi, ah.seq),
        (IpProtocol::ICMPV6, 0x100, 5)
    );
    assert_eq!(ah.icv, &[0xaa; 12]);
    assert_eq!(
        upper_layer(IpProtocol::AH, payload),
        Ok((IpProtocol::ICMPV6, 24))
    );
    let mut b = AH;
    b[41] = 0;
    assert_eq!(
        upper_layer(IpProtocol::AH, &b[40..]),
        Err(WireError::BadLength)
    );
}

#[test]
fn no_extension_headers() {
    assert_eq!(upper_layer(IpProtocol::UDP, &[]), Ok((IpProtocol::UDP, 0)));
    assert_eq!(
        upper_layer(IpProtocol::ESP, &[1, 2, 3]),
        Ok((IpProtocol::ESP, 0))
    );
    assert_eq!(
        upper_layer(IpProtocol::IPV6_NONXT, &[]),
        Ok((IpProtocol::IPV6_NONXT, 0))
    );
}

#[test]
fn every_truncation_is_rejected() {
    let payload = &CHAIN[40..88]; // the four extension headers
    for n in 0..payload.len() {
        assert_eq!(
            upper_layer(IpProtocol::HOP_BY_HOP, &payload[..n]),
            Err(WireError::Truncated),
            "len {n}"
        );
    }
    assert!(upper_layer(IpProtocol::HOP_BY_HOP, payload).is_ok());
    for n in 0..24 {
        assert_eq!(
            upper_layer(IpProtocol::AH, &AH[40..40 + n]),
            Err(WireError::Truncated)
        );
    }
}

#[test]
fn hop_by_hop_only_first() {
    // Destination options then hop-by-hop.
    let b = [0, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0];
    assert_eq!(
        upper_layer(IpProtocol::IPV6_OPTS, &b),
        Err(WireError::BadOption)
    );
    let mut it = ExtHeaders::new(IpProtocol::IPV6_OPTS, &b);
    assert!(it.next().unwrap().is_ok());
    assert_eq!(it.next(), Some(Err(WireError::BadOption)));
    assert_eq!(it.next(), None);
}

#[test]
fn chain_length_is_bounded() {
    // MAX_EXT_HEADERS + 1 destination options headers, each pointing to the next.
    let mut b = [0u8; 8 * (MAX_EXT_HEADERS + 2)];
    for h in b.chunks_exact_mut(8) {
        h.copy_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]);
    }
    assert_eq!(
        upper_layer(IpProtocol::IPV6_OPTS, &b),
        Err(WireError::Unsupported)
    );
    b[8 * (MAX_EXT_HEADERS - 1)] = 17;
    assert_eq!(
        upper_layer(IpProtocol::IPV6_OPTS, &b),
        Ok((IpProtocol::UDP, 8 * MAX_EXT_HEADERS))
    );
}

#[test]
fn options_malformed() {
    let bad: [&[u8]; 5] = [
        &[1],             // PadN without length
        &[1, 3, 0, 0],    // PadN past the end
        &[5, 1, 0],       // Router Alert of length 1
        &[5, 2, 0],       // Router Alert cut short
        &[0x3e, 9, 1, 2], // unknown past the end
    ];
    for b in bad {
        let r: Result<Vec<_>> = Ipv6Options::new(b).collect();
        assert!(r.is_err(), "{b:?}");
        let mut it = Ipv6Options::new(b);
        while let Some(Ok(_)) = it.next() {}
        assert_eq!(it.next(), None, "fused after the error");
    }
    assert_eq!(
        Ipv6Option::parse(&[5, 3, 0, 0, 0]),
        Err(WireError::BadOption)
    );
}

#[test]
fn option_actions() {
    let k = |kind| Ipv6Option::Unknown { kind, data: &[] }.action();
    assert_eq!(k(0x1e), UnknownOptionAction::Skip);
    assert_eq!(k(0x5e), UnknownOptionAction::Discard);
    assert_eq!(k(0x9e), UnknownOptionAction::DiscardSendIcmp);
    assert_eq!(k(0xde), UnknownOptionAction::DiscardSendIcmpUnlessMulticast);
    // Jumbo Payload (0xC2) is kept as an unknown option with its action bits.
    let (o, n) = Ipv6Option::parse(&[0xc2, 4, 0, 1, 0, 0]).unwrap();
    assert_eq!(n, 6);
    assert_eq!(
        o.action(),
        UnknownOptionAction::DiscardSendIcmpUnlessMulticast
    );
}

#[test]
fn emit_options_headers_as_captured() {
    // The hop-by-hop and destination options headers of CHAIN.
    let hbh = OptionsHeaderRepr {
        next_header: IpProtocol::IPV6_ROUTE,
        options: &[Ipv6Option::RouterAlert(0)],
    };
    let mut buf = [0xa5u8; 8];
    assert_eq!(hbh.emit(&mut buf), Ok(8));
    assert_eq!(buf, CHAIN[40..48]);
    let dst = OptionsHeaderRepr {
        next_header: IpProtocol::ICMPV6,
        options: &[Ipv6Option::Unknown {
            kind: 0x3e,
            data: &[1, 2, 3],
        }],
    };
    let mut buf = [0xa5u8; 8];
    assert_eq!(dst.emit(&mut buf), Ok(8));
    assert_eq!(buf, CHAIN[80..88]);
    assert_eq!(dst.emit(&mut [0u8; 7]), Err(WireError::BufferTooSmall));
}

#[test]
fn emit_fragment_and_routing_as_captured() {
    let f = FragmentHeader::parse(&CHAIN[72..80]).unwrap();
    let mut buf = [0xa5u8; 8];
    assert_eq!(f.emit(&mut buf), Ok(8));
    assert_eq!(buf, CHAIN[72..80]);
    let f = FragmentHeader::parse(&FRAG_NON_FIRST[40..48]).unwrap();
    f.emit(&mut buf).unwrap();
    assert_eq!(buf, FRAG_NON_FIRST[40..48]);
    let bad = FragmentHeader {
        offset: 0x2000,
        ..f
    };
    assert_eq!(bad.emit(&mut buf), Err(WireError::BadField));
    let r = RoutingHeader::parse(&CHAIN[48..72]).unwrap();
    let mut buf = [0xa5u8; 24];
    assert_eq!(r.emit(&mut buf), Ok(24));
    assert_eq!(buf, CHAIN[48..72]);
    let odd = RoutingHeader { data: &[0; 5], ..r };
    assert_eq!(odd.emit(&mut buf), Err(WireError::BadLength));
}

#[test]
fn emit_pads_to_eight() {
    for data_len in 0..20usize {
        let data = [0x77u8; 20];
        let opts = [Ipv6Option::Unknown {
            kind: 0x1e,
            data: &data[..data_len],
        }];
        let r = OptionsHeaderRepr {
            next_header: IpProtocol::TCP,
            options: &opts,
        };
        let mut buf = [0xa5u8; 64];
        let n = r.emit(&mut buf).unwrap();
        assert_eq!(n % 8, 0);
        assert_eq!(n, r.buffer_len());
        let h = ExtHeader::parse(ExtHeaderKind::DestinationOptions, &buf[..n]).unwrap();
        let got: Vec<_> = h.options().unwrap().collect::<Result<_>>().unwrap();
        assert_eq!(got[0], opts[0]);
        assert!(
            got[1..]
                .iter()
                .all(|o| matches!(o, Ipv6Option::Pad1 | Ipv6Option::PadN(_)))
        );
        assert!(got.len() <= 2);
    }
}

#[test]
fn emit_rejects_what_it_cannot_write() {
    let big = [0u8; 300];
    let o = Ipv6Option::Unknown {
        kind: 0x1e,
        data: &big,
    };
    assert_eq!(o.emit(&mut [0u8; 400]), Err(WireError::BadOption));
    let o = Ipv6Option::Unknown {
        kind: OPT_ROUTER_ALERT,
        data: &[0, 0],
    };
    assert_eq!(o.emit(&mut [0u8; 8]), Err(WireError::BadOption));
    let data = [0u8; 255];
    let opts = [Ipv6Option::Unknown {
        kind: 0x1e,
        data: &data,
    }; 9];
    let r = OptionsHeaderRepr {
        next_header: IpProtocol::TCP,
        options: &opts,
    };
    assert_eq!(r.emit(&mut [0u8; 4096]), Err(WireError::BadLength));
}
