//! [`OwnAddrs`]: the adapter's own addresses and their Duplicate Address
//! Detection state (RFC 4862 §5.4).
//!
//! IPv4 addresses are usable at once (RFC 5227 probing is not done; a
//! conflict seen in ARP is only counted). A new IPv6 address is TENTATIVE
//! while DAD runs: it is not answered for, not used as a source, and packets
//! to it are dropped; if nobody objects it becomes PREFERRED, and if someone
//! does (a NA for it, or an NS for it from the unspecified address) it becomes
//! DUPLICATE and stays unused until the addresses are set again. Not here:
//! building the DAD and announcement frames (the caller does, from the
//! returned [`AddrEvent`]s).

use std::net::{IpAddr, Ipv6Addr};
use std::time::Instant;

use pktkit_wire::{IpPrefix, MacAddr};

use super::config::L2AdapterConfig;

/// DAD state of one of our addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrState {
    /// DAD is running; the address is not used yet.
    Tentative,
    /// In use.
    Preferred,
    /// Someone else on the link has it; not used.
    Duplicate,
}

#[derive(Debug, Clone, Copy)]
struct OwnAddr {
    prefix: IpPrefix,
    state: AddrState,
    dad_sent: u32,
    deadline: Instant,
    /// The automatic link-local address (kept across `set`).
    auto: bool,
}

/// What the caller must send for an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddrEvent {
    /// Announce a usable address: gratuitous ARP (v4) or unsolicited NA (v6).
    Announce(IpAddr),
    /// Send a DAD Neighbor Solicitation for this tentative address.
    DadProbe(Ipv6Addr),
}

/// Our addresses.
#[derive(Debug, Default)]
pub(crate) struct OwnAddrs {
    list: Vec<OwnAddr>,
}

/// The EUI-64 link-local address of `mac` (RFC 4291 appendix A).
pub(crate) fn link_local(mac: MacAddr) -> Ipv6Addr {
    let m = mac.0;
    Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        m[0] ^ 0x02,
        m[1],
        m[2],
        0xff,
        0xfe,
        m[3],
        m[4],
        m[5],
    ])
}

impl OwnAddrs {
    /// Adds the automatic link-local address.
    pub(crate) fn add_link_local(
        &mut self,
        mac: MacAddr,
        now: Instant,
        cfg: &L2AdapterConfig,
        out: &mut Vec<AddrEvent>,
    ) {
        let ll = link_local(mac);
        let Ok(prefix) = IpPrefix::v6(ll, 64) else {
            return;
        };
        self.push(prefix, true, now, cfg, out);
    }

    fn push(
        &mut self,
        prefix: IpPrefix,
        auto: bool,
        now: Instant,
        cfg: &L2AdapterConfig,
        out: &mut Vec<AddrEvent>,
    ) {
        let mut a = OwnAddr {
            prefix,
            state: AddrState::Preferred,
            dad_sent: 0,
            deadline: now,
            auto,
        };
        match prefix.addr() {
            IpAddr::V6(v6) if cfg.dad_transmits > 0 => {
                a.state = AddrState::Tentative;
                a.dad_sent = 1;
                a.deadline = now + cfg.retrans_timer;
                out.push(AddrEvent::DadProbe(v6));
            }
            ip => out.push(AddrEvent::Announce(ip)),
        }
        self.list.push(a);
    }

    /// Replaces the configured addresses. Addresses kept keep their state;
    /// new ones start DAD (v6) or are announced (v4).
    pub(crate) fn set(
        &mut self,
        new: &[IpPrefix],
        now: Instant,
        cfg: &L2AdapterConfig,
        out: &mut Vec<AddrEvent>,
    ) {
        let old = std::mem::take(&mut self.list);
        for a in &old {
            if a.auto || new.contains(&a.prefix) {
                self.list.push(*a);
            }
        }
        for p in new {
            let known = self.list.iter().any(|a| a.prefix.addr() == p.addr());
            if !known {
                self.push(*p, false, now, cfg, out);
            }
        }
    }

    /// The configured (not automatic) addresses.
    pub(crate) fn configured(&self) -> Vec<IpPrefix> {
        self.list
            .iter()
            .filter(|a| !a.auto)
            .map(|a| a.prefix)
            .collect()
    }

    /// Every address with its state.
    pub(crate) fn states(&self) -> Vec<(IpPrefix, AddrState)> {
        self.list.iter().map(|a| (a.prefix, a.state)).collect()
    }

    pub(crate) fn state(&self, ip: IpAddr) -> Option<AddrState> {
        self.list
            .iter()
            .find(|a| a.prefix.addr() == ip)
            .map(|a| a.state)
    }

    /// True when `ip` is ours and in use.
    pub(crate) fn is_usable(&self, ip: IpAddr) -> bool {
        self.state(ip) == Some(AddrState::Preferred)
    }

    /// DAD found `ip` in use elsewhere; `true` if it was tentative.
    pub(crate) fn mark_duplicate(&mut self, ip: IpAddr) -> bool {
        match self
            .list
            .iter_mut()
            .find(|a| a.prefix.addr() == ip && a.state == AddrState::Tentative)
        {
            Some(a) => {
                a.state = AddrState::Duplicate;
                true
            }
            None => false,
        }
    }

    /// True when `dst` is inside one of our usable prefixes (on-link).
    pub(crate) fn on_link(&self, dst: IpAddr) -> bool {
        self.list
            .iter()
            .any(|a| a.state == AddrState::Preferred && a.prefix.contains(dst))
    }

    /// True when `dst` is the directed broadcast of one of our IPv4 prefixes.
    pub(crate) fn is_broadcast(&self, dst: IpAddr) -> bool {
        let IpAddr::V4(d) = dst else { return false };
        self.list
            .iter()
            .any(|a| a.prefix.len() < 31 && a.prefix.broadcast() == Some(d))
    }

    /// Our source address for talking to `dst` on the link: a usable address
    /// whose prefix holds `dst`, else the link-local (v6) or first usable one of
    /// the same family.
    pub(crate) fn source_for(&self, dst: IpAddr) -> Option<IpAddr> {
        let usable = || {
            self.list
                .iter()
                .filter(|a| a.state == AddrState::Preferred && a.prefix.is_ipv4() == dst.is_ipv4())
        };
        usable()
            .find(|a| a.prefix.contains(dst))
            .or_else(|| usable().find(|a| a.auto))
            .or_else(|| usable().next())
            .map(|a| a.prefix.addr())
    }

    /// Runs DAD timers due at `now`.
    pub(crate) fn tick(&mut self, now: Instant, cfg: &L2AdapterConfig, out: &mut Vec<AddrEvent>) {
        for a in &mut self.list {
            if a.state != AddrState::Tentative || now < a.deadline {
                continue;
            }
            let IpAddr::V6(v6) = a.prefix.addr() else {
                continue;
            };
            if a.dad_sent < cfg.dad_transmits {
                a.dad_sent += 1;
                a.deadline = now + cfg.retrans_timer;
                out.push(AddrEvent::DadProbe(v6));
            } else {
                a.state = AddrState::Preferred;
                out.push(AddrEvent::Announce(IpAddr::V6(v6)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eui64_link_local_matches_rfc4291() {
        // RFC 4291 appendix A: 00:00:5e:00:53:01 (RFC 7042 doc MAC) -> fe80::200:5eff:fe00:5301
        let ll = link_local(MacAddr::new(0x00, 0x00, 0x5e, 0x00, 0x53, 0x01));
        assert_eq!(ll, "fe80::200:5eff:fe00:5301".parse::<Ipv6Addr>().unwrap());
    }

    #[test]
    fn dad_walk_and_source_selection() {
        let cfg = L2AdapterConfig::default();
        let t0 = Instant::now();
        let mut a = OwnAddrs::default();
        let mut ev = Vec::new();
        let v4: IpPrefix = "10.0.0.2/24".parse().unwrap();
        let v6: IpPrefix = "fd00::2/64".parse().unwrap();
        a.set(&[v4, v6], t0, &cfg, &mut ev);
        assert_eq!(
            ev,
            vec![
                AddrEvent::Announce(v4.addr()),
                AddrEvent::DadProbe("fd00::2".parse().unwrap())
            ]
        );
        assert!(a.is_usable(v4.addr()));
        assert!(!a.is_usable(v6.addr()));
        assert_eq!(a.source_for("fd00::9".parse().unwrap()), None);
        ev.clear();
        a.tick(t0 + cfg.retrans_timer, &cfg, &mut ev);
        assert_eq!(ev, vec![AddrEvent::Announce(v6.addr())]);
        assert_eq!(a.source_for("fd00::9".parse().unwrap()), Some(v6.addr()));
        assert_eq!(a.source_for("10.0.0.9".parse().unwrap()), Some(v4.addr()));
        assert!(a.is_broadcast("10.0.0.255".parse().unwrap()));
        assert!(!a.mark_duplicate(v6.addr()), "only tentative addresses");
    }
}
