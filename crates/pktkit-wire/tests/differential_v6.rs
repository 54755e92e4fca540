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

// ---------------------------------------------------------------------------
// IPv6 fixed header
// ---------------------------------------------------------------------------

fn compare_ipv6_header(bytes: &[u8]) {
    let ours = Ipv6Packet::new_checked(bytes).and_then(|p| Ipv6Repr::parse(&p));
    let theirs = sm::Ipv6Packet::new_checked(bytes).and_then(|p| sm::Ipv6Repr::parse(&p));
    assert_eq!(
        ours.is_ok(),
        theirs.is_ok(),
        "smoltcp acceptance: {bytes:02x?}"
    );
    if let (Ok(o), Ok(t)) = (ours, theirs) {
        assert_eq!(o.src_addr, t.src_addr);
        assert_eq!(o.dst_addr, t.dst_addr);
        assert_eq!(o.next_header.0, u8::from(t.next_header));
        assert_eq!(o.payload_len as usize, t.payload_len);
        assert_eq!(o.hop_limit, t.hop_limit);
        let sp = sm::Ipv6Packet::new_checked(bytes).unwrap();
        assert_eq!(o.traffic_class, sp.traffic_class());
        assert_eq!(o.flow_label, sp.flow_label());
        assert_eq!(
            Ipv6Packet::new_checked(bytes).unwrap().payload(),
            sp.payload()
        );
    }

    // etherparse's header parser checks the 40 bytes and the version only.
    let ours = Ipv6Repr::parse_header(bytes);
    let theirs = Ipv6Header::from_slice(bytes);
    assert_eq!(
        ours.is_ok(),
        theirs.is_ok(),
        "etherparse acceptance: {bytes:02x?}"
    );
    if let (Ok(o), Ok((t, _))) = (ours, theirs) {
        assert_eq!(o.src_addr.octets(), t.source);
        assert_eq!(o.dst_addr.octets(), t.destination);
        assert_eq!(o.next_header.0, t.next_header.0);
        assert_eq!(o.payload_len, t.payload_length);
        assert_eq!(o.hop_limit, t.hop_limit);
        assert_eq!(o.traffic_class, t.traffic_class);
        assert_eq!(o.flow_label, t.flow_label.value());
    }
}

// ---------------------------------------------------------------------------
// Extension headers
// ---------------------------------------------------------------------------

/// Which headers etherparse has taken, to know where it stops on a repeat.
#[derive(Default)]
struct EtherparseSeen {
    dst: bool,
    routing: bool,
    final_dst: bool,
    fragment: bool,
    auth: bool,
}

impl EtherparseSeen {
    /// Takes a header of `kind` (not hop-by-hop); false when etherparse would
    /// stop here and call it the upper layer.
    fn take(&mut self, kind: ExtHeaderKind) -> bool {
        let slot = match kind {
            ExtHeaderKind::DestinationOptions if self.routing => &mut self.final_dst,
            ExtHeaderKind::DestinationOptions => &mut self.dst,
            ExtHeaderKind::Routing => &mut self.routing,
            ExtHeaderKind::Fragment => &mut self.fragment,
            ExtHeaderKind::Authentication => &mut self.auth,
            ExtHeaderKind::HopByHop => return true,
        };
        !std::mem::replace(slot, true)
    }
}

fn compare_ext_chain(next: IpProtocol, payload: &[u8]) {
    let theirs = Ipv6Extensions::from_slice(IpNumber(next.0), payload);
    let mut it = ExtHeaders::new(next, payload);
    let mut seen = EtherparseSeen::default();
    let mut taken: Vec<ExtHeader<'_>> = Vec::new();
    let mut offset = 0;
    loop {
        let before = it.next_header();
        if let Some(k) = ExtHeaderKind::from_protocol(before)
            && k != ExtHeaderKind::HopByHop
            && !seen.take(k)
        {
            // etherparse stops here (a repeat) and calls `k` the upper layer.
            let (exts, ep_next, rest) = theirs.expect("etherparse stops cleanly on a repeat");
            assert_eq!((ep_next.0, payload.len() - rest.len()), (before.0, offset));
            check_etherparse_fields(&exts, &taken);
            return;
        }
        match it.next() {
            Some(Ok(h)) => {
                offset += h.len();
                taken.push(h);
                if it.is_non_first_fragment() {
                    // etherparse walks on into the fragment data; compare what
                    // both have read so far.
                    if let Ok((exts, _, _)) = &theirs {
                        check_etherparse_fields(exts, &taken);
                    }
                    return;
                }
            }
            Some(Err(e)) => {
                assert!(
                    theirs.is_err(),
                    "we fail with {e:?} at offset {offset}, etherparse accepts: {payload:02x?}"
                );
                return;
            }
            None => {
                let (exts, ep_next, rest) = theirs.unwrap_or_else(|e| {
                    panic!("we accept, etherparse fails with {e:?}: {payload:02x?}")
                });
                assert_eq!(ep_next.0, it.next_header().0);
                assert_eq!(payload.len() - rest.len(), it.offset());
                check_etherparse_fields(&exts, &taken);
                return;
            }
        }
    }
}

/// Every header we read agrees with the one etherparse kept in that slot.
fn check_etherparse_fields(exts: &Ipv6Extensions, ours: &[ExtHeader<'_>]) {
    let mut dst_count = 0;
    let mut after_routing = false;
    for h in ours {
        match h.kind {
            ExtHeaderKind::HopByHop => {
                let t = exts.hop_by_hop_options.as_ref().expect("hop-by-hop");
                assert_eq!(
                    (t.next_header.0, t.payload()),
                    (h.next_header.0, &h.bytes[2..])
                );
            }
            ExtHeaderKind::DestinationOptions => {
                dst_count += 1;
                let t = if after_routing {
                    exts.routing
                        .as_ref()
                        .and_then(|r| r.final_destination_options.as_ref())
                } else {
                    exts.destination_options.as_ref()
                };
                let t = t.expect("destination options");
                assert_eq!(
                    (t.next_header.0, t.payload()),
                    (h.next_header.0, &h.bytes[2..])
                );
            }
            ExtHeaderKind::Routing => {
                after_routing = true;
                let t = &exts.routing.as_ref().expect("routing").routing;
                assert_eq!(
                    (t.next_header.0, t.payload()),
                    (h.next_header.0, &h.bytes[2..])
                );
                let r = h.routing().unwrap();
                assert_eq!(
                    (r.routing_type, r.segments_left),
                    (t.payload()[0], t.payload()[1])
                );
            }
            ExtHeaderKind::Fragment => {
                let t = exts.fragment.as_ref().expect("fragment");
                let f = h.fragment().unwrap();
                assert_eq!(f.next_header.0, t.next_header.0);
                assert_eq!(f.offset, t.fragment_offset.value());
                assert_eq!(f.more_fragments, t.more_fragments);
                assert_eq!(f.ident, t.identification);
            }
            ExtHeaderKind::Authentication => {
                let t = exts.auth.as_ref().expect("auth");
                let a = h.auth().unwrap();
                assert_eq!(a.next_header.0, t.next_header.0);
                assert_eq!(
                    (a.spi, a.seq, a.icv),
                    (t.spi, t.sequence_number, t.raw_icv())
                );
            }
        }
    }
    assert!(dst_count <= 2);
}

/// Options of each hop-by-hop / destination options header against smoltcp's
/// iterator; fragment and routing fields against smoltcp's views.
fn compare_ext_with_smoltcp(next: IpProtocol, payload: &[u8]) {
    for h in ExtHeaders::new(next, payload).map_while(Result::ok) {
        match h.kind {
            ExtHeaderKind::HopByHop | ExtHeaderKind::DestinationOptions => {
                let ours: Vec<_> = h.options().unwrap().collect();
                let theirs: Vec<_> = sm::Ipv6OptionsIterator::new(&h.bytes[2..]).collect();
                assert_eq!(ours.len(), theirs.len(), "{:02x?}", h.bytes);
                for (o, t) in ours.iter().zip(&theirs) {
                    match (o, t) {
                        (Ok(Ipv6Option::Pad1), Ok(sm::Ipv6OptionRepr::Pad1)) => {}
                        (Ok(Ipv6Option::PadN(a)), Ok(sm::Ipv6OptionRepr::PadN(b))) => {
                            assert_eq!(a, b)
                        }
                        (
                            Ok(Ipv6Option::RouterAlert(a)),
                            Ok(sm::Ipv6OptionRepr::RouterAlert(b)),
                        ) => {
                            assert_eq!(*a, u16::from(*b))
                        }
                        (
                            Ok(Ipv6Option::Unknown { kind, data }),
                            Ok(sm::Ipv6OptionRepr::Unknown {
                                type_,
                                length,
                                data: d,
                            }),
                        ) => {
                            assert_eq!(
                                (*kind, data.len(), *data),
                                (u8::from(*type_), *length as usize, *d)
                            )
                        }
                        (Err(_), Err(_)) => {}
                        other => panic!("options differ: {other:?} in {:02x?}", h.bytes),
                    }
                }
            }
            ExtHeaderKind::Fragment => {
                let t = sm::Ipv6FragmentHeader::new_checked(&h.bytes[2..]).unwrap();
                let f = h.fragment().unwrap();
                assert_eq!(
                    (f.offset, f.more_fragments, f.ident),
                    (t.frag_offset(), t.more_frags(), t.ident())
                );
            }
            ExtHeaderKind::Routing => {
                let r = h.routing().unwrap();
                let t = sm::Ipv6RoutingHeader::new_unchecked(&h.bytes[2..]);
                assert_eq!(
                    (r.routing_type, r.segments_left),
                    (u8::from(t.routing_type()), t.segments_left())
                );
            }
            ExtHeaderKind::Authentication => {}
        }
    }
}

fn compare_ipv6_packet(bytes: &[u8]) {
    compare_ipv6_header(bytes);
    let Ok(p) = Ipv6Packet::new_checked(bytes) else {
        return;
    };
    if p.version() != 6 {
        return;
    }
    compare_ext_chain(p.next_header(), p.payload());
    compare_ext_with_smoltcp(p.next_header(), p.payload());
}

// ---------------------------------------------------------------------------
// ICMPv6 and NDP
// ---------------------------------------------------------------------------

/// True for NDP option runs where smoltcp decides differently by design (top of file).
fn ndp_options_smoltcp_differs(opts: &[u8]) -> bool {
    let mut rest = opts;
    while rest.len() >= 2 && rest[1] != 0 {
        let n = rest[1] as usize * 8;
        match (rest[0], rest[1]) {
            (3, u) if u > 4 => return true,
            (5, u) if u != 1 => return true,
            (4, u) if u < 6 => return true,
            (25, u) if u < 3 || u.is_multiple_of(2) => return true,
            _ => {}
        }
        if rest.len() < n {
            return false;
        }
        rest = &rest[n..];
    }
    false
}

/// True for option runs where etherparse decides differently by design (RDNSS).
fn ndp_options_etherparse_differs(opts: &[u8]) -> bool {
    let mut rest = opts;
    while rest.len() >= 2 && rest[1] != 0 {
        let n = rest[1] as usize * 8;
        if rest[0] == 25 && (rest[1] < 3 || rest[1].is_multiple_of(2)) {
            return true;
        }
        if rest.len() < n {
            return false;
        }
        rest = &rest[n..];
    }
    false
}

/// The last option of kind `k` that smoltcp would keep (it keeps the last one).
fn last_lladdr<'a>(opts: &NdpRepr<'a>, source: bool) -> Option<&'a [u8]> {
    opts.options()
        .iter()
        .filter_map(|o| match (o, source) {
            (NdpOption::SourceLinkLayerAddr(a), true)
            | (NdpOption::TargetLinkLayerAddr(a), false) => Some(a),
            _ => None,
        })
        .last()
}

fn same_lladdr(ours: Option<&[u8]>, theirs: Option<sm::RawHardwareAddress>) {
    match (ours, theirs) {
        (None, None) => {}
        // smoltcp keeps as many bytes as its largest hardware address.
        (Some(o), Some(t)) => assert_eq!(&o[..t.len()], t.as_bytes()),
        other => panic!("link-layer address differs: {other:?}"),
    }
}

fn compare_icmpv6_smoltcp(bytes: &[u8]) {
    let ours = Icmpv6Packet::new_checked(bytes).and_then(|p| Icmpv6Repr::parse(&p));
    let sp = sm::Icmpv6Packet::new_checked(bytes);
    let theirs = sp.as_ref().map_err(|_| ()).and_then(|p| {
        sm::Icmpv6Repr::parse(&SRC, &DST, p, &ChecksumCapabilities::ignored()).map_err(|_| ())
    });

    if bytes.len() >= 4 {
        let (t, code) = (bytes[0], bytes[1]);
        let hdr = Icmpv6Message(t).header_len();
        let differs = matches!(t, 130..=132 | 143)
            || (matches!(t, 1..=4) && bytes.len() >= 48 && bytes[8] >> 4 != 6)
            || (t == 2 && code != 0)
            || (Icmpv6Message(t).is_ndp()
                && bytes.len() >= hdr
                && ndp_options_smoltcp_differs(&bytes[hdr..]));
        if !differs {
            assert_eq!(
                ours.is_ok(),
                theirs.is_ok(),
                "acceptance differs: ours {ours:?} theirs {theirs:?} on {bytes:02x?}"
            );
        }
    }
    let (Ok(o), Ok(t)) = (ours, theirs) else {
        return;
    };
    let same_quote = |h: &Ipv6Repr, d: &[u8], th: &sm::Ipv6Repr, td: &[u8]| {
        assert_eq!(
            (
                h.src_addr,
                h.dst_addr,
                h.next_header.0,
                h.payload_len as usize,
                h.hop_limit
            ),
            (
                th.src_addr,
                th.dst_addr,
                u8::from(th.next_header),
                th.payload_len,
                th.hop_limit
            )
        );
        assert_eq!(d, td);
    };
    match (o, t) {
        (
            Icmpv6Repr::EchoRequest {
                ident,
                seq_no,
                data,
            },
            sm::Icmpv6Repr::EchoRequest {
                ident: i,
                seq_no: s,
                data: d,
            },
        )
        | (
            Icmpv6Repr::EchoReply {
                ident,
                seq_no,
                data,
            },
            sm::Icmpv6Repr::EchoReply {
                ident: i,
                seq_no: s,
                data: d,
            },
        ) => assert_eq!((ident, seq_no, data), (i, s, d)),
        (
            Icmpv6Repr::DstUnreachable { code, header, data },
            sm::Icmpv6Repr::DstUnreachable {
                reason,
                header: h,
                data: d,
            },
        ) => {
            assert_eq!(code, u8::from(reason));
            same_quote(&header, data, &h, d);
        }
        (
            Icmpv6Repr::PacketTooBig { mtu, header, data },
            sm::Icmpv6Repr::PktTooBig {
                mtu: m,
                header: h,
                data: d,
            },
        ) => {
            assert_eq!(mtu, m);
            same_quote(&header, data, &h, d);
        }
        (
            Icmpv6Repr::TimeExceeded { code, header, data },
            sm::Icmpv6Repr::TimeExceeded {
                reason,
                header: h,
                data: d,
            },
        ) => {
            assert_eq!(code, u8::from(reason));
            same_quote(&header, data, &h, d);
        }
        (
            Icmpv6Repr::ParamProblem {
                code,
                pointer,
                header,
                data,
            },
            sm::Icmpv6Repr::ParamProblem {
                reason,
                pointer: p,
                header: h,
                data: d,
            },
        ) => {
            assert_eq!((code, pointer), (u8::from(reason), p));
            same_quote(&header, data, &h, d);
        }
        (Icmpv6Repr::Ndp(n), sm::Icmpv6Repr::Ndisc(s)) => compare_ndp_smoltcp(&n, &s),
        other => panic!("different messages: {other:?}"),
    }
}

fn compare_ndp_smoltcp(n: &NdpRepr<'_>, s: &sm::NdiscRepr<'_>) {
    match (*n, *s) {
        (NdpRepr::RouterSolicit { .. }, sm::NdiscRepr::RouterSolicit { lladdr }) => {
            same_lladdr(last_lladdr(n, true), lladdr)
        }
        (
            NdpRepr::RouterAdvert {
                hop_limit,
                flags,
                router_lifetime,
                reachable_time,
                retrans_timer,
                options,
            },
            sm::NdiscRepr::RouterAdvert {
                hop_limit: h,
                flags: f,
                router_lifetime: rl,
                reachable_time: rt,
                retrans_time: rx,
                lladdr,
                mtu,
                prefix_info,
            },
        ) => {
            assert_eq!(hop_limit, h);
            assert_eq!(flags.0 & 0xc0, f.bits());
            assert_eq!(router_lifetime as u64, rl.secs());
            assert_eq!(reachable_time as u64, rt.total_millis());
            assert_eq!(retrans_timer as u64, rx.total_millis());
            same_lladdr(last_lladdr(n, true), lladdr);
            let our_mtu = options
                .iter()
                .filter_map(|o| {
                    if let NdpOption::Mtu(m) = o {
                        Some(m)
                    } else {
                        None
                    }
                })
                .last();
            assert_eq!(our_mtu, mtu);
            let our_pi = options.prefixes().last();
            match (our_pi, prefix_info) {
                (None, None) => {}
                (Some(o), Some(t)) => {
                    assert_eq!(o.prefix_len, t.prefix_len);
                    assert_eq!(o.flags & 0xc0, t.flags.bits());
                    assert_eq!(o.valid_lifetime as u64, t.valid_lifetime.secs());
                    assert_eq!(o.preferred_lifetime as u64, t.preferred_lifetime.secs());
                    assert_eq!(o.prefix, t.prefix);
                }
                other => panic!("prefix information differs: {other:?}"),
            }
        }
        (
            NdpRepr::NeighborSolicit { target, .. },
            sm::NdiscRepr::NeighborSolicit {
                target_addr,
                lladdr,
            },
        ) => {
            assert_eq!(target, target_addr);
            same_lladdr(last_lladdr(n, true), lladdr);
        }
        (
            NdpRepr::NeighborAdvert { flags, target, .. },
            sm::NdiscRepr::NeighborAdvert {
                flags: f,
                target_addr,
                lladdr,
            },
        ) => {
            assert_eq!(flags.to_byte(), f.bits());
            assert_eq!(target, target_addr);
            same_lladdr(last_lladdr(n, false), lladdr);
        }
        (
            NdpRepr::Redirect {
                target,
                destination,
                options,
            },
            sm::NdiscRepr::Redirect {
                target_addr,
                dest_addr,
                lladdr,
                redirected_hdr,
            },
        ) => {
            assert_eq!((target, destination), (target_addr, dest_addr));
            same_lladdr(last_lladdr(n, false), lladdr);
            if let Some(rh) = redirected_hdr {
                // smoltcp keeps the last redirected header that holds a whole packet.
                let ours = options
                    .iter()
                    .filter_map(|o| {
                        if let NdpOption::RedirectedHeader(p) = o {
                            Some(p)
                        } else {
                            None
                        }
                    })
                    .filter(|p| {
                        Ipv6Packet::new_checked(*p).is_ok_and(|q| Ipv6Repr::parse(&q).is_ok())
                    })
                    .last()
                    .expect("a redirected header that parses");
                let h = Ipv6Repr::parse_header(ours).unwrap();
                assert_eq!(
                    (
                        h.src_addr,
                        h.dst_addr,
                        h.next_header.0,
                        h.payload_len as usize
                    ),
                    (
                        rh.header.src_addr,
                        rh.header.dst_addr,
                        u8::from(rh.header.next_header),
                        rh.header.payload_len
                    )
                );
                assert_eq!(&ours[40..40 + h.payload_len as usize], rh.data);
            }
        }
        other => panic!("different NDP messages: {other:?}"),
    }
}

fn compare_icmpv6_etherparse(bytes: &[u8]) {
    use etherparse::Icmpv6Type as E;
    let ours = Icmpv6Packet::new_checked(bytes).and_then(|p| Icmpv6Repr::parse(&p));
    let Ok(slice) = etherparse::Icmpv6Slice::from_slice(bytes) else {
        // etherparse needs 8 bytes; every message we decode has at least that.
        assert!(ours.is_err());
        return;
    };
    let t = slice.icmp_type();

    // NDP option runs: same acceptance (except RDNSS), same fields.
    let hdr = Icmpv6Message(bytes[0]).header_len();
    if Icmpv6Message(bytes[0]).is_ndp() && bytes.len() >= hdr {
        compare_ndp_options_etherparse(&bytes[hdr..]);
    }

    let ep_payload = slice.payload_slice();
    match ours {
        Ok(Icmpv6Repr::EchoRequest {
            ident,
            seq_no,
            data,
        }) => {
            assert_eq!(
                t,
                E::EchoRequest(etherparse::IcmpEchoHeader {
                    id: ident,
                    seq: seq_no
                })
            );
            assert_eq!(slice.payload(), data);
        }
        Ok(Icmpv6Repr::EchoReply {
            ident,
            seq_no,
            data,
        }) => {
            assert_eq!(
                t,
                E::EchoReply(etherparse::IcmpEchoHeader {
                    id: ident,
                    seq: seq_no
                })
            );
            assert_eq!(slice.payload(), data);
        }
        Ok(Icmpv6Repr::DstUnreachable { code, .. }) => {
            if let Some(c) = etherparse::icmpv6::DestUnreachableCode::from_u8(code) {
                assert_eq!(t, E::DestinationUnreachable(c));
            }
            assert_eq!(slice.payload(), &bytes[8..]);
        }
        Ok(Icmpv6Repr::PacketTooBig { mtu, .. }) => {
            if bytes[1] == 0 {
                assert_eq!(t, E::PacketTooBig { mtu });
            }
            assert_eq!(slice.payload(), &bytes[8..]);
        }
        Ok(Icmpv6Repr::TimeExceeded { code, .. }) => {
            if let Some(c) = etherparse::icmpv6::TimeExceededCode::from_u8(code) {
                assert_eq!(t, E::TimeExceeded(c));
            }
        }
        Ok(Icmpv6Repr::ParamProblem { code, pointer, .. }) => {
            if let Some(c) = etherparse::icmpv6::ParameterProblemCode::from_u8(code) {
                assert_eq!(
                    t,
                    E::ParameterProblem(etherparse::icmpv6::ParameterProblemHeader {
                        code: c,
                        pointer
                    })
                );
            }
        }
        Ok(Icmpv6Repr::Ndp(n)) => compare_ndp_etherparse(&n, &t, ep_payload),
        Ok(other) => panic!("a message this test does not know yet: {other:?}"),
        Err(e) => {
            // Where we refuse, etherparse must not decode a known message, except
            // for the documented cases.
            let documented = matches!(t, E::PacketTooBig { .. })
                || (matches!(bytes[0], 1..=4) && e != WireError::Unsupported)
                || (Icmpv6Message(bytes[0]).is_ndp()
                    && bytes.len() >= hdr
                    && ndp_options_etherparse_differs(&bytes[hdr..]));
            let decodes_known = !matches!(t, E::Unknown { .. }) && ep_payload.is_ok();
            let ndp_options_ok = !Icmpv6Message(bytes[0]).is_ndp()
                || bytes.len() < hdr
                || etherparse::icmpv6::NdpOptionsIterator::from_slice(&bytes[hdr..])
                    .all(|o| o.is_ok());
            assert!(
                documented || !(decodes_known && ndp_options_ok),
                "we refuse with {e:?}, etherparse decodes {t:?}: {bytes:02x?}"
            );
        }
    }
}

fn compare_ndp_etherparse(
    n: &NdpRepr<'_>,
    t: &etherparse::Icmpv6Type,
    payload: Result<etherparse::icmpv6::Icmpv6PayloadSlice<'_>, etherparse::err::LenError>,
) {
    use etherparse::Icmpv6Type as E;
    use etherparse::icmpv6::Icmpv6PayloadSlice as P;
    let payload = payload.expect("etherparse reads the fixed part we read");
    match (n, t, payload) {
        (NdpRepr::RouterSolicit { options }, E::RouterSolicitation, P::RouterSolicitation(p)) => {
            assert_eq!(options.as_bytes(), p.options())
        }
        (
            NdpRepr::RouterAdvert {
                hop_limit,
                flags,
                router_lifetime,
                reachable_time,
                retrans_timer,
                options,
            },
            E::RouterAdvertisement(h),
            P::RouterAdvertisement(p),
        ) => {
            assert_eq!(*hop_limit, h.cur_hop_limit);
            assert_eq!(
                (flags.managed(), flags.other()),
                (h.managed_address_config, h.other_config)
            );
            assert_eq!(*router_lifetime, h.router_lifetime);
            assert_eq!(
                (*reachable_time, *retrans_timer),
                (p.reachable_time(), p.retrans_timer())
            );
            assert_eq!(options.as_bytes(), p.options());
        }
        (
            NdpRepr::NeighborSolicit { target, options },
            E::NeighborSolicitation,
            P::NeighborSolicitation(p),
        ) => {
            assert_eq!(*target, p.target_address());
            assert_eq!(options.as_bytes(), p.options());
        }
        (
            NdpRepr::NeighborAdvert {
                flags,
                target,
                options,
            },
            E::NeighborAdvertisement(h),
            P::NeighborAdvertisement(p),
        ) => {
            assert_eq!(
                (flags.router(), flags.solicited(), flags.override_()),
                (h.router, h.solicited, h.r#override)
            );
            assert_eq!(*target, p.target_address());
            assert_eq!(options.as_bytes(), p.options());
        }
        (
            NdpRepr::Redirect {
                target,
                destination,
                options,
            },
            E::Redirect,
            P::Redirect(p),
        ) => {
            assert_eq!(
                (*target, *destination),
                (p.target_address(), p.destination_address())
            );
            assert_eq!(options.as_bytes(), p.options());
        }
        other => panic!("different NDP messages: {other:?}"),
    }
}

fn compare_ndp_options_etherparse(opts: &[u8]) {
    use etherparse::icmpv6::NdpOptionSlice as E;
    let ours: Vec<_> = NdpOptionIter::new(opts).collect();
    let theirs: Vec<_> = etherparse::icmpv6::NdpOptionsIterator::from_slice(opts).collect();
    if ndp_options_etherparse_differs(opts) {
        return;
    }
    assert_eq!(ours.len(), theirs.len(), "{opts:02x?}");
    for (o, t) in ours.iter().zip(&theirs) {
        match (o, t) {
            (Ok(NdpOption::SourceLinkLayerAddr(a)), Ok(E::SourceLinkLayerAddress(b))) => {
                assert_eq!(*a, b.link_layer_address())
            }
            (Ok(NdpOption::TargetLinkLayerAddr(a)), Ok(E::TargetLinkLayerAddress(b))) => {
                assert_eq!(*a, b.link_layer_address())
            }
            (Ok(NdpOption::PrefixInformation(a)), Ok(E::PrefixInformation(b))) => {
                assert_eq!(a.prefix_len, b.prefix_length());
                assert_eq!(
                    (a.on_link(), a.autonomous()),
                    (b.on_link(), b.autonomous_address_configuration())
                );
                assert_eq!(
                    (a.valid_lifetime, a.preferred_lifetime),
                    (b.valid_lifetime(), b.preferred_lifetime())
                );
                assert_eq!(a.prefix.octets(), b.prefix());
            }
            (Ok(NdpOption::RedirectedHeader(a)), Ok(E::RedirectedHeader(b))) => {
                assert_eq!(*a, b.redirected_packet())
            }
            (Ok(NdpOption::Mtu(a)), Ok(E::Mtu(b))) => assert_eq!(*a, b.mtu()),
            (Ok(NdpOption::Rdnss(r)), Ok(E::Unknown(b))) => {
                assert_eq!(b.option_type().0, 25);
                assert_eq!(&b.data()[6..], r.addrs);
                assert_eq!(
                    u32::from_be_bytes(b.data()[2..6].try_into().unwrap()),
                    r.lifetime
                );
            }
            (Ok(NdpOption::Unknown { kind, data }), Ok(E::Unknown(b))) => {
                assert_eq!((*kind, *data), (b.option_type().0, b.data()))
            }
            (Err(_), Err(_)) => {}
            other => panic!("NDP options differ: {other:?} in {opts:02x?}"),
        }
    }
}

fn compare_icmpv6(bytes: &[u8]) {
    compare_icmpv6_smoltcp(bytes);
    compare_icmpv6_etherparse(bytes);
}

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

// ---------------------------------------------------------------------------
// Random and mutated packets
// ---------------------------------------------------------------------------

/// One extension header to build: (next-header kind value, body length selector, seed).
fn ext_header_bytes(kind: u8, units: u8, fill: u8, opts: &[Vec<u8>]) -> Vec<u8> {
    match kind {
        44 => {
            let off = (fill as u16) << 3 | (units as u16 & 1);
            let mut v = vec![0, 0];
            v.extend_from_slice(&off.to_be_bytes());
            v.extend_from_slice(&[fill, 1, 2, 3]);
            v
        }
        51 => {
            let pl = 1 + units % 4; // 12..24 bytes
            let mut v = vec![0, pl];
            v.resize((pl as usize + 2) * 4, fill);
            v[2] = 0;
            v[3] = 0;
            v
        }
        43 => {
            let mut v = vec![0, units % 3, fill % 5, fill % 3];
            v.resize((units as usize % 3 + 1) * 8, fill);
            v
        }
        _ => {
            // options header: given options then padding
            let mut body: Vec<u8> = opts.concat();
            let total = (2 + body.len()).div_ceil(8) * 8;
            let pad = total - 2 - body.len();
            match pad {
                0 => {}
                1 => body.push(0),
                n => {
                    body.push(1);
                    body.push((n - 2) as u8);
                    body.resize(body.len() + n - 2, 0);
                }
            }
            let mut v = vec![0, (total / 8 - 1) as u8];
            v.extend_from_slice(&body);
            v
        }
    }
}

fn arb_option() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![0u8]),
        (0u8..6).prop_map(|n| {
            let mut v = vec![1, n];
            v.resize(2 + n as usize, 0);
            v
        }),
        any::<u16>().prop_map(|v| vec![5, 2, (v >> 8) as u8, v as u8]),
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(k, d)| {
            let k = if k < 2 || k == 5 { k + 0x1e } else { k };
            let mut v = vec![k, d.len() as u8];
            v.extend(d);
            v
        }),
    ]
}

prop_compose! {
    fn arb_chain()(
        kinds in proptest::collection::vec(prop_oneof![Just(0u8), Just(43), Just(44), Just(60), Just(51)], 0..7),
        upper in prop_oneof![Just(6u8), Just(17), Just(58), Just(59), Just(50), any::<u8>()],
        params in proptest::collection::vec((any::<u8>(), any::<u8>(), proptest::collection::vec(arb_option(), 0..4)), 7),
        upper_len in 0usize..24,
    ) -> (u8, Vec<u8>) {
        let mut payload = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            let (units, fill, opts) = &params[i];
            // non-first fragments only sometimes
            let fill = if *k == 44 && fill % 3 != 0 { 0 } else { *fill };
            let mut h = ext_header_bytes(*k, *units, fill, opts);
            h[0] = kinds.get(i + 1).copied().unwrap_or(upper);
            payload.extend(h);
        }
        payload.extend(std::iter::repeat_n(0x5a, upper_len));
        (kinds.first().copied().unwrap_or(upper), payload)
    }
}

prop_compose! {
    fn arb_ipv6_packet()(
        (next, payload) in arb_chain(),
        tc in any::<u8>(), flow in 0u32..0x10_0000, hop in any::<u8>(),
        src in any::<[u8; 16]>(), dst in any::<[u8; 16]>(),
        extra in 0usize..4,
    ) -> Vec<u8> {
        let repr = Ipv6Repr {
            src_addr: src.into(), dst_addr: dst.into(), next_header: IpProtocol(next),
            payload_len: payload.len() as u16, hop_limit: hop, traffic_class: tc, flow_label: flow,
        };
        let mut b = vec![0u8; 40];
        repr.emit(&mut Ipv6Packet::new_unchecked(&mut b[..])).unwrap();
        b.extend(payload);
        b.extend(std::iter::repeat_n(0u8, extra)); // link padding
        b
    }
}

/// Applies up to a few byte changes and maybe a truncation.
fn mutate(mut b: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    if !b.is_empty() {
        for &(i, v) in edits {
            let i = i % b.len();
            b[i] = v;
        }
    }
    if let Some(c) = cut {
        b.truncate(c % (b.len() + 1));
    }
    b
}

fn arb_ndp_option() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (prop_oneof![Just(1u8), Just(2)], any::<[u8; 6]>()).prop_map(|(k, m)| {
            let mut v = vec![k, 1];
            v.extend(m);
            v
        }),
        (
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
            any::<[u8; 16]>()
        )
            .prop_map(|(pl, f, a, b, p)| {
                let mut v = vec![3, 4, pl, f];
                v.extend(a.to_be_bytes());
                v.extend(b.to_be_bytes());
                v.extend([0; 4]);
                v.extend(p);
                v
            }),
        any::<u32>().prop_map(|m| {
            let mut v = vec![5, 1, 0, 0];
            v.extend(m.to_be_bytes());
            v
        }),
        (1u8..8, any::<u8>()).prop_map(|(u, f)| {
            let mut v = vec![4, u, 0, 0, 0, 0, 0, 0];
            if u >= 6 {
                // a whole IPv6 packet that fits
                let plen = (u as usize * 8 - 8 - 40) as u16;
                v.extend([0x60, 0, 0, 0]);
                v.extend(plen.to_be_bytes());
                v.extend([17, 64]);
            }
            v.resize(u as usize * 8, f);
            v
        }),
        (1usize..4, any::<u32>(), any::<u8>()).prop_map(|(n, lt, f)| {
            let mut v = vec![25, (1 + 2 * n) as u8, 0, 0];
            v.extend(lt.to_be_bytes());
            v.resize(8 + 16 * n, f);
            v
        }),
        (6u8..=255, 1u8..3, any::<u8>()).prop_map(|(k, u, f)| {
            let k = if k == 25 { 26 } else { k };
            let mut v = vec![k, u];
            v.resize(u as usize * 8, f);
            v
        }),
    ]
}

prop_compose! {
    fn arb_icmpv6()(
        t in prop_oneof![
            Just(1u8), Just(2), Just(3), Just(4), Just(128), Just(129),
            Just(133), Just(134), Just(135), Just(136), Just(137), any::<u8>()
        ],
        code in prop_oneof![4 => Just(0u8), 1 => 0u8..8, 1 => any::<u8>()],
        word in any::<[u8; 4]>(),
        fixed in any::<[u8; 32]>(),
        quote_hdr in any::<[u8; 40]>(),
        quote_data in proptest::collection::vec(any::<u8>(), 0..24),
        opts in proptest::collection::vec(arb_ndp_option(), 0..5),
    ) -> Vec<u8> {
        let mut b = vec![t, code, 0, 0];
        b.extend(word);
        let m = Icmpv6Message(t);
        if matches!(t, 1..=4) {
            let mut h = quote_hdr;
            h[0] = 0x60 | (h[0] & 0x0f);
            b.extend(h);
            b.extend(quote_data);
        } else if m.is_ndp() {
            b.extend(&fixed[..m.header_len() - 8]);
            b.extend(opts.concat());
        } else {
            b.extend(quote_data);
        }
        let mut p = Icmpv6Packet::new_unchecked(&mut b[..]);
        p.fill_checksum(SRC, DST);
        b
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_bytes_ipv6(b in proptest::collection::vec(any::<u8>(), 0..128)) {
        let mut b = b;
        if let Some(x) = b.first_mut() { *x = 0x60 | (*x & 0x0f); }
        compare_ipv6_packet(&b);
    }

    #[test]
    fn built_and_mutated_ipv6(
        b in arb_ipv6_packet(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        cut in proptest::option::of(any::<usize>()),
    ) {
        compare_ipv6_packet(&b);
        compare_ipv6_packet(&mutate(b, &edits, cut));
    }

    #[test]
    fn random_bytes_icmpv6(b in proptest::collection::vec(any::<u8>(), 0..96)) {
        compare_icmpv6(&b);
    }

    #[test]
    fn built_and_mutated_icmpv6(
        b in arb_icmpv6(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        cut in proptest::option::of(any::<usize>()),
    ) {
        compare_icmpv6(&b);
        compare_icmpv6(&mutate(b, &edits, cut));
    }
}

/// The generators must exercise both sides of every decision, or the
/// comparisons above prove little.
#[test]
fn generators_reach_accept_and_reject() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut ok, mut err, mut nonfirst) = (0, 0, 0);
    for _ in 0..500 {
        let b = arb_ipv6_packet().new_tree(&mut runner).unwrap().current();
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        match pktkit_wire::ipv6_ext::walk(p.next_header(), p.payload()) {
            Ok(c) if c.is_non_first_fragment() => nonfirst += 1,
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    assert!(
        ok > 100 && err > 20 && nonfirst > 10,
        "ok {ok} err {err} non-first {nonfirst}"
    );
    let (mut ok, mut ndp) = (0, 0);
    for _ in 0..500 {
        let b = arb_icmpv6().new_tree(&mut runner).unwrap().current();
        if let Ok(r) = Icmpv6Packet::new_checked(&b[..]).and_then(|p| Icmpv6Repr::parse(&p)) {
            ok += 1;
            ndp += matches!(r, Icmpv6Repr::Ndp(_)) as usize;
        }
    }
    assert!(ok > 150 && ndp > 50, "ok {ok} ndp {ndp}");
}

// ---------------------------------------------------------------------------
// tshark as a third, independent reader of what we emit
// ---------------------------------------------------------------------------

/// A small deterministic generator, so the tshark run is reproducible.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn addr(&mut self) -> Ipv6Addr {
        let (a, b, c, d) = (self.next(), self.next(), self.next(), self.next());
        Ipv6Addr::from((a as u128) << 96 | (b as u128) << 64 | (c as u128) << 32 | d as u128)
    }
    fn mac(&mut self) -> [u8; 6] {
        let (a, b) = (self.next().to_be_bytes(), self.next().to_be_bytes());
        [a[0], a[1], a[2], a[3], b[0], b[1]]
    }
}

fn mac_str(m: &[u8]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// One emitted packet and the tshark fields it must show.
struct Expect {
    bytes: Vec<u8>,
    fields: Vec<(&'static str, String)>,
}

/// Wraps an ICMPv6 message (checksum filled) in an IPv6 header, optionally
/// behind a hop-by-hop Router Alert and a destination options header.
fn wrap_icmpv6(
    repr: &Icmpv6Repr<'_>,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    with_ext: bool,
    fields: &mut Vec<(&'static str, String)>,
) -> Vec<u8> {
    use pktkit_wire::ipv6_ext::OptionsHeaderRepr;
    let mut ext = Vec::new();
    let first = if with_ext {
        let hbh = OptionsHeaderRepr {
            next_header: IpProtocol::IPV6_OPTS,
            options: &[Ipv6Option::RouterAlert(0)],
        };
        let dsto = OptionsHeaderRepr {
            next_header: IpProtocol::ICMPV6,
            options: &[Ipv6Option::Unknown {
                kind: 0x1e,
                data: &[1, 2, 3, 4, 5],
            }],
        };
        let mut b = vec![0u8; hbh.buffer_len() + dsto.buffer_len()];
        let n = hbh.emit(&mut b).unwrap();
        dsto.emit(&mut b[n..]).unwrap();
        ext = b;
        fields.push(("ipv6.opt.router_alert", "0".into()));
        fields.push(("ipv6.hopopts.nxt", "60".into()));
        fields.push(("ipv6.dstopts.nxt", "58".into()));
        IpProtocol::HOP_BY_HOP
    } else {
        IpProtocol::ICMPV6
    };
    let icmp_len = repr.buffer_len();
    let ip = Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: first,
        payload_len: (ext.len() + icmp_len) as u16,
        hop_limit: 255,
        traffic_class: 0,
        flow_label: 0x12345,
    };
    let mut out = vec![0xa5u8; 40 + ext.len() + icmp_len];
    ip.emit(&mut Ipv6Packet::new_unchecked(&mut out[..]))
        .unwrap();
    out[40..40 + ext.len()].copy_from_slice(&ext);
    repr.emit_with_checksum(src, dst, &mut out[40 + ext.len()..])
        .unwrap();
    // tshark dissects a quoted (error) or redirected packet too, after ours.
    let quotes =
        matches!(repr, Icmpv6Repr::Ndp(NdpRepr::Redirect { .. })) || repr.msg_type().is_error();
    if quotes {
        fields.push(("ipv6.src", format!("{src},2001:db8::1")));
        fields.push(("ipv6.dst", format!("{dst},2001:db8::2")));
    } else {
        fields.push(("ipv6.src", src.to_string()));
        fields.push(("ipv6.dst", dst.to_string()));
        fields.push(("ipv6.flow", "0x012345".into()));
    }
    fields.push(("icmpv6.type", repr.msg_type().0.to_string()));
    fields.push(("icmpv6.checksum.status", "1".into())); // 1 = Good
    out
}

fn tshark_cases() -> Vec<Expect> {
    use pktkit_wire::ndp::{
        self, NdpOptions, NeighborFlags, PrefixInformation, Rdnss, RouterFlags,
    };
    let mut rng = Lcg(0x5eed);
    let mut cases = Vec::new();
    // The invoking packet quoted by the error messages.
    let quoted = Ipv6Repr {
        src_addr: "2001:db8::1".parse().unwrap(),
        dst_addr: "2001:db8::2".parse().unwrap(),
        next_header: IpProtocol::UDP,
        payload_len: 13,
        hop_limit: 1,
        traffic_class: 0,
        flow_label: 0,
    };
    let udp = [
        0x82, 0x9a, 0x82, 0x9b, 0, 13, 0, 0, b'h', b'e', b'l', b'l', b'o',
    ];
    for i in 0..80u32 {
        let (src, dst) = (rng.addr(), rng.addr());
        let mut f: Vec<(&'static str, String)> = Vec::new();
        let (mac, mac2) = (rng.mac(), rng.mac());
        let echo_data: Vec<u8> = (0..rng.next() % 40).map(|_| rng.next() as u8).collect();
        let dns = [rng.addr(), rng.addr()];
        let dns_bytes: Vec<u8> = dns.iter().flat_map(|a| a.octets()).collect();
        let mut opt_buf = vec![0u8; 256];
        let (w, x, y) = (rng.next(), rng.next(), rng.next());
        let target = rng.addr();
        let repr = match i % 10 {
            0 => {
                let (ident, seq_no) = (w as u16, x as u16);
                f.push(("icmpv6.echo.identifier", format!("0x{ident:04x}")));
                f.push(("icmpv6.echo.sequence_number", seq_no.to_string()));
                if y % 2 == 0 {
                    Icmpv6Repr::EchoRequest {
                        ident,
                        seq_no,
                        data: &echo_data,
                    }
                } else {
                    Icmpv6Repr::EchoReply {
                        ident,
                        seq_no,
                        data: &echo_data,
                    }
                }
            }
            1 => {
                let code = (w % 7) as u8;
                f.push(("icmpv6.code", code.to_string()));
                Icmpv6Repr::DstUnreachable {
                    code,
                    header: quoted,
                    data: &udp,
                }
            }
            2 => {
                let mtu = 1280 + w % 8000;
                f.push(("icmpv6.mtu", mtu.to_string()));
                Icmpv6Repr::PacketTooBig {
                    mtu,
                    header: quoted,
                    data: &udp,
                }
            }
            3 => {
                let code = (w % 2) as u8;
                f.push(("icmpv6.code", code.to_string()));
                Icmpv6Repr::TimeExceeded {
                    code,
                    header: quoted,
                    data: &udp,
                }
            }
            4 => {
                let (code, pointer) = ((w % 3) as u8, x % 48);
                f.push(("icmpv6.code", code.to_string()));
                f.push(("icmpv6.pointer", pointer.to_string()));
                Icmpv6Repr::ParamProblem {
                    code,
                    pointer,
                    header: quoted,
                    data: &udp,
                }
            }
            5 => {
                let n = ndp::emit_options(&[NdpOption::SourceLinkLayerAddr(&mac)], &mut opt_buf)
                    .unwrap();
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac)));
                Icmpv6Repr::Ndp(NdpRepr::RouterSolicit {
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
            6 => {
                let pi = PrefixInformation {
                    prefix_len: 64,
                    flags: (w as u8) & 0xc0,
                    valid_lifetime: x,
                    preferred_lifetime: y,
                    prefix: Ipv6Addr::from(target.to_bits() & !0xffff_ffff_ffff_ffffu128),
                };
                let mtu = 1280 + w % 8000;
                let opts = [
                    NdpOption::SourceLinkLayerAddr(&mac),
                    NdpOption::Mtu(mtu),
                    NdpOption::PrefixInformation(pi),
                    NdpOption::Rdnss(Rdnss {
                        lifetime: w,
                        addrs: &dns_bytes,
                    }),
                ];
                let n = ndp::emit_options(&opts, &mut opt_buf).unwrap();
                let flags = RouterFlags((x as u8) & 0xc0);
                let (hop_limit, lifetime) = (y as u8, w as u16);
                f.push(("icmpv6.nd.ra.cur_hop_limit", hop_limit.to_string()));
                f.push(("icmpv6.nd.ra.flag.m", (flags.managed() as u8).to_string()));
                f.push(("icmpv6.nd.ra.flag.o", (flags.other() as u8).to_string()));
                f.push(("icmpv6.nd.ra.router_lifetime", lifetime.to_string()));
                f.push(("icmpv6.nd.ra.reachable_time", x.to_string()));
                f.push(("icmpv6.nd.ra.retrans_timer", y.to_string()));
                f.push(("icmpv6.opt.type", "1,5,3,25".into()));
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac)));
                f.push(("icmpv6.opt.mtu", mtu.to_string()));
                f.push(("icmpv6.opt.prefix.length", "64".into()));
                f.push(("icmpv6.opt.prefix.flag.l", (pi.on_link() as u8).to_string()));
                f.push((
                    "icmpv6.opt.prefix.flag.a",
                    (pi.autonomous() as u8).to_string(),
                ));
                f.push(("icmpv6.opt.prefix.valid_lifetime", x.to_string()));
                f.push(("icmpv6.opt.prefix.preferred_lifetime", y.to_string()));
                f.push(("icmpv6.opt.prefix", pi.prefix.to_string()));
                f.push(("icmpv6.opt.rdnss.lifetime", w.to_string()));
                f.push(("icmpv6.opt.rdnss", format!("{},{}", dns[0], dns[1])));
                Icmpv6Repr::Ndp(NdpRepr::RouterAdvert {
                    hop_limit,
                    flags,
                    router_lifetime: lifetime,
                    reachable_time: x,
                    retrans_timer: y,
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
            7 => {
                let n = ndp::emit_options(&[NdpOption::SourceLinkLayerAddr(&mac)], &mut opt_buf)
                    .unwrap();
                f.push(("icmpv6.nd.ns.target_address", target.to_string()));
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac)));
                Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
                    target,
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
            8 => {
                let n = ndp::emit_options(&[NdpOption::TargetLinkLayerAddr(&mac2)], &mut opt_buf)
                    .unwrap();
                let flags = NeighborFlags::new(w % 2 == 0, x % 2 == 0, y % 2 == 0);
                f.push(("icmpv6.nd.na.flag.r", (flags.router() as u8).to_string()));
                f.push(("icmpv6.nd.na.flag.s", (flags.solicited() as u8).to_string()));
                f.push(("icmpv6.nd.na.flag.o", (flags.override_() as u8).to_string()));
                f.push(("icmpv6.nd.na.target_address", target.to_string()));
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac2)));
                Icmpv6Repr::Ndp(NdpRepr::NeighborAdvert {
                    flags,
                    target,
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
            _ => {
                let mut redirected = vec![0u8; 40];
                quoted
                    .emit(&mut Ipv6Packet::new_unchecked(&mut redirected[..]))
                    .unwrap();
                redirected.extend_from_slice(&udp[..8]);
                let n = ndp::emit_options(
                    &[
                        NdpOption::TargetLinkLayerAddr(&mac2),
                        NdpOption::RedirectedHeader(&redirected),
                    ],
                    &mut opt_buf,
                )
                .unwrap();
                let destination = rng.addr();
                f.push(("icmpv6.nd.rd.target_address", target.to_string()));
                f.push(("icmpv6.rd.na.destination_address", destination.to_string()));
                f.push(("icmpv6.opt.type", "2,4".into()));
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac2)));
                Icmpv6Repr::Ndp(NdpRepr::Redirect {
                    target,
                    destination,
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
        };
        let bytes = wrap_icmpv6(&repr, src, dst, i % 3 == 0, &mut f);
        cases.push(Expect { bytes, fields: f });
    }
    cases
}

/// Loud skip (or failure under CI) when tshark is missing.
fn have_tshark() -> bool {
    let found = std::process::Command::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let strict = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
            || std::env::var("PKTKIT_REQUIRE_PRIVILEGED").is_ok_and(|v| v == "1");
        assert!(!strict, "tshark is required under CI");
        eprintln!("SKIPPED (needs `tshark` on PATH)");
    }
    found
}

#[test]
fn tshark_reads_what_we_emit() {
    if !have_tshark() {
        return;
    }
    let cases = tshark_cases();
    // pcap, LINKTYPE_RAW (101): each record is a bare IP packet.
    let mut pcap = Vec::new();
    pcap.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    pcap.extend_from_slice(&2u16.to_le_bytes());
    pcap.extend_from_slice(&4u16.to_le_bytes());
    pcap.extend_from_slice(&[0; 8]);
    pcap.extend_from_slice(&65535u32.to_le_bytes());
    pcap.extend_from_slice(&101u32.to_le_bytes());
    for c in &cases {
        pcap.extend_from_slice(&[0; 8]);
        pcap.extend_from_slice(&(c.bytes.len() as u32).to_le_bytes());
        pcap.extend_from_slice(&(c.bytes.len() as u32).to_le_bytes());
        pcap.extend_from_slice(&c.bytes);
    }
    let path = std::env::temp_dir().join(format!("pktkit-v6-tshark-{}.pcap", std::process::id()));
    std::fs::write(&path, &pcap).unwrap();
    let mut names: Vec<&str> = cases
        .iter()
        .flat_map(|c| c.fields.iter().map(|(n, _)| *n))
        .collect();
    names.sort();
    names.dedup();
    names.push("_ws.malformed");
    let mut cmd = std::process::Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(&path);
    cmd.args([
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for n in &names {
        cmd.args(["-e", n]);
    }
    let out = cmd.output();
    let _ = std::fs::remove_file(&path);
    let out = out.expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len());
    let mut checked = 0;
    for (i, (c, line)) in cases.iter().zip(&lines).enumerate() {
        let cols: Vec<&str> = line.split('|').collect();
        assert_eq!(cols.len(), names.len(), "{line}");
        let col = |n: &str| cols[names.iter().position(|x| *x == n).unwrap()];
        assert_eq!(
            col("_ws.malformed"),
            "",
            "packet {i} is malformed to tshark: {:02x?}",
            c.bytes
        );
        for (n, want) in &c.fields {
            let got = col(n);
            // tshark prints booleans as 1/0 or True/False depending on version.
            let got = match got {
                "True" => "1",
                "False" => "0",
                g => g,
            };
            assert_eq!(got, want, "packet {i} field {n}: {:02x?}", c.bytes);
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} fields checked");
}
