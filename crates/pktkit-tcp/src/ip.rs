//! The IP layer around a segment: reading the addresses of an incoming IPv4 /
//! IPv6 packet and writing the IP header of an outgoing one.
//!
//! Only what a TCP endpoint needs: no fragments (a fragment is refused), no
//! IPv6 extension headers before TCP (refused), no IP options on output.

use std::net::IpAddr;

use pktkit_wire::checksum;
use pktkit_wire::{IpProtocol, IpVersion, Packet};

/// IPv4 header we write (no options).
pub(crate) const IPV4_LEN: usize = 20;
/// IPv6 header we write (no extension headers).
pub(crate) const IPV6_LEN: usize = 40;

/// The addresses and TCP bytes of an incoming packet.
pub(crate) struct Incoming<'a> {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) segment: &'a [u8],
}

/// Parses an IP packet carrying TCP; `None` for anything else or malformed.
pub(crate) fn parse(packet: &[u8]) -> Option<Incoming<'_>> {
    let p = Packet::parse(packet).ok()?;
    if p.protocol() != IpProtocol::TCP {
        return None;
    }
    if p.version() == IpVersion::V4 {
        let b = p.as_bytes();
        // More-fragments flag or a fragment offset: not a whole segment.
        if (u16::from_be_bytes([b[6], b[7]]) & 0x3fff) != 0 || !p.ipv4_checksum_ok() {
            return None;
        }
    }
    Some(Incoming {
        src: p.src(),
        dst: p.dst(),
        segment: p.payload(),
    })
}

/// Header length for packets from `src`.
pub(crate) fn header_len(src: IpAddr) -> usize {
    match src {
        IpAddr::V4(_) => IPV4_LEN,
        IpAddr::V6(_) => IPV6_LEN,
    }
}

/// Writes the IP header for a TCP payload of `payload_len` bytes into
/// `buf[..header_len(src)]`. `src` and `dst` are of the same version (the
/// connection checked it when it was made).
pub(crate) fn write_header(
    buf: &mut [u8],
    src: IpAddr,
    dst: IpAddr,
    payload_len: usize,
    ttl: u8,
    id: u16,
) {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = (IPV4_LEN + payload_len) as u16;
            let h = &mut buf[..IPV4_LEN];
            h[0] = 0x45;
            h[1] = 0;
            h[2..4].copy_from_slice(&total.to_be_bytes());
            h[4..6].copy_from_slice(&id.to_be_bytes());
            h[6..8].copy_from_slice(&0x4000u16.to_be_bytes()); // DF
            h[8] = ttl;
            h[9] = IpProtocol::TCP.0;
            h[10..12].copy_from_slice(&[0, 0]);
            h[12..16].copy_from_slice(&s.octets());
            h[16..20].copy_from_slice(&d.octets());
            let c = checksum::checksum(h);
            h[10..12].copy_from_slice(&c.to_be_bytes());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let h = &mut buf[..IPV6_LEN];
            h[0..4].copy_from_slice(&0x6000_0000u32.to_be_bytes());
            h[4..6].copy_from_slice(&(payload_len as u16).to_be_bytes());
            h[6] = IpProtocol::TCP.0;
            h[7] = ttl;
            h[8..24].copy_from_slice(&s.octets());
            h[24..40].copy_from_slice(&d.octets());
        }
        // Mixed versions are refused when a connection is created.
        _ => {}
    }
}

/// Pseudo-header sum for a TCP segment of `len` bytes.
pub(crate) fn pseudo_sum(src: IpAddr, dst: IpAddr, len: usize) -> u32 {
    checksum::pseudo_header(src, dst, IpProtocol::TCP, len as u32).unwrap_or(0)
}
