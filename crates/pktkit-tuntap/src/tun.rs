//! [`Tun`]: a Linux TUN interface as an [`L3Device`] (IP packets).
//!
//! Packets the kernel routes out of the interface reach the handler; packets
//! given to [`L3Device::send`] enter the kernel as if received on it. With a
//! virtio-net header and offloads, large TCP/UDP segments and partial
//! checksums either go whole to a [`TunGsoHandler`] or are finished in software
//! ([`crate::gso`]) before the packet handler sees them.

use std::io;
use std::sync::{Arc, Mutex};

use pktkit_core::{DeviceCounters, Done, L3Device, L3Handler};
use pktkit_wire::virtio_net::VirtioNetRepr;
use pktkit_wire::{IpPrefix, Packet};

use crate::builder::Opened;
use crate::offload::OffloadStats;
use crate::queue::{Deliver, Queues};
use crate::rx::Rx;
use crate::{Offloads, Result};

/// Receives offloaded packets whole; see [`crate::GsoHandler`].
pub type TunGsoHandler = Arc<dyn Fn(&VirtioNetRepr, &Packet) -> io::Result<()> + Send + Sync>;

/// A TUN interface. Open one with [`crate::TunBuilder`]; see the [crate docs](crate).
///
/// [`L3Device::addrs`] are the addresses of *our* side (what a user-space stack
/// on this TUN answers to), kept in memory; the kernel interface's own
/// addresses are set with [`crate::Netlink`].
///
/// Dropping it (or [`L3Device::close`]) stops its reader threads and closes its
/// queues; a non-persistent interface disappears with the last queue.
pub struct Tun {
    rx: Arc<Rx<Packet>>,
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
        let rx = Arc::new(Rx::new(Arc::clone(&q)));
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
        self.rx.q.write_unit(Some(hdr), packet.as_bytes())
    }
}

impl L3Device for Tun {
    fn send(&self, packet: &Packet) -> io::Result<()> {
        self.rx.q.write_unit(None, packet.as_bytes())
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
