//! AMX-INT8 matrix multiply for prefill (many tokens at once). The tile unit computes each block's
//! exact integer dot (`tdpbsud`: signed Q8 activations × unsigned Q4 nibbles, `tdpbssd` for Q8_0
//! weights) for 16 tokens × 16 weight rows at a time; integer sums are exact, so they equal the
//! scalar kernels' `isum` bit for bit. The f32 part then runs, per output element, exactly the
//! scalar order: `v_b = (d_w · d_x) · isum_b (+ m_w · s_x)`, lane `b % 8` accumulates `v_b` in block
//! order, [`crate::math::tree8`] sums the lanes; AVX-512 vectors hold one token's 16 output rows,
//! so no element's arithmetic changes and results go out as contiguous rows. Bit-identical to
//! [`super::scalar`]; the tests in `kernels/mod.rs` prove it.
//!
//! Tiles (palette 1, two alternating sets): C (16 tokens × 16 i32), A (16 tokens × 32 bytes: one
//! block's activations, elements in order), B (8 rows × 64 bytes: row `c` holds the 4-element chunk
//! `c` of the block for each of 16 weight rows). Linux hands out AMX state only on request
//! (`arch_prctl(ARCH_REQ_XCOMP_PERM)`), made once per process by [`supported`].

use std::arch::asm;
use std::arch::x86_64::*;
use std::sync::OnceLock;

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

/// Activations packed for the A tiles: per token tile and block, 16 tokens × 32 bytes (elements
/// in order), and the per-token scales of that block side by side (zero for padding tokens).
pub struct Packed {
    nb: usize,
    q: Vec<i8>,
    d: Vec<f32>,
    s: Vec<f32>,
    isum: Vec<i32>,
}

impl Packed {
    /// Packs quantised activations (`acts.rows` tokens), one token tile per task of `run`
    /// (`run(n, f)` calls `f(i)` for `i in 0..n`, possibly in parallel).
    pub fn new(acts: &QActs, run: impl Fn(usize, &(dyn Fn(usize) + Sync))) -> Self {
        let nb = acts.blocks_per_row();
        let tiles = acts.rows.div_ceil(TOKENS);
        let mut p = Packed {
            nb,
            q: vec![0; tiles * nb * QK * TOKENS],
            d: vec![0.0; tiles * nb * TOKENS],
            s: vec![0.0; tiles * nb * TOKENS],
            isum: vec![0; tiles * nb * TOKENS],
        };
        let per = nb * TOKENS;
        let parts: Vec<_> =
            p.q.chunks_mut(per * QK)
                .zip(p.d.chunks_mut(per))
                .zip(p.s.chunks_mut(per))
                .zip(p.isum.chunks_mut(per))
                .map(std::sync::Mutex::new)
                .collect();
        run(tiles, &|tile| {
            let mut part = parts[tile].lock().unwrap_or_else(|e| e.into_inner());
            let (((q, d), s), isum) = &mut *part;
            for i in 0..TOKENS.min(acts.rows - tile * TOKENS) {
                let t = tile * TOKENS + i;
                let row = &acts.q[t * acts.cols..(t + 1) * acts.cols];
                for b in 0..nb {
                    let dst = &mut q[(b * TOKENS + i) * QK..(b * TOKENS + i + 1) * QK];
                    for c in 0..QK / 4 {
                        let o = q8_offset(nb, b, 4 * c);
                        dst[4 * c..4 * c + 4].copy_from_slice(&row[o..o + 4]);
                    }
                    d[b * TOKENS + i] = acts.d[t * nb + b];
                    s[b * TOKENS + i] = acts.s[t * nb + b];
                    isum[b * TOKENS + i] = acts.isum[t * nb + b];
                }
            }
        });
        drop(parts);
        p
    }
}

/// One row tile's weights unpacked for the B tiles: per block, 8 chunk rows × 16 weight rows × 4
/// bytes, and the f32 scales per block and row (rows past the matrix keep stale values: their
/// results are computed but never written).
struct BTiles {
    b: Vec<u8>,
    d: Vec<f32>,
    m: Vec<f32>,
}

thread_local! {
    /// Each worker's unpacked row tile, reused across calls.
    static SCRATCH: std::cell::RefCell<BTiles> = const {
        std::cell::RefCell::new(BTiles { b: Vec::new(), d: Vec::new(), m: Vec::new() })
    };
}

/// Unpacks rows `r0..r0+nrows` into `t`: for each block and 4-element chunk, one masked gather
/// takes the chunk from all 16 rows (the chunk's offset within a row is the same for every row)
/// and one store writes the B-tile row; scales are widened with F16C.
///
/// # Safety
/// The CPU must have AVX-512F and F16C.
#[target_feature(enable = "avx512f,avx2,f16c")]
unsafe fn unpack(t: &mut BTiles, w: &Weights, cols: usize, r0: usize, nrows: usize) {
    let nb = cols / QK;
    t.b.resize(nb * ROWS * QK, 0);
    t.d.resize(nb * ROWS, 0.0);
    t.m.resize(nb * ROWS, 0.0);
    let mask: __mmask16 = if nrows == ROWS {
        0xffff
    } else {
        (1u16 << nrows) - 1
    };
    let lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let dst = t.b.as_mut_ptr();
    // B-tile row of element chunk `c` (elements 4c..4c+4) of block `b`.
    let row_of = |b: usize, c: usize| dst.add((b * QK / 4 + c) * ROWS * 4);
    let (qbytes, d, m) = match w {
        Weights::Q4_1 { qs, d, m } => (&qs[..], d, Some(m)),
        Weights::Q4_0 { qs, d } => (&qs[..], d, None),
        Weights::Q8_0 { qs, d } => (bytes_of(qs), d, None),
        Weights::Q4F { .. } | Weights::Q8F { .. } | Weights::F32(_) => {
            unreachable!("AMX runs the formats `handles` accepts only")
        }
    };
    let q8 = matches!(w, Weights::Q8_0 { .. });
    let row_bytes = if q8 { nb * QK } else { nb * 16 };
    assert!(
        qbytes.len() >= (r0 + nrows) * row_bytes,
        "row tile inside the matrix"
    );
    let base = qbytes.as_ptr().add(r0 * row_bytes);
    let index = _mm512_mullo_epi32(lane, _mm512_set1_epi32(row_bytes as i32));
    let nib = _mm512_set1_epi32(0x0f0f_0f0f);
    for b in 0..nb {
        if q8 {
            for c in 0..QK / 4 {
                let p = base.add(q8_offset(nb, b, 4 * c));
                let v =
                    _mm512_mask_i32gather_epi32::<1>(_mm512_setzero_si512(), mask, index, p.cast());
                _mm512_storeu_si512(row_of(b, c).cast(), v);
            }
        } else {
            for c in 0..4 {
                let p = base.add(q4_offset(nb, b, 4 * c));
                let v =
                    _mm512_mask_i32gather_epi32::<1>(_mm512_setzero_si512(), mask, index, p.cast());
                // Bytes 4c..4c+4: low nibbles are elements 4c.., high nibbles 16 + 4c...
                _mm512_storeu_si512(row_of(b, c).cast(), _mm512_and_si512(v, nib));
                let hi = _mm512_and_si512(_mm512_srli_epi32::<4>(v), nib);
                _mm512_storeu_si512(row_of(b, 4 + c).cast(), hi);
            }
        }
    }
    let mut widened = vec![0f32; nb.div_ceil(8) * 8];
    for r in 0..nrows {
        let rb = (r0 + r) * nb..(r0 + r + 1) * nb;
        for (h, out) in [
            (Some(&d[rb.clone()]), &mut t.d),
            (m.map(|m| &m[rb]), &mut t.m),
        ] {
            let Some(h) = h else { continue };
            for (i, c) in h.chunks(8).enumerate() {
                let mut raw = [0u16; 8];
                for (o, v) in raw.iter_mut().zip(c) {
                    *o = v.to_bits();
                }
                let f = _mm256_cvtph_ps(_mm_loadu_si128(raw.as_ptr().cast()));
                _mm256_storeu_ps(widened.as_mut_ptr().add(8 * i), f);
            }
            for (b, &v) in widened[..nb].iter().enumerate() {
                out[b * ROWS + r] = v;
            }
        }
    }
}

fn bytes_of(q: &[i8]) -> &[u8] {
    // SAFETY: i8 and u8 have the same size and alignment, and every bit pattern is valid for both.
    unsafe { std::slice::from_raw_parts(q.as_ptr().cast(), q.len()) }
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

/// Weight rows `r0..r0+nrows` (`nrows ≤ 16`) times all `t` packed tokens, written to
/// `out[token * stride + r]` for `r` in `r0..r0+nrows`.
///
/// # Safety
/// [`supported`] must have returned true; `p` must be packed from activations of `cols` columns;
/// `out` must be valid for those writes and no other thread may touch those elements.
#[allow(clippy::too_many_arguments)]
pub unsafe fn rows_tile(
    w: &Weights,
    cols: usize,
    r0: usize,
    nrows: usize,
    p: &Packed,
    t: usize,
    out: *mut f32,
    stride: usize,
) {
    debug_assert_eq!(cols / QK, p.nb);
    let out = out.add(r0);
    SCRATCH.with(|bt| {
        let bt = &mut *bt.borrow_mut();
        unpack(bt, w, cols, r0, nrows);
        match w {
            Weights::Q4_1 { .. } => tiles::<Q4_1>(bt, p, t, nrows, out, stride),
            Weights::Q4_0 { .. } => tiles::<Q4_0>(bt, p, t, nrows, out, stride),
            Weights::Q8_0 { .. } => tiles::<Q8_0>(bt, p, t, nrows, out, stride),
            Weights::Q4F { .. } | Weights::Q8F { .. } | Weights::F32(_) => {
                unreachable!("AMX runs the formats `handles` accepts only")
            }
        }
    })
}

/// Whether the AMX tiles run this weight format (Q4_0, Q4_1, Q8_0); the others take the row
/// kernels, which give the same bits.
pub fn handles(w: &Weights) -> bool {
    matches!(
        w,
        Weights::Q4_1 { .. } | Weights::Q4_0 { .. } | Weights::Q8_0 { .. }
    )
}

/// i32s per token row of the group buffer: eight blocks × 16 weight rows.
const GROUP_C: usize = 8 * ROWS;

/// The integer tiles of blocks `b0..b0+k` for token tile `tile`, token `i`'s row of block `b0+j`
/// stored at `c[(i * 8 + j) * 16..]`. Two register sets alternate so consecutive blocks do not wait
/// on each other.
#[inline(always)]
unsafe fn int_tiles<const KIND: u8>(
    bt: &BTiles,
    p: &Packed,
    tile: usize,
    b0: usize,
    k: usize,
    c: *mut i32,
) {
    let nb = p.nb;
    let cs = GROUP_C * 4;
    for j in 0..k {
        let b = b0 + j;
        let a = p.q.as_ptr().add((tile * nb + b) * TOKENS * QK);
        let w = bt.b.as_ptr().add(b * ROWS * QK);
        let cj = c.add(j * ROWS);
        // One block on tile set (C, A, B): zero C, load A (activations) and B (weights), the
        // exact dot, store C.
        macro_rules! block {
            ($c:literal, $a:literal, $b:literal) => {{
                asm!(concat!("tilezero ", $c), options(nostack, nomem));
                asm!(concat!("tileloadd ", $a, ", [{0} + {1}*1]"), in(reg) a, in(reg) QK, options(nostack, readonly));
                asm!(concat!("tileloadd ", $b, ", [{0} + {1}*1]"), in(reg) w, in(reg) 4 * ROWS, options(nostack, readonly));
                if KIND == Q8_0 {
                    asm!(concat!("tdpbssd ", $c, ", ", $a, ", ", $b), options(nostack, nomem));
                } else {
                    asm!(concat!("tdpbsud ", $c, ", ", $a, ", ", $b), options(nostack, nomem));
                }
                asm!(concat!("tilestored [{0} + {1}*1], ", $c), in(reg) cj, in(reg) cs, options(nostack));
            }};
        }
        if j % 2 == 0 {
            block!("tmm0", "tmm1", "tmm2");
        } else {
            block!("tmm3", "tmm4", "tmm5");
        }
    }
}

/// `v_b` for token `i` (packed index `tx = (tile * nb + b) * 16 + i`) and block `b`, 16 weight rows
/// per vector: the scalar kernels' expression.
#[inline(always)]
unsafe fn block_value<const KIND: u8>(
    bt: &BTiles,
    p: &Packed,
    b: usize,
    tx: usize,
    c: *const i32,
) -> __m512 {
    let mut isum = _mm512_loadu_si512(c as *const _);
    if KIND == Q4_0 {
        isum = _mm512_sub_epi32(isum, _mm512_set1_epi32(8 * *p.isum.get_unchecked(tx)));
    }
    let dw = _mm512_loadu_ps(bt.d.as_ptr().add(b * ROWS));
    let dx = _mm512_set1_ps(*p.d.get_unchecked(tx));
    let v = _mm512_mul_ps(_mm512_mul_ps(dw, dx), _mm512_cvtepi32_ps(isum));
    if KIND == Q4_1 {
        let mw = _mm512_loadu_ps(bt.m.as_ptr().add(b * ROWS));
        let sx = _mm512_set1_ps(*p.s.get_unchecked(tx));
        _mm512_add_ps(v, _mm512_mul_ps(mw, sx))
    } else {
        v
    }
}

#[target_feature(enable = "avx512f,avx2,f16c")]
unsafe fn tiles<const KIND: u8>(
    bt: &BTiles,
    p: &Packed,
    t: usize,
    nrows: usize,
    out: *mut f32,
    stride: usize,
) {
    let nb = p.nb;
    let mask: __mmask16 = if nrows == ROWS {
        0xffff
    } else {
        (1u16 << nrows) - 1
    };
    let cfg = config();
    asm!("ldtilecfg [{0}]", in(reg) cfg.0.as_ptr(), options(nostack, readonly));
    #[repr(C, align(64))]
    struct Buf<T>(T);
    let mut cbuf = Buf([0i32; TOKENS * GROUP_C]);
    let mut acc = Buf([[_mm512_setzero_ps(); 8]; TOKENS]);
    for tile in 0..t.div_ceil(TOKENS) {
        let n = (t - tile * TOKENS).min(TOKENS);
        let mut b0 = 0;
        while b0 < nb {
            let k = (nb - b0).min(8);
            let c = cbuf.0.as_mut_ptr();
            int_tiles::<KIND>(bt, p, tile, b0, k, c);
            for (i, lanes) in acc.0.iter_mut().enumerate().take(n) {
                // The first group starts every lane at +0.0, as the scalar kernels do.
                let mut l = if b0 == 0 {
                    [_mm512_setzero_ps(); 8]
                } else {
                    *lanes
                };
                let ci = c.add(i * GROUP_C);
                let tx = (tile * nb + b0) * TOKENS + i;
                if k == 8 {
                    for (j, l) in l.iter_mut().enumerate() {
                        let v =
                            block_value::<KIND>(bt, p, b0 + j, tx + j * TOKENS, ci.add(j * ROWS));
                        *l = _mm512_add_ps(*l, v);
                    }
                } else {
                    for (j, l) in l.iter_mut().enumerate().take(k) {
                        let v =
                            block_value::<KIND>(bt, p, b0 + j, tx + j * TOKENS, ci.add(j * ROWS));
                        *l = _mm512_add_ps(*l, v);
                    }
                }
                *lanes = l;
            }
            b0 += 8;
        }
        for (i, l) in acc.0.iter().enumerate().take(n) {
            let s = _mm512_add_ps(
                _mm512_add_ps(_mm512_add_ps(l[0], l[4]), _mm512_add_ps(l[2], l[6])),
                _mm512_add_ps(_mm512_add_ps(l[1], l[5]), _mm512_add_ps(l[3], l[7])),
            );
            _mm512_mask_storeu_ps(out.add((tile * TOKENS + i) * stride), mask, s);
        }
    }
    asm!("tilerelease", options(nostack, nomem));
}
