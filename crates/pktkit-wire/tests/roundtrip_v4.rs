//! Round trips: for every Ethernet, ARP, IPv4, ICMPv4 and UDP value and every
//! IP prefix, `parse(emit(r)) == r`, emitting into junk-filled (0xa5) buffers
//! so that a field the emitter forgets shows up. Emitted checksums are also
//! verified by smoltcp.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::ethernet::{EthernetFrame, EthernetRepr, Vlan};
use pktkit_wire::icmpv4::{DstUnreachable, Icmpv4Packet, Icmpv4Repr, TimeExceeded};
use pktkit_wire::ipv4::{Ipv4Packet, Ipv4Repr};
use pktkit_wire::udp::{UdpPacket, UdpRepr};
use pktkit_wire::{EtherType, IpPrefix, IpProtocol, MacAddr, VlanTag};
use proptest::prelude::*;
use smoltcp::wire as sm;

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

fn ethernet_repr() -> impl Strategy<Value = EthernetRepr> {
    (
        mac(),
        mac(),
        prop_oneof![
            Just(Vlan::None),
            tag().prop_map(Vlan::Single),
            (tag(), tag()).prop_map(|(outer, inner)| Vlan::Double { outer, inner }),
        ],
        any::<u16>().prop_filter("not a TPID", |e| !EtherType(*e).is_vlan_tag()),
    )
        .prop_map(|(dst, src, vlan, et)| EthernetRepr {
            dst,
            src,
            vlan,
            ethertype: EtherType(et),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn ethernet(r in ethernet_repr(), payload in prop::collection::vec(any::<u8>(), 0..16)) {
        let mut b = vec![0xa5u8; r.buffer_len() + payload.len()];
        let mut f = EthernetFrame::new_unchecked(&mut b[..]);
        r.emit(&mut f);
        f.payload_mut().copy_from_slice(&payload);
        let f = EthernetFrame::new_checked(&b[..]).unwrap();
        prop_assert_eq!(EthernetRepr::parse(&f), Ok(r));
        prop_assert_eq!(f.payload(), &payload[..]);
        prop_assert_eq!(pktkit_wire::Frame::parse(&b).unwrap().vlan_tag_count(), r.vlan.len());
    }

    #[test]
    fn arp(op in any::<u16>(), sha in mac(), spa in v4(), tha in mac(), tpa in v4()) {
        let r = ArpRepr { op: ArpOperation::from(op), sha, spa, tha, tpa };
        let mut b = [0xa5u8; 28];
        r.emit(&mut ArpPacket::new_unchecked(&mut b[..]));
        prop_assert_eq!(ArpRepr::parse(&ArpPacket::new_checked(&b[..]).unwrap()), Ok(r));
        prop_assert!(sm::ArpRepr::parse(&sm::ArpPacket::new_checked(&b[..]).unwrap()).is_ok());
    }

    #[test]
    fn ipv4(
        (src, dst, proto, payload_len, ttl) in (v4(), v4(), any::<u8>(), 0usize..=65495, any::<u8>()),
        (dscp, ecn, ident, df, mf, off) in (0u8..64, 0u8..4, any::<u16>(), any::<bool>(), any::<bool>(), (0u16..8192).prop_map(|o| o * 8)),
        options in (0usize..=10).prop_flat_map(|w| prop::collection::vec(any::<u8>(), w * 4)),
    ) {
        // The total length field is 16 bits: header + options + payload fit it.
        let payload_len = payload_len.min(65535 - 20 - options.len());
        let r = Ipv4Repr {
            src, dst, protocol: IpProtocol(proto), payload_len, ttl, dscp, ecn, ident,
            dont_frag: df, more_frags: mf, frag_offset: off, options: &options,
        };
        let mut b = vec![0xa5u8; r.buffer_len() + payload_len];
        let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
        r.emit(&mut p);
        let p = Ipv4Packet::new_checked(&b[..]).unwrap();
        prop_assert!(p.verify_checksum());
        prop_assert!(sm::Ipv4Packet::new_checked(&b[..]).unwrap().verify_checksum());
        prop_assert_eq!(Ipv4Repr::parse(&p), Ok(r));
    }

    #[test]
    fn udp(sp in any::<u16>(), dp in any::<u16>(), payload in prop::collection::vec(any::<u8>(), 0..64), s in v4(), d in v4(), s6 in any::<u128>(), d6 in any::<u128>()) {
        let r = UdpRepr { src_port: sp, dst_port: dp, payload_len: payload.len() };
        for (a, z) in [(IpAddr::V4(s), IpAddr::V4(d)), (IpAddr::V6(Ipv6Addr::from(s6)), IpAddr::V6(Ipv6Addr::from(d6)))] {
            let mut b = vec![0xa5u8; r.buffer_len()];
            r.emit_with_payload(&mut UdpPacket::new_unchecked(&mut b[..]), &payload, a, z);
            let p = UdpPacket::new_checked(&b[..]).unwrap();
            prop_assert!(p.verify_checksum(a, z));
            prop_assert!(sm::UdpPacket::new_checked(&b[..]).unwrap().verify_checksum(&a.into(), &z.into()));
            prop_assert_eq!(UdpRepr::parse(&p), Ok(r));
            prop_assert_eq!(p.payload(), &payload[..]);
        }
    }

    #[test]
    fn icmpv4(kind in 0u8..5, a in any::<u16>(), c in any::<u16>(), code in any::<u8>(), rest in any::<[u8; 4]>(), data in prop::collection::vec(any::<u8>(), 0..64)) {
        let r = match kind {
            0 => Icmpv4Repr::EchoRequest { ident: a, seq_no: c, data: &data },
            1 => Icmpv4Repr::EchoReply { ident: a, seq_no: c, data: &data },
            2 => Icmpv4Repr::DstUnreachable { reason: DstUnreachable::from(code), next_hop_mtu: a, data: &data },
            3 => Icmpv4Repr::TimeExceeded { reason: TimeExceeded::from(code), data: &data },
            // Types the enum does not name (0, 3, 8 and 11 are named).
            _ => Icmpv4Repr::Other { msg_type: [4u8, 5, 13, 14, 42][a as usize % 5], code, rest, data: &data },
        };
        let mut b = vec![0xa5u8; r.buffer_len()];
        let mut p = Icmpv4Packet::new_unchecked(&mut b[..]);
        r.emit(&mut p);
        prop_assert!(p.verify_checksum());
        prop_assert!(sm::Icmpv4Packet::new_checked(&b[..]).unwrap().verify_checksum());
        prop_assert_eq!(Icmpv4Repr::parse(&Icmpv4Packet::new_checked(&b[..]).unwrap()), Ok(r));
    }

    #[test]
    fn ip_prefix(v6 in any::<bool>(), bits in any::<u128>(), len in 0u8..=128) {
        let p = if v6 {
            IpPrefix::new(IpAddr::V6(Ipv6Addr::from(bits)), len).unwrap()
        } else {
            IpPrefix::new(IpAddr::V4(Ipv4Addr::from(bits as u32)), len % 33).unwrap()
        };
        let back: IpPrefix = p.to_string().parse().unwrap();
        prop_assert_eq!(back, p);
        prop_assert!(p.contains(p.addr()));
        prop_assert!(p.network().contains(p.addr()));
        if let Some(b) = p.broadcast() {
            prop_assert!(p.contains(IpAddr::V4(b)));
        }
    }
}
