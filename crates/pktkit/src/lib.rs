//! # pktkit — virtual networks in user space (the facade, layer 4)
//!
//! One dependency for the pktkit crates: Ethernet frames and IP packets move
//! between devices (in-memory pipes, TAP/TUN interfaces, QEMU guests' sockets),
//! through switches and routers, into protocol engines (ARP, DHCP, TCP),
//! without copying on the hot path. This crate holds no code of its own: each
//! module below *is* one of the workspace crates, re-exported, so its docs are
//! that crate's docs and `pktkit::core::L2Hub` is `pktkit_core::L2Hub`.
//!
//! | module | crate | what it is | feature |
//! |---|---|---|---|
//! | [`wire`] | `pktkit-wire` | zero-copy views and builders for every wire format: [`Frame`](wire::Frame), [`Packet`](wire::Packet), Ethernet, ARP, IPv4/IPv6, ICMP, NDP, TCP, UDP, DHCPv4, pcap/pcapng; checksums | always |
//! | [`core`] | `pktkit-core` | device traits ([`L2Device`](core::L2Device), [`L3Device`](core::L3Device)), the [`L2Hub`](core::L2Hub) switch, the [`L3Hub`](core::L3Hub) router, pipes, `connect_*`/`serve`, buffer pool, counters, pcap taps, link impairment, [`L2Adapter`](core::L2Adapter) (ARP, NDP, gateway) | always |
//! | `tuntap` | `pktkit-tuntap` | Linux TAP and TUN interfaces as devices, multi-queue, virtio-net offloads, netlink setup | `tuntap` |
//! | `qemu` | `pktkit-qemu` | QEMU `-netdev stream`/`socket`/`dgram` guests as devices: listeners and dialers | `qemu` |
//! | `tcp` | `pktkit-tcp` | a sans-I/O TCP engine (packets and time in, packets and deadlines out) | `tcp` |
//! | `dhcp` | `pktkit-dhcp` | sans-I/O DHCPv4 client and server, and devices that run them on an Ethernet network | `dhcp` |
//!
//! [`prelude`] brings the device traits and the everyday types into scope.
//!
//! ## Features
//!
//! `wire` and `core` are always in. The default feature `full` turns on every
//! crate that exists (`tuntap`, `qemu`, `tcp`, `dhcp`); to keep a build lean,
//! name only what you use:
//!
//! ```toml
//! [dependencies]
//! pktkit = { version = "0.1", default-features = false, features = ["qemu", "dhcp"] }
//! ```
//!
//! A program that needs a single engine can also depend on its crate alone
//! (`pktkit-dhcp` pulls in nothing but `pktkit-wire` and `pktkit-core`). The
//! `pktkit` command (`pktkit up`: switches for QEMU guests with a gateway,
//! DHCP and TAP ports) is the separate `pktkit-cli` package.
//!
//! ## How the pieces fit
//!
//! A *device* sends frames with `send` and hands the frames it receives to
//! its *handler*, synchronously and borrowed: the `&Frame` is valid only
//! during the call, so copy what you keep. A switch ([`core::L2Hub`]) is a
//! set of ports, each port a device; it learns MAC addresses and forwards.
//! Backends (TAP, QEMU) and engines (DHCP) are devices too, so they plug into
//! a switch the same way an in-memory pipe does:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use pktkit::prelude::*;
//! use pktkit::core::PipeL2;
//!
//! let mac = |n| MacAddr::new(0x02, 0, 0, 0, 0, n);
//! let hub = L2Hub::new();
//! // Two "machines", each one end of a pipe whose other end is a hub port.
//! let (alice, alice_port) = PipeL2::pair(mac(1), mac(101));
//! let (bob, bob_port) = PipeL2::pair(mac(2), mac(102));
//! let _a = hub.attach(Arc::new(alice_port))?;
//! let _b = hub.attach(Arc::new(bob_port))?;
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = seen.clone();
//! bob.set_handler(Arc::new(move |f: &Frame| {
//!     log.lock().unwrap().push((f.src(), f.len()));
//!     Ok(())
//! }));
//!
//! // A broadcast frame from alice (EtherType 0x88b5, for local experiments).
//! let mut bytes = [0u8; 60];
//! bytes[..6].copy_from_slice(&MacAddr::BROADCAST.0);
//! bytes[6..12].copy_from_slice(&mac(1).0);
//! bytes[12..14].copy_from_slice(&[0x88, 0xb5]);
//! alice.send(Frame::parse(&bytes).expect("a whole Ethernet header"))?;
//!
//! assert_eq!(*seen.lock().unwrap(), [(mac(1), 60)]);
//! assert_eq!(hub.snapshot().drops.total(), 0);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! With the `dhcp` feature, a DHCP server on the switch gives a client an
//! address; both are devices from [`pktkit-dhcp`](https://docs.rs/pktkit-dhcp):
//!
//! ```
//! # #[cfg(feature = "dhcp")] {
//! use std::net::Ipv4Addr;
//! use std::sync::Arc;
//! use std::time::Duration;
//! use pktkit::prelude::*;
//! use pktkit::dhcp::device::{ClientDevice, ServerDevice};
//! use pktkit::dhcp::{ClientConfig, ServerConfig};
//!
//! let hub = L2Hub::new();
//! let (gateway, first, last) = (
//!     Ipv4Addr::new(10, 0, 2, 2),
//!     Ipv4Addr::new(10, 0, 2, 15),
//!     Ipv4Addr::new(10, 0, 2, 254),
//! );
//! let server = ServerDevice::new(
//!     ServerConfig::new(gateway, 24, first, last),
//!     MacAddr::new(0x02, 0x50, 0x4b, 0, 0, 1),
//!     None, // no lease file
//! )
//! .unwrap();
//! let client = ClientDevice::start(ClientConfig::new(MacAddr::new(0x52, 0x54, 0, 0, 0, 1))).unwrap();
//! let _s = hub.attach(server).unwrap();
//! let _c = hub.attach(client.clone()).unwrap();
//!
//! // The client's own thread runs DISCOVER, OFFER, REQUEST, ACK.
//! let mut waited = Duration::ZERO;
//! while client.lease().is_none() && waited < Duration::from_secs(10) {
//!     std::thread::sleep(Duration::from_millis(10));
//!     waited += Duration::from_millis(10);
//! }
//! let lease = client.lease().expect("a lease from the server on the switch");
//! assert!((first..=last).contains(&lease.address));
//! assert_eq!(lease.router, Some(gateway));
//! # }
//! ```
//!
//! `examples/dhcp_on_a_switch.rs` is the same network as a program
//! (`cargo run -p pktkit --example dhcp_on_a_switch`). Each crate's own
//! `examples/` folder has more: a TAP dump, a QEMU listener, a TCP transfer.
//!
//! ## The rules every crate keeps
//!
//! Nothing panics on input from the network (parsers return
//! [`wire::WireError`]); malformed frames are dropped and counted; every table
//! fed by the network is bounded; forwarding paths take no locks; engines are
//! sans-I/O and take the time as an argument; backends own their threads, so
//! no async runtime is needed to move packets.
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use pktkit_core as core;
#[doc(inline)]
pub use pktkit_wire as wire;

#[cfg(feature = "tuntap")]
#[cfg_attr(docsrs, doc(cfg(feature = "tuntap")))]
#[doc(inline)]
pub use pktkit_tuntap as tuntap;

#[cfg(feature = "qemu")]
#[cfg_attr(docsrs, doc(cfg(feature = "qemu")))]
#[doc(inline)]
pub use pktkit_qemu as qemu;

#[cfg(feature = "tcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "tcp")))]
#[doc(inline)]
pub use pktkit_tcp as tcp;

#[cfg(feature = "dhcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "dhcp")))]
#[doc(inline)]
pub use pktkit_dhcp as dhcp;

pub mod prelude;
