//! pcapng capture files: a block reader over `&[u8]` and block writers.
//!
//! A pcapng file is a sequence of blocks, each `type, total length, body,
//! total length`. A Section Header Block (SHB) opens each section and fixes its
//! byte order; Interface Description Blocks (IDB) declare interfaces (link type,
//! snap length, timestamp resolution); Enhanced Packet Blocks (EPB) and Simple
//! Packet Blocks (SPB) carry packets. Blocks of any other type are skipped by
//! their length.
//!
//! * [`PcapngReader`] walks a file held in memory and yields [`Block`]s (or,
//!   through [`PcapngReader::packets`], only [`PcapngPacket`]s, each with its
//!   interface's link type, its timestamp and its EPB flags: direction
//!   in/out). It allocates nothing: interfaces live in a fixed table of
//!   [`MAX_INTERFACES`] per section. A block whose length lies (too small, not a
//!   multiple of 4, past the end of the data, or not repeated at its end) ends
//!   the walk with a [`CaptureError`] naming the block and its byte offset;
//!   nothing panics, whatever the bytes.
//! * [`SectionHeader::emit`], [`InterfaceDescription::emit`] and
//!   [`EnhancedPacket::emit`] write blocks into a caller buffer (`no_std`);
//!   `PcapngWriter` (feature `std`) writes a whole file to any `std::io::Write`.
//!
//! Not for: name resolution, statistics, decryption-secrets or custom blocks
//! (read back as [`Block::Other`]), or writing more than one section.
//!
//! ```
//! use pktkit_wire::pcap::{Endian, LinkType};
//! use pktkit_wire::pcapng::{Direction, EnhancedPacket, InterfaceDescription, PcapngReader, SectionHeader};
//! let mut buf = [0u8; 256];
//! let mut n = SectionHeader::new(Endian::Little).emit(&mut buf).unwrap();
//! n += InterfaceDescription::new(LinkType::ETHERNET).emit(&mut buf[n..], Endian::Little).unwrap();
//! let epb = EnhancedPacket {
//!     interface_id: 0,
//!     timestamp: 1_000_001, // microseconds, the default resolution
//!     orig_len: 2,
//!     data: &[0xab, 0xcd],
//!     flags: Some(Direction::Outbound.to_flags()),
//!     comment: Some("hello"),
//! };
//! n += epb.emit(&mut buf[n..], Endian::Little).unwrap();
//! let mut packets = PcapngReader::new(&buf[..n]).unwrap().packets();
//! let p = packets.next().unwrap().unwrap();
//! assert_eq!(p.link_type, LinkType::ETHERNET);
//! assert_eq!(p.timestamp_parts(), (1, 1_000));
//! assert_eq!(p.direction(), Direction::Outbound);
//! assert_eq!(p.comment, Some("hello"));
//! assert!(packets.next().is_none());
//! ```

use crate::pcap::{CaptureError, Endian, LinkType, Put};
use crate::{Result, WireError};

/// Block type of a Section Header Block.
pub const BLOCK_SHB: u32 = 0x0a0d_0d0a;
/// Block type of an Interface Description Block.
pub const BLOCK_IDB: u32 = 0x0000_0001;
/// Block type of the obsolete Packet Block.
pub const BLOCK_PB: u32 = 0x0000_0002;
/// Block type of a Simple Packet Block.
pub const BLOCK_SPB: u32 = 0x0000_0003;
/// Block type of an Enhanced Packet Block.
pub const BLOCK_EPB: u32 = 0x0000_0006;
/// The byte-order magic of a Section Header Block.
pub const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
/// How many interfaces one section may declare before the reader gives up.
pub const MAX_INTERFACES: usize = 64;
/// The largest packet a block may carry (as [`crate::pcap::MAX_RECORD_LEN`]).
pub const MAX_PACKET_LEN: usize = crate::pcap::MAX_RECORD_LEN;

/// Option code: end of options.
pub const OPT_ENDOFOPT: u16 = 0;
/// Option code: a UTF-8 comment (any block).
pub const OPT_COMMENT: u16 = 1;
/// IDB option code: interface name.
pub const OPT_IF_NAME: u16 = 2;
/// IDB option code: timestamp resolution (1 byte).
pub const OPT_IF_TSRESOL: u16 = 9;
/// IDB option code: timestamp offset in seconds (i64).
pub const OPT_IF_TSOFFSET: u16 = 14;
/// EPB option code: flags word (direction, reception type, FCS length, errors).
pub const OPT_EPB_FLAGS: u16 = 2;

const SHB_MIN_LEN: usize = 28;
const IDB_MIN_LEN: usize = 20;
const EPB_MIN_LEN: usize = 32;
const SPB_MIN_LEN: usize = 16;
const PB_MIN_LEN: usize = 32;

/// Direction of a packet, from the two low bits of the EPB flags word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Not recorded (no flags option, or bits `00`).
    Unknown,
    /// Received (`01`).
    Inbound,
    /// Sent (`10`).
    Outbound,
}

impl Direction {
    /// Reads the direction bits of an EPB flags word (`11` is invalid and read as unknown).
    pub const fn from_flags(flags: u32) -> Direction {
        match flags & 3 {
            1 => Direction::Inbound,
            2 => Direction::Outbound,
            _ => Direction::Unknown,
        }
    }

    /// An EPB flags word carrying only this direction.
    pub const fn to_flags(self) -> u32 {
        match self {
            Direction::Unknown => 0,
            Direction::Inbound => 1,
            Direction::Outbound => 2,
        }
    }
}

/// Timestamp resolution of an interface (the `if_tsresol` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsResolution {
    /// One unit is 10^-n seconds (n ≤ 19).
    Pow10(u8),
    /// One unit is 2^-n seconds (n ≤ 63).
    Pow2(u8),
}

impl TsResolution {
    /// Microseconds: the resolution when an IDB has no `if_tsresol`.
    pub const MICROS: TsResolution = TsResolution::Pow10(6);
    /// Nanoseconds.
    pub const NANOS: TsResolution = TsResolution::Pow10(9);

    /// Reads an `if_tsresol` byte.
    ///
    /// Errors: [`WireError::Unsupported`] when one second would not fit a u64 of units.
    pub const fn from_byte(b: u8) -> Result<TsResolution> {
        if b & 0x80 == 0 {
            if b > 19 {
                return Err(WireError::Unsupported);
            }
            Ok(TsResolution::Pow10(b))
        } else {
            let n = b & 0x7f;
            if n > 63 {
                return Err(WireError::Unsupported);
            }
            Ok(TsResolution::Pow2(n))
        }
    }

    /// The `if_tsresol` byte.
    pub const fn to_byte(self) -> u8 {
        match self {
            TsResolution::Pow10(n) => n,
            TsResolution::Pow2(n) => 0x80 | n,
        }
    }

    /// Units in one second.
    pub const fn units_per_sec(self) -> u64 {
        match self {
            TsResolution::Pow10(n) => 10u64.pow(n as u32),
            TsResolution::Pow2(n) => 1u64 << n,
        }
    }

    /// Splits a count of units into whole seconds and nanoseconds (truncating).
    pub const fn split(self, ts: u64) -> (u64, u32) {
        let per = self.units_per_sec();
        let secs = ts / per;
        let rem = (ts % per) as u128;
        let nanos = (rem * 1_000_000_000 / per as u128) as u32;
        (secs, nanos)
    }
}

/// A Section Header Block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionHeader {
    /// Byte order of the section.
    pub endian: Endian,
    /// Major version (1).
    pub version_major: u16,
    /// Minor version (0).
    pub version_minor: u16,
    /// Length of the section after this block, or -1 when not given.
    pub section_len: i64,
}

impl SectionHeader {
    /// A version 1.0 header of unknown section length.
    pub const fn new(endian: Endian) -> Self {
        SectionHeader {
            endian,
            version_major: 1,
            version_minor: 0,
            section_len: -1,
        }
    }

    /// Bytes [`SectionHeader::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        SHB_MIN_LEN
    }

    /// Writes the block (without options) in `self.endian` order.
    ///
    /// Errors: [`WireError::BufferTooSmall`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let out = buf
            .get_mut(..SHB_MIN_LEN)
            .ok_or(WireError::BufferTooSmall)?;
        let mut w = Put::new(out, self.endian);
        w.u32(BLOCK_SHB);
        w.u32(SHB_MIN_LEN as u32);
        w.u32(BYTE_ORDER_MAGIC);
        w.u16(self.version_major);
        w.u16(self.version_minor);
        let l = self.section_len as u64;
        match self.endian {
            Endian::Little => {
                w.u32(l as u32);
                w.u32((l >> 32) as u32);
            }
            Endian::Big => {
                w.u32((l >> 32) as u32);
                w.u32(l as u32);
            }
        }
        w.u32(SHB_MIN_LEN as u32);
        Ok(SHB_MIN_LEN)
    }
}

/// An Interface Description Block (the fields this crate uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterfaceDescription {
    /// Link type of the interface's packets.
    pub link_type: LinkType,
    /// Snap length (0: no limit).
    pub snaplen: u32,
    /// Timestamp resolution (`if_tsresol`, default microseconds).
    pub ts_resolution: TsResolution,
    /// Seconds added to every timestamp (`if_tsoffset`, default 0).
    pub ts_offset: i64,
}

impl InterfaceDescription {
    /// An interface of `link_type`, no snap length, microsecond timestamps.
    pub const fn new(link_type: LinkType) -> Self {
        InterfaceDescription {
            link_type,
            snaplen: 0,
            ts_resolution: TsResolution::MICROS,
            ts_offset: 0,
        }
    }

    fn options_len(&self) -> usize {
        let mut n = 0;
        if self.ts_resolution != TsResolution::MICROS {
            n += 8;
        }
        if self.ts_offset != 0 {
            n += 12;
        }
        if n > 0 {
            n += 4; // opt_endofopt
        }
        n
    }

    /// Bytes [`InterfaceDescription::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        IDB_MIN_LEN + self.options_len()
    }

    /// Writes the block; `if_tsresol` / `if_tsoffset` only when not the default.
    ///
    /// Errors: [`WireError::BufferTooSmall`], [`WireError::BadField`] (link type
    /// above 65535, which an IDB cannot hold).
    pub fn emit(&self, buf: &mut [u8], endian: Endian) -> Result<usize> {
        let len = self.buffer_len();
        let link = u16::try_from(self.link_type.0).map_err(|_| WireError::BadField)?;
        let out = buf.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        let mut w = Put::new(out, endian);
        w.u32(BLOCK_IDB);
        w.u32(len as u32);
        w.u16(link);
        w.u16(0);
        w.u32(self.snaplen);
        if self.ts_resolution != TsResolution::MICROS {
            w.u16(OPT_IF_TSRESOL);
            w.u16(1);
            w.bytes(&[self.ts_resolution.to_byte()]);
            w.zeros(3);
        }
        if self.ts_offset != 0 {
            w.u16(OPT_IF_TSOFFSET);
            w.u16(8);
            let v = self.ts_offset as u64;
            match endian {
                Endian::Little => w.bytes(&v.to_le_bytes()),
                Endian::Big => w.bytes(&v.to_be_bytes()),
            }
        }
        if self.options_len() > 0 {
            w.u32(0);
        }
        w.u32(len as u32);
        debug_assert_eq!(w.position(), len);
        Ok(len)
    }
}

/// An Enhanced Packet Block to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnhancedPacket<'a> {
    /// Index of the interface (order of its IDB in the section).
    pub interface_id: u32,
    /// Timestamp in units of the interface's [`TsResolution`].
    pub timestamp: u64,
    /// Length on the wire (raised to `data.len()` if smaller).
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The `epb_flags` word, if any (see [`Direction::to_flags`]).
    pub flags: Option<u32>,
    /// An `opt_comment`, if any.
    pub comment: Option<&'a str>,
}

impl EnhancedPacket<'_> {
    fn options_len(&self) -> usize {
        let mut n = 0;
        if self.flags.is_some() {
            n += 8;
        }
        if let Some(c) = self.comment {
            n += 4 + pad4(c.len());
        }
        if n > 0 {
            n += 4;
        }
        n
    }

    /// Bytes [`EnhancedPacket::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        EPB_MIN_LEN + pad4(self.data.len()) + self.options_len()
    }

    /// Writes the block.
    ///
    /// Errors: [`WireError::BufferTooSmall`]; [`WireError::BadLength`] when the
    /// data is longer than [`MAX_PACKET_LEN`] or the comment longer than 65535 bytes.
    pub fn emit(&self, buf: &mut [u8], endian: Endian) -> Result<usize> {
        if self.data.len() > MAX_PACKET_LEN || self.comment.is_some_and(|c| c.len() > 0xffff) {
            return Err(WireError::BadLength);
        }
        let len = self.buffer_len();
        let out = buf.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        let mut w = Put::new(out, endian);
        w.u32(BLOCK_EPB);
        w.u32(len as u32);
        w.u32(self.interface_id);
        w.u32((self.timestamp >> 32) as u32);
        w.u32(self.timestamp as u32);
        w.u32(self.data.len() as u32);
        w.u32(self.orig_len.max(self.data.len() as u32));
        w.bytes(self.data);
        w.zeros(pad4(self.data.len()) - self.data.len());
        if let Some(f) = self.flags {
            w.u16(OPT_EPB_FLAGS);
            w.u16(4);
            w.u32(f);
        }
        if let Some(c) = self.comment {
            w.u16(OPT_COMMENT);
            w.u16(c.len() as u16);
            w.bytes(c.as_bytes());
            w.zeros(pad4(c.len()) - c.len());
        }
        if self.options_len() > 0 {
            w.u32(0);
        }
        w.u32(len as u32);
        debug_assert_eq!(w.position(), len);
        Ok(len)
    }
}

/// A packet read from an EPB, SPB or obsolete PB, with what its interface says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcapngPacket<'a> {
    /// Byte offset of the block in the file.
    pub block_offset: usize,
    /// Index of the interface in its section (0 for an SPB).
    pub interface_id: u32,
    /// Link type of that interface.
    pub link_type: LinkType,
    /// Timestamp in units of `ts_resolution` (0 for an SPB, which has none).
    pub timestamp: u64,
    /// The interface's timestamp resolution.
    pub ts_resolution: TsResolution,
    /// The interface's timestamp offset in seconds.
    pub ts_offset: i64,
    /// Length on the wire.
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The `epb_flags` word, when present.
    pub flags: Option<u32>,
    /// The first `opt_comment`, when present and valid UTF-8.
    pub comment: Option<&'a str>,
}

impl PcapngPacket<'_> {
    /// Seconds and nanoseconds since the Unix epoch (offset applied, saturating at 0).
    pub fn timestamp_parts(&self) -> (u64, u32) {
        let (s, ns) = self.ts_resolution.split(self.timestamp);
        let s = if self.ts_offset >= 0 {
            s.saturating_add(self.ts_offset as u64)
        } else {
            s.saturating_sub(self.ts_offset.unsigned_abs())
        };
        (s, ns)
    }

    /// Direction from the EPB flags ([`Direction::Unknown`] without flags).
    pub fn direction(&self) -> Direction {
        self.flags.map_or(Direction::Unknown, Direction::from_flags)
    }
}

/// One block of a pcapng file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Block<'a> {
    /// A Section Header Block: a new section starts (interfaces are forgotten).
    SectionHeader(SectionHeader),
    /// An Interface Description Block: the next interface id is declared.
    InterfaceDescription(InterfaceDescription),
    /// A packet (EPB, SPB or PB).
    Packet(PcapngPacket<'a>),
    /// Any other block, skipped by its length.
    Other {
        /// Byte offset of the block.
        offset: usize,
        /// Its type.
        block_type: u32,
        /// Its body (between the two length fields).
        body: &'a [u8],
    },
}

/// Walks the blocks of a pcapng file held in memory. See the [module docs](self).
///
/// Yields `Ok(block)` for each block, then `None`; a bad block yields one
/// `Err` and ends the walk (the reader is fused).
#[derive(Clone, Debug)]
pub struct PcapngReader<'a> {
    data: &'a [u8],
    offset: usize,
    index: usize,
    endian: Endian,
    interfaces: [InterfaceDescription; MAX_INTERFACES],
    n_interfaces: usize,
    done: bool,
}

impl<'a> PcapngReader<'a> {
    /// Checks that `data` starts with a Section Header Block.
    ///
    /// Errors: a [`CaptureError`] at offset 0 ([`WireError::Truncated`] or
    /// [`WireError::BadVersion`] when this is not a pcapng file).
    pub fn new(data: &'a [u8]) -> core::result::Result<Self, CaptureError> {
        let fail = |e| CaptureError::new(0, None, "pcapng section header", e);
        if data.len() < 12 {
            return Err(fail(WireError::Truncated));
        }
        let endian = shb_endian(data).ok_or(fail(WireError::BadVersion))?;
        Ok(PcapngReader {
            data,
            offset: 0,
            index: 0,
            endian,
            interfaces: [InterfaceDescription::new(LinkType(0)); MAX_INTERFACES],
            n_interfaces: 0,
            done: false,
        })
    }

    /// Byte offset of the next block.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The interfaces declared so far in the current section.
    pub fn interfaces(&self) -> &[InterfaceDescription] {
        &self.interfaces[..self.n_interfaces]
    }

    /// Only the packets (interface and section blocks are still read, and their errors reported).
    pub fn packets(self) -> Packets<'a> {
        Packets(self)
    }

    fn read_block(&mut self) -> core::result::Result<Block<'a>, CaptureError> {
        let at = self.offset;
        let index = Some(self.index);
        let rest = &self.data[at..];
        let fail = |what, e| CaptureError::new(at, index, what, e);
        if rest.len() < 12 {
            return Err(fail("pcapng block header", WireError::Truncated));
        }
        // A new section may switch byte order: its own magic says which.
        let is_shb = rest[..4] == BLOCK_SHB.to_le_bytes();
        if is_shb {
            self.endian =
                shb_endian(rest).ok_or(fail("pcapng section header", WireError::BadVersion))?;
        }
        let e = self.endian;
        let block_type = e.u32(rest, 0);
        let what = block_name(block_type);
        let total = e.u32(rest, 4) as usize;
        if total < 12 || !total.is_multiple_of(4) {
            return Err(fail(what, WireError::BadLength));
        }
        let block = rest.get(..total).ok_or(fail(what, WireError::Truncated))?;
        if e.u32(block, total - 4) as usize != total {
            return Err(fail(what, WireError::BadLength));
        }
        let body = &block[8..total - 4];
        let parsed = match block_type {
            BLOCK_SHB => self.section_header(body).map(Block::SectionHeader),
            BLOCK_IDB => self.interface(body).map(Block::InterfaceDescription),
            BLOCK_EPB => self.enhanced_packet(body, at).map(Block::Packet),
            BLOCK_SPB => self.simple_packet(body, at).map(Block::Packet),
            BLOCK_PB => self.old_packet(body, at).map(Block::Packet),
            _ => Ok(Block::Other {
                offset: at,
                block_type,
                body,
            }),
        };
        let block = parsed.map_err(|e| fail(what, e))?;
        self.offset = at + total;
        self.index += 1;
        Ok(block)
    }

    fn section_header(&mut self, body: &[u8]) -> Result<SectionHeader> {
        if body.len() + 12 < SHB_MIN_LEN {
            return Err(WireError::BadLength);
        }
        let e = self.endian;
        let version_major = e.u16(body, 4);
        if version_major != 1 {
            return Err(WireError::BadVersion);
        }
        let (hi, lo) = match e {
            Endian::Little => (e.u32(body, 12), e.u32(body, 8)),
            Endian::Big => (e.u32(body, 8), e.u32(body, 12)),
        };
        check_options(&body[16..], e)?;
        self.n_interfaces = 0;
        Ok(SectionHeader {
            endian: e,
            version_major,
            version_minor: e.u16(body, 6),
            section_len: ((u64::from(hi) << 32) | u64::from(lo)) as i64,
        })
    }

    fn interface(&mut self, body: &[u8]) -> Result<InterfaceDescription> {
        if body.len() + 12 < IDB_MIN_LEN {
            return Err(WireError::BadLength);
        }
        let e = self.endian;
        let mut idb = InterfaceDescription {
            link_type: LinkType(u32::from(e.u16(body, 0))),
            snaplen: e.u32(body, 4),
            ts_resolution: TsResolution::MICROS,
            ts_offset: 0,
        };
        for opt in Options::new(&body[8..], e) {
            let (code, value) = opt?;
            match code {
                OPT_IF_TSRESOL => {
                    let b = *value.first().ok_or(WireError::BadOption)?;
                    idb.ts_resolution = TsResolution::from_byte(b)?;
                }
                OPT_IF_TSOFFSET => {
                    let v: [u8; 8] = value.try_into().map_err(|_| WireError::BadOption)?;
                    idb.ts_offset = match e {
                        Endian::Little => i64::from_le_bytes(v),
                        Endian::Big => i64::from_be_bytes(v),
                    };
                }
                _ => {}
            }
        }
        if self.n_interfaces == MAX_INTERFACES {
            return Err(WireError::Unsupported);
        }
        self.interfaces[self.n_interfaces] = idb;
        self.n_interfaces += 1;
        Ok(idb)
    }

    fn iface(&self, id: u32) -> Result<InterfaceDescription> {
        self.interfaces()
            .get(id as usize)
            .copied()
            .ok_or(WireError::BadField)
    }

    fn enhanced_packet(&self, body: &'a [u8], at: usize) -> Result<PcapngPacket<'a>> {
        if body.len() + 12 < EPB_MIN_LEN {
            return Err(WireError::BadLength);
        }
        let e = self.endian;
        let interface_id = e.u32(body, 0);
        let iface = self.iface(interface_id)?;
        let timestamp = (u64::from(e.u32(body, 4)) << 32) | u64::from(e.u32(body, 8));
        self.packet_body(
            iface,
            interface_id,
            timestamp,
            e.u32(body, 12) as usize,
            e.u32(body, 16),
            &body[20..],
            at,
        )
    }

    fn old_packet(&self, body: &'a [u8], at: usize) -> Result<PcapngPacket<'a>> {
        if body.len() + 12 < PB_MIN_LEN {
            return Err(WireError::BadLength);
        }
        let e = self.endian;
        let interface_id = u32::from(e.u16(body, 0));
        let iface = self.iface(interface_id)?;
        let timestamp = (u64::from(e.u32(body, 4)) << 32) | u64::from(e.u32(body, 8));
        self.packet_body(
            iface,
            interface_id,
            timestamp,
            e.u32(body, 12) as usize,
            e.u32(body, 16),
            &body[20..],
            at,
        )
    }

    #[allow(clippy::too_many_arguments)] // the fields EPB and PB share
    fn packet_body(
        &self,
        iface: InterfaceDescription,
        interface_id: u32,
        timestamp: u64,
        cap_len: usize,
        orig_len: u32,
        rest: &'a [u8],
        at: usize,
    ) -> Result<PcapngPacket<'a>> {
        if cap_len > MAX_PACKET_LEN {
            return Err(WireError::BadLength);
        }
        let padded = pad4(cap_len);
        if padded > rest.len() {
            return Err(WireError::Truncated);
        }
        let data = &rest[..cap_len];
        let mut flags = None;
        let mut comment = None;
        for opt in Options::new(&rest[padded..], self.endian) {
            let (code, value) = opt?;
            match code {
                OPT_EPB_FLAGS => {
                    let v: [u8; 4] = value.try_into().map_err(|_| WireError::BadOption)?;
                    flags = Some(self.endian.u32(&v, 0));
                }
                OPT_COMMENT if comment.is_none() => comment = core::str::from_utf8(value).ok(),
                _ => {}
            }
        }
        Ok(PcapngPacket {
            block_offset: at,
            interface_id,
            link_type: iface.link_type,
            timestamp,
            ts_resolution: iface.ts_resolution,
            ts_offset: iface.ts_offset,
            orig_len,
            data,
            flags,
            comment,
        })
    }

    fn simple_packet(&self, body: &'a [u8], at: usize) -> Result<PcapngPacket<'a>> {
        if body.len() + 12 < SPB_MIN_LEN {
            return Err(WireError::BadLength);
        }
        let iface = self.iface(0)?;
        let orig_len = self.endian.u32(body, 0);
        let room = body.len() - 4;
        let mut cap = (orig_len as usize).min(room);
        if iface.snaplen != 0 {
            cap = cap.min(iface.snaplen as usize);
        }
        if cap > MAX_PACKET_LEN {
            return Err(WireError::BadLength);
        }
        Ok(PcapngPacket {
            block_offset: at,
            interface_id: 0,
            link_type: iface.link_type,
            timestamp: 0,
            ts_resolution: iface.ts_resolution,
            ts_offset: iface.ts_offset,
            orig_len,
            data: &body[4..4 + cap],
            flags: None,
            comment: None,
        })
    }
}

impl<'a> Iterator for PcapngReader<'a> {
    type Item = core::result::Result<Block<'a>, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.offset >= self.data.len() {
            self.done = true;
            return None;
        }
        let r = self.read_block();
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

impl core::iter::FusedIterator for PcapngReader<'_> {}

/// The packets of a [`PcapngReader`] (see [`PcapngReader::packets`]).
#[derive(Clone, Debug)]
pub struct Packets<'a>(PcapngReader<'a>);

impl<'a> Packets<'a> {
    /// The underlying block reader (for its offset and interfaces).
    pub fn reader(&self) -> &PcapngReader<'a> {
        &self.0
    }
}

impl<'a> Iterator for Packets<'a> {
    type Item = core::result::Result<PcapngPacket<'a>, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.0.next()? {
                Ok(Block::Packet(p)) => return Some(Ok(p)),
                Ok(_) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl core::iter::FusedIterator for Packets<'_> {}

/// Iterator over the `(code, value)` options of a block, stopping at `opt_endofopt`.
struct Options<'a> {
    data: &'a [u8],
    endian: Endian,
}

impl<'a> Options<'a> {
    fn new(data: &'a [u8], endian: Endian) -> Self {
        Options { data, endian }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<(u16, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        if self.data.len() < 4 {
            self.data = &[];
            return Some(Err(WireError::BadOption));
        }
        let code = self.endian.u16(self.data, 0);
        let len = self.endian.u16(self.data, 2) as usize;
        if code == OPT_ENDOFOPT {
            self.data = &[];
            return None;
        }
        let Some(value) = self.data.get(4..4 + len) else {
            self.data = &[];
            return Some(Err(WireError::BadOption));
        };
        self.data = self.data.get(4 + pad4(len)..).unwrap_or(&[]);
        Some(Ok((code, value)))
    }
}

fn check_options(data: &[u8], e: Endian) -> Result<()> {
    for o in Options::new(data, e) {
        o?;
    }
    Ok(())
}

/// The byte order of the SHB at the start of `b` (≥ 12 bytes), if it is one.
fn shb_endian(b: &[u8]) -> Option<Endian> {
    if b.len() < 12 || b[..4] != BLOCK_SHB.to_le_bytes() {
        return None;
    }
    match Endian::Little.u32(b, 8) {
        BYTE_ORDER_MAGIC => Some(Endian::Little),
        m if m.swap_bytes() == BYTE_ORDER_MAGIC => Some(Endian::Big),
        _ => None,
    }
}

fn block_name(t: u32) -> &'static str {
    match t {
        BLOCK_SHB => "pcapng section header block",
        BLOCK_IDB => "pcapng interface description block",
        BLOCK_EPB => "pcapng enhanced packet block",
        BLOCK_SPB => "pcapng simple packet block",
        BLOCK_PB => "pcapng packet block",
        _ => "pcapng block",
    }
}

const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

#[cfg(feature = "std")]
pub use writer::PcapngWriter;

#[cfg(feature = "std")]
mod writer {
    use std::io::{self, Write};
    use std::vec::Vec;

    use super::{EnhancedPacket, InterfaceDescription, SectionHeader, TsResolution};
    use crate::pcap::{Endian, LinkType};

    /// Writes a single-section, little-endian pcapng file to an [`io::Write`] (feature `std`).
    ///
    /// ```
    /// use pktkit_wire::pcap::LinkType;
    /// use pktkit_wire::pcapng::{Direction, PcapngReader, PcapngWriter};
    /// let mut w = PcapngWriter::new(Vec::new()).unwrap();
    /// let eth = w.add_interface(LinkType::ETHERNET).unwrap();
    /// w.write_packet(eth, 1_500_000_000, &[0u8; 14], Direction::Inbound, None).unwrap();
    /// let file = w.into_inner();
    /// let p = PcapngReader::new(&file).unwrap().packets().next().unwrap().unwrap();
    /// assert_eq!(p.timestamp_parts(), (1, 500_000_000));
    /// ```
    #[derive(Debug)]
    pub struct PcapngWriter<W: Write> {
        inner: W,
        resolutions: Vec<TsResolution>,
        buf: Vec<u8>,
    }

    impl<W: Write> PcapngWriter<W> {
        /// Writes the Section Header Block.
        pub fn new(mut inner: W) -> io::Result<Self> {
            let mut b = [0u8; 28];
            SectionHeader::new(Endian::Little)
                .emit(&mut b)
                .map_err(io::Error::other)?;
            inner.write_all(&b)?;
            Ok(PcapngWriter {
                inner,
                resolutions: Vec::new(),
                buf: Vec::new(),
            })
        }

        /// Declares an interface with nanosecond timestamps; returns its id.
        pub fn add_interface(&mut self, link_type: LinkType) -> io::Result<u32> {
            self.add_interface_desc(&InterfaceDescription {
                ts_resolution: TsResolution::NANOS,
                ..InterfaceDescription::new(link_type)
            })
        }

        /// Declares an interface as described; returns its id.
        pub fn add_interface_desc(&mut self, idb: &InterfaceDescription) -> io::Result<u32> {
            let id = u32::try_from(self.resolutions.len())
                .ok()
                .filter(|&i| (i as usize) < super::MAX_INTERFACES)
                .ok_or_else(|| io::Error::other("too many pcapng interfaces"))?;
            self.buf.clear();
            self.buf.resize(idb.buffer_len(), 0);
            idb.emit(&mut self.buf, Endian::Little)
                .map_err(io::Error::other)?;
            self.inner.write_all(&self.buf)?;
            self.resolutions.push(idb.ts_resolution);
            Ok(id)
        }

        /// Writes an Enhanced Packet Block as given (timestamp in the interface's units).
        pub fn write_block(&mut self, epb: &EnhancedPacket<'_>) -> io::Result<()> {
            if epb.interface_id as usize >= self.resolutions.len() {
                return Err(io::Error::other("pcapng interface not declared"));
            }
            self.buf.clear();
            self.buf.resize(epb.buffer_len(), 0);
            epb.emit(&mut self.buf, Endian::Little)
                .map_err(io::Error::other)?;
            self.inner.write_all(&self.buf)
        }

        /// Writes a packet stamped `ts_nanos` after the Unix epoch, with a
        /// direction flag (omitted when unknown) and an optional comment.
        pub fn write_packet(
            &mut self,
            interface_id: u32,
            ts_nanos: u64,
            data: &[u8],
            direction: super::Direction,
            comment: Option<&str>,
        ) -> io::Result<()> {
            let res = *self
                .resolutions
                .get(interface_id as usize)
                .ok_or_else(|| io::Error::other("pcapng interface not declared"))?;
            let per = u128::from(res.units_per_sec());
            let timestamp = u64::try_from(u128::from(ts_nanos) * per / 1_000_000_000)
                .map_err(|_| io::Error::other("timestamp does not fit"))?;
            self.write_block(&EnhancedPacket {
                interface_id,
                timestamp,
                orig_len: data.len() as u32,
                data,
                flags: (direction != super::Direction::Unknown).then(|| direction.to_flags()),
                comment,
            })
        }

        /// Flushes the underlying writer.
        pub fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }

        /// Returns the underlying writer.
        pub fn into_inner(self) -> W {
            self.inner
        }
    }
}

#[cfg(test)]
mod tests;
