//! AVX2 block-dot kernels over the grouped layout (see [`crate::quant::q4_offset`]): each 32-byte
//! vector holds a 4-value chunk of eight blocks, so `maddubs` + `madd` leave one block's exact integer
//! dot in each 32-bit lane with no horizontal shuffles. The f32 part then runs lane `b % 8` = block
//! `b` in exactly the scalar kernels' order. A last, shorter group is read with masked loads; its
//! empty lanes contribute `+0.0`, which leaves a lane unchanged (a lane that starts at `+0.0` and
//! only adds can never be `-0.0`). Kernels take `N` activation rows at once (prefill), so each weight
//! vector is loaded and unpacked once for `N` tokens. Bit-identical to [`super::scalar`]; the tests
//! in `kernels/mod.rs` prove it.

use std::arch::x86_64::*;

use half::f16;

use super::XRow;
use crate::math::tree8;
use crate::quant::{GROUP, QK};

#[inline(always)]
unsafe fn lanes(acc: __m256) -> [f32; 8] {
    let mut l = [0f32; 8];
    _mm256_storeu_ps(l.as_mut_ptr(), acc);
    l
}

/// A group of up to eight blocks: where it starts, how many blocks, and the lane mask if short.
#[derive(Clone, Copy)]
pub struct Group {
    /// First block.
    b0: usize,
    /// Bytes per 4-value chunk (4 × blocks in the group).
    stride: usize,
    mask: Option<__m256i>,
}

/// Runs `body` over the groups of a row of `nb` blocks: whole groups with plain loads (`mask` is
/// the literal `None`, folded away), then the short last group, if any, with a lane mask. A macro, not
/// a closure: closures do not inherit the caller's target features, and intrinsics in them would
/// become function calls.
macro_rules! for_groups {
    ($nb:expr, |$g:ident| $body:block) => {{
        let nb = $nb;
        let full = nb / GROUP;
        for gi in 0..full {
            let $g = Group {
                b0: gi * GROUP,
                stride: 4 * GROUP,
                mask: None,
            };
            $body
        }
        let k = nb - full * GROUP;
        if k > 0 {
            let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            let $g = Group {
                b0: full * GROUP,
                stride: 4 * k,
                mask: Some(_mm256_cmpgt_epi32(_mm256_set1_epi32(k as i32), lane)),
            };
            $body
        }
    }};
}

#[inline(always)]
unsafe fn load_i(p: *const u8, mask: Option<__m256i>) -> __m256i {
    match mask {
        None => _mm256_loadu_si256(p as *const __m256i),
        Some(m) => _mm256_maskload_epi32(p as *const i32, m),
    }
}

/// Eight f16 scales widened to f32 (exact), zero beyond a short group.
#[inline(always)]
unsafe fn load_h(p: *const f16, g: Group) -> __m256 {
    match g.mask {
        None => _mm256_cvtph_ps(_mm_loadu_si128(p as *const __m128i)),
        Some(_) => {
            let mut b = [0u16; 8];
            std::ptr::copy_nonoverlapping(p as *const u16, b.as_mut_ptr(), g.stride / 4);
            _mm256_cvtph_ps(_mm_loadu_si128(b.as_ptr() as *const __m128i))
        }
    }
}

#[inline(always)]
unsafe fn load_f(p: *const f32, mask: Option<__m256i>) -> __m256 {
    match mask {
        None => _mm256_loadu_ps(p),
        Some(m) => _mm256_maskload_ps(p, m),
    }
}

/// Block scales as stored (f16 or f32), eight at a time widened to f32 (exact).
pub trait Scales: Copy {
    /// The scales of group `g`, from `p` (its first block); zero beyond a short group.
    ///
    /// # Safety
    /// The CPU must have AVX2 and F16C; `p` must hold the group's scales.
    unsafe fn load8(p: *const Self, g: Group) -> __m256;
}

impl Scales for f16 {
    #[inline(always)]
    unsafe fn load8(p: *const Self, g: Group) -> __m256 {
        load_h(p, g)
    }
}

impl Scales for f32 {
    #[inline(always)]
    unsafe fn load8(p: *const Self, g: Group) -> __m256 {
        load_f(p, g.mask)
    }
}

/// The half-block integer scales of group `g` (two i8 per block from `p`, the group's first
/// block): lows and highs, each eight i32 lanes; zero beyond a short group.
#[inline(always)]
unsafe fn load_sub(p: *const i8, g: Group) -> (__m256i, __m256i) {
    let mut b = [0i8; 16];
    std::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), g.stride / 2);
    let v = _mm_loadu_si128(b.as_ptr() as *const __m128i);
    // Even bytes (low halves) to bytes 0..8, odd bytes (high halves) to bytes 8..16.
    let split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    let v = _mm_shuffle_epi8(v, split);
    (
        _mm256_cvtepi8_epi32(v),
        _mm256_cvtepi8_epi32(_mm_srli_si128::<8>(v)),
    )
}

/// The eight unpacked nibble vectors of one Q4 group: `w[k]` pairs with activation chunk `k`
/// (chunks 0..4 are the low nibbles, 4..8 the high nibbles of the same bytes).
#[inline(always)]
unsafe fn q4_group(qs: *const u8, g: Group) -> [__m256i; 8] {
    let m4 = _mm256_set1_epi8(0x0f);
    let p = qs.add(g.b0 * 16);
    let mut w = [_mm256_setzero_si256(); 8];
    for k in 0..4 {
        let v = load_i(p.add(k * g.stride), g.mask);
        w[k] = _mm256_and_si256(v, m4);
        w[k + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
    }
    w
}

/// The eight value vectors of one Q8 group (`w[k]` pairs with activation chunk `k`) and their
/// magnitudes (`maddubs` takes an unsigned operand; the signs go onto the activations).
#[inline(always)]
unsafe fn q8_group(wp: *const u8, g: Group) -> ([__m256i; 8], [__m256i; 8]) {
    let mut aw = [_mm256_setzero_si256(); 8];
    let mut w = [_mm256_setzero_si256(); 8];
    for k in 0..8 {
        w[k] = load_i(wp.add(k * g.stride), g.mask);
        aw[k] = _mm256_sign_epi8(w[k], w[k]);
    }
    (aw, w)
}

/// How a kernel computes the exact per-block integer dots of one group. Both back-ends give the
/// same integers (integer arithmetic is exact), so the f32 results are identical too.
pub trait IntDot {
    /// Per-block dots of an unpacked Q4 group (`w[k]` unsigned nibbles) with activation chunks.
    ///
    /// # Safety
    /// The CPU must have the implementation's features; `xq` must point at the group's activations.
    unsafe fn q4(w: &[__m256i; 8], xq: *const u8, g: Group) -> __m256i;
    /// Per-block dots of a Q8 group (`aw` = |w|, `w` for the signs) with activation chunks.
    ///
    /// # Safety
    /// As for [`IntDot::q4`].
    unsafe fn q8(aw: &[__m256i; 8], w: &[__m256i; 8], xq: *const u8, g: Group) -> __m256i;
}

/// AVX2: `maddubs` + `madd`. Each `maddubs` lane of a Q4 group is at most 2·15·127 = 3810, so
/// eight of them sum in i16 without overflow.
pub struct Avx2;

impl IntDot for Avx2 {
    #[inline(always)]
    unsafe fn q4(w: &[__m256i; 8], p: *const u8, g: Group) -> __m256i {
        let mut s = _mm256_maddubs_epi16(w[0], load_i(p, g.mask));
        for (k, wk) in w.iter().enumerate().skip(1) {
            s = _mm256_add_epi16(
                s,
                _mm256_maddubs_epi16(*wk, load_i(p.add(k * g.stride), g.mask)),
            );
        }
        _mm256_madd_epi16(s, _mm256_set1_epi16(1))
    }

    #[inline(always)]
    unsafe fn q8(aw: &[__m256i; 8], w: &[__m256i; 8], p: *const u8, g: Group) -> __m256i {
        let ones = _mm256_set1_epi16(1);
        let mut s = _mm256_setzero_si256();
        for k in 0..8 {
            let xv = load_i(p.add(k * g.stride), g.mask);
            let prod = _mm256_maddubs_epi16(aw[k], _mm256_sign_epi8(xv, w[k]));
            s = _mm256_add_epi32(s, _mm256_madd_epi16(prod, ones));
        }
        s
    }
}

/// AVX-512 VNNI on 256-bit vectors: `vpdpbusd` sums four u8×i8 products into each i32 lane.
pub struct Vnni;

impl IntDot for Vnni {
    #[inline(always)]
    unsafe fn q4(w: &[__m256i; 8], p: *const u8, g: Group) -> __m256i {
        let mut s = _mm256_setzero_si256();
        for (k, wk) in w.iter().enumerate() {
            s = _mm256_dpbusd_epi32(s, *wk, load_i(p.add(k * g.stride), g.mask));
        }
        s
    }

    #[inline(always)]
    unsafe fn q8(aw: &[__m256i; 8], w: &[__m256i; 8], p: *const u8, g: Group) -> __m256i {
        let mut s = _mm256_setzero_si256();
        for k in 0..8 {
            let xv = load_i(p.add(k * g.stride), g.mask);
            s = _mm256_dpbusd_epi32(s, aw[k], _mm256_sign_epi8(xv, w[k]));
        }
        s
    }
}

#[inline(always)]
unsafe fn q4_1_body<D: IntDot, S: Scales, const N: usize>(
    qs: &[u8],
    d: &[S],
    m: &[S],
    x: &[XRow<'_>; N],
) -> [f32; N] {
    let mut acc = [_mm256_setzero_ps(); N];
    for_groups!(d.len(), |g| {
        let w = q4_group(qs.as_ptr(), g);
        let dw = S::load8(d.as_ptr().add(g.b0), g);
        let mw = S::load8(m.as_ptr().add(g.b0), g);
        for t in 0..N {
            let xp = (x[t].q.as_ptr() as *const u8).add(g.b0 * QK);
            let isum = _mm256_cvtepi32_ps(D::q4(&w, xp, g));
            let dx = load_f(x[t].d.as_ptr().add(g.b0), g.mask);
            let sx = load_f(x[t].s.as_ptr().add(g.b0), g.mask);
            let v = _mm256_add_ps(
                _mm256_mul_ps(_mm256_mul_ps(dw, dx), isum),
                _mm256_mul_ps(mw, sx),
            );
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    });
    let mut out = [0f32; N];
    for t in 0..N {
        out[t] = tree8(&lanes(acc[t]));
    }
    out
}

#[inline(always)]
unsafe fn q4_0_body<D: IntDot, const N: usize>(
    qs: &[u8],
    d: &[f16],
    x: &[XRow<'_>; N],
) -> [f32; N] {
    let mut acc = [_mm256_setzero_ps(); N];
    for_groups!(d.len(), |g| {
        let w = q4_group(qs.as_ptr(), g);
        let dw = load_h(d.as_ptr().add(g.b0), g);
        for t in 0..N {
            let xp = (x[t].q.as_ptr() as *const u8).add(g.b0 * QK);
            let xi = load_i(x[t].isum.as_ptr().add(g.b0) as *const u8, g.mask);
            let isum = _mm256_sub_epi32(D::q4(&w, xp, g), _mm256_slli_epi32(xi, 3));
            let dx = load_f(x[t].d.as_ptr().add(g.b0), g.mask);
            let v = _mm256_mul_ps(_mm256_mul_ps(dw, dx), _mm256_cvtepi32_ps(isum));
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    });
    let mut out = [0f32; N];
    for t in 0..N {
        out[t] = tree8(&lanes(acc[t]));
    }
    out
}

#[inline(always)]
unsafe fn q8_0_body<D: IntDot, const N: usize>(
    qs: &[i8],
    d: &[f16],
    x: &[XRow<'_>; N],
) -> [f32; N] {
    let mut acc = [_mm256_setzero_ps(); N];
    for_groups!(d.len(), |g| {
        let wp = (qs.as_ptr() as *const u8).add(g.b0 * QK);
        let dw = load_h(d.as_ptr().add(g.b0), g);
        let (aw, w) = q8_group(wp, g);
        for t in 0..N {
            let xp = (x[t].q.as_ptr() as *const u8).add(g.b0 * QK);
            let s = D::q8(&aw, &w, xp, g);
            let dx = load_f(x[t].d.as_ptr().add(g.b0), g.mask);
            let v = _mm256_mul_ps(_mm256_mul_ps(dw, dx), _mm256_cvtepi32_ps(s));
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    });
    let mut out = [0f32; N];
    for t in 0..N {
        out[t] = tree8(&lanes(acc[t]));
    }
    out
}

/// Q8F · Q8 for `N` activation rows, see [`super::scalar::dot_q8f`]. With half-block scales
/// (`SUB`), each block's two 16-value integer dots are scaled and summed in i32 (exact).
///
/// # Safety
/// The CPU must have AVX2 and F16C; slices must have the lengths the scalar kernel expects
/// (`m` and `sub` may be empty when `MIN` or `SUB` is false).
#[target_feature(enable = "avx2,f16c")]
pub unsafe fn dot_q8f<const MIN: bool, const SUB: bool, const N: usize>(
    qs: &[i8],
    d: &[f32],
    m: &[f32],
    sub: &[i8],
    x: &[XRow<'_>; N],
) -> [f32; N] {
    let ones = _mm256_set1_epi16(1);
    let mut acc = [_mm256_setzero_ps(); N];
    for_groups!(d.len(), |g| {
        let wp = (qs.as_ptr() as *const u8).add(g.b0 * QK);
        let dw = load_f(d.as_ptr().add(g.b0), g.mask);
        let mw = if MIN {
            load_f(m.as_ptr().add(g.b0), g.mask)
        } else {
            _mm256_setzero_ps()
        };
        let (sc_lo, sc_hi) = if SUB {
            load_sub(sub.as_ptr().add(2 * g.b0), g)
        } else {
            (_mm256_setzero_si256(), _mm256_setzero_si256())
        };
        let (aw, w) = q8_group(wp, g);
        for t in 0..N {
            let xp = (x[t].q.as_ptr() as *const u8).add(g.b0 * QK);
            // Chunks 0..4 are values 0..16 of each block, chunks 4..8 values 16..32.
            let mut half = [_mm256_setzero_si256(); 2];
            for k in 0..8 {
                let xv = load_i(xp.add(k * g.stride), g.mask);
                let prod = _mm256_maddubs_epi16(aw[k], _mm256_sign_epi8(xv, w[k]));
                half[k / 4] = _mm256_add_epi32(half[k / 4], _mm256_madd_epi16(prod, ones));
            }
            let isum = if SUB {
                _mm256_add_epi32(
                    _mm256_mullo_epi32(half[0], sc_lo),
                    _mm256_mullo_epi32(half[1], sc_hi),
                )
            } else {
                _mm256_add_epi32(half[0], half[1])
            };
            let dx = load_f(x[t].d.as_ptr().add(g.b0), g.mask);
            let mut v = _mm256_mul_ps(_mm256_mul_ps(dw, dx), _mm256_cvtepi32_ps(isum));
            if MIN {
                let sx = load_f(x[t].s.as_ptr().add(g.b0), g.mask);
                v = _mm256_add_ps(v, _mm256_mul_ps(mw, sx));
            }
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    });
    let mut out = [0f32; N];
    for t in 0..N {
        out[t] = tree8(&lanes(acc[t]));
    }
    out
}

macro_rules! entry_points {
    ($features:literal, $dot:ty, $q41:ident, $q40:ident, $q80:ident) => {
        /// Q4_1 · Q8 for `N` activation rows, see [`super::scalar::dot_q4_1`].
        ///
        /// # Safety
        /// The CPU must support the target features; slices must have the lengths the scalar
        /// kernel expects.
        #[target_feature(enable = $features)]
        pub unsafe fn $q41<S: Scales, const N: usize>(
            qs: &[u8],
            d: &[S],
            m: &[S],
            x: &[XRow<'_>; N],
        ) -> [f32; N] {
            q4_1_body::<$dot, S, N>(qs, d, m, x)
        }

        /// Q4_0 · Q8 for `N` activation rows, see [`super::scalar::dot_q4_0`].
        ///
        /// # Safety
        /// As for the Q4_1 kernel.
        #[target_feature(enable = $features)]
        pub unsafe fn $q40<const N: usize>(qs: &[u8], d: &[f16], x: &[XRow<'_>; N]) -> [f32; N] {
            q4_0_body::<$dot, N>(qs, d, x)
        }

        /// Q8_0 · Q8 for `N` activation rows, see [`super::scalar::dot_q8_0`].
        ///
        /// # Safety
        /// As for the Q4_1 kernel.
        #[target_feature(enable = $features)]
        pub unsafe fn $q80<const N: usize>(qs: &[i8], d: &[f16], x: &[XRow<'_>; N]) -> [f32; N] {
            q8_0_body::<$dot, N>(qs, d, x)
        }
    };
}

entry_points!("avx2,f16c", Avx2, dot_q4_1, dot_q4_0, dot_q8_0);
entry_points!(
    "avx2,f16c,avx512vnni,avx512vl",
    Vnni,
    dot_q4_1_vnni,
    dot_q4_0_vnni,
    dot_q8_0_vnni
);
