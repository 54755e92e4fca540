//! [`Lpm`]: a compiled, immutable longest-prefix-match table (a multibit trie).
//!
//! The first 16 address bits index a 65 536-entry root array, each further
//! byte a 256-entry node (strides 16-8-8 for IPv4, 16-8-…-8 for IPv6). Routes
//! are expanded into the arrays and pushed down to the leaves when built, so a
//! lookup is at most 3 (IPv4) or 15 (IPv6) dependent array reads and no
//! comparisons. Built once per routing change and swapped in whole; changes
//! cost O(table), lookups O(address length / 8).

/// An entry is either a next hop (0 = none) or, with this bit, a child node.
const CHILD: u32 = 1 << 31;
const ROOT_BITS: u32 = 16;
const NODE: usize = 256;

/// See the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct Lpm {
    root: Box<[u32]>,
    nodes: Vec<u32>,
}

impl Lpm {
    /// Builds the table of an address family `width` bits wide (32 or 128) from
    /// `(address bits, prefix length, hop)` with hop ≥ 1. Later duplicates win.
    pub(crate) fn build(width: u32, routes: &[(u128, u8, u32)]) -> Lpm {
        if routes.is_empty() {
            return Lpm::default();
        }
        let mut lpm = Lpm {
            root: vec![0; 1 << ROOT_BITS].into_boxed_slice(),
            nodes: Vec::new(),
        };
        let mut sorted: Vec<(u128, u8, u32)> = routes
            .iter()
            .map(|&(a, len, hop)| {
                let len = len.min(width as u8);
                // Left-align to 128 bits and clear the host bits.
                let a = a << (128 - width);
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - len as u32)
                };
                (a & mask, len, hop)
            })
            .collect();
        sorted.sort_by_key(|r| r.1);
        for (a, len, hop) in sorted {
            lpm.insert(a, len, hop);
        }
        lpm
    }

    fn insert(&mut self, a: u128, len: u8, hop: u32) {
        let len = len as u32;
        let first = (a >> (128 - ROOT_BITS)) as usize;
        if len <= ROOT_BITS {
            let n = 1usize << (ROOT_BITS - len);
            for i in first..first + n {
                let e = self.root[i];
                self.root[i] = self.fill(e, hop);
            }
            return;
        }
        let mut node = self.child_of_root(first);
        let mut consumed = ROOT_BITS;
        loop {
            let byte = ((a >> (128 - consumed - 8)) & 0xff) as usize;
            let rem = len - consumed;
            if rem <= 8 {
                let n = 1usize << (8 - rem);
                for i in byte..byte + n {
                    let e = self.nodes[node * NODE + i];
                    self.nodes[node * NODE + i] = self.fill(e, hop);
                }
                return;
            }
            let e = self.nodes[node * NODE + byte];
            let child = if e & CHILD != 0 {
                (e & !CHILD) as usize
            } else {
                let c = self.new_node(e);
                self.nodes[node * NODE + byte] = CHILD | c as u32;
                c
            };
            node = child;
            consumed += 8;
        }
    }

    fn child_of_root(&mut self, i: usize) -> usize {
        let e = self.root[i];
        if e & CHILD != 0 {
            return (e & !CHILD) as usize;
        }
        let c = self.new_node(e);
        self.root[i] = CHILD | c as u32;
        c
    }

    fn new_node(&mut self, fill: u32) -> usize {
        let idx = self.nodes.len() / NODE;
        self.nodes.extend(std::iter::repeat_n(fill, NODE));
        idx
    }

    /// `e` overwritten by a route at least as long as everything below it.
    fn fill(&mut self, e: u32, hop: u32) -> u32 {
        if e & CHILD == 0 {
            return hop;
        }
        let node = (e & !CHILD) as usize;
        for i in 0..NODE {
            let c = self.nodes[node * NODE + i];
            self.nodes[node * NODE + i] = self.fill(c, hop);
        }
        e
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
            shift -= 8;
            let i = (e & !CHILD) as usize * NODE + ((a >> shift) & 0xff) as usize;
            e = self.nodes[i];
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
        let e = self.nodes[(e & !CHILD) as usize * NODE + ((a >> 8) & 0xff) as usize];
        if e & CHILD == 0 {
            return e;
        }
        self.nodes[(e & !CHILD) as usize * NODE + (a & 0xff) as usize]
    }

    /// Memory held, in bytes.
    pub(crate) fn memory(&self) -> usize {
        (self.root.len() + self.nodes.len()) * 4
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
    /// normalised routes answers.
    #[test]
    fn random_tables_match_linear_scan() {
        for width in [32u32, 128] {
            for seed in 1..=300u64 {
                let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                let n = (rng(&mut x) % 300) as usize;
                let routes = random_routes(&mut x, width, n);
                let lpm = Lpm::build(width, &routes);
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
