//! ICMPv6 (RFC 4443): the [`Icmpv6Packet`] view and the [`Icmpv6Repr`] value for
//! echo, the four error messages and the NDP messages of [`crate::ndp`].
//!
//! The checksum covers the IPv6 pseudo header (RFC 8200 §8.1), so
//! [`Icmpv6Packet::verify_checksum`] and [`Icmpv6Packet::fill_checksum`] take the
//! addresses of the enclosing IPv6 header. Parsing never looks at the checksum.
//!
//! Error messages carry the start of the packet that caused them. A conforming
//! sender always quotes at least the invoking packet's 40-byte IPv6 header
//! (RFC 4443 §2.4 (c): "as much of invoking packet as possible"), so
//! [`Icmpv6Repr::parse`] requires it and reads it into an [`Ipv6Repr`], without
//! checking its Payload Length against the quote (which is cut short by design).
//!
//! Not for: MLD (RFC 3810), RPL and other ICMPv6 types: [`Icmpv6Repr::parse`]
//! returns [`WireError::Unsupported`] for them, while the view still reads their
//! type, code and checksum.
//!
//! # Panic freedom
//!
//! [`Icmpv6Packet::new_checked`] checks the buffer against the fixed part of the
//! message type; after it succeeded no getter for that type panics.
//!
//! ```
//! use core::net::Ipv6Addr;
//! use pktkit_wire::icmpv6::{Icmpv6Packet, Icmpv6Repr};
//!
//! let (src, dst) = (Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST);
//! let repr = Icmpv6Repr::EchoRequest { ident: 1, seq_no: 2, data: b"hi" };
//! let mut buf = [0u8; 10];
//! let mut pkt = Icmpv6Packet::new_unchecked(&mut buf[..]);
//! repr.emit(&mut pkt).unwrap();
//! pkt.fill_checksum(src, dst);
//! let pkt = Icmpv6Packet::new_checked(&buf[..]).unwrap();
//! assert!(pkt.verify_checksum(src, dst));
//! assert_eq!(Icmpv6Repr::parse(&pkt).unwrap(), repr);
//! ```

use core::fmt;
use core::net::Ipv6Addr;

use crate::checksum;
use crate::ipv6::{self, Ipv6Repr};
use crate::ndp::{self, NdpRepr};
use crate::{IpProtocol, Result, WireError};

/// The largest ICMPv6 error message that fits the IPv6 minimum MTU
/// (RFC 4443 §2.4 (c)): 1280 - 40.
pub const MAX_ERROR_MESSAGE_LEN: usize = ipv6::MIN_MTU - ipv6::HEADER_LEN;

/// Length of the common header (type, code, checksum) plus the 4-byte
/// message-specific word of echo and error messages.
pub const HEADER_LEN: usize = 8;

pub(crate) mod field {
    pub(crate) type Field = core::ops::Range<usize>;
    pub(crate) const TYPE: usize = 0;
    pub(crate) const CODE: usize = 1;
    pub(crate) const CHECKSUM: Field = 2..4;
    /// Unused / MTU / pointer word of error messages.
    pub(crate) const WORD: Field = 4..8;
    pub(crate) const ECHO_IDENT: Field = 4..6;
    pub(crate) const ECHO_SEQ_NO: Field = 6..8;
}

/// An ICMPv6 message type; unknown values are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Icmpv6Message(pub u8);

impl Icmpv6Message {
    /// Destination Unreachable (1).
    pub const DST_UNREACHABLE: Icmpv6Message = Icmpv6Message(1);
    /// Packet Too Big (2).
    pub const PACKET_TOO_BIG: Icmpv6Message = Icmpv6Message(2);
    /// Time Exceeded (3).
    pub const TIME_EXCEEDED: Icmpv6Message = Icmpv6Message(3);
    /// Parameter Problem (4).
    pub const PARAM_PROBLEM: Icmpv6Message = Icmpv6Message(4);
    /// Echo Request (128).
    pub const ECHO_REQUEST: Icmpv6Message = Icmpv6Message(128);
    /// Echo Reply (129).
    pub const ECHO_REPLY: Icmpv6Message = Icmpv6Message(129);
    /// Router Solicitation (133).
    pub const ROUTER_SOLICIT: Icmpv6Message = Icmpv6Message(133);
    /// Router Advertisement (134).
    pub const ROUTER_ADVERT: Icmpv6Message = Icmpv6Message(134);
    /// Neighbor Solicitation (135).
    pub const NEIGHBOR_SOLICIT: Icmpv6Message = Icmpv6Message(135);
    /// Neighbor Advertisement (136).
    pub const NEIGHBOR_ADVERT: Icmpv6Message = Icmpv6Message(136);
    /// Redirect (137).
    pub const REDIRECT: Icmpv6Message = Icmpv6Message(137);

    /// Error messages have the high bit clear (RFC 4443 §2.1).
    pub const fn is_error(self) -> bool {
        self.0 & 0x80 == 0
    }

    /// One of the five NDP messages (133–137).
    pub const fn is_ndp(self) -> bool {
        matches!(self.0, 133..=137)
    }

    /// Length of the fixed part of this message type; 4 (type, code, checksum) for
    /// types this crate does not know.
    pub const fn header_len(self) -> usize {
        match self.0 {
            1..=4 | 128 | 129 => HEADER_LEN,
            133 => ndp::ROUTER_SOLICIT_LEN,
            134 => ndp::ROUTER_ADVERT_LEN,
            135 => ndp::NEIGHBOR_SOLICIT_LEN,
            136 => ndp::NEIGHBOR_ADVERT_LEN,
            137 => ndp::REDIRECT_LEN,
            _ => 4,
        }
    }

    /// A name for known types.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "destination unreachable",
            2 => "packet too big",
            3 => "time exceeded",
            4 => "parameter problem",
            128 => "echo request",
            129 => "echo reply",
            133 => "router solicitation",
            134 => "router advertisement",
            135 => "neighbor solicitation",
            136 => "neighbor advertisement",
            137 => "redirect",
            _ => return None,
        })
    }
}

impl fmt::Display for Icmpv6Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "type {}", self.0),
        }
    }
}

impl fmt::Debug for Icmpv6Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Icmpv6Message({})", self.0)
    }
}

/// Well-known codes of the error messages (RFC 4443 §3).
pub mod code {
    /// Destination Unreachable: no route to destination.
    pub const NO_ROUTE: u8 = 0;
    /// Destination Unreachable: administratively prohibited.
    pub const ADMIN_PROHIBITED: u8 = 1;
    /// Destination Unreachable: beyond scope of source address.
    pub const BEYOND_SCOPE: u8 = 2;
    /// Destination Unreachable: address unreachable.
    pub const ADDR_UNREACHABLE: u8 = 3;
    /// Destination Unreachable: port unreachable.
    pub const PORT_UNREACHABLE: u8 = 4;
    /// Destination Unreachable: source address failed ingress/egress policy.
    pub const FAILED_POLICY: u8 = 5;
    /// Destination Unreachable: reject route to destination.
    pub const REJECT_ROUTE: u8 = 6;
    /// Time Exceeded: hop limit exceeded in transit.
    pub const HOP_LIMIT_EXCEEDED: u8 = 0;
    /// Time Exceeded: fragment reassembly time exceeded.
    pub const REASSEMBLY_TIME_EXCEEDED: u8 = 1;
    /// Parameter Problem: erroneous header field.
    pub const ERRONEOUS_HEADER_FIELD: u8 = 0;
    /// Parameter Problem: unrecognized Next Header type.
    pub const UNRECOGNIZED_NEXT_HEADER: u8 = 1;
    /// Parameter Problem: unrecognized IPv6 option.
    pub const UNRECOGNIZED_OPTION: u8 = 2;
}

/// A view of an ICMPv6 message (the whole ICMPv6 payload of an IPv6 packet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmpv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// Wraps a buffer without checking anything.
    pub const fn new_unchecked(buffer: T) -> Icmpv6Packet<T> {
        Icmpv6Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Icmpv6Packet<T>> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the buffer holds the type, code and checksum and the fixed part
    /// of the message type ([`Icmpv6Message::header_len`]); [`WireError::Truncated`]
    /// otherwise. The whole buffer is the message: its length is the ICMPv6 length.
    pub fn check_len(&self) -> Result<()> {
        let d = self.buffer.as_ref();
        if d.len() < 4 || d.len() < self.header_len() {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Message type.
    #[inline]
    pub fn msg_type(&self) -> Icmpv6Message {
        Icmpv6Message(self.buffer.as_ref()[field::TYPE])
    }

    /// Message code.
    #[inline]
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::CHECKSUM.start], d[field::CHECKSUM.start + 1]])
    }

    /// Echo: identifier.
    #[inline]
    pub fn echo_ident(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::ECHO_IDENT.start], d[field::ECHO_IDENT.start + 1]])
    }

    /// Echo: sequence number.
    #[inline]
    pub fn echo_seq_no(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::ECHO_SEQ_NO.start], d[field::ECHO_SEQ_NO.start + 1]])
    }

    /// Packet Too Big: MTU.
    #[inline]
    pub fn mtu(&self) -> u32 {
        self.word()
    }

    /// Parameter Problem: pointer to the offending octet in the invoking packet.
    #[inline]
    pub fn pointer(&self) -> u32 {
        self.word()
    }

    #[inline]
    fn word(&self) -> u32 {
        let d = self.buffer.as_ref();
        let w = field::WORD.start;
        u32::from_be_bytes([d[w], d[w + 1], d[w + 2], d[w + 3]])
    }

    /// Length of the fixed part, by message type (see [`Icmpv6Message::header_len`]).
    #[inline]
    pub fn header_len(&self) -> usize {
        self.msg_type().header_len()
    }

    /// True when the checksum verifies against the pseudo header of `src` → `dst`.
    pub fn verify_checksum(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        let d = self.buffer.as_ref();
        let ph = checksum::pseudo_header_v6(src, dst, IpProtocol::ICMPV6, d.len() as u32);
        checksum::fold(checksum::sum(d, ph)) == 0xffff
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Icmpv6Packet<&'a T> {
    /// What follows the fixed part: echo data, the invoking packet of an error,
    /// or NDP options. Empty on a buffer shorter than the fixed part.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let d = self.buffer.as_ref();
        d.get(self.header_len()..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    #[inline]
    pub(crate) fn buffer_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Sets the message type.
    #[inline]
    pub fn set_msg_type(&mut self, v: Icmpv6Message) {
        self.buffer.as_mut()[field::TYPE] = v.0;
    }

    /// Sets the message code.
    #[inline]
    pub fn set_msg_code(&mut self, v: u8) {
        self.buffer.as_mut()[field::CODE] = v;
    }

    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    /// Echo: sets the identifier.
    #[inline]
    pub fn set_echo_ident(&mut self, v: u16) {
        self.buffer.as_mut()[field::ECHO_IDENT].copy_from_slice(&v.to_be_bytes());
    }

    /// Echo: sets the sequence number.
    #[inline]
    pub fn set_echo_seq_no(&mut self, v: u16) {
        self.buffer.as_mut()[field::ECHO_SEQ_NO].copy_from_slice(&v.to_be_bytes());
    }

    /// Packet Too Big: sets the MTU.
    #[inline]
    pub fn set_mtu(&mut self, v: u32) {
        self.buffer.as_mut()[field::WORD].copy_from_slice(&v.to_be_bytes());
    }

    /// Parameter Problem: sets the pointer.
    #[inline]
    pub fn set_pointer(&mut self, v: u32) {
        self.buffer.as_mut()[field::WORD].copy_from_slice(&v.to_be_bytes());
    }

    /// Destination Unreachable / Time Exceeded: zeroes the unused word.
    #[inline]
    pub fn clear_unused(&mut self) {
        self.buffer.as_mut()[field::WORD].fill(0);
    }

    /// Computes the checksum over the whole buffer and the pseudo header of
    /// `src` → `dst`, and writes it.
    pub fn fill_checksum(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        self.set_checksum(0);
        let d = self.buffer.as_ref();
        let ph = checksum::pseudo_header_v6(src, dst, IpProtocol::ICMPV6, d.len() as u32);
        let c = !checksum::fold(checksum::sum(d, ph));
        self.set_checksum(c);
    }

    /// What follows the fixed part, mutably (empty if the buffer is shorter).
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let h = self.header_len();
        self.buffer.as_mut().get_mut(h..).unwrap_or(&mut [])
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Icmpv6Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// An ICMPv6 message this crate understands (more, such as MLD, may be added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Icmpv6Repr<'a> {
    /// Echo Request (128).
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data.
        data: &'a [u8],
    },
    /// Echo Reply (129).
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data.
        data: &'a [u8],
    },
    /// Destination Unreachable (1).
    DstUnreachable {
        /// Code (see [`code`]).
        code: u8,
        /// The invoking packet's IPv6 header.
        header: Ipv6Repr,
        /// The quoted bytes after that header.
        data: &'a [u8],
    },
    /// Packet Too Big (2).
    PacketTooBig {
        /// MTU of the next-hop link.
        mtu: u32,
        /// The invoking packet's IPv6 header.
        header: Ipv6Repr,
        /// The quoted bytes after that header.
        data: &'a [u8],
    },
    /// Time Exceeded (3).
    TimeExceeded {
        /// Code (see [`code`]).
        code: u8,
        /// The invoking packet's IPv6 header.
        header: Ipv6Repr,
        /// The quoted bytes after that header.
        data: &'a [u8],
    },
    /// Parameter Problem (4).
    ParamProblem {
        /// Code (see [`code`]).
        code: u8,
        /// Offset of the offending octet in the invoking packet.
        pointer: u32,
        /// The invoking packet's IPv6 header.
        header: Ipv6Repr,
        /// The quoted bytes after that header.
        data: &'a [u8],
    },
    /// An NDP message (133–137).
    Ndp(NdpRepr<'a>),
}

impl<'a> Icmpv6Repr<'a> {
    /// Reads a message: length first, then meaning. The checksum is not looked at.
    ///
    /// Errors: [`WireError::Truncated`] for a buffer shorter than the fixed part or
    /// an error message quoting less than a whole IPv6 header;
    /// [`WireError::BadVersion`] if the quoted header is not IPv6;
    /// [`WireError::BadField`] for an echo or NDP message with a non-zero code;
    /// [`WireError::Unsupported`] for other types; NDP errors from [`NdpRepr::parse`].
    ///
    /// Packet Too Big's code is ignored, as RFC 4443 §3.2 tells receivers.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Icmpv6Packet<&'a T>) -> Result<Icmpv6Repr<'a>> {
        packet.check_len()?;
        let t = packet.msg_type();
        let code = packet.msg_code();
        let quoted = || -> Result<(Ipv6Repr, &'a [u8])> {
            let p = packet.payload();
            let header = Ipv6Repr::parse_header(p)?;
            Ok((header, &p[ipv6::HEADER_LEN..]))
        };
        Ok(match t {
            Icmpv6Message::ECHO_REQUEST | Icmpv6Message::ECHO_REPLY => {
                if code != 0 {
                    return Err(WireError::BadField);
                }
                let (ident, seq_no, data) =
                    (packet.echo_ident(), packet.echo_seq_no(), packet.payload());
                if t == Icmpv6Message::ECHO_REQUEST {
                    Icmpv6Repr::EchoRequest {
                        ident,
                        seq_no,
                        data,
                    }
                } else {
                    Icmpv6Repr::EchoReply {
                        ident,
                        seq_no,
                        data,
                    }
                }
            }
            Icmpv6Message::DST_UNREACHABLE => {
                let (header, data) = quoted()?;
                Icmpv6Repr::DstUnreachable { code, header, data }
            }
            Icmpv6Message::PACKET_TOO_BIG => {
                let (header, data) = quoted()?;
                Icmpv6Repr::PacketTooBig {
                    mtu: packet.mtu(),
                    header,
                    data,
                }
            }
            Icmpv6Message::TIME_EXCEEDED => {
                let (header, data) = quoted()?;
                Icmpv6Repr::TimeExceeded { code, header, data }
            }
            Icmpv6Message::PARAM_PROBLEM => {
                let (header, data) = quoted()?;
                Icmpv6Repr::ParamProblem {
                    code,
                    pointer: packet.pointer(),
                    header,
                    data,
                }
            }
            t if t.is_ndp() => Icmpv6Repr::Ndp(NdpRepr::parse(packet)?),
            _ => return Err(WireError::Unsupported),
        })
    }

    /// The message type.
    pub const fn msg_type(&self) -> Icmpv6Message {
        match self {
            Icmpv6Repr::EchoRequest { .. } => Icmpv6Message::ECHO_REQUEST,
            Icmpv6Repr::EchoReply { .. } => Icmpv6Message::ECHO_REPLY,
            Icmpv6Repr::DstUnreachable { .. } => Icmpv6Message::DST_UNREACHABLE,
            Icmpv6Repr::PacketTooBig { .. } => Icmpv6Message::PACKET_TOO_BIG,
            Icmpv6Repr::TimeExceeded { .. } => Icmpv6Message::TIME_EXCEEDED,
            Icmpv6Repr::ParamProblem { .. } => Icmpv6Message::PARAM_PROBLEM,
            Icmpv6Repr::Ndp(n) => n.msg_type(),
        }
    }

    /// Bytes [`emit`](Self::emit) writes (the ICMPv6 length for the pseudo header).
    pub const fn buffer_len(&self) -> usize {
        match self {
            Icmpv6Repr::EchoRequest { data, .. } | Icmpv6Repr::EchoReply { data, .. } => {
                HEADER_LEN + data.len()
            }
            Icmpv6Repr::DstUnreachable { data, .. }
            | Icmpv6Repr::PacketTooBig { data, .. }
            | Icmpv6Repr::TimeExceeded { data, .. }
            | Icmpv6Repr::ParamProblem { data, .. } => HEADER_LEN + ipv6::HEADER_LEN + data.len(),
            Icmpv6Repr::Ndp(n) => n.buffer_len(),
        }
    }

    /// Writes the message into the first [`buffer_len`](Self::buffer_len) bytes of
    /// `packet` with a zero checksum; call [`Icmpv6Packet::fill_checksum`] with the
    /// IPv6 addresses next, or use [`emit_with_checksum`](Self::emit_with_checksum).
    /// The checksum covers the whole buffer, so give a buffer of exactly
    /// `buffer_len()` bytes (as every codec here expects).
    ///
    /// Error messages are written as given: to stay within the minimum MTU, quote
    /// no more than [`MAX_ERROR_MESSAGE_LEN`] - 48 bytes of data.
    ///
    /// Errors: [`WireError::BufferTooSmall`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut Icmpv6Packet<&mut T>,
    ) -> Result<()> {
        let n = self.buffer_len();
        if packet.as_ref().len() < n {
            return Err(WireError::BufferTooSmall);
        }
        let emit_quote = |p: &mut Icmpv6Packet<&mut T>, header: &Ipv6Repr, data: &[u8]| {
            let q = &mut p.buffer_mut()[HEADER_LEN..n];
            header.emit(&mut ipv6::Ipv6Packet::new_unchecked(&mut q[..]))?;
            q[ipv6::HEADER_LEN..].copy_from_slice(data);
            Ok::<(), WireError>(())
        };
        match self {
            Icmpv6Repr::Ndp(ndp) => return ndp.emit(packet),
            Icmpv6Repr::EchoRequest {
                ident,
                seq_no,
                data,
            }
            | Icmpv6Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => {
                packet.set_msg_code(0);
                packet.set_echo_ident(*ident);
                packet.set_echo_seq_no(*seq_no);
                packet.buffer_mut()[HEADER_LEN..n].copy_from_slice(data);
            }
            Icmpv6Repr::DstUnreachable { code, header, data }
            | Icmpv6Repr::TimeExceeded { code, header, data } => {
                packet.set_msg_code(*code);
                packet.clear_unused();
                emit_quote(packet, header, data)?;
            }
            Icmpv6Repr::PacketTooBig { mtu, header, data } => {
                packet.set_msg_code(0);
                packet.set_mtu(*mtu);
                emit_quote(packet, header, data)?;
            }
            Icmpv6Repr::ParamProblem {
                code,
                pointer,
                header,
                data,
            } => {
                packet.set_msg_code(*code);
                packet.set_pointer(*pointer);
                emit_quote(packet, header, data)?;
            }
        }
        packet.set_msg_type(self.msg_type());
        packet.set_checksum(0);
        Ok(())
    }

    /// [`emit`](Self::emit) and then [`Icmpv6Packet::fill_checksum`] over the first
    /// [`buffer_len`](Self::buffer_len) bytes; `buf` may be longer.
    pub fn emit_with_checksum(
        &self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        buf: &mut [u8],
    ) -> Result<usize> {
        let n = self.buffer_len();
        let Some(b) = buf.get_mut(..n) else {
            return Err(WireError::BufferTooSmall);
        };
        let mut p = Icmpv6Packet::new_unchecked(b);
        self.emit(&mut p)?;
        p.fill_checksum(src, dst);
        Ok(n)
    }
}

/// The longest prefix of `invoking` (a whole IPv6 packet) that an error message may
/// quote without exceeding the minimum MTU (RFC 4443 §2.4 (c)).
pub fn truncate_quote(invoking: &[u8]) -> &[u8] {
    &invoking[..invoking.len().min(MAX_ERROR_MESSAGE_LEN - HEADER_LEN)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    // scapy: IPv6(src="fe80::1", dst="fe80::2")/ICMPv6EchoRequest(id=0x1234, seq=0xabcd,
    // data=b"\xaa\x00\x00\xff") — the same bytes as smoltcp's ECHO_PACKET_BYTES.
    static ECHO: [u8; 12] = [
        0x80, 0x00, 0x19, 0xb3, 0x12, 0x34, 0xab, 0xcd, 0xaa, 0x00, 0x00, 0xff,
    ];

    // scapy, fe80::1 -> fe80::2: ICMPv6DestUnreach(code=4) / invoking packet
    // IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=1)/UDP(sport=33434, dport=33435)/b"hello"
    static DST_UNREACH: [u8; 61] = [
        0x01, 0x04, 0x90, 0x8f, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11,
        0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0x82, 0x9a, 0x82, 0x9b, 0x00, 0x0d, 0x5b, 0x57, 0x68, 0x65, 0x6c, 0x6c,
        0x6f,
    ];

    // scapy: ICMPv6PacketTooBig(mtu=1400) / same invoking packet
    static PTB: [u8; 61] = [
        0x02, 0x00, 0x8a, 0x1b, 0x00, 0x00, 0x05, 0x78, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11,
        0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0x82, 0x9a, 0x82, 0x9b, 0x00, 0x0d, 0x5b, 0x57, 0x68, 0x65, 0x6c, 0x6c,
        0x6f,
    ];

    // scapy: ICMPv6TimeExceeded(code=0) / same invoking packet
    static TIME_EXCEEDED: [u8; 61] = [
        0x03, 0x00, 0x8e, 0x93, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11,
        0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0x82, 0x9a, 0x82, 0x9b, 0x00, 0x0d, 0x5b, 0x57, 0x68, 0x65, 0x6c, 0x6c,
        0x6f,
    ];

    // scapy: ICMPv6ParamProblem(code=1, ptr=6) / same invoking packet
    static PARAM_PROBLEM: [u8; 61] = [
        0x04, 0x01, 0x8d, 0x8c, 0x00, 0x00, 0x00, 0x06, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11,
        0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0x82, 0x9a, 0x82, 0x9b, 0x00, 0x0d, 0x5b, 0x57, 0x68, 0x65, 0x6c, 0x6c,
        0x6f,
    ];

    fn invoking_header() -> Ipv6Repr {
        Ipv6Repr {
            src_addr: a("2001:db8::1"),
            dst_addr: a("2001:db8::2"),
            next_header: IpProtocol::UDP,
            payload_len: 13,
            hop_limit: 1,
            traffic_class: 0,
            flow_label: 0,
        }
    }

    const UDP_QUOTE: [u8; 13] = [
        0x82, 0x9a, 0x82, 0x9b, 0x00, 0x0d, 0x5b, 0x57, b'h', b'e', b'l', b'l', b'o',
    ];

    fn check(bytes: &[u8], want: Icmpv6Repr<'_>) {
        let p = Icmpv6Packet::new_checked(bytes).unwrap();
        assert!(p.verify_checksum(a("fe80::1"), a("fe80::2")));
        assert!(!p.verify_checksum(a("fe80::1"), a("fe80::3")));
        assert_eq!(Icmpv6Repr::parse(&p).unwrap(), want);
        // emit into junk
        let mut buf = std::vec![0xa5u8; want.buffer_len()];
        assert_eq!(
            want.emit_with_checksum(a("fe80::1"), a("fe80::2"), &mut buf),
            Ok(bytes.len())
        );
        assert_eq!(buf, bytes);
    }

    #[test]
    fn echo_deconstruct() {
        let p = Icmpv6Packet::new_checked(&ECHO[..]).unwrap();
        assert_eq!(p.msg_type(), Icmpv6Message::ECHO_REQUEST);
        assert_eq!(p.msg_code(), 0);
        assert_eq!(p.checksum(), 0x19b3);
        assert_eq!(p.echo_ident(), 0x1234);
        assert_eq!(p.echo_seq_no(), 0xabcd);
        assert_eq!(p.payload(), &[0xaa, 0, 0, 0xff]);
        assert!(!p.msg_type().is_error());
    }

    #[test]
    fn echo_construct() {
        let mut buf = [0xa5u8; 12];
        let mut p = Icmpv6Packet::new_unchecked(&mut buf[..]);
        p.set_msg_type(Icmpv6Message::ECHO_REQUEST);
        p.set_msg_code(0);
        p.set_echo_ident(0x1234);
        p.set_echo_seq_no(0xabcd);
        p.payload_mut().copy_from_slice(&[0xaa, 0, 0, 0xff]);
        p.fill_checksum(a("fe80::1"), a("fe80::2"));
        assert_eq!(buf, ECHO);
    }

    #[test]
    fn echo() {
        check(
            &ECHO,
            Icmpv6Repr::EchoRequest {
                ident: 0x1234,
                seq_no: 0xabcd,
                data: &[0xaa, 0, 0, 0xff],
            },
        );
    }

    #[test]
    fn errors_with_quoted_packet() {
        let header = invoking_header();
        let data = &UDP_QUOTE[..];
        check(
            &DST_UNREACH,
            Icmpv6Repr::DstUnreachable {
                code: code::PORT_UNREACHABLE,
                header,
                data,
            },
        );
        check(
            &PTB,
            Icmpv6Repr::PacketTooBig {
                mtu: 1400,
                header,
                data,
            },
        );
        check(
            &TIME_EXCEEDED,
            Icmpv6Repr::TimeExceeded {
                code: code::HOP_LIMIT_EXCEEDED,
                header,
                data,
            },
        );
        check(
            &PARAM_PROBLEM,
            Icmpv6Repr::ParamProblem {
                code: code::UNRECOGNIZED_NEXT_HEADER,
                pointer: 6,
                header,
                data,
            },
        );
        let p = Icmpv6Packet::new_checked(&PTB[..]).unwrap();
        assert_eq!(p.mtu(), 1400);
        assert!(p.msg_type().is_error());
        let p = Icmpv6Packet::new_checked(&PARAM_PROBLEM[..]).unwrap();
        assert_eq!(p.pointer(), 6);
    }

    #[test]
    fn quote_shorter_than_an_ipv6_header() {
        for n in 8..48 {
            let p = Icmpv6Packet::new_checked(&DST_UNREACH[..n]).unwrap();
            assert_eq!(Icmpv6Repr::parse(&p), Err(WireError::Truncated), "len {n}");
        }
        let p = Icmpv6Packet::new_checked(&DST_UNREACH[..48]).unwrap();
        assert!(matches!(
            Icmpv6Repr::parse(&p),
            Ok(Icmpv6Repr::DstUnreachable { data: &[], .. })
        ));
        let mut b = DST_UNREACH;
        b[8] = 0x45;
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Icmpv6Repr::parse(&p), Err(WireError::BadVersion));
    }

    #[test]
    fn every_truncation_is_rejected() {
        for b in [&ECHO[..], &PTB[..]] {
            for n in 0..8 {
                assert_eq!(
                    Icmpv6Packet::new_checked(&b[..n]).err(),
                    Some(WireError::Truncated)
                );
            }
        }
        // Unknown types need only type, code and checksum.
        assert!(Icmpv6Packet::new_checked(&[200u8, 0, 0, 0][..]).is_ok());
        assert!(Icmpv6Packet::new_checked(&[200u8, 0, 0][..]).is_err());
    }

    #[test]
    fn codes() {
        let mut b = ECHO;
        b[1] = 1;
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Icmpv6Repr::parse(&p), Err(WireError::BadField));
        // Packet Too Big: the code is ignored by receivers (RFC 4443 §3.2).
        let mut b = PTB;
        b[1] = 7;
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            Icmpv6Repr::parse(&p),
            Ok(Icmpv6Repr::PacketTooBig { mtu: 1400, .. })
        ));
    }

    #[test]
    fn unsupported_types() {
        // MLDv1 query (130) and an unassigned type.
        for t in [130u8, 143, 200, 0, 5] {
            let mut b = [0u8; 24];
            b[0] = t;
            let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
            assert_eq!(
                Icmpv6Repr::parse(&p),
                Err(WireError::Unsupported),
                "type {t}"
            );
        }
    }

    #[test]
    fn emit_checks_the_buffer() {
        let r = Icmpv6Repr::PacketTooBig {
            mtu: 1280,
            header: invoking_header(),
            data: &UDP_QUOTE,
        };
        let mut b = [0u8; 60];
        assert_eq!(
            r.emit(&mut Icmpv6Packet::new_unchecked(&mut b[..])),
            Err(WireError::BufferTooSmall)
        );
        assert_eq!(
            r.emit_with_checksum(a("::1"), a("::1"), &mut b),
            Err(WireError::BufferTooSmall)
        );
    }

    #[test]
    fn quote_fits_min_mtu() {
        let big = [0u8; 2000];
        let q = truncate_quote(&big);
        assert_eq!(HEADER_LEN + q.len(), MAX_ERROR_MESSAGE_LEN);
        assert_eq!(truncate_quote(&big[..100]).len(), 100);
    }
}
