//! Reading capture files: one iterator over pcap and pcapng alike.
//!
//! [`Capture::open`] looks at the first bytes to tell the formats apart and
//! [`Capture::packets`] yields [`CapturedPacket`]s (time, link type, lengths,
//! direction, bytes) until the file ends or a record is bad, in which case the
//! last item is the [`CaptureError`] naming its byte offset and reason.
//!
//! Not for: decoding what is inside a packet (that is [`crate::decode`]).

use pktkit_wire::pcap::{CaptureError, LinkType, PcapReader};
use pktkit_wire::pcapng::{Direction, PcapngReader};

/// Which container format a file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap.
    Pcap,
    /// pcapng.
    Pcapng,
}

/// One packet read from a capture file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapturedPacket<'a> {
    /// 1-based packet number (as tshark counts frames).
    pub number: usize,
    /// Byte offset of the record or block in the file.
    pub offset: usize,
    /// Seconds since the Unix epoch.
    pub ts_sec: u64,
    /// Nanoseconds within the second.
    pub ts_nsec: u32,
    /// What the packet starts with.
    pub link_type: LinkType,
    /// Length on the wire.
    pub orig_len: u32,
    /// pcapng interface id (`None` for pcap).
    pub interface: Option<u32>,
    /// Direction from the pcapng EPB flags.
    pub direction: Direction,
    /// The pcapng packet comment.
    pub comment: Option<&'a str>,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// A capture file held in memory.
#[derive(Clone, Copy, Debug)]
pub struct Capture<'a> {
    data: &'a [u8],
    format: Format,
}

impl<'a> Capture<'a> {
    /// Recognises the format of `data` and checks its file header.
    pub fn open(data: &'a [u8]) -> Result<Self, CaptureError> {
        let format = if data.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
            PcapngReader::new(data)?;
            Format::Pcapng
        } else {
            PcapReader::new(data)?;
            Format::Pcap
        };
        Ok(Capture { data, format })
    }

    /// The container format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The packets, in file order; a bad record ends the walk with an `Err`.
    pub fn packets(&self) -> Packets<'a> {
        let inner = match self.format {
            Format::Pcap => {
                Inner::Pcap(PcapReader::new(self.data).expect("header checked in Capture::open"))
            }
            Format::Pcapng => Inner::Pcapng(Box::new(
                PcapngReader::new(self.data)
                    .expect("header checked in Capture::open")
                    .packets(),
            )),
        };
        Packets { inner, number: 0 }
    }
}

#[derive(Clone, Debug)]
enum Inner<'a> {
    Pcap(PcapReader<'a>),
    // Boxed: the pcapng reader carries its interface table inline.
    Pcapng(Box<pktkit_wire::pcapng::Packets<'a>>),
}

/// Iterator returned by [`Capture::packets`].
#[derive(Clone, Debug)]
pub struct Packets<'a> {
    inner: Inner<'a>,
    number: usize,
}

impl<'a> Iterator for Packets<'a> {
    type Item = Result<CapturedPacket<'a>, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        let number = self.number + 1;
        let item = match &mut self.inner {
            Inner::Pcap(r) => {
                let offset = r.offset();
                let precision = r.header().precision;
                let link_type = r.header().link_type;
                r.next()?.map(|rec| CapturedPacket {
                    number,
                    offset,
                    ts_sec: u64::from(rec.ts_sec),
                    ts_nsec: rec.ts_frac * precision.nanos_per_unit(),
                    link_type,
                    orig_len: rec.orig_len,
                    interface: None,
                    direction: Direction::Unknown,
                    comment: None,
                    data: rec.data,
                })
            }
            Inner::Pcapng(r) => r.next()?.map(|p| {
                let (ts_sec, ts_nsec) = p.timestamp_parts();
                CapturedPacket {
                    number,
                    offset: p.block_offset,
                    ts_sec,
                    ts_nsec,
                    link_type: p.link_type,
                    orig_len: p.orig_len,
                    interface: Some(p.interface_id),
                    direction: p.direction(),
                    comment: p.comment,
                    data: p.data,
                }
            }),
        };
        if item.is_ok() {
            self.number = number;
        }
        Some(item)
    }
}
