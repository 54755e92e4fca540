//! Traffic counters: lock-free atomics on the data path, plain snapshots to print.
//!
//! [`DeviceCounters`] counts what a device (or a hub port) received, sent and
//! dropped; [`DropCounters`] counts drops per [`DropReason`]. Both are updated
//! with relaxed atomics and read as a [`CounterSnapshot`] / [`DropSnapshot`],
//! which implement `Display` for logs and `-` for rates. Not for histograms or
//! per-flow accounting.

use std::fmt;
use std::ops::Sub;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crossbeam_utils::CachePadded;

/// One direction's packet and byte counters.
#[derive(Debug, Default)]
struct Direction {
    packets: AtomicU64,
    bytes: AtomicU64,
    dropped: AtomicU64,
}

/// Counters of one device or hub port. Receive and transmit sides sit on
/// separate cache lines, so a receiving thread and a sending thread do not
/// contend.
///
/// "rx" is what the device received from its medium (and handed to its
/// handler); "tx" is what was given to [`crate::L2Device::send`].
///
/// ```
/// use pktkit_core::DeviceCounters;
/// let c = DeviceCounters::new();
/// c.record_rx(60);
/// c.record_tx(1514);
/// c.record_tx_drop();
/// let s = c.snapshot();
/// assert_eq!((s.rx_packets, s.rx_bytes, s.tx_packets, s.tx_dropped), (1, 60, 1, 1));
/// println!("{s}");
/// ```
#[derive(Debug, Default)]
pub struct DeviceCounters {
    rx: CachePadded<Direction>,
    tx: CachePadded<Direction>,
    errors: AtomicU64,
}

impl DeviceCounters {
    /// All zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a received packet of `len` bytes.
    #[inline]
    pub fn record_rx(&self, len: usize) {
        self.rx.packets.fetch_add(1, Relaxed);
        self.rx.bytes.fetch_add(len as u64, Relaxed);
    }

    /// Counts a sent packet of `len` bytes.
    #[inline]
    pub fn record_tx(&self, len: usize) {
        self.tx.packets.fetch_add(1, Relaxed);
        self.tx.bytes.fetch_add(len as u64, Relaxed);
    }

    /// Counts a received packet that was dropped.
    #[inline]
    pub fn record_rx_drop(&self) {
        self.rx.dropped.fetch_add(1, Relaxed);
    }

    /// Counts a packet to send that was dropped.
    #[inline]
    pub fn record_tx_drop(&self) {
        self.tx.dropped.fetch_add(1, Relaxed);
    }

    /// Counts an error (a failed send, a handler error).
    #[inline]
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Relaxed);
    }

    /// A copy of the current values (each read atomically, the set not as a whole).
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            rx_packets: self.rx.packets.load(Relaxed),
            rx_bytes: self.rx.bytes.load(Relaxed),
            rx_dropped: self.rx.dropped.load(Relaxed),
            tx_packets: self.tx.packets.load(Relaxed),
            tx_bytes: self.tx.bytes.load(Relaxed),
            tx_dropped: self.tx.dropped.load(Relaxed),
            errors: self.errors.load(Relaxed),
        }
    }
}

/// The values of a [`DeviceCounters`] at one moment. `a - b` gives the change
/// between two snapshots (saturating at zero).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CounterSnapshot {
    /// Packets received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Received packets dropped.
    pub rx_dropped: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets to send that were dropped.
    pub tx_dropped: u64,
    /// Errors.
    pub errors: u64,
}

impl Sub for CounterSnapshot {
    type Output = CounterSnapshot;
    fn sub(self, o: CounterSnapshot) -> CounterSnapshot {
        CounterSnapshot {
            rx_packets: self.rx_packets.saturating_sub(o.rx_packets),
            rx_bytes: self.rx_bytes.saturating_sub(o.rx_bytes),
            rx_dropped: self.rx_dropped.saturating_sub(o.rx_dropped),
            tx_packets: self.tx_packets.saturating_sub(o.tx_packets),
            tx_bytes: self.tx_bytes.saturating_sub(o.tx_bytes),
            tx_dropped: self.tx_dropped.saturating_sub(o.tx_dropped),
            errors: self.errors.saturating_sub(o.errors),
        }
    }
}

impl fmt::Display for CounterSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rx {} pkts {} B ({} dropped), tx {} pkts {} B ({} dropped), {} errors",
            self.rx_packets,
            self.rx_bytes,
            self.rx_dropped,
            self.tx_packets,
            self.tx_bytes,
            self.tx_dropped,
            self.errors
        )
    }
}

/// Why a hub or a device wrapper dropped a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DropReason {
    /// Too short or otherwise unparsable.
    Malformed,
    /// No route to the destination (L3).
    NoRoute,
    /// TTL / hop limit would reach zero (L3).
    TtlExpired,
    /// The frame's VLAN is not allowed on the ingress or egress port.
    VlanFiltered,
    /// The port's rate limit was exceeded.
    RateLimited,
    /// The destination is the port the frame came from.
    SamePort,
    /// Sending to the egress device failed.
    SendFailed,
    /// A queue was full (e.g. a pcap writer falling behind).
    QueueFull,
    /// Removed by link impairment (loss).
    Impaired,
    /// Source address unusable (e.g. a multicast source MAC).
    BadSource,
}

impl DropReason {
    /// Every reason, in counter order.
    pub const ALL: [DropReason; 10] = [
        DropReason::Malformed,
        DropReason::NoRoute,
        DropReason::TtlExpired,
        DropReason::VlanFiltered,
        DropReason::RateLimited,
        DropReason::SamePort,
        DropReason::SendFailed,
        DropReason::QueueFull,
        DropReason::Impaired,
        DropReason::BadSource,
    ];

    /// A short, stable name for logs and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            DropReason::Malformed => "malformed",
            DropReason::NoRoute => "no route",
            DropReason::TtlExpired => "ttl expired",
            DropReason::VlanFiltered => "vlan filtered",
            DropReason::RateLimited => "rate limited",
            DropReason::SamePort => "same port",
            DropReason::SendFailed => "send failed",
            DropReason::QueueFull => "queue full",
            DropReason::Impaired => "impaired",
            DropReason::BadSource => "bad source",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const REASONS: usize = DropReason::ALL.len();

/// Drop counters, one per [`DropReason`].
#[derive(Debug, Default)]
pub struct DropCounters {
    by_reason: [AtomicU64; REASONS],
}

impl DropCounters {
    /// All zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one drop.
    #[inline]
    pub fn record(&self, reason: DropReason) {
        self.by_reason[reason.index()].fetch_add(1, Relaxed);
    }

    /// The count for one reason.
    pub fn get(&self, reason: DropReason) -> u64 {
        self.by_reason[reason.index()].load(Relaxed)
    }

    /// A copy of all counts.
    pub fn snapshot(&self) -> DropSnapshot {
        let mut counts = [0; REASONS];
        for (c, a) in counts.iter_mut().zip(&self.by_reason) {
            *c = a.load(Relaxed);
        }
        DropSnapshot { counts }
    }
}

/// Drop counts at one moment; `Display` lists the non-zero reasons.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DropSnapshot {
    counts: [u64; REASONS],
}

impl DropSnapshot {
    /// The count for one reason.
    pub fn get(&self, reason: DropReason) -> u64 {
        self.counts[reason.index()]
    }

    /// The sum over all reasons.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `(reason, count)` for every reason with a non-zero count.
    pub fn iter(&self) -> impl Iterator<Item = (DropReason, u64)> + '_ {
        DropReason::ALL
            .iter()
            .map(|r| (*r, self.get(*r)))
            .filter(|(_, n)| *n > 0)
    }
}

impl fmt::Display for DropSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for (r, n) in self.iter() {
            if any {
                f.write_str(", ")?;
            }
            write!(f, "{r}: {n}")?;
            any = true;
        }
        if !any {
            f.write_str("no drops")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_display_and_delta() {
        let c = DeviceCounters::new();
        c.record_rx(100);
        c.record_rx(50);
        c.record_tx(60);
        c.record_error();
        let a = c.snapshot();
        assert_eq!(
            a.to_string(),
            "rx 2 pkts 150 B (0 dropped), tx 1 pkts 60 B (0 dropped), 1 errors"
        );
        c.record_rx(10);
        let d = c.snapshot() - a;
        assert_eq!((d.rx_packets, d.rx_bytes, d.tx_packets), (1, 10, 0));
    }

    #[test]
    fn drop_reasons_are_distinct_and_listed() {
        let d = DropCounters::new();
        assert_eq!(d.snapshot().to_string(), "no drops");
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
            for _ in 0..=i {
                d.record(*r);
            }
        }
        let s = d.snapshot();
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(s.get(*r), i as u64 + 1);
        }
        assert_eq!(s.total(), (1..=REASONS as u64).sum());
        assert!(s.to_string().starts_with("malformed: 1, no route: 2"));
    }
}
