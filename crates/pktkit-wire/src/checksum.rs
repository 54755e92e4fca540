//! Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//!
//! This is a hot path: every forwarded IPv4 packet and every TCP/UDP segment
//! touches it. [`sum`] is the entry point; [`reference_sum`] is the plain,
//! obviously-correct version that faster paths are tested and fuzzed against.
//!
//! Vocabulary: a *sum* is the 32-bit one's-complement accumulator before folding;
//! [`fold`] reduces it to 16 bits; the *checksum* written on the wire is `!fold(sum)`.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::IpProtocol;

/// One's-complement sum of `data` as big-endian 16-bit words (an odd last byte is
/// padded with zero), added to `initial`. Not yet folded or inverted.
#[inline]
pub fn sum(data: &[u8], initial: u32) -> u32 {
    reference_sum(data, initial)
}

/// The plain RFC 1071 sum: the reference every faster implementation must match
/// after [`fold`].
pub fn reference_sum(data: &[u8], initial: u32) -> u32 {
    let mut acc: u64 = initial as u64;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u16::from_be_bytes([c[0], c[1]]) as u64;
    }
    if let [last] = chunks.remainder() {
        acc += (*last as u64) << 8;
    }
    fold64(acc)
}

/// Folds a 64-bit accumulator into a 32-bit one without changing its value mod 0xffff.
#[inline]
pub const fn fold64(mut acc: u64) -> u32 {
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc as u32
}

/// Folds a 32-bit sum to 16 bits (end-around carry).
#[inline]
pub const fn fold(mut sum: u32) -> u16 {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    sum as u16
}

/// The checksum to write into a header whose other bytes are `data` (checksum field zeroed).
///
/// ```
/// // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
/// let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
/// assert_eq!(pktkit_wire::checksum::fold(pktkit_wire::checksum::sum(&data, 0)), 0xddf2);
/// assert_eq!(pktkit_wire::checksum::checksum(&data), !0xddf2);
/// ```
#[inline]
pub fn checksum(data: &[u8]) -> u16 {
    !fold(sum(data, 0))
}

/// True when `data`, checksum field included, verifies (folds to `0xffff`).
#[inline]
pub fn verify(data: &[u8]) -> bool {
    fold(sum(data, 0)) == 0xffff
}

/// Sum of the IPv4 pseudo header (RFC 768 / RFC 9293): src, dst, zero, protocol, length.
#[inline]
pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, protocol: IpProtocol, len: u32) -> u32 {
    let s = u32::from_be_bytes(src.octets());
    let d = u32::from_be_bytes(dst.octets());
    let acc = (s >> 16) as u64
        + (s & 0xffff) as u64
        + (d >> 16) as u64
        + (d & 0xffff) as u64
        + protocol.0 as u64
        + (len >> 16) as u64
        + (len & 0xffff) as u64;
    fold64(acc)
}

/// Sum of the IPv6 pseudo header (RFC 8200 section 8.1): src, dst, upper-layer length,
/// zeros, next header.
#[inline]
pub fn pseudo_header_v6(src: Ipv6Addr, dst: Ipv6Addr, protocol: IpProtocol, len: u32) -> u32 {
    let mut acc: u64 = 0;
    for a in [src.octets(), dst.octets()] {
        for w in a.chunks_exact(2) {
            acc += u16::from_be_bytes([w[0], w[1]]) as u64;
        }
    }
    acc += (len >> 16) as u64 + (len & 0xffff) as u64 + protocol.0 as u64;
    fold64(acc)
}

/// Pseudo-header sum for either IP version. `None` when the two addresses are of
/// different versions.
#[inline]
pub fn pseudo_header(src: IpAddr, dst: IpAddr, protocol: IpProtocol, len: u32) -> Option<u32> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => Some(pseudo_header_v4(s, d, protocol, len)),
        (IpAddr::V6(s), IpAddr::V6(d)) => Some(pseudo_header_v6(s, d, protocol, len)),
        _ => None,
    }
}

/// RFC 1624 eqn. 3: the new checksum after a 16-bit field changed from `old` to `new`.
///
/// `HC' = ~(~HC + ~m + m')`.
#[inline]
pub const fn update16(checksum: u16, old: u16, new: u16) -> u16 {
    let s = (!checksum as u32) + (!old as u32 & 0xffff) + new as u32;
    !fold(s)
}

/// RFC 1624 update for a 32-bit field (e.g. an IPv4 address rewritten by NAT).
#[inline]
pub const fn update32(checksum: u16, old: u32, new: u32) -> u16 {
    let c = update16(checksum, (old >> 16) as u16, (new >> 16) as u16);
    update16(c, old as u16, new as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&data, 0)), 0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(fold(sum(&[0x12, 0x34, 0x56], 0)), 0x1234 + 0x5600);
    }

    #[test]
    fn udp_over_ipv4_pseudo_header() {
        // UDP 10.0.0.1:12345 -> 10.0.0.2:53, payload "hi"; checksum computed by hand
        // from RFC 768: pseudo header + header + data.
        let mut udp = [0x30, 0x39, 0x00, 0x35, 0x00, 0x0a, 0x00, 0x00, b'h', b'i'];
        let ph = pseudo_header_v4(
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 2),
            IpProtocol::UDP,
            10,
        );
        let c = !fold(sum(&udp, ph));
        // By hand: 0a00+0001+0a00+0002+0011+000a + 3039+0035+000a+0000+6869 = 0xacff
        assert_eq!(c, !0xacff);
        udp[6..8].copy_from_slice(&c.to_be_bytes());
        assert_eq!(fold(sum(&udp, ph)), 0xffff);
    }

    #[test]
    fn incremental_matches_recompute() {
        // An IPv4 header (RFC 791 style) with a correct checksum; change TTL+proto word.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        let c = checksum(&h);
        assert_eq!(c, 0xb861); // the well-known example header's checksum
        h[10..12].copy_from_slice(&c.to_be_bytes());
        assert!(verify(&h));
        let old = u16::from_be_bytes([h[8], h[9]]);
        h[8] -= 1;
        let new = u16::from_be_bytes([h[8], h[9]]);
        let c2 = update16(c, old, new);
        h[10..12].copy_from_slice(&c2.to_be_bytes());
        assert!(verify(&h));
    }
}
