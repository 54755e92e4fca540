//! x86_64 SIMD kernels of the Internet checksum: the only module of the crate
//! with `unsafe` code.
//!
//! Both kernels use the same trick. `pmaddwd` multiplies signed 16-bit lanes
//! by 1 and adds adjacent pairs into 32-bit lanes: one instruction widens and
//! adds. The words are unsigned, so each is first biased by `^ 0x8000`
//! (turning `x` into the signed value `x - 32768`, so a pair gives
//! `x + y - 65536`). Every vector adds exactly one such pair to each 32-bit
//! lane, so the bias is removed by adding `65536 * vectors` to every lane
//! before the lanes are added up; that is computed from the length alone, off
//! the critical path. The result is the exact integer sum of the native-endian
//! 16-bit words, which the caller folds.
//!
//! A kernel covers the whole slice in one call. The last `2..vector` even
//! bytes come first: one overlapping load of the slice's last vector-sized
//! window with the bytes that full vectors cover masked to zero (the masked
//! window starts at an even offset from the slice start, so every 16-bit word
//! keeps its position parity); being independent of the main loop, its load,
//! mask and multiply overlap with it. Then the full vectors, then an odd final
//! byte.
//!
//! [`copy_and_sum_best`] is [`sum_avx2`] that also stores every vector it
//! loads into a second slice of the same length: a payload is read once for
//! its copy and its checksum.
//!
//! What is unsafe here and why it is sound:
//! * the unaligned loads read through raw pointers derived from a slice or a
//!   static array whose bounds are checked right above each load; the
//!   unaligned stores write through a pointer derived from a `&mut` slice
//!   whose bounds are checked the same way;
//! * calling a `#[target_feature]` function requires that the CPU has the
//!   feature: AVX2 is called only after runtime detection said yes (or the
//!   crate was compiled with AVX2 enabled), SSE2 is part of the x86_64
//!   baseline.

use core::sync::atomic::{AtomicU8, Ordering};

use super::TAIL_MASK;

use core::arch::x86_64::{
    __m128i, __m256i, _mm_add_epi32, _mm_and_si128, _mm_cvtsi32_si128, _mm_cvtsi128_si32,
    _mm_loadu_si128, _mm_madd_epi16, _mm_set1_epi16, _mm_set1_epi32, _mm_setzero_si128,
    _mm_shuffle_epi32, _mm_xor_si128, _mm256_add_epi32, _mm256_and_si256, _mm256_castsi256_si128,
    _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_set1_epi16,
    _mm256_set1_epi32, _mm256_setzero_si256, _mm256_storeu_si256, _mm256_xor_si256,
    _mm256_zextsi128_si256,
};

/// Bytes summed in 32-bit lanes before the lanes are added up into a `u64`.
///
/// The lanes wrap freely (wrapping adds are exact modulo 2^32); what must fit
/// is the unbiased total of all lanes, at most `131070` per pair: with AVX2,
/// (2048 vectors + 1 masked tail) * 8 pairs * 131070 < 2^32; with SSE2,
/// (4096 + 1) * 4 * 131070 < 2^32.
const DRAIN_BYTES: usize = 64 * 1024;

/// The per-lane bias of `vectors` vectors, as a lane value (modulo 2^32).
#[inline(always)]
fn lane_bias(vectors: usize) -> i32 {
    // At most (DRAIN_BYTES / 16 + 1) * 65536 < 2^29: no truncation.
    (vectors * 65536) as i32
}

/// Native-endian value of an odd last byte (RFC 1071 pads it with a zero
/// byte), or 0 when `data` has even length.
#[inline(always)]
fn odd_byte(data: &[u8]) -> i32 {
    match (data.len() & 1, data.last()) {
        (1, Some(b)) => u16::from_ne_bytes([*b, 0]) as i32,
        _ => 0,
    }
}

/// Sum of the native-endian 16-bit words of `data` (an odd last byte is padded
/// with zero) using AVX2: exact below 64 KiB, else folded to 32 bits with
/// end-around carries; zero only when every word is. The caller finishes it
/// (the folding is cheaper there, where `initial` is often a known constant).
///
/// No closures inside: a closure does not inherit `target_feature`, and the
/// intrinsics would then stop being inlined.
#[target_feature(enable = "avx2")]
#[inline]
fn sum_avx2(data: &[u8]) -> u32 {
    let even = data.len() & !1;
    if even < 32 {
        return super::fold_u64(super::scalar_ne(data));
    }
    let words = &data[..even];
    let full = even & !31;
    let r = even - full;
    let mut last = _mm256_setzero_si256();
    if r != 0 {
        // The last 32 bytes of `words` end with the `r` (even, 2..=30) bytes
        // that full vectors do not cover; the mask zeroes the `32 - r` before.
        let window = &words[even - 32..];
        let mask = &TAIL_MASK[r..r + 32];
        // SAFETY: `window` and `mask` are both exactly 32 bytes long (the
        // slicing above checked it), the size of the unaligned loads.
        let (v, m) = unsafe {
            (
                _mm256_loadu_si256(window.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(mask.as_ptr().cast::<__m256i>()),
            )
        };
        last = avx2_pairs(_mm256_and_si256(v, m));
    }
    let mut total: u64 = 0;
    let mut body = &words[..full];
    while body.len() > DRAIN_BYTES {
        let (block, rest) = body.split_at(DRAIN_BYTES);
        let bias = _mm256_set1_epi32(lane_bias(DRAIN_BYTES / 32));
        total += avx2_lanes_sum(_mm256_add_epi32(avx2_block(block), bias)) as u64;
        body = rest;
    }
    // The bias, and the odd byte in lane 0: both known from the start.
    let bias = lane_bias(body.len() / 32 + (r != 0) as usize);
    let odd = _mm256_zextsi128_si256(_mm_cvtsi32_si128(odd_byte(data)));
    let init = _mm256_add_epi32(_mm256_set1_epi32(bias), odd);
    let acc = _mm256_add_epi32(avx2_block(body), _mm256_add_epi32(last, init));
    let sum = avx2_lanes_sum(acc);
    match total {
        0 => sum,
        _ => super::fold_u64(total + sum as u64),
    }
}

/// Copies `src` into `dst` (the first `min` of both lengths) and returns
/// [`sum_avx2`] of what it copied, each 32-byte vector loaded once for both.
///
/// The last `len % 32` bytes are copied by one overlapping 32-byte store of
/// the last 32 bytes of `src` onto the last 32 bytes of `dst`: the bytes it
/// overlaps receive the values the main loop stores there too, and nothing
/// past `dst` is written. Their sum is [`sum_avx2`]'s masked window.
#[target_feature(enable = "avx2")]
#[inline]
fn copy_and_sum_avx2(dst: &mut [u8], src: &[u8]) -> u32 {
    let len = src.len().min(dst.len());
    let (dst, src) = (&mut dst[..len], &src[..len]);
    let even = len & !1;
    if even < 32 {
        dst.copy_from_slice(src);
        return super::fold_u64(super::scalar_ne(src));
    }
    let full = even & !31;
    let r = even - full;
    let mut last = _mm256_setzero_si256();
    if r != 0 {
        // As in `sum_avx2`: the last 32 even bytes, the first `32 - r` masked.
        let window = &src[even - 32..even];
        let mask = &TAIL_MASK[r..r + 32];
        // SAFETY: `window` and `mask` are both exactly 32 bytes long (the
        // slicing above checked it), the size of the unaligned loads.
        let (v, m) = unsafe {
            (
                _mm256_loadu_si256(window.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(mask.as_ptr().cast::<__m256i>()),
            )
        };
        last = avx2_pairs(_mm256_and_si256(v, m));
    }
    if full != len {
        // The bytes after the full vectors (odd last byte included).
        let (s, d) = (&src[len - 32..], &mut dst[len - 32..]);
        // SAFETY: `s` and `d` are both exactly 32 bytes long (`len >= 32`,
        // checked by the slicing), the size of the unaligned load and store.
        unsafe {
            let v = _mm256_loadu_si256(s.as_ptr().cast::<__m256i>());
            _mm256_storeu_si256(d.as_mut_ptr().cast::<__m256i>(), v);
        }
    }
    let mut total: u64 = 0;
    let (mut dbody, mut sbody) = (&mut dst[..full], &src[..full]);
    while sbody.len() > DRAIN_BYTES {
        let (sblock, srest) = sbody.split_at(DRAIN_BYTES);
        let (dblock, drest) = dbody.split_at_mut(DRAIN_BYTES);
        let bias = _mm256_set1_epi32(lane_bias(DRAIN_BYTES / 32));
        let acc = avx2_copy_block(dblock, sblock);
        total += avx2_lanes_sum(_mm256_add_epi32(acc, bias)) as u64;
        (dbody, sbody) = (drest, srest);
    }
    let bias = lane_bias(sbody.len() / 32 + (r != 0) as usize);
    let odd = _mm256_zextsi128_si256(_mm_cvtsi32_si128(odd_byte(src)));
    let init = _mm256_add_epi32(_mm256_set1_epi32(bias), odd);
    let acc = _mm256_add_epi32(avx2_copy_block(dbody, sbody), _mm256_add_epi32(last, init));
    let sum = avx2_lanes_sum(acc);
    match total {
        0 => sum,
        _ => super::fold_u64(total + sum as u64),
    }
}

/// [`avx2_block`] of `src` that also stores each vector into `dst` (both the
/// same multiple of 32 bytes long, at most [`DRAIN_BYTES`]): four vectors per
/// iteration into four accumulators.
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_copy_block(dst: &mut [u8], src: &[u8]) -> __m256i {
    let (mut a0, mut a1, mut a2, mut a3) = (
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
    );
    let mut schunks = src.chunks_exact(128);
    let mut dchunks = dst.chunks_exact_mut(128);
    for (s, d) in (&mut schunks).zip(&mut dchunks) {
        let (sp, dp) = (
            s.as_ptr().cast::<__m256i>(),
            d.as_mut_ptr().cast::<__m256i>(),
        );
        // SAFETY: `s` and `d` are both 128 bytes long: the four unaligned
        // 32-byte loads and stores at offsets 0, 32, 64 and 96 stay inside
        // them; `loadu`/`storeu` need no alignment.
        let v = unsafe {
            let v = [
                _mm256_loadu_si256(sp),
                _mm256_loadu_si256(sp.add(1)),
                _mm256_loadu_si256(sp.add(2)),
                _mm256_loadu_si256(sp.add(3)),
            ];
            _mm256_storeu_si256(dp, v[0]);
            _mm256_storeu_si256(dp.add(1), v[1]);
            _mm256_storeu_si256(dp.add(2), v[2]);
            _mm256_storeu_si256(dp.add(3), v[3]);
            v
        };
        a0 = _mm256_add_epi32(a0, avx2_pairs(v[0]));
        a1 = _mm256_add_epi32(a1, avx2_pairs(v[1]));
        a2 = _mm256_add_epi32(a2, avx2_pairs(v[2]));
        a3 = _mm256_add_epi32(a3, avx2_pairs(v[3]));
    }
    // The 0..=3 vectors left, unrolled: LLVM turns a loop here into a
    // `memcpy` call (spilling the accumulators around it) plus a second pass
    // for the sum.
    let (srest, drest) = (schunks.remainder(), dchunks.into_remainder());
    for (i, acc) in [&mut a1, &mut a2, &mut a3].into_iter().enumerate() {
        let at = 32 * i;
        if let (Some(s), Some(d)) = (
            srest.get(at..).and_then(|r| r.first_chunk::<32>()),
            drest.get_mut(at..).and_then(|r| r.first_chunk_mut::<32>()),
        ) {
            *acc = _mm256_add_epi32(*acc, avx2_pairs(avx2_copy_vector(d, s)));
        }
    }
    _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3))
}

/// Copies one 32-byte vector and returns it.
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_copy_vector(dst: &mut [u8; 32], src: &[u8; 32]) -> __m256i {
    // SAFETY: `src` and `dst` are both 32-byte arrays, the size of the
    // unaligned load and store.
    unsafe {
        let v = _mm256_loadu_si256(src.as_ptr().cast::<__m256i>());
        _mm256_storeu_si256(dst.as_mut_ptr().cast::<__m256i>(), v);
        v
    }
}

/// [`copy_and_sum_avx2`] as an out-of-line call.
#[target_feature(enable = "avx2")]
fn copy_and_sum_avx2_call(dst: &mut [u8], src: &[u8]) -> u32 {
    copy_and_sum_avx2(dst, src)
}

/// [`copy_and_sum_avx2`] when this CPU has AVX2, else `None` (the caller
/// copies and then sums).
#[inline]
pub(super) fn copy_and_sum_best(dst: &mut [u8], src: &[u8]) -> Option<u32> {
    // SAFETY: called only after `avx2_available()` confirmed AVX2 support.
    avx2_available().then(|| unsafe { copy_and_sum_avx2_call(dst, src) })
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
///
/// Eight vectors per iteration into four accumulators; the `0..=7` vectors
/// left over go first, so the loop's last add is the only one the lane sum
/// waits for.
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_block(block: &[u8]) -> __m256i {
    let (mut a0, mut a1, mut a2, mut a3) = (
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
    );
    let mut chunks = block.chunks_exact(256);
    let mut rest = chunks.remainder();
    while let Some((c, tail)) = rest.split_first_chunk::<64>() {
        let p = c.as_ptr().cast::<__m256i>();
        // SAFETY: `c` is a 64-byte array: the two unaligned 32-byte loads at
        // offsets 0 and 32 stay inside it.
        let (v0, v1) = unsafe { (_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1))) };
        a2 = _mm256_add_epi32(a2, avx2_pairs(v0));
        a3 = _mm256_add_epi32(a3, avx2_pairs(v1));
        rest = tail;
    }
    if let Some(c) = rest.first_chunk::<32>() {
        // SAFETY: `c` is a 32-byte array, exactly the size of the load.
        let v = unsafe { _mm256_loadu_si256(c.as_ptr().cast::<__m256i>()) };
        a1 = avx2_pairs(v);
    }
    for c in &mut chunks {
        let p = c.as_ptr().cast::<__m256i>();
        // SAFETY: `c` is 256 bytes long: the eight unaligned 32-byte loads at
        // offsets 0, 32, ..., 224 stay inside it; `loadu` needs no alignment.
        let v = unsafe {
            [
                _mm256_loadu_si256(p),
                _mm256_loadu_si256(p.add(1)),
                _mm256_loadu_si256(p.add(2)),
                _mm256_loadu_si256(p.add(3)),
                _mm256_loadu_si256(p.add(4)),
                _mm256_loadu_si256(p.add(5)),
                _mm256_loadu_si256(p.add(6)),
                _mm256_loadu_si256(p.add(7)),
            ]
        };
        a0 = _mm256_add_epi32(a0, _mm256_add_epi32(avx2_pairs(v[0]), avx2_pairs(v[4])));
        a1 = _mm256_add_epi32(a1, _mm256_add_epi32(avx2_pairs(v[1]), avx2_pairs(v[5])));
        a2 = _mm256_add_epi32(a2, _mm256_add_epi32(avx2_pairs(v[2]), avx2_pairs(v[6])));
        a3 = _mm256_add_epi32(a3, _mm256_add_epi32(avx2_pairs(v[3]), avx2_pairs(v[7])));
    }
    _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3))
}

/// The eight 32-bit lanes of `acc` added up modulo 2^32 (exact by
/// [`DRAIN_BYTES`] once the bias is removed).
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_lanes_sum(acc: __m256i) -> u32 {
    let x = _mm_add_epi32(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256::<1>(acc),
    );
    let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b01_00_11_10>(x));
    let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b10_11_00_01>(x));
    _mm_cvtsi128_si32(x) as u32
}

/// [`sum_avx2`] with SSE2 (x86_64 baseline) and 16-byte vectors.
#[target_feature(enable = "sse2")]
#[inline]
fn sum_sse2(data: &[u8]) -> u32 {
    let even = data.len() & !1;
    if even < 16 {
        return super::fold_u64(super::scalar_ne(data));
    }
    let words = &data[..even];
    let full = even & !15;
    let r = even - full;
    let mut last = _mm_setzero_si128();
    if r != 0 {
        // As in `sum_avx2`: the last 16 bytes, the first `16 - r` masked.
        let window = &words[even - 16..];
        let mask = &TAIL_MASK[16 + r..32 + r];
        // SAFETY: `window` and `mask` are both exactly 16 bytes long (the
        // slicing above checked it), the size of the unaligned loads.
        let (v, m) = unsafe {
            (
                _mm_loadu_si128(window.as_ptr().cast::<__m128i>()),
                _mm_loadu_si128(mask.as_ptr().cast::<__m128i>()),
            )
        };
        last = sse2_pairs(_mm_and_si128(v, m));
    }
    let mut total: u64 = 0;
    let mut body = &words[..full];
    while body.len() > DRAIN_BYTES {
        let (block, rest) = body.split_at(DRAIN_BYTES);
        let bias = _mm_set1_epi32(lane_bias(DRAIN_BYTES / 16));
        total += sse2_lanes_sum(_mm_add_epi32(sse2_block(block), bias)) as u64;
        body = rest;
    }
    let bias = lane_bias(body.len() / 16 + (r != 0) as usize);
    let init = _mm_add_epi32(_mm_set1_epi32(bias), _mm_cvtsi32_si128(odd_byte(data)));
    let acc = _mm_add_epi32(sse2_block(body), _mm_add_epi32(last, init));
    let sum = sse2_lanes_sum(acc);
    match total {
        0 => sum,
        _ => super::fold_u64(total + sum as u64),
    }
}

/// [`avx2_pairs`] for one 16-byte vector.
#[target_feature(enable = "sse2")]
#[inline]
fn sse2_pairs(v: __m128i) -> __m128i {
    _mm_madd_epi16(
        _mm_xor_si128(v, _mm_set1_epi16(i16::MIN)),
        _mm_set1_epi16(1),
    )
}

/// [`avx2_block`] with 16-byte vectors, four per iteration.
#[target_feature(enable = "sse2")]
#[inline]
fn sse2_block(block: &[u8]) -> __m128i {
    let (mut a0, mut a1, mut a2, mut a3) = (
        _mm_setzero_si128(),
        _mm_setzero_si128(),
        _mm_setzero_si128(),
        _mm_setzero_si128(),
    );
    let mut chunks = block.chunks_exact(64);
    let mut rest = chunks.remainder();
    while let Some((c, tail)) = rest.split_first_chunk::<16>() {
        // SAFETY: `c` is a 16-byte array, exactly the size of the load.
        let v = unsafe { _mm_loadu_si128(c.as_ptr().cast::<__m128i>()) };
        a1 = _mm_add_epi32(a1, sse2_pairs(v));
        rest = tail;
    }
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
        a0 = _mm_add_epi32(a0, sse2_pairs(v0));
        a1 = _mm_add_epi32(a1, sse2_pairs(v1));
        a2 = _mm_add_epi32(a2, sse2_pairs(v2));
        a3 = _mm_add_epi32(a3, sse2_pairs(v3));
    }
    _mm_add_epi32(_mm_add_epi32(a0, a1), _mm_add_epi32(a2, a3))
}

/// [`avx2_lanes_sum`] of four lanes.
#[target_feature(enable = "sse2")]
#[inline]
fn sse2_lanes_sum(x: __m128i) -> u32 {
    let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b01_00_11_10>(x));
    let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b10_11_00_01>(x));
    _mm_cvtsi128_si32(x) as u32
}

/// AVX2 support, detected once: 0 = not yet known, 1 = no, 2 = yes.
static AVX2: AtomicU8 = AtomicU8::new(0);

/// Whether this CPU can run [`sum_avx2`]. The first call detects, later calls
/// are one relaxed atomic load and a predicted branch: the detection and the
/// store stay out of line, so the hot caller keeps no register for them.
#[inline]
pub(super) fn avx2_available() -> bool {
    if cfg!(target_feature = "avx2") {
        return true;
    }
    match AVX2.load(Ordering::Relaxed) {
        2 => true,
        1 => false,
        _ => detect_avx2(),
    }
}

/// Detects AVX2 and records the answer in [`AVX2`].
#[cold]
#[inline(never)]
fn detect_avx2() -> bool {
    #[cfg(target_feature = "avx2")]
    let yes = true;
    #[cfg(all(not(target_feature = "avx2"), feature = "std"))]
    let yes = std::is_x86_feature_detected!("avx2");
    #[cfg(all(not(target_feature = "avx2"), not(feature = "std")))]
    let yes = false;
    AVX2.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
    yes
}

/// [`sum_avx2`] as an out-of-line call.
#[target_feature(enable = "avx2")]
fn sum_avx2_call(data: &[u8]) -> u32 {
    sum_avx2(data)
}

/// [`super::checksum`] with AVX2, finished inside: the caller's dispatch then
/// ends in a tail call.
#[target_feature(enable = "avx2")]
fn checksum_avx2(data: &[u8]) -> u16 {
    !super::fold_sum(super::finish32(sum_avx2(data), 0))
}

/// [`checksum_avx2`] with SSE2.
#[target_feature(enable = "sse2")]
fn checksum_sse2(data: &[u8]) -> u16 {
    !super::fold_sum(super::finish32(sum_sse2(data), 0))
}

/// [`super::checksum`] with the fastest kernel this CPU has.
#[inline]
pub(super) fn checksum_best(data: &[u8]) -> u16 {
    if avx2_available() {
        // SAFETY: `avx2_available()` returned true, so this CPU supports AVX2
        // (runtime detection, or AVX2 enabled at compile time).
        unsafe { checksum_avx2(data) }
    } else {
        // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it.
        unsafe { checksum_sse2(data) }
    }
}

/// The fastest kernel this CPU has: AVX2 if detected, else SSE2.
#[inline]
pub(super) fn sum_best(data: &[u8]) -> u32 {
    if avx2_available() {
        // SAFETY: `avx2_available()` returned true, so this CPU supports AVX2
        // (runtime detection, or AVX2 enabled at compile time).
        unsafe { sum_avx2_call(data) }
    } else {
        sum_sse2_baseline(data)
    }
}

/// [`sum_avx2`], or `None` when this CPU lacks AVX2.
pub(super) fn sum_avx2_checked(data: &[u8]) -> Option<u32> {
    // SAFETY: called only after `avx2_available()` confirmed AVX2 support.
    avx2_available().then(|| unsafe { sum_avx2_call(data) })
}

/// [`sum_sse2`], always available on x86_64.
#[inline]
pub(super) fn sum_sse2_baseline(data: &[u8]) -> u32 {
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it.
    unsafe { sum_sse2(data) }
}
