//! Other traffic: multicast, broadcast and off-link destinations, router
//! advertisements, packets too big, malformed frames and concurrent senders.

use super::*;

#[test]
fn multicast_broadcast_and_off_link_destinations() {
    let gw = Ipv4Addr::new(10, 0, 0, 1);
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![
            IpPrefix::v4(OUR4, 24).unwrap(),
            IpPrefix::v6(v6("fd00::2"), 64).unwrap(),
        ],
        dad_transmits: 0,
        link_local: false,
        ..L2AdapterConfig::default()
    });
    rig.take_wire();
    let cases = [
        (
            udp4(OUR4, Ipv4Addr::new(224, 0, 0, 251), b"m"),
            MacAddr::new(0x01, 0, 0x5e, 0, 0, 0xfb),
        ),
        (
            udp4(OUR4, Ipv4Addr::new(239, 129, 2, 3), b"m"),
            MacAddr::new(0x01, 0, 0x5e, 0x01, 2, 3),
        ),
        (
            udp4(OUR4, Ipv4Addr::new(10, 0, 0, 255), b"b"),
            MacAddr::BROADCAST,
        ),
        (udp4(OUR4, Ipv4Addr::BROADCAST, b"b"), MacAddr::BROADCAST),
        (
            udp6(v6("fd00::2"), v6("ff02::fb"), b"m"),
            MacAddr::new(0x33, 0x33, 0, 0, 0, 0xfb),
        ),
    ];
    for (p, mac) in &cases {
        rig.send(p);
        let wire = rig.take_wire();
        assert_eq!(wire.len(), 1);
        assert_eq!(Frame::parse(&wire[0]).unwrap().dst(), *mac);
    }
    assert_eq!(
        rig.adapter.neighbor_count(),
        0,
        "no resolution for group addresses"
    );
    // Off-link without a gateway: no route.
    rig.send(&udp4(OUR4, Ipv4Addr::new(8, 8, 8, 8), b"x"));
    assert!(rig.take_wire().is_empty());
    assert_eq!(rig.adapter.drops().get(DropReason::NoRoute), 1);
    // With a gateway: resolved through it.
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![IpPrefix::v4(OUR4, 24).unwrap()],
        gateway_v4: Some(gw),
        link_local: false,
        ..L2AdapterConfig::default()
    });
    rig.take_wire();
    rig.send(&udp4(OUR4, Ipv4Addr::new(8, 8, 8, 8), b"x"));
    let wire = rig.take_wire();
    assert_eq!(parse_arp(&wire[0]).unwrap().5, gw);
}

#[test]
fn router_advertisement_gives_default_router_and_prefix() {
    let router = v6("fe80::1");
    let rig = Rig::new(L2AdapterConfig {
        dad_transmits: 0,
        ..L2AdapterConfig::default()
    });
    // A host solicits routers from its link-local address.
    let wire = rig.take_wire();
    let ll_self = v6("fe80::ff:fe00:2"); // EUI-64 of 02:00:00:00:00:02
    let rs: Vec<_> = wire
        .iter()
        .filter(|f| {
            let s = SlicedPacket::from_ethernet(f).unwrap();
            matches!(&s.transport, Some(TransportSlice::Icmpv6(i))
                if i.icmp_type() == etherparse::Icmpv6Type::RouterSolicitation)
        })
        .collect();
    assert_eq!(rs.len(), 1);
    let (dst_mac, src, dst, hop, body) = parse_icmpv6(rs[0]).unwrap();
    assert_eq!(
        (dst_mac, src, dst, hop),
        (
            MacAddr::new(0x33, 0x33, 0, 0, 0, 2),
            ll_self,
            v6("ff02::2"),
            255
        )
    );
    assert_eq!(
        ndp_of(&body).options().source_lladdr(),
        Some(&OUR_MAC.0[..])
    );
    let mut opts = [0u8; 40];
    NdpOption::SourceLinkLayerAddr(&PEER_MAC.0)
        .emit(&mut opts[..8])
        .unwrap();
    NdpOption::PrefixInformation(PrefixInformation {
        prefix_len: 64,
        flags: PrefixInformation::ON_LINK | PrefixInformation::AUTONOMOUS,
        valid_lifetime: 3600,
        preferred_lifetime: 1800,
        prefix: v6("2001:db8:1::"),
    })
    .emit(&mut opts[8..])
    .unwrap();
    let ra = NdpRepr::RouterAdvert {
        hop_limit: 64,
        flags: pktkit_wire::ndp::RouterFlags(0),
        router_lifetime: 1800,
        reachable_time: 0,
        retrans_timer: 0,
        options: NdpOptions::parse(&opts).unwrap(),
    };
    rig.inject(&ndp_frame(
        MacAddr::new(0x33, 0x33, 0, 0, 0, 1),
        PEER_MAC,
        router,
        v6("ff02::1"),
        ra,
    ));
    assert_eq!(rig.adapter.learned_router(), Some(router));
    assert_eq!(
        rig.adapter.learned_prefixes(),
        vec!["2001:db8:1::/64".parse().unwrap()]
    );
    let ll = rig
        .adapter
        .address_states()
        .iter()
        .find(|(p, _)| p.addr().is_ipv6())
        .unwrap()
        .0
        .addr();
    let IpAddr::V6(ll) = ll else { unreachable!() };
    // Off-link: to the router's MAC, learned from its SLLA.
    rig.send(&udp6(ll, v6("2001:db8:9::1"), b"far"));
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 1);
    assert_eq!(Frame::parse(&wire[0]).unwrap().dst(), PEER_MAC);
    assert_eq!(rig.adapter.stats().router_adverts, 1);
}

#[test]
fn too_big_gets_fragmentation_needed() {
    let rig = Rig::v4();
    rig.take_wire();
    let mut big = udp4(OUR4, PEER4, &[0u8; 1600]);
    big[6] |= 0x40; // DF
    Ipv4Packet::new_unchecked(&mut big[..]).fill_checksum();
    rig.send(&big);
    assert!(rig.take_wire().is_empty());
    let up = rig.take_up();
    let ip = Ipv4Packet::new_checked(&up[0][..]).unwrap();
    let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
    assert!(icmp.verify_checksum());
    assert_eq!(
        (icmp.msg_type(), icmp.msg_code(), icmp.next_hop_mtu()),
        (3, 4, 1500)
    );
    assert!(up[0].len() <= 576, "RFC 1812 size limit");
}

#[test]
fn malformed_and_random_frames_never_panic_and_are_counted() {
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![
            IpPrefix::v4(OUR4, 24).unwrap(),
            IpPrefix::v6(v6("fd00::2"), 64).unwrap(),
        ],
        gateway_mode: true,
        dad_transmits: 0,
        ..L2AdapterConfig::default()
    });
    // Truncated ARP, IPv4 with a bad header checksum, garbage IPv6.
    rig.inject(&eth(OUR_MAC, PEER_MAC, EtherType::ARP, &[0, 1, 8, 0, 6, 4]));
    let mut bad4 = udp4(PEER4, OUR4, b"x");
    bad4[10] ^= 0xff;
    rig.inject(&eth(OUR_MAC, PEER_MAC, EtherType::IPV4, &bad4));
    rig.inject(&eth(OUR_MAC, PEER_MAC, EtherType::IPV6, &[0x60; 30]));
    assert_eq!(rig.adapter.stats().malformed, 3);
    assert!(rig.take_up().is_empty());
    // Random bytes behind every ethertype we handle, and random edits of valid frames.
    let mut rng = Rng(42);
    let mut seeds = vec![
        peer_arp_request(OUR4),
        ndp_frame(
            OUR_MAC,
            PEER_MAC,
            v6("fd00::7"),
            v6("fd00::2"),
            NdpRepr::NeighborSolicit {
                target: v6("fd00::2"),
                options: NdpOptions::EMPTY,
            },
        ),
    ];
    let mut ping = Vec::new();
    PacketBuilder::ethernet2(PEER_MAC.0, OUR_MAC.0)
        .ipv6(v6("fd00::7").octets(), v6("fd00::2").octets(), 64)
        .icmpv6_echo_request(1, 1)
        .write(&mut ping, b"abc")
        .unwrap();
    seeds.push(ping);
    for i in 0..20_000u32 {
        let mut f = if i % 2 == 0 {
            let et = [EtherType::ARP, EtherType::IPV4, EtherType::IPV6][(i as usize / 2) % 3];
            let len = (rng.next() % 120) as usize;
            let body: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            eth(OUR_MAC, PEER_MAC, et, &body)
        } else {
            seeds[(i as usize / 2) % seeds.len()].clone()
        };
        let edits = 1 + rng.next() % 4;
        for _ in 0..edits {
            let at = 14 + (rng.next() as usize) % (f.len() - 14).max(1);
            if at < f.len() {
                f[at] = rng.next() as u8;
            }
        }
        if rng.next().is_multiple_of(4) {
            let cut = 14 + (rng.next() as usize) % (f.len() - 13);
            f.truncate(cut);
        }
        rig.inject(&f);
        rig.take_wire();
        rig.take_up();
    }
    assert!(rig.adapter.stats().malformed > 1000);
    assert!(rig.adapter.neighbor_count() <= L2AdapterConfig::default().max_neighbors);
}

#[test]
fn concurrent_senders_with_a_peer_answering_inside_the_send_call() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{OnceLock, Weak};
    // The peer answers ARP from inside its handler, i.e. inside the adapter's own
    // `send` on the wire: the adapter must not hold its lock there.
    let (ours, peer) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, 0xee), PEER_MAC);
    let peer = Arc::new(peer);
    let me: Arc<OnceLock<Weak<PipeL2>>> = Arc::new(OnceLock::new());
    me.set(Arc::downgrade(&peer)).unwrap();
    let ip_frames = Arc::new(AtomicU64::new(0));
    let (m, n) = (me.clone(), ip_frames.clone());
    peer.set_handler(Arc::new(move |f: &Frame| {
        if f.ethertype() == EtherType::IPV4 {
            n.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let Ok(a) = ArpRepr::parse(&ArpPacket::new_checked(f.payload()).unwrap()) else {
            return Ok(());
        };
        if a.op == ArpOperation::Request && !a.is_gratuitous() {
            let mac = MacAddr::new(2, 1, 0, 0, 0, a.tpa.octets()[3]);
            if let Some(p) = m.get().and_then(Weak::upgrade) {
                p.send(Frame::parse(&arp_frame(OUR_MAC, a.reply(mac).unwrap())).unwrap())?;
            }
        }
        Ok(())
    }));
    let clock = ManualClock::new();
    let adapter = L2Adapter::new(
        Arc::new(ours),
        L2AdapterConfig {
            mac: Some(OUR_MAC),
            addrs: vec![IpPrefix::v4(OUR4, 24).unwrap()],
            link_local: false,
            ..L2AdapterConfig::default()
        },
        Arc::new(clock.clone()),
    );
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = 2000;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let adapter = &adapter;
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    let dst = Ipv4Addr::new(10, 0, 0, 10 + ((i + t) % 50) as u8);
                    adapter
                        .send(Packet::parse(&udp4(OUR4, dst, &i.to_be_bytes())).unwrap())
                        .unwrap();
                }
            });
        }
        s.spawn(|| {
            for _ in 0..200 {
                adapter.tick();
                std::thread::yield_now();
            }
        });
    });
    // Senders racing a resolution queue behind it, and the per-neighbour
    // queue is bounded: a packet beyond the bound is dropped and counted.
    // Every packet is either on the wire or counted, none is left waiting.
    let dropped = adapter.stats().queue_drops;
    assert_eq!(
        ip_frames.load(Ordering::Relaxed) + dropped,
        THREADS * PER_THREAD
    );
    assert!(dropped < THREADS * PER_THREAD / 10, "{dropped} queue drops");
    assert_eq!(adapter.pending_count(), 0);
    let n = adapter.neighbors();
    assert_eq!(n.len(), 50);
    for (ip, nb) in n {
        let IpAddr::V4(v4) = ip else { unreachable!() };
        assert_eq!(nb.mac, Some(MacAddr::new(2, 1, 0, 0, 0, v4.octets()[3])));
        assert_eq!(nb.state, NeighborState::Reachable);
    }
    assert_eq!(adapter.stats().resolved, 50);
}

/// Regression (found by the `l2_adapter` fuzz target): packets queued for a
/// next hop that then became one of our own addresses stayed in the
/// resolution queue for good (the cache entry that would have failed them was
/// removed), holding queue room. They now fail at once with ICMP unreachable.
#[test]
fn queued_packets_for_a_next_hop_that_becomes_ours_fail_at_once() {
    let rig = Rig::v4();
    rig.take_wire();
    let hop = Ipv4Addr::new(10, 0, 0, 9);
    let original = udp4(OUR4, hop, b"waiting");
    rig.send(&original);
    assert_eq!(rig.adapter.pending_count(), 1);
    assert_eq!(rig.take_wire().len(), 1, "one ARP request");

    let addrs = [
        IpPrefix::v4(OUR4, 24).unwrap(),
        IpPrefix::v4(hop, 24).unwrap(),
    ];
    rig.adapter.set_addrs(&addrs).unwrap();
    let announce: Vec<_> = rig
        .take_wire()
        .iter()
        .filter_map(|f| parse_arp(f))
        .collect();
    assert_eq!(
        announce.len(),
        1,
        "only the gratuitous ARP for the new address"
    );
    assert_eq!((announce[0].3, announce[0].5), (hop, hop));
    assert_eq!(rig.adapter.pending_count(), 0, "nothing left waiting");
    assert_eq!(rig.adapter.neighbor(IpAddr::V4(hop)), None);
    assert_eq!(rig.adapter.drops().get(DropReason::NoRoute), 1);
    let up = rig.take_up();
    assert_eq!(up.len(), 1, "one ICMP error to the IP side");
    let ip = Ipv4Packet::new_checked(&up[0][..]).unwrap();
    assert!(ip.verify_checksum());
    assert_eq!((ip.dst_addr(), ip.protocol()), (OUR4, IpProtocol::ICMP));
    let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
    assert!(icmp.verify_checksum());
    match Icmpv4Repr::parse(&icmp).unwrap() {
        Icmpv4Repr::DstUnreachable { reason, data, .. } => {
            assert_eq!(reason, DstUnreachable::HostUnreachable);
            assert_eq!(data, &original[..]);
        }
        other => panic!("{other:?}"),
    }
    // No resolution goes on for it any more.
    let cfg = L2AdapterConfig::default();
    for _ in 0..=cfg.max_probes {
        rig.advance(cfg.retrans_timer);
    }
    assert!(rig.take_up().is_empty());
    assert!(rig.take_wire().is_empty(), "no ARP for it any more");
}

/// Regression (found by the `l2_adapter` fuzz target): an NS for our address
/// from a multicast IPv6 source, without a source link-layer option, in a
/// frame from a multicast MAC, was answered with a *solicited* NA to the
/// multicast group (RFC 4861 §7.2.4 forbids S on multicast), sent to the
/// frame's group source MAC (not the group's own MAC). Multicast IPv6 sources
/// (RFC 4291 §2.7) and multicast source MACs are now dropped as malformed.
#[test]
fn multicast_sources_are_not_answered() {
    let ours6 = v6("fd00::2");
    let rig = Rig::new(L2AdapterConfig {
        addrs: vec![IpPrefix::v6(ours6, 64).unwrap()],
        dad_transmits: 0,
        link_local: false,
        ..L2AdapterConfig::default()
    });
    rig.take_wire();
    let group = v6("ff02::1:ff00:2");
    let ns = || NdpRepr::NeighborSolicit {
        target: ours6,
        options: NdpOptions::EMPTY,
    };
    let group_mac = MacAddr::new(0x01, 0, 0x5e, 0, 0, 0x0a);
    let malformed = rig.adapter.stats().malformed;
    // Multicast IPv6 source, multicast source MAC: the fuzzer's case.
    let all_nodes = v6("ff02::1");
    let to_group = MacAddr::from_ipv6_multicast(group);
    rig.inject(&ndp_frame(to_group, group_mac, all_nodes, group, ns()));
    // Multicast IPv6 source, unicast MAC.
    rig.inject(&ndp_frame(to_group, PEER_MAC, all_nodes, group, ns()));
    // Unicast IPv6 source, multicast source MAC.
    rig.inject(&ndp_frame(to_group, group_mac, v6("fd00::7"), group, ns()));
    assert!(rig.take_wire().is_empty(), "none of them answered");
    assert_eq!(rig.adapter.stats().malformed, malformed + 3);
    assert_eq!(rig.adapter.neighbor_count(), 0);
    // The same NS from a unicast source and MAC is answered, solicited, to the sender.
    rig.inject(&ndp_frame(to_group, PEER_MAC, v6("fd00::7"), group, ns()));
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 1);
    let (dst_mac, src, dst, hop, body) = parse_icmpv6(&wire[0]).unwrap();
    assert_eq!(
        (dst_mac, src, dst, hop),
        (PEER_MAC, ours6, v6("fd00::7"), 255)
    );
    match ndp_of(&body) {
        NdpRepr::NeighborAdvert { flags, target, .. } => {
            assert_eq!(target, ours6);
            assert!(flags.solicited());
        }
        other => panic!("{other:?}"),
    }
}
