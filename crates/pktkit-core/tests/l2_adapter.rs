//! `L2Adapter` against an in-memory Ethernet peer (one end of a `PipeL2`) on a
//! `ManualClock`: ARP/NDP resolution, the resolution queue and its bound, the
//! neighbour-cache bound under an ARP flood, expiry, ICMP unreachable on
//! failure, gratuitous ARP / unsolicited NA, DAD, gateway echo, malformed input.
//!
//! What the adapter sends is read back with etherparse (an independent parser)
//! where it can, and with pktkit-wire's codecs for NDP and ICMP details.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use etherparse::{NetSlice, PacketBuilder, SlicedPacket, TransportSlice};
use pktkit_core::{
    AddrState, DropReason, L2Adapter, L2AdapterConfig, L2Device, L3Device, ManualClock,
    NeighborState, PipeL2,
};
use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::icmpv4::{DstUnreachable, Icmpv4Packet, Icmpv4Repr};
use pktkit_wire::icmpv6::{Icmpv6Packet, Icmpv6Repr, code};
use pktkit_wire::ipv4::Ipv4Packet;
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::ndp::{NdpOption, NdpOptions, NdpRepr, NeighborFlags, PrefixInformation};
use pktkit_wire::{EtherType, Frame, IpPrefix, IpProtocol, MacAddr, Packet};

const OUR_MAC: MacAddr = MacAddr::new(0x02, 0, 0, 0, 0, 0x02);
const PEER_MAC: MacAddr = MacAddr::new(0x02, 0, 0, 0, 0, 0x07);
const OUR4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PEER4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 7);

fn v6(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

/// The adapter on one end of a pipe; the test is the other end.
struct Rig {
    adapter: Arc<L2Adapter>,
    peer: PipeL2,
    clock: ManualClock,
    /// Frames the adapter sent on the wire.
    wire: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Packets the adapter handed to the IP side.
    up: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Rig {
    fn new(cfg: L2AdapterConfig) -> Rig {
        let (ours, peer) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, 0xee), PEER_MAC);
        let wire = Arc::new(Mutex::new(Vec::new()));
        let w = wire.clone();
        peer.set_handler(Arc::new(move |f: &Frame| {
            w.lock().unwrap().push(f.as_bytes().to_vec());
            Ok(())
        }));
        let clock = ManualClock::new();
        let cfg = L2AdapterConfig {
            mac: Some(OUR_MAC),
            ..cfg
        };
        let adapter = L2Adapter::new(Arc::new(ours), cfg, Arc::new(clock.clone()));
        let up = Arc::new(Mutex::new(Vec::new()));
        let u = up.clone();
        adapter.set_handler(Arc::new(move |p: &Packet| {
            u.lock().unwrap().push(p.as_bytes().to_vec());
            Ok(())
        }));
        Rig {
            adapter,
            peer,
            clock,
            wire,
            up,
        }
    }

    fn v4() -> Rig {
        Rig::new(L2AdapterConfig {
            addrs: vec![IpPrefix::v4(OUR4, 24).unwrap()],
            link_local: false,
            ..L2AdapterConfig::default()
        })
    }

    fn take_wire(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.wire.lock().unwrap())
    }

    fn take_up(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.up.lock().unwrap())
    }

    fn inject(&self, frame: &[u8]) {
        self.peer.send(Frame::parse(frame).unwrap()).unwrap();
    }

    fn send(&self, packet: &[u8]) {
        self.adapter.send(Packet::parse(packet).unwrap()).unwrap();
    }

    fn advance(&self, d: Duration) {
        self.clock.advance(d);
        self.adapter.tick();
    }
}

/// An IPv4/UDP packet built by etherparse.
fn udp4(src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv4(src.octets(), dst.octets(), 64).udp(1000, 2000);
    let mut v = Vec::new();
    b.write(&mut v, payload).unwrap();
    v
}

fn udp6(src: Ipv6Addr, dst: Ipv6Addr, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv6(src.octets(), dst.octets(), 64).udp(1000, 2000);
    let mut v = Vec::new();
    b.write(&mut v, payload).unwrap();
    v
}

/// An Ethernet frame around `payload`.
fn eth(dst: MacAddr, src: MacAddr, et: EtherType, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&et.value().to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn arp_frame(dst: MacAddr, repr: ArpRepr) -> Vec<u8> {
    let mut b = [0u8; 28];
    repr.emit(&mut ArpPacket::new_unchecked(&mut b[..]));
    eth(dst, repr.sha, EtherType::ARP, &b)
}

/// ARP read by etherparse: (dst mac, op, sender mac, sender ip, target mac, target ip).
fn parse_arp(f: &[u8]) -> Option<(MacAddr, u16, MacAddr, Ipv4Addr, MacAddr, Ipv4Addr)> {
    let s = SlicedPacket::from_ethernet(f).ok()?;
    let Some(NetSlice::Arp(a)) = s.net else {
        return None;
    };
    let p = a.to_packet().try_eth_ipv4().ok()?;
    Some((
        MacAddr::from_slice(&f[..6])?,
        p.operation.0,
        MacAddr(p.sender_mac),
        Ipv4Addr::from(p.sender_ipv4),
        MacAddr(p.target_mac),
        Ipv4Addr::from(p.target_ipv4),
    ))
}

/// An NDP message inside an Ethernet frame, with hop limit 255 and a correct checksum.
fn ndp_frame(
    dst_mac: MacAddr,
    src_mac: MacAddr,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    m: NdpRepr<'_>,
) -> Vec<u8> {
    let icmp = Icmpv6Repr::Ndp(m);
    let n = icmp.buffer_len();
    let mut p = vec![0u8; 40 + n];
    Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::ICMPV6,
        payload_len: n as u16,
        hop_limit: 255,
        traffic_class: 0,
        flow_label: 0,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut p[..]))
    .unwrap();
    icmp.emit_with_checksum(src, dst, &mut p[40..]).unwrap();
    eth(dst_mac, src_mac, EtherType::IPV6, &p)
}

fn lladdr(mac: MacAddr, target: bool) -> [u8; 8] {
    let mut b = [0u8; 8];
    if target {
        NdpOption::TargetLinkLayerAddr(&mac.0).emit(&mut b).unwrap();
    } else {
        NdpOption::SourceLinkLayerAddr(&mac.0).emit(&mut b).unwrap();
    }
    b
}

/// The ICMPv6 message of an Ethernet frame, checked (checksum included) with pktkit-wire:
/// (eth dst, IPv6 src, dst, hop limit, ICMPv6 bytes).
fn parse_icmpv6(f: &[u8]) -> Option<(MacAddr, Ipv6Addr, Ipv6Addr, u8, Vec<u8>)> {
    let fr = Frame::parse(f).ok()?;
    if fr.ethertype() != EtherType::IPV6 {
        return None;
    }
    let ip = Ipv6Packet::new_checked(fr.payload()).ok()?;
    let (proto, body) = ip.upper_layer().ok()?;
    if proto != IpProtocol::ICMPV6 {
        return None;
    }
    let icmp = Icmpv6Packet::new_checked(body).ok()?;
    assert!(
        icmp.verify_checksum(ip.src_addr(), ip.dst_addr()),
        "ICMPv6 checksum"
    );
    Some((
        fr.dst(),
        ip.src_addr(),
        ip.dst_addr(),
        ip.hop_limit(),
        body.to_vec(),
    ))
}

fn ndp_of(body: &[u8]) -> NdpRepr<'_> {
    match Icmpv6Repr::parse(&Icmpv6Packet::new_checked(body).unwrap()).unwrap() {
        Icmpv6Repr::Ndp(n) => n,
        other => panic!("not NDP: {other:?}"),
    }
}

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
    rig.inject(&arp_frame(
        OUR_MAC,
        ArpRepr {
            op: ArpOperation::Reply,
            sha: PEER_MAC,
            spa: PEER4,
            tha: OUR_MAC,
            tpa: OUR4,
        },
    ));
    let wire = rig.take_wire();
    assert_eq!(wire.len(), 4, "the first four were kept");
    for (i, f) in wire.iter().enumerate() {
        assert_eq!(f[14 + 28], i as u8, "payload byte of packet {i}");
    }
    assert_eq!(rig.adapter.pending_count(), 2);
}

/// xorshift64*: a reproducible stream of random numbers.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
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
    rig.inject(&arp_frame(
        OUR_MAC,
        ArpRepr {
            op: ArpOperation::Reply,
            sha: PEER_MAC,
            spa: PEER4,
            tha: OUR_MAC,
            tpa: OUR4,
        },
    ));
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
    rig.inject(&arp_frame(
        OUR_MAC,
        ArpRepr {
            op: ArpOperation::Reply,
            sha: PEER_MAC,
            spa: PEER4,
            tha: OUR_MAC,
            tpa: OUR4,
        },
    ));
    assert_eq!(state(), Some(NeighborState::Reachable));
    // Left alone: REACHABLE -> STALE -> removed after stale_timeout.
    rig.advance(cfg.reachable_time);
    assert_eq!(state(), Some(NeighborState::Stale));
    rig.advance(cfg.stale_timeout);
    assert_eq!(state(), None);
    // An unanswered PROBE removes the entry after max_probes.
    rig.inject(&arp_frame(
        MacAddr::BROADCAST,
        ArpRepr {
            op: ArpOperation::Request,
            sha: PEER_MAC,
            spa: PEER4,
            tha: MacAddr::ZERO,
            tpa: OUR4,
        },
    ));
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
    let opt = lladdr(PEER_MAC, false);
    let ns = NdpRepr::NeighborSolicit {
        target: fine,
        options: NdpOptions::parse(&opt).unwrap(),
    };
    rig.inject(&ndp_frame(
        MacAddr::from_ipv6_multicast(v6("ff02::1:ff00:3")),
        PEER_MAC,
        v6("fd00::7"),
        v6("ff02::1:ff00:3"),
        ns,
    ));
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
    let opt = lladdr(PEER_MAC, false);
    let ns = NdpRepr::NeighborSolicit {
        target: dup,
        options: NdpOptions::parse(&opt).unwrap(),
    };
    rig.inject(&ndp_frame(
        MacAddr::from_ipv6_multicast(v6("ff02::1:ff00:2")),
        PEER_MAC,
        v6("fd00::7"),
        v6("ff02::1:ff00:2"),
        ns,
    ));
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
    rig.inject(&arp_frame(
        MacAddr::BROADCAST,
        ArpRepr {
            op: ArpOperation::Request,
            sha: PEER_MAC,
            spa: PEER4,
            tha: MacAddr::ZERO,
            tpa: OUR4,
        },
    ));
    let wire = rig.take_wire();
    let (dst, op, sha, spa, tha, tpa) = parse_arp(&wire[0]).unwrap();
    assert_eq!(
        (dst, op, sha, spa, tha, tpa),
        (PEER_MAC, 2, OUR_MAC, OUR4, PEER_MAC, PEER4)
    );
    // A request for someone else is not answered.
    rig.inject(&arp_frame(
        MacAddr::BROADCAST,
        ArpRepr {
            op: ArpOperation::Request,
            sha: PEER_MAC,
            spa: PEER4,
            tha: MacAddr::ZERO,
            tpa: Ipv4Addr::new(10, 0, 0, 3),
        },
    ));
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
    rig.inject(&arp_frame(
        OUR_MAC,
        ArpRepr {
            op: ArpOperation::Reply,
            sha: PEER_MAC,
            spa: PEER4,
            tha: OUR_MAC,
            tpa: OUR4,
        },
    ));
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
        arp_frame(
            MacAddr::BROADCAST,
            ArpRepr {
                op: ArpOperation::Request,
                sha: PEER_MAC,
                spa: PEER4,
                tha: MacAddr::ZERO,
                tpa: OUR4,
            },
        ),
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
    assert_eq!(ip_frames.load(Ordering::Relaxed), THREADS * PER_THREAD);
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
