//! Quantised blocks: weights unpacked from GGUF into a kernel-friendly layout, and the one canonical
//! activation quantiser (f32 → Q8 blocks) that every backend must mirror exactly.

use half::f16;

use crate::blocks;
use crate::gguf::{GgufError, TensorInfo, TensorType};

/// Elements per quantisation block.
pub const QK: usize = 32;
/// Blocks per interleaved group (the eight lanes of the canonical reduction).
pub const GROUP: usize = 8;

/// Byte offset, within a row of `nb` Q4 blocks (16 bytes each), of byte `i` of block `b`.
///
/// Blocks are grouped by eight (the last group may be shorter, `k` blocks); within a group, 4-byte
/// chunk `i / 4` of each block lies side by side (`4k` bytes per chunk), so SIMD kernels get one block
/// per 32-bit lane without shuffles. The layout changes where bytes live, never their values.
#[inline]
pub fn q4_offset(nb: usize, b: usize, i: usize) -> usize {
    let (g, j) = (b / GROUP, b % GROUP);
    let k = (nb - g * GROUP).min(GROUP);
    g * GROUP * 16 + (i / 4) * 4 * k + j * 4 + i % 4
}

/// Offset, within a row of `nb` 8-bit blocks (32 values each), of value `e` of block `b`; the same
/// grouping as [`q4_offset`] (4-value chunks of up to eight blocks side by side).
#[inline]
pub fn q8_offset(nb: usize, b: usize, e: usize) -> usize {
    let (g, j) = (b / GROUP, b % GROUP);
    let k = (nb - g * GROUP).min(GROUP);
    g * GROUP * QK + (e / 4) * 4 * k + j * 4 + e % 4
}

/// Activations quantised to 8-bit blocks of 32, for `rows` vectors of `cols` elements each.
///
/// For block `b` with elements `x`: `amax = max |x|`, `d = amax / 127`,
/// `id = 127 / amax` (0 when `amax` is 0), `q = clamp(round_half_even(x * id), -127, 127)`,
/// `isum = Σ q` (exact), `s = d * isum`.
#[derive(Clone, Debug, Default)]
pub struct QActs {
    /// Elements per vector (a multiple of 32).
    pub cols: usize,
    /// Number of vectors.
    pub rows: usize,
    /// Quantised values, `rows * cols`, each row in the [`q8_offset`] layout.
    pub q: Vec<i8>,
    /// Block scales, `rows * cols / 32`.
    pub d: Vec<f32>,
    /// `d * Σq` per block.
    pub s: Vec<f32>,
    /// `Σq` per block (exact).
    pub isum: Vec<i32>,
}

impl QActs {
    /// Quantises `rows` vectors of `cols` f32 values (row-major), with the scalar quantiser.
    pub fn quantize(x: &[f32], rows: usize, cols: usize) -> Self {
        let mut a = QActs::zeroed(rows, cols);
        for mut part in a.split_rows_mut(rows.max(1)) {
            part.fill(x, Simd::None);
        }
        a
    }

    /// All-zero activations of the given shape, to be filled by [`QRowsMut::fill`].
    pub fn zeroed(rows: usize, cols: usize) -> Self {
        debug_assert_eq!(cols % QK, 0);
        let nb = rows * cols / QK;
        QActs {
            cols,
            rows,
            q: vec![0; rows * cols],
            d: vec![0.0; nb],
            s: vec![0.0; nb],
            isum: vec![0; nb],
        }
    }

    /// Disjoint mutable views of `n` rows each (the last may be shorter), for parallel filling.
    pub fn split_rows_mut(&mut self, n: usize) -> Vec<QRowsMut<'_>> {
        let (cols, nbr) = (self.cols, self.cols / QK);
        self.q
            .chunks_mut(n * cols)
            .zip(self.d.chunks_mut(n * nbr))
            .zip(self.s.chunks_mut(n * nbr))
            .zip(self.isum.chunks_mut(n * nbr))
            .map(|(((q, d), s), isum)| QRowsMut {
                cols,
                q,
                d,
                s,
                isum,
            })
            .collect()
    }

    /// Blocks per vector.
    pub fn blocks_per_row(&self) -> usize {
        self.cols / QK
    }
}

/// Some consecutive rows of a [`QActs`], writable.
pub struct QRowsMut<'a> {
    cols: usize,
    q: &'a mut [i8],
    d: &'a mut [f32],
    s: &'a mut [f32],
    isum: &'a mut [i32],
}

impl QRowsMut<'_> {
    /// Rows in this view.
    pub fn rows(&self) -> usize {
        self.q.len() / self.cols
    }

    /// Quantises `x` (exactly these rows) into the view with the widest block quantiser `simd`
    /// allows and the CPU has (same bits).
    pub fn fill(&mut self, x: &[f32], simd: Simd) {
        debug_assert_eq!(x.len(), self.q.len());
        let nbr = self.cols / QK;
        let mut qb = [0i8; QK];
        for (b, xb) in x.chunks_exact(QK).enumerate() {
            let (d, isum) = quantize_block_with(xb, &mut qb, simd);
            self.d[b] = d;
            self.isum[b] = isum;
            self.s[b] = d * isum as f32;
            let (row, rb) = (b / nbr, b % nbr);
            let q = &mut self.q[row * self.cols..(row + 1) * self.cols];
            // Chunk c (values 4c..4c+4) of the block lies at q8_offset(nbr, rb, 4c), contiguous.
            let stride = q8_offset(nbr, rb, 4) - q8_offset(nbr, rb, 0);
            let base = q8_offset(nbr, rb, 0);
            for (c, chunk) in qb.chunks_exact(4).enumerate() {
                q[base + c * stride..base + c * stride + 4].copy_from_slice(chunk);
            }
        }
    }
}

/// The widest vector instructions the activation quantiser may use: the kernel set's, so the
/// AVX2 set never executes an AVX-512 instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simd {
    /// Plain Rust.
    None,
    /// AVX2 where the CPU has it.
    Avx2,
    /// AVX-512F where the CPU has it, else AVX2.
    Avx512,
}

#[inline]
fn quantize_block_with(x: &[f32], q: &mut [i8; QK], simd: Simd) -> (f32, i32) {
    #[cfg(target_arch = "x86_64")]
    if simd == Simd::Avx512 && simd_quant::available512() {
        // SAFETY: the CPU has AVX-512F (checked just above); `x` holds one block.
        return unsafe { simd_quant::quantize_block512(x, q) };
    }
    #[cfg(target_arch = "x86_64")]
    if simd != Simd::None && simd_quant::available() {
        // SAFETY: the CPU has AVX2 (checked just above); `x` holds one block.
        return unsafe { simd_quant::quantize_block(x, q) };
    }
    let _ = simd;
    quantize_block(x, q)
}

#[cfg(target_arch = "x86_64")]
mod simd_quant {
    use std::arch::x86_64::*;
    use std::sync::OnceLock;

    use super::QK;

    pub fn available() -> bool {
        static OK: OnceLock<bool> = OnceLock::new();
        *OK.get_or_init(|| std::arch::is_x86_feature_detected!("avx2"))
    }

    pub fn available512() -> bool {
        static OK: OnceLock<bool> = OnceLock::new();
        *OK.get_or_init(|| std::arch::is_x86_feature_detected!("avx512f"))
    }

    /// [`quantize_block`] in sixteen lanes (same NaN handling).
    #[target_feature(enable = "avx512f")]
    pub unsafe fn quantize_block512(x: &[f32], q: &mut [i8; QK]) -> (f32, i32) {
        debug_assert_eq!(x.len(), QK);
        let v0 = _mm512_loadu_ps(x.as_ptr());
        let v1 = _mm512_loadu_ps(x.as_ptr().add(16));
        let abs = |v: __m512| {
            _mm512_castsi512_ps(_mm512_and_si512(
                _mm512_castps_si512(v),
                _mm512_set1_epi32(0x7fff_ffff),
            ))
        };
        let m = _mm512_max_ps(abs(v0), _mm512_setzero_ps());
        let m = _mm512_max_ps(abs(v1), m);
        let amax = _mm512_reduce_max_ps(m);
        let d = amax / 127.0;
        let id = if amax == 0.0 { 0.0 } else { 127.0 / amax };
        let (idv, magic) = (_mm512_set1_ps(id), _mm512_set1_ps(12_582_912.0));
        let (lo, hi) = (_mm512_set1_ps(-127.0), _mm512_set1_ps(127.0));
        let quant = |v: __m512| {
            let r = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(v, idv), magic), magic);
            let ok = _mm512_cmp_ps_mask::<_CMP_ORD_Q>(r, r);
            let r = _mm512_maskz_mov_ps(ok, _mm512_min_ps(_mm512_max_ps(r, lo), hi));
            _mm512_cvtps_epi32(r)
        };
        let (r0, r1) = (quant(v0), quant(v1));
        _mm_storeu_si128(q.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(r0));
        _mm_storeu_si128(q.as_mut_ptr().add(16).cast(), _mm512_cvtepi32_epi8(r1));
        (d, _mm512_reduce_add_epi32(_mm512_add_epi32(r0, r1)))
    }

    /// [`super::quantize_block`] in eight lanes. `max` ignores NaN like `f32::max` (`maxps`
    /// returns its second operand, the running maximum, when the first is NaN); NaN values
    /// quantise to 0 like the scalar `NaN as i8`.
    #[target_feature(enable = "avx2")]
    pub unsafe fn quantize_block(x: &[f32], q: &mut [i8; QK]) -> (f32, i32) {
        debug_assert_eq!(x.len(), QK);
        let sign = _mm256_set1_ps(-0.0);
        let v: [__m256; 4] = std::array::from_fn(|i| _mm256_loadu_ps(x.as_ptr().add(8 * i)));
        let mut m = _mm256_setzero_ps();
        for vi in v {
            m = _mm256_max_ps(_mm256_andnot_ps(sign, vi), m);
        }
        let mut l = [0f32; 8];
        _mm256_storeu_ps(l.as_mut_ptr(), m);
        let amax = l.iter().fold(0f32, |a, &b| a.max(b));
        let d = amax / 127.0;
        let id = if amax == 0.0 { 0.0 } else { 127.0 / amax };
        let (idv, magic) = (_mm256_set1_ps(id), _mm256_set1_ps(12_582_912.0));
        let (lo, hi) = (_mm256_set1_ps(-127.0), _mm256_set1_ps(127.0));
        let mut isum = _mm256_setzero_si256();
        let mut ints = [0i32; QK];
        for (i, vi) in v.into_iter().enumerate() {
            let r = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(vi, idv), magic), magic);
            let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(r, r);
            let r = _mm256_andnot_ps(nan, _mm256_min_ps(_mm256_max_ps(r, lo), hi));
            let ri = _mm256_cvtps_epi32(r);
            isum = _mm256_add_epi32(isum, ri);
            _mm256_storeu_si256(ints.as_mut_ptr().add(8 * i) as *mut __m256i, ri);
        }
        for (qi, &v) in q.iter_mut().zip(&ints) {
            *qi = v as i8;
        }
        let mut s = [0i32; 8];
        _mm256_storeu_si256(s.as_mut_ptr() as *mut __m256i, isum);
        (d, s.iter().sum())
    }
}

/// Round half to even for |x| <= 2^22 (always the case here: |x| <= 127 plus rounding), with two
/// IEEE additions; identical to `f32::round_ties_even` on that range but needs no SSE4.1 or libm call.
#[inline]
pub fn round_half_even(x: f32) -> f32 {
    (x + ROUND_MAGIC) - ROUND_MAGIC
}

/// 1.5 · 2^23: adding and subtracting it rounds an f32 of magnitude ≤ 2^22 to an integer, ties to
/// even.
pub const ROUND_MAGIC: f32 = 12_582_912.0;

/// Quantises one block of 32 values; returns the scale and the exact sum of the quantised values.
#[inline]
pub fn quantize_block(x: &[f32], q: &mut [i8]) -> (f32, i32) {
    let mut amax = 0f32;
    for &v in x {
        amax = amax.max(v.abs());
    }
    let d = amax / 127.0;
    let id = if amax == 0.0 { 0.0 } else { 127.0 / amax };
    let mut isum = 0i32;
    for (qi, &v) in q.iter_mut().zip(x) {
        let r = round_half_even(v * id).clamp(-127.0, 127.0);
        *qi = r as i8;
        isum += r as i32;
    }
    (d, isum)
}

/// A weight matrix (`rows` outputs × `cols` inputs) in the engine's layout. Values are exactly the
/// GGUF values: f16 scales are widened to f32 (exact), nothing is re-quantised.
#[derive(Clone, Debug)]
pub enum Weights {
    /// Q4_1: `w = q * d + m`, `q` in 0..=15.
    Q4_1 {
        /// Packed nibbles, 16 bytes per block (low nibble of byte j is element j, high is j + 16),
        /// each row in the [`q4_offset`] layout.
        qs: Vec<u8>,
        /// Scale per block (f16, as in the file: half the bytes of f32 for memory-bound decode).
        d: Vec<f16>,
        /// Minimum per block (f16).
        m: Vec<f16>,
    },
    /// Q4_0: `w = (q - 8) * d`.
    Q4_0 {
        /// Packed nibbles, as for Q4_1.
        qs: Vec<u8>,
        /// Scale per block (f16).
        d: Vec<f16>,
    },
    /// Q8_0: `w = q * d`.
    Q8_0 {
        /// Values, 32 per block, each row in the [`q8_offset`] layout.
        qs: Vec<i8>,
        /// Scale per block (f16).
        d: Vec<f16>,
    },
    /// 4-bit with an f32 scale and minimum term per block: `w = q * d + m`, `q` in 0..=15 (Q4_K:
    /// `d = d_super · sc`, `m = −(dmin_super · mn)`, both exact in f32).
    Q4F {
        /// Packed nibbles, as for Q4_1.
        qs: Vec<u8>,
        /// Scale per block.
        d: Vec<f32>,
        /// Minimum term per block.
        m: Vec<f32>,
    },
    /// 8-bit values (5- and 6-bit formats widened) with an f32 scale per block:
    /// `w = q * d (+ m)`, and where `sub` is present `w = q * d * sub[h]` for half `h` of the block.
    Q8F {
        /// Values, 32 per block, each row in the [`q8_offset`] layout.
        qs: Vec<i8>,
        /// Scale per block.
        d: Vec<f32>,
        /// Minimum term per block (Q5_1, Q5_K).
        m: Option<Vec<f32>>,
        /// Integer scales of the two 16-value halves of each block, two per block (Q6_K).
        sub: Option<Vec<i8>>,
    },
    /// Plain f32 (F16 and BF16 tensors are widened exactly).
    F32(Vec<f32>),
}

/// A matrix of weights with its shape.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// Output dimension.
    pub rows: usize,
    /// Input dimension.
    pub cols: usize,
    /// The data.
    pub w: Weights,
}

impl Matrix {
    /// Converts a 2-D GGUF tensor (`dims = [cols, rows]`) into the engine layout.
    pub fn from_gguf(info: &TensorInfo, data: &[u8]) -> Result<Self, GgufError> {
        if info.dims.len() != 2 {
            return Err(GgufError::BadTensor {
                tensor: info.name.clone(),
                reason: format!("expected a matrix, found dimensions {:?}", info.dims),
            });
        }
        let (cols, rows) = (info.dims[0] as usize, info.dims[1] as usize);
        let block = info.ty.block_elems() as usize;
        let block = if block == 1 { 1 } else { block.max(QK) };
        if !cols.is_multiple_of(block) {
            return Err(GgufError::BadTensor {
                tensor: info.name.clone(),
                reason: format!("row length {cols} is not a multiple of {block}"),
            });
        }
        let w = match info.ty {
            TensorType::Q4_0 => blocks::q4_legacy(data, rows, cols, false),
            TensorType::Q4_1 => blocks::q4_legacy(data, rows, cols, true),
            TensorType::Q8_0 => blocks::q8_0(data, rows, cols),
            TensorType::Q5_0 => blocks::q5_0(data, rows, cols),
            TensorType::Q5_1 => blocks::q5_1(data, rows, cols),
            TensorType::Q4_K => blocks::q4_k(data, rows, cols),
            TensorType::Q5_K => blocks::q5_k(data, rows, cols),
            TensorType::Q6_K => blocks::q6_k(data, rows, cols),
            TensorType::F32 => blocks::f32s(data),
            TensorType::F16 => blocks::f16s(data),
            TensorType::BF16 => blocks::bf16s(data),
        };
        Ok(Matrix { rows, cols, w })
    }

    /// Dequantises row `r` into f32 (exact: one multiply, and one add for Q4_1, per element).
    pub fn dequant_row(&self, r: usize, out: &mut [f32]) {
        let nb = self.cols / QK;
        match &self.w {
            Weights::Q4_1 { qs, d, m } => {
                let q = &qs[r * nb * 16..(r + 1) * nb * 16];
                for b in 0..nb {
                    let (db, mb) = (d[r * nb + b].to_f32(), m[r * nb + b].to_f32());
                    for i in 0..16 {
                        let byte = q[q4_offset(nb, b, i)];
                        out[b * QK + i] = (byte & 0x0f) as f32 * db + mb;
                        out[b * QK + i + 16] = (byte >> 4) as f32 * db + mb;
                    }
                }
            }
            Weights::Q4_0 { qs, d } => {
                let q = &qs[r * nb * 16..(r + 1) * nb * 16];
                for b in 0..nb {
                    let db = d[r * nb + b].to_f32();
                    for i in 0..16 {
                        let byte = q[q4_offset(nb, b, i)];
                        out[b * QK + i] = ((byte & 0x0f) as i32 - 8) as f32 * db;
                        out[b * QK + i + 16] = ((byte >> 4) as i32 - 8) as f32 * db;
                    }
                }
            }
            Weights::Q8_0 { qs, d } => {
                let q = &qs[r * self.cols..(r + 1) * self.cols];
                for b in 0..nb {
                    let db = d[r * nb + b].to_f32();
                    for e in 0..QK {
                        out[b * QK + e] = q[q8_offset(nb, b, e)] as f32 * db;
                    }
                }
            }
            Weights::Q4F { qs, d, m } => {
                let q = &qs[r * nb * 16..(r + 1) * nb * 16];
                for b in 0..nb {
                    let (db, mb) = (d[r * nb + b], m[r * nb + b]);
                    for i in 0..16 {
                        let byte = q[q4_offset(nb, b, i)];
                        out[b * QK + i] = (byte & 0x0f) as f32 * db + mb;
                        out[b * QK + i + 16] = (byte >> 4) as f32 * db + mb;
                    }
                }
            }
            Weights::Q8F { qs, d, m, sub } => {
                let q = &qs[r * self.cols..(r + 1) * self.cols];
                for b in 0..nb {
                    let k = r * nb + b;
                    for e in 0..QK {
                        let v = q[q8_offset(nb, b, e)] as f32;
                        let scale = match sub {
                            Some(s) => d[k] * s[2 * k + e / 16] as f32,
                            None => d[k],
                        };
                        out[b * QK + e] = match m {
                            Some(m) => v * scale + m[k],
                            None => v * scale,
                        };
                    }
                }
            }
            Weights::F32(v) => {
                out[..self.cols].copy_from_slice(&v[r * self.cols..(r + 1) * self.cols])
            }
        }
    }

    /// Bytes the kernels read for one pass over the whole matrix (its values and scales).
    pub fn bytes(&self) -> usize {
        let (q, scales) = match &self.w {
            Weights::Q4_1 { qs, d, m } => (qs.len(), 2 * (d.len() + m.len())),
            Weights::Q4_0 { qs, d } => (qs.len(), 2 * d.len()),
            Weights::Q8_0 { qs, d } => (qs.len(), 2 * d.len()),
            Weights::Q4F { qs, d, m } => (qs.len(), 4 * (d.len() + m.len())),
            Weights::Q8F { qs, d, m, sub } => (
                qs.len(),
                4 * (d.len() + m.as_ref().map_or(0, Vec::len)) + sub.as_ref().map_or(0, Vec::len),
            ),
            Weights::F32(v) => (4 * v.len(), 0),
        };
        q + scales
    }

    /// Whether the kernels take quantised activations for this matrix.
    pub fn wants_qacts(&self) -> bool {
        !matches!(self.w, Weights::F32(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_rounding_is_round_half_even() {
        let mut x = -130.0f32;
        while x <= 130.0 {
            // Equal as numbers (the sign of a zero result may differ; it becomes the integer 0).
            assert_eq!(round_half_even(x), x.round_ties_even(), "{x}");
            x += 0.125 / 3.0;
        }
        for x in [0.5f32, 1.5, 2.5, -0.5, -2.5, 126.5, 0.49999997, -0.0] {
            assert_eq!(round_half_even(x), x.round_ties_even(), "{x}");
        }
    }

    #[test]
    fn offsets_are_a_permutation() {
        for nb in [1, 7, 8, 9, 18, 48] {
            let mut seen4 = vec![false; nb * 16];
            let mut seen8 = vec![false; nb * QK];
            for b in 0..nb {
                for i in 0..16 {
                    assert!(!std::mem::replace(&mut seen4[q4_offset(nb, b, i)], true));
                }
                for e in 0..QK {
                    assert!(!std::mem::replace(&mut seen8[q8_offset(nb, b, e)], true));
                }
            }
        }
    }

    #[test]
    fn quantize_block_rounds_half_even_and_sums() {
        let mut x = [0f32; 32];
        x[0] = 127.0;
        x[1] = 0.5;
        x[2] = 1.5;
        x[3] = -2.5;
        x[4] = -127.0;
        let mut q = [0i8; 32];
        let (d, isum) = quantize_block(&x, &mut q);
        assert_eq!(d, 1.0);
        assert_eq!(&q[..5], &[127, 0, 2, -2, -127]);
        assert_eq!(isum, 0);
        let (d, isum) = quantize_block(&[0.0; 32], &mut q);
        assert_eq!((d, isum), (0.0, 0));
        assert!(q.iter().all(|&v| v == 0));
    }

    #[test]
    fn simd_block_quantiser_matches_scalar() {
        #[cfg(target_arch = "x86_64")]
        if simd_quant::available() {
            let specials = [
                0.0,
                -0.0,
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                1e-40,
                0.5,
                -0.5,
            ];
            let mut seed = 0x9e37_79b9_7f4a_7c15u64;
            for case in 0..20_000 {
                let mut x = [0f32; QK];
                for v in x.iter_mut() {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    *v = match seed % 16 {
                        0 if case % 3 == 0 => specials[(seed >> 8) as usize % specials.len()],
                        _ => ((seed >> 11) % 100_000) as f32 / 997.0 - 50.0,
                    };
                }
                let (mut a, mut b) = ([0i8; QK], [0i8; QK]);
                let ra = quantize_block(&x, &mut a);
                // SAFETY: AVX2 checked above.
                let rb = unsafe { simd_quant::quantize_block(&x, &mut b) };
                assert_eq!(
                    (ra.0.to_bits(), ra.1, a),
                    (rb.0.to_bits(), rb.1, b),
                    "{x:?}"
                );
            }
            return;
        }
        ambient_testkit::skip!("this CPU has no AVX2");
    }
}
