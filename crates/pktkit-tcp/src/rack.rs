//! [`Rack`]: time-based loss detection, RACK-TLP (RFC 8985).
//!
//! RACK remembers the most recently *sent* segment that was delivered; any
//! segment sent before it that is still outstanding after one RTT plus a
//! reordering window is deemed lost. The tail loss probe (TLP) timer lives in
//! the connection's timers; this module computes its timeout and keeps the
//! TLP retransmission episode ([`TlpEpisode`], RFC 8985 §7.4) that decides
//! whether a probe repaired a loss, which calls for a congestion response.

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

/// What one ACK says, as RFC 8985 §7.4.3 reads it for TLP recovery detection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TlpAck<'a> {
    /// SEG.ACK.
    pub(crate) ack: SeqNum,
    /// A duplicate ACK in the RFC 5681 §2 sense (SEG.ACK == SND.UNA, no data,
    /// no SYN/FIN, no window change), whether or not data is outstanding.
    pub(crate) duplicate: bool,
    /// The ACK's SACK blocks as sent (empty without SACK).
    pub(crate) sack_blocks: &'a [(u32, u32)],
}

impl TlpAck<'_> {
    /// RFC 2883 §4: the first block is a D-SACK when the cumulative ACK
    /// covers it or the second block contains it.
    fn dsack(&self) -> bool {
        let Some(&(l, r)) = self.sack_blocks.first() else {
            return false;
        };
        let (l, r) = (SeqNum(l), SeqNum(r));
        r <= self.ack
            || self
                .sack_blocks
                .get(1)
                .is_some_and(|&(l2, r2)| SeqNum(l2) <= l && r <= SeqNum(r2))
    }

    fn sacks_above(&self, high: SeqNum) -> bool {
        self.sack_blocks.iter().any(|&(_, r)| SeqNum(r) > high)
    }
}

/// A TLP retransmission episode (RFC 8985 §7.4): whether a probe that
/// retransmitted old data is out (`TLPRxtOut`) and SND.NXT when it was sent
/// (`TLPHighRxt`).
///
/// A probe that sends new data starts no episode: its loss, if any, shows like
/// any other. A probe that retransmits may repair a loss nothing else would
/// notice (the original and its ACKs vanish behind it), so unless the peer
/// shows that both copies arrived (a TLP duplicate ACK, or a D-SACK), the
/// episode's end calls for one congestion response.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TlpEpisode {
    high_rxt: Option<SeqNum>,
}

impl TlpEpisode {
    /// §7.4.2: at most one TLP retransmission outstanding.
    pub(crate) fn may_retransmit(&self) -> bool {
        self.high_rxt.is_none()
    }

    /// §7.4.2: a TLP retransmission was sent while SND.NXT was `snd_nxt`.
    pub(crate) fn on_retransmit(&mut self, snd_nxt: SeqNum) {
        self.high_rxt = Some(snd_nxt);
    }

    /// §7.4.1: the connection timed out or entered fast recovery.
    pub(crate) fn reset(&mut self) {
        self.high_rxt = None;
    }

    /// §7.4.3 on each ACK. Returns true when the episode ended without proof
    /// that the probe was spurious: a loss happened and the probe repaired it,
    /// so the caller must invoke a congestion response (once; the episode is
    /// over).
    pub(crate) fn on_ack(&mut self, a: &TlpAck<'_>) -> bool {
        let Some(high) = self.high_rxt else {
            return false;
        };
        // Step 1: both the original and the probe arrived.
        let tlp_dupack = a.duplicate && a.ack == high && !a.sacks_above(high);
        if tlp_dupack || (a.ack >= high && a.dsack()) {
            self.high_rxt = None;
            return false;
        }
        // Step 2: an ACK beyond the probe with the episode still open.
        if a.ack > high {
            self.high_rxt = None;
            return true;
        }
        false
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(ack: u32) -> TlpAck<'static> {
        TlpAck {
            ack: SeqNum(ack),
            duplicate: false,
            sack_blocks: &[],
        }
    }

    #[test]
    fn tlp_episode_follows_rfc8985_7_4() {
        // No episode: nothing to report.
        let mut e = TlpEpisode::default();
        assert!(!e.on_ack(&ack(5000)));
        // The probe retransmitted the tail at SND.NXT = 1000; the ACK that the
        // probe itself draws (SEG.ACK == TLPHighRxt, advancing) ends nothing yet.
        e.on_retransmit(SeqNum(1000));
        assert!(!e.may_retransmit(), "one TLP retransmission at a time");
        assert!(!e.on_ack(&ack(1000)));
        // The next ACK beyond TLPHighRxt without a D-SACK: the probe repaired
        // a loss; one congestion response, and the episode is over.
        assert!(e.on_ack(&ack(2000)));
        assert!(e.may_retransmit());
        assert!(!e.on_ack(&ack(3000)), "only once");

        // A D-SACK at or above TLPHighRxt: both copies arrived, no response.
        let mut e = TlpEpisode::default();
        e.on_retransmit(SeqNum(1000));
        assert!(!e.on_ack(&TlpAck {
            sack_blocks: &[(900, 1000)],
            ..ack(1000)
        }));
        assert!(!e.on_ack(&ack(2000)));

        // A TLP duplicate ACK (the original's ACK came first): no response.
        let mut e = TlpEpisode::default();
        e.on_retransmit(SeqNum(1000));
        assert!(!e.on_ack(&TlpAck {
            duplicate: true,
            ..ack(1000)
        }));
        assert!(!e.on_ack(&ack(2000)));

        // A duplicate ACK that SACKs data above TLPHighRxt is no TLP dupack.
        let mut e = TlpEpisode::default();
        e.on_retransmit(SeqNum(1000));
        assert!(!e.on_ack(&TlpAck {
            duplicate: true,
            sack_blocks: &[(1200, 1300)],
            ..ack(1000)
        }));
        assert!(e.on_ack(&ack(1500)));

        // A D-SACK below TLPHighRxt is about something else.
        let mut e = TlpEpisode::default();
        e.on_retransmit(SeqNum(1000));
        assert!(!e.on_ack(&TlpAck {
            sack_blocks: &[(100, 200)],
            ..ack(900)
        }));
        assert!(e.on_ack(&ack(1001)));
        // A D-SACK contained in the second block (RFC 2883 §4.2) counts too;
        // a plain SACK block above SEG.ACK does not.
        let mut e = TlpEpisode::default();
        e.on_retransmit(SeqNum(1000));
        assert!(!e.on_ack(&TlpAck {
            sack_blocks: &[(1100, 1200), (1300, 1400)],
            ..ack(1000)
        }));
        assert!(!e.on_ack(&TlpAck {
            sack_blocks: &[(1100, 1200), (1000, 1400)],
            ..ack(1000)
        }));
        assert!(!e.on_ack(&ack(2000)), "ended by the D-SACK");

        // Reset (RTO, fast recovery) ends the episode silently.
        let mut e = TlpEpisode::default();
        e.on_retransmit(SeqNum(1000));
        e.reset();
        assert!(!e.on_ack(&ack(2000)));
    }
}
