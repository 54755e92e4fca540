//! The receive path shared by [`crate::Tap`] (Ethernet frames) and
//! [`crate::Tun`] (IP packets): split off the virtio-net header, hand offloaded
//! units whole to a GSO handler or finish them in software ([`crate::gso`]),
//! and call the handler; count everything.
//!
//! Not for: reading the fds (that is `queue.rs`) or sending.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use arc_swap::ArcSwapOption;
use pktkit_wire::virtio_net::{VirtioNetHeader, VirtioNetRepr};
use pktkit_wire::{Frame, Packet};

use crate::gso::{self, Link, SegmentError};
use crate::offload::OffloadCounters;
use crate::queue::Queues;

/// What a device moves: a [`Frame`] (TAP) or a [`Packet`] (TUN).
pub(crate) trait Unit {
    /// Where the IP header starts in such a unit.
    const LINK: Link;
    /// Validates `bytes` as one unit.
    fn parse(bytes: &[u8]) -> Option<&Self>;
    /// Its length in bytes.
    fn byte_len(&self) -> usize;
}

impl Unit for Frame {
    const LINK: Link = Link::Ethernet;
    fn parse(bytes: &[u8]) -> Option<&Frame> {
        Frame::parse(bytes).ok()
    }
    fn byte_len(&self) -> usize {
        self.len()
    }
}

impl Unit for Packet {
    const LINK: Link = Link::Ip;
    fn parse(bytes: &[u8]) -> Option<&Packet> {
        Packet::parse(bytes).ok()
    }
    fn byte_len(&self) -> usize {
        self.as_bytes().len()
    }
}

/// The handler of ordinary units.
pub(crate) type Handler<U> = Arc<dyn Fn(&U) -> io::Result<()> + Send + Sync>;
/// The handler of offloaded units, with their virtio-net header.
pub(crate) type GsoHandlerOf<U> = Arc<dyn Fn(&VirtioNetRepr, &U) -> io::Result<()> + Send + Sync>;

/// What a reader thread needs to hand units on.
pub(crate) struct Rx<U: Unit + ?Sized + 'static> {
    pub(crate) q: Arc<Queues>,
    pub(crate) handler: ArcSwapOption<Handler<U>>,
    pub(crate) gso_handler: ArcSwapOption<GsoHandlerOf<U>>,
    pub(crate) stats: OffloadCounters,
}

impl<U: Unit + ?Sized + 'static> Rx<U> {
    pub(crate) fn new(q: Arc<Queues>) -> Rx<U> {
        Rx {
            q,
            handler: ArcSwapOption::empty(),
            gso_handler: ArcSwapOption::empty(),
            stats: OffloadCounters::default(),
        }
    }

    /// Calls `h` with `u`, counting it; a handler error is counted, not fatal.
    fn hand(&self, u: &U, h: impl FnOnce(&U) -> io::Result<()>) {
        let c = &self.q.counters;
        c.record_rx(u.byte_len());
        if h(u).is_err() {
            c.record_error();
        }
    }

    /// One read: `buf` = virtio-net header (if any) + one unit.
    pub(crate) fn deliver(&self, buf: &mut [u8], scratch: &mut Vec<u8>) {
        let hl = self.q.hdr_len();
        let c = &self.q.counters;
        if buf.len() < hl {
            c.record_rx_drop();
            return;
        }
        let (hdr, unit) = buf.split_at_mut(hl);
        self.stats
            .largest_frame
            .fetch_max(unit.len() as u64, Ordering::Relaxed);
        let repr = if hl > 0 {
            match VirtioNetHeader::new_checked(&hdr[..]).and_then(|h| VirtioNetRepr::parse(&h)) {
                Ok(r) => Some(r),
                Err(_) => {
                    c.record_rx_drop();
                    return;
                }
            }
        } else {
            None
        };
        if let Some(r) = repr.filter(|r| r.is_gso() || r.needs_csum()) {
            if r.is_gso() {
                OffloadCounters::bump(&self.stats.gso_frames);
            }
            if let Some(g) = self.gso_handler.load().as_ref() {
                match U::parse(unit) {
                    Some(u) => {
                        if r.is_gso() {
                            OffloadCounters::bump(&self.stats.passed_whole);
                        }
                        self.hand(u, |u| g(&r, u));
                    }
                    None => c.record_rx_drop(),
                }
                return;
            }
            let guard = self.handler.load();
            let Some(h) = guard.as_ref() else {
                c.record_rx_drop();
                return;
            };
            if r.is_gso() {
                let res = gso::segment(unit, U::LINK, &r, scratch, |seg| {
                    let u = U::parse(seg).ok_or(io::ErrorKind::InvalidData)?;
                    OffloadCounters::bump(&self.stats.segments);
                    self.hand(u, |u| h(u));
                    Ok::<(), io::Error>(())
                });
                if let Err(SegmentError::Gso(_)) = res {
                    c.record_rx_drop();
                }
                return;
            }
            let (start, off) = (r.csum_start as usize, r.csum_offset as usize);
            if gso::complete_checksum(unit, start, off).is_err() {
                c.record_rx_drop();
                return;
            }
            OffloadCounters::bump(&self.stats.checksums_completed);
        }
        match (U::parse(unit), self.handler.load().as_ref()) {
            (Some(u), Some(h)) => self.hand(u, |u| h(u)),
            _ => c.record_rx_drop(),
        }
    }
}
