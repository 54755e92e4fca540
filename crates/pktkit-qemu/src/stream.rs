//! `-netdev stream` / `-netdev socket`: frames with a 4-byte big-endian length
//! prefix over a unix or TCP stream. [`StreamDevice`] is one guest connection,
//! [`StreamListener`] accepts many.
//!
//! Each device owns two threads: a reader that parses the stream and calls
//! the handler, and a writer that drains a bounded queue into the socket (so
//! a guest that stops reading costs its own frames, never the sender's
//! thread). A length of 0 or above [`QemuConfig::max_frame`], or a stream
//! that ends inside a frame, drops the connection: after either the framing
//! cannot be trusted. Not here: datagrams (see [`crate::dgram`]).

use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use pktkit_core::{
    DeviceCounters, Done, DropReason, DropSnapshot, L2Acceptor, L2Device, L2Handler,
};
use pktkit_wire::{Frame, MacAddr};

use crate::port::{ActiveSlot, ListenerCounters, ListenerStats, PortState};
use crate::{Endpoint, QemuConfig};

/// How long a blocked write waits before it looks again whether the device
/// was closed (a guest that never reads cannot hold a closing device).
const WRITE_SLICE: Duration = Duration::from_millis(500);
/// How often a blocked accept looks whether the listener was closed.
const ACCEPT_SLICE: u16 = 200;

/// A connected stream socket of either family.
#[derive(Debug)]
enum Sock {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Sock {
    fn try_clone(&self) -> io::Result<Sock> {
        Ok(match self {
            Sock::Unix(s) => Sock::Unix(s.try_clone()?),
            Sock::Tcp(s) => Sock::Tcp(s.try_clone()?),
        })
    }
    fn shutdown(&self) {
        let _ = match self {
            Sock::Unix(s) => s.shutdown(Shutdown::Both),
            Sock::Tcp(s) => s.shutdown(Shutdown::Both),
        };
    }
    fn set_write_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Sock::Unix(s) => s.set_write_timeout(t),
            Sock::Tcp(s) => s.set_write_timeout(t),
        }
    }
}

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Unix(s) => s.read(buf),
            Sock::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sock::Unix(s) => s.write(buf),
            Sock::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One QEMU guest (or one QEMU, for a dialer) on a stream socket.
///
/// `send` queues the frame (with its length prefix) for the writer thread and
/// never blocks; with [`QemuConfig::tx_queue`] frames waiting, more are
/// dropped with [`io::ErrorKind::WouldBlock`] and counted as `queue full`.
/// [`L2Device::done`] fires when the peer hangs up, breaks the framing, or
/// the device is closed.
pub struct StreamDevice {
    port: Arc<PortState>,
    tx: Sender<Vec<u8>>,
    stop: Mutex<Option<Sender<()>>>,
    closed: Arc<AtomicBool>,
    max_frame: usize,
}

impl std::fmt::Debug for StreamDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDevice")
            .field("peer", &self.port.peer)
            .field("done", &self.port.done.is_done())
            .finish()
    }
}

impl StreamDevice {
    /// Connects to a QEMU that listens (`-netdev stream,server=on,...` or
    /// `-netdev socket,listen=...`) at a unix or TCP endpoint.
    pub fn connect(endpoint: &Endpoint, cfg: &QemuConfig) -> io::Result<Arc<StreamDevice>> {
        let sock = match endpoint {
            Endpoint::Unix(p) => Sock::Unix(UnixStream::connect(p)?),
            Endpoint::Tcp(a) => Sock::Tcp(TcpStream::connect(a)?),
            Endpoint::Udp(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a udp endpoint carries datagrams; use DgramDevice::connect",
                ));
            }
        };
        Self::start(sock, endpoint.to_string(), cfg, None)
    }

    fn start(
        sock: Sock,
        peer: String,
        cfg: &QemuConfig,
        listener: Option<(ActiveSlot, Arc<ListenerCounters>)>,
    ) -> io::Result<Arc<StreamDevice>> {
        if let Sock::Tcp(s) = &sock {
            s.set_nodelay(true)?;
        }
        sock.set_write_timeout(Some(WRITE_SLICE))?;
        let port = PortState::new(peer, cfg.pin_mac);
        let (tx, rx) = bounded::<Vec<u8>>(cfg.tx_queue);
        let (stop_tx, stop_rx) = bounded::<()>(0);
        let closed = Arc::new(AtomicBool::new(false));

        let reader = Reader {
            sock: Some(sock.try_clone()?),
            shut: sock.try_clone()?,
            port: port.clone(),
            max_frame: cfg.max_frame,
            listener,
        };
        let writer = Writer {
            sock: sock.try_clone()?,
            rx,
            stop: stop_rx,
            closed: closed.clone(),
            port: port.clone(),
        };
        let name = "pktkit-qemu-rx".to_string();
        std::thread::Builder::new()
            .name(name)
            .spawn(move || reader.run())?;
        if let Err(e) = std::thread::Builder::new()
            .name("pktkit-qemu-tx".into())
            .spawn(move || writer.run())
        {
            sock.shutdown();
            return Err(e);
        }
        Ok(Arc::new(StreamDevice {
            port,
            tx,
            stop: Mutex::new(Some(stop_tx)),
            closed,
            max_frame: cfg.max_frame,
        }))
    }

    /// Drop counts by reason (malformed, bad source, queue full, …).
    pub fn drops(&self) -> DropSnapshot {
        self.port.drops.snapshot()
    }

    /// The guest's MAC once the port is pinned ([`QemuConfig::pin_mac`]).
    pub fn pinned_mac(&self) -> Option<MacAddr> {
        self.port.pinned_mac()
    }

    /// Who is at the other end (for logs).
    pub fn peer(&self) -> &str {
        &self.port.peer
    }
}

impl L2Device for StreamDevice {
    fn send(&self, frame: &Frame) -> io::Result<()> {
        let bytes = frame.as_bytes();
        if self.port.done.is_done() {
            self.port.counters.record_tx_drop();
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "qemu: guest disconnected",
            ));
        }
        if bytes.len() > self.max_frame {
            self.port.drop_tx(DropReason::Malformed);
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "qemu: frame longer than max_frame",
            ));
        }
        let mut out = Vec::with_capacity(4 + bytes.len());
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
        match self.tx.try_send(out) {
            Ok(()) => {
                self.port.counters.record_tx(bytes.len());
                Ok(())
            }
            Err(TrySendError::Full(_)) => {
                self.port.drop_tx(DropReason::QueueFull);
                Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "qemu: guest is not reading; frame dropped",
                ))
            }
            Err(TrySendError::Disconnected(_)) => {
                self.port.counters.record_tx_drop();
                Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "qemu: guest disconnected",
                ))
            }
        }
    }

    fn set_handler(&self, handler: L2Handler) {
        self.port.set_handler(handler);
    }

    fn hw_addr(&self) -> MacAddr {
        self.port.mac
    }

    fn close(&self) -> io::Result<()> {
        self.closed.store(true, Ordering::Release);
        self.port.finish();
        // The writer flushes what is queued, then hangs up; that ends the reader.
        let stop = self
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(stop);
        Ok(())
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        Some(&self.port.counters)
    }

    fn done(&self) -> Option<Done> {
        Some(self.port.done.clone())
    }
}

impl Drop for StreamDevice {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

struct Reader {
    sock: Option<Sock>,
    shut: Sock,
    port: Arc<PortState>,
    max_frame: usize,
    listener: Option<(ActiveSlot, Arc<ListenerCounters>)>,
}

/// Why a stream reader stopped.
#[derive(Debug)]
pub(crate) enum End {
    Hangup,
    Error(io::Error),
    BadLength(usize),
    Truncated { want: usize },
    Closed,
}

impl Reader {
    fn run(mut self) {
        let end = match self.sock.take() {
            Some(s) => self.read_loop(&mut BufReader::with_capacity(64 * 1024, s)),
            None => End::Closed,
        };
        let bad = matches!(end, End::BadLength(_) | End::Truncated { .. });
        match &end {
            End::Hangup => tracing::info!(peer = %self.port.peer, "qemu: guest disconnected"),
            End::Closed => tracing::debug!(peer = %self.port.peer, "qemu: port closed"),
            End::Error(e) => {
                tracing::info!(peer = %self.port.peer, error = %e, "qemu: guest connection failed")
            }
            End::BadLength(n) => tracing::warn!(
                peer = %self.port.peer, len = n, max = self.max_frame,
                "qemu: frame length out of range; dropping the connection"
            ),
            End::Truncated { want } => tracing::warn!(
                peer = %self.port.peer, want,
                "qemu: stream ended inside a frame; dropping the connection"
            ),
        }
        if bad {
            self.port.drop_rx(DropReason::Malformed);
            if let Some((_, c)) = &self.listener {
                c.bad_input.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.shut.shutdown();
        self.port.finish();
        // `self.listener`'s slot is released here, as the reader ends.
    }

    fn read_loop(&self, r: &mut impl Read) -> End {
        read_frames(r, &self.port, self.max_frame)
    }
}

/// Parses QEMU's stream framing from `r`, handing each frame that passes
/// [`PortState::admit`] to the port, until the stream ends or breaks.
pub(crate) fn read_frames(r: &mut impl Read, port: &PortState, max_frame: usize) -> End {
    // A hang-up or error after our own close is just the close.
    let ended = |e: End| if port.done.is_done() { End::Closed } else { e };
    let mut hdr = [0u8; 4];
    let mut buf = vec![0u8; max_frame];
    loop {
        match read_full(r, &mut hdr) {
            Ok(4) => {}
            Ok(0) => return ended(End::Hangup),
            Ok(_) => return End::Truncated { want: 4 },
            Err(e) => return ended(End::Error(e)),
        }
        let len = u32::from_be_bytes(hdr) as usize;
        if len == 0 || len > max_frame {
            return End::BadLength(len);
        }
        match read_full(r, &mut buf[..len]) {
            Ok(n) if n == len => {}
            Ok(_) => return ended(End::Truncated { want: len }),
            Err(e) => return ended(End::Error(e)),
        }
        // Frames that arrive before the port is attached stay queued
        // (the stream is reliable: QEMU sent them once).
        if !port.has_handler() && !port.wait_handler() {
            return End::Closed;
        }
        if let Some(f) = port.admit(&buf[..len]) {
            port.deliver(f);
        }
    }
}

/// Reads until `buf` is full or the stream ends; returns how much was read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

struct Writer {
    sock: Sock,
    rx: Receiver<Vec<u8>>,
    stop: Receiver<()>,
    closed: Arc<AtomicBool>,
    port: Arc<PortState>,
}

impl Writer {
    fn run(mut self) {
        let mut batch: Vec<u8> = Vec::with_capacity(64 * 1024);
        'outer: loop {
            let first = crossbeam_channel::select! {
                recv(self.rx) -> m => match m { Ok(m) => m, Err(_) => break },
                recv(self.stop) -> _ => {
                    // Closing: flush what is queued, then hang up.
                    batch.clear();
                    while let Ok(m) = self.rx.try_recv() {
                        batch.extend_from_slice(&m);
                    }
                    let _ = self.write_all(&batch);
                    break;
                }
            };
            batch.clear();
            batch.extend_from_slice(&first);
            while batch.len() < 60 * 1024 {
                match self.rx.try_recv() {
                    Ok(m) => batch.extend_from_slice(&m),
                    Err(_) => break,
                }
            }
            if let Err(e) = self.write_all(&batch) {
                if !self.port.done.is_done() {
                    tracing::info!(peer = %self.port.peer, error = %e, "qemu: write to guest failed");
                }
                break 'outer;
            }
        }
        self.sock.shutdown();
        self.port.finish();
    }

    /// Writes all of `buf`; a write that times out is retried unless the
    /// device was closed meanwhile (then the guest is not reading: give up).
    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.sock.write(buf) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    if self.closed.load(Ordering::Acquire) {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// A listening unix or TCP socket.
#[derive(Debug)]
enum ListenSock {
    Unix(UnixListener, PathBuf),
    Tcp(TcpListener),
}

/// Accepts QEMU guests that connect with `-netdev stream,server=off,...` (or
/// `-netdev socket,connect=...`), each as a [`StreamDevice`].
///
/// A unix listener removes a stale socket file at its path (refusing if a
/// live process still answers there) and removes its own file when closed or
/// dropped. Past [`QemuConfig::max_guests`] connected guests, new ones are
/// hung up on and counted.
///
/// ```no_run
/// use pktkit_qemu::{QemuConfig, StreamListener};
/// use pktkit_core::L2Acceptor;
/// let ln = StreamListener::bind(&"unix:/tmp/lan.sock".parse()?, QemuConfig::default())?;
/// let guest = ln.accept_l2()?; // blocks until a QEMU connects
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StreamListener {
    sock: ListenSock,
    cfg: QemuConfig,
    counters: Arc<ListenerCounters>,
    closed: AtomicBool,
    endpoint: Endpoint,
}

impl StreamListener {
    /// Binds a unix (`unix:PATH`) or TCP (`tcp:HOST:PORT`) listener.
    pub fn bind(endpoint: &Endpoint, cfg: QemuConfig) -> io::Result<StreamListener> {
        let (sock, endpoint) = match endpoint {
            Endpoint::Unix(p) => {
                remove_stale_socket(p, false)?;
                (
                    ListenSock::Unix(UnixListener::bind(p)?, p.clone()),
                    endpoint.clone(),
                )
            }
            Endpoint::Tcp(a) => {
                let l = TcpListener::bind(a)?;
                let local = l.local_addr()?;
                (ListenSock::Tcp(l), Endpoint::Tcp(local))
            }
            Endpoint::Udp(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a udp endpoint carries datagrams; use DgramListener",
                ));
            }
        };
        tracing::info!(%endpoint, "qemu: stream listener ready");
        Ok(StreamListener {
            sock,
            cfg,
            counters: Arc::default(),
            closed: AtomicBool::new(false),
            endpoint,
        })
    }

    /// Where the listener is bound (a TCP port 0 is replaced by the real one).
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The TCP address, for a TCP listener.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.sock {
            ListenSock::Tcp(l) => l.local_addr().ok(),
            ListenSock::Unix(..) => None,
        }
    }

    /// Connection-level counts (accepted, refused, active, bad input).
    pub fn stats(&self) -> ListenerStats {
        self.counters.snapshot()
    }

    /// Blocks until a guest connects and returns it. Errors after
    /// [`L2Acceptor::close`].
    pub fn accept(&self) -> io::Result<Arc<StreamDevice>> {
        loop {
            if self.closed.load(Ordering::Acquire) {
                return Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "qemu: listener closed",
                ));
            }
            let ready = {
                let fd = match &self.sock {
                    ListenSock::Unix(l, _) => l.as_fd(),
                    ListenSock::Tcp(l) => l.as_fd(),
                };
                let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::from(ACCEPT_SLICE)) {
                    Ok(n) => n > 0,
                    Err(nix::errno::Errno::EINTR) => false,
                    Err(e) => return Err(e.into()),
                }
            };
            if !ready || self.closed.load(Ordering::Acquire) {
                continue;
            }
            let accepted = match &self.sock {
                ListenSock::Unix(l, p) => l
                    .accept()
                    .map(|(s, _)| (Sock::Unix(s), format!("unix:{}", p.display()))),
                ListenSock::Tcp(l) => l.accept().map(|(s, a)| (Sock::Tcp(s), format!("tcp:{a}"))),
            };
            let (sock, peer) = match accepted {
                Ok(a) => a,
                // Out of descriptors or memory: a condition that passes (guests
                // leave), not a reason to stop serving.
                Err(e) if is_resource_shortage(&e) => {
                    tracing::warn!(endpoint = %self.endpoint, error = %e, "qemu: cannot accept a guest now; retrying");
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let active = self.counters.active.fetch_add(1, Ordering::Relaxed);
            let slot = ActiveSlot(self.counters.clone());
            if active as usize >= self.cfg.max_guests {
                drop(slot);
                self.counters.refused.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%peer, max = self.cfg.max_guests, "qemu: guest limit reached; refusing a connection");
                sock.shutdown();
                continue;
            }
            let n = self.counters.accepted.fetch_add(1, Ordering::Relaxed) + 1;
            let peer = format!("{peer}#{n}");
            match StreamDevice::start(
                sock,
                peer.clone(),
                &self.cfg,
                Some((slot, self.counters.clone())),
            ) {
                Ok(d) => {
                    tracing::info!(%peer, "qemu: guest connected");
                    return Ok(d);
                }
                Err(e) => {
                    tracing::warn!(%peer, error = %e, "qemu: could not set up a guest connection");
                }
            }
        }
    }

    fn remove_file(&self) {
        if let ListenSock::Unix(_, p) = &self.sock {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl L2Acceptor for StreamListener {
    fn accept_l2(&self) -> io::Result<Arc<dyn L2Device>> {
        self.accept().map(|d| d as Arc<dyn L2Device>)
    }

    fn close(&self) -> io::Result<()> {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.remove_file();
        }
        Ok(())
    }
}

impl Drop for StreamListener {
    fn drop(&mut self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.remove_file();
        }
    }
}

fn is_resource_shortage(e: &io::Error) -> bool {
    use nix::errno::Errno;
    matches!(
        e.raw_os_error().map(Errno::from_raw),
        Some(Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM)
    )
}

/// Removes a socket file nobody answers at; refuses if someone does, or if
/// the path is not a socket.
pub(crate) fn remove_stale_socket(p: &Path, datagram: bool) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(p) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(m) if !m.file_type().is_socket() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a socket", p.display()),
        )),
        Ok(_) => {
            let live = if datagram {
                std::os::unix::net::UnixDatagram::unbound()
                    .and_then(|s| s.connect(p))
                    .is_ok()
            } else {
                UnixStream::connect(p).is_ok()
            };
            if live {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("{} is in use by another process", p.display()),
                ));
            }
            std::fs::remove_file(p)
        }
    }
}
