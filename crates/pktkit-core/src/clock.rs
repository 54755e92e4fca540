//! Injectable time: the [`Clock`] trait, the real [`SystemClock`] and
//! [`CoarseClock`], and [`ManualClock`] for tests.
//!
//! Hubs age MAC entries, impairment delays frames and rate limiters refill by
//! asking a `Clock`, never `Instant::now()` directly, so a test drives time
//! forward by hand instead of sleeping. Not for wall-clock dates.

use std::any::Any;
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
pub trait Clock: Any + Send + Sync + fmt::Debug {
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

pub(crate) struct Ticker {
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

/// A hub's clock, read once per frame, and the time the hub was made.
///
/// The default [`CoarseClock`] is read inline (one load of the shared
/// millisecond counter: no virtual call, no division); any other clock
/// through its trait object.
pub(crate) enum HubClock {
    /// The coarse clock, and its millisecond count when the hub was made.
    Coarse(&'static Ticker, u64),
    /// Any other clock, and its [`Clock::nanos`] when the hub was made.
    Other(Arc<dyn Clock>, u64),
}

/// Time since a hub was made, in the two units the data path wants.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Elapsed {
    pub(crate) ms: u64,
    pub(crate) ns: u64,
}

impl HubClock {
    /// Wraps `clock`, taking now as the origin.
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        if (clock.as_ref() as &dyn Any).is::<CoarseClock>() {
            let t = ticker();
            HubClock::Coarse(t, t.millis.load(Ordering::Relaxed))
        } else {
            let origin_ns = clock.nanos();
            HubClock::Other(clock, origin_ns)
        }
    }

    /// Time since the origin (0 if the clock reads earlier).
    #[inline]
    pub(crate) fn elapsed(&self) -> Elapsed {
        match self {
            HubClock::Coarse(t, origin_ms) => {
                let ms = t.millis.load(Ordering::Relaxed).saturating_sub(*origin_ms);
                Elapsed {
                    ms,
                    // Wraps only after 584 years of uptime.
                    ns: ms.wrapping_mul(1_000_000),
                }
            }
            HubClock::Other(clock, origin_ns) => Self::elapsed_other(clock, *origin_ns),
        }
    }

    #[inline(never)]
    fn elapsed_other(clock: &Arc<dyn Clock>, origin_ns: u64) -> Elapsed {
        let ns = clock.nanos().saturating_sub(origin_ns);
        Elapsed {
            ms: ns / 1_000_000,
            ns,
        }
    }
}

impl fmt::Debug for HubClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubClock::Coarse(..) => f.write_str("HubClock(CoarseClock)"),
            HubClock::Other(c, _) => write!(f, "HubClock({c:?})"),
        }
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
    fn hub_clock_reads_the_clock_it_wraps() {
        // Any clock but the coarse one goes through its trait object.
        let manual = ManualClock::new();
        let hub = HubClock::new(Arc::new(manual.clone()));
        assert_eq!(hub.elapsed().ns, 0);
        manual.advance(Duration::from_micros(2_500_300));
        let e = hub.elapsed();
        assert_eq!((e.ms, e.ns), (2_500, 2_500_300_000));
        // The coarse clock is read inline: it agrees with `CoarseClock::nanos`
        // to within the tick it may advance between the two reads.
        let coarse = HubClock::new(Arc::new(CoarseClock));
        let before = CoarseClock.nanos();
        std::thread::sleep(Duration::from_millis(20));
        let e = coarse.elapsed();
        let after = CoarseClock.nanos();
        assert_eq!(e.ns, e.ms * 1_000_000);
        assert!(e.ms >= 10, "coarse hub clock did not advance: {e:?}");
        assert!(
            e.ns <= after - before + 2_000_000,
            "{e:?} vs {}",
            after - before
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
