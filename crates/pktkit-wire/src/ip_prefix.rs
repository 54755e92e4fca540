//! [`IpPrefix`]: an IPv4 or IPv6 address with a prefix length (`10.0.0.1/24`).
//!
//! It names both an interface address (the host bits kept: `10.0.0.1/24`) and a
//! route (`10.0.0.0/24`; [`IpPrefix::network`] clears the host bits). Not for
//! address ranges that are not a prefix.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::str::FromStr;

use crate::WireError;

/// An IP address and a prefix length, e.g. `192.168.1.10/24` or `2001:db8::/32`.
///
/// ```
/// use pktkit_wire::IpPrefix;
/// let p: IpPrefix = "10.1.2.3/16".parse().unwrap();
/// assert_eq!(p.len(), 16);
/// assert_eq!(p.network().to_string(), "10.1.0.0/16");
/// assert!(p.contains("10.1.200.7".parse().unwrap()));
/// assert!(!p.contains("10.2.0.1".parse().unwrap()));
/// assert!("10.0.0.0/33".parse::<IpPrefix>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpPrefix {
    addr: IpAddr,
    len: u8,
}

impl IpPrefix {
    /// Builds a prefix; [`WireError::BadField`] if `len` exceeds 32 (IPv4) or 128 (IPv6).
    pub const fn new(addr: IpAddr, len: u8) -> Result<Self, WireError> {
        let max = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if len > max {
            return Err(WireError::BadField);
        }
        Ok(IpPrefix { addr, len })
    }

    /// An IPv4 prefix; [`WireError::BadField`] if `len > 32`.
    pub const fn v4(addr: Ipv4Addr, len: u8) -> Result<Self, WireError> {
        Self::new(IpAddr::V4(addr), len)
    }

    /// An IPv6 prefix; [`WireError::BadField`] if `len > 128`.
    pub const fn v6(addr: Ipv6Addr, len: u8) -> Result<Self, WireError> {
        Self::new(IpAddr::V6(addr), len)
    }

    /// The address as given (host bits included).
    pub const fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    #[allow(clippy::len_without_is_empty)] // a length in bits, not a collection
    pub const fn len(&self) -> u8 {
        self.len
    }

    /// True for an IPv4 prefix.
    pub const fn is_ipv4(&self) -> bool {
        matches!(self.addr, IpAddr::V4(_))
    }

    /// The same prefix with the host bits cleared (`10.1.2.3/16` → `10.1.0.0/16`).
    pub fn network(&self) -> IpPrefix {
        IpPrefix {
            addr: self.network_addr(),
            len: self.len,
        }
    }

    /// The address with the host bits cleared.
    pub fn network_addr(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & v4_mask(self.len))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & v6_mask(self.len))),
        }
    }

    /// The IPv4 netmask (`/24` → `255.255.255.0`); `None` for IPv6.
    pub fn netmask_v4(&self) -> Option<Ipv4Addr> {
        match self.addr {
            IpAddr::V4(_) => Some(Ipv4Addr::from(v4_mask(self.len))),
            IpAddr::V6(_) => None,
        }
    }

    /// The prefix length in bits (the same as [`len`](Self::len)).
    pub const fn prefix_len(&self) -> u8 {
        self.len
    }

    /// True for an IPv4 prefix (the same as [`is_ipv4`](Self::is_ipv4)).
    pub const fn is_v4(&self) -> bool {
        self.is_ipv4()
    }

    /// The netmask as an address of the prefix's family (`/24` →
    /// `255.255.255.0`, `/32` on IPv6 → `ffff:ffff::`).
    pub fn netmask(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(v4_mask(self.len))),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(v6_mask(self.len))),
        }
    }

    /// The IPv4 directed broadcast address (host bits all ones). `None` for
    /// IPv6 (which has no broadcast) and for /31 and /32, which have no
    /// broadcast address (RFC 3021).
    pub fn broadcast(&self) -> Option<Ipv4Addr> {
        match self.addr {
            IpAddr::V4(a) if self.len <= 30 => {
                Some(Ipv4Addr::from(u32::from(a) | !v4_mask(self.len)))
            }
            _ => None,
        }
    }

    /// True when `ip` is of the same family and inside this prefix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let m = v4_mask(self.len);
                u32::from(a) & m == u32::from(b) & m
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let m = v6_mask(self.len);
                u128::from(a) & m == u128::from(b) & m
            }
            _ => false,
        }
    }
}

/// The IPv4 mask of a prefix length (`len` ≤ 32).
const fn v4_mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len as u32)
    }
}

/// The IPv6 mask of a prefix length (`len` ≤ 128).
const fn v6_mask(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len as u32)
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl fmt::Debug for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for IpPrefix {
    type Err = WireError;

    /// Parses `addr/len`; a bare address gets the full length (/32 or /128).
    fn from_str(s: &str) -> Result<Self, WireError> {
        let (a, l) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().map_err(|_| WireError::BadField)?;
        let len = match l {
            Some(l) if !l.is_empty() && l.bytes().all(|c| c.is_ascii_digit()) => {
                l.parse::<u8>().map_err(|_| WireError::BadField)?
            }
            Some(_) => return Err(WireError::BadField),
            None => match addr {
                IpAddr::V4(_) => 32,
                IpAddr::V6(_) => 128,
            },
        };
        IpPrefix::new(addr, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn parse_display_and_network() {
        let p: IpPrefix = "2001:db8:1:2::5/48".parse().unwrap();
        assert_eq!(p.network().to_string(), "2001:db8:1::/48");
        assert!(p.contains("2001:db8:1:ffff::1".parse().unwrap()));
        assert!(!p.contains("2001:db8:2::1".parse().unwrap()));
        assert!(!p.contains("10.0.0.1".parse().unwrap()));
        let z: IpPrefix = "0.0.0.0/0".parse().unwrap();
        assert!(z.contains("203.0.113.9".parse().unwrap()));
        let h: IpPrefix = "192.0.2.1".parse().unwrap();
        assert_eq!(h.len(), 32);
        assert_eq!(
            "10.0.0.1/24".parse::<IpPrefix>().unwrap().netmask_v4(),
            Some(Ipv4Addr::new(255, 255, 255, 0))
        );
        let p: IpPrefix = "10.1.2.3/8".parse().unwrap();
        assert_eq!((p.prefix_len(), p.is_v4()), (8, true));
        assert_eq!(p.netmask(), "255.0.0.0".parse::<IpAddr>().unwrap());
        assert_eq!(p.broadcast(), Some(Ipv4Addr::new(10, 255, 255, 255)));
        assert_eq!(p.network().to_string(), "10.0.0.0/8");
        let p: IpPrefix = "2001:db8::/32".parse().unwrap();
        assert_eq!(p.to_string(), "2001:db8::/32");
        assert_eq!(p.netmask(), "ffff:ffff::".parse::<IpAddr>().unwrap());
        assert_eq!((p.broadcast(), p.is_v4()), (None, false));
        assert_eq!(
            "192.0.2.0/31".parse::<IpPrefix>().unwrap().broadcast(),
            None
        );
        assert_eq!(
            "0.0.0.0/0".parse::<IpPrefix>().unwrap().netmask(),
            "0.0.0.0".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            IpPrefix::new("::".parse().unwrap(), 129),
            Err(WireError::BadField)
        );
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0/8",
            "10.0.0.0/+8",
            "x/1",
        ] {
            assert!(bad.parse::<IpPrefix>().is_err(), "{bad}");
        }
    }
}
