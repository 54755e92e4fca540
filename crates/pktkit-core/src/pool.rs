//! [`BufferPool`]: fixed-size packet buffers recycled without allocation.
//!
//! A lock-free bounded queue (`crossbeam` `ArrayQueue`) of boxed buffers,
//! fronted on each thread by a small magazine (a thread-local stack of up to
//! 8 buffers of the pool the thread last returned a [`PoolBuf`] to). Taking
//! pops from the magazine, else from the queue, allocating only when both are
//! empty; dropping a `PoolBuf` pushes into the magazine, else the queue. So a
//! thread that takes and returns buffers touches no shared atomic at all, and
//! a steady flow of packets allocates nothing. [`OwnedPoolBuf`]s, which are
//! made to cross threads, always go back to the queue. Use it where a frame
//! must outlive its handler call (queues, delay lines, captures). Not for
//! variable-size data.

use std::cell::RefCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Weak};

use crossbeam_queue::ArrayQueue;

/// The most buffers a thread's magazine holds.
const MAGAZINE: usize = 8;

struct Shared {
    free: ArrayQueue<Box<[u8]>>,
    buf_size: usize,
    allocations: AtomicU64,
}

/// A thread's cache of buffers of one pool.
struct Magazine {
    pool: Weak<Shared>,
    bufs: [Option<Box<[u8]>>; MAGAZINE],
    len: usize,
}

impl Magazine {
    #[inline]
    fn is_of(&self, pool: &Arc<Shared>) -> bool {
        // The Weak keeps the allocation, so the address is not reused meanwhile.
        std::ptr::eq(self.pool.as_ptr(), Arc::as_ptr(pool))
    }

    /// Gives every cached buffer back to its pool's queue (or frees it if the
    /// pool is gone).
    fn flush(&mut self) {
        let pool = self.pool.upgrade();
        for b in self.bufs[..self.len].iter_mut() {
            if let (Some(buf), Some(pool)) = (b.take(), &pool) {
                let _ = pool.free.push(buf);
            }
        }
        self.len = 0;
    }
}

impl Drop for Magazine {
    fn drop(&mut self) {
        self.flush();
    }
}

thread_local! {
    static MAG: RefCell<Magazine> = const {
        RefCell::new(Magazine {
            pool: Weak::new(),
            bufs: [const { None }; MAGAZINE],
            len: 0,
        })
    };
}

/// A thread-safe pool of equally sized byte buffers.
///
/// The pool owns the `count` buffers it was made with; one allocated because
/// the pool was empty is freed when it comes back. [`available`](Self::available)
/// counts the shared queue and the calling thread's magazine: up to 8 buffers
/// may sit in each other thread's magazine (given back when that thread
/// returns a buffer to another pool or exits: once it is joined, not
/// necessarily when a `std::thread::scope` ends).
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
    shared: Arc<Shared>,
    /// Magazine bound for this pool (smaller pools keep more in the queue).
    mag_cap: usize,
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
            shared: Arc::new(Shared {
                free,
                buf_size,
                allocations: AtomicU64::new(0),
            }),
            mag_cap: (count / 2).min(MAGAZINE),
        }
    }

    /// A buffer from this thread's magazine, if it caches this pool's.
    #[inline]
    fn take_local(&self) -> Option<Box<[u8]>> {
        if self.mag_cap == 0 {
            return None;
        }
        MAG.try_with(|m| {
            let mut m = m.try_borrow_mut().ok()?;
            if !m.is_of(&self.shared) || m.len == 0 {
                return None;
            }
            m.len -= 1;
            let i = m.len;
            m.bufs[i].take()
        })
        .ok()
        .flatten()
    }

    /// A pooled buffer from the magazine or the queue.
    #[inline]
    fn pop(&self) -> Option<Box<[u8]>> {
        self.take_local().or_else(|| self.shared.free.pop())
    }

    /// A buffer (empty, `len() == 0`), allocating one only if the pool is empty.
    #[inline]
    pub fn take(&self) -> PoolBuf<'_> {
        let (buf, pooled) = match self.pop() {
            Some(b) => (b, true),
            None => (self.allocate(), false),
        };
        PoolBuf {
            pool: self,
            buf,
            len: 0,
            pooled,
        }
    }

    /// A buffer, or `None` if the pool is empty (never allocates).
    #[inline]
    pub fn try_take(&self) -> Option<PoolBuf<'_>> {
        Some(PoolBuf {
            pool: self,
            buf: self.pop()?,
            len: 0,
            pooled: true,
        })
    }

    /// A buffer that holds the pool by `Arc`, to move to other threads or queues.
    pub fn take_owned(self: &Arc<Self>) -> OwnedPoolBuf {
        let (buf, pooled) = match self.pop() {
            Some(b) => (b, true),
            None => (self.allocate(), false),
        };
        OwnedPoolBuf {
            pool: self.clone(),
            buf,
            len: 0,
            pooled,
        }
    }

    /// [`BufferPool::take_owned`] that returns `None` instead of allocating.
    pub fn try_take_owned(self: &Arc<Self>) -> Option<OwnedPoolBuf> {
        Some(OwnedPoolBuf {
            pool: self.clone(),
            buf: self.pop()?,
            len: 0,
            pooled: true,
        })
    }

    #[cold]
    fn allocate(&self) -> Box<[u8]> {
        self.shared.allocations.fetch_add(1, Relaxed);
        vec![0u8; self.shared.buf_size].into_boxed_slice()
    }

    /// Buffers waiting in the pool: its shared queue and the calling thread's
    /// magazine (see the type's docs).
    pub fn available(&self) -> usize {
        let local = MAG
            .try_with(|m| {
                m.try_borrow()
                    .ok()
                    .filter(|m| m.is_of(&self.shared))
                    .map_or(0, |m| m.len)
            })
            .unwrap_or(0);
        self.shared.free.len() + local
    }

    /// The size of each buffer.
    pub fn buf_size(&self) -> usize {
        self.shared.buf_size
    }

    /// How many buffers were allocated because the pool was empty.
    pub fn allocations(&self) -> u64 {
        self.shared.allocations.load(Relaxed)
    }

    /// Puts `buf` into this thread's magazine (switching the magazine to
    /// this pool if needed); gives it back if the magazine cannot take it.
    #[inline]
    fn put_local(&self, buf: Box<[u8]>) -> Option<Box<[u8]>> {
        if self.mag_cap == 0 {
            return Some(buf);
        }
        let mut buf = Some(buf);
        let _ = MAG.try_with(|m| {
            let Ok(mut m) = m.try_borrow_mut() else {
                return;
            };
            if !m.is_of(&self.shared) {
                m.flush();
                m.pool = Arc::downgrade(&self.shared);
            }
            if m.len < self.mag_cap {
                let i = m.len;
                m.bufs[i] = buf.take();
                m.len += 1;
            }
        });
        buf
    }

    /// Takes back a buffer of a dropped handle: a pooled one into the
    /// magazine (`local`) or the queue, an extra one is freed.
    #[inline]
    fn give_back(&self, buf: Box<[u8]>, pooled: bool, local: bool) {
        if !pooled || buf.len() != self.shared.buf_size {
            return;
        }
        let buf = if local {
            match self.put_local(buf) {
                Some(b) => b,
                None => return,
            }
        } else {
            buf
        };
        let _ = self.shared.free.push(buf);
    }
}

impl fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferPool")
            .field("buf_size", &self.buf_size())
            .field("available", &self.available())
            .field("capacity", &self.shared.free.capacity())
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
    /// One of the pool's own buffers (not allocated because it was empty).
    pooled: bool,
}

buf_impl!(PoolBuf<'a>);

impl Drop for PoolBuf<'_> {
    #[inline]
    fn drop(&mut self) {
        self.pool
            .give_back(std::mem::take(&mut self.buf), self.pooled, true);
    }
}

/// A buffer from [`BufferPool::take_owned`]: `'static`, `Send`; returns to its
/// pool when dropped.
pub struct OwnedPoolBuf {
    pool: Arc<BufferPool>,
    buf: Box<[u8]>,
    len: usize,
    /// One of the pool's own buffers (not allocated because it was empty).
    pooled: bool,
}

buf_impl!(OwnedPoolBuf);

impl Drop for OwnedPoolBuf {
    fn drop(&mut self) {
        // Made to cross threads: straight back to the shared queue.
        self.pool
            .give_back(std::mem::take(&mut self.buf), self.pooled, false);
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
    fn magazines_give_buffers_back_on_switch_and_exit() {
        let a = Arc::new(BufferPool::new(32, 16));
        let b = Arc::new(BufferPool::new(32, 16));
        let (a2, b2) = (a.clone(), b.clone());
        // A joined thread (not a scoped one: `scope` may return before the
        // thread's locals are destroyed, and with them its magazine).
        std::thread::spawn(move || {
            let held: Vec<_> = (0..16).map(|_| a2.take()).collect();
            assert!(a2.try_take().is_none());
            drop(held); // 8 into this thread's magazine, 8 into the queue
            assert_eq!(a2.available(), 16);
            drop(b2.take()); // the magazine switches to `b`: `a`'s go back
            assert_eq!(a2.available(), 16);
            drop(a2.take()); // and back to `a`
        })
        .join()
        .unwrap();
        // That thread has exited: everything is back in the shared queues.
        assert_eq!(a.available(), 16);
        assert_eq!(b.available(), 16);
        let all: Vec<_> = (0..16).map(|_| a.take()).collect();
        assert!(a.try_take().is_none());
        drop(all);
        assert_eq!((a.allocations(), b.allocations()), (0, 0));
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
