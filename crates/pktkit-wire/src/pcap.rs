//! Classic libpcap capture files: a reader over `&[u8]` and writers.
//!
//! A pcap file is a 24-byte global header (magic, version, snap length, link
//! type) followed by records, each a 16-byte header (seconds, micro- or
//! nanoseconds, captured length, original length) and the captured bytes.
//! Both byte orders and both timestamp precisions are read; files are written
//! in little-endian byte order with the precision the caller picks.
//!
//! * [`PcapReader`] walks a whole file held in memory and yields
//!   [`PcapRecord`]s that borrow from it. A bad header, a record cut short or a
//!   record length beyond [`MAX_RECORD_LEN`] ends the walk with a
//!   [`CaptureError`] naming the record and its byte offset; nothing is
//!   allocated and nothing panics, whatever the bytes.
//! * [`PcapSliceWriter`] writes a file into a caller buffer (`no_std`);
//!   `PcapWriter` (feature `std`) writes to any `std::io::Write`.
//!
//! [`LinkType`], [`TsPrecision`] and [`CaptureError`] are shared with
//! [`crate::pcapng`].
//!
//! Not for: live capture, or the modified/Kuznetzov pcap variants (magic
//! `0xa1b2cd34`), which are rejected as a bad magic.
//!
//! ```
//! use pktkit_wire::pcap::{LinkType, PcapHeader, PcapReader, PcapRecord, PcapSliceWriter, TsPrecision};
//! let mut buf = [0u8; 128];
//! let mut w = PcapSliceWriter::new(&mut buf, &PcapHeader::new(LinkType::ETHERNET, TsPrecision::Micro)).unwrap();
//! w.push(&PcapRecord { ts_sec: 1, ts_frac: 500, orig_len: 3, data: &[1, 2, 3] }).unwrap();
//! let n = w.len();
//! let mut r = PcapReader::new(&buf[..n]).unwrap();
//! assert_eq!(r.header().link_type, LinkType::ETHERNET);
//! let rec = r.next().unwrap().unwrap();
//! assert_eq!((rec.ts_sec, rec.ts_frac, rec.data), (1, 500, &[1u8, 2, 3][..]));
//! assert!(r.next().is_none());
//! ```

use core::fmt;

use crate::{Result, WireError};

/// Length of the pcap global header.
pub const FILE_HEADER_LEN: usize = 24;
/// Length of a pcap record header.
pub const RECORD_HEADER_LEN: usize = 16;
/// The largest captured length a record may claim (256 KiB, Wireshark's own
/// limit for Ethernet); anything longer is treated as garbage.
pub const MAX_RECORD_LEN: usize = 262_144;

/// Magic of a microsecond-precision file, as the u32 its writer wrote.
pub const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
/// Magic of a nanosecond-precision file, as the u32 its writer wrote.
pub const MAGIC_NANOS: u32 = 0xa1b2_3c4d;

/// A link-layer header type (the `LINKTYPE_*` registry shared by pcap and pcapng).
///
/// Unknown values are kept; [`LinkType::is_ethernet`] and [`LinkType::is_raw_ip`]
/// say how a packet of this type is read.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    /// Ethernet II / 802.3 (`LINKTYPE_ETHERNET`, 1).
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IPv4 or IPv6, told apart by the version nibble (`LINKTYPE_RAW`, 101).
    pub const RAW: LinkType = LinkType(101);
    /// Raw IPv4 (`LINKTYPE_IPV4`, 228).
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6 (`LINKTYPE_IPV6`, 229).
    pub const IPV6: LinkType = LinkType(229);

    /// True when packets start with an Ethernet header.
    pub const fn is_ethernet(self) -> bool {
        self.0 == Self::ETHERNET.0
    }

    /// True when packets start with an IPv4 or IPv6 header.
    pub const fn is_raw_ip(self) -> bool {
        matches!(self.0, 101 | 228 | 229)
    }

    /// A short name for the known types.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "ETHERNET",
            101 => "RAW",
            228 => "IPV4",
            229 => "IPV6",
            _ => return None,
        })
    }
}

impl fmt::Debug for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "LinkType({n})"),
            None => write!(f, "LinkType({})", self.0),
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

/// Unit of the fractional part of a pcap timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsPrecision {
    /// `ts_frac` counts microseconds (magic [`MAGIC_MICROS`]).
    Micro,
    /// `ts_frac` counts nanoseconds (magic [`MAGIC_NANOS`]).
    Nano,
}

impl TsPrecision {
    /// How many units make one second.
    pub const fn units_per_sec(self) -> u32 {
        match self {
            TsPrecision::Micro => 1_000_000,
            TsPrecision::Nano => 1_000_000_000,
        }
    }

    /// Nanoseconds in one unit.
    pub const fn nanos_per_unit(self) -> u32 {
        match self {
            TsPrecision::Micro => 1_000,
            TsPrecision::Nano => 1,
        }
    }
}

/// Byte order of a capture file (or of a pcapng section).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Little-endian (what x86 and most writers produce).
    Little,
    /// Big-endian.
    Big,
}

impl Endian {
    /// Reads a u16 at `at` (caller checked the bounds).
    #[inline]
    pub(crate) fn u16(self, b: &[u8], at: usize) -> u16 {
        let v = [b[at], b[at + 1]];
        match self {
            Endian::Little => u16::from_le_bytes(v),
            Endian::Big => u16::from_be_bytes(v),
        }
    }

    /// Reads a u32 at `at` (caller checked the bounds).
    #[inline]
    pub(crate) fn u32(self, b: &[u8], at: usize) -> u32 {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        match self {
            Endian::Little => u32::from_le_bytes(v),
            Endian::Big => u32::from_be_bytes(v),
        }
    }
}

/// Where and why reading a capture file failed.
///
/// `offset` is the byte offset of the header or record (pcapng: block) that is
/// bad; `record` its zero-based index among records (blocks), `None` for the
/// file header; `what` names the structure and `error` says what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaptureError {
    /// Byte offset in the file of the bad header, record or block.
    pub offset: usize,
    /// Index of the bad record (pcap) or block (pcapng); `None` for the file header.
    pub record: Option<usize>,
    /// The structure that is bad (`"file header"`, `"record"`, `"enhanced packet block"`, …).
    pub what: &'static str,
    /// What is wrong with it.
    pub error: WireError,
}

impl CaptureError {
    pub(crate) const fn new(
        offset: usize,
        record: Option<usize>,
        what: &'static str,
        error: WireError,
    ) -> Self {
        CaptureError {
            offset,
            record,
            what,
            error,
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.record {
            Some(i) => write!(
                f,
                "{} #{} at byte offset {}: {}",
                self.what, i, self.offset, self.error
            ),
            None => write!(
                f,
                "{} at byte offset {}: {}",
                self.what, self.offset, self.error
            ),
        }
    }
}

impl core::error::Error for CaptureError {}

/// The pcap global header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcapHeader {
    /// Byte order of the file.
    pub endian: Endian,
    /// Timestamp precision (from the magic).
    pub precision: TsPrecision,
    /// Format major version (2).
    pub version_major: u16,
    /// Format minor version (4).
    pub version_minor: u16,
    /// GMT-to-local correction in seconds (always 0 in practice).
    pub thiszone: i32,
    /// Timestamp accuracy (always 0 in practice).
    pub sigfigs: u32,
    /// The largest number of bytes a record captured.
    pub snaplen: u32,
    /// Link type of every record.
    pub link_type: LinkType,
}

impl PcapHeader {
    /// A version 2.4, little-endian header with a 256 KiB snap length.
    pub const fn new(link_type: LinkType, precision: TsPrecision) -> Self {
        PcapHeader {
            endian: Endian::Little,
            precision,
            version_major: 2,
            version_minor: 4,
            thiszone: 0,
            sigfigs: 0,
            snaplen: MAX_RECORD_LEN as u32,
            link_type,
        }
    }

    /// Reads the global header at the start of `bytes`.
    ///
    /// Errors: [`WireError::Truncated`] (under 24 bytes), [`WireError::BadVersion`]
    /// (not a pcap magic, or a major version other than 2).
    pub fn parse(bytes: &[u8]) -> Result<PcapHeader> {
        if bytes.len() < FILE_HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let le = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let be = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let (endian, precision) = match (le, be) {
            (MAGIC_MICROS, _) => (Endian::Little, TsPrecision::Micro),
            (MAGIC_NANOS, _) => (Endian::Little, TsPrecision::Nano),
            (_, MAGIC_MICROS) => (Endian::Big, TsPrecision::Micro),
            (_, MAGIC_NANOS) => (Endian::Big, TsPrecision::Nano),
            _ => return Err(WireError::BadVersion),
        };
        let version_major = endian.u16(bytes, 4);
        if version_major != 2 {
            return Err(WireError::BadVersion);
        }
        Ok(PcapHeader {
            endian,
            precision,
            version_major,
            version_minor: endian.u16(bytes, 6),
            thiszone: endian.u32(bytes, 8) as i32,
            sigfigs: endian.u32(bytes, 12),
            snaplen: endian.u32(bytes, 16),
            // The upper 16 bits may carry an FCS length flag (LINKTYPE_EXT); the type is the low 16.
            link_type: LinkType(endian.u32(bytes, 20) & 0xffff),
        })
    }

    /// Bytes [`PcapHeader::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        FILE_HEADER_LEN
    }

    /// Writes the header into the first 24 bytes of `buf`, in `self.endian` order.
    ///
    /// Errors: [`WireError::BufferTooSmall`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let out = buf
            .get_mut(..FILE_HEADER_LEN)
            .ok_or(WireError::BufferTooSmall)?;
        let magic = match self.precision {
            TsPrecision::Micro => MAGIC_MICROS,
            TsPrecision::Nano => MAGIC_NANOS,
        };
        let mut w = Put::new(out, self.endian);
        w.u32(magic);
        w.u16(self.version_major);
        w.u16(self.version_minor);
        w.u32(self.thiszone as u32);
        w.u32(self.sigfigs);
        w.u32(self.snaplen);
        w.u32(self.link_type.0);
        Ok(FILE_HEADER_LEN)
    }
}

/// One captured packet of a pcap file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcapRecord<'a> {
    /// Seconds since the Unix epoch.
    pub ts_sec: u32,
    /// Micro- or nanoseconds within the second (see [`PcapHeader::precision`]).
    pub ts_frac: u32,
    /// Length of the packet on the wire (≥ `data.len()` when the snap length cut it).
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

impl PcapRecord<'_> {
    /// Bytes [`PcapRecord::emit`] writes (header + data).
    pub const fn buffer_len(&self) -> usize {
        RECORD_HEADER_LEN + self.data.len()
    }

    /// The timestamp in nanoseconds since the Unix epoch.
    pub fn timestamp_nanos(&self, precision: TsPrecision) -> u64 {
        u64::from(self.ts_sec) * 1_000_000_000
            + u64::from(self.ts_frac) * u64::from(precision.nanos_per_unit())
    }

    /// Writes the record header and data into `buf` in `endian` order.
    ///
    /// Errors: [`WireError::BufferTooSmall`]; [`WireError::BadLength`] if the data
    /// is longer than [`MAX_RECORD_LEN`] (no reader would accept it).
    pub fn emit(&self, buf: &mut [u8], endian: Endian) -> Result<usize> {
        if buf.len() < self.buffer_len() {
            return Err(WireError::BufferTooSmall);
        }
        let (head, rest) = buf.split_at_mut(RECORD_HEADER_LEN);
        self.emit_header(head, endian)?;
        rest[..self.data.len()].copy_from_slice(self.data);
        Ok(self.buffer_len())
    }

    /// Writes only the 16-byte record header (the data is written by the caller).
    pub(crate) fn emit_header(&self, buf: &mut [u8], endian: Endian) -> Result<()> {
        if self.data.len() > MAX_RECORD_LEN {
            return Err(WireError::BadLength);
        }
        let out = buf
            .get_mut(..RECORD_HEADER_LEN)
            .ok_or(WireError::BufferTooSmall)?;
        let mut w = Put::new(out, endian);
        w.u32(self.ts_sec);
        w.u32(self.ts_frac);
        w.u32(self.data.len() as u32);
        w.u32(self.orig_len.max(self.data.len() as u32));
        Ok(())
    }
}

/// Iterator over the records of a pcap file held in memory. See the [module docs](self).
///
/// Yields `Ok(record)` for each whole record, then `None`. A bad record yields
/// one `Err` and ends the walk (the reader is fused).
#[derive(Clone, Debug)]
pub struct PcapReader<'a> {
    data: &'a [u8],
    header: PcapHeader,
    offset: usize,
    index: usize,
    done: bool,
}

impl<'a> PcapReader<'a> {
    /// Reads the global header of `data`.
    ///
    /// Errors: a [`CaptureError`] about the `"file header"` at offset 0.
    pub fn new(data: &'a [u8]) -> core::result::Result<Self, CaptureError> {
        let header = PcapHeader::parse(data)
            .map_err(|e| CaptureError::new(0, None, "pcap file header", e))?;
        Ok(PcapReader {
            data,
            header,
            offset: FILE_HEADER_LEN,
            index: 0,
            done: false,
        })
    }

    /// The global header.
    pub const fn header(&self) -> &PcapHeader {
        &self.header
    }

    /// Byte offset of the next record.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// Index of the next record (= how many were yielded so far).
    pub const fn index(&self) -> usize {
        self.index
    }

    fn read_one(&mut self) -> core::result::Result<PcapRecord<'a>, CaptureError> {
        let at = self.offset;
        let fail = |what, e| CaptureError::new(at, Some(self.index), what, e);
        let rest = &self.data[at..];
        if rest.len() < RECORD_HEADER_LEN {
            return Err(fail("pcap record header", WireError::Truncated));
        }
        let e = self.header.endian;
        let ts_sec = e.u32(rest, 0);
        let ts_frac = e.u32(rest, 4);
        let incl_len = e.u32(rest, 8) as usize;
        let orig_len = e.u32(rest, 12);
        if incl_len > MAX_RECORD_LEN {
            return Err(fail("pcap record", WireError::BadLength));
        }
        if ts_frac >= self.header.precision.units_per_sec() {
            return Err(fail("pcap record timestamp", WireError::BadField));
        }
        let data = rest
            .get(RECORD_HEADER_LEN..RECORD_HEADER_LEN + incl_len)
            .ok_or(fail("pcap record", WireError::Truncated))?;
        self.offset = at + RECORD_HEADER_LEN + incl_len;
        self.index += 1;
        Ok(PcapRecord {
            ts_sec,
            ts_frac,
            orig_len,
            data,
        })
    }
}

impl<'a> Iterator for PcapReader<'a> {
    type Item = core::result::Result<PcapRecord<'a>, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.offset >= self.data.len() {
            self.done = true;
            return None;
        }
        let r = self.read_one();
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

impl core::iter::FusedIterator for PcapReader<'_> {}

/// Writes a pcap file into a caller buffer (`no_std`, no allocation).
#[derive(Debug)]
pub struct PcapSliceWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    endian: Endian,
}

impl<'b> PcapSliceWriter<'b> {
    /// Writes `header` at the start of `buf`.
    ///
    /// Errors: [`WireError::BufferTooSmall`].
    pub fn new(buf: &'b mut [u8], header: &PcapHeader) -> Result<Self> {
        let len = header.emit(buf)?;
        Ok(PcapSliceWriter {
            buf,
            len,
            endian: header.endian,
        })
    }

    /// Appends a record. On error nothing is written.
    ///
    /// Errors: [`WireError::BufferTooSmall`], [`WireError::BadLength`] (see [`PcapRecord::emit`]).
    pub fn push(&mut self, record: &PcapRecord<'_>) -> Result<()> {
        let n = record.emit(&mut self.buf[self.len..], self.endian)?;
        self.len += n;
        Ok(())
    }

    /// Bytes written so far (the file is `&buf[..len]`).
    #[allow(clippy::len_without_is_empty)] // never empty: the header is written first
    pub const fn len(&self) -> usize {
        self.len
    }

    /// The file written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(feature = "std")]
pub use writer::PcapWriter;

#[cfg(feature = "std")]
mod writer {
    use std::io::{self, Write};

    use super::{FILE_HEADER_LEN, PcapHeader, PcapRecord, RECORD_HEADER_LEN};

    /// Writes a pcap file to an [`io::Write`] (feature `std`).
    ///
    /// ```
    /// use pktkit_wire::pcap::{LinkType, PcapReader, PcapWriter, TsPrecision};
    /// let mut w = PcapWriter::new(Vec::new(), LinkType::RAW, TsPrecision::Nano).unwrap();
    /// w.write_packet(1_500_000_123, &[0x45; 20]).unwrap();
    /// let file = w.into_inner();
    /// let rec = PcapReader::new(&file).unwrap().next().unwrap().unwrap();
    /// assert_eq!((rec.ts_sec, rec.ts_frac), (1, 500_000_123));
    /// ```
    #[derive(Debug)]
    pub struct PcapWriter<W: Write> {
        inner: W,
        header: PcapHeader,
    }

    impl<W: Write> PcapWriter<W> {
        /// Writes a version 2.4 little-endian header for `link_type`.
        pub fn new(
            inner: W,
            link_type: super::LinkType,
            precision: super::TsPrecision,
        ) -> io::Result<Self> {
            Self::with_header(inner, PcapHeader::new(link_type, precision))
        }

        /// Writes `header` as given.
        pub fn with_header(mut inner: W, header: PcapHeader) -> io::Result<Self> {
            let mut b = [0u8; FILE_HEADER_LEN];
            header.emit(&mut b).map_err(io::Error::other)?;
            inner.write_all(&b)?;
            Ok(PcapWriter { inner, header })
        }

        /// The header written.
        pub fn header(&self) -> &PcapHeader {
            &self.header
        }

        /// Appends a record as given (its `ts_frac` in the header's precision).
        pub fn write_record(&mut self, record: &PcapRecord<'_>) -> io::Result<()> {
            let mut h = [0u8; RECORD_HEADER_LEN];
            record
                .emit_header(&mut h, self.header.endian)
                .map_err(io::Error::other)?;
            self.inner.write_all(&h)?;
            self.inner.write_all(record.data)
        }

        /// Appends a whole packet stamped `ts_nanos` nanoseconds after the Unix epoch.
        pub fn write_packet(&mut self, ts_nanos: u64, data: &[u8]) -> io::Result<()> {
            let units = self.header.precision.units_per_sec() as u64;
            let per = self.header.precision.nanos_per_unit() as u64;
            let secs = u32::try_from(ts_nanos / 1_000_000_000)
                .map_err(|_| io::Error::other("timestamp beyond 2106"))?;
            let frac = ((ts_nanos % 1_000_000_000) / per) as u32;
            debug_assert!(u64::from(frac) < units);
            self.write_record(&PcapRecord {
                ts_sec: secs,
                ts_frac: frac,
                orig_len: data.len() as u32,
                data,
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

/// A cursor writing fixed-size fields into a slice known to be long enough.
pub(crate) struct Put<'b> {
    buf: &'b mut [u8],
    at: usize,
    endian: Endian,
}

impl<'b> Put<'b> {
    pub(crate) fn new(buf: &'b mut [u8], endian: Endian) -> Self {
        Put { buf, at: 0, endian }
    }

    pub(crate) fn u16(&mut self, v: u16) {
        let b = match self.endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        self.bytes(&b);
    }

    pub(crate) fn u32(&mut self, v: u32) {
        let b = match self.endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        self.bytes(&b);
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.buf[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
    }

    pub(crate) fn zeros(&mut self, n: usize) {
        self.buf[self.at..self.at + n].fill(0);
        self.at += n;
    }

    pub(crate) const fn position(&self) -> usize {
        self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big-endian, microsecond file written by hand per the format: one
    /// 4-byte Ethernet-typed record (ts 0x01020304.000005, orig_len 60).
    static BIG_ENDIAN: [u8; 44] = [
        0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x02, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0xff,
        0xff, 0x00, 0x00, 0x00, 0x01, // header
        0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
        0x3c, // record header
        0xde, 0xad, 0xbe, 0xef,
    ];

    #[test]
    fn reads_big_endian() {
        let mut r = PcapReader::new(&BIG_ENDIAN).unwrap();
        let h = *r.header();
        assert_eq!(h.endian, Endian::Big);
        assert_eq!(h.precision, TsPrecision::Micro);
        assert_eq!(h.snaplen, 65535);
        assert_eq!(h.link_type, LinkType::ETHERNET);
        let rec = r.next().unwrap().unwrap();
        assert_eq!(rec.ts_sec, 0x0102_0304);
        assert_eq!(rec.ts_frac, 5);
        assert_eq!(rec.orig_len, 60);
        assert_eq!(rec.data, &[0xde, 0xad, 0xbe, 0xef]);
        assert!(r.next().is_none());
        assert!(r.next().is_none());
    }

    #[test]
    fn emit_matches_spec_bytes() {
        let mut h = PcapHeader::new(LinkType::ETHERNET, TsPrecision::Micro);
        h.endian = Endian::Big;
        h.snaplen = 65535;
        let mut buf = [0xa5u8; 44];
        let mut w = PcapSliceWriter::new(&mut buf, &h).unwrap();
        w.push(&PcapRecord {
            ts_sec: 0x0102_0304,
            ts_frac: 5,
            orig_len: 60,
            data: &[0xde, 0xad, 0xbe, 0xef],
        })
        .unwrap();
        assert_eq!(w.len(), 44);
        assert_eq!(buf, BIG_ENDIAN);
    }

    #[test]
    fn every_truncation_is_an_error() {
        for n in 0..BIG_ENDIAN.len() {
            let b = &BIG_ENDIAN[..n];
            if n < FILE_HEADER_LEN {
                let e = PcapReader::new(b).unwrap_err();
                assert_eq!((e.offset, e.error), (0, WireError::Truncated));
                continue;
            }
            let mut r = PcapReader::new(b).unwrap();
            if n == FILE_HEADER_LEN {
                assert!(r.next().is_none());
                continue;
            }
            let e = r.next().unwrap().unwrap_err();
            assert_eq!(e.offset, 24, "len {n}");
            assert_eq!(e.record, Some(0));
            assert_eq!(e.error, WireError::Truncated);
            assert!(r.next().is_none(), "fused");
        }
    }

    #[test]
    fn garbage_magic_and_version() {
        let mut b = BIG_ENDIAN;
        b[0] = 0;
        assert_eq!(
            PcapReader::new(&b).unwrap_err().error,
            WireError::BadVersion
        );
        let mut b = BIG_ENDIAN;
        b[5] = 1;
        assert_eq!(
            PcapReader::new(&b).unwrap_err().error,
            WireError::BadVersion
        );
    }

    #[test]
    fn lying_lengths() {
        let mut b = BIG_ENDIAN;
        b[32..36].copy_from_slice(&u32::MAX.to_be_bytes());
        let e = PcapReader::new(&b).unwrap().next().unwrap().unwrap_err();
        assert_eq!(e.error, WireError::BadLength);
        assert_eq!(
            std::format!("{e}"),
            "pcap record #0 at byte offset 24: bad length"
        );
        let mut b = BIG_ENDIAN;
        b[32..36].copy_from_slice(&5u32.to_be_bytes());
        let e = PcapReader::new(&b).unwrap().next().unwrap().unwrap_err();
        assert_eq!(e.error, WireError::Truncated);
        let mut b = BIG_ENDIAN;
        b[28..32].copy_from_slice(&1_000_000u32.to_be_bytes());
        let e = PcapReader::new(&b).unwrap().next().unwrap().unwrap_err();
        assert_eq!(e.error, WireError::BadField);
    }

    #[test]
    fn nanosecond_little_endian_round_trip() {
        let mut w =
            PcapWriter::new(std::vec::Vec::new(), LinkType::IPV6, TsPrecision::Nano).unwrap();
        w.write_packet(1_700_000_000_999_999_999, &[0x60, 0, 0, 0])
            .unwrap();
        w.write_packet(5, &[]).unwrap();
        let f = w.into_inner();
        assert_eq!(&f[..4], &MAGIC_NANOS.to_le_bytes());
        let mut r = PcapReader::new(&f).unwrap();
        assert_eq!(r.header().precision, TsPrecision::Nano);
        assert_eq!(r.header().link_type, LinkType::IPV6);
        let a = r.next().unwrap().unwrap();
        assert_eq!(
            a.timestamp_nanos(TsPrecision::Nano),
            1_700_000_000_999_999_999
        );
        assert_eq!(a.data, &[0x60, 0, 0, 0]);
        let b = r.next().unwrap().unwrap();
        assert_eq!((b.ts_sec, b.ts_frac, b.data.len()), (0, 5, 0));
        assert!(r.next().is_none());
    }

    #[test]
    fn slice_writer_refuses_overflow_without_writing() {
        let mut buf = [0u8; 30];
        let mut w = PcapSliceWriter::new(
            &mut buf,
            &PcapHeader::new(LinkType::RAW, TsPrecision::Micro),
        )
        .unwrap();
        let rec = PcapRecord {
            ts_sec: 0,
            ts_frac: 0,
            orig_len: 0,
            data: &[1; 8],
        };
        assert_eq!(w.push(&rec), Err(WireError::BufferTooSmall));
        assert_eq!(w.len(), 24);
    }
}
