//! The IPv6 fixed header and extension-header chains against etherparse and smoltcp.

use super::*;

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

pub(crate) fn compare_ipv6_packet(bytes: &[u8]) {
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
