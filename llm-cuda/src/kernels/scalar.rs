//! The reference (scalar) block-dot kernels. They *define* the canonical reduction order; every
//! SIMD or GPU kernel must return exactly the same bits.
//!
//! For a row of `nb` blocks: the integer dot of block `b` is exact; its f32 value is
//! `v_b = (d_w * d_x) * isum_b` (plus `m_w * s_x` for Q4_1), and lane `b % 8` accumulates `v_b` in
//! block order; the eight lanes are summed by [`tree8`].

use crate::math::tree8;
use crate::quant::QK;

/// Q4_1 weights · Q8 activations for one row.
pub fn dot_q4_1(qs: &[u8], d: &[f32], m: &[f32], xq: &[i8], xd: &[f32], xs: &[f32]) -> f32 {
    let mut l = [0f32; 8];
    for b in 0..d.len() {
        let q = &qs[b * 16..b * 16 + 16];
        let x = &xq[b * QK..b * QK + QK];
        let mut isum = 0i32;
        for j in 0..16 {
            isum += (q[j] & 0x0f) as i32 * x[j] as i32 + (q[j] >> 4) as i32 * x[j + 16] as i32;
        }
        l[b % 8] += (d[b] * xd[b]) * isum as f32 + m[b] * xs[b];
    }
    tree8(&l)
}

/// Q4_0 weights · Q8 activations for one row (`xisum` is Σq of each activation block).
pub fn dot_q4_0(qs: &[u8], d: &[f32], xq: &[i8], xd: &[f32], xisum: &[i32]) -> f32 {
    let mut l = [0f32; 8];
    for b in 0..d.len() {
        let q = &qs[b * 16..b * 16 + 16];
        let x = &xq[b * QK..b * QK + QK];
        let mut isum = 0i32;
        for j in 0..16 {
            isum += (q[j] & 0x0f) as i32 * x[j] as i32 + (q[j] >> 4) as i32 * x[j + 16] as i32;
        }
        isum -= 8 * xisum[b];
        l[b % 8] += (d[b] * xd[b]) * isum as f32;
    }
    tree8(&l)
}

/// Q8_0 weights · Q8 activations for one row.
pub fn dot_q8_0(qs: &[i8], d: &[f32], xq: &[i8], xd: &[f32]) -> f32 {
    let mut l = [0f32; 8];
    for b in 0..d.len() {
        let mut isum = 0i32;
        for j in 0..QK {
            isum += qs[b * QK + j] as i32 * xq[b * QK + j] as i32;
        }
        l[b % 8] += (d[b] * xd[b]) * isum as f32;
    }
    tree8(&l)
}
