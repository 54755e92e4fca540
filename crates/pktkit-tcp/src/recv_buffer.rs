//! [`RecvBuffer`]: the bounded receive ring with out-of-order reassembly.
//!
//! Bytes are placed at their offset from RCV.NXT as they arrive, in order or
//! not; a small bounded list of received ranges beyond the contiguous prefix
//! tracks the holes and feeds the SACK blocks we send (RFC 2018). It does not
//! know about sequence numbers: offset 0 is RCV.NXT.

use pktkit_wire::checksum;

use crate::send_buffer::{copy_and_sum_after, wrap};

/// Most out-of-order ranges kept; a segment that would need another one is dropped
/// (the sender retransmits it), so memory stays bounded whatever the peer sends.
pub(crate) const MAX_RANGES: usize = 32;

/// A fixed-capacity ring: `[read head .. +readable)` is in-order data the
/// application has not read; after it, the window, with out-of-order ranges.
pub(crate) struct RecvBuffer {
    buf: Box<[u8]>,
    head: usize,
    readable: usize,
    /// Out-of-order ranges as (start, end) offsets from the end of the readable
    /// data (= RCV.NXT), sorted, disjoint, non-adjacent, none starting at 0.
    ranges: [(u32, u32); MAX_RANGES],
    nranges: usize,
    /// Index into `ranges` of the range that last grew (reported first in SACK).
    last_range_start: Option<u32>,
}

impl core::fmt::Debug for RecvBuffer {
    /// The bookkeeping, not the bytes (a connection's `Debug` stays readable).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecvBuffer")
            .field("capacity", &self.buf.len())
            .field("head", &self.head)
            .field("readable", &self.readable)
            .field("ranges", &&self.ranges[..self.nranges])
            .field("last_range_start", &self.last_range_start)
            .finish()
    }
}

impl RecvBuffer {
    pub(crate) fn new(capacity: usize) -> RecvBuffer {
        RecvBuffer {
            buf: vec![0; capacity.max(1)].into_boxed_slice(),
            head: 0,
            readable: 0,
            ranges: [(0, 0); MAX_RANGES],
            nranges: 0,
            last_range_start: None,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// In-order bytes waiting for the application.
    pub(crate) fn readable(&self) -> usize {
        self.readable
    }

    /// Room after RCV.NXT (the receive window).
    pub(crate) fn window(&self) -> usize {
        self.buf.len() - self.readable
    }

    /// True when out-of-order data is held.
    pub(crate) fn has_holes(&self) -> bool {
        self.nranges > 0
    }

    /// Out-of-order ranges (offsets from RCV.NXT), most recently grown first,
    /// then in ascending order.
    pub(crate) fn sack_ranges(&self, out: &mut [(u32, u32)]) -> usize {
        let mut n = 0;
        let first = self.last_range_start.and_then(|s| {
            self.ranges[..self.nranges]
                .iter()
                .position(|r| r.0 <= s && s < r.1)
        });
        if let Some(i) = first
            && let Some(slot) = out.get_mut(n)
        {
            *slot = self.ranges[i];
            n += 1;
        }
        for (i, r) in self.ranges[..self.nranges].iter().enumerate() {
            if Some(i) == first {
                continue;
            }
            match out.get_mut(n) {
                Some(slot) => {
                    *slot = *r;
                    n += 1;
                }
                None => break,
            }
        }
        n
    }

    /// Stores `data` at `offset` bytes after RCV.NXT (the part beyond the window
    /// is cut). Returns how far RCV.NXT advances (0 for out-of-order data, or when
    /// the segment was dropped for lack of a range slot).
    pub(crate) fn insert(&mut self, offset: usize, data: &[u8]) -> usize {
        let win = self.window();
        if offset >= win || data.is_empty() {
            return 0;
        }
        let len = data.len().min(win - offset);
        let (start, end) = (offset as u32, (offset + len) as u32);
        if start > 0 && !self.add_range(start, end) {
            return 0;
        }
        // Copy into the ring after the readable bytes.
        let cap = self.buf.len();
        let at = wrap(self.head + self.readable + offset, cap);
        let first = len.min(cap - at);
        self.buf[at..at + first].copy_from_slice(&data[..first]);
        self.buf[..len - first].copy_from_slice(&data[first..len]);
        if start > 0 {
            self.last_range_start = Some(start);
            return 0;
        }
        // In order: advance over this segment and any ranges it now reaches.
        let mut advance = end;
        let mut drop = 0;
        for r in &self.ranges[..self.nranges] {
            if r.0 <= advance {
                advance = advance.max(r.1);
                drop += 1;
            } else {
                break;
            }
        }
        self.ranges.copy_within(drop..self.nranges, 0);
        self.nranges -= drop;
        for r in &mut self.ranges[..self.nranges] {
            r.0 -= advance;
            r.1 -= advance;
        }
        self.last_range_start = self
            .last_range_start
            .and_then(|s| s.checked_sub(advance))
            .filter(|_| self.nranges > 0);
        self.readable += advance as usize;
        advance as usize
    }

    /// Appends in-order data at RCV.NXT when no out-of-order data is held
    /// (the bulk-transfer case: no range bookkeeping, one copy). Returns how
    /// many bytes were taken: all of `data`, cut at the window.
    #[inline]
    pub(crate) fn append(&mut self, data: &[u8]) -> usize {
        debug_assert!(self.nranges == 0, "append with out-of-order data held");
        let len = data.len().min(self.window());
        let cap = self.buf.len();
        let at = wrap(self.head + self.readable, cap);
        let first = len.min(cap - at);
        self.buf[at..at + first].copy_from_slice(&data[..first]);
        self.buf[..len - first].copy_from_slice(&data[first..len]);
        self.readable += len;
        len
    }

    /// Copies in-order data to RCV.NXT without making it readable yet, and
    /// returns its one's-complement sum added to `initial` (as
    /// `checksum::sum(data, initial)`): the bytes are summed while they are
    /// copied ([`checksum::copy_and_sum`]), so a segment is read once, for
    /// its checksum and its copy. [`RecvBuffer::commit`] then makes it
    /// readable; until then it lies in the window where nothing reads it.
    /// Needs no out-of-order data held and `data` within the window.
    pub(crate) fn stage_summed(&mut self, data: &[u8], initial: u32) -> u32 {
        debug_assert!(self.nranges == 0, "staging with out-of-order data held");
        debug_assert!(data.len() <= self.window());
        let len = data.len().min(self.window());
        let cap = self.buf.len();
        let at = wrap(self.head + self.readable, cap);
        let first = len.min(cap - at);
        let (head, tail) = data[..len].split_at(first);
        let acc = checksum::copy_and_sum(&mut self.buf[at..at + first], head, initial);
        copy_and_sum_after(acc, first, &mut self.buf[..len - first], tail)
    }

    /// Makes `n` staged bytes readable.
    pub(crate) fn commit(&mut self, n: usize) {
        debug_assert!(n <= self.window());
        self.readable += n;
    }

    /// Merges `[start, end)` into the range list; false when it would need a
    /// new slot and none is free.
    fn add_range(&mut self, start: u32, end: u32) -> bool {
        let rs = &mut self.ranges;
        let n = self.nranges;
        // First range that ends at or after `start` (may merge).
        let i = rs[..n].iter().position(|r| r.1 >= start).unwrap_or(n);
        // Ranges i..j overlap or touch [start, end).
        let mut j = i;
        while j < n && rs[j].0 <= end {
            j += 1;
        }
        if i == j {
            if n == MAX_RANGES {
                return false;
            }
            rs.copy_within(i..n, i + 1);
            rs[i] = (start, end);
            self.nranges += 1;
        } else {
            let merged = (rs[i].0.min(start), rs[j - 1].1.max(end));
            rs[i] = merged;
            rs.copy_within(j..n, i + 1);
            self.nranges -= j - i - 1;
        }
        true
    }

    /// Copies readable bytes into `out`; returns how many.
    pub(crate) fn read(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.readable);
        let cap = self.buf.len();
        let first = n.min(cap - self.head);
        out[..first].copy_from_slice(&self.buf[self.head..self.head + first]);
        out[first..n].copy_from_slice(&self.buf[..n - first]);
        self.head = wrap(self.head + n, cap);
        self.readable -= n;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_out_of_order() {
        let mut b = RecvBuffer::new(16);
        assert_eq!(b.insert(4, b"efgh"), 0);
        assert_eq!(b.insert(10, b"kl"), 0);
        let mut r = [(0, 0); 4];
        assert_eq!(b.sack_ranges(&mut r), 2);
        assert_eq!(&r[..2], &[(10, 12), (4, 8)]);
        assert_eq!(b.insert(0, b"abcd"), 8);
        assert_eq!(b.sack_ranges(&mut r), 1);
        assert_eq!(r[0], (2, 4));
        assert_eq!(b.insert(0, b"ij"), 4);
        assert!(!b.has_holes());
        let mut out = [0u8; 16];
        assert_eq!(b.read(&mut out), 12);
        assert_eq!(&out[..12], b"abcdefghijkl");
    }

    #[test]
    fn append_matches_insert_across_the_wrap() {
        let (mut a, mut b) = (RecvBuffer::new(10), RecvBuffer::new(10));
        let mut read = Vec::new();
        for (i, chunk) in [&b"abcdef"[..], b"gh", b"ijklmnop", b"q"]
            .iter()
            .enumerate()
        {
            assert_eq!(a.append(chunk), b.insert(0, chunk), "chunk {i}");
            assert_eq!(a.readable(), b.readable());
            let (mut oa, mut ob) = ([0u8; 3], [0u8; 3]);
            let (na, nb) = (a.read(&mut oa), b.read(&mut ob));
            assert_eq!(oa[..na], ob[..nb]);
            read.extend_from_slice(&oa[..na]);
        }
        let (mut oa, mut ob) = ([0u8; 10], [0u8; 10]);
        let (na, nb) = (a.read(&mut oa), b.read(&mut ob));
        assert_eq!(oa[..na], ob[..nb]);
        read.extend_from_slice(&oa[..na]);
        // Window 10 throughout: "ijklmnop" was cut to what fit after "gh" and
        // the unread bytes; the reader saw the stream in order.
        assert!(read.starts_with(b"abcdefgh"));
        // Cut at the window like `insert`.
        let mut c = RecvBuffer::new(4);
        assert_eq!(c.append(b"abcdef"), 4);
        assert_eq!(c.append(b"x"), 0);
    }

    #[test]
    fn stage_summed_then_commit_is_append() {
        const K: usize = 4096;
        let cap = 2 * K + 3;
        let (mut a, mut b) = (RecvBuffer::new(cap), RecvBuffer::new(cap));
        let data: Vec<u8> = (0..cap as u32).map(|i| (i * 7 + 1) as u8).collect();
        let mut sink = vec![0u8; cap];
        // Move the head to an odd place so the next data wraps.
        for r in [&mut a, &mut b] {
            r.append(&data[..K + 1]);
            r.read(&mut sink);
        }
        for len in [cap, 1, 2 * K - 1, 1460, 1461, K + 2] {
            let part = &data[..len];
            let sum = a.stage_summed(part, 7);
            assert_eq!(a.readable(), 0, "staged data is not readable");
            assert_eq!(
                checksum::fold(sum),
                checksum::fold(checksum::reference_sum(part, 7))
            );
            a.commit(len);
            b.append(part);
            let (mut oa, mut ob) = (vec![0u8; cap], vec![0u8; cap]);
            assert_eq!(a.read(&mut oa), b.read(&mut ob));
            assert_eq!(oa, ob);
            assert_eq!(&oa[..len], part);
        }
    }

    #[test]
    fn cuts_at_window_and_bounds_ranges() {
        let mut b = RecvBuffer::new(4 * MAX_RANGES + 8);
        for i in 0..MAX_RANGES {
            assert_eq!(b.insert(2 + 4 * i, b"x"), 0);
        }
        // No slot left for a new disjoint range: dropped.
        let far = 2 + 4 * MAX_RANGES;
        b.insert(far + 2, b"y");
        assert_eq!(b.nranges, MAX_RANGES);
        // Beyond the window: dropped.
        assert_eq!(b.insert(b.window(), b"z"), 0);
        // Overlapping duplicate merges, no new range.
        b.insert(2, b"xx");
        assert_eq!(b.nranges, MAX_RANGES);
        assert_eq!(b.insert(0, b"ab"), 4);
    }
}
