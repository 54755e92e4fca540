//! Option values as the repr holds them: [`OptionData`] (bytes, possibly
//! split across instances, RFC 3396) and [`Ipv4List`] (options 3 and 6).

use core::fmt;
use core::net::Ipv4Addr;

use super::options::{Areas, Overload};

/// The value of one option, all its instances concatenated (RFC 3396).
///
/// Either a plain slice (one instance on the wire, or a value the caller
/// built) or a walk over the pieces of a value split across instances; the
/// bytes are never copied. Compare with `==` by content.
#[derive(Clone, Copy)]
pub struct OptionData<'a>(pub(super) DataInner<'a>);

/// Kept to 24 bytes (the repr holds a dozen of them): the split form
/// stores its areas unpacked and its length as a `u32`.
#[derive(Clone, Copy)]
pub(super) enum DataInner<'a> {
    Bytes(&'a [u8]),
    /// Every instance of `code` in the areas of `packet`.
    Split {
        packet: &'a [u8],
        /// The total length, or `u32::MAX` when it does not fit (then
        /// counted again when asked for).
        len: u32,
        overload: Overload,
        code: u8,
    },
}

impl<'a> DataInner<'a> {
    /// Every instance of `code` in `areas`, `len` bytes in all.
    pub(super) fn split(areas: Areas<'a>, code: u8, len: usize) -> Self {
        DataInner::Split {
            packet: areas.packet,
            len: u32::try_from(len).unwrap_or(u32::MAX),
            overload: areas.overload,
            code,
        }
    }
}

impl<'a> OptionData<'a> {
    /// A value held in one slice (what a caller building a message uses).
    pub const fn from_bytes(bytes: &'a [u8]) -> Self {
        OptionData(DataInner::Bytes(bytes))
    }

    /// Total length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match self.0 {
            DataInner::Bytes(b) => b.len(),
            DataInner::Split { len, .. } if len != u32::MAX => len as usize,
            DataInner::Split { .. } => self.counted_len(),
        }
    }

    /// The length of a split value whose total did not fit its `u32`.
    #[cold]
    #[inline(never)]
    fn counted_len(&self) -> usize {
        self.chunks().map(<[u8]>::len).sum()
    }

    /// True for a zero-length value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as one slice, when it is one (not split on the wire).
    pub fn as_slice(&self) -> Option<&'a [u8]> {
        match self.0 {
            DataInner::Bytes(b) => Some(b),
            DataInner::Split { .. } => None,
        }
    }

    /// The pieces of the value, in order.
    pub fn chunks(&self) -> impl Iterator<Item = &'a [u8]> + Clone + use<'a> {
        let (single, split) = match self.0 {
            DataInner::Bytes(b) => (Some(b), None),
            DataInner::Split {
                packet,
                overload,
                code,
                ..
            } => (None, Some((Areas { packet, overload }.iter(), code))),
        };
        single.into_iter().chain(
            split
                .into_iter()
                .flat_map(|(it, code)| it.filter(move |o| o.code == code).map(|o| o.data)),
        )
    }

    /// The bytes of the value, in order.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + Clone + use<'a> {
        self.chunks().flat_map(|c| c.iter().copied())
    }

    /// The byte at `index`.
    #[inline]
    pub fn get(&self, mut index: usize) -> Option<u8> {
        if let DataInner::Bytes(b) = self.0 {
            return b.get(index).copied();
        }
        for c in self.chunks() {
            if index < c.len() {
                return Some(c[index]);
            }
            index -= c.len();
        }
        None
    }

    /// Copies the value into `out`; `None` if it does not fit.
    pub fn copy_to<'b>(&self, out: &'b mut [u8]) -> Option<&'b [u8]> {
        let n = self.len();
        let dst = out.get_mut(..n)?;
        if let DataInner::Bytes(b) = self.0 {
            dst.copy_from_slice(b);
            return Some(dst);
        }
        let mut at = 0;
        for c in self.chunks() {
            dst.get_mut(at..at + c.len())?.copy_from_slice(c);
            at += c.len();
        }
        Some(dst)
    }

    pub(super) fn array<const N: usize>(&self) -> Option<[u8; N]> {
        if self.len() != N {
            return None;
        }
        let mut out = [0u8; N];
        self.copy_to(&mut out)?;
        Some(out)
    }

    /// The value read as IPv4 addresses (4 bytes each; a trailing partial one is ignored).
    pub fn addrs(&self) -> impl Iterator<Item = Ipv4Addr> + Clone + use<'a> {
        let n = self.len() / 4;
        let mut bytes = self.bytes();
        (0..n).filter_map(move |_| {
            Some(Ipv4Addr::new(
                bytes.next()?,
                bytes.next()?,
                bytes.next()?,
                bytes.next()?,
            ))
        })
    }

    /// True when the value equals `other` byte for byte.
    pub fn eq_bytes(&self, other: &[u8]) -> bool {
        self.len() == other.len() && self.bytes().eq(other.iter().copied())
    }
}

impl PartialEq for OptionData<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.bytes().eq(other.bytes())
    }
}
impl Eq for OptionData<'_> {}

impl fmt::Debug for OptionData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for b in self.bytes() {
            if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

/// A list of IPv4 addresses (options 3 and 6): parsed from the wire or given
/// by the caller as a slice.
#[derive(Clone, Copy)]
pub struct Ipv4List<'a>(pub(super) ListInner<'a>);

#[derive(Clone, Copy)]
pub(super) enum ListInner<'a> {
    Addrs(&'a [Ipv4Addr]),
    Data(OptionData<'a>),
}

impl<'a> Ipv4List<'a> {
    /// A list the caller built.
    pub const fn new(addrs: &'a [Ipv4Addr]) -> Self {
        Ipv4List(ListInner::Addrs(addrs))
    }
    /// Number of addresses.
    pub fn len(&self) -> usize {
        match self.0 {
            ListInner::Addrs(a) => a.len(),
            ListInner::Data(d) => d.len() / 4,
        }
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The first address.
    pub fn first(&self) -> Option<Ipv4Addr> {
        match self.0 {
            ListInner::Addrs(a) => a.first().copied(),
            ListInner::Data(d) => match d.as_slice() {
                Some(b) => b.first_chunk::<4>().map(|&a| Ipv4Addr::from(a)),
                None => d.addrs().next(),
            },
        }
    }
    /// The addresses in order.
    pub fn iter(&self) -> impl Iterator<Item = Ipv4Addr> + Clone + use<'a> {
        let (a, d) = match self.0 {
            ListInner::Addrs(a) => (Some(a), None),
            ListInner::Data(d) => (None, Some(d)),
        };
        a.into_iter()
            .flat_map(|a| a.iter().copied())
            .chain(d.into_iter().flat_map(|d| d.addrs()))
    }
}

impl PartialEq for Ipv4List<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl Eq for Ipv4List<'_> {}

impl fmt::Debug for Ipv4List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
