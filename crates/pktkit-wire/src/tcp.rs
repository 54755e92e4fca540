//! TCP segments (RFC 9293): the [`TcpPacket`] view, its options ([`TcpOption`],
//! [`TcpOptionIter`]) and the high-level [`TcpRepr`].
//!
//! This module reads and writes the TCP header and options; it knows nothing
//! about connections (that is `pktkit-tcp`'s job) and does not look at the IP
//! header except for the pseudo-header checksum, which takes the addresses.
//!
//! ## Panic freedom
//!
//! [`TcpPacket::new_checked`] validates the fixed header and the data offset
//! (`20 ≤ data offset × 4 ≤ buffer length`); after it succeeded no getter
//! panics. The options are not validated up front: [`TcpPacket::options_iter`]
//! yields an error item for a malformed option and then stops, and
//! [`TcpRepr::parse`] rejects a segment with malformed options
//! ([`WireError::BadOption`]). [`TcpPacket::new_unchecked`] is for buffers the
//! caller built; its getters may panic on a short buffer.
//!
//! ## Example
//!
//! ```
//! use core::net::{IpAddr, Ipv4Addr};
//! use pktkit_wire::tcp::{TcpFlags, TcpPacket, TcpRepr};
//!
//! let (src, dst) = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
//! let repr = TcpRepr {
//!     src_port: 40000,
//!     dst_port: 80,
//!     seq_number: 1,
//!     flags: TcpFlags::SYN,
//!     window_len: 65535,
//!     mss: Some(1460),
//!     window_scale: Some(7),
//!     sack_permitted: true,
//!     ..TcpRepr::default()
//! };
//! let mut buf = [0u8; 60];
//! let len = repr.buffer_len();
//! let mut packet = TcpPacket::new_unchecked(&mut buf[..len]);
//! repr.emit(&mut packet);
//! packet.fill_checksum(src, dst);
//!
//! let packet = TcpPacket::new_checked(&buf[..len]).unwrap();
//! assert!(packet.verify_checksum(src, dst));
//! assert!(packet.syn() && !packet.ack());
//! assert_eq!(TcpRepr::parse(&packet).unwrap(), repr);
//! ```

use core::fmt;
use core::net::IpAddr;

use crate::{IpProtocol, Result, WireError, checksum};

mod options;
pub use options::{TcpOption, TcpOptionIter, TcpSackBlocks, TcpTimestamp};

/// Byte ranges of the fixed header.
mod field {
    use core::ops::Range;
    pub(super) const SRC_PORT: Range<usize> = 0..2;
    pub(super) const DST_PORT: Range<usize> = 2..4;
    pub(super) const SEQ_NUM: Range<usize> = 4..8;
    pub(super) const ACK_NUM: Range<usize> = 8..12;
    pub(super) const FLAGS: Range<usize> = 12..14;
    pub(super) const WIN_SIZE: Range<usize> = 14..16;
    pub(super) const CHECKSUM: Range<usize> = 16..18;
    pub(super) const URGENT: Range<usize> = 18..20;

    pub(super) const OPT_END: u8 = 0;
    pub(super) const OPT_NOP: u8 = 1;
    pub(super) const OPT_MSS: u8 = 2;
    pub(super) const OPT_WS: u8 = 3;
    pub(super) const OPT_SACKPERM: u8 = 4;
    pub(super) const OPT_SACKRNG: u8 = 5;
    pub(super) const OPT_TSTAMP: u8 = 8;
}

/// Length of the fixed TCP header (no options).
pub const HEADER_LEN: usize = field::URGENT.end;
/// Largest TCP header (data offset 15): 20 bytes fixed + 40 bytes of options.
pub const MAX_HEADER_LEN: usize = 60;
/// Most option bytes a header can carry.
pub const MAX_OPTIONS_LEN: usize = MAX_HEADER_LEN - HEADER_LEN;
/// Most SACK blocks one option can carry (RFC 2018: 2 + 8 × 4 = 34 ≤ 40).
pub const MAX_SACK_BLOCKS: usize = 4;

/// The TCP control bits (the low 9 bits of header bytes 12–13).
///
/// ```
/// use pktkit_wire::tcp::TcpFlags;
/// let f = TcpFlags::SYN | TcpFlags::ACK;
/// assert!(f.contains(TcpFlags::SYN) && !f.contains(TcpFlags::FIN));
/// assert_eq!(format!("{f}"), "SYN|ACK");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    /// No flag.
    pub const NONE: TcpFlags = TcpFlags(0);
    /// FIN: no more data from the sender.
    pub const FIN: TcpFlags = TcpFlags(0x001);
    /// SYN: synchronise sequence numbers.
    pub const SYN: TcpFlags = TcpFlags(0x002);
    /// RST: reset the connection.
    pub const RST: TcpFlags = TcpFlags(0x004);
    /// PSH: push function.
    pub const PSH: TcpFlags = TcpFlags(0x008);
    /// ACK: the acknowledgment field is significant.
    pub const ACK: TcpFlags = TcpFlags(0x010);
    /// URG: the urgent pointer is significant.
    pub const URG: TcpFlags = TcpFlags(0x020);
    /// ECE: ECN echo (RFC 3168).
    pub const ECE: TcpFlags = TcpFlags(0x040);
    /// CWR: congestion window reduced (RFC 3168).
    pub const CWR: TcpFlags = TcpFlags(0x080);
    /// NS: ECN nonce (RFC 3540, historic).
    pub const NS: TcpFlags = TcpFlags(0x100);
    /// All nine defined bits.
    pub const ALL: TcpFlags = TcpFlags(0x1ff);

    /// True when every bit of `other` is set in `self`.
    #[inline]
    pub const fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when any bit of `other` is set in `self`.
    #[inline]
    pub const fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// True when no bit is set.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl core::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl core::ops::BitOrAssign for TcpFlags {
    fn bitor_assign(&mut self, rhs: TcpFlags) {
        self.0 |= rhs.0;
    }
}

impl core::ops::BitAnd for TcpFlags {
    type Output = TcpFlags;
    fn bitand(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 & rhs.0)
    }
}

impl core::ops::Not for TcpFlags {
    type Output = TcpFlags;
    fn not(self) -> TcpFlags {
        TcpFlags(!self.0 & TcpFlags::ALL.0)
    }
}

impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(TcpFlags, &str); 9] = [
            (TcpFlags::NS, "NS"),
            (TcpFlags::CWR, "CWR"),
            (TcpFlags::ECE, "ECE"),
            (TcpFlags::URG, "URG"),
            (TcpFlags::SYN, "SYN"),
            (TcpFlags::FIN, "FIN"),
            (TcpFlags::RST, "RST"),
            (TcpFlags::PSH, "PSH"),
            (TcpFlags::ACK, "ACK"),
        ];
        let mut first = true;
        for (flag, name) in NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TcpFlags({self})")
    }
}

/// A view of a TCP segment (header, options and payload) over a buffer.
/// See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wraps `buffer` without any check.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> TcpPacket<T> {
        TcpPacket { buffer }
    }

    /// Wraps `buffer` after [`TcpPacket::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<TcpPacket<T>> {
        let p = TcpPacket::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the fixed header fits ([`WireError::Truncated`]) and that the
    /// data offset is at least 5 words ([`WireError::BadLength`]) and within the
    /// buffer ([`WireError::Truncated`]).
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        if b.len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let hl = self.header_len() as usize;
        if hl < HEADER_LEN {
            return Err(WireError::BadLength);
        }
        if b.len() < hl {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    fn u16_at(&self, r: core::ops::Range<usize>) -> u16 {
        let b = &self.buffer.as_ref()[r];
        u16::from_be_bytes([b[0], b[1]])
    }

    #[inline]
    fn u32_at(&self, r: core::ops::Range<usize>) -> u32 {
        let b = &self.buffer.as_ref()[r];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        self.u16_at(field::SRC_PORT)
    }

    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        self.u16_at(field::DST_PORT)
    }

    /// Sequence number.
    #[inline]
    pub fn seq_number(&self) -> u32 {
        self.u32_at(field::SEQ_NUM)
    }

    /// Acknowledgment number (meaningful only when [`TcpPacket::ack`] is set).
    #[inline]
    pub fn ack_number(&self) -> u32 {
        self.u32_at(field::ACK_NUM)
    }

    /// Header length in bytes (data offset × 4), 0..=60.
    #[inline]
    pub fn header_len(&self) -> u8 {
        (self.buffer.as_ref()[field::FLAGS.start] >> 4) * 4
    }

    /// The control bits, NS included (the three reserved bits are dropped).
    #[inline]
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(self.u16_at(field::FLAGS) & TcpFlags::ALL.0)
    }

    /// The three reserved bits between the data offset and NS.
    #[inline]
    pub fn reserved(&self) -> u8 {
        (self.buffer.as_ref()[field::FLAGS.start] >> 1) & 0x7
    }

    /// FIN flag.
    #[inline]
    pub fn fin(&self) -> bool {
        self.flags().contains(TcpFlags::FIN)
    }

    /// SYN flag.
    #[inline]
    pub fn syn(&self) -> bool {
        self.flags().contains(TcpFlags::SYN)
    }

    /// RST flag.
    #[inline]
    pub fn rst(&self) -> bool {
        self.flags().contains(TcpFlags::RST)
    }

    /// PSH flag.
    #[inline]
    pub fn psh(&self) -> bool {
        self.flags().contains(TcpFlags::PSH)
    }

    /// ACK flag.
    #[inline]
    pub fn ack(&self) -> bool {
        self.flags().contains(TcpFlags::ACK)
    }

    /// URG flag.
    #[inline]
    pub fn urg(&self) -> bool {
        self.flags().contains(TcpFlags::URG)
    }

    /// ECE flag.
    #[inline]
    pub fn ece(&self) -> bool {
        self.flags().contains(TcpFlags::ECE)
    }

    /// CWR flag.
    #[inline]
    pub fn cwr(&self) -> bool {
        self.flags().contains(TcpFlags::CWR)
    }

    /// NS flag.
    #[inline]
    pub fn ns(&self) -> bool {
        self.flags().contains(TcpFlags::NS)
    }

    /// Window field (unscaled).
    #[inline]
    pub fn window_len(&self) -> u16 {
        self.u16_at(field::WIN_SIZE)
    }

    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    /// Urgent pointer field.
    #[inline]
    pub fn urgent_at(&self) -> u16 {
        self.u16_at(field::URGENT)
    }

    /// Sequence space the segment occupies: payload length plus one for SYN and one for FIN.
    #[inline]
    pub fn segment_len(&self) -> usize {
        let mut n = self.buffer.as_ref().len() - self.header_len() as usize;
        if self.syn() {
            n += 1;
        }
        if self.fin() {
            n += 1;
        }
        n
    }

    /// The raw option bytes (between the fixed header and the payload).
    #[inline]
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len() as usize]
    }

    /// Iterates over the options; see [`TcpOptionIter`].
    #[inline]
    pub fn options_iter(&self) -> TcpOptionIter<'_> {
        TcpOptionIter::new(self.options())
    }

    /// The payload (everything after the header).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len() as usize..]
    }

    /// True when the checksum verifies for a segment carried between `src` and
    /// `dst`. Always false when the two addresses are of different IP versions.
    pub fn verify_checksum(&self, src: IpAddr, dst: IpAddr) -> bool {
        let b = self.buffer.as_ref();
        match checksum::pseudo_header(src, dst, IpProtocol::TCP, b.len() as u32) {
            Some(ph) => checksum::fold(checksum::sum(b, ph)) == 0xffff,
            None => false,
        }
    }

    /// True when the checksum verifies given the sum of the pseudo header
    /// (from [`checksum::pseudo_header_v4`] / [`checksum::pseudo_header_v6`] with
    /// this segment's length). For callers that have the sum at hand.
    #[inline]
    pub fn verify_checksum_with_pseudo(&self, pseudo_sum: u32) -> bool {
        checksum::fold(checksum::sum(self.buffer.as_ref(), pseudo_sum)) == 0xffff
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> TcpPacket<&'a T> {
    /// The payload, borrowing the buffer rather than the view.
    #[inline]
    pub fn payload_ref(&self) -> &'a [u8] {
        let b = self.buffer.as_ref();
        &b[self.header_len() as usize..]
    }

    /// The option bytes, borrowing the buffer rather than the view.
    #[inline]
    pub fn options_ref(&self) -> &'a [u8] {
        let b = self.buffer.as_ref();
        &b[HEADER_LEN..self.header_len() as usize]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    #[inline]
    fn put_u16(&mut self, r: core::ops::Range<usize>, v: u16) {
        self.buffer.as_mut()[r].copy_from_slice(&v.to_be_bytes());
    }

    #[inline]
    fn put_u32(&mut self, r: core::ops::Range<usize>, v: u32) {
        self.buffer.as_mut()[r].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the source port.
    #[inline]
    pub fn set_src_port(&mut self, v: u16) {
        self.put_u16(field::SRC_PORT, v)
    }

    /// Sets the destination port.
    #[inline]
    pub fn set_dst_port(&mut self, v: u16) {
        self.put_u16(field::DST_PORT, v)
    }

    /// Sets the sequence number.
    #[inline]
    pub fn set_seq_number(&mut self, v: u32) {
        self.put_u32(field::SEQ_NUM, v)
    }

    /// Sets the acknowledgment number.
    #[inline]
    pub fn set_ack_number(&mut self, v: u32) {
        self.put_u32(field::ACK_NUM, v)
    }

    /// Sets the header length in bytes (rounded down to a multiple of 4, at most 60).
    #[inline]
    pub fn set_header_len(&mut self, len: u8) {
        let b = self.buffer.as_mut();
        b[field::FLAGS.start] = (b[field::FLAGS.start] & 0x0f) | ((len.min(60) / 4) << 4);
    }

    /// Replaces all nine control bits (the reserved bits are cleared).
    #[inline]
    pub fn set_flags(&mut self, flags: TcpFlags) {
        let b = self.buffer.as_mut();
        let off = b[field::FLAGS.start] & 0xf0;
        let v = flags.0 & TcpFlags::ALL.0;
        b[field::FLAGS.start] = off | (v >> 8) as u8;
        b[field::FLAGS.start + 1] = v as u8;
    }

    /// Clears all control bits.
    #[inline]
    pub fn clear_flags(&mut self) {
        self.set_flags(TcpFlags::NONE)
    }

    #[inline]
    fn set_flag(&mut self, flag: TcpFlags, on: bool) {
        let f = self.flags();
        self.set_flags(if on {
            f | flag
        } else {
            TcpFlags(f.0 & !flag.0)
        });
    }

    /// Sets or clears FIN.
    #[inline]
    pub fn set_fin(&mut self, v: bool) {
        self.set_flag(TcpFlags::FIN, v)
    }

    /// Sets or clears SYN.
    #[inline]
    pub fn set_syn(&mut self, v: bool) {
        self.set_flag(TcpFlags::SYN, v)
    }

    /// Sets or clears RST.
    #[inline]
    pub fn set_rst(&mut self, v: bool) {
        self.set_flag(TcpFlags::RST, v)
    }

    /// Sets or clears PSH.
    #[inline]
    pub fn set_psh(&mut self, v: bool) {
        self.set_flag(TcpFlags::PSH, v)
    }

    /// Sets or clears ACK.
    #[inline]
    pub fn set_ack(&mut self, v: bool) {
        self.set_flag(TcpFlags::ACK, v)
    }

    /// Sets or clears URG.
    #[inline]
    pub fn set_urg(&mut self, v: bool) {
        self.set_flag(TcpFlags::URG, v)
    }

    /// Sets or clears ECE.
    #[inline]
    pub fn set_ece(&mut self, v: bool) {
        self.set_flag(TcpFlags::ECE, v)
    }

    /// Sets or clears CWR.
    #[inline]
    pub fn set_cwr(&mut self, v: bool) {
        self.set_flag(TcpFlags::CWR, v)
    }

    /// Sets or clears NS.
    #[inline]
    pub fn set_ns(&mut self, v: bool) {
        self.set_flag(TcpFlags::NS, v)
    }

    /// Sets the window field.
    #[inline]
    pub fn set_window_len(&mut self, v: u16) {
        self.put_u16(field::WIN_SIZE, v)
    }

    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        self.put_u16(field::CHECKSUM, v)
    }

    /// Sets the urgent pointer.
    #[inline]
    pub fn set_urgent_at(&mut self, v: u16) {
        self.put_u16(field::URGENT, v)
    }

    /// The option bytes, mutably.
    #[inline]
    pub fn options_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len() as usize;
        &mut self.buffer.as_mut()[HEADER_LEN..hl]
    }

    /// The payload, mutably.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len() as usize;
        &mut self.buffer.as_mut()[hl..]
    }

    /// Computes and writes the checksum for a segment carried between `src` and
    /// `dst` (the whole buffer is the segment). With addresses of different IP
    /// versions the pseudo header cannot be formed; the checksum is then
    /// computed over the segment alone and will not verify.
    pub fn fill_checksum(&mut self, src: IpAddr, dst: IpAddr) {
        let len = self.buffer.as_ref().len() as u32;
        let ph = checksum::pseudo_header(src, dst, IpProtocol::TCP, len).unwrap_or(0);
        self.fill_checksum_with_pseudo(ph)
    }

    /// Computes and writes the checksum given the pseudo-header sum.
    #[inline]
    pub fn fill_checksum_with_pseudo(&mut self, pseudo_sum: u32) {
        self.set_checksum(0);
        let c = !checksum::fold(checksum::sum(self.buffer.as_ref(), pseudo_sum));
        self.set_checksum(c)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for TcpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A TCP segment in plain fields: what the connection engine reads and writes.
///
/// Options are typed fields; unknown options are skipped by [`TcpRepr::parse`]
/// (use [`TcpPacket::options_iter`] to see them). `emit` lays options out
/// aligned the way Linux does (MSS; SACK-permitted + timestamps; NOP + window
/// scale; NOP NOP + SACK blocks) and drops trailing SACK blocks that would not
/// fit in the 40 option bytes. The checksum is not part of the repr: call
/// [`TcpPacket::fill_checksum`] after `emit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpRepr<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq_number: u32,
    /// Acknowledgment number (written as is; meaningful with [`TcpFlags::ACK`]).
    pub ack_number: u32,
    /// Control bits.
    pub flags: TcpFlags,
    /// Window field (unscaled).
    pub window_len: u16,
    /// Urgent pointer.
    pub urgent_at: u16,
    /// MSS option.
    pub mss: Option<u16>,
    /// Window scale option, as sent (a receiver clamps it to 14, RFC 7323 §2.3).
    pub window_scale: Option<u8>,
    /// SACK-permitted option.
    pub sack_permitted: bool,
    /// SACK blocks (empty: no SACK option).
    pub sack_blocks: TcpSackBlocks,
    /// Timestamps option.
    pub timestamp: Option<TcpTimestamp>,
    /// The payload, borrowed from the segment.
    pub payload: &'a [u8],
}

impl<'a> TcpRepr<'a> {
    /// Reads a segment: lengths first ([`TcpPacket::check_len`]), then the options.
    /// A malformed option rejects the segment ([`WireError::BadOption`]). The
    /// checksum is not checked (see [`TcpPacket::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &TcpPacket<&'a T>) -> Result<TcpRepr<'a>> {
        packet.check_len()?;
        let mut repr = TcpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq_number: packet.seq_number(),
            ack_number: packet.ack_number(),
            flags: packet.flags(),
            window_len: packet.window_len(),
            urgent_at: packet.urgent_at(),
            payload: packet.payload_ref(),
            ..TcpRepr::default()
        };
        let options = packet.options_ref();
        // Fast path for the layout of nearly every data segment (RFC 7323
        // appendix A): NOP, NOP, timestamps.
        if let [1, 1, 8, 10, v0, v1, v2, v3, e0, e1, e2, e3] = *options {
            repr.timestamp = Some(TcpTimestamp {
                tsval: u32::from_be_bytes([v0, v1, v2, v3]),
                tsecr: u32::from_be_bytes([e0, e1, e2, e3]),
            });
            return Ok(repr);
        }
        for opt in TcpOptionIter::new(options) {
            match opt? {
                TcpOption::MaxSegmentSize(v) => repr.mss = Some(v),
                TcpOption::WindowScale(v) => repr.window_scale = Some(v),
                TcpOption::SackPermitted => repr.sack_permitted = true,
                TcpOption::SackRange(s) => repr.sack_blocks = s,
                TcpOption::Timestamp(t) => repr.timestamp = Some(t),
                TcpOption::EndOfList | TcpOption::NoOperation | TcpOption::Unknown { .. } => {}
            }
        }
        Ok(repr)
    }

    fn fixed_options_len(&self) -> usize {
        let mut n = 0;
        if self.mss.is_some() {
            n += 4;
        }
        if self.sack_permitted || self.timestamp.is_some() {
            n += match (self.sack_permitted, self.timestamp.is_some()) {
                (true, true) => 12,
                (false, true) => 12,
                _ => 4,
            };
        }
        if self.window_scale.is_some() {
            n += 4;
        }
        n
    }

    /// SACK blocks that `emit` writes (trailing ones dropped to fit 40 option bytes).
    pub fn emitted_sack_blocks(&self) -> usize {
        let room = MAX_OPTIONS_LEN.saturating_sub(self.fixed_options_len());
        self.sack_blocks.len().min(room.saturating_sub(4) / 8)
    }

    /// Header length `emit` writes (a multiple of 4, at most 60).
    pub fn header_len(&self) -> usize {
        if self.sack_blocks.is_empty() {
            return HEADER_LEN + self.fixed_options_len();
        }
        let sack = self.emitted_sack_blocks();
        let opts = self.fixed_options_len() + if sack > 0 { 4 + 8 * sack } else { 0 };
        HEADER_LEN + opts.min(MAX_OPTIONS_LEN)
    }

    /// Bytes `emit` needs: header plus payload.
    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.payload.len()
    }

    /// Sequence space of the segment (payload, plus one each for SYN and FIN).
    pub fn segment_len(&self) -> usize {
        self.payload.len()
            + usize::from(self.flags.contains(TcpFlags::SYN))
            + usize::from(self.flags.contains(TcpFlags::FIN))
    }

    /// Writes the header, options and payload into `packet`, whose buffer must be
    /// exactly (or at least) [`TcpRepr::buffer_len`] bytes; bytes past it are left
    /// alone. The checksum field is zeroed; fill it with
    /// [`TcpPacket::fill_checksum`]. Panics if the buffer is shorter than
    /// `buffer_len()` (a caller bug, not network input).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, packet: &mut TcpPacket<&mut T>) {
        let hl = self.header_len();
        self.emit_header(&mut packet.buffer.as_mut()[..hl]);
        packet.buffer.as_mut()[hl..hl + self.payload.len()].copy_from_slice(self.payload);
    }

    /// Writes only the header and options into `header` (at least
    /// [`TcpRepr::header_len`] bytes), for callers that place the payload
    /// themselves. The checksum field is zeroed. Panics if `header` is too short.
    pub fn emit_header(&self, header: &mut [u8]) {
        let hl = self.header_len();
        let mut p = TcpPacket::new_unchecked(&mut header[..hl]);
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_seq_number(self.seq_number);
        p.set_ack_number(self.ack_number);
        p.buffer[field::FLAGS.start] = 0;
        p.set_header_len(hl as u8);
        p.set_flags(self.flags);
        p.set_window_len(self.window_len);
        p.set_checksum(0);
        p.set_urgent_at(self.urgent_at);
        let mut o = &mut p.buffer[HEADER_LEN..];
        // Each step below writes a fixed layout whose length was counted in
        // `header_len`, so the option area always has room: these cannot fail.
        if let Some(mss) = self.mss {
            o = put(o, &[field::OPT_MSS, 4]);
            o = put(o, &mss.to_be_bytes());
        }
        match (self.sack_permitted, self.timestamp) {
            (true, Some(ts)) => {
                o = put(o, &[field::OPT_SACKPERM, 2, field::OPT_TSTAMP, 10]);
                o = put_ts(o, ts);
            }
            (false, Some(ts)) => {
                o = put(o, &[field::OPT_NOP, field::OPT_NOP, field::OPT_TSTAMP, 10]);
                o = put_ts(o, ts);
            }
            (true, None) => o = put(o, &[field::OPT_NOP, field::OPT_NOP, field::OPT_SACKPERM, 2]),
            (false, None) => {}
        }
        if let Some(ws) = self.window_scale {
            o = put(o, &[field::OPT_NOP, field::OPT_WS, 3, ws]);
        }
        let n = self.emitted_sack_blocks();
        if n > 0 {
            o = put(
                o,
                &[
                    field::OPT_NOP,
                    field::OPT_NOP,
                    field::OPT_SACKRNG,
                    (2 + 8 * n) as u8,
                ],
            );
            for &(l, r) in &self.sack_blocks.as_slice()[..n] {
                o = put(o, &l.to_be_bytes());
                o = put(o, &r.to_be_bytes());
            }
        }
        debug_assert!(o.is_empty());
    }
}

#[inline]
fn put<'b>(out: &'b mut [u8], bytes: &[u8]) -> &'b mut [u8] {
    let (head, rest) = out.split_at_mut(bytes.len());
    head.copy_from_slice(bytes);
    rest
}

#[inline]
fn put_ts(out: &mut [u8], ts: TcpTimestamp) -> &mut [u8] {
    let out = put(out, &ts.tsval.to_be_bytes());
    put(out, &ts.tsecr.to_be_bytes())
}

impl fmt::Display for TcpRepr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TCP {} > {} [{}] seq={} ack={} win={} len={}",
            self.src_port,
            self.dst_port,
            self.flags,
            self.seq_number,
            self.ack_number,
            self.window_len,
            self.payload.len()
        )?;
        if let Some(m) = self.mss {
            write!(f, " mss={m}")?;
        }
        if let Some(w) = self.window_scale {
            write!(f, " wscale={w}")?;
        }
        if self.sack_permitted {
            f.write_str(" sackOK")?;
        }
        if let Some(t) = self.timestamp {
            write!(f, " ts={}/{}", t.tsval, t.tsecr)?;
        }
        if !self.sack_blocks.is_empty() {
            write!(f, " sack={:?}", self.sack_blocks)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
