//! In-memory device pairs: [`PipeL2`] and [`PipeL3`].
//!
//! What one end sends, the other end's handler receives, synchronously on the
//! sending thread, with no copy and no queue. They stand in for a TAP or a VM
//! in tests and examples, and join pieces of a topology inside one process.
//! Closing either end closes both and fires their [`Done`]. Not for crossing
//! threads with backpressure (there is no queue).

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwapOption;
use pktkit_wire::{Frame, IpPrefix, MacAddr, Packet};

use crate::{DeviceCounters, Done, L2Device, L2Handler, L3Device, L3Handler};

fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "pipe closed")
}

/// One end's state, shared by both ends of a pipe.
struct End<H> {
    handler: ArcSwapOption<H>,
    counters: DeviceCounters,
}

impl<H> Default for End<H> {
    fn default() -> Self {
        End {
            handler: ArcSwapOption::empty(),
            counters: DeviceCounters::new(),
        }
    }
}

struct Shared<H> {
    ends: [End<H>; 2],
    closed: AtomicBool,
    done: Done,
}

impl<H> Shared<H> {
    fn new() -> Arc<Self> {
        Arc::new(Shared {
            ends: [End::default(), End::default()],
            closed: AtomicBool::new(false),
            done: Done::new(),
        })
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for e in &self.ends {
            e.handler.store(None);
        }
        self.done.fire();
    }
}

/// One end of an in-memory Ethernet link. Make a pair with [`PipeL2::pair`].
///
/// `send` on one end calls the other end's handler on the calling thread.
/// A frame sent while the other end has no handler is counted as dropped.
pub struct PipeL2 {
    shared: Arc<Shared<L2Handler>>,
    side: usize,
    mac: MacAddr,
}

impl PipeL2 {
    /// Two connected ends with the given hardware addresses.
    pub fn pair(mac_a: MacAddr, mac_b: MacAddr) -> (PipeL2, PipeL2) {
        let shared = Shared::new();
        (
            PipeL2 {
                shared: shared.clone(),
                side: 0,
                mac: mac_a,
            },
            PipeL2 {
                shared,
                side: 1,
                mac: mac_b,
            },
        )
    }

    /// Delivers `frame` to this end's own handler, as if the other end had sent it.
    pub fn inject(&self, frame: &Frame) -> io::Result<()> {
        deliver(&self.shared, self.side, frame, |f| f.len())
    }
}

/// Hands `msg` to the handler of end `to`, counting it there.
#[inline]
fn deliver<H, M: ?Sized>(
    shared: &Shared<Arc<H>>,
    to: usize,
    msg: &M,
    len: impl Fn(&M) -> usize,
) -> io::Result<()>
where
    H: Fn(&M) -> io::Result<()> + ?Sized,
{
    let end = &shared.ends[to];
    let guard = end.handler.load();
    match guard.as_deref() {
        Some(h) => {
            end.counters.record_rx(len(msg));
            let r = h(msg);
            if r.is_err() {
                end.counters.record_error();
            }
            r
        }
        None => {
            end.counters.record_rx_drop();
            Ok(())
        }
    }
}

impl L2Device for PipeL2 {
    #[inline]
    fn send(&self, frame: &Frame) -> io::Result<()> {
        if self.shared.closed.load(Ordering::Acquire) {
            self.shared.ends[self.side].counters.record_tx_drop();
            return Err(closed_error());
        }
        self.shared.ends[self.side].counters.record_tx(frame.len());
        deliver(&self.shared, 1 - self.side, frame, |f| f.len())
    }

    fn set_handler(&self, handler: L2Handler) {
        if !self.shared.closed.load(Ordering::Acquire) {
            self.shared.ends[self.side]
                .handler
                .store(Some(Arc::new(handler)));
        }
    }

    fn hw_addr(&self) -> MacAddr {
        self.mac
    }

    fn close(&self) -> io::Result<()> {
        self.shared.close();
        Ok(())
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        Some(&self.shared.ends[self.side].counters)
    }

    fn done(&self) -> Option<Done> {
        Some(self.shared.done.clone())
    }
}

impl fmt::Debug for PipeL2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeL2")
            .field("side", &self.side)
            .field("mac", &self.mac)
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish()
    }
}

/// One end of an in-memory IP link. Make a pair with [`PipeL3::pair`].
///
/// Each end has its own address list ([`L3Device::addrs`]), settable with
/// [`L3Device::set_addrs`].
pub struct PipeL3 {
    shared: Arc<Shared<L3Handler>>,
    side: usize,
    addrs: Mutex<Vec<IpPrefix>>,
}

impl PipeL3 {
    /// Two connected ends with the given addresses (empty slices are fine).
    pub fn pair(addrs_a: &[IpPrefix], addrs_b: &[IpPrefix]) -> (PipeL3, PipeL3) {
        let shared = Shared::new();
        (
            PipeL3 {
                shared: shared.clone(),
                side: 0,
                addrs: Mutex::new(addrs_a.to_vec()),
            },
            PipeL3 {
                shared,
                side: 1,
                addrs: Mutex::new(addrs_b.to_vec()),
            },
        )
    }

    /// Delivers `packet` to this end's own handler, as if the other end had sent it.
    pub fn inject(&self, packet: &Packet) -> io::Result<()> {
        deliver(&self.shared, self.side, packet, |p| p.as_bytes().len())
    }
}

impl L3Device for PipeL3 {
    #[inline]
    fn send(&self, packet: &Packet) -> io::Result<()> {
        if self.shared.closed.load(Ordering::Acquire) {
            self.shared.ends[self.side].counters.record_tx_drop();
            return Err(closed_error());
        }
        let len = packet.as_bytes().len();
        self.shared.ends[self.side].counters.record_tx(len);
        deliver(&self.shared, 1 - self.side, packet, |p| p.as_bytes().len())
    }

    fn set_handler(&self, handler: L3Handler) {
        if !self.shared.closed.load(Ordering::Acquire) {
            self.shared.ends[self.side]
                .handler
                .store(Some(Arc::new(handler)));
        }
    }

    fn addrs(&self) -> Vec<IpPrefix> {
        self.addrs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_addrs(&self, addrs: &[IpPrefix]) -> io::Result<()> {
        *self.addrs.lock().unwrap_or_else(PoisonError::into_inner) = addrs.to_vec();
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        self.shared.close();
        Ok(())
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        Some(&self.shared.ends[self.side].counters)
    }

    fn done(&self) -> Option<Done> {
        Some(self.shared.done.clone())
    }
}

impl fmt::Debug for PipeL3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeL3")
            .field("side", &self.side)
            .field("addrs", &self.addrs())
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish()
    }
}
