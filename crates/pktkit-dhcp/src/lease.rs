//! [`Lease`]: what a DHCP client was given, in plain owned types.
//!
//! Built from a DHCPACK by the client engine; what an application configures
//! its interface with. Not the server's bookkeeping (see [`crate::server`]).

use std::net::Ipv4Addr;
use std::time::Duration;

use pktkit_wire::dhcpv4::{ClasslessRoute, DhcpRepr};

/// The lease time meaning "forever" (RFC 2131 §3.3).
pub const INFINITE_LEASE: u32 = u32::MAX;

/// An address lease and the configuration that came with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The leased address (`yiaddr`).
    pub address: Ipv4Addr,
    /// Prefix length of the subnet (option 1; classful default without it).
    pub prefix_len: u8,
    /// Default gateway: the 0.0.0.0/0 route of option 121 when that option is
    /// present (RFC 3442 says to ignore option 3 then), else the first router of option 3.
    pub router: Option<Ipv4Addr>,
    /// DNS servers (option 6).
    pub dns_servers: Vec<Ipv4Addr>,
    /// Domain name (option 15).
    pub domain_name: Option<String>,
    /// Domain search list (option 119).
    pub domain_search: Vec<String>,
    /// Classless static routes (option 121), default route included.
    pub classless_routes: Vec<ClasslessRoute>,
    /// Interface MTU (option 26).
    pub mtu: Option<u16>,
    /// Broadcast address (option 28).
    pub broadcast: Option<Ipv4Addr>,
    /// The server that granted the lease (option 54).
    pub server_id: Ipv4Addr,
    /// Lease time (option 51); `Duration::from_secs(u32::MAX as u64)` is infinite.
    pub lease_time: Duration,
    /// T1 (option 58, or half the lease time).
    pub renewal_time: Duration,
    /// T2 (option 59, or 7/8 of the lease time).
    pub rebinding_time: Duration,
}

impl Lease {
    /// True for an infinite lease (no renewal, no expiry).
    pub fn is_infinite(&self) -> bool {
        self.lease_time.as_secs() == INFINITE_LEASE as u64
    }

    /// Reads a lease from a DHCPACK; `None` without an address, server id or lease time.
    pub(crate) fn from_ack(ack: &DhcpRepr<'_>, fallback_server: Option<Ipv4Addr>) -> Option<Lease> {
        let address = ack.yiaddr;
        if address.is_unspecified() || address.is_broadcast() {
            return None;
        }
        let server_id = ack.server_id.or(fallback_server)?;
        let secs = ack.lease_time?;
        let prefix_len = match ack.subnet_mask {
            Some(m) if (!u32::from(m)).wrapping_add(1).is_power_of_two() || m.is_unspecified() => {
                u32::from(m).leading_ones() as u8
            }
            _ => match address.octets()[0] {
                0..=127 => 8,
                128..=191 => 16,
                _ => 24,
            },
        };
        let classless_routes: Vec<ClasslessRoute> = ack
            .classless_route_list()
            .map(|it| it.filter_map(Result::ok).collect())
            .unwrap_or_default();
        let router = if ack.classless_routes.is_some() {
            classless_routes
                .iter()
                .find(|r| r.prefix_len == 0)
                .map(|r| r.router)
        } else {
            ack.router.and_then(|r| r.first())
        };
        let text = |d: Option<pktkit_wire::dhcpv4::OptionData<'_>>| {
            d.map(|d| {
                let bytes: Vec<u8> = d.bytes().collect();
                let s = String::from_utf8_lossy(&bytes);
                s.trim_end_matches('\0').to_string()
            })
        };
        let domain_search = ack
            .domain_search_list()
            .map(|it| it.filter_map(Result::ok).map(|n| n.to_string()).collect())
            .unwrap_or_default();
        let lease_time = Duration::from_secs(secs as u64);
        let (mut t1, mut t2) = if secs == INFINITE_LEASE {
            (lease_time, lease_time)
        } else {
            (
                Duration::from_secs(ack.renewal_time.map_or(secs as u64 / 2, |v| v as u64)),
                Duration::from_secs(ack.rebinding_time.map_or(secs as u64 * 7 / 8, |v| v as u64)),
            )
        };
        // RFC 2131 §4.4.5: T1 < T2 < lease time, else use the defaults.
        if secs != INFINITE_LEASE && !(t1 <= t2 && t2 <= lease_time) {
            t1 = lease_time / 2;
            t2 = lease_time * 7 / 8;
        }
        Some(Lease {
            address,
            prefix_len,
            router,
            dns_servers: ack
                .dns_servers
                .map(|l| l.iter().collect())
                .unwrap_or_default(),
            domain_name: text(ack.domain_name),
            domain_search,
            classless_routes,
            mtu: ack.interface_mtu,
            broadcast: ack.broadcast_address,
            server_id,
            lease_time,
            renewal_time: t1,
            rebinding_time: t2,
        })
    }
}
