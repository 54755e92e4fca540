//! [`Done`]: a one-shot signal that a device's peer went away.
//!
//! A device backed by a connection (a VM's socket, a TCP tunnel) fires its
//! `Done` when the connection ends; [`crate::serve`] uses it to detach the
//! device from its hub. It is also a general stop signal for loops. Not a
//! channel: it carries no value and cannot be reset.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

type Callback = Box<dyn FnOnce() + Send>;

/// A cloneable, one-shot "it is over" signal.
///
/// Every clone observes the same signal. [`Done::fire`] sets it (once; later
/// calls do nothing), wakes every [`Done::wait`]er and runs the callbacks
/// registered with [`Done::on_done`] on the firing thread.
///
/// ```
/// use pktkit_core::Done;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// let done = Done::new();
/// let seen = Arc::new(AtomicBool::new(false));
/// let s = seen.clone();
/// done.on_done(move || s.store(true, Ordering::SeqCst));
/// let waiter = { let d = done.clone(); std::thread::spawn(move || d.wait()) };
/// done.fire();
/// waiter.join().unwrap();
/// assert!(done.is_done() && seen.load(Ordering::SeqCst));
/// ```
#[derive(Clone, Default)]
pub struct Done {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    fired: AtomicBool,
    callbacks: Mutex<Vec<Callback>>,
    cond: Condvar,
}

impl Done {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// A signal that has already fired (for devices that are over before they start).
    pub fn fired() -> Self {
        let d = Self::new();
        d.fire();
        d
    }

    /// Fires the signal: wakes waiters and runs the registered callbacks. Idempotent.
    pub fn fire(&self) {
        let callbacks = {
            let mut cbs = self.lock();
            if self.inner.fired.swap(true, Ordering::AcqRel) {
                return;
            }
            std::mem::take(&mut *cbs)
        };
        self.inner.cond.notify_all();
        for cb in callbacks {
            cb();
        }
    }

    /// True once [`Done::fire`] was called on any clone.
    #[inline]
    pub fn is_done(&self) -> bool {
        self.inner.fired.load(Ordering::Acquire)
    }

    /// Blocks until the signal fires.
    pub fn wait(&self) {
        let mut g = self.lock();
        while !self.is_done() {
            g = self
                .inner
                .cond
                .wait(g)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Blocks until the signal fires or `timeout` passes; returns [`Done::is_done`].
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let g = self.lock();
        let (_g, _) = self
            .inner
            .cond
            .wait_timeout_while(g, timeout, |_| !self.is_done())
            .unwrap_or_else(PoisonError::into_inner);
        self.is_done()
    }

    /// Runs `f` when the signal fires, on the firing thread; at once if it already has.
    ///
    /// `f` must not block for long: it runs inside [`Done::fire`].
    pub fn on_done(&self, f: impl FnOnce() + Send + 'static) {
        {
            let mut cbs = self.lock();
            if !self.is_done() {
                cbs.push(Box::new(f));
                return;
            }
        }
        f();
    }

    /// True if `self` and `other` are clones of the same signal.
    pub fn same_as(&self, other: &Done) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Callback>> {
        self.inner
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Done")
            .field("fired", &self.is_done())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn callbacks_run_once_and_late_ones_run_at_once() {
        let d = Done::new();
        let n = Arc::new(AtomicUsize::new(0));
        let n1 = n.clone();
        d.on_done(move || {
            n1.fetch_add(1, Ordering::SeqCst);
        });
        assert!(!d.wait_timeout(Duration::from_millis(1)));
        d.fire();
        d.fire();
        assert_eq!(n.load(Ordering::SeqCst), 1);
        let n2 = n.clone();
        d.clone().on_done(move || {
            n2.fetch_add(10, Ordering::SeqCst);
        });
        assert_eq!(n.load(Ordering::SeqCst), 11);
        assert!(d.wait_timeout(Duration::from_secs(5)));
        assert!(d.same_as(&d.clone()) && !d.same_as(&Done::new()));
        assert!(Done::fired().is_done());
    }
}
