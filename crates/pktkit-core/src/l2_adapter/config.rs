//! [`L2AdapterConfig`]: what an [`crate::L2Adapter`] is told at creation.
//!
//! Addresses, MAC, default gateways, MTU, gateway mode, table bounds and the
//! ARP/NDP timers (RFC 4861 §10 defaults). Not the live state: addresses
//! change later through [`crate::L3Device::set_addrs`].

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use pktkit_wire::{IpPrefix, MacAddr};

/// Configuration of an [`crate::L2Adapter`]; start from `Default` and set fields.
///
/// ```
/// use pktkit_core::L2AdapterConfig;
/// let cfg = L2AdapterConfig {
///     addrs: vec!["10.0.0.2/24".parse().unwrap(), "fd00::2/64".parse().unwrap()],
///     gateway_v4: Some("10.0.0.1".parse().unwrap()),
///     gateway_mode: true,
///     ..L2AdapterConfig::default()
/// };
/// assert_eq!(cfg.mtu, 1500);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2AdapterConfig {
    /// Our MAC on the Ethernet side; `None` takes the L2 device's
    /// [`hw_addr`](crate::L2Device::hw_addr). For a TAP, give one: the TAP's
    /// own address belongs to the kernel side.
    pub mac: Option<MacAddr>,
    /// Our addresses with their on-link prefix lengths.
    pub addrs: Vec<IpPrefix>,
    /// Next hop for IPv4 destinations outside every on-link prefix.
    pub gateway_v4: Option<Ipv4Addr>,
    /// Next hop for off-link IPv6 destinations; without it, the router learned
    /// from Router Advertisements is used.
    pub gateway_v6: Option<Ipv6Addr>,
    /// Largest IP packet sent on the link (bigger ones get ICMP
    /// fragmentation-needed / packet-too-big back; there is no fragmentation).
    pub mtu: usize,
    /// Answer ICMP and ICMPv6 echo requests to our own addresses here instead
    /// of passing them to the IP side.
    pub gateway_mode: bool,
    /// Also give ourselves the EUI-64 link-local address `fe80::/64`
    /// (RFC 4862 §5.3), used as the source of NDP messages when no other
    /// address fits.
    pub link_local: bool,
    /// Most neighbour-cache entries; at the bound the stalest entry makes room.
    pub max_neighbors: usize,
    /// Most packets waiting for one neighbour's resolution (more are dropped).
    pub max_pending_per_neighbor: usize,
    /// Most packets waiting for resolution over all neighbours.
    pub max_pending: usize,
    /// How long a confirmed neighbour stays REACHABLE (RFC 4861 REACHABLE_TIME).
    pub reachable_time: Duration,
    /// Time between solicitations (RFC 4861 RETRANS_TIMER).
    pub retrans_timer: Duration,
    /// Solicitations before a neighbour counts as unreachable
    /// (MAX_MULTICAST_SOLICIT / MAX_UNICAST_SOLICIT).
    pub max_probes: u32,
    /// Wait in DELAY before probing a STALE neighbour in use (DELAY_FIRST_PROBE_TIME).
    pub delay_first_probe: Duration,
    /// An unused STALE entry is removed after this long (Linux `gc_stale_time`).
    pub stale_timeout: Duration,
    /// How long a FAILED entry answers new packets with ICMP unreachable at
    /// once before resolution is tried again.
    pub failed_hold: Duration,
    /// Duplicate Address Detection solicitations per new IPv6 address
    /// (RFC 4862 DupAddrDetectTransmits; 0 turns DAD off).
    pub dad_transmits: u32,
}

impl Default for L2AdapterConfig {
    fn default() -> Self {
        L2AdapterConfig {
            mac: None,
            addrs: Vec::new(),
            gateway_v4: None,
            gateway_v6: None,
            mtu: 1500,
            gateway_mode: false,
            link_local: true,
            max_neighbors: 1024,
            max_pending_per_neighbor: 16,
            max_pending: 256,
            reachable_time: Duration::from_secs(30),
            retrans_timer: Duration::from_secs(1),
            max_probes: 3,
            delay_first_probe: Duration::from_secs(5),
            stale_timeout: Duration::from_secs(60),
            failed_hold: Duration::from_secs(3),
            dad_transmits: 1,
        }
    }
}
