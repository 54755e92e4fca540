//! [`Tap`]: a Linux TAP interface as an [`L2Device`] (Ethernet frames).
//!
//! Frames the kernel sends out of the interface reach the handler; frames given
//! to [`L2Device::send`] enter the kernel as if received on it. With a
//! virtio-net header and offloads, large TCP/UDP segments and partial
//! checksums either go whole to a [`GsoHandler`] or are finished in software
//! ([`crate::gso`]) before the frame handler sees them.

use std::io;
use std::sync::Arc;

use pktkit_core::{DeviceCounters, Done, L2Device, L2Handler};
use pktkit_wire::virtio_net::VirtioNetRepr;
use pktkit_wire::{Frame, MacAddr};

use crate::builder::Opened;
use crate::offload::OffloadStats;
use crate::queue::{Deliver, Queues};
use crate::rx::Rx;
use crate::{Offloads, Result};

/// Receives offloaded frames whole: the frame's virtio-net header (a GSO
/// segment, or a partial checksum) and the frame. For consumers that pass
/// offloads on (another TAP with offloads, a virtio queue). Called on the
/// reader thread; the frame is borrowed for the call.
pub type GsoHandler = Arc<dyn Fn(&VirtioNetRepr, &Frame) -> io::Result<()> + Send + Sync>;

/// A TAP interface. Open one with [`crate::TapBuilder`]; see the [crate docs](crate).
///
/// Dropping it (or [`L2Device::close`]) stops its reader threads and closes its
/// queues; a non-persistent interface disappears with the last queue.
pub struct Tap {
    rx: Arc<Rx<Frame>>,
    mac: MacAddr,
    offloads: Offloads,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap")
            .field("queues", &self.rx.q)
            .field("mac", &self.mac)
            .field("offloads", &self.offloads)
            .finish()
    }
}

impl Tap {
    pub(crate) fn start(o: Opened, mac: MacAddr) -> Result<Tap> {
        let offloads = o.offloads;
        let q = Queues::new(o)?;
        let rx = Arc::new(Rx::new(Arc::clone(&q)));
        let r = Arc::clone(&rx);
        let deliver: Deliver = Arc::new(move |buf, scratch| r.deliver(buf, scratch));
        q.start_readers(deliver)?;
        Ok(Tap { rx, mac, offloads })
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

    /// True when frames carry a virtio-net header.
    pub fn has_vnet_hdr(&self) -> bool {
        self.rx.q.hdr_len() > 0
    }

    /// Takes offloaded frames (GSO segments, partial checksums) whole instead
    /// of having them finished in software for the frame handler. Ordinary
    /// frames still go to the frame handler.
    pub fn set_gso_handler(&self, h: GsoHandler) {
        self.rx.gso_handler.store(Some(Arc::new(h)));
    }

    /// Removes the GSO handler: offloaded frames are finished in software again.
    pub fn clear_gso_handler(&self) {
        self.rx.gso_handler.store(None);
    }

    /// Sends a frame with its virtio-net header: a large TCP/UDP segment the
    /// kernel cuts itself, or a frame whose checksum it finishes
    /// (`NEEDS_CSUM`). Needs `vnet_hdr(true)`; the kernel accepts these
    /// whatever offloads were negotiated for the other direction.
    pub fn send_gso(&self, hdr: &VirtioNetRepr, frame: &Frame) -> io::Result<()> {
        self.rx.q.write_unit(Some(hdr), frame.as_bytes())
    }
}

impl L2Device for Tap {
    fn send(&self, frame: &Frame) -> io::Result<()> {
        self.rx.q.write_unit(None, frame.as_bytes())
    }

    fn set_handler(&self, handler: L2Handler) {
        self.rx.handler.store(Some(Arc::new(handler)));
    }

    fn hw_addr(&self) -> MacAddr {
        self.mac
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

impl Drop for Tap {
    fn drop(&mut self) {
        let _ = self.rx.q.close();
    }
}
