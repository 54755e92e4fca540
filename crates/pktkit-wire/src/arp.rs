//! ARP for Ethernet and IPv4 (RFC 826): a view ([`ArpPacket`]) and a value
//! ([`ArpRepr`]).
//!
//! The view reads any hardware/protocol address sizes (offsets follow the
//! `hlen`/`plen` fields); [`ArpRepr::parse`] accepts only Ethernet (hardware
//! type 1, 6-byte addresses) over IPv4 (protocol 0x0800, 4-byte addresses) and
//! returns [`WireError::Unsupported`] for anything else. Operations other than
//! request and reply (RARP, InARP, …) are kept as [`ArpOperation::Other`].
//!
//! # Panic freedom
//!
//! [`ArpPacket::new_checked`] checks the fixed part and the four addresses the
//! length fields announce; after it succeeded no getter panics.
//! [`ArpRepr::parse`] never panics; [`ArpRepr::emit`] panics if the buffer is
//! shorter than [`ArpRepr::buffer_len`] (28 bytes).

use core::fmt;
use core::net::Ipv4Addr;

use crate::{EtherType, MacAddr, Result, WireError};

mod field {
    use core::ops::Range;
    pub(super) const HTYPE: Range<usize> = 0..2;
    pub(super) const PTYPE: Range<usize> = 2..4;
    pub(super) const HLEN: usize = 4;
    pub(super) const PLEN: usize = 5;
    pub(super) const OPER: Range<usize> = 6..8;
    /// Start of the sender hardware address.
    pub(super) const ADDRS: usize = 8;
}

/// Length of the fixed part (before the addresses).
pub const HEADER_LEN: usize = field::ADDRS;
/// Length of an Ethernet/IPv4 ARP packet.
pub const ETHERNET_IPV4_LEN: usize = 28;
/// Hardware type of Ethernet.
pub const HTYPE_ETHERNET: u16 = 1;

/// An ARP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArpOperation {
    /// Request (1).
    Request,
    /// Reply (2).
    Reply,
    /// Any other value (RARP 3/4, InARP 8/9, …), kept as it is.
    Other(u16),
}

impl From<u16> for ArpOperation {
    fn from(v: u16) -> Self {
        match v {
            1 => ArpOperation::Request,
            2 => ArpOperation::Reply,
            v => ArpOperation::Other(v),
        }
    }
}

impl From<ArpOperation> for u16 {
    fn from(v: ArpOperation) -> Self {
        match v {
            ArpOperation::Request => 1,
            ArpOperation::Reply => 2,
            ArpOperation::Other(v) => v,
        }
    }
}

/// A read/write view of an ARP packet. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    /// Wraps a buffer without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        ArpPacket { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the fixed part and the addresses announced by `hlen`/`plen`:
    /// [`WireError::Truncated`] if any is cut short. Trailing bytes (Ethernet
    /// padding) are allowed.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || len < self.packet_len() {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Unwraps the buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Length announced by the header: 8 + 2 × (hlen + plen).
    #[inline]
    pub fn packet_len(&self) -> usize {
        HEADER_LEN + 2 * (self.hardware_len() as usize + self.protocol_len() as usize)
    }

    /// Hardware type (1 = Ethernet).
    #[inline]
    pub fn hardware_type(&self) -> u16 {
        self.read_u16(field::HTYPE.start)
    }

    /// Protocol type (an EtherType; 0x0800 = IPv4).
    #[inline]
    pub fn protocol_type(&self) -> EtherType {
        EtherType(self.read_u16(field::PTYPE.start))
    }

    /// Hardware address length.
    #[inline]
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }

    /// Protocol address length.
    #[inline]
    pub fn protocol_len(&self) -> u8 {
        self.buffer.as_ref()[field::PLEN]
    }

    /// Operation.
    #[inline]
    pub fn operation(&self) -> ArpOperation {
        ArpOperation::from(self.read_u16(field::OPER.start))
    }

    /// Sender hardware address (`hlen` bytes).
    #[inline]
    pub fn sha(&self) -> &[u8] {
        let (s, e) = self.range(0);
        &self.buffer.as_ref()[s..e]
    }

    /// Sender protocol address (`plen` bytes).
    #[inline]
    pub fn spa(&self) -> &[u8] {
        let (s, e) = self.range(1);
        &self.buffer.as_ref()[s..e]
    }

    /// Target hardware address (`hlen` bytes).
    #[inline]
    pub fn tha(&self) -> &[u8] {
        let (s, e) = self.range(2);
        &self.buffer.as_ref()[s..e]
    }

    /// Target protocol address (`plen` bytes).
    #[inline]
    pub fn tpa(&self) -> &[u8] {
        let (s, e) = self.range(3);
        &self.buffer.as_ref()[s..e]
    }

    /// Byte range of address `i` (0 sha, 1 spa, 2 tha, 3 tpa).
    #[inline]
    fn range(&self, i: usize) -> (usize, usize) {
        let (h, p) = (self.hardware_len() as usize, self.protocol_len() as usize);
        let start = HEADER_LEN + (i / 2) * (h + p) + (i % 2) * h;
        (start, start + if i.is_multiple_of(2) { h } else { p })
    }

    #[inline]
    fn read_u16(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[at], b[at + 1]])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    /// Sets the hardware type.
    #[inline]
    pub fn set_hardware_type(&mut self, v: u16) {
        self.buffer.as_mut()[field::HTYPE].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the protocol type.
    #[inline]
    pub fn set_protocol_type(&mut self, v: EtherType) {
        self.buffer.as_mut()[field::PTYPE].copy_from_slice(&v.0.to_be_bytes());
    }

    /// Sets the hardware address length.
    #[inline]
    pub fn set_hardware_len(&mut self, v: u8) {
        self.buffer.as_mut()[field::HLEN] = v;
    }

    /// Sets the protocol address length.
    #[inline]
    pub fn set_protocol_len(&mut self, v: u8) {
        self.buffer.as_mut()[field::PLEN] = v;
    }

    /// Sets the operation.
    #[inline]
    pub fn set_operation(&mut self, op: ArpOperation) {
        self.buffer.as_mut()[field::OPER].copy_from_slice(&u16::from(op).to_be_bytes());
    }

    /// Sets the sender hardware address (`v` must be `hlen` bytes).
    #[inline]
    pub fn set_sha(&mut self, v: &[u8]) {
        let (s, e) = self.range(0);
        self.buffer.as_mut()[s..e].copy_from_slice(v);
    }

    /// Sets the sender protocol address (`v` must be `plen` bytes).
    #[inline]
    pub fn set_spa(&mut self, v: &[u8]) {
        let (s, e) = self.range(1);
        self.buffer.as_mut()[s..e].copy_from_slice(v);
    }

    /// Sets the target hardware address (`v` must be `hlen` bytes).
    #[inline]
    pub fn set_tha(&mut self, v: &[u8]) {
        let (s, e) = self.range(2);
        self.buffer.as_mut()[s..e].copy_from_slice(v);
    }

    /// Sets the target protocol address (`v` must be `plen` bytes).
    #[inline]
    pub fn set_tpa(&mut self, v: &[u8]) {
        let (s, e) = self.range(3);
        self.buffer.as_mut()[s..e].copy_from_slice(v);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for ArpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A parsed Ethernet/IPv4 ARP packet.
///
/// ```
/// use core::net::Ipv4Addr;
/// use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
/// use pktkit_wire::MacAddr;
/// let who_has = ArpRepr {
///     op: ArpOperation::Request,
///     sha: MacAddr::new(2, 0, 0, 0, 0, 1),
///     spa: Ipv4Addr::new(10, 0, 0, 1),
///     tha: MacAddr::ZERO,
///     tpa: Ipv4Addr::new(10, 0, 0, 2),
/// };
/// let mut buf = [0u8; 28];
/// who_has.emit(&mut ArpPacket::new_unchecked(&mut buf[..]));
/// let reply = who_has.reply(MacAddr::new(2, 0, 0, 0, 0, 2)).unwrap();
/// assert_eq!(reply.spa, Ipv4Addr::new(10, 0, 0, 2));
/// assert_eq!(ArpRepr::parse(&ArpPacket::new_checked(&buf[..]).unwrap()).unwrap(), who_has);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArpRepr {
    /// Operation.
    pub op: ArpOperation,
    /// Sender hardware address.
    pub sha: MacAddr,
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address.
    pub tha: MacAddr,
    /// Target protocol address.
    pub tpa: Ipv4Addr,
}

impl ArpRepr {
    /// Reads an Ethernet/IPv4 ARP packet.
    ///
    /// Errors: [`WireError::Truncated`] (see [`ArpPacket::check_len`]),
    /// [`WireError::Unsupported`] for another hardware or protocol type or
    /// address sizes other than 6 and 4.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &ArpPacket<&T>) -> Result<ArpRepr> {
        packet.check_len()?;
        if packet.hardware_type() != HTYPE_ETHERNET
            || packet.protocol_type() != EtherType::IPV4
            || packet.hardware_len() != 6
            || packet.protocol_len() != 4
        {
            return Err(WireError::Unsupported);
        }
        let ip = |b: &[u8]| Ipv4Addr::new(b[0], b[1], b[2], b[3]);
        let mac = |b: &[u8]| MacAddr([b[0], b[1], b[2], b[3], b[4], b[5]]);
        Ok(ArpRepr {
            op: packet.operation(),
            sha: mac(packet.sha()),
            spa: ip(packet.spa()),
            tha: mac(packet.tha()),
            tpa: ip(packet.tpa()),
        })
    }

    /// 28 bytes.
    pub const fn buffer_len(&self) -> usize {
        ETHERNET_IPV4_LEN
    }

    /// Writes the packet into the first 28 bytes of `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut ArpPacket<T>) {
        packet.set_hardware_type(HTYPE_ETHERNET);
        packet.set_protocol_type(EtherType::IPV4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(self.op);
        packet.set_sha(&self.sha.0);
        packet.set_spa(&self.spa.octets());
        packet.set_tha(&self.tha.0);
        packet.set_tpa(&self.tpa.octets());
    }

    /// The reply a host owning `tpa` with MAC `mac` sends to this request
    /// (RFC 826 "swap sender and target"); `None` unless this is a request.
    pub fn reply(&self, mac: MacAddr) -> Option<ArpRepr> {
        (self.op == ArpOperation::Request).then_some(ArpRepr {
            op: ArpOperation::Reply,
            sha: mac,
            spa: self.tpa,
            tha: self.sha,
            tpa: self.spa,
        })
    }

    /// True for a gratuitous ARP (sender and target protocol address equal).
    pub fn is_gratuitous(&self) -> bool {
        self.spa == self.tpa
    }
}

impl fmt::Display for ArpRepr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            ArpOperation::Request => write!(f, "ARP who-has {} tell {}", self.tpa, self.spa),
            ArpOperation::Reply => write!(f, "ARP {} is-at {}", self.spa, self.sha),
            ArpOperation::Other(op) => write!(
                f,
                "ARP op={op} {} {} -> {} {}",
                self.sha, self.spa, self.tha, self.tpa
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // scapy: ARP(op=1, hwsrc="52:54:00:12:34:56", psrc="10.0.2.15",
    //            hwdst="00:00:00:00:00:00", pdst="10.0.2.2")
    static REQUEST: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a,
        0x00, 0x02, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x02,
    ];

    fn repr() -> ArpRepr {
        ArpRepr {
            op: ArpOperation::Request,
            sha: MacAddr::new(0x52, 0x54, 0, 0x12, 0x34, 0x56),
            spa: Ipv4Addr::new(10, 0, 2, 15),
            tha: MacAddr::ZERO,
            tpa: Ipv4Addr::new(10, 0, 2, 2),
        }
    }

    #[test]
    fn deconstruct() {
        let p = ArpPacket::new_checked(&REQUEST[..]).unwrap();
        assert_eq!(p.hardware_type(), 1);
        assert_eq!(p.protocol_type(), EtherType::IPV4);
        assert_eq!((p.hardware_len(), p.protocol_len()), (6, 4));
        assert_eq!(p.operation(), ArpOperation::Request);
        assert_eq!(p.sha(), &[0x52, 0x54, 0, 0x12, 0x34, 0x56]);
        assert_eq!(p.spa(), &[10, 0, 2, 15]);
        assert_eq!(p.tha(), &[0; 6]);
        assert_eq!(p.tpa(), &[10, 0, 2, 2]);
        assert_eq!(ArpRepr::parse(&p).unwrap(), repr());
    }

    #[test]
    fn construct_into_junk() {
        let mut buf = [0xa5u8; 28];
        repr().emit(&mut ArpPacket::new_unchecked(&mut buf[..]));
        assert_eq!(buf, REQUEST);
        assert_eq!(repr().buffer_len(), 28);
    }

    #[test]
    fn other_operation_is_kept() {
        let mut b = REQUEST;
        b[7] = 9; // InARP reply
        let r = ArpRepr::parse(&ArpPacket::new_checked(&b[..]).unwrap()).unwrap();
        assert_eq!(r.op, ArpOperation::Other(9));
        let mut out = [0u8; 28];
        r.emit(&mut ArpPacket::new_unchecked(&mut out[..]));
        assert_eq!(out, b);
        assert_eq!(r.reply(MacAddr::BROADCAST), None);
    }

    #[test]
    fn reply_swaps() {
        let r = repr().reply(MacAddr::new(2, 0, 0, 0, 0, 2)).unwrap();
        assert_eq!(r.op, ArpOperation::Reply);
        assert_eq!((r.spa, r.tpa, r.tha), (repr().tpa, repr().spa, repr().sha));
        assert!(!repr().is_gratuitous());
    }

    #[test]
    fn malformed() {
        for n in 0..28 {
            assert_eq!(
                ArpPacket::new_checked(&REQUEST[..n]).err(),
                Some(WireError::Truncated),
                "len {n}"
            );
        }
        let check = |i: usize, v: u8| {
            let mut b = REQUEST;
            b[i] = v;
            let p = ArpPacket::new_checked(&b[..]);
            p.and_then(|p| ArpRepr::parse(&p)).err()
        };
        assert_eq!(check(1, 6), Some(WireError::Unsupported)); // IEEE 802 htype
        assert_eq!(check(2, 0x86), Some(WireError::Unsupported)); // ptype 0x8600
        assert_eq!(check(4, 8), Some(WireError::Truncated)); // hlen 8 needs 36 bytes
        assert_eq!(check(4, 5), Some(WireError::Unsupported));
        assert_eq!(check(5, 3), Some(WireError::Unsupported));
        // Ethernet padding after the 28 bytes is accepted.
        let mut padded = [0u8; 46];
        padded[..28].copy_from_slice(&REQUEST);
        let p = ArpPacket::new_checked(&padded[..]).unwrap();
        assert_eq!(ArpRepr::parse(&p).unwrap(), repr());
    }
}
