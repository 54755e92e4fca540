//! The state every QEMU guest port shares, whatever its transport: handler,
//! counters, drop reasons, the pinned MAC and the [`Done`] signal.
//!
//! Received frames pass [`PortState::admit`] (Ethernet parse, MAC pin) before
//! [`PortState::deliver`] hands them to the handler. Not here: sockets.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use pktkit_core::{DeviceCounters, Done, DropCounters, DropReason, L2Handler};
use pktkit_wire::{Frame, MacAddr};

/// `pinned` holds the MAC as a u64 with this bit set once a MAC is pinned.
const PINNED: u64 = 1 << 48;

pub(crate) struct PortState {
    pub(crate) peer: String,
    pub(crate) mac: MacAddr,
    pub(crate) counters: DeviceCounters,
    pub(crate) drops: DropCounters,
    pin: bool,
    pinned: AtomicU64,
    spoof_warned: AtomicBool,
    handler: ArcSwapOption<L2Handler>,
    handler_set: Mutex<bool>,
    handler_cond: Condvar,
    pub(crate) done: Done,
}

impl PortState {
    pub(crate) fn new(peer: String, pin: bool) -> Arc<Self> {
        let st = Arc::new(PortState {
            peer,
            mac: next_mac(),
            counters: DeviceCounters::new(),
            drops: DropCounters::new(),
            pin,
            pinned: AtomicU64::new(0),
            spoof_warned: AtomicBool::new(false),
            handler: ArcSwapOption::empty(),
            handler_set: Mutex::new(false),
            handler_cond: Condvar::new(),
            done: Done::new(),
        });
        // Wake a reader waiting for a handler when the port ends.
        let weak = Arc::downgrade(&st);
        st.done.on_done(move || {
            if let Some(st) = weak.upgrade() {
                let _g = st
                    .handler_set
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                st.handler_cond.notify_all();
            }
        });
        st
    }

    pub(crate) fn set_handler(&self, h: L2Handler) {
        if self.done.is_done() {
            return;
        }
        self.handler.store(Some(Arc::new(h)));
        let mut set = self
            .handler_set
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *set = true;
        self.handler_cond.notify_all();
    }

    /// Blocks until a handler is installed or the port is done; true if a
    /// handler is there. Stream readers wait here so that frames sent before
    /// the port was attached stay in the socket rather than being lost.
    pub(crate) fn wait_handler(&self) -> bool {
        let mut set = self
            .handler_set
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while !*set && !self.done.is_done() {
            set = self
                .handler_cond
                .wait_timeout(set, Duration::from_millis(200))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *set && !self.done.is_done()
    }

    pub(crate) fn has_handler(&self) -> bool {
        self.handler.load().is_some()
    }

    /// The checks every received frame passes: an Ethernet header and, with
    /// pinning, the port's source MAC. Failures are counted and logged.
    pub(crate) fn admit<'a>(&self, bytes: &'a [u8]) -> Option<&'a Frame> {
        let frame = match Frame::parse(bytes) {
            Ok(f) => f,
            Err(e) => {
                self.drop_rx(DropReason::Malformed);
                tracing::debug!(peer = %self.peer, len = bytes.len(), error = %e, "qemu: malformed frame dropped");
                return None;
            }
        };
        if self.pin {
            let src = frame.src();
            if !src.is_unicast() || src.is_zero() {
                self.drop_rx(DropReason::BadSource);
                tracing::debug!(peer = %self.peer, %src, "qemu: frame with a non-unicast source dropped");
                return None;
            }
            let want = src.to_u64() | PINNED;
            match self
                .pinned
                .compare_exchange(0, want, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    tracing::info!(peer = %self.peer, mac = %src, "qemu: guest port pinned to its MAC");
                }
                Err(cur) if cur == want => {}
                Err(cur) => {
                    self.drop_rx(DropReason::BadSource);
                    if !self.spoof_warned.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            peer = %self.peer,
                            pinned = %MacAddr::from_u64(cur & !PINNED),
                            %src,
                            "qemu: guest sent from a MAC other than its pinned one; dropping such frames"
                        );
                    }
                    return None;
                }
            }
        }
        Some(frame)
    }

    /// Hands an admitted frame to the handler (dropped and counted if none).
    pub(crate) fn deliver(&self, frame: &Frame) {
        let guard = self.handler.load();
        match guard.as_deref() {
            Some(h) if !self.done.is_done() => {
                self.counters.record_rx(frame.len());
                if h(frame).is_err() {
                    self.counters.record_error();
                }
            }
            _ => self.counters.record_rx_drop(),
        }
    }

    pub(crate) fn drop_rx(&self, reason: DropReason) {
        self.counters.record_rx_drop();
        self.drops.record(reason);
    }

    pub(crate) fn drop_tx(&self, reason: DropReason) {
        self.counters.record_tx_drop();
        self.drops.record(reason);
    }

    pub(crate) fn pinned_mac(&self) -> Option<MacAddr> {
        let v = self.pinned.load(Ordering::Acquire);
        (v & PINNED != 0).then(|| MacAddr::from_u64(v & !PINNED))
    }

    /// Ends the port: no more deliveries; the handler is released.
    pub(crate) fn finish(&self) {
        self.done.fire();
        self.handler.store(None);
    }
}

/// A locally administered MAC for each port (the port's own `hw_addr`, not
/// the guest's): 02:50:4b:PP:NN:NN with the process id's low byte and a counter.
fn next_mac() -> MacAddr {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    MacAddr::new(0x02, 0x50, 0x4b, pid as u8, (n >> 8) as u8, n as u8)
}

/// Counts of a listener's connection-level events.
#[derive(Debug, Default)]
pub(crate) struct ListenerCounters {
    pub(crate) accepted: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) active: AtomicU64,
    pub(crate) bad_input: AtomicU64,
    pub(crate) unknown_sender: AtomicU64,
}

impl ListenerCounters {
    pub(crate) fn snapshot(&self) -> ListenerStats {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ListenerStats {
            accepted: l(&self.accepted),
            refused: l(&self.refused),
            active: l(&self.active),
            bad_input: l(&self.bad_input),
            unknown_sender: l(&self.unknown_sender),
        }
    }
}

/// What a listener has seen, at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenerStats {
    /// Guests accepted so far.
    pub accepted: u64,
    /// Guests refused because [`crate::QemuConfig::max_guests`] were connected.
    pub refused: u64,
    /// Guests connected now.
    pub active: u64,
    /// Stream connections dropped for breaking the framing (length 0 or
    /// above the maximum, a truncated frame).
    pub bad_input: u64,
    /// Datagrams dropped because their sender is not a guest and cannot
    /// become one (unnamed unix sender, guest limit reached, a dialer's
    /// socket hearing from someone other than its peer).
    pub unknown_sender: u64,
}

/// Decrements `active` when the guest it was taken for is gone.
pub(crate) struct ActiveSlot(pub(crate) Arc<ListenerCounters>);

impl Drop for ActiveSlot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}
