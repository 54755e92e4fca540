//! [`L3Hub`]: an IPv4/IPv6 router between [`L3Device`]s.
//!
//! Each packet goes out of the port of the longest prefix that contains its
//! destination, with its TTL / hop limit decremented (the IPv4 checksum is
//! updated incrementally, RFC 1624). No route or an expiring TTL: dropped and
//! counted. The routing table is compiled into an immutable multibit trie
//! (`lpm`), and each new table is handed to every port's device inside a new
//! handler (`Inner::rebuild`): forwarding (`Routes::forward`) takes no lock
//! and loads no table, it runs on the one its handler call carries, which
//! also holds the hub's drop counters. Each forwarding thread keeps a
//! scratch buffer the routed copy is made in (`SMALL_SCRATCH`), and no table: a
//! detached port is released at once. Each port
//! remembers, per thread, the last destination looked up and its hop in the
//! numbered table it came from (`RouteMemo`), so a flow's packets skip the
//! trie while the table stands.
//! Not here: ICMP errors, fragmentation, ARP (see the `L2Adapter`).

mod lpm;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use arc_swap::ArcSwap;
use crossbeam_utils::CachePadded;
use pktkit_wire::{IpPrefix, Packet};
use smallvec::SmallVec;

use self::lpm::Lpm;
use crate::counters::{SHARDS, ShardId, owned_shard, thread_shard};
use crate::{
    Attachment, CounterSnapshot, DeviceCounters, DropCounters, DropReason, DropSnapshot,
    L3Connector, L3Device, PortId,
};

struct Port {
    id: PortId,
    device: Arc<dyn L3Device>,
    counters: DeviceCounters,
    /// One memo per counter shard (see [`RouteMemo`]).
    memos: [CachePadded<RouteMemo>; SHARDS],
}

/// The last route a thread looked up for packets arriving on one port: the
/// destination `key` goes out of hop `hop` of table `table`.
///
/// Each [`thread_shard`] has its own, written and read only by the thread
/// owning that shard (threads without one do not memoise), so relaxed loads
/// and stores suffice. It holds only for the table it was made from (tables
/// are numbered, never reused), and it names a hop of that table, not a port:
/// it keeps nothing alive. A hit skips the trie's dependent loads.
#[derive(Default)]
struct RouteMemo {
    /// `Routes::number`, shifted left by one, with bit 0 set for IPv6.
    table: AtomicU64,
    /// The destination: an IPv4 address in `lo`, or an IPv6 one in both.
    hi: AtomicU64,
    lo: AtomicU64,
    hop: AtomicU32,
}

/// A destination as a [`RouteMemo`] key.
#[derive(Clone, Copy, PartialEq, Eq)]
struct DstKey {
    v6: bool,
    hi: u64,
    lo: u64,
}

impl DstKey {
    /// The destination of a (validated) packet.
    #[inline(always)]
    fn of(packet: &Packet) -> DstKey {
        let b = packet.as_bytes();
        let word = |at: usize| {
            b.get(at..at + 8)
                .and_then(|w| w.try_into().ok())
                .map_or(0, u64::from_be_bytes)
        };
        // The same test as `Packet::forward_into`'s (a packet is IPv4 or
        // IPv6), so that the compiler makes it once for both.
        match b.first().is_some_and(|v| v >> 4 == 4) {
            true => DstKey {
                v6: false,
                hi: 0,
                lo: b
                    .get(16..20)
                    .and_then(|w| w.try_into().ok())
                    .map_or(0, u32::from_be_bytes)
                    .into(),
            },
            false => DstKey {
                v6: true,
                hi: word(24),
                lo: word(32),
            },
        }
    }
}

/// A [`RouteMemo`]'s fields, read at once.
#[derive(Clone, Copy)]
struct MemoSeen {
    table: u64,
    hi: u64,
    lo: u64,
    hop: u32,
}

impl MemoSeen {
    /// The memoised hop, if the memo is for `key` in table `number`.
    #[inline(always)]
    fn hop_for(self, number: u64, key: DstKey) -> Option<u32> {
        (self.table == number << 1 | u64::from(key.v6) && self.lo == key.lo && self.hi == key.hi)
            .then_some(self.hop)
    }
}

impl RouteMemo {
    #[inline(always)]
    fn seen(&self) -> MemoSeen {
        MemoSeen {
            table: self.table.load(Relaxed),
            hi: self.hi.load(Relaxed),
            lo: self.lo.load(Relaxed),
            hop: self.hop.load(Relaxed),
        }
    }

    #[inline(always)]
    fn write(&self, number: u64, key: DstKey, hop: u32) {
        self.table.store(number << 1 | u64::from(key.v6), Relaxed);
        self.hi.store(key.hi, Relaxed);
        self.lo.store(key.lo, Relaxed);
        self.hop.store(hop, Relaxed);
    }
}

/// A hop: the port and its device, which the data path thus reaches with one
/// dependent load less than through the port.
struct Hop {
    port: Arc<Port>,
    device: Arc<dyn L3Device>,
}

/// One compiled routing table: tries for both families and the ports their hops name.
struct Routes {
    /// Unique among this hub's tables (the memos' key); 0 is the empty
    /// table every hub starts with, which has no hops to memoise.
    number: u64,
    v4: Lpm,
    v6: Lpm,
    /// Hop `i` (≥ 1) is `hops[i - 1]`.
    hops: Vec<Hop>,
    /// The hub's drop counters (each table shares them).
    drops: Arc<DropCounters>,
}

impl Routes {
    /// The table every hub starts with: no routes, no hops.
    fn empty(drops: Arc<DropCounters>) -> Routes {
        Routes {
            number: 0,
            v4: Lpm::default(),
            v6: Lpm::default(),
            hops: Vec::new(),
            drops,
        }
    }

    #[inline]
    fn route(&self, dst: IpAddr) -> Option<&Hop> {
        let hop = match dst {
            IpAddr::V4(a) => self.v4.lookup_v4(u32::from(a)),
            IpAddr::V6(a) => self.v6.lookup_aligned(u128::from(a)),
        };
        self.hop(hop)
    }

    /// The hop number (0: none) for a destination key.
    #[inline]
    fn lookup(&self, key: DstKey) -> u32 {
        match key.v6 {
            false => self.v4.lookup_v4(key.lo as u32),
            true => self
                .v6
                .lookup_aligned(u128::from(key.hi) << 64 | u128::from(key.lo)),
        }
    }

    #[inline]
    fn hop(&self, hop: u32) -> Option<&Hop> {
        self.hops.get((hop as usize).checked_sub(1)?)
    }
}

#[derive(Default)]
struct Admin {
    ports: Vec<Arc<Port>>,
    routes: Vec<(IpPrefix, PortId)>,
    next_id: u32,
    /// The last table's [`Routes::number`].
    tables: u64,
}

struct Inner {
    table: ArcSwap<Routes>,
    admin: Mutex<Admin>,
    drops: Arc<DropCounters>,
}

/// An IPv4/IPv6 router: longest-prefix match over a compiled multibit trie
/// that each port's handler carries (no lock and no shared load on the data
/// path), TTL / hop limit decremented (IPv4 checksum updated incrementally),
/// no route or an expiring TTL dropped and counted. Route changes, attaching
/// and detaching rebuild the table and install a new handler in every port:
/// O(routes + ports).
///
/// Detaching a port releases it (and its device) as soon as forwards already
/// using it return: no thread keeps an old table.
///
/// ```
/// use pktkit_core::{L3Device, L3Hub, PipeL3};
/// use pktkit_wire::{IpPrefix, Packet};
/// use std::sync::Arc;
///
/// let p = |s: &str| s.parse::<IpPrefix>().unwrap();
/// let hub = L3Hub::new();
/// let (lan, lan_port) = PipeL3::pair(&[p("10.0.0.2/24")], &[p("10.0.0.1/24")]);
/// let (wan, wan_port) = PipeL3::pair(&[], &[]);
/// let _lan = hub.attach(Arc::new(lan_port)).unwrap();      // route 10.0.0.0/24 from its address
/// let wan_h = hub.attach(Arc::new(wan_port)).unwrap();
/// hub.add_route(p("0.0.0.0/0"), wan_h.id()).unwrap();     // default route
/// assert_eq!(hub.route("8.8.8.8".parse().unwrap()), Some(wan_h.id()));
/// assert_eq!(hub.route("10.0.0.7".parse().unwrap()), Some(_lan.id()));
/// ```
pub struct L3Hub {
    inner: Arc<Inner>,
}

impl L3Hub {
    /// A router with no ports and no routes.
    pub fn new() -> Self {
        let drops = Arc::new(DropCounters::new());
        L3Hub {
            inner: Arc::new(Inner {
                table: ArcSwap::from_pointee(Routes::empty(drops.clone())),
                admin: Mutex::new(Admin::default()),
                drops,
            }),
        }
    }

    /// Attaches `device` and adds a route to the network of each of its
    /// addresses ([`L3Device::addrs`]) through it.
    pub fn attach(&self, device: Arc<dyn L3Device>) -> io::Result<L3PortHandle> {
        let nets: Vec<IpPrefix> = device.addrs().iter().map(IpPrefix::network).collect();
        self.attach_with_routes(device, &nets)
    }

    /// Attaches `device` with the given routes through it (and no others).
    pub fn attach_with_routes(
        &self,
        device: Arc<dyn L3Device>,
        routes: &[IpPrefix],
    ) -> io::Result<L3PortHandle> {
        let port = {
            let mut admin = self
                .inner
                .admin
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let id = PortId(admin.next_id);
            admin.next_id = admin.next_id.wrapping_add(1);
            let port = Arc::new(Port {
                id,
                device: device.clone(),
                counters: DeviceCounters::new(),
                memos: Default::default(),
            });
            admin.ports.push(port.clone());
            for r in routes {
                admin.routes.push((r.network(), id));
            }
            self.inner.rebuild(&mut admin);
            port
        };
        let id = port.id;
        Ok(L3PortHandle {
            hub: Arc::downgrade(&self.inner),
            id,
        })
    }

    /// Routes `prefix` through port `via` (replacing an equal prefix's route).
    pub fn add_route(&self, prefix: IpPrefix, via: PortId) -> io::Result<()> {
        self.add_routes(&[(prefix, via)])
    }

    /// Adds many routes with one table rebuild.
    pub fn add_routes(&self, routes: &[(IpPrefix, PortId)]) -> io::Result<()> {
        let mut admin = self
            .inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Check every port first: an error changes nothing.
        let ports: HashSet<PortId> = admin.ports.iter().map(|p| p.id).collect();
        if let Some((_, via)) = routes.iter().find(|(_, via)| !ports.contains(via)) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no port {via} on this hub"),
            ));
        }
        // One pass, not one per route: the last route for a prefix wins.
        let mut new: HashMap<IpPrefix, PortId> = HashMap::with_capacity(routes.len());
        for (prefix, via) in routes {
            new.insert(prefix.network(), *via);
        }
        admin.routes.retain(|(p, _)| !new.contains_key(p));
        for (prefix, _) in routes {
            if let Some(via) = new.remove(&prefix.network()) {
                admin.routes.push((prefix.network(), via));
            }
        }
        self.inner.rebuild(&mut admin);
        Ok(())
    }

    /// Routes everything without a more specific route (IPv4 and IPv6) through `via`.
    pub fn set_default_route(&self, via: PortId) -> io::Result<()> {
        let v4 = IpPrefix::new(IpAddr::from([0u8; 4]), 0).map_err(io::Error::other)?;
        let v6 = IpPrefix::new(IpAddr::from([0u8; 16]), 0).map_err(io::Error::other)?;
        self.add_routes(&[(v4, via), (v6, via)])
    }

    /// Removes the route of exactly `prefix`; false if there was none.
    pub fn remove_route(&self, prefix: IpPrefix) -> bool {
        let mut admin = self
            .inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let net = prefix.network();
        let before = admin.routes.len();
        admin.routes.retain(|(p, _)| *p != net);
        let removed = admin.routes.len() != before;
        if removed {
            self.inner.rebuild(&mut admin);
        }
        removed
    }

    /// The port a packet to `dst` would leave by.
    pub fn route(&self, dst: IpAddr) -> Option<PortId> {
        self.inner.table.load().route(dst).map(|h| h.port.id)
    }

    /// The configured routes.
    pub fn routes(&self) -> Vec<(IpPrefix, PortId)> {
        self.inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .routes
            .clone()
    }

    /// Detaches port `id` and removes its routes; false if no such port.
    pub fn detach(&self, id: PortId) -> bool {
        self.inner.detach(id)
    }

    /// Number of attached ports.
    pub fn port_count(&self) -> usize {
        self.inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ports
            .len()
    }

    /// Drops per reason.
    pub fn drops(&self) -> DropSnapshot {
        self.inner.drops.snapshot()
    }

    /// The counters of port `id`.
    pub fn port_counters(&self, id: PortId) -> Option<CounterSnapshot> {
        let admin = self
            .inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        admin
            .ports
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.counters.snapshot())
    }

    /// Everything countable about the router at once.
    pub fn snapshot(&self) -> L3HubSnapshot {
        let admin = self
            .inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let table = self.inner.table.load();
        L3HubSnapshot {
            ports: admin
                .ports
                .iter()
                .map(|p| (p.id, p.counters.snapshot()))
                .collect(),
            routes: admin.routes.len(),
            table_bytes: table.v4.memory() + table.v6.memory(),
            drops: self.inner.drops.snapshot(),
        }
    }
}

impl Default for L3Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for L3Hub {
    fn drop(&mut self) {
        // Ports' handlers hold the hub and its table: detaching every port
        // at once breaks the cycles with one rebuild, not one per port.
        let mut admin = self
            .inner
            .admin
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let ports = std::mem::take(&mut admin.ports);
        admin.routes.clear();
        self.inner.rebuild(&mut admin);
        for port in ports {
            port.device.set_handler(Arc::new(|_: &Packet| Ok(())));
        }
    }
}

impl fmt::Debug for L3Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("L3Hub")
            .field("ports", &self.port_count())
            .field("routes", &self.routes().len())
            .finish()
    }
}

impl L3Connector for L3Hub {
    fn connect_l3(&self, device: Arc<dyn L3Device>) -> io::Result<Attachment> {
        let h = self.attach(device)?;
        Ok(Attachment::new(move || drop(h)))
    }
}

/// A port's hold on its router: dropping it detaches the port and its routes.
#[must_use = "dropping an L3PortHandle detaches the port"]
#[derive(Debug)]
pub struct L3PortHandle {
    hub: Weak<Inner>,
    id: PortId,
}

impl L3PortHandle {
    /// The port's id.
    pub fn id(&self) -> PortId {
        self.id
    }

    /// Keeps the port attached for the life of the router.
    pub fn keep(self) {
        std::mem::forget(self)
    }
}

impl Drop for L3PortHandle {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.detach(self.id);
        }
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("L3Hub")
    }
}

/// Counters of a whole [`L3Hub`]; `Display` prints one line per port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L3HubSnapshot {
    /// Per-port counters (rx: packets in from the port, tx: routed out of it).
    pub ports: Vec<(PortId, CounterSnapshot)>,
    /// Number of routes.
    pub routes: usize,
    /// Memory of the compiled table.
    pub table_bytes: usize,
    /// Drops per reason.
    pub drops: DropSnapshot,
}

impl fmt::Display for L3HubSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "l3hub: {} ports, {} routes ({} KiB), drops: {}",
            self.ports.len(),
            self.routes,
            self.table_bytes / 1024,
            self.drops
        )?;
        for (id, c) in &self.ports {
            writeln!(f, "  {id}: {c}")?;
        }
        Ok(())
    }
}

/// A routed packet's copy when this thread's scratch buffer is in use (a hub
/// forwarding into a device that synchronously feeds another hub).
type NestedCopy = SmallVec<[u8; 2048]>;

/// Packets up to this long (a full-size Ethernet packet fits) are copied
/// into `SMALL_SCRATCH`, longer ones into `LARGE_SCRATCH`.
const SMALL: usize = 2048;

// What a forwarding thread keeps between packets: the buffers routed copies
// are made in (the TTL changes; the received packet is borrowed read-only),
// so no allocation per packet. They name no table and no port, so a
// detached port is released as soon as forwards that were using it return.
//
// (Why tables travel in handlers rather than being cached per thread: a
// per-thread cached table, `arc_swap::cache::Cache`, would keep an old table
// and the devices it names alive in every thread that forwarded through the
// hub until that thread forwards again. A TUN's own idle reader thread would
// then keep the detached TUN open for good. A handler is replaced in the
// device itself, whichever thread calls it.)
thread_local! {
    /// An array, which has no destructor: using it checks no thread-local state.
    static SMALL_SCRATCH: RefCell<[u8; SMALL]> = const { RefCell::new([0; SMALL]) };
    /// Grown to the longest packet seen, never shrunk.
    static LARGE_SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Inner {
    /// Compiles the routes into a new table, stores it for the control path
    /// and gives every port's device a handler that forwards with it. So the
    /// data path loads no table: each packet's handler call carries the table
    /// its device was given, and an old table goes when the devices drop
    /// their old handlers. The caller holds the admin lock, so handlers are
    /// installed in the order tables are made.
    fn rebuild(self: &Arc<Self>, admin: &mut Admin) {
        admin.tables += 1;
        let hops: Vec<Hop> = (admin.ports.iter())
            .map(|p| Hop {
                port: p.clone(),
                device: p.device.clone(),
            })
            .collect();
        let index: HashMap<PortId, u32> = (1..).zip(&hops).map(|(i, h)| (h.port.id, i)).collect();
        let hop_of = |id: PortId| index.get(&id).copied();
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for (prefix, via) in &admin.routes {
            let Some(hop) = hop_of(*via) else { continue };
            match prefix.addr() {
                IpAddr::V4(a) => v4.push((u32::from(a) as u128, prefix.len(), hop)),
                IpAddr::V6(a) => v6.push((u128::from(a), prefix.len(), hop)),
            }
        }
        let table = Arc::new(Routes {
            number: admin.tables,
            v4: Lpm::build(32, &v4),
            v6: Lpm::build(128, &v6),
            hops,
            drops: self.drops.clone(),
        });
        self.table.store(table.clone());
        for port in &admin.ports {
            let (ingress, table) = (port.clone(), table.clone());
            port.device.set_handler(Arc::new(move |p: &Packet| {
                table.forward(&ingress, p);
                Ok(())
            }));
        }
    }

    fn detach(self: &Arc<Self>, id: PortId) -> bool {
        let mut admin = self.admin.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(i) = admin.ports.iter().position(|p| p.id == id) else {
            return false;
        };
        let port = admin.ports.remove(i);
        admin.routes.retain(|(_, via)| *via != id);
        self.rebuild(&mut admin);
        port.device.set_handler(Arc::new(|_: &Packet| Ok(())));
        true
    }
}

/// The data path, on the table a packet's handler call carries.
impl Routes {
    /// The data path: one packet arriving on `ingress`.
    #[inline]
    fn forward(&self, ingress: &Port, packet: &Packet) {
        // This thread's counter shard, asked once for every update below.
        // Threads that own none yet take a path of their own, out of line,
        // so that this one knows it has a shard.
        match owned_shard() {
            Some(shard) => self.forward_on::<true>(ingress, packet, Some(shard)),
            None => self.forward_unsharded(ingress, packet),
        }
    }

    /// [`Routes::forward`] for a thread without a counter shard yet: it
    /// claims one if any is free, else counts on the shared one.
    #[cold]
    #[inline(never)]
    fn forward_unsharded(&self, ingress: &Port, packet: &Packet) {
        self.forward_on::<false>(ingress, packet, thread_shard());
    }

    /// Generic only so that each caller has its own copy (and its own
    /// thread-local accessors, which the compiler then inlines).
    #[inline(always)]
    fn forward_on<const SHARDED: bool>(
        &self,
        ingress: &Port,
        packet: &Packet,
        shard: Option<ShardId>,
    ) {
        let bytes = packet.as_bytes();
        ingress.counters.record_rx_on(shard, bytes.len());
        // A scratch buffer is unavailable when it is in use (a hub feeding
        // another on this thread) or already destroyed (a packet sent from a
        // thread-local's destructor).
        let sent = if bytes.len() <= SMALL {
            SMALL_SCRATCH.try_with(|s| {
                let Ok(mut s) = s.try_borrow_mut() else {
                    return false;
                };
                self.route_and_send(ingress, packet, &mut s[..], shard);
                true
            })
        } else {
            LARGE_SCRATCH.try_with(|s| {
                let Ok(mut s) = s.try_borrow_mut() else {
                    return false;
                };
                if s.len() < bytes.len() {
                    s.resize(bytes.len(), 0);
                }
                self.route_and_send(ingress, packet, &mut s, shard);
                true
            })
        };
        if sent != Ok(true) {
            self.forward_nested(ingress, packet, shard);
        }
    }

    /// [`Routes::forward`] without this thread's scratch buffer (in use or destroyed).
    #[cold]
    #[inline(never)]
    fn forward_nested(&self, ingress: &Port, packet: &Packet, shard: Option<ShardId>) {
        let mut copy = NestedCopy::from_elem(0, packet.as_bytes().len());
        self.route_and_send(ingress, packet, &mut copy, shard);
    }

    /// Routes `packet` and sends the next hop's copy (made in `buf`, at least
    /// as long as the packet) or drops and counts it.
    #[inline(always)]
    fn route_and_send(
        &self,
        ingress: &Port,
        packet: &Packet,
        buf: &mut [u8],
        shard: Option<ShardId>,
    ) {
        // Compiled once per IP version: `DstKey::of` and the copy test the
        // version as the branch did, so each arm does one family's work only.
        match packet.as_bytes().first().is_some_and(|v| v >> 4 == 4) {
            true => self.route_and_send_in(ingress, packet, buf, shard),
            false => self.route_and_send_in(ingress, packet, buf, shard),
        }
    }

    #[inline(always)]
    fn route_and_send_in(
        &self,
        ingress: &Port,
        packet: &Packet,
        buf: &mut [u8],
        shard: Option<ShardId>,
    ) {
        // The destination, the copy with the TTL decremented (`None` if it
        // expires) and the memo.
        let key = DstKey::of(packet);
        let copy = packet.forward_into(buf);
        let memo = shard.map(|i| &*ingress.memos[i.get()]);
        let seen = memo.map(RouteMemo::seen);
        let hop = match seen.and_then(|s| s.hop_for(self.number, key)) {
            Some(hop) => hop,
            None => {
                let hop = self.lookup(key);
                if let Some(memo) = memo
                    && hop != 0
                {
                    memo.write(self.number, key, hop);
                }
                hop
            }
        };
        let Some(out) = self.hop(hop) else {
            return self.count_drop(&ingress.counters, DropReason::NoRoute);
        };
        let Some(p) = copy else {
            return self.count_drop(&ingress.counters, DropReason::TtlExpired);
        };
        match out.device.send(p) {
            Ok(()) => out.port.counters.record_tx_on(shard, p.as_bytes().len()),
            Err(e) => {
                drop(e);
                self.count_drop(&out.port.counters, DropReason::SendFailed);
            }
        }
    }

    /// Counts a packet dropped for `reason` on `port`: the one it came in
    /// by, or for a failed send the one it did not go out of. Out of line,
    /// so that the data path keeps nothing for it.
    #[cold]
    #[inline(never)]
    fn count_drop(&self, port: &DeviceCounters, reason: DropReason) {
        match reason {
            DropReason::SendFailed => port.record_tx_drop(),
            _ => port.record_rx_drop(),
        }
        self.drops.record(reason);
    }
}
