//! Injectable time: the [`Clock`] trait, the real [`SystemClock`] and
//! [`CoarseClock`], and [`ManualClock`] for tests.
//!
//! Hubs age MAC entries, impairment delays frames and rate limiters refill by
//! asking a `Clock`, never `Instant::now()` directly, so a test drives time
//! forward by hand instead of sleeping. Not for wall-clock dates.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// A monotonic time source.
///
/// ```
/// use pktkit_core::{Clock, ManualClock};
/// use std::time::Duration;
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(300));
/// assert_eq!(clock.now() - t0, Duration::from_secs(300));
/// ```
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time. Never goes backwards.
    fn now(&self) -> Instant;

    /// The current time as nanoseconds since a fixed, process-wide origin.
    ///
    /// Hubs call this once per frame; clocks that can answer without `Instant`
    /// arithmetic override it. The default derives it from [`Clock::now`].
    #[inline]
    fn nanos(&self) -> u64 {
        nanos_of(self.now())
    }
}

/// The process-wide origin of [`Clock::nanos`].
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Nanoseconds from the process-wide origin to `t` (0 if before it).
pub(crate) fn nanos_of(t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(origin()).as_nanos()).unwrap_or(u64::MAX)
}

/// `Instant::now()`: precise, about 20 ns a call.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[inline]
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Resolution of [`CoarseClock`].
pub const COARSE_TICK: Duration = Duration::from_millis(1);

/// A millisecond-resolution clock that costs one atomic load a call.
///
/// A single process-wide thread (started on first use, named
/// `pktkit-coarse-clock`) advances a shared counter every [`COARSE_TICK`].
/// This is the default clock of the hubs: a switch ages MAC entries in minutes
/// and must not spend 20 ns on `Instant::now()` per frame.
#[derive(Debug, Default, Clone, Copy)]
pub struct CoarseClock;

struct Ticker {
    origin: Instant,
    /// `origin` in [`Clock::nanos`] terms.
    base_ns: u64,
    millis: AtomicU64,
}

fn ticker() -> &'static Ticker {
    static TICKER: OnceLock<&'static Ticker> = OnceLock::new();
    TICKER.get_or_init(|| {
        let now = Instant::now();
        let t: &'static Ticker = Box::leak(Box::new(Ticker {
            origin: now,
            base_ns: nanos_of(now),
            millis: AtomicU64::new(0),
        }));
        let spawned = std::thread::Builder::new()
            .name("pktkit-coarse-clock".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(COARSE_TICK);
                    let ms = t.origin.elapsed().as_millis() as u64;
                    t.millis.fetch_max(ms, Ordering::Relaxed);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the coarse clock thread; time stands still");
        }
        t
    })
}

impl Clock for CoarseClock {
    #[inline]
    fn now(&self) -> Instant {
        let t = ticker();
        t.origin + Duration::from_millis(t.millis.load(Ordering::Relaxed))
    }

    #[inline]
    fn nanos(&self) -> u64 {
        let t = ticker();
        t.base_ns + t.millis.load(Ordering::Relaxed) * 1_000_000
    }
}

/// A clock that moves only when told to: tests advance it instead of sleeping.
///
/// Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    origin: Instant,
    base_ns: u64,
    offset_ns: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock standing at an arbitrary fixed instant.
    pub fn new() -> Self {
        let origin = Instant::now();
        ManualClock {
            origin,
            base_ns: nanos_of(origin),
            offset_ns: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Moves time forward by `d`.
    pub fn advance(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.offset_ns.fetch_add(ns, Ordering::SeqCst);
    }

    /// Time elapsed since the clock was made.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.offset_ns.load(Ordering::SeqCst))
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.origin + self.elapsed()
    }

    fn nanos(&self) -> u64 {
        self.base_ns + self.offset_ns.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    #[inline]
    fn now(&self) -> Instant {
        (**self).now()
    }
    #[inline]
    fn nanos(&self) -> u64 {
        (**self).nanos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_clones_share_time() {
        let c = ManualClock::new();
        let c2 = c.clone();
        let t0 = c.now();
        c2.advance(Duration::from_millis(1500));
        assert_eq!(c.now().duration_since(t0), Duration::from_millis(1500));
        assert_eq!(c.elapsed(), Duration::from_millis(1500));
        assert_eq!(c.nanos() - nanos_of(t0), 1_500_000_000);
        assert_eq!(
            SystemClock.nanos().saturating_sub(nanos_of(Instant::now())),
            0
        );
    }

    #[test]
    fn coarse_clock_moves_and_never_goes_back() {
        let a = CoarseClock.now();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut b = CoarseClock.now();
        while b == a && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
            b = CoarseClock.now();
        }
        assert!(b > a, "coarse clock did not advance");
        let (n, i) = (CoarseClock.nanos(), nanos_of(CoarseClock.now()));
        assert!(n.abs_diff(i) <= 2_000_000, "nanos {n} and now {i} disagree");
        let real = Instant::now();
        assert!(real + COARSE_TICK * 50 >= CoarseClock.now());
    }
}
