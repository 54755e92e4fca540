//! [`NeighborCache`]: IP address → MAC with RFC 4861 §7.3 reachability states,
//! shared by ARP (IPv4) and NDP (IPv6).
//!
//! States are RFC 4861's INCOMPLETE / REACHABLE / STALE / DELAY / PROBE, plus
//! FAILED: a next hop that did not answer is remembered for
//! [`failed_hold`](crate::L2AdapterConfig::failed_hold) so that new packets get
//! ICMP unreachable at once instead of restarting resolution (Linux keeps
//! FAILED entries the same way). IPv4 entries follow the same machine (as
//! Linux does for ARP); RFC 826 has none. Two simplifications: timers run
//! only when [`crate::L2Adapter::tick`] is called, and the reachable time is
//! the configured one (not randomised, not taken from RAs).
//!
//! The cache is bounded: a new entry at the bound evicts first a FAILED one,
//! then the least recently updated STALE/REACHABLE/DELAY/PROBE one, and only
//! then the oldest INCOMPLETE one. Not here: what packets wait for an entry
//! ([`super::pending_queue`]), or sending the solicitations (the caller gets
//! [`TimerAction`]s).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use pktkit_wire::MacAddr;

use super::config::L2AdapterConfig;

/// Reachability state of a neighbour (RFC 4861 §7.3.2, plus FAILED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeighborState {
    /// Resolution under way; no MAC yet.
    Incomplete,
    /// Confirmed recently (a solicited answer).
    Reachable,
    /// MAC known, reachability unconfirmed; used as is.
    Stale,
    /// Used while STALE; probing starts soon unless confirmed.
    Delay,
    /// Being probed with unicast solicitations.
    Probe,
    /// Did not answer; new packets are refused for a while.
    Failed,
}

/// A neighbour-cache entry as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Neighbor {
    /// The MAC, once known.
    pub mac: Option<MacAddr>,
    /// Reachability state.
    pub state: NeighborState,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    mac: MacAddr,
    state: NeighborState,
    /// Last time the entry was created or its MAC/state updated by the network.
    updated: Instant,
    /// When the entry's timer fires (meaning depends on `state`).
    deadline: Instant,
    /// Solicitations sent in INCOMPLETE / PROBE.
    probes: u32,
}

/// What a send to a next hop should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Send to this MAC now.
    Ready(MacAddr),
    /// Queue the packet; `solicit` says a first solicitation must go out now.
    /// `evicted` names an entry removed to make room (its queue must go).
    Pending {
        solicit: bool,
        evicted: Option<IpAddr>,
    },
    /// Resolution failed recently.
    Failed,
}

/// What a timer did; the caller sends or fails accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerAction {
    /// Send a solicitation: multicast/broadcast (`None`) or unicast to the MAC.
    Solicit(IpAddr, Option<MacAddr>),
    /// Resolution of an INCOMPLETE entry failed: fail its queued packets.
    Failed(IpAddr),
}

/// What learning from a packet changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Learned {
    /// The entry went from INCOMPLETE to having a MAC: flush its queue.
    pub(crate) resolved: bool,
    /// An entry was evicted to make room for a new one.
    pub(crate) evicted: Option<IpAddr>,
}

/// The bounded neighbour cache.
#[derive(Debug)]
pub(crate) struct NeighborCache {
    map: HashMap<IpAddr, Entry>,
    max: usize,
}

impl NeighborCache {
    pub(crate) fn new(max: usize) -> Self {
        NeighborCache {
            map: HashMap::new(),
            max: max.max(1),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn get(&self, ip: IpAddr) -> Option<Neighbor> {
        self.map.get(&ip).map(|e| Neighbor {
            mac: (!matches!(e.state, NeighborState::Incomplete | NeighborState::Failed))
                .then_some(e.mac),
            state: e.state,
        })
    }

    pub(crate) fn all(&self) -> Vec<(IpAddr, Neighbor)> {
        let mut v: Vec<_> = self
            .map
            .keys()
            .filter_map(|ip| self.get(*ip).map(|n| (*ip, n)))
            .collect();
        v.sort_by_key(|(ip, _)| *ip);
        v
    }

    /// Removes `ip`'s entry (e.g. an address that became ours).
    pub(crate) fn remove(&mut self, ip: IpAddr) {
        self.map.remove(&ip);
    }

    /// Makes room for one more entry; returns the evicted address.
    fn make_room(&mut self) -> Option<IpAddr> {
        if self.map.len() < self.max {
            return None;
        }
        let rank = |e: &Entry| match e.state {
            NeighborState::Failed => 0u8,
            NeighborState::Incomplete => 2,
            _ => 1,
        };
        let victim = self
            .map
            .iter()
            .min_by_key(|(_, e)| (rank(e), e.updated))
            .map(|(ip, _)| *ip)?;
        self.map.remove(&victim);
        Some(victim)
    }

    /// The next hop `ip` is about to be sent to (RFC 4861 §7.3.3 "sending").
    pub(crate) fn lookup_for_send(
        &mut self,
        ip: IpAddr,
        now: Instant,
        cfg: &L2AdapterConfig,
    ) -> Lookup {
        if let Some(e) = self.map.get_mut(&ip) {
            match e.state {
                NeighborState::Reachable | NeighborState::Delay | NeighborState::Probe => {
                    return Lookup::Ready(e.mac);
                }
                NeighborState::Stale => {
                    e.state = NeighborState::Delay;
                    e.deadline = now + cfg.delay_first_probe;
                    return Lookup::Ready(e.mac);
                }
                NeighborState::Incomplete => {
                    return Lookup::Pending {
                        solicit: false,
                        evicted: None,
                    };
                }
                NeighborState::Failed if now < e.deadline => return Lookup::Failed,
                NeighborState::Failed => {
                    self.map.remove(&ip);
                }
            }
        }
        let evicted = self.make_room();
        self.map.insert(
            ip,
            Entry {
                mac: MacAddr::ZERO,
                state: NeighborState::Incomplete,
                updated: now,
                deadline: now + cfg.retrans_timer,
                probes: 1,
            },
        );
        Lookup::Pending {
            solicit: true,
            evicted,
        }
    }

    /// A packet from `ip` told us its MAC without confirming reachability: an
    /// ARP request or gratuitous ARP, an NS / RS / RA source link-layer
    /// option (RFC 4861 §7.2.3, §6.3.4). Creates a STALE entry only if
    /// `create`.
    pub(crate) fn learn(
        &mut self,
        ip: IpAddr,
        mac: MacAddr,
        now: Instant,
        create: bool,
    ) -> Learned {
        if let Some(e) = self.map.get_mut(&ip) {
            let was_incomplete = matches!(e.state, NeighborState::Incomplete);
            if was_incomplete || e.state == NeighborState::Failed || e.mac != mac {
                e.mac = mac;
                e.state = NeighborState::Stale;
                e.updated = now;
                e.probes = 0;
            }
            return Learned {
                resolved: was_incomplete,
                evicted: None,
            };
        }
        if !create {
            return Learned::default();
        }
        let evicted = self.make_room();
        self.map.insert(
            ip,
            Entry {
                mac,
                state: NeighborState::Stale,
                updated: now,
                deadline: now,
                probes: 0,
            },
        );
        Learned {
            resolved: false,
            evicted,
        }
    }

    /// A Neighbor Advertisement (or an ARP reply: solicited, override) about
    /// `ip` (RFC 4861 §7.2.5). Entries are never created here.
    pub(crate) fn advertised(
        &mut self,
        ip: IpAddr,
        mac: Option<MacAddr>,
        solicited: bool,
        override_: bool,
        now: Instant,
        cfg: &L2AdapterConfig,
    ) -> Learned {
        let Some(e) = self.map.get_mut(&ip) else {
            return Learned::default();
        };
        let reachable = |e: &mut Entry| {
            e.state = NeighborState::Reachable;
            e.deadline = now + cfg.reachable_time;
            e.updated = now;
            e.probes = 0;
        };
        match e.state {
            NeighborState::Incomplete | NeighborState::Failed => {
                let Some(mac) = mac else {
                    return Learned::default();
                };
                let was_incomplete = e.state == NeighborState::Incomplete;
                e.mac = mac;
                if solicited {
                    reachable(e);
                } else {
                    e.state = NeighborState::Stale;
                    e.updated = now;
                    e.probes = 0;
                }
                Learned {
                    resolved: was_incomplete,
                    evicted: None,
                }
            }
            _ => {
                let differs = mac.is_some_and(|m| m != e.mac);
                if !override_ && differs {
                    if e.state == NeighborState::Reachable {
                        e.state = NeighborState::Stale;
                        e.updated = now;
                    }
                    return Learned::default();
                }
                if let Some(m) = mac {
                    e.mac = m;
                }
                if solicited {
                    reachable(e);
                } else if differs {
                    e.state = NeighborState::Stale;
                    e.updated = now;
                }
                Learned::default()
            }
        }
    }

    /// Runs the timers due at `now`, pushing what must be sent or failed.
    pub(crate) fn tick(&mut self, now: Instant, cfg: &L2AdapterConfig, out: &mut Vec<TimerAction>) {
        let mut gone = Vec::new();
        for (ip, e) in self.map.iter_mut() {
            match e.state {
                NeighborState::Incomplete if now >= e.deadline => {
                    if e.probes >= cfg.max_probes {
                        e.state = NeighborState::Failed;
                        e.deadline = now + cfg.failed_hold;
                        e.updated = now;
                        out.push(TimerAction::Failed(*ip));
                    } else {
                        e.probes += 1;
                        e.deadline = now + cfg.retrans_timer;
                        out.push(TimerAction::Solicit(*ip, None));
                    }
                }
                NeighborState::Reachable if now >= e.deadline => {
                    e.state = NeighborState::Stale;
                    e.updated = now;
                }
                NeighborState::Stale if now >= e.updated + cfg.stale_timeout => gone.push(*ip),
                NeighborState::Delay if now >= e.deadline => {
                    e.state = NeighborState::Probe;
                    e.probes = 1;
                    e.deadline = now + cfg.retrans_timer;
                    out.push(TimerAction::Solicit(*ip, Some(e.mac)));
                }
                NeighborState::Probe if now >= e.deadline => {
                    if e.probes >= cfg.max_probes {
                        gone.push(*ip);
                    } else {
                        e.probes += 1;
                        e.deadline = now + cfg.retrans_timer;
                        out.push(TimerAction::Solicit(*ip, Some(e.mac)));
                    }
                }
                NeighborState::Failed if now >= e.deadline => gone.push(*ip),
                _ => {}
            }
        }
        for ip in gone {
            self.map.remove(&ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }
    fn mac(n: u8) -> MacAddr {
        MacAddr::new(2, 0, 0, 0, 0, n)
    }

    #[test]
    fn rfc4861_state_walk() {
        let cfg = L2AdapterConfig::default();
        let t0 = Instant::now();
        let mut c = NeighborCache::new(8);
        assert_eq!(
            c.lookup_for_send(ip(1), t0, &cfg),
            Lookup::Pending {
                solicit: true,
                evicted: None
            }
        );
        assert_eq!(
            c.lookup_for_send(ip(1), t0, &cfg),
            Lookup::Pending {
                solicit: false,
                evicted: None
            }
        );
        let l = c.advertised(ip(1), Some(mac(1)), true, true, t0, &cfg);
        assert!(l.resolved);
        assert_eq!(c.get(ip(1)).unwrap().state, NeighborState::Reachable);
        let mut out = Vec::new();
        let t1 = t0 + cfg.reachable_time;
        c.tick(t1, &cfg, &mut out);
        assert_eq!(c.get(ip(1)).unwrap().state, NeighborState::Stale);
        assert_eq!(c.lookup_for_send(ip(1), t1, &cfg), Lookup::Ready(mac(1)));
        assert_eq!(c.get(ip(1)).unwrap().state, NeighborState::Delay);
        let t2 = t1 + cfg.delay_first_probe;
        c.tick(t2, &cfg, &mut out);
        assert_eq!(out, vec![TimerAction::Solicit(ip(1), Some(mac(1)))]);
        assert_eq!(c.get(ip(1)).unwrap().state, NeighborState::Probe);
        // Unanswered probes: the entry goes.
        let mut t = t2;
        for _ in 0..cfg.max_probes {
            t += cfg.retrans_timer;
            c.tick(t, &cfg, &mut out);
        }
        assert_eq!(c.get(ip(1)), None);
        // A differing MAC without override only demotes a REACHABLE entry.
        c.learn(ip(2), mac(2), t, true);
        c.advertised(ip(2), Some(mac(2)), true, false, t, &cfg);
        c.advertised(ip(2), Some(mac(3)), false, false, t, &cfg);
        assert_eq!(
            c.get(ip(2)),
            Some(Neighbor {
                mac: Some(mac(2)),
                state: NeighborState::Stale
            })
        );
        c.advertised(
            ip(2),
            Some(mac(3)),
            false,
            true,
            t + Duration::from_secs(1),
            &cfg,
        );
        assert_eq!(c.get(ip(2)).unwrap().mac, Some(mac(3)));
    }

    #[test]
    fn eviction_prefers_failed_then_oldest_resolved() {
        let cfg = L2AdapterConfig::default();
        let t0 = Instant::now();
        let mut c = NeighborCache::new(2);
        c.lookup_for_send(ip(1), t0, &cfg); // incomplete
        c.learn(ip(2), mac(2), t0 + Duration::from_secs(1), true);
        let l = c.learn(ip(3), mac(3), t0 + Duration::from_secs(2), true);
        assert_eq!(
            l.evicted,
            Some(ip(2)),
            "a resolved entry goes before an incomplete one"
        );
        assert_eq!(c.len(), 2);
        assert!(c.get(ip(1)).is_some());
    }
}
