//! [`RateLimit`]: a lock-free token bucket (GCRA) for hub ports and impairment.
//!
//! One atomic holds the "theoretical arrival time"; admitting a packet is one
//! CAS. Not a shaper: what exceeds the rate is refused, not queued.

use std::sync::atomic::{AtomicU64, Ordering};

/// A rate in bytes or packets per second with a burst allowance.
///
/// ```
/// use pktkit_core::RateLimit;
/// let r = RateLimit::bytes_per_sec(125_000, 3_000); // 1 Mbit/s, two full frames of burst
/// assert_eq!(r.rate(), 125_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    per_sec: u64,
    burst: u64,
    bytes: bool,
}

impl RateLimit {
    /// `rate` bytes per second; up to `burst` bytes may pass at once.
    pub fn bytes_per_sec(rate: u64, burst: u64) -> Self {
        RateLimit {
            per_sec: rate.max(1),
            burst: burst.max(1),
            bytes: true,
        }
    }

    /// `rate` packets per second; up to `burst` packets may pass at once.
    pub fn packets_per_sec(rate: u64, burst: u64) -> Self {
        RateLimit {
            per_sec: rate.max(1),
            burst: burst.max(1),
            bytes: false,
        }
    }

    /// The rate (bytes or packets per second).
    pub fn rate(&self) -> u64 {
        self.per_sec
    }
}

/// The state of one limited stream.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    /// Theoretical arrival time, nanoseconds on the caller's time line.
    tat: AtomicU64,
}

impl TokenBucket {
    pub(crate) fn new(limit: RateLimit) -> Self {
        TokenBucket {
            limit,
            tat: AtomicU64::new(0),
        }
    }

    /// Admits a packet of `len` bytes at `now_ns`, or refuses it.
    #[inline]
    pub(crate) fn admit(&self, now_ns: u64, len: usize) -> bool {
        let units = if self.limit.bytes { len as u64 } else { 1 };
        let cost = (units as u128 * 1_000_000_000 / self.limit.per_sec as u128) as u64;
        let tolerance =
            (self.limit.burst as u128 * 1_000_000_000 / self.limit.per_sec as u128) as u64;
        let mut tat = self.tat.load(Ordering::Relaxed);
        loop {
            let start = tat.max(now_ns);
            let next = start.saturating_add(cost);
            if next - now_ns > tolerance {
                return false;
            }
            match self
                .tat
                .compare_exchange_weak(tat, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(t) => tat = t,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let b = TokenBucket::new(RateLimit::packets_per_sec(10, 3));
        let admitted = (0..10).filter(|_| b.admit(0, 100)).count();
        assert_eq!(admitted, 3, "burst of 3");
        // One more every 100 ms.
        assert!(!b.admit(50_000_000, 100));
        assert!(b.admit(100_000_000, 100));
        assert!(!b.admit(100_000_000, 100));
        // Over a long idle time the burst refills but never beyond it.
        let later = 10_000_000_000;
        assert_eq!((0..10).filter(|_| b.admit(later, 1)).count(), 3);
    }

    #[test]
    fn bytes_rate() {
        let b = TokenBucket::new(RateLimit::bytes_per_sec(1000, 1500));
        assert!(b.admit(0, 1000));
        assert!(!b.admit(0, 1000), "beyond the 1500-byte burst");
        assert!(
            b.admit(500_000_000, 1000),
            "half a second refilled 500 bytes"
        );
    }
}
