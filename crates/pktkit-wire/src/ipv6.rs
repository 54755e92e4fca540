//! IPv6 fixed header (RFC 8200 §3): the [`Ipv6Packet`] view and the [`Ipv6Repr`] value.
//!
//! This module reads and writes the 40-byte fixed header only. Extension headers
//! (hop-by-hop, routing, fragment, destination options, AH) are walked by
//! [`crate::ipv6_ext`]; the cheap version-agnostic handle a router passes around
//! is [`crate::Packet`].
//!
//! Not for: jumbograms (RFC 2675; a payload length of zero is read as an empty
//! payload) or reassembly.
//!
//! # Panic freedom
//!
//! [`Ipv6Packet::new_checked`] (and [`Ipv6Repr::parse`], which calls it) checks that
//! the buffer holds the fixed header and the whole payload its Payload Length
//! field announces; after it succeeded no getter panics. Views made with
//! [`Ipv6Packet::new_unchecked`] over a buffer shorter than 40 bytes may panic.
//!
//! ```
//! use core::net::Ipv6Addr;
//! use pktkit_wire::{IpProtocol, ipv6::{Ipv6Packet, Ipv6Repr}};
//!
//! let repr = Ipv6Repr {
//!     src_addr: Ipv6Addr::LOCALHOST,
//!     dst_addr: Ipv6Addr::LOCALHOST,
//!     next_header: IpProtocol::UDP,
//!     payload_len: 2,
//!     hop_limit: 64,
//!     traffic_class: 0,
//!     flow_label: 0x12345,
//! };
//! let mut buf = [0u8; 42];
//! repr.emit(&mut Ipv6Packet::new_unchecked(&mut buf[..])).unwrap();
//! let pkt = Ipv6Packet::new_checked(&buf[..]).unwrap();
//! assert_eq!(pkt.flow_label(), 0x12345);
//! assert_eq!(Ipv6Repr::parse(&pkt).unwrap(), repr);
//! assert!(Ipv6Packet::new_checked(&buf[..41]).is_err()); // payload cut short
//! ```

use core::net::Ipv6Addr;

use crate::ipv6_ext::{self, ExtHeaders};
use crate::{IpProtocol, Result, WireError};

/// Length of the IPv6 fixed header.
pub const HEADER_LEN: usize = crate::IPV6_HEADER_LEN;

/// The minimum link MTU every IPv6 link supports (RFC 8200 §5).
pub const MIN_MTU: usize = 1280;

mod field {
    pub(super) type Field = core::ops::Range<usize>;
    /// Version (4 bits), traffic class (8 bits), flow label (20 bits).
    pub(super) const VER_TC_FLOW: Field = 0..4;
    pub(super) const PAYLOAD_LEN: Field = 4..6;
    pub(super) const NEXT_HEADER: usize = 6;
    pub(super) const HOP_LIMIT: usize = 7;
    pub(super) const SRC_ADDR: Field = 8..24;
    pub(super) const DST_ADDR: Field = 24..40;
}

/// A view of an IPv6 packet (fixed header + payload) over a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wraps a buffer without checking anything.
    pub const fn new_unchecked(buffer: T) -> Ipv6Packet<T> {
        Ipv6Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Ipv6Packet<T>> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the fixed header and the payload announced by Payload Length
    /// are in the buffer ([`WireError::Truncated`] otherwise). Extra bytes after
    /// the payload (link-layer padding) are allowed and ignored by
    /// [`payload`](Ipv6Packet::payload).
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || len < self.total_len() {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    fn ver_tc_flow(&self) -> u32 {
        let d = self.buffer.as_ref();
        u32::from_be_bytes([d[0], d[1], d[2], d[3]])
    }

    /// Version field (6 for IPv6).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// Traffic class (DSCP << 2 | ECN).
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        (self.ver_tc_flow() >> 20) as u8
    }

    /// Flow label (20 bits).
    #[inline]
    pub fn flow_label(&self) -> u32 {
        self.ver_tc_flow() & 0x000f_ffff
    }

    /// Payload Length: bytes after the fixed header, extension headers included.
    #[inline]
    pub fn payload_len(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::PAYLOAD_LEN.start], d[field::PAYLOAD_LEN.start + 1]])
    }

    /// Length of the whole packet by its header: 40 + Payload Length.
    #[inline]
    pub fn total_len(&self) -> usize {
        HEADER_LEN + self.payload_len() as usize
    }

    /// Next Header: the first extension header or the upper-layer protocol.
    #[inline]
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol(self.buffer.as_ref()[field::NEXT_HEADER])
    }

    /// Hop limit.
    #[inline]
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(addr_at(self.buffer.as_ref(), field::SRC_ADDR.start))
    }

    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(addr_at(self.buffer.as_ref(), field::DST_ADDR.start))
    }
}

#[inline]
fn addr_at(d: &[u8], at: usize) -> [u8; 16] {
    let mut a = [0u8; 16];
    a.copy_from_slice(&d[at..at + 16]);
    a
}

impl<'a, T: AsRef<[u8]> + ?Sized> Ipv6Packet<&'a T> {
    /// The payload (extension headers and upper layer), as long as Payload Length says.
    ///
    /// Clamped to the buffer, so it does not panic even on an unchecked view that
    /// holds the fixed header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let d = self.buffer.as_ref();
        let end = self.total_len().min(d.len());
        &d[HEADER_LEN.min(end)..end]
    }

    /// The extension headers after the fixed header, in order (see [`crate::ipv6_ext`]).
    pub fn ext_headers(&self) -> ExtHeaders<'a> {
        ExtHeaders::new(self.next_header(), self.payload())
    }

    /// The upper-layer protocol and its bytes, after any extension headers.
    ///
    /// Errors as [`ipv6_ext::upper_layer`]: a malformed chain, or
    /// [`WireError::Unsupported`] for a non-first fragment.
    pub fn upper_layer(&self) -> Result<(IpProtocol, &'a [u8])> {
        let payload = self.payload();
        let (protocol, offset) = ipv6_ext::upper_layer(self.next_header(), payload)?;
        Ok((protocol, &payload[offset..]))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    #[inline]
    fn set_ver_tc_flow(&mut self, v: u32) {
        self.buffer.as_mut()[field::VER_TC_FLOW].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the version field (low 4 bits of `value`).
    #[inline]
    pub fn set_version(&mut self, value: u8) {
        let v = (self.ver_tc_flow() & 0x0fff_ffff) | (((value & 0x0f) as u32) << 28);
        self.set_ver_tc_flow(v);
    }

    /// Sets the traffic class.
    #[inline]
    pub fn set_traffic_class(&mut self, value: u8) {
        let v = (self.ver_tc_flow() & 0xf00f_ffff) | ((value as u32) << 20);
        self.set_ver_tc_flow(v);
    }

    /// Sets the flow label (low 20 bits of `value`).
    #[inline]
    pub fn set_flow_label(&mut self, value: u32) {
        let v = (self.ver_tc_flow() & 0xfff0_0000) | (value & 0x000f_ffff);
        self.set_ver_tc_flow(v);
    }

    /// Sets Payload Length.
    #[inline]
    pub fn set_payload_len(&mut self, value: u16) {
        self.buffer.as_mut()[field::PAYLOAD_LEN].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets Next Header.
    #[inline]
    pub fn set_next_header(&mut self, value: IpProtocol) {
        self.buffer.as_mut()[field::NEXT_HEADER] = value.0;
    }

    /// Sets the hop limit.
    #[inline]
    pub fn set_hop_limit(&mut self, value: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = value;
    }

    /// Sets the source address.
    #[inline]
    pub fn set_src_addr(&mut self, value: Ipv6Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&value.octets());
    }

    /// Sets the destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, value: Ipv6Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&value.octets());
    }

    /// The payload, mutably (as long as Payload Length says, clamped to the buffer).
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let total = self.total_len();
        let d = self.buffer.as_mut();
        let end = total.min(d.len());
        &mut d[HEADER_LEN.min(end)..end]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv6Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The fields of an IPv6 fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Repr {
    /// Source address.
    pub src_addr: Ipv6Addr,
    /// Destination address.
    pub dst_addr: Ipv6Addr,
    /// Next Header (first extension header or upper-layer protocol).
    pub next_header: IpProtocol,
    /// Payload Length (extension headers included).
    pub payload_len: u16,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits; higher bits are dropped on emit).
    pub flow_label: u32,
}

impl Ipv6Repr {
    /// Reads a checked view: length first ([`Ipv6Packet::check_len`]), then the
    /// version ([`WireError::BadVersion`] unless 6).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Ipv6Packet<&T>) -> Result<Ipv6Repr> {
        packet.check_len()?;
        Self::parse_header(packet.buffer.as_ref())
    }

    /// Reads the 40-byte fixed header at the start of `bytes` *without* checking
    /// that the payload is there: for headers quoted in ICMPv6 errors and NDP
    /// Redirected Header options, which are cut short by design.
    pub fn parse_header(bytes: &[u8]) -> Result<Ipv6Repr> {
        if bytes.len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let p = Ipv6Packet::new_unchecked(bytes);
        if p.version() != 6 {
            return Err(WireError::BadVersion);
        }
        Ok(Ipv6Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            next_header: p.next_header(),
            payload_len: p.payload_len(),
            hop_limit: p.hop_limit(),
            traffic_class: p.traffic_class(),
            flow_label: p.flow_label(),
        })
    }

    /// Bytes [`emit`](Self::emit) writes: the fixed header (40).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the fixed header into the first 40 bytes of `packet`
    /// ([`WireError::BufferTooSmall`] if shorter). The payload is left alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut Ipv6Packet<&mut T>,
    ) -> Result<()> {
        if packet.buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::BufferTooSmall);
        }
        let v =
            (6u32 << 28) | ((self.traffic_class as u32) << 20) | (self.flow_label & 0x000f_ffff);
        packet.set_ver_tc_flow(v);
        packet.set_payload_len(self.payload_len);
        packet.set_next_header(self.next_header);
        packet.set_hop_limit(self.hop_limit);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured with scapy: IPv6(src="fe80::1", dst="ff02::1", tc=0xb8, fl=0xbeef5,
    // hlim=255, nh=17)/UDP(sport=546, dport=547)/b"abcd" (UDP checksum by scapy).
    static PACKET_BYTES: [u8; 52] = [
        0x6b, 0x8b, 0xee, 0xf5, 0x00, 0x0c, 0x11, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x22, 0x02, 0x23, 0x00,
        0x0c, 0x39, 0x45, 0x61, 0x62, 0x63, 0x64,
    ];

    static PAYLOAD_BYTES: [u8; 12] = [
        0x02, 0x22, 0x02, 0x23, 0x00, 0x0c, 0x39, 0x45, 0x61, 0x62, 0x63, 0x64,
    ];

    fn repr() -> Ipv6Repr {
        Ipv6Repr {
            src_addr: "fe80::1".parse().unwrap(),
            dst_addr: "ff02::1".parse().unwrap(),
            next_header: IpProtocol::UDP,
            payload_len: 12,
            hop_limit: 255,
            traffic_class: 0xb8,
            flow_label: 0xbeef5,
        }
    }

    #[test]
    fn deconstruct() {
        let p = Ipv6Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0xb8);
        assert_eq!(p.flow_label(), 0xbeef5);
        assert_eq!(p.payload_len(), 12);
        assert_eq!(p.total_len(), 52);
        assert_eq!(p.next_header(), IpProtocol::UDP);
        assert_eq!(p.hop_limit(), 255);
        assert_eq!(p.src_addr(), "fe80::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(p.dst_addr(), "ff02::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(p.payload(), &PAYLOAD_BYTES[..]);
    }

    #[test]
    fn construct() {
        let mut buf = [0xa5u8; 52];
        let mut p = Ipv6Packet::new_unchecked(&mut buf[..]);
        p.set_version(6);
        p.set_traffic_class(0xb8);
        p.set_flow_label(0xbeef5);
        p.set_payload_len(12);
        p.set_next_header(IpProtocol::UDP);
        p.set_hop_limit(255);
        p.set_src_addr("fe80::1".parse().unwrap());
        p.set_dst_addr("ff02::1".parse().unwrap());
        p.payload_mut().copy_from_slice(&PAYLOAD_BYTES);
        assert_eq!(buf, PACKET_BYTES);
    }

    #[test]
    fn setters_keep_neighbouring_bits() {
        let mut buf = PACKET_BYTES;
        let mut p = Ipv6Packet::new_unchecked(&mut buf[..]);
        p.set_flow_label(0xfff_ffff); // only 20 bits are taken
        assert_eq!(
            (p.version(), p.traffic_class(), p.flow_label()),
            (6, 0xb8, 0xfffff)
        );
        p.set_traffic_class(0x01);
        assert_eq!(
            (p.version(), p.traffic_class(), p.flow_label()),
            (6, 0x01, 0xfffff)
        );
        p.set_version(4);
        assert_eq!(
            (p.version(), p.traffic_class(), p.flow_label()),
            (4, 0x01, 0xfffff)
        );
    }

    #[test]
    fn parse() {
        let p = Ipv6Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(Ipv6Repr::parse(&p).unwrap(), repr());
    }

    #[test]
    fn emit() {
        let r = repr();
        let mut buf = [0xa5u8; 52];
        r.emit(&mut Ipv6Packet::new_unchecked(&mut buf[..]))
            .unwrap();
        buf[40..].copy_from_slice(&PAYLOAD_BYTES);
        assert_eq!(buf, PACKET_BYTES);
        let mut short = [0u8; 39];
        assert_eq!(
            r.emit(&mut Ipv6Packet::new_unchecked(&mut short[..])),
            Err(WireError::BufferTooSmall)
        );
    }

    #[test]
    fn link_padding_is_not_payload() {
        let mut buf = [0u8; 60];
        buf[..52].copy_from_slice(&PACKET_BYTES);
        let p = Ipv6Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.payload(), &PAYLOAD_BYTES[..]);
    }

    #[test]
    fn every_truncation_is_rejected() {
        for n in 0..PACKET_BYTES.len() {
            assert_eq!(
                Ipv6Packet::new_checked(&PACKET_BYTES[..n]).err(),
                Some(WireError::Truncated),
                "len {n}"
            );
        }
    }

    #[test]
    fn bad_version() {
        let mut buf = PACKET_BYTES;
        buf[0] = 0x4b;
        let p = Ipv6Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(Ipv6Repr::parse(&p), Err(WireError::BadVersion));
    }

    #[test]
    fn payload_len_beyond_buffer() {
        let mut buf = PACKET_BYTES;
        buf[5] = 13;
        assert_eq!(
            Ipv6Packet::new_checked(&buf[..]).err(),
            Some(WireError::Truncated)
        );
        // an unchecked view clamps instead of panicking
        assert_eq!(Ipv6Packet::new_unchecked(&buf[..]).payload().len(), 12);
    }

    #[test]
    fn upper_layer_through_extension_headers() {
        let p = Ipv6Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(p.ext_headers().count(), 0);
        assert_eq!(p.upper_layer(), Ok((IpProtocol::UDP, &PAYLOAD_BYTES[..])));
        // The same UDP datagram behind a destination options header (Pad1 x 6).
        let mut buf = [0u8; 60];
        buf[..40].copy_from_slice(&PACKET_BYTES[..40]);
        buf[5] = 20;
        buf[6] = IpProtocol::IPV6_OPTS.0;
        buf[40] = IpProtocol::UDP.0;
        buf[48..].copy_from_slice(&PAYLOAD_BYTES);
        let p = Ipv6Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.ext_headers().count(), 1);
        assert_eq!(p.upper_layer(), Ok((IpProtocol::UDP, &PAYLOAD_BYTES[..])));
        buf[41] = 2; // header now claims 24 bytes, more than the 20-byte payload
        let p = Ipv6Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.upper_layer(), Err(WireError::Truncated));
    }

    #[test]
    fn quoted_header_without_payload() {
        let r = Ipv6Repr::parse_header(&PACKET_BYTES[..40]).unwrap();
        assert_eq!(r, repr());
        assert_eq!(
            Ipv6Repr::parse_header(&PACKET_BYTES[..39]),
            Err(WireError::Truncated)
        );
    }
}
