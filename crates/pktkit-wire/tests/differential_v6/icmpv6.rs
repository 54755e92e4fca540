//! ICMPv6 and NDP messages against smoltcp and etherparse.

use super::*;

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

pub(crate) fn compare_icmpv6(bytes: &[u8]) {
    compare_icmpv6_smoltcp(bytes);
    compare_icmpv6_etherparse(bytes);
}
