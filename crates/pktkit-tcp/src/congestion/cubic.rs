//! [`Cubic`]: CUBIC congestion avoidance (RFC 9438) with HyStart++ slow start
//! (RFC 9406).
//!
//! Windows are kept in bytes; the cubic function is evaluated in segments and
//! seconds as the RFC writes it.

use std::time::{Duration, Instant};

use super::{AckContext, CongestionControl, initial_window};

/// RFC 9438 §4.6 β_cubic.
const BETA: f64 = 0.7;
/// RFC 9438 §5 C.
const C: f64 = 0.4;

// RFC 9406 §4.3 constants.
const MIN_RTT_THRESH: Duration = Duration::from_millis(4);
const MAX_RTT_THRESH: Duration = Duration::from_millis(16);
const MIN_RTT_DIVISOR: u32 = 8;
const N_RTT_SAMPLE: u32 = 8;
const CSS_GROWTH_DIVISOR: u32 = 4;
const CSS_ROUNDS: u32 = 5;
/// Growth limit per ACK in slow start, in segments (L for a non-paced sender).
const L: u32 = 8;

/// HyStart++ state (RFC 9406).
#[derive(Debug, Clone)]
struct HyStart {
    last_round_min_rtt: Option<Duration>,
    current_round_min_rtt: Option<Duration>,
    rtt_sample_count: u32,
    /// `Some` while in conservative slow start: the baseline min RTT.
    css_baseline: Option<Duration>,
    css_rounds: u32,
    /// Once we left slow start by loss or CSS, HyStart++ is done.
    done: bool,
}

impl HyStart {
    fn new() -> HyStart {
        HyStart {
            last_round_min_rtt: None,
            current_round_min_rtt: None,
            rtt_sample_count: 0,
            css_baseline: None,
            css_rounds: 0,
            done: false,
        }
    }
}

/// The CUBIC window.
#[derive(Debug, Clone)]
pub struct Cubic {
    mss: u32,
    cwnd: u32,
    ssthresh: u32,
    /// W_max, bytes.
    w_max: f64,
    /// cwnd_prior: the window when ssthresh was last set, bytes (RFC 9438
    /// §4.3: where the Reno-friendly estimate switches to α = 1).
    cwnd_prior: f64,
    /// K, seconds.
    k: f64,
    /// Start of the current congestion-avoidance epoch.
    epoch_start: Option<Instant>,
    /// Reno-friendly estimate W_est, bytes.
    w_est: f64,
    hystart: HyStart,
}

impl Cubic {
    /// Initial window per RFC 6928; ssthresh unbounded.
    pub fn new(mss: u32) -> Cubic {
        Cubic {
            mss,
            cwnd: initial_window(mss),
            ssthresh: u32::MAX,
            w_max: 0.0,
            cwnd_prior: 0.0,
            k: 0.0,
            epoch_start: None,
            w_est: 0.0,
            hystart: HyStart::new(),
        }
    }

    /// True while HyStart++ holds the sender in conservative slow start.
    pub fn in_css(&self) -> bool {
        self.hystart.css_baseline.is_some()
    }

    fn slow_start(&mut self, ack: &AckContext) {
        let hs = &mut self.hystart;
        if ack.new_round {
            if hs.css_baseline.is_some() {
                hs.css_rounds += 1;
                if hs.css_rounds >= CSS_ROUNDS {
                    // RFC 9406: after CSS_ROUNDS, enter congestion avoidance.
                    self.ssthresh = self.cwnd;
                    self.cwnd_prior = f64::from(self.cwnd);
                    hs.css_baseline = None;
                    hs.done = true;
                    return;
                }
            }
            hs.last_round_min_rtt = hs.current_round_min_rtt;
            hs.current_round_min_rtt = None;
            hs.rtt_sample_count = 0;
        }
        if let Some(rtt) = ack.rtt_sample {
            hs.current_round_min_rtt = Some(hs.current_round_min_rtt.map_or(rtt, |m| m.min(rtt)));
            hs.rtt_sample_count += 1;
        }
        let grow = ack.acked.min(L * self.mss);
        match hs.css_baseline {
            None => {
                self.cwnd = self.cwnd.saturating_add(grow);
                if !hs.done
                    && hs.rtt_sample_count >= N_RTT_SAMPLE
                    && let (Some(cur), Some(last)) =
                        (hs.current_round_min_rtt, hs.last_round_min_rtt)
                {
                    let thresh = (last / MIN_RTT_DIVISOR).clamp(MIN_RTT_THRESH, MAX_RTT_THRESH);
                    if cur >= last + thresh {
                        hs.css_baseline = Some(cur);
                        hs.css_rounds = 0;
                    }
                }
            }
            Some(baseline) => {
                self.cwnd = self.cwnd.saturating_add(grow / CSS_GROWTH_DIVISOR);
                if hs.rtt_sample_count >= N_RTT_SAMPLE
                    && hs.current_round_min_rtt.is_some_and(|cur| cur < baseline)
                {
                    // The RTT increase was spurious: back to slow start.
                    hs.css_baseline = None;
                }
            }
        }
    }

    fn avoidance(&mut self, ack: &AckContext) {
        let mss = self.mss as f64;
        let cwnd = self.cwnd as f64;
        let epoch = *self.epoch_start.get_or_insert_with(|| {
            // A new epoch (RFC 9438 §4.2): K from W_max and the current window.
            if self.w_max < cwnd {
                self.w_max = cwnd;
            }
            self.k = ((self.w_max - cwnd) / mss / C).cbrt();
            self.w_est = cwnd;
            ack.now
        });
        let t = ack.now.saturating_duration_since(epoch).as_secs_f64();
        let rtt = ack.srtt.as_secs_f64();
        // W_cubic(t + RTT) in bytes (§4.2, eq. 1).
        let target = (C * (t + rtt - self.k).powi(3) * mss + self.w_max).clamp(cwnd, 1.5 * cwnd);
        // Reno-friendly region (§4.3).
        let alpha = if self.w_est >= self.cwnd_prior {
            1.0
        } else {
            3.0 * (1.0 - BETA) / (1.0 + BETA)
        };
        self.w_est += alpha * mss * (ack.acked as f64 / cwnd);
        let cubic_next = cwnd + (target - cwnd) * (ack.acked as f64 / cwnd);
        let next = if cubic_next < self.w_est {
            self.w_est
        } else {
            cubic_next
        };
        self.cwnd = next.max(cwnd).min(u32::MAX as f64) as u32;
    }
}

impl CongestionControl for Cubic {
    fn name(&self) -> &'static str {
        "cubic"
    }

    fn window(&self) -> u32 {
        self.cwnd
    }

    fn ssthresh(&self) -> u32 {
        self.ssthresh
    }

    fn set_mss(&mut self, mss: u32) {
        if self.cwnd == initial_window(self.mss) {
            self.cwnd = initial_window(mss);
        }
        self.mss = mss;
    }

    fn on_ack(&mut self, ack: &AckContext) {
        if !ack.cwnd_limited {
            // RFC 9438 §5.8: do not grow while application-limited.
            if self.epoch_start.is_some() {
                self.epoch_start = Some(ack.now);
            }
            return;
        }
        if self.cwnd < self.ssthresh {
            self.slow_start(ack);
        } else {
            self.avoidance(ack);
        }
    }

    fn on_congestion_event(&mut self, _now: Instant, _in_flight: u32) {
        let cwnd = self.cwnd as f64;
        // Fast convergence (§4.7).
        self.cwnd_prior = cwnd;
        self.w_max = if cwnd < self.w_max {
            cwnd * (1.0 + BETA) / 2.0
        } else {
            cwnd
        };
        self.ssthresh = ((cwnd * BETA) as u32).max(2 * self.mss);
        self.cwnd = self.ssthresh;
        self.epoch_start = None;
        self.hystart.done = true;
        self.hystart.css_baseline = None;
    }

    fn on_rto(&mut self, now: Instant, in_flight: u32) {
        self.on_congestion_event(now, in_flight);
        self.cwnd = self.mss;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(now: Instant, acked: u32, rtt: Option<Duration>, new_round: bool) -> AckContext {
        AckContext {
            now,
            acked,
            rtt_sample: rtt,
            srtt: Duration::from_millis(100),
            new_round,
            cwnd_limited: true,
        }
    }

    #[test]
    fn reduction_and_cubic_growth_follow_rfc9438() {
        let t0 = Instant::now();
        let mut c = Cubic::new(1000);
        c.cwnd = 100_000;
        c.ssthresh = 50_000;
        c.on_congestion_event(t0, 100_000);
        // β = 0.7.
        assert_eq!(c.window(), 70_000);
        assert_eq!(c.ssthresh(), 70_000);
        // K = cbrt(W_max (1-β) / C) = cbrt(100 × 0.3 / 0.4) = cbrt(75) s ≈ 4.217 s.
        c.on_ack(&ack(t0, 1000, None, false));
        assert!((c.k - 75f64.cbrt()).abs() < 1e-9, "K = {}", c.k);
        // Well after K the window exceeds W_max (convex region).
        let later = t0 + Duration::from_secs(8);
        for _ in 0..200 {
            c.on_ack(&ack(later, 1000, None, false));
        }
        assert!(c.window() > 100_000, "cwnd {}", c.window());
        // Fast convergence: a loss below the previous W_max lowers W_max further.
        let mut d = Cubic::new(1000);
        d.cwnd = 100_000;
        d.on_congestion_event(t0, 0);
        d.on_congestion_event(t0, 0);
        assert!((d.w_max - 70_000.0 * 1.7 / 2.0).abs() < 1.0);
    }

    #[test]
    fn hystart_enters_css_on_rtt_increase() {
        let t0 = Instant::now();
        let mut c = Cubic::new(1000);
        let base = Duration::from_millis(50);
        // Round 1: 8 samples at 50 ms.
        for i in 0..8 {
            c.on_ack(&ack(t0, 1000, Some(base), i == 0));
        }
        assert!(!c.in_css());
        // Round 2: RTT grew by more than clamp(50/8, 4, 16) = 6.25 ms.
        for i in 0..8 {
            c.on_ack(&ack(
                t0,
                1000,
                Some(base + Duration::from_millis(10)),
                i == 0,
            ));
        }
        assert!(c.in_css());
        let w = c.window();
        c.on_ack(&ack(t0, 1000, None, false));
        assert_eq!(c.window(), w + 1000 / CSS_GROWTH_DIVISOR);
        // After CSS_ROUNDS rounds: congestion avoidance.
        for _ in 0..CSS_ROUNDS {
            c.on_ack(&ack(t0, 1000, Some(base + Duration::from_millis(10)), true));
        }
        assert!(!c.in_css());
        assert_eq!(c.ssthresh(), c.window());
    }
}
