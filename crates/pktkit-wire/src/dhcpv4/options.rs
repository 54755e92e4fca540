//! Walking the raw option instances of an option area, and of all the
//! areas of a message (options, then overloaded `file` and `sname`).

use super::{field, opt};
use crate::{Result, WireError};

/// One option instance as it appears on the wire: code and value (≤ 255 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DhcpOption<'a> {
    /// The option code.
    pub code: u8,
    /// The value bytes.
    pub data: &'a [u8],
}

/// Iterator over the option instances of one option area (pads skipped,
/// stops after END). Yields `Err(BadOption)` once if an option runs past the
/// end of the area, then stops. Running out of bytes without END is accepted.
#[derive(Clone, Debug)]
pub struct RawOptions<'a> {
    rest: &'a [u8],
}

impl<'a> RawOptions<'a> {
    /// Walks the options in `area`.
    pub const fn new(area: &'a [u8]) -> Self {
        RawOptions { rest: area }
    }
}

impl<'a> Iterator for RawOptions<'a> {
    type Item = Result<DhcpOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (&code, rest) = self.rest.split_first()?;
            match code {
                opt::PAD => self.rest = rest,
                opt::END => {
                    self.rest = &[];
                    return None;
                }
                _ => {
                    let Some((&len, rest)) = rest.split_first() else {
                        self.rest = &[];
                        return Some(Err(WireError::BadOption));
                    };
                    let len = len as usize;
                    if rest.len() < len {
                        self.rest = &[];
                        return Some(Err(WireError::BadOption));
                    }
                    let (data, rest) = rest.split_at(len);
                    self.rest = rest;
                    return Some(Ok(DhcpOption { code, data }));
                }
            }
        }
    }
}

/// The value of option 52 (RFC 2132 §9.3): which of `file` (1) and `sname`
/// (2) hold options. An enum rather than a `u8` so that the values it cannot
/// take leave room for the tags of the enums that hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Overload {
    None = 0,
    File = 1,
    Sname = 2,
    Both = 3,
}

impl Overload {
    /// The overload of option 52's value byte, if it is a valid one (1..=3).
    pub(super) fn from_value(v: u8) -> Option<Self> {
        match v {
            1 => Some(Overload::File),
            2 => Some(Overload::Sname),
            3 => Some(Overload::Both),
            _ => None,
        }
    }

    /// Whether `file` (bit 1) or `sname` (bit 2) is overloaded.
    pub(super) fn has(self, bit: u8) -> bool {
        self as u8 & bit != 0
    }
}

/// The option areas of a message in RFC 2131 order: options, then `file` and
/// `sname` when option 52 says they are overloaded.
#[derive(Clone, Copy)]
pub(super) struct Areas<'a> {
    pub(super) packet: &'a [u8],
    pub(super) overload: Overload,
}

impl<'a> Areas<'a> {
    pub(super) fn area(&self, i: usize) -> &'a [u8] {
        match i {
            0 => self.packet.get(field::OPTIONS..).unwrap_or(&[]),
            1 if self.overload.has(1) => self.packet.get(field::FILE).unwrap_or(&[]),
            2 if self.overload.has(2) => self.packet.get(field::SNAME).unwrap_or(&[]),
            _ => &[],
        }
    }

    pub(super) fn iter(self) -> AreaOptions<'a> {
        AreaOptions {
            areas: self,
            index: 0,
            cur: RawOptions::new(self.area(0)),
        }
    }
}

/// All option instances across the areas (errors end the walk silently: the
/// areas were validated by `DhcpRepr::parse`).
#[derive(Clone)]
pub(super) struct AreaOptions<'a> {
    areas: Areas<'a>,
    index: usize,
    cur: RawOptions<'a>,
}

impl<'a> Iterator for AreaOptions<'a> {
    type Item = DhcpOption<'a>;
    fn next(&mut self) -> Option<DhcpOption<'a>> {
        loop {
            match self.cur.next() {
                Some(Ok(o)) => return Some(o),
                Some(Err(_)) | None => {
                    self.index += 1;
                    if self.index > 2 {
                        return None;
                    }
                    self.cur = RawOptions::new(self.areas.area(self.index));
                }
            }
        }
    }
}
