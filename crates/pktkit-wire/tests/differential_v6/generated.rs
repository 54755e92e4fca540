//! Random and mutated packets: generators that reach both acceptance and
//! rejection, compared by every decoder.

use super::*;

/// One extension header to build: (next-header kind value, body length selector, seed).
fn ext_header_bytes(kind: u8, units: u8, fill: u8, opts: &[Vec<u8>]) -> Vec<u8> {
    match kind {
        44 => {
            let off = (fill as u16) << 3 | (units as u16 & 1);
            let mut v = vec![0, 0];
            v.extend_from_slice(&off.to_be_bytes());
            v.extend_from_slice(&[fill, 1, 2, 3]);
            v
        }
        51 => {
            let pl = 1 + units % 4; // 12..24 bytes
            let mut v = vec![0, pl];
            v.resize((pl as usize + 2) * 4, fill);
            v[2] = 0;
            v[3] = 0;
            v
        }
        43 => {
            let mut v = vec![0, units % 3, fill % 5, fill % 3];
            v.resize((units as usize % 3 + 1) * 8, fill);
            v
        }
        _ => {
            // options header: given options then padding
            let mut body: Vec<u8> = opts.concat();
            let total = (2 + body.len()).div_ceil(8) * 8;
            let pad = total - 2 - body.len();
            match pad {
                0 => {}
                1 => body.push(0),
                n => {
                    body.push(1);
                    body.push((n - 2) as u8);
                    body.resize(body.len() + n - 2, 0);
                }
            }
            let mut v = vec![0, (total / 8 - 1) as u8];
            v.extend_from_slice(&body);
            v
        }
    }
}

fn arb_option() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![0u8]),
        (0u8..6).prop_map(|n| {
            let mut v = vec![1, n];
            v.resize(2 + n as usize, 0);
            v
        }),
        any::<u16>().prop_map(|v| vec![5, 2, (v >> 8) as u8, v as u8]),
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(k, d)| {
            let k = if k < 2 || k == 5 { k + 0x1e } else { k };
            let mut v = vec![k, d.len() as u8];
            v.extend(d);
            v
        }),
    ]
}

prop_compose! {
    fn arb_chain()(
        kinds in proptest::collection::vec(prop_oneof![Just(0u8), Just(43), Just(44), Just(60), Just(51)], 0..7),
        upper in prop_oneof![Just(6u8), Just(17), Just(58), Just(59), Just(50), any::<u8>()],
        params in proptest::collection::vec((any::<u8>(), any::<u8>(), proptest::collection::vec(arb_option(), 0..4)), 7),
        upper_len in 0usize..24,
    ) -> (u8, Vec<u8>) {
        let mut payload = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            let (units, fill, opts) = &params[i];
            // non-first fragments only sometimes
            let fill = if *k == 44 && fill % 3 != 0 { 0 } else { *fill };
            let mut h = ext_header_bytes(*k, *units, fill, opts);
            h[0] = kinds.get(i + 1).copied().unwrap_or(upper);
            payload.extend(h);
        }
        payload.extend(std::iter::repeat_n(0x5a, upper_len));
        (kinds.first().copied().unwrap_or(upper), payload)
    }
}

prop_compose! {
    fn arb_ipv6_packet()(
        (next, payload) in arb_chain(),
        tc in any::<u8>(), flow in 0u32..0x10_0000, hop in any::<u8>(),
        src in any::<[u8; 16]>(), dst in any::<[u8; 16]>(),
        extra in 0usize..4,
    ) -> Vec<u8> {
        let repr = Ipv6Repr {
            src_addr: src.into(), dst_addr: dst.into(), next_header: IpProtocol(next),
            payload_len: payload.len() as u16, hop_limit: hop, traffic_class: tc, flow_label: flow,
        };
        let mut b = vec![0u8; 40];
        repr.emit(&mut Ipv6Packet::new_unchecked(&mut b[..])).unwrap();
        b.extend(payload);
        b.extend(std::iter::repeat_n(0u8, extra)); // link padding
        b
    }
}

/// Applies up to a few byte changes and maybe a truncation.
fn mutate(mut b: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    if !b.is_empty() {
        for &(i, v) in edits {
            let i = i % b.len();
            b[i] = v;
        }
    }
    if let Some(c) = cut {
        b.truncate(c % (b.len() + 1));
    }
    b
}

fn arb_ndp_option() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (prop_oneof![Just(1u8), Just(2)], any::<[u8; 6]>()).prop_map(|(k, m)| {
            let mut v = vec![k, 1];
            v.extend(m);
            v
        }),
        (
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
            any::<[u8; 16]>()
        )
            .prop_map(|(pl, f, a, b, p)| {
                let mut v = vec![3, 4, pl, f];
                v.extend(a.to_be_bytes());
                v.extend(b.to_be_bytes());
                v.extend([0; 4]);
                v.extend(p);
                v
            }),
        any::<u32>().prop_map(|m| {
            let mut v = vec![5, 1, 0, 0];
            v.extend(m.to_be_bytes());
            v
        }),
        (1u8..8, any::<u8>()).prop_map(|(u, f)| {
            let mut v = vec![4, u, 0, 0, 0, 0, 0, 0];
            if u >= 6 {
                // a whole IPv6 packet that fits
                let plen = (u as usize * 8 - 8 - 40) as u16;
                v.extend([0x60, 0, 0, 0]);
                v.extend(plen.to_be_bytes());
                v.extend([17, 64]);
            }
            v.resize(u as usize * 8, f);
            v
        }),
        (1usize..4, any::<u32>(), any::<u8>()).prop_map(|(n, lt, f)| {
            let mut v = vec![25, (1 + 2 * n) as u8, 0, 0];
            v.extend(lt.to_be_bytes());
            v.resize(8 + 16 * n, f);
            v
        }),
        (6u8..=255, 1u8..3, any::<u8>()).prop_map(|(k, u, f)| {
            let k = if k == 25 { 26 } else { k };
            let mut v = vec![k, u];
            v.resize(u as usize * 8, f);
            v
        }),
    ]
}

prop_compose! {
    fn arb_icmpv6()(
        t in prop_oneof![
            Just(1u8), Just(2), Just(3), Just(4), Just(128), Just(129),
            Just(133), Just(134), Just(135), Just(136), Just(137), any::<u8>()
        ],
        code in prop_oneof![4 => Just(0u8), 1 => 0u8..8, 1 => any::<u8>()],
        word in any::<[u8; 4]>(),
        fixed in any::<[u8; 32]>(),
        quote_hdr in any::<[u8; 40]>(),
        quote_data in proptest::collection::vec(any::<u8>(), 0..24),
        opts in proptest::collection::vec(arb_ndp_option(), 0..5),
    ) -> Vec<u8> {
        let mut b = vec![t, code, 0, 0];
        b.extend(word);
        let m = Icmpv6Message(t);
        if matches!(t, 1..=4) {
            let mut h = quote_hdr;
            h[0] = 0x60 | (h[0] & 0x0f);
            b.extend(h);
            b.extend(quote_data);
        } else if m.is_ndp() {
            b.extend(&fixed[..m.header_len() - 8]);
            b.extend(opts.concat());
        } else {
            b.extend(quote_data);
        }
        let mut p = Icmpv6Packet::new_unchecked(&mut b[..]);
        p.fill_checksum(SRC, DST);
        b
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_bytes_ipv6(b in proptest::collection::vec(any::<u8>(), 0..128)) {
        let mut b = b;
        if let Some(x) = b.first_mut() { *x = 0x60 | (*x & 0x0f); }
        compare_ipv6_packet(&b);
    }

    #[test]
    fn built_and_mutated_ipv6(
        b in arb_ipv6_packet(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        cut in proptest::option::of(any::<usize>()),
    ) {
        compare_ipv6_packet(&b);
        compare_ipv6_packet(&mutate(b, &edits, cut));
    }

    #[test]
    fn random_bytes_icmpv6(b in proptest::collection::vec(any::<u8>(), 0..96)) {
        compare_icmpv6(&b);
    }

    #[test]
    fn built_and_mutated_icmpv6(
        b in arb_icmpv6(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        cut in proptest::option::of(any::<usize>()),
    ) {
        compare_icmpv6(&b);
        compare_icmpv6(&mutate(b, &edits, cut));
    }
}

/// The generators must exercise both sides of every decision, or the
/// comparisons above prove little.
#[test]
fn generators_reach_accept_and_reject() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut ok, mut err, mut nonfirst) = (0, 0, 0);
    for _ in 0..500 {
        let b = arb_ipv6_packet().new_tree(&mut runner).unwrap().current();
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        match pktkit_wire::ipv6_ext::walk(p.next_header(), p.payload()) {
            Ok(c) if c.is_non_first_fragment() => nonfirst += 1,
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    assert!(
        ok > 100 && err > 20 && nonfirst > 10,
        "ok {ok} err {err} non-first {nonfirst}"
    );
    let (mut ok, mut ndp) = (0, 0);
    for _ in 0..500 {
        let b = arb_icmpv6().new_tree(&mut runner).unwrap().current();
        if let Ok(r) = Icmpv6Packet::new_checked(&b[..]).and_then(|p| Icmpv6Repr::parse(&p)) {
            ok += 1;
            ndp += matches!(r, Icmpv6Repr::Ndp(_)) as usize;
        }
    }
    assert!(ok > 150 && ndp > 50, "ok {ok} ndp {ndp}");
}
