//! [`Routes`]: where a packet goes on the link — its next hop, or a
//! multicast/broadcast MAC — from our on-link prefixes, the configured
//! gateways and what Router Advertisements taught (RFC 4861 §5.2, §6.3.4).
//!
//! RA-learned state is bounded ([`MAX_RA_PREFIXES`] on-link prefixes, one
//! default router: the last one heard) and expires with its lifetimes. Not
//! a routing table: one default per family, no metrics.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use pktkit_wire::{IpPrefix, MacAddr};

use super::own_addrs::OwnAddrs;

/// Most on-link prefixes kept from Router Advertisements.
pub(crate) const MAX_RA_PREFIXES: usize = 16;

/// Where a packet goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NextHop {
    /// To this MAC directly (broadcast, multicast).
    Mac(MacAddr),
    /// To this neighbour (resolved through the cache).
    Neighbor(IpAddr),
    /// Nowhere.
    NoRoute,
}

/// Gateways and RA-learned routes.
#[derive(Debug)]
pub(crate) struct Routes {
    gateway_v4: Option<Ipv4Addr>,
    gateway_v6: Option<Ipv6Addr>,
    ra_router: Option<(Ipv6Addr, Instant)>,
    ra_prefixes: Vec<(IpPrefix, Instant)>,
}

impl Routes {
    pub(crate) fn new(gateway_v4: Option<Ipv4Addr>, gateway_v6: Option<Ipv6Addr>) -> Self {
        Routes {
            gateway_v4,
            gateway_v6,
            ra_router: None,
            ra_prefixes: Vec::new(),
        }
    }

    /// The IPv6 default router learned from RAs, if still valid at `now`.
    pub(crate) fn ra_router(&self, now: Instant) -> Option<Ipv6Addr> {
        self.ra_router.filter(|(_, t)| now < *t).map(|(r, _)| r)
    }

    /// On-link prefixes learned from RAs and still valid at `now`.
    pub(crate) fn ra_prefixes(&self, now: Instant) -> Vec<IpPrefix> {
        self.ra_prefixes
            .iter()
            .filter(|(_, t)| now < *t)
            .map(|(p, _)| *p)
            .collect()
    }

    /// A Router Advertisement from `router` with the given lifetime (0: stop using it).
    pub(crate) fn router_advert(&mut self, router: Ipv6Addr, lifetime_s: u16, now: Instant) {
        if lifetime_s == 0 {
            if self.ra_router.is_some_and(|(r, _)| r == router) {
                self.ra_router = None;
            }
        } else {
            self.ra_router = Some((router, now + Duration::from_secs(lifetime_s.into())));
        }
    }

    /// A Prefix Information option with the L flag (lifetime in seconds, 0xffffffff: infinite).
    pub(crate) fn on_link_prefix(&mut self, prefix: IpPrefix, valid_s: u32, now: Instant) {
        let prefix = prefix.network();
        if prefix.addr().is_ipv6() && (prefix.addr() == IpAddr::V6(link_local_net())) {
            return; // RFC 4861 §6.3.4: ignore the link-local prefix
        }
        let until = if valid_s == u32::MAX {
            now + Duration::from_secs(100 * 365 * 86_400)
        } else {
            now + Duration::from_secs(valid_s.into())
        };
        self.ra_prefixes.retain(|(_, t)| now < *t);
        if let Some(e) = self.ra_prefixes.iter_mut().find(|(p, _)| *p == prefix) {
            e.1 = until;
        } else if valid_s > 0 && self.ra_prefixes.len() < MAX_RA_PREFIXES {
            self.ra_prefixes.push((prefix, until));
        }
        self.ra_prefixes.retain(|(_, t)| now < *t);
    }

    /// The next hop for `dst`.
    pub(crate) fn next_hop(&self, dst: IpAddr, own: &OwnAddrs, now: Instant) -> NextHop {
        match dst {
            IpAddr::V4(d) => {
                if d.is_broadcast() || own.is_broadcast(dst) {
                    NextHop::Mac(MacAddr::BROADCAST)
                } else if d.is_multicast() {
                    NextHop::Mac(MacAddr::from_ipv4_multicast(d))
                } else if d.is_unspecified() {
                    NextHop::NoRoute
                } else if own.on_link(dst) {
                    NextHop::Neighbor(dst)
                } else {
                    self.gateway_v4
                        .map_or(NextHop::NoRoute, |g| NextHop::Neighbor(IpAddr::V4(g)))
                }
            }
            IpAddr::V6(d) => {
                if d.is_multicast() {
                    NextHop::Mac(MacAddr::from_ipv6_multicast(d))
                } else if d.is_unspecified() {
                    NextHop::NoRoute
                } else if is_link_local(d)
                    || own.on_link(dst)
                    || self.ra_prefixes(now).iter().any(|p| p.contains(dst))
                {
                    NextHop::Neighbor(dst)
                } else {
                    self.gateway_v6
                        .or_else(|| self.ra_router(now))
                        .map_or(NextHop::NoRoute, |g| NextHop::Neighbor(IpAddr::V6(g)))
                }
            }
        }
    }
}

fn link_local_net() -> Ipv6Addr {
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0)
}

/// True for `fe80::/10`.
pub(crate) fn is_link_local(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::L2AdapterConfig;

    #[test]
    fn next_hops() {
        let cfg = L2AdapterConfig {
            dad_transmits: 0,
            ..L2AdapterConfig::default()
        };
        let now = Instant::now();
        let mut own = OwnAddrs::default();
        let mut ev = Vec::new();
        own.set(
            &[
                "10.0.0.2/24".parse().unwrap(),
                "fd00::2/64".parse().unwrap(),
            ],
            now,
            &cfg,
            &mut ev,
        );
        let mut r = Routes::new(Some(Ipv4Addr::new(10, 0, 0, 1)), None);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            r.next_hop(ip("10.0.0.7"), &own, now),
            NextHop::Neighbor(ip("10.0.0.7"))
        );
        assert_eq!(
            r.next_hop(ip("8.8.8.8"), &own, now),
            NextHop::Neighbor(ip("10.0.0.1"))
        );
        assert_eq!(
            r.next_hop(ip("10.0.0.255"), &own, now),
            NextHop::Mac(MacAddr::BROADCAST)
        );
        assert_eq!(
            r.next_hop(ip("224.0.0.251"), &own, now),
            NextHop::Mac(MacAddr::new(0x01, 0x00, 0x5e, 0, 0, 0xfb))
        );
        assert_eq!(
            r.next_hop(ip("ff02::1:ff00:7"), &own, now),
            NextHop::Mac(MacAddr::new(0x33, 0x33, 0xff, 0, 0, 7))
        );
        assert_eq!(r.next_hop(ip("2001:db8::1"), &own, now), NextHop::NoRoute);
        r.router_advert(ip_v6("fe80::1"), 1800, now);
        r.on_link_prefix("2001:db8:1::/64".parse().unwrap(), 60, now);
        assert_eq!(
            r.next_hop(ip("2001:db8::1"), &own, now),
            NextHop::Neighbor(ip("fe80::1"))
        );
        assert_eq!(
            r.next_hop(ip("2001:db8:1::5"), &own, now),
            NextHop::Neighbor(ip("2001:db8:1::5"))
        );
        let later = now + Duration::from_secs(61);
        assert_eq!(
            r.next_hop(ip("2001:db8:1::5"), &own, later),
            NextHop::Neighbor(ip("fe80::1")),
            "prefix expired, router still valid"
        );
        r.router_advert(ip_v6("fe80::1"), 0, later);
        assert_eq!(r.next_hop(ip("2001:db8::1"), &own, later), NextHop::NoRoute);
    }

    fn ip_v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }
}
