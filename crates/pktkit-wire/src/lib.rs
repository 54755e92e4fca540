//! # pktkit-wire — zero-copy wire formats (pktkit layer 0)
//!
//! Views and builders for the packet formats a virtual network moves, in the
//! style of smoltcp's `wire` module: no I/O, no clocks, no threads, no
//! allocation needed, `#![no_std]`.
//!
//! ## Two kinds of types
//!
//! * **Device currency** — [`Frame`] (an Ethernet frame) and [`Packet`] (an IPv4
//!   or IPv6 packet) are `#[repr(transparent)]` views over `[u8]`: `&Frame` *is* a
//!   `&[u8]` whose header was validated once. Devices and hubs pass these around.
//! * **Codecs** — one module per format (`ethernet`, `arp`, `ipv4`, `ipv6`,
//!   `ipv6_ext`, `icmpv4`, `icmpv6`, `ndp`, `tcp`, `udp`, `pcap`, `pcapng`, …). Each
//!   has a view generic over its buffer (`XxxPacket<T: AsRef<[u8]>>`) with
//!   `new_unchecked` / `new_checked` / getters / setters, and a plain `Copy`
//!   `XxxRepr` with `parse` and `emit`.
//!
//! ## Panic freedom
//!
//! Bytes from the network never cause a panic: constructors that validate
//! (`Frame::parse`, `Packet::parse`, `XxxPacket::new_checked`, `XxxRepr::parse`)
//! return [`WireError`]; once one succeeded, every getter of that view is in
//! bounds. `new_unchecked` views are for buffers the caller built itself; their
//! getters may panic on a short buffer, as smoltcp's do.
//!
//! ## Checksums
//!
//! [`checksum`] holds RFC 1071 sums, RFC 1624 incremental updates and the
//! pseudo-header helpers. Parsers never reject on a bad checksum: each format
//! has an explicit `verify_checksum`, so a tool can still show a damaged packet.
#![no_std]
#![deny(unsafe_code)] // allowed only in `checksum::simd`
#![deny(missing_docs, unreachable_pub)]

#[cfg(feature = "alloc")]
#[allow(unused_extern_crates)] // used by the alloc-gated helpers of some codecs
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod error;
mod ether_type;
mod frame;
mod ip_prefix;
mod ip_protocol;
mod mac_addr;
mod packet;

pub mod arp;
pub mod checksum;
pub mod dhcpv4;
pub mod ethernet;
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub mod fuzzing;
pub mod icmpv4;
pub mod icmpv6;
pub mod ipv4;
pub mod ipv6;
pub mod ipv6_ext;
pub mod ndp;
pub mod pcap;
pub mod pcapng;
pub mod tcp;
pub mod udp;
pub mod virtio_net;

pub use error::{Result, WireError};
pub use ether_type::EtherType;
pub use frame::{ETHERNET_HEADER_LEN, Frame, MAX_VLAN_TAGS, VLAN_TAG_LEN, VlanTag};
pub use ip_prefix::IpPrefix;
pub use ip_protocol::IpProtocol;
pub use mac_addr::MacAddr;
pub use packet::{IPV4_MIN_HEADER_LEN, IPV6_HEADER_LEN, IpVersion, Packet};
