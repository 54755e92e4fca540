//! DHCPv4 (RFC 2131 / RFC 2132): the BOOTP message and its options.
//!
//! [`DhcpPacket`] is a zero-copy view over a UDP payload (ports 67/68): the
//! fixed BOOTP part (op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr,
//! siaddr, giaddr, chaddr, sname, file, magic cookie) and a walk over the raw
//! options ([`DhcpPacket::options`]). [`DhcpRepr`] is the typed form a client
//! or server works with: [`DhcpRepr::parse`] reads it, [`DhcpRepr::emit`]
//! writes it back, neither allocates.
//!
//! What the repr understands:
//!
//! * options 1, 3, 6, 12, 15, 26, 28, 50, 51, 53, 54, 55, 56, 57, 58, 59, 61,
//!   66, 67, 82, 119 (RFC 3397 domain search, with DNS name compression) and
//!   121 (RFC 3442 classless static routes), each as a typed field;
//! * every other option is kept in order ([`OtherOptions`]) and emitted again;
//! * option overload (52): the `file` and `sname` fields are read as further
//!   option space (options, then `file`, then `sname`, RFC 2131 §4.1); when
//!   they are overloaded the repr's `sname`/`file` are empty. [`DhcpRepr::emit`]
//!   never overloads;
//! * long options (RFC 3396): every instance of an option code is
//!   concatenated in order. Values longer than 255 bytes are split into
//!   several instances on emit. A value that was split on the wire is kept as
//!   an [`OptionData`] that walks its pieces without copying.
//!
//! Not for: BOOTP messages without a DHCP message type (rejected with
//! [`WireError::Unsupported`](crate::WireError::Unsupported)), option 52
//! outside the options field, and DHCPv6 (a different protocol).
//!
//! ## Layout
//!
//! One file per concept: `packet.rs` (the view), `message_type.rs`, `opt.rs`
//! (option codes), `options.rs` (raw option walk, the areas of an overloaded
//! message), `option_data.rs` and `other_options.rs` (option values),
//! `classless_routes.rs` (121), `domain_search.rs` (119), `repr.rs`,
//! `parse.rs` and `emit.rs`. [`DhcpRepr::parse`] reads the common message
//! (each option code once, no overload) in one pass over the options field
//! (`single_pass.rs`) and leaves every other message, and every error, to
//! its general path; property tests hold the two to the same answers.
//!
//! ## Panic freedom
//!
//! [`DhcpPacket::new_checked`] checks the fixed 240-byte part; after it the
//! fixed-field getters cannot panic. [`DhcpRepr::parse`] additionally walks
//! and validates every option (lengths, the overload value, the formats of the
//! typed options, the compression pointers of option 119, the route widths of
//! option 121): a repr that parsed can be read and re-emitted without error.
//! [`DhcpPacket::new_unchecked`] views are for buffers the caller built; their
//! getters panic on a buffer shorter than [`HEADER_LEN`].
//!
//! ```
//! use core::net::Ipv4Addr;
//! use pktkit_wire::dhcpv4::{DhcpPacket, DhcpRepr, MessageType};
//!
//! let mut repr = DhcpRepr::new_request(MessageType::Discover, 0x1234_5678, [2, 0, 0, 0, 0, 1]);
//! repr.requested_ip = Some(Ipv4Addr::new(10, 0, 0, 5));
//! let mut buf = [0u8; 512];
//! let len = repr.buffer_len();
//! repr.emit(&mut DhcpPacket::new_unchecked(&mut buf[..len])).unwrap();
//!
//! let packet = DhcpPacket::new_checked(&buf[..len]).unwrap();
//! let parsed = DhcpRepr::parse(&packet).unwrap();
//! assert_eq!(parsed.message_type, MessageType::Discover);
//! assert_eq!(parsed.xid, 0x1234_5678);
//! assert_eq!(parsed.requested_ip, Some(Ipv4Addr::new(10, 0, 0, 5)));
//! ```

mod classless_routes;
mod domain_search;
mod emit;
mod message_type;
/// Option codes this module knows by name (RFC 2132 and later).
pub mod opt;
mod option_data;
mod options;
mod other_options;
mod packet;
mod parse;
mod repr;
mod single_pass;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_single_pass;

pub use classless_routes::{ClasslessRoute, ClasslessRoutes, encode_classless_routes};
pub use domain_search::{DomainName, DomainSearch, encode_domain_search};
pub use message_type::{MessageType, OpCode};
pub use option_data::{Ipv4List, OptionData};
pub use options::{DhcpOption, RawOptions};
pub use other_options::OtherOptions;
pub use packet::DhcpPacket;
pub use repr::DhcpRepr;

/// The UDP port DHCP servers listen on.
pub const SERVER_PORT: u16 = 67;
/// The UDP port DHCP clients listen on.
pub const CLIENT_PORT: u16 = 68;
/// The magic cookie that opens the options field (RFC 2131 §3).
pub const MAGIC_COOKIE: u32 = 0x6382_5363;
/// Length of the fixed part, magic cookie included.
pub const HEADER_LEN: usize = field::OPTIONS;
/// The minimum BOOTP message length (RFC 1542 §2.1); [`DhcpRepr::emit`] pads to it.
pub const BOOTP_MIN_LEN: usize = 300;
/// The largest message every DHCP client must accept (RFC 2131 §2): 576-byte
/// IP datagram minus IPv4 and UDP headers.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 576 - 20 - 8;
/// The broadcast bit of the `flags` field.
pub const FLAG_BROADCAST: u16 = 0x8000;

mod field {
    use core::ops::Range;
    pub(crate) const OP: usize = 0;
    pub(crate) const HTYPE: usize = 1;
    pub(crate) const HLEN: usize = 2;
    pub(crate) const HOPS: usize = 3;
    pub(crate) const XID: Range<usize> = 4..8;
    pub(crate) const SECS: Range<usize> = 8..10;
    pub(crate) const FLAGS: Range<usize> = 10..12;
    pub(crate) const CIADDR: Range<usize> = 12..16;
    pub(crate) const YIADDR: Range<usize> = 16..20;
    pub(crate) const SIADDR: Range<usize> = 20..24;
    pub(crate) const GIADDR: Range<usize> = 24..28;
    pub(crate) const CHADDR: Range<usize> = 28..44;
    pub(crate) const SNAME: Range<usize> = 44..108;
    pub(crate) const FILE: Range<usize> = 108..236;
    pub(crate) const MAGIC: Range<usize> = 236..240;
    pub(crate) const OPTIONS: usize = 240;
}
