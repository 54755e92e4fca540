//! [`SendBuffer`]: the bounded byte ring holding data from SND.UNA onwards.
//!
//! The application writes at the tail; segments are copied out at any offset
//! (first transmission or retransmission); acknowledged bytes are dropped from
//! the head. It does not know about sequence numbers: the connection maps
//! `offset 0` to the sequence number of the first unacknowledged data byte.

use pktkit_wire::checksum;

/// [`checksum::copy_and_sum`] of a piece that follows `before` bytes already
/// summed into `acc`: after an odd number of bytes the piece's 16-bit words
/// straddle the byte boundary, so its own sum is byte-swapped before it is
/// added (RFC 1071 section 2(B): swapping the bytes of a sum multiplies it by
/// 256 modulo `0xffff`, as shifting the data by one byte does).
#[inline]
pub(crate) fn copy_and_sum_after(acc: u32, before: usize, dst: &mut [u8], src: &[u8]) -> u32 {
    if dst.is_empty() {
        acc
    } else if before & 1 == 0 {
        checksum::copy_and_sum(dst, src, acc)
    } else {
        let piece = checksum::fold(checksum::copy_and_sum(dst, src, 0));
        // `acc` is at most `0x1_fffe` (a `copy_and_sum` result): no overflow.
        acc + u32::from(piece.swap_bytes())
    }
}

/// A fixed-capacity ring of bytes. Allocated once, never grows.
pub(crate) struct SendBuffer {
    buf: Box<[u8]>,
    head: usize,
    len: usize,
}

impl core::fmt::Debug for SendBuffer {
    /// The bookkeeping, not the bytes (a connection's `Debug` stays readable).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SendBuffer")
            .field("capacity", &self.buf.len())
            .field("head", &self.head)
            .field("len", &self.len)
            .finish()
    }
}

impl SendBuffer {
    pub(crate) fn new(capacity: usize) -> SendBuffer {
        SendBuffer {
            buf: vec![0; capacity.max(1)].into_boxed_slice(),
            head: 0,
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn free(&self) -> usize {
        self.buf.len() - self.len
    }

    /// Appends as much of `data` as fits; returns how much.
    pub(crate) fn write(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.free());
        let cap = self.buf.len();
        let tail = wrap(self.head + self.len, cap);
        let first = n.min(cap - tail);
        self.buf[tail..tail + first].copy_from_slice(&data[..first]);
        self.buf[..n - first].copy_from_slice(&data[first..n]);
        self.len += n;
        n
    }

    /// Copies `out.len()` bytes starting `offset` bytes after the head into
    /// `out`; returns how many were available (≤ `out.len()`). The plain copy
    /// that tests hold [`SendBuffer::read_at_summed`] to (segments use that).
    #[cfg(test)]
    pub(crate) fn read_at(&self, offset: usize, out: &mut [u8]) -> usize {
        if offset >= self.len {
            return 0;
        }
        let n = out.len().min(self.len - offset);
        let cap = self.buf.len();
        let start = wrap(self.head + offset, cap);
        let first = n.min(cap - start);
        out[..first].copy_from_slice(&self.buf[start..start + first]);
        out[first..n].copy_from_slice(&self.buf[..n - first]);
        n
    }

    /// [`SendBuffer::read_at`] that also returns the one's-complement sum of
    /// what it copied added to `initial` (as `checksum::sum(out, initial)`):
    /// the bytes are summed while they are copied
    /// ([`checksum::copy_and_sum`]), so a segment's payload is read once.
    pub(crate) fn read_at_summed(
        &self,
        offset: usize,
        out: &mut [u8],
        initial: u32,
    ) -> (usize, u32) {
        if offset >= self.len {
            return (0, initial);
        }
        let n = out.len().min(self.len - offset);
        let cap = self.buf.len();
        let start = wrap(self.head + offset, cap);
        let first = n.min(cap - start);
        let (a, b) = out[..n].split_at_mut(first);
        let acc = checksum::copy_and_sum(a, &self.buf[start..start + first], initial);
        (n, copy_and_sum_after(acc, first, b, &self.buf[..n - first]))
    }

    /// Drops `n` bytes (or all there are) from the head.
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.len);
        self.head = wrap(self.head + n, self.buf.len());
        self.len -= n;
        if self.len == 0 {
            self.head = 0;
        }
    }
}

/// `i` modulo `cap` for `i < 2 * cap` (every index here is a position in
/// the ring plus at most its capacity): a compare, not a division.
#[inline(always)]
pub(crate) fn wrap(i: usize, cap: usize) -> usize {
    debug_assert!(i < 2 * cap);
    if i >= cap { i - cap } else { i }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_at_summed_copies_and_sums_across_the_wrap() {
        const K: usize = 4096;
        let cap = 3 * K + 7;
        let mut b = SendBuffer::new(cap);
        let data: Vec<u8> = (0..cap as u32).map(|i| (i * 13 + 5) as u8).collect();
        // The head at the odd index 2K + 1 with one byte held (an empty
        // ring restarts at 0), so what follows wraps after an odd piece.
        b.write(&data[..2 * K + 2]);
        b.consume(2 * K + 1);
        assert_eq!(b.write(&data), cap - 1);
        let mut held = vec![data[2 * K + 1]];
        held.extend_from_slice(&data[..cap - 1]);
        for (off, len) in [
            (0, cap),
            (1, 2 * K + 3),
            (K + 5, 9),
            (K, 2 * K + 6),
            (K - 1, 1460),
            (K + 1, 1460),
            (cap - 3, 10),
            (cap, 5),
        ] {
            let mut out = vec![0u8; len];
            let mut plain = vec![0u8; len];
            let (n, sum) = b.read_at_summed(off, &mut out, 0x1234);
            assert_eq!(n, b.read_at(off, &mut plain));
            assert_eq!(out[..n], plain[..n]);
            assert_eq!(out[..n], held[off..off + n]);
            assert_eq!(
                checksum::fold(sum),
                checksum::fold(checksum::reference_sum(&held[off..off + n], 0x1234)),
                "offset {off} len {len}"
            );
        }
    }

    #[test]
    fn wraps_around() {
        let mut b = SendBuffer::new(8);
        assert_eq!(b.write(b"abcdef"), 6);
        b.consume(4);
        assert_eq!(b.write(b"ghijklmn"), 6);
        assert_eq!(b.len(), 8);
        let mut out = [0u8; 8];
        assert_eq!(b.read_at(0, &mut out), 8);
        assert_eq!(&out, b"efghijkl");
        let mut out = [0u8; 3];
        assert_eq!(b.read_at(6, &mut out), 2);
        assert_eq!(&out[..2], b"kl");
        assert_eq!(b.read_at(8, &mut out), 0);
    }
}
