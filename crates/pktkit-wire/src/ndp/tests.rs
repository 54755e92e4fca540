//! Unit tests of the parent module.

use super::*;
use crate::icmpv6::Icmpv6Repr;
use std::vec::Vec;

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

// All captured with scapy 2.8 (ICMPv6 part only; checksums by scapy).
// IPv6(src="fe80::1", dst="ff02::2", hlim=255)/ICMPv6ND_RS()
//   /ICMPv6NDOptSrcLLAddr(lladdr="52:54:00:12:34:56")
static RS: [u8; 16] = [
    0x85, 0x00, 0xf5, 0x70, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
];

// IPv6(src="fe80::1", dst="ff02::1", hlim=255)/ICMPv6ND_RA(chlim=64, M=1, O=0,
//   routerlifetime=1800, reachabletime=30000, retranstimer=1000)
//   /ICMPv6NDOptSrcLLAddr(lladdr="52:54:00:12:34:56")/ICMPv6NDOptMTU(mtu=1500)
//   /ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400,
//     preferredlifetime=14400, prefix="2001:db8:1::")
//   /ICMPv6NDOptRDNSS(lifetime=600, dns=["2001:db8::53", "2001:db8::54"])
static RA: [u8; 104] = [
    0x86, 0x00, 0xb5, 0xdd, 0x40, 0x88, 0x07, 0x08, 0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8,
    0x01, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc,
    0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x19, 0x05, 0x00, 0x00, 0x00, 0x00, 0x02, 0x58, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54,
];

// IPv6(src="fe80::1", dst="ff02::1:ff00:2", hlim=255)/ICMPv6ND_NS(tgt="fe80::2")
//   /ICMPv6NDOptSrcLLAddr(lladdr="52:54:00:12:34:56")
static NS: [u8; 32] = [
    0x87, 0x00, 0xf5, 0xdb, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
];

// IPv6(src="fe80::2", dst="fe80::1", hlim=255)/ICMPv6ND_NA(R=1, S=1, O=1, tgt="fe80::2")
//   /ICMPv6NDOptDstLLAddr(lladdr="52:54:00:ab:cd:ef")
static NA: [u8; 32] = [
    0x88, 0x00, 0x79, 0x2c, 0xe0, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef,
];

// IPv6(src="fe80::1", dst="fe80::2", hlim=255)
//   /ICMPv6ND_Redirect(tgt="fe80::99", dst="2001:db8::2")
//   /ICMPv6NDOptDstLLAddr(lladdr="52:54:00:00:00:99")
//   /ICMPv6NDOptRedirectedHdr(pkt=<first 48 bytes of a UDP packet 2001:db8::1 -> ::2>)
static REDIRECT: [u8; 104] = [
    0x89, 0x00, 0xc6, 0x6f, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x99, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x52, 0x54, 0x00, 0x00, 0x00, 0x99,
    0x04, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x82, 0x9a, 0x82, 0x9b, 0x00, 0x0d, 0x5b, 0x57,
];

const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

fn parse(b: &[u8]) -> Result<NdpRepr<'_>> {
    NdpRepr::parse(&Icmpv6Packet::new_checked(b)?)
}

/// Emits into a junk-filled buffer, fills the checksum and compares with `want`.
fn emit_matches(r: &NdpRepr<'_>, src: &str, dst: &str, want: &[u8]) {
    let mut buf = std::vec![0xa5u8; r.buffer_len()];
    let mut p = Icmpv6Packet::new_unchecked(&mut buf[..]);
    r.emit(&mut p).unwrap();
    p.fill_checksum(a(src), a(dst));
    assert_eq!(buf, want);
}

#[test]
fn router_solicit() {
    let p = Icmpv6Packet::new_checked(&RS[..]).unwrap();
    assert!(p.verify_checksum(a("fe80::1"), a("ff02::2")));
    let r = NdpRepr::parse(&p).unwrap();
    let NdpRepr::RouterSolicit { options } = r else {
        panic!("{r:?}")
    };
    assert_eq!(options.source_lladdr(), Some(&MAC[..]));
    assert_eq!(options.iter().next().unwrap().mac(), Some(MacAddr(MAC)));
    emit_matches(&r, "fe80::1", "ff02::2", &RS);
}

#[test]
fn router_advert() {
    let p = Icmpv6Packet::new_checked(&RA[..]).unwrap();
    assert!(p.verify_checksum(a("fe80::1"), a("ff02::1")));
    assert_eq!(p.current_hop_limit(), 64);
    assert!(p.router_flags().managed() && !p.router_flags().other());
    assert_eq!(p.router_lifetime(), 1800);
    assert_eq!(p.reachable_time(), 30000);
    assert_eq!(p.retrans_timer(), 1000);
    let r = NdpRepr::parse(&p).unwrap();
    let NdpRepr::RouterAdvert {
        hop_limit,
        flags,
        router_lifetime,
        reachable_time,
        retrans_timer,
        options,
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!(
        (
            hop_limit,
            flags,
            router_lifetime,
            reachable_time,
            retrans_timer
        ),
        (64, RouterFlags(0x88), 1800, 30000, 1000)
    );
    // 0x08: scapy's default RFC 4191 router preference (01, high) beside M.
    assert!(flags.managed() && !flags.other());
    let opts: Vec<_> = options.iter().collect();
    assert_eq!(opts.len(), 4);
    assert_eq!(opts[0], NdpOption::SourceLinkLayerAddr(&MAC));
    assert_eq!(opts[1], NdpOption::Mtu(1500));
    let pi = PrefixInformation {
        prefix_len: 64,
        flags: 0xc0,
        valid_lifetime: 86400,
        preferred_lifetime: 14400,
        prefix: a("2001:db8:1::"),
    };
    assert_eq!(opts[2], NdpOption::PrefixInformation(pi));
    assert!(pi.on_link() && pi.autonomous());
    let NdpOption::Rdnss(rdnss) = opts[3] else {
        panic!()
    };
    assert_eq!(rdnss.lifetime, 600);
    let dns: Vec<_> = rdnss.addresses().collect();
    assert_eq!(dns, [a("2001:db8::53"), a("2001:db8::54")]);
    assert_eq!(options.mtu(), Some(1500));
    assert_eq!(options.prefixes().collect::<Vec<_>>(), [pi]);
    emit_matches(&r, "fe80::1", "ff02::1", &RA);
}

#[test]
fn build_router_advert_from_options() {
    // Build the same RA from typed options, as a router would.
    let dns = [a("2001:db8::53").octets(), a("2001:db8::54").octets()].concat();
    let opts = [
        NdpOption::SourceLinkLayerAddr(&MAC),
        NdpOption::Mtu(1500),
        NdpOption::PrefixInformation(PrefixInformation {
            prefix_len: 64,
            flags: PrefixInformation::ON_LINK | PrefixInformation::AUTONOMOUS,
            valid_lifetime: 86400,
            preferred_lifetime: 14400,
            prefix: a("2001:db8:1::"),
        }),
        NdpOption::Rdnss(Rdnss {
            lifetime: 600,
            addrs: &dns,
        }),
    ];
    let mut obuf = [0xa5u8; 88];
    assert_eq!(emit_options(&opts, &mut obuf), Ok(88));
    let r = NdpRepr::RouterAdvert {
        hop_limit: 64,
        flags: RouterFlags(RouterFlags::MANAGED | 0x08),
        router_lifetime: 1800,
        reachable_time: 30000,
        retrans_timer: 1000,
        options: NdpOptions::parse(&obuf).unwrap(),
    };
    emit_matches(&r, "fe80::1", "ff02::1", &RA);
    assert_eq!(
        emit_options(&opts, &mut [0u8; 87]),
        Err(WireError::BufferTooSmall)
    );
}

#[test]
fn neighbor_solicit() {
    let p = Icmpv6Packet::new_checked(&NS[..]).unwrap();
    assert!(p.verify_checksum(a("fe80::1"), a("ff02::1:ff00:2")));
    let r = NdpRepr::parse(&p).unwrap();
    let NdpRepr::NeighborSolicit { target, options } = r else {
        panic!("{r:?}")
    };
    assert_eq!(target, a("fe80::2"));
    assert_eq!(options.source_lladdr(), Some(&MAC[..]));
    emit_matches(&r, "fe80::1", "ff02::1:ff00:2", &NS);
}

#[test]
fn neighbor_advert() {
    let p = Icmpv6Packet::new_checked(&NA[..]).unwrap();
    assert!(p.verify_checksum(a("fe80::2"), a("fe80::1")));
    let r = NdpRepr::parse(&p).unwrap();
    let NdpRepr::NeighborAdvert {
        flags,
        target,
        options,
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!(flags, NeighborFlags::new(true, true, true));
    assert!(flags.router() && flags.solicited() && flags.override_());
    assert_eq!(target, a("fe80::2"));
    assert_eq!(
        options.target_lladdr(),
        Some(&[0x52, 0x54, 0, 0xab, 0xcd, 0xef][..])
    );
    emit_matches(&r, "fe80::2", "fe80::1", &NA);
    // reserved bits are dropped on parse and zero on emit
    let mut b = NA;
    b[7] = 0xff;
    assert_eq!(parse(&b).unwrap(), r);
}

#[test]
fn redirect() {
    let p = Icmpv6Packet::new_checked(&REDIRECT[..]).unwrap();
    assert!(p.verify_checksum(a("fe80::1"), a("fe80::2")));
    let r = NdpRepr::parse(&p).unwrap();
    let NdpRepr::Redirect {
        target,
        destination,
        options,
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!((target, destination), (a("fe80::99"), a("2001:db8::2")));
    let opts: Vec<_> = options.iter().collect();
    assert_eq!(opts[0].mac(), Some(MacAddr([0x52, 0x54, 0, 0, 0, 0x99])));
    let NdpOption::RedirectedHeader(h) = opts[1] else {
        panic!()
    };
    assert_eq!(h.len(), 48);
    let ip = crate::ipv6::Ipv6Repr::parse_header(h).unwrap();
    assert_eq!(
        (ip.src_addr, ip.dst_addr),
        (a("2001:db8::1"), a("2001:db8::2"))
    );
    emit_matches(&r, "fe80::1", "fe80::2", &REDIRECT);
}

#[test]
fn via_icmpv6_repr() {
    let p = Icmpv6Packet::new_checked(&NS[..]).unwrap();
    let r = Icmpv6Repr::parse(&p).unwrap();
    assert!(matches!(
        r,
        Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit { .. })
    ));
}

#[test]
fn zero_length_option_is_an_error() {
    let mut b = NS;
    b[25] = 0;
    assert_eq!(parse(&b), Err(WireError::BadLength));
    assert_eq!(
        NdpOption::parse(&[7, 0, 0, 0, 0, 0, 0, 0]),
        Err(WireError::BadLength)
    );
}

#[test]
fn every_truncation_is_rejected() {
    // Cutting at an option boundary leaves a valid message with fewer options;
    // anywhere else (inside the fixed part or an option) is an error.
    let cases: [(&[u8], &[usize]); 5] = [
        (&RS, &[8, 16]),
        (&RA, &[16, 24, 32, 64, 104]),
        (&NS, &[24, 32]),
        (&NA, &[24, 32]),
        (&REDIRECT, &[40, 48, 104]),
    ];
    for (msg, boundaries) in cases {
        for n in 0..=msg.len() {
            assert_eq!(
                parse(&msg[..n]).is_ok(),
                boundaries.contains(&n),
                "{:x} len {n}",
                msg[0]
            );
        }
    }
}

#[test]
fn known_options_with_wrong_length() {
    // MTU option of length 2.
    let b = [5u8, 2, 0, 0, 0, 0, 5, 0xdc, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(NdpOptions::parse(&b), Err(WireError::BadOption));
    // Prefix information of length 3.
    let mut b = [0u8; 24];
    b[..2].copy_from_slice(&[3, 3]);
    assert_eq!(NdpOptions::parse(&b), Err(WireError::BadOption));
    // RDNSS of length 4 (even) and 1 (no address).
    let mut b = [0u8; 32];
    b[..2].copy_from_slice(&[25, 4]);
    assert_eq!(NdpOptions::parse(&b), Err(WireError::BadOption));
    assert_eq!(
        NdpOptions::parse(&[25, 1, 0, 0, 0, 0, 0, 0]),
        Err(WireError::BadOption)
    );
    // Unknown options are kept.
    let u = [200u8, 1, 1, 2, 3, 4, 5, 6];
    let o: Vec<_> = NdpOptions::parse(&u).unwrap().iter().collect();
    assert_eq!(
        o,
        [NdpOption::Unknown {
            kind: 200,
            data: &u[2..]
        }]
    );
    let mut out = [0xa5u8; 8];
    assert_eq!(o[0].emit(&mut out), Ok(8));
    assert_eq!(out, u);
}

#[test]
fn non_zero_code_is_rejected() {
    let mut b = NS;
    b[1] = 1;
    assert_eq!(parse(&b), Err(WireError::BadField));
}

#[test]
fn emit_rejects_what_it_cannot_write() {
    let r = NdpOption::Rdnss(Rdnss {
        lifetime: 1,
        addrs: &[0; 15],
    });
    assert_eq!(r.emit(&mut [0u8; 64]), Err(WireError::BadOption));
    let u = NdpOption::Unknown {
        kind: OPT_MTU,
        data: &[0; 6],
    };
    assert_eq!(u.emit(&mut [0u8; 64]), Err(WireError::BadOption));
    let big = [0u8; MAX_OPTION_LEN];
    let u = NdpOption::Unknown {
        kind: 200,
        data: &big,
    };
    assert_eq!(u.emit(&mut [0u8; 4096]), Err(WireError::BadLength));
    let repr = NdpRepr::RouterSolicit {
        options: NdpOptions::EMPTY,
    };
    let mut small = [0u8; 7];
    assert_eq!(
        repr.emit(&mut Icmpv6Packet::new_unchecked(&mut small[..])),
        Err(WireError::BufferTooSmall)
    );
}
