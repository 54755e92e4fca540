//! Differential decoding: Ethernet (+VLAN), ARP, IPv4, ICMPv4 and UDP bytes are
//! decoded by pktkit-wire, smoltcp and etherparse; every field two decoders
//! both read must agree, and so must acceptance, except where a peer is
//! documented to be more lenient or strict (each case says why, with the RFC).
//!
//! Inputs are valid packets built from random fields, then mutated (bytes
//! overwritten, truncated, extended) so that the malformed paths are compared
//! too.

use std::net::{IpAddr, Ipv4Addr};

use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::ethernet::{EthernetFrame, EthernetRepr, Vlan};
use pktkit_wire::icmpv4::{Icmpv4Packet, Icmpv4Repr};
use pktkit_wire::ipv4::{Ipv4Packet, Ipv4Repr};
use pktkit_wire::udp::{UdpPacket, UdpRepr};
use pktkit_wire::{EtherType, IpProtocol, MacAddr, VlanTag};
use proptest::prelude::*;
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire as sm;

/// Overwrites bytes, then truncates or extends: the mutations every test applies.
#[derive(Debug, Clone)]
struct Mutation {
    writes: Vec<(usize, u8)>,
    cut: Option<usize>,
    extra: Vec<u8>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        prop::collection::vec((0usize..80, any::<u8>()), 0..4),
        prop::option::weighted(0.3, 0usize..80),
        prop::collection::vec(any::<u8>(), 0..3),
    )
        .prop_map(|(writes, cut, extra)| Mutation { writes, cut, extra })
}

fn apply(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
    for &(i, v) in &m.writes {
        if let Some(x) = b.get_mut(i) {
            *x = v;
        }
    }
    if let Some(c) = m.cut {
        b.truncate(c);
    }
    b.extend_from_slice(&m.extra);
    b
}

fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

fn tag() -> impl Strategy<Value = VlanTag> {
    (
        prop::sample::select(vec![EtherType::VLAN, EtherType::QINQ, EtherType(0x9100)]),
        0u8..8,
        any::<bool>(),
        0u16..4096,
    )
        .prop_map(|(tpid, pcp, dei, vid)| VlanTag {
            tpid,
            pcp,
            dei,
            vid,
        })
}

fn ethernet_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        mac(),
        mac(),
        prop_oneof![
            Just(Vlan::None),
            tag().prop_map(Vlan::Single),
            (tag(), tag()).prop_map(|(outer, inner)| Vlan::Double { outer, inner }),
        ],
        prop::sample::select(vec![0x0800u16, 0x0806, 0x86dd, 0x88cc, 0x0600, 0x05dc]),
        prop::collection::vec(any::<u8>(), 0..20),
    )
        .prop_map(|(dst, src, vlan, et, payload)| {
            let r = EthernetRepr {
                dst,
                src,
                vlan,
                ethertype: EtherType(et),
            };
            let mut b = vec![0u8; r.buffer_len()];
            r.emit(&mut EthernetFrame::new_unchecked(&mut b[..]));
            b.extend_from_slice(&payload);
            b
        })
}

fn ipv4_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        (v4(), v4(), any::<u8>(), 0usize..40, any::<u8>()),
        (
            0u8..64,
            0u8..4,
            any::<u16>(),
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(vec![0u16, 0, 8, 1480, 65528]),
        ),
        prop::collection::vec(any::<u8>(), 0..3).prop_map(|w| w.len() * 4),
    )
        .prop_map(
            |((src, dst, proto, payload_len, ttl), (dscp, ecn, ident, df, mf, off), opt_len)| {
                let opts = vec![1u8; opt_len]; // NOPs
                let r = Ipv4Repr {
                    src,
                    dst,
                    protocol: IpProtocol(proto),
                    payload_len,
                    ttl,
                    dscp,
                    ecn,
                    ident,
                    dont_frag: df,
                    more_frags: mf,
                    frag_offset: off,
                    options: &opts,
                };
                let mut b = vec![0xa5u8; r.buffer_len() + payload_len];
                r.emit(&mut Ipv4Packet::new_unchecked(&mut b[..]));
                b
            },
        )
}

fn udp_bytes() -> impl Strategy<Value = (Vec<u8>, Ipv4Addr, Ipv4Addr)> {
    (
        any::<u16>(),
        any::<u16>(),
        prop::collection::vec(any::<u8>(), 0..30),
        v4(),
        v4(),
    )
        .prop_map(|(sp, dp, payload, s, d)| {
            let r = UdpRepr {
                src_port: sp,
                dst_port: dp,
                payload_len: payload.len(),
            };
            let mut b = vec![0u8; r.buffer_len()];
            r.emit_with_payload(
                &mut UdpPacket::new_unchecked(&mut b[..]),
                &payload,
                s.into(),
                d.into(),
            );
            (b, s, d)
        })
}

fn arp_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![1u16, 2, 3, 4, 8, 9, 0]),
        mac(),
        v4(),
        mac(),
        v4(),
    )
        .prop_map(|(op, sha, spa, tha, tpa)| {
            let r = ArpRepr {
                op: ArpOperation::from(op),
                sha,
                spa,
                tha,
                tpa,
            };
            let mut b = vec![0u8; 28];
            r.emit(&mut ArpPacket::new_unchecked(&mut b[..]));
            b
        })
}

fn icmpv4_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![0u8, 8, 3, 11, 13, 5]),
        0u8..3,
        any::<[u8; 4]>(),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(t, code, rest, data)| {
            let r = Icmpv4Repr::Other {
                msg_type: t,
                code,
                rest,
                data: &data,
            };
            let mut b = vec![0u8; r.buffer_len()];
            r.emit(&mut Icmpv4Packet::new_unchecked(&mut b[..]));
            b
        })
}

fn check_ethernet(b: &[u8]) {
    let ours = EthernetFrame::new_checked(b);
    let sm = sm::EthernetFrame::new_checked(b);
    let ep = etherparse::Ethernet2HeaderSlice::from_slice(b);
    // All three need the 14-byte header. smoltcp does not read 802.1Q tags at
    // all (it reports the TPID as the EtherType), and etherparse's Ethernet II
    // slice stops before the tags; we also require every announced tag to be
    // whole (IEEE 802.1Q: a tag is 4 bytes followed by the EtherType), so we
    // are stricter exactly when the outer EtherType is a TPID.
    assert_eq!(sm.is_ok(), ep.is_ok());
    if b.len() >= 14 && !EtherType(u16::from_be_bytes([b[12], b[13]])).is_vlan_tag() {
        assert_eq!(ours.is_ok(), sm.is_ok());
    }
    let (Ok(ours), Ok(sm), Ok(ep)) = (ours, sm, ep) else {
        return;
    };
    assert_eq!(ours.dst_addr().0, sm.dst_addr().0);
    assert_eq!(ours.src_addr().0, ep.source());
    assert_eq!(ours.dst_addr().0, ep.destination());
    assert_eq!(ours.outer_ethertype().0, u16::from(sm.ethertype()));
    assert_eq!(ours.outer_ethertype().0, ep.ether_type().0);
    // Walk the tags with etherparse's single-VLAN slices.
    let mut at = 12;
    let mut et = ep.ether_type().0;
    let mut i = 0;
    while EtherType(et).is_vlan_tag() && i < ours.vlan_tag_count() {
        let v = etherparse::SingleVlanHeaderSlice::from_slice(&b[at + 2..]).expect("we walked it");
        let t = ours.vlan_tag(i).unwrap();
        assert_eq!(t.tpid.0, et);
        assert_eq!(t.vid, v.vlan_identifier().value());
        assert_eq!(t.pcp, v.priority_code_point().value());
        assert_eq!(t.dei, v.drop_eligible_indicator());
        et = v.ether_type().0;
        at += 4;
        i += 1;
    }
    assert_eq!(et, ours.ethertype().0);
    assert_eq!(&b[at + 2..], ours.payload());
    if let Ok(r) = EthernetRepr::parse(&ours) {
        assert_eq!(r.vlan.len(), ours.vlan_tag_count());
    }
}

fn check_ipv4(b: &[u8]) {
    let ours = Ipv4Packet::new_checked(b).and_then(|p| Ipv4Repr::parse(&p).map(|r| (p, r)));
    let smp = sm::Ipv4Packet::new_checked(b);
    let smr = smp
        .as_ref()
        .ok()
        .map(|p| sm::Ipv4Repr::parse(p, &ChecksumCapabilities::ignored()));
    let ep = etherparse::Ipv4Slice::from_slice(b);
    // etherparse also decodes an AH extension (IP protocol 51) after the header
    // and fails when it is malformed; we keep AH as payload (RFC 4302 is a
    // separate layer), so acceptance is compared only for other protocols.
    let ah = b.len() > 9 && b[9] == 51;
    if !ah {
        assert_eq!(
            ours.is_ok(),
            ep.is_ok(),
            "etherparse {:?} vs ours {:?}",
            ep.err(),
            ours.err()
        );
    }
    // smoltcp's view checks the lengths as ours does; its Repr additionally
    // rejects fragments unless built with `proto-ipv4-fragmentation` (it cannot
    // reassemble them); RFC 791 fragments are well-formed packets, we accept them.
    let is_frag = b.len() >= 8 && u16::from_be_bytes([b[6], b[7]]) & 0x3fff != 0;
    match (&ours, &smr) {
        (Ok(_), Some(Err(_))) => assert!(is_frag, "smoltcp rejected a non-fragment we accept"),
        (Err(_), Some(Ok(_))) => panic!("smoltcp accepted what we reject"),
        (Ok(_), None) => panic!("smoltcp's view rejected what we accept"),
        _ => {}
    }
    let Ok((p, r)) = ours else { return };
    let sp = smp.unwrap();
    assert_eq!(p.version(), sp.version());
    assert_eq!(p.header_len(), sp.header_len() as usize);
    assert_eq!((p.dscp(), p.ecn()), (sp.dscp(), sp.ecn()));
    assert_eq!(p.total_len(), sp.total_len());
    assert_eq!(p.ident(), sp.ident());
    assert_eq!(
        (p.dont_frag(), p.more_frags()),
        (sp.dont_frag(), sp.more_frags())
    );
    assert_eq!(p.frag_offset(), sp.frag_offset());
    assert_eq!(p.ttl(), sp.hop_limit());
    assert_eq!(p.protocol().0, u8::from(sp.next_header()));
    assert_eq!(p.checksum(), sp.checksum());
    assert_eq!(p.src_addr(), sp.src_addr());
    assert_eq!(p.dst_addr(), sp.dst_addr());
    assert_eq!(p.verify_checksum(), sp.verify_checksum());
    assert_eq!(p.payload(), sp.payload());
    if let Some(Ok(s)) = smr {
        assert_eq!(
            (r.src, r.dst, r.payload_len, r.ttl),
            (s.src_addr, s.dst_addr, s.payload_len, s.hop_limit)
        );
        assert_eq!(r.protocol.0, u8::from(s.next_header));
    }
    if let Ok(e) = ep {
        let h = e.header();
        assert_eq!(h.ihl() as usize * 4, p.header_len());
        assert_eq!(h.dcp().value(), p.dscp());
        assert_eq!(h.ecn().value(), p.ecn());
        assert_eq!(h.total_len(), p.total_len());
        assert_eq!(h.identification(), p.ident());
        assert_eq!(
            (h.dont_fragment(), h.more_fragments()),
            (p.dont_frag(), p.more_frags())
        );
        assert_eq!(h.fragments_offset().value() * 8, p.frag_offset());
        assert_eq!(h.ttl(), p.ttl());
        assert_eq!(h.protocol().0, p.protocol().0);
        assert_eq!(h.header_checksum(), p.checksum());
        assert_eq!(h.source_addr(), p.src_addr());
        assert_eq!(h.destination_addr(), p.dst_addr());
        assert_eq!(h.options(), p.options());
        assert_eq!(r.options, p.options());
        if !ah {
            assert_eq!(e.payload().payload, p.payload());
        }
    }
}

fn check_udp(b: &[u8], s: Ipv4Addr, d: Ipv4Addr) {
    let ours = UdpPacket::new_checked(b);
    let sp = sm::UdpPacket::new_checked(b);
    let ep = etherparse::UdpSlice::from_slice(b);
    // smoltcp's view checks exactly what ours does.
    assert_eq!(ours.is_ok(), sp.is_ok());
    // etherparse accepts a length field of 0 and then uses the slice length
    // (RFC 2675 jumbograms / TSO); RFC 768 makes 8 the minimum, so we reject it.
    let zero_len = b.len() >= 6 && b[4] == 0 && b[5] == 0;
    if !zero_len {
        assert_eq!(ours.is_ok(), ep.is_ok());
    }
    let (Ok(p), Ok(spk)) = (ours, sp) else { return };
    let r = UdpRepr::parse(&p).unwrap();
    assert_eq!(
        (p.src_port(), p.dst_port(), p.len(), p.checksum()),
        (spk.src_port(), spk.dst_port(), spk.len(), spk.checksum())
    );
    assert_eq!(p.payload(), spk.payload());
    let (ss, sd) = (sm::IpAddress::Ipv4(s), sm::IpAddress::Ipv4(d));
    assert_eq!(
        p.verify_checksum(IpAddr::V4(s), IpAddr::V4(d)),
        spk.verify_checksum(&ss, &sd)
    );
    // smoltcp's Repr rejects destination port 0 (it cannot deliver it); RFC 768
    // does not forbid it on the wire, so we parse it.
    match sm::UdpRepr::parse(&spk, &ss, &sd, &ChecksumCapabilities::ignored()) {
        Ok(sr) => assert_eq!((sr.src_port, sr.dst_port), (r.src_port, r.dst_port)),
        Err(_) => assert_eq!(r.dst_port, 0),
    }
    if let Ok(e) = ep {
        assert_eq!(
            (e.source_port(), e.destination_port(), e.checksum()),
            (r.src_port, r.dst_port, p.checksum())
        );
        assert_eq!(e.payload(), p.payload());
    }
}

fn check_arp(b: &[u8]) {
    let ours = ArpPacket::new_checked(b);
    let sp = sm::ArpPacket::new_checked(b);
    let ep = etherparse::ArpPacketSlice::from_slice(b);
    assert_eq!(ours.is_ok(), sp.is_ok());
    assert_eq!(ours.is_ok(), ep.is_ok());
    let (Ok(p), Ok(spk), Ok(e)) = (ours, sp, ep) else {
        return;
    };
    assert_eq!(p.hardware_type(), e.hw_addr_type().0);
    assert_eq!(p.protocol_type().0, e.proto_addr_type().0);
    assert_eq!(
        (p.hardware_len(), p.protocol_len()),
        (e.hw_addr_size(), e.proto_addr_size())
    );
    assert_eq!(u16::from(p.operation()), e.operation().0);
    assert_eq!(p.sha(), e.sender_hw_addr());
    assert_eq!(p.spa(), e.sender_protocol_addr());
    assert_eq!(p.tha(), e.target_hw_addr());
    assert_eq!(p.tpa(), e.target_protocol_addr());
    assert_eq!(p.sha(), spk.source_hardware_addr());
    assert_eq!(p.tpa(), spk.target_protocol_addr());
    let ours = ArpRepr::parse(&p);
    let theirs = sm::ArpRepr::parse(&spk);
    assert_eq!(ours.is_ok(), theirs.is_ok());
    if let (
        Ok(r),
        Ok(sm::ArpRepr::EthernetIpv4 {
            operation,
            source_hardware_addr,
            source_protocol_addr,
            target_hardware_addr,
            target_protocol_addr,
        }),
    ) = (ours, theirs)
    {
        assert_eq!(u16::from(r.op), u16::from(operation));
        assert_eq!(r.sha.0, source_hardware_addr.0);
        assert_eq!(r.spa, source_protocol_addr);
        assert_eq!(r.tha.0, target_hardware_addr.0);
        assert_eq!(r.tpa, target_protocol_addr);
    }
}

fn check_icmpv4(b: &[u8]) {
    let ours = Icmpv4Packet::new_checked(b);
    let sp = sm::Icmpv4Packet::new_checked(b);
    let ep = etherparse::Icmpv4Slice::from_slice(b);
    assert_eq!(ours.is_ok(), sp.is_ok());
    // etherparse requires timestamp request/reply (types 13/14, code 0) to be
    // exactly 20 bytes (RFC 792 fixes that size); we do not decode timestamps
    // and keep them, like every type we do not name, as `Other` of any length >= 8.
    let timestamp = b.len() != 20 && matches!(b, [13 | 14, 0, ..]);
    if !timestamp {
        assert_eq!(ours.is_ok(), ep.is_ok());
    }
    let (Ok(p), Ok(spk), Ok(e)) = (ours, sp, ep) else {
        return;
    };
    assert_eq!(
        (p.msg_type(), p.msg_code(), p.checksum()),
        (e.type_u8(), e.code_u8(), e.checksum())
    );
    assert_eq!(p.rest_of_header(), e.bytes5to8());
    // etherparse counts the timestamp fields (12 bytes) as header, we as data.
    assert_eq!(&p.data()[e.header_len() - 8..], e.payload());
    assert_eq!(p.msg_type(), u8::from(spk.msg_type()));
    assert_eq!(p.verify_checksum(), spk.verify_checksum());
    let r = Icmpv4Repr::parse(&p).unwrap();
    use etherparse::Icmpv4Type as E;
    match (r, e.icmp_type()) {
        (
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            },
            E::EchoRequest(h),
        )
        | (
            Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            },
            E::EchoReply(h),
        ) => {
            assert_eq!((ident, seq_no, data), (h.id, h.seq, e.payload()));
        }
        (Icmpv4Repr::EchoRequest { .. } | Icmpv4Repr::EchoReply { .. }, t) => panic!("{t:?}"),
        (Icmpv4Repr::TimeExceeded { reason, data }, E::TimeExceeded(c)) => {
            assert_eq!(u8::from(reason), c.code_u8());
            assert_eq!(data, e.payload());
        }
        (
            Icmpv4Repr::DstUnreachable {
                reason,
                next_hop_mtu,
                ..
            },
            E::DestinationUnreachable(h),
        ) => {
            assert_eq!(u8::from(reason), h.code_u8());
            if let etherparse::icmpv4::DestUnreachableHeader::FragmentationNeeded {
                next_hop_mtu: m,
            } = h
            {
                assert_eq!(m, next_hop_mtu);
            }
        }
        // etherparse names codes 0..=15 only (and echo only with code 0, as we
        // do); other codes it reports as Unknown, which we keep under the
        // type's variant with an Other code.
        _ => {}
    }
    // smoltcp's echo Repr reads the same fields (it also wants code 0).
    if let Ok(sm::Icmpv4Repr::EchoRequest {
        ident,
        seq_no,
        data,
    }) = sm::Icmpv4Repr::parse(&spk, &ChecksumCapabilities::ignored())
    {
        assert_eq!(
            r,
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data
            }
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn ethernet(b in ethernet_bytes(), m in mutation()) {
        check_ethernet(&b);
        check_ethernet(&apply(b, &m));
    }

    #[test]
    fn ethernet_random(b in prop::collection::vec(any::<u8>(), 0..40)) {
        check_ethernet(&b);
    }

    #[test]
    fn ipv4(b in ipv4_bytes(), m in mutation()) {
        check_ipv4(&b);
        check_ipv4(&apply(b, &m));
    }

    #[test]
    fn ipv4_random(mut b in prop::collection::vec(any::<u8>(), 0..80)) {
        if let Some(x) = b.first_mut() { *x = 0x40 | (*x & 0x0f); }
        check_ipv4(&b);
    }

    #[test]
    fn udp((b, s, d) in udp_bytes(), m in mutation()) {
        check_udp(&b, s, d);
        check_udp(&apply(b, &m), s, d);
    }

    #[test]
    fn arp(b in arp_bytes(), m in mutation()) {
        check_arp(&b);
        check_arp(&apply(b, &m));
    }

    #[test]
    fn icmpv4(b in icmpv4_bytes(), m in mutation()) {
        check_icmpv4(&b);
        check_icmpv4(&apply(b, &m));
    }
}
