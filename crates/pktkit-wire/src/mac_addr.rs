//! [`MacAddr`]: a 48-bit IEEE 802 MAC address.

use core::fmt;
use core::str::FromStr;

use crate::WireError;

/// A 48-bit Ethernet (IEEE 802) MAC address.
///
/// ```
/// use pktkit_wire::MacAddr;
/// let mac: MacAddr = "52:54:00:12:34:56".parse().unwrap();
/// assert!(mac.is_unicast() && mac.is_local());
/// assert_eq!(mac.to_string(), "52:54:00:12:34:56");
/// assert!(MacAddr::BROADCAST.is_broadcast());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    /// `00:00:00:00:00:00`.
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    /// Builds an address from its six octets.
    pub const fn new(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8) -> Self {
        MacAddr([a, b, c, d, e, f])
    }

    /// Reads an address from the first six bytes of `bytes`; `None` if shorter.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let b: [u8; 6] = bytes.get(..6)?.try_into().ok()?;
        Some(MacAddr(b))
    }

    /// The six octets.
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// The six octets, borrowed.
    pub const fn as_bytes(&self) -> &[u8; 6] {
        &self.0
    }

    /// The address as the low 48 bits of a `u64` (handy as a hash-table key).
    pub const fn to_u64(&self) -> u64 {
        let b = self.0;
        (b[0] as u64) << 40
            | (b[1] as u64) << 32
            | (b[2] as u64) << 24
            | (b[3] as u64) << 16
            | (b[4] as u64) << 8
            | b[5] as u64
    }

    /// The inverse of [`MacAddr::to_u64`] (bits above 48 are ignored).
    pub const fn from_u64(v: u64) -> Self {
        MacAddr([
            (v >> 40) as u8,
            (v >> 32) as u8,
            (v >> 24) as u8,
            (v >> 16) as u8,
            (v >> 8) as u8,
            v as u8,
        ])
    }

    /// Group bit set: multicast or broadcast.
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// Group bit clear.
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }

    /// All ones.
    pub const fn is_broadcast(&self) -> bool {
        self.to_u64() == 0xffff_ffff_ffff
    }

    /// All zeros.
    pub const fn is_zero(&self) -> bool {
        self.to_u64() == 0
    }

    /// Locally administered bit set.
    pub const fn is_local(&self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// The IPv4 multicast MAC for a group (RFC 1112: `01:00:5e` + low 23 bits).
    pub const fn from_ipv4_multicast(group: core::net::Ipv4Addr) -> Self {
        let o = group.octets();
        MacAddr([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]])
    }

    /// The IPv6 multicast MAC for a group (RFC 2464: `33:33` + low 32 bits).
    pub const fn from_ipv6_multicast(group: core::net::Ipv6Addr) -> Self {
        let o = group.octets();
        MacAddr([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }
}

impl From<[u8; 6]> for MacAddr {
    fn from(b: [u8; 6]) -> Self {
        MacAddr(b)
    }
}

impl From<MacAddr> for [u8; 6] {
    fn from(m: MacAddr) -> Self {
        m.0
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for MacAddr {
    type Err = WireError;

    /// Parses `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff` (hex digits in either case).
    fn from_str(s: &str) -> Result<Self, WireError> {
        let mut out = [0u8; 6];
        let sep = if s.contains('-') { '-' } else { ':' };
        let mut n = 0;
        for part in s.split(sep) {
            if n == 6 || part.len() != 2 {
                return Err(WireError::BadField);
            }
            out[n] = u8::from_str_radix(part, 16).map_err(|_| WireError::BadField)?;
            n += 1;
        }
        if n != 6 {
            return Err(WireError::BadField);
        }
        Ok(MacAddr(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn parse_display_round_trip() {
        let m: MacAddr = "AA-bb-cc-01-02-03".parse().unwrap();
        assert_eq!(m, MacAddr::new(0xaa, 0xbb, 0xcc, 1, 2, 3));
        assert_eq!(m.to_string().parse::<MacAddr>().unwrap(), m);
        for bad in [
            "",
            "aa:bb",
            "aa:bb:cc:dd:ee:ff:00",
            "aa:bb:cc:dd:ee:gg",
            "a:bb:cc:dd:ee:ff",
        ] {
            assert!(bad.parse::<MacAddr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bits_and_u64() {
        assert!(MacAddr::BROADCAST.is_multicast() && MacAddr::BROADCAST.is_broadcast());
        let m = MacAddr::new(0x02, 0, 0, 0, 0, 1);
        assert!(m.is_local() && m.is_unicast());
        assert_eq!(MacAddr::from_u64(m.to_u64()), m);
        assert_eq!(
            MacAddr::from_ipv4_multicast(core::net::Ipv4Addr::new(224, 129, 2, 3)),
            MacAddr::new(0x01, 0, 0x5e, 0x01, 2, 3)
        );
        assert_eq!(
            MacAddr::from_ipv6_multicast("ff02::1:ff00:1".parse().unwrap()),
            MacAddr::new(0x33, 0x33, 0xff, 0, 0, 1)
        );
    }
}
