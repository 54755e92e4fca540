//! x86_64 SIMD kernels of the Internet checksum: the only module of the crate
//! with `unsafe` code.
//!
//! Both kernels use the same trick. `pmaddwd` multiplies signed 16-bit lanes
//! by 1 and adds adjacent pairs into 32-bit lanes: one instruction widens and
//! adds. The words are unsigned, so each is first biased by `^ 0x8000`
//! (turning `x` into the signed value `x - 32768`, so a pair gives
//! `x + y - 65536`); the bias, `65536` per pair, is added back once at the end.
//! Lanes are drained into an `i64` before they can overflow, so the result is
//! the exact integer sum of the native-endian 16-bit words, which the caller
//! folds.
//!
//! A kernel covers the whole slice in one call: full vectors, then the last
//! `1..vector` even bytes through one overlapping load of the slice's last
//! vector-sized window with the bytes already summed masked to zero, then an
//! odd final byte. The masked bytes start at an even offset from the slice
//! start, so every 16-bit word keeps its position parity.
//!
//! What is unsafe here and why it is sound:
//! * the unaligned loads read through raw pointers derived from a slice or a
//!   static array whose bounds are checked right above each load;
//! * calling a `#[target_feature]` function requires that the CPU has the
//!   feature: AVX2 is called only after runtime detection said yes (or the
//!   crate was compiled with AVX2 enabled), SSE2 is part of the x86_64
//!   baseline.

use core::sync::atomic::{AtomicU8, Ordering};

use super::TAIL_MASK;

use core::arch::x86_64::{
    __m128i, __m256i, _mm_add_epi32, _mm_and_si128, _mm_cvtsi128_si32, _mm_loadu_si128,
    _mm_madd_epi16, _mm_set1_epi16, _mm_setzero_si128, _mm_shuffle_epi32, _mm_xor_si128,
    _mm256_add_epi32, _mm256_and_si256, _mm256_castsi256_si128, _mm256_extracti128_si256,
    _mm256_loadu_si256, _mm256_madd_epi16, _mm256_set1_epi16, _mm256_setzero_si256,
    _mm256_xor_si256,
};

/// Bytes summed in 32-bit lanes between two drains into the `i64` total.
///
/// A vector adds at most `65536` in magnitude to each of its 32-bit lanes
/// (one biased pair is in `-65536..=65534`). A drain adds up every lane of
/// every accumulator in 32 bits, so the bound is (vectors per drain) *
/// (pairs per vector) * 65536: with AVX2, (2048 + 1 masked tail) * 8 * 2^16
/// < 2^31; with SSE2, (4096 + 1) * 4 * 2^16 < 2^31.
const DRAIN_BYTES: usize = 64 * 1024;

/// Native-endian value of an odd last byte (RFC 1071 pads it with a zero
/// byte), or 0 when `data` has even length.
#[inline(always)]
fn odd_byte(data: &[u8]) -> u64 {
    match data.len() & 1 {
        1 => match data.last() {
            Some(b) => u16::from_ne_bytes([*b, 0]) as u64,
            None => 0,
        },
        _ => 0,
    }
}

/// Undoes the `-65536` bias of every pair: `vectors` vectors of
/// `pairs_per_vector` pairs each.
#[inline(always)]
fn unbias(biased: i64, vectors: usize, pairs_per_vector: usize) -> u64 {
    // Every pair contributed `x + y - 65536`, so this is the exact, non-negative
    // sum of the words (at most 65535 * bytes / 2 < 2^63).
    (biased + ((vectors * pairs_per_vector) as i64) * 65536) as u64
}

/// Exact sum of the native-endian 16-bit words of `data` (an odd last byte is
/// padded with zero), using AVX2.
///
/// No closures inside: a closure does not inherit `target_feature`, and the
/// intrinsics would then stop being inlined.
#[target_feature(enable = "avx2")]
fn sum_avx2(data: &[u8]) -> u64 {
    let even = data.len() & !1;
    if even < 32 {
        return super::scalar_ne(data);
    }
    let words = &data[..even];
    let full = even & !31;
    let mut total: i64 = 0;
    let mut body = &words[..full];
    while body.len() > DRAIN_BYTES {
        let (block, rest) = body.split_at(DRAIN_BYTES);
        total += avx2_reduce(avx2_block(block));
        body = rest;
    }
    let mut acc = avx2_block(body);
    let r = even - full;
    if r != 0 {
        // The last 32 bytes of `words` end with the `r` (even, 2..=30) bytes
        // not summed yet; the mask zeroes the `32 - r` bytes before them.
        let last = &words[even - 32..];
        let mask = &TAIL_MASK[r..r + 32];
        // SAFETY: `last` and `mask` are both exactly 32 bytes long (the slicing
        // above checked it), the size of the unaligned loads.
        let (v, m) = unsafe {
            (
                _mm256_loadu_si256(last.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(mask.as_ptr().cast::<__m256i>()),
            )
        };
        acc = _mm256_add_epi32(acc, avx2_pairs(_mm256_and_si256(v, m)));
    }
    total += avx2_reduce(acc);
    unbias(total, even.div_ceil(32), 8) + odd_byte(data)
}

/// Biased pair sums of one vector: `x + y - 65536` for each pair of words.
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_pairs(v: __m256i) -> __m256i {
    _mm256_madd_epi16(
        _mm256_xor_si256(v, _mm256_set1_epi16(i16::MIN)),
        _mm256_set1_epi16(1),
    )
}

/// Biased pair sums of `block` (a multiple of 32 bytes, at most
/// [`DRAIN_BYTES`]) added up in eight 32-bit lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_block(block: &[u8]) -> __m256i {
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
        a0 = _mm256_add_epi32(a0, avx2_pairs(v0));
        a1 = _mm256_add_epi32(a1, avx2_pairs(v1));
        a2 = _mm256_add_epi32(a2, avx2_pairs(v2));
        a3 = _mm256_add_epi32(a3, avx2_pairs(v3));
    }
    let mut rest = chunks.remainder();
    while let Some((c, tail)) = rest.split_first_chunk::<32>() {
        // SAFETY: `c` is a 32-byte array, exactly the size of the load.
        let v = unsafe { _mm256_loadu_si256(c.as_ptr().cast::<__m256i>()) };
        a1 = _mm256_add_epi32(a1, avx2_pairs(v));
        rest = tail;
    }
    _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3))
}

/// Adds up the eight 32-bit lanes of `acc` (no overflow by [`DRAIN_BYTES`]).
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_reduce(acc: __m256i) -> i64 {
    let x = _mm_add_epi32(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256::<1>(acc),
    );
    let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b01_00_11_10>(x));
    let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b10_11_00_01>(x));
    _mm_cvtsi128_si32(x) as i64
}

/// [`sum_avx2`] with SSE2 (x86_64 baseline) and 16-byte vectors.
#[target_feature(enable = "sse2")]
fn sum_sse2(data: &[u8]) -> u64 {
    let even = data.len() & !1;
    if even < 16 {
        return super::scalar_ne(data);
    }
    let words = &data[..even];
    let bias = _mm_set1_epi16(i16::MIN);
    let ones = _mm_set1_epi16(1);
    let full = even & !15;
    let mut total: i64 = 0;
    let mut start = 0;
    loop {
        let end = full.min(start + DRAIN_BYTES);
        let block = &words[start..end];
        start = end;
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
        let mut rest = chunks.remainder();
        while let Some((c, tail)) = rest.split_first_chunk::<16>() {
            // SAFETY: `c` is a 16-byte array, exactly the size of the load.
            let v = unsafe { _mm_loadu_si128(c.as_ptr().cast::<__m128i>()) };
            a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_xor_si128(v, bias), ones));
            rest = tail;
        }
        if start == full {
            let r = even - full;
            if r != 0 {
                // As in `sum_avx2`: the last 16 bytes, the first `16 - r` masked.
                let last = &words[even - 16..];
                let mask = &TAIL_MASK[16 + r..16 + r + 16];
                // SAFETY: `last` and `mask` are both exactly 16 bytes long (the
                // slicing above checked it), the size of the unaligned loads.
                let (v, m) = unsafe {
                    (
                        _mm_loadu_si128(last.as_ptr().cast::<__m128i>()),
                        _mm_loadu_si128(mask.as_ptr().cast::<__m128i>()),
                    )
                };
                let v = _mm_and_si128(v, m);
                a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_xor_si128(v, bias), ones));
            }
        }
        let x = _mm_add_epi32(_mm_add_epi32(a0, a1), _mm_add_epi32(a2, a3));
        let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b01_00_11_10>(x));
        let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b10_11_00_01>(x));
        total += _mm_cvtsi128_si32(x) as i64;
        if start == full {
            break;
        }
    }
    unbias(total, even.div_ceil(16), 4) + odd_byte(data)
}

/// AVX2 support, detected once: 0 = not yet known, 1 = no, 2 = yes.
static AVX2: AtomicU8 = AtomicU8::new(0);

/// Whether this CPU can run [`sum_avx2`]. The first call detects, later calls
/// are one relaxed atomic load.
#[inline]
pub(super) fn avx2_available() -> bool {
    if cfg!(target_feature = "avx2") {
        return true;
    }
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
pub(super) fn sum_best(data: &[u8]) -> u64 {
    if avx2_available() {
        // SAFETY: `avx2_available()` returned true, so this CPU supports AVX2
        // (runtime detection, or AVX2 enabled at compile time).
        unsafe { sum_avx2(data) }
    } else {
        sum_sse2_baseline(data)
    }
}

/// [`sum_avx2`], or `None` when this CPU lacks AVX2.
pub(super) fn sum_avx2_checked(data: &[u8]) -> Option<u64> {
    // SAFETY: called only after `avx2_available()` confirmed AVX2 support.
    avx2_available().then(|| unsafe { sum_avx2(data) })
}

/// [`sum_sse2`], always available on x86_64.
#[inline]
pub(super) fn sum_sse2_baseline(data: &[u8]) -> u64 {
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it.
    unsafe { sum_sse2(data) }
}
