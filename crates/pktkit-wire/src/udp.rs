//! UDP datagrams (RFC 768): a view ([`UdpPacket`]) and a value ([`UdpRepr`]),
//! with the pseudo-header checksum for IPv4 and IPv6.
//!
//! Checksum rules: over IPv4 a transmitted checksum of zero means "none"
//! (RFC 768) and verifies; over IPv6 a zero checksum is invalid (RFC 8200
//! section 8.1) and does not. A computed checksum of zero is sent as `0xffff`.
//!
//! Not for: UDP-Lite, or jumbograms (RFC 2675 length 0).
//!
//! # Panic freedom
//!
//! [`UdpPacket::new_checked`] checks the buffer against the 8-byte header and
//! the length field; after it succeeded no getter panics and
//! [`UdpPacket::payload`] ends at the length field. [`UdpRepr::parse`] never
//! panics; [`UdpRepr::emit`] panics if the buffer is shorter than
//! [`UdpRepr::buffer_len`] or the datagram would exceed 65535 bytes.

use core::fmt;
use core::net::IpAddr;

use crate::{IpProtocol, Result, WireError, checksum};

mod field {
    use core::ops::Range;
    pub(super) const SRC_PORT: Range<usize> = 0..2;
    pub(super) const DST_PORT: Range<usize> = 2..4;
    pub(super) const LENGTH: Range<usize> = 4..6;
    pub(super) const CHECKSUM: Range<usize> = 6..8;
}

/// Length of the UDP header.
pub const HEADER_LEN: usize = field::CHECKSUM.end;

/// A read/write view of a UDP datagram. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps a buffer without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        UdpPacket { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the buffer against the header and the length field.
    ///
    /// Errors: [`WireError::Truncated`] when shorter than 8 bytes or than the
    /// length field; [`WireError::BadLength`] when the length field is below 8.
    /// Bytes past the length field are allowed (and ignored by `payload`).
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let field_len = self.len() as usize;
        if field_len < HEADER_LEN {
            return Err(WireError::BadLength);
        }
        if len < field_len {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Unwraps the buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        self.read_u16(field::SRC_PORT.start)
    }

    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        self.read_u16(field::DST_PORT.start)
    }

    /// Length field: header plus payload.
    #[inline]
    #[allow(clippy::len_without_is_empty)] // the wire field, never empty once checked
    pub fn len(&self) -> u16 {
        self.read_u16(field::LENGTH.start)
    }

    /// Checksum as on the wire (0 = none, IPv4 only).
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM.start)
    }

    /// Verifies the checksum with the pseudo header of `src` and `dst`.
    ///
    /// A zero checksum verifies over IPv4 (RFC 768: none was computed) and
    /// fails over IPv6 (RFC 8200). Addresses of different versions fail.
    pub fn verify_checksum(&self, src: IpAddr, dst: IpAddr) -> bool {
        if self.checksum() == 0 {
            return src.is_ipv4() && dst.is_ipv4();
        }
        let data = &self.buffer.as_ref()[..self.len() as usize];
        match checksum::pseudo_header(src, dst, IpProtocol::UDP, data.len() as u32) {
            Some(ph) => checksum::fold(checksum::sum(data, ph)) == 0xffff,
            None => false,
        }
    }

    #[inline]
    fn read_u16(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[at], b[at + 1]])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> UdpPacket<&'a T> {
    /// The payload up to the length field, borrowing the buffer.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let l = self.len() as usize;
        &self.buffer.as_ref()[HEADER_LEN..l]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    /// Sets the source port.
    #[inline]
    pub fn set_src_port(&mut self, v: u16) {
        self.buffer.as_mut()[field::SRC_PORT].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the destination port.
    #[inline]
    pub fn set_dst_port(&mut self, v: u16) {
        self.buffer.as_mut()[field::DST_PORT].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the length field.
    #[inline]
    pub fn set_len(&mut self, v: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the checksum field as it is.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    /// Computes the checksum over the header and payload (up to the length
    /// field) with the pseudo header, and writes it (`0xffff` for a computed
    /// zero). Addresses of different versions leave the checksum zero.
    pub fn fill_checksum(&mut self, src: IpAddr, dst: IpAddr) {
        self.set_checksum(0);
        let l = self.len() as usize;
        let Some(ph) = checksum::pseudo_header(src, dst, IpProtocol::UDP, l as u32) else {
            return;
        };
        let c = !checksum::fold(checksum::sum(&self.buffer.as_ref()[..l], ph));
        self.set_checksum(if c == 0 { 0xffff } else { c });
    }

    /// The payload up to the length field, mutably.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let l = self.len() as usize;
        &mut self.buffer.as_mut()[HEADER_LEN..l]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for UdpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A parsed UDP header; the payload stays in the buffer, its length is here.
///
/// ```
/// use core::net::{IpAddr, Ipv4Addr};
/// use pktkit_wire::udp::{UdpPacket, UdpRepr};
/// let (src, dst) = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
/// let repr = UdpRepr { src_port: 12345, dst_port: 53, payload_len: 5 };
/// let mut buf = [0u8; 13];
/// let mut p = UdpPacket::new_unchecked(&mut buf[..]);
/// repr.emit_with_payload(&mut p, b"hello", src, dst);
/// assert!(p.verify_checksum(src, dst));
/// assert_eq!(UdpRepr::parse(&UdpPacket::new_checked(&buf[..]).unwrap()).unwrap(), repr);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload length in bytes.
    pub payload_len: usize,
}

impl UdpRepr {
    /// Reads the header after [`UdpPacket::check_len`]. The checksum is not
    /// verified (see [`UdpPacket::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &UdpPacket<&T>) -> Result<UdpRepr> {
        packet.check_len()?;
        Ok(UdpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            payload_len: packet.len() as usize - HEADER_LEN,
        })
    }

    /// Header plus payload length.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload_len
    }

    /// Writes the header with a zero checksum. Write the payload, then call
    /// [`UdpPacket::fill_checksum`] (or use [`emit_with_payload`](Self::emit_with_payload)).
    ///
    /// # Panics
    /// If `payload_len` makes the datagram longer than 65 535 bytes, or
    /// `packet` is shorter than the header (a repr the caller built wrong,
    /// as with smoltcp's `emit`; a parsed repr always fits).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut UdpPacket<T>) {
        let len = u16::try_from(self.buffer_len()).expect("UDP datagram over 65535 bytes");
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_len(len);
        packet.set_checksum(0);
    }

    /// Writes the header, copies `payload` (which must be `payload_len` long)
    /// and fills the checksum for `src` → `dst`.
    pub fn emit_with_payload<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut UdpPacket<T>,
        payload: &[u8],
        src: IpAddr,
        dst: IpAddr,
    ) {
        self.emit(packet);
        packet.payload_mut().copy_from_slice(payload);
        packet.fill_checksum(src, dst);
    }
}

impl fmt::Display for UdpRepr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "UDP src={} dst={} len={}",
            self.src_port, self.dst_port, self.payload_len
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    // scapy: IP(src="10.0.0.1", dst="10.0.0.2")/UDP(sport=12345, dport=53)/"hello"
    static UDP4: [u8; 13] = [
        0x30, 0x39, 0x00, 0x35, 0x00, 0x0d, 0x77, 0x91, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
    ];
    // scapy: IPv6(src="fe80::1", dst="ff02::1")/UDP(sport=546, dport=547)/"hi!"
    static UDP6: [u8; 11] = [
        0x02, 0x22, 0x02, 0x23, 0x00, 0x0b, 0x74, 0xa4, 0x68, 0x69, 0x21,
    ];

    fn v4() -> (IpAddr, IpAddr) {
        (
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        )
    }

    fn v6() -> (IpAddr, IpAddr) {
        (
            IpAddr::V6("fe80::1".parse::<Ipv6Addr>().unwrap()),
            IpAddr::V6("ff02::1".parse::<Ipv6Addr>().unwrap()),
        )
    }

    #[test]
    fn deconstruct() {
        let p = UdpPacket::new_checked(&UDP4[..]).unwrap();
        assert_eq!((p.src_port(), p.dst_port(), p.len()), (12345, 53, 13));
        assert_eq!(p.checksum(), 0x7791);
        assert_eq!(p.payload(), b"hello");
        let (s, d) = v4();
        assert!(p.verify_checksum(s, d));
        assert!(!p.verify_checksum(d, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3))));
        let (s6, d6) = v6();
        assert!(!p.verify_checksum(s, d6), "mixed versions never verify");
        let p6 = UdpPacket::new_checked(&UDP6[..]).unwrap();
        assert!(p6.verify_checksum(s6, d6));
        assert_eq!(p6.payload(), b"hi!");
    }

    #[test]
    fn construct_into_junk() {
        let (s, d) = v4();
        let mut buf = [0xa5u8; 13];
        let mut p = UdpPacket::new_unchecked(&mut buf[..]);
        p.set_src_port(12345);
        p.set_dst_port(53);
        p.set_len(13);
        p.payload_mut().copy_from_slice(b"hello");
        p.fill_checksum(s, d);
        assert_eq!(buf, UDP4);
        let (s6, d6) = v6();
        let mut buf = [0xa5u8; 11];
        let r = UdpRepr {
            src_port: 546,
            dst_port: 547,
            payload_len: 3,
        };
        r.emit_with_payload(&mut UdpPacket::new_unchecked(&mut buf[..]), b"hi!", s6, d6);
        assert_eq!(buf, UDP6);
    }

    #[test]
    fn parse_and_emit() {
        let r = UdpRepr::parse(&UdpPacket::new_checked(&UDP4[..]).unwrap()).unwrap();
        assert_eq!(
            r,
            UdpRepr {
                src_port: 12345,
                dst_port: 53,
                payload_len: 5
            }
        );
        assert_eq!(r.buffer_len(), 13);
        let mut out = [0xa5u8; 13];
        let mut p = UdpPacket::new_unchecked(&mut out[..]);
        r.emit(&mut p);
        assert_eq!(p.checksum(), 0);
        assert_eq!(out[..6], UDP4[..6]);
    }

    #[test]
    fn zero_checksum_rules() {
        let mut b = UDP4;
        b[6..8].fill(0);
        let p = UdpPacket::new_checked(&b[..]).unwrap();
        let (s, d) = v4();
        assert!(p.verify_checksum(s, d), "IPv4: zero means no checksum");
        let (s6, d6) = v6();
        assert!(!p.verify_checksum(s6, d6), "IPv6: zero is invalid");
    }

    #[test]
    fn computed_zero_is_sent_as_ffff() {
        // Choose the payload word so the one's complement sum is 0xffff.
        let (s, d) = v4();
        let mut b = [0u8; 10];
        let mut p = UdpPacket::new_unchecked(&mut b[..]);
        p.set_len(10);
        p.fill_checksum(s, d);
        let c = p.checksum();
        // Put the checksum value into the payload word: the new sum is 0xffff,
        // its complement 0, which must go on the wire as 0xffff.
        p.payload_mut().copy_from_slice(&c.to_be_bytes());
        p.fill_checksum(s, d);
        assert_eq!(p.checksum(), 0xffff);
        assert!(p.verify_checksum(s, d));
    }

    #[test]
    fn malformed() {
        for n in 0..13 {
            assert_eq!(
                UdpPacket::new_checked(&UDP4[..n]).err(),
                Some(WireError::Truncated),
                "len {n}"
            );
        }
        let mut b = UDP4;
        b[5] = 7;
        assert_eq!(
            UdpPacket::new_checked(&b[..]).err(),
            Some(WireError::BadLength)
        );
        b[5] = 14;
        assert_eq!(
            UdpPacket::new_checked(&b[..]).err(),
            Some(WireError::Truncated)
        );
        let mut padded = [0u8; 20];
        padded[..13].copy_from_slice(&UDP4);
        let p = UdpPacket::new_checked(&padded[..]).unwrap();
        assert_eq!(p.payload(), b"hello");
    }
}
