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

use std::cell::Cell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Weak};

use crossbeam_queue::ArrayQueue;

/// The most buffers a thread's magazine holds.
const MAGAZINE: usize = 8;

/// Source of [`BufferPool`] ids (0 means "no pool" in a magazine).
static NEXT_POOL_ID: AtomicU64 = AtomicU64::new(1);

struct Shared {
    free: ArrayQueue<Box<[u8]>>,
    buf_size: usize,
    allocations: AtomicU64,
}

/// A thread's cache of buffers of one pool.
///
/// Plain `Cell`s, no `RefCell`: nothing done while a field is being changed
/// (pushing into a queue, freeing a buffer) can come back to the magazine.
struct Magazine {
    /// The id of the pool whose buffers these are (0: none). Ids are never
    /// reused, so a match means the very pool, even after others were dropped.
    id: Cell<u64>,
    /// That pool, to give the buffers back to when the magazine switches.
    pool: Cell<Weak<Shared>>,
    /// `bufs[..len]` are `Some`, the rest `None`.
    len: Cell<usize>,
    bufs: [Cell<Option<Box<[u8]>>>; MAGAZINE],
}

impl Magazine {
    /// Gives every cached buffer back to its pool's queue (or frees it if the
    /// pool is gone).
    fn flush(&self) {
        let pool = self.pool.take().upgrade();
        for b in &self.bufs[..self.len.get().min(MAGAZINE)] {
            if let (Some(buf), Some(pool)) = (b.take(), &pool) {
                let _ = pool.free.push(buf);
            }
        }
        self.len.set(0);
        self.id.set(0);
    }

    /// Empties the magazine and dedicates it to `pool`.
    #[cold]
    #[inline(never)]
    fn switch_to(&self, pool: &BufferPool) {
        self.flush();
        self.id.set(pool.id);
        self.pool.set(Arc::downgrade(&pool.shared));
    }
}

impl Drop for Magazine {
    fn drop(&mut self) {
        self.flush();
    }
}

thread_local! {
    static MAG: Magazine = const {
        Magazine {
            id: Cell::new(0),
            pool: Cell::new(Weak::new()),
            len: Cell::new(0),
            bufs: [const { Cell::new(None) }; MAGAZINE],
        }
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
    /// Unique among all pools ever made in the process (the magazine key).
    id: u64,
    /// Magazine bound for this pool (smaller pools keep more in the queue;
    /// 0: this pool never uses magazines).
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
            id: NEXT_POOL_ID.fetch_add(1, Relaxed),
            mag_cap: (count / 2).min(MAGAZINE),
        }
    }

    /// A buffer from this thread's magazine, if it caches this pool's. (A
    /// pool with `mag_cap == 0` never owns a magazine, so needs no check.)
    #[inline]
    fn take_local(&self) -> Option<Box<[u8]>> {
        MAG.try_with(|m| {
            if m.id.get() != self.id {
                return None;
            }
            let i = m.len.get().checked_sub(1)?;
            m.len.set(i);
            m.bufs.get(i)?.take()
        })
        .ok()
        .flatten()
    }

    /// A pooled buffer from the magazine or the queue.
    #[inline]
    fn pop(&self) -> Option<Box<[u8]>> {
        match self.take_local() {
            Some(b) => Some(b),
            None => self.shared.free.pop(),
        }
    }

    /// A buffer (empty, `len() == 0`), allocating one only if the pool is empty.
    #[inline]
    pub fn take(&self) -> PoolBuf<'_> {
        let (buf, pool) = match self.pop() {
            Some(b) => (b, Some(self)),
            None => (self.allocate(), None),
        };
        PoolBuf { pool, buf, len: 0 }
    }

    /// A buffer, or `None` if the pool is empty (never allocates).
    #[inline]
    pub fn try_take(&self) -> Option<PoolBuf<'_>> {
        Some(PoolBuf {
            pool: Some(self),
            buf: self.pop()?,
            len: 0,
        })
    }

    /// A buffer that holds the pool by `Arc`, to move to other threads or queues.
    pub fn take_owned(self: &Arc<Self>) -> OwnedPoolBuf {
        let (buf, pool) = match self.pop() {
            Some(b) => (b, Some(self.clone())),
            None => (self.allocate(), None),
        };
        OwnedPoolBuf { pool, buf, len: 0 }
    }

    /// [`BufferPool::take_owned`] that returns `None` instead of allocating.
    pub fn try_take_owned(self: &Arc<Self>) -> Option<OwnedPoolBuf> {
        Some(OwnedPoolBuf {
            buf: self.pop()?,
            pool: Some(self.clone()),
            len: 0,
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
                if m.id.get() == self.id {
                    m.len.get()
                } else {
                    0
                }
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
        let mut buf = Some(buf);
        let _ = MAG.try_with(|m| {
            if m.id.get() != self.id {
                if self.mag_cap == 0 {
                    return;
                }
                m.switch_to(self);
            }
            let i = m.len.get();
            if i < self.mag_cap
                && let Some(slot) = m.bufs.get(i)
            {
                // Slots from `len` on are empty: this replaces a `None`.
                slot.set(buf.take());
                m.len.set(i + 1);
            }
        });
        buf
    }

    /// Takes back one of the pool's own buffers (a buffer allocated because
    /// the pool was empty is simply freed by its handle): into this
    /// thread's magazine (`local`) or the queue. Only pooled buffers come
    /// here, so each has the pool's size (a handle never resizes its buffer).
    #[inline]
    fn give_back(&self, buf: Box<[u8]>, local: bool) {
        if local {
            if let Some(b) = self.put_local(buf) {
                self.give_back_shared(b);
            }
        } else {
            self.give_back_shared(buf);
        }
    }

    /// Into the shared queue (freed if the queue is full).
    #[inline(never)]
    fn give_back_shared(&self, buf: Box<[u8]>) {
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
    /// The pool to give the buffer back to; `None` for a buffer allocated
    /// because the pool was empty, which is freed instead. (No separate
    /// flag: a `bool` after three words makes the compiler copy a moved
    /// handle's padding with a word-wide load of a byte-wide store, which
    /// the CPU cannot forward, a stall of some 10 cycles per move.)
    pool: Option<&'a BufferPool>,
    buf: Box<[u8]>,
    len: usize,
}

buf_impl!(PoolBuf<'a>);

impl Drop for PoolBuf<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(pool) = self.pool {
            pool.give_back(std::mem::take(&mut self.buf), true);
        }
    }
}

/// A buffer from [`BufferPool::take_owned`]: `'static`, `Send`; returns to its
/// pool when dropped.
pub struct OwnedPoolBuf {
    /// As in [`PoolBuf`]: `None` for a buffer allocated because the pool was empty.
    pool: Option<Arc<BufferPool>>,
    buf: Box<[u8]>,
    len: usize,
}

buf_impl!(OwnedPoolBuf);

impl Drop for OwnedPoolBuf {
    fn drop(&mut self) {
        // Made to cross threads: straight back to the shared queue.
        if let Some(pool) = &self.pool {
            pool.give_back(std::mem::take(&mut self.buf), false);
        }
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
    fn a_new_pool_never_takes_a_dropped_pools_magazine() {
        let a = BufferPool::new(32, 16);
        drop(a.take()); // this thread's magazine now caches `a`'s buffers
        drop(a);
        // `b` may well be allocated where `a` was: the magazine must not be
        // taken for its own.
        let b = BufferPool::new(64, 16);
        assert_eq!(b.available(), 16);
        let all: Vec<_> = (0..16).map(|_| b.take()).collect();
        assert!(all.iter().all(|x| x.capacity() == 64));
        assert!(b.try_take().is_none());
        assert_eq!(b.allocations(), 0);
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
