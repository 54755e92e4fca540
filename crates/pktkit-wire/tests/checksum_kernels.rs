//! Every checksum kernel (scalar, SSE2, AVX2, and the dispatching `sum`)
//! against the plain RFC 1071 `reference_sum`: every length 0..=9100 (past a
//! jumbo frame) at every start offset 0..32 (every alignment of a 32-byte
//! vector), plus random lengths, offsets, contents and initial sums.

use pktkit_wire::checksum::{Kernel, checksum, fold, reference_sum, sum, sum_with, verify};
use proptest::prelude::*;

fn check(d: &[u8], init: u32) -> Result<(), TestCaseError> {
    let want = fold(reference_sum(d, init));
    prop_assert_eq!(fold(sum(d, init)), want, "sum, len {}", d.len());
    // `checksum` and `verify` have their own dispatch (no initial sum).
    let c = checksum(d);
    prop_assert_eq!(c, !fold(reference_sum(d, 0)), "checksum, len {}", d.len());
    prop_assert_eq!(verify(d), c == 0, "verify, len {}", d.len());
    for k in [Kernel::Scalar, Kernel::Sse2, Kernel::Avx2] {
        if let Some(got) = sum_with(k, d, init) {
            prop_assert_eq!(fold(got), want, "{:?} len {}", k, d.len());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn kernels_match_reference(
        buf in prop::collection::vec(any::<u8>(), 4096 + 64),
        len in 0usize..=4096,
        off in 0usize..64,
        init in any::<u32>(),
    ) {
        check(&buf[off..off + len], init)?;
    }

    #[test]
    fn kernels_match_reference_up_to_jumbo(
        buf in prop::collection::vec(any::<u8>(), 9100 + 32),
        len in 0usize..=9100,
        off in 0usize..32,
        init in any::<u32>(),
    ) {
        check(&buf[off..off + len], init)?;
    }

    #[test]
    fn kernels_match_reference_on_extremes(
        len in 0usize..=4096,
        off in 0usize..64,
        fill in prop::sample::select(vec![0x00u8, 0xff, 0x80, 0x7f]),
        init in prop::sample::select(vec![0u32, 0xffff, 0x1_0000, u32::MAX]),
    ) {
        let buf = vec![fill; len + off];
        check(&buf[off..], init)?;
    }
}

#[test]
fn every_length_every_offset() {
    let mut x: u32 = 0x2545_f491;
    let buf: Vec<u8> = (0..4096 + 64)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    for len in 0..=4096 {
        for off in 0..8 {
            check(&buf[off..off + len], len as u32 * 7919).unwrap();
        }
    }
}

/// Every length 0..=9100 at every offset 0..32 through `sum`, and through every
/// kernel and `checksum` up to 1100 bytes (`checksum` beyond at four offsets). The truth is the reference
/// sum of the same bytes, kept incrementally (one big-endian word per two
/// bytes, an odd last byte as the high byte of a zero-padded word) and checked
/// against `reference_sum` itself at the ends of each sweep.
#[test]
fn every_length_to_jumbo_every_offset() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let buf: Vec<u8> = (0..9100 + 32)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    for off in 0..32 {
        let data = &buf[off..off + 9100];
        let mut even_acc: u64 = 0;
        for len in 0..=9100usize {
            let d = &data[..len];
            let init = (len as u32).wrapping_mul(0x0101_0101) ^ off as u32;
            let truth = if len % 2 == 0 {
                if len >= 2 {
                    even_acc += u16::from_be_bytes([d[len - 2], d[len - 1]]) as u64;
                }
                even_acc
            } else {
                even_acc + ((d[len - 1] as u64) << 8)
            } + init as u64;
            let want = fold(fold64_of(truth));
            if len == 0 || len == 9100 || len == 9099 {
                assert_eq!(
                    fold(reference_sum(d, init)),
                    want,
                    "truth off {off} len {len}"
                );
            }
            assert_eq!(fold(sum(d, init)), want, "sum off {off} len {len}");
            // `checksum` shares `sum`'s kernels; its own part (the finish) does
            // not depend on alignment, so a few offsets cover it past 1100.
            if len <= 1100 || matches!(off, 0 | 1 | 17 | 31) {
                let want0 = fold(fold64_of(truth - init as u64));
                assert_eq!(checksum(d), !want0, "checksum off {off} len {len}");
            }
            // Each kernel on its own up to where every path (leftover vectors,
            // masked tail, odd byte) has been taken many times over; beyond,
            // `sum` above covers the dispatched kernel (keeps debug runs short).
            if len <= 1100 {
                for k in [Kernel::Scalar, Kernel::Sse2, Kernel::Avx2] {
                    if let Some(got) = sum_with(k, d, init) {
                        assert_eq!(fold(got), want, "{k:?} off {off} len {len}");
                    }
                }
            }
        }
    }
}

/// A 64-bit sum folded to 32 bits with end-around carries.
fn fold64_of(mut acc: u64) -> u32 {
    while acc >> 32 != 0 {
        acc = (acc & 0xffff_ffff) + (acc >> 32);
    }
    acc as u32
}
