//! # pktkit-tcp — a sans-I/O TCP engine (pktkit layer 2)
//!
//! A TCP implementation (RFC 9293) as plain state machines: packets and time
//! go in, packets and deadlines come out. No sockets, no threads, no clock,
//! no allocation per segment. A host stack, a user-space NAT (slirp) or a test
//! harness drives it.
//!
//! ## Start here
//!
//! * [`Connection`]: one connection. Open one with [`Connection::connect`],
//!   or get one from a [`Listener`]. Its module docs give the call order.
//! * [`Listener`]: a passive endpoint with a SYN queue, an accept backlog and
//!   SYN cookies when the SYN queue is full (which keep window scaling and
//!   SACK, inside timestamps, when the peer uses timestamps).
//! * [`Config`]: buffers, MSS, timers and features per connection.
//! * [`IsnGenerator`]: RFC 6528 initial sequence numbers from your secret.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use pktkit_tcp::{Config, Connection, Event};
//!
//! let t0 = Instant::now();
//! let (a, b) = ("10.0.0.1:40000".parse().unwrap(), "10.0.0.2:80".parse().unwrap());
//! let mut client = Connection::connect(Config::default(), a, b, 1234, t0).unwrap();
//! let mut buf = [0u8; 1600];
//! // The first packet out is the SYN, as a whole IPv4 packet.
//! let tx = client.poll_transmit(t0, &mut buf).unwrap();
//! assert_eq!(tx.dst, b.ip());
//! assert_eq!(buf[0] >> 4, 4);
//! // Nothing else is due until the retransmission timer (1 s initial RTO).
//! assert!(client.poll_transmit(t0, &mut buf).is_none());
//! assert_eq!(client.poll_timeout(), Some(t0 + Duration::from_secs(1)));
//! ```
//!
//! `examples/transfer.rs` runs two engines against each other over an
//! in-memory link (`cargo run -p pktkit-tcp --example transfer --release`).
//!
//! `send` and `recv` return `Result<usize, Error>`: the byte count, or why the
//! call cannot be served ([`Error::InvalidState`] after `close`,
//! [`Error::Finished`] at the peer's FIN, or the connection's sticky error).
//!
//! ## Tests that show it works
//!
//! `tests/` holds: a simulated link with a virtual clock and seeded loss,
//! reordering, duplication, corruption, delay and bandwidth (10 MB each way at
//! 0 %, 1 % and 10 % loss; NewReno without SACK; IPv6); interop with
//! smoltcp's TCP socket as client and server; interop with the Linux kernel
//! over a TUN in a network namespace (root only); a scripted peer for the
//! RFC 9293 / 5961 / 7323 corner cases; a counting allocator proving that
//! steady state does not allocate; and the `tcp_engine` fuzz seeds.
//!
//! ## What it does
//!
//! Every RFC 9293 state (simultaneous open and close, TIME-WAIT); RST and SYN
//! handling hardened per RFC 5961 (challenge ACKs, rate-limited); window
//! scaling, timestamps, RTT measurement and PAWS (RFC 7323); SACK (RFC 2018)
//! with an RFC 6675 scoreboard; RACK-TLP (RFC 8985); NewReno (RFC 5681,
//! RFC 6582) or CUBIC (RFC 9438) with HyStart++ (RFC 9406), chosen per
//! connection; RTO per RFC 6298 with Karn's rule and backoff; delayed ACKs;
//! Nagle (switchable); sender and receiver silly-window avoidance; zero-window
//! probing; keepalive; MSS negotiation. Urgent data is not supported: the URG
//! flag and pointer are ignored and the bytes are delivered in line.
//!
//! ## Bad input
//!
//! Malformed, mis-addressed, unacceptable or badly checksummed segments are
//! counted in [`Stats`] and dropped; they never panic and never end a
//! connection. Fatal conditions (reset, refused, timed out) are sticky
//! [`Error`]s. Every buffer and queue is bounded by [`Config`] or a constant.
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

mod config;
mod connection;
mod error;
mod event;
mod ip;
mod isn;
mod listener;
mod rack;
mod recv_buffer;
mod rtt;
mod sack;
mod send_buffer;
mod seq;
mod state;
mod stats;
mod syn_cookies;
mod timer;

pub mod congestion;
#[doc(hidden)]
pub mod fuzzing;

pub use config::{Config, Keepalive};
pub use connection::{Connection, MIN_TRANSMIT_BUFFER, Transmit};
pub use error::Error;
pub use event::Event;
pub use isn::IsnGenerator;
pub use listener::{Listener, ListenerConfig, ListenerStats};
pub use rtt::RttEstimator;
pub use seq::SeqNum;
pub use state::State;
pub use stats::Stats;
