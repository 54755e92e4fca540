//! [`Frame`]: a validated Ethernet II frame, the currency of L2 devices and hubs.
//!
//! `&Frame` is a `&[u8]` (`#[repr(transparent)]`) whose Ethernet header,
//! including any 802.1Q / 802.1ad tags, was checked once by [`Frame::parse`];
//! after that no accessor panics. It is what a device hands its handler and what
//! a hub forwards. For building or editing headers field by field use the
//! codec view [`crate::ethernet`]; `Frame` is the cheap, always-valid handle.
//!
//! Not for: frames with an FCS attached (strip it first) or 802.3 length frames
//! (EtherType values below 0x0600 are reported as they are, not interpreted).

use core::fmt;

use ref_cast::{RefCastCustom, ref_cast_custom};

use crate::ethernet::{header_len_of, tag_at};
use crate::{EtherType, MacAddr, Result};

/// Ethernet II header length without VLAN tags: dst(6) + src(6) + ethertype(2).
pub const ETHERNET_HEADER_LEN: usize = 14;
/// Length of one 802.1Q / 802.1ad tag (TPID + TCI).
pub const VLAN_TAG_LEN: usize = 4;
/// How many stacked VLAN tags [`Frame::parse`] walks through before giving up.
pub const MAX_VLAN_TAGS: usize = 4;

/// One 802.1Q / 802.1ad tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VlanTag {
    /// Tag protocol identifier: [`EtherType::VLAN`] (C-tag) or [`EtherType::QINQ`] (S-tag).
    pub tpid: EtherType,
    /// Priority code point (3 bits).
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier (12 bits).
    pub vid: u16,
}

impl VlanTag {
    /// The 16-bit tag control information as on the wire.
    pub const fn tci(&self) -> u16 {
        ((self.pcp as u16 & 7) << 13) | ((self.dei as u16) << 12) | (self.vid & 0x0fff)
    }

    /// Splits a TCI into its fields.
    pub const fn from_tci(tpid: EtherType, tci: u16) -> Self {
        VlanTag {
            tpid,
            pcp: (tci >> 13) as u8,
            dei: tci & 0x1000 != 0,
            vid: tci & 0x0fff,
        }
    }
}

/// A validated Ethernet II frame (without FCS): a `&[u8]` whose header, VLAN tags
/// included, was checked once by [`Frame::parse`], so no accessor panics.
///
/// ```
/// use pktkit_wire::{Frame, MacAddr, EtherType};
/// let bytes = [
///     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // dst
///     0x52, 0x54, 0x00, 0x00, 0x00, 0x01, // src
///     0x81, 0x00, 0x00, 0x0a,             // 802.1Q tag, VID 10
///     0x08, 0x06,                         // ARP
///     0xde, 0xad,                         // payload
/// ];
/// let f = Frame::parse(&bytes).unwrap();
/// assert_eq!(f.dst(), MacAddr::BROADCAST);
/// assert_eq!(f.vlan_id(), Some(10));
/// assert_eq!(f.ethertype(), EtherType::ARP);
/// assert_eq!(f.payload(), &[0xde, 0xad]);
/// assert!(Frame::parse(&bytes[..15]).is_err());
/// ```
#[derive(RefCastCustom, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Frame([u8]);

impl Frame {
    #[ref_cast_custom]
    const fn cast(bytes: &[u8]) -> &Frame;
    #[ref_cast_custom]
    fn cast_mut(bytes: &mut [u8]) -> &mut Frame;

    /// Checks that `bytes` hold a whole Ethernet header (tags included) and wraps them.
    ///
    /// Errors: [`WireError::Truncated`](crate::WireError::Truncated) if the header or a tag is cut short,
    /// [`WireError::Unsupported`](crate::WireError::Unsupported) if more than [`MAX_VLAN_TAGS`] tags are stacked.
    #[inline]
    pub fn parse(bytes: &[u8]) -> Result<&Frame> {
        header_len_of(bytes)?;
        Ok(Frame::cast(bytes))
    }

    /// [`Frame::parse`] for a mutable buffer.
    #[inline]
    pub fn parse_mut(bytes: &mut [u8]) -> Result<&mut Frame> {
        header_len_of(bytes)?;
        Ok(Frame::cast_mut(bytes))
    }

    /// The whole frame.
    #[inline]
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The whole frame, mutably (the header stays valid only if its length is kept).
    #[inline]
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Length in bytes of the whole frame.
    #[inline]
    #[allow(clippy::len_without_is_empty)] // a Frame is never empty
    pub const fn len(&self) -> usize {
        self.0.len()
    }

    /// Destination MAC.
    #[inline]
    pub fn dst(&self) -> MacAddr {
        MacAddr([
            self.0[0], self.0[1], self.0[2], self.0[3], self.0[4], self.0[5],
        ])
    }

    /// Source MAC.
    #[inline]
    pub fn src(&self) -> MacAddr {
        MacAddr([
            self.0[6], self.0[7], self.0[8], self.0[9], self.0[10], self.0[11],
        ])
    }

    /// Sets the destination MAC.
    #[inline]
    pub fn set_dst(&mut self, mac: MacAddr) {
        self.0[..6].copy_from_slice(&mac.0);
    }

    /// Sets the source MAC.
    #[inline]
    pub fn set_src(&mut self, mac: MacAddr) {
        self.0[6..12].copy_from_slice(&mac.0);
    }

    /// Number of VLAN tags (0 for an untagged frame).
    #[inline]
    pub fn vlan_tag_count(&self) -> usize {
        (self.header_len() - ETHERNET_HEADER_LEN) / VLAN_TAG_LEN
    }

    /// The header length: 14 plus 4 per VLAN tag.
    #[inline]
    pub fn header_len(&self) -> usize {
        // Validated at construction; the walk cannot fail now.
        header_len_of(&self.0).unwrap_or(ETHERNET_HEADER_LEN)
    }

    /// The EtherType of the payload, after any VLAN tags.
    #[inline]
    pub fn ethertype(&self) -> EtherType {
        let at = self.header_len() - 2;
        EtherType(u16::from_be_bytes([self.0[at], self.0[at + 1]]))
    }

    /// The VID of the outermost VLAN tag, if tagged.
    #[inline]
    pub fn vlan_id(&self) -> Option<u16> {
        self.vlan_tags().next().map(|t| t.vid)
    }

    /// The VLAN tags, outermost first.
    pub fn vlan_tags(&self) -> impl Iterator<Item = VlanTag> + '_ {
        let n = self.vlan_tag_count();
        (0..n).map(move |i| tag_at(&self.0, i))
    }

    /// The payload after the header (and tags).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.0[self.header_len()..]
    }

    /// The payload, mutably.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let h = self.header_len();
        &mut self.0[h..]
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("dst", &self.dst())
            .field("src", &self.src())
            .field("vlan", &self.vlan_id())
            .field("ethertype", &self.ethertype())
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WireError;

    const QINQ: [u8; 24] = [
        1, 2, 3, 4, 5, 6, 0x02, 0, 0, 0, 0, 9, 0x88, 0xa8, 0x20, 0x64, 0x81, 0x00, 0x30, 0x0a,
        0x86, 0xdd, 0xaa, 0xbb,
    ];

    #[test]
    fn qinq_tags_in_order() {
        let f = Frame::parse(&QINQ).unwrap();
        let tags: std::vec::Vec<_> = f.vlan_tags().collect();
        assert_eq!(tags.len(), 2);
        assert_eq!(
            (tags[0].tpid, tags[0].pcp, tags[0].vid),
            (EtherType::QINQ, 1, 100)
        );
        assert_eq!(
            (tags[1].tpid, tags[1].pcp, tags[1].vid),
            (EtherType::VLAN, 1, 10)
        );
        assert_eq!(tags[1].tci(), 0x300a);
        assert_eq!(f.ethertype(), EtherType::IPV6);
        assert_eq!(f.header_len(), 22);
        assert_eq!(f.payload(), &[0xaa, 0xbb]);
    }

    #[test]
    fn every_truncation_is_rejected() {
        for n in 0..22 {
            assert_eq!(
                Frame::parse(&QINQ[..n]),
                Err(WireError::Truncated),
                "len {n}"
            );
        }
        assert!(Frame::parse(&QINQ[..22]).is_ok());
    }

    #[test]
    fn too_many_tags() {
        let mut b = [0u8; 64];
        for i in 0..=MAX_VLAN_TAGS {
            b[12 + 4 * i..14 + 4 * i].copy_from_slice(&[0x81, 0x00]);
        }
        assert_eq!(Frame::parse(&b), Err(WireError::Unsupported));
    }

    #[test]
    fn set_macs() {
        let mut b = QINQ;
        let f = Frame::parse_mut(&mut b).unwrap();
        f.set_dst(MacAddr::BROADCAST);
        f.set_src(MacAddr::new(2, 0, 0, 0, 0, 1));
        assert_eq!(f.dst(), MacAddr::BROADCAST);
        assert_eq!(f.src(), MacAddr::new(2, 0, 0, 0, 0, 1));
        assert_eq!(f.vlan_id(), Some(100));
    }
}
