//! [`L2Adapter`]: an IP device (a host stack, a router port, a tunnel) put on
//! an Ethernet network.
//!
//! See [`L2Adapter`] for what it does; one file per concern beside this one
//! (`neighbor_cache`, `pending_queue`, `own_addrs`, `routes`, `arp`, `ndp`, `gateway`).

mod arp;
mod config;
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod ndp;
mod neighbor_cache;
mod own_addrs;
mod pending_queue;
mod routes;
mod stats;
mod timer;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::icmpv6::{Icmpv6Message, Icmpv6Packet};
use pktkit_wire::ipv6::Ipv6Packet;
use pktkit_wire::ndp::{NdpRepr, NeighborFlags};
use pktkit_wire::{EtherType, Frame, IpPrefix, IpProtocol, MacAddr, Packet};

use crate::{
    Clock, DeviceCounters, DropCounters, DropReason, DropSnapshot, L2Device, L3Device, L3Handler,
};

pub use config::L2AdapterConfig;
pub use neighbor_cache::{Neighbor, NeighborState};
pub use own_addrs::AddrState;
pub use stats::L2AdapterStats;
pub use timer::L2AdapterTimer;

use gateway::IcmpError;
use neighbor_cache::{Learned, Lookup, NeighborCache, TimerAction};
use own_addrs::{AddrEvent, OwnAddrs};
use pending_queue::PendingQueue;
use routes::{NextHop, Routes, is_link_local};
use stats::{Stats, inc};

/// Shortest Ethernet frame we send (without FCS); shorter ones are padded.
const MIN_FRAME: usize = 60;

/// `payload` after an Ethernet header, padded to [`MIN_FRAME`].
pub(crate) fn ethernet_frame(dst: MacAddr, src: MacAddr, et: EtherType, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity((14 + payload.len()).max(MIN_FRAME));
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&et.value().to_be_bytes());
    f.extend_from_slice(payload);
    if f.len() < MIN_FRAME {
        f.resize(MIN_FRAME, 0);
    }
    f
}

struct State {
    cache: NeighborCache,
    pending: PendingQueue,
    addrs: OwnAddrs,
    routes: Routes,
}

/// What to do once the state lock is released.
#[derive(Default)]
struct Outbox {
    /// Frames to send on the Ethernet side.
    frames: Vec<Vec<u8>>,
    /// Packets to hand to the IP side.
    up: Vec<Vec<u8>>,
}

/// [`L2Adapter`]: an IP device (a host stack, a router port, a tunnel) put on
/// an Ethernet network.
///
/// Toward the IP side the adapter is an [`L3Device`]: packets given to
/// [`L3Device::send`] go out on the Ethernet device, and IP packets arriving
/// for us reach the [`L3Handler`]. In between it does what a host's link
/// layer does:
///
/// * resolves next hops with ARP (RFC 826) and NDP (RFC 4861 Neighbor
///   Solicitation / Advertisement), in a bounded neighbour cache with RFC
///   4861 states (see [`NeighborState`]);
/// * holds packets waiting for resolution in a bounded queue (beyond it they
///   are dropped and counted) and, when resolution fails, hands an ICMP host
///   unreachable / ICMPv6 address unreachable back to the IP side;
/// * answers ARP requests and Neighbor Solicitations (also to the
///   solicited-node multicast group) for its own addresses, announces new
///   addresses (gratuitous ARP, unsolicited NA), and runs Duplicate Address
///   Detection on new IPv6 addresses ([`AddrState`]);
/// * learns the default router and on-link prefixes from Router
///   Advertisements; uses the configured gateways for off-link destinations;
///   maps multicast and broadcast destinations to their MACs;
/// * in gateway mode, answers ICMP and ICMPv6 echo requests to its own
///   addresses; otherwise (a host) sends a Router Solicitation once its
///   link-local address is usable.
///
/// Every IP packet in a frame for our MAC (or a broadcast / multicast frame)
/// goes to the IP side, also when its destination is not one of our addresses:
/// a router port needs exactly those.
///
/// Timers (retransmissions, reachability, DAD) advance when
/// [`L2Adapter::tick`] is called, reading the injected [`Clock`]; a program
/// without its own loop starts an [`L2AdapterTimer`]. Nothing from the network
/// panics: malformed frames are counted in [`L2AdapterStats::malformed`].
///
/// State sits behind one mutex, taken per frame and per packet; frames are
/// sent and packets delivered after it is released, so a handler may call
/// back into the adapter. Not here: IP forwarding, fragmentation, VLANs
/// (tagged frames are ignored), RFC 5227 IPv4 conflict probing.
///
/// ```
/// use pktkit_core::{L2Adapter, L2AdapterConfig, L2Device, L3Device, PipeL2, SystemClock};
/// use pktkit_wire::MacAddr;
/// use std::sync::Arc;
///
/// let (ours, _wire) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, 1), MacAddr::new(2, 0, 0, 0, 0, 2));
/// let cfg = L2AdapterConfig {
///     addrs: vec!["10.0.0.2/24".parse().unwrap()],
///     gateway_v4: Some("10.0.0.1".parse().unwrap()),
///     ..L2AdapterConfig::default()
/// };
/// let adapter = L2Adapter::new(Arc::new(ours), cfg, Arc::new(SystemClock));
/// assert_eq!(adapter.addrs(), vec!["10.0.0.2/24".parse().unwrap()]);
/// assert_eq!(adapter.stats().announcements_sent, 1); // a gratuitous ARP went out
/// ```
pub struct L2Adapter {
    l2: Arc<dyn L2Device>,
    mac: MacAddr,
    cfg: L2AdapterConfig,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    handler: ArcSwapOption<L3Handler>,
    counters: DeviceCounters,
    drops: DropCounters,
    stats: Stats,
    closed: AtomicBool,
}

impl L2Adapter {
    /// Puts an adapter on `l2` (whose handler it takes over), announces
    /// `cfg.addrs` and starts DAD for the IPv6 ones.
    pub fn new(
        l2: Arc<dyn L2Device>,
        cfg: L2AdapterConfig,
        clock: Arc<dyn Clock>,
    ) -> Arc<L2Adapter> {
        let mac = cfg.mac.unwrap_or_else(|| l2.hw_addr());
        let now = clock.now();
        let mut events = Vec::new();
        let mut addrs = OwnAddrs::default();
        if cfg.link_local {
            addrs.add_link_local(mac, now, &cfg, &mut events);
        }
        addrs.set(&cfg.addrs, now, &cfg, &mut events);
        let state = State {
            cache: NeighborCache::new(cfg.max_neighbors),
            pending: PendingQueue::new(cfg.max_pending_per_neighbor, cfg.max_pending),
            addrs,
            routes: Routes::new(cfg.gateway_v4, cfg.gateway_v6),
        };
        let adapter = Arc::new(L2Adapter {
            l2,
            mac,
            cfg,
            clock,
            state: Mutex::new(state),
            handler: ArcSwapOption::empty(),
            counters: DeviceCounters::new(),
            drops: DropCounters::new(),
            stats: Stats::default(),
            closed: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&adapter);
        adapter.l2.set_handler(Arc::new(move |f: &Frame| {
            if let Some(a) = weak.upgrade() {
                a.on_frame(f);
            }
            Ok(())
        }));
        let mut out = Outbox::default();
        adapter.addr_events(&events, &mut out);
        adapter.flush(out);
        adapter
    }

    /// Starts a thread calling [`tick`](Self::tick) every `period` until the
    /// returned timer (or the adapter) is dropped.
    pub fn start_timer(self: &Arc<Self>, period: Duration) -> io::Result<L2AdapterTimer> {
        L2AdapterTimer::start(Arc::downgrade(self), period)
    }

    /// Runs the timers due now: retransmits solicitations, fails unanswered
    /// resolutions (ICMP unreachable for their queued packets), ages entries,
    /// finishes DAD. Extra calls are harmless.
    pub fn tick(&self) {
        let now = self.clock.now();
        let mut out = Outbox::default();
        {
            let mut st = self.lock();
            let mut actions = Vec::new();
            st.cache.tick(now, &self.cfg, &mut actions);
            for a in actions {
                match a {
                    TimerAction::Solicit(ip, unicast) => self.solicit(&st, ip, unicast, &mut out),
                    TimerAction::Failed(ip) => {
                        inc(&self.stats.resolution_failures);
                        tracing::debug!(%ip, "neighbour resolution failed");
                        self.fail_pending(&mut st, ip, &mut out);
                    }
                }
            }
            let mut events = Vec::new();
            st.addrs.tick(now, &self.cfg, &mut events);
            self.addr_events(&events, &mut out);
        }
        self.flush(out);
    }

    /// Our MAC on the Ethernet side.
    pub fn mac(&self) -> MacAddr {
        self.mac
    }

    /// The neighbour-cache entry for `ip`.
    pub fn neighbor(&self, ip: IpAddr) -> Option<Neighbor> {
        self.lock().cache.get(ip)
    }

    /// Every neighbour-cache entry, sorted by address.
    pub fn neighbors(&self) -> Vec<(IpAddr, Neighbor)> {
        self.lock().cache.all()
    }

    /// Number of neighbour-cache entries (at most `max_neighbors`).
    pub fn neighbor_count(&self) -> usize {
        self.lock().cache.len()
    }

    /// Packets waiting for resolution (at most `max_pending`).
    pub fn pending_count(&self) -> usize {
        self.lock().pending.len()
    }

    /// Every address of ours (the link-local one included) with its DAD state.
    pub fn address_states(&self) -> Vec<(IpPrefix, AddrState)> {
        self.lock().addrs.states()
    }

    /// The IPv6 default router learned from Router Advertisements, if valid.
    pub fn learned_router(&self) -> Option<Ipv6Addr> {
        self.lock().routes.ra_router(self.clock.now())
    }

    /// On-link IPv6 prefixes learned from Router Advertisements, if valid.
    pub fn learned_prefixes(&self) -> Vec<IpPrefix> {
        self.lock().routes.ra_prefixes(self.clock.now())
    }

    /// Protocol counters.
    pub fn stats(&self) -> L2AdapterStats {
        self.stats.snapshot()
    }

    /// Packets from the IP side that were dropped, by reason (no route,
    /// queue full, unreachable next hop as [`DropReason::NoRoute`], send failed).
    pub fn drops(&self) -> DropSnapshot {
        self.drops.snapshot()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends and delivers what was collected under the lock.
    fn flush(&self, out: Outbox) {
        for f in &out.frames {
            let sent = Frame::parse(f)
                .map_err(|_| ())
                .and_then(|f| self.l2.send(f).map_err(|_| ()));
            if sent.is_err() {
                self.drops.record(DropReason::SendFailed);
                self.counters.record_error();
            }
        }
        if out.up.is_empty() {
            return;
        }
        let handler = self.handler.load();
        for p in &out.up {
            let Ok(packet) = Packet::parse(p) else {
                continue;
            };
            match handler.as_deref() {
                Some(h) => {
                    self.counters.record_rx(p.len());
                    if h(packet).is_err() {
                        self.counters.record_error();
                    }
                }
                None => self.counters.record_rx_drop(),
            }
        }
    }

    fn malformed(&self, what: &str) {
        inc(&self.stats.malformed);
        tracing::trace!(what, "dropping malformed input");
    }

    fn emit_ip(&self, dst: MacAddr, packet: &[u8], out: &mut Outbox) {
        let et = if packet.first().is_some_and(|b| b >> 4 == 6) {
            EtherType::IPV6
        } else {
            EtherType::IPV4
        };
        out.frames.push(ethernet_frame(dst, self.mac, et, packet));
    }

    fn addr_events(&self, events: &[AddrEvent], out: &mut Outbox) {
        for e in events {
            match *e {
                AddrEvent::Announce(IpAddr::V4(ip)) => {
                    let a = arp::announcement(self.mac, ip);
                    out.frames.push(arp::frame(MacAddr::BROADCAST, &a));
                    inc(&self.stats.arp_requests_sent);
                    inc(&self.stats.announcements_sent);
                }
                AddrEvent::Announce(IpAddr::V6(ip)) => {
                    let flags = NeighborFlags::new(self.cfg.gateway_mode, false, true);
                    if let Some(na) = ndp::neighbor_advert(ip, ndp::ALL_NODES, self.mac, flags) {
                        self.emit_ip(MacAddr::from_ipv6_multicast(ndp::ALL_NODES), &na, out);
                        inc(&self.stats.neighbor_adverts_sent);
                        inc(&self.stats.announcements_sent);
                    }
                    // RFC 4861 §6.3.7: a host asks for routers once it can speak.
                    if is_link_local(ip)
                        && !self.cfg.gateway_mode
                        && let Some(rs) = ndp::router_solicit(ip, self.mac)
                    {
                        self.emit_ip(MacAddr::from_ipv6_multicast(ndp::ALL_ROUTERS), &rs, out);
                        inc(&self.stats.router_solicits_sent);
                    }
                }
                AddrEvent::DadProbe(ip) => {
                    let group = ndp::solicited_node(ip);
                    if let Some(ns) =
                        ndp::neighbor_solicit(Ipv6Addr::UNSPECIFIED, group, ip, self.mac)
                    {
                        self.emit_ip(MacAddr::from_ipv6_multicast(group), &ns, out);
                        inc(&self.stats.neighbor_solicits_sent);
                    }
                }
            }
        }
    }

    /// Sends a solicitation for `ip`: broadcast ARP / multicast NS, or a
    /// unicast probe to `unicast`.
    fn solicit(&self, st: &State, ip: IpAddr, unicast: Option<MacAddr>, out: &mut Outbox) {
        match ip {
            IpAddr::V4(tpa) => {
                let spa = match st.addrs.source_for(ip) {
                    Some(IpAddr::V4(s)) => s,
                    _ => Ipv4Addr::UNSPECIFIED,
                };
                let req = arp::request(self.mac, spa, tpa);
                out.frames
                    .push(arp::frame(unicast.unwrap_or(MacAddr::BROADCAST), &req));
                inc(&self.stats.arp_requests_sent);
            }
            IpAddr::V6(target) => {
                let Some(IpAddr::V6(src)) = st.addrs.source_for(ip) else {
                    return; // no usable source yet (DAD running): the retries will try again
                };
                let (dst, dst_mac) = match unicast {
                    Some(m) => (target, m),
                    None => {
                        let g = ndp::solicited_node(target);
                        (g, MacAddr::from_ipv6_multicast(g))
                    }
                };
                if let Some(ns) = ndp::neighbor_solicit(src, dst, target, self.mac) {
                    self.emit_ip(dst_mac, &ns, out);
                    inc(&self.stats.neighbor_solicits_sent);
                }
            }
        }
    }

    /// Reports `packet` (given up on at next hop `hop`) to the IP side.
    fn icmp_error(
        &self,
        st: &State,
        packet: &[u8],
        hop: IpAddr,
        kind: IcmpError,
        out: &mut Outbox,
    ) {
        let Ok(p) = Packet::parse(packet) else {
            return;
        };
        let ours = st
            .addrs
            .source_for(hop)
            .or_else(|| st.addrs.source_for(p.src()))
            .unwrap_or(p.dst());
        if let Some(err) = gateway::error_for(packet, ours, kind) {
            inc(&self.stats.icmp_errors_sent);
            out.up.push(err);
        }
    }

    /// Fails every packet waiting for `hop` with ICMP unreachable.
    fn fail_pending(&self, st: &mut State, hop: IpAddr, out: &mut Outbox) {
        let q = st.pending.take(hop);
        for p in q {
            self.drops.record(DropReason::NoRoute);
            self.counters.record_tx_drop();
            self.icmp_error(st, &p, hop, IcmpError::Unreachable, out);
        }
    }

    /// After the cache learned something about `ip`.
    fn learned(&self, st: &mut State, ip: IpAddr, l: Learned, out: &mut Outbox) {
        if let Some(e) = l.evicted {
            inc(&self.stats.evictions);
            self.fail_pending(st, e, out);
        }
        if l.resolved {
            inc(&self.stats.resolved);
        }
        if st.pending.has(ip)
            && let Some(mac) = st.cache.get(ip).and_then(|n| n.mac)
        {
            for p in st.pending.take(ip) {
                self.emit_ip(mac, &p, out);
            }
        }
    }

    /// Sends an IP packet from the IP side (or one of ours) onto the link.
    fn route_out(&self, st: &mut State, packet: &[u8], now: Instant, out: &mut Outbox) {
        let Ok(p) = Packet::parse(packet) else {
            self.drops.record(DropReason::Malformed);
            self.counters.record_tx_drop();
            return;
        };
        let packet = &packet[..p.total_len()];
        let dst = p.dst();
        if packet.len() > self.cfg.mtu {
            self.counters.record_tx_drop();
            self.drops.record(DropReason::Malformed);
            // IPv6 is never fragmented on the way; IPv4 only reports with DF set.
            let df = !p.is_ipv4() || packet[6] & 0x40 != 0;
            if df {
                let mtu = u16::try_from(self.cfg.mtu).unwrap_or(u16::MAX);
                self.icmp_error(st, packet, dst, IcmpError::TooBig(mtu), out);
            }
            return;
        }
        if st.addrs.is_usable(dst) {
            out.up.push(packet.to_vec()); // to ourselves
            return;
        }
        match st.routes.next_hop(dst, &st.addrs, now) {
            NextHop::NoRoute => {
                self.drops.record(DropReason::NoRoute);
                self.counters.record_tx_drop();
            }
            NextHop::Mac(mac) => self.emit_ip(mac, packet, out),
            NextHop::Neighbor(hop) => match st.cache.lookup_for_send(hop, now, &self.cfg) {
                Lookup::Ready(mac) => self.emit_ip(mac, packet, out),
                Lookup::Pending { solicit, evicted } => {
                    if let Some(e) = evicted {
                        inc(&self.stats.evictions);
                        self.fail_pending(st, e, out);
                    }
                    if !st.pending.push(hop, packet) {
                        inc(&self.stats.queue_drops);
                        self.drops.record(DropReason::QueueFull);
                        self.counters.record_tx_drop();
                    }
                    if solicit {
                        self.solicit(st, hop, None, out);
                    }
                }
                Lookup::Failed => {
                    self.drops.record(DropReason::NoRoute);
                    self.counters.record_tx_drop();
                    self.icmp_error(st, packet, hop, IcmpError::Unreachable, out);
                }
            },
        }
    }

    fn on_frame(&self, f: &Frame) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        let dst = f.dst();
        if f.src() == self.mac || !(dst == self.mac || dst.is_multicast()) || f.vlan_tag_count() > 0
        {
            inc(&self.stats.ignored);
            return;
        }
        // IEEE 802: a source MAC is never a group address. NDP answers go to
        // the frame's source when there is no link-layer option.
        if f.src().is_multicast() {
            return self.malformed("multicast source mac");
        }
        let now = self.clock.now();
        let mut out = Outbox::default();
        {
            let mut st = self.lock();
            match f.ethertype() {
                EtherType::ARP => self.on_arp(&mut st, f.payload(), now, &mut out),
                EtherType::IPV4 => self.on_ipv4(&mut st, f.payload(), now, &mut out),
                EtherType::IPV6 => self.on_ipv6(&mut st, f.src(), f.payload(), now, &mut out),
                _ => inc(&self.stats.ignored),
            }
        }
        self.flush(out);
    }

    fn on_arp(&self, st: &mut State, body: &[u8], now: Instant, out: &mut Outbox) {
        let Ok(a) = ArpPacket::new_checked(body).and_then(|p| ArpRepr::parse(&p)) else {
            return self.malformed("arp");
        };
        if !a.sha.is_unicast() || a.sha.is_zero() {
            return self.malformed("arp sender mac");
        }
        if matches!(a.op, ArpOperation::Other(_)) {
            return inc(&self.stats.ignored);
        }
        let (spa, tpa) = (IpAddr::V4(a.spa), IpAddr::V4(a.tpa));
        if !a.spa.is_unspecified() && st.addrs.state(spa).is_some() {
            if a.sha != self.mac {
                inc(&self.stats.address_conflicts);
                tracing::warn!(ip = %a.spa, mac = %a.sha, "another host claims our address");
            }
            return;
        }
        let for_us = st.addrs.is_usable(tpa);
        if !a.spa.is_unspecified() && !a.spa.is_broadcast() && !a.spa.is_multicast() {
            let reply_to_us = a.op == ArpOperation::Reply && for_us && a.tha == self.mac;
            let l = if reply_to_us && st.cache.get(spa).is_some() {
                st.cache
                    .advertised(spa, Some(a.sha), true, true, now, &self.cfg)
            } else {
                // RFC 826: update an entry we have; add one only if we are the target.
                st.cache.learn(spa, a.sha, now, for_us)
            };
            self.learned(st, spa, l, out);
        }
        if a.op == ArpOperation::Request
            && for_us
            && let Some(reply) = a.reply(self.mac)
        {
            out.frames.push(arp::frame(a.sha, &reply));
            inc(&self.stats.arp_replies_sent);
        }
    }

    fn on_ipv4(&self, st: &mut State, body: &[u8], now: Instant, out: &mut Outbox) {
        let Ok(p) = Packet::parse(body) else {
            return self.malformed("ipv4");
        };
        if !p.is_ipv4() || !p.ipv4_checksum_ok() {
            return self.malformed("ipv4 version or header checksum");
        }
        let body = &body[..p.total_len()];
        if self.cfg.gateway_mode
            && st.addrs.is_usable(p.dst())
            && let Some(reply) = gateway::echo_reply(p)
        {
            inc(&self.stats.echo_replies_sent);
            return self.route_out(st, &reply, now, out);
        }
        out.up.push(body.to_vec());
    }

    fn on_ipv6(
        &self,
        st: &mut State,
        src_mac: MacAddr,
        body: &[u8],
        now: Instant,
        out: &mut Outbox,
    ) {
        let Ok(p) = Packet::parse(body) else {
            return self.malformed("ipv6");
        };
        if p.is_ipv4() {
            return self.malformed("ipv6 version");
        }
        let body = &body[..p.total_len()];
        let ip = Ipv6Packet::new_unchecked(body);
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        // RFC 4291 §2.7: never a multicast source (Linux drops these in ip6_rcv).
        if src.is_multicast() {
            return self.malformed("ipv6 multicast source");
        }
        if let Ok((IpProtocol::ICMPV6, icmp)) = ip.upper_layer()
            && icmp.first().is_some_and(|t| Icmpv6Message(*t).is_ndp())
        {
            return self.on_ndp(st, src_mac, src, dst, ip.hop_limit(), icmp, now, out);
        }
        match st.addrs.state(IpAddr::V6(dst)) {
            Some(AddrState::Tentative | AddrState::Duplicate) => return inc(&self.stats.ignored),
            Some(AddrState::Preferred) if self.cfg.gateway_mode => {
                if let Some(reply) = gateway::echo_reply(p) {
                    inc(&self.stats.echo_replies_sent);
                    return self.route_out(st, &reply, now, out);
                }
            }
            _ => {}
        }
        out.up.push(body.to_vec());
    }

    #[allow(clippy::too_many_arguments)]
    fn on_ndp(
        &self,
        st: &mut State,
        src_mac: MacAddr,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hop_limit: u8,
        icmp: &[u8],
        now: Instant,
        out: &mut Outbox,
    ) {
        // RFC 4861 §6.1, §7.1: hop limit 255, valid checksum, code 0, options well formed.
        if hop_limit != 255 {
            return self.malformed("ndp hop limit");
        }
        let Ok(pkt) = Icmpv6Packet::new_checked(icmp) else {
            return self.malformed("ndp length");
        };
        if !pkt.verify_checksum(src, dst) {
            return self.malformed("ndp checksum");
        }
        let Ok(repr) = NdpRepr::parse(&pkt) else {
            return self.malformed("ndp message");
        };
        let mac_of = |b: &[u8]| -> Option<MacAddr> {
            let m = MacAddr::from_slice(b)?;
            (m.is_unicast() && !m.is_zero()).then_some(m)
        };
        match repr {
            NdpRepr::NeighborSolicit { target, options } => {
                if target.is_multicast() {
                    return self.malformed("ns target");
                }
                let slla = options.source_lladdr().and_then(mac_of);
                let t = IpAddr::V6(target);
                if src.is_unspecified() {
                    if !ndp::is_solicited_node(dst) || options.source_lladdr().is_some() {
                        return self.malformed("dad ns");
                    }
                    match st.addrs.state(t) {
                        Some(AddrState::Tentative) => self.dad_failed(st, t),
                        Some(AddrState::Preferred) => {
                            // RFC 4861 §7.2.4: defend, to all-nodes, not solicited.
                            let flags = NeighborFlags::new(self.cfg.gateway_mode, false, true);
                            if let Some(na) =
                                ndp::neighbor_advert(target, ndp::ALL_NODES, self.mac, flags)
                            {
                                self.emit_ip(
                                    MacAddr::from_ipv6_multicast(ndp::ALL_NODES),
                                    &na,
                                    out,
                                );
                                inc(&self.stats.neighbor_adverts_sent);
                            }
                        }
                        _ => {}
                    }
                    return;
                }
                if !st.addrs.is_usable(t) {
                    return inc(&self.stats.ignored);
                }
                let reply_mac = match slla {
                    Some(m) => {
                        let l = st.cache.learn(IpAddr::V6(src), m, now, true);
                        self.learned(st, IpAddr::V6(src), l, out);
                        m
                    }
                    None => src_mac,
                };
                let flags = NeighborFlags::new(self.cfg.gateway_mode, true, true);
                if let Some(na) = ndp::neighbor_advert(target, src, self.mac, flags) {
                    self.emit_ip(reply_mac, &na, out);
                    inc(&self.stats.neighbor_adverts_sent);
                }
            }
            NdpRepr::NeighborAdvert {
                flags,
                target,
                options,
            } => {
                if target.is_multicast() || (flags.solicited() && dst.is_multicast()) {
                    return self.malformed("na target or flags");
                }
                let t = IpAddr::V6(target);
                let tlla = options.target_lladdr().and_then(mac_of);
                match st.addrs.state(t) {
                    Some(AddrState::Tentative) => return self.dad_failed(st, t),
                    Some(AddrState::Preferred) => {
                        if tlla.is_some_and(|m| m != self.mac) {
                            inc(&self.stats.address_conflicts);
                            tracing::warn!(ip = %target, "another host advertises our address");
                        }
                        return;
                    }
                    // A duplicate of ours belongs to the other host: learn it.
                    Some(AddrState::Duplicate) | None => {}
                }
                let l = st.cache.advertised(
                    t,
                    tlla,
                    flags.solicited(),
                    flags.override_(),
                    now,
                    &self.cfg,
                );
                self.learned(st, t, l, out);
            }
            NdpRepr::RouterAdvert {
                router_lifetime,
                options,
                ..
            } => {
                if !is_link_local(src) {
                    return self.malformed("ra source");
                }
                inc(&self.stats.router_adverts);
                if let Some(m) = options.source_lladdr().and_then(mac_of) {
                    let l = st.cache.learn(IpAddr::V6(src), m, now, true);
                    self.learned(st, IpAddr::V6(src), l, out);
                }
                st.routes.router_advert(src, router_lifetime, now);
                for p in options.prefixes() {
                    if p.on_link()
                        && let Ok(prefix) = IpPrefix::v6(p.prefix, p.prefix_len)
                    {
                        st.routes.on_link_prefix(prefix, p.valid_lifetime, now);
                    }
                }
            }
            _ => inc(&self.stats.ignored),
        }
    }

    fn dad_failed(&self, st: &mut State, ip: IpAddr) {
        if st.addrs.mark_duplicate(ip) {
            inc(&self.stats.dad_failures);
            tracing::warn!(%ip, "duplicate address detected; not using it");
        }
    }
}

impl L3Device for L2Adapter {
    fn send(&self, packet: &Packet) -> io::Result<()> {
        if self.closed.load(Ordering::Acquire) {
            self.counters.record_tx_drop();
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "L2 adapter closed",
            ));
        }
        let bytes = packet.as_bytes();
        self.counters.record_tx(bytes.len());
        let now = self.clock.now();
        let mut out = Outbox::default();
        {
            let mut st = self.lock();
            self.route_out(&mut st, bytes, now, &mut out);
        }
        self.flush(out);
        Ok(())
    }

    fn set_handler(&self, handler: L3Handler) {
        self.handler.store(Some(Arc::new(handler)));
    }

    fn addrs(&self) -> Vec<IpPrefix> {
        self.lock().addrs.configured()
    }

    /// Replaces our addresses: new IPv4 ones are announced with a gratuitous
    /// ARP, new IPv6 ones go through DAD and are then announced with an
    /// unsolicited NA.
    fn set_addrs(&self, addrs: &[IpPrefix]) -> io::Result<()> {
        let now = self.clock.now();
        let mut out = Outbox::default();
        {
            let mut st = self.lock();
            let mut events = Vec::new();
            st.addrs.set(addrs, now, &self.cfg, &mut events);
            for a in addrs {
                // A next hop that became ours will not answer: what waited for
                // it fails now (ICMP unreachable) instead of holding queue room.
                st.cache.remove(a.addr());
                self.fail_pending(&mut st, a.addr(), &mut out);
            }
            self.addr_events(&events, &mut out);
        }
        self.flush(out);
        Ok(())
    }

    /// Stops the adapter and closes its Ethernet device.
    fn close(&self) -> io::Result<()> {
        self.closed.store(true, Ordering::Release);
        self.handler.store(None);
        self.l2.close()
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        Some(&self.counters)
    }
}

impl std::fmt::Debug for L2Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("L2Adapter")
            .field("mac", &self.mac)
            .field("addrs", &self.address_states())
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish()
    }
}
