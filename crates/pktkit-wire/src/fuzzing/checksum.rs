//! Fuzz target `checksum`: every checksum kernel against the reference.
//!
//! The first four bytes are the initial sum, the fifth picks a start offset
//! (so every alignment is reached); `fold(sum) == fold(reference_sum)` for the
//! dispatching [`sum`] and for each kernel this machine can run, and
//! [`crate::checksum::checksum`] / [`verify`] (their own dispatch) agree
//! with the reference. [`copy_and_sum`] copies the bytes exactly (to a
//! destination at another alignment) and its sum folds to the same value.

use crate::checksum::{Kernel, copy_and_sum, fold, reference_sum, sum, sum_with, verify};

/// Runs the kernels over `data` and checks the invariant above.
pub fn checksum(data: &[u8]) {
    let (initial, rest) = match data {
        [a, b, c, d, rest @ ..] => (u32::from_le_bytes([*a, *b, *c, *d]), rest),
        _ => (0, data),
    };
    let (skip, rest) = match rest {
        [s, rest @ ..] => ((*s & 31) as usize, rest),
        [] => (0, rest),
    };
    let bytes = &rest[skip.min(rest.len())..];
    let want = fold(reference_sum(bytes, initial));
    assert_eq!(fold(sum(bytes, initial)), want);
    let c = crate::checksum::checksum(bytes);
    assert_eq!(c, !fold(reference_sum(bytes, 0)));
    assert_eq!(verify(bytes), c == 0);
    for k in [Kernel::Scalar, Kernel::Sse2, Kernel::Avx2] {
        if let Some(got) = sum_with(k, bytes, initial) {
            assert_eq!(fold(got), want, "{k:?}");
        }
    }
    // The destination starts `skip + 1` bytes into its buffer: another
    // alignment than the source's.
    let at = skip + 1;
    let mut out = [0u8; 1 << 16];
    if let Some(dst) = out.get_mut(at..at + bytes.len()) {
        assert_eq!(fold(copy_and_sum(dst, bytes, initial)), want);
        assert_eq!(dst, bytes);
    }
}
