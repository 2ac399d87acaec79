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

/// Q4_1 weights · Q8 activations for one row.
pub fn dot_q4_1(qs: &[u8], d: &[f16], m: &[f16], x: &XRow<'_>) -> f32 {
    let nb = d.len();
    let mut l = [0f32; 8];
    for b in 0..nb {
        let isum = q4_isum(qs, x.q, nb, b);
        l[b % 8] += (d[b].to_f32() * x.d[b]) * isum as f32 + m[b].to_f32() * x.s[b];
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
