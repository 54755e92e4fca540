//! # pktkit-qemu — QEMU socket netdevs as pktkit devices (layer 2)
//!
//! QEMU can put a guest NIC on a plain socket instead of a TAP:
//!
//! * `-netdev stream` (and the legacy `-netdev socket`): each Ethernet frame
//!   is preceded by its length, a 4-byte big-endian number, over a unix or
//!   TCP stream — [`StreamListener`] / [`StreamDevice`];
//! * `-netdev dgram`: one frame per datagram over a unix datagram or UDP
//!   socket — [`DgramListener`] / [`DgramDevice`].
//!
//! A listener accepts any number of guests (up to [`QemuConfig::max_guests`]),
//! each becoming an [`L2Device`](pktkit_core::L2Device) whose
//! [`Done`](pktkit_core::Done) fires when the guest goes away, so
//! [`pktkit_core::serve`] attaches each guest to a hub and detaches it again.
//! A dialer ([`StreamDevice::connect`], [`DgramDevice::connect`]) talks to a
//! QEMU that listens.
//!
//! Bad input stays with the guest that sent it: a malformed frame is dropped
//! and counted; a stream whose length prefix is 0 or above
//! [`QemuConfig::max_frame`], or that ends inside a frame, is hung up on;
//! datagrams from senders that cannot be guests are dropped. With
//! [`QemuConfig::pin_mac`] a port only carries frames from the first source
//! MAC its guest used (anti-spoofing). Every drop is counted (per device
//! [`DropSnapshot`](pktkit_core::DropSnapshot), per listener [`ListenerStats`])
//! and logged with `tracing`.
//!
//! ## Example
//!
//! A guest (here a dialer standing in for QEMU) connects to a listener:
//!
//! ```
//! use pktkit_core::{L2Device, L2Acceptor};
//! use pktkit_qemu::{Endpoint, Listener, Mode, QemuConfig, StreamDevice};
//! use pktkit_wire::Frame;
//! use std::sync::{Arc, mpsc};
//!
//! let ln = Listener::bind(&"tcp:127.0.0.1:0".parse()?, Mode::Stream, QemuConfig::default())?;
//! println!("qemu-system-x86_64 ... -netdev {} -device virtio-net,netdev=n0", ln.qemu_netdev("n0"));
//! let vm = StreamDevice::connect(ln.endpoint(), &QemuConfig::default())?;
//! let port = ln.accept_l2()?;
//! let (tx, rx) = mpsc::channel();
//! port.set_handler(Arc::new(move |f: &Frame| { tx.send(f.len()).ok(); Ok(()) }));
//! vm.send(Frame::parse(&[0xff; 60])?)?;
//! assert_eq!(rx.recv()?, 60);
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```
//!
//! Not here: switching between guests (use `pktkit_core`'s hub), DHCP (use
//! `pktkit-dhcp`), vhost-user (`pktkit-virtio`).
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

mod config;
pub mod dgram;
mod endpoint;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod listener;
mod port;
pub mod stream;

pub use config::{DEFAULT_MAX_FRAME, QemuConfig};
pub use dgram::{DgramDevice, DgramListener};
pub use endpoint::{Endpoint, Mode};
pub use error::EndpointError;
pub use listener::Listener;
pub use port::ListenerStats;
pub use stream::{StreamDevice, StreamListener};
