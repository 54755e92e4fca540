//! # pktkit-tuntap — TAP and TUN devices (pktkit layer 2)
//!
//! Linux TAP ([`Tap`], an [`L2Device`](pktkit_core::L2Device) moving Ethernet
//! frames) and TUN ([`Tun`], an [`L3Device`](pktkit_core::L3Device) moving IP
//! packets) interfaces, opened through `/dev/net/tun`, plus [`Netlink`] to
//! configure them (link up/down, MTU, MAC, addresses, routes, static
//! neighbours, moving to a network namespace, deleting) without shelling out
//! to `ip`.
//!
//! ## Quick start
//!
//! ```no_run
//! use std::sync::Arc;
//! use pktkit_core::L2Device;
//! use pktkit_tuntap::{Netlink, TapBuilder};
//! use pktkit_wire::Frame;
//!
//! let tap = TapBuilder::new("pk0").open()?;            // needs CAP_NET_ADMIN
//! let mut nl = Netlink::new()?;
//! let idx = nl.link_index("pk0")?;
//! nl.add_address(idx, "10.9.0.1/24".parse().unwrap())?;
//! nl.set_link_up(idx)?;
//! tap.set_handler(Arc::new(|f: &Frame| {
//!     println!("{} -> {} {:?} {} bytes", f.src(), f.dst(), f.ethertype(), f.len());
//!     Ok(())
//! }));
//! # Ok::<(), pktkit_tuntap::Error>(())
//! ```
//!
//! ## Threads
//!
//! Each queue has its own reader thread, blocked in `poll` on the queue and on
//! an eventfd that [`close`](pktkit_core::L2Device::close) (or dropping the
//! device) signals. A wake-up drains up to 64 frames before polling again.
//! The handler runs on that thread; `send` may be called from any thread (each
//! sending thread sticks to one queue, so a flow stays in order). The
//! device's [`Done`](pktkit_core::Done) fires when it is closed or when its
//! interface is deleted under it.
//!
//! ## Multi-queue
//!
//! [`TapBuilder::queues`]`(n)` opens the interface with `IFF_MULTI_QUEUE`; the
//! kernel spreads flows over the queues by their hash, and the handler is called
//! from all `n` reader threads concurrently.
//!
//! ## Offloads
//!
//! With [`TapBuilder::vnet_hdr`]`(true)` every frame carries a virtio-net header
//! ([`pktkit_wire::virtio_net`]). [`TapBuilder::offloads`] then lets the kernel
//! hand over large TCP/UDP segments (up to 64 KiB) and partial checksums, which
//! saves it from cutting and checksumming each 1500-byte frame:
//!
//! * a consumer that can carry them on (another TAP with offloads, a virtio
//!   queue) registers a [`GsoHandler`] and gets them whole, and sends them whole
//!   with [`Tap::send_gso`];
//! * otherwise the frame handler gets wire-sized frames: [`gso`] cuts the
//!   segment and completes the checksums in software, at the edge.
//!
//! [`Tap::offload_stats`] tells how many large segments arrived, how many
//! were cut and how many passed whole.
//!
//! ## Errors
//!
//! [`Error`] says what to do: a missing `/dev/net/tun`, missing `CAP_NET_ADMIN`,
//! a name that is too long or already used by an interface of another kind.
//!
//! ## Other systems
//!
//! Linux only for now. macOS `utun` (an L3 device over a `PF_SYSTEM` socket
//! with a 4-byte address-family prefix) fits as a `cfg(target_os = "macos")`
//! `utun` module beside [`Tun`] with the same builder shape; nothing here
//! assumes Linux outside `sys`, `builder` and `netlink`.
#![deny(missing_docs, unreachable_pub, unsafe_code)]
#![cfg(target_os = "linux")]

mod builder;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod gso;
mod netlink;
mod offload;
mod queue;
mod rx;
#[allow(unsafe_code)] // the ioctls; every block has a SAFETY comment
mod sys;
mod tap;
mod tun;

pub use builder::{OpenMode, TapBuilder, TunBuilder};
pub use error::{Error, Result};
pub use netlink::{LinkInfo, Netlink, Route};
pub use offload::{OffloadStats, Offloads};
pub use tap::{GsoHandler, Tap};
pub use tun::{Tun, TunGsoHandler};
