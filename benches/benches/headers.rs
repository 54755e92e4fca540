//! Header parsing: validate an Ethernet frame's headers and read the fields a
//! switch, router or flow table looks at (MACs, EtherType, IP addresses,
//! protocol, ports), with pktkit-wire beside smoltcp, etherparse
//! (`SlicedPacket`, which also validates every length) and pktkit 0.1.11.
//!
//! Every implementation checks the lengths it relies on and reads the same
//! fields; for IPv6 the protocol is the fixed header's next header for all four
//! (no extension headers in the test frames, so etherparse's chain walk ends at
//! once).
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// What every implementation extracts; folded into one value so nothing is optimised out.
#[derive(Default)]
struct Fields {
    acc: u64,
}

impl Fields {
    #[inline(always)]
    fn mac(&mut self, m: [u8; 6]) {
        self.acc = self.acc.wrapping_add(u64::from_le_bytes([
            m[0], m[1], m[2], m[3], m[4], m[5], 0, 0,
        ]));
    }
    #[inline(always)]
    fn n(&mut self, v: u64) {
        self.acc = self.acc.rotate_left(5) ^ v;
    }
    #[inline(always)]
    fn ip(&mut self, a: IpAddr) {
        match a {
            IpAddr::V4(a) => self.n(u32::from(a) as u64),
            IpAddr::V6(a) => self.n(u128::from(a) as u64 ^ (u128::from(a) >> 64) as u64),
        }
    }
}

fn eth_ipv4_tcp() -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(40000, 443, 0x1234_5678, 65535)
        .ack(0x0bad_f00d);
    let payload = [0x42u8; 64];
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, &payload).unwrap();
    out
}

fn eth_ipv6_udp() -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv6(
            [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
            64,
        )
        .udp(5353, 53);
    let payload = [0x42u8; 64];
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, &payload).unwrap();
    out
}

fn ours(b: &[u8]) -> Option<u64> {
    use pktkit_wire::ethernet::EthernetFrame;
    use pktkit_wire::{EtherType, IpProtocol};
    let mut f = Fields::default();
    let eth = EthernetFrame::new_checked(b).ok()?;
    f.mac(eth.dst_addr().0);
    f.mac(eth.src_addr().0);
    let et = eth.ethertype();
    f.n(et.0 as u64);
    let (proto, l4) = match et {
        EtherType::IPV4 => {
            let ip = pktkit_wire::ipv4::Ipv4Packet::new_checked(eth.payload()).ok()?;
            f.ip(ip.src_addr().into());
            f.ip(ip.dst_addr().into());
            (ip.protocol(), ip.payload())
        }
        EtherType::IPV6 => {
            let ip = pktkit_wire::ipv6::Ipv6Packet::new_checked(eth.payload()).ok()?;
            f.ip(ip.src_addr().into());
            f.ip(ip.dst_addr().into());
            (ip.next_header(), ip.payload())
        }
        _ => return None,
    };
    f.n(proto.0 as u64);
    let (sp, dp) = match proto {
        IpProtocol::TCP => {
            let t = pktkit_wire::tcp::TcpPacket::new_checked(l4).ok()?;
            (t.src_port(), t.dst_port())
        }
        IpProtocol::UDP => {
            let u = pktkit_wire::udp::UdpPacket::new_checked(l4).ok()?;
            (u.src_port(), u.dst_port())
        }
        _ => return None,
    };
    f.n(((sp as u64) << 16) | dp as u64);
    Some(f.acc)
}

fn smoltcp(b: &[u8]) -> Option<u64> {
    use smoltcp::wire::{
        EthernetFrame, EthernetProtocol, IpProtocol, Ipv4Packet, Ipv6Packet, TcpPacket, UdpPacket,
    };
    let mut f = Fields::default();
    let eth = EthernetFrame::new_checked(b).ok()?;
    f.mac(eth.dst_addr().0);
    f.mac(eth.src_addr().0);
    let et = eth.ethertype();
    f.n(u16::from(et) as u64);
    let (proto, l4) = match et {
        EthernetProtocol::Ipv4 => {
            let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
            f.ip(ip.src_addr().into());
            f.ip(ip.dst_addr().into());
            (ip.next_header(), ip.payload())
        }
        EthernetProtocol::Ipv6 => {
            let ip = Ipv6Packet::new_checked(eth.payload()).ok()?;
            f.ip(ip.src_addr().into());
            f.ip(ip.dst_addr().into());
            (ip.next_header(), ip.payload())
        }
        _ => return None,
    };
    f.n(u8::from(proto) as u64);
    let (sp, dp) = match proto {
        IpProtocol::Tcp => {
            let t = TcpPacket::new_checked(l4).ok()?;
            (t.src_port(), t.dst_port())
        }
        IpProtocol::Udp => {
            let u = UdpPacket::new_checked(l4).ok()?;
            (u.src_port(), u.dst_port())
        }
        _ => return None,
    };
    f.n(((sp as u64) << 16) | dp as u64);
    Some(f.acc)
}

fn etherparse(b: &[u8]) -> Option<u64> {
    use etherparse::{LinkSlice, NetSlice, SlicedPacket, TransportSlice};
    let mut f = Fields::default();
    let p = SlicedPacket::from_ethernet(b).ok()?;
    let Some(LinkSlice::Ethernet2(eth)) = p.link else {
        return None;
    };
    f.mac(eth.destination());
    f.mac(eth.source());
    f.n(eth.ether_type().0 as u64);
    match p.net? {
        NetSlice::Ipv4(ip) => {
            let h = ip.header();
            f.ip(h.source_addr().into());
            f.ip(h.destination_addr().into());
            f.n(h.protocol().0 as u64);
        }
        NetSlice::Ipv6(ip) => {
            let h = ip.header();
            f.ip(h.source_addr().into());
            f.ip(h.destination_addr().into());
            f.n(h.next_header().0 as u64);
        }
        _ => return None,
    }
    let (sp, dp) = match p.transport? {
        TransportSlice::Tcp(t) => (t.source_port(), t.destination_port()),
        TransportSlice::Udp(u) => (u.source_port(), u.destination_port()),
        _ => return None,
    };
    f.n(((sp as u64) << 16) | dp as u64);
    Some(f.acc)
}

fn pktkit_0_1_11(b: &[u8]) -> Option<u64> {
    use pktkit_peer::{Frame, Packet, Protocol, TcpSegment, UdpDatagram};
    let mut f = Fields::default();
    let eth = Frame::from_slice(b);
    if !eth.is_valid() {
        return None;
    }
    f.mac(eth.dst_mac()?.0);
    f.mac(eth.src_mac()?.0);
    let et = eth.ether_type();
    f.n(et.0 as u64);
    let ip = Packet::from_slice(eth.payload());
    if !ip.is_valid() {
        return None;
    }
    f.ip(ip.src_addr()?);
    f.ip(ip.dst_addr()?);
    let (proto, l4) = match ip.version() {
        4 => (ip.ipv4_protocol(), ip.ipv4_payload()),
        6 => (ip.ipv6_next_header(), ip.ipv6_payload()),
        _ => return None,
    };
    f.n(proto.0 as u64);
    let (sp, dp) = match proto {
        Protocol(6) => {
            let t = TcpSegment::from_slice(l4);
            if !t.is_valid() {
                return None;
            }
            (t.src_port(), t.dst_port())
        }
        Protocol(17) => {
            let u = UdpDatagram::from_slice(l4);
            if !u.is_valid() {
                return None;
            }
            (u.src_port(), u.dst_port())
        }
        _ => return None,
    };
    f.n(((sp as u64) << 16) | dp as u64);
    Some(f.acc)
}

/// One implementation: the folded fields, or `None` if it rejected the frame.
type Parser = fn(&[u8]) -> Option<u64>;

fn headers(c: &mut Criterion) {
    for (case, frame) in [
        ("eth-ipv4-tcp", eth_ipv4_tcp()),
        ("eth-ipv6-udp", eth_ipv6_udp()),
    ] {
        // All four must read the same fields before their speed means anything.
        let want = ours(&frame).expect("valid frame");
        assert_eq!(smoltcp(&frame), Some(want), "smoltcp {case}");
        assert_eq!(etherparse(&frame), Some(want), "etherparse {case}");
        assert_eq!(pktkit_0_1_11(&frame), Some(want), "pktkit-0.1.11 {case}");
        let mut g = c.benchmark_group(format!("headers/{case}"));
        let impls: [(&str, Parser); 4] = [
            ("pktkit", ours),
            ("smoltcp", smoltcp),
            ("etherparse", etherparse),
            ("pktkit-0.1.11", pktkit_0_1_11),
        ];
        for (name, f) in impls {
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| f(black_box(&frame)))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, headers);
criterion_main!(benches);
