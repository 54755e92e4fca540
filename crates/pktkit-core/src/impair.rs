//! [`Impair`]: a device wrapper that makes a link bad on purpose.
//!
//! Delay, jitter, loss, duplication, reordering, bit corruption and a rate
//! limit (serialisation delay with a bounded queue), each direction with its
//! own [`ImpairConfig`]. Randomness comes from a seed, time from a [`Clock`],
//! so a test with a [`crate::ManualClock`] replays exactly. Frames that are
//! due leave when [`Impair::poll`] runs (a test calls it after moving its
//! clock; [`Impair::spawn_driver`] runs it every millisecond for real-time use);
//! a frame with nothing to wait for leaves at once. For testing, not for
//! speed: a mutex guards each direction's queue.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use pktkit_wire::{Frame, IpPrefix, MacAddr, Packet};

use crate::{Clock, CoarseClock, DeviceCounters, Done, L2Device, L2Handler, L3Device, L3Handler};

/// What to do to the packets of one direction. All probabilities are 0.0–1.0.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImpairConfig {
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Extra delay, uniform in `0..=jitter` (packets may reorder when it
    /// exceeds their spacing).
    pub jitter: Duration,
    /// Probability a packet is lost.
    pub loss: f64,
    /// Probability a packet is delivered twice.
    pub duplicate: f64,
    /// Probability a packet is held back by `reorder_delay` so later ones overtake it.
    pub reorder: f64,
    /// How long a reordered packet is held back.
    pub reorder_delay: Duration,
    /// Probability one random bit is flipped (after the first `protect` bytes).
    pub corrupt: f64,
    /// Leading bytes corruption never touches (e.g. 14 to keep Ethernet headers intact).
    pub protect: usize,
    /// Link rate in bytes per second (serialisation delay); `None`: unlimited.
    pub rate: Option<u64>,
    /// Most packets waiting in the direction's queue; beyond it they are lost.
    /// 0 means 10 000.
    pub queue_limit: usize,
}

/// Counts of what an [`Impair`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImpairStats {
    /// Packets delivered (duplicates included).
    pub delivered: u64,
    /// Lost by `loss`.
    pub lost: u64,
    /// Lost because the queue was full.
    pub overflowed: u64,
    /// Extra copies made.
    pub duplicated: u64,
    /// Held back to reorder.
    pub reordered: u64,
    /// Corrupted.
    pub corrupted: u64,
}

/// xorshift64*: small, fast, seeded; plenty for impairment decisions.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 spreads close seeds apart; xorshift needs a non-zero state.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)).max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    due_ns: u64,
    seq: u64,
    data: Vec<u8>,
}

struct LineState {
    rng: Rng,
    queue: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    link_free_ns: u64,
}

#[derive(Default)]
struct LineStats {
    delivered: AtomicU64,
    lost: AtomicU64,
    overflowed: AtomicU64,
    duplicated: AtomicU64,
    reordered: AtomicU64,
    corrupted: AtomicU64,
}

/// One direction of an impaired link.
struct Line {
    cfg: ImpairConfig,
    state: Mutex<LineState>,
    stats: LineStats,
}

impl Line {
    fn new(cfg: ImpairConfig, seed: u64) -> Self {
        Line {
            cfg,
            state: Mutex::new(LineState {
                rng: Rng::new(seed),
                queue: BinaryHeap::new(),
                seq: 0,
                link_free_ns: 0,
            }),
            stats: LineStats::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LineState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides the fate of `bytes` at `now_ns`: queues its copies. Returns
    /// true when the packet may go out at once, untouched (nothing queued).
    fn admit(&self, bytes: &[u8], now_ns: u64) -> bool {
        let c = &self.cfg;
        let mut st = self.lock();
        if st.rng.chance(c.loss) {
            self.stats.lost.fetch_add(1, Relaxed);
            return false;
        }
        let mut due = now_ns;
        if let Some(rate) = c.rate {
            let start = st.link_free_ns.max(now_ns);
            let tx = (bytes.len() as u128 * 1_000_000_000 / rate.max(1) as u128) as u64;
            st.link_free_ns = start + tx;
            due = start + tx;
        }
        due += c.delay.as_nanos() as u64;
        if !c.jitter.is_zero() {
            due += st.rng.below(c.jitter.as_nanos() as u64 + 1);
        }
        if st.rng.chance(c.reorder) {
            self.stats.reordered.fetch_add(1, Relaxed);
            due += c.reorder_delay.as_nanos() as u64;
        }
        let corrupt = bytes.len() > c.protect && st.rng.chance(c.corrupt);
        let copies = if st.rng.chance(c.duplicate) {
            self.stats.duplicated.fetch_add(1, Relaxed);
            2
        } else {
            1
        };
        if due <= now_ns && !corrupt && copies == 1 && st.queue.is_empty() {
            return true;
        }
        let limit = if c.queue_limit == 0 {
            10_000
        } else {
            c.queue_limit
        };
        for _ in 0..copies {
            if st.queue.len() >= limit {
                self.stats.overflowed.fetch_add(1, Relaxed);
                continue;
            }
            let mut data = bytes.to_vec();
            if corrupt {
                let span = (bytes.len() - c.protect) as u64 * 8;
                let bit = st.rng.below(span) as usize;
                data[c.protect + bit / 8] ^= 1 << (bit % 8);
            }
            st.seq += 1;
            let seq = st.seq;
            st.queue.push(Reverse(Pending {
                due_ns: due,
                seq,
                data,
            }));
        }
        if corrupt {
            self.stats.corrupted.fetch_add(1, Relaxed);
        }
        false
    }

    /// Takes the packets due at `now_ns`, in order.
    fn due(&self, now_ns: u64) -> Vec<Vec<u8>> {
        let mut st = self.lock();
        let mut out = Vec::new();
        while st.queue.peek().is_some_and(|p| p.0.due_ns <= now_ns) {
            if let Some(Reverse(p)) = st.queue.pop() {
                out.push(p.data);
            }
        }
        out
    }

    fn next_due(&self) -> Option<u64> {
        self.lock().queue.peek().map(|p| p.0.due_ns)
    }
}

struct Shared<H> {
    tx: Line,
    rx: Line,
    clock: Arc<dyn Clock>,
    handler: ArcSwapOption<H>,
}

/// A device that impairs what passes through it: delay, jitter, loss,
/// duplication, reordering, bit corruption and a rate limit, per direction
/// ([`ImpairConfig`]). Decisions come from a seed and time from a [`Clock`], so a
/// test replays exactly; queued packets leave when [`Impair::poll`] runs. For
/// testing, not speed: each direction's queue sits behind a mutex.
///
/// ```
/// use pktkit_core::{Impair, ImpairConfig, L2Device, ManualClock, PipeL2};
/// use pktkit_wire::{Frame, MacAddr};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let (a, b) = PipeL2::pair(MacAddr::ZERO, MacAddr::ZERO);
/// let slow = ImpairConfig { delay: Duration::from_millis(50), ..Default::default() };
/// let link = Impair::new(a, slow, ImpairConfig::default(), 7, Arc::new(clock.clone()));
/// link.send(Frame::parse(&[0xffu8; 60]).unwrap()).unwrap();
/// assert_eq!(b.counters().unwrap().snapshot().rx_dropped, 0); // not yet delivered
/// clock.advance(Duration::from_millis(50));
/// assert_eq!(link.poll(), 1);
/// ```
pub struct Impair<D, H: ?Sized + 'static> {
    inner: D,
    shared: Arc<Shared<Arc<H>>>,
}

/// An [`Impair`] around an L2 device.
pub type ImpairL2<D> = Impair<D, dyn Fn(&Frame) -> io::Result<()> + Send + Sync>;
/// An [`Impair`] around an L3 device.
pub type ImpairL3<D> = Impair<D, dyn Fn(&Packet) -> io::Result<()> + Send + Sync>;

impl<D, H: ?Sized + 'static> Impair<D, H> {
    /// Wraps `inner`: `tx` applies to what is sent through the wrapper, `rx`
    /// to what `inner` receives. `seed` fixes every random decision; `clock`
    /// gives the time.
    pub fn new(
        inner: D,
        tx: ImpairConfig,
        rx: ImpairConfig,
        seed: u64,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Impair {
            inner,
            shared: Arc::new(Shared {
                tx: Line::new(tx, seed),
                rx: Line::new(rx, seed.wrapping_add(0x5851_f42d_4c95_7f2d)),
                clock,
                handler: ArcSwapOption::empty(),
            }),
        }
    }

    /// [`Impair::new`] on the real (coarse) clock.
    pub fn with_seed(inner: D, tx: ImpairConfig, rx: ImpairConfig, seed: u64) -> Self {
        Self::new(inner, tx, rx, seed, Arc::new(CoarseClock))
    }

    /// The wrapped device.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// What the transmit and receive directions did.
    pub fn stats(&self) -> (ImpairStats, ImpairStats) {
        let s = |l: &Line| ImpairStats {
            delivered: l.stats.delivered.load(Relaxed),
            lost: l.stats.lost.load(Relaxed),
            overflowed: l.stats.overflowed.load(Relaxed),
            duplicated: l.stats.duplicated.load(Relaxed),
            reordered: l.stats.reordered.load(Relaxed),
            corrupted: l.stats.corrupted.load(Relaxed),
        };
        (s(&self.shared.tx), s(&self.shared.rx))
    }

    /// When the next queued packet is due, in [`Clock::nanos`] terms.
    pub fn next_due_nanos(&self) -> Option<u64> {
        match (self.shared.tx.next_due(), self.shared.rx.next_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl<D: L2Device> ImpairL2<D> {
    /// Delivers every packet that is due now; returns how many.
    pub fn poll(&self) -> usize {
        let now = self.shared.clock.nanos();
        let mut n = 0;
        for d in self.shared.tx.due(now) {
            if let Ok(f) = Frame::parse(&d)
                && self.inner.send(f).is_ok()
            {
                n += 1;
                self.shared.tx.stats.delivered.fetch_add(1, Relaxed);
            }
        }
        let h = self.shared.handler.load_full();
        for d in self.shared.rx.due(now) {
            if let (Some(h), Ok(f)) = (&h, Frame::parse(&d)) {
                let _ = h(f);
                n += 1;
                self.shared.rx.stats.delivered.fetch_add(1, Relaxed);
            }
        }
        n
    }
}

impl<D: L3Device> ImpairL3<D> {
    /// Delivers every packet that is due now; returns how many.
    pub fn poll(&self) -> usize {
        let now = self.shared.clock.nanos();
        let mut n = 0;
        for d in self.shared.tx.due(now) {
            if let Ok(p) = Packet::parse(&d)
                && self.inner.send(p).is_ok()
            {
                n += 1;
                self.shared.tx.stats.delivered.fetch_add(1, Relaxed);
            }
        }
        let h = self.shared.handler.load_full();
        for d in self.shared.rx.due(now) {
            if let (Some(h), Ok(p)) = (&h, Packet::parse(&d)) {
                let _ = h(p);
                n += 1;
                self.shared.rx.stats.delivered.fetch_add(1, Relaxed);
            }
        }
        n
    }
}

/// Starts a thread that calls `poll` every millisecond until the device is dropped.
fn spawn_driver<T: Send + Sync + 'static>(dev: &Arc<T>, poll: fn(&T) -> usize) -> io::Result<()> {
    let weak: Weak<T> = Arc::downgrade(dev);
    std::thread::Builder::new()
        .name("pktkit-impair".into())
        .spawn(move || {
            while let Some(d) = weak.upgrade() {
                poll(&d);
                drop(d);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
        .map(|_| ())
}

impl<D: L2Device + 'static> ImpairL2<D> {
    /// Runs [`Impair::poll`] on a thread every millisecond while `this` lives.
    pub fn spawn_driver(this: &Arc<Self>) -> io::Result<()> {
        spawn_driver(this, Self::poll)
    }
}

impl<D: L3Device + 'static> ImpairL3<D> {
    /// Runs [`Impair::poll`] on a thread every millisecond while `this` lives.
    pub fn spawn_driver(this: &Arc<Self>) -> io::Result<()> {
        spawn_driver(this, Self::poll)
    }
}

impl<D, H: ?Sized> fmt::Debug for Impair<D, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Impair")
            .field("tx", &self.shared.tx.cfg)
            .field("rx", &self.shared.rx.cfg)
            .finish()
    }
}

impl<D: L2Device> L2Device for ImpairL2<D> {
    fn send(&self, frame: &Frame) -> io::Result<()> {
        let now = self.shared.clock.nanos();
        if self.shared.tx.admit(frame.as_bytes(), now) {
            self.shared.tx.stats.delivered.fetch_add(1, Relaxed);
            return self.inner.send(frame);
        }
        Ok(())
    }

    fn set_handler(&self, handler: L2Handler) {
        self.shared.handler.store(Some(Arc::new(handler.clone())));
        let shared = Arc::downgrade(&self.shared);
        self.inner.set_handler(Arc::new(move |f: &Frame| {
            let Some(s) = shared.upgrade() else {
                return Ok(());
            };
            if s.rx.admit(f.as_bytes(), s.clock.nanos()) {
                s.rx.stats.delivered.fetch_add(1, Relaxed);
                return handler(f);
            }
            Ok(())
        }));
    }

    fn hw_addr(&self) -> MacAddr {
        self.inner.hw_addr()
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        self.inner.counters()
    }

    fn done(&self) -> Option<Done> {
        self.inner.done()
    }
}

impl<D: L3Device> L3Device for ImpairL3<D> {
    fn send(&self, packet: &Packet) -> io::Result<()> {
        let now = self.shared.clock.nanos();
        if self.shared.tx.admit(packet.as_bytes(), now) {
            self.shared.tx.stats.delivered.fetch_add(1, Relaxed);
            return self.inner.send(packet);
        }
        Ok(())
    }

    fn set_handler(&self, handler: L3Handler) {
        self.shared.handler.store(Some(Arc::new(handler.clone())));
        let shared = Arc::downgrade(&self.shared);
        self.inner.set_handler(Arc::new(move |p: &Packet| {
            let Some(s) = shared.upgrade() else {
                return Ok(());
            };
            if s.rx.admit(p.as_bytes(), s.clock.nanos()) {
                s.rx.stats.delivered.fetch_add(1, Relaxed);
                return handler(p);
            }
            Ok(())
        }));
    }

    fn addrs(&self) -> Vec<IpPrefix> {
        self.inner.addrs()
    }

    fn set_addrs(&self, addrs: &[IpPrefix]) -> io::Result<()> {
        self.inner.set_addrs(addrs)
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        self.inner.counters()
    }

    fn done(&self) -> Option<Done> {
        self.inner.done()
    }
}
