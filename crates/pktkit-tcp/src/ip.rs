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
    /// Source then destination address of the IPv4 packets we take (the
    /// peer's, then ours), as they appear at bytes 12..20 of the header.
    incoming_v4: Option<[u8; 8]>,
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
        let incoming_v4 = match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let mut a = [0u8; 8];
                a[..4].copy_from_slice(&d.octets());
                a[4..].copy_from_slice(&s.octets());
                Some(a)
            }
            _ => None,
        };
        HeaderTemplate {
            src,
            dst,
            ttl,
            pseudo_base,
            ipv4_base,
            incoming_v4,
        }
    }

    /// The TCP bytes of `packet` when it is an IPv4 packet without options or
    /// fragmentation, carrying TCP from the peer to us, with a good header
    /// checksum; `None` for anything else, which [`parse`] then handles in
    /// full (this is its fast path for a connection that knows its peer).
    #[inline]
    pub(crate) fn incoming_v4<'a>(&self, packet: &'a [u8]) -> Option<&'a [u8]> {
        let addrs = self.incoming_v4.as_ref()?;
        let h: &[u8; IPV4_LEN] = packet.first_chunk()?;
        let total = usize::from(u16::from_be_bytes([h[2], h[3]]));
        if h[0] != 0x45
            || h[9] != IpProtocol::TCP.0
            || u16::from_be_bytes([h[6], h[7]]) & 0x3fff != 0
            || h[12..20] != addrs[..]
            || total < IPV4_LEN
            || packet.len() < total
        {
            return None;
        }
        // The header checksum over five 32-bit words (RFC 1071 §2(A)).
        let mut acc = 0u64;
        for w in h.chunks_exact(4) {
            acc += u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
        }
        let acc = (acc & 0xffff_ffff) + (acc >> 32);
        let acc = (acc & 0xffff) + ((acc >> 16) & 0xffff) + (acc >> 32);
        if checksum::fold(acc as u32) != 0xffff {
            return None;
        }
        Some(&packet[IPV4_LEN..total])
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `incoming_v4` takes what `parse` takes from the peer to us, and nothing else.
    #[test]
    fn incoming_v4_agrees_with_parse() {
        let (us, peer): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let ours = HeaderTemplate::new(us, peer, 64);
        let theirs = HeaderTemplate::new(peer, us, 64);
        let mut pkt = [0u8; 60];
        theirs.write(&mut pkt, 40, 0x1234);
        for (i, b) in pkt[IPV4_LEN..].iter_mut().enumerate() {
            *b = i as u8;
        }
        let good = pkt;
        let check = |p: &[u8]| {
            let general = parse(p).filter(|i| i.src == peer && i.dst == us);
            let fast = ours.incoming_v4(p);
            if let Some(seg) = fast {
                assert_eq!(general.map(|i| i.segment), Some(seg), "{p:?}");
            }
            fast.is_some()
        };
        assert!(check(&good));
        assert_eq!(ours.incoming_v4(&good), Some(&good[IPV4_LEN..]));
        // Every single-bit flip in the header is refused (bad checksum, or a
        // field that is not ours), unless the general path takes it too.
        for bit in 0..IPV4_LEN * 8 {
            let mut p = good;
            p[bit / 8] ^= 1 << (bit % 8);
            assert!(!check(&p) || parse(&p).is_some(), "bit {bit}");
            assert!(ours.incoming_v4(&p).is_none(), "bit {bit}");
        }
        // Header checksum fixed up after a change: fragments, options, other
        // addresses and protocols are still refused; a longer buffer is cut.
        let refix = |p: &mut [u8; 60]| {
            p[10..12].fill(0);
            let c = checksum::checksum(&p[..IPV4_LEN]);
            p[10..12].copy_from_slice(&c.to_be_bytes());
        };
        for (at, v) in [(6, 0x20), (7, 1), (0, 0x46), (9, 17), (15, 9), (19, 9)] {
            let mut p = good;
            p[at] = v;
            refix(&mut p);
            assert!(ours.incoming_v4(&p).is_none(), "byte {at} = {v}");
        }
        let mut p = good;
        p[2..4].copy_from_slice(&50u16.to_be_bytes());
        refix(&mut p);
        assert_eq!(ours.incoming_v4(&p), Some(&p[IPV4_LEN..50]));
        assert!(check(&p));
        assert!(ours.incoming_v4(&good[..59]).is_none());
        // IPv6 connections never take it.
        let v6 = HeaderTemplate::new("::1".parse().unwrap(), "::2".parse().unwrap(), 64);
        assert!(v6.incoming_v4(&good).is_none());
    }
}
