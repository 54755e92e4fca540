//! [`NewReno`]: slow start and congestion avoidance of RFC 5681 with the
//! NewReno recovery response of RFC 6582 (the partial-ACK retransmissions are
//! the connection's job; here is only the window arithmetic).

use std::time::Instant;

use super::{AckContext, CongestionControl, initial_window};

/// The NewReno window.
#[derive(Debug, Clone)]
pub struct NewReno {
    mss: u32,
    cwnd: u32,
    ssthresh: u32,
    bytes_acked: u32,
}

impl NewReno {
    /// Initial window per RFC 6928; ssthresh unbounded.
    pub fn new(mss: u32) -> NewReno {
        NewReno {
            mss,
            cwnd: initial_window(mss),
            ssthresh: u32::MAX,
            bytes_acked: 0,
        }
    }
}

impl CongestionControl for NewReno {
    fn name(&self) -> &'static str {
        "newreno"
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
            return; // RFC 7661: do not grow a window the application does not use
        }
        if self.cwnd < self.ssthresh {
            // RFC 3465 appropriate byte counting with L = 2 × SMSS.
            self.cwnd = self.cwnd.saturating_add(ack.acked.min(2 * self.mss));
        } else {
            self.bytes_acked = self.bytes_acked.saturating_add(ack.acked);
            if self.bytes_acked >= self.cwnd {
                self.bytes_acked -= self.cwnd;
                self.cwnd = self.cwnd.saturating_add(self.mss);
            }
        }
    }

    fn on_congestion_event(&mut self, _now: Instant, in_flight: u32) {
        // RFC 5681 eq. 4.
        self.ssthresh = (in_flight / 2).max(2 * self.mss);
        self.cwnd = self.ssthresh;
        self.bytes_acked = 0;
    }

    fn on_rto(&mut self, _now: Instant, in_flight: u32) {
        self.ssthresh = (in_flight / 2).max(2 * self.mss);
        self.cwnd = self.mss;
        self.bytes_acked = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ack(now: Instant, acked: u32) -> AckContext {
        AckContext {
            now,
            acked,
            rtt_sample: None,
            srtt: Duration::from_millis(10),
            new_round: false,
            cwnd_limited: true,
        }
    }

    #[test]
    fn slow_start_then_avoidance() {
        let now = Instant::now();
        let mut r = NewReno::new(1000);
        assert_eq!(r.window(), 10_000);
        r.on_ack(&ack(now, 1000));
        assert_eq!(r.window(), 11_000);
        r.on_congestion_event(now, 20_000);
        assert_eq!((r.window(), r.ssthresh()), (10_000, 10_000));
        // One MSS per window of acknowledged bytes.
        for _ in 0..10 {
            r.on_ack(&ack(now, 1000));
        }
        assert_eq!(r.window(), 11_000);
        r.on_rto(now, 3000);
        assert_eq!((r.window(), r.ssthresh()), (1000, 2000));
        // Not cwnd-limited: no growth.
        r.on_ack(&AckContext {
            cwnd_limited: false,
            ..ack(now, 1000)
        });
        assert_eq!(r.window(), 1000);
    }
}
