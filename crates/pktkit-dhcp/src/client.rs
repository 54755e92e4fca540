//! [`Client`]: the sans-I/O RFC 2131 client state machine.
//!
//! Bytes and time in, bytes and deadlines out: no sockets, no clock, no
//! threads. The driver (see [`crate::device::ClientDevice`], or your own)
//! moves DHCP payloads between the engine and UDP port 68.
//!
//! ## Call order
//!
//! 1. [`Client::new`] (the first DISCOVER, or an INIT-REBOOT REQUEST when
//!    [`ClientConfig::previous_address`] is set, is ready at once);
//! 2. whenever a UDP datagram for port 68 arrives: [`Client::handle_input`];
//! 3. after any input or timeout: drain [`Client::poll_transmit`] (send each
//!    to port 67 of [`Transmit::dst`]) and [`Client::poll_event`];
//! 4. sleep until [`Client::poll_timeout`] and call [`Client::handle_timeout`]
//!    (calling it early or twice is harmless).
//!
//! Retransmissions follow RFC 2131 §4.1: 4 s, doubling up to 64 s, each
//! randomised by ±1 s from the caller's seed; in RENEWING/REBINDING half the
//! time left to T2 / expiry, at least 60 s. The random 1–10 s wait before the
//! first DISCOVER is left to the caller (delay the first `poll_transmit`).
//! Malformed or foreign replies are counted in [`ClientStats`] and dropped.
//!
//! Not here: ARP probing of the offered address (call [`Client::decline`] if
//! your probe finds it in use) or configuring an interface (read [`Lease`]).

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use pktkit_wire::MacAddr;
use pktkit_wire::dhcpv4::{DhcpPacket, DhcpRepr, MessageType, OpCode, OptionData, opt};

use crate::lease::Lease;
use crate::rng::Rng;

/// How a [`Client`] is set up.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The interface's MAC address (`chaddr`).
    pub mac: MacAddr,
    /// Option 61; `None` sends the RFC 2132 default `01` + MAC.
    pub client_id: Option<Vec<u8>>,
    /// Option 12, if any.
    pub hostname: Option<String>,
    /// An address held before (a reboot): start in INIT-REBOOT asking for it.
    pub previous_address: Option<Ipv4Addr>,
    /// Ask servers to broadcast their replies (for stacks that cannot take
    /// unicast before they have an address).
    pub broadcast_replies: bool,
    /// REQUESTs sent in REQUESTING or REBOOTING before starting over.
    pub max_request_attempts: u32,
    /// Seed for transaction ids and jitter.
    pub seed: u64,
}

impl ClientConfig {
    /// Defaults for `mac`: no hostname, no previous address, 4 REQUEST attempts,
    /// seed from the MAC (pass a real random seed in production).
    pub fn new(mac: MacAddr) -> Self {
        ClientConfig {
            mac,
            client_id: None,
            hostname: None,
            previous_address: None,
            broadcast_replies: false,
            max_request_attempts: 4,
            seed: mac.to_u64(),
        }
    }
}

/// The RFC 2131 §4.4 client states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientState {
    /// Waiting to (re)start discovery (after a DECLINE, RFC 2131 §3.1 step 5).
    Init,
    /// DISCOVER sent, waiting for an OFFER.
    Selecting,
    /// REQUEST for an offer sent, waiting for the ACK.
    Requesting,
    /// Holding a lease, waiting for T1.
    Bound,
    /// Past T1: REQUEST unicast to the leasing server.
    Renewing,
    /// Past T2: REQUEST broadcast to any server.
    Rebinding,
    /// Starting with a previous address (INIT-REBOOT): about to ask for it.
    InitReboot,
    /// INIT-REBOOT REQUEST sent, waiting for ACK or NAK.
    Rebooting,
    /// The lease was given back with [`Client::release`]; idle until [`Client::restart`].
    Released,
}

/// Why a lease ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LossReason {
    /// A server answered a renewal with DHCPNAK.
    Nak,
    /// The lease expired without a renewal.
    Expired,
    /// [`Client::release`] gave it back.
    Released,
    /// [`Client::decline`] refused it.
    Declined,
}

/// What the client tells its application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new lease: configure the interface.
    LeaseAcquired(Lease),
    /// The lease was extended (same address; options may have changed).
    LeaseRenewed(Lease),
    /// The lease is gone: deconfigure the address.
    LeaseLost {
        /// The address that was leased.
        address: Ipv4Addr,
        /// Why.
        reason: LossReason,
    },
}

/// A datagram [`Client::poll_transmit`] wrote: send it from UDP port 68 to port 67.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the datagram is in the buffer and must be sent"]
pub struct Transmit {
    /// Bytes written at the start of the buffer.
    pub len: usize,
    /// Source IPv4 address (0.0.0.0 before a lease).
    pub src: Ipv4Addr,
    /// Destination: 255.255.255.255, or the server for renewals and releases.
    pub dst: Ipv4Addr,
}

impl Transmit {
    /// True when sent to 255.255.255.255 (Ethernet broadcast).
    pub fn is_broadcast(&self) -> bool {
        self.dst.is_broadcast()
    }
}

/// Counters of a [`Client`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Datagrams sent.
    pub tx: u64,
    /// Inputs that were not a valid DHCP message.
    pub rx_malformed: u64,
    /// Valid messages not for us or not expected in this state.
    pub rx_ignored: u64,
    /// OFFERs taken.
    pub offers: u64,
    /// ACKs taken.
    pub acks: u64,
    /// NAKs taken.
    pub naks: u64,
}

/// The message the current state sends (and resends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OneShot {
    Release { address: Ipv4Addr, server: Ipv4Addr },
    Decline { address: Ipv4Addr, server: Ipv4Addr },
}

/// Options asked for in every DISCOVER and REQUEST.
const PARAMETER_REQUEST_LIST: [u8; 13] = [
    opt::SUBNET_MASK,
    opt::ROUTER,
    opt::DNS_SERVERS,
    opt::HOSTNAME,
    opt::DOMAIN_NAME,
    opt::INTERFACE_MTU,
    opt::BROADCAST_ADDRESS,
    opt::LEASE_TIME,
    opt::SERVER_ID,
    opt::RENEWAL_TIME,
    opt::REBINDING_TIME,
    opt::DOMAIN_SEARCH,
    opt::CLASSLESS_STATIC_ROUTES,
];

/// How long to wait after a DECLINE before discovering again (RFC 2131 §3.1).
pub const DECLINE_WAIT: Duration = Duration::from_secs(10);
/// Least wait between retransmissions in RENEWING and REBINDING (RFC 2131 §4.4.5).
pub const MIN_RENEW_RETRANSMIT: Duration = Duration::from_secs(60);

/// The DHCP client engine. See the [module docs](self) for the call order.
///
/// ```
/// use std::time::Instant;
/// use pktkit_dhcp::client::{Client, ClientConfig, ClientState};
/// use pktkit_wire::MacAddr;
///
/// let now = Instant::now();
/// let mut client = Client::new(ClientConfig::new(MacAddr::new(2, 0, 0, 0, 0, 1)), now);
/// let mut buf = [0u8; 1500];
/// let tx = client.poll_transmit(now, &mut buf).unwrap(); // the DISCOVER
/// assert!(tx.is_broadcast());
/// assert_eq!(client.state(), ClientState::Selecting);
/// assert!(client.poll_timeout().unwrap() > now); // when to retransmit
/// ```
#[derive(Debug)]
pub struct Client {
    cfg: ClientConfig,
    client_id: Vec<u8>,
    rng: Rng,
    state: ClientState,
    xid: u32,
    /// When the current exchange began (for `secs`).
    started: Instant,
    /// A message of the current state is due now.
    pending: bool,
    /// When to resend it.
    retransmit_at: Option<Instant>,
    attempt: u32,
    /// The OFFER taken in SELECTING: (address, server id).
    offer: Option<(Ipv4Addr, Ipv4Addr)>,
    /// When the REQUEST that got the ACK was sent (the lease's start).
    request_sent_at: Instant,
    lease: Option<Lease>,
    t1: Option<Instant>,
    t2: Option<Instant>,
    expiry: Option<Instant>,
    restart_at: Option<Instant>,
    one_shot: Option<OneShot>,
    events: VecDeque<Event>,
    stats: ClientStats,
}

impl Client {
    /// A client about to send its first DISCOVER (or INIT-REBOOT REQUEST).
    pub fn new(cfg: ClientConfig, now: Instant) -> Client {
        let client_id = cfg.client_id.clone().unwrap_or_else(|| {
            let mut id = vec![1];
            id.extend_from_slice(cfg.mac.as_bytes());
            id
        });
        let mut c = Client {
            rng: Rng::new(cfg.seed),
            client_id,
            state: ClientState::Init,
            xid: 0,
            started: now,
            pending: false,
            retransmit_at: None,
            attempt: 0,
            offer: None,
            request_sent_at: now,
            lease: None,
            t1: None,
            t2: None,
            expiry: None,
            restart_at: None,
            one_shot: None,
            events: VecDeque::new(),
            stats: ClientStats::default(),
            cfg,
        };
        if c.cfg.previous_address.is_some() {
            c.state = ClientState::InitReboot;
            c.new_exchange(now);
            c.state = ClientState::Rebooting;
        } else {
            c.start_discovery(now);
        }
        c
    }

    /// The current state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// The lease held, if any.
    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }

    /// The counters.
    pub fn stats(&self) -> &ClientStats {
        &self.stats
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    fn new_exchange(&mut self, now: Instant) {
        self.xid = self.rng.next_u32();
        self.started = now;
        self.attempt = 0;
        self.pending = true;
        self.retransmit_at = None;
    }

    fn start_discovery(&mut self, now: Instant) {
        self.offer = None;
        self.restart_at = None;
        self.state = ClientState::Selecting;
        self.new_exchange(now);
    }

    fn clear_lease_timers(&mut self) {
        self.t1 = None;
        self.t2 = None;
        self.expiry = None;
    }

    fn lose_lease(&mut self, reason: LossReason) {
        if let Some(l) = self.lease.take() {
            self.events.push_back(Event::LeaseLost {
                address: l.address,
                reason,
            });
        }
        self.clear_lease_timers();
    }

    /// Feeds one UDP payload received on port 68. Anything that is not a
    /// reply to us, expected in this state, is counted and dropped.
    pub fn handle_input(&mut self, now: Instant, datagram: &[u8]) {
        let Ok(repr) = DhcpPacket::new_checked(datagram).and_then(|p| DhcpRepr::parse(&p)) else {
            self.stats.rx_malformed += 1;
            return;
        };
        if repr.op != OpCode::Reply
            || repr.xid != self.xid
            || repr.client_mac() != Some(self.cfg.mac)
        {
            self.stats.rx_ignored += 1;
            return;
        }
        use ClientState as S;
        match (self.state, repr.message_type) {
            (S::Selecting, MessageType::Offer) => {
                let addr = repr.yiaddr;
                let Some(server) = repr.server_id else {
                    self.stats.rx_ignored += 1;
                    return;
                };
                if addr.is_unspecified() || addr.is_broadcast() || addr.is_multicast() {
                    self.stats.rx_ignored += 1;
                    return;
                }
                self.stats.offers += 1;
                self.offer = Some((addr, server));
                self.state = S::Requesting;
                self.attempt = 0;
                self.pending = true;
                self.retransmit_at = None;
            }
            (S::Requesting | S::Rebooting | S::Renewing | S::Rebinding, MessageType::Ack) => {
                if !self.is_from_our_server(&repr) {
                    self.stats.rx_ignored += 1;
                    return;
                }
                let fallback = self.lease.as_ref().map(|l| l.server_id);
                let Some(lease) = Lease::from_ack(&repr, fallback) else {
                    self.stats.rx_ignored += 1;
                    return;
                };
                self.stats.acks += 1;
                self.bind(now, lease);
            }
            (S::Requesting | S::Rebooting | S::Renewing | S::Rebinding, MessageType::Nak) => {
                if !self.is_from_our_server(&repr) {
                    self.stats.rx_ignored += 1;
                    return;
                }
                self.stats.naks += 1;
                self.lose_lease(LossReason::Nak);
                self.start_discovery(now);
            }
            _ => self.stats.rx_ignored += 1,
        }
    }

    /// In REQUESTING only the chosen server may answer; in RENEWING only ours.
    fn is_from_our_server(&self, repr: &DhcpRepr<'_>) -> bool {
        let expected = match self.state {
            ClientState::Requesting => self.offer.map(|o| o.1),
            ClientState::Renewing => self.lease.as_ref().map(|l| l.server_id),
            _ => None,
        };
        match (expected, repr.server_id) {
            (Some(e), Some(s)) => e == s,
            _ => true,
        }
    }

    fn bind(&mut self, _now: Instant, lease: Lease) {
        let base = self.request_sent_at;
        let renewed = matches!(self.state, ClientState::Renewing | ClientState::Rebinding)
            && self
                .lease
                .as_ref()
                .is_some_and(|l| l.address == lease.address);
        if !renewed {
            // A different address on rebinding: the old one is gone.
            if self.lease.is_some() {
                self.lose_lease(LossReason::Nak);
            }
        }
        if lease.is_infinite() {
            self.clear_lease_timers();
        } else {
            self.t1 = Some(base + lease.renewal_time);
            self.t2 = Some(base + lease.rebinding_time);
            self.expiry = Some(base + lease.lease_time);
        }
        self.state = ClientState::Bound;
        self.pending = false;
        self.retransmit_at = None;
        self.offer = None;
        self.lease = Some(lease.clone());
        self.events.push_back(if renewed {
            Event::LeaseRenewed(lease)
        } else {
            Event::LeaseAcquired(lease)
        });
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.retransmit_at,
            self.restart_at,
            match self.state {
                ClientState::Bound => self.t1,
                _ => None,
            },
            match self.state {
                ClientState::Bound | ClientState::Renewing => self.t2,
                _ => None,
            },
            self.expiry,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Advances the timers: retransmissions, T1, T2, expiry, restarts.
    pub fn handle_timeout(&mut self, now: Instant) {
        use ClientState as S;
        if self.restart_at.is_some_and(|t| t <= now) && self.state == S::Init {
            self.start_discovery(now);
        }
        if self.expiry.is_some_and(|t| t <= now) {
            self.lose_lease(LossReason::Expired);
            self.start_discovery(now);
            return;
        }
        match self.state {
            S::Bound | S::Renewing if self.t2.is_some_and(|t| t <= now) => {
                self.state = S::Rebinding;
                self.new_exchange(now);
                return;
            }
            S::Bound if self.t1.is_some_and(|t| t <= now) => {
                self.state = S::Renewing;
                self.new_exchange(now);
                return;
            }
            _ => {}
        }
        if self.retransmit_at.is_some_and(|t| t <= now) {
            self.retransmit_at = None;
            self.attempt += 1;
            if matches!(self.state, S::Requesting | S::Rebooting)
                && self.attempt >= self.cfg.max_request_attempts
            {
                self.start_discovery(now);
            } else {
                self.pending = true;
            }
        }
    }

    /// Gives the lease back (DHCPRELEASE to the server) and goes idle in
    /// [`ClientState::Released`]. Does nothing without a lease.
    pub fn release(&mut self, _now: Instant) {
        let Some(l) = self.lease.as_ref() else { return };
        self.one_shot = Some(OneShot::Release {
            address: l.address,
            server: l.server_id,
        });
        self.lose_lease(LossReason::Released);
        self.state = ClientState::Released;
        self.pending = false;
        self.retransmit_at = None;
        self.xid = self.rng.next_u32();
    }

    /// Refuses the lease just acquired (an ARP probe found the address in
    /// use): DHCPDECLINE, then discovery again after [`DECLINE_WAIT`].
    pub fn decline(&mut self, now: Instant) {
        let Some(l) = self.lease.as_ref() else { return };
        self.one_shot = Some(OneShot::Decline {
            address: l.address,
            server: l.server_id,
        });
        self.lose_lease(LossReason::Declined);
        self.state = ClientState::Init;
        self.pending = false;
        self.retransmit_at = None;
        self.restart_at = Some(now + DECLINE_WAIT);
    }

    /// Starts discovery again after [`release`](Self::release).
    pub fn restart(&mut self, now: Instant) {
        if self.state == ClientState::Released {
            self.start_discovery(now);
        }
    }

    fn backoff(&mut self) -> Duration {
        let base = Duration::from_secs(4u64 << self.attempt.min(4));
        // ±1 s of jitter (RFC 2131 §4.1), in milliseconds.
        let jitter = self.rng.below(2001);
        base + Duration::from_millis(jitter) - Duration::from_secs(1)
    }

    /// Writes the next datagram to send into `buf`; `None` when nothing is due
    /// (or `buf` is too small: then the message is dropped, as if lost).
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        if let Some(one) = self.one_shot.take() {
            return self.emit_one_shot(one, now, buf);
        }
        if !self.pending {
            return None;
        }
        self.pending = false;
        use ClientState as S;
        let backoff = self.backoff();
        let secs = now
            .saturating_duration_since(self.started)
            .as_secs()
            .min(65535) as u16;
        let mut r = DhcpRepr::new_request(MessageType::Discover, self.xid, self.cfg.mac.octets());
        r.secs = secs;
        r.broadcast = self.cfg.broadcast_replies;
        r.client_id = Some(OptionData::from_bytes(&self.client_id));
        r.hostname = self
            .cfg
            .hostname
            .as_deref()
            .map(|h| OptionData::from_bytes(h.as_bytes()));
        r.parameter_request_list = Some(OptionData::from_bytes(&PARAMETER_REQUEST_LIST));
        r.max_message_size = Some(1500);
        let mut dst = Ipv4Addr::BROADCAST;
        let mut src = Ipv4Addr::UNSPECIFIED;
        let wait = match self.state {
            S::Selecting => {
                r.requested_ip = self.cfg.previous_address;
                backoff
            }
            S::Requesting => {
                let (addr, server) = self.offer?;
                r.message_type = MessageType::Request;
                r.requested_ip = Some(addr);
                r.server_id = Some(server);
                self.request_sent_at = now;
                backoff
            }
            S::Rebooting | S::InitReboot => {
                r.message_type = MessageType::Request;
                r.requested_ip = self.cfg.previous_address;
                self.request_sent_at = now;
                backoff
            }
            S::Renewing | S::Rebinding => {
                let l = self.lease.as_ref()?;
                r.message_type = MessageType::Request;
                r.ciaddr = l.address;
                r.broadcast = false;
                src = l.address;
                let until = if self.state == S::Renewing {
                    dst = l.server_id;
                    self.t2?
                } else {
                    self.expiry?
                };
                self.request_sent_at = now;
                (until.saturating_duration_since(now) / 2).max(MIN_RENEW_RETRANSMIT)
            }
            S::Init | S::Bound | S::Released => return None,
        };
        self.retransmit_at = Some(now + wait);
        let len = r.buffer_len();
        let out = buf.get_mut(..len)?;
        r.emit(&mut DhcpPacket::new_unchecked(out)).ok()?;
        self.stats.tx += 1;
        Some(Transmit { len, src, dst })
    }

    fn emit_one_shot(&mut self, one: OneShot, _now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let (mt, address, server) = match one {
            OneShot::Release { address, server } => (MessageType::Release, address, server),
            OneShot::Decline { address, server } => (MessageType::Decline, address, server),
        };
        let mut r = DhcpRepr::new_request(mt, self.rng.next_u32(), self.cfg.mac.octets());
        r.client_id = Some(OptionData::from_bytes(&self.client_id));
        r.server_id = Some(server);
        let (src, dst) = if mt == MessageType::Release {
            // RFC 2131 Table 5: ciaddr set, unicast to the server.
            r.ciaddr = address;
            (address, server)
        } else {
            r.requested_ip = Some(address);
            (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST)
        };
        let len = r.buffer_len();
        let out = buf.get_mut(..len)?;
        r.emit(&mut DhcpPacket::new_unchecked(out)).ok()?;
        self.stats.tx += 1;
        Some(Transmit { len, src, dst })
    }
}
