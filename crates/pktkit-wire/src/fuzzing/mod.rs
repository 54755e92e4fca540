//! Fuzz entry points: unstable, for `fuzz/` and the seed-replay tests only.
//!
//! One function per `cargo fuzz` target (`fuzz/fuzz_targets/<name>.rs` is a
//! one-liner calling it). Each must not panic on any input and `assert!`s the
//! invariants of the codec it drives, typically
//! `parse(emit(parse(x))) == parse(x)`. `cargo test` replays the committed
//! seeds in `fuzz/seeds/<name>/` through the same functions
//! (`tests/fuzz_seeds.rs`), so a regression found by fuzzing stays found.
//!
//! Not a public API: it may change in any release.

mod arp;
mod checksum;
mod dhcpv4;
mod ethernet;
mod frame;
mod icmpv4;
mod icmpv6;
mod ipv4;
mod ipv6;
mod packet;
mod pcap;
mod tcp;
mod udp;

pub use arp::arp;
pub use checksum::checksum;
pub use dhcpv4::dhcpv4;
pub use ethernet::ethernet;
pub use frame::frame;
pub use icmpv4::icmpv4;
pub use icmpv6::icmpv6;
pub use ipv4::ipv4;
pub use ipv6::ipv6;
pub use packet::packet;
pub use pcap::pcap;
pub use tcp::tcp;
pub use udp::udp;

/// A fuzz target: takes any bytes, panics only when an invariant breaks.
pub type Target = fn(&[u8]);

/// The targets this crate provides, by name, for tools that iterate them.
pub const TARGETS: &[(&str, Target)] = &[
    ("arp", arp),
    ("checksum", checksum),
    ("dhcpv4", dhcpv4),
    ("ethernet", ethernet),
    ("frame", frame),
    ("icmpv4", icmpv4),
    ("icmpv6", icmpv6),
    ("ipv4", ipv4),
    ("ipv6", ipv6),
    ("packet", packet),
    ("pcap", pcap),
    ("tcp", tcp),
    ("udp", udp),
];
