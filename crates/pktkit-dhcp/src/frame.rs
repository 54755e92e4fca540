//! The Ethernet/IPv4/UDP (and ARP) around DHCP messages, for the device drivers.
//!
//! Only what a DHCP endpoint on a LAN needs: unfragmented IPv4 without VLAN
//! tags, UDP, and ARP replies for the endpoint's own address. Built on the
//! `pktkit-wire` codecs; nothing here panics on received bytes.

use std::net::{IpAddr, Ipv4Addr};

use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::ethernet::{EthernetFrame, EthernetRepr, Vlan};
use pktkit_wire::ipv4::{Ipv4Packet, Ipv4Repr};
use pktkit_wire::udp::{UdpPacket, UdpRepr};
use pktkit_wire::{EtherType, IpProtocol, MacAddr};

/// Ethernet + IPv4 (no options) + UDP header bytes.
pub(crate) const UDP_OVERHEAD: usize = 14 + 20 + 8;

/// A UDP datagram read out of a frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UdpIn<'a> {
    pub(crate) src_mac: MacAddr,
    pub(crate) dst_mac: MacAddr,
    pub(crate) src_ip: Ipv4Addr,
    pub(crate) dst_port: u16,
    pub(crate) payload: &'a [u8],
}

/// Reads an untagged Ethernet/IPv4/UDP frame; `None` for anything else
/// (fragments included).
pub(crate) fn parse_udp(frame: &[u8]) -> Option<UdpIn<'_>> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    let er = EthernetRepr::parse(&eth).ok()?;
    if er.ethertype != EtherType::IPV4 || er.vlan != Vlan::None {
        return None;
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    let ir = Ipv4Repr::parse(&ip).ok()?;
    if ir.protocol != IpProtocol::UDP || ir.more_frags || ir.frag_offset != 0 {
        return None;
    }
    let udp = UdpPacket::new_checked(ip.payload()).ok()?;
    Some(UdpIn {
        src_mac: er.src,
        dst_mac: er.dst,
        src_ip: ir.src,
        dst_port: udp.dst_port(),
        payload: udp.payload(),
    })
}

/// Addresses of a datagram to build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UdpOut {
    pub(crate) src_mac: MacAddr,
    pub(crate) dst_mac: MacAddr,
    pub(crate) src_ip: Ipv4Addr,
    pub(crate) dst_ip: Ipv4Addr,
    pub(crate) src_port: u16,
    pub(crate) dst_port: u16,
}

/// Wraps the `len`-byte payload already at `buf[UDP_OVERHEAD..]` in headers;
/// returns the frame length. `buf` must hold `UDP_OVERHEAD + len` bytes.
pub(crate) fn build_udp(buf: &mut [u8], a: &UdpOut, len: usize) -> Option<usize> {
    let total = UDP_OVERHEAD + len;
    let buf = buf.get_mut(..total)?;
    let er = EthernetRepr {
        dst: a.dst_mac,
        src: a.src_mac,
        vlan: Vlan::None,
        ethertype: EtherType::IPV4,
    };
    er.emit(&mut EthernetFrame::new_unchecked(&mut buf[..]));
    let ir = Ipv4Repr {
        src: a.src_ip,
        dst: a.dst_ip,
        protocol: IpProtocol::UDP,
        payload_len: 8 + len,
        ttl: 64,
        ..Ipv4Repr::default()
    };
    ir.emit(&mut Ipv4Packet::new_unchecked(&mut buf[14..]));
    let ur = UdpRepr {
        src_port: a.src_port,
        dst_port: a.dst_port,
        payload_len: len,
    };
    let mut udp = UdpPacket::new_unchecked(&mut buf[34..]);
    ur.emit(&mut udp);
    udp.fill_checksum(IpAddr::V4(a.src_ip), IpAddr::V4(a.dst_ip));
    Some(total)
}

/// If `frame` is an ARP request for `ours`, writes the reply into `buf` and
/// returns its length.
pub(crate) fn arp_reply(
    frame: &[u8],
    mac: MacAddr,
    ours: Ipv4Addr,
    buf: &mut [u8],
) -> Option<usize> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    let er = EthernetRepr::parse(&eth).ok()?;
    if er.ethertype != EtherType::ARP || er.vlan != Vlan::None || ours.is_unspecified() {
        return None;
    }
    let req = ArpRepr::parse(&ArpPacket::new_checked(eth.payload()).ok()?).ok()?;
    if req.op != ArpOperation::Request || req.tpa != ours {
        return None;
    }
    let rep = ArpRepr {
        op: ArpOperation::Reply,
        sha: mac,
        spa: ours,
        tha: req.sha,
        tpa: req.spa,
    };
    let len = 14 + rep.buffer_len();
    let buf = buf.get_mut(..len.max(60))?;
    buf.fill(0);
    EthernetRepr {
        dst: req.sha,
        src: mac,
        vlan: Vlan::None,
        ethertype: EtherType::ARP,
    }
    .emit(&mut EthernetFrame::new_unchecked(&mut buf[..]));
    rep.emit(&mut ArpPacket::new_unchecked(&mut buf[14..len]));
    Some(len.max(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_frame_round_trip_and_checksum() {
        let mut buf = [0u8; 100];
        buf[UDP_OVERHEAD..UDP_OVERHEAD + 4].copy_from_slice(b"dhcp");
        let a = UdpOut {
            src_mac: MacAddr::new(2, 0, 0, 0, 0, 1),
            dst_mac: MacAddr::BROADCAST,
            src_ip: Ipv4Addr::UNSPECIFIED,
            dst_ip: Ipv4Addr::BROADCAST,
            src_port: 68,
            dst_port: 67,
        };
        let n = build_udp(&mut buf, &a, 4).unwrap();
        assert_eq!(n, 46);
        let ip = Ipv4Packet::new_checked(&buf[14..n]).unwrap();
        assert!(ip.verify_checksum());
        let udp = UdpPacket::new_checked(ip.payload()).unwrap();
        assert!(udp.verify_checksum(IpAddr::V4(a.src_ip), IpAddr::V4(a.dst_ip)));
        let p = parse_udp(&buf[..n]).unwrap();
        assert_eq!(
            (p.src_mac, p.dst_mac, p.dst_port, p.payload),
            (a.src_mac, a.dst_mac, 67, &b"dhcp"[..])
        );
        assert!(parse_udp(&buf[..n - 5]).is_none());
    }
}
