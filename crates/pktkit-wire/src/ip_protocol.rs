//! [`IpProtocol`]: the IPv4 protocol / IPv6 next-header number.

use core::fmt;

/// An IP protocol number (IPv4 `protocol`, IPv6 `next header`); unknown values are kept.
///
/// ```
/// use pktkit_wire::IpProtocol;
/// assert_eq!(IpProtocol::from(6u8), IpProtocol::TCP);
/// assert!(IpProtocol::HOP_BY_HOP.is_ipv6_extension());
/// assert_eq!(IpProtocol::UDP.to_string(), "UDP");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpProtocol(pub u8);

impl IpProtocol {
    /// IPv6 hop-by-hop options (0).
    pub const HOP_BY_HOP: IpProtocol = IpProtocol(0);
    /// ICMP for IPv4 (1).
    pub const ICMP: IpProtocol = IpProtocol(1);
    /// IGMP (2).
    pub const IGMP: IpProtocol = IpProtocol(2);
    /// TCP (6).
    pub const TCP: IpProtocol = IpProtocol(6);
    /// UDP (17).
    pub const UDP: IpProtocol = IpProtocol(17);
    /// IPv6 routing header (43).
    pub const IPV6_ROUTE: IpProtocol = IpProtocol(43);
    /// IPv6 fragment header (44).
    pub const IPV6_FRAG: IpProtocol = IpProtocol(44);
    /// ESP (50).
    pub const ESP: IpProtocol = IpProtocol(50);
    /// AH (51).
    pub const AH: IpProtocol = IpProtocol(51);
    /// ICMPv6 (58).
    pub const ICMPV6: IpProtocol = IpProtocol(58);
    /// IPv6 "no next header" (59).
    pub const IPV6_NONXT: IpProtocol = IpProtocol(59);
    /// IPv6 destination options (60).
    pub const IPV6_OPTS: IpProtocol = IpProtocol(60);

    /// The raw value.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// True for the IPv6 extension headers the walker in [`crate::ipv6_ext`] steps over
    /// (hop-by-hop, routing, fragment, destination options, AH).
    pub const fn is_ipv6_extension(self) -> bool {
        matches!(self.0, 0 | 43 | 44 | 51 | 60)
    }

    /// A name for well-known values.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "HOPOPT",
            1 => "ICMP",
            2 => "IGMP",
            6 => "TCP",
            17 => "UDP",
            43 => "IPv6-Route",
            44 => "IPv6-Frag",
            50 => "ESP",
            51 => "AH",
            58 => "ICMPv6",
            59 => "IPv6-NoNxt",
            60 => "IPv6-Opts",
            _ => return None,
        })
    }
}

impl From<u8> for IpProtocol {
    fn from(v: u8) -> Self {
        IpProtocol(v)
    }
}

impl From<IpProtocol> for u8 {
    fn from(v: IpProtocol) -> Self {
        v.0
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Debug for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IpProtocol({self})")
    }
}
