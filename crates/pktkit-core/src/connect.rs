//! [`connect_l2`] / [`connect_l3`]: wire two devices back to back.
//!
//! What one device receives, the other sends, in both directions — a patch
//! cable between, say, a TAP and one end of a pipe, or a VM and a hub port.
//! The wiring holds the devices weakly (no reference cycle); the caller keeps
//! them alive. Not a switch: use [`crate::L2Hub`] for more than two.

use std::io;
use std::sync::{Arc, Weak};

use pktkit_wire::{Frame, Packet};

use crate::{Attachment, L2Device, L3Device};

/// Forwards every frame received by `a` out of `b` and vice versa. Dropping
/// (or detaching) the returned [`Attachment`] unwires them (each gets a handler
/// that discards); `.keep()` wires them for good.
///
/// A frame sent towards a device that was dropped is discarded with
/// [`io::ErrorKind::NotConnected`].
///
/// ```
/// use pktkit_core::{connect_l2, L2Device, PipeL2};
/// use pktkit_wire::{Frame, MacAddr};
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let m = |n| MacAddr::new(2, 0, 0, 0, 0, n);
/// let (vm, a) = PipeL2::pair(m(1), m(2));
/// let (b, host) = PipeL2::pair(m(3), m(4));
/// let (a, b) = (Arc::new(a), Arc::new(b));
/// let link = connect_l2(&a, &b);
/// let n = Arc::new(AtomicUsize::new(0));
/// let n2 = n.clone();
/// host.set_handler(Arc::new(move |_: &Frame| { n2.fetch_add(1, Ordering::SeqCst); Ok(()) }));
/// vm.send(Frame::parse(&[0xffu8; 60]).unwrap()).unwrap();   // vm -> a ~ b -> host
/// assert_eq!(n.load(Ordering::SeqCst), 1);
/// drop(link);
/// vm.send(Frame::parse(&[0xffu8; 60]).unwrap()).unwrap();
/// assert_eq!(n.load(Ordering::SeqCst), 1);
/// ```
pub fn connect_l2<A, B>(a: &Arc<A>, b: &Arc<B>) -> Attachment
where
    A: L2Device + ?Sized + 'static,
    B: L2Device + ?Sized + 'static,
{
    a.set_handler(l2_forwarder(Arc::downgrade(b)));
    b.set_handler(l2_forwarder(Arc::downgrade(a)));
    let (wa, wb) = (Arc::downgrade(a), Arc::downgrade(b));
    Attachment::new(move || {
        if let Some(a) = wa.upgrade() {
            a.set_handler(Arc::new(|_: &Frame| Ok(())));
        }
        if let Some(b) = wb.upgrade() {
            b.set_handler(Arc::new(|_: &Frame| Ok(())));
        }
    })
}

fn l2_forwarder<D: L2Device + ?Sized + 'static>(to: Weak<D>) -> crate::L2Handler {
    Arc::new(move |f: &Frame| match to.upgrade() {
        Some(d) => d.send(f),
        None => Err(io::Error::new(io::ErrorKind::NotConnected, "peer dropped")),
    })
}

/// [`connect_l2`] for IP devices.
pub fn connect_l3<A, B>(a: &Arc<A>, b: &Arc<B>) -> Attachment
where
    A: L3Device + ?Sized + 'static,
    B: L3Device + ?Sized + 'static,
{
    a.set_handler(l3_forwarder(Arc::downgrade(b)));
    b.set_handler(l3_forwarder(Arc::downgrade(a)));
    let (wa, wb) = (Arc::downgrade(a), Arc::downgrade(b));
    Attachment::new(move || {
        if let Some(a) = wa.upgrade() {
            a.set_handler(Arc::new(|_: &Packet| Ok(())));
        }
        if let Some(b) = wb.upgrade() {
            b.set_handler(Arc::new(|_: &Packet| Ok(())));
        }
    })
}

fn l3_forwarder<D: L3Device + ?Sized + 'static>(to: Weak<D>) -> crate::L3Handler {
    Arc::new(move |p: &Packet| match to.upgrade() {
        Some(d) => d.send(p),
        None => Err(io::Error::new(io::ErrorKind::NotConnected, "peer dropped")),
    })
}
