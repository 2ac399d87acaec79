//! AVX2 block-dot kernels: the integer dots with `maddubs`/`madd`, eight blocks at a time, then the
//! f32 part in exactly the scalar kernels' order (lane `b % 8` holds block `b`). Bit-identical to
//! [`super::scalar`]; the tests in `kernels/mod.rs` prove it.

use std::arch::x86_64::*;

use crate::math::tree8;
use crate::quant::QK;

/// Eight i32 partial sums of a Q4 block (unsigned nibbles) against 32 activations.
#[inline(always)]
unsafe fn q4_partials(qs: *const u8, xq: *const i8) -> __m256i {
    let v = _mm_loadu_si128(qs as *const __m128i);
    let m4 = _mm_set1_epi8(0x0f);
    let lo = _mm_and_si128(v, m4);
    let hi = _mm_and_si128(_mm_srli_epi16(v, 4), m4);
    let w = _mm256_set_m128i(hi, lo);
    let x = _mm256_loadu_si256(xq as *const __m256i);
    _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1))
}

/// Eight i32 partial sums of a Q8 block against 32 activations.
#[inline(always)]
unsafe fn q8_partials(qs: *const i8, xq: *const i8) -> __m256i {
    let w = _mm256_loadu_si256(qs as *const __m256i);
    let x = _mm256_loadu_si256(xq as *const __m256i);
    let aw = _mm256_sign_epi8(w, w);
    let sx = _mm256_sign_epi8(x, w);
    _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sx), _mm256_set1_epi16(1))
}

/// `[Σp0, Σp1, …, Σp7]`: the horizontal sums of eight vectors (exact integer arithmetic).
#[inline(always)]
unsafe fn hsum8(p: &[__m256i; 8]) -> __m256i {
    let a01 = _mm256_hadd_epi32(p[0], p[1]);
    let a23 = _mm256_hadd_epi32(p[2], p[3]);
    let a45 = _mm256_hadd_epi32(p[4], p[5]);
    let a67 = _mm256_hadd_epi32(p[6], p[7]);
    let b0 = _mm256_hadd_epi32(a01, a23);
    let b1 = _mm256_hadd_epi32(a45, a67);
    let lo = _mm256_permute2x128_si256(b0, b1, 0x20);
    let hi = _mm256_permute2x128_si256(b0, b1, 0x31);
    _mm256_add_epi32(lo, hi)
}

#[inline(always)]
unsafe fn hsum1(p: __m256i) -> i32 {
    let mut a = [0i32; 8];
    _mm256_storeu_si256(a.as_mut_ptr() as *mut __m256i, p);
    a.iter().sum()
}

#[inline(always)]
unsafe fn lanes(acc: __m256) -> [f32; 8] {
    let mut l = [0f32; 8];
    _mm256_storeu_ps(l.as_mut_ptr(), acc);
    l
}

/// Q4_1 · Q8, see [`super::scalar::dot_q4_1`].
///
/// # Safety
/// The CPU must support AVX2; slices must have the lengths the scalar kernel expects.
#[target_feature(enable = "avx2")]
pub unsafe fn dot_q4_1(qs: &[u8], d: &[f32], m: &[f32], xq: &[i8], xd: &[f32], xs: &[f32]) -> f32 {
    let nb = d.len();
    let groups = nb / 8;
    let mut acc = _mm256_setzero_ps();
    for g in 0..groups {
        let b0 = g * 8;
        let mut p = [_mm256_setzero_si256(); 8];
        for (k, pk) in p.iter_mut().enumerate() {
            *pk = q4_partials(
                qs.as_ptr().add((b0 + k) * 16),
                xq.as_ptr().add((b0 + k) * QK),
            );
        }
        let isum = _mm256_cvtepi32_ps(hsum8(&p));
        let dw = _mm256_loadu_ps(d.as_ptr().add(b0));
        let dx = _mm256_loadu_ps(xd.as_ptr().add(b0));
        let mw = _mm256_loadu_ps(m.as_ptr().add(b0));
        let sx = _mm256_loadu_ps(xs.as_ptr().add(b0));
        let v = _mm256_add_ps(
            _mm256_mul_ps(_mm256_mul_ps(dw, dx), isum),
            _mm256_mul_ps(mw, sx),
        );
        acc = _mm256_add_ps(acc, v);
    }
    let mut l = lanes(acc);
    for b in groups * 8..nb {
        let isum = hsum1(q4_partials(
            qs.as_ptr().add(b * 16),
            xq.as_ptr().add(b * QK),
        ));
        l[b % 8] += (d[b] * xd[b]) * isum as f32 + m[b] * xs[b];
    }
    tree8(&l)
}

/// Q4_0 · Q8, see [`super::scalar::dot_q4_0`].
///
/// # Safety
/// The CPU must support AVX2; slices must have the lengths the scalar kernel expects.
#[target_feature(enable = "avx2")]
pub unsafe fn dot_q4_0(qs: &[u8], d: &[f32], xq: &[i8], xd: &[f32], xisum: &[i32]) -> f32 {
    let nb = d.len();
    let groups = nb / 8;
    let mut acc = _mm256_setzero_ps();
    for g in 0..groups {
        let b0 = g * 8;
        let mut p = [_mm256_setzero_si256(); 8];
        for (k, pk) in p.iter_mut().enumerate() {
            *pk = q4_partials(
                qs.as_ptr().add((b0 + k) * 16),
                xq.as_ptr().add((b0 + k) * QK),
            );
        }
        let xi = _mm256_loadu_si256(xisum.as_ptr().add(b0) as *const __m256i);
        let isum = _mm256_sub_epi32(hsum8(&p), _mm256_slli_epi32(xi, 3));
        let dw = _mm256_loadu_ps(d.as_ptr().add(b0));
        let dx = _mm256_loadu_ps(xd.as_ptr().add(b0));
        let v = _mm256_mul_ps(_mm256_mul_ps(dw, dx), _mm256_cvtepi32_ps(isum));
        acc = _mm256_add_ps(acc, v);
    }
    let mut l = lanes(acc);
    for b in groups * 8..nb {
        let isum = hsum1(q4_partials(
            qs.as_ptr().add(b * 16),
            xq.as_ptr().add(b * QK),
        )) - 8 * xisum[b];
        l[b % 8] += (d[b] * xd[b]) * isum as f32;
    }
    tree8(&l)
}

/// Q8_0 · Q8, see [`super::scalar::dot_q8_0`].
///
/// # Safety
/// The CPU must support AVX2; slices must have the lengths the scalar kernel expects.
#[target_feature(enable = "avx2")]
pub unsafe fn dot_q8_0(qs: &[i8], d: &[f32], xq: &[i8], xd: &[f32]) -> f32 {
    let nb = d.len();
    let groups = nb / 8;
    let mut acc = _mm256_setzero_ps();
    for g in 0..groups {
        let b0 = g * 8;
        let mut p = [_mm256_setzero_si256(); 8];
        for (k, pk) in p.iter_mut().enumerate() {
            *pk = q8_partials(
                qs.as_ptr().add((b0 + k) * QK),
                xq.as_ptr().add((b0 + k) * QK),
            );
        }
        let isum = _mm256_cvtepi32_ps(hsum8(&p));
        let dw = _mm256_loadu_ps(d.as_ptr().add(b0));
        let dx = _mm256_loadu_ps(xd.as_ptr().add(b0));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_mul_ps(dw, dx), isum));
    }
    let mut l = lanes(acc);
    for b in groups * 8..nb {
        let isum = hsum1(q8_partials(
            qs.as_ptr().add(b * QK),
            xq.as_ptr().add(b * QK),
        ));
        l[b % 8] += (d[b] * xd[b]) * isum as f32;
    }
    tree8(&l)
}
