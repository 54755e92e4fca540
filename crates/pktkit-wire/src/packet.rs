//! [`Packet`]: a validated IPv4 or IPv6 packet, the currency of L3 devices and hubs.
//!
//! `&Packet` is a `&[u8]` (`#[repr(transparent)]`) whose IP header and length
//! fields were checked once by [`Packet::parse`]; after that no accessor panics.
//! It gives the fields a router or a tunnel needs (version, addresses, protocol,
//! TTL / hop limit, payload) without caring which IP version it is. For full
//! header access use the codec views [`crate::ipv4`] and [`crate::ipv6`].
//!
//! Trailing bytes past the IP total length (Ethernet padding) are allowed and
//! ignored by [`Packet::payload`]; [`Packet::as_bytes`] still returns them.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ref_cast::{RefCastCustom, ref_cast_custom};

use crate::{IpProtocol, Result, WireError, checksum};

/// IPv4 fixed header length.
pub const IPV4_MIN_HEADER_LEN: usize = 20;
/// IPv6 fixed header length.
pub const IPV6_HEADER_LEN: usize = 40;

/// IP version of a [`Packet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpVersion {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// A validated IPv4 or IPv6 packet: a `&[u8]` whose IP header and length fields
/// were checked once by [`Packet::parse`], so no accessor panics. Trailing bytes
/// past the total length (Ethernet padding) are kept but not part of the payload.
///
/// ```
/// use pktkit_wire::{Packet, IpProtocol};
/// use core::net::Ipv4Addr;
/// let mut bytes = [
///     0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, // .. TTL 64, UDP
///     10, 0, 0, 1, 10, 0, 0, 2,                                                // src, dst
///     0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,                          // UDP header
/// ];
/// let c = pktkit_wire::checksum::checksum(&bytes[..20]);
/// bytes[10..12].copy_from_slice(&c.to_be_bytes());
/// let p = Packet::parse_mut(&mut bytes).unwrap();
/// assert_eq!(p.dst(), Ipv4Addr::new(10, 0, 0, 2));
/// assert_eq!(p.protocol(), IpProtocol::UDP);
/// assert!(p.decrement_ttl());           // a router's hop
/// assert_eq!(p.ttl(), 63);
/// assert!(pktkit_wire::checksum::verify(&p.as_bytes()[..20])); // checksum kept right
/// ```
#[derive(RefCastCustom, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Packet([u8]);

impl Packet {
    #[ref_cast_custom]
    const fn cast(bytes: &[u8]) -> &Packet;
    #[ref_cast_custom]
    fn cast_mut(bytes: &mut [u8]) -> &mut Packet;

    /// Checks the IP header and length fields of `bytes` and wraps them.
    ///
    /// Errors: [`WireError::Truncated`] (shorter than the header or the total length),
    /// [`WireError::BadVersion`] (neither 4 nor 6), [`WireError::BadLength`]
    /// (IPv4 IHL < 5 or total length below the header length). The IPv4 header
    /// checksum is *not* verified here; see [`Packet::ipv4_checksum_ok`].
    #[inline]
    pub fn parse(bytes: &[u8]) -> Result<&Packet> {
        validate(bytes)?;
        Ok(Packet::cast(bytes))
    }

    /// [`Packet::parse`] for a mutable buffer.
    #[inline]
    pub fn parse_mut(bytes: &mut [u8]) -> Result<&mut Packet> {
        validate(bytes)?;
        Ok(Packet::cast_mut(bytes))
    }

    /// The whole buffer (including any trailing padding).
    #[inline]
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The whole buffer, mutably.
    #[inline]
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// The IP version.
    #[inline]
    pub fn version(&self) -> IpVersion {
        if self.0[0] >> 4 == 4 {
            IpVersion::V4
        } else {
            IpVersion::V6
        }
    }

    /// True for IPv4.
    #[inline]
    pub fn is_ipv4(&self) -> bool {
        self.version() == IpVersion::V4
    }

    /// IP header length (IPv4: IHL × 4; IPv6: 40, extension headers are payload here).
    #[inline]
    pub fn header_len(&self) -> usize {
        match self.version() {
            IpVersion::V4 => (self.0[0] & 0x0f) as usize * 4,
            IpVersion::V6 => IPV6_HEADER_LEN,
        }
    }

    /// Length of the packet according to its own length field (≤ the buffer length).
    #[inline]
    pub fn total_len(&self) -> usize {
        match self.version() {
            IpVersion::V4 => u16::from_be_bytes([self.0[2], self.0[3]]) as usize,
            IpVersion::V6 => IPV6_HEADER_LEN + u16::from_be_bytes([self.0[4], self.0[5]]) as usize,
        }
    }

    /// Source address.
    #[inline]
    pub fn src(&self) -> IpAddr {
        match self.version() {
            IpVersion::V4 => IpAddr::V4(self.v4_addr(12)),
            IpVersion::V6 => IpAddr::V6(self.v6_addr(8)),
        }
    }

    /// Destination address.
    #[inline]
    pub fn dst(&self) -> IpAddr {
        match self.version() {
            IpVersion::V4 => IpAddr::V4(self.v4_addr(16)),
            IpVersion::V6 => IpAddr::V6(self.v6_addr(24)),
        }
    }

    /// IPv4 protocol, or the IPv6 *next header* of the fixed header (which may be an
    /// extension header; [`crate::ipv6_ext`] walks to the upper-layer protocol).
    #[inline]
    pub fn protocol(&self) -> IpProtocol {
        match self.version() {
            IpVersion::V4 => IpProtocol(self.0[9]),
            IpVersion::V6 => IpProtocol(self.0[6]),
        }
    }

    /// IPv4 TTL or IPv6 hop limit.
    #[inline]
    pub fn ttl(&self) -> u8 {
        match self.version() {
            IpVersion::V4 => self.0[8],
            IpVersion::V6 => self.0[7],
        }
    }

    /// Decrements the TTL / hop limit as a router does, updating the IPv4 header
    /// checksum incrementally (RFC 1624). Returns `false`, changing nothing, when
    /// the packet must not be forwarded (TTL ≤ 1).
    #[inline]
    pub fn decrement_ttl(&mut self) -> bool {
        match self.version() {
            IpVersion::V4 => {
                let ttl = self.0[8];
                if ttl <= 1 {
                    return false;
                }
                let old = u16::from_be_bytes([ttl, self.0[9]]);
                let new = u16::from_be_bytes([ttl - 1, self.0[9]]);
                let c = u16::from_be_bytes([self.0[10], self.0[11]]);
                let c = checksum::update16(c, old, new);
                self.0[8] = ttl - 1;
                self.0[10..12].copy_from_slice(&c.to_be_bytes());
                true
            }
            IpVersion::V6 => {
                if self.0[7] <= 1 {
                    return false;
                }
                self.0[7] -= 1;
                true
            }
        }
    }

    /// A router's hop into a fresh buffer: copies the packet (up to its total
    /// length, without trailing padding) to the front of `out` with the TTL /
    /// hop limit decremented and the IPv4 header checksum updated
    /// incrementally (RFC 1624), and returns the copy. `None`, writing nothing,
    /// when the packet must not be forwarded (TTL ≤ 1) or `out` is shorter than
    /// [`Packet::total_len`].
    ///
    /// Same result as copying and calling [`Packet::decrement_ttl`], but the
    /// version is read once and the copy is not validated again (it is the
    /// validated packet with two header fields changed).
    ///
    /// ```
    /// # use pktkit_wire::Packet;
    /// let mut bytes = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0xee];
    /// let c = pktkit_wire::checksum::checksum(&bytes[..20]);
    /// bytes[10..12].copy_from_slice(&c.to_be_bytes());
    /// let p = Packet::parse(&bytes).unwrap();
    /// let mut out = [0u8; 64];
    /// let hop = p.forward_into(&mut out).unwrap();
    /// assert_eq!((hop.ttl(), hop.as_bytes().len()), (63, 20)); // padding byte 0xee left behind
    /// assert!(hop.ipv4_checksum_ok());
    /// ```
    #[inline]
    pub fn forward_into<'a>(&self, out: &'a mut [u8]) -> Option<&'a mut Packet> {
        let b = &self.0;
        let v4 = b.first()? >> 4 == 4;
        // Validated: IPv4 has ≥ 20 bytes, IPv6 ≥ 40, and the total length fits.
        let (total, ttl_at) = if v4 {
            let h = b.first_chunk::<IPV4_MIN_HEADER_LEN>()?;
            (u16::from_be_bytes([h[2], h[3]]) as usize, 8)
        } else {
            let h = b.first_chunk::<IPV6_HEADER_LEN>()?;
            (
                IPV6_HEADER_LEN + u16::from_be_bytes([h[4], h[5]]) as usize,
                7,
            )
        };
        let ttl = *b.get(ttl_at)?;
        if ttl <= 1 {
            return None;
        }
        let o = out.get_mut(..total)?;
        copy_packet(o, b.get(..total)?);
        let h = o.first_chunk_mut::<IPV4_MIN_HEADER_LEN>()?;
        h[ttl_at] = ttl - 1;
        if v4 {
            // RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), with m' = m - 0x0100 (the
            // TTL is the high byte of its word; no borrow as TTL ≥ 2), so
            // ~m + m' = 0xffff - 0x0100. Ones' complement sums do not depend
            // on byte order (RFC 1071 §2(B)): computed in native order, where
            // the TTL's weight is `dec`.
            let dec = u16::from_ne_bytes([1, 0]) as u32;
            let c = u16::from_ne_bytes([h[10], h[11]]);
            let s = (!c as u32) + 0xffff - dec;
            let s = (s & 0xffff) + (s >> 16);
            h[10..12].copy_from_slice(&(!(s as u16)).to_ne_bytes());
        }
        Some(Packet::cast_mut(o))
    }

    /// True when the IPv4 header checksum verifies; always true for IPv6 (no header checksum).
    pub fn ipv4_checksum_ok(&self) -> bool {
        match self.version() {
            IpVersion::V4 => checksum::verify(&self.0[..self.header_len()]),
            IpVersion::V6 => true,
        }
    }

    /// The bytes after the IP header up to the total length.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.0[self.header_len()..self.total_len()]
    }

    /// The payload, mutably.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (h, t) = (self.header_len(), self.total_len());
        &mut self.0[h..t]
    }

    fn v4_addr(&self, at: usize) -> Ipv4Addr {
        Ipv4Addr::new(self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3])
    }

    fn v6_addr(&self, at: usize) -> Ipv6Addr {
        let mut o = [0u8; 16];
        o.copy_from_slice(&self.0[at..at + 16]);
        Ipv6Addr::from(o)
    }
}

impl AsRef<[u8]> for Packet {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packet")
            .field("src", &self.src())
            .field("dst", &self.dst())
            .field("protocol", &self.protocol())
            .field("ttl", &self.ttl())
            .field("len", &self.total_len())
            .finish()
    }
}

#[inline]
fn validate(b: &[u8]) -> Result<()> {
    let first = *b.first().ok_or(WireError::Truncated)?;
    match first >> 4 {
        4 => {
            if b.len() < IPV4_MIN_HEADER_LEN {
                return Err(WireError::Truncated);
            }
            let ihl = (first & 0x0f) as usize * 4;
            let total = u16::from_be_bytes([b[2], b[3]]) as usize;
            if ihl < IPV4_MIN_HEADER_LEN || total < ihl {
                return Err(WireError::BadLength);
            }
            if b.len() < total {
                return Err(WireError::Truncated);
            }
            Ok(())
        }
        6 => {
            if b.len() < IPV6_HEADER_LEN {
                return Err(WireError::Truncated);
            }
            let total = IPV6_HEADER_LEN + u16::from_be_bytes([b[4], b[5]]) as usize;
            if b.len() < total {
                return Err(WireError::Truncated);
            }
            Ok(())
        }
        _ => Err(WireError::BadVersion),
    }
}

/// `dst.copy_from_slice(src)` (equal lengths), with packets of 32 to 128
/// bytes, the common small ones, copied inline as two overlapping
/// fixed-size blocks instead of by a call to `memcpy`.
#[inline(always)]
fn copy_packet(dst: &mut [u8], src: &[u8]) {
    fn two_blocks<const N: usize>(dst: &mut [u8], src: &[u8]) {
        let n = src.len();
        dst[..N].copy_from_slice(&src[..N]);
        dst[n - N..n].copy_from_slice(&src[n - N..]);
    }
    match src.len() {
        32..=64 if dst.len() == src.len() => two_blocks::<32>(dst, src),
        65..=128 if dst.len() == src.len() => two_blocks::<64>(dst, src),
        _ => dst.copy_from_slice(src),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6_udp() -> [u8; 48] {
        let mut b = [0u8; 48];
        b[0] = 0x60;
        b[5] = 8; // payload length
        b[6] = 17; // UDP
        b[7] = 1; // hop limit
        b[8..24].copy_from_slice(&"fe80::1".parse::<Ipv6Addr>().unwrap().octets());
        b[24..40].copy_from_slice(&"ff02::1".parse::<Ipv6Addr>().unwrap().octets());
        b
    }

    #[test]
    fn ipv6_fields_and_hop_limit() {
        let mut b = v6_udp();
        let p = Packet::parse_mut(&mut b).unwrap();
        assert_eq!(p.version(), IpVersion::V6);
        assert_eq!(p.src(), "fe80::1".parse::<IpAddr>().unwrap());
        assert_eq!(p.protocol(), IpProtocol::UDP);
        assert_eq!(p.payload().len(), 8);
        assert!(!p.decrement_ttl(), "hop limit 1 must not be forwarded");
        assert_eq!(p.ttl(), 1);
    }

    #[test]
    fn rejects_bad_headers() {
        assert_eq!(Packet::parse(&[]), Err(WireError::Truncated));
        assert_eq!(Packet::parse(&[0x55; 40]), Err(WireError::BadVersion));
        let mut v4 = [0u8; 20];
        v4[0] = 0x44; // IHL 4
        v4[3] = 20;
        assert_eq!(Packet::parse(&v4), Err(WireError::BadLength));
        v4[0] = 0x45;
        v4[3] = 21; // total length past the buffer
        assert_eq!(Packet::parse(&v4), Err(WireError::Truncated));
        v4[3] = 19; // total below header
        assert_eq!(Packet::parse(&v4), Err(WireError::BadLength));
        let b = v6_udp();
        assert_eq!(Packet::parse(&b[..47]), Err(WireError::Truncated));
    }

    /// `forward_into` against a full RFC 1071 recomputation of the header
    /// checksum and against copy + `decrement_ttl`, over random IPv4 headers
    /// (every TTL, random options length and contents) and IPv6.
    #[test]
    fn forward_into_matches_recomputed_checksum() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut out = [0xa5u8; 128];
        for i in 0..20_000u32 {
            let ihl = 5 + (rnd() % 11) as usize;
            // 20..=121 bytes: every size class of `copy_packet` but the largest.
            let total = ihl * 4 + (rnd() % 62) as usize;
            let mut b = [0u8; 128];
            for v in b.iter_mut() {
                *v = rnd() as u8;
            }
            b[0] = 0x40 | ihl as u8;
            b[2..4].copy_from_slice(&(total as u16).to_be_bytes());
            b[8] = i as u8; // every TTL
            b[10..12].fill(0);
            let c = checksum::checksum(&b[..ihl * 4]);
            b[10..12].copy_from_slice(&c.to_be_bytes());
            let buf = &b[..total + (rnd() % 8) as usize]; // maybe padded
            let p = Packet::parse(buf).unwrap();
            let got = p.forward_into(&mut out).map(|q| q.as_bytes().to_vec());
            if b[8] <= 1 {
                assert_eq!(got, None);
                continue;
            }
            let got = got.unwrap();
            let mut want = b[..total].to_vec();
            assert!(Packet::parse_mut(&mut want).unwrap().decrement_ttl());
            assert_eq!(got, want);
            assert_eq!(got[8], b[8] - 1);
            assert!(checksum::verify(&got[..ihl * 4]), "{:02x?}", &got[..20]);
            let mut zeroed = got.clone();
            zeroed[10..12].fill(0);
            let full = checksum::checksum(&zeroed[..ihl * 4]);
            // Ones' complement has two zeros; a recomputation gives the +0 form.
            let inc = u16::from_be_bytes([got[10], got[11]]);
            assert!(inc == full || (full == 0xffff && inc == 0) || (full == 0 && inc == 0xffff));
        }
        let b = v6_udp();
        let p = Packet::parse(&b).unwrap();
        assert!(p.forward_into(&mut out).is_none(), "hop limit 1");
        let mut b = v6_udp();
        b[7] = 64;
        let mut padded = [0u8; 52];
        padded[..48].copy_from_slice(&b);
        let q = Packet::parse(&padded).unwrap();
        let hop = q.forward_into(&mut out).unwrap();
        assert_eq!(hop.ttl(), 63);
        assert_eq!(&hop.as_bytes()[8..], &b[8..]);
        assert_eq!(hop.as_bytes().len(), 48);
        assert!(q.forward_into(&mut [0u8; 47]).is_none(), "output too short");
    }

    #[test]
    fn padding_is_ignored() {
        let mut b = [0u8; 60];
        b[0] = 0x45;
        b[3] = 28;
        b[9] = 17;
        let p = Packet::parse(&b).unwrap();
        assert_eq!(p.payload().len(), 8);
        assert_eq!(p.as_bytes().len(), 60);
    }
}
