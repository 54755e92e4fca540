//! The engines on an Ethernet network: [`ServerDevice`] and [`ClientDevice`].
//!
//! Both are [`L2Device`]s: frames *sent to* them are what they receive from
//! the network, and the frames they produce go to their handler. Join them to
//! a TAP or a hub port with [`pktkit_core::connect_l2`]. They build and read
//! the Ethernet/IPv4/UDP headers around each DHCP message and answer ARP for
//! their own address (the server's, or the client's leased one), which a
//! kernel peer needs before it unicasts to them.
//!
//! Not for: sockets (use the engines directly with a UDP socket) or several
//! subnets per device.

use std::io;
use std::net::Ipv4Addr;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use pktkit_core::{L2Device, L2Handler};
use pktkit_wire::dhcpv4::{CLIENT_PORT, SERVER_PORT};
use pktkit_wire::{Frame, MacAddr};

use crate::client::{Client, ClientConfig, ClientState, Event};
use crate::frame::{UDP_OVERHEAD, UdpOut, arp_reply, build_udp, parse_udp};
use crate::lease::Lease;
use crate::server::{ConfigError, Server, ServerConfig, ServerStats};
use crate::store::{LeaseStore, StoreError};

/// Why a device could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The server configuration was refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The lease file could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The client's timer thread could not start.
    #[error("spawning the client thread: {0}")]
    Spawn(io::Error),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

const MAX_FRAME: usize = 1514;

fn deliver(handler: &Mutex<Option<L2Handler>>, frames: Vec<Vec<u8>>) {
    let h = lock(handler).clone();
    let Some(h) = h else { return };
    for f in frames {
        if let Ok(frame) = Frame::parse(&f) {
            // A handler error is the medium's to count; DHCP retransmits.
            let _ = h(frame);
        }
    }
}

struct ServerInner {
    server: Server,
    store: Option<LeaseStore>,
    save_errors: u64,
}

/// A [`Server`] as an Ethernet device.
///
/// Offer holds and quarantines end lazily, when the next message arrives.
/// With a [`LeaseStore`], leases are reloaded at creation and saved after
/// every change (ACK, RELEASE, DECLINE).
pub struct ServerDevice {
    mac: MacAddr,
    inner: Mutex<ServerInner>,
    handler: Mutex<Option<L2Handler>>,
}

impl std::fmt::Debug for ServerDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerDevice")
            .field("mac", &self.mac)
            .finish_non_exhaustive()
    }
}

impl ServerDevice {
    /// A server with MAC `mac`; with `store`, its saved leases are taken back.
    pub fn new(
        cfg: ServerConfig,
        mac: MacAddr,
        store: Option<LeaseStore>,
    ) -> Result<Arc<Self>, DeviceError> {
        let mut server = Server::new(cfg)?;
        if let Some(s) = &store {
            let saved = s.load()?;
            let n = server.restore(Instant::now(), SystemTime::now(), &saved);
            tracing::info!(
                restored = n,
                saved = saved.len(),
                "dhcp server: leases reloaded"
            );
        }
        Ok(Arc::new(ServerDevice {
            mac,
            inner: Mutex::new(ServerInner {
                server,
                store,
                save_errors: 0,
            }),
            handler: Mutex::new(None),
        }))
    }

    /// The server's counters.
    pub fn stats(&self) -> ServerStats {
        *lock(&self.inner).server.stats()
    }

    /// Lease file saves that failed.
    pub fn save_errors(&self) -> u64 {
        lock(&self.inner).save_errors
    }

    /// Runs `f` on the engine (to inspect bindings, say).
    pub fn with_server<R>(&self, f: impl FnOnce(&mut Server) -> R) -> R {
        f(&mut lock(&self.inner).server)
    }

    fn input(&self, frame: &Frame) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let now = Instant::now();
        let mut g = lock(&self.inner);
        let server_ip = g.server.config().server_ip;
        let mut buf = [0u8; MAX_FRAME];
        if let Some(n) = arp_reply(frame.as_bytes(), self.mac, server_ip, &mut buf) {
            out.push(buf[..n].to_vec());
            return out;
        }
        let Some(udp) = parse_udp(frame.as_bytes()) else {
            return out;
        };
        if udp.dst_port != SERVER_PORT || !(udp.dst_mac == self.mac || udp.dst_mac.is_broadcast()) {
            return out;
        }
        g.server.handle_input(now, udp.payload);
        while let Some(t) = g.server.poll_transmit(now, &mut buf[UDP_OVERHEAD..]) {
            let a = UdpOut {
                src_mac: self.mac,
                dst_mac: t.dst_mac,
                src_ip: server_ip,
                dst_ip: t.dst_ip,
                src_port: SERVER_PORT,
                dst_port: CLIENT_PORT,
            };
            if let Some(n) = build_udp(&mut buf, &a, t.len) {
                out.push(buf[..n].to_vec());
            }
        }
        if g.server.take_leases_changed() {
            let leases = g.server.persisted_leases(now, SystemTime::now());
            if let Some(store) = &g.store
                && let Err(e) = store.save(&leases)
            {
                g.save_errors += 1;
                tracing::warn!(error = %e, "dhcp server: saving leases failed");
            }
        }
        out
    }
}

impl L2Device for ServerDevice {
    fn send(&self, frame: &Frame) -> io::Result<()> {
        let out = self.input(frame);
        deliver(&self.handler, out);
        Ok(())
    }

    fn set_handler(&self, handler: L2Handler) {
        *lock(&self.handler) = Some(handler);
    }

    fn hw_addr(&self) -> MacAddr {
        self.mac
    }

    fn close(&self) -> io::Result<()> {
        *lock(&self.handler) = None;
        Ok(())
    }
}

struct ClientInner {
    client: Client,
    /// The server's MAC, learned from its replies (for unicast renewals).
    server_mac: Option<(Ipv4Addr, MacAddr)>,
    events: Sender<Event>,
    closed: bool,
}

struct ClientShared {
    mac: MacAddr,
    inner: Mutex<ClientInner>,
    wake: Condvar,
    handler: Mutex<Option<L2Handler>>,
}

impl ClientShared {
    /// Drains the engine's datagrams into frames.
    fn flush(&self, g: &mut ClientInner, now: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; MAX_FRAME];
        while let Some(t) = g.client.poll_transmit(now, &mut buf[UDP_OVERHEAD..]) {
            let dst_mac = match g.server_mac {
                Some((ip, mac)) if !t.is_broadcast() && ip == t.dst => mac,
                _ => MacAddr::BROADCAST,
            };
            let a = UdpOut {
                src_mac: self.mac,
                dst_mac,
                src_ip: t.src,
                dst_ip: t.dst,
                src_port: CLIENT_PORT,
                dst_port: SERVER_PORT,
            };
            if let Some(n) = build_udp(&mut buf, &a, t.len) {
                out.push(buf[..n].to_vec());
            }
        }
        while let Some(e) = g.client.poll_event() {
            let _ = g.events.send(e);
        }
        out
    }
}

/// A [`Client`] as an Ethernet device, with a thread for its timers.
///
/// Events arrive on [`ClientDevice::recv_event`]; the current lease is
/// [`ClientDevice::lease`]. Closing (or dropping) it stops the thread
/// without releasing the lease; [`ClientDevice::release`] gives it back.
pub struct ClientDevice {
    shared: Arc<ClientShared>,
    events: Mutex<Receiver<Event>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for ClientDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientDevice")
            .field("mac", &self.shared.mac)
            .finish_non_exhaustive()
    }
}

impl ClientDevice {
    /// Starts a client for `cfg.mac`; it sends its DISCOVER as soon as a handler is set.
    pub fn start(cfg: ClientConfig) -> Result<Arc<Self>, DeviceError> {
        let (tx, rx) = channel();
        let mac = cfg.mac;
        let shared = Arc::new(ClientShared {
            mac,
            inner: Mutex::new(ClientInner {
                client: Client::new(cfg, Instant::now()),
                server_mac: None,
                events: tx,
                closed: false,
            }),
            wake: Condvar::new(),
            handler: Mutex::new(None),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("dhcp-client".into())
            .spawn(move || timer_loop(&s))
            .map_err(DeviceError::Spawn)?;
        Ok(Arc::new(ClientDevice {
            shared,
            events: Mutex::new(rx),
            thread: Mutex::new(Some(thread)),
        }))
    }

    /// The next event, waiting up to `timeout`.
    pub fn recv_event(&self, timeout: Duration) -> Option<Event> {
        lock(&self.events).recv_timeout(timeout).ok()
    }

    /// The lease held now.
    pub fn lease(&self) -> Option<Lease> {
        lock(&self.shared.inner).client.lease().cloned()
    }

    /// The engine's state now.
    pub fn state(&self) -> ClientState {
        lock(&self.shared.inner).client.state()
    }

    /// Runs `f` on the engine (tests use it to move timers along).
    pub fn with_client<R>(&self, f: impl FnOnce(&mut Client) -> R) -> R {
        let r = f(&mut lock(&self.shared.inner).client);
        self.shared.wake.notify_all();
        r
    }

    /// Gives the lease back (DHCPRELEASE) and goes idle.
    pub fn release(&self) {
        let now = Instant::now();
        let out = {
            let mut g = lock(&self.shared.inner);
            g.client.release(now);
            self.shared.flush(&mut g, now)
        };
        deliver(&self.shared.handler, out);
    }
}

fn timer_loop(s: &ClientShared) {
    let mut g = lock(&s.inner);
    loop {
        if g.closed {
            return;
        }
        if lock(&s.handler).is_none() {
            // Nothing can be sent yet: keep the first DISCOVER until there is a handler.
            g = s
                .wake
                .wait_timeout(g, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            continue;
        }
        let now = Instant::now();
        g.client.handle_timeout(now);
        let out = s.flush(&mut g, now);
        if !out.is_empty() {
            drop(g);
            deliver(&s.handler, out);
            g = lock(&s.inner);
            continue;
        }
        let wait = g
            .client
            .poll_timeout()
            .map_or(Duration::from_secs(3600), |t| {
                t.saturating_duration_since(now)
            })
            .max(Duration::from_millis(1));
        g = s
            .wake
            .wait_timeout(g, wait)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

impl L2Device for ClientDevice {
    fn send(&self, frame: &Frame) -> io::Result<()> {
        let s = &self.shared;
        let now = Instant::now();
        let mut buf = [0u8; 64];
        let out = {
            let mut g = lock(&s.inner);
            let ours = g.client.lease().map(|l| l.address);
            if let Some(a) = ours
                && let Some(n) = arp_reply(frame.as_bytes(), s.mac, a, &mut buf)
            {
                vec![buf[..n].to_vec()]
            } else {
                let Some(udp) = parse_udp(frame.as_bytes()) else {
                    return Ok(());
                };
                if udp.dst_port != CLIENT_PORT
                    || !(udp.dst_mac == s.mac || udp.dst_mac.is_broadcast())
                {
                    return Ok(());
                }
                g.client.handle_input(now, udp.payload);
                if let Some(l) = g.client.lease()
                    && l.server_id == udp.src_ip
                {
                    g.server_mac = Some((udp.src_ip, udp.src_mac));
                }
                s.flush(&mut g, now)
            }
        };
        s.wake.notify_all();
        deliver(&s.handler, out);
        Ok(())
    }

    fn set_handler(&self, handler: L2Handler) {
        *lock(&self.shared.handler) = Some(handler);
        self.shared.wake.notify_all();
    }

    fn hw_addr(&self) -> MacAddr {
        self.shared.mac
    }

    fn close(&self) -> io::Result<()> {
        lock(&self.shared.inner).closed = true;
        self.shared.wake.notify_all();
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
        *lock(&self.shared.handler) = None;
        Ok(())
    }
}

impl Drop for ClientDevice {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
