//! AMX-INT8 matrix multiply for prefill (many tokens at once). The tile unit computes each block's
//! exact integer dot (`tdpbusd`: unsigned Q4 nibbles × signed Q8 activations, `tdpbssd` for Q8_0
//! weights) for 16 weight rows × 16 tokens at a time; integer sums are exact, so they equal the
//! scalar kernels' `isum` bit for bit. The f32 part then runs, per output element, exactly the
//! scalar order: `v_b = (d_w · d_x) · isum_b (+ m_w · s_x)`, lane `b % 8` accumulates `v_b` in block
//! order, [`crate::math::tree8`] sums the lanes; AVX-512 vectors hold 16 *tokens* of one output row,
//! so no element's arithmetic changes. Bit-identical to [`super::scalar`]; the tests in
//! `kernels/mod.rs` prove it.
//!
//! Tiles (palette 1): `tmm0` = C (16 rows × 16 i32), `tmm1` = A (16 weight rows × 32 bytes: one
//! block, elements in order), `tmm2` = B (8 rows × 64 bytes: row `c` holds the 4-element chunk `c`
//! of the block for each of 16 tokens). Linux hands out AMX state only on request
//! (`arch_prctl(ARCH_REQ_XCOMP_PERM)`), made once per process by [`supported`].

use std::arch::asm;
use std::arch::x86_64::*;
use std::sync::OnceLock;

use half::f16;

use crate::quant::{q4_offset, q8_offset, QActs, Weights, QK};

/// Weight rows per tile.
pub const ROWS: usize = 16;
/// Tokens per tile.
pub const TOKENS: usize = 16;

/// Whether this CPU and kernel let the process use AMX-INT8 (asks the kernel for the tile state
/// once).
pub fn supported() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        let leaf7 = __cpuid_count(7, 0);
        let amx_tile = leaf7.edx & (1 << 24) != 0;
        let amx_int8 = leaf7.edx & (1 << 25) != 0;
        if !(amx_tile
            && amx_int8
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("f16c"))
        {
            return false;
        }
        request_tile_state()
    })
}

#[cfg(target_os = "linux")]
fn request_tile_state() -> bool {
    const ARCH_REQ_XCOMP_PERM: usize = 0x1023;
    const XFEATURE_XTILEDATA: usize = 18;
    const SYS_ARCH_PRCTL: usize = 158;
    let ret: isize;
    // SAFETY: arch_prctl(ARCH_REQ_XCOMP_PERM) only changes this process's permitted xsave features;
    // the syscall clobbers rcx and r11 as declared.
    unsafe {
        asm!("syscall",
             inlateout("rax") SYS_ARCH_PRCTL as isize => ret,
             in("rdi") ARCH_REQ_XCOMP_PERM,
             in("rsi") XFEATURE_XTILEDATA,
             lateout("rcx") _, lateout("r11") _,
             options(nostack));
    }
    ret == 0
}

#[cfg(not(target_os = "linux"))]
fn request_tile_state() -> bool {
    false
}

/// Activations packed for the B tiles: per token tile and block, 8 chunk rows × 16 tokens × 4
/// bytes, and the per-token scales of that block side by side (zero for padding tokens).
pub struct Packed {
    nb: usize,
    q: Vec<i8>,
    d: Vec<f32>,
    s: Vec<f32>,
    isum: Vec<i32>,
}

impl Packed {
    /// Packs quantised activations (`acts.rows` tokens).
    pub fn new(acts: &QActs) -> Self {
        let nb = acts.blocks_per_row();
        let tiles = acts.rows.div_ceil(TOKENS);
        let mut p = Packed {
            nb,
            q: vec![0; tiles * nb * QK * TOKENS],
            d: vec![0.0; tiles * nb * TOKENS],
            s: vec![0.0; tiles * nb * TOKENS],
            isum: vec![0; tiles * nb * TOKENS],
        };
        for t in 0..acts.rows {
            let (tile, i) = (t / TOKENS, t % TOKENS);
            let row = &acts.q[t * acts.cols..(t + 1) * acts.cols];
            for b in 0..nb {
                let tb = (tile * nb + b) * TOKENS;
                let dst = &mut p.q[tb * QK..(tb + TOKENS) * QK];
                for c in 0..QK / 4 {
                    let o = q8_offset(nb, b, 4 * c);
                    let at = c * 4 * TOKENS + 4 * i;
                    dst[at..at + 4].copy_from_slice(&row[o..o + 4]);
                }
                p.d[tb + i] = acts.d[t * nb + b];
                p.s[tb + i] = acts.s[t * nb + b];
                p.isum[tb + i] = acts.isum[t * nb + b];
            }
        }
        p
    }
}

/// One row tile's weights unpacked for the A tiles: per block, 16 rows × 32 bytes (elements in
/// order; zero rows past the matrix), and the f32 scales per row and block.
struct ATiles {
    a: Vec<u8>,
    d: Vec<f32>,
    m: Vec<f32>,
}

fn unpack(w: &Weights, cols: usize, r0: usize, nrows: usize) -> ATiles {
    let nb = cols / QK;
    let mut t = ATiles {
        a: vec![0; nb * ROWS * QK],
        d: vec![0.0; ROWS * nb],
        m: vec![0.0; ROWS * nb],
    };
    let widen = |h: &[f16], out: &mut [f32]| {
        for (o, v) in out.iter_mut().zip(h) {
            *o = v.to_f32();
        }
    };
    for r in 0..nrows {
        let rb = (r0 + r) * nb..(r0 + r + 1) * nb;
        match w {
            Weights::Q4_1 { qs, d, .. } | Weights::Q4_0 { qs, d } => {
                let row = &qs[rb.start * 16..rb.end * 16];
                for b in 0..nb {
                    let mut bytes = [0u8; 16];
                    for c in 0..4 {
                        let o = q4_offset(nb, b, 4 * c);
                        bytes[4 * c..4 * c + 4].copy_from_slice(&row[o..o + 4]);
                    }
                    let v = u128::from_le_bytes(bytes);
                    let lo = (v & 0x0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f).to_le_bytes();
                    let hi = ((v >> 4) & 0x0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f).to_le_bytes();
                    let at = (b * ROWS + r) * QK;
                    t.a[at..at + 16].copy_from_slice(&lo);
                    t.a[at + 16..at + 32].copy_from_slice(&hi);
                }
                widen(&d[rb.clone()], &mut t.d[r * nb..(r + 1) * nb]);
                if let Weights::Q4_1 { m, .. } = w {
                    widen(&m[rb], &mut t.m[r * nb..(r + 1) * nb]);
                }
            }
            Weights::Q8_0 { qs, d } => {
                let row = &qs[rb.start * QK..rb.end * QK];
                for b in 0..nb {
                    let at = (b * ROWS + r) * QK;
                    for c in 0..QK / 4 {
                        let o = q8_offset(nb, b, 4 * c);
                        for e in 0..4 {
                            t.a[at + 4 * c + e] = row[o + e] as u8;
                        }
                    }
                }
                widen(&d[rb], &mut t.d[r * nb..(r + 1) * nb]);
            }
            Weights::F32(_) => unreachable!("AMX runs quantised weights only"),
        }
    }
    t
}

/// The tile configuration: C 16×64 bytes, A 16×32 bytes, B 8×64 bytes, twice (tmm0–2, tmm3–5).
#[repr(C, align(64))]
struct TileConfig([u8; 64]);

fn config() -> TileConfig {
    let mut c = [0u8; 64];
    c[0] = 1; // palette
    let shapes: [(u16, u8); 6] = [(64, 16), (32, 16), (64, 8), (64, 16), (32, 16), (64, 8)];
    for (i, (colsb, rows)) in shapes.into_iter().enumerate() {
        c[16 + 2 * i..18 + 2 * i].copy_from_slice(&colsb.to_le_bytes());
        c[48 + i] = rows;
    }
    TileConfig(c)
}

/// Weight kinds, as const parameters so the inner loops carry no branches.
const Q4_1: u8 = 0;
const Q4_0: u8 = 1;
const Q8_0: u8 = 2;

/// Weight rows `r0..r0+nrows` (`nrows ≤ 16`) times all `t` packed tokens; `out(token, row, value)`.
///
/// # Safety
/// [`supported`] must have returned true; `p` must be packed from activations of `cols` columns.
pub unsafe fn rows_tile(
    w: &Weights,
    cols: usize,
    r0: usize,
    nrows: usize,
    p: &Packed,
    t: usize,
    mut out: impl FnMut(usize, usize, f32),
) {
    debug_assert_eq!(cols / QK, p.nb);
    let out = |tok, r, v| out(tok, r0 + r, v);
    let at = unpack(w, cols, r0, nrows);
    match w {
        Weights::Q4_1 { .. } => tiles::<Q4_1>(&at, nrows, p, t, out),
        Weights::Q4_0 { .. } => tiles::<Q4_0>(&at, nrows, p, t, out),
        Weights::Q8_0 { .. } => tiles::<Q8_0>(&at, nrows, p, t, out),
        Weights::F32(_) => unreachable!("AMX runs quantised weights only"),
    }
}

/// The integer tiles of blocks `b0..b0+k` for token tile `tile`, row `r` of block `b0+j` stored at
/// `c[(r * 8 + j) * 16..]`. Two register sets alternate so consecutive blocks do not wait on each
/// other.
#[inline(always)]
unsafe fn int_tiles<const KIND: u8>(
    at: &ATiles,
    p: &Packed,
    tile: usize,
    b0: usize,
    k: usize,
    c: *mut i32,
) {
    let nb = p.nb;
    for j in 0..k {
        let b = b0 + j;
        let a = at.a.as_ptr().add(b * ROWS * QK);
        let bq = p.q.as_ptr().add((tile * nb + b) * TOKENS * QK);
        let cj = c.add(j * TOKENS);
        let cs = GROUP_C * 4;
        if j % 2 == 0 {
            asm!("tilezero tmm0", options(nostack, nomem));
            asm!("tileloadd tmm1, [{0} + {1}*1]", in(reg) a, in(reg) QK, options(nostack, readonly));
            asm!("tileloadd tmm2, [{0} + {1}*1]", in(reg) bq, in(reg) 4 * TOKENS, options(nostack, readonly));
            if KIND == Q8_0 {
                asm!("tdpbssd tmm0, tmm1, tmm2", options(nostack, nomem));
            } else {
                asm!("tdpbusd tmm0, tmm1, tmm2", options(nostack, nomem));
            }
            asm!("tilestored [{0} + {1}*1], tmm0", in(reg) cj, in(reg) cs, options(nostack));
        } else {
            asm!("tilezero tmm3", options(nostack, nomem));
            asm!("tileloadd tmm4, [{0} + {1}*1]", in(reg) a, in(reg) QK, options(nostack, readonly));
            asm!("tileloadd tmm5, [{0} + {1}*1]", in(reg) bq, in(reg) 4 * TOKENS, options(nostack, readonly));
            if KIND == Q8_0 {
                asm!("tdpbssd tmm3, tmm4, tmm5", options(nostack, nomem));
            } else {
                asm!("tdpbusd tmm3, tmm4, tmm5", options(nostack, nomem));
            }
            asm!("tilestored [{0} + {1}*1], tmm3", in(reg) cj, in(reg) cs, options(nostack));
        }
    }
}

/// i32s per row of the group buffer: eight blocks × 16 tokens.
const GROUP_C: usize = 8 * TOKENS;

/// `v_b` for row `r`, block `b` (the scalar kernels' expression, 16 tokens per vector).
#[inline(always)]
unsafe fn block_value<const KIND: u8>(
    at: &ATiles,
    p: &Packed,
    nb: usize,
    r: usize,
    b: usize,
    tb: usize,
    c: *const i32,
) -> __m512 {
    let mut isum = _mm512_loadu_si512(c as *const _);
    if KIND == Q4_0 {
        let xi = _mm512_loadu_si512(p.isum.as_ptr().add(tb) as *const _);
        isum = _mm512_sub_epi32(isum, _mm512_slli_epi32::<3>(xi));
    }
    let dx = _mm512_loadu_ps(p.d.as_ptr().add(tb));
    let dw = _mm512_set1_ps(*at.d.get_unchecked(r * nb + b));
    let v = _mm512_mul_ps(_mm512_mul_ps(dw, dx), _mm512_cvtepi32_ps(isum));
    if KIND == Q4_1 {
        let sx = _mm512_loadu_ps(p.s.as_ptr().add(tb));
        let mw = _mm512_set1_ps(*at.m.get_unchecked(r * nb + b));
        _mm512_add_ps(v, _mm512_mul_ps(mw, sx))
    } else {
        v
    }
}

#[target_feature(enable = "avx512f,avx2,f16c")]
unsafe fn tiles<const KIND: u8>(
    at: &ATiles,
    nrows: usize,
    p: &Packed,
    t: usize,
    mut out: impl FnMut(usize, usize, f32),
) {
    let nb = p.nb;
    let cfg = config();
    asm!("ldtilecfg [{0}]", in(reg) cfg.0.as_ptr(), options(nostack, readonly));
    #[repr(C, align(64))]
    struct Buf<T>(T);
    let mut cbuf = Buf([0i32; ROWS * GROUP_C]);
    let mut acc = Buf([[_mm512_setzero_ps(); 8]; ROWS]);
    for tile in 0..t.div_ceil(TOKENS) {
        acc.0 = [[_mm512_setzero_ps(); 8]; ROWS];
        let mut b0 = 0;
        while b0 < nb {
            let k = (nb - b0).min(8);
            let c = cbuf.0.as_mut_ptr();
            int_tiles::<KIND>(at, p, tile, b0, k, c);
            for (r, lanes) in acc.0.iter_mut().enumerate().take(nrows) {
                let cr = c.add(r * GROUP_C);
                let tb = (tile * nb + b0) * TOKENS;
                if k == 8 {
                    for (j, l) in lanes.iter_mut().enumerate() {
                        let v = block_value::<KIND>(
                            at,
                            p,
                            nb,
                            r,
                            b0 + j,
                            tb + j * TOKENS,
                            cr.add(j * TOKENS),
                        );
                        *l = _mm512_add_ps(*l, v);
                    }
                } else {
                    for (j, l) in lanes.iter_mut().enumerate().take(k) {
                        let v = block_value::<KIND>(
                            at,
                            p,
                            nb,
                            r,
                            b0 + j,
                            tb + j * TOKENS,
                            cr.add(j * TOKENS),
                        );
                        *l = _mm512_add_ps(*l, v);
                    }
                }
            }
            b0 += 8;
        }
        let n = (t - tile * TOKENS).min(TOKENS);
        for (r, l) in acc.0.iter().enumerate().take(nrows) {
            let s = _mm512_add_ps(
                _mm512_add_ps(_mm512_add_ps(l[0], l[4]), _mm512_add_ps(l[2], l[6])),
                _mm512_add_ps(_mm512_add_ps(l[1], l[5]), _mm512_add_ps(l[3], l[7])),
            );
            let mut vals = [0f32; TOKENS];
            _mm512_storeu_ps(vals.as_mut_ptr(), s);
            for (i, &v) in vals[..n].iter().enumerate() {
                out(tile * TOKENS + i, r, v);
            }
        }
    }
    asm!("tilerelease", options(nostack, nomem));
}
