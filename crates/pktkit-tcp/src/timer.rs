//! [`Timers`]: the deadlines of one connection, one slot per kind.
//!
//! A slot holds an `Instant` or nothing; [`Timers::next`] is what
//! `poll_timeout` returns; [`Timers::expired`] hands out due kinds one by one.

use std::time::Instant;

/// The kinds of timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Retransmission timeout (also for SYN / SYN-ACK).
    Rto,
    /// Tail loss probe (RFC 8985 §7).
    Tlp,
    /// RACK reordering window (RFC 8985 §6.3).
    Rack,
    /// Delayed ACK.
    DelayedAck,
    /// Zero-window probe (persist); with an open window, the sender SWS
    /// avoidance override timeout (RFC 1122 §4.2.3.4).
    Persist,
    /// Keepalive.
    Keepalive,
    /// TIME-WAIT end.
    TimeWait,
}

const ALL: [Timer; 7] = [
    Timer::Rto,
    Timer::Tlp,
    Timer::Rack,
    Timer::DelayedAck,
    Timer::Persist,
    Timer::Keepalive,
    Timer::TimeWait,
];

/// One optional deadline per [`Timer`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    slots: [Option<Instant>; 7],
}

impl Timers {
    pub(crate) fn set(&mut self, t: Timer, at: Instant) {
        self.slots[t as usize] = Some(at);
    }

    pub(crate) fn stop(&mut self, t: Timer) {
        self.slots[t as usize] = None;
    }

    pub(crate) fn get(&self, t: Timer) -> Option<Instant> {
        self.slots[t as usize]
    }

    pub(crate) fn is_set(&self, t: Timer) -> bool {
        self.slots[t as usize].is_some()
    }

    pub(crate) fn stop_all(&mut self) {
        self.slots = [None; 7];
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.slots.iter().flatten().min().copied()
    }

    /// A kind due at `now` (cleared as it is returned).
    pub(crate) fn expired(&mut self, now: Instant) -> Option<Timer> {
        for t in ALL {
            if self.slots[t as usize].is_some_and(|at| at <= now) {
                self.slots[t as usize] = None;
                return Some(t);
            }
        }
        None
    }
}
