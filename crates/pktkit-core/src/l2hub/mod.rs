//! [`L2Hub`]: a MAC-learning Ethernet switch with VLANs, limits and counters.
//!
//! Attach any [`L2Device`]s as ports; the hub learns which MAC lives behind
//! which port (per VLAN), forwards known unicast to that one port and floods
//! broadcast, multicast and unknown unicast to every other port of the VLAN.
//!
//! Forwarding takes no lock and loads no snapshot: the port set is immutable,
//! and each new one is handed to every port's device inside a new handler
//! (`Inner::publish`), so a frame is forwarded with the set its handler call
//! carries; the MAC table is a fixed array of atomics (see `mac_table`),
//! counters are relaxed atomics. A thread that sends the same known-unicast
//! flow again skips the table: each ingress port keeps, per counter shard, a
//! memo of its last decision that stays valid while the table's generation
//! is unchanged and no entry needs refreshing or has aged out (see `Flow`).
//! Attaching and detaching take a mutex that the data path never touches.
//! Not a router (see [`crate::L3Hub`]), no STP: do not build loops.

mod mac_table;
mod vlan;

pub use vlan::{VlanMode, VlanSet};

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;
use crossbeam_queue::ArrayQueue;
use crossbeam_utils::CachePadded;
use pktkit_wire::{ETHERNET_HEADER_LEN, EtherType, Frame, MacAddr, VLAN_TAG_LEN};
use smallvec::SmallVec;

use self::mac_table::{Learned, MacTable, key_of, key_of_raw};
use self::vlan::Egress;
use crate::clock::HubClock;
use crate::counters::{SHARDS, ShardId, owned_shard, thread_shard};
use crate::rate::TokenBucket;
use crate::{
    Attachment, Clock, CoarseClock, CounterSnapshot, DeviceCounters, DropCounters, DropReason,
    DropSnapshot, L2Connector, L2Device, RateLimit,
};

/// Default MAC aging time (5 minutes, as 802.1D suggests).
pub const DEFAULT_AGING: Duration = Duration::from_secs(300);
/// Default bound on the MAC table.
pub const DEFAULT_MAX_MACS: usize = 16 * 1024;
/// The most ports one hub can have at a time.
pub const MAX_PORTS: usize = 65_535;
/// A known entry's last-seen time is rewritten at most this often (ms), so
/// steady traffic does not write to shared cache lines.
const REFRESH_MS: u64 = 1000;

/// Settings of an [`L2Hub`].
#[derive(Clone, Debug)]
pub struct L2HubConfig {
    /// How long an entry lives without traffic from its MAC.
    pub aging: Duration,
    /// The most MAC entries the table holds; beyond it the oldest learned goes first.
    pub max_macs: usize,
    /// The time source (default [`CoarseClock`]; tests use [`crate::ManualClock`]).
    pub clock: Arc<dyn Clock>,
}

impl Default for L2HubConfig {
    fn default() -> Self {
        L2HubConfig {
            aging: DEFAULT_AGING,
            max_macs: DEFAULT_MAX_MACS,
            clock: Arc::new(CoarseClock),
        }
    }
}

/// Settings of one hub port.
#[derive(Clone, Debug, Default)]
pub struct PortConfig {
    /// VLAN behaviour (default [`VlanMode::Transparent`]).
    pub vlan: VlanMode,
    /// The most MACs this port may own; beyond it its oldest learned goes first.
    pub max_macs: Option<usize>,
    /// Frames arriving faster than this are dropped ([`DropReason::RateLimited`]).
    pub rate_limit: Option<RateLimit>,
}

impl PortConfig {
    /// An access port of VLAN `vid`.
    pub fn access(vid: u16) -> Self {
        PortConfig {
            vlan: VlanMode::Access(vid),
            ..Default::default()
        }
    }

    /// A trunk carrying `allowed` tagged, and `native` untagged.
    pub fn trunk(native: Option<u16>, allowed: impl IntoIterator<Item = u16>) -> Self {
        PortConfig {
            vlan: VlanMode::Trunk {
                native,
                allowed: allowed.into_iter().collect(),
            },
            ..Default::default()
        }
    }
}

/// Identifies a port of a hub (unique among the hub's current and past ports
/// for a long while: slots are reused with a new generation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortId(pub(crate) u32);

impl PortId {
    /// The raw id.
    pub fn get(self) -> u32 {
        self.0
    }
    fn slot(self) -> usize {
        (self.0 & 0xffff) as usize
    }
}

impl fmt::Display for PortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "port{}.{}", self.0 & 0xffff, self.0 >> 16)
    }
}

struct Port {
    id: PortId,
    device: Arc<dyn L2Device>,
    vlan: VlanMode,
    counters: DeviceCounters,
    rate: Option<TokenBucket>,
    /// Insertion order of this port's MACs, when the port is limited.
    fifo: Option<ArrayQueue<u64>>,
    /// One memo per counter shard (see [`Flow`]).
    flows: [CachePadded<Flow>; SHARDS],
}

/// The last known-unicast decision a thread made for frames arriving on one
/// port: frames from `src` to `dst` go out of port `out`.
///
/// Each [`thread_shard`] has its own, written and read only by the thread
/// owning that shard (threads without one do not memoise), so plain relaxed
/// loads and stores suffice and nothing is shared between threads. The memo
/// holds while the MAC table's generation is still `generation` (no entry
/// moved, appeared or went since it was made: the generation is read before
/// the table is consulted) and the clock is before `until_ms`: the source's
/// entry needs no refresh yet and the destination's has not aged out. It
/// stands in for the table's learn and lookup only; the port set, VLANs and
/// rate limits are checked for every frame.
#[derive(Default)]
struct Flow {
    generation: AtomicU64,
    src: AtomicU64,
    dst: AtomicU64,
    until_ms: AtomicU64,
    out: AtomicU32,
}

#[derive(Default)]
struct PortSet {
    slots: Vec<Option<Slot>>,
    list: Vec<Arc<Port>>,
}

/// An attached port and its device, which the data path thus reaches with
/// one dependent load less than through the port.
#[derive(Clone)]
struct Slot {
    port: Arc<Port>,
    device: Arc<dyn L2Device>,
}

/// Where a frame leaves: a port and its device.
#[derive(Clone, Copy)]
struct Out<'a> {
    port: &'a Port,
    device: &'a dyn L2Device,
}

impl<'a> Out<'a> {
    #[inline(always)]
    fn of(port: &'a Port) -> Self {
        Out {
            port,
            device: &*port.device,
        }
    }
}

impl PortSet {
    #[inline]
    fn get(&self, id: u32) -> Option<&Arc<Port>> {
        self.slot(id).map(|s| &s.port)
    }

    #[inline]
    fn out(&self, id: u32) -> Option<Out<'_>> {
        self.slot(id).map(|s| Out {
            port: &s.port,
            device: &*s.device,
        })
    }

    #[inline(always)]
    fn slot(&self, id: u32) -> Option<&Slot> {
        match self.slots.get((id & 0xffff) as usize) {
            Some(Some(s)) if s.port.id.0 == id => Some(s),
            _ => None,
        }
    }
}

#[derive(Default)]
struct HubStats {
    learned: AtomicU64,
    moved: AtomicU64,
    evicted: AtomicU64,
    flooded: AtomicU64,
}

struct Admin {
    generations: Vec<u8>,
}

struct Inner {
    ports: ArcSwap<PortSet>,
    table: MacTable,
    clock: HubClock,
    aging_ms: u64,
    drops: DropCounters,
    stats: HubStats,
    admin: Mutex<Admin>,
}

/// A MAC-learning switch.
///
/// Learns which MAC is behind which port (per VLAN), forwards known unicast to
/// that port and floods broadcast, multicast and unknown unicast to the other
/// ports of the VLAN. Forwarding takes no lock: the port set is an immutable
/// snapshot that each port's handler carries (attaching and detaching install
/// a new handler in every port: O(ports)), and the MAC table a bounded array
/// of atomics (entries age out after [`L2HubConfig::aging`]; beyond
/// [`L2HubConfig::max_macs`] the oldest learned goes first). No STP: do not
/// build loops.
///
/// ```
/// use pktkit_core::{L2Device, L2Hub, PipeL2};
/// use pktkit_wire::{Frame, MacAddr};
/// use std::sync::Arc;
///
/// let hub = L2Hub::new();
/// let mac = |n| MacAddr::new(2, 0, 0, 0, 0, n);
/// let (vm1, port1) = PipeL2::pair(mac(1), mac(101));
/// let (vm2, port2) = PipeL2::pair(mac(2), mac(102));
/// let _p1 = hub.attach(Arc::new(port1)).unwrap();
/// let _p2 = hub.attach(Arc::new(port2)).unwrap();
///
/// let mut f = [0u8; 60];
/// f[..6].copy_from_slice(&mac(2).0);   // to vm2
/// f[6..12].copy_from_slice(&mac(1).0); // from vm1
/// vm1.send(Frame::parse(&f).unwrap()).unwrap();
/// assert_eq!(hub.lookup(0, mac(1)), Some(_p1.id()));
/// assert_eq!(hub.port_counters(_p2.id()).unwrap().tx_packets, 1); // out to vm2 only
/// println!("{}", hub.snapshot());
/// ```
pub struct L2Hub {
    inner: Arc<Inner>,
}

impl L2Hub {
    /// A hub with the default settings.
    pub fn new() -> Self {
        Self::with_config(L2HubConfig::default())
    }

    /// A hub with the given settings.
    pub fn with_config(config: L2HubConfig) -> Self {
        L2Hub {
            inner: Arc::new(Inner {
                ports: ArcSwap::from_pointee(PortSet::default()),
                table: MacTable::new(config.max_macs, REFRESH_MS),
                clock: HubClock::new(config.clock),
                aging_ms: config.aging.as_millis().min(u64::MAX as u128) as u64,
                drops: DropCounters::new(),
                stats: HubStats::default(),
                admin: Mutex::new(Admin {
                    generations: Vec::new(),
                }),
            }),
        }
    }

    /// Attaches `device` as a transparent port.
    pub fn attach(&self, device: Arc<dyn L2Device>) -> io::Result<PortHandle> {
        self.attach_with(device, PortConfig::default())
    }

    /// Attaches `device` as a port with `config`. The hub becomes the
    /// device's handler. Fails when [`MAX_PORTS`] are attached.
    pub fn attach_with(
        &self,
        device: Arc<dyn L2Device>,
        config: PortConfig,
    ) -> io::Result<PortHandle> {
        let mut admin = self
            .inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let cur = self.inner.ports.load_full();
        let slot = match cur.slots.iter().position(Option::is_none) {
            Some(s) => s,
            None if cur.slots.len() < MAX_PORTS => cur.slots.len(),
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    "hub has the maximum number of ports",
                ));
            }
        };
        if admin.generations.len() <= slot {
            admin.generations.resize(slot + 1, 0);
        }
        let generation = admin.generations[slot];
        admin.generations[slot] = if generation >= 254 { 0 } else { generation + 1 };
        let id = PortId((generation as u32) << 16 | slot as u32);
        let port = Arc::new(Port {
            id,
            device: device.clone(),
            vlan: config.vlan,
            counters: DeviceCounters::new(),
            rate: config.rate_limit.map(TokenBucket::new),
            fifo: config.max_macs.map(|n| ArrayQueue::new(n.max(1))),
            flows: Default::default(),
        });
        let mut next = PortSet {
            slots: cur.slots.clone(),
            list: cur.list.clone(),
        };
        if next.slots.len() <= slot {
            next.slots.resize(slot + 1, None);
        }
        next.slots[slot] = Some(Slot {
            port: port.clone(),
            device: device.clone(),
        });
        next.list.push(port);
        self.inner.publish(&mut admin, next);
        drop(admin);
        Ok(PortHandle {
            hub: Arc::downgrade(&self.inner),
            id,
        })
    }

    /// Detaches the port `id` (also what dropping its [`PortHandle`] does).
    /// Returns false if no such port is attached.
    pub fn detach(&self, id: PortId) -> bool {
        self.inner.detach(id)
    }

    /// The port behind (`vid`, `mac`), if learned and not aged out.
    /// `vid` is 0 for transparent ports.
    pub fn lookup(&self, vid: u16, mac: MacAddr) -> Option<PortId> {
        let now = self.inner.now().as_millis() as u64;
        self.inner
            .table
            .lookup(key_of(vid, mac), now, self.inner.aging_ms)
            .map(|(id, _)| id)
            .filter(|id| self.inner.ports.load().get(*id).is_some())
            .map(PortId)
    }

    /// Number of live (not aged out) MAC entries.
    pub fn mac_count(&self) -> usize {
        let now = self.inner.now().as_millis() as u64;
        self.inner.table.len(now, self.inner.aging_ms)
    }

    /// The bound on MAC entries.
    pub fn max_macs(&self) -> usize {
        self.inner.table.capacity()
    }

    /// `(vid, mac, port)` of every live entry.
    pub fn mac_entries(&self) -> Vec<(u16, MacAddr, PortId)> {
        let now = self.inner.now().as_millis() as u64;
        self.inner
            .table
            .entries()
            .into_iter()
            .filter(|e| now.saturating_sub(e.3) <= self.inner.aging_ms)
            .map(|(v, m, p, _)| (v, m, PortId(p)))
            .collect()
    }

    /// Frees every aged-out entry now; returns how many. (Lookups already
    /// ignore them; this just returns their slots early.)
    pub fn expire(&self) -> usize {
        let now = self.inner.now().as_millis() as u64;
        let aging = self.inner.aging_ms;
        self.inner
            .table
            .retain_not(|_, _, seen| now.saturating_sub(seen) > aging)
    }

    /// Number of attached ports.
    pub fn port_count(&self) -> usize {
        self.inner.ports.load().list.len()
    }

    /// The counters of port `id`: rx = frames the port brought in, tx = frames
    /// the hub sent out of it.
    pub fn port_counters(&self, id: PortId) -> Option<CounterSnapshot> {
        self.inner
            .ports
            .load()
            .get(id.0)
            .map(|p| p.counters.snapshot())
    }

    /// Drops per reason, hub-wide.
    pub fn drops(&self) -> DropSnapshot {
        self.inner.drops.snapshot()
    }

    /// Everything countable about the hub at once.
    pub fn snapshot(&self) -> L2HubSnapshot {
        let ports = self.inner.ports.load();
        let s = &self.inner.stats;
        L2HubSnapshot {
            ports: ports
                .list
                .iter()
                .map(|p| (p.id, p.counters.snapshot()))
                .collect(),
            macs: self.mac_count(),
            learned: s.learned.load(Relaxed),
            moved: s.moved.load(Relaxed),
            evicted: s.evicted.load(Relaxed),
            flooded: s.flooded.load(Relaxed),
            drops: self.drops(),
        }
    }
}

impl Default for L2Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for L2Hub {
    fn drop(&mut self) {
        // Ports' handlers hold the hub and its port set: detaching every port
        // at once breaks the cycles with one empty set, not one per port.
        let mut admin = self
            .inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let ports = self.inner.ports.load_full();
        self.inner.publish(&mut admin, PortSet::default());
        for port in &ports.list {
            port.device.set_handler(Arc::new(|_: &Frame| Ok(())));
        }
    }
}

impl fmt::Debug for L2Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("L2Hub")
            .field("ports", &self.port_count())
            .field("macs", &self.mac_count())
            .finish()
    }
}

impl L2Connector for L2Hub {
    fn connect_l2(&self, device: Arc<dyn L2Device>) -> io::Result<Attachment> {
        let h = self.attach(device)?;
        Ok(Attachment::new(move || drop(h)))
    }
}

/// A port's hold on its hub: dropping it (or [`PortHandle::detach`]) detaches the port.
#[must_use = "dropping a PortHandle detaches the port"]
#[derive(Debug)]
pub struct PortHandle {
    hub: Weak<Inner>,
    id: PortId,
}

impl PortHandle {
    /// The port's id.
    pub fn id(&self) -> PortId {
        self.id
    }

    /// The port's counters (`None` once detached).
    pub fn counters(&self) -> Option<CounterSnapshot> {
        let hub = self.hub.upgrade()?;
        let ports = hub.ports.load();
        ports.get(self.id.0).map(|p| p.counters.snapshot())
    }

    /// Detaches the port now.
    pub fn detach(self) {
        drop(self)
    }

    /// Keeps the port attached for the life of the hub.
    pub fn keep(self) {
        std::mem::forget(self)
    }
}

impl Drop for PortHandle {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.detach(self.id);
        }
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("L2Hub")
    }
}

/// Counters of a whole [`L2Hub`]; `Display` prints one line per port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L2HubSnapshot {
    /// Per-port counters.
    pub ports: Vec<(PortId, CounterSnapshot)>,
    /// Live MAC entries.
    pub macs: usize,
    /// New MAC entries learned.
    pub learned: u64,
    /// MACs seen moving to another port.
    pub moved: u64,
    /// Entries evicted to respect a bound.
    pub evicted: u64,
    /// Frames flooded (broadcast, multicast, unknown unicast).
    pub flooded: u64,
    /// Drops per reason.
    pub drops: DropSnapshot,
}

impl fmt::Display for L2HubSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "l2hub: {} ports, {} macs (learned {}, moved {}, evicted {}), {} flooded, drops: {}",
            self.ports.len(),
            self.macs,
            self.learned,
            self.moved,
            self.evicted,
            self.flooded,
            self.drops
        )?;
        for (id, c) in &self.ports {
            writeln!(f, "  {id}: {c}")?;
        }
        Ok(())
    }
}

/// The group (multicast) bit of a MAC address held in the low 48 bits of a `u64`.
const GROUP_BIT: u64 = 1 << 40;

/// What the hub reads of a frame's header, in one pass over its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header {
    /// Destination MAC, in the low 48 bits (as [`MacAddr::to_u64`]).
    dst: u64,
    /// Source MAC, likewise.
    src: u64,
    /// The VID of the outer 802.1Q / 802.1ad tag, if tagged.
    tag: Option<u16>,
}

impl Header {
    /// Reads `b`, the bytes of a [`Frame`] (so at least 14 bytes, and 18 if
    /// tagged: `None` only if that does not hold).
    #[inline(always)]
    fn read(b: &[u8]) -> Option<Header> {
        let h: &[u8; ETHERNET_HEADER_LEN] = b.first_chunk()?;
        let [d0, d1, d2, d3, d4, d5, s0, s1, s2, s3, s4, s5, t0, t1] = *h;
        let dst = u64::from_be_bytes([0, 0, d0, d1, d2, d3, d4, d5]);
        let src = u64::from_be_bytes([0, 0, s0, s1, s2, s3, s4, s5]);
        let tag = if EtherType(u16::from_be_bytes([t0, t1])).is_vlan_tag() {
            let &[_, _, c0, c1] = b.get(12..)?.first_chunk::<VLAN_TAG_LEN>()?;
            Some(u16::from_be_bytes([c0, c1]) & 0x0fff)
        } else {
            None
        };
        Some(Header { dst, src, tag })
    }
}

/// A frame rebuilt with a tag pushed or popped (inline up to a full 1522-byte frame).
type Rebuilt = SmallVec<[u8; 1536]>;

impl Inner {
    /// Time since the hub was made.
    #[inline]
    fn now(&self) -> Duration {
        Duration::from_nanos(self.clock.elapsed().ns)
    }

    fn detach(self: &Arc<Self>, id: PortId) -> bool {
        let mut admin = self.admin.lock().unwrap_or_else(PoisonError::into_inner);
        let cur = self.ports.load_full();
        let Some(port) = cur.get(id.0).cloned() else {
            return false;
        };
        let mut next = PortSet {
            slots: cur.slots.clone(),
            list: cur.list.iter().filter(|p| p.id != id).cloned().collect(),
        };
        next.slots[id.slot()] = None;
        self.publish(&mut admin, next);
        port.device.set_handler(Arc::new(|_: &Frame| Ok(())));
        drop(admin);
        self.table.retain_not(|_, p, _| p == id.0);
        true
    }

    /// Makes `next` the port set: stores it for the control path and gives
    /// every port's device a handler that forwards with it. So the data path
    /// loads no snapshot: each frame's handler call carries the set its
    /// device was given, and an old set goes when the devices drop their old
    /// handlers. Called with the admin lock held (`_admin`), so that handlers
    /// are installed in the order the sets are made.
    fn publish(self: &Arc<Self>, _admin: &mut Admin, next: PortSet) {
        let next = Arc::new(next);
        self.ports.store(next.clone());
        for port in &next.list {
            let (inner, ingress, ports) = (self.clone(), port.clone(), next.clone());
            port.device.set_handler(Arc::new(move |f: &Frame| {
                inner.forward(&ingress, &ports, f);
                Ok(())
            }));
        }
    }

    #[cold]
    #[inline(never)]
    fn drop_rx(&self, port: &Port, reason: DropReason) {
        port.counters.record_rx_drop();
        self.drops.record(reason);
    }

    /// The data path: one frame arriving on `ingress`, forwarded among `ports`.
    #[inline]
    fn forward(&self, ingress: &Port, ports: &PortSet, frame: &Frame) {
        // This thread's counter shard, asked once for every update below.
        // Threads that own none yet take a path of their own, out of line,
        // so that this one knows it has a shard.
        match owned_shard() {
            Some(shard) => self.forward_on::<true>(ingress, ports, frame, Some(shard)),
            None => self.forward_unsharded(ingress, ports, frame),
        }
    }

    /// [`Inner::forward`] for a thread without a counter shard yet: it
    /// claims one if any is free, else counts on the shared one.
    #[cold]
    #[inline(never)]
    fn forward_unsharded(&self, ingress: &Port, ports: &PortSet, frame: &Frame) {
        self.forward_on::<false>(ingress, ports, frame, thread_shard());
    }

    /// Generic only so that each caller has its own copy.
    #[inline(always)]
    fn forward_on<const SHARDED: bool>(
        &self,
        ingress: &Port,
        ports: &PortSet,
        frame: &Frame,
        shard: Option<ShardId>,
    ) {
        let b = frame.as_bytes();
        let len = b.len();
        ingress.counters.record_rx_on(shard, len);
        let now = self.clock.elapsed();
        let Some(h) = Header::read(b) else {
            return self.drop_rx(ingress, DropReason::Malformed);
        };
        if let Some(rate) = &ingress.rate
            && !rate.admit(now.ns, len)
        {
            return self.drop_rx(ingress, DropReason::RateLimited);
        }
        let Some(vid) = ingress.vlan.ingress_vid(h.tag) else {
            return self.drop_rx(ingress, DropReason::VlanFiltered);
        };
        if h.src & GROUP_BIT != 0 {
            return self.drop_rx(ingress, DropReason::BadSource);
        }
        let now_ms = now.ms;
        let src = key_of_raw(vid, h.src);
        let dst = key_of_raw(vid, h.dst);
        let tagged = h.tag.is_some();
        // Read before the table is: see `Flow`.
        let generation = self.table.generation();
        let unicast = h.dst & GROUP_BIT == 0;
        let flow = match unicast {
            true => shard.map(|i| &ingress.flows[i.get()]),
            false => None,
        };
        let memo = flow
            .filter(|flow| {
                flow.generation.load(Relaxed) == generation
                    && flow.src.load(Relaxed) == src
                    && flow.dst.load(Relaxed) == dst
                    && now_ms < flow.until_ms.load(Relaxed)
            })
            .map(|flow| flow.out.load(Relaxed));
        if let Some(out) = memo
            && let Some(out) = ports.out(out)
            && let Some(how) = out.port.vlan.egress(vid)
        {
            return self.emit(out, frame, tagged, vid, how, shard);
        }

        let src_seen = self.learn(ingress, src, now_ms);
        if unicast && let Some((pid, dst_seen)) = self.table.lookup(dst, now_ms, self.aging_ms) {
            if pid == ingress.id.0 {
                return self.drop_rx(ingress, DropReason::SamePort);
            }
            if let Some(out) = ports.out(pid)
                && let Some(how) = out.port.vlan.egress(vid)
            {
                if let (Some(flow), Some(src_seen)) = (flow, src_seen) {
                    let until = src_seen
                        .saturating_add(self.table.refresh_ms())
                        .min(dst_seen.saturating_add(self.aging_ms).saturating_add(1));
                    flow.generation.store(generation, Relaxed);
                    flow.src.store(src, Relaxed);
                    flow.dst.store(dst, Relaxed);
                    flow.until_ms.store(until, Relaxed);
                    flow.out.store(pid, Relaxed);
                }
                return self.emit(out, frame, tagged, vid, how, shard);
            }
        }
        self.flood(ports, ingress, frame, tagged, vid, shard);
    }

    /// Sends `frame` out of every port of VLAN `vid` but `ingress`.
    fn flood(
        &self,
        ports: &PortSet,
        ingress: &Port,
        frame: &Frame,
        tagged: bool,
        vid: u16,
        shard: Option<ShardId>,
    ) {
        self.stats.flooded.fetch_add(1, Relaxed);
        for out in ports.list.iter() {
            if out.id == ingress.id {
                continue;
            }
            if let Some(how) = out.vlan.egress(vid) {
                self.emit(Out::of(out), frame, tagged, vid, how, shard);
            }
        }
    }

    /// Learns that `key` (a source) is behind `ingress`; returns the entry's
    /// last-seen time if it now stands on `ingress`.
    #[inline(always)]
    fn learn(&self, ingress: &Port, key: u64, now_ms: u64) -> Option<u64> {
        let stats = &self.stats;
        let mut on_evict = |_k: u64, _p: u32| {
            stats.evicted.fetch_add(1, Relaxed);
        };
        match self
            .table
            .learn(key, ingress.id.0, now_ms, self.aging_ms, &mut on_evict)
        {
            Learned::Known { seen } => return Some(seen),
            Learned::Refreshed => return Some(now_ms),
            Learned::Raced | Learned::Refused => return None,
            Learned::New => stats.learned.fetch_add(1, Relaxed),
            Learned::Moved(_) => stats.moved.fetch_add(1, Relaxed),
        };
        if let Some(fifo) = &ingress.fifo {
            while fifo.push(key).is_err() {
                if let Some(old) = fifo.pop()
                    && self.table.remove(old, Some(ingress.id.0)).is_some()
                {
                    stats.evicted.fetch_add(1, Relaxed);
                }
            }
        }
        Some(now_ms)
    }

    /// Sends `frame` (of hub VLAN `vid`, `tagged` on arrival) out of `out`,
    /// in the shape `how`; `shard` is this thread's [`thread_shard`].
    #[inline(always)]
    fn emit(
        &self,
        out: Out<'_>,
        frame: &Frame,
        tagged: bool,
        vid: u16,
        how: Egress,
        shard: Option<ShardId>,
    ) {
        match (how, tagged) {
            (Egress::AsIs, _) | (Egress::Untagged, false) | (Egress::Tagged, true) => {
                self.send(out, frame, shard)
            }
            (Egress::Untagged, true) => self.emit_rebuilt(out, frame, None, shard),
            (Egress::Tagged, false) => self.emit_rebuilt(out, frame, Some(vid), shard),
        }
    }

    /// Sends `frame` with its outer tag popped (`push` = `None`) or a tag of
    /// VID `push` pushed.
    #[cold]
    fn emit_rebuilt(&self, out: Out<'_>, frame: &Frame, push: Option<u16>, shard: Option<ShardId>) {
        let b = frame.as_bytes();
        let mut v = Rebuilt::new();
        v.extend_from_slice(&b[..12]);
        match push {
            Some(vid) => {
                v.extend_from_slice(&EtherType::VLAN.0.to_be_bytes());
                v.extend_from_slice(&(vid & 0x0fff).to_be_bytes());
                v.extend_from_slice(&b[12..]);
            }
            None => v.extend_from_slice(&b[12 + VLAN_TAG_LEN..]),
        }
        match Frame::parse(&v) {
            Ok(f) => self.send(out, f, shard),
            Err(_) => {
                // Popping the only tag of a frame cut right after it: nothing left to send.
                out.port.counters.record_tx_drop();
                self.drops.record(DropReason::Malformed);
            }
        }
    }

    #[inline(always)]
    fn send(&self, out: Out<'_>, frame: &Frame, shard: Option<ShardId>) {
        match out.device.send(frame) {
            Ok(()) => out.port.counters.record_tx_on(shard, frame.len()),
            Err(e) => self.send_failed(out.port, e),
        }
    }

    #[cold]
    #[inline(never)]
    fn send_failed(&self, out: &Port, _error: io::Error) {
        out.counters.record_tx_drop();
        self.drops.record(DropReason::SendFailed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_read_agrees_with_frame_accessors() {
        let dst = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
        let src = [0x52, 0x54, 0x00, 0xab, 0xcd, 0xef];
        let mut untagged = [0u8; 60];
        untagged[..6].copy_from_slice(&dst);
        untagged[6..12].copy_from_slice(&src);
        untagged[12..14].copy_from_slice(&[0x08, 0x00]);
        // 802.1Q with PCP/DEI set (they must not leak into the VID), and
        // QinQ (802.1ad outer, 802.1Q inner): only the outer VID counts.
        let mut dot1q = untagged;
        dot1q[12..18].copy_from_slice(&[0x81, 0x00, 0xb0, 0x2a, 0x08, 0x06]);
        let mut qinq = untagged;
        qinq[12..22].copy_from_slice(&[0x88, 0xa8, 0x0f, 0xfe, 0x81, 0x00, 0x00, 0x07, 0x08, 0x00]);
        let mut mcast = untagged;
        mcast[..6].copy_from_slice(&[0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]);
        mcast[6] = 0x03;
        for bytes in [
            &untagged[..],
            &dot1q[..],
            &qinq[..],
            &mcast[..],
            &untagged[..14],
        ] {
            let f = Frame::parse(bytes).unwrap();
            let h = Header::read(f.as_bytes()).unwrap();
            assert_eq!(h.dst, f.dst().to_u64());
            assert_eq!(h.src, f.src().to_u64());
            assert_eq!(h.tag, f.vlan_id());
            assert_eq!(h.dst & GROUP_BIT != 0, f.dst().is_multicast());
            assert_eq!(h.src & GROUP_BIT != 0, f.src().is_multicast());
        }
        assert_eq!(Header::read(&dot1q[..42]).unwrap().tag, Some(0x02a));
        assert_eq!(Header::read(&qinq[..]).unwrap().tag, Some(0xffe));
        assert_eq!(Header::read(&untagged[..13]), None);
        assert_eq!(Header::read(&dot1q[..15]), None, "tag cut short");
    }

    #[test]
    fn port_ids_reuse_slots_with_new_generations() {
        let hub = L2Hub::new();
        let (_a, b) = crate::PipeL2::pair(MacAddr::ZERO, MacAddr::ZERO);
        let b = Arc::new(b);
        let h1 = hub.attach(b.clone()).unwrap();
        let id1 = h1.id();
        drop(h1);
        let h2 = hub.attach(b).unwrap();
        assert_eq!(h2.id().slot(), id1.slot());
        assert_ne!(h2.id(), id1);
        assert_eq!(hub.port_count(), 1);
    }
}
