//! Our own addresses: gratuitous ARP and unsolicited NA on change, duplicate
//! address detection, answering ARP / NS for them, and the gateway answering echo.

use super::*;

#[test]
fn gratuitous_arp_and_unsolicited_na_on_address_change() {
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![IpPrefix::v4(OUR4, 24).unwrap()],
        dad_transmits: 0,
        link_local: false,
        ..L2AdapterConfig::default()
    });
    rig.take_wire();
    let new4 = Ipv4Addr::new(10, 0, 1, 5);
    let new6 = v6("fd00::5");
    rig.adapter
        .set_addrs(&[
            IpPrefix::v4(OUR4, 24).unwrap(),
            IpPrefix::v4(new4, 24).unwrap(),
            IpPrefix::v6(new6, 64).unwrap(),
        ])
        .unwrap();
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 2, "only the new addresses are announced");
    let (dst, op, sha, spa, tha, tpa) = parse_arp(&wire[0]).unwrap();
    assert_eq!(
        (dst, op, sha, spa, tha, tpa),
        (MacAddr::BROADCAST, 1, OUR_MAC, new4, MacAddr::ZERO, new4)
    );
    let (dst_mac, src, dst, hop, body) = parse_icmpv6(&wire[1]).unwrap();
    assert_eq!(dst_mac, MacAddr::new(0x33, 0x33, 0, 0, 0, 1));
    assert_eq!((src, dst, hop), (new6, v6("ff02::1"), 255));
    match ndp_of(&body) {
        NdpRepr::NeighborAdvert {
            flags,
            target,
            options,
        } => {
            assert_eq!(target, new6);
            assert!(!flags.solicited() && flags.override_());
            assert_eq!(options.target_lladdr(), Some(&OUR_MAC.0[..]));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rig.adapter.stats().announcements_sent, 3);
    assert_eq!(rig.adapter.addrs().len(), 3);
}

#[test]
fn dad_conflict_makes_the_address_unusable() {
    let dup = v6("fd00::2");
    let fine = v6("fd00::3");
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![
            IpPrefix::v6(dup, 64).unwrap(),
            IpPrefix::v6(fine, 64).unwrap(),
        ],
        link_local: false,
        ..L2AdapterConfig::default()
    });
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 2, "one DAD NS per address");
    let (dst_mac, src, dst, _, body) = parse_icmpv6(&wire[0]).unwrap();
    assert_eq!(
        (dst_mac, src, dst),
        (
            MacAddr::new(0x33, 0x33, 0xff, 0, 0, 2),
            Ipv6Addr::UNSPECIFIED,
            v6("ff02::1:ff00:2")
        )
    );
    match ndp_of(&body) {
        NdpRepr::NeighborSolicit { target, options } => {
            assert_eq!(target, dup);
            assert!(options.is_empty(), "no SLLA from ::");
        }
        other => panic!("{other:?}"),
    }
    let states = rig.adapter.address_states();
    assert!(states.iter().all(|(_, s)| *s == AddrState::Tentative));
    // Tentative: an NS for it from a neighbour is not answered.
    rig.inject(&peer_ns(fine, v6("ff02::1:ff00:3")));
    assert!(rig.take_wire().is_empty());
    // Someone defends fd00::2.
    let opt = lladdr(PEER_MAC, true);
    let na = NdpRepr::NeighborAdvert {
        flags: NeighborFlags::new(false, false, true),
        target: dup,
        options: NdpOptions::parse(&opt).unwrap(),
    };
    rig.inject(&ndp_frame(
        MacAddr::new(0x33, 0x33, 0, 0, 0, 1),
        PEER_MAC,
        dup,
        v6("ff02::1"),
        na,
    ));
    rig.advance(Duration::from_secs(1));
    let states = rig.adapter.address_states();
    assert_eq!(
        states,
        vec![
            (IpPrefix::v6(dup, 64).unwrap(), AddrState::Duplicate),
            (IpPrefix::v6(fine, 64).unwrap(), AddrState::Preferred)
        ]
    );
    assert_eq!(rig.adapter.stats().dad_failures, 1);
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 1, "only the good address is announced");
    assert!(
        matches!(ndp_of(&parse_icmpv6(&wire[0]).unwrap().4), NdpRepr::NeighborAdvert { target, .. } if target == fine)
    );
    // The duplicate is neither answered for nor used as a source.
    rig.inject(&peer_ns(dup, v6("ff02::1:ff00:2")));
    assert!(rig.take_wire().is_empty());
    rig.send(&udp6(dup, v6("fd00::7"), b"x"));
    let wire = rig.take_wire();
    let (_, src, ..) = parse_icmpv6(&wire[0]).unwrap();
    assert_eq!(
        src, fine,
        "the NS for the next hop comes from the usable address"
    );
}

#[test]
fn answers_arp_and_ns_for_its_own_addresses() {
    let ours6 = v6("fd00::2");
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![
            IpPrefix::v4(OUR4, 24).unwrap(),
            IpPrefix::v6(ours6, 64).unwrap(),
        ],
        dad_transmits: 0,
        link_local: false,
        ..L2AdapterConfig::default()
    });
    rig.take_wire();
    rig.inject(&peer_arp_request(OUR4));
    let wire = rig.take_wire();
    let (dst, op, sha, spa, tha, tpa) = parse_arp(&wire[0]).unwrap();
    assert_eq!(
        (dst, op, sha, spa, tha, tpa),
        (PEER_MAC, 2, OUR_MAC, OUR4, PEER_MAC, PEER4)
    );
    // A request for someone else is not answered.
    rig.inject(&peer_arp_request(Ipv4Addr::new(10, 0, 0, 3)));
    assert!(rig.take_wire().is_empty());
    // NS to the solicited-node group.
    let peer6 = v6("fd00::7");
    let opt = lladdr(PEER_MAC, false);
    let ns = NdpRepr::NeighborSolicit {
        target: ours6,
        options: NdpOptions::parse(&opt).unwrap(),
    };
    let group = v6("ff02::1:ff00:2");
    rig.inject(&ndp_frame(
        MacAddr::from_ipv6_multicast(group),
        PEER_MAC,
        peer6,
        group,
        ns,
    ));
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 1);
    let s = SlicedPacket::from_ethernet(&wire[0]).unwrap();
    let Some(TransportSlice::Icmpv6(i)) = s.transport else {
        panic!("not ICMPv6")
    };
    let etherparse::Icmpv6Type::NeighborAdvertisement(h) = i.icmp_type() else {
        panic!("not an NA: {:?}", i.icmp_type())
    };
    assert!(h.solicited && h.r#override && !h.router);
    let (dst_mac, src, dst, hop, body) = parse_icmpv6(&wire[0]).unwrap();
    assert_eq!((dst_mac, src, dst, hop), (PEER_MAC, ours6, peer6, 255));
    match ndp_of(&body) {
        NdpRepr::NeighborAdvert {
            target, options, ..
        } => {
            assert_eq!(target, ours6);
            assert_eq!(options.target_lladdr(), Some(&OUR_MAC.0[..]));
        }
        other => panic!("{other:?}"),
    }
    let n = rig.adapter.neighbor(IpAddr::V6(peer6)).unwrap();
    assert_eq!(
        (n.mac, n.state),
        (Some(PEER_MAC), NeighborState::Stale),
        "learned from the NS"
    );
    // NDP with a hop limit other than 255 is dropped as malformed.
    let mut bad = ndp_frame(
        MacAddr::from_ipv6_multicast(group),
        PEER_MAC,
        peer6,
        group,
        NdpRepr::NeighborSolicit {
            target: ours6,
            options: NdpOptions::parse(&opt).unwrap(),
        },
    );
    bad[14 + 7] = 64;
    let m = rig.adapter.stats().malformed;
    rig.inject(&bad);
    assert!(rig.take_wire().is_empty());
    assert_eq!(rig.adapter.stats().malformed, m + 1);
}

#[test]
fn gateway_mode_answers_echo_v4_and_v6() {
    let ours6 = v6("fd00::2");
    let peer6 = v6("fd00::7");
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![
            IpPrefix::v4(OUR4, 24).unwrap(),
            IpPrefix::v6(ours6, 64).unwrap(),
        ],
        gateway_mode: true,
        dad_transmits: 0,
        link_local: false,
        ..L2AdapterConfig::default()
    });
    rig.take_wire();
    // v4: the peer pings us; we do not know its MAC yet, so we ARP, then reply.
    let mut ping = Vec::new();
    PacketBuilder::ethernet2(PEER_MAC.0, OUR_MAC.0)
        .ipv4(PEER4.octets(), OUR4.octets(), 64)
        .icmpv4_echo_request(0x1234, 7)
        .write(&mut ping, b"ping payload")
        .unwrap();
    rig.inject(&ping);
    let wire = rig.take_wire();
    assert_eq!(parse_arp(&wire[0]).unwrap().5, PEER4);
    rig.inject(&peer_arp_reply());
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 1);
    let s = SlicedPacket::from_ethernet(&wire[0]).unwrap();
    let Some(NetSlice::Ipv4(ip)) = &s.net else {
        panic!()
    };
    assert_eq!(
        (ip.header().source(), ip.header().destination()),
        (OUR4.octets(), PEER4.octets())
    );
    let Some(TransportSlice::Icmpv4(i)) = s.transport else {
        panic!()
    };
    let etherparse::Icmpv4Type::EchoReply(h) = i.icmp_type() else {
        panic!("{:?}", i.icmp_type())
    };
    assert_eq!((h.id, h.seq), (0x1234, 7));
    assert_eq!(i.payload(), b"ping payload");
    assert!(
        pktkit_wire::checksum::verify(&wire[0][14 + 20..]),
        "ICMP checksum"
    );
    assert!(rig.take_up().is_empty(), "answered here, not passed up");
    // v6: the NS from the peer teaches us its MAC; then the ping is answered at once.
    let opt = lladdr(PEER_MAC, false);
    let group = v6("ff02::1:ff00:2");
    rig.inject(&ndp_frame(
        MacAddr::from_ipv6_multicast(group),
        PEER_MAC,
        peer6,
        group,
        NdpRepr::NeighborSolicit {
            target: ours6,
            options: NdpOptions::parse(&opt).unwrap(),
        },
    ));
    rig.take_wire();
    let mut ping6 = Vec::new();
    PacketBuilder::ethernet2(PEER_MAC.0, OUR_MAC.0)
        .ipv6(peer6.octets(), ours6.octets(), 64)
        .icmpv6_echo_request(0x4321, 9)
        .write(&mut ping6, b"six")
        .unwrap();
    rig.inject(&ping6);
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 1);
    let (dst_mac, src, dst, _, body) = parse_icmpv6(&wire[0]).unwrap();
    assert_eq!((dst_mac, src, dst), (PEER_MAC, ours6, peer6));
    match Icmpv6Repr::parse(&Icmpv6Packet::new_checked(&body[..]).unwrap()).unwrap() {
        Icmpv6Repr::EchoReply {
            ident,
            seq_no,
            data,
        } => assert_eq!((ident, seq_no, data), (0x4321, 9, &b"six"[..])),
        other => panic!("{other:?}"),
    }
    assert_eq!(rig.adapter.stats().echo_replies_sent, 2);
    // Other traffic to us goes up.
    let mut udp = Vec::new();
    PacketBuilder::ethernet2(PEER_MAC.0, OUR_MAC.0)
        .ipv4(PEER4.octets(), OUR4.octets(), 64)
        .udp(5, 6)
        .write(&mut udp, b"up")
        .unwrap();
    rig.inject(&udp);
    assert_eq!(rig.take_up(), vec![udp[14..].to_vec()]);
}
