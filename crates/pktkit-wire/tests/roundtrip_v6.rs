//! Round trips: for every IPv6 / extension header / ICMPv6 / NDP value,
//! `parse(emit(r)) == r`, emitting into junk-filled buffers so that a field the
//! emitter forgets shows up. Every emitted ICMPv6 checksum is also verified by
//! smoltcp and etherparse.

use std::net::Ipv6Addr;

use pktkit_wire::icmpv6::{Icmpv6Packet, Icmpv6Repr};
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::ipv6_ext::{
    self, ExtHeader, ExtHeaderKind, FragmentHeader, Ipv6Option, OptionsHeaderRepr, RoutingHeader,
};
use pktkit_wire::ndp::{
    self, NdpOption, NdpOptions, NdpRepr, NeighborFlags, PrefixInformation, Rdnss, RouterFlags,
};
use pktkit_wire::{IpProtocol, WireError};
use proptest::prelude::*;

fn addr() -> impl Strategy<Value = Ipv6Addr> {
    any::<[u8; 16]>().prop_map(Ipv6Addr::from)
}

prop_compose! {
    fn ipv6_repr()(
        src in addr(), dst in addr(), nh in any::<u8>(), payload_len in any::<u16>(),
        hop_limit in any::<u8>(), traffic_class in any::<u8>(), flow_label in 0u32..0x10_0000,
    ) -> Ipv6Repr {
        Ipv6Repr {
            src_addr: src, dst_addr: dst, next_header: IpProtocol(nh), payload_len,
            hop_limit, traffic_class, flow_label,
        }
    }
}

/// Owned option data, turned into `Ipv6Option`s borrowing it.
#[derive(Debug, Clone)]
enum OwnedOpt {
    Pad1,
    PadN(u8),
    RouterAlert(u16),
    Unknown(u8, Vec<u8>),
}

impl OwnedOpt {
    fn as_opt(&self) -> Ipv6Option<'_> {
        match self {
            OwnedOpt::Pad1 => Ipv6Option::Pad1,
            OwnedOpt::PadN(n) => Ipv6Option::PadN(*n),
            OwnedOpt::RouterAlert(v) => Ipv6Option::RouterAlert(*v),
            OwnedOpt::Unknown(k, d) => Ipv6Option::Unknown { kind: *k, data: d },
        }
    }
}

fn owned_opt() -> impl Strategy<Value = OwnedOpt> {
    prop_oneof![
        Just(OwnedOpt::Pad1),
        any::<u8>().prop_map(OwnedOpt::PadN),
        any::<u16>().prop_map(OwnedOpt::RouterAlert),
        (
            any::<u8>().prop_filter("not a typed option", |k| !matches!(k, 0 | 1 | 5)),
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(k, d)| OwnedOpt::Unknown(k, d)),
    ]
}

/// Owned NDP option data.
#[derive(Debug, Clone)]
enum OwnedNdp {
    Src(Vec<u8>),
    Tgt(Vec<u8>),
    Prefix(PrefixInformation),
    Redirected(Vec<u8>),
    Mtu(u32),
    Rdnss(u32, Vec<u8>),
    Unknown(u8, Vec<u8>),
}

impl OwnedNdp {
    fn as_opt(&self) -> NdpOption<'_> {
        match self {
            OwnedNdp::Src(a) => NdpOption::SourceLinkLayerAddr(a),
            OwnedNdp::Tgt(a) => NdpOption::TargetLinkLayerAddr(a),
            OwnedNdp::Prefix(p) => NdpOption::PrefixInformation(*p),
            OwnedNdp::Redirected(p) => NdpOption::RedirectedHeader(p),
            OwnedNdp::Mtu(m) => NdpOption::Mtu(*m),
            OwnedNdp::Rdnss(l, a) => NdpOption::Rdnss(Rdnss {
                lifetime: *l,
                addrs: a,
            }),
            OwnedNdp::Unknown(k, d) => NdpOption::Unknown { kind: *k, data: d },
        }
    }
}

/// `len` bytes such that 2 + len (or 8 + len) is a multiple of 8, so that the
/// emitted option has no padding the parser would hand back as data.
fn aligned_bytes(head: usize) -> impl Strategy<Value = Vec<u8>> {
    (1usize..5, any::<u8>()).prop_map(move |(units, fill)| {
        (0..units * 8 - head)
            .map(|i| fill.wrapping_add(i as u8))
            .collect()
    })
}

fn owned_ndp() -> impl Strategy<Value = OwnedNdp> {
    prop_oneof![
        aligned_bytes(2).prop_map(OwnedNdp::Src),
        aligned_bytes(2).prop_map(OwnedNdp::Tgt),
        (any::<u8>(), any::<u8>(), any::<u32>(), any::<u32>(), addr()).prop_map(
            |(prefix_len, flags, valid_lifetime, preferred_lifetime, prefix)| {
                OwnedNdp::Prefix(PrefixInformation {
                    prefix_len,
                    flags,
                    valid_lifetime,
                    preferred_lifetime,
                    prefix,
                })
            }
        ),
        aligned_bytes(8).prop_map(OwnedNdp::Redirected),
        any::<u32>().prop_map(OwnedNdp::Mtu),
        (any::<u32>(), 1usize..4, any::<u8>())
            .prop_map(|(l, n, f)| OwnedNdp::Rdnss(l, vec![f; 16 * n])),
        (
            any::<u8>().prop_filter("not a typed option", |k| !matches!(k, 1..=5 | 25)),
            aligned_bytes(2)
        )
            .prop_map(|(k, d)| OwnedNdp::Unknown(k, d)),
    ]
}

fn emit_ndp_options(opts: &[OwnedNdp]) -> Vec<u8> {
    let opts: Vec<_> = opts.iter().map(OwnedNdp::as_opt).collect();
    let len: usize = opts.iter().map(|o| o.buffer_len()).sum();
    let mut buf = vec![0xa5; len];
    assert_eq!(ndp::emit_options(&opts, &mut buf), Ok(len));
    buf
}

#[derive(Debug, Clone)]
enum NdpShape {
    Rs,
    Ra(u8, u8, u16, u32, u32),
    Ns(Ipv6Addr),
    Na(bool, bool, bool, Ipv6Addr),
    Redirect(Ipv6Addr, Ipv6Addr),
}

fn ndp_shape() -> impl Strategy<Value = NdpShape> {
    prop_oneof![
        Just(NdpShape::Rs),
        (
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            any::<u32>(),
            any::<u32>()
        )
            .prop_map(|(a, b, c, d, e)| NdpShape::Ra(a, b, c, d, e)),
        addr().prop_map(NdpShape::Ns),
        (any::<bool>(), any::<bool>(), any::<bool>(), addr())
            .prop_map(|(r, s, o, t)| NdpShape::Na(r, s, o, t)),
        (addr(), addr()).prop_map(|(t, d)| NdpShape::Redirect(t, d)),
    ]
}

fn ndp_repr<'a>(shape: &NdpShape, options: NdpOptions<'a>) -> NdpRepr<'a> {
    match *shape {
        NdpShape::Rs => NdpRepr::RouterSolicit { options },
        NdpShape::Ra(hop_limit, flags, router_lifetime, reachable_time, retrans_timer) => {
            NdpRepr::RouterAdvert {
                hop_limit,
                flags: RouterFlags(flags),
                router_lifetime,
                reachable_time,
                retrans_timer,
                options,
            }
        }
        NdpShape::Ns(target) => NdpRepr::NeighborSolicit { target, options },
        NdpShape::Na(r, s, o, target) => NdpRepr::NeighborAdvert {
            flags: NeighborFlags::new(r, s, o),
            target,
            options,
        },
        NdpShape::Redirect(target, destination) => NdpRepr::Redirect {
            target,
            destination,
            options,
        },
    }
}

/// Emits into junk, checks the checksum, parses back.
fn icmpv6_round_trip(repr: &Icmpv6Repr<'_>, src: Ipv6Addr, dst: Ipv6Addr) {
    let mut buf = vec![0xa5u8; repr.buffer_len() + 7];
    let n = repr.emit_with_checksum(src, dst, &mut buf).unwrap();
    assert_eq!(n, repr.buffer_len());
    let p = Icmpv6Packet::new_checked(&buf[..n]).unwrap();
    assert!(p.verify_checksum(src, dst));
    assert_eq!(Icmpv6Repr::parse(&p).as_ref(), Ok(repr));
    // Two independent checksum implementations agree with the one we filled.
    let sm = smoltcp::wire::Icmpv6Packet::new_unchecked(&buf[..n]);
    assert!(
        sm.verify_checksum(&src, &dst),
        "smoltcp rejects our checksum"
    );
    let ep = etherparse::Icmpv6Slice::from_slice(&buf[..n]).unwrap();
    assert!(
        ep.is_checksum_valid(src.octets(), dst.octets()),
        "etherparse rejects our checksum"
    );
    // One byte short is refused, not truncated.
    if n > 0 {
        let mut short = vec![0u8; n - 1];
        assert_eq!(
            repr.emit(&mut Icmpv6Packet::new_unchecked(&mut short[..])),
            Err(WireError::BufferTooSmall)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn ipv6_header(repr in ipv6_repr(), payload in proptest::collection::vec(any::<u8>(), 0..64)) {
        let repr = Ipv6Repr { payload_len: payload.len() as u16, ..repr };
        let mut buf = vec![0xa5u8; 40 + payload.len()];
        repr.emit(&mut Ipv6Packet::new_unchecked(&mut buf[..])).unwrap();
        buf[40..].copy_from_slice(&payload);
        let p = Ipv6Packet::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(Ipv6Repr::parse(&p), Ok(repr));
        prop_assert_eq!(p.payload(), &payload[..]);
    }

    #[test]
    fn ipv6_header_alone(repr in ipv6_repr()) {
        let mut buf = [0xa5u8; 40];
        repr.emit(&mut Ipv6Packet::new_unchecked(&mut buf[..])).unwrap();
        prop_assert_eq!(Ipv6Repr::parse_header(&buf), Ok(repr));
    }

    #[test]
    fn fragment_header(nh in any::<u8>(), offset in 0u16..0x2000, more in any::<bool>(), ident in any::<u32>()) {
        let f = FragmentHeader { next_header: IpProtocol(nh), offset, more_fragments: more, ident };
        let mut buf = [0xa5u8; 8];
        prop_assert_eq!(f.emit(&mut buf), Ok(8));
        prop_assert_eq!(FragmentHeader::parse(&buf), Ok(f));
        prop_assert_eq!(ExtHeader::parse(ExtHeaderKind::Fragment, &buf).unwrap().fragment(), Some(f));
    }

    #[test]
    fn routing_header(nh in any::<u8>(), ty in any::<u8>(), left in any::<u8>(), units in 0usize..8, fill in any::<u8>()) {
        let data = vec![fill; 4 + units * 8];
        let r = RoutingHeader { next_header: IpProtocol(nh), routing_type: ty, segments_left: left, data: &data };
        let mut buf = vec![0xa5u8; r.buffer_len()];
        prop_assert_eq!(r.emit(&mut buf), Ok(r.buffer_len()));
        prop_assert_eq!(RoutingHeader::parse(&buf), Ok(r));
    }

    #[test]
    fn options_header(nh in any::<u8>(), opts in proptest::collection::vec(owned_opt(), 0..6), hbh in any::<bool>()) {
        let opts: Vec<_> = opts.iter().map(OwnedOpt::as_opt).collect();
        let r = OptionsHeaderRepr { next_header: IpProtocol(nh), options: &opts };
        let mut buf = vec![0xa5u8; r.buffer_len()];
        prop_assert_eq!(r.emit(&mut buf), Ok(r.buffer_len()));
        let kind = if hbh { ExtHeaderKind::HopByHop } else { ExtHeaderKind::DestinationOptions };
        let h = ExtHeader::parse(kind, &buf).unwrap();
        prop_assert_eq!(h.next_header, IpProtocol(nh));
        let back: Vec<_> = h.options().unwrap().collect::<Result<_, _>>().unwrap();
        // The given options, then at most one padding option.
        prop_assert_eq!(&back[..opts.len()], &opts[..]);
        prop_assert!(back.len() - opts.len() <= 1);
        prop_assert!(back[opts.len()..].iter().all(|o| matches!(o, Ipv6Option::Pad1 | Ipv6Option::PadN(_))));
        // And the walker steps over it to the upper layer.
        let mut packet = buf.clone();
        packet[0] = 17;
        packet.extend_from_slice(&[0; 8]);
        prop_assert_eq!(ipv6_ext::upper_layer(kind.protocol(), &packet), Ok((IpProtocol::UDP, buf.len())));
    }

    #[test]
    fn ndp_option(o in owned_ndp()) {
        let o = o.as_opt();
        let mut buf = vec![0xa5u8; o.buffer_len()];
        prop_assert_eq!(o.emit(&mut buf), Ok(buf.len()));
        prop_assert_eq!(NdpOption::parse(&buf), Ok((o, buf.len())));
    }

    #[test]
    fn ndp_message(shape in ndp_shape(), opts in proptest::collection::vec(owned_ndp(), 0..5), src in addr(), dst in addr()) {
        let bytes = emit_ndp_options(&opts);
        let options = NdpOptions::parse(&bytes).unwrap();
        let parsed: Vec<_> = options.iter().collect();
        let given: Vec<_> = opts.iter().map(OwnedNdp::as_opt).collect();
        prop_assert_eq!(parsed, given);
        let repr = ndp_repr(&shape, options);
        icmpv6_round_trip(&Icmpv6Repr::Ndp(repr), src, dst);
        // NdpRepr alone, too.
        let mut buf = vec![0xa5u8; repr.buffer_len()];
        repr.emit(&mut Icmpv6Packet::new_unchecked(&mut buf[..])).unwrap();
        prop_assert_eq!(NdpRepr::parse(&Icmpv6Packet::new_checked(&buf[..]).unwrap()), Ok(repr));
    }

    #[test]
    fn echo(request in any::<bool>(), ident in any::<u16>(), seq_no in any::<u16>(),
            data in proptest::collection::vec(any::<u8>(), 0..64), src in addr(), dst in addr()) {
        let r = if request {
            Icmpv6Repr::EchoRequest { ident, seq_no, data: &data }
        } else {
            Icmpv6Repr::EchoReply { ident, seq_no, data: &data }
        };
        icmpv6_round_trip(&r, src, dst);
    }

    #[test]
    fn error_messages(which in 0u8..4, code in any::<u8>(), word in any::<u32>(), header in ipv6_repr(),
                      data in proptest::collection::vec(any::<u8>(), 0..64), src in addr(), dst in addr()) {
        let r = match which {
            0 => Icmpv6Repr::DstUnreachable { code, header, data: &data },
            1 => Icmpv6Repr::PacketTooBig { mtu: word, header, data: &data },
            2 => Icmpv6Repr::TimeExceeded { code, header, data: &data },
            _ => Icmpv6Repr::ParamProblem { code, pointer: word, header, data: &data },
        };
        icmpv6_round_trip(&r, src, dst);
    }
}
