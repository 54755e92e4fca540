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

/// The peer's ARP reply to us: `PEER4` is at `PEER_MAC`.
fn peer_arp_reply() -> Vec<u8> {
    arp_frame(
        OUR_MAC,
        ArpRepr {
            op: ArpOperation::Reply,
            sha: PEER_MAC,
            spa: PEER4,
            tha: OUR_MAC,
            tpa: OUR4,
        },
    )
}

/// The peer's broadcast ARP request for `tpa`.
fn peer_arp_request(tpa: Ipv4Addr) -> Vec<u8> {
    arp_frame(
        MacAddr::BROADCAST,
        ArpRepr {
            op: ArpOperation::Request,
            sha: PEER_MAC,
            spa: PEER4,
            tha: MacAddr::ZERO,
            tpa,
        },
    )
}

/// A neighbour solicitation for `target` from the peer (fd00::7, with its
/// link-layer address) to the multicast `group`.
fn peer_ns(target: Ipv6Addr, group: Ipv6Addr) -> Vec<u8> {
    let opt = lladdr(PEER_MAC, false);
    let ns = NdpRepr::NeighborSolicit {
        target,
        options: NdpOptions::parse(&opt).unwrap(),
    };
    ndp_frame(
        MacAddr::from_ipv6_multicast(group),
        PEER_MAC,
        v6("fd00::7"),
        group,
        ns,
    )
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

mod addresses;
mod resolution;
mod traffic;
