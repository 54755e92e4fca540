//! Fuzz entry point for [`L2Adapter`]: unstable, for `fuzz/` and the
//! seed-replay tests only.
//!
//! [`l2_adapter`] builds an adapter (one IPv4 and one IPv6 address, small
//! table bounds, short timers) on a [`ManualClock`] at one end of a
//! [`PipeL2`], then plays the input as a script of actions: frames from the
//! network, raw or built from a few bytes with valid checksums (so the
//! fuzzer gets past ARP/NDP validation), clock steps, and IP packets from the
//! IP side to fuzzed destinations. After every action it checks that the
//! neighbour cache and the resolution queue stay within their bounds, that
//! no queued packet waits for a next hop that is not being resolved, that
//! every frame the adapter sent parses with `pktkit_wire` (ARP, IPv4, IPv6;
//! what it built itself rather than passed on from the IP side, echo replies
//! and NDP, with valid IPv4/ICMP/ICMPv6 checksums) and that every ICMP error
//! it counted reached the IP side.
//!
//! # Input format
//!
//! Byte 0 picks the configuration (bit 0 gateway mode, bit 1 link-local
//! address, bit 2 DAD, bit 3 an IPv6 gateway). Then actions, each an opcode
//! byte (modulo [`OPS`]) and its operands; missing bytes read as zero.
//!
//! | op | action | operands |
//! |---|---|---|
//! | 0 | frame from the network | u16 length, bytes |
//! | 1 | advance the clock and tick | steps of 25 ms (1 byte) |
//! | 2 | IP packet from the IP side | flags (bit 0 IPv6, bit 1 fuzzed source, bit 2 DF), protocol, length/8, dst (2), source (2) if bit 1 |
//! | 3 | ARP from the network | op, eth dst, sha, spa (2), tha, tpa (2) |
//! | 4 | ICMPv6 (NDP) from the network | src mac, src (2), dst (2), type, flags, target (2), u8 length, option bytes, redirect destination (2) |
//! | 5 | IPv4 / ICMP from the network | src mac, src (2), dst (2), type, u8 length, bytes |
//! | 6 | replace our addresses | set, byte |
//! | 7 | raw IP packet from the IP side | u16 length, bytes |
//!
//! An address operand is two bytes: which kind (ours, gateway, on-link,
//! off-link, multicast, …) and a low byte. A MAC operand is one byte (which
//! kind), and a second for the kinds with a low byte.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::icmpv4::Icmpv4Packet;
use pktkit_wire::icmpv6::{Icmpv6Message, Icmpv6Packet};
use pktkit_wire::ipv4::Ipv4Packet;
use pktkit_wire::ipv6::Ipv6Packet;
use pktkit_wire::ndp::NdpRepr;
use pktkit_wire::{EtherType, Frame, IpPrefix, IpProtocol, MacAddr, Packet};

use super::{L2Adapter, L2AdapterConfig, L2AdapterStats, NeighborState};
use crate::{L2Device, L3Device, ManualClock, PipeL2};

/// Number of opcodes; an opcode byte is taken modulo this.
pub const OPS: u8 = 8;
/// The adapter's MAC.
pub const OUR_MAC: MacAddr = MacAddr::new(0x02, 0, 0, 0, 0, 0x02);
/// The peer's MAC (the other end of the pipe).
pub const PEER_MAC: MacAddr = MacAddr::new(0x02, 0, 0, 0, 0, 0x07);
/// The adapter's IPv4 address (/24).
pub const OUR_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
/// The adapter's IPv6 address (/64).
pub const OUR_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
/// The IPv4 gateway.
pub const GATEWAY_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
/// The IPv6 gateway (configuration bit 3).
pub const GATEWAY_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
/// Neighbour-cache bound.
pub const MAX_NEIGHBORS: usize = 8;
/// Resolution-queue bound per next hop.
pub const MAX_PENDING_PER_NEIGHBOR: usize = 3;
/// Resolution-queue bound in total.
pub const MAX_PENDING: usize = 10;
/// Largest IP packet sent on the link.
pub const MTU: usize = 1500;
/// Clock step of opcode 1, per unit.
pub const STEP: Duration = Duration::from_millis(25);

/// The configuration byte 0 of an input selects.
pub fn config(flags: u8) -> L2AdapterConfig {
    L2AdapterConfig {
        mac: Some(OUR_MAC),
        addrs: vec![
            IpPrefix::v4(OUR_V4, 24).expect("valid prefix"),
            IpPrefix::v6(OUR_V6, 64).expect("valid prefix"),
        ],
        gateway_v4: Some(GATEWAY_V4),
        gateway_v6: (flags & 8 != 0).then_some(GATEWAY_V6),
        mtu: MTU,
        gateway_mode: flags & 1 != 0,
        link_local: flags & 2 != 0,
        max_neighbors: MAX_NEIGHBORS,
        max_pending_per_neighbor: MAX_PENDING_PER_NEIGHBOR,
        max_pending: MAX_PENDING,
        reachable_time: Duration::from_secs(2),
        retrans_timer: Duration::from_millis(200),
        max_probes: 3,
        delay_first_probe: Duration::from_millis(500),
        stale_timeout: Duration::from_secs(5),
        failed_hold: Duration::from_secs(1),
        dad_transmits: u32::from(flags & 4 != 0),
    }
}

/// Reads operands; past the end every byte is zero.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (b, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        b
    }

    fn mac(&mut self) -> MacAddr {
        match self.u8() % 8 {
            0 => PEER_MAC,
            1 => MacAddr::new(0x02, 0, 0, 0, 0, 0x08),
            2 => OUR_MAC,
            3 => MacAddr::BROADCAST,
            4 => MacAddr::ZERO,
            5 => MacAddr::new(0x33, 0x33, 0, 0, 0, 1),
            6 => MacAddr::new(0x02, 0, 0, 0, 1, self.u8()),
            _ => MacAddr::new(0x01, 0, 0x5e, 0, 0, self.u8()),
        }
    }

    fn v4(&mut self) -> Ipv4Addr {
        let (kind, x) = (self.u8(), self.u8());
        match kind % 8 {
            0 => OUR_V4,
            1 => GATEWAY_V4,
            2 => Ipv4Addr::new(10, 0, 0, x),
            3 => Ipv4Addr::new(192, 0, 2, x),
            4 => Ipv4Addr::UNSPECIFIED,
            5 => Ipv4Addr::BROADCAST,
            6 => Ipv4Addr::new(224, 0, 0, x),
            _ => Ipv4Addr::new(10, 0, x, 7),
        }
    }

    fn v6(&mut self) -> Ipv6Addr {
        let (kind, x) = (self.u8(), self.u8());
        let x = u16::from(x);
        match kind % 12 {
            0 => OUR_V6,
            1 => link_local(OUR_MAC),
            2 => Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, x),
            3 => Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, x),
            4 => Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, x),
            5 => Ipv6Addr::UNSPECIFIED,
            6 => Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1),
            7 => solicited_node(OUR_V6),
            8 => solicited_node(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, x)),
            9 => Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2),
            10 => GATEWAY_V6,
            _ => Ipv6Addr::new(0xfd00, 0, 0, x, 0, 0, 0, 1),
        }
    }
}

/// The EUI-64 link-local address of `mac` (RFC 4862 §5.3, RFC 4291 App. A).
pub fn link_local(mac: MacAddr) -> Ipv6Addr {
    let m = mac.0;
    let mut o = [0u8; 16];
    o[0] = 0xfe;
    o[1] = 0x80;
    o[8..11].copy_from_slice(&[m[0] ^ 2, m[1], m[2]]);
    o[11..13].copy_from_slice(&[0xff, 0xfe]);
    o[13..16].copy_from_slice(&m[3..6]);
    Ipv6Addr::from(o)
}

/// The solicited-node multicast group of `ip` (RFC 4291 §2.7.1).
pub fn solicited_node(ip: Ipv6Addr) -> Ipv6Addr {
    let o = ip.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

fn eth(dst: MacAddr, src: MacAddr, et: EtherType, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&et.value().to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An IPv4 packet with a valid header checksum around `payload`.
fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, proto: IpProtocol, df: bool, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 20 + payload.len()];
    b[20..].copy_from_slice(payload);
    let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
    p.set_version(4);
    p.set_header_len(20);
    p.set_total_len(u16::try_from(20 + payload.len()).unwrap_or(u16::MAX));
    p.set_dont_frag(df);
    p.set_ttl(64);
    p.set_protocol(proto);
    p.set_src_addr(src);
    p.set_dst_addr(dst);
    p.fill_checksum();
    b
}

/// An IPv6 packet around `payload`.
fn ipv6(src: Ipv6Addr, dst: Ipv6Addr, proto: IpProtocol, hop: u8, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 40 + payload.len()];
    b[40..].copy_from_slice(payload);
    let mut p = Ipv6Packet::new_unchecked(&mut b[..]);
    p.set_version(6);
    p.set_payload_len(u16::try_from(payload.len()).unwrap_or(u16::MAX));
    p.set_next_header(proto);
    p.set_hop_limit(hop);
    p.set_src_addr(src);
    p.set_dst_addr(dst);
    b
}

/// The adapter, its peer end, what it sent and what it delivered.
struct Rig {
    adapter: Arc<L2Adapter>,
    peer: PipeL2,
    clock: ManualClock,
    wire: Arc<Mutex<Vec<Vec<u8>>>>,
    up: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Packets given to the adapter from the IP side: frames carrying them
    /// are theirs, not the adapter's, and need not have valid L4 checksums.
    from_ip: HashSet<Vec<u8>>,
    icmp_errors: u64,
}

impl Rig {
    fn new(flags: u8) -> Rig {
        let (ours, peer) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, 0xee), PEER_MAC);
        let wire = Arc::new(Mutex::new(Vec::new()));
        let w = wire.clone();
        peer.set_handler(Arc::new(move |f: &Frame| {
            w.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(f.as_bytes().to_vec());
            Ok(())
        }));
        let clock = ManualClock::new();
        let adapter = L2Adapter::new(Arc::new(ours), config(flags), Arc::new(clock.clone()));
        let up = Arc::new(Mutex::new(Vec::new()));
        let u = up.clone();
        adapter.set_handler(Arc::new(move |p: &Packet| {
            u.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(p.as_bytes().to_vec());
            Ok(())
        }));
        Rig {
            adapter,
            peer,
            clock,
            wire,
            up,
            from_ip: HashSet::new(),
            icmp_errors: 0,
        }
    }

    fn inject(&self, frame: &[u8]) {
        if let Ok(f) = Frame::parse(frame) {
            // The pipe never fails toward a live adapter; the result says nothing.
            let _ = self.peer.send(f);
        }
    }

    fn send_up(&mut self, packet: &[u8]) {
        if let Ok(p) = Packet::parse(packet) {
            self.from_ip.insert(packet[..p.total_len()].to_vec());
            let _ = self.adapter.send(p);
        }
    }

    fn step(&mut self, r: &mut Reader<'_>) {
        match r.u8() % OPS {
            0 => {
                let n = usize::from(r.u16());
                self.inject(r.bytes(n));
            }
            1 => {
                self.clock.advance(STEP * u32::from(r.u8()));
                self.adapter.tick();
            }
            2 => {
                let sel = r.u8();
                let proto = IpProtocol::from(r.u8());
                let len = usize::from(r.u8()) * 8;
                let payload = vec![sel; len];
                let p = if sel & 1 == 0 {
                    let dst = r.v4();
                    let src = if sel & 2 == 0 { OUR_V4 } else { r.v4() };
                    ipv4(src, dst, proto, sel & 4 != 0, &payload)
                } else {
                    let dst = r.v6();
                    let src = if sel & 2 == 0 { OUR_V6 } else { r.v6() };
                    ipv6(src, dst, proto, 64, &payload)
                };
                self.send_up(&p);
            }
            3 => {
                let op = match r.u8() % 3 {
                    0 => ArpOperation::Request,
                    1 => ArpOperation::Reply,
                    _ => ArpOperation::Other(3),
                };
                let dst = r.mac();
                let a = ArpRepr {
                    op,
                    sha: r.mac(),
                    spa: r.v4(),
                    tha: r.mac(),
                    tpa: r.v4(),
                };
                let mut b = [0u8; 28];
                a.emit(&mut ArpPacket::new_unchecked(&mut b[..]));
                self.inject(&eth(dst, a.sha, EtherType::ARP, &b));
            }
            4 => {
                let src_mac = r.mac();
                let (src, dst) = (r.v6(), r.v6());
                let ty = r.u8();
                let flags = r.u8();
                let target = r.v6();
                let n = usize::from(r.u8());
                let opts = r.bytes(n);
                let ty = match ty % 8 {
                    0 => Icmpv6Message::ROUTER_SOLICIT,
                    1 => Icmpv6Message::ROUTER_ADVERT,
                    2 | 3 => Icmpv6Message::NEIGHBOR_SOLICIT,
                    4 | 5 => Icmpv6Message::NEIGHBOR_ADVERT,
                    6 => Icmpv6Message::REDIRECT,
                    _ => Icmpv6Message::ECHO_REQUEST,
                };
                // Fixed part: type, code, checksum, 4 bytes, the target (NS, NA, redirect)
                // or the RA's reachable/retrans timers.
                let mut icmp = vec![0u8; 24];
                icmp[0] = ty.0;
                icmp[4] = flags;
                icmp[5] = flags.rotate_left(3);
                icmp[6] = flags >> 4;
                icmp[8..24].copy_from_slice(&target.octets());
                if ty == Icmpv6Message::ROUTER_SOLICIT {
                    icmp.truncate(8);
                } else if ty == Icmpv6Message::ROUTER_ADVERT {
                    icmp.truncate(16);
                } else if ty == Icmpv6Message::REDIRECT {
                    icmp.extend_from_slice(&r.v6().octets());
                }
                icmp.extend_from_slice(opts);
                Icmpv6Packet::new_unchecked(&mut icmp[..]).fill_checksum(src, dst);
                let hop = if flags & 0x80 != 0 { 64 } else { 255 };
                let ip = ipv6(src, dst, IpProtocol::ICMPV6, hop, &icmp);
                let eth_dst = if dst.is_multicast() {
                    MacAddr::from_ipv6_multicast(dst)
                } else {
                    OUR_MAC
                };
                self.inject(&eth(eth_dst, src_mac, EtherType::IPV6, &ip));
            }
            5 => {
                let src_mac = r.mac();
                let (src, dst) = (r.v4(), r.v4());
                let ty = r.u8();
                let n = usize::from(r.u8());
                let mut icmp = vec![0u8; 8];
                icmp[0] = if ty & 0x80 == 0 { 8 } else { ty & 0x7f };
                icmp[4..8].copy_from_slice(&[ty, 1, 0, 2]);
                icmp.extend_from_slice(r.bytes(n));
                Icmpv4Packet::new_unchecked(&mut icmp[..]).fill_checksum();
                let ip = ipv4(src, dst, IpProtocol::ICMP, false, &icmp);
                let eth_dst = if dst.is_broadcast() || dst.is_multicast() {
                    MacAddr::BROADCAST
                } else {
                    OUR_MAC
                };
                self.inject(&eth(eth_dst, src_mac, EtherType::IPV4, &ip));
            }
            6 => {
                let (set, x) = (r.u8(), r.u8());
                let addrs: Vec<IpPrefix> = match set % 5 {
                    0 => config(0).addrs,
                    1 => Vec::new(),
                    2 => vec![IpPrefix::v4(Ipv4Addr::new(10, 0, 0, x), 24).expect("valid")],
                    3 => vec![
                        IpPrefix::v6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, x.into()), 64)
                            .expect("valid"),
                        IpPrefix::v4(OUR_V4, 24).expect("valid"),
                    ],
                    _ => vec![
                        IpPrefix::v4(Ipv4Addr::new(192, 0, 2, x), 24).expect("valid"),
                        IpPrefix::v6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2), 64)
                            .expect("valid"),
                    ],
                };
                let _ = self.adapter.set_addrs(&addrs);
            }
            _ => {
                let n = usize::from(r.u16());
                self.send_up(r.bytes(n));
            }
        }
    }

    /// Every invariant, after an action.
    fn check(&mut self) {
        {
            let st = self.adapter.lock();
            assert!(
                st.cache.len() <= MAX_NEIGHBORS,
                "neighbour cache over its bound"
            );
            assert!(
                st.pending.len() <= MAX_PENDING,
                "resolution queue over its bound"
            );
            let mut total = 0;
            for (hop, n) in st.pending.hops() {
                assert!(
                    n <= MAX_PENDING_PER_NEIGHBOR,
                    "queue for {hop} over its bound"
                );
                assert!(n > 0, "empty queue kept for {hop}");
                let state = st.cache.get(hop).map(|e| e.state);
                assert_eq!(
                    state,
                    Some(NeighborState::Incomplete),
                    "packets wait for {hop}, which is not being resolved"
                );
                total += n;
            }
            assert_eq!(total, st.pending.len(), "queue total out of step");
        }
        let frames = std::mem::take(&mut *self.wire.lock().unwrap_or_else(|e| e.into_inner()));
        for f in &frames {
            self.check_frame(f);
        }
        let up = std::mem::take(&mut *self.up.lock().unwrap_or_else(|e| e.into_inner()));
        let errors_up = up.iter().filter(|p| is_valid_icmp_error(p)).count() as u64;
        let counted = self.adapter.stats().icmp_errors_sent;
        assert!(
            errors_up >= counted - self.icmp_errors,
            "{} ICMP errors counted, {errors_up} valid ones delivered",
            counted - self.icmp_errors
        );
        self.icmp_errors = counted;
    }

    /// A frame the adapter sent must parse, come from its MAC, and carry ARP,
    /// IPv4 or IPv6; what it built itself has valid checksums.
    fn check_frame(&self, bytes: &[u8]) {
        let f = Frame::parse(bytes).expect("the adapter sent a frame that does not parse");
        assert!(bytes.len() >= 60, "runt frame of {} bytes", bytes.len());
        assert_eq!(f.src(), OUR_MAC, "frame not from our MAC");
        assert_eq!(f.vlan_tag_count(), 0);
        let body = f.payload();
        match f.ethertype() {
            EtherType::ARP => {
                let a = ArpPacket::new_checked(body)
                    .and_then(|p| ArpRepr::parse(&p))
                    .expect("the adapter sent ARP that does not parse");
                assert!(matches!(a.op, ArpOperation::Request | ArpOperation::Reply));
                assert_eq!(a.sha, OUR_MAC);
                if a.op == ArpOperation::Reply {
                    assert_eq!(a.tha, f.dst(), "ARP reply not to its target");
                }
            }
            EtherType::IPV4 => {
                let p = Packet::parse(body).expect("IPv4 frame that does not parse");
                assert!(p.is_ipv4(), "IPv6 packet in an IPv4 frame");
                let ip = &body[..p.total_len()];
                assert!(ip.len() <= MTU, "IPv4 packet over the MTU");
                if self.from_ip.contains(ip) {
                    return; // as the IP side gave it, checksums included
                }
                assert!(p.ipv4_checksum_ok(), "adapter-built IPv4 header checksum");
                // Built here: only echo replies from gateway mode.
                assert_eq!(
                    p.protocol(),
                    IpProtocol::ICMP,
                    "adapter-built IPv4 not ICMP"
                );
                let icmp = Icmpv4Packet::new_checked(p.payload()).expect("ICMP too short");
                assert!(
                    icmp.verify_checksum(),
                    "adapter-built ICMP with a bad checksum"
                );
            }
            EtherType::IPV6 => {
                let p = Packet::parse(body).expect("IPv6 frame that does not parse");
                assert!(!p.is_ipv4());
                let ip = &body[..p.total_len()];
                assert!(ip.len() <= MTU, "IPv6 packet over the MTU");
                let v6 = Ipv6Packet::new_checked(ip).expect("IPv6 too short");
                let dst = v6.dst_addr();
                if dst.is_multicast() {
                    assert_eq!(f.dst(), MacAddr::from_ipv6_multicast(dst), "multicast MAC");
                }
                if self.from_ip.contains(ip) {
                    return;
                }
                let (proto, icmp) = v6.upper_layer().expect("adapter-built IPv6 ext headers");
                assert_eq!(proto, IpProtocol::ICMPV6, "adapter-built IPv6 not ICMPv6");
                let pkt = Icmpv6Packet::new_checked(icmp).expect("ICMPv6 too short");
                assert!(
                    pkt.verify_checksum(v6.src_addr(), dst),
                    "adapter-built ICMPv6 with a bad checksum"
                );
                if pkt.msg_type().is_ndp() {
                    assert_eq!(v6.hop_limit(), 255, "NDP with hop limit below 255");
                    NdpRepr::parse(&pkt).expect("adapter-built NDP that does not parse");
                }
            }
            other => panic!("the adapter sent ethertype {other:?}"),
        }
    }
}

/// An ICMP destination unreachable / ICMPv6 unreachable or packet-too-big
/// message with valid checksums.
fn is_valid_icmp_error(bytes: &[u8]) -> bool {
    let Ok(p) = Packet::parse(bytes) else {
        return false;
    };
    let ip = &bytes[..p.total_len()];
    if p.is_ipv4() {
        p.ipv4_checksum_ok()
            && p.protocol() == IpProtocol::ICMP
            && Icmpv4Packet::new_checked(p.payload())
                .is_ok_and(|i| i.verify_checksum() && p.payload()[0] == 3)
    } else {
        let Ok(v6) = Ipv6Packet::new_checked(ip) else {
            return false;
        };
        matches!(v6.upper_layer(), Ok((IpProtocol::ICMPV6, icmp))
        if Icmpv6Packet::new_checked(icmp).is_ok_and(|i| {
            matches!(i.msg_type(), Icmpv6Message::DST_UNREACHABLE | Icmpv6Message::PACKET_TOO_BIG)
                && i.verify_checksum(v6.src_addr(), v6.dst_addr())
        }))
    }
}

/// Plays `data` against a fresh adapter and returns its counters at the end.
///
/// Panics when an invariant breaks (see the module docs).
pub fn l2_adapter_stats(data: &[u8]) -> L2AdapterStats {
    let (flags, script) = data.split_first().map_or((0, &[][..]), |(f, s)| (*f, s));
    let mut rig = Rig::new(flags);
    rig.check();
    let mut r = Reader(script);
    let mut steps = 0;
    while !r.0.is_empty() && steps < 256 {
        rig.step(&mut r);
        rig.check();
        steps += 1;
    }
    rig.adapter.stats()
}

/// The `l2_adapter` fuzz target: [`l2_adapter_stats`] without the result.
pub fn l2_adapter(data: &[u8]) {
    l2_adapter_stats(data);
}
