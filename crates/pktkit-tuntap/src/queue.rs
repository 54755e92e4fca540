//! The queue engine shared by [`crate::Tap`] and [`crate::Tun`]: the open queue
//! fds, one reader thread per queue, the send path, counters and shutdown.
//!
//! Each reader thread `poll`s its queue fd together with an eventfd that
//! [`Queues::close`] signals, so closing wakes every reader at once. After a wake
//! it drains up to [`READ_BATCH`] frames with non-blocking reads before polling
//! again (TAP/TUN fds have no `recvmmsg`; draining is the batching the kernel
//! allows). Not for: what a frame means (that is the device's `deliver`).

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle, ThreadId};

use arc_swap::ArcSwapOption;
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::eventfd::{EfdFlags, EventFd};
use pktkit_core::{DeviceCounters, Done};
use pktkit_wire::virtio_net::{VirtioNetHeader, VirtioNetRepr};

use crate::builder::Opened;

/// Frames read per poll wake-up, at most.
pub(crate) const READ_BATCH: usize = 64;
/// Room for the largest frame a TAP/TUN hands over with TSO (64 KiB + link
/// header + VLAN tags); the virtio-net header comes on top.
pub(crate) const MAX_FRAME: usize = 65536 + 14 + 8;

/// Longest virtio-net header the builder accepts.
pub(crate) const MAX_HDR_LEN: usize = 64;

/// What a reader thread does with each read: `(buffer holding vnet header + frame, scratch)`.
pub(crate) type Deliver = Arc<dyn Fn(&mut [u8], &mut Vec<u8>) + Send + Sync>;

/// The open fds, shared by the senders and the reader threads; dropping the last
/// `Arc` closes them (and deletes a non-persistent interface).
#[derive(Debug)]
struct Fds {
    fds: Vec<OwnedFd>,
}

/// The I/O half of a TAP or TUN.
pub(crate) struct Queues {
    name: String,
    hdr_len: usize,
    fds: ArcSwapOption<Fds>,
    stop: EventFd,
    closed: AtomicBool,
    threads: Mutex<Vec<(ThreadId, JoinHandle<()>)>>,
    pub(crate) counters: DeviceCounters,
    /// Fires when the device is over: closed, or the interface went away.
    pub(crate) done: Done,
    n: usize,
}

impl std::fmt::Debug for Queues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queues")
            .field("name", &self.name)
            .field("queues", &self.n)
            .field("hdr_len", &self.hdr_len)
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish()
    }
}

static NEXT_TX_SLOT: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    /// Each sending thread sticks to one queue, so one flow's frames stay in order.
    static TX_SLOT: usize = NEXT_TX_SLOT.fetch_add(1, Ordering::Relaxed);
}

fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "device is closed")
}

impl Queues {
    /// Takes the opened fds; readers are started with [`Queues::start_readers`].
    pub(crate) fn new(o: Opened) -> crate::Result<Arc<Queues>> {
        let stop = EventFd::from_flags(EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)
            .map_err(|e| crate::Error::sys("eventfd", e))?;
        Ok(Arc::new(Queues {
            name: o.name,
            hdr_len: o.hdr_len,
            n: o.fds.len(),
            fds: ArcSwapOption::from_pointee(Fds { fds: o.fds }),
            stop,
            closed: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
            counters: DeviceCounters::new(),
            done: Done::new(),
        }))
    }

    /// The interface name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The virtio-net header length (0 without one).
    pub(crate) fn hdr_len(&self) -> usize {
        self.hdr_len
    }

    /// Number of queues.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// Starts one reader thread per queue, each calling `deliver` for every read.
    pub(crate) fn start_readers(self: &Arc<Self>, deliver: Deliver) -> crate::Result<()> {
        let Some(fds) = self.fds.load_full() else {
            return Ok(());
        };
        let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        for q in 0..fds.fds.len() {
            let me = Arc::clone(self);
            let fds = Arc::clone(&fds);
            let deliver = Arc::clone(&deliver);
            let h = thread::Builder::new()
                .name(format!("{}-rx{q}", self.name))
                .spawn(move || me.read_loop(&fds.fds[q], &deliver))
                .map_err(|e| crate::Error::Io {
                    op: "spawn reader thread",
                    source: e,
                })?;
            threads.push((h.thread().id(), h));
        }
        Ok(())
    }

    fn read_loop(&self, fd: &OwnedFd, deliver: &Deliver) {
        let mut buf = vec![0u8; self.hdr_len + MAX_FRAME];
        let mut scratch = Vec::with_capacity(MAX_FRAME);
        loop {
            let mut pfds = [
                PollFd::new(fd.as_fd(), PollFlags::POLLIN),
                PollFd::new(self.stop.as_fd(), PollFlags::POLLIN),
            ];
            match poll(&mut pfds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(_) => {
                    self.counters.record_error();
                    return;
                }
            }
            if self.closed.load(Ordering::Acquire) || pfds[1].any().unwrap_or(false) {
                return;
            }
            let bad = PollFlags::POLLERR | PollFlags::POLLHUP | PollFlags::POLLNVAL;
            if pfds[0].revents().is_some_and(|r| r.intersects(bad)) {
                // The interface went away under us (deleted, or detached).
                self.done.fire();
                return;
            }
            for _ in 0..READ_BATCH {
                match nix::unistd::read(fd, &mut buf) {
                    Ok(n) => deliver(&mut buf[..n], &mut scratch),
                    Err(Errno::EAGAIN) => break,
                    Err(Errno::EINTR) => continue,
                    Err(Errno::EBADFD) => {
                        // Detached from its interface (deleted): nothing more will come.
                        self.done.fire();
                        return;
                    }
                    Err(_) => {
                        self.counters.record_error();
                        break;
                    }
                }
            }
        }
    }

    /// Writes one unit (with `hdr` in front when the device has a virtio-net
    /// header; `hdr` must then be exactly [`Queues::hdr_len`] bytes).
    fn write(&self, hdr: &[u8], frame: &[u8]) -> io::Result<()> {
        let guard = self.fds.load();
        let Some(fds) = guard.as_ref() else {
            return Err(closed_error());
        };
        let fd = &fds.fds[TX_SLOT.with(|s| *s) % fds.fds.len()];
        let iov = [IoSlice::new(hdr), IoSlice::new(frame)];
        let iov = if hdr.is_empty() { &iov[1..] } else { &iov[..] };
        let want = hdr.len() + frame.len();
        loop {
            match nix::sys::uio::writev(fd, iov) {
                Ok(n) if n == want => {
                    self.counters.record_tx(frame.len());
                    return Ok(());
                }
                Ok(_) => {
                    self.counters.record_tx_drop();
                    return Err(io::Error::new(io::ErrorKind::WriteZero, "short write"));
                }
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => {
                    let mut p = [PollFd::new(fd.as_fd(), PollFlags::POLLOUT)];
                    match poll(&mut p, PollTimeout::from(1000u16)) {
                        Ok(0) => {
                            self.counters.record_tx_drop();
                            return Err(io::ErrorKind::WouldBlock.into());
                        }
                        Ok(_) | Err(Errno::EINTR) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) => {
                    self.counters.record_tx_drop();
                    return Err(e.into());
                }
            }
        }
    }

    /// Writes one unit with `hdr` as its virtio-net header, or a zeroed header
    /// ("nothing offloaded") when `hdr` is `None` and the device has one.
    /// `Some` on a device without a header is refused.
    pub(crate) fn write_unit(&self, hdr: Option<&VirtioNetRepr>, unit: &[u8]) -> io::Result<()> {
        let hl = self.hdr_len;
        let mut h = [0u8; MAX_HDR_LEN];
        match (hdr, hl) {
            (Some(_), 0) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "sending with a virtio-net header needs a device opened with vnet_hdr(true)",
            )),
            (Some(r), _) => {
                let h = &mut h[..hl];
                r.emit(&mut VirtioNetHeader::new_unchecked(&mut h[..]));
                self.write(h, unit)
            }
            (None, _) => self.write(&h[..hl], unit),
        }
    }

    /// Stops the readers (waking them through the eventfd), joins them (except
    /// the calling thread, if it is one of them) and closes the fds.
    pub(crate) fn close(&self) -> io::Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let _ = self.stop.write(1);
        let me = thread::current().id();
        let threads: Vec<_> = self
            .threads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
            .collect();
        for (id, h) in threads {
            if id != me {
                let _ = h.join();
            }
        }
        self.fds.store(None);
        self.done.fire();
        Ok(())
    }
}
