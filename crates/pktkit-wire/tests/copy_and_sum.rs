//! `checksum::copy_and_sum` against its definition: `dst.copy_from_slice(src)`
//! then `sum(dst, initial)`, with the sum also checked against the plain RFC
//! 1071 `reference_sum`. Lengths 0..=9100 (past a jumbo frame), source and
//! destination each at every offset 0..32 from a 32-byte boundary, and the
//! bytes around `dst` must be left alone (no store past either end).

use pktkit_wire::checksum::{copy_and_sum, fold, reference_sum, sum};
use proptest::prelude::*;

/// Canary byte around the destination window.
const GUARD: u8 = 0xa5;

fn check(src: &[u8], dst_off: usize, init: u32) -> Result<(), TestCaseError> {
    let len = src.len();
    let mut out = vec![GUARD; dst_off + len + 64];
    let got = copy_and_sum(&mut out[dst_off..dst_off + len], src, init);
    prop_assert_eq!(&out[dst_off..dst_off + len], src, "copy, len {}", len);
    prop_assert!(
        out[..dst_off].iter().all(|&b| b == GUARD),
        "wrote before dst"
    );
    prop_assert!(
        out[dst_off + len..].iter().all(|&b| b == GUARD),
        "wrote past dst, len {}",
        len
    );
    let mut plain = vec![0u8; len];
    plain.copy_from_slice(src);
    let want = sum(&plain, init);
    prop_assert_eq!(fold(got), fold(want), "vs copy+sum, len {}", len);
    prop_assert_eq!(
        fold(got),
        fold(reference_sum(src, init)),
        "vs reference, len {}",
        len
    );
    prop_assert!(got <= 0x1_fffe, "unfolded range, len {}", len);
    Ok(())
}

/// Deterministic random-looking bytes (xorshift), so failures reproduce.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn matches_copy_then_sum(
        buf in prop::collection::vec(any::<u8>(), 9100 + 32),
        len in 0usize..=9100,
        src_off in 0usize..32,
        dst_off in 0usize..32,
        init in any::<u32>(),
    ) {
        check(&buf[src_off..src_off + len], dst_off, init)?;
    }

    #[test]
    fn matches_on_extremes(
        len in 0usize..=9100,
        byte in prop::sample::select(vec![0u8, 0xff, 0x80, 0x7f]),
        src_off in 0usize..32,
        dst_off in 0usize..32,
        init in prop::sample::select(vec![0u32, 0xffff, 0x1_fffe, u32::MAX]),
    ) {
        let buf = vec![byte; len + 32];
        check(&buf[src_off..src_off + len], dst_off, init)?;
    }
}

#[test]
fn every_length_every_offset_pair() {
    // Exhaustive over lengths 0..=600 (every tail size of several vectors)
    // and every (src, dst) misalignment pair.
    let buf = noise(600 + 32, 0xc0ff_ee11);
    for len in 0..=600 {
        for src_off in 0..32 {
            for dst_off in [0, 1, 2, 15, 31] {
                let init = (len as u32).wrapping_mul(0x9e37_79b9);
                check(&buf[src_off..src_off + len], dst_off, init).unwrap();
            }
        }
    }
}

#[test]
fn large_buffers_drain_lanes() {
    // Past one 64 KiB drain block of the AVX2 kernel, odd length.
    let mut src = vec![0xffu8; (1 << 20) + 77];
    src[4321] = 0x12;
    let mut dst = vec![0u8; src.len()];
    let got = copy_and_sum(&mut dst, &src, 9);
    assert_eq!(dst, src);
    assert_eq!(fold(got), fold(reference_sum(&src, 9)));
}

#[test]
#[should_panic(expected = "different lengths")]
fn length_mismatch_panics() {
    let mut dst = [0u8; 3];
    copy_and_sum(&mut dst, &[1, 2], 0);
}
