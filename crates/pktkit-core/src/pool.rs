//! [`BufferPool`]: fixed-size packet buffers recycled without allocation.
//!
//! A lock-free bounded queue (`crossbeam` `ArrayQueue`) of boxed buffers.
//! Taking pops one (allocating only when the pool is empty), and dropping the
//! handle pushes it back (freeing it only if the pool is full), so a steady
//! flow of packets allocates nothing. Use it where a frame must outlive its
//! handler call (queues, delay lines, captures). Not for variable-size data.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crossbeam_queue::ArrayQueue;

/// A thread-safe pool of equally sized byte buffers.
///
/// ```
/// use pktkit_core::BufferPool;
/// let pool = BufferPool::new(2048, 64);
/// let mut buf = pool.take();
/// assert!(buf.fill_from(b"a frame"));
/// assert_eq!(&buf[..], b"a frame");
/// drop(buf);                        // back into the pool
/// assert_eq!(pool.available(), 64);
/// ```
pub struct BufferPool {
    free: ArrayQueue<Box<[u8]>>,
    buf_size: usize,
    allocations: AtomicU64,
}

impl BufferPool {
    /// A pool of `count` preallocated buffers of `buf_size` bytes each; it
    /// keeps at most `count` buffers when they come back.
    pub fn new(buf_size: usize, count: usize) -> Self {
        let free = ArrayQueue::new(count.max(1));
        for _ in 0..count {
            let _ = free.push(vec![0u8; buf_size].into_boxed_slice());
        }
        BufferPool {
            free,
            buf_size,
            allocations: AtomicU64::new(0),
        }
    }

    /// A buffer (empty, `len() == 0`), allocating one only if the pool is empty.
    #[inline]
    pub fn take(&self) -> PoolBuf<'_> {
        let buf = self.free.pop().unwrap_or_else(|| self.allocate());
        PoolBuf {
            pool: self,
            buf,
            len: 0,
        }
    }

    /// A buffer, or `None` if the pool is empty (never allocates).
    #[inline]
    pub fn try_take(&self) -> Option<PoolBuf<'_>> {
        Some(PoolBuf {
            pool: self,
            buf: self.free.pop()?,
            len: 0,
        })
    }

    /// A buffer that holds the pool by `Arc`, to move to other threads or queues.
    pub fn take_owned(self: &Arc<Self>) -> OwnedPoolBuf {
        let buf = self.free.pop().unwrap_or_else(|| self.allocate());
        OwnedPoolBuf {
            pool: self.clone(),
            buf,
            len: 0,
        }
    }

    /// [`BufferPool::take_owned`] that returns `None` instead of allocating.
    pub fn try_take_owned(self: &Arc<Self>) -> Option<OwnedPoolBuf> {
        Some(OwnedPoolBuf {
            pool: self.clone(),
            buf: self.free.pop()?,
            len: 0,
        })
    }

    #[cold]
    fn allocate(&self) -> Box<[u8]> {
        self.allocations.fetch_add(1, Relaxed);
        vec![0u8; self.buf_size].into_boxed_slice()
    }

    /// Buffers waiting in the pool.
    pub fn available(&self) -> usize {
        self.free.len()
    }

    /// The size of each buffer.
    pub fn buf_size(&self) -> usize {
        self.buf_size
    }

    /// How many buffers were allocated because the pool was empty.
    pub fn allocations(&self) -> u64 {
        self.allocations.load(Relaxed)
    }

    #[inline]
    fn give_back(&self, buf: Box<[u8]>) {
        if buf.len() == self.buf_size {
            let _ = self.free.push(buf);
        }
    }
}

impl fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferPool")
            .field("buf_size", &self.buf_size)
            .field("available", &self.available())
            .field("capacity", &self.free.capacity())
            .field("allocations", &self.allocations())
            .finish()
    }
}

macro_rules! buf_impl {
    ($t:ident $(<$l:lifetime>)?) => {
        impl$(<$l>)? $t$(<$l>)? {
            /// The buffer's full size.
            #[inline]
            pub fn capacity(&self) -> usize {
                self.buf.len()
            }

            /// Sets the length of the data (clamped to the capacity).
            #[inline]
            pub fn set_len(&mut self, len: usize) {
                self.len = len.min(self.buf.len());
            }

            /// Copies `src` in as the data; false (nothing changed) if it does not fit.
            #[inline]
            pub fn fill_from(&mut self, src: &[u8]) -> bool {
                match self.buf.get_mut(..src.len()) {
                    Some(dst) => {
                        dst.copy_from_slice(src);
                        self.len = src.len();
                        true
                    }
                    None => false,
                }
            }

            /// The whole buffer, to write into before [`Self::set_len`].
            #[inline]
            pub fn as_mut_capacity(&mut self) -> &mut [u8] {
                &mut self.buf
            }
        }

        impl$(<$l>)? Deref for $t$(<$l>)? {
            type Target = [u8];
            #[inline]
            fn deref(&self) -> &[u8] {
                &self.buf[..self.len]
            }
        }

        impl$(<$l>)? DerefMut for $t$(<$l>)? {
            #[inline]
            fn deref_mut(&mut self) -> &mut [u8] {
                &mut self.buf[..self.len]
            }
        }

        impl$(<$l>)? fmt::Debug for $t$(<$l>)? {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($t))
                    .field("len", &self.len)
                    .field("capacity", &self.buf.len())
                    .finish()
            }
        }
    };
}

/// A buffer borrowed from a [`BufferPool`]; returns to it when dropped.
/// Derefs to the data (`len()` bytes).
pub struct PoolBuf<'a> {
    pool: &'a BufferPool,
    buf: Box<[u8]>,
    len: usize,
}

buf_impl!(PoolBuf<'a>);

impl Drop for PoolBuf<'_> {
    #[inline]
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

/// A buffer from [`BufferPool::take_owned`]: `'static`, `Send`; returns to its
/// pool when dropped.
pub struct OwnedPoolBuf {
    pool: Arc<BufferPool>,
    buf: Box<[u8]>,
    len: usize,
}

buf_impl!(OwnedPoolBuf);

impl Drop for OwnedPoolBuf {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycles_and_bounds() {
        let pool = BufferPool::new(16, 2);
        let a = pool.take();
        let b = pool.take();
        assert!(pool.try_take().is_none());
        let c = pool.take(); // allocates
        assert_eq!(pool.allocations(), 1);
        drop((a, b, c)); // the third does not fit and is freed
        assert_eq!(pool.available(), 2);
        let mut d = pool.take();
        assert!(!d.fill_from(&[0; 17]));
        assert!(d.fill_from(&[7; 16]));
        d.set_len(99);
        assert_eq!(d.len(), 16);
        assert_eq!(pool.allocations(), 1);
    }

    #[test]
    fn owned_buffers_cross_threads() {
        let pool = Arc::new(BufferPool::new(64, 8));
        let mut b = pool.take_owned();
        b.fill_from(b"xyz");
        let h = std::thread::spawn(move || b.to_vec());
        assert_eq!(h.join().unwrap(), b"xyz");
        assert_eq!(pool.available(), 8);
    }
}
