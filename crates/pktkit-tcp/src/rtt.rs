//! [`RttEstimator`]: smoothed RTT and the retransmission timeout (RFC 6298),
//! with exponential backoff and the minimum RTT RACK and HyStart++ use.
//!
//! Karn's rule (no samples from retransmitted segments unless a timestamp
//! echo says which transmission was acknowledged) is applied by the caller,
//! which decides what to feed [`RttEstimator::sample`].

use std::time::Duration;

/// RTT state for one connection.
#[derive(Debug, Clone)]
pub struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    latest: Duration,
    min_rtt: Option<Duration>,
    backoff: u32,
    min_rto: Duration,
    max_rto: Duration,
    initial_rto: Duration,
}

/// Clock granularity G of RFC 6298 (our timers are exact; 1 ms keeps RTO > SRTT).
const GRANULARITY: Duration = Duration::from_millis(1);

impl RttEstimator {
    /// A fresh estimator: RTO is `initial_rto` until the first sample.
    pub fn new(initial_rto: Duration, min_rto: Duration, max_rto: Duration) -> RttEstimator {
        RttEstimator {
            srtt: None,
            rttvar: Duration::ZERO,
            latest: Duration::ZERO,
            min_rtt: None,
            backoff: 0,
            min_rto,
            max_rto,
            initial_rto,
        }
    }

    /// Feeds one RTT measurement (RFC 6298 §2.2–2.3) and clears the backoff
    /// (RFC 6298 §5.7: a new sample after backoff recomputes the RTO).
    pub fn sample(&mut self, rtt: Duration) {
        self.latest = rtt;
        self.min_rtt = Some(self.min_rtt.map_or(rtt, |m| m.min(rtt)));
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let err = srtt.abs_diff(rtt);
                self.rttvar = (self.rttvar * 3 + err) / 4;
                self.srtt = Some((srtt * 7 + rtt) / 8);
            }
        }
        self.backoff = 0;
    }

    /// Smoothed RTT, or the initial RTO before any sample.
    pub fn srtt(&self) -> Duration {
        self.srtt.unwrap_or(self.initial_rto)
    }

    /// True once a sample was taken.
    pub fn has_sample(&self) -> bool {
        self.srtt.is_some()
    }

    /// The latest sample.
    pub fn latest(&self) -> Duration {
        self.latest
    }

    /// Smallest sample seen.
    pub fn min_rtt(&self) -> Option<Duration> {
        self.min_rtt
    }

    /// RTT variation.
    pub fn rttvar(&self) -> Duration {
        self.rttvar
    }

    /// The retransmission timeout, backoff included, within `[min_rto, max_rto]`.
    pub fn rto(&self) -> Duration {
        let base = match self.srtt {
            None => self.initial_rto,
            Some(srtt) => srtt + (self.rttvar * 4).max(GRANULARITY),
        };
        let base = base.clamp(self.min_rto, self.max_rto);
        base.checked_mul(1u32 << self.backoff.min(16))
            .unwrap_or(self.max_rto)
            .min(self.max_rto)
    }

    /// Doubles the RTO (RFC 6298 §5.5).
    pub fn back_off(&mut self) {
        self.backoff = self.backoff.saturating_add(1);
    }

    /// Consecutive backoffs since the last sample.
    pub fn backoff(&self) -> u32 {
        self.backoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn rfc6298_arithmetic() {
        let mut r = RttEstimator::new(1000 * MS, 200 * MS, 60_000 * MS);
        assert_eq!(r.rto(), 1000 * MS);
        r.sample(100 * MS);
        // SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR = 300 ms.
        assert_eq!(r.srtt(), 100 * MS);
        assert_eq!(r.rto(), 300 * MS);
        r.sample(200 * MS);
        // RTTVAR = 3/4*50 + 1/4*100 = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5
        assert_eq!(r.rttvar(), Duration::from_micros(62_500));
        assert_eq!(r.srtt(), Duration::from_micros(112_500));
        assert_eq!(r.rto(), Duration::from_micros(362_500));
        r.back_off();
        r.back_off();
        assert_eq!(r.rto(), Duration::from_micros(1_450_000));
        for _ in 0..40 {
            r.back_off();
        }
        assert_eq!(r.rto(), 60_000 * MS);
        r.sample(10 * MS);
        assert_eq!(r.backoff(), 0);
        assert_eq!(r.min_rtt(), Some(10 * MS));
        assert!(r.rto() >= 200 * MS);
    }
}
