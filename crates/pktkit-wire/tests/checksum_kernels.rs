//! Every checksum kernel (scalar, SSE2, AVX2, and the dispatching `sum`)
//! against the plain RFC 1071 `reference_sum`, for all lengths 0..=4096, every
//! start offset within a 64-byte line, and random initial sums.

use pktkit_wire::checksum::{Kernel, fold, reference_sum, sum, sum_with};
use proptest::prelude::*;

fn check(d: &[u8], init: u32) -> Result<(), TestCaseError> {
    let want = fold(reference_sum(d, init));
    prop_assert_eq!(fold(sum(d, init)), want, "sum, len {}", d.len());
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
