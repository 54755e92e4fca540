//! # pktkit-core — devices, hubs and plumbing (pktkit layer 1)
//!
//! This crate is the API every pktkit backend, engine and user touches. Frames
//! ([`Frame`](pktkit_wire::Frame)) and packets ([`Packet`](pktkit_wire::Packet))
//! come from `pktkit-wire`; this crate moves them between devices.
//!
//! ## Devices
//!
//! * [`L2Device`] sends and receives Ethernet frames, [`L3Device`] IP packets.
//!   A device calls its handler ([`L2Handler`] / [`L3Handler`]) synchronously
//!   with a *borrowed* frame, valid only for the call: copy what you keep.
//!   `send` is callable from any thread; `send_batch` loops by default.
//! * [`PipeL2`] / [`PipeL3`] are in-memory device pairs; [`connect_l2`] /
//!   [`connect_l3`] wire two devices back to back.
//! * [`L2Acceptor`] / [`L3Acceptor`] produce devices (a socket accepting VMs),
//!   [`L2Connector`] / [`L3Connector`] take them (a hub); [`serve`] joins the two
//!   and detaches each device when its [`Done`] fires.
//!
//! ## Switching and routing
//!
//! * [`L2Hub`] is a MAC-learning switch: per-port VLAN modes ([`VlanMode`]:
//!   transparent, access, trunk with 802.1Q push/pop), a bounded MAC table with
//!   aging, per-port MAC limits and rate limits ([`RateLimit`]), counters per
//!   port and per [`DropReason`].
//! * [`L3Hub`] is an IPv4/IPv6 router: longest-prefix match over thousands of
//!   routes, TTL / hop-limit decrement, drops counted.
//!
//! ## Around devices
//!
//! * [`BufferPool`]: recycled packet buffers, no allocation in steady state.
//! * [`DeviceCounters`] / [`CounterSnapshot`]: atomics on the data path,
//!   snapshots that print.
//! * [`PcapTap`] wraps a device and writes a pcapng capture (Wireshark shows the
//!   direction) without blocking the data path.
//! * [`Impair`] wraps a device and makes its link bad on purpose: delay, jitter,
//!   loss, duplication, reordering, corruption, rate.
//! * [`Clock`]: time is injected; [`ManualClock`] lets tests move it by hand,
//!   [`CoarseClock`] (the hubs' default) costs one atomic load.
//!
//! [`L2Adapter`] puts an L3 device on an L2 network: ARP, NDP (with DAD and
//! Router Advertisements), a bounded neighbour cache, ICMP unreachable on
//! failed resolution, and gateway-mode echo replies.
//!
//! `examples/topology.rs` builds a small network of pipes, an `L2Hub` and an
//! `L3Hub` and prints their counters.
//!
//! ## Quick start
//!
//! ```
//! use pktkit_core::{L2Device, PipeL2};
//! use pktkit_wire::{Frame, MacAddr};
//! use std::sync::Arc;
//!
//! let (left, right) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, 1), MacAddr::new(2, 0, 0, 0, 0, 2));
//! right.set_handler(Arc::new(|f: &Frame| {
//!     println!("got {} bytes from {}", f.len(), f.src());
//!     Ok(())
//! }));
//! let mut bytes = [0u8; 60];
//! bytes[..6].copy_from_slice(&MacAddr::new(2, 0, 0, 0, 0, 2).0);
//! bytes[6..12].copy_from_slice(&MacAddr::new(2, 0, 0, 0, 0, 1).0);
//! left.send(Frame::parse(&bytes).unwrap()).unwrap();
//! assert_eq!(right.counters().unwrap().snapshot().rx_packets, 1);
//! ```
//!
//! ## Threads and locks
//!
//! Nothing here needs an async runtime. The forwarding paths take no locks:
//! port sets and routing tables are immutable snapshots swapped with
//! `arc-swap`, per-entry state is atomic, counters are relaxed atomics.
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

mod clock;
mod connect;
mod counters;
mod device;
mod done;
mod impair;
mod l2_adapter;
mod l2hub;
mod l3hub;
mod pcap_tap;
mod pipe;
mod pool;
mod rate;
mod serve;

pub use clock::{COARSE_TICK, Clock, CoarseClock, ManualClock, SystemClock};
pub use connect::{connect_l2, connect_l3};
pub use counters::{CounterSnapshot, DeviceCounters, DropCounters, DropReason, DropSnapshot};
pub use device::{
    Attachment, L2Acceptor, L2Connector, L2Device, L2Handler, L3Acceptor, L3Connector, L3Device,
    L3Handler,
};
pub use done::Done;
pub use impair::{Impair, ImpairConfig, ImpairL2, ImpairL3, ImpairStats};
#[doc(hidden)]
pub use l2_adapter::fuzzing;
pub use l2_adapter::{
    AddrState, L2Adapter, L2AdapterConfig, L2AdapterStats, L2AdapterTimer, Neighbor, NeighborState,
};
pub use l2hub::{
    DEFAULT_AGING, DEFAULT_MAX_MACS, L2Hub, L2HubConfig, L2HubSnapshot, MAX_PORTS, PortConfig,
    PortHandle, PortId, VlanMode, VlanSet,
};
pub use l3hub::{L3Hub, L3HubSnapshot, L3PortHandle};
pub use pcap_tap::{DEFAULT_TAP_QUEUE, PcapTap};
pub use pipe::{PipeL2, PipeL3};
pub use pool::{BufferPool, OwnedPoolBuf, PoolBuf};
pub use rate::RateLimit;
pub use serve::{serve, serve_l3, serve_l3_with_done, serve_with_done};
