//! The virtio-net header (`struct virtio_net_hdr`, virtio 1.x §5.1.6): the
//! offload metadata that travels in front of a frame on TAP/TUN with
//! `IFF_VNET_HDR`, vhost-user and virtio queues.
//!
//! It says whether the frame's transport checksum is still partial
//! ([`flags::NEEDS_CSUM`]: the sender left the pseudo-header sum at
//! `csum_start + csum_offset` and the receiver must finish it over
//! `csum_start..`), whether it was already verified ([`flags::DATA_VALID`]),
//! and whether the frame is one large TCP/UDP segment ([`GsoType`]) that has to be cut
//! into `gso_size`-byte pieces before it meets a link without offloads.
//!
//! The header is not self-describing: its length (10 bytes, or 12 with the
//! `num_buffers` field of `VIRTIO_NET_F_MRG_RXBUF`, or longer when the kernel was
//! told so by `TUNSETVNETHDRSZ`) is agreed out of band, so a view is made over
//! exactly the header bytes, not over header + frame. Fields are little-endian
//! (virtio 1.x; TAP/TUN use that byte order on little-endian hosts and after
//! `TUNSETVNETLE`).
//!
//! Not for: segmenting or checksumming the frame itself (that is the device's
//! job, e.g. `pktkit-tuntap`'s `gso` module).
//!
//! Panic freedom: [`VirtioNetHeader::new_checked`] rejects buffers shorter than
//! [`HEADER_LEN`]; after it succeeds no getter panics. [`VirtioNetRepr::parse`]
//! rejects unknown GSO types and a GSO header with a zero `gso_size`.

use crate::{Result, WireError};

/// Length of the basic header (`struct virtio_net_hdr`).
pub const HEADER_LEN: usize = 10;
/// Length of the header with `num_buffers` (`struct virtio_net_hdr_mrg_rxbuf`, and
/// the only layout of virtio 1.x devices).
pub const MRG_RXBUF_HEADER_LEN: usize = 12;

mod field {
    use core::ops::Range;
    pub(crate) const FLAGS: usize = 0;
    pub(crate) const GSO_TYPE: usize = 1;
    pub(crate) const HDR_LEN: Range<usize> = 2..4;
    pub(crate) const GSO_SIZE: Range<usize> = 4..6;
    pub(crate) const CSUM_START: Range<usize> = 6..8;
    pub(crate) const CSUM_OFFSET: Range<usize> = 8..10;
    pub(crate) const NUM_BUFFERS: Range<usize> = 10..12;
}

/// Bits of the `flags` byte.
pub mod flags {
    /// `VIRTIO_NET_HDR_F_NEEDS_CSUM`: the transport checksum is partial; finish it
    /// over `csum_start..` and store it at `csum_start + csum_offset`.
    pub const NEEDS_CSUM: u8 = 1;
    /// `VIRTIO_NET_HDR_F_DATA_VALID`: the checksum was verified by the sender's side.
    pub const DATA_VALID: u8 = 2;
    /// `VIRTIO_NET_HDR_F_RSC_INFO`: receive-segment-coalescing info in csum fields.
    pub const RSC_INFO: u8 = 4;
}

/// `gso_type` without the ECN bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum GsoType {
    /// `VIRTIO_NET_HDR_GSO_NONE`: an ordinary frame.
    #[default]
    None,
    /// `VIRTIO_NET_HDR_GSO_TCPV4`: a TCP over IPv4 segment to cut at `gso_size`.
    TcpV4,
    /// `VIRTIO_NET_HDR_GSO_UDP`: UDP fragmentation offload (UFO, IP fragments).
    Udp,
    /// `VIRTIO_NET_HDR_GSO_TCPV6`: a TCP over IPv6 segment to cut at `gso_size`.
    TcpV6,
    /// `VIRTIO_NET_HDR_GSO_UDP_L4`: UDP segmentation (USO, one datagram per `gso_size`).
    UdpL4,
}

impl GsoType {
    /// The `gso_type` value (without [`GSO_ECN`]).
    pub const fn to_u8(self) -> u8 {
        match self {
            GsoType::None => 0,
            GsoType::TcpV4 => 1,
            GsoType::Udp => 3,
            GsoType::TcpV6 => 4,
            GsoType::UdpL4 => 5,
        }
    }

    /// Reads a `gso_type` value with the [`GSO_ECN`] bit masked off.
    pub const fn from_u8(v: u8) -> Option<GsoType> {
        match v & !GSO_ECN {
            0 => Some(GsoType::None),
            1 => Some(GsoType::TcpV4),
            3 => Some(GsoType::Udp),
            4 => Some(GsoType::TcpV6),
            5 => Some(GsoType::UdpL4),
            _ => None,
        }
    }
}

/// `VIRTIO_NET_HDR_GSO_ECN`: the TCP segment has CWR set and segments must keep ECN.
pub const GSO_ECN: u8 = 0x80;

/// A view over the bytes of one virtio-net header. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VirtioNetHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VirtioNetHeader<T> {
    /// Wraps `buffer` without checking its length.
    pub const fn new_unchecked(buffer: T) -> Self {
        VirtioNetHeader { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let h = Self::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// [`WireError::Truncated`] when the buffer is shorter than [`HEADER_LEN`].
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Length of the header (the length of the buffer).
    pub fn header_len(&self) -> usize {
        self.buffer.as_ref().len()
    }

    /// The raw `flags` byte (see [`flags`]).
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// True when [`flags::NEEDS_CSUM`] is set.
    pub fn needs_csum(&self) -> bool {
        self.flags() & flags::NEEDS_CSUM != 0
    }

    /// True when [`flags::DATA_VALID`] is set.
    pub fn data_valid(&self) -> bool {
        self.flags() & flags::DATA_VALID != 0
    }

    /// The raw `gso_type` byte, ECN bit included.
    pub fn gso_type_raw(&self) -> u8 {
        self.buffer.as_ref()[field::GSO_TYPE]
    }

    /// The GSO type, `None` when the value is unknown.
    pub fn gso_type(&self) -> Option<GsoType> {
        GsoType::from_u8(self.gso_type_raw())
    }

    /// True when the [`GSO_ECN`] bit is set.
    pub fn gso_ecn(&self) -> bool {
        self.gso_type_raw() & GSO_ECN != 0
    }

    fn u16_at(&self, r: core::ops::Range<usize>) -> u16 {
        let b = &self.buffer.as_ref()[r];
        u16::from_le_bytes([b[0], b[1]])
    }

    /// `hdr_len`: length of the headers (Ethernet + IP + transport) in front of the payload.
    pub fn hdr_len(&self) -> u16 {
        self.u16_at(field::HDR_LEN)
    }

    /// `gso_size`: the payload bytes each segment carries (MSS for TCP).
    pub fn gso_size(&self) -> u16 {
        self.u16_at(field::GSO_SIZE)
    }

    /// `csum_start`: where checksumming starts, from the start of the frame.
    pub fn csum_start(&self) -> u16 {
        self.u16_at(field::CSUM_START)
    }

    /// `csum_offset`: where the checksum is stored, from `csum_start`.
    pub fn csum_offset(&self) -> u16 {
        self.u16_at(field::CSUM_OFFSET)
    }

    /// `num_buffers`, when the header is long enough to carry it.
    pub fn num_buffers(&self) -> Option<u16> {
        if self.header_len() >= MRG_RXBUF_HEADER_LEN {
            Some(self.u16_at(field::NUM_BUFFERS))
        } else {
            None
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VirtioNetHeader<T> {
    fn set_u16_at(&mut self, r: core::ops::Range<usize>, v: u16) {
        self.buffer.as_mut()[r].copy_from_slice(&v.to_le_bytes());
    }

    /// Sets the raw `flags` byte.
    pub fn set_flags(&mut self, v: u8) {
        self.buffer.as_mut()[field::FLAGS] = v;
    }

    /// Sets the raw `gso_type` byte (ECN bit included).
    pub fn set_gso_type_raw(&mut self, v: u8) {
        self.buffer.as_mut()[field::GSO_TYPE] = v;
    }

    /// Sets `hdr_len`.
    pub fn set_hdr_len(&mut self, v: u16) {
        self.set_u16_at(field::HDR_LEN, v)
    }

    /// Sets `gso_size`.
    pub fn set_gso_size(&mut self, v: u16) {
        self.set_u16_at(field::GSO_SIZE, v)
    }

    /// Sets `csum_start`.
    pub fn set_csum_start(&mut self, v: u16) {
        self.set_u16_at(field::CSUM_START, v)
    }

    /// Sets `csum_offset`.
    pub fn set_csum_offset(&mut self, v: u16) {
        self.set_u16_at(field::CSUM_OFFSET, v)
    }

    /// Sets `num_buffers`; does nothing on a 10-byte header.
    pub fn set_num_buffers(&mut self, v: u16) {
        if self.header_len() >= MRG_RXBUF_HEADER_LEN {
            self.set_u16_at(field::NUM_BUFFERS, v)
        }
    }

    /// Zeroes the whole header: no offload, nothing partial (what a plain frame carries).
    pub fn clear(&mut self) {
        self.buffer.as_mut().fill(0);
    }
}

/// The meaning of a virtio-net header.
///
/// ```
/// use pktkit_wire::virtio_net::{GsoType, VirtioNetHeader, VirtioNetRepr};
/// // A TSO frame as the kernel hands it to a TAP with IFF_VNET_HDR:
/// let bytes = [0x01, 0x01, 0x42, 0x00, 0xa8, 0x05, 0x22, 0x00, 0x10, 0x00];
/// let repr = VirtioNetRepr::parse(&VirtioNetHeader::new_checked(&bytes[..]).unwrap()).unwrap();
/// assert_eq!(repr.gso_type, GsoType::TcpV4);
/// assert_eq!((repr.gso_size, repr.csum_start, repr.csum_offset), (1448, 34, 16));
/// assert!(repr.needs_csum());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VirtioNetRepr {
    /// The `flags` byte (see [`flags`]).
    pub flags: u8,
    /// The GSO type.
    pub gso_type: GsoType,
    /// The ECN bit of `gso_type`.
    pub gso_ecn: bool,
    /// `hdr_len`.
    pub hdr_len: u16,
    /// `gso_size`.
    pub gso_size: u16,
    /// `csum_start`.
    pub csum_start: u16,
    /// `csum_offset`.
    pub csum_offset: u16,
    /// `num_buffers`, present in the 12-byte layout.
    pub num_buffers: Option<u16>,
}

impl VirtioNetRepr {
    /// Reads a header. Errors: [`WireError::Truncated`] (shorter than [`HEADER_LEN`]),
    /// [`WireError::Unsupported`] (unknown `gso_type`), [`WireError::BadField`]
    /// (a GSO type with `gso_size` 0).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(h: &VirtioNetHeader<&T>) -> Result<VirtioNetRepr> {
        h.check_len()?;
        let gso_type = h.gso_type().ok_or(WireError::Unsupported)?;
        if gso_type != GsoType::None && h.gso_size() == 0 {
            return Err(WireError::BadField);
        }
        Ok(VirtioNetRepr {
            flags: h.flags(),
            gso_type,
            gso_ecn: h.gso_ecn(),
            hdr_len: h.hdr_len(),
            gso_size: h.gso_size(),
            csum_start: h.csum_start(),
            csum_offset: h.csum_offset(),
            num_buffers: h.num_buffers(),
        })
    }

    /// True when [`flags::NEEDS_CSUM`] is set.
    pub const fn needs_csum(&self) -> bool {
        self.flags & flags::NEEDS_CSUM != 0
    }

    /// True when the frame is one large segment that needs cutting.
    pub const fn is_gso(&self) -> bool {
        !matches!(self.gso_type, GsoType::None)
    }

    /// [`HEADER_LEN`], or [`MRG_RXBUF_HEADER_LEN`] when `num_buffers` is present.
    pub const fn buffer_len(&self) -> usize {
        if self.num_buffers.is_some() {
            MRG_RXBUF_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    /// Writes the header. Bytes past the fields it knows (a header longer than 12
    /// bytes) are zeroed; a 12-byte-or-longer buffer gets `num_buffers` (0 when `None`).
    ///
    /// Panics if the buffer is shorter than [`HEADER_LEN`] (the caller sized it).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, h: &mut VirtioNetHeader<&mut T>) {
        h.clear();
        h.set_flags(self.flags);
        h.set_gso_type_raw(self.gso_type.to_u8() | if self.gso_ecn { GSO_ECN } else { 0 });
        h.set_hdr_len(self.hdr_len);
        h.set_gso_size(self.gso_size);
        h.set_csum_start(self.csum_start);
        h.set_csum_offset(self.csum_offset);
        h.set_num_buffers(self.num_buffers.unwrap_or(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from a TAP (IFF_VNET_HDR, TUNSETOFFLOAD CSUM|TSO4) on Linux 6.x: the
    // header of a TCP/IPv4 TSO frame (hdr_len 66 = 14 + 20 + 32, MSS 1448,
    // partial checksum at 34 + 16) with 12-byte layout (num_buffers = 0).
    static TSO4: [u8; 12] = [
        0x01, 0x01, 0x42, 0x00, 0xa8, 0x05, 0x22, 0x00, 0x10, 0x00, 0x00, 0x00,
    ];
    // An IPv6 UDP frame with a partial checksum (csum_start 54, offset 6), no GSO.
    static UDP6_CSUM: [u8; 10] = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0x00, 0x06, 0x00];

    #[test]
    fn deconstruct() {
        let h = VirtioNetHeader::new_checked(&TSO4[..]).unwrap();
        assert!(h.needs_csum());
        assert!(!h.data_valid());
        assert_eq!(h.gso_type(), Some(GsoType::TcpV4));
        assert!(!h.gso_ecn());
        assert_eq!(h.hdr_len(), 66);
        assert_eq!(h.gso_size(), 1448);
        assert_eq!(h.csum_start(), 34);
        assert_eq!(h.csum_offset(), 16);
        assert_eq!(h.num_buffers(), Some(0));
        let h = VirtioNetHeader::new_checked(&UDP6_CSUM[..]).unwrap();
        assert_eq!(h.num_buffers(), None);
        assert_eq!(h.gso_type(), Some(GsoType::None));
        assert_eq!((h.csum_start(), h.csum_offset()), (54, 6));
    }

    #[test]
    fn construct() {
        let mut b = [0xa5u8; 12];
        let mut h = VirtioNetHeader::new_unchecked(&mut b[..]);
        h.clear();
        h.set_flags(flags::NEEDS_CSUM);
        h.set_gso_type_raw(GsoType::TcpV4.to_u8());
        h.set_hdr_len(66);
        h.set_gso_size(1448);
        h.set_csum_start(34);
        h.set_csum_offset(16);
        h.set_num_buffers(0);
        assert_eq!(b, TSO4);
    }

    #[test]
    fn parse_and_emit() {
        let repr = VirtioNetRepr::parse(&VirtioNetHeader::new_checked(&TSO4[..]).unwrap()).unwrap();
        assert_eq!(
            repr,
            VirtioNetRepr {
                flags: flags::NEEDS_CSUM,
                gso_type: GsoType::TcpV4,
                gso_ecn: false,
                hdr_len: 66,
                gso_size: 1448,
                csum_start: 34,
                csum_offset: 16,
                num_buffers: Some(0),
            }
        );
        assert_eq!(repr.buffer_len(), 12);
        let mut out = [0xa5u8; 12];
        repr.emit(&mut VirtioNetHeader::new_unchecked(&mut out[..]));
        assert_eq!(out, TSO4);

        let repr =
            VirtioNetRepr::parse(&VirtioNetHeader::new_checked(&UDP6_CSUM[..]).unwrap()).unwrap();
        assert_eq!(repr.buffer_len(), 10);
        let mut out = [0xa5u8; 10];
        repr.emit(&mut VirtioNetHeader::new_unchecked(&mut out[..]));
        assert_eq!(out, UDP6_CSUM);
    }

    #[test]
    fn ecn_bit_and_long_header() {
        let mut b = [0xa5u8; 20];
        let repr = VirtioNetRepr {
            gso_type: GsoType::TcpV6,
            gso_ecn: true,
            gso_size: 1428,
            ..Default::default()
        };
        repr.emit(&mut VirtioNetHeader::new_unchecked(&mut b[..]));
        assert_eq!(b[1], 0x84);
        assert!(b[10..].iter().all(|&x| x == 0), "tail zeroed");
        let back = VirtioNetRepr::parse(&VirtioNetHeader::new_checked(&b[..]).unwrap()).unwrap();
        assert_eq!(back.gso_type, GsoType::TcpV6);
        assert!(back.gso_ecn);
        assert_eq!(back.num_buffers, Some(0));
    }

    #[test]
    fn malformed() {
        for n in 0..HEADER_LEN {
            assert_eq!(
                VirtioNetHeader::new_checked(&TSO4[..n]).err(),
                Some(WireError::Truncated)
            );
        }
        let mut b = TSO4;
        b[1] = 2; // no such gso_type
        let h = VirtioNetHeader::new_checked(&b[..]).unwrap();
        assert_eq!(VirtioNetRepr::parse(&h), Err(WireError::Unsupported));
        let mut b = TSO4;
        b[4] = 0;
        b[5] = 0; // GSO without a segment size
        let h = VirtioNetHeader::new_checked(&b[..]).unwrap();
        assert_eq!(VirtioNetRepr::parse(&h), Err(WireError::BadField));
    }
}
