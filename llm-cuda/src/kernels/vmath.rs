//! The engine's elementwise functions ([`crate::math::exp`], SiLU) on slices, with AVX2 versions
//! that run the scalar algorithm in eight lanes: the same IEEE operations in the same order (no
//! fused multiply-add), so the same bits. The tests below prove it over every special range.

use super::Isa;
use crate::math;

/// `g[i] = silu(g[i]) * u[i]` (the SwiGLU gate).
pub fn silu_mul(isa: Isa, g: &mut [f32], u: &[f32]) {
    debug_assert_eq!(g.len(), u.len());
    #[cfg(target_arch = "x86_64")]
    if isa != Isa::Scalar {
        // SAFETY: every non-scalar kernel set implies AVX2 (checked when the context was built).
        unsafe { avx2::silu_mul(g, u) };
        return;
    }
    let _ = isa;
    for (gi, &ui) in g.iter_mut().zip(u) {
        *gi = math::silu(*gi) * ui;
    }
}

/// `g[i] = gelu(g[i]) * u[i]` (the GeGLU gate), with the scalar code on every kernel set.
pub fn gelu_mul(g: &mut [f32], u: &[f32]) {
    debug_assert_eq!(g.len(), u.len());
    for (gi, &ui) in g.iter_mut().zip(u) {
        *gi = math::gelu(*gi) * ui;
    }
}

/// Softmax weights in place, before normalising: `w[i] = exp(w[i] - max w)` (the maximum ignores
/// NaN, as `f32::max` does).
pub fn softmax_weights(isa: Isa, w: &mut [f32]) {
    let max = w.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    exp_shifted(isa, w, max);
}

/// `w[i] = exp(w[i] - max)`.
pub fn exp_shifted(isa: Isa, w: &mut [f32], max: f32) {
    #[cfg(target_arch = "x86_64")]
    if isa != Isa::Scalar {
        // SAFETY: as above.
        unsafe { avx2::exp_shifted(w, max) };
        return;
    }
    let _ = isa;
    for e in w.iter_mut() {
        *e = math::exp(*e - max);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use crate::math::{self, EXP_HI, EXP_LO, EXP_POLY, LN2_HI, LN2_LO, LOG2E};

    /// [`math::exp`] in eight lanes.
    #[inline(always)]
    pub unsafe fn exp8(x: __m256) -> __m256 {
        let hi = _mm256_cmp_ps::<_CMP_GE_OQ>(x, _mm256_set1_ps(EXP_HI));
        let lo = _mm256_cmp_ps::<_CMP_LE_OQ>(x, _mm256_set1_ps(EXP_LO));
        let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(x, x);
        // Lanes outside the polynomial's range compute exp(0) and are replaced below.
        let xs = _mm256_andnot_ps(_mm256_or_ps(_mm256_or_ps(hi, lo), nan), x);
        let magic = _mm256_set1_ps(12_582_912.0);
        let k = _mm256_sub_ps(
            _mm256_add_ps(_mm256_mul_ps(xs, _mm256_set1_ps(LOG2E)), magic),
            magic,
        );
        let r = _mm256_sub_ps(
            _mm256_sub_ps(xs, _mm256_mul_ps(k, _mm256_set1_ps(LN2_HI))),
            _mm256_mul_ps(k, _mm256_set1_ps(LN2_LO)),
        );
        let z = _mm256_mul_ps(r, r);
        let mut p = _mm256_set1_ps(EXP_POLY[0]);
        for &c in &EXP_POLY[1..] {
            p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(c));
        }
        let y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, z), r), _mm256_set1_ps(1.0));
        let e = _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127));
        let scale = _mm256_castsi256_ps(_mm256_slli_epi32::<23>(e));
        let mut out = _mm256_mul_ps(y, scale);
        out = _mm256_blendv_ps(out, _mm256_set1_ps(f32::INFINITY), hi);
        out = _mm256_blendv_ps(out, _mm256_setzero_ps(), lo);
        _mm256_blendv_ps(out, x, nan)
    }

    #[target_feature(enable = "avx2")]
    pub unsafe fn silu_mul(g: &mut [f32], u: &[f32]) {
        let n8 = g.len() / 8 * 8;
        let sign = _mm256_set1_ps(-0.0);
        let one = _mm256_set1_ps(1.0);
        let mut i = 0;
        while i < n8 {
            let x = _mm256_loadu_ps(g.as_ptr().add(i));
            let e = exp8(_mm256_xor_ps(x, sign));
            let s = _mm256_div_ps(x, _mm256_add_ps(one, e));
            let v = _mm256_mul_ps(s, _mm256_loadu_ps(u.as_ptr().add(i)));
            _mm256_storeu_ps(g.as_mut_ptr().add(i), v);
            i += 8;
        }
        for (gi, &ui) in g[n8..].iter_mut().zip(&u[n8..]) {
            *gi = math::silu(*gi) * ui;
        }
    }

    #[target_feature(enable = "avx2")]
    pub unsafe fn exp_shifted(w: &mut [f32], max: f32) {
        let n8 = w.len() / 8 * 8;
        let m = _mm256_set1_ps(max);
        let mut i = 0;
        while i < n8 {
            let x = _mm256_sub_ps(_mm256_loadu_ps(w.as_ptr().add(i)), m);
            _mm256_storeu_ps(w.as_mut_ptr().add(i), exp8(x));
            i += 8;
        }
        for e in w[n8..].iter_mut() {
            *e = math::exp(*e - max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Vec<f32> {
        let mut xs: Vec<f32> = (-200_000..200_000).map(|i| i as f32 * 0.00061).collect();
        xs.extend([
            0.0,
            -0.0,
            88.0,
            87.999,
            -87.0,
            -86.999,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            1e-30,
            -1e-30,
            0.5,
        ]);
        xs
    }

    fn bits(x: &[f32]) -> Vec<u32> {
        x.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn vector_exp_and_silu_match_scalar_bits() {
        if !Isa::Avx2.is_supported() {
            ambient_testkit::skip!("this CPU has no AVX2");
            return;
        }
        let xs = inputs();
        let (mut a, mut b) = (xs.clone(), xs.clone());
        exp_shifted(Isa::Scalar, &mut a, 0.75);
        exp_shifted(Isa::Avx2, &mut b, 0.75);
        assert_eq!(bits(&a), bits(&b), "exp");
        let u: Vec<f32> = xs.iter().rev().copied().collect();
        let (mut a, mut b) = (xs.clone(), xs.clone());
        silu_mul(Isa::Scalar, &mut a, &u);
        silu_mul(Isa::Avx2, &mut b, &u);
        assert_eq!(bits(&a), bits(&b), "silu");
    }
}
