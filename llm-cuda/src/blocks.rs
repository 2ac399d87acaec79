//! GGUF block formats decoded into the engine's weight layouts ([`Weights`]).
//!
//! Every conversion is exact: the engine computes with exactly the values the file defines. Scales
//! that the formats build from a super-block scale times a small integer (`d · sc` in the K-quants:
//! an 11-bit f16 significand times at most 8 bits) are exact in f32, so they are stored as f32
//! per 32-value block; 5- and 6-bit values are widened to one byte each.

use half::f16;

use crate::quant::{q4_offset, q8_offset, Weights, QK};

/// Values per K-quant super-block.
pub const QK_K: usize = 256;

fn f16_at(b: &[u8], at: usize) -> f16 {
    f16::from_le_bytes([b[at], b[at + 1]])
}

/// Writes one 32-value block of 4-bit values (`v[e]` in 0..=15) as row block `rb` of a row of
/// `nbr` blocks, in the [`q4_offset`] layout.
fn put_q4(row: &mut [u8], nbr: usize, rb: usize, v: &[u8; QK]) {
    for i in 0..16 {
        row[q4_offset(nbr, rb, i)] = v[i] | (v[i + 16] << 4);
    }
}

/// Writes one 32-value block of 8-bit values as row block `rb`, in the [`q8_offset`] layout.
fn put_q8(row: &mut [i8], nbr: usize, rb: usize, v: &[i8; QK]) {
    for (e, &x) in v.iter().enumerate() {
        row[q8_offset(nbr, rb, e)] = x;
    }
}

/// Q4_0 (18 bytes: f16 `d`, 16 bytes of nibbles; `w = (q − 8) · d`) and Q4_1 (20 bytes: f16 `d`,
/// f16 `m`, nibbles; `w = q · d + m`). The nibble order is already the engine's.
pub fn q4_legacy(data: &[u8], rows: usize, cols: usize, with_min: bool) -> Weights {
    let (nbr, bs, hdr) = (
        cols / QK,
        if with_min { 20 } else { 18 },
        if with_min { 4 } else { 2 },
    );
    let mut qs = vec![0u8; rows * nbr * 16];
    let (mut d, mut m) = (Vec::with_capacity(rows * nbr), Vec::new());
    for (b, blk) in data.chunks_exact(bs).enumerate() {
        d.push(f16_at(blk, 0));
        if with_min {
            m.push(f16_at(blk, 2));
        }
        let (row, rb) = (b / nbr, b % nbr);
        let q = &mut qs[row * nbr * 16..(row + 1) * nbr * 16];
        for (i, &byte) in blk[hdr..].iter().enumerate() {
            q[q4_offset(nbr, rb, i)] = byte;
        }
    }
    if with_min {
        Weights::Q4_1 { qs, d, m }
    } else {
        Weights::Q4_0 { qs, d }
    }
}

/// Q8_0 (34 bytes: f16 `d`, 32 × i8; `w = q · d`).
pub fn q8_0(data: &[u8], rows: usize, cols: usize) -> Weights {
    let nbr = cols / QK;
    let mut qs = vec![0i8; rows * cols];
    let mut d = Vec::with_capacity(rows * nbr);
    for (b, blk) in data.chunks_exact(34).enumerate() {
        d.push(f16_at(blk, 0));
        let (row, rb) = (b / nbr, b % nbr);
        let v: [i8; QK] = std::array::from_fn(|e| blk[2 + e] as i8);
        put_q8(&mut qs[row * cols..(row + 1) * cols], nbr, rb, &v);
    }
    Weights::Q8_0 { qs, d }
}

/// The 5-bit values of a Q5_0/Q5_1 block: low nibbles as in Q4 (`qs[j]` holds elements `j` and
/// `j + 16`), fifth bit `e` of the little-endian `qh`.
fn q5_values(qh: u32, qs: &[u8]) -> [u8; QK] {
    std::array::from_fn(|e| {
        let low = if e < 16 {
            qs[e] & 0x0f
        } else {
            qs[e - 16] >> 4
        };
        low | (((qh >> e) & 1) as u8) << 4
    })
}

/// Q5_0 (22 bytes: f16 `d`, u32 `qh`, 16 bytes of nibbles; `w = (q − 16) · d`): exactly a Q8_0
/// block with values in −16..=15.
pub fn q5_0(data: &[u8], rows: usize, cols: usize) -> Weights {
    let nbr = cols / QK;
    let mut qs = vec![0i8; rows * cols];
    let mut d = Vec::with_capacity(rows * nbr);
    for (b, blk) in data.chunks_exact(22).enumerate() {
        d.push(f16_at(blk, 0));
        let qh = u32::from_le_bytes([blk[2], blk[3], blk[4], blk[5]]);
        let v = q5_values(qh, &blk[6..22]).map(|q| q as i8 - 16);
        let (row, rb) = (b / nbr, b % nbr);
        put_q8(&mut qs[row * cols..(row + 1) * cols], nbr, rb, &v);
    }
    Weights::Q8_0 { qs, d }
}

/// Q5_1 (24 bytes: f16 `d`, f16 `m`, u32 `qh`, nibbles; `w = q · d + m`, `q` in 0..=31).
pub fn q5_1(data: &[u8], rows: usize, cols: usize) -> Weights {
    let nbr = cols / QK;
    let mut qs = vec![0i8; rows * cols];
    let (mut d, mut m) = (
        Vec::with_capacity(rows * nbr),
        Vec::with_capacity(rows * nbr),
    );
    for (b, blk) in data.chunks_exact(24).enumerate() {
        d.push(f16_at(blk, 0).to_f32());
        m.push(f16_at(blk, 2).to_f32());
        let qh = u32::from_le_bytes([blk[4], blk[5], blk[6], blk[7]]);
        let v = q5_values(qh, &blk[8..24]).map(|q| q as i8);
        let (row, rb) = (b / nbr, b % nbr);
        put_q8(&mut qs[row * cols..(row + 1) * cols], nbr, rb, &v);
    }
    Weights::Q8F {
        qs,
        d,
        m: Some(m),
        sub: None,
    }
}

/// The eight 6-bit scales and minimums of a Q4_K/Q5_K super-block (ggml's `get_scale_min_k4`).
fn scales_mins_k4(s: &[u8]) -> ([u8; 8], [u8; 8]) {
    let mut sc = [0u8; 8];
    let mut mn = [0u8; 8];
    for j in 0..8 {
        if j < 4 {
            sc[j] = s[j] & 63;
            mn[j] = s[j + 4] & 63;
        } else {
            sc[j] = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
            mn[j] = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
        }
    }
    (sc, mn)
}

/// The per-32 scale `d · sc` and minimum term `−(dmin · mn)` of a Q4_K/Q5_K super-block, both
/// exact in f32.
fn k4_scales(blk: &[u8]) -> ([f32; 8], [f32; 8]) {
    let (d, dmin) = (f16_at(blk, 0).to_f32(), f16_at(blk, 2).to_f32());
    let (sc, mn) = scales_mins_k4(&blk[4..16]);
    (sc.map(|s| d * s as f32), mn.map(|m| -(dmin * m as f32)))
}

/// Low nibble of value `e` of sub-block `j` in a K-quant's 128 bytes of `qs`: sub-blocks `2c` and
/// `2c + 1` share the 32 bytes `qs[32c..32c + 32]`, low and high nibbles.
fn k_nibble(qs: &[u8], j: usize, e: usize) -> u8 {
    let byte = qs[(j / 2) * 32 + e];
    if j.is_multiple_of(2) {
        byte & 0x0f
    } else {
        byte >> 4
    }
}

/// Q4_K (144 bytes: f16 `d`, f16 `dmin`, 12 bytes of packed 6-bit scales and minimums, 128 bytes of
/// nibbles): `w = q · (d · sc) − dmin · mn` per 32 values.
pub fn q4_k(data: &[u8], rows: usize, cols: usize) -> Weights {
    let nbr = cols / QK;
    let mut qs = vec![0u8; rows * nbr * 16];
    let (mut d, mut m) = (
        Vec::with_capacity(rows * nbr),
        Vec::with_capacity(rows * nbr),
    );
    for (s, blk) in data.chunks_exact(144).enumerate() {
        let (ds, ms) = k4_scales(blk);
        for j in 0..8 {
            let b = s * 8 + j;
            let (row, rb) = (b / nbr, b % nbr);
            let v: [u8; QK] = std::array::from_fn(|e| k_nibble(&blk[16..144], j, e));
            put_q4(&mut qs[row * nbr * 16..(row + 1) * nbr * 16], nbr, rb, &v);
            d.push(ds[j]);
            m.push(ms[j]);
        }
    }
    Weights::Q4F { qs, d, m }
}

/// Q5_K (176 bytes: as Q4_K, plus 32 bytes of fifth bits before the nibbles: bit `j` of `qh[e]`
/// belongs to value `e` of sub-block `j`).
pub fn q5_k(data: &[u8], rows: usize, cols: usize) -> Weights {
    let nbr = cols / QK;
    let mut qs = vec![0i8; rows * cols];
    let (mut d, mut m) = (
        Vec::with_capacity(rows * nbr),
        Vec::with_capacity(rows * nbr),
    );
    for (s, blk) in data.chunks_exact(176).enumerate() {
        let (ds, ms) = k4_scales(blk);
        let (qh, ql) = (&blk[16..48], &blk[48..176]);
        for j in 0..8 {
            let b = s * 8 + j;
            let (row, rb) = (b / nbr, b % nbr);
            let v: [i8; QK] =
                std::array::from_fn(|e| (k_nibble(ql, j, e) | ((qh[e] >> j) & 1) << 4) as i8);
            put_q8(&mut qs[row * cols..(row + 1) * cols], nbr, rb, &v);
            d.push(ds[j]);
            m.push(ms[j]);
        }
    }
    Weights::Q8F {
        qs,
        d,
        m: Some(m),
        sub: None,
    }
}

/// Q6_K (210 bytes: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 i8 scales, f16 `d`):
/// `w = d · sc · (q − 32)` with one scale per 16 values. Kept as 8-bit values `q − 32`, the scale
/// `d` per 32 values and the two integer scales of each 32 in `sub`.
pub fn q6_k(data: &[u8], rows: usize, cols: usize) -> Weights {
    let nbr = cols / QK;
    let mut qs = vec![0i8; rows * cols];
    let mut d = Vec::with_capacity(rows * nbr);
    let mut sub = Vec::with_capacity(rows * nbr * 2);
    for (s, blk) in data.chunks_exact(210).enumerate() {
        let (ql, qh, sc) = (&blk[..128], &blk[128..192], &blk[192..208]);
        let ds = f16_at(blk, 208).to_f32();
        for j in 0..8 {
            // Half `h` of the super-block (128 values), quarter `g` of that half.
            let (h, g) = (j / 4, j % 4);
            let v: [i8; QK] = std::array::from_fn(|e| {
                let lo = ql[h * 64 + (g % 2) * 32 + e] >> (4 * (g / 2)) & 0x0f;
                let hi = (qh[h * 32 + e] >> (2 * g)) & 3;
                (lo | hi << 4) as i8 - 32
            });
            let b = s * 8 + j;
            let (row, rb) = (b / nbr, b % nbr);
            put_q8(&mut qs[row * cols..(row + 1) * cols], nbr, rb, &v);
            d.push(ds);
            sub.extend_from_slice(&[sc[2 * j] as i8, sc[2 * j + 1] as i8]);
        }
    }
    Weights::Q8F {
        qs,
        d,
        m: None,
        sub: Some(sub),
    }
}

/// F32 values.
pub fn f32s(data: &[u8]) -> Weights {
    Weights::F32(
        data.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

/// F16 values, widened to f32 (exact).
pub fn f16s(data: &[u8]) -> Weights {
    Weights::F32(
        data.chunks_exact(2)
            .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
    )
}

/// BF16 values, widened to f32 (exact: the upper half of an f32's bits).
pub fn bf16s(data: &[u8]) -> Weights {
    Weights::F32(
        data.chunks_exact(2)
            .map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16))
            .collect(),
    )
}
