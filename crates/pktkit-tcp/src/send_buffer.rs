//! [`SendBuffer`]: the bounded byte ring holding data from SND.UNA onwards.
//!
//! The application writes at the tail; segments are copied out at any offset
//! (first transmission or retransmission); acknowledged bytes are dropped from
//! the head. It does not know about sequence numbers: the connection maps
//! `offset 0` to the sequence number of the first unacknowledged data byte.

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
        let tail = (self.head + self.len) % cap;
        let first = n.min(cap - tail);
        self.buf[tail..tail + first].copy_from_slice(&data[..first]);
        self.buf[..n - first].copy_from_slice(&data[first..n]);
        self.len += n;
        n
    }

    /// Copies `out.len()` bytes starting `offset` bytes after the head into
    /// `out`; returns how many were available (≤ `out.len()`).
    pub(crate) fn read_at(&self, offset: usize, out: &mut [u8]) -> usize {
        if offset >= self.len {
            return 0;
        }
        let n = out.len().min(self.len - offset);
        let cap = self.buf.len();
        let start = (self.head + offset) % cap;
        let first = n.min(cap - start);
        out[..first].copy_from_slice(&self.buf[start..start + first]);
        out[first..n].copy_from_slice(&self.buf[..n - first]);
        n
    }

    /// Drops `n` bytes (or all there are) from the head.
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.len);
        self.head = (self.head + n) % self.buf.len();
        self.len -= n;
        if self.len == 0 {
            self.head = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
