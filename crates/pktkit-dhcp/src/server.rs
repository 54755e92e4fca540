//! [`Server`]: the sans-I/O DHCP server (RFC 2131 §4.3).
//!
//! One subnet, one address pool, static leases by MAC or client id, and the
//! options a small network needs (router, DNS, domain, search list, MTU,
//! classless routes). Requests in, replies out, time passed in: the driver
//! ([`crate::device::ServerDevice`], or your own) moves the bytes and saves
//! [`Server::persisted_leases`] with a [`crate::store::LeaseStore`] whenever
//! [`Server::take_leases_changed`] says so.
//!
//! ## Call order
//!
//! [`Server::handle_input`] with each UDP payload received on port 67, then
//! drain [`Server::poll_transmit`]; call [`Server::handle_timeout`] at
//! [`Server::poll_timeout`] (offers and quarantines end there).
//!
//! ## Bounded by construction
//!
//! Every binding holds a distinct pool address (or a configured static one),
//! so the tables never outgrow the pool plus the static list; a DISCOVER
//! flood with random MACs gets offers until the pool is reserved and then
//! nothing (counted in [`ServerStats::pool_exhausted`]). Offers are held
//! [`ServerConfig::offer_hold`]; static addresses are never given to anyone
//! else. The reply queue is bounded too. Malformed, foreign or hostile
//! messages are counted by reason and dropped.
//!
//! Not here: relay agents (requests with `giaddr` set are dropped and
//! counted), failover, DNS updates, several subnets.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pktkit_wire::MacAddr;
use pktkit_wire::dhcpv4::{
    ClasslessRoute, DEFAULT_MAX_MESSAGE_SIZE, DhcpPacket, DhcpRepr, Ipv4List, MessageType, OpCode,
    OptionData, encode_classless_routes, encode_domain_search, opt,
};

use crate::store::PersistedLease;

/// A fixed address for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticLease {
    /// Matches this MAC (`chaddr` of an Ethernet client).
    pub mac: Option<MacAddr>,
    /// Or this client identifier (option 61); checked first.
    pub client_id: Option<Vec<u8>>,
    /// The address it always gets (inside the subnet; may be outside the pool).
    pub address: Ipv4Addr,
}

/// How a [`Server`] is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The server's own address (option 54, source of replies).
    pub server_ip: Ipv4Addr,
    /// Prefix length of the subnet (option 1).
    pub prefix_len: u8,
    /// First address of the pool.
    pub pool_start: Ipv4Addr,
    /// Last address of the pool (inclusive).
    pub pool_end: Ipv4Addr,
    /// Lease time handed out (option 51); T1/T2 are 1/2 and 7/8 of it.
    pub lease_time: Duration,
    /// Option 3.
    pub router: Option<Ipv4Addr>,
    /// Option 6.
    pub dns_servers: Vec<Ipv4Addr>,
    /// Option 15.
    pub domain_name: Option<String>,
    /// Option 119 (sent when asked for).
    pub domain_search: Vec<String>,
    /// Option 26.
    pub mtu: Option<u16>,
    /// Option 121 (sent when asked for).
    pub classless_routes: Vec<ClasslessRoute>,
    /// Fixed addresses.
    pub static_leases: Vec<StaticLease>,
    /// How long an offered address stays reserved for its client.
    pub offer_hold: Duration,
    /// How long a declined address is kept out of the pool.
    pub decline_quarantine: Duration,
    /// Replies waiting for `poll_transmit` beyond this are dropped (counted).
    pub max_pending_replies: usize,
}

impl ServerConfig {
    /// A server at `server_ip` on a /`prefix_len` handing out `pool_start..=pool_end`
    /// for an hour, with itself as router and nothing else.
    pub fn new(
        server_ip: Ipv4Addr,
        prefix_len: u8,
        pool_start: Ipv4Addr,
        pool_end: Ipv4Addr,
    ) -> Self {
        ServerConfig {
            server_ip,
            prefix_len,
            pool_start,
            pool_end,
            lease_time: Duration::from_secs(3600),
            router: Some(server_ip),
            dns_servers: Vec::new(),
            domain_name: None,
            domain_search: Vec::new(),
            mtu: None,
            classless_routes: Vec::new(),
            static_leases: Vec::new(),
            offer_hold: Duration::from_secs(30),
            decline_quarantine: Duration::from_secs(600),
            max_pending_replies: 64,
        }
    }
}

/// Most addresses one pool may hold (the tables are sized by it).
pub const MAX_POOL_SIZE: u32 = 1 << 16;

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Prefix length over 30, or the pool is empty, reversed, too large or outside the subnet.
    #[error("bad address pool: {0}")]
    BadPool(&'static str),
    /// A static lease is outside the subnet, names no client, or repeats an address.
    #[error("bad static lease for {0}")]
    BadStatic(Ipv4Addr),
    /// The search list or routes do not encode.
    #[error("bad option: {0}")]
    BadOption(&'static str),
}

/// Counters of a [`Server`]; every dropped input is in exactly one `rx_*`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Inputs that did not parse as DHCP.
    pub rx_malformed: u64,
    /// Parsed, but not a client request we can act on (BOOTREPLY, unknown
    /// type, missing required fields, no usable client key).
    pub rx_invalid: u64,
    /// Relayed requests (`giaddr` set), unsupported.
    pub rx_relayed: u64,
    /// REQUESTs and RELEASEs/DECLINEs meant for another server.
    pub rx_other_server: u64,
    /// RELEASEs and DECLINEs that did not match the sender's binding.
    pub rx_unmatched: u64,
    /// OFFERs sent.
    pub offers: u64,
    /// ACKs sent (INFORM answers included).
    pub acks: u64,
    /// NAKs sent.
    pub naks: u64,
    /// INFORMs answered.
    pub informs: u64,
    /// RELEASEs taken.
    pub releases: u64,
    /// DECLINEs taken (address quarantined).
    pub declines: u64,
    /// DISCOVERs left unanswered because no address was free.
    pub pool_exhausted: u64,
    /// Replies dropped because the queue was full or the buffer too small.
    pub tx_dropped: u64,
}

/// A reply [`Server::poll_transmit`] wrote: send it from UDP port 67 to port 68.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the datagram is in the buffer and must be sent"]
pub struct ServerTransmit {
    /// Bytes written at the start of the buffer.
    pub len: usize,
    /// Destination IPv4 address (255.255.255.255 for broadcast).
    pub dst_ip: Ipv4Addr,
    /// Destination MAC (broadcast, or the client's `chaddr`).
    pub dst_mac: MacAddr,
}

/// Who a binding is for: the client identifier if sent, else htype + chaddr.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ClientKey(Box<[u8]>);

impl ClientKey {
    fn of(r: &DhcpRepr<'_>) -> Option<ClientKey> {
        if let Some(id) = r.client_id {
            if id.len() < 2 {
                return None;
            }
            let mut k = Vec::with_capacity(id.len() + 1);
            k.push(0);
            k.extend(id.bytes());
            return Some(ClientKey(k.into()));
        }
        Self::hw(r.htype, r.client_hardware())
    }

    fn hw(htype: u8, chaddr: &[u8]) -> Option<ClientKey> {
        if chaddr.is_empty() || chaddr.iter().all(|&b| b == 0) {
            return None;
        }
        let mut k = Vec::with_capacity(chaddr.len() + 2);
        k.extend_from_slice(&[1, htype]);
        k.extend_from_slice(chaddr);
        Some(ClientKey(k.into()))
    }

    fn client_id(&self) -> Option<&[u8]> {
        (self.0.first() == Some(&0)).then(|| &self.0[1..])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BindState {
    /// Offered, held until the instant.
    Offered(Instant),
    /// Leased until the instant (past = expired, kept for the client's return).
    Leased(Instant),
}

#[derive(Debug, Clone)]
struct Binding {
    addr: Ipv4Addr,
    state: BindState,
    mac: MacAddr,
}

#[derive(Debug, Clone)]
struct Reply {
    bytes: Vec<u8>,
    dst_ip: Ipv4Addr,
    dst_mac: MacAddr,
}

/// The DHCP server engine. See the [module docs](self).
#[derive(Debug)]
pub struct Server {
    cfg: ServerConfig,
    search: Vec<u8>,
    routes: Vec<u8>,
    mask: Ipv4Addr,
    bindings: HashMap<ClientKey, Binding>,
    by_addr: HashMap<Ipv4Addr, ClientKey>,
    /// Pool addresses never bound (or returned), lowest first.
    free: BTreeSet<u32>,
    quarantine: HashMap<Ipv4Addr, Instant>,
    statics_by_addr: HashMap<Ipv4Addr, usize>,
    replies: VecDeque<Reply>,
    next_deadline: Option<Instant>,
    changed: bool,
    stats: ServerStats,
}

fn in_subnet(a: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let m = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix as u32)
    };
    u32::from(a) & m == u32::from(net) & m
}

impl Server {
    /// Checks the configuration and builds an empty server.
    pub fn new(cfg: ServerConfig) -> Result<Server, ConfigError> {
        if cfg.prefix_len > 30 {
            return Err(ConfigError::BadPool("prefix length over 30"));
        }
        let (s, e) = (u32::from(cfg.pool_start), u32::from(cfg.pool_end));
        if s > e {
            return Err(ConfigError::BadPool("pool start after pool end"));
        }
        if e - s >= MAX_POOL_SIZE {
            return Err(ConfigError::BadPool("pool larger than MAX_POOL_SIZE"));
        }
        let subnet = |a| in_subnet(a, cfg.server_ip, cfg.prefix_len);
        if !subnet(cfg.pool_start) || !subnet(cfg.pool_end) {
            return Err(ConfigError::BadPool("pool outside the server's subnet"));
        }
        let mask = Ipv4Addr::from(u32::MAX << (32 - cfg.prefix_len as u32));
        let bcast = u32::from(cfg.server_ip) | !u32::from(mask);
        let net = u32::from(cfg.server_ip) & u32::from(mask);
        let mut statics_by_addr = HashMap::new();
        for (i, st) in cfg.static_leases.iter().enumerate() {
            let a = st.address;
            if !subnet(a)
                || (st.mac.is_none() && st.client_id.is_none())
                || a == cfg.server_ip
                || statics_by_addr.insert(a, i).is_some()
            {
                return Err(ConfigError::BadStatic(a));
            }
        }
        let free = (s..=e)
            .filter(|&a| {
                a != u32::from(cfg.server_ip)
                    && a != bcast
                    && a != net
                    && !statics_by_addr.contains_key(&Ipv4Addr::from(a))
            })
            .collect();
        let names: Vec<&str> = cfg.domain_search.iter().map(String::as_str).collect();
        let mut search = vec![0u8; 4096];
        let n = encode_domain_search(&names, &mut search)
            .map_err(|_| ConfigError::BadOption("domain search list"))?;
        search.truncate(n);
        let mut routes = vec![0u8; cfg.classless_routes.len() * 9];
        let n = encode_classless_routes(&cfg.classless_routes, &mut routes)
            .map_err(|_| ConfigError::BadOption("classless routes"))?;
        routes.truncate(n);
        Ok(Server {
            search,
            routes,
            mask,
            bindings: HashMap::new(),
            by_addr: HashMap::new(),
            free,
            quarantine: HashMap::new(),
            statics_by_addr,
            replies: VecDeque::new(),
            next_deadline: None,
            changed: false,
            stats: ServerStats::default(),
            cfg,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.cfg
    }

    /// The counters.
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// Number of bindings held (offers, leases, expired leases kept for their client).
    pub fn binding_count(&self) -> usize {
        self.bindings.len()
    }

    /// The address leased (not merely offered) to `mac` at `now`, if any.
    pub fn lease_of(&self, mac: MacAddr, now: Instant) -> Option<Ipv4Addr> {
        self.bindings.values().find_map(|b| match b.state {
            BindState::Leased(until) if b.mac == mac && until > now => Some(b.addr),
            _ => None,
        })
    }

    /// True once after leases changed (ACK, RELEASE, DECLINE): time to save them.
    pub fn take_leases_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// The leases to save (expired ones too: a returning client gets its address back).
    pub fn persisted_leases(&self, now: Instant, wall_now: SystemTime) -> Vec<PersistedLease> {
        let unix_now = wall_now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut out: Vec<PersistedLease> = self
            .bindings
            .iter()
            .filter_map(|(k, b)| match b.state {
                BindState::Leased(until) => {
                    let left = until.saturating_duration_since(now).as_secs();
                    Some(PersistedLease {
                        address: b.addr,
                        mac: b.mac,
                        client_id: k.client_id().map(<[u8]>::to_vec),
                        expires_unix: unix_now + left,
                    })
                }
                BindState::Offered(_) => None,
            })
            .collect();
        out.sort_by_key(|l| u32::from(l.address));
        out
    }

    /// Takes back leases saved before a restart. Entries that no longer fit
    /// the configuration (outside the pool, a static address of someone
    /// else, a repeated address or client) are skipped; returns how many were taken.
    pub fn restore(
        &mut self,
        now: Instant,
        wall_now: SystemTime,
        leases: &[PersistedLease],
    ) -> usize {
        let unix_now = wall_now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut n = 0;
        for l in leases {
            let key = match &l.client_id {
                Some(id) if id.len() >= 2 => {
                    let mut k = vec![0];
                    k.extend_from_slice(id);
                    ClientKey(k.into())
                }
                _ => match ClientKey::hw(1, l.mac.as_bytes()) {
                    Some(k) => k,
                    None => continue,
                },
            };
            if self.bindings.contains_key(&key) || self.by_addr.contains_key(&l.address) {
                continue;
            }
            let is_static_for_it = self.static_for(&key, Some(l.mac)) == Some(l.address);
            if !is_static_for_it && !self.free.contains(&u32::from(l.address)) {
                continue;
            }
            let left = Duration::from_secs(l.expires_unix.saturating_sub(unix_now));
            self.free.remove(&u32::from(l.address));
            self.by_addr.insert(l.address, key.clone());
            self.bindings.insert(
                key,
                Binding {
                    addr: l.address,
                    state: BindState::Leased(now + left),
                    mac: l.mac,
                },
            );
            n += 1;
        }
        n
    }

    fn static_for(&self, key: &ClientKey, mac: Option<MacAddr>) -> Option<Ipv4Addr> {
        let id = key.client_id();
        self.cfg
            .static_leases
            .iter()
            .find(|s| id.is_some() && s.client_id.as_deref() == id)
            .or_else(|| {
                self.cfg
                    .static_leases
                    .iter()
                    .find(|s| mac.is_some() && s.mac == mac)
            })
            .map(|s| s.address)
    }

    /// Whether `addr` may be bound to `key` now.
    fn available_for(
        &self,
        key: &ClientKey,
        mac: Option<MacAddr>,
        addr: Ipv4Addr,
        now: Instant,
    ) -> bool {
        if self.static_for(key, mac) == Some(addr) {
            return true;
        }
        if self.statics_by_addr.contains_key(&addr) || self.quarantine.contains_key(&addr) {
            return false;
        }
        match self.by_addr.get(&addr) {
            Some(k) if k == key => true,
            Some(k) => {
                self.bindings.get(k).is_some_and(|b| match b.state {
                    BindState::Offered(t) | BindState::Leased(t) => t <= now,
                }) && self.in_pool(addr)
            }
            None => self.free.contains(&u32::from(addr)),
        }
    }

    fn in_pool(&self, a: Ipv4Addr) -> bool {
        (self.cfg.pool_start..=self.cfg.pool_end).contains(&a)
    }

    /// Binds `addr` to `key`, unbinding whoever held it (only when expired,
    /// checked by the caller) and the key's previous address.
    fn bind(&mut self, key: &ClientKey, mac: MacAddr, addr: Ipv4Addr, state: BindState) {
        if let Some(old) = self.by_addr.get(&addr).cloned()
            && &old != key
        {
            self.bindings.remove(&old);
        }
        if let Some(prev) = self.bindings.get(key).map(|b| b.addr)
            && prev != addr
        {
            self.unbind_addr(prev);
        }
        self.free.remove(&u32::from(addr));
        self.by_addr.insert(addr, key.clone());
        self.bindings
            .insert(key.clone(), Binding { addr, state, mac });
        if let BindState::Offered(t) = state {
            self.note_deadline(t);
        }
    }

    /// Forgets the binding of `addr` and returns it to the free set.
    fn unbind_addr(&mut self, addr: Ipv4Addr) {
        if let Some(k) = self.by_addr.remove(&addr) {
            self.bindings.remove(&k);
        }
        if self.in_pool(addr) && !self.statics_by_addr.contains_key(&addr) {
            self.free.insert(u32::from(addr));
        }
    }

    fn note_deadline(&mut self, t: Instant) {
        self.next_deadline = Some(self.next_deadline.map_or(t, |d| d.min(t)));
    }

    /// Picks an address for a DISCOVER (RFC 2131 §4.3.1 order).
    fn choose(
        &mut self,
        key: &ClientKey,
        mac: Option<MacAddr>,
        requested: Option<Ipv4Addr>,
        now: Instant,
    ) -> Option<Ipv4Addr> {
        if let Some(s) = self.static_for(key, mac) {
            return Some(s);
        }
        if let Some(b) = self.bindings.get(key)
            && !self.quarantine.contains_key(&b.addr)
        {
            return Some(b.addr);
        }
        if let Some(r) = requested
            && self.in_pool(r)
            && self.available_for(key, mac, r, now)
        {
            return Some(r);
        }
        if let Some(&a) = self.free.iter().next() {
            return Some(Ipv4Addr::from(a));
        }
        // Reuse the address whose lease or offer ended longest ago.
        self.bindings
            .values()
            .filter_map(|b| match b.state {
                BindState::Offered(t) | BindState::Leased(t) if t <= now => Some((t, b.addr)),
                _ => None,
            })
            .filter(|(_, a)| !self.statics_by_addr.contains_key(a))
            .min()
            .map(|(_, a)| a)
    }

    /// Feeds one UDP payload received on port 67.
    pub fn handle_input(&mut self, now: Instant, datagram: &[u8]) {
        self.handle_timeout(now);
        let Ok(r) = DhcpPacket::new_checked(datagram).and_then(|p| DhcpRepr::parse(&p)) else {
            self.stats.rx_malformed += 1;
            return;
        };
        if r.op != OpCode::Request || (r.htype == 1 && r.hlen != 6) {
            self.stats.rx_invalid += 1;
            return;
        }
        if !r.giaddr.is_unspecified() {
            self.stats.rx_relayed += 1;
            return;
        }
        let Some(key) = ClientKey::of(&r) else {
            self.stats.rx_invalid += 1;
            return;
        };
        let mac = r.client_mac();
        match r.message_type {
            MessageType::Discover => match self.choose(&key, mac, r.requested_ip, now) {
                Some(addr) => {
                    // A live lease stays a lease; anything else becomes a held offer.
                    let keep_lease = matches!(
                        self.bindings.get(&key),
                        Some(b) if b.addr == addr && matches!(b.state, BindState::Leased(t) if t > now)
                    );
                    if !keep_lease {
                        let hold = BindState::Offered(now + self.cfg.offer_hold);
                        self.bind(&key, mac.unwrap_or_default(), addr, hold);
                    }
                    self.stats.offers += 1;
                    self.reply(&r, MessageType::Offer, addr, true);
                }
                None => {
                    self.stats.pool_exhausted += 1;
                    // Logged at 1, 2, 4, 8, … so a flood cannot flood the log.
                    if self.stats.pool_exhausted.is_power_of_two() {
                        tracing::warn!(
                        pool_exhausted = self.stats.pool_exhausted,
                        client = ?mac,
                        "dhcp server: address pool exhausted, no offer"
                        );
                    }
                }
            },
            MessageType::Request => self.request(&r, &key, mac, now),
            MessageType::Release => {
                if r.server_id != Some(self.cfg.server_ip) {
                    self.stats.rx_other_server += 1;
                    return;
                }
                match self.bindings.get_mut(&key) {
                    Some(b) if b.addr == r.ciaddr && matches!(b.state, BindState::Leased(_)) => {
                        b.state = BindState::Leased(now);
                        self.changed = true;
                        self.stats.releases += 1;
                    }
                    _ => self.stats.rx_unmatched += 1,
                }
            }
            MessageType::Decline => {
                if r.server_id != Some(self.cfg.server_ip) {
                    self.stats.rx_other_server += 1;
                    return;
                }
                match (self.bindings.get(&key), r.requested_ip) {
                    (Some(b), Some(req)) if b.addr == req => {
                        self.unbind_addr(req);
                        self.free.remove(&u32::from(req));
                        let until = now + self.cfg.decline_quarantine;
                        self.quarantine.insert(req, until);
                        self.note_deadline(until);
                        self.changed = true;
                        self.stats.declines += 1;
                        tracing::info!(address = %req, "dhcp server: address declined, quarantined");
                    }
                    _ => self.stats.rx_unmatched += 1,
                }
            }
            MessageType::Inform => {
                if r.ciaddr.is_unspecified() {
                    self.stats.rx_invalid += 1;
                    return;
                }
                self.stats.informs += 1;
                self.stats.acks += 1;
                self.reply(&r, MessageType::Ack, Ipv4Addr::UNSPECIFIED, false);
            }
            _ => self.stats.rx_invalid += 1,
        }
    }

    fn request(&mut self, r: &DhcpRepr<'_>, key: &ClientKey, mac: Option<MacAddr>, now: Instant) {
        let lease_until = now + self.cfg.lease_time;
        let subnet = |a| in_subnet(a, self.cfg.server_ip, self.cfg.prefix_len);
        let (addr, grant) = if let Some(sid) = r.server_id {
            // SELECTING: the client answers an OFFER.
            if sid != self.cfg.server_ip {
                // It chose another server: free what we offered.
                if let Some(b) = self.bindings.get(key)
                    && matches!(b.state, BindState::Offered(_))
                {
                    let a = b.addr;
                    self.unbind_addr(a);
                }
                self.stats.rx_other_server += 1;
                return;
            }
            let Some(req) = r
                .requested_ip
                .or((!r.ciaddr.is_unspecified()).then_some(r.ciaddr))
            else {
                self.stats.rx_invalid += 1;
                return;
            };
            let ok = matches!(self.bindings.get(key), Some(b) if b.addr == req)
                || self.static_for(key, mac) == Some(req);
            (req, ok)
        } else if let Some(req) = r.requested_ip.filter(|_| r.ciaddr.is_unspecified()) {
            // INIT-REBOOT: verify a remembered address.
            let ok = subnet(req)
                && match self.bindings.get(key) {
                    Some(b) => b.addr == req,
                    None => self.available_for(key, mac, req, now),
                };
            (req, ok)
        } else if !r.ciaddr.is_unspecified() {
            // RENEWING / REBINDING.
            let req = r.ciaddr;
            let ok = subnet(req)
                && match self.bindings.get(key) {
                    Some(b) => b.addr == req,
                    None => self.available_for(key, mac, req, now),
                };
            (req, ok)
        } else {
            self.stats.rx_invalid += 1;
            return;
        };
        // A client with a static lease is moved onto it.
        let grant = grant
            && self.static_for(key, mac).is_none_or(|s| s == addr)
            && !self.quarantine.contains_key(&addr);
        if grant {
            self.bind(
                key,
                mac.unwrap_or_default(),
                addr,
                BindState::Leased(lease_until),
            );
            self.changed = true;
            self.stats.acks += 1;
            self.reply(r, MessageType::Ack, addr, true);
        } else {
            self.stats.naks += 1;
            self.reply(r, MessageType::Nak, Ipv4Addr::UNSPECIFIED, false);
        }
    }

    /// Builds and queues a reply to `req`.
    fn reply(&mut self, req: &DhcpRepr<'_>, mt: MessageType, yiaddr: Ipv4Addr, lease: bool) {
        if self.replies.len() >= self.cfg.max_pending_replies {
            self.stats.tx_dropped += 1;
            return;
        }
        let mut r = DhcpRepr::new_request(mt, req.xid, [0; 6]);
        r.op = OpCode::Reply;
        r.htype = req.htype;
        r.hlen = req.hlen;
        r.chaddr = req.chaddr;
        r.broadcast = req.broadcast;
        r.giaddr = req.giaddr;
        r.yiaddr = yiaddr;
        r.server_id = Some(self.cfg.server_ip);
        r.client_id = req.client_id;
        r.relay_agent_info = req.relay_agent_info;
        let routers = self.cfg.router.map(|r| [r]);
        if mt == MessageType::Nak {
            r.client_id = req.client_id;
            r.message = Some(OptionData::from_bytes(b"address not available"));
        } else {
            if lease {
                r.ciaddr = req.ciaddr;
                let secs = self.cfg.lease_time.as_secs().min(u32::MAX as u64) as u32;
                r.lease_time = Some(secs);
                if secs != u32::MAX {
                    r.renewal_time = Some(secs / 2);
                    r.rebinding_time = Some((secs as u64 * 7 / 8) as u32);
                }
            } else {
                r.ciaddr = req.ciaddr;
            }
            r.subnet_mask = Some(self.mask);
            r.broadcast_address = Some(Ipv4Addr::from(
                u32::from(self.cfg.server_ip) | !u32::from(self.mask),
            ));
            r.router = routers.as_ref().map(|a| Ipv4List::new(a));
            r.dns_servers =
                (!self.cfg.dns_servers.is_empty()).then(|| Ipv4List::new(&self.cfg.dns_servers));
            r.domain_name = self
                .cfg
                .domain_name
                .as_deref()
                .map(|d| OptionData::from_bytes(d.as_bytes()));
            r.interface_mtu = self.cfg.mtu;
            if !self.search.is_empty() && req.requests_option(opt::DOMAIN_SEARCH) {
                r.domain_search = Some(OptionData::from_bytes(&self.search));
            }
            if !self.routes.is_empty() && req.requests_option(opt::CLASSLESS_STATIC_ROUTES) {
                r.classless_routes = Some(OptionData::from_bytes(&self.routes));
            }
        }
        // Stay within what the client accepts (RFC 2131 §2, option 57).
        let limit = req
            .max_message_size
            .map_or(DEFAULT_MAX_MESSAGE_SIZE, |m| {
                (m as usize).saturating_sub(28)
            })
            .max(DEFAULT_MAX_MESSAGE_SIZE);
        if r.buffer_len() > limit {
            r.domain_search = None;
        }
        if r.buffer_len() > limit {
            r.classless_routes = None;
        }
        let mut bytes = vec![0u8; r.buffer_len()];
        if r.emit(&mut DhcpPacket::new_unchecked(&mut bytes[..]))
            .is_err()
        {
            self.stats.tx_dropped += 1;
            return;
        }
        // RFC 2131 §4.1: where the reply goes.
        let ethernet = req.client_mac();
        let (dst_ip, dst_mac) = if mt == MessageType::Nak {
            (Ipv4Addr::BROADCAST, MacAddr::BROADCAST)
        } else if !req.ciaddr.is_unspecified() {
            (req.ciaddr, ethernet.unwrap_or(MacAddr::BROADCAST))
        } else if req.broadcast || ethernet.is_none() {
            (Ipv4Addr::BROADCAST, MacAddr::BROADCAST)
        } else {
            (yiaddr, ethernet.unwrap_or(MacAddr::BROADCAST))
        };
        self.replies.push_back(Reply {
            bytes,
            dst_ip,
            dst_mac,
        });
    }

    /// Writes the next reply into `buf`; `None` when none is queued.
    pub fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<ServerTransmit> {
        loop {
            let r = self.replies.pop_front()?;
            match buf.get_mut(..r.bytes.len()) {
                Some(out) => {
                    out.copy_from_slice(&r.bytes);
                    return Some(ServerTransmit {
                        len: r.bytes.len(),
                        dst_ip: r.dst_ip,
                        dst_mac: r.dst_mac,
                    });
                }
                None => self.stats.tx_dropped += 1,
            }
        }
    }

    /// When an offer hold or a quarantine ends next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_deadline
    }

    /// Ends offer holds and quarantines that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.next_deadline.is_none_or(|d| d > now) {
            return;
        }
        let due: Vec<Ipv4Addr> = self
            .bindings
            .values()
            .filter(|b| matches!(b.state, BindState::Offered(t) if t <= now))
            .map(|b| b.addr)
            .collect();
        for a in due {
            self.unbind_addr(a);
        }
        let over: Vec<Ipv4Addr> = self
            .quarantine
            .iter()
            .filter(|&(_, &t)| t <= now)
            .map(|(&a, _)| a)
            .collect();
        for a in over {
            self.quarantine.remove(&a);
            if self.in_pool(a) && !self.statics_by_addr.contains_key(&a) {
                self.free.insert(u32::from(a));
            }
        }
        self.next_deadline = self
            .bindings
            .values()
            .filter_map(|b| match b.state {
                BindState::Offered(t) => Some(t),
                BindState::Leased(_) => None,
            })
            .chain(self.quarantine.values().copied())
            .min();
    }
}
