//! The device traits: what every backend, hub and engine plugs into.
//!
//! An [`L2Device`] moves Ethernet [`Frame`]s, an [`L3Device`] moves IP
//! [`Packet`]s. A device delivers what it receives by calling its handler
//! synchronously; the borrowed frame is valid only for that call, so whoever
//! keeps it copies it (into a [`crate::BufferPool`] buffer or `bytes::Bytes`).
//! `send` may be called from any thread at any time, also from inside a handler.
//!
//! Acceptors produce devices (a listening socket accepting VMs), connectors
//! consume them (a hub attaching each one as a port); [`crate::serve`] joins
//! the two. Not here: how devices are wired ([`crate::connect_l2`]) or
//! switched ([`crate::L2Hub`]).

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use pktkit_wire::{Frame, IpPrefix, MacAddr, Packet};

use crate::{DeviceCounters, Done};

/// Receives the frames an [`L2Device`] gets from its medium.
///
/// Called synchronously on the device's receiving thread; the `&Frame` is valid
/// for the call only. An `Err` means the frame could not be taken (counted by
/// the device, never fatal to it).
pub type L2Handler = Arc<dyn Fn(&Frame) -> io::Result<()> + Send + Sync>;

/// Receives the packets an [`L3Device`] gets from its medium. See [`L2Handler`].
pub type L3Handler = Arc<dyn Fn(&Packet) -> io::Result<()> + Send + Sync>;

/// An Ethernet device: a TAP, an AF_PACKET socket, a VM's virtio queue, one
/// end of a [`crate::PipeL2`], a hub port seen from outside.
///
/// Object safe: hold devices as `Arc<dyn L2Device>`.
///
/// ```
/// use pktkit_core::{L2Device, PipeL2};
/// use pktkit_wire::{Frame, MacAddr};
/// use std::sync::{Arc, Mutex};
///
/// let (a, b) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, 1), MacAddr::new(2, 0, 0, 0, 0, 2));
/// let got = Arc::new(Mutex::new(Vec::new()));
/// let g = got.clone();
/// b.set_handler(Arc::new(move |f: &Frame| {
///     g.lock().unwrap().push(f.as_bytes().to_vec()); // keep it: copy it
///     Ok(())
/// }));
/// let bytes = [0xffu8; 60];
/// a.send(Frame::parse(&bytes).unwrap()).unwrap();
/// assert_eq!(got.lock().unwrap().len(), 1);
/// ```
pub trait L2Device: Send + Sync {
    /// Sends one frame. May be called from any thread, also from inside a handler.
    fn send(&self, frame: &Frame) -> io::Result<()>;

    /// Sends frames in order and returns how many were sent.
    ///
    /// Like `sendmmsg`: if the first frame fails its error is returned; a later
    /// failure ends the batch early and the count so far is returned. The
    /// default loops over [`L2Device::send`]; backends that can do better
    /// (AF_XDP, `sendmmsg`, multi-queue TUN) override it.
    fn send_batch(&self, frames: &[&Frame]) -> io::Result<usize> {
        for (i, f) in frames.iter().enumerate() {
            if let Err(e) = self.send(f) {
                return if i == 0 { Err(e) } else { Ok(i) };
            }
        }
        Ok(frames.len())
    }

    /// Installs (or replaces) the handler called with every received frame.
    ///
    /// A replaced handler must not be called for later frames and should be
    /// dropped once calls already in it return: hubs install a new handler in
    /// every port whenever their port set changes, and the old one holds the
    /// old set (and its devices). Must not attach to or detach from a hub
    /// (hubs call it with their admin lock held).
    fn set_handler(&self, handler: L2Handler);

    /// The device's own MAC address.
    fn hw_addr(&self) -> MacAddr;

    /// Stops the device: no more frames are delivered, `send` fails afterwards.
    /// Closing twice is not an error.
    fn close(&self) -> io::Result<()>;

    /// The device's counters, if it keeps them.
    fn counters(&self) -> Option<&DeviceCounters> {
        None
    }

    /// A signal that fires when the device's peer goes away (a VM disconnects),
    /// for devices that have a peer that can. [`crate::serve`] detaches the
    /// device when it fires. `None` (the default): the device lives until closed.
    fn done(&self) -> Option<Done> {
        None
    }
}

/// An IP device: a TUN, a WireGuard tunnel, an [`L2`](L2Device) network seen
/// through ARP/NDP, one end of a [`crate::PipeL3`].
///
/// Object safe: hold devices as `Arc<dyn L3Device>`.
pub trait L3Device: Send + Sync {
    /// Sends one packet. May be called from any thread, also from inside a handler.
    fn send(&self, packet: &Packet) -> io::Result<()>;

    /// Sends packets in order; same contract as [`L2Device::send_batch`].
    fn send_batch(&self, packets: &[&Packet]) -> io::Result<usize> {
        for (i, p) in packets.iter().enumerate() {
            if let Err(e) = self.send(p) {
                return if i == 0 { Err(e) } else { Ok(i) };
            }
        }
        Ok(packets.len())
    }

    /// Installs (or replaces) the handler called with every received packet.
    ///
    /// As [`L2Device::set_handler`]: a replaced handler is no longer called
    /// and is dropped (routers install new ones whenever their table changes).
    fn set_handler(&self, handler: L3Handler);

    /// The device's addresses with their prefix lengths (empty if none yet).
    fn addrs(&self) -> Vec<IpPrefix>;

    /// Replaces the device's addresses (a DHCP client configuring it).
    /// The default refuses with [`io::ErrorKind::Unsupported`].
    fn set_addrs(&self, addrs: &[IpPrefix]) -> io::Result<()> {
        let _ = addrs;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this device's addresses are fixed",
        ))
    }

    /// Stops the device; see [`L2Device::close`].
    fn close(&self) -> io::Result<()>;

    /// The device's counters, if it keeps them.
    fn counters(&self) -> Option<&DeviceCounters> {
        None
    }

    /// See [`L2Device::done`].
    fn done(&self) -> Option<Done> {
        None
    }
}

macro_rules! forward_l2 {
    ($t:ty) => {
        impl<T: L2Device + ?Sized> L2Device for $t {
            #[inline]
            fn send(&self, frame: &Frame) -> io::Result<()> {
                (**self).send(frame)
            }
            #[inline]
            fn send_batch(&self, frames: &[&Frame]) -> io::Result<usize> {
                (**self).send_batch(frames)
            }
            fn set_handler(&self, handler: L2Handler) {
                (**self).set_handler(handler)
            }
            fn hw_addr(&self) -> MacAddr {
                (**self).hw_addr()
            }
            fn close(&self) -> io::Result<()> {
                (**self).close()
            }
            fn counters(&self) -> Option<&DeviceCounters> {
                (**self).counters()
            }
            fn done(&self) -> Option<Done> {
                (**self).done()
            }
        }
    };
}

macro_rules! forward_l3 {
    ($t:ty) => {
        impl<T: L3Device + ?Sized> L3Device for $t {
            #[inline]
            fn send(&self, packet: &Packet) -> io::Result<()> {
                (**self).send(packet)
            }
            #[inline]
            fn send_batch(&self, packets: &[&Packet]) -> io::Result<usize> {
                (**self).send_batch(packets)
            }
            fn set_handler(&self, handler: L3Handler) {
                (**self).set_handler(handler)
            }
            fn addrs(&self) -> Vec<IpPrefix> {
                (**self).addrs()
            }
            fn set_addrs(&self, addrs: &[IpPrefix]) -> io::Result<()> {
                (**self).set_addrs(addrs)
            }
            fn close(&self) -> io::Result<()> {
                (**self).close()
            }
            fn counters(&self) -> Option<&DeviceCounters> {
                (**self).counters()
            }
            fn done(&self) -> Option<Done> {
                (**self).done()
            }
        }
    };
}

forward_l2!(Arc<T>);
forward_l2!(Box<T>);
forward_l3!(Arc<T>);
forward_l3!(Box<T>);

/// Produces L2 devices: a listening socket accepting VMs, a vhost-user server.
pub trait L2Acceptor: Send + Sync {
    /// Blocks until the next device arrives.
    ///
    /// Transient errors ([`io::ErrorKind::Interrupted`], `WouldBlock`,
    /// `ConnectionAborted`, `ConnectionReset`, `TimedOut`) are retried by
    /// [`crate::serve`]; any other error ends its loop (return one after
    /// [`L2Acceptor::close`]).
    fn accept_l2(&self) -> io::Result<Arc<dyn L2Device>>;

    /// Stops accepting: a blocked and every later [`L2Acceptor::accept_l2`]
    /// returns an error. The default does nothing.
    fn close(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Produces L3 devices; see [`L2Acceptor`].
pub trait L3Acceptor: Send + Sync {
    /// Blocks until the next device arrives; see [`L2Acceptor::accept_l2`].
    fn accept_l3(&self) -> io::Result<Arc<dyn L3Device>>;

    /// Stops accepting; see [`L2Acceptor::close`].
    fn close(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Takes L2 devices in: an [`crate::L2Hub`] attaches each as a port.
pub trait L2Connector: Send + Sync {
    /// Connects `device`; the returned [`Attachment`] undoes it.
    fn connect_l2(&self, device: Arc<dyn L2Device>) -> io::Result<Attachment>;
}

/// Takes L3 devices in: an [`crate::L3Hub`] attaches each as a port.
pub trait L3Connector: Send + Sync {
    /// Connects `device`; the returned [`Attachment`] undoes it.
    fn connect_l3(&self, device: Arc<dyn L3Device>) -> io::Result<Attachment>;
}

/// The undo of a connection: detaches when dropped or on [`Attachment::detach`].
///
/// [`Attachment::keep`] leaves the connection in place for good.
#[must_use = "dropping an Attachment detaches at once; call .keep() to stay attached"]
pub struct Attachment {
    undo: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl Attachment {
    /// An attachment whose undo runs `f`.
    pub fn new(f: impl FnOnce() + Send + 'static) -> Self {
        Attachment {
            undo: Mutex::new(Some(Box::new(f))),
        }
    }

    /// An attachment with nothing to undo.
    pub fn noop() -> Self {
        Attachment {
            undo: Mutex::new(None),
        }
    }

    /// Undoes the connection now (later calls and the drop do nothing).
    pub fn detach(&self) {
        let f = self
            .undo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(f) = f {
            f();
        }
    }

    /// Leaves the connection in place for good.
    pub fn keep(self) {
        self.undo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        self.detach();
    }
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let live = self
            .undo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        f.debug_struct("Attachment").field("live", &live).finish()
    }
}
