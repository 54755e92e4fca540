//! Timers: retransmission, tail loss probes, RACK reordering windows, delayed
//! ACKs, zero-window probes, keepalive and TIME-WAIT.

use super::*;

impl Connection {
    /// Runs the timers due at `now`. Calling it early or twice is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(t) = self.timers.expired(now) {
            match t {
                Timer::Rto => self.on_rto(now),
                Timer::Tlp => {
                    if !self.board.is_empty() && self.recovery.is_none() {
                        self.tlp_pending = true;
                    }
                }
                Timer::Rack => {
                    if self.sack_ok && self.cfg.rack {
                        let n = self.rack_detect(now);
                        if n > 0 && self.recovery.is_none() && self.rto_recover.is_none() {
                            self.recovery = Some(self.snd_nxt);
                            self.tlp_episode.reset();
                            self.stats.recoveries += 1;
                            let flight = self.board.in_flight() + n as u32 * self.mss;
                            self.cc.on_congestion_event(now, flight);
                        }
                    }
                }
                Timer::DelayedAck => self.ack_now = true,
                Timer::Persist => {
                    if self.snd_wnd > 0 {
                        // The SWS override timeout: the window is open but
                        // smaller than sender SWS avoidance waits for.
                        self.sws_override = self.state.is_synchronized();
                    } else if self.state.is_synchronized() {
                        self.probe_pending = true;
                        self.persist_backoff = (self.persist_backoff + 1).min(16);
                        let next = self
                            .rtt
                            .rto()
                            .checked_mul(1 << self.persist_backoff)
                            .unwrap_or(self.cfg.max_rto);
                        self.timers
                            .set(Timer::Persist, now + next.min(self.cfg.max_rto));
                    }
                }
                Timer::Keepalive => {
                    if let Some(k) = self.cfg.keepalive {
                        if self.keepalive_sent >= k.count {
                            self.finish(Some(Error::TimedOut));
                        } else {
                            self.keepalive_pending = true;
                            self.keepalive_sent += 1;
                            self.timers.set(Timer::Keepalive, now + k.interval);
                        }
                    }
                }
                Timer::TimeWait => self.finish(None),
            }
        }
    }

    pub(super) fn on_rto(&mut self, now: Instant) {
        match self.state {
            State::SynSent | State::SynReceived => {
                if self.syn_count > self.cfg.syn_retries {
                    self.finish(Some(Error::TimedOut));
                    return;
                }
                self.rtt.back_off();
                self.syn_pending = true;
            }
            State::Closed | State::Listen | State::TimeWait => {}
            _ => {
                if self.board.is_empty() {
                    return;
                }
                self.rto_count += 1;
                if self.rto_count > self.cfg.max_retransmissions {
                    self.finish(Some(Error::TimedOut));
                    return;
                }
                self.stats.rto_expirations += 1;
                let flight = self.board.in_flight();
                self.cc.on_rto(now, flight);
                self.board.mark_all_lost();
                self.rtt.back_off();
                // Slow start from the loss window; no fast recovery for what
                // was outstanding (RFC 5681 §3.1, RFC 6582 §3.2).
                self.recovery = None;
                self.rto_recover = Some(self.snd_nxt);
                self.dupacks = 0;
                self.timers.stop(Timer::Tlp);
                self.tlp_pending = false;
                self.tlp_episode.reset();
            }
        }
    }
}
