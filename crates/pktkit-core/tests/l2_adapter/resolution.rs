//! Neighbour resolution: queueing until resolved, bounds, ageing, and the
//! ICMP errors for destinations that never answer.

use super::*;

#[test]
fn arp_resolution_queues_then_flushes_in_order() {
    let rig = Rig::v4();
    let announce = rig.take_wire();
    assert_eq!(announce.len(), 1, "one gratuitous ARP at start");
    let packets: Vec<_> = (0..3u8).map(|i| udp4(OUR4, PEER4, &[i; 20])).collect();
    for p in &packets {
        rig.send(p);
    }
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 1, "one ARP request for three packets");
    let (dst, op, sha, spa, _tha, tpa) = parse_arp(&wire[0]).unwrap();
    assert_eq!(
        (dst, op, sha, spa, tpa),
        (MacAddr::BROADCAST, 1, OUR_MAC, OUR4, PEER4)
    );
    assert_eq!(rig.adapter.pending_count(), 3);
    assert_eq!(
        rig.adapter.neighbor(IpAddr::V4(PEER4)).unwrap().state,
        NeighborState::Incomplete
    );

    let reply = ArpRepr {
        op: ArpOperation::Reply,
        sha: PEER_MAC,
        spa: PEER4,
        tha: OUR_MAC,
        tpa: OUR4,
    };
    rig.inject(&arp_frame(OUR_MAC, reply));
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 3, "queued packets flushed");
    for (f, p) in wire.iter().zip(&packets) {
        let s = SlicedPacket::from_ethernet(f).unwrap();
        let Some(etherparse::LinkSlice::Ethernet2(e)) = s.link else {
            panic!("not ethernet")
        };
        assert_eq!((e.destination(), e.source()), (PEER_MAC.0, OUR_MAC.0));
        assert_eq!(&f[14..14 + p.len()], &p[..], "packet unchanged, order kept");
    }
    let n = rig.adapter.neighbor(IpAddr::V4(PEER4)).unwrap();
    assert_eq!((n.mac, n.state), (Some(PEER_MAC), NeighborState::Reachable));
    assert_eq!(rig.adapter.pending_count(), 0);
    assert_eq!(rig.adapter.stats().resolved, 1);
    rig.send(&packets[0]);
    assert_eq!(rig.take_wire().len(), 1, "resolved: sent at once");
}

#[test]
fn queue_bound_drops_and_counts() {
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![IpPrefix::v4(OUR4, 24).unwrap()],
        max_pending_per_neighbor: 4,
        max_pending: 6,
        link_local: false,
        ..L2AdapterConfig::default()
    });
    for i in 0..10u8 {
        rig.send(&udp4(OUR4, PEER4, &[i]));
    }
    assert_eq!(rig.adapter.pending_count(), 4);
    assert_eq!(rig.adapter.stats().queue_drops, 6);
    assert_eq!(rig.adapter.drops().get(DropReason::QueueFull), 6);
    // The total bound over several next hops.
    for i in 0..5u8 {
        rig.send(&udp4(OUR4, Ipv4Addr::new(10, 0, 0, 50 + i), &[i]));
    }
    assert_eq!(rig.adapter.pending_count(), 6);
    assert_eq!(rig.adapter.stats().queue_drops, 9);
    rig.take_wire();
    rig.inject(&peer_arp_reply());
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 4, "the first four were kept");
    for (i, f) in wire.iter().enumerate() {
        assert_eq!(f[14 + 28], i as u8, "payload byte of packet {i}");
    }
    assert_eq!(rig.adapter.pending_count(), 2);
}

#[test]
fn arp_flood_of_random_senders_keeps_the_cache_at_its_bound() {
    const BOUND: usize = 512;
    const FLOOD: usize = 100_000;
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![IpPrefix::v4(OUR4, 24).unwrap()],
        max_neighbors: BOUND,
        link_local: false,
        ..L2AdapterConfig::default()
    });
    rig.take_wire();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut frames = Vec::new();
    for i in 0..FLOOD {
        let r = rng.next();
        let mut mac = MacAddr::from_u64(r >> 16);
        mac.0[0] = (mac.0[0] & 0xfe) | 0x02; // unicast, local
        let spa = Ipv4Addr::from((r as u32 & 0x7fff_ffff) | 0x0100_0000); // 1.x.x.x ..= 127.x.x.x
        // Half ask for us (RFC 826 creates an entry), half for someone else (it must not).
        let tpa = if i % 2 == 0 {
            OUR4
        } else {
            Ipv4Addr::new(10, 0, 0, 99)
        };
        frames.push(arp_frame(
            MacAddr::BROADCAST,
            ArpRepr {
                op: ArpOperation::Request,
                sha: mac,
                spa,
                tha: MacAddr::ZERO,
                tpa,
            },
        ));
        if frames.len() == 1000 {
            for f in frames.drain(..) {
                rig.inject(&f);
            }
            rig.take_wire();
            assert!(rig.adapter.neighbor_count() <= BOUND);
        }
        if i % 10_000 == 0 {
            rig.clock.advance(Duration::from_millis(10));
        }
    }
    for f in frames.drain(..) {
        rig.inject(&f);
    }
    assert_eq!(rig.adapter.neighbor_count(), BOUND);
    let s = rig.adapter.stats();
    assert_eq!(
        s.arp_replies_sent,
        (FLOOD / 2) as u64,
        "every request for us answered"
    );
    assert_eq!(s.evictions, (FLOOD / 2 - BOUND) as u64);
    // Resolution still works after the flood.
    rig.take_wire();
    rig.send(&udp4(OUR4, PEER4, b"after"));
    let wire = rig.take_wire();
    assert_eq!(parse_arp(&wire[0]).unwrap().5, PEER4);
    assert_eq!(rig.adapter.neighbor_count(), BOUND);
}

#[test]
fn entries_age_with_the_clock() {
    let rig = Rig::v4();
    let cfg = L2AdapterConfig::default();
    rig.send(&udp4(OUR4, PEER4, b"x"));
    rig.inject(&peer_arp_reply());
    let peer = IpAddr::V4(PEER4);
    let state = || rig.adapter.neighbor(peer).map(|n| n.state);
    assert_eq!(state(), Some(NeighborState::Reachable));
    rig.advance(cfg.reachable_time - Duration::from_millis(1));
    assert_eq!(state(), Some(NeighborState::Reachable));
    rig.advance(Duration::from_millis(1));
    assert_eq!(state(), Some(NeighborState::Stale));
    // Used while STALE: DELAY, then unicast probes to the known MAC.
    rig.take_wire();
    rig.send(&udp4(OUR4, PEER4, b"y"));
    assert_eq!(state(), Some(NeighborState::Delay));
    assert_eq!(rig.take_wire().len(), 1, "sent at once to the stale MAC");
    rig.advance(cfg.delay_first_probe);
    assert_eq!(state(), Some(NeighborState::Probe));
    let probes = rig.take_wire();
    let (dst, op, _, _, _, tpa) = parse_arp(&probes[0]).unwrap();
    assert_eq!((dst, op, tpa), (PEER_MAC, 1, PEER4), "unicast probe");
    // A reply confirms it again.
    rig.inject(&peer_arp_reply());
    assert_eq!(state(), Some(NeighborState::Reachable));
    // Left alone: REACHABLE -> STALE -> removed after stale_timeout.
    rig.advance(cfg.reachable_time);
    assert_eq!(state(), Some(NeighborState::Stale));
    rig.advance(cfg.stale_timeout);
    assert_eq!(state(), None);
    // An unanswered PROBE removes the entry after max_probes.
    rig.inject(&peer_arp_request(OUR4));
    assert_eq!(
        state(),
        Some(NeighborState::Stale),
        "created STALE by a request for us"
    );
    rig.send(&udp4(OUR4, PEER4, b"z"));
    rig.advance(cfg.delay_first_probe);
    for _ in 0..cfg.max_probes {
        assert_eq!(state(), Some(NeighborState::Probe));
        rig.advance(cfg.retrans_timer);
    }
    assert_eq!(state(), None);
}

#[test]
fn failed_ipv4_resolution_gives_icmp_host_unreachable() {
    let rig = Rig::v4();
    rig.take_wire();
    let cfg = L2AdapterConfig::default();
    let target = Ipv4Addr::new(10, 0, 0, 9);
    let original = udp4(OUR4, target, b"nobody home");
    rig.send(&original);
    for _ in 0..cfg.max_probes {
        assert!(rig.take_up().is_empty());
        rig.advance(cfg.retrans_timer);
    }
    let arps: Vec<_> = rig
        .take_wire()
        .iter()
        .filter_map(|f| parse_arp(f))
        .collect();
    assert_eq!(
        arps.len() as u32,
        cfg.max_probes,
        "RETRANS: one request per retrans_timer"
    );
    assert!(
        arps.iter()
            .all(|a| a.5 == target && a.0 == MacAddr::BROADCAST)
    );
    let up = rig.take_up();
    assert_eq!(up.len(), 1, "one ICMP error to the IP side");
    let ip = Ipv4Packet::new_checked(&up[0][..]).unwrap();
    assert!(ip.verify_checksum());
    assert_eq!(
        (ip.src_addr(), ip.dst_addr(), ip.protocol()),
        (OUR4, OUR4, IpProtocol::ICMP)
    );
    let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
    assert!(icmp.verify_checksum());
    assert_eq!(
        (icmp.msg_type(), icmp.msg_code()),
        (3, 1),
        "type 3 code 1: host unreachable"
    );
    match Icmpv4Repr::parse(&icmp).unwrap() {
        Icmpv4Repr::DstUnreachable { reason, data, .. } => {
            assert_eq!(reason, DstUnreachable::HostUnreachable);
            assert_eq!(data, &original[..], "the whole (short) packet quoted");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rig.adapter.stats().resolution_failures, 1);
    assert_eq!(
        rig.adapter.neighbor(IpAddr::V4(target)).unwrap().state,
        NeighborState::Failed
    );
    // While FAILED: an immediate error, no new ARP.
    rig.send(&original);
    assert_eq!(rig.take_up().len(), 1);
    assert!(rig.take_wire().is_empty());
    // After failed_hold, resolution is tried again.
    rig.advance(cfg.failed_hold);
    rig.send(&original);
    assert_eq!(rig.take_wire().len(), 1);
    // No ICMP error about an ICMP error.
    let mut err_to_peer = up[0].clone();
    err_to_peer[16..20].copy_from_slice(&Ipv4Addr::new(10, 0, 0, 10).octets());
    pktkit_wire::ipv4::Ipv4Packet::new_unchecked(&mut err_to_peer[..]).fill_checksum();
    rig.send(&err_to_peer);
    for _ in 0..=cfg.max_probes {
        rig.advance(cfg.retrans_timer);
    }
    let up = rig.take_up();
    assert_eq!(
        up.len(),
        1,
        "only the error about 'original' (retried), none about the ICMP error"
    );
}

#[test]
fn failed_ipv6_resolution_gives_address_unreachable() {
    let ours = v6("fd00::2");
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![IpPrefix::v6(ours, 64).unwrap()],
        dad_transmits: 0,
        link_local: false,
        ..L2AdapterConfig::default()
    });
    rig.take_wire();
    let cfg = L2AdapterConfig::default();
    let target = v6("fd00::9");
    let original = udp6(ours, target, &[0x5a; 100]);
    rig.send(&original);
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 1);
    let (dst_mac, src, dst, hop, body) = parse_icmpv6(&wire[0]).unwrap();
    assert_eq!(
        dst_mac,
        MacAddr::new(0x33, 0x33, 0xff, 0, 0, 9),
        "solicited-node MAC"
    );
    assert_eq!((src, dst, hop), (ours, v6("ff02::1:ff00:9"), 255));
    match ndp_of(&body) {
        NdpRepr::NeighborSolicit { target: t, options } => {
            assert_eq!(t, target);
            assert_eq!(options.source_lladdr(), Some(&OUR_MAC.0[..]));
        }
        other => panic!("{other:?}"),
    }
    for _ in 0..cfg.max_probes {
        rig.advance(cfg.retrans_timer);
    }
    assert_eq!(
        rig.take_wire().len() as u32,
        cfg.max_probes - 1,
        "retransmissions"
    );
    let up = rig.take_up();
    assert_eq!(up.len(), 1);
    let ip = Ipv6Packet::new_checked(&up[0][..]).unwrap();
    assert_eq!((ip.src_addr(), ip.dst_addr()), (ours, ours));
    let (proto, body) = ip.upper_layer().unwrap();
    assert_eq!(proto, IpProtocol::ICMPV6);
    let icmp = Icmpv6Packet::new_checked(body).unwrap();
    assert!(icmp.verify_checksum(ours, ours));
    match Icmpv6Repr::parse(&icmp).unwrap() {
        Icmpv6Repr::DstUnreachable {
            code: c,
            header,
            data,
        } => {
            assert_eq!(c, code::ADDR_UNREACHABLE);
            assert_eq!((header.src_addr, header.dst_addr), (ours, target));
            assert_eq!(data, &original[40..]);
        }
        other => panic!("{other:?}"),
    }
}
