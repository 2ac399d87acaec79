//! One attention head for one query: scores over the cached positions, softmax, weighted sum of
//! values. The canonical order: each score is [`math::dot`] × scale; `w_p = exp(s_p - max)`;
//! the denominator is [`math::sum`] over positions; each output element accumulates `w_p · v_p`
//! in position order and is divided by the denominator at the end. The AVX2 version vectorises
//! *across* elements (8 dot lanes, or 8 output elements), never changing any element's order.

use super::{vmath, Isa};
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
    vmath::softmax_weights(Isa::Scalar, &mut w);
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

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::HeadCache;
    use crate::kernels::vmath;
    use crate::math;

    /// Lane `j` of the dot of `q` with the key at `kp`: elements `j, j+8, …` in order.
    #[inline(always)]
    unsafe fn dot_lanes(q: &[f32], kp: *const f32) -> __m256 {
        let mut acc = _mm256_setzero_ps();
        let mut j = 0;
        while j < q.len() {
            let prod = _mm256_mul_ps(
                _mm256_loadu_ps(q.as_ptr().add(j)),
                _mm256_loadu_ps(kp.add(j)),
            );
            acc = _mm256_add_ps(acc, prod);
            j += 8;
        }
        acc
    }

    /// `out[i]` = lane `i` of `r[j]` summed over `j` in [`math::tree8`]'s order, i.e. the tree sum
    /// of each of eight rows, by an 8×8 transpose and vertical adds.
    #[inline(always)]
    unsafe fn tree8_rows(r: [__m256; 8]) -> __m256 {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        // c[j] = lane j of every row.
        let c0 = _mm256_permute2f128_ps::<0x20>(u0, u4);
        let c1 = _mm256_permute2f128_ps::<0x20>(u1, u5);
        let c2 = _mm256_permute2f128_ps::<0x20>(u2, u6);
        let c3 = _mm256_permute2f128_ps::<0x20>(u3, u7);
        let c4 = _mm256_permute2f128_ps::<0x31>(u0, u4);
        let c5 = _mm256_permute2f128_ps::<0x31>(u1, u5);
        let c6 = _mm256_permute2f128_ps::<0x31>(u2, u6);
        let c7 = _mm256_permute2f128_ps::<0x31>(u3, u7);
        _mm256_add_ps(
            _mm256_add_ps(_mm256_add_ps(c0, c4), _mm256_add_ps(c2, c6)),
            _mm256_add_ps(_mm256_add_ps(c1, c5), _mm256_add_ps(c3, c7)),
        )
    }

    #[target_feature(enable = "avx2")]
    pub unsafe fn head(q: &[f32], c: HeadCache<'_>, n: usize, scale: f32, out: &mut [f32]) {
        let hd = q.len();
        let kp = |p: usize| c.k.as_ptr().add(p * c.stride + c.offset);
        let mut w = vec![0f32; n];
        // Eight positions at a time: eight independent dot chains, then one transpose.
        let n8 = n / 8 * 8;
        let mut p = 0;
        while p < n8 {
            let rows = std::array::from_fn(|i| dot_lanes(q, kp(p + i)));
            let s = _mm256_mul_ps(tree8_rows(rows), _mm256_set1_ps(scale));
            _mm256_storeu_ps(w.as_mut_ptr().add(p), s);
            p += 8;
        }
        for (p, wp) in w.iter_mut().enumerate().skip(n8) {
            let mut l = [0f32; 8];
            _mm256_storeu_ps(l.as_mut_ptr(), dot_lanes(q, kp(p)));
            *wp = math::tree8(&l) * scale;
        }
        vmath::softmax_weights(crate::kernels::Isa::Avx2, &mut w);
        let sum = math::sum(&w);
        let inv = _mm256_set1_ps(sum);
        let vp = |p: usize| c.v.as_ptr().add(p * c.stride + c.offset);
        // Up to 64 output elements at a time in registers, each accumulating in position order.
        let mut d = 0;
        while d + 64 <= hd {
            let mut acc = [_mm256_setzero_ps(); 8];
            for (p, &e) in w.iter().enumerate() {
                let e = _mm256_set1_ps(e);
                let v = vp(p).add(d);
                for (j, a) in acc.iter_mut().enumerate() {
                    *a = _mm256_add_ps(*a, _mm256_mul_ps(e, _mm256_loadu_ps(v.add(8 * j))));
                }
            }
            for (j, a) in acc.iter().enumerate() {
                _mm256_storeu_ps(out.as_mut_ptr().add(d + 8 * j), _mm256_div_ps(*a, inv));
            }
            d += 64;
        }
        while d < hd {
            let mut acc = _mm256_setzero_ps();
            for (p, &e) in w.iter().enumerate() {
                acc = _mm256_add_ps(
                    acc,
                    _mm256_mul_ps(_mm256_set1_ps(e), _mm256_loadu_ps(vp(p).add(d))),
                );
            }
            _mm256_storeu_ps(out.as_mut_ptr().add(d), _mm256_div_ps(acc, inv));
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
            ambient_testkit::skip!("this CPU has no AVX2");
            return;
        }
        let (stride, n) = (216usize, 37usize);
        let gen = |s: u32, i: usize| {
            (((i as u32).wrapping_mul(2654435761).wrapping_add(s) >> 8) % 2000) as f32 / 500.0 - 2.0
        };
        let k: Vec<f32> = (0..n * stride).map(|i| gen(1, i)).collect();
        let v: Vec<f32> = (0..n * stride).map(|i| gen(2, i)).collect();
        // 64: one register block; 72: a block plus an 8-wide remainder.
        for hd in [64usize, 72] {
            let q: Vec<f32> = (0..hd).map(|i| gen(3, i)).collect();
            for offset in [0, 64, 128] {
                for m in [1, 2, 8, 9, 16, 37] {
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
                    assert_eq!(
                        bits(&a),
                        bits(&b),
                        "head {hd}, offset {offset}, {m} positions"
                    );
                }
            }
        }
    }
}
