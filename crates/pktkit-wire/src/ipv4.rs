//! IPv4 packets (RFC 791): a view ([`Ipv4Packet`]) with every header field,
//! options as raw bytes, fragment fields and the header checksum, and a value
//! ([`Ipv4Repr`]) to parse and emit headers.
//!
//! Not for: reassembly (a fragment is parsed as it is; its fields say where it
//! belongs) or interpreting individual options (they are kept as bytes).
//! For the device-level handle that covers both IP versions see [`crate::Packet`].
//!
//! # Panic freedom
//!
//! [`Ipv4Packet::new_checked`] checks the buffer against the fixed header, the
//! IHL and the total length; after it succeeded no getter panics, and
//! [`Ipv4Packet::payload`] ends at the total length (Ethernet padding is
//! ignored). A view made with [`Ipv4Packet::new_unchecked`] over a short buffer
//! panics on access. [`Ipv4Repr::parse`] never panics; [`Ipv4Repr::emit`] panics
//! if the buffer is shorter than [`Ipv4Repr::buffer_len`], if the options are
//! longer than [`MAX_OPTIONS_LEN`], or if the total length exceeds 65535.

use core::fmt;
use core::net::Ipv4Addr;

use crate::{IpProtocol, Result, WireError, checksum};

mod field {
    use core::ops::Range;
    pub(super) const VER_IHL: usize = 0;
    pub(super) const DSCP_ECN: usize = 1;
    pub(super) const LENGTH: Range<usize> = 2..4;
    pub(super) const IDENT: Range<usize> = 4..6;
    pub(super) const FLG_OFF: Range<usize> = 6..8;
    pub(super) const TTL: usize = 8;
    pub(super) const PROTOCOL: usize = 9;
    pub(super) const CHECKSUM: Range<usize> = 10..12;
    pub(super) const SRC_ADDR: Range<usize> = 12..16;
    pub(super) const DST_ADDR: Range<usize> = 16..20;
}

/// Length of the fixed IPv4 header (IHL 5).
pub const HEADER_LEN: usize = field::DST_ADDR.end;
/// Largest options area: IHL 15 gives a 60-byte header.
pub const MAX_OPTIONS_LEN: usize = 40;

const FLAG_RESERVED: u16 = 0x8000;
const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1fff;

/// A read/write view of an IPv4 packet. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps a buffer without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the buffer against the fixed header, the IHL and the total length.
    ///
    /// Errors: [`WireError::Truncated`] when the buffer is shorter than 20 bytes,
    /// than the IHL or than the total length; [`WireError::BadLength`] when the
    /// IHL is below 5 or the total length below the header length. The version
    /// is checked by [`Ipv4Repr::parse`], not here.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let ihl = self.header_len();
        if ihl < HEADER_LEN {
            return Err(WireError::BadLength);
        }
        if len < ihl {
            return Err(WireError::Truncated);
        }
        let total = self.total_len() as usize;
        if total < ihl {
            return Err(WireError::BadLength);
        }
        if len < total {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Unwraps the buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version field (4 for IPv4).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL × 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        (self.buffer.as_ref()[field::VER_IHL] & 0x0f) as usize * 4
    }

    /// Differentiated services code point (6 bits).
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    /// Explicit congestion notification (2 bits).
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    /// Total length (header + payload) in bytes.
    #[inline]
    pub fn total_len(&self) -> u16 {
        self.read_u16(field::LENGTH.start)
    }

    /// Identification.
    #[inline]
    pub fn ident(&self) -> u16 {
        self.read_u16(field::IDENT.start)
    }

    /// The reserved ("evil") flag bit, which must be zero (RFC 791).
    #[inline]
    pub fn reserved_flag(&self) -> bool {
        self.read_u16(field::FLG_OFF.start) & FLAG_RESERVED != 0
    }

    /// Don't fragment.
    #[inline]
    pub fn dont_frag(&self) -> bool {
        self.read_u16(field::FLG_OFF.start) & FLAG_DF != 0
    }

    /// More fragments.
    #[inline]
    pub fn more_frags(&self) -> bool {
        self.read_u16(field::FLG_OFF.start) & FLAG_MF != 0
    }

    /// Fragment offset in bytes (the 13-bit field × 8).
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        (self.read_u16(field::FLG_OFF.start) & OFFSET_MASK) * 8
    }

    /// True for a fragment (MF set or a non-zero offset).
    #[inline]
    pub fn is_fragment(&self) -> bool {
        self.read_u16(field::FLG_OFF.start) & (FLAG_MF | OFFSET_MASK) != 0
    }

    /// Time to live.
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol of the payload.
    #[inline]
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol(self.buffer.as_ref()[field::PROTOCOL])
    }

    /// Header checksum as on the wire.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM.start)
    }

    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv4Addr {
        self.read_addr(field::SRC_ADDR.start)
    }

    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv4Addr {
        self.read_addr(field::DST_ADDR.start)
    }

    /// True when the header checksum verifies.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::verify(&self.buffer.as_ref()[..self.header_len()])
    }

    #[inline]
    fn read_u16(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[at], b[at + 1]])
    }

    #[inline]
    fn read_addr(&self, at: usize) -> Ipv4Addr {
        let b = self.buffer.as_ref();
        Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Ipv4Packet<&'a T> {
    /// The options bytes (between the fixed header and the IHL), borrowing the buffer.
    #[inline]
    pub fn options(&self) -> &'a [u8] {
        let h = self.header_len();
        &self.buffer.as_ref()[HEADER_LEN..h]
    }

    /// The payload, from the IHL up to the total length, borrowing the buffer.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let (h, t) = (self.header_len(), self.total_len() as usize);
        &self.buffer.as_ref()[h..t]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Sets the version field.
    #[inline]
    pub fn set_version(&mut self, v: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0x0f) | (v << 4);
    }

    /// Sets the header length in bytes (rounded down to a multiple of 4, at most 60).
    #[inline]
    pub fn set_header_len(&mut self, len: usize) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0xf0) | ((len / 4) as u8 & 0x0f);
    }

    /// Sets the DSCP (6 bits).
    #[inline]
    pub fn set_dscp(&mut self, dscp: u8) {
        let b = &mut self.buffer.as_mut()[field::DSCP_ECN];
        *b = (*b & 0x03) | (dscp << 2);
    }

    /// Sets the ECN (2 bits).
    #[inline]
    pub fn set_ecn(&mut self, ecn: u8) {
        let b = &mut self.buffer.as_mut()[field::DSCP_ECN];
        *b = (*b & 0xfc) | (ecn & 0x03);
    }

    /// Sets the total length.
    #[inline]
    pub fn set_total_len(&mut self, len: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&len.to_be_bytes());
    }

    /// Sets the identification.
    #[inline]
    pub fn set_ident(&mut self, id: u16) {
        self.buffer.as_mut()[field::IDENT].copy_from_slice(&id.to_be_bytes());
    }

    /// Clears the flags and the fragment offset.
    #[inline]
    pub fn clear_flags(&mut self) {
        self.write_flg_off(|_| 0);
    }

    /// Sets the reserved flag bit.
    #[inline]
    pub fn set_reserved_flag(&mut self, on: bool) {
        self.write_flg_off(|v| {
            if on {
                v | FLAG_RESERVED
            } else {
                v & !FLAG_RESERVED
            }
        });
    }

    /// Sets don't fragment.
    #[inline]
    pub fn set_dont_frag(&mut self, on: bool) {
        self.write_flg_off(|v| if on { v | FLAG_DF } else { v & !FLAG_DF });
    }

    /// Sets more fragments.
    #[inline]
    pub fn set_more_frags(&mut self, on: bool) {
        self.write_flg_off(|v| if on { v | FLAG_MF } else { v & !FLAG_MF });
    }

    /// Sets the fragment offset in bytes (divided by 8; the low 3 bits are dropped).
    #[inline]
    pub fn set_frag_offset(&mut self, bytes: u16) {
        self.write_flg_off(|v| (v & !OFFSET_MASK) | ((bytes / 8) & OFFSET_MASK));
    }

    /// Sets the TTL.
    #[inline]
    pub fn set_ttl(&mut self, ttl: u8) {
        self.buffer.as_mut()[field::TTL] = ttl;
    }

    /// Sets the protocol.
    #[inline]
    pub fn set_protocol(&mut self, p: IpProtocol) {
        self.buffer.as_mut()[field::PROTOCOL] = p.0;
    }

    /// Sets the checksum field as it is (see [`fill_checksum`](Self::fill_checksum)).
    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&c.to_be_bytes());
    }

    /// Sets the source address.
    #[inline]
    pub fn set_src_addr(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&a.octets());
    }

    /// Sets the destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&a.octets());
    }

    /// Computes and writes the header checksum.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let h = self.header_len();
        let c = checksum::checksum(&self.buffer.as_ref()[..h]);
        self.set_checksum(c);
    }

    /// The options bytes, mutably.
    #[inline]
    pub fn options_mut(&mut self) -> &mut [u8] {
        let h = self.header_len();
        &mut self.buffer.as_mut()[HEADER_LEN..h]
    }

    /// The payload (up to the total length), mutably.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (h, t) = (self.header_len(), self.total_len() as usize);
        &mut self.buffer.as_mut()[h..t]
    }

    #[inline]
    fn write_flg_off(&mut self, f: impl FnOnce(u16) -> u16) {
        let v = f(self.read_u16(field::FLG_OFF.start));
        self.buffer.as_mut()[field::FLG_OFF].copy_from_slice(&v.to_be_bytes());
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A parsed IPv4 header. The payload is not part of it: its length is.
///
/// ```
/// use core::net::Ipv4Addr;
/// use pktkit_wire::ipv4::{Ipv4Packet, Ipv4Repr};
/// use pktkit_wire::IpProtocol;
/// let repr = Ipv4Repr {
///     src: Ipv4Addr::new(192, 168, 0, 1),
///     dst: Ipv4Addr::new(192, 168, 0, 199),
///     protocol: IpProtocol::UDP,
///     payload_len: 95,
///     ttl: 64,
///     dont_frag: true,
///     ..Ipv4Repr::default()
/// };
/// let mut buf = [0u8; 115];
/// let mut p = Ipv4Packet::new_unchecked(&mut buf[..]);
/// repr.emit(&mut p);
/// assert!(p.verify_checksum());
/// let p = Ipv4Packet::new_checked(&buf[..]).unwrap();
/// assert_eq!(Ipv4Repr::parse(&p).unwrap(), repr);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Repr<'a> {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol of the payload.
    pub protocol: IpProtocol,
    /// Payload length in bytes (total length minus header length).
    pub payload_len: usize,
    /// Time to live.
    pub ttl: u8,
    /// DSCP (6 bits).
    pub dscp: u8,
    /// ECN (2 bits).
    pub ecn: u8,
    /// Identification.
    pub ident: u16,
    /// Don't fragment.
    pub dont_frag: bool,
    /// More fragments.
    pub more_frags: bool,
    /// Fragment offset in bytes (a multiple of 8, at most 65528).
    pub frag_offset: u16,
    /// Option bytes, a multiple of 4 long and at most [`MAX_OPTIONS_LEN`]
    /// (emit pads a shorter tail with zero, the end-of-options byte).
    pub options: &'a [u8],
}

impl Default for Ipv4Repr<'_> {
    fn default() -> Self {
        Ipv4Repr {
            src: Ipv4Addr::UNSPECIFIED,
            dst: Ipv4Addr::UNSPECIFIED,
            protocol: IpProtocol(0),
            payload_len: 0,
            ttl: 64,
            dscp: 0,
            ecn: 0,
            ident: 0,
            dont_frag: false,
            more_frags: false,
            frag_offset: 0,
            options: &[],
        }
    }
}

impl<'a> Ipv4Repr<'a> {
    /// Reads the header: lengths first ([`Ipv4Packet::check_len`]), then the
    /// version ([`WireError::BadVersion`] unless 4). The reserved flag bit is
    /// ignored; the checksum is not verified (see [`Ipv4Packet::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Ipv4Packet<&'a T>) -> Result<Ipv4Repr<'a>> {
        packet.check_len()?;
        if packet.version() != 4 {
            return Err(WireError::BadVersion);
        }
        Ok(Ipv4Repr {
            src: packet.src_addr(),
            dst: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: packet.total_len() as usize - packet.header_len(),
            ttl: packet.ttl(),
            dscp: packet.dscp(),
            ecn: packet.ecn(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
            more_frags: packet.more_frags(),
            frag_offset: packet.frag_offset(),
            options: packet.options(),
        })
    }

    /// Header length: 20 plus the options rounded up to a multiple of 4.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options.len().div_ceil(4) * 4
    }

    /// Bytes [`emit`](Self::emit) writes: the header only.
    pub const fn buffer_len(&self) -> usize {
        self.header_len()
    }

    /// Writes the header (checksum included) at the start of `packet`; the
    /// payload bytes after it are left alone.
    ///
    /// # Panics
    /// If the options are longer than 40 bytes, header and payload longer
    /// than 65 535 bytes, or `packet` shorter than the header (a repr the
    /// caller built wrong, as with smoltcp's `emit`; a parsed repr always fits).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Ipv4Packet<T>) {
        assert!(
            self.options.len() <= MAX_OPTIONS_LEN,
            "IPv4 options too long"
        );
        let h = self.header_len();
        let total = u16::try_from(h + self.payload_len).expect("IPv4 total length over 65535");
        let b = packet.buffer.as_mut();
        b[field::VER_IHL] = 0x40 | (h / 4) as u8;
        b[field::DSCP_ECN] = (self.dscp << 2) | (self.ecn & 0x03);
        b[field::LENGTH].copy_from_slice(&total.to_be_bytes());
        b[field::IDENT].copy_from_slice(&self.ident.to_be_bytes());
        let flg_off = ((self.dont_frag as u16) << 14)
            | ((self.more_frags as u16) << 13)
            | ((self.frag_offset / 8) & OFFSET_MASK);
        b[field::FLG_OFF].copy_from_slice(&flg_off.to_be_bytes());
        b[field::TTL] = self.ttl;
        b[field::PROTOCOL] = self.protocol.0;
        b[field::SRC_ADDR].copy_from_slice(&self.src.octets());
        b[field::DST_ADDR].copy_from_slice(&self.dst.octets());
        let opts = &mut b[HEADER_LEN..h];
        opts[..self.options.len()].copy_from_slice(self.options);
        opts[self.options.len()..].fill(0);
        packet.fill_checksum();
    }
}

impl fmt::Display for Ipv4Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IPv4 src={} dst={} proto={} len={} ttl={}",
            self.src, self.dst, self.protocol, self.payload_len, self.ttl
        )?;
        if self.more_frags || self.frag_offset != 0 {
            write!(f, " frag_off={} mf={}", self.frag_offset, self.more_frags)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Built with scapy: IP(src="192.168.0.1", dst="192.168.0.199", flags="DF",
    // ttl=64, id=0, proto=17)/Raw(aa bb cc dd ee ff 11 22 33 44); checksum 0xb8b6.
    static PACKET: [u8; 30] = [
        0x45, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0xb6, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22, 0x33, 0x44,
    ];

    // ICMP echo request with a Record Route option (IHL 6, option 07 03 04 + EOL),
    // built with scapy: IP(src="10.0.0.1", dst="10.0.0.2", id=0x1234, ttl=1,
    // tos=0xb9, flags="MF", frag=185, options=[IPOption_RR(length=3, routers=[])])/ICMP().
    static WITH_OPTIONS: [u8; 32] = [
        0x46, 0xb9, 0x00, 0x20, 0x12, 0x34, 0x20, 0xb9, 0x01, 0x01, 0x66, 0x32, 0x0a, 0x00, 0x00,
        0x01, 0x0a, 0x00, 0x00, 0x02, 0x07, 0x03, 0x04, 0x00, 0x08, 0x00, 0xf7, 0xff, 0x00, 0x00,
        0x00, 0x00,
    ];

    #[test]
    fn deconstruct() {
        let p = Ipv4Packet::new_checked(&PACKET[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.header_len(), 20);
        assert_eq!((p.dscp(), p.ecn()), (0, 0));
        assert_eq!(p.total_len(), 30);
        assert_eq!(p.ident(), 0);
        assert!(p.dont_frag() && !p.more_frags() && !p.reserved_flag() && !p.is_fragment());
        assert_eq!(p.frag_offset(), 0);
        assert_eq!(p.ttl(), 64);
        assert_eq!(p.protocol(), IpProtocol::UDP);
        assert_eq!(p.src_addr(), Ipv4Addr::new(192, 168, 0, 1));
        assert_eq!(p.dst_addr(), Ipv4Addr::new(192, 168, 0, 199));
        assert_eq!(p.options(), &[] as &[u8]);
        assert_eq!(p.payload(), &PACKET[20..]);
        assert!(p.verify_checksum());
    }

    #[test]
    fn deconstruct_options_and_fragment() {
        let b = WITH_OPTIONS;
        let p = Ipv4Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.header_len(), 24);
        assert_eq!((p.dscp(), p.ecn()), (0xb9 >> 2, 1));
        assert_eq!(p.ident(), 0x1234);
        assert!(!p.dont_frag() && p.more_frags() && p.is_fragment());
        assert_eq!(p.frag_offset(), 185 * 8);
        assert_eq!(p.ttl(), 1);
        assert_eq!(p.protocol(), IpProtocol::ICMP);
        assert_eq!(p.options(), &[0x07, 0x03, 0x04, 0x00]);
        assert_eq!(p.payload(), &b[24..]);
        assert!(p.verify_checksum());
        let r = Ipv4Repr::parse(&p).unwrap();
        assert_eq!(r.options, &[0x07, 0x03, 0x04, 0x00]);
        let mut out = [0xa5u8; 24];
        r.emit(&mut Ipv4Packet::new_unchecked(&mut out[..]));
        assert_eq!(out, b[..24]);
    }

    #[test]
    fn construct_into_junk() {
        let mut buf = [0xa5u8; 30];
        let mut p = Ipv4Packet::new_unchecked(&mut buf[..]);
        p.set_version(4);
        p.set_header_len(20);
        p.set_dscp(0);
        p.set_ecn(0);
        p.set_total_len(30);
        p.set_ident(0);
        p.clear_flags();
        p.set_dont_frag(true);
        p.set_more_frags(false);
        p.set_frag_offset(0);
        p.set_ttl(64);
        p.set_protocol(IpProtocol::UDP);
        p.set_src_addr(Ipv4Addr::new(192, 168, 0, 1));
        p.set_dst_addr(Ipv4Addr::new(192, 168, 0, 199));
        p.fill_checksum();
        p.payload_mut().copy_from_slice(&PACKET[20..]);
        assert_eq!(buf, PACKET);
    }

    #[test]
    fn parse_and_emit() {
        let p = Ipv4Packet::new_checked(&PACKET[..]).unwrap();
        let r = Ipv4Repr::parse(&p).unwrap();
        assert_eq!(
            r,
            Ipv4Repr {
                src: Ipv4Addr::new(192, 168, 0, 1),
                dst: Ipv4Addr::new(192, 168, 0, 199),
                protocol: IpProtocol::UDP,
                payload_len: 10,
                ttl: 64,
                dont_frag: true,
                ..Ipv4Repr::default()
            }
        );
        let mut out = [0xa5u8; 30];
        r.emit(&mut Ipv4Packet::new_unchecked(&mut out[..]));
        assert_eq!(out[..20], PACKET[..20]);
        assert_eq!(out[20..], [0xa5; 10]);
    }

    #[test]
    fn padding_after_total_len_is_ignored() {
        let mut buf = [0u8; 46];
        buf[..30].copy_from_slice(&PACKET);
        let p = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.payload().len(), 10);
    }

    #[test]
    fn malformed() {
        for n in 0..30 {
            assert_eq!(
                Ipv4Packet::new_checked(&PACKET[..n]).err(),
                Some(WireError::Truncated),
                "len {n}"
            );
        }
        let mut b = PACKET;
        b[0] = 0x44; // IHL 4
        assert_eq!(
            Ipv4Packet::new_checked(&b[..]).err(),
            Some(WireError::BadLength)
        );
        b[0] = 0x4f; // IHL 15 = 60 bytes, buffer 30
        assert_eq!(
            Ipv4Packet::new_checked(&b[..]).err(),
            Some(WireError::Truncated)
        );
        b[0] = 0x45;
        b[3] = 19; // total below header
        assert_eq!(
            Ipv4Packet::new_checked(&b[..]).err(),
            Some(WireError::BadLength)
        );
        let mut b = PACKET;
        b[0] = 0x65; // version 6
        let p = Ipv4Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Ipv4Repr::parse(&p), Err(WireError::BadVersion));
        let mut b = PACKET;
        b[10] ^= 1; // damaged checksum: still parses, does not verify
        let p = Ipv4Packet::new_checked(&b[..]).unwrap();
        assert!(Ipv4Repr::parse(&p).is_ok());
        assert!(!p.verify_checksum());
    }

    #[test]
    fn odd_options_are_padded() {
        let r = Ipv4Repr {
            options: &[0x01, 0x01, 0x94],
            ..Ipv4Repr::default()
        };
        assert_eq!(r.buffer_len(), 24);
        let mut out = [0xa5u8; 24];
        r.emit(&mut Ipv4Packet::new_unchecked(&mut out[..]));
        let p = Ipv4Packet::new_checked(&out[..]).unwrap();
        assert_eq!(p.options(), &[0x01, 0x01, 0x94, 0x00]);
        assert!(p.verify_checksum());
    }
}
