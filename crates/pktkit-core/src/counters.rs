//! Traffic counters: per-thread shards on the data path, plain snapshots to print.
//!
//! [`DeviceCounters`] counts what a device (or a hub port) received, sent and
//! dropped; [`DropCounters`] counts drops per [`DropReason`]. Both are read as
//! a [`CounterSnapshot`] / [`DropSnapshot`], which implement `Display` for logs
//! and `-` for rates. Not for histograms or per-flow accounting.
//!
//! `DeviceCounters` are sharded: each of the first `SHARDS` threads that
//! count something owns one cache-line-sized shard (see `thread_shard`) and
//! updates it with a plain relaxed load and store, no read-modify-write and no
//! shared cache line; further threads share one more shard updated with
//! `fetch_add`. A snapshot sums the shards.

use std::cell::Cell;
use std::fmt;
use std::ops::Sub;
use std::sync::atomic::{
    AtomicU64, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};

use crossbeam_utils::CachePadded;

/// Threads that get a shard of their own; the rest share one.
pub(crate) const SHARDS: usize = 8;
const NO_SHARD: u8 = 0xfe;
const UNCLAIMED: u8 = 0xff;

/// Shards owned by live threads, one bit each.
static CLAIMED: AtomicUsize = AtomicUsize::new(0);

/// Gives a thread's shard back when the thread exits.
struct ShardGuard(usize);

impl Drop for ShardGuard {
    fn drop(&mut self) {
        // Anything counted later on this thread (other thread-local
        // destructors) goes to the shared shard.
        SHARD.with(|s| s.set(NO_SHARD));
        // Release: the next owner's Acquire claim sees every value stored here.
        CLAIMED.fetch_and(!(1 << self.0), Release);
    }
}

thread_local! {
    static SHARD: Cell<u8> = const { Cell::new(UNCLAIMED) };
    static GUARD: Cell<Option<ShardGuard>> = const { Cell::new(None) };
}

/// The shard this thread owns exclusively, or `None` (use the shared one).
/// Claimed on first use, released when the thread exits. Other per-thread
/// state of the crate (the hub's flow memos) is indexed by it too.
#[inline]
pub(crate) fn thread_shard() -> Option<ShardId> {
    // The owned case first: one compare on the data path.
    match SHARD.with(Cell::get) {
        i if usize::from(i) < SHARDS => Some(ShardId(i)),
        UNCLAIMED => claim_shard(),
        _ => None,
    }
}

/// The shard this thread owns already, without claiming one: a data path
/// that takes another path for `None` (and calls [`thread_shard`] there)
/// keeps only the one compare inline.
#[inline(always)]
pub(crate) fn owned_shard() -> Option<ShardId> {
    match SHARD.with(Cell::get) {
        i if usize::from(i) < SHARDS => Some(ShardId(i)),
        _ => None,
    }
}

/// A shard's index, below [`SHARDS`] by construction, so that arrays of
/// `SHARDS` entries are indexed with no bounds check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ShardId(u8);

const _: () = assert!(SHARDS.is_power_of_two() && SHARDS <= 64);

impl ShardId {
    /// The index (`< SHARDS`).
    #[inline(always)]
    pub(crate) fn get(self) -> usize {
        usize::from(self.0) & (SHARDS - 1)
    }
}

#[cold]
fn claim_shard() -> Option<ShardId> {
    let mut cur = CLAIMED.load(Relaxed);
    let got = loop {
        let free = !cur & ((1 << SHARDS) - 1);
        if free == 0 {
            break None;
        }
        let bit = free.trailing_zeros() as usize;
        match CLAIMED.compare_exchange_weak(cur, cur | 1 << bit, Acquire, Relaxed) {
            Ok(_) => break Some(bit),
            Err(now) => cur = now,
        }
    };
    let Some(i) = got else {
        SHARD.with(|s| s.set(NO_SHARD));
        return None;
    };
    // If this thread's locals are already being torn down the guard cannot be
    // registered: give the shard back at once and use the shared one.
    if GUARD.try_with(|g| g.set(Some(ShardGuard(i)))).is_err() {
        CLAIMED.fetch_and(!(1 << i), Release);
        SHARD.with(|s| s.set(NO_SHARD));
        return None;
    }
    SHARD.with(|s| s.set(i as u8));
    Some(ShardId(i as u8))
}

/// One thread's share of a device's counters (one cache line).
#[derive(Debug, Default)]
struct Shard {
    rx_packets: AtomicU64,
    rx_bytes: AtomicU64,
    rx_dropped: AtomicU64,
    tx_packets: AtomicU64,
    tx_bytes: AtomicU64,
    tx_dropped: AtomicU64,
    errors: AtomicU64,
}

/// Adds `n` to a counter only this thread writes: a load and a store.
#[inline(always)]
fn bump(a: &AtomicU64, n: u64) {
    a.store(a.load(Relaxed).wrapping_add(n), Relaxed);
}

/// Counters of one device or hub port.
///
/// "rx" is what the device received from its medium (and handed to its
/// handler); "tx" is what was given to [`crate::L2Device::send`].
///
/// Updating costs no atomic read-modify-write and touches no cache line that
/// another thread writes: each of the first 8 counting threads of the process
/// owns a shard of every `DeviceCounters` (later threads share one more shard,
/// updated with `fetch_add`). A [`snapshot`](Self::snapshot) sums the shards:
/// it is exact once the counting threads have stopped and the reader is
/// synchronised with them (joined them, received from them over a channel, or
/// simply is the thread that counted); while traffic flows each value may lag
/// by the updates still in flight, as with any set of relaxed counters.
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
    /// Shard `i` is written only by the thread owning shard `i`.
    shards: [CachePadded<Shard>; SHARDS],
    /// Written with `fetch_add` by threads without a shard.
    shared: CachePadded<Shard>,
}

impl DeviceCounters {
    /// All zero.
    pub fn new() -> Self {
        Self::default()
    }

    #[inline(always)]
    fn add(&self, f: impl Fn(&Shard) -> &AtomicU64, n: u64) {
        match thread_shard().map(|i| &self.shards[i.get()]) {
            Some(s) => bump(f(s), n),
            None => {
                f(&self.shared).fetch_add(n, Relaxed);
            }
        }
    }

    #[inline(always)]
    fn add2(&self, f: impl Fn(&Shard) -> (&AtomicU64, &AtomicU64), n: u64) {
        self.add2_on(thread_shard(), f, n)
    }

    /// `add2` with the caller's [`thread_shard`] (asked once for many updates).
    #[inline(always)]
    fn add2_on(
        &self,
        shard: Option<ShardId>,
        f: impl Fn(&Shard) -> (&AtomicU64, &AtomicU64),
        n: u64,
    ) {
        match shard.map(|i| &self.shards[i.get()]) {
            Some(s) => {
                let (packets, bytes) = f(s);
                bump(packets, 1);
                bump(bytes, n);
            }
            None => {
                let (packets, bytes) = f(&self.shared);
                packets.fetch_add(1, Relaxed);
                bytes.fetch_add(n, Relaxed);
            }
        }
    }

    /// Counts a received packet of `len` bytes.
    #[inline]
    pub fn record_rx(&self, len: usize) {
        self.add2(|s| (&s.rx_packets, &s.rx_bytes), len as u64);
    }

    /// [`Self::record_rx`] where the caller holds this thread's
    /// [`thread_shard`] already.
    #[inline]
    pub(crate) fn record_rx_on(&self, shard: Option<ShardId>, len: usize) {
        self.add2_on(shard, |s| (&s.rx_packets, &s.rx_bytes), len as u64);
    }

    /// [`Self::record_tx`] where the caller holds this thread's
    /// [`thread_shard`] already.
    #[inline]
    pub(crate) fn record_tx_on(&self, shard: Option<ShardId>, len: usize) {
        self.add2_on(shard, |s| (&s.tx_packets, &s.tx_bytes), len as u64);
    }

    /// Counts a sent packet of `len` bytes.
    #[inline]
    pub fn record_tx(&self, len: usize) {
        self.add2(|s| (&s.tx_packets, &s.tx_bytes), len as u64);
    }

    /// Counts a received packet that was dropped.
    #[inline]
    pub fn record_rx_drop(&self) {
        self.add(|s| &s.rx_dropped, 1);
    }

    /// Counts a packet to send that was dropped.
    #[inline]
    pub fn record_tx_drop(&self) {
        self.add(|s| &s.tx_dropped, 1);
    }

    /// Counts an error (a failed send, a handler error).
    #[inline]
    pub fn record_error(&self) {
        self.add(|s| &s.errors, 1);
    }

    /// The sums over all shards (each value read atomically per shard, the
    /// set not as a whole; see the type's docs for when it is exact).
    pub fn snapshot(&self) -> CounterSnapshot {
        let mut c = CounterSnapshot::default();
        for s in self.shards.iter().chain(std::iter::once(&self.shared)) {
            c.rx_packets = c.rx_packets.wrapping_add(s.rx_packets.load(Relaxed));
            c.rx_bytes = c.rx_bytes.wrapping_add(s.rx_bytes.load(Relaxed));
            c.rx_dropped = c.rx_dropped.wrapping_add(s.rx_dropped.load(Relaxed));
            c.tx_packets = c.tx_packets.wrapping_add(s.tx_packets.load(Relaxed));
            c.tx_bytes = c.tx_bytes.wrapping_add(s.tx_bytes.load(Relaxed));
            c.tx_dropped = c.tx_dropped.wrapping_add(s.tx_dropped.load(Relaxed));
            c.errors = c.errors.wrapping_add(s.errors.load(Relaxed));
        }
        c
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
    fn shards_sum_exactly_across_many_threads() {
        // More threads than shards, some of them short-lived so shards are
        // handed over: the sums must be exact after the joins.
        let c = std::sync::Arc::new(DeviceCounters::new());
        c.record_rx(1);
        let per = 10_000u64;
        for round in 0..3 {
            let hs: Vec<_> = (0..SHARDS as u64 + 4)
                .map(|t| {
                    let c = c.clone();
                    std::thread::spawn(move || {
                        for i in 0..per {
                            c.record_rx((t + i) as usize % 7);
                            c.record_tx(3);
                            if i % 10 == round {
                                c.record_tx_drop();
                                c.record_rx_drop();
                                c.record_error();
                            }
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        }
        let threads = SHARDS as u64 + 4;
        let rx_bytes: u64 = (0..threads)
            .map(|t| (0..per).map(|i| (t + i) % 7).sum::<u64>())
            .sum::<u64>()
            * 3
            + 1;
        let s = c.snapshot();
        assert_eq!(s.rx_packets, 3 * threads * per + 1);
        assert_eq!(s.rx_bytes, rx_bytes);
        assert_eq!(
            (s.tx_packets, s.tx_bytes),
            (3 * threads * per, 9 * threads * per)
        );
        let drops = 3 * threads * per / 10;
        assert_eq!(
            (s.tx_dropped, s.rx_dropped, s.errors),
            (drops, drops, drops)
        );
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
