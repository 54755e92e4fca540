//! Neighbor Discovery (RFC 4861) messages and options, carried in ICMPv6.
//!
//! The five NDP messages — Router Solicitation / Advertisement, Neighbor
//! Solicitation / Advertisement and Redirect — are ICMPv6 messages, so their
//! fields are read and written through [`Icmpv6Packet`] (getters and setters are
//! added by this module) and their value form [`NdpRepr`] is one arm of
//! [`crate::icmpv6::Icmpv6Repr`]. Options follow the fixed part of each message:
//! [`NdpOptions`] is a validated run of them, [`NdpOption`] one option
//! (link-layer addresses, prefix information, redirected header, MTU, RDNSS
//! from RFC 8106, unknown options kept as they are).
//!
//! Not for: the NDP state machines (neighbour cache, router discovery, DAD)
//! — those live in `pktkit-core`'s `L2Adapter`. The hop-limit-255 and
//! source-address checks of RFC 4861 §6.1 / §7.1 need the IPv6 header and belong
//! to the receiver, not to this codec.
//!
//! # Panic freedom
//!
//! [`NdpRepr::parse`] and [`NdpOptions::parse`] check every option against the
//! bytes before use: truncation is [`WireError::Truncated`], a zero-length option
//! is [`WireError::BadLength`] (RFC 4861 §4.6: "nodes MUST silently discard an ND
//! packet that contains an option with length zero"), and a known option whose
//! length does not fit its format is [`WireError::BadOption`]. Every option is at
//! least 8 bytes, so option loops are bounded by the input length.

use core::net::Ipv6Addr;

use crate::icmpv6::{Icmpv6Message, Icmpv6Packet};
use crate::{MacAddr, Result, WireError};

mod field {
    pub(super) type Field = core::ops::Range<usize>;
    // Router Advertisement (RFC 4861 §4.2)
    pub(super) const CUR_HOP_LIMIT: usize = 4;
    pub(super) const ROUTER_FLAGS: usize = 5;
    pub(super) const ROUTER_LIFETIME: Field = 6..8;
    pub(super) const REACHABLE_TIME: Field = 8..12;
    pub(super) const RETRANS_TIMER: Field = 12..16;
    // Neighbor Advertisement flags (§4.4); reserved word of RS/NS/NA/Redirect
    pub(super) const NEIGHBOR_FLAGS: usize = 4;
    pub(super) const RESERVED: Field = 4..8;
    // Neighbor Solicitation / Advertisement / Redirect (§4.3-4.5)
    pub(super) const TARGET_ADDR: Field = 8..24;
    // Redirect (§4.5)
    pub(super) const DEST_ADDR: Field = 24..40;
}

/// Fixed part of a Router Solicitation (type, code, checksum, reserved).
pub const ROUTER_SOLICIT_LEN: usize = 8;
/// Fixed part of a Router Advertisement.
pub const ROUTER_ADVERT_LEN: usize = 16;
/// Fixed part of a Neighbor Solicitation.
pub const NEIGHBOR_SOLICIT_LEN: usize = 24;
/// Fixed part of a Neighbor Advertisement.
pub const NEIGHBOR_ADVERT_LEN: usize = 24;
/// Fixed part of a Redirect.
pub const REDIRECT_LEN: usize = 40;

/// The flags byte of a Router Advertisement (kept whole: RFC 4191 preference and
/// RFC 5175 bits ride here too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RouterFlags(pub u8);

impl RouterFlags {
    /// M: addresses are available via DHCPv6.
    pub const MANAGED: u8 = 0x80;
    /// O: other configuration is available via DHCPv6.
    pub const OTHER: u8 = 0x40;

    /// The M flag.
    pub const fn managed(self) -> bool {
        self.0 & Self::MANAGED != 0
    }

    /// The O flag.
    pub const fn other(self) -> bool {
        self.0 & Self::OTHER != 0
    }
}

/// The flags of a Neighbor Advertisement (the 29 reserved bits are dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NeighborFlags(u8);

impl NeighborFlags {
    /// R: the sender is a router.
    pub const ROUTER: u8 = 0x80;
    /// S: sent in response to a solicitation.
    pub const SOLICITED: u8 = 0x40;
    /// O: override an existing cache entry.
    pub const OVERRIDE: u8 = 0x20;

    /// Flags from the R, S and O bits.
    pub const fn new(router: bool, solicited: bool, override_: bool) -> NeighborFlags {
        NeighborFlags(
            ((router as u8) * Self::ROUTER)
                | ((solicited as u8) * Self::SOLICITED)
                | ((override_ as u8) * Self::OVERRIDE),
        )
    }

    /// Flags from the first byte of the NA's flags word (reserved bits dropped).
    pub const fn from_byte(b: u8) -> NeighborFlags {
        NeighborFlags(b & 0xe0)
    }

    /// The byte as written on the wire.
    pub const fn to_byte(self) -> u8 {
        self.0
    }

    /// R flag.
    pub const fn router(self) -> bool {
        self.0 & Self::ROUTER != 0
    }

    /// S flag.
    pub const fn solicited(self) -> bool {
        self.0 & Self::SOLICITED != 0
    }

    /// O flag.
    pub const fn override_(self) -> bool {
        self.0 & Self::OVERRIDE != 0
    }
}

#[inline]
fn addr_at(d: &[u8], at: usize) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&d[at..at + 16]);
    Ipv6Addr::from(a)
}

#[inline]
fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}

/// NDP getters. Valid on a view whose [`Icmpv6Packet::check_len`] passed for the
/// matching message type; otherwise they may panic like any unchecked getter.
impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// RA: Cur Hop Limit.
    #[inline]
    pub fn current_hop_limit(&self) -> u8 {
        self.as_ref()[field::CUR_HOP_LIMIT]
    }

    /// RA: the M/O flags byte.
    #[inline]
    pub fn router_flags(&self) -> RouterFlags {
        RouterFlags(self.as_ref()[field::ROUTER_FLAGS])
    }

    /// RA: Router Lifetime in seconds (0: not a default router).
    #[inline]
    pub fn router_lifetime(&self) -> u16 {
        let d = self.as_ref();
        u16::from_be_bytes([
            d[field::ROUTER_LIFETIME.start],
            d[field::ROUTER_LIFETIME.start + 1],
        ])
    }

    /// RA: Reachable Time in milliseconds (0: unspecified).
    #[inline]
    pub fn reachable_time(&self) -> u32 {
        u32_at(self.as_ref(), field::REACHABLE_TIME.start)
    }

    /// RA: Retrans Timer in milliseconds (0: unspecified).
    #[inline]
    pub fn retrans_timer(&self) -> u32 {
        u32_at(self.as_ref(), field::RETRANS_TIMER.start)
    }

    /// NA: the R/S/O flags.
    #[inline]
    pub fn neighbor_flags(&self) -> NeighborFlags {
        NeighborFlags::from_byte(self.as_ref()[field::NEIGHBOR_FLAGS])
    }

    /// NS / NA / Redirect: Target Address.
    #[inline]
    pub fn target_addr(&self) -> Ipv6Addr {
        addr_at(self.as_ref(), field::TARGET_ADDR.start)
    }

    /// Redirect: Destination Address.
    #[inline]
    pub fn redirect_dest_addr(&self) -> Ipv6Addr {
        addr_at(self.as_ref(), field::DEST_ADDR.start)
    }
}

/// NDP setters (the buffer must hold the message's fixed part).
impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    /// RA: sets Cur Hop Limit.
    #[inline]
    pub fn set_current_hop_limit(&mut self, v: u8) {
        self.buffer_mut()[field::CUR_HOP_LIMIT] = v;
    }

    /// RA: sets the flags byte.
    #[inline]
    pub fn set_router_flags(&mut self, v: RouterFlags) {
        self.buffer_mut()[field::ROUTER_FLAGS] = v.0;
    }

    /// RA: sets Router Lifetime (seconds).
    #[inline]
    pub fn set_router_lifetime(&mut self, v: u16) {
        self.buffer_mut()[field::ROUTER_LIFETIME].copy_from_slice(&v.to_be_bytes());
    }

    /// RA: sets Reachable Time (ms).
    #[inline]
    pub fn set_reachable_time(&mut self, v: u32) {
        self.buffer_mut()[field::REACHABLE_TIME].copy_from_slice(&v.to_be_bytes());
    }

    /// RA: sets Retrans Timer (ms).
    #[inline]
    pub fn set_retrans_timer(&mut self, v: u32) {
        self.buffer_mut()[field::RETRANS_TIMER].copy_from_slice(&v.to_be_bytes());
    }

    /// NA: sets the flags word (R/S/O, reserved bits zero).
    #[inline]
    pub fn set_neighbor_flags(&mut self, v: NeighborFlags) {
        self.buffer_mut()[field::RESERVED].copy_from_slice(&[v.0, 0, 0, 0]);
    }

    /// RS / NS / Redirect: zeroes the reserved word.
    #[inline]
    pub fn clear_ndp_reserved(&mut self) {
        self.buffer_mut()[field::RESERVED].fill(0);
    }

    /// NS / NA / Redirect: sets Target Address.
    #[inline]
    pub fn set_target_addr(&mut self, v: Ipv6Addr) {
        self.buffer_mut()[field::TARGET_ADDR].copy_from_slice(&v.octets());
    }

    /// Redirect: sets Destination Address.
    #[inline]
    pub fn set_redirect_dest_addr(&mut self, v: Ipv6Addr) {
        self.buffer_mut()[field::DEST_ADDR].copy_from_slice(&v.octets());
    }
}

// ---------------------------------------------------------------------------
// Options (RFC 4861 §4.6, RFC 8106 §5.1)
// ---------------------------------------------------------------------------

/// Option type: Source Link-Layer Address.
pub const OPT_SOURCE_LLADDR: u8 = 1;
/// Option type: Target Link-Layer Address.
pub const OPT_TARGET_LLADDR: u8 = 2;
/// Option type: Prefix Information.
pub const OPT_PREFIX_INFO: u8 = 3;
/// Option type: Redirected Header.
pub const OPT_REDIRECTED_HEADER: u8 = 4;
/// Option type: MTU.
pub const OPT_MTU: u8 = 5;
/// Option type: Recursive DNS Server (RFC 8106).
pub const OPT_RDNSS: u8 = 25;

/// The largest option: length 255 in 8-byte units.
pub const MAX_OPTION_LEN: usize = 255 * 8;

/// The Prefix Information option (RFC 4861 §4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrefixInformation {
    /// Prefix length in bits.
    pub prefix_len: u8,
    /// The flags byte (L = 0x80, A = 0x40; others kept).
    pub flags: u8,
    /// Valid lifetime in seconds (0xffffffff: infinity).
    pub valid_lifetime: u32,
    /// Preferred lifetime in seconds (0xffffffff: infinity).
    pub preferred_lifetime: u32,
    /// The prefix (bits past `prefix_len` are as sent).
    pub prefix: Ipv6Addr,
}

impl PrefixInformation {
    /// L flag.
    pub const ON_LINK: u8 = 0x80;
    /// A flag.
    pub const AUTONOMOUS: u8 = 0x40;

    /// The prefix can be used for on-link determination.
    pub const fn on_link(&self) -> bool {
        self.flags & Self::ON_LINK != 0
    }

    /// The prefix can be used for stateless address autoconfiguration.
    pub const fn autonomous(&self) -> bool {
        self.flags & Self::AUTONOMOUS != 0
    }
}

/// The Recursive DNS Server option (RFC 8106 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rdnss<'a> {
    /// Lifetime in seconds (0xffffffff: infinity, 0: stop using).
    pub lifetime: u32,
    /// The addresses, 16 bytes each (at least one).
    pub addrs: &'a [u8],
}

impl Rdnss<'_> {
    /// The DNS server addresses.
    pub fn addresses(&self) -> impl Iterator<Item = Ipv6Addr> + '_ {
        self.addrs.chunks_exact(16).map(|c| addr_at(c, 0))
    }
}

/// One NDP option (more option types may be given their own variant later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NdpOption<'a> {
    /// Source Link-Layer Address: the address bytes (6 for Ethernet), with any padding.
    SourceLinkLayerAddr(&'a [u8]),
    /// Target Link-Layer Address: the address bytes, with any padding.
    TargetLinkLayerAddr(&'a [u8]),
    /// Prefix Information.
    PrefixInformation(PrefixInformation),
    /// Redirected Header: as much of the redirected packet as fits (after the 6
    /// reserved bytes), with any padding.
    RedirectedHeader(&'a [u8]),
    /// MTU.
    Mtu(u32),
    /// Recursive DNS Server.
    Rdnss(Rdnss<'a>),
    /// Any other option, kept with its type and data (the bytes after type and length).
    Unknown {
        /// Option type.
        kind: u8,
        /// Option data.
        data: &'a [u8],
    },
}

impl<'a> NdpOption<'a> {
    /// The option type byte.
    pub const fn kind(&self) -> u8 {
        match self {
            NdpOption::SourceLinkLayerAddr(_) => OPT_SOURCE_LLADDR,
            NdpOption::TargetLinkLayerAddr(_) => OPT_TARGET_LLADDR,
            NdpOption::PrefixInformation(_) => OPT_PREFIX_INFO,
            NdpOption::RedirectedHeader(_) => OPT_REDIRECTED_HEADER,
            NdpOption::Mtu(_) => OPT_MTU,
            NdpOption::Rdnss(_) => OPT_RDNSS,
            NdpOption::Unknown { kind, .. } => *kind,
        }
    }

    /// Reads the option at the start of `bytes`, returning it and its length.
    ///
    /// Errors: [`WireError::Truncated`] if it runs past `bytes`,
    /// [`WireError::BadLength`] for length zero, [`WireError::BadOption`] for a
    /// prefix information option whose length is not 4, an MTU option whose length
    /// is not 1, or an RDNSS option whose length is not an odd number ≥ 3.
    pub fn parse(bytes: &'a [u8]) -> Result<(NdpOption<'a>, usize)> {
        if bytes.len() < 2 {
            return Err(WireError::Truncated);
        }
        let (kind, units) = (bytes[0], bytes[1]);
        if units == 0 {
            return Err(WireError::BadLength);
        }
        let n = units as usize * 8;
        let Some(opt) = bytes.get(..n) else {
            return Err(WireError::Truncated);
        };
        let parsed = match kind {
            OPT_SOURCE_LLADDR => NdpOption::SourceLinkLayerAddr(&opt[2..]),
            OPT_TARGET_LLADDR => NdpOption::TargetLinkLayerAddr(&opt[2..]),
            OPT_PREFIX_INFO => {
                if units != 4 {
                    return Err(WireError::BadOption);
                }
                NdpOption::PrefixInformation(PrefixInformation {
                    prefix_len: opt[2],
                    flags: opt[3],
                    valid_lifetime: u32_at(opt, 4),
                    preferred_lifetime: u32_at(opt, 8),
                    prefix: addr_at(opt, 16),
                })
            }
            OPT_REDIRECTED_HEADER => NdpOption::RedirectedHeader(&opt[8..]),
            OPT_MTU => {
                if units != 1 {
                    return Err(WireError::BadOption);
                }
                NdpOption::Mtu(u32_at(opt, 4))
            }
            OPT_RDNSS => {
                if units < 3 || units.is_multiple_of(2) {
                    return Err(WireError::BadOption);
                }
                NdpOption::Rdnss(Rdnss {
                    lifetime: u32_at(opt, 4),
                    addrs: &opt[8..],
                })
            }
            _ => NdpOption::Unknown {
                kind,
                data: &opt[2..],
            },
        };
        Ok((parsed, n))
    }

    /// Bytes [`emit`](Self::emit) writes (padded with zeros to a multiple of 8).
    pub const fn buffer_len(&self) -> usize {
        let raw = match self {
            NdpOption::SourceLinkLayerAddr(a) | NdpOption::TargetLinkLayerAddr(a) => 2 + a.len(),
            NdpOption::PrefixInformation(_) => 32,
            NdpOption::RedirectedHeader(p) => 8 + p.len(),
            NdpOption::Mtu(_) => 8,
            NdpOption::Rdnss(r) => 8 + r.addrs.len(),
            NdpOption::Unknown { data, .. } => 2 + data.len(),
        };
        raw.div_ceil(8) * 8
    }

    /// Writes the option at the start of `buf`, returning its length.
    ///
    /// Errors: [`WireError::BadLength`] if it would be longer than
    /// [`MAX_OPTION_LEN`], [`WireError::BadOption`] for an RDNSS option whose
    /// addresses are not a non-empty multiple of 16 bytes or an `Unknown` option
    /// using the type of a variant above, [`WireError::BufferTooSmall`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let n = self.buffer_len();
        if n > MAX_OPTION_LEN {
            return Err(WireError::BadLength);
        }
        match self {
            NdpOption::Rdnss(r) if r.addrs.is_empty() || !r.addrs.len().is_multiple_of(16) => {
                return Err(WireError::BadOption);
            }
            NdpOption::Unknown { kind, .. }
                if matches!(
                    *kind,
                    OPT_SOURCE_LLADDR
                        | OPT_TARGET_LLADDR
                        | OPT_PREFIX_INFO
                        | OPT_REDIRECTED_HEADER
                        | OPT_MTU
                        | OPT_RDNSS
                ) =>
            {
                return Err(WireError::BadOption);
            }
            _ => {}
        }
        let Some(out) = buf.get_mut(..n) else {
            return Err(WireError::BufferTooSmall);
        };
        out.fill(0);
        out[0] = self.kind();
        out[1] = (n / 8) as u8;
        match self {
            NdpOption::SourceLinkLayerAddr(a) | NdpOption::TargetLinkLayerAddr(a) => {
                out[2..2 + a.len()].copy_from_slice(a);
            }
            NdpOption::PrefixInformation(p) => {
                out[2] = p.prefix_len;
                out[3] = p.flags;
                out[4..8].copy_from_slice(&p.valid_lifetime.to_be_bytes());
                out[8..12].copy_from_slice(&p.preferred_lifetime.to_be_bytes());
                out[16..32].copy_from_slice(&p.prefix.octets());
            }
            NdpOption::RedirectedHeader(p) => out[8..8 + p.len()].copy_from_slice(p),
            NdpOption::Mtu(m) => out[4..8].copy_from_slice(&m.to_be_bytes()),
            NdpOption::Rdnss(r) => {
                out[4..8].copy_from_slice(&r.lifetime.to_be_bytes());
                out[8..].copy_from_slice(r.addrs);
            }
            NdpOption::Unknown { data, .. } => out[2..2 + data.len()].copy_from_slice(data),
        }
        Ok(n)
    }

    /// The link-layer address of a source/target link-layer address option as an
    /// Ethernet MAC, when it carries exactly 6 bytes.
    pub fn mac(&self) -> Option<MacAddr> {
        match self {
            NdpOption::SourceLinkLayerAddr(a) | NdpOption::TargetLinkLayerAddr(a) => {
                let b: [u8; 6] = (*a).try_into().ok()?;
                Some(MacAddr(b))
            }
            _ => None,
        }
    }
}

/// Writes `options` one after another at the start of `buf`, returning the total length.
pub fn emit_options(options: &[NdpOption<'_>], buf: &mut [u8]) -> Result<usize> {
    let mut at = 0;
    for o in options {
        let Some(rest) = buf.get_mut(at..) else {
            return Err(WireError::BufferTooSmall);
        };
        at += o.emit(rest)?;
    }
    Ok(at)
}

/// Iterator over raw option bytes; yields `Err` once (then ends) on a malformed option.
#[derive(Debug, Clone)]
pub struct NdpOptionIter<'a> {
    rest: &'a [u8],
}

impl<'a> NdpOptionIter<'a> {
    /// Iterates over the options in `bytes`.
    pub const fn new(bytes: &'a [u8]) -> NdpOptionIter<'a> {
        NdpOptionIter { rest: bytes }
    }
}

impl<'a> Iterator for NdpOptionIter<'a> {
    type Item = Result<NdpOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match NdpOption::parse(self.rest) {
            Ok((o, n)) => {
                self.rest = &self.rest[n..];
                Some(Ok(o))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for NdpOptionIter<'_> {}

/// A run of NDP options that was checked whole (every option parses, nothing
/// left over).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NdpOptions<'a> {
    bytes: &'a [u8],
}

impl<'a> NdpOptions<'a> {
    /// No options.
    pub const EMPTY: NdpOptions<'static> = NdpOptions { bytes: &[] };

    /// Checks every option in `bytes` (errors as [`NdpOption::parse`]).
    pub fn parse(bytes: &'a [u8]) -> Result<NdpOptions<'a>> {
        for o in NdpOptionIter::new(bytes) {
            o?;
        }
        Ok(NdpOptions { bytes })
    }

    /// The option bytes as on the wire.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when there are no options.
    pub const fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The options in order.
    pub fn iter(&self) -> impl Iterator<Item = NdpOption<'a>> + 'a {
        // Checked whole in `parse`, so no item is an error.
        NdpOptionIter::new(self.bytes).map_while(|o| o.ok())
    }

    /// The first Source Link-Layer Address option's bytes.
    pub fn source_lladdr(&self) -> Option<&'a [u8]> {
        self.iter().find_map(|o| match o {
            NdpOption::SourceLinkLayerAddr(a) => Some(a),
            _ => None,
        })
    }

    /// The first Target Link-Layer Address option's bytes.
    pub fn target_lladdr(&self) -> Option<&'a [u8]> {
        self.iter().find_map(|o| match o {
            NdpOption::TargetLinkLayerAddr(a) => Some(a),
            _ => None,
        })
    }

    /// The first MTU option.
    pub fn mtu(&self) -> Option<u32> {
        self.iter().find_map(|o| match o {
            NdpOption::Mtu(m) => Some(m),
            _ => None,
        })
    }

    /// The Prefix Information options.
    pub fn prefixes(&self) -> impl Iterator<Item = PrefixInformation> + 'a {
        self.iter().filter_map(|o| match o {
            NdpOption::PrefixInformation(p) => Some(p),
            _ => None,
        })
    }
}

/// An NDP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NdpRepr<'a> {
    /// Router Solicitation (type 133).
    RouterSolicit {
        /// Options (typically a source link-layer address).
        options: NdpOptions<'a>,
    },
    /// Router Advertisement (type 134).
    RouterAdvert {
        /// Cur Hop Limit (0: unspecified).
        hop_limit: u8,
        /// M/O (and extension) flags.
        flags: RouterFlags,
        /// Router lifetime in seconds.
        router_lifetime: u16,
        /// Reachable time in milliseconds.
        reachable_time: u32,
        /// Retrans timer in milliseconds.
        retrans_timer: u32,
        /// Options (source link-layer address, MTU, prefixes, RDNSS, …).
        options: NdpOptions<'a>,
    },
    /// Neighbor Solicitation (type 135).
    NeighborSolicit {
        /// The address being resolved.
        target: Ipv6Addr,
        /// Options (source link-layer address unless the source is unspecified).
        options: NdpOptions<'a>,
    },
    /// Neighbor Advertisement (type 136).
    NeighborAdvert {
        /// R/S/O flags.
        flags: NeighborFlags,
        /// The address advertised.
        target: Ipv6Addr,
        /// Options (target link-layer address).
        options: NdpOptions<'a>,
    },
    /// Redirect (type 137).
    Redirect {
        /// The better first hop.
        target: Ipv6Addr,
        /// The destination being redirected.
        destination: Ipv6Addr,
        /// Options (target link-layer address, redirected header).
        options: NdpOptions<'a>,
    },
}

impl<'a> NdpRepr<'a> {
    /// Reads an NDP message from a checked ICMPv6 view.
    ///
    /// Errors: what [`Icmpv6Packet::check_len`] and [`NdpOptions::parse`] return,
    /// [`WireError::BadField`] for a non-zero code (RFC 4861 §6.1.1, §7.1.1),
    /// [`WireError::Unsupported`] if the type is not an NDP message.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Icmpv6Packet<&'a T>) -> Result<NdpRepr<'a>> {
        packet.check_len()?;
        if packet.msg_code() != 0 {
            return Err(WireError::BadField);
        }
        let options = NdpOptions::parse(packet.payload())?;
        Ok(match packet.msg_type() {
            Icmpv6Message::ROUTER_SOLICIT => NdpRepr::RouterSolicit { options },
            Icmpv6Message::ROUTER_ADVERT => NdpRepr::RouterAdvert {
                hop_limit: packet.current_hop_limit(),
                flags: packet.router_flags(),
                router_lifetime: packet.router_lifetime(),
                reachable_time: packet.reachable_time(),
                retrans_timer: packet.retrans_timer(),
                options,
            },
            Icmpv6Message::NEIGHBOR_SOLICIT => NdpRepr::NeighborSolicit {
                target: packet.target_addr(),
                options,
            },
            Icmpv6Message::NEIGHBOR_ADVERT => NdpRepr::NeighborAdvert {
                flags: packet.neighbor_flags(),
                target: packet.target_addr(),
                options,
            },
            Icmpv6Message::REDIRECT => NdpRepr::Redirect {
                target: packet.target_addr(),
                destination: packet.redirect_dest_addr(),
                options,
            },
            _ => return Err(WireError::Unsupported),
        })
    }

    /// The ICMPv6 type of this message.
    pub const fn msg_type(&self) -> Icmpv6Message {
        match self {
            NdpRepr::RouterSolicit { .. } => Icmpv6Message::ROUTER_SOLICIT,
            NdpRepr::RouterAdvert { .. } => Icmpv6Message::ROUTER_ADVERT,
            NdpRepr::NeighborSolicit { .. } => Icmpv6Message::NEIGHBOR_SOLICIT,
            NdpRepr::NeighborAdvert { .. } => Icmpv6Message::NEIGHBOR_ADVERT,
            NdpRepr::Redirect { .. } => Icmpv6Message::REDIRECT,
        }
    }

    /// The options of the message.
    pub const fn options(&self) -> NdpOptions<'a> {
        match self {
            NdpRepr::RouterSolicit { options }
            | NdpRepr::RouterAdvert { options, .. }
            | NdpRepr::NeighborSolicit { options, .. }
            | NdpRepr::NeighborAdvert { options, .. }
            | NdpRepr::Redirect { options, .. } => *options,
        }
    }

    /// Bytes [`emit`](Self::emit) writes: the fixed part plus the options.
    pub const fn buffer_len(&self) -> usize {
        let fixed = match self {
            NdpRepr::RouterSolicit { .. } => ROUTER_SOLICIT_LEN,
            NdpRepr::RouterAdvert { .. } => ROUTER_ADVERT_LEN,
            NdpRepr::NeighborSolicit { .. } => NEIGHBOR_SOLICIT_LEN,
            NdpRepr::NeighborAdvert { .. } => NEIGHBOR_ADVERT_LEN,
            NdpRepr::Redirect { .. } => REDIRECT_LEN,
        };
        fixed + self.options().len()
    }

    /// Writes the message into the start of `packet`, checksum set to zero (fill
    /// it with [`Icmpv6Packet::fill_checksum`], over a buffer of exactly
    /// [`buffer_len`](Self::buffer_len) bytes).
    ///
    /// Errors: [`WireError::BufferTooSmall`] if the buffer is shorter than
    /// [`buffer_len`](Self::buffer_len).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut Icmpv6Packet<&mut T>,
    ) -> Result<()> {
        let n = self.buffer_len();
        if packet.as_ref().len() < n {
            return Err(WireError::BufferTooSmall);
        }
        packet.set_msg_type(self.msg_type());
        packet.set_msg_code(0);
        packet.set_checksum(0);
        match *self {
            NdpRepr::RouterSolicit { .. } => packet.clear_ndp_reserved(),
            NdpRepr::RouterAdvert {
                hop_limit,
                flags,
                router_lifetime,
                reachable_time,
                retrans_timer,
                ..
            } => {
                packet.set_current_hop_limit(hop_limit);
                packet.set_router_flags(flags);
                packet.set_router_lifetime(router_lifetime);
                packet.set_reachable_time(reachable_time);
                packet.set_retrans_timer(retrans_timer);
            }
            NdpRepr::NeighborSolicit { target, .. } => {
                packet.clear_ndp_reserved();
                packet.set_target_addr(target);
            }
            NdpRepr::NeighborAdvert { flags, target, .. } => {
                packet.set_neighbor_flags(flags);
                packet.set_target_addr(target);
            }
            NdpRepr::Redirect {
                target,
                destination,
                ..
            } => {
                packet.clear_ndp_reserved();
                packet.set_target_addr(target);
                packet.set_redirect_dest_addr(destination);
            }
        }
        let opts = self.options().as_bytes();
        let fixed = n - opts.len();
        packet.buffer_mut()[fixed..n].copy_from_slice(opts);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
