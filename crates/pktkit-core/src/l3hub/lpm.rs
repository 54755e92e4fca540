//! [`Lpm`]: a compiled, immutable longest-prefix-match table (a multibit trie
//! with compressed sparse nodes).
//!
//! The first 16 address bits index a 65 536-entry root array, each further
//! byte one node (strides 16-8-8 for IPv4, 16-8-…-8 for IPv6). An entry is
//! a next hop or a reference to a child node. Routes are expanded into the
//! nodes when built (longer prefixes overwrite shorter ones), so a lookup is
//! at most 3 (IPv4) or 15 (IPv6) dependent steps and no comparisons.
//!
//! A node comes in two forms. Dense: 256 entries, one array read per step;
//! used where many distinct entries meet (a /16 cut into many /24s).
//! Sparse (as in Poptrie, Asai & Ohara, SIGCOMM 2015): two 256-bit maps,
//! one marking the slots that hold a child and one marking where a run of
//! equal next hops begins, with the children and the runs stored
//! contiguously elsewhere; a step is a bit test and a population count. A
//! sparse node takes 80 bytes plus 4 per child and per run instead of 1 KiB,
//! which keeps scattered routes (random IPv6 /48s, host routes) small: 100 000
//! random IPv6 routes of /32–/64 take tens of MiB, not hundreds.
//!
//! Built once per routing change and swapped in whole; a build costs
//! O(routes × address bytes + nodes × 256), a lookup O(address length / 8).

/// An entry with this bit refers to a node; without it, it is a next hop (0 = none).
const CHILD: u32 = 1 << 31;
/// With [`CHILD`]: the node is dense (an index into `dense`), else sparse.
const DENSE: u32 = 1 << 30;
const INDEX: u32 = DENSE - 1;
const ROOT_BITS: u32 = 16;
const NODE: usize = 256;
/// A node with at least this many runs + children is stored dense.
const DENSE_FROM: usize = 64;

/// A sparse node: see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
struct Sparse {
    /// Bit `i` (word `i / 64`): slot `i` holds a child.
    child: [u64; 4],
    /// Bit `i`: slot `i` holds a next hop that starts a run (slot `i - 1` is a
    /// child or holds another hop).
    run: [u64; 4],
    /// Index in `refs` of the first child.
    child_base: u32,
    /// Index in `runs` of the first run.
    run_base: u32,
    /// Children in the words before word `w`.
    child_before: [u8; 4],
    /// Runs starting in the words before word `w`.
    run_before: [u8; 4],
}

impl Sparse {
    /// The entry of slot `i` (< 256): a hop or a node reference.
    #[inline]
    fn entry(&self, i: usize, refs: &[u32], runs: &[u32]) -> u32 {
        let w = (i >> 6) & 3;
        let bit = 1u64 << (i & 63);
        let c = self.child[w];
        let at = if c & bit != 0 {
            let k = self.child_before[w] as usize + (c & (bit - 1)).count_ones() as usize;
            refs.get(self.child_base as usize + k)
        } else {
            // ≥ 1: the run holding slot `i` starts at or before `i`.
            let k = self.run_before[w] as usize
                + (self.run[w] & (bit | (bit - 1))).count_ones() as usize;
            runs.get((self.run_base as usize + k).wrapping_sub(1))
        };
        at.copied().unwrap_or(0)
    }
}

/// See the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct Lpm {
    root: Box<[u32]>,
    dense: Vec<u32>,
    sparse: Vec<Sparse>,
    /// Children of sparse nodes (entries with [`CHILD`]).
    refs: Vec<u32>,
    /// Run hops of sparse nodes.
    runs: Vec<u32>,
}

/// A route while building: address left-aligned to 128 bits, host bits clear.
type Route = (u128, u8, u32);

impl Lpm {
    /// Builds the table of an address family `width` bits wide (32 or 128) from
    /// `(address bits, prefix length, hop)` with 1 ≤ hop < 2³⁰. Later
    /// duplicates win.
    pub(crate) fn build(width: u32, routes: &[(u128, u8, u32)]) -> Lpm {
        Lpm::build_with(width, routes, DENSE_FROM)
    }

    /// [`Lpm::build`] storing nodes with at least `dense_from` runs + children dense.
    fn build_with(width: u32, routes: &[(u128, u8, u32)], dense_from: usize) -> Lpm {
        if routes.is_empty() {
            return Lpm::default();
        }
        let mut sorted: Vec<Route> = routes
            .iter()
            .map(|&(a, len, hop)| {
                let len = len.min(width as u8);
                let a = a << (128 - width);
                (a & mask(len as u32), len, hop & INDEX)
            })
            .collect();
        // By address, then length; equal prefixes keep their input order and
        // only the last one stays.
        sorted.sort_by_key(|r| (r.0, r.1));
        let mut routes: Vec<Route> = Vec::with_capacity(sorted.len());
        for r in sorted {
            match routes.last_mut() {
                Some(last) if (last.0, last.1) == (r.0, r.1) => *last = r,
                _ => routes.push(r),
            }
        }
        let mut lpm = Lpm {
            root: vec![0; 1 << ROOT_BITS].into_boxed_slice(),
            ..Lpm::default()
        };
        // Root slots: routes up to /16, shortest first so longer ones overwrite.
        let mut short: Vec<Route> = routes
            .iter()
            .copied()
            .filter(|r| r.1 as u32 <= ROOT_BITS)
            .collect();
        short.sort_by_key(|r| r.1);
        for (a, len, hop) in short {
            let first = (a >> (128 - ROOT_BITS)) as usize;
            let n = 1usize << (ROOT_BITS - len as u32);
            lpm.root[first..first + n].fill(hop);
        }
        // Children: the longer routes, grouped by their root slot.
        let long: Vec<Route> = routes
            .into_iter()
            .filter(|r| r.1 as u32 > ROOT_BITS)
            .collect();
        for group in long.chunk_by(|x, y| x.0 >> (128 - ROOT_BITS) == y.0 >> (128 - ROOT_BITS)) {
            let slot = (group[0].0 >> (128 - ROOT_BITS)) as usize;
            let inherited = lpm.root[slot];
            lpm.root[slot] = lpm.node(ROOT_BITS, group, inherited, dense_from);
        }
        lpm
    }

    /// Builds the node below a prefix of `base` bits: `routes` are longer than
    /// `base`, lie inside it and are sorted by address; `inherited` is the hop
    /// of the longest shorter route covering it. Returns the node's reference.
    fn node(&mut self, base: u32, routes: &[Route], inherited: u32, dense_from: usize) -> u32 {
        let slot_of = |a: u128| ((a >> (128 - base - 8)) & 0xff) as usize;
        let mut slots = [inherited; NODE];
        let mut here: Vec<Route> = routes
            .iter()
            .copied()
            .filter(|r| r.1 as u32 <= base + 8)
            .collect();
        here.sort_by_key(|r| r.1);
        for (a, len, hop) in here {
            let first = slot_of(a);
            slots[first..first + (1 << (base + 8 - len as u32))].fill(hop);
        }
        let deeper: Vec<Route> = routes
            .iter()
            .copied()
            .filter(|r| r.1 as u32 > base + 8)
            .collect();
        for group in deeper.chunk_by(|x, y| slot_of(x.0) == slot_of(y.0)) {
            let s = slot_of(group[0].0);
            slots[s] = self.node(base + 8, group, slots[s], dense_from);
        }
        let is_child = |e: u32| e & CHILD != 0;
        let children = slots.iter().filter(|&&e| is_child(e)).count();
        let runs = (0..NODE)
            .filter(|&i| {
                !is_child(slots[i])
                    && (i == 0 || is_child(slots[i - 1]) || slots[i - 1] != slots[i])
            })
            .count();
        if runs + children >= dense_from {
            let idx = self.dense.len() / NODE;
            self.dense.extend_from_slice(&slots);
            return CHILD | DENSE | idx as u32;
        }
        let mut n = Sparse {
            child_base: self.refs.len() as u32,
            run_base: self.runs.len() as u32,
            ..Sparse::default()
        };
        for (i, &e) in slots.iter().enumerate() {
            let (w, bit) = (i >> 6, 1u64 << (i & 63));
            if is_child(e) {
                n.child[w] |= bit;
                self.refs.push(e);
            } else if i == 0 || is_child(slots[i - 1]) || slots[i - 1] != e {
                n.run[w] |= bit;
                self.runs.push(e);
            }
        }
        for w in 1..4 {
            n.child_before[w] = n.child_before[w - 1] + n.child[w - 1].count_ones() as u8;
            n.run_before[w] = n.run_before[w - 1] + n.run[w - 1].count_ones() as u8;
        }
        self.sparse.push(n);
        CHILD | (self.sparse.len() - 1) as u32
    }

    /// One step down from node reference `e` by address byte `i`.
    #[inline]
    fn step(&self, e: u32, i: usize) -> u32 {
        let idx = (e & INDEX) as usize;
        if e & DENSE != 0 {
            self.dense.get(idx * NODE + i).copied().unwrap_or(0)
        } else {
            match self.sparse.get(idx) {
                Some(n) => n.entry(i, &self.refs, &self.runs),
                None => 0,
            }
        }
    }

    /// The hop of the longest prefix containing `a` (left-aligned to 128 bits), 0 if none.
    #[inline]
    pub(crate) fn lookup_aligned(&self, a: u128) -> u32 {
        let Some(&e) = self.root.get((a >> (128 - ROOT_BITS)) as usize) else {
            return 0;
        };
        let mut e = e;
        let mut shift = 128 - ROOT_BITS;
        while e & CHILD != 0 {
            let Some(s) = shift.checked_sub(8) else {
                return 0;
            };
            shift = s;
            e = self.step(e, ((a >> shift) & 0xff) as usize);
        }
        e
    }

    /// IPv4 lookup.
    #[inline]
    pub(crate) fn lookup_v4(&self, a: u32) -> u32 {
        let Some(&e) = self.root.get((a >> 16) as usize) else {
            return 0;
        };
        if e & CHILD == 0 {
            return e;
        }
        let e = self.step(e, ((a >> 8) & 0xff) as usize);
        if e & CHILD == 0 {
            return e;
        }
        let e = self.step(e, (a & 0xff) as usize);
        // A third level below the root does not exist for 32-bit routes.
        if e & CHILD == 0 { e } else { 0 }
    }

    /// Memory held, in bytes.
    pub(crate) fn memory(&self) -> usize {
        (self.root.len() + self.dense.len() + self.refs.len() + self.runs.len()) * 4
            + self.sparse.len() * std::mem::size_of::<Sparse>()
    }
}

/// The mask of a `len`-bit prefix, left-aligned to 128 bits.
fn mask(len: u32) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious linear longest-prefix match, as the reference.
    fn linear(width: u32, routes: &[(u128, u8, u32)], a: u128) -> u32 {
        let mut best: Option<(u8, u32)> = None;
        for &(p, len, hop) in routes {
            let sh = width - len as u32;
            let m = if len == 0 {
                true
            } else {
                (p >> sh) == (a >> sh)
            };
            if m && best.is_none_or(|(l, _)| len >= l) {
                best = Some((len, hop));
            }
        }
        best.map_or(0, |b| b.1)
    }

    fn rng(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// Random route set for family `width` (32/128): prefixes cluster under a
    /// few random roots so they nest, every length 0..=width may appear, some
    /// prefixes repeat with another hop (the later one wins).
    fn random_routes(x: &mut u64, width: u32, n: usize) -> Vec<(u128, u8, u32)> {
        let full = |v: u128| {
            if width == 128 {
                v
            } else {
                v & ((1u128 << width) - 1)
            }
        };
        let wide = |x: &mut u64| full(((rng(x) as u128) << 64) | rng(x) as u128);
        let roots: Vec<u128> = (0..1 + rng(x) % 4).map(|_| wide(x)).collect();
        let mut routes: Vec<(u128, u8, u32)> = Vec::with_capacity(n);
        for i in 0..n {
            let len = match rng(x) % 4 {
                0 => (rng(x) % (width as u64 + 1)) as u8,
                _ => (width as u64 / 2 + rng(x) % (width as u64 / 2 + 1)) as u8,
            };
            // Share a random number of leading bits with a root.
            let root = roots[rng(x) as usize % roots.len()];
            let keep = rng(x) % (width as u64 + 1);
            let keep_mask = full(if keep == 0 {
                0
            } else {
                u128::MAX << (128 - keep) >> (128 - width)
            });
            let a = (root & keep_mask) | (wide(x) & !keep_mask);
            let a = if rng(x).is_multiple_of(8) && i > 0 {
                routes[rng(x) as usize % i].0 // a duplicate prefix, new hop
            } else {
                a
            };
            routes.push((a, len, i as u32 + 1));
        }
        routes
    }

    /// Differential property: over 300 random route sets per family (up to
    /// 300 routes, nested, duplicated, every length) and addresses drawn
    /// near the routes and at random, the trie answers what the linear scan of
    /// normalised routes answers, whichever form (dense, sparse) its nodes take.
    #[test]
    fn random_tables_match_linear_scan() {
        for width in [32u32, 128] {
            for seed in 1..=300u64 {
                let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                let n = (rng(&mut x) % 300) as usize;
                let routes = random_routes(&mut x, width, n);
                // Default, all-dense and all-sparse node forms.
                let lpms = [DENSE_FROM, 0, usize::MAX].map(|d| Lpm::build_with(width, &routes, d));
                let norm: Vec<_> = routes
                    .iter()
                    .map(|&(a, l, h)| {
                        let m = if l == 0 {
                            0
                        } else {
                            u128::MAX << (128 - l as u32) >> (128 - width)
                        };
                        (a & m, l, h)
                    })
                    .collect();
                for _ in 0..400 {
                    let a = match (rng(&mut x) % 3, norm.len()) {
                        (0, _) | (_, 0) => {
                            let v = ((rng(&mut x) as u128) << 64) | rng(&mut x) as u128;
                            if width == 128 { v } else { v & 0xffff_ffff }
                        }
                        (_, k) => {
                            // Inside (or just past) a route's prefix.
                            let (p, l, _) = norm[rng(&mut x) as usize % k];
                            let host = (((rng(&mut x) as u128) << 64) | rng(&mut x) as u128)
                                >> (128 - width + l as u32).min(127);
                            p ^ host
                        }
                    };
                    let want = linear(width, &norm, a);
                    for lpm in &lpms {
                        let got = if width == 32 {
                            assert_eq!(lpm.lookup_v4(a as u32), want, "seed {seed} {a:x}");
                            lpm.lookup_aligned(a << 96)
                        } else {
                            lpm.lookup_aligned(a)
                        };
                        assert_eq!(got, want, "seed {seed} width {width} {a:x}");
                    }
                }
            }
        }
    }

    #[test]
    fn v4_matches_linear_scan() {
        let mut x = 7u64;
        let mut routes = vec![(0u128, 0u8, 1u32)];
        for i in 0..3000u32 {
            // Cluster addresses so prefixes nest.
            let a = (0x0a00_0000u32 | (rng(&mut x) as u32 & 0x00ff_ffff)) as u128;
            let len = [8u8, 12, 16, 20, 23, 24, 25, 28, 31, 32][rng(&mut x) as usize % 10];
            routes.push((a, len, i + 2));
        }
        let lpm = Lpm::build(32, &routes);
        // Normalise the reference: host bits cleared, later duplicates win.
        let norm: Vec<_> = routes
            .iter()
            .map(|&(a, l, h)| {
                let m = if l == 0 { 0 } else { u32::MAX << (32 - l) } as u128;
                (a & m, l, h)
            })
            .collect();
        for _ in 0..20000 {
            let a = (if rng(&mut x).is_multiple_of(4) {
                rng(&mut x) as u32
            } else {
                0x0a00_0000 | (rng(&mut x) as u32 & 0x00ff_ffff)
            }) as u128;
            let want = linear(32, &norm, a);
            assert_eq!(lpm.lookup_v4(a as u32), want, "{a:x}");
            assert_eq!(lpm.lookup_aligned(a << 96), want);
        }
    }

    #[test]
    fn v6_matches_linear_scan() {
        let mut x = 99u64;
        let base: u128 = 0x2001_0db8 << 96;
        let mut routes = vec![];
        for i in 0..500u32 {
            let a = base | ((rng(&mut x) as u128) << 64) | rng(&mut x) as u128;
            let len = [32u8, 40, 48, 56, 64, 96, 127, 128][rng(&mut x) as usize % 8];
            let m = u128::MAX << (128 - len as u32);
            routes.push((a & m, len, i + 1));
        }
        let lpm = Lpm::build(128, &routes);
        for i in 0..5000usize {
            let a = if i.is_multiple_of(2) {
                let r = routes[i % routes.len()].0;
                r | (rng(&mut x) as u128 >> (i % 64))
            } else {
                base | ((rng(&mut x) as u128) << 64)
            };
            assert_eq!(lpm.lookup_aligned(a), linear(128, &routes, a), "{a:x}");
        }
        assert_eq!(Lpm::build(128, &[]).lookup_aligned(base), 0);
    }
}
