//! [`PendingQueue`]: IP packets held while their next hop is being resolved.
//!
//! Bounded per neighbour and in total; a packet beyond either bound is
//! refused (the caller drops and counts it). Not a general packet buffer: it
//! only holds copies keyed by next-hop address until ARP/NDP answers or fails.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Packets waiting for resolution, keyed by next hop.
#[derive(Debug)]
pub(crate) struct PendingQueue {
    by_hop: HashMap<IpAddr, VecDeque<Vec<u8>>>,
    total: usize,
    per_hop: usize,
    max_total: usize,
}

impl PendingQueue {
    pub(crate) fn new(per_hop: usize, max_total: usize) -> Self {
        PendingQueue {
            by_hop: HashMap::new(),
            total: 0,
            per_hop,
            max_total,
        }
    }

    /// Queues a copy of `packet` for `hop`; `false` (nothing queued) beyond a bound.
    pub(crate) fn push(&mut self, hop: IpAddr, packet: &[u8]) -> bool {
        if self.total >= self.max_total {
            return false;
        }
        let q = self.by_hop.entry(hop).or_default();
        if q.len() >= self.per_hop {
            if q.is_empty() {
                self.by_hop.remove(&hop);
            }
            return false;
        }
        q.push_back(packet.to_vec());
        self.total += 1;
        true
    }

    /// Takes every packet waiting for `hop`, oldest first.
    pub(crate) fn take(&mut self, hop: IpAddr) -> VecDeque<Vec<u8>> {
        let q = self.by_hop.remove(&hop).unwrap_or_default();
        self.total -= q.len();
        q
    }

    /// Whether anything waits for `hop`.
    pub(crate) fn has(&self, hop: IpAddr) -> bool {
        self.by_hop.contains_key(&hop)
    }

    /// Packets waiting over all hops.
    pub(crate) fn len(&self) -> usize {
        self.total
    }

    /// Each next hop with packets waiting, and how many (for invariant checks).
    pub(crate) fn hops(&self) -> impl Iterator<Item = (IpAddr, usize)> + '_ {
        self.by_hop.iter().map(|(hop, q)| (*hop, q.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_per_hop_and_total() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        let mut q = PendingQueue::new(2, 3);
        assert!(q.push(a, &[1]));
        assert!(q.push(a, &[2]));
        assert!(!q.push(a, &[3]), "per-hop bound");
        assert!(q.push(b, &[4]));
        assert!(!q.push(c, &[5]), "total bound");
        assert!(!q.has(c));
        assert_eq!(q.len(), 3);
        let got: Vec<_> = q.take(a).into_iter().collect();
        assert_eq!(got, vec![vec![1], vec![2]]);
        assert_eq!(q.len(), 1);
        assert!(q.take(a).is_empty());
        assert!(q.push(c, &[6]));
    }
}
