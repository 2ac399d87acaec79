//! The reference (scalar) block-dot kernels. They *define* the canonical reduction order; every
//! SIMD or GPU kernel must return exactly the same bits.
//!
//! For a row of `nb` blocks: the integer dot of block `b` is exact; its f32 value is
//! `v_b = (d_w * d_x) * isum_b` (plus `m_w * s_x` for Q4_1), and lane `b % 8` accumulates `v_b` in
//! block order; the eight lanes are summed by [`tree8`]. Data is read through the layout functions
//! of [`crate::quant`], so these kernels are independent of how bytes are interleaved.

use half::f16;

use super::XRow;
use crate::math::tree8;
use crate::quant::{q4_offset, q8_offset, QK};

/// Exact integer dot of Q4 block `b` (unsigned nibbles 0..=15) with activation block `b`.
#[inline]
fn q4_isum(qs: &[u8], x: &[i8], nb: usize, b: usize) -> i32 {
    let mut isum = 0i32;
    for i in 0..16 {
        let byte = qs[q4_offset(nb, b, i)];
        let lo = x[q8_offset(nb, b, i)] as i32;
        let hi = x[q8_offset(nb, b, i + 16)] as i32;
        isum += (byte & 0x0f) as i32 * lo + (byte >> 4) as i32 * hi;
    }
    isum
}

/// A block scale as stored: f16 (as in the legacy formats' files) or f32 (built exactly from a
/// K-quant's super-block scale).
pub trait Scale: Copy {
    /// The value in f32 (exact).
    fn f32(self) -> f32;
}

impl Scale for f16 {
    #[inline(always)]
    fn f32(self) -> f32 {
        self.to_f32()
    }
}

impl Scale for f32 {
    #[inline(always)]
    fn f32(self) -> f32 {
        self
    }
}

/// Q4_1 (and Q4_K, with f32 scales) weights · Q8 activations for one row:
/// `v_b = (d_b · d_x) · isum_b + m_b · s_x`.
pub fn dot_q4_1<S: Scale>(qs: &[u8], d: &[S], m: &[S], x: &XRow<'_>) -> f32 {
    let nb = d.len();
    let mut l = [0f32; 8];
    for b in 0..nb {
        let isum = q4_isum(qs, x.q, nb, b);
        l[b % 8] += (d[b].f32() * x.d[b]) * isum as f32 + m[b].f32() * x.s[b];
    }
    tree8(&l)
}

/// Q4_0 weights · Q8 activations for one row: the nibble dot minus `8 · Σx` per block.
pub fn dot_q4_0(qs: &[u8], d: &[f16], x: &XRow<'_>) -> f32 {
    let nb = d.len();
    let mut l = [0f32; 8];
    for b in 0..nb {
        let isum = q4_isum(qs, x.q, nb, b) - 8 * x.isum[b];
        l[b % 8] += (d[b].to_f32() * x.d[b]) * isum as f32;
    }
    tree8(&l)
}

/// Q8_0 weights · Q8 activations for one row.
pub fn dot_q8_0(qs: &[i8], d: &[f16], x: &XRow<'_>) -> f32 {
    let nb = d.len();
    let mut l = [0f32; 8];
    for b in 0..nb {
        let mut isum = 0i32;
        for e in 0..QK {
            let o = q8_offset(nb, b, e);
            isum += qs[o] as i32 * x.q[o] as i32;
        }
        l[b % 8] += (d[b].to_f32() * x.d[b]) * isum as f32;
    }
    tree8(&l)
}

/// Exact integer dot of the 16 values `16h..16h + 16` of Q8 block `b` with the activations.
#[inline]
fn q8_half(qs: &[i8], x: &[i8], nb: usize, b: usize, h: usize) -> i32 {
    (16 * h..16 * h + 16)
        .map(|e| {
            let o = q8_offset(nb, b, e);
            qs[o] as i32 * x[o] as i32
        })
        .sum()
}

/// [`crate::quant::Weights::Q8F`] weights · Q8 activations for one row. The integer dot of block
/// `b` is `isum_b = Σq·x`, or with half-block scales `sub[2b]·Σ_lo + sub[2b+1]·Σ_hi` (exact);
/// `v_b = (d_b · d_x) · isum_b`, plus `m_b · s_x` with a minimum term.
pub fn dot_q8f(qs: &[i8], d: &[f32], m: Option<&[f32]>, sub: Option<&[i8]>, x: &XRow<'_>) -> f32 {
    let nb = d.len();
    let mut l = [0f32; 8];
    for b in 0..nb {
        let (lo, hi) = (q8_half(qs, x.q, nb, b, 0), q8_half(qs, x.q, nb, b, 1));
        let isum = match sub {
            Some(s) => s[2 * b] as i32 * lo + s[2 * b + 1] as i32 * hi,
            None => lo + hi,
        };
        let v = (d[b] * x.d[b]) * isum as f32;
        l[b % 8] += match m {
            Some(m) => v + m[b] * x.s[b],
            None => v,
        };
    }
    tree8(&l)
}
