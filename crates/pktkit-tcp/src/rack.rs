//! [`Rack`]: time-based loss detection, RACK-TLP (RFC 8985).
//!
//! RACK remembers the most recently *sent* segment that was delivered; any
//! segment sent before it that is still outstanding after one RTT plus a
//! reordering window is deemed lost. The tail loss probe (TLP) timer lives in
//! the connection's timers; this type computes its timeout.

use std::time::{Duration, Instant};

use crate::sack::{DUP_THRESH, Delivered, Scoreboard};
use crate::seq::SeqNum;

/// RACK state of one connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rack {
    xmit_time: Option<Instant>,
    end_seq: SeqNum,
    rtt: Duration,
    reordering_seen: bool,
}

impl Rack {
    /// RFC 8985 §6.2 step 2: updates from what an ACK delivered.
    pub(crate) fn on_delivered(&mut self, d: &Delivered, now: Instant, min_rtt: Option<Duration>) {
        if d.reordered {
            self.reordering_seen = true;
        }
        let Some((t, end, retransmitted)) = d.latest else {
            return;
        };
        let rtt = now.saturating_duration_since(t);
        // A retransmitted segment acknowledged faster than the min RTT was
        // probably the original's ACK: ignore it (RFC 8985 §6.2 step 2).
        if retransmitted && min_rtt.is_some_and(|m| rtt < m) {
            return;
        }
        let newer = match self.xmit_time {
            None => true,
            Some(x) => t > x || (t == x && end > self.end_seq),
        };
        if newer {
            self.xmit_time = Some(t);
            self.end_seq = end;
            self.rtt = rtt;
        }
    }

    /// RFC 8985 §6.2 step 4.
    fn reo_wnd(
        &self,
        in_recovery: bool,
        sacked_segs: usize,
        min_rtt: Duration,
        srtt: Duration,
    ) -> Duration {
        if !self.reordering_seen && (in_recovery || sacked_segs >= DUP_THRESH) {
            return Duration::ZERO;
        }
        (min_rtt / 4).min(srtt)
    }

    /// RFC 8985 §6.2 step 5: marks lost segments; returns how many, and when
    /// to look again (the reordering timer) if some are not yet overdue.
    pub(crate) fn detect_loss(
        &self,
        board: &mut Scoreboard,
        now: Instant,
        in_recovery: bool,
        min_rtt: Duration,
        srtt: Duration,
    ) -> (usize, Option<Instant>) {
        let Some(rack_time) = self.xmit_time else {
            return (0, None);
        };
        let reo = self.reo_wnd(in_recovery, board.sacked_segs(), min_rtt, srtt);
        let mut marked = 0;
        let mut timeout: Option<Instant> = None;
        for i in 0..board.len() {
            let Some(s) = board.get(i).copied() else {
                break;
            };
            if s.sacked || s.lost {
                continue;
            }
            let sent_before =
                s.xmit_time < rack_time || (s.xmit_time == rack_time && s.end < self.end_seq);
            if !sent_before {
                continue;
            }
            let deadline = s.xmit_time + self.rtt + reo;
            if deadline <= now {
                if board.mark_lost(i) {
                    marked += 1;
                }
            } else {
                timeout = Some(timeout.map_or(deadline, |t| t.min(deadline)));
            }
        }
        (marked, timeout)
    }
}

/// RFC 8985 §7.2: the probe timeout.
pub(crate) fn probe_timeout(
    srtt: Duration,
    one_segment_in_flight: bool,
    delayed_ack: Duration,
) -> Duration {
    let mut pto = srtt * 2;
    if one_segment_in_flight {
        pto += delayed_ack.max(Duration::from_millis(1));
    }
    pto.max(Duration::from_millis(10))
}
