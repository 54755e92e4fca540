//! [`EtherType`]: the 16-bit protocol identifier of an Ethernet II frame.

use core::fmt;

/// An Ethernet II EtherType (a newtype so that unknown values are kept).
///
/// ```
/// use pktkit_wire::EtherType;
/// assert_eq!(EtherType::from(0x0800u16), EtherType::IPV4);
/// assert_eq!(EtherType::IPV6.to_string(), "IPv6");
/// assert_eq!(EtherType(0x88b5).to_string(), "0x88b5");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EtherType(pub u16);

impl EtherType {
    /// IPv4 (0x0800).
    pub const IPV4: EtherType = EtherType(0x0800);
    /// ARP (0x0806).
    pub const ARP: EtherType = EtherType(0x0806);
    /// IEEE 802.1Q customer VLAN tag (0x8100).
    pub const VLAN: EtherType = EtherType(0x8100);
    /// IEEE 802.1ad service VLAN tag, "QinQ" outer tag (0x88a8).
    pub const QINQ: EtherType = EtherType(0x88a8);
    /// IPv6 (0x86dd).
    pub const IPV6: EtherType = EtherType(0x86dd);
    /// LLDP (0x88cc).
    pub const LLDP: EtherType = EtherType(0x88cc);

    /// The raw value.
    pub const fn value(self) -> u16 {
        self.0
    }

    /// True for the tag protocol identifiers this crate walks through (802.1Q, 802.1ad).
    pub const fn is_vlan_tag(self) -> bool {
        self.0 == 0x8100 || self.0 == 0x88a8 || self.0 == 0x9100
    }

    /// A name for well-known values.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0800 => "IPv4",
            0x0806 => "ARP",
            0x8100 => "802.1Q",
            0x88a8 => "802.1ad",
            0x86dd => "IPv6",
            0x88cc => "LLDP",
            _ => return None,
        })
    }
}

impl From<u16> for EtherType {
    fn from(v: u16) -> Self {
        EtherType(v)
    }
}

impl From<EtherType> for u16 {
    fn from(v: EtherType) -> Self {
        v.0
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "0x{:04x}", self.0),
        }
    }
}

impl fmt::Debug for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EtherType({self})")
    }
}
