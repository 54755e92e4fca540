//! [`MacTable`]: the lock-free, bounded (VID, MAC) → port table of an [`L2Hub`](crate::L2Hub).
//!
//! A fixed array of buckets of [`WAYS`] slots (set-associative, like a CPU
//! cache). Each slot is two atomics: the key (`1 << 63 | vid << 48 | mac`) and
//! the value (port id in the top 24 bits, last-seen milliseconds in the low 40).
//! Readers load key, value, key again, so they never pair a key with another
//! key's value; writers claim a slot by CAS on the value. Nothing here blocks.
//!
//! Every change of an entry's port or presence (new, moved, removed, evicted)
//! bumps a [generation](MacTable::generation) after the change, so a caller
//! that remembers a decision together with the generation it read *before*
//! consulting the table knows the decision still holds while the generation
//! is unchanged (ageing aside: it also remembers the last-seen times).
//!
//! Bounds: at most `capacity` live entries overall, enforced exactly by a FIFO
//! of insertions (the oldest insertion is evicted first); a full bucket evicts
//! its least recently seen slot. Per-port FIFOs (kept by the hub) bound each port.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_queue::ArrayQueue;
use crossbeam_utils::CachePadded;
use pktkit_wire::MacAddr;

/// Slots per bucket.
pub(crate) const WAYS: usize = 8;
/// Value of a free slot.
const FREE: u64 = u64::MAX;
/// Value of a slot being written.
const BUSY: u64 = u64::MAX - 1;
const TIME_BITS: u32 = 40;
const TIME_MASK: u64 = (1 << TIME_BITS) - 1;

#[inline]
pub(crate) fn key_of(vid: u16, mac: MacAddr) -> u64 {
    key_of_raw(vid, mac.to_u64())
}

/// [`key_of`] for a MAC already in the low 48 bits of a `u64`.
#[inline]
pub(crate) fn key_of_raw(vid: u16, mac: u64) -> u64 {
    1 << 63 | (vid as u64 & 0x0fff) << 48 | (mac & 0xffff_ffff_ffff)
}

#[inline]
fn pack(port: u32, ms: u64) -> u64 {
    (port as u64) << TIME_BITS | (ms & TIME_MASK)
}

#[inline]
fn port_of(v: u64) -> u32 {
    (v >> TIME_BITS) as u32
}

#[inline]
fn time_of(v: u64) -> u64 {
    v & TIME_MASK
}

#[derive(Default)]
struct Slot {
    key: AtomicU64,
    value: AtomicU64,
}

/// What [`MacTable::learn`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Learned {
    /// Already known on this port and fresh (last seen at `seen`): nothing written.
    Known {
        /// The entry's last-seen time (ms).
        seen: u64,
    },
    /// Known on this port; last-seen refreshed.
    Refreshed,
    /// Known on another port; moved (the old port id is given).
    Moved(u32),
    /// A new entry.
    New,
    /// Another writer changed the entry at the same moment; left as it is.
    Raced,
    /// Could not be stored (every slot of its bucket busy).
    Refused,
}

/// See the [module docs](self).
pub(crate) struct MacTable {
    slots: Box<[Slot]>,
    bucket_mask: usize,
    seed: u64,
    fifo: ArrayQueue<u64>,
    refresh_ms: u64,
    /// Bumped after every change of an entry's port or presence.
    generation: CachePadded<AtomicU64>,
}

impl MacTable {
    /// A table for at most `capacity` entries (at least 1).
    pub(crate) fn new(capacity: usize, refresh_ms: u64) -> Self {
        let capacity = capacity.max(1);
        // Twice the slots the bound needs, so buckets rarely fill up.
        let buckets = (capacity * 2).div_ceil(WAYS).next_power_of_two();
        let slots: Box<[Slot]> = (0..buckets * WAYS)
            .map(|_| Slot {
                key: AtomicU64::new(0),
                value: AtomicU64::new(FREE),
            })
            .collect();
        let seed = RandomState::new().hash_one(0x5eed_u64) | 1;
        MacTable {
            slots,
            bucket_mask: buckets - 1,
            seed,
            fifo: ArrayQueue::new(capacity),
            refresh_ms,
            generation: CachePadded::new(AtomicU64::new(1)),
        }
    }

    /// The current generation (see the module docs). Read it before
    /// consulting the table for a decision to remember.
    #[inline]
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks a change made just before.
    #[inline]
    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// How long a known entry goes without a last-seen rewrite (ms).
    #[inline]
    pub(crate) fn refresh_ms(&self) -> u64 {
        self.refresh_ms
    }

    /// The bound on live entries.
    pub(crate) fn capacity(&self) -> usize {
        self.fifo.capacity()
    }

    #[inline]
    fn bucket(&self, key: u64) -> &[Slot] {
        let h = (key ^ self.seed).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let b = (h >> 32) as usize & self.bucket_mask;
        &self.slots[b * WAYS..(b + 1) * WAYS]
    }

    /// The port of `key` and its last-seen time, if present and seen within
    /// `max_age_ms` of `now_ms`.
    #[inline]
    pub(crate) fn lookup(&self, key: u64, now_ms: u64, max_age_ms: u64) -> Option<(u32, u64)> {
        for s in self.bucket(key) {
            if s.key.load(Ordering::Acquire) != key {
                continue;
            }
            let v = s.value.load(Ordering::Acquire);
            if v >= BUSY || s.key.load(Ordering::Acquire) != key {
                continue;
            }
            if now_ms.saturating_sub(time_of(v)) > max_age_ms {
                return None;
            }
            return Some((port_of(v), time_of(v)));
        }
        None
    }

    /// Records that `key` was seen on `port` at `now_ms`. Entries older than
    /// `max_age_ms` count as free. `on_evict(key, port)` is told about every
    /// live entry this removes to make room.
    #[inline(always)]
    pub(crate) fn learn(
        &self,
        key: u64,
        port: u32,
        now_ms: u64,
        max_age_ms: u64,
        on_evict: &mut dyn FnMut(u64, u32),
    ) -> Learned {
        let bucket = self.bucket(key);
        for s in bucket {
            if s.key.load(Ordering::Acquire) != key {
                continue;
            }
            let v = s.value.load(Ordering::Acquire);
            if v >= BUSY || s.key.load(Ordering::Acquire) != key {
                continue;
            }
            let old_port = port_of(v);
            if old_port == port {
                if now_ms.saturating_sub(time_of(v)) < self.refresh_ms {
                    return Learned::Known { seen: time_of(v) };
                }
                // A lost race means another thread refreshed it: fine either way.
                let _ = s.value.compare_exchange(
                    v,
                    pack(port, now_ms),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                );
                return Learned::Refreshed;
            }
            if s.value
                .compare_exchange(v, pack(port, now_ms), Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                self.changed();
                return Learned::Moved(old_port);
            }
            return Learned::Raced;
        }
        self.insert_new(bucket, key, port, now_ms, max_age_ms, on_evict)
    }

    #[cold]
    fn insert_new(
        &self,
        bucket: &[Slot],
        key: u64,
        port: u32,
        now_ms: u64,
        max_age_ms: u64,
        on_evict: &mut dyn FnMut(u64, u32),
    ) -> Learned {
        // Keep the global bound: every live entry has a record in the FIFO.
        while let Err(k) = self.fifo.push(key) {
            let _ = k;
            if let Some(old) = self.fifo.pop()
                && let Some(p) = self.remove(old, None)
            {
                on_evict(old, p);
            }
        }
        for _attempt in 0..WAYS {
            // Prefer a free slot, then an expired one, then the least recently seen.
            let mut victim: Option<(&Slot, u64)> = None;
            for s in bucket {
                let v = s.value.load(Ordering::Acquire);
                if v == BUSY {
                    continue;
                }
                let rank = if v == FREE {
                    0
                } else if now_ms.saturating_sub(time_of(v)) > max_age_ms {
                    1
                } else {
                    2 + time_of(v)
                };
                if victim.is_none_or(|(_, r)| rank < r) {
                    victim = Some((s, rank));
                }
            }
            let Some((s, _)) = victim else {
                return Learned::Refused;
            };
            let v = s.value.load(Ordering::Acquire);
            if v == BUSY
                || s.value
                    .compare_exchange(v, BUSY, Ordering::AcqRel, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            if v != FREE {
                on_evict(s.key.load(Ordering::Relaxed), port_of(v));
            }
            s.key.store(key, Ordering::Release);
            s.value.store(pack(port, now_ms), Ordering::Release);
            self.changed();
            return Learned::New;
        }
        Learned::Refused
    }

    /// Removes `key` (only if on `port`, when given); returns the port it had.
    pub(crate) fn remove(&self, key: u64, port: Option<u32>) -> Option<u32> {
        for s in self.bucket(key) {
            if s.key.load(Ordering::Acquire) != key {
                continue;
            }
            let v = s.value.load(Ordering::Acquire);
            if v >= BUSY || s.key.load(Ordering::Acquire) != key {
                continue;
            }
            if port.is_some_and(|p| p != port_of(v)) {
                continue;
            }
            if s.value
                .compare_exchange(v, FREE, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                self.changed();
                return Some(port_of(v));
            }
        }
        None
    }

    /// Frees every entry matching `pred(key, port, last_seen_ms)`; returns how many.
    pub(crate) fn retain_not(&self, mut pred: impl FnMut(u64, u32, u64) -> bool) -> usize {
        let mut n = 0;
        for s in self.slots.iter() {
            let v = s.value.load(Ordering::Acquire);
            if v >= BUSY {
                continue;
            }
            let k = s.key.load(Ordering::Acquire);
            if pred(k, port_of(v), time_of(v))
                && s.value
                    .compare_exchange(v, FREE, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
            {
                n += 1;
            }
        }
        if n > 0 {
            self.changed();
        }
        n
    }

    /// Live entries (a scan; for stats and tests).
    pub(crate) fn len(&self, now_ms: u64, max_age_ms: u64) -> usize {
        self.slots
            .iter()
            .filter(|s| {
                let v = s.value.load(Ordering::Acquire);
                v < BUSY && now_ms.saturating_sub(time_of(v)) <= max_age_ms
            })
            .count()
    }

    /// `(vid, mac, port, last_seen_ms)` of every live entry.
    pub(crate) fn entries(&self) -> Vec<(u16, MacAddr, u32, u64)> {
        self.slots
            .iter()
            .filter_map(|s| {
                let v = s.value.load(Ordering::Acquire);
                let k = s.key.load(Ordering::Acquire);
                (v < BUSY).then(|| {
                    (
                        ((k >> 48) & 0x0fff) as u16,
                        MacAddr::from_u64(k),
                        port_of(v),
                        time_of(v),
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(n: u64) -> MacAddr {
        MacAddr::from_u64(0x0200_0000_0000 | n)
    }

    #[test]
    fn learn_lookup_move_and_age() {
        let t = MacTable::new(64, 1000);
        let k = key_of(10, mac(1));
        let mut ev = |_, _| panic!("nothing to evict");
        let g0 = t.generation();
        assert_eq!(t.learn(k, 3, 0, 300_000, &mut ev), Learned::New);
        let g1 = t.generation();
        assert!(g1 > g0, "a new entry is a change");
        assert_eq!(t.lookup(k, 10, 300_000), Some((3, 0)));
        assert_eq!(
            t.lookup(key_of(11, mac(1)), 10, 300_000),
            None,
            "other VLAN"
        );
        assert_eq!(
            t.learn(k, 3, 500, 300_000, &mut ev),
            Learned::Known { seen: 0 }
        );
        assert_eq!(t.learn(k, 3, 1500, 300_000, &mut ev), Learned::Refreshed);
        assert_eq!(t.lookup(k, 1500, 300_000), Some((3, 1500)));
        assert_eq!(t.generation(), g1, "known and refreshed change no port");
        assert_eq!(t.learn(k, 4, 1600, 300_000, &mut ev), Learned::Moved(3));
        let g2 = t.generation();
        assert!(g2 > g1, "a move is a change");
        assert_eq!(t.lookup(k, 1600 + 300_000, 300_000), Some((4, 1600)));
        assert_eq!(t.lookup(k, 1601 + 300_000, 300_000), None, "aged out");
        assert_eq!(t.remove(k, Some(3)), None);
        assert_eq!(t.generation(), g2, "nothing removed");
        assert_eq!(t.remove(k, Some(4)), Some(4));
        assert!(t.generation() > g2, "a removal is a change");
        assert_eq!(t.lookup(k, 1600, 300_000), None);
        t.learn(k, 4, 1700, 300_000, &mut ev);
        let g3 = t.generation();
        assert_eq!(t.retain_not(|_, p, _| p == 9), 0);
        assert_eq!(t.generation(), g3, "nothing freed");
        assert_eq!(t.retain_not(|_, p, _| p == 4), 1);
        assert!(t.generation() > g3, "a freed entry is a change");
    }

    #[test]
    fn global_bound_evicts_oldest_insertion_first() {
        let t = MacTable::new(100, 1000);
        let mut evicted = Vec::new();
        for i in 0..150u64 {
            t.learn(key_of(1, mac(i)), 1, i, u64::MAX, &mut |k, _| {
                evicted.push(k)
            });
        }
        assert!(t.len(150, u64::MAX) <= 100);
        // Bucket conflicts may evict a few early, but the first 50 insertions are gone
        // and the last 100 are (nearly all) present.
        for i in 0..50 {
            assert_eq!(t.lookup(key_of(1, mac(i)), 150, u64::MAX), None, "{i}");
        }
        let present = (50..150)
            .filter(|i| t.lookup(key_of(1, mac(*i)), 150, u64::MAX).is_some())
            .count();
        assert!(present >= 95, "{present}");
        assert_eq!(evicted.len(), 150 - t.len(150, u64::MAX));
    }
}
