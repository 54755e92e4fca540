//! [`Tun`]: a Linux TUN interface as an [`L3Device`] (IP packets).
//!
//! Packets the kernel routes out of the interface reach the handler; packets
//! given to [`L3Device::send`] enter the kernel as if received on it. With a
//! virtio-net header and offloads, large TCP/UDP segments and partial
//! checksums either go whole to a [`TunGsoHandler`] or are finished in software
//! ([`crate::gso`]) before the packet handler sees them.

use std::io;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use pktkit_core::{DeviceCounters, Done, L3Device, L3Handler};
use pktkit_wire::virtio_net::{VirtioNetHeader, VirtioNetRepr};
use pktkit_wire::{IpPrefix, Packet};

use crate::builder::Opened;
use crate::gso::{self, Link, SegmentError};
use crate::offload::{OffloadCounters, OffloadStats};
use crate::queue::{Deliver, Queues};
use crate::{Offloads, Result};

/// Receives offloaded packets whole; see [`crate::GsoHandler`].
pub type TunGsoHandler = Arc<dyn Fn(&VirtioNetRepr, &Packet) -> io::Result<()> + Send + Sync>;

/// What a reader thread needs to hand packets on.
struct Rx {
    q: Arc<Queues>,
    handler: ArcSwapOption<L3Handler>,
    stats: OffloadCounters,
    gso_handler: ArcSwapOption<TunGsoHandler>,
}

/// A TUN interface. Open one with [`crate::TunBuilder`]; see the [crate docs](crate).
///
/// [`L3Device::addrs`] are the addresses of *our* side (what a user-space stack
/// on this TUN answers to), kept in memory; the kernel interface's own
/// addresses are set with [`crate::Netlink`].
///
/// Dropping it (or [`L3Device::close`]) stops its reader threads and closes its
/// queues; a non-persistent interface disappears with the last queue.
pub struct Tun {
    rx: Arc<Rx>,
    addrs: Mutex<Vec<IpPrefix>>,
    offloads: Offloads,
}

impl std::fmt::Debug for Tun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tun")
            .field("queues", &self.rx.q)
            .field("offloads", &self.offloads)
            .finish()
    }
}

impl Tun {
    pub(crate) fn start(o: Opened) -> Result<Tun> {
        let offloads = o.offloads;
        let q = Queues::new(o)?;
        let rx = Arc::new(Rx {
            q: Arc::clone(&q),
            handler: ArcSwapOption::empty(),
            gso_handler: ArcSwapOption::empty(),
            stats: OffloadCounters::default(),
        });
        let r = Arc::clone(&rx);
        let deliver: Deliver = Arc::new(move |buf, scratch| r.deliver(buf, scratch));
        q.start_readers(deliver)?;
        Ok(Tun {
            rx,
            addrs: Mutex::new(Vec::new()),
            offloads,
        })
    }

    /// The interface name (as the kernel filled it in, e.g. for `"pk%d"`).
    pub fn name(&self) -> &str {
        self.rx.q.name()
    }

    /// The interface index, looked up by name in the calling thread's network
    /// namespace (after a move to another one, ask a [`crate::Netlink`] opened there).
    pub fn ifindex(&self) -> Result<u32> {
        nix::net::if_::if_nametoindex(self.name())
            .map_err(|e| crate::Error::sys("if_nametoindex", e))
    }

    /// Number of queues (one reader thread each).
    pub fn queues(&self) -> usize {
        self.rx.q.len()
    }

    /// What the receive path did with offloaded frames so far.
    pub fn offload_stats(&self) -> OffloadStats {
        self.rx.stats.snapshot()
    }

    /// The offloads negotiated with the kernel.
    pub fn offloads(&self) -> Offloads {
        self.offloads
    }

    /// True when packets carry a virtio-net header.
    pub fn has_vnet_hdr(&self) -> bool {
        self.rx.q.hdr_len() > 0
    }

    /// Takes offloaded packets (GSO segments, partial checksums) whole instead
    /// of having them finished in software for the packet handler. Ordinary
    /// packets still go to the packet handler.
    pub fn set_gso_handler(&self, h: TunGsoHandler) {
        self.rx.gso_handler.store(Some(Arc::new(h)));
    }

    /// Removes the GSO handler: offloaded packets are finished in software again.
    pub fn clear_gso_handler(&self) {
        self.rx.gso_handler.store(None);
    }

    /// Sends a packet with its virtio-net header: a large TCP/UDP segment the
    /// kernel cuts itself, or a packet whose checksum it finishes
    /// (`NEEDS_CSUM`). Needs `vnet_hdr(true)`; the kernel accepts these
    /// whatever offloads were negotiated for the other direction.
    pub fn send_gso(&self, hdr: &VirtioNetRepr, packet: &Packet) -> io::Result<()> {
        let hl = self.rx.q.hdr_len();
        if hl == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "send_gso needs a TUN opened with vnet_hdr(true)",
            ));
        }
        let mut h = [0u8; 64];
        let h = h.get_mut(..hl).ok_or(io::ErrorKind::Unsupported)?;
        hdr.emit(&mut VirtioNetHeader::new_unchecked(&mut h[..]));
        self.rx.q.write(h, packet.as_bytes())
    }
}

impl Rx {
    fn deliver(&self, buf: &mut [u8], scratch: &mut Vec<u8>) {
        let hl = self.q.hdr_len();
        let c = &self.q.counters;
        if buf.len() < hl {
            c.record_rx_drop();
            return;
        }
        let (hdr, frame) = buf.split_at_mut(hl);
        self.stats
            .largest_frame
            .fetch_max(frame.len() as u64, std::sync::atomic::Ordering::Relaxed);
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
        let offloaded = repr.filter(|r| r.is_gso() || r.needs_csum());
        if let Some(r) = offloaded {
            if r.is_gso() {
                OffloadCounters::bump(&self.stats.gso_frames);
            }
            if let Some(g) = self.gso_handler.load().as_ref() {
                match Packet::parse(frame) {
                    Ok(f) => {
                        c.record_rx(f.as_bytes().len());
                        if r.is_gso() {
                            OffloadCounters::bump(&self.stats.passed_whole);
                        }
                        if g(&r, f).is_err() {
                            c.record_error();
                        }
                    }
                    Err(_) => c.record_rx_drop(),
                }
                return;
            }
            let guard = self.handler.load();
            let Some(h) = guard.as_ref() else {
                c.record_rx_drop();
                return;
            };
            if r.is_gso() {
                let res = gso::segment(frame, Link::Ip, &r, scratch, |seg| {
                    let f = Packet::parse(seg).map_err(|_| io::ErrorKind::InvalidData)?;
                    c.record_rx(f.as_bytes().len());
                    OffloadCounters::bump(&self.stats.segments);
                    if h(f).is_err() {
                        c.record_error();
                    }
                    Ok::<(), io::Error>(())
                });
                if let Err(SegmentError::Gso(_)) = res {
                    c.record_rx_drop();
                }
                return;
            }
            if gso::complete_checksum(frame, r.csum_start as usize, r.csum_offset as usize).is_err()
            {
                c.record_rx_drop();
                return;
            }
            OffloadCounters::bump(&self.stats.checksums_completed);
        }
        match Packet::parse(frame) {
            Ok(f) => match self.handler.load().as_ref() {
                Some(h) => {
                    c.record_rx(f.as_bytes().len());
                    if h(f).is_err() {
                        c.record_error();
                    }
                }
                None => c.record_rx_drop(),
            },
            Err(_) => c.record_rx_drop(),
        }
    }
}

const ZERO_HDR: [u8; 64] = [0; 64];

impl L3Device for Tun {
    fn send(&self, packet: &Packet) -> io::Result<()> {
        let hl = self.rx.q.hdr_len();
        self.rx
            .q
            .write(&ZERO_HDR[..hl.min(ZERO_HDR.len())], packet.as_bytes())
    }

    fn set_handler(&self, handler: L3Handler) {
        self.rx.handler.store(Some(Arc::new(handler)));
    }

    fn addrs(&self) -> Vec<IpPrefix> {
        self.addrs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_addrs(&self, addrs: &[IpPrefix]) -> io::Result<()> {
        *self
            .addrs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = addrs.to_vec();
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        self.rx.q.close()
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        Some(&self.rx.q.counters)
    }

    /// Fires when the device is closed or its interface is deleted (e.g.
    /// `Netlink::delete_link`, or its namespace went away).
    fn done(&self) -> Option<Done> {
        Some(self.rx.q.done.clone())
    }
}

impl Drop for Tun {
    fn drop(&mut self) {
        let _ = self.rx.q.close();
    }
}
