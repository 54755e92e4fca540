//! TCP options (RFC 9293 §3.2, RFC 7323, RFC 2018): their typed forms, SACK
//! blocks, timestamps, and an iterator over an options area.

use super::*;

/// Up to [`MAX_SACK_BLOCKS`] SACK blocks `(left edge, right edge)` (RFC 2018), inline.
///
/// ```
/// use pktkit_wire::tcp::TcpSackBlocks;
/// let mut s = TcpSackBlocks::new();
/// assert!(s.push(100, 200) && s.push(300, 400));
/// assert_eq!(s.as_slice(), &[(100, 200), (300, 400)]);
/// ```
#[derive(Clone, Copy, Default)]
pub struct TcpSackBlocks {
    blocks: [(u32, u32); MAX_SACK_BLOCKS],
    len: u8,
}

impl TcpSackBlocks {
    /// No block.
    pub const fn new() -> TcpSackBlocks {
        TcpSackBlocks {
            blocks: [(0, 0); MAX_SACK_BLOCKS],
            len: 0,
        }
    }

    /// Appends a block; false (nothing changed) when already full.
    pub fn push(&mut self, left: u32, right: u32) -> bool {
        match self.blocks.get_mut(self.len as usize) {
            Some(slot) => {
                *slot = (left, right);
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// The blocks.
    pub fn as_slice(&self) -> &[(u32, u32)] {
        &self.blocks[..self.len as usize]
    }

    /// Number of blocks.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// True when there is no block.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keeps only the first `n` blocks.
    pub fn truncate(&mut self, n: usize) {
        self.len = self.len.min(n.min(MAX_SACK_BLOCKS) as u8);
    }

    fn parse(data: &[u8]) -> Result<TcpSackBlocks> {
        if data.is_empty() || !data.len().is_multiple_of(8) || data.len() / 8 > MAX_SACK_BLOCKS {
            return Err(WireError::BadOption);
        }
        let mut s = TcpSackBlocks::new();
        for c in data.chunks_exact(8) {
            s.push(
                u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                u32::from_be_bytes([c[4], c[5], c[6], c[7]]),
            );
        }
        Ok(s)
    }
}

impl PartialEq for TcpSackBlocks {
    fn eq(&self, other: &TcpSackBlocks) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for TcpSackBlocks {}

impl core::hash::Hash for TcpSackBlocks {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for TcpSackBlocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// The timestamps option (RFC 7323).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpTimestamp {
    /// The sender's clock.
    pub tsval: u32,
    /// The echoed `tsval` of the peer.
    pub tsecr: u32,
}

/// One TCP option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// End of option list (kind 0).
    EndOfList,
    /// No-operation padding (kind 1).
    NoOperation,
    /// Maximum segment size (kind 2, RFC 9293).
    MaxSegmentSize(u16),
    /// Window scale shift count (kind 3, RFC 7323), as sent (not clamped to 14).
    WindowScale(u8),
    /// SACK permitted (kind 4, RFC 2018).
    SackPermitted,
    /// SACK blocks (kind 5, RFC 2018).
    SackRange(TcpSackBlocks),
    /// Timestamps (kind 8, RFC 7323).
    Timestamp(TcpTimestamp),
    /// Any other well-formed option (kind, data after the length byte), kept as is.
    Unknown {
        /// Option kind.
        kind: u8,
        /// Option data (length − 2 bytes).
        data: &'a [u8],
    },
}

impl<'a> TcpOption<'a> {
    /// Parses one option at the start of `buffer`; returns it and the bytes after it.
    ///
    /// Errors ([`WireError::BadOption`]): empty buffer, a length byte missing, below
    /// 2 or past the buffer, or a known option with the wrong length.
    pub fn parse(buffer: &'a [u8]) -> Result<(&'a [u8], TcpOption<'a>)> {
        let kind = *buffer.first().ok_or(WireError::BadOption)?;
        match kind {
            field::OPT_END => return Ok((&buffer[1..], TcpOption::EndOfList)),
            field::OPT_NOP => return Ok((&buffer[1..], TcpOption::NoOperation)),
            _ => {}
        }
        let len = *buffer.get(1).ok_or(WireError::BadOption)? as usize;
        if len < 2 {
            return Err(WireError::BadOption);
        }
        let data = buffer.get(2..len).ok_or(WireError::BadOption)?;
        let opt = match (kind, data.len()) {
            (field::OPT_MSS, 2) => {
                TcpOption::MaxSegmentSize(u16::from_be_bytes([data[0], data[1]]))
            }
            (field::OPT_WS, 1) => TcpOption::WindowScale(data[0]),
            (field::OPT_SACKPERM, 0) => TcpOption::SackPermitted,
            (field::OPT_SACKRNG, _) => TcpOption::SackRange(TcpSackBlocks::parse(data)?),
            (field::OPT_TSTAMP, 8) => TcpOption::Timestamp(TcpTimestamp {
                tsval: u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
                tsecr: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
            }),
            (field::OPT_MSS | field::OPT_WS | field::OPT_SACKPERM | field::OPT_TSTAMP, _) => {
                return Err(WireError::BadOption);
            }
            (kind, _) => TcpOption::Unknown { kind, data },
        };
        Ok((&buffer[len..], opt))
    }

    /// Bytes this option occupies when emitted.
    pub fn buffer_len(&self) -> usize {
        match self {
            TcpOption::EndOfList | TcpOption::NoOperation => 1,
            TcpOption::MaxSegmentSize(_) => 4,
            TcpOption::WindowScale(_) => 3,
            TcpOption::SackPermitted => 2,
            TcpOption::SackRange(s) => 2 + 8 * s.len(),
            TcpOption::Timestamp(_) => 10,
            TcpOption::Unknown { data, .. } => 2 + data.len(),
        }
    }

    /// Writes the option at the start of `buffer` and returns the rest.
    ///
    /// Errors: [`WireError::BufferTooSmall`] when it does not fit;
    /// [`WireError::BadOption`] for an unknown option whose data exceeds 253 bytes
    /// or a SACK option without blocks.
    pub fn emit<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b mut [u8]> {
        let len = self.buffer_len();
        if buffer.len() < len {
            return Err(WireError::BufferTooSmall);
        }
        let (out, rest) = buffer.split_at_mut(len);
        match *self {
            TcpOption::EndOfList => out[0] = field::OPT_END,
            TcpOption::NoOperation => out[0] = field::OPT_NOP,
            TcpOption::MaxSegmentSize(mss) => {
                out[0] = field::OPT_MSS;
                out[2..4].copy_from_slice(&mss.to_be_bytes());
            }
            TcpOption::WindowScale(ws) => {
                out[0] = field::OPT_WS;
                out[2] = ws;
            }
            TcpOption::SackPermitted => out[0] = field::OPT_SACKPERM,
            TcpOption::SackRange(s) => {
                if s.is_empty() {
                    return Err(WireError::BadOption);
                }
                out[0] = field::OPT_SACKRNG;
                for (c, &(l, r)) in out[2..].chunks_exact_mut(8).zip(s.as_slice()) {
                    c[..4].copy_from_slice(&l.to_be_bytes());
                    c[4..].copy_from_slice(&r.to_be_bytes());
                }
            }
            TcpOption::Timestamp(ts) => {
                out[0] = field::OPT_TSTAMP;
                out[2..6].copy_from_slice(&ts.tsval.to_be_bytes());
                out[6..10].copy_from_slice(&ts.tsecr.to_be_bytes());
            }
            TcpOption::Unknown { kind, data } => {
                if len > 255 {
                    return Err(WireError::BadOption);
                }
                out[0] = kind;
                out[2..].copy_from_slice(data);
            }
        }
        if len > 1 {
            out[1] = len as u8;
        }
        Ok(rest)
    }
}

/// Iterator over the options of a header.
///
/// Yields `Ok(option)` for each option, including NOPs and the end-of-list
/// marker (after which it stops: what follows is padding). A malformed option
/// yields one `Err(WireError::BadOption)` and ends the iteration.
#[derive(Debug, Clone)]
pub struct TcpOptionIter<'a> {
    rest: &'a [u8],
    done: bool,
}

impl<'a> TcpOptionIter<'a> {
    /// Iterates over raw option bytes.
    pub fn new(options: &'a [u8]) -> TcpOptionIter<'a> {
        TcpOptionIter {
            rest: options,
            done: false,
        }
    }
}

impl<'a> Iterator for TcpOptionIter<'a> {
    type Item = Result<TcpOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.rest.is_empty() {
            return None;
        }
        match TcpOption::parse(self.rest) {
            Ok((rest, opt)) => {
                self.rest = rest;
                if opt == TcpOption::EndOfList {
                    self.done = true;
                }
                Some(Ok(opt))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
