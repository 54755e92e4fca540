//! Ethernet II frames with up to two 802.1Q / 802.1ad VLAN tags: a view
//! ([`EthernetFrame`]), a value ([`EthernetRepr`]) and the in-place tag
//! push/pop a switch port needs ([`push_vlan_tag`], [`pop_vlan_tag`], …).
//!
//! Not for: frames with an FCS attached (strip it first) or interpreting
//! 802.3 length fields (EtherType values below 0x0600 are kept as they are).
//! For the always-valid device handle see [`crate::Frame`], which shares the
//! tag walk of this module.
//!
//! # Panic freedom
//!
//! [`EthernetFrame::new_checked`] walks the tags once; after it succeeded no
//! getter or setter panics. A view made with [`EthernetFrame::new_unchecked`]
//! over a buffer shorter than its header panics on access, as smoltcp's do.
//! [`EthernetRepr::parse`] never panics and accepts at most two tags.
//! [`EthernetRepr::emit`] panics if the buffer is shorter than
//! [`EthernetRepr::buffer_len`].

use core::fmt;

use crate::{ETHERNET_HEADER_LEN, MAX_VLAN_TAGS, VLAN_TAG_LEN};
use crate::{EtherType, MacAddr, Result, VlanTag, WireError};

mod field {
    use core::ops::Range;
    pub(super) const DESTINATION: Range<usize> = 0..6;
    pub(super) const SOURCE: Range<usize> = 6..12;
    /// EtherType of an untagged frame, or TPID of the outermost tag.
    pub(super) const ETHERTYPE: Range<usize> = 12..14;
}

/// Length of an untagged Ethernet II header.
pub const HEADER_LEN: usize = ETHERNET_HEADER_LEN;

/// Walks the VLAN tags of `bytes` and returns the header length (14 + 4 per
/// tag), after checking all of it is present. Shared with [`crate::Frame`].
///
/// Errors: [`WireError::Truncated`] if the header or a tag is cut short,
/// [`WireError::Unsupported`] if more than [`MAX_VLAN_TAGS`] tags are stacked.
#[inline]
pub(crate) fn header_len_of(bytes: &[u8]) -> Result<usize> {
    if bytes.len() < ETHERNET_HEADER_LEN {
        return Err(WireError::Truncated);
    }
    let mut at = 12;
    for _ in 0..=MAX_VLAN_TAGS {
        let et = EtherType(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
        if !et.is_vlan_tag() {
            return Ok(at + 2);
        }
        at += VLAN_TAG_LEN;
        if bytes.len() < at + 2 {
            return Err(WireError::Truncated);
        }
    }
    Err(WireError::Unsupported)
}

/// The `index`-th tag (0 = outermost) of a frame whose header was walked.
/// The caller guarantees `12 + 4 * index + 4 <= bytes.len()`.
#[inline]
pub(crate) fn tag_at(bytes: &[u8], index: usize) -> VlanTag {
    let at = 12 + index * VLAN_TAG_LEN;
    let tpid = EtherType(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
    VlanTag::from_tci(tpid, u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]))
}

/// A read/write view of an Ethernet II frame. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps a buffer without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        EthernetFrame { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let f = Self::new_unchecked(buffer);
        f.check_len()?;
        Ok(f)
    }

    /// Checks that the whole header, tags included, is present.
    ///
    /// Errors: [`WireError::Truncated`], or [`WireError::Unsupported`] for more
    /// than [`MAX_VLAN_TAGS`] stacked tags.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        header_len_of(self.buffer.as_ref()).map(|_| ())
    }

    /// Unwraps the buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Header length: 14 plus 4 per VLAN tag.
    #[inline]
    pub fn header_len(&self) -> usize {
        let b = self.buffer.as_ref();
        let mut at = 12;
        for _ in 0..=MAX_VLAN_TAGS {
            if !EtherType(u16::from_be_bytes([b[at], b[at + 1]])).is_vlan_tag() {
                break;
            }
            at += VLAN_TAG_LEN;
        }
        (at + 2).min(ETHERNET_HEADER_LEN + MAX_VLAN_TAGS * VLAN_TAG_LEN)
    }

    /// Destination MAC.
    #[inline]
    pub fn dst_addr(&self) -> MacAddr {
        let b = &self.buffer.as_ref()[field::DESTINATION];
        MacAddr([b[0], b[1], b[2], b[3], b[4], b[5]])
    }

    /// Source MAC.
    #[inline]
    pub fn src_addr(&self) -> MacAddr {
        let b = &self.buffer.as_ref()[field::SOURCE];
        MacAddr([b[0], b[1], b[2], b[3], b[4], b[5]])
    }

    /// The 16 bits after the MACs: the EtherType of an untagged frame, the TPID
    /// of the outermost tag otherwise.
    #[inline]
    pub fn outer_ethertype(&self) -> EtherType {
        let b = &self.buffer.as_ref()[field::ETHERTYPE];
        EtherType(u16::from_be_bytes([b[0], b[1]]))
    }

    /// The EtherType of the payload, after any VLAN tags.
    #[inline]
    pub fn ethertype(&self) -> EtherType {
        let at = self.header_len() - 2;
        let b = self.buffer.as_ref();
        EtherType(u16::from_be_bytes([b[at], b[at + 1]]))
    }

    /// Number of VLAN tags.
    #[inline]
    pub fn vlan_tag_count(&self) -> usize {
        (self.header_len() - ETHERNET_HEADER_LEN) / VLAN_TAG_LEN
    }

    /// The `index`-th VLAN tag, outermost first.
    #[inline]
    pub fn vlan_tag(&self, index: usize) -> Option<VlanTag> {
        (index < self.vlan_tag_count()).then(|| tag_at(self.buffer.as_ref(), index))
    }

    /// The VLAN tags, outermost first.
    pub fn vlan_tags(&self) -> impl Iterator<Item = VlanTag> + '_ {
        (0..self.vlan_tag_count()).map(move |i| tag_at(self.buffer.as_ref(), i))
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> EthernetFrame<&'a T> {
    /// The payload after the header and tags, borrowing the buffer.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let h = self.header_len();
        &self.buffer.as_ref()[h..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Sets the destination MAC.
    #[inline]
    pub fn set_dst_addr(&mut self, mac: MacAddr) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&mac.0);
    }

    /// Sets the source MAC.
    #[inline]
    pub fn set_src_addr(&mut self, mac: MacAddr) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&mac.0);
    }

    /// Sets the EtherType after the existing tags (the tags are kept).
    #[inline]
    pub fn set_ethertype(&mut self, et: EtherType) {
        let at = self.header_len() - 2;
        self.buffer.as_mut()[at..at + 2].copy_from_slice(&et.0.to_be_bytes());
    }

    /// Sets the 16 bits after the MACs (EtherType of an untagged frame, TPID
    /// of the outermost tag); this can change how many tags the frame has.
    #[inline]
    pub fn set_outer_ethertype(&mut self, et: EtherType) {
        self.buffer.as_mut()[field::ETHERTYPE].copy_from_slice(&et.0.to_be_bytes());
    }

    /// Rewrites the `index`-th existing tag in place. Returns `false`,
    /// changing nothing, if there is no such tag or `tag.tpid` is not a tag
    /// protocol identifier (which would change the header layout).
    pub fn set_vlan_tag(&mut self, index: usize, tag: VlanTag) -> bool {
        if index >= self.vlan_tag_count() || !tag.tpid.is_vlan_tag() {
            return false;
        }
        let at = 12 + index * VLAN_TAG_LEN;
        let b = self.buffer.as_mut();
        b[at..at + 2].copy_from_slice(&tag.tpid.0.to_be_bytes());
        b[at + 2..at + 4].copy_from_slice(&tag.tci().to_be_bytes());
        true
    }

    /// The payload, mutably.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let h = self.header_len();
        &mut self.buffer.as_mut()[h..]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for EthernetFrame<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The VLAN tags of an [`EthernetRepr`]: none, one (802.1Q), or two (QinQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Vlan {
    /// Untagged.
    #[default]
    None,
    /// One tag (usually TPID 0x8100).
    Single(VlanTag),
    /// Two tags: the service tag (usually TPID 0x88a8) then the customer tag.
    Double {
        /// The outer (service) tag.
        outer: VlanTag,
        /// The inner (customer) tag.
        inner: VlanTag,
    },
}

impl Vlan {
    /// Number of tags.
    pub const fn len(&self) -> usize {
        match self {
            Vlan::None => 0,
            Vlan::Single(_) => 1,
            Vlan::Double { .. } => 2,
        }
    }

    /// True when untagged.
    pub const fn is_empty(&self) -> bool {
        matches!(self, Vlan::None)
    }

    /// The outermost tag.
    pub const fn outer(&self) -> Option<VlanTag> {
        match *self {
            Vlan::None => None,
            Vlan::Single(t) | Vlan::Double { outer: t, .. } => Some(t),
        }
    }
}

/// A parsed Ethernet II header (without payload).
///
/// ```
/// use pktkit_wire::ethernet::{EthernetFrame, EthernetRepr, Vlan};
/// use pktkit_wire::{EtherType, MacAddr, VlanTag};
/// let repr = EthernetRepr {
///     dst: MacAddr::BROADCAST,
///     src: MacAddr::new(2, 0, 0, 0, 0, 1),
///     vlan: Vlan::Single(VlanTag { tpid: EtherType::VLAN, pcp: 0, dei: false, vid: 10 }),
///     ethertype: EtherType::ARP,
/// };
/// let mut buf = [0u8; 18 + 28];
/// repr.emit(&mut EthernetFrame::new_unchecked(&mut buf[..]));
/// let frame = EthernetFrame::new_checked(&buf[..]).unwrap();
/// assert_eq!(EthernetRepr::parse(&frame).unwrap(), repr);
/// assert_eq!(frame.payload().len(), 28);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    /// Destination MAC.
    pub dst: MacAddr,
    /// Source MAC.
    pub src: MacAddr,
    /// VLAN tags.
    pub vlan: Vlan,
    /// EtherType of the payload.
    pub ethertype: EtherType,
}

impl EthernetRepr {
    /// Reads the header of a frame. More than two tags is [`WireError::Unsupported`].
    pub fn parse<T: AsRef<[u8]> + ?Sized>(frame: &EthernetFrame<&T>) -> Result<EthernetRepr> {
        let b = frame.buffer.as_ref();
        let h = header_len_of(b)?;
        let vlan = match (h - ETHERNET_HEADER_LEN) / VLAN_TAG_LEN {
            0 => Vlan::None,
            1 => Vlan::Single(tag_at(b, 0)),
            2 => Vlan::Double {
                outer: tag_at(b, 0),
                inner: tag_at(b, 1),
            },
            _ => return Err(WireError::Unsupported),
        };
        Ok(EthernetRepr {
            dst: frame.dst_addr(),
            src: frame.src_addr(),
            vlan,
            ethertype: EtherType(u16::from_be_bytes([b[h - 2], b[h - 1]])),
        })
    }

    /// Header length: 14 plus 4 per tag.
    pub const fn buffer_len(&self) -> usize {
        ETHERNET_HEADER_LEN + self.vlan.len() * VLAN_TAG_LEN
    }

    /// Writes the header at the start of `frame` (the payload is left alone).
    ///
    /// A tag whose `tpid` is not a tag protocol identifier is written as it is,
    /// which makes the frame read back differently; keep TPIDs valid.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut EthernetFrame<T>) {
        let b = frame.buffer.as_mut();
        b[field::DESTINATION].copy_from_slice(&self.dst.0);
        b[field::SOURCE].copy_from_slice(&self.src.0);
        let mut at = 12;
        let mut put = |tag: VlanTag| {
            b[at..at + 2].copy_from_slice(&tag.tpid.0.to_be_bytes());
            b[at + 2..at + 4].copy_from_slice(&tag.tci().to_be_bytes());
            at += VLAN_TAG_LEN;
        };
        match self.vlan {
            Vlan::None => {}
            Vlan::Single(t) => put(t),
            Vlan::Double { outer, inner } => {
                put(outer);
                put(inner);
            }
        }
        b[at..at + 2].copy_from_slice(&self.ethertype.0.to_be_bytes());
    }
}

impl fmt::Display for EthernetRepr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EthernetII src={} dst={}", self.src, self.dst)?;
        match self.vlan {
            Vlan::None => {}
            Vlan::Single(t) => write!(f, " vlan={}", t.vid)?,
            Vlan::Double { outer, inner } => write!(f, " vlan={}.{}", outer.vid, inner.vid)?,
        }
        write!(f, " type={}", self.ethertype)
    }
}

fn write_tag(b: &mut [u8], at: usize, tag: VlanTag) {
    b[at..at + 2].copy_from_slice(&tag.tpid.0.to_be_bytes());
    b[at + 2..at + 4].copy_from_slice(&tag.tci().to_be_bytes());
}

/// Inserts `tag` as the new outermost tag of the frame `buf[..len]`, moving
/// everything after the MACs 4 bytes towards the end (uses 4 bytes of
/// tailroom). Returns the new frame length, `len + 4`.
///
/// Errors: [`WireError::Truncated`] if `buf[..len]` is not a whole Ethernet
/// header, [`WireError::BufferTooSmall`] if `buf.len() < len + 4`,
/// [`WireError::BadField`] if `tag.tpid` is not a tag protocol identifier,
/// [`WireError::Unsupported`] if the frame already carries [`MAX_VLAN_TAGS`] tags.
///
/// ```
/// use pktkit_wire::ethernet::{pop_vlan_tag, push_vlan_tag};
/// use pktkit_wire::{EtherType, VlanTag};
/// let mut buf = [0u8; 64];
/// buf[12..14].copy_from_slice(&[0x08, 0x00]);
/// let tag = VlanTag { tpid: EtherType::VLAN, pcp: 3, dei: false, vid: 42 };
/// let len = push_vlan_tag(&mut buf, 60, tag).unwrap();
/// assert_eq!((len, &buf[12..18]), (64, &[0x81, 0x00, 0x60, 0x2a, 0x08, 0x00][..]));
/// assert_eq!(pop_vlan_tag(&mut buf, len).unwrap(), Some((tag, 60)));
/// ```
pub fn push_vlan_tag(buf: &mut [u8], len: usize, tag: VlanTag) -> Result<usize> {
    let frame = buf.get(..len).ok_or(WireError::BufferTooSmall)?;
    let h = header_len_of(frame)?;
    check_pushable(h, tag)?;
    if buf.len() < len + VLAN_TAG_LEN {
        return Err(WireError::BufferTooSmall);
    }
    buf.copy_within(12..len, 12 + VLAN_TAG_LEN);
    write_tag(buf, 12, tag);
    Ok(len + VLAN_TAG_LEN)
}

/// Removes the outermost tag of the frame `buf[..len]`, moving everything
/// after it 4 bytes towards the start. Returns the removed tag and the new
/// length, or `None` (nothing changed) for an untagged frame.
///
/// Errors: those of [`EthernetFrame::new_checked`] on `buf[..len]`, or
/// [`WireError::BufferTooSmall`] if `len > buf.len()`.
pub fn pop_vlan_tag(buf: &mut [u8], len: usize) -> Result<Option<(VlanTag, usize)>> {
    let frame = buf.get(..len).ok_or(WireError::BufferTooSmall)?;
    let h = header_len_of(frame)?;
    if h == ETHERNET_HEADER_LEN {
        return Ok(None);
    }
    let tag = tag_at(frame, 0);
    buf.copy_within(12 + VLAN_TAG_LEN..len, 12);
    Ok(Some((tag, len - VLAN_TAG_LEN)))
}

/// Inserts `tag` as the new outermost tag of the frame `buf[start..end]` by
/// moving only the two MACs 4 bytes towards the start (uses 4 bytes of
/// headroom; the payload is not touched). Returns the new start, `start - 4`.
///
/// Errors: as [`push_vlan_tag`], with [`WireError::BufferTooSmall`] when
/// `start < 4` or `end > buf.len()`.
pub fn push_vlan_tag_front(
    buf: &mut [u8],
    start: usize,
    end: usize,
    tag: VlanTag,
) -> Result<usize> {
    let frame = buf.get(start..end).ok_or(WireError::BufferTooSmall)?;
    let h = header_len_of(frame)?;
    check_pushable(h, tag)?;
    let new_start = start
        .checked_sub(VLAN_TAG_LEN)
        .ok_or(WireError::BufferTooSmall)?;
    buf.copy_within(start..start + 12, new_start);
    write_tag(buf, new_start + 12, tag);
    Ok(new_start)
}

/// Removes the outermost tag of the frame `buf[start..end]` by moving only the
/// MACs 4 bytes towards the end. Returns the removed tag and the new start
/// (`start + 4`), or `None` (nothing changed) for an untagged frame.
///
/// Errors: as [`pop_vlan_tag`].
pub fn pop_vlan_tag_front(
    buf: &mut [u8],
    start: usize,
    end: usize,
) -> Result<Option<(VlanTag, usize)>> {
    let frame = buf.get(start..end).ok_or(WireError::BufferTooSmall)?;
    let h = header_len_of(frame)?;
    if h == ETHERNET_HEADER_LEN {
        return Ok(None);
    }
    let tag = tag_at(frame, 0);
    buf.copy_within(start..start + 12, start + VLAN_TAG_LEN);
    Ok(Some((tag, start + VLAN_TAG_LEN)))
}

fn check_pushable(header_len: usize, tag: VlanTag) -> Result<()> {
    if !tag.tpid.is_vlan_tag() {
        return Err(WireError::BadField);
    }
    if header_len >= ETHERNET_HEADER_LEN + MAX_VLAN_TAGS * VLAN_TAG_LEN {
        return Err(WireError::Unsupported);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // An ARP request captured on a Linux bridge (tcpdump -xx), untagged.
    static ARP_FRAME: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06, 0x00,
        0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x00,
        0x02, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x02,
    ];

    // IEEE 802.1ad example layout: S-tag 0x88a8 PCP 1 VID 100, C-tag 0x8100
    // PCP 1 DEI 1 VID 10, then IPv6 (the same bytes as frame.rs's QINQ test).
    static QINQ_FRAME: [u8; 24] = [
        1, 2, 3, 4, 5, 6, 0x02, 0, 0, 0, 0, 9, 0x88, 0xa8, 0x20, 0x64, 0x81, 0x00, 0x30, 0x0a,
        0x86, 0xdd, 0xaa, 0xbb,
    ];

    fn qinq_repr() -> EthernetRepr {
        EthernetRepr {
            dst: MacAddr::new(1, 2, 3, 4, 5, 6),
            src: MacAddr::new(2, 0, 0, 0, 0, 9),
            vlan: Vlan::Double {
                outer: VlanTag {
                    tpid: EtherType::QINQ,
                    pcp: 1,
                    dei: false,
                    vid: 100,
                },
                inner: VlanTag {
                    tpid: EtherType::VLAN,
                    pcp: 1,
                    dei: true,
                    vid: 10,
                },
            },
            ethertype: EtherType::IPV6,
        }
    }

    #[test]
    fn deconstruct_untagged() {
        let f = EthernetFrame::new_checked(&ARP_FRAME[..]).unwrap();
        assert_eq!(f.dst_addr(), MacAddr::BROADCAST);
        assert_eq!(f.src_addr(), MacAddr::new(0x52, 0x54, 0, 0x12, 0x34, 0x56));
        assert_eq!(f.ethertype(), EtherType::ARP);
        assert_eq!(f.outer_ethertype(), EtherType::ARP);
        assert_eq!(f.vlan_tag_count(), 0);
        assert_eq!(f.vlan_tag(0), None);
        assert_eq!(f.header_len(), 14);
        assert_eq!(f.payload(), &ARP_FRAME[14..]);
    }

    #[test]
    fn deconstruct_qinq() {
        let f = EthernetFrame::new_checked(&QINQ_FRAME[..]).unwrap();
        assert_eq!(f.vlan_tag_count(), 2);
        assert_eq!(f.outer_ethertype(), EtherType::QINQ);
        assert_eq!(f.ethertype(), EtherType::IPV6);
        assert_eq!(f.vlan_tag(1).unwrap().vid, 10);
        assert_eq!(f.payload(), &[0xaa, 0xbb]);
        assert_eq!(EthernetRepr::parse(&f).unwrap(), qinq_repr());
    }

    #[test]
    fn construct_into_junk() {
        let mut buf = [0xa5u8; 24];
        let mut f = EthernetFrame::new_unchecked(&mut buf[..]);
        qinq_repr().emit(&mut f);
        f.payload_mut().copy_from_slice(&[0xaa, 0xbb]);
        assert_eq!(buf, QINQ_FRAME);
        let mut buf = [0xa5u8; 42];
        let mut f = EthernetFrame::new_unchecked(&mut buf[..]);
        f.set_dst_addr(MacAddr::BROADCAST);
        f.set_src_addr(MacAddr::new(0x52, 0x54, 0, 0x12, 0x34, 0x56));
        f.set_outer_ethertype(EtherType::ARP);
        f.payload_mut().copy_from_slice(&ARP_FRAME[14..]);
        assert_eq!(buf, ARP_FRAME);
    }

    #[test]
    fn parse_emit_roundtrip() {
        let f = EthernetFrame::new_checked(&ARP_FRAME[..]).unwrap();
        let r = EthernetRepr::parse(&f).unwrap();
        assert_eq!(r.buffer_len(), 14);
        let mut out = [0xa5u8; 14];
        r.emit(&mut EthernetFrame::new_unchecked(&mut out[..]));
        assert_eq!(out, ARP_FRAME[..14]);
    }

    #[test]
    fn malformed() {
        for n in 0..22 {
            assert_eq!(
                EthernetFrame::new_checked(&QINQ_FRAME[..n]).err(),
                Some(WireError::Truncated),
                "len {n}"
            );
        }
        // Three tags: the view accepts (up to MAX_VLAN_TAGS), the repr does not.
        let mut b = [0u8; 30];
        for i in 0..3 {
            b[12 + 4 * i..14 + 4 * i].copy_from_slice(&[0x81, 0x00]);
        }
        let f = EthernetFrame::new_checked(&b[..]).unwrap();
        assert_eq!(f.vlan_tag_count(), 3);
        assert_eq!(EthernetRepr::parse(&f), Err(WireError::Unsupported));
        let mut b = [0u8; 64];
        for i in 0..=MAX_VLAN_TAGS {
            b[12 + 4 * i..14 + 4 * i].copy_from_slice(&[0x81, 0x00]);
        }
        assert_eq!(
            EthernetFrame::new_checked(&b[..]).err(),
            Some(WireError::Unsupported)
        );
    }

    #[test]
    fn set_tag_and_ethertype_in_place() {
        let mut b = QINQ_FRAME;
        let mut f = EthernetFrame::new_checked(&mut b[..]).unwrap();
        let t = VlanTag {
            tpid: EtherType::VLAN,
            pcp: 7,
            dei: true,
            vid: 4094,
        };
        assert!(f.set_vlan_tag(1, t));
        assert!(!f.set_vlan_tag(2, t));
        assert!(!f.set_vlan_tag(
            0,
            VlanTag {
                tpid: EtherType::IPV4,
                ..t
            }
        ));
        f.set_ethertype(EtherType::IPV4);
        assert_eq!(f.vlan_tag(1), Some(t));
        assert_eq!(f.ethertype(), EtherType::IPV4);
        assert_eq!(&b[16..22], &[0x81, 0x00, 0xff, 0xfe, 0x08, 0x00]);
    }

    #[test]
    fn push_pop_tailroom() {
        let mut buf = [0xa5u8; 50];
        buf[..42].copy_from_slice(&ARP_FRAME);
        let s = VlanTag {
            tpid: EtherType::QINQ,
            pcp: 1,
            dei: false,
            vid: 100,
        };
        let c = VlanTag {
            tpid: EtherType::VLAN,
            pcp: 1,
            dei: true,
            vid: 10,
        };
        let len = push_vlan_tag(&mut buf, 42, c).unwrap();
        let len = push_vlan_tag(&mut buf, len, s).unwrap();
        assert_eq!(len, 50);
        assert_eq!(&buf[12..20], &QINQ_FRAME[12..20]);
        assert_eq!(&buf[20..50], &ARP_FRAME[12..]);
        assert_eq!(
            push_vlan_tag(&mut buf, 50, c),
            Err(WireError::BufferTooSmall)
        );
        assert_eq!(pop_vlan_tag(&mut buf, 50).unwrap(), Some((s, 46)));
        assert_eq!(pop_vlan_tag(&mut buf, 46).unwrap(), Some((c, 42)));
        assert_eq!(pop_vlan_tag(&mut buf, 42).unwrap(), None);
        assert_eq!(&buf[..42], &ARP_FRAME[..]);
        assert_eq!(pop_vlan_tag(&mut buf, 51), Err(WireError::BufferTooSmall));
        assert_eq!(pop_vlan_tag(&mut buf, 13), Err(WireError::Truncated));
        let bad = VlanTag {
            tpid: EtherType::IPV4,
            ..c
        };
        assert_eq!(push_vlan_tag(&mut buf, 42, bad), Err(WireError::BadField));
    }

    #[test]
    fn push_pop_headroom() {
        let mut buf = [0xa5u8; 50];
        buf[8..50].copy_from_slice(&ARP_FRAME);
        let c = VlanTag {
            tpid: EtherType::VLAN,
            pcp: 0,
            dei: false,
            vid: 7,
        };
        let start = push_vlan_tag_front(&mut buf, 8, 50, c).unwrap();
        assert_eq!(start, 4);
        let f = EthernetFrame::new_checked(&buf[start..]).unwrap();
        assert_eq!(f.vlan_tag(0), Some(c));
        assert_eq!(f.ethertype(), EtherType::ARP);
        assert_eq!(f.src_addr(), MacAddr::new(0x52, 0x54, 0, 0x12, 0x34, 0x56));
        assert_eq!(f.payload(), &ARP_FRAME[14..]);
        let start2 = push_vlan_tag_front(&mut buf, start, 50, c).unwrap();
        assert_eq!(
            push_vlan_tag_front(&mut buf, start2, 50, c),
            Err(WireError::BufferTooSmall)
        );
        let (_, s) = pop_vlan_tag_front(&mut buf, start2, 50).unwrap().unwrap();
        assert_eq!(pop_vlan_tag_front(&mut buf, s, 50).unwrap(), Some((c, 8)));
        assert_eq!(&buf[8..50], &ARP_FRAME[..]);
        assert_eq!(pop_vlan_tag_front(&mut buf, 8, 50).unwrap(), None);
    }
}
