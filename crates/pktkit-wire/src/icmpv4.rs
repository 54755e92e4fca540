//! ICMP for IPv4 (RFC 792): a view ([`Icmpv4Packet`]) and a value
//! ([`Icmpv4Repr`]) for echo request/reply, destination unreachable (with the
//! RFC 1191 next-hop MTU) and time exceeded; any other message is kept as
//! [`Icmpv4Repr::Other`].
//!
//! Error messages carry the start of the packet that caused them (the IP
//! header and at least 8 bytes, RFC 792; more under RFC 1812) as their data;
//! it is kept as bytes ([`Icmpv4Repr::DstUnreachable::data`]) and can be read
//! with [`crate::ipv4::Ipv4Packet::new_unchecked`] after a length check, or
//! with [`quoted_ipv4`].
//!
//! # Panic freedom
//!
//! [`Icmpv4Packet::new_checked`] checks the 8-byte header; after it succeeded
//! no getter panics. The message runs to the end of the buffer: slice the IP
//! payload first. [`Icmpv4Repr::parse`] never panics; [`Icmpv4Repr::emit`]
//! panics if the buffer is shorter than [`Icmpv4Repr::buffer_len`].

use core::fmt;
use core::net::Ipv4Addr;

use crate::{IpProtocol, Result, WireError, checksum};

mod field {
    use core::ops::Range;
    pub(super) const TYPE: usize = 0;
    pub(super) const CODE: usize = 1;
    pub(super) const CHECKSUM: Range<usize> = 2..4;
    /// The four type-specific bytes ("rest of header").
    pub(super) const REST: Range<usize> = 4..8;
    pub(super) const ECHO_IDENT: Range<usize> = 4..6;
    pub(super) const ECHO_SEQNO: Range<usize> = 6..8;
    pub(super) const NEXT_HOP_MTU: Range<usize> = 6..8;
}

/// Length of the ICMP header (type, code, checksum and four type-specific bytes).
pub const HEADER_LEN: usize = field::REST.end;

/// ICMPv4 message types this module names.
pub mod msg_type {
    /// Echo reply.
    pub const ECHO_REPLY: u8 = 0;
    /// Destination unreachable.
    pub const DST_UNREACHABLE: u8 = 3;
    /// Echo request.
    pub const ECHO_REQUEST: u8 = 8;
    /// Time exceeded.
    pub const TIME_EXCEEDED: u8 = 11;
}

/// Destination unreachable codes (RFC 792, RFC 1122, RFC 1812).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DstUnreachable {
    /// 0: net unreachable.
    NetUnreachable,
    /// 1: host unreachable.
    HostUnreachable,
    /// 2: protocol unreachable.
    ProtoUnreachable,
    /// 3: port unreachable.
    PortUnreachable,
    /// 4: fragmentation needed and DF set (carries the next-hop MTU, RFC 1191).
    FragRequired,
    /// 5: source route failed.
    SrcRouteFailed,
    /// 6: destination network unknown.
    DstNetUnknown,
    /// 7: destination host unknown.
    DstHostUnknown,
    /// 8: source host isolated.
    SrcHostIsolated,
    /// 9: network administratively prohibited.
    NetProhibited,
    /// 10: host administratively prohibited.
    HostProhibited,
    /// 11: network unreachable for type of service.
    NetUnreachToS,
    /// 12: host unreachable for type of service.
    HostUnreachToS,
    /// 13: communication administratively prohibited (RFC 1812).
    CommProhibited,
    /// 14: host precedence violation (RFC 1812).
    HostPrecedenceViolation,
    /// 15: precedence cutoff in effect (RFC 1812).
    PrecedenceCutoff,
    /// Any other code, kept as it is.
    Other(u8),
}

impl From<u8> for DstUnreachable {
    fn from(v: u8) -> Self {
        use DstUnreachable::*;
        match v {
            0 => NetUnreachable,
            1 => HostUnreachable,
            2 => ProtoUnreachable,
            3 => PortUnreachable,
            4 => FragRequired,
            5 => SrcRouteFailed,
            6 => DstNetUnknown,
            7 => DstHostUnknown,
            8 => SrcHostIsolated,
            9 => NetProhibited,
            10 => HostProhibited,
            11 => NetUnreachToS,
            12 => HostUnreachToS,
            13 => CommProhibited,
            14 => HostPrecedenceViolation,
            15 => PrecedenceCutoff,
            v => Other(v),
        }
    }
}

impl From<DstUnreachable> for u8 {
    fn from(v: DstUnreachable) -> Self {
        use DstUnreachable::*;
        match v {
            NetUnreachable => 0,
            HostUnreachable => 1,
            ProtoUnreachable => 2,
            PortUnreachable => 3,
            FragRequired => 4,
            SrcRouteFailed => 5,
            DstNetUnknown => 6,
            DstHostUnknown => 7,
            SrcHostIsolated => 8,
            NetProhibited => 9,
            HostProhibited => 10,
            NetUnreachToS => 11,
            HostUnreachToS => 12,
            CommProhibited => 13,
            HostPrecedenceViolation => 14,
            PrecedenceCutoff => 15,
            Other(v) => v,
        }
    }
}

/// Time exceeded codes (RFC 792).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeExceeded {
    /// 0: TTL exceeded in transit.
    TtlExpired,
    /// 1: fragment reassembly time exceeded.
    FragReassembly,
    /// Any other code, kept as it is.
    Other(u8),
}

impl From<u8> for TimeExceeded {
    fn from(v: u8) -> Self {
        match v {
            0 => TimeExceeded::TtlExpired,
            1 => TimeExceeded::FragReassembly,
            v => TimeExceeded::Other(v),
        }
    }
}

impl From<TimeExceeded> for u8 {
    fn from(v: TimeExceeded) -> Self {
        match v {
            TimeExceeded::TtlExpired => 0,
            TimeExceeded::FragReassembly => 1,
            TimeExceeded::Other(v) => v,
        }
    }
}

/// A read/write view of an ICMPv4 message. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmpv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv4Packet<T> {
    /// Wraps a buffer without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Icmpv4Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// [`WireError::Truncated`] if the buffer is shorter than the 8-byte header.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Unwraps the buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Message type.
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// Message code.
    #[inline]
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// Checksum as on the wire.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM.start)
    }

    /// The four type-specific header bytes.
    #[inline]
    pub fn rest_of_header(&self) -> [u8; 4] {
        let b = &self.buffer.as_ref()[field::REST];
        [b[0], b[1], b[2], b[3]]
    }

    /// Echo identifier (echo messages).
    #[inline]
    pub fn echo_ident(&self) -> u16 {
        self.read_u16(field::ECHO_IDENT.start)
    }

    /// Echo sequence number (echo messages).
    #[inline]
    pub fn echo_seq_no(&self) -> u16 {
        self.read_u16(field::ECHO_SEQNO.start)
    }

    /// Next-hop MTU (destination unreachable, fragmentation needed; RFC 1191).
    #[inline]
    pub fn next_hop_mtu(&self) -> u16 {
        self.read_u16(field::NEXT_HOP_MTU.start)
    }

    /// True when the checksum over the whole buffer verifies.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::verify(self.buffer.as_ref())
    }

    #[inline]
    fn read_u16(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[at], b[at + 1]])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Icmpv4Packet<&'a T> {
    /// The bytes after the header (echo data, or the quoted packet), borrowing the buffer.
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv4Packet<T> {
    /// Sets the type.
    #[inline]
    pub fn set_msg_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::TYPE] = v;
    }

    /// Sets the code.
    #[inline]
    pub fn set_msg_code(&mut self, v: u8) {
        self.buffer.as_mut()[field::CODE] = v;
    }

    /// Sets the checksum field as it is.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the four type-specific header bytes.
    #[inline]
    pub fn set_rest_of_header(&mut self, v: [u8; 4]) {
        self.buffer.as_mut()[field::REST].copy_from_slice(&v);
    }

    /// Sets the echo identifier.
    #[inline]
    pub fn set_echo_ident(&mut self, v: u16) {
        self.buffer.as_mut()[field::ECHO_IDENT].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the echo sequence number.
    #[inline]
    pub fn set_echo_seq_no(&mut self, v: u16) {
        self.buffer.as_mut()[field::ECHO_SEQNO].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the next-hop MTU.
    #[inline]
    pub fn set_next_hop_mtu(&mut self, v: u16) {
        self.buffer.as_mut()[field::NEXT_HOP_MTU].copy_from_slice(&v.to_be_bytes());
    }

    /// Computes and writes the checksum over the whole buffer.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(c);
    }

    /// The bytes after the header, mutably.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Icmpv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A parsed ICMPv4 message; `data` borrows the buffer.
///
/// ```
/// use pktkit_wire::icmpv4::{Icmpv4Packet, Icmpv4Repr};
/// let ping = Icmpv4Repr::EchoRequest { ident: 0x1234, seq_no: 1, data: b"abcdefgh" };
/// let mut buf = [0u8; 16];
/// let mut p = Icmpv4Packet::new_unchecked(&mut buf[..]);
/// ping.emit(&mut p);
/// assert!(p.verify_checksum());
/// let p = Icmpv4Packet::new_checked(&buf[..]).unwrap();
/// assert_eq!(Icmpv4Repr::parse(&p).unwrap(), ping);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv4Repr<'a> {
    /// Echo request (type 8, code 0).
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Echo data.
        data: &'a [u8],
    },
    /// Echo reply (type 0, code 0).
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Echo data.
        data: &'a [u8],
    },
    /// Destination unreachable (type 3).
    DstUnreachable {
        /// Why.
        reason: DstUnreachable,
        /// Next-hop MTU (RFC 1191; meaningful for [`DstUnreachable::FragRequired`], else 0).
        next_hop_mtu: u16,
        /// The quoted start of the packet that could not be delivered.
        data: &'a [u8],
    },
    /// Time exceeded (type 11).
    TimeExceeded {
        /// Why.
        reason: TimeExceeded,
        /// The quoted start of the packet that expired.
        data: &'a [u8],
    },
    /// Any other message (or a named type with an unexpected code), kept as it is.
    Other {
        /// Type.
        msg_type: u8,
        /// Code.
        code: u8,
        /// The four type-specific header bytes.
        rest: [u8; 4],
        /// The bytes after the header.
        data: &'a [u8],
    },
}

impl<'a> Icmpv4Repr<'a> {
    /// Reads a message. Only the header length can fail ([`WireError::Truncated`]);
    /// the checksum is not verified (see [`Icmpv4Packet::verify_checksum`]).
    ///
    /// Echo messages with a non-zero code, and destination unreachable /
    /// time exceeded messages whose unused header bytes are not zero, are
    /// returned as [`Icmpv4Repr::Other`] so that nothing is lost.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Icmpv4Packet<&'a T>) -> Result<Icmpv4Repr<'a>> {
        packet.check_len()?;
        let data = packet.data();
        let rest = packet.rest_of_header();
        Ok(match (packet.msg_type(), packet.msg_code()) {
            (msg_type::ECHO_REQUEST, 0) => Icmpv4Repr::EchoRequest {
                ident: packet.echo_ident(),
                seq_no: packet.echo_seq_no(),
                data,
            },
            (msg_type::ECHO_REPLY, 0) => Icmpv4Repr::EchoReply {
                ident: packet.echo_ident(),
                seq_no: packet.echo_seq_no(),
                data,
            },
            (msg_type::DST_UNREACHABLE, code) if rest[..2] == [0, 0] => {
                Icmpv4Repr::DstUnreachable {
                    reason: DstUnreachable::from(code),
                    next_hop_mtu: packet.next_hop_mtu(),
                    data,
                }
            }
            (msg_type::TIME_EXCEEDED, code) if rest == [0; 4] => Icmpv4Repr::TimeExceeded {
                reason: TimeExceeded::from(code),
                data,
            },
            (msg_type, code) => Icmpv4Repr::Other {
                msg_type,
                code,
                rest,
                data,
            },
        })
    }

    /// The data part.
    pub const fn data(&self) -> &'a [u8] {
        match *self {
            Icmpv4Repr::EchoRequest { data, .. }
            | Icmpv4Repr::EchoReply { data, .. }
            | Icmpv4Repr::DstUnreachable { data, .. }
            | Icmpv4Repr::TimeExceeded { data, .. }
            | Icmpv4Repr::Other { data, .. } => data,
        }
    }

    /// Header plus data length.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.data().len()
    }

    /// Writes the message (checksum included) into the first
    /// [`buffer_len`](Self::buffer_len) bytes of `packet`'s buffer, which must be
    /// exactly that long for the checksum to cover the right bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Icmpv4Packet<T>) {
        let (t, code, rest) = match *self {
            Icmpv4Repr::EchoRequest { ident, seq_no, .. } => {
                (msg_type::ECHO_REQUEST, 0, echo_rest(ident, seq_no))
            }
            Icmpv4Repr::EchoReply { ident, seq_no, .. } => {
                (msg_type::ECHO_REPLY, 0, echo_rest(ident, seq_no))
            }
            Icmpv4Repr::DstUnreachable {
                reason,
                next_hop_mtu,
                ..
            } => {
                let m = next_hop_mtu.to_be_bytes();
                (msg_type::DST_UNREACHABLE, reason.into(), [0, 0, m[0], m[1]])
            }
            Icmpv4Repr::TimeExceeded { reason, .. } => {
                (msg_type::TIME_EXCEEDED, reason.into(), [0; 4])
            }
            Icmpv4Repr::Other {
                msg_type,
                code,
                rest,
                ..
            } => (msg_type, code, rest),
        };
        packet.set_msg_type(t);
        packet.set_msg_code(code);
        packet.set_rest_of_header(rest);
        let data = self.data();
        packet.data_mut()[..data.len()].copy_from_slice(data);
        packet.fill_checksum();
    }
}

fn echo_rest(ident: u16, seq_no: u16) -> [u8; 4] {
    let (i, s) = (ident.to_be_bytes(), seq_no.to_be_bytes());
    [i[0], i[1], s[0], s[1]]
}

/// The addresses, protocol and first 8 payload bytes of the packet quoted by an
/// ICMP error, read leniently (the quote is usually cut short, so its total
/// length is not checked). `None` if the quote is shorter than its own IP
/// header or is not IPv4.
pub fn quoted_ipv4(data: &[u8]) -> Option<(Ipv4Addr, Ipv4Addr, IpProtocol, &[u8])> {
    let first = *data.first()?;
    let ihl = (first & 0x0f) as usize * 4;
    if first >> 4 != 4 || ihl < crate::ipv4::HEADER_LEN || data.len() < ihl {
        return None;
    }
    let a = |at: usize| Ipv4Addr::new(data[at], data[at + 1], data[at + 2], data[at + 3]);
    let rest = &data[ihl..];
    Some((
        a(12),
        a(16),
        IpProtocol(data[9]),
        &rest[..rest.len().min(8)],
    ))
}

impl fmt::Display for Icmpv4Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => {
                write!(
                    f,
                    "ICMPv4 echo request id={ident} seq={seq_no} len={}",
                    data.len()
                )
            }
            Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => {
                write!(
                    f,
                    "ICMPv4 echo reply id={ident} seq={seq_no} len={}",
                    data.len()
                )
            }
            Icmpv4Repr::DstUnreachable { reason, .. } => {
                write!(f, "ICMPv4 destination unreachable ({reason:?})")
            }
            Icmpv4Repr::TimeExceeded { reason, .. } => {
                write!(f, "ICMPv4 time exceeded ({reason:?})")
            }
            Icmpv4Repr::Other { msg_type, code, .. } => {
                write!(f, "ICMPv4 type={msg_type} code={code}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // scapy: ICMP(type=8, id=0x1234, seq=1)/"abcdefgh"
    static ECHO: [u8; 16] = [
        0x08, 0x00, 0x54, 0x35, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
        0x68,
    ];
    // scapy: ICMP(type=3, code=3)/bytes(IP(src="10.0.0.1", dst="10.0.0.2", id=7)
    //        /UDP(sport=40000, dport=33434)/"xxxxxxxx")[:28]
    static PORT_UNREACH: [u8; 36] = [
        0x03, 0x03, 0xf3, 0x02, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x24, 0x00, 0x07, 0x00,
        0x00, 0x40, 0x11, 0x66, 0xc0, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
        0x82, 0x9a, 0x00, 0x10, 0xeb, 0x0e,
    ];
    // The same with type=3, code=4, nexthopmtu=1400.
    static FRAG_NEEDED: [u8; 36] = [
        0x03, 0x04, 0xed, 0x89, 0x00, 0x00, 0x05, 0x78, 0x45, 0x00, 0x00, 0x24, 0x00, 0x07, 0x00,
        0x00, 0x40, 0x11, 0x66, 0xc0, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
        0x82, 0x9a, 0x00, 0x10, 0xeb, 0x0e,
    ];
    // The same with type=11, code=0.
    static TIME_EXCEEDED: [u8; 36] = [
        0x0b, 0x00, 0xeb, 0x05, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x24, 0x00, 0x07, 0x00,
        0x00, 0x40, 0x11, 0x66, 0xc0, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
        0x82, 0x9a, 0x00, 0x10, 0xeb, 0x0e,
    ];

    fn roundtrip(bytes: &[u8]) -> Icmpv4Repr<'_> {
        let p = Icmpv4Packet::new_checked(bytes).unwrap();
        assert!(p.verify_checksum());
        let r = Icmpv4Repr::parse(&p).unwrap();
        assert_eq!(r.buffer_len(), bytes.len());
        let mut out = std::vec![0xa5u8; bytes.len()];
        r.emit(&mut Icmpv4Packet::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes);
        r
    }

    #[test]
    fn echo() {
        let p = Icmpv4Packet::new_checked(&ECHO[..]).unwrap();
        assert_eq!((p.msg_type(), p.msg_code(), p.checksum()), (8, 0, 0x5435));
        assert_eq!((p.echo_ident(), p.echo_seq_no()), (0x1234, 1));
        assert_eq!(p.data(), b"abcdefgh");
        assert_eq!(
            roundtrip(&ECHO),
            Icmpv4Repr::EchoRequest {
                ident: 0x1234,
                seq_no: 1,
                data: b"abcdefgh"
            }
        );
    }

    #[test]
    fn construct_into_junk() {
        let mut buf = [0xa5u8; 16];
        let mut p = Icmpv4Packet::new_unchecked(&mut buf[..]);
        p.set_msg_type(8);
        p.set_msg_code(0);
        p.set_echo_ident(0x1234);
        p.set_echo_seq_no(1);
        p.data_mut().copy_from_slice(b"abcdefgh");
        p.fill_checksum();
        assert_eq!(buf, ECHO);
    }

    #[test]
    fn errors_quote_the_original() {
        let r = roundtrip(&PORT_UNREACH);
        assert_eq!(
            r,
            Icmpv4Repr::DstUnreachable {
                reason: DstUnreachable::PortUnreachable,
                next_hop_mtu: 0,
                data: &PORT_UNREACH[8..]
            }
        );
        let (src, dst, proto, l4) = quoted_ipv4(r.data()).unwrap();
        assert_eq!(
            (src, dst, proto),
            (
                Ipv4Addr::new(10, 0, 0, 1),
                Ipv4Addr::new(10, 0, 0, 2),
                IpProtocol::UDP
            )
        );
        assert_eq!(&l4[..4], &[0x9c, 0x40, 0x82, 0x9a]); // ports 40000 -> 33434
        match roundtrip(&FRAG_NEEDED) {
            Icmpv4Repr::DstUnreachable {
                reason,
                next_hop_mtu,
                ..
            } => {
                assert_eq!((reason, next_hop_mtu), (DstUnreachable::FragRequired, 1400));
            }
            r => panic!("{r:?}"),
        }
        assert!(matches!(
            roundtrip(&TIME_EXCEEDED),
            Icmpv4Repr::TimeExceeded {
                reason: TimeExceeded::TtlExpired,
                ..
            }
        ));
    }

    #[test]
    fn codes_round_trip() {
        for c in 0..=255u8 {
            assert_eq!(u8::from(DstUnreachable::from(c)), c);
            assert_eq!(u8::from(TimeExceeded::from(c)), c);
        }
    }

    #[test]
    fn unusual_messages_are_kept() {
        let mut b = ECHO;
        b[1] = 1; // echo with a non-zero code
        let c = checksum::checksum(&{
            let mut z = b;
            z[2..4].fill(0);
            z
        });
        b[2..4].copy_from_slice(&c.to_be_bytes());
        assert!(matches!(
            roundtrip(&b),
            Icmpv4Repr::Other {
                msg_type: 8,
                code: 1,
                ..
            }
        ));
        let mut t = [0u8; 8];
        t[0] = 13; // timestamp request
        let mut p = Icmpv4Packet::new_unchecked(&mut t[..]);
        p.fill_checksum();
        assert!(matches!(
            roundtrip(&t),
            Icmpv4Repr::Other { msg_type: 13, .. }
        ));
    }

    #[test]
    fn malformed() {
        for n in 0..8 {
            assert_eq!(
                Icmpv4Packet::new_checked(&ECHO[..n]).err(),
                Some(WireError::Truncated),
                "len {n}"
            );
        }
        let mut b = ECHO;
        b[9] ^= 0xff;
        let p = Icmpv4Packet::new_checked(&b[..]).unwrap();
        assert!(!p.verify_checksum());
        assert!(
            Icmpv4Repr::parse(&p).is_ok(),
            "parsers never reject on checksum"
        );
        assert_eq!(quoted_ipv4(&PORT_UNREACH[8..20]), None);
        assert_eq!(quoted_ipv4(&[0x65; 28]), None);
        assert_eq!(quoted_ipv4(&[]), None);
    }
}
