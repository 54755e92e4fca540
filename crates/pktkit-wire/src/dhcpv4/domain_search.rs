//! Option 119 (RFC 3397): the domain search list, with DNS name compression.

use core::fmt;

use super::OptionData;
use crate::{Result, WireError};

/// Longest domain name on the wire (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 255;

/// Encodes domain names as an option 119 value (RFC 3397) into `out`, with
/// DNS name compression against the names written before; returns the length.
///
/// Names are dotted (`"eng.example.com"`, a trailing dot is allowed).
/// Errors: [`WireError::BadField`] for an empty or over-long label or name,
/// [`WireError::BufferTooSmall`] if `out` is too short.
///
/// ```
/// use pktkit_wire::dhcpv4::encode_domain_search;
/// let mut buf = [0u8; 64];
/// let n = encode_domain_search(&["eng.apple.com", "marketing.apple.com"], &mut buf).unwrap();
/// // RFC 3397 §2 example: the second name points back at "apple.com".
/// assert_eq!(&buf[..n], b"\x03eng\x05apple\x03com\x00\x09marketing\xc0\x04");
/// ```
pub fn encode_domain_search(names: &[&str], out: &mut [u8]) -> Result<usize> {
    let mut w = 0;
    for name in names {
        let name = name.strip_suffix('.').unwrap_or(name);
        let mut total = 1;
        let mut count = 0;
        for l in labels_of(name) {
            if l.is_empty() || l.len() > 63 {
                return Err(WireError::BadField);
            }
            total += l.len() + 1;
            count += 1;
        }
        if total > MAX_NAME_LEN {
            return Err(WireError::BadField);
        }
        // The longest suffix already in `out`.
        let mut pointer = None;
        for skip in 0..count {
            if let Some(q) = find_suffix(&out[..w], name, skip) {
                pointer = Some((skip, q));
                break;
            }
        }
        let keep = pointer.map_or(count, |(skip, _)| skip);
        for l in labels_of(name).take(keep) {
            let dst = out
                .get_mut(w..w + 1 + l.len())
                .ok_or(WireError::BufferTooSmall)?;
            dst[0] = l.len() as u8;
            dst[1..].copy_from_slice(l.as_bytes());
            w += 1 + l.len();
        }
        match pointer {
            Some((_, q)) => {
                let dst = out.get_mut(w..w + 2).ok_or(WireError::BufferTooSmall)?;
                dst.copy_from_slice(&(0xc000 | q as u16).to_be_bytes());
                w += 2;
            }
            None => {
                *out.get_mut(w).ok_or(WireError::BufferTooSmall)? = 0;
                w += 1;
            }
        }
    }
    Ok(w)
}

fn labels_of(name: &str) -> impl Iterator<Item = &str> + Clone {
    name.split('.').filter(move |_| !name.is_empty())
}

/// A position in `buf` (a label start written in place) whose name equals the
/// labels of `name` after skipping `skip` of them.
fn find_suffix(buf: &[u8], name: &str, skip: usize) -> Option<usize> {
    let mut pos = 0;
    while pos < buf.len() {
        let mut p = pos;
        loop {
            let l = *buf.get(p)? as usize;
            if l == 0 {
                pos = p + 1;
                break;
            }
            if l & 0xc0 == 0xc0 {
                pos = p + 2;
                break;
            }
            if p <= 0x3fff && name_eq(buf, p, labels_of(name).skip(skip)) {
                return Some(p);
            }
            p += 1 + l;
        }
    }
    None
}

/// Whether the (possibly compressed) name at `pos` in `buf` is exactly `labels`.
fn name_eq<'n>(buf: &[u8], mut pos: usize, mut labels: impl Iterator<Item = &'n str>) -> bool {
    let mut hops = 0;
    loop {
        let Some(&l) = buf.get(pos) else { return false };
        if l & 0xc0 == 0xc0 {
            let Some(&lo) = buf.get(pos + 1) else {
                return false;
            };
            let target = ((l as usize & 0x3f) << 8) | lo as usize;
            hops += 1;
            if target >= pos || hops > 128 {
                return false;
            }
            pos = target;
            continue;
        }
        let l = l as usize;
        if l == 0 {
            return labels.next().is_none();
        }
        let Some(want) = labels.next() else {
            return false;
        };
        match buf.get(pos + 1..pos + 1 + l) {
            Some(have) if have.eq_ignore_ascii_case(want.as_bytes()) => pos += 1 + l,
            _ => return false,
        }
    }
}

/// One name of an option 119 value.
#[derive(Clone, Copy, Debug)]
pub struct DomainName<'a> {
    data: OptionData<'a>,
    start: usize,
}

impl DomainName<'_> {
    /// Calls `f` with each label in order (at most 63 bytes each); stops early
    /// when `f` returns false. Returns the name's end in the value (just past
    /// the terminating zero or the first pointer).
    fn walk(&self, mut f: impl FnMut(&[u8]) -> bool) -> Result<usize> {
        let mut pos = self.start;
        let mut end = None;
        let mut total = 1;
        let mut label = [0u8; 63];
        loop {
            let l = self.data.get(pos).ok_or(WireError::BadOption)?;
            if l & 0xc0 == 0xc0 {
                let lo = self.data.get(pos + 1).ok_or(WireError::BadOption)?;
                let target = ((l as usize & 0x3f) << 8) | lo as usize;
                // Strictly backwards: every jump lowers `pos`, so the walk ends.
                if target >= pos {
                    return Err(WireError::BadOption);
                }
                end.get_or_insert(pos + 2);
                pos = target;
                continue;
            }
            if l & 0xc0 != 0 {
                return Err(WireError::BadOption);
            }
            if l == 0 {
                return Ok(end.unwrap_or(pos + 1));
            }
            let l = l as usize;
            total += l + 1;
            if total > MAX_NAME_LEN {
                return Err(WireError::BadOption);
            }
            if let Some(s) = self.data.as_slice() {
                let src = s.get(pos + 1..pos + 1 + l).ok_or(WireError::BadOption)?;
                label[..l].copy_from_slice(src);
            } else {
                for (i, b) in label[..l].iter_mut().enumerate() {
                    *b = self.data.get(pos + 1 + i).ok_or(WireError::BadOption)?;
                }
            }
            if !f(&label[..l]) {
                return Ok(0);
            }
            pos += 1 + l;
        }
    }

    /// True when the name equals the dotted `name` (ASCII case-insensitive).
    pub fn eq_str(&self, name: &str) -> bool {
        let name = name.strip_suffix('.').unwrap_or(name);
        let mut want = labels_of(name);
        let mut ok = true;
        let r = self.walk(|l| {
            ok = want
                .next()
                .is_some_and(|w| w.as_bytes().eq_ignore_ascii_case(l));
            ok
        });
        ok && r.is_ok() && want.next().is_none()
    }

    /// Writes the dotted name into `out` (no trailing dot; bytes outside
    /// printable ASCII as `\ddd`); `None` if it does not fit.
    pub fn write_to<'b>(&self, out: &'b mut [u8]) -> Option<&'b str> {
        let mut w = 0;
        let mut fits = true;
        let r = self.walk(|l| {
            let first = w == 0;
            let mut put = |b: u8| match out.get_mut(w) {
                Some(o) => {
                    *o = b;
                    w += 1;
                    true
                }
                None => {
                    fits = false;
                    false
                }
            };
            (first || put(b'.'))
                && l.iter().all(|&b| {
                    if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                        put(b)
                    } else {
                        put(b'\\')
                            && put(b'0' + b / 100)
                            && put(b'0' + b / 10 % 10)
                            && put(b'0' + b % 10)
                    }
                })
        });
        if !fits || r.is_err() {
            return None;
        }
        core::str::from_utf8(&out[..w]).ok()
    }
}

impl fmt::Display for DomainName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 4 * MAX_NAME_LEN];
        match self.write_to(&mut buf) {
            Some("") => f.write_str("."),
            Some(s) => f.write_str(s),
            None => f.write_str("<bad name>"),
        }
    }
}

/// Whether an option 119 value held in one slice is well-formed: exactly
/// what walking it with [`DomainSearch`] accepts, without copying labels.
pub(super) fn search_list_is_valid(data: &[u8]) -> bool {
    let mut start = 0;
    while start < data.len() {
        match name_end(data, start) {
            Some(end) => start = end,
            None => return false,
        }
    }
    true
}

/// The end of the name at `start` (as [`DomainName::walk`] finds it), or
/// `None` if the name is malformed.
fn name_end(data: &[u8], start: usize) -> Option<usize> {
    let mut pos = start;
    let mut end = None;
    let mut total = 1;
    loop {
        // A run of labels, up to a terminator or a pointer. A label cut
        // short leaves `pos` past the end, so the next read fails.
        let l = loop {
            let l = *data.get(pos)?;
            if l == 0 || l >= 0x40 {
                break l;
            }
            total += l as usize + 1;
            pos += l as usize + 1;
        };
        // `total` only grows, so checking it once per run finds the same
        // names too long as `walk`, which checks it per label.
        if total > MAX_NAME_LEN {
            return None;
        }
        if l == 0 {
            return Some(end.unwrap_or(pos + 1));
        }
        if l < 0xc0 {
            return None;
        }
        let lo = *data.get(pos + 1)?;
        let target = ((l as usize & 0x3f) << 8) | lo as usize;
        // Strictly backwards, as in `walk`: every jump lowers `pos`, and
        // every label raises `total`, so the walk ends.
        if target >= pos {
            return None;
        }
        end.get_or_insert(pos + 2);
        pos = target;
    }
}

/// The names of an option 119 value (see
/// [`DhcpRepr::domain_search_list`](super::DhcpRepr::domain_search_list)).
///
/// Yields `Err(BadOption)` once for a malformed name (cut short, a label
/// over 63 bytes, a name over 255, a compression pointer that does not point
/// strictly backwards), then stops.
#[derive(Clone, Debug)]
pub struct DomainSearch<'a> {
    data: OptionData<'a>,
    pos: usize,
}

impl<'a> DomainSearch<'a> {
    /// Walks the names in an option 119 value.
    pub const fn new(data: OptionData<'a>) -> Self {
        DomainSearch { data, pos: 0 }
    }
}

impl<'a> Iterator for DomainSearch<'a> {
    type Item = Result<DomainName<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.data.len() {
            return None;
        }
        let name = DomainName {
            data: self.data,
            start: self.pos,
        };
        match name.walk(|_| true) {
            Ok(end) => {
                self.pos = end;
                Some(Ok(name))
            }
            Err(e) => {
                self.pos = usize::MAX;
                Some(Err(e))
            }
        }
    }
}
