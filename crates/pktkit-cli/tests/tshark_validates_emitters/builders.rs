//! Packet builders made of our emitters only.

use super::*;

pub(crate) fn ethernet(vlan: Vlan, ethertype: EtherType, payload: &[u8]) -> Vec<u8> {
    let repr = EthernetRepr {
        dst: MAC_B,
        src: MAC_A,
        vlan,
        ethertype,
    };
    let mut buf = vec![0xa5; repr.buffer_len() + payload.len()];
    let mut f = EthernetFrame::new_unchecked(&mut buf[..]);
    repr.emit(&mut f);
    let h = repr.buffer_len();
    buf[h..].copy_from_slice(payload);
    buf
}

pub(crate) fn tag(tpid: EtherType, vid: u16) -> VlanTag {
    VlanTag {
        tpid,
        pcp: 3,
        dei: false,
        vid,
    }
}

/// An IPv4 packet around `payload` (`repr.payload_len` is set here).
pub(crate) fn ipv4(mut repr: Ipv4Repr<'_>, payload: &[u8]) -> Vec<u8> {
    repr.payload_len = payload.len();
    let h = repr.buffer_len();
    let mut buf = vec![0xa5; h + payload.len()];
    repr.emit(&mut Ipv4Packet::new_unchecked(&mut buf[..]));
    buf[h..].copy_from_slice(payload);
    buf
}

pub(crate) fn v4(protocol: IpProtocol) -> Ipv4Repr<'static> {
    Ipv4Repr {
        src: V4_A,
        dst: V4_B,
        protocol,
        ident: 0x4242,
        ..Ipv4Repr::default()
    }
}

/// An IPv6 packet: fixed header + `payload` (extension headers included in it).
pub(crate) fn ipv6(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    next: IpProtocol,
    payload: &[u8],
) -> Vec<u8> {
    let repr = Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: next,
        payload_len: payload.len() as u16,
        hop_limit,
        traffic_class: 0,
        flow_label: 0x12345,
    };
    let mut buf = vec![0xa5; repr.buffer_len() + payload.len()];
    repr.emit(&mut Ipv6Packet::new_unchecked(&mut buf[..]))
        .unwrap();
    buf[repr.buffer_len()..].copy_from_slice(payload);
    buf
}

pub(crate) fn tcp(repr: &TcpRepr<'_>, src: IpAddr, dst: IpAddr) -> Vec<u8> {
    let mut buf = vec![0xa5; repr.buffer_len()];
    let mut p = TcpPacket::new_unchecked(&mut buf[..]);
    repr.emit(&mut p);
    p.fill_checksum(src, dst);
    buf
}

pub(crate) fn udp(ports: (u16, u16), payload: &[u8], src: IpAddr, dst: IpAddr) -> Vec<u8> {
    let repr = UdpRepr {
        src_port: ports.0,
        dst_port: ports.1,
        payload_len: payload.len(),
    };
    let mut buf = vec![0xa5; repr.buffer_len()];
    repr.emit_with_payload(
        &mut UdpPacket::new_unchecked(&mut buf[..]),
        payload,
        src,
        dst,
    );
    buf
}

pub(crate) fn icmpv4(repr: &Icmpv4Repr<'_>) -> Vec<u8> {
    let mut buf = vec![0xa5; repr.buffer_len()];
    let mut p = Icmpv4Packet::new_unchecked(&mut buf[..]);
    repr.emit(&mut p);
    buf
}

pub(crate) fn icmpv6(repr: &Icmpv6Repr<'_>, src: Ipv6Addr, dst: Ipv6Addr) -> Vec<u8> {
    let mut buf = vec![0xa5; repr.buffer_len()];
    let n = repr.emit_with_checksum(src, dst, &mut buf).unwrap();
    assert_eq!(n, buf.len());
    buf
}

pub(crate) fn ndp_options(opts: &[NdpOption<'_>]) -> Vec<u8> {
    let mut buf = vec![0xa5; opts.iter().map(|o| o.buffer_len()).sum()];
    let n = emit_options(opts, &mut buf).unwrap();
    assert_eq!(n, buf.len());
    buf
}

pub(crate) fn arp(op: ArpOperation, tha: MacAddr) -> Vec<u8> {
    let repr = ArpRepr {
        op,
        sha: MAC_A,
        spa: V4_A,
        tha,
        tpa: V4_B,
    };
    let mut buf = vec![0xa5; repr.buffer_len()];
    repr.emit(&mut ArpPacket::new_unchecked(&mut buf[..]));
    buf
}

/// A TCP segment with every option TcpRepr writes, and a payload.
pub(crate) fn full_tcp(flags: TcpFlags, payload: &'static [u8]) -> TcpRepr<'static> {
    let mut sack = TcpSackBlocks::new();
    sack.push(5000, 6000);
    sack.push(7000, 8000);
    TcpRepr {
        src_port: 40000,
        dst_port: 443,
        seq_number: 0xdead_beef,
        ack_number: 0x0102_0304,
        flags,
        window_len: 29200,
        urgent_at: 0,
        mss: Some(1460),
        window_scale: Some(7),
        sack_permitted: true,
        sack_blocks: sack,
        timestamp: Some(TcpTimestamp {
            tsval: 123_456,
            tsecr: 654_321,
        }),
        payload,
    }
}

pub(crate) fn f(name: &'static str, v: impl ToString) -> (&'static str, String) {
    (name, v.to_string())
}
