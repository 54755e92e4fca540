//! # pktkit-dhcp — DHCPv4 client and server engines (pktkit layer 2)
//!
//! Two sans-I/O state machines and the thin drivers that run them on an
//! Ethernet device:
//!
//! * [`client::Client`] — an RFC 2131 client: INIT, SELECTING, REQUESTING,
//!   BOUND, RENEWING, REBINDING, INIT-REBOOT; retransmission with exponential
//!   backoff and seeded jitter; T1/T2/expiry; NAK, RELEASE, DECLINE. It
//!   reports a [`Lease`] (address, prefix, router, DNS, domain, search list,
//!   classless routes, MTU) through [`client::Event`]s.
//! * [`server::Server`] — one subnet's server: pool, static leases by MAC or
//!   client id, DISCOVER/OFFER, REQUEST/ACK/NAK, INFORM, RELEASE, DECLINE
//!   (quarantine), bounded tables, drop counters. [`store::LeaseStore`] keeps
//!   its leases in a file written atomically, so clients keep their
//!   addresses across a restart.
//!
//! The engines never touch a socket or a clock: every call takes `now`,
//! outputs are polled (`poll_transmit`, `poll_timeout`, `poll_event`), and
//! tests drive them with a virtual clock. [`device`] puts them on a
//! [`pktkit_core::L2Device`] (a TAP, a hub port, a pipe), building and
//! reading the Ethernet/IPv4/UDP around each message.
//!
//! ## A client and a server, in memory
//!
//! ```
//! use std::net::Ipv4Addr;
//! use std::time::Instant;
//! use pktkit_dhcp::client::{Client, ClientConfig, Event};
//! use pktkit_dhcp::server::{Server, ServerConfig};
//! use pktkit_wire::MacAddr;
//!
//! let now = Instant::now();
//! let cfg = ServerConfig::new(
//!     Ipv4Addr::new(10, 0, 0, 1), 24,
//!     Ipv4Addr::new(10, 0, 0, 100), Ipv4Addr::new(10, 0, 0, 199),
//! );
//! let mut server = Server::new(cfg).unwrap();
//! let mut client = Client::new(ClientConfig::new(MacAddr::new(2, 0, 0, 0, 0, 1)), now);
//! let mut buf = [0u8; 1500];
//! // DISCOVER → OFFER → REQUEST → ACK: shuttle datagrams both ways.
//! for _ in 0..2 {
//!     let tx = client.poll_transmit(now, &mut buf).unwrap();
//!     server.handle_input(now, &buf[..tx.len]);
//!     let rx = server.poll_transmit(now, &mut buf).unwrap();
//!     client.handle_input(now, &buf[..rx.len]);
//! }
//! match client.poll_event() {
//!     Some(Event::LeaseAcquired(lease)) => {
//!         assert_eq!(lease.address, Ipv4Addr::new(10, 0, 0, 100));
//!         assert_eq!(lease.prefix_len, 24);
//!         assert_eq!(lease.router, Some(Ipv4Addr::new(10, 0, 0, 1)));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```
//!
//! The codec underneath is [`pktkit_wire::dhcpv4`].
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

pub mod client;
pub mod device;
pub mod lease;
pub mod server;
pub mod store;

mod frame;
mod rng;

#[doc(hidden)]
pub mod fuzzing;

pub use client::{Client, ClientConfig, ClientState, Event, LossReason};
pub use lease::Lease;
pub use server::{Server, ServerConfig, StaticLease};
pub use store::{LeaseStore, PersistedLease};
