//! x86_64 SIMD kernels of the Internet checksum: the only module of the crate
//! with `unsafe` code.
//!
//! Both kernels use the same trick. `pmaddwd` multiplies signed 16-bit lanes
//! by 1 and adds adjacent pairs into 32-bit lanes: one instruction widens and
//! adds. The words are unsigned, so each is first biased by `^ 0x8000`
//! (turning `x` into the signed value `x - 32768`); the bias, `32768` per word,
//! is added back once at the end. Lanes are drained into an `i64` before they
//! can overflow, so the result is the exact integer sum of the native-endian
//! 16-bit words, which the caller folds.
//!
//! What is unsafe here and why it is sound:
//! * the unaligned loads read through a raw pointer derived from a slice
//!   chunk of exactly the loaded size;
//! * calling a `#[target_feature]` function requires that the CPU has the
//!   feature: AVX2 is called only after runtime detection said yes (or the
//!   crate was compiled with AVX2 enabled), SSE2 is part of the x86_64
//!   baseline.

use core::sync::atomic::{AtomicU8, Ordering};

use core::arch::x86_64::{
    __m128i, __m256i, _mm_add_epi32, _mm_loadu_si128, _mm_madd_epi16, _mm_set1_epi16,
    _mm_setzero_si128, _mm_storeu_si128, _mm_xor_si128, _mm256_add_epi32, _mm256_loadu_si256,
    _mm256_madd_epi16, _mm256_set1_epi16, _mm256_setzero_si256, _mm256_storeu_si256,
    _mm256_xor_si256,
};

/// Iterations of the unrolled loop between two drains of the 32-bit lanes.
/// Each lane gains at most 65536 in magnitude per iteration and four lanes are
/// added together when draining: 4 * 4096 * 65536 = 2^30 < 2^31.
const DRAIN_EVERY: usize = 4096;

/// Exact sum of the native-endian 16-bit words of the longest prefix of `data`
/// that is a multiple of 32 bytes, using AVX2. Returns `(sum, bytes consumed)`.
///
/// No closures inside: a closure does not inherit `target_feature`, and the
/// intrinsics would then stop being inlined.
#[target_feature(enable = "avx2")]
fn sum_avx2(data: &[u8]) -> (u64, usize) {
    let bias = _mm256_set1_epi16(0x8000u16 as i16);
    let ones = _mm256_set1_epi16(1);
    let mut total: i64 = 0;
    let mut consumed = 0;
    let mut rest = data;
    while rest.len() >= 32 {
        let block_len = rest.len().min(128 * DRAIN_EVERY) & !31;
        let (block, tail) = rest.split_at(block_len);
        rest = tail;
        consumed += block_len;
        let (mut a0, mut a1, mut a2, mut a3) = (
            _mm256_setzero_si256(),
            _mm256_setzero_si256(),
            _mm256_setzero_si256(),
            _mm256_setzero_si256(),
        );
        let mut chunks = block.chunks_exact(128);
        for c in &mut chunks {
            let p = c.as_ptr().cast::<__m256i>();
            // SAFETY: `c` is 128 bytes long: the four unaligned 32-byte loads at
            // offsets 0, 32, 64 and 96 stay inside it; `loadu` needs no alignment.
            let (v0, v1, v2, v3) = unsafe {
                (
                    _mm256_loadu_si256(p),
                    _mm256_loadu_si256(p.add(1)),
                    _mm256_loadu_si256(p.add(2)),
                    _mm256_loadu_si256(p.add(3)),
                )
            };
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_xor_si256(v0, bias), ones));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_xor_si256(v1, bias), ones));
            a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_xor_si256(v2, bias), ones));
            a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_xor_si256(v3, bias), ones));
        }
        for c in chunks.remainder().chunks_exact(32) {
            // SAFETY: `c` is exactly 32 bytes (`block_len` is a multiple of 32).
            let v = unsafe { _mm256_loadu_si256(c.as_ptr().cast::<__m256i>()) };
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_xor_si256(v, bias), ones));
        }
        let acc = _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3));
        let mut lanes = [0i32; 8];
        // SAFETY: `lanes` is 32 bytes, exactly the size of the unaligned store.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast::<__m256i>(), acc) };
        for l in lanes {
            total += l as i64;
        }
    }
    (unbias(total, consumed), consumed)
}

/// [`sum_avx2`] with SSE2 (x86_64 baseline), over a multiple of 16 bytes.
#[target_feature(enable = "sse2")]
fn sum_sse2(data: &[u8]) -> (u64, usize) {
    let bias = _mm_set1_epi16(0x8000u16 as i16);
    let ones = _mm_set1_epi16(1);
    let mut total: i64 = 0;
    let mut consumed = 0;
    let mut rest = data;
    while rest.len() >= 16 {
        let block_len = rest.len().min(64 * DRAIN_EVERY) & !15;
        let (block, tail) = rest.split_at(block_len);
        rest = tail;
        consumed += block_len;
        let (mut a0, mut a1, mut a2, mut a3) = (
            _mm_setzero_si128(),
            _mm_setzero_si128(),
            _mm_setzero_si128(),
            _mm_setzero_si128(),
        );
        let mut chunks = block.chunks_exact(64);
        for c in &mut chunks {
            let p = c.as_ptr().cast::<__m128i>();
            // SAFETY: `c` is 64 bytes long: the four unaligned 16-byte loads at
            // offsets 0, 16, 32 and 48 stay inside it; `loadu` needs no alignment.
            let (v0, v1, v2, v3) = unsafe {
                (
                    _mm_loadu_si128(p),
                    _mm_loadu_si128(p.add(1)),
                    _mm_loadu_si128(p.add(2)),
                    _mm_loadu_si128(p.add(3)),
                )
            };
            a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_xor_si128(v0, bias), ones));
            a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_xor_si128(v1, bias), ones));
            a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_xor_si128(v2, bias), ones));
            a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_xor_si128(v3, bias), ones));
        }
        for c in chunks.remainder().chunks_exact(16) {
            // SAFETY: `c` is exactly 16 bytes (`block_len` is a multiple of 16).
            let v = unsafe { _mm_loadu_si128(c.as_ptr().cast::<__m128i>()) };
            a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_xor_si128(v, bias), ones));
        }
        let acc = _mm_add_epi32(_mm_add_epi32(a0, a1), _mm_add_epi32(a2, a3));
        let mut lanes = [0i32; 4];
        // SAFETY: `lanes` is 16 bytes, exactly the size of the unaligned store.
        unsafe { _mm_storeu_si128(lanes.as_mut_ptr().cast::<__m128i>(), acc) };
        for l in lanes {
            total += l as i64;
        }
    }
    (unbias(total, consumed), consumed)
}

/// Undoes the `x - 32768` bias of every 16-bit word in `bytes` bytes.
#[inline]
fn unbias(biased: i64, bytes: usize) -> u64 {
    // Each word contributed `x - 32768`; adding 32768 per word gives the exact,
    // non-negative unsigned sum (at most 65535 * bytes / 2 < 2^63).
    (biased + 32768 * (bytes as i64 / 2)) as u64
}

/// AVX2 support, detected once: 0 = not yet known, 1 = no, 2 = yes.
static AVX2: AtomicU8 = AtomicU8::new(0);

/// Whether this CPU can run [`sum_avx2`]. The first call detects, later calls
/// are one relaxed atomic load.
#[inline]
pub(super) fn avx2_available() -> bool {
    match AVX2.load(Ordering::Relaxed) {
        0 => {
            let yes = detect_avx2();
            AVX2.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
        v => v == 2,
    }
}

#[cold]
fn detect_avx2() -> bool {
    #[cfg(target_feature = "avx2")]
    {
        true
    }
    #[cfg(all(not(target_feature = "avx2"), feature = "std"))]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(all(not(target_feature = "avx2"), not(feature = "std")))]
    {
        false
    }
}

/// The fastest kernel this CPU has: AVX2 if detected, else SSE2.
#[inline]
pub(super) fn sum_best(data: &[u8]) -> (u64, usize) {
    if avx2_available() {
        // SAFETY: `avx2_available()` returned true, so this CPU supports AVX2
        // (runtime detection, or AVX2 enabled at compile time).
        unsafe { sum_avx2(data) }
    } else {
        sum_sse2_baseline(data)
    }
}

/// [`sum_avx2`], or `None` when this CPU lacks AVX2.
pub(super) fn sum_avx2_checked(data: &[u8]) -> Option<(u64, usize)> {
    // SAFETY: called only after `avx2_available()` confirmed AVX2 support.
    avx2_available().then(|| unsafe { sum_avx2(data) })
}

/// [`sum_sse2`], always available on x86_64.
#[inline]
pub(super) fn sum_sse2_baseline(data: &[u8]) -> (u64, usize) {
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it.
    unsafe { sum_sse2(data) }
}
