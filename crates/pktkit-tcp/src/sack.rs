//! [`Scoreboard`]: the sender's record of segments in flight, with the SACK
//! marks and loss marks of RFC 6675 (`IsLost`, `pipe`) that loss recovery and
//! RACK work from.
//!
//! One entry per transmitted segment, kept in sequence order and bounded by the
//! send buffer (a segment is at least one byte, the buffer is bounded, and
//! [`Scoreboard::with_capacity`] reserves room up front so steady state does
//! not allocate). It stores no payload: the bytes stay in the send buffer.

use std::collections::VecDeque;
use std::time::Instant;

use crate::seq::SeqNum;

/// RFC 6675 DupThresh.
pub(crate) const DUP_THRESH: usize = 3;

/// One transmitted segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SentSegment {
    pub(crate) start: SeqNum,
    /// Exclusive; includes the FIN's sequence number when `fin`.
    pub(crate) end: SeqNum,
    pub(crate) fin: bool,
    /// Time of the latest (re)transmission.
    pub(crate) xmit_time: Instant,
    /// Retransmitted at least once (Karn: no plain RTT sample).
    pub(crate) retransmitted: bool,
    pub(crate) sacked: bool,
    /// Deemed lost and not yet retransmitted.
    pub(crate) lost: bool,
}

impl SentSegment {
    pub(crate) fn len(&self) -> u32 {
        self.end.since(self.start)
    }

    /// Payload bytes (the FIN excluded).
    pub(crate) fn data_len(&self) -> u32 {
        self.len() - u32::from(self.fin)
    }

    fn in_flight(&self) -> bool {
        !self.sacked && !self.lost
    }
}

/// A segment that was delivered (cumulatively or selectively acknowledged) by
/// one ACK, for RTT sampling and RACK.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Delivered {
    /// Bytes newly delivered.
    pub(crate) bytes: u32,
    /// Latest transmission time among delivered segments, with its end.
    pub(crate) latest: Option<(Instant, SeqNum, bool)>,
    /// Transmission time of the newest delivered segment never retransmitted (Karn).
    pub(crate) rtt_from: Option<Instant>,
    /// A never-retransmitted segment below an earlier delivered one was delivered.
    pub(crate) reordered: bool,
}

impl Delivered {
    fn add(&mut self, seg: &SentSegment, bytes: u32) {
        self.bytes += bytes;
        let newer = match self.latest {
            None => true,
            Some((t, end, _)) => seg.xmit_time > t || (seg.xmit_time == t && seg.end > end),
        };
        if newer {
            self.latest = Some((seg.xmit_time, seg.end, seg.retransmitted));
        }
        if !seg.retransmitted {
            self.rtt_from = Some(
                self.rtt_from
                    .map_or(seg.xmit_time, |t| t.max(seg.xmit_time)),
            );
        }
    }
}

/// The segments in flight. See the [module docs](self).
#[derive(Debug)]
pub(crate) struct Scoreboard {
    segs: VecDeque<SentSegment>,
    in_flight: u32,
    sacked_bytes: u32,
    sacked_segs: usize,
    lost_count: usize,
    /// Highest sequence number SACKed so far (for reordering detection).
    high_sacked: Option<SeqNum>,
}

impl Scoreboard {
    pub(crate) fn with_capacity(n: usize) -> Scoreboard {
        Scoreboard {
            segs: VecDeque::with_capacity(n),
            in_flight: 0,
            sacked_bytes: 0,
            sacked_segs: 0,
            lost_count: 0,
            high_sacked: None,
        }
    }

    /// RFC 6675 `pipe`: bytes neither SACKed nor deemed lost.
    pub(crate) fn in_flight(&self) -> u32 {
        self.in_flight
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.segs.len()
    }

    pub(crate) fn sacked_segs(&self) -> usize {
        self.sacked_segs
    }

    #[cfg(test)]
    pub(crate) fn lost_count(&self) -> usize {
        self.lost_count
    }

    pub(crate) fn get(&self, i: usize) -> Option<&SentSegment> {
        self.segs.get(i)
    }

    /// Records a first transmission.
    pub(crate) fn push(&mut self, seg: SentSegment) {
        self.in_flight += seg.len();
        self.segs.push_back(seg);
    }

    /// Index of the lowest segment deemed lost.
    pub(crate) fn first_lost(&self) -> Option<usize> {
        if self.lost_count == 0 {
            return None;
        }
        self.segs.iter().position(|s| s.lost)
    }

    /// Records a retransmission of segment `i`, shortened to `len` sequence
    /// numbers (the rest, if any, stays a separate lost segment).
    pub(crate) fn retransmitted(&mut self, i: usize, len: u32, now: Instant) {
        let Some(seg) = self.segs.get(i).copied() else {
            return;
        };
        if len < seg.len() {
            let split = seg.start + len;
            let tail = SentSegment {
                start: split,
                ..seg
            };
            self.segs[i].end = split;
            self.segs[i].fin = false;
            self.segs.insert(i + 1, tail);
            if seg.lost {
                self.lost_count += 1;
            }
        }
        let s = &mut self.segs[i];
        if s.lost {
            s.lost = false;
            self.lost_count -= 1;
            self.in_flight += s.len();
        }
        s.retransmitted = true;
        s.xmit_time = now;
    }

    fn mark_lost_at(&mut self, i: usize) -> bool {
        let s = &mut self.segs[i];
        if s.lost || s.sacked {
            return false;
        }
        s.lost = true;
        self.lost_count += 1;
        self.in_flight -= s.len();
        true
    }

    /// Drops segments up to `ack`; returns what was delivered.
    pub(crate) fn ack(&mut self, ack: SeqNum, out: &mut Delivered) {
        while let Some(front) = self.segs.front().copied() {
            if front.end <= ack {
                self.segs.pop_front();
                if front.sacked {
                    self.sacked_bytes -= front.len();
                    self.sacked_segs -= 1;
                } else {
                    if front.lost {
                        self.lost_count -= 1;
                    } else {
                        self.in_flight -= front.len();
                    }
                    if !front.retransmitted && self.high_sacked.is_some_and(|h| front.end < h) {
                        out.reordered = true; // delivered late, below SACKed data
                    }
                    out.add(&front, front.len());
                }
            } else if front.start < ack {
                // Partially acknowledged: trim.
                let cut = ack.since(front.start);
                let f = &mut self.segs[0];
                f.start = ack;
                if f.sacked {
                    self.sacked_bytes -= cut;
                } else {
                    if !f.lost {
                        self.in_flight -= cut;
                    }
                    let seg = *f;
                    out.add(&seg, cut);
                }
                break;
            } else {
                break;
            }
        }
        if self.segs.is_empty() {
            self.high_sacked = None;
        }
    }

    /// Applies SACK blocks (RFC 2018); a segment counts as SACKed when a block
    /// covers it entirely.
    pub(crate) fn sack(&mut self, blocks: &[(SeqNum, SeqNum)], out: &mut Delivered) {
        for &(left, right) in blocks {
            if right <= left {
                continue;
            }
            // Segments are in sequence order: find the first that may be covered.
            let first = self.segs.partition_point(|s| s.end <= left);
            for i in first..self.segs.len() {
                let s = self.segs[i];
                if s.start >= right {
                    break;
                }
                if s.sacked || s.start < left || s.end > right {
                    continue;
                }
                if let Some(h) = self.high_sacked
                    && s.end < h
                    && !s.retransmitted
                {
                    out.reordered = true;
                }
                self.high_sacked = Some(self.high_sacked.map_or(s.end, |h| h.max(s.end)));
                let seg = &mut self.segs[i];
                seg.sacked = true;
                if seg.lost {
                    seg.lost = false;
                    self.lost_count -= 1;
                } else {
                    self.in_flight -= seg.len();
                }
                self.sacked_bytes += seg.len();
                self.sacked_segs += 1;
                let seg = *seg;
                out.add(&seg, seg.len());
            }
        }
    }

    /// RFC 6675 `IsLost` over never-retransmitted segments: lost when
    /// DupThresh segments, or more than (DupThresh − 1) × MSS bytes, above it
    /// were SACKed. Returns how many were newly marked.
    pub(crate) fn mark_lost_dupthresh(&mut self, mss: u32) -> usize {
        let mut above_segs = 0;
        let mut above_bytes = 0u32;
        let mut marked = 0;
        for i in (0..self.segs.len()).rev() {
            let s = self.segs[i];
            if s.sacked {
                above_segs += 1;
                above_bytes += s.len();
            } else if !s.retransmitted
                && (above_segs >= DUP_THRESH || above_bytes > (DUP_THRESH as u32 - 1) * mss)
                && self.mark_lost_at(i)
            {
                marked += 1;
            }
        }
        marked
    }

    /// Marks the first outstanding segment lost (dupacks without SACK, NewReno
    /// partial ACKs). True when newly marked.
    pub(crate) fn mark_first_lost(&mut self) -> bool {
        match self.segs.iter().position(|s| !s.sacked) {
            Some(i) => self.mark_lost_at(i),
            None => false,
        }
    }

    /// Marks everything not SACKed as lost (retransmission timeout).
    pub(crate) fn mark_all_lost(&mut self) -> usize {
        let mut n = 0;
        for i in 0..self.segs.len() {
            if self.mark_lost_at(i) {
                n += 1;
            }
        }
        n
    }

    /// Index of the highest segment not SACKed (RFC 6675 NextSeg() rule 4:
    /// the rescue retransmission must include the highest outstanding
    /// unSACKed sequence number).
    pub(crate) fn last_unsacked(&self) -> Option<usize> {
        self.segs.iter().rposition(|s| !s.sacked)
    }

    /// Marks segment `i` lost (RACK, TLP). True when newly marked.
    pub(crate) fn mark_lost(&mut self, i: usize) -> bool {
        i < self.segs.len() && self.mark_lost_at(i)
    }

    /// Checks the counters against a recount (tests and fuzzing).
    pub(crate) fn check_invariants(&self) {
        let mut flight = 0;
        let mut sacked = 0;
        let mut lost = 0;
        let mut prev: Option<SeqNum> = None;
        for s in &self.segs {
            assert!(s.start < s.end, "empty segment {s:?}");
            if let Some(p) = prev {
                assert!(p <= s.start, "segments out of order");
            }
            prev = Some(s.end);
            assert!(!(s.sacked && s.lost));
            if s.in_flight() {
                flight += s.len();
            }
            if s.sacked {
                sacked += s.len();
            }
            if s.lost {
                lost += 1;
            }
        }
        assert_eq!(flight, self.in_flight, "in_flight counter");
        assert_eq!(sacked, self.sacked_bytes, "sacked counter");
        assert_eq!(lost, self.lost_count, "lost counter");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(n: u32, now: Instant) -> Scoreboard {
        let mut b = Scoreboard::with_capacity(8);
        for i in 0..n {
            b.push(SentSegment {
                start: SeqNum(i * 100),
                end: SeqNum(i * 100 + 100),
                fin: false,
                xmit_time: now,
                retransmitted: false,
                sacked: false,
                lost: false,
            });
        }
        b
    }

    #[test]
    fn sack_marks_and_dupthresh() {
        let now = Instant::now();
        let mut b = board(6, now);
        let mut d = Delivered::default();
        // Segment 0 lost; 1..=3 SACKed.
        b.sack(&[(SeqNum(100), SeqNum(400))], &mut d);
        assert_eq!(d.bytes, 300);
        assert_eq!(b.in_flight(), 300);
        assert_eq!(b.mark_lost_dupthresh(100), 1);
        assert_eq!(b.first_lost(), Some(0));
        b.check_invariants();
        b.retransmitted(0, 100, now);
        assert_eq!(b.lost_count(), 0);
        // A retransmitted segment is not re-marked by IsLost.
        assert_eq!(b.mark_lost_dupthresh(100), 0);
        let mut d = Delivered::default();
        b.ack(SeqNum(400), &mut d);
        assert_eq!(d.bytes, 100);
        assert!(
            d.rtt_from.is_none(),
            "Karn: only a retransmitted segment was acked"
        );
        assert_eq!(b.len(), 2);
        b.check_invariants();
    }

    #[test]
    fn partial_ack_and_split_retransmission() {
        let now = Instant::now();
        let mut b = board(2, now);
        let mut d = Delivered::default();
        b.ack(SeqNum(50), &mut d);
        assert_eq!(d.bytes, 50);
        assert_eq!(b.in_flight(), 150);
        assert_eq!(b.mark_all_lost(), 2);
        b.retransmitted(0, 20, now);
        assert_eq!(b.len(), 3);
        assert_eq!(b.lost_count(), 2);
        b.check_invariants();
    }
}
