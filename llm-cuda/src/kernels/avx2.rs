//! AVX2 block-dot kernels over the grouped layout (see [`crate::quant::q4_offset`]): each 32-byte
//! vector holds a 4-value chunk of eight blocks, so `maddubs` + `madd` leave one block's exact integer
//! dot in each 32-bit lane with no horizontal shuffles. The f32 part then runs lane `b % 8` = block
//! `b` in exactly the scalar kernels' order. A last, shorter group is read with masked loads; its
//! empty lanes contribute `+0.0`, which leaves a lane unchanged (a lane that starts at `+0.0` and
//! only adds can never be `-0.0`). Kernels take `N` activation rows at once (prefill), so each weight
//! vector is loaded and unpacked once for `N` tokens. Bit-identical to [`super::scalar`]; the tests
//! in `kernels/mod.rs` prove it.

use std::arch::x86_64::*;

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
struct Group {
    /// First block.
    b0: usize,
    /// Bytes per 4-value chunk (4 × blocks in the group).
    stride: usize,
    mask: Option<__m256i>,
}

#[inline(always)]
unsafe fn groups(nb: usize) -> impl Iterator<Item = Group> {
    (0..nb.div_ceil(GROUP)).map(move |g| {
        let k = (nb - g * GROUP).min(GROUP);
        let mask = (k < GROUP).then(|| {
            _mm256_cmpgt_epi32(
                _mm256_set1_epi32(k as i32),
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            )
        });
        Group {
            b0: g * GROUP,
            stride: 4 * k,
            mask,
        }
    })
}

#[inline(always)]
unsafe fn load_i(p: *const u8, mask: Option<__m256i>) -> __m256i {
    match mask {
        None => _mm256_loadu_si256(p as *const __m256i),
        Some(m) => _mm256_maskload_epi32(p as *const i32, m),
    }
}

#[inline(always)]
unsafe fn load_f(p: *const f32, mask: Option<__m256i>) -> __m256 {
    match mask {
        None => _mm256_loadu_ps(p),
        Some(m) => _mm256_maskload_ps(p, m),
    }
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

/// Per-block exact dots of an unpacked Q4 group with the activations' group. Each `maddubs` lane
/// is at most 2·15·127 = 3810, so eight of them sum in i16 without overflow.
#[inline(always)]
unsafe fn q4_group_isums(w: &[__m256i; 8], xq: *const i8, g: Group) -> __m256i {
    let p = (xq as *const u8).add(g.b0 * QK);
    let mut s = _mm256_maddubs_epi16(w[0], load_i(p, g.mask));
    for (k, wk) in w.iter().enumerate().skip(1) {
        s = _mm256_add_epi16(
            s,
            _mm256_maddubs_epi16(*wk, load_i(p.add(k * g.stride), g.mask)),
        );
    }
    _mm256_madd_epi16(s, _mm256_set1_epi16(1))
}

/// Q4_1 · Q8 for `N` activation rows, see [`super::scalar::dot_q4_1`].
///
/// # Safety
/// The CPU must support AVX2; slices must have the lengths the scalar kernel expects.
#[target_feature(enable = "avx2")]
pub unsafe fn dot_q4_1<const N: usize>(
    qs: &[u8],
    d: &[f32],
    m: &[f32],
    x: &[XRow<'_>; N],
) -> [f32; N] {
    let mut acc = [_mm256_setzero_ps(); N];
    for g in groups(d.len()) {
        let w = q4_group(qs.as_ptr(), g);
        let dw = load_f(d.as_ptr().add(g.b0), g.mask);
        let mw = load_f(m.as_ptr().add(g.b0), g.mask);
        for t in 0..N {
            let isum = _mm256_cvtepi32_ps(q4_group_isums(&w, x[t].q.as_ptr(), g));
            let dx = load_f(x[t].d.as_ptr().add(g.b0), g.mask);
            let sx = load_f(x[t].s.as_ptr().add(g.b0), g.mask);
            let v = _mm256_add_ps(
                _mm256_mul_ps(_mm256_mul_ps(dw, dx), isum),
                _mm256_mul_ps(mw, sx),
            );
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    }
    acc.map(|a| tree8(&lanes(a)))
}

/// Q4_0 · Q8 for `N` activation rows, see [`super::scalar::dot_q4_0`].
///
/// # Safety
/// The CPU must support AVX2; slices must have the lengths the scalar kernel expects.
#[target_feature(enable = "avx2")]
pub unsafe fn dot_q4_0<const N: usize>(qs: &[u8], d: &[f32], x: &[XRow<'_>; N]) -> [f32; N] {
    let mut acc = [_mm256_setzero_ps(); N];
    for g in groups(d.len()) {
        let w = q4_group(qs.as_ptr(), g);
        let dw = load_f(d.as_ptr().add(g.b0), g.mask);
        for t in 0..N {
            let xi = load_i(x[t].isum.as_ptr().add(g.b0) as *const u8, g.mask);
            let isum = _mm256_sub_epi32(
                q4_group_isums(&w, x[t].q.as_ptr(), g),
                _mm256_slli_epi32(xi, 3),
            );
            let dx = load_f(x[t].d.as_ptr().add(g.b0), g.mask);
            let v = _mm256_mul_ps(_mm256_mul_ps(dw, dx), _mm256_cvtepi32_ps(isum));
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    }
    acc.map(|a| tree8(&lanes(a)))
}

/// Q8_0 · Q8 for `N` activation rows, see [`super::scalar::dot_q8_0`].
///
/// # Safety
/// The CPU must support AVX2; slices must have the lengths the scalar kernel expects.
#[target_feature(enable = "avx2")]
pub unsafe fn dot_q8_0<const N: usize>(qs: &[i8], d: &[f32], x: &[XRow<'_>; N]) -> [f32; N] {
    let ones = _mm256_set1_epi16(1);
    let mut acc = [_mm256_setzero_ps(); N];
    for g in groups(d.len()) {
        let wp = (qs.as_ptr() as *const u8).add(g.b0 * QK);
        let dw = load_f(d.as_ptr().add(g.b0), g.mask);
        let mut aw = [_mm256_setzero_si256(); 8];
        let mut w = [_mm256_setzero_si256(); 8];
        for k in 0..8 {
            w[k] = load_i(wp.add(k * g.stride), g.mask);
            aw[k] = _mm256_sign_epi8(w[k], w[k]);
        }
        for t in 0..N {
            let xp = (x[t].q.as_ptr() as *const u8).add(g.b0 * QK);
            let mut s = _mm256_setzero_si256();
            for k in 0..8 {
                let xv = load_i(xp.add(k * g.stride), g.mask);
                let p = _mm256_maddubs_epi16(aw[k], _mm256_sign_epi8(xv, w[k]));
                s = _mm256_add_epi32(s, _mm256_madd_epi16(p, ones));
            }
            let dx = load_f(x[t].d.as_ptr().add(g.b0), g.mask);
            let v = _mm256_mul_ps(_mm256_mul_ps(dw, dx), _mm256_cvtepi32_ps(s));
            acc[t] = _mm256_add_ps(acc[t], v);
        }
    }
    acc.map(|a| tree8(&lanes(a)))
}
