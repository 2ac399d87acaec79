//! One attention head for one query: scores over the cached positions, softmax, weighted sum of
//! values. The canonical order: each score is [`math::dot`] × scale; `w_p = exp(s_p - max)`;
//! the denominator is [`math::sum`] over positions; each output element accumulates `w_p · v_p`
//! in position order and is divided by the denominator at the end. The AVX2 version vectorises
//! *across* elements (8 dot lanes, or 8 output elements), never changing any element's order.

use super::Isa;
use crate::math;

/// A head's view of the KV cache: position `p`'s vector starts at `p * stride + offset`.
#[derive(Clone, Copy, Debug)]
pub struct HeadCache<'a> {
    /// Keys, all positions.
    pub k: &'a [f32],
    /// Values, all positions.
    pub v: &'a [f32],
    /// Floats per position.
    pub stride: usize,
    /// This head's offset within a position.
    pub offset: usize,
}

/// Attention of query `q` over positions `0..n`, written to `out` (the head width).
pub fn head(isa: Isa, q: &[f32], cache: HeadCache<'_>, n: usize, scale: f32, out: &mut [f32]) {
    let hd = q.len();
    #[cfg(target_arch = "x86_64")]
    if isa != Isa::Scalar && hd.is_multiple_of(8) {
        // SAFETY: every non-scalar kernel set implies AVX2 (checked when the context was built).
        unsafe { avx2::head(q, cache, n, scale, out) };
        return;
    }
    let _ = isa;
    let mut w: Vec<f32> = (0..n)
        .map(|p| {
            let at = p * cache.stride + cache.offset;
            math::dot(q, &cache.k[at..at + hd]) * scale
        })
        .collect();
    softmax_weights(&mut w);
    let sum = math::sum(&w);
    out.fill(0.0);
    for (p, &e) in w.iter().enumerate() {
        let at = p * cache.stride + cache.offset;
        for (o, &v) in out.iter_mut().zip(&cache.v[at..at + hd]) {
            *o += e * v;
        }
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// `w_p = exp(s_p - max s)` in place.
fn softmax_weights(w: &mut [f32]) {
    let max = w.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for e in w.iter_mut() {
        *e = math::exp(*e - max);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::HeadCache;
    use crate::math;

    #[target_feature(enable = "avx2")]
    pub unsafe fn head(q: &[f32], c: HeadCache<'_>, n: usize, scale: f32, out: &mut [f32]) {
        let hd = q.len();
        let mut w = Vec::with_capacity(n);
        for p in 0..n {
            let kp = c.k.as_ptr().add(p * c.stride + c.offset);
            let mut acc = _mm256_setzero_ps();
            let mut j = 0;
            while j < hd {
                let prod = _mm256_mul_ps(
                    _mm256_loadu_ps(q.as_ptr().add(j)),
                    _mm256_loadu_ps(kp.add(j)),
                );
                acc = _mm256_add_ps(acc, prod);
                j += 8;
            }
            let mut l = [0f32; 8];
            _mm256_storeu_ps(l.as_mut_ptr(), acc);
            w.push(math::tree8(&l) * scale);
        }
        super::softmax_weights(&mut w);
        let sum = math::sum(&w);
        let mut d = 0;
        while d < hd {
            let mut acc = _mm256_setzero_ps();
            for (p, &e) in w.iter().enumerate() {
                let vp = c.v.as_ptr().add(p * c.stride + c.offset + d);
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(e), _mm256_loadu_ps(vp)));
            }
            _mm256_storeu_ps(
                out.as_mut_ptr().add(d),
                _mm256_div_ps(acc, _mm256_set1_ps(sum)),
            );
            d += 8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avx2_matches_scalar_bits() {
        if !Isa::Avx2.is_supported() {
            eprintln!("SKIPPED: this CPU has no AVX2");
            return;
        }
        let (hd, stride, n) = (64usize, 192usize, 37usize);
        let gen = |s: u32, i: usize| {
            (((i as u32).wrapping_mul(2654435761).wrapping_add(s) >> 8) % 2000) as f32 / 500.0 - 2.0
        };
        let k: Vec<f32> = (0..n * stride).map(|i| gen(1, i)).collect();
        let v: Vec<f32> = (0..n * stride).map(|i| gen(2, i)).collect();
        let q: Vec<f32> = (0..hd).map(|i| gen(3, i)).collect();
        for offset in [0, 64, 128] {
            for m in [1, 2, 9, 37] {
                let cache = HeadCache {
                    k: &k,
                    v: &v,
                    stride,
                    offset,
                };
                let mut a = vec![0f32; hd];
                let mut b = vec![0f32; hd];
                head(Isa::Scalar, &q, cache, m, 0.125, &mut a);
                head(Isa::Avx2, &q, cache, m, 0.125, &mut b);
                let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&b), "offset {offset}, {m} positions");
            }
        }
    }
}
