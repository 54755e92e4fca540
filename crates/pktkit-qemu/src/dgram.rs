//! `-netdev dgram`: one Ethernet frame per datagram over a unix datagram or
//! UDP socket. [`DgramListener`] serves many guests on one socket, telling
//! them apart by sender address; [`DgramDevice::connect`] talks to one QEMU.
//!
//! One reader thread per socket owns the table of guests (no lock on the
//! receive path). A datagram from a sender that cannot be a guest (an
//! unnamed unix socket, which cannot be answered; anyone while
//! [`QemuConfig::max_guests`] are known; anyone but the peer of a dialer) is
//! dropped and counted. Sends use `MSG_DONTWAIT`: a guest whose receive
//! queue is full loses the frame, not the sender's time. A unix guest whose
//! socket is gone (`ECONNREFUSED`/`ENOENT` on send) is considered
//! disconnected; UDP guests only go away with
//! [`QemuConfig::dgram_idle_timeout`] or when closed.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use nix::errno::Errno;
use nix::sys::socket::{MsgFlags, SockaddrStorage, UnixAddr, sendto, setsockopt, sockopt};
use pktkit_core::{
    DeviceCounters, Done, DropReason, DropSnapshot, L2Acceptor, L2Device, L2Handler,
};
use pktkit_wire::{Frame, MacAddr};

use crate::port::{ActiveSlot, ListenerCounters, ListenerStats, PortState};
use crate::stream::remove_stale_socket;
use crate::{Endpoint, QemuConfig};

/// How long the reader blocks before it looks at the close flag and idle guests.
const RECV_SLICE: Duration = Duration::from_millis(200);
/// Receive buffer asked for on a listener's socket, shared by all its guests.
const LISTENER_RCVBUF: usize = 4 << 20;
/// Frames kept for a guest until its port gets a handler.
const PENDING_LIMIT: usize = 64;

/// A bound datagram socket of either family.
#[derive(Debug)]
enum DSock {
    Unix(UnixDatagram),
    Udp(UdpSocket),
}

/// A guest's address, as the socket reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PeerAddr {
    Unix(PathBuf),
    Inet(SocketAddr),
}

impl std::fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerAddr::Unix(p) => write!(f, "unix:{}", p.display()),
            PeerAddr::Inet(a) => write!(f, "udp:{a}"),
        }
    }
}

/// A peer address in the form `sendto` takes.
#[derive(Debug)]
enum SendAddr {
    Unix(UnixAddr),
    Inet(SockaddrStorage),
}

impl SendAddr {
    fn new(a: &PeerAddr) -> io::Result<SendAddr> {
        Ok(match a {
            PeerAddr::Unix(p) => SendAddr::Unix(UnixAddr::new(p.as_path())?),
            PeerAddr::Inet(a) => SendAddr::Inet(SockaddrStorage::from(*a)),
        })
    }
}

impl DSock {
    fn bind(ep: &Endpoint) -> io::Result<(DSock, Endpoint)> {
        match ep {
            Endpoint::Unix(p) => {
                remove_stale_socket(p, true)?;
                Ok((DSock::Unix(UnixDatagram::bind(p)?), ep.clone()))
            }
            Endpoint::Udp(a) => {
                let s = UdpSocket::bind(a)?;
                let local = s.local_addr()?;
                Ok((DSock::Udp(s), Endpoint::Udp(local)))
            }
            Endpoint::Tcp(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a tcp endpoint carries a stream; use StreamListener",
            )),
        }
    }

    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            DSock::Unix(s) => s.set_read_timeout(t),
            DSock::Udp(s) => s.set_read_timeout(t),
        }
    }

    /// Asks for a receive buffer that holds bursts from many guests (the
    /// kernel caps it at `net.core.rmem_max`; failure leaves the default).
    fn grow_rcvbuf(&self) {
        let r = match self {
            DSock::Unix(s) => setsockopt(s, sockopt::RcvBuf, &LISTENER_RCVBUF),
            DSock::Udp(s) => setsockopt(s, sockopt::RcvBuf, &LISTENER_RCVBUF),
        };
        if let Err(e) = r {
            tracing::debug!(error = %e, "qemu: could not grow the receive buffer");
        }
    }

    /// Receives one datagram; the sender is `None` when it cannot be answered.
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, Option<PeerAddr>)> {
        match self {
            DSock::Unix(s) => {
                let (n, a) = s.recv_from(buf)?;
                Ok((n, a.as_pathname().map(|p| PeerAddr::Unix(p.to_path_buf()))))
            }
            DSock::Udp(s) => {
                let (n, a) = s.recv_from(buf)?;
                Ok((n, Some(PeerAddr::Inet(a))))
            }
        }
    }

    fn send_to(&self, buf: &[u8], to: &SendAddr) -> Result<usize, Errno> {
        let fd = match self {
            DSock::Unix(s) => s.as_raw_fd(),
            DSock::Udp(s) => s.as_raw_fd(),
        };
        match to {
            SendAddr::Unix(a) => sendto(fd, buf, a, MsgFlags::MSG_DONTWAIT),
            SendAddr::Inet(a) => sendto(fd, buf, a, MsgFlags::MSG_DONTWAIT),
        }
    }
}

/// One guest's state, shared by its device and the socket's reader.
struct Peer {
    port: Arc<PortState>,
    /// Frames received before the port had a handler, delivered in order by
    /// [`Peer::set_handler`].
    pending: Mutex<Vec<Vec<u8>>>,
    /// Set (under `pending`'s lock) once the held frames have been delivered;
    /// until then every frame goes through `pending`, so none overtakes them.
    ready: AtomicBool,
    _slot: Option<ActiveSlot>,
}

impl Peer {
    /// Delivers a received frame, or keeps it until the port has a handler.
    fn receive(&self, bytes: &[u8]) {
        let Some(f) = self.port.admit(bytes) else {
            return;
        };
        if !self.ready.load(Ordering::Acquire) {
            let mut p = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if !self.ready.load(Ordering::Acquire) {
                if p.len() < PENDING_LIMIT {
                    p.push(bytes.to_vec());
                } else {
                    self.port.drop_rx(DropReason::QueueFull);
                }
                return;
            }
        }
        self.port.deliver(f);
    }

    fn set_handler(&self, h: L2Handler) {
        // The held frames are delivered under the lock and only then is the
        // fast path opened: a frame the reader receives meanwhile waits on the
        // lock, so the guest's frames keep their order.
        let mut p = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        self.port.set_handler(h);
        for b in std::mem::take(&mut *p) {
            if let Ok(f) = Frame::parse(&b) {
                self.port.deliver(f);
            }
        }
        self.ready.store(true, Ordering::Release);
    }
}

/// State of one socket shared by its reader, its devices and its owner.
struct Socket {
    sock: DSock,
    cfg: QemuConfig,
    counters: Arc<ListenerCounters>,
    closed: AtomicBool,
    endpoint: Endpoint,
}

impl Socket {
    fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel)
            && let Endpoint::Unix(p) = &self.endpoint
        {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// One guest on a datagram socket (accepted by a [`DgramListener`]), or the
/// QEMU a [`DgramDevice::connect`] talks to.
///
/// [`L2Device::done`] fires when the device is closed, when a unix guest's
/// socket has gone, after [`QemuConfig::dgram_idle_timeout`] of silence, or
/// when the socket it shares is closed.
pub struct DgramDevice {
    peer: Arc<Peer>,
    to: SendAddr,
    socket: Arc<Socket>,
    /// A dialer owns its socket: closing the device closes it.
    owns_socket: bool,
}

impl std::fmt::Debug for DgramDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DgramDevice")
            .field("peer", &self.peer.port.peer)
            .field("done", &self.peer.port.done.is_done())
            .finish()
    }
}

impl DgramDevice {
    /// Binds `local` and exchanges frames with the QEMU at `remote` (QEMU run
    /// with `-netdev dgram,local.*=<remote>,remote.*=<local>`). Datagrams from
    /// anyone else are dropped and counted.
    pub fn connect(
        local: &Endpoint,
        remote: &Endpoint,
        cfg: &QemuConfig,
    ) -> io::Result<Arc<DgramDevice>> {
        let remote_addr = match (local, remote) {
            (Endpoint::Unix(_), Endpoint::Unix(p)) => PeerAddr::Unix(p.clone()),
            (Endpoint::Udp(_), Endpoint::Udp(a)) => PeerAddr::Inet(*a),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "dgram endpoints must both be unix or both be udp",
                ));
            }
        };
        let (sock, endpoint) = DSock::bind(local)?;
        sock.set_read_timeout(Some(RECV_SLICE))?;
        let socket = Arc::new(Socket {
            sock,
            cfg: cfg.clone(),
            counters: Arc::default(),
            closed: AtomicBool::new(false),
            endpoint,
        });
        let peer = Arc::new(Peer {
            port: PortState::new(remote_addr.to_string(), cfg.pin_mac),
            pending: Mutex::new(Vec::new()),
            ready: AtomicBool::new(false),
            _slot: None,
        });
        let dev = Arc::new(DgramDevice {
            to: SendAddr::new(&remote_addr)?,
            peer: peer.clone(),
            socket: socket.clone(),
            owns_socket: true,
        });
        let mut guests = HashMap::new();
        guests.insert(remote_addr, (peer, Instant::now()));
        let reader = Reader {
            socket,
            guests,
            accept: None,
        };
        std::thread::Builder::new()
            .name("pktkit-qemu-dgram".into())
            .spawn(move || reader.run())?;
        Ok(dev)
    }

    /// Drop counts by reason (malformed, bad source, queue full, …).
    pub fn drops(&self) -> DropSnapshot {
        self.peer.port.drops.snapshot()
    }

    /// The guest's MAC once the port is pinned ([`QemuConfig::pin_mac`]).
    pub fn pinned_mac(&self) -> Option<MacAddr> {
        self.peer.port.pinned_mac()
    }

    /// Who is at the other end (for logs).
    pub fn peer(&self) -> &str {
        &self.peer.port.peer
    }

    /// The local socket's endpoint (a UDP port 0 is replaced by the real one).
    pub fn local_endpoint(&self) -> &Endpoint {
        &self.socket.endpoint
    }
}

impl L2Device for DgramDevice {
    fn send(&self, frame: &Frame) -> io::Result<()> {
        let port = &self.peer.port;
        if port.done.is_done() {
            port.counters.record_tx_drop();
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "qemu: guest gone",
            ));
        }
        let bytes = frame.as_bytes();
        if bytes.len() > self.socket.cfg.max_frame {
            port.drop_tx(DropReason::Malformed);
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "qemu: frame longer than max_frame",
            ));
        }
        match self.socket.sock.send_to(bytes, &self.to) {
            Ok(_) => {
                port.counters.record_tx(bytes.len());
                Ok(())
            }
            Err(Errno::EAGAIN | Errno::ENOBUFS) => {
                port.drop_tx(DropReason::QueueFull);
                Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "qemu: guest is not reading; frame dropped",
                ))
            }
            Err(e @ (Errno::ECONNREFUSED | Errno::ENOENT))
                if matches!(self.to, SendAddr::Unix(_)) =>
            {
                port.drop_tx(DropReason::SendFailed);
                tracing::info!(peer = %port.peer, "qemu: guest socket gone; guest disconnected");
                port.finish();
                Err(e.into())
            }
            Err(e) => {
                port.drop_tx(DropReason::SendFailed);
                port.counters.record_error();
                Err(e.into())
            }
        }
    }

    fn set_handler(&self, handler: L2Handler) {
        self.peer.set_handler(handler);
    }

    fn hw_addr(&self) -> MacAddr {
        self.peer.port.mac
    }

    fn close(&self) -> io::Result<()> {
        self.peer.port.finish();
        if self.owns_socket {
            self.socket.close();
        }
        Ok(())
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        Some(&self.peer.port.counters)
    }

    fn done(&self) -> Option<Done> {
        Some(self.peer.port.done.clone())
    }
}

impl Drop for DgramDevice {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// The reader of one datagram socket; owns the guest table.
struct Reader {
    socket: Arc<Socket>,
    guests: HashMap<PeerAddr, (Arc<Peer>, Instant)>,
    /// `Some` for a listener (new senders become guests), `None` for a dialer.
    accept: Option<Sender<Arc<DgramDevice>>>,
}

impl Reader {
    fn run(mut self) {
        let max = self.socket.cfg.max_frame;
        let mut buf = vec![0u8; max + 1];
        let mut last_sweep = Instant::now();
        while !self.socket.closed.load(Ordering::Acquire) {
            if self.accept.is_none() && self.guests.values().all(|(p, _)| p.port.done.is_done()) {
                break; // a dialer whose device was closed
            }
            if last_sweep.elapsed() >= Duration::from_secs(1) {
                self.sweep();
                last_sweep = Instant::now();
            }
            let (n, from) = match self.socket.sock.recv_from(&mut buf) {
                Ok(r) => r,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                Err(e) => {
                    tracing::warn!(endpoint = %self.socket.endpoint, error = %e, "qemu: datagram socket failed");
                    break;
                }
            };
            let Some(from) = from else {
                self.socket
                    .counters
                    .unknown_sender
                    .fetch_add(1, Ordering::Relaxed);
                tracing::debug!(endpoint = %self.socket.endpoint, "qemu: datagram from an unnamed socket dropped");
                continue;
            };
            if let Some((peer, last)) = self.guests.get_mut(&from) {
                if !peer.port.done.is_done() {
                    *last = Instant::now();
                    if n > max {
                        peer.port.drop_rx(DropReason::Malformed);
                        tracing::debug!(peer = %peer.port.peer, "qemu: datagram above max_frame dropped");
                    } else {
                        peer.receive(&buf[..n]);
                    }
                    continue;
                }
                if self.accept.is_none() {
                    continue;
                }
                self.guests.remove(&from);
            }
            self.new_sender(from, &buf[..n.min(max + 1)], n > max);
        }
        for (p, _) in self.guests.values() {
            p.port.finish();
        }
        tracing::debug!(endpoint = %self.socket.endpoint, "qemu: datagram reader stopped");
    }

    fn new_sender(&mut self, from: PeerAddr, bytes: &[u8], too_long: bool) {
        let counters = &self.socket.counters;
        let Some(accept) = &self.accept else {
            counters.unknown_sender.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(endpoint = %self.socket.endpoint, %from, "qemu: datagram from someone other than the peer dropped");
            return;
        };
        self.guests.retain(|_, (p, _)| !p.port.done.is_done());
        if self.guests.len() >= self.socket.cfg.max_guests {
            counters.unknown_sender.fetch_add(1, Ordering::Relaxed);
            counters.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%from, max = self.socket.cfg.max_guests, "qemu: guest limit reached; datagram dropped");
            return;
        }
        let to = match SendAddr::new(&from) {
            Ok(a) => a,
            Err(e) => {
                counters.unknown_sender.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%from, error = %e, "qemu: sender address unusable; datagram dropped");
                return;
            }
        };
        counters.active.fetch_add(1, Ordering::Relaxed);
        let n = counters.accepted.fetch_add(1, Ordering::Relaxed) + 1;
        let peer = Arc::new(Peer {
            port: PortState::new(format!("{from}#{n}"), self.socket.cfg.pin_mac),
            pending: Mutex::new(Vec::new()),
            ready: AtomicBool::new(false),
            _slot: Some(ActiveSlot(counters.clone())),
        });
        if too_long {
            peer.port.drop_rx(DropReason::Malformed);
        } else {
            peer.receive(bytes);
        }
        let dev = Arc::new(DgramDevice {
            peer: peer.clone(),
            to,
            socket: self.socket.clone(),
            owns_socket: false,
        });
        if accept.try_send(dev).is_err() {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%from, "qemu: too many guests waiting to be accepted; dropped");
            return;
        }
        tracing::info!(peer = %peer.port.peer, "qemu: new dgram guest");
        self.guests.insert(from, (peer, Instant::now()));
    }

    /// Ends guests silent for longer than the idle timeout, forgets ended ones.
    fn sweep(&mut self) {
        // Only a listener's guests time out; a dialer's QEMU may be quiet.
        let idle = self
            .socket
            .cfg
            .dgram_idle_timeout
            .filter(|_| self.accept.is_some());
        self.guests.retain(|_, (p, last)| {
            if let Some(t) = idle
                && last.elapsed() > t
                && !p.port.done.is_done()
            {
                tracing::info!(peer = %p.port.peer, "qemu: dgram guest idle; considered gone");
                p.port.finish();
            }
            // A dialer keeps its one entry (the reader ends when it is done).
            !p.port.done.is_done() || self.accept.is_none()
        });
    }
}

/// Serves QEMU guests that send to one datagram socket (`-netdev dgram` with
/// `remote.*` set to this endpoint), each sender address becoming a
/// [`DgramDevice`].
///
/// The first datagram from a new sender creates its guest (kept until the
/// guest is attached, so a DHCP DISCOVER is not lost). Closing the listener
/// closes the socket all its guests share: their [`Done`]s fire.
pub struct DgramListener {
    socket: Arc<Socket>,
    accept: Receiver<Arc<DgramDevice>>,
}

impl std::fmt::Debug for DgramListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DgramListener")
            .field("endpoint", &self.socket.endpoint)
            .finish()
    }
}

impl DgramListener {
    /// Binds a unix datagram (`unix:PATH`) or UDP (`udp:HOST:PORT`) socket.
    pub fn bind(endpoint: &Endpoint, cfg: QemuConfig) -> io::Result<DgramListener> {
        let (sock, endpoint) = DSock::bind(endpoint)?;
        sock.set_read_timeout(Some(RECV_SLICE))?;
        sock.grow_rcvbuf();
        let (tx, rx) = bounded(cfg.max_guests.max(1));
        let socket = Arc::new(Socket {
            sock,
            cfg,
            counters: Arc::default(),
            closed: AtomicBool::new(false),
            endpoint,
        });
        let reader = Reader {
            socket: socket.clone(),
            guests: HashMap::new(),
            accept: Some(tx),
        };
        std::thread::Builder::new()
            .name("pktkit-qemu-dgram".into())
            .spawn(move || reader.run())?;
        tracing::info!(endpoint = %socket.endpoint, "qemu: dgram listener ready");
        Ok(DgramListener { socket, accept: rx })
    }

    /// Where the socket is bound (a UDP port 0 is replaced by the real one).
    pub fn endpoint(&self) -> &Endpoint {
        &self.socket.endpoint
    }

    /// Guest-level counts (accepted, refused, active, unknown senders).
    pub fn stats(&self) -> ListenerStats {
        self.socket.counters.snapshot()
    }

    /// Blocks until a new guest sends its first datagram. Errors after
    /// [`L2Acceptor::close`].
    pub fn accept(&self) -> io::Result<Arc<DgramDevice>> {
        loop {
            if self.socket.closed.load(Ordering::Acquire) {
                return Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "qemu: listener closed",
                ));
            }
            match self.accept.recv_timeout(RECV_SLICE) {
                Ok(d) => return Ok(d),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(io::Error::new(
                        io::ErrorKind::NotConnected,
                        "qemu: datagram socket failed",
                    ));
                }
            }
        }
    }
}

impl L2Acceptor for DgramListener {
    fn accept_l2(&self) -> io::Result<Arc<dyn L2Device>> {
        self.accept().map(|d| d as Arc<dyn L2Device>)
    }

    fn close(&self) -> io::Result<()> {
        self.socket.close();
        Ok(())
    }
}

impl Drop for DgramListener {
    fn drop(&mut self) {
        self.socket.close();
    }
}
