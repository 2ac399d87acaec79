//! Attention for the query heads that share one KV head (grouped-query attention), on AVX-512: the
//! same numbers as [`super::attn::head`] for each head, bit for bit, with fewer instructions.
//!
//! Scores run sixteen positions per vector over a copy of the keys transposed in blocks of 16
//! positions ([`KeysT`]): vector lane `p` holds position `p`'s dot lane `j`, accumulating elements
//! `j, j+8, …` in order, and the eight lanes are summed vertically in [`crate::math::tree8`]'s
//! order. Values accumulate in position order, sixteen output elements per vector; the group's
//! heads share every key and value load.

use super::attn::HeadCache;
use super::Isa;

/// Positions per transposed key block.
pub const BLOCK: usize = 16;

/// Keys of one layer transposed in blocks of [`BLOCK`] positions: block `b`, KV head `g`, element
/// `d` holds positions `16b..16b+16` side by side at `((b * n_kv + g) * head_dim + d) * 16`.
#[derive(Clone, Copy, Debug)]
pub struct KeysT<'a> {
    /// The blocks.
    pub kt: &'a [f32],
    /// KV heads.
    pub n_kv: usize,
    /// Elements per head.
    pub head_dim: usize,
}

/// Writes the keys of positions `p0..p0+t` (`k` is `t × n_kv·head_dim`, position-major) into the
/// transposed blocks `kt`, growing it by whole blocks.
pub fn append_keys(kt: &mut Vec<f32>, k: &[f32], p0: usize, n_kv: usize, head_dim: usize) {
    let kv = n_kv * head_dim;
    let t = k.len() / kv;
    let need = (p0 + t).div_ceil(BLOCK) * kv * BLOCK;
    if kt.len() < need {
        kt.resize(need, 0.0);
    }
    for (i, row) in k.chunks_exact(kv).enumerate() {
        let p = p0 + i;
        let base = (p / BLOCK) * kv * BLOCK + p % BLOCK;
        for (e, &x) in row.iter().enumerate() {
            kt[base + e * BLOCK] = x;
        }
    }
}

/// Whether [`group`] runs on this CPU with kernel set `isa` and heads of `head_dim` elements: an
/// AVX-512 kernel, so only for the AVX-512 kernel sets (the AVX2 set never executes AVX-512).
pub fn available(isa: Isa, head_dim: usize, heads: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        matches!(isa, Isa::Vnni | Isa::Amx)
            && matches!(head_dim, 64 | 128)
            && (1..=4).contains(&heads)
            && std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (isa, head_dim, heads);
        false
    }
}

/// Attention of the query heads `q` (`heads × head_dim`, all reading KV head `g`) over positions
/// `0..n`, written to `out` (`heads × head_dim`). Call only where [`available`] says so.
#[allow(clippy::too_many_arguments)]
pub fn group(
    q: &[f32],
    keys: KeysT<'_>,
    values: HeadCache<'_>,
    g: usize,
    n: usize,
    scale: f32,
    out: &mut [f32],
) {
    let heads = q.len() / keys.head_dim;
    assert!(
        available(Isa::Vnni, keys.head_dim, heads),
        "grouped attention unavailable"
    );
    // SAFETY: `available` checked AVX-512F (and every non-scalar set implies AVX2).
    #[cfg(target_arch = "x86_64")]
    unsafe {
        match (keys.head_dim, heads) {
            (64, 1) => avx512::group::<64, 1>(q, keys, values, g, n, scale, out),
            (64, 2) => avx512::group::<64, 2>(q, keys, values, g, n, scale, out),
            (64, 3) => avx512::group::<64, 3>(q, keys, values, g, n, scale, out),
            (64, 4) => avx512::group::<64, 4>(q, keys, values, g, n, scale, out),
            (128, 1) => avx512::group::<128, 1>(q, keys, values, g, n, scale, out),
            (128, 2) => avx512::group::<128, 2>(q, keys, values, g, n, scale, out),
            (128, 3) => avx512::group::<128, 3>(q, keys, values, g, n, scale, out),
            (128, 4) => avx512::group::<128, 4>(q, keys, values, g, n, scale, out),
            _ => unreachable!("checked by available"),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (values, g, n, scale, out);
        unreachable!("checked by available");
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(clippy::needless_range_loop)] // lane and head indices are the algorithm here
mod avx512 {
    use std::arch::x86_64::*;

    use super::{HeadCache, KeysT, BLOCK};
    use crate::kernels::vmath;
    use crate::math;

    #[target_feature(enable = "avx512f,avx2")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn group<const HD: usize, const G: usize>(
        q: &[f32],
        keys: KeysT<'_>,
        values: HeadCache<'_>,
        g: usize,
        n: usize,
        scale: f32,
        out: &mut [f32],
    ) {
        debug_assert_eq!(q.len(), G * HD);
        let kv = keys.n_kv * HD;
        let blocks = n.div_ceil(BLOCK);
        let mut w = vec![0f32; G * blocks * BLOCK];
        let sc = _mm512_set1_ps(scale);
        for b in 0..blocks {
            let kb = keys.kt.as_ptr().add((b * kv + g * HD) * BLOCK);
            let mut acc = [[_mm512_setzero_ps(); 8]; G];
            for i in 0..HD / 8 {
                for j in 0..8 {
                    let d = j + 8 * i;
                    let krow = _mm512_loadu_ps(kb.add(d * BLOCK));
                    for h in 0..G {
                        let qd = _mm512_set1_ps(*q.get_unchecked(h * HD + d));
                        acc[h][j] = _mm512_add_ps(acc[h][j], _mm512_mul_ps(qd, krow));
                    }
                }
            }
            for (h, l) in acc.iter().enumerate() {
                let s = _mm512_add_ps(
                    _mm512_add_ps(_mm512_add_ps(l[0], l[4]), _mm512_add_ps(l[2], l[6])),
                    _mm512_add_ps(_mm512_add_ps(l[1], l[5]), _mm512_add_ps(l[3], l[7])),
                );
                _mm512_storeu_ps(
                    w.as_mut_ptr().add(h * blocks * BLOCK + b * BLOCK),
                    _mm512_mul_ps(s, sc),
                );
            }
        }
        let mut sums = [0f32; G];
        for (h, sum) in sums.iter_mut().enumerate() {
            let wh = &mut w[h * blocks * BLOCK..h * blocks * BLOCK + n];
            vmath::softmax_weights(crate::kernels::Isa::Avx2, wh);
            *sum = math::sum(wh);
        }
        const V: usize = 16;
        let mut acc = [[_mm512_setzero_ps(); 8]; G];
        let vbase = values.v.as_ptr().add(values.offset);
        for p in 0..n {
            let vp = vbase.add(p * values.stride);
            let vs: [__m512; 8] = std::array::from_fn(|c| {
                if c < HD / V {
                    _mm512_loadu_ps(vp.add(c * V))
                } else {
                    _mm512_setzero_ps()
                }
            });
            for h in 0..G {
                let e = _mm512_set1_ps(*w.get_unchecked(h * blocks * BLOCK + p));
                for c in 0..HD / V {
                    acc[h][c] = _mm512_add_ps(acc[h][c], _mm512_mul_ps(e, vs[c]));
                }
            }
        }
        for h in 0..G {
            let inv = _mm512_set1_ps(sums[h]);
            for c in 0..HD / V {
                _mm512_storeu_ps(
                    out.as_mut_ptr().add(h * HD + c * V),
                    _mm512_div_ps(acc[h][c], inv),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::attn;

    #[test]
    fn grouped_heads_match_the_scalar_head_bits() {
        if !available(Isa::Vnni, 64, 3) {
            ambient_testkit::skip!("this CPU has no AVX-512F");
            return;
        }
        let gen = |s: u32, i: usize| {
            (((i as u32).wrapping_mul(2654435761).wrapping_add(s) >> 8) % 2000) as f32 / 500.0 - 2.0
        };
        for (hd, n_kv, heads) in [
            (64usize, 3usize, 3usize),
            (64, 2, 1),
            (128, 2, 4),
            (64, 1, 2),
        ] {
            let kv = n_kv * hd;
            let total = 70;
            let k: Vec<f32> = (0..total * kv).map(|i| gen(1, i)).collect();
            let v: Vec<f32> = (0..total * kv).map(|i| gen(2, i)).collect();
            let mut kt = Vec::new();
            // Appended in uneven pieces, as prefill chunks and decode steps do.
            for (a, b) in [(0, 5), (5, 6), (6, 33), (33, 70)] {
                append_keys(&mut kt, &k[a * kv..b * kv], a, n_kv, hd);
            }
            let q: Vec<f32> = (0..heads * hd).map(|i| gen(3, i)).collect();
            for g in 0..n_kv {
                for n in [1, 2, 15, 16, 17, 40, 70] {
                    let keys = KeysT {
                        kt: &kt,
                        n_kv,
                        head_dim: hd,
                    };
                    let cache = attn::HeadCache {
                        k: &k,
                        v: &v,
                        stride: kv,
                        offset: g * hd,
                    };
                    let mut fast = vec![0f32; heads * hd];
                    group(&q, keys, cache, g, n, 0.125, &mut fast);
                    for h in 0..heads {
                        let mut slow = vec![0f32; hd];
                        attn::head(
                            Isa::Scalar,
                            &q[h * hd..(h + 1) * hd],
                            cache,
                            n,
                            0.125,
                            &mut slow,
                        );
                        let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                        assert_eq!(
                            bits(&slow),
                            bits(&fast[h * hd..(h + 1) * hd]),
                            "hd {hd} g {g} h {h} n {n}"
                        );
                    }
                }
            }
        }
    }
}
