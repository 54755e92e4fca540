//! The IP layer around a segment: reading the addresses of an incoming IPv4 /
//! IPv6 packet and writing the IP header of an outgoing one.
//!
//! Only what a TCP endpoint needs: no fragments (a fragment is refused), no
//! IPv6 extension headers before TCP (refused), no IP options on output.

use std::net::{IpAddr, Ipv4Addr};

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

/// Parses an IP packet carrying TCP; `None` for anything else or malformed
/// (IPv4: bad header checksum, fragment, options are skipped; IPv6: an
/// extension header before TCP).
pub(crate) fn parse(packet: &[u8]) -> Option<Incoming<'_>> {
    let first = *packet.first()?;
    if first >> 4 == 4 {
        // The IPv4 fast path: this runs for every segment.
        if packet.len() < IPV4_LEN {
            return None;
        }
        let ihl = usize::from(first & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
        if ihl < IPV4_LEN || total < ihl || packet.len() < total || packet[9] != IpProtocol::TCP.0 {
            return None;
        }
        if u16::from_be_bytes([packet[6], packet[7]]) & 0x3fff != 0 {
            return None; // a fragment
        }
        let mut acc = 0u32;
        for w in packet[..ihl].chunks_exact(2) {
            acc += u32::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if checksum::fold(acc) != 0xffff {
            return None;
        }
        let src = Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]);
        let dst = Ipv4Addr::new(packet[16], packet[17], packet[18], packet[19]);
        return Some(Incoming {
            src: src.into(),
            dst: dst.into(),
            segment: &packet[ihl..total],
        });
    }
    let p = Packet::parse(packet).ok()?;
    if p.version() != IpVersion::V6 || p.protocol() != IpProtocol::TCP {
        return None;
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

/// Per-connection constants of the headers we write, so that each packet only
/// adds its length (and IPv4 ID) to precomputed sums.
#[derive(Debug, Clone)]
pub(crate) struct HeaderTemplate {
    src: IpAddr,
    dst: IpAddr,
    ttl: u8,
    /// Pseudo-header sum without the length (same both ways: the sum commutes).
    pseudo_base: u32,
    /// IPv4 header sum without total length and ID.
    ipv4_base: u32,
}

impl HeaderTemplate {
    pub(crate) fn new(src: IpAddr, dst: IpAddr, ttl: u8) -> HeaderTemplate {
        let pseudo_base = pseudo_sum(src, dst, 0);
        let mut h = [0u8; IPV4_LEN];
        if src.is_ipv4() {
            write_header(&mut h, src, dst, 0, ttl, 0);
            h[2..4].fill(0);
            h[10..12].fill(0);
        }
        let ipv4_base = checksum::sum(&h, 0);
        HeaderTemplate {
            src,
            dst,
            ttl,
            pseudo_base,
            ipv4_base,
        }
    }

    /// Pseudo-header sum for a segment of `len` bytes (either direction).
    #[inline]
    pub(crate) fn pseudo(&self, len: usize) -> u32 {
        self.pseudo_base + (len as u32 >> 16) + (len as u32 & 0xffff)
    }

    /// Writes the IP header for a TCP payload of `payload_len` bytes.
    #[inline]
    pub(crate) fn write(&self, buf: &mut [u8], payload_len: usize, id: u16) {
        match self.src {
            IpAddr::V4(s) => {
                let IpAddr::V4(d) = self.dst else { return };
                let total = (IPV4_LEN + payload_len) as u16;
                let h = &mut buf[..IPV4_LEN];
                h[0] = 0x45;
                h[1] = 0;
                h[2..4].copy_from_slice(&total.to_be_bytes());
                h[4..6].copy_from_slice(&id.to_be_bytes());
                h[6..8].copy_from_slice(&0x4000u16.to_be_bytes());
                h[8] = self.ttl;
                h[9] = IpProtocol::TCP.0;
                let c = !checksum::fold(self.ipv4_base + u32::from(total) + u32::from(id));
                h[10..12].copy_from_slice(&c.to_be_bytes());
                h[12..16].copy_from_slice(&s.octets());
                h[16..20].copy_from_slice(&d.octets());
            }
            IpAddr::V6(_) => write_header(buf, self.src, self.dst, payload_len, self.ttl, id),
        }
    }
}
