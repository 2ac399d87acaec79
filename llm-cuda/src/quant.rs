//! Quantised blocks: weights unpacked from GGUF into a kernel-friendly layout, and the one canonical
//! activation quantiser (f32 → Q8 blocks) that every backend must mirror exactly.

use half::f16;

use crate::gguf::{GgufError, TensorInfo, TensorType};

/// Elements per quantisation block.
pub const QK: usize = 32;

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
    /// Quantised values, `rows * cols`.
    pub q: Vec<i8>,
    /// Block scales, `rows * cols / 32`.
    pub d: Vec<f32>,
    /// `d * Σq` per block.
    pub s: Vec<f32>,
    /// `Σq` per block (exact).
    pub isum: Vec<i32>,
}

impl QActs {
    /// Quantises `rows` vectors of `cols` f32 values (row-major).
    pub fn quantize(x: &[f32], rows: usize, cols: usize) -> Self {
        debug_assert_eq!(x.len(), rows * cols);
        debug_assert_eq!(cols % QK, 0);
        let nb = rows * cols / QK;
        let mut a = QActs {
            cols,
            rows,
            q: vec![0; rows * cols],
            d: vec![0.0; nb],
            s: vec![0.0; nb],
            isum: vec![0; nb],
        };
        for (b, (xb, qb)) in x.chunks_exact(QK).zip(a.q.chunks_exact_mut(QK)).enumerate() {
            let (d, isum) = quantize_block(xb, qb);
            a.d[b] = d;
            a.isum[b] = isum;
            a.s[b] = d * isum as f32;
        }
        a
    }

    /// Blocks per vector.
    pub fn blocks_per_row(&self) -> usize {
        self.cols / QK
    }
}

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
        let r = (v * id).round_ties_even().clamp(-127.0, 127.0);
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
        /// Packed nibbles, 16 bytes per block: low nibble of byte j is element j, high is j + 16.
        qs: Vec<u8>,
        /// Scale per block.
        d: Vec<f32>,
        /// Minimum per block.
        m: Vec<f32>,
    },
    /// Q4_0: `w = (q - 8) * d`.
    Q4_0 {
        /// Packed nibbles, as for Q4_1.
        qs: Vec<u8>,
        /// Scale per block.
        d: Vec<f32>,
    },
    /// Q8_0: `w = q * d`.
    Q8_0 {
        /// Values, 32 per block.
        qs: Vec<i8>,
        /// Scale per block.
        d: Vec<f32>,
    },
    /// Plain f32 (F16 tensors are widened exactly).
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

fn f16_at(b: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([b[at], b[at + 1]]).to_f32()
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
        if info.ty != TensorType::F32 && info.ty != TensorType::F16 && cols % QK != 0 {
            return Err(GgufError::BadTensor {
                tensor: info.name.clone(),
                reason: format!("row length {cols} is not a multiple of {QK}"),
            });
        }
        let nb = rows * cols / QK;
        let w = match info.ty {
            TensorType::Q4_1 => {
                let mut qs = Vec::with_capacity(nb * 16);
                let mut d = Vec::with_capacity(nb);
                let mut m = Vec::with_capacity(nb);
                for blk in data.chunks_exact(20) {
                    d.push(f16_at(blk, 0));
                    m.push(f16_at(blk, 2));
                    qs.extend_from_slice(&blk[4..20]);
                }
                Weights::Q4_1 { qs, d, m }
            }
            TensorType::Q4_0 => {
                let mut qs = Vec::with_capacity(nb * 16);
                let mut d = Vec::with_capacity(nb);
                for blk in data.chunks_exact(18) {
                    d.push(f16_at(blk, 0));
                    qs.extend_from_slice(&blk[2..18]);
                }
                Weights::Q4_0 { qs, d }
            }
            TensorType::Q8_0 => {
                let mut qs = Vec::with_capacity(nb * 32);
                let mut d = Vec::with_capacity(nb);
                for blk in data.chunks_exact(34) {
                    d.push(f16_at(blk, 0));
                    qs.extend(blk[2..34].iter().map(|&b| b as i8));
                }
                Weights::Q8_0 { qs, d }
            }
            TensorType::F32 => Weights::F32(
                data.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            ),
            TensorType::F16 => Weights::F32(
                data.chunks_exact(2)
                    .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
                    .collect(),
            ),
        };
        Ok(Matrix { rows, cols, w })
    }

    /// Dequantises row `r` into f32 (exact: one multiply, and one add for Q4_1, per element).
    pub fn dequant_row(&self, r: usize, out: &mut [f32]) {
        let nb = self.cols / QK;
        match &self.w {
            Weights::Q4_1 { qs, d, m } => {
                for b in 0..nb {
                    let blk = r * nb + b;
                    let q = &qs[blk * 16..blk * 16 + 16];
                    for j in 0..16 {
                        out[b * QK + j] = (q[j] & 0x0f) as f32 * d[blk] + m[blk];
                        out[b * QK + j + 16] = (q[j] >> 4) as f32 * d[blk] + m[blk];
                    }
                }
            }
            Weights::Q4_0 { qs, d } => {
                for b in 0..nb {
                    let blk = r * nb + b;
                    let q = &qs[blk * 16..blk * 16 + 16];
                    for j in 0..16 {
                        out[b * QK + j] = ((q[j] & 0x0f) as i32 - 8) as f32 * d[blk];
                        out[b * QK + j + 16] = ((q[j] >> 4) as i32 - 8) as f32 * d[blk];
                    }
                }
            }
            Weights::Q8_0 { qs, d } => {
                for b in 0..nb {
                    let blk = r * nb + b;
                    for j in 0..QK {
                        out[b * QK + j] = qs[blk * QK + j] as f32 * d[blk];
                    }
                }
            }
            Weights::F32(v) => {
                out[..self.cols].copy_from_slice(&v[r * self.cols..(r + 1) * self.cols])
            }
        }
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
}
