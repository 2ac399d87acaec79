//! Matrix–vector kernels and their dispatch. Parallelism is across output rows only: a thread owns
//! whole rows, so the thread count changes who computes a row, never how.

#[cfg(target_arch = "x86_64")]
pub mod amx;
pub mod attn;
pub mod attn_group;
#[cfg(target_arch = "x86_64")]
pub mod avx2;
pub mod pool;
pub mod scalar;
pub mod vmath;

use std::fmt;
use std::str::FromStr;

use crate::math;
use crate::quant::{Matrix, QActs, Simd, Weights, QK};

/// Which CPU instruction set the kernels use. Every choice gives the same bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Plain Rust, the reference.
    Scalar,
    /// x86-64 AVX2.
    Avx2,
    /// x86-64 AVX2 with AVX-512 VNNI (`vpdpbusd` on 256-bit vectors) for the integer dots.
    Vnni,
    /// [`Isa::Vnni`], plus AMX-INT8 tiles for the integer dots of prefill (16 tokens and more).
    Amx,
}

impl Isa {
    /// The fastest instruction set this CPU supports.
    pub fn detect() -> Self {
        [Isa::Amx, Isa::Vnni, Isa::Avx2]
            .into_iter()
            .find(|i| i.is_supported())
            .unwrap_or(Isa::Scalar)
    }

    /// Whether this CPU can run the instruction set.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("f16c")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Vnni => {
                Isa::Avx2.is_supported()
                    && std::arch::is_x86_feature_detected!("avx512vnni")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Amx => Isa::Vnni.is_supported() && amx::supported(),
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx2 | Isa::Vnni | Isa::Amx => false,
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Vnni => "avx512vnni",
            Isa::Amx => "amx",
        })
    }
}

impl FromStr for Isa {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "scalar" => Ok(Isa::Scalar),
            "avx2" => Ok(Isa::Avx2),
            "avx512vnni" => Ok(Isa::Vnni),
            "amx" => Ok(Isa::Amx),
            "auto" => Ok(Isa::detect()),
            _ => Err(format!(
                "unknown kernel set {s:?} (expected scalar, avx2, avx512vnni, amx or auto)"
            )),
        }
    }
}

/// Activations prepared once for any number of matrices with the same input width: f32, their Q8
/// form when quantised matrices will read them, and the AMX tile packing of that form for prefill.
pub struct Input<'a> {
    /// The f32 values, `rows × cols` row-major.
    pub x: &'a [f32],
    /// Number of vectors (tokens).
    pub rows: usize,
    /// Quantised form, present iff prepared for quantised matrices.
    pub q: Option<QActs>,
    #[cfg(target_arch = "x86_64")]
    packed: Option<amx::Packed>,
}

/// One quantised activation row, as the kernels read it.
#[derive(Clone, Copy)]
pub struct XRow<'a> {
    /// Values in the [`crate::quant::q8_offset`] layout.
    pub q: &'a [i8],
    /// Block scales.
    pub d: &'a [f32],
    /// `d · Σq` per block.
    pub s: &'a [f32],
    /// `Σq` per block.
    pub isum: &'a [i32],
}

impl<'a> XRow<'a> {
    fn of(a: &'a QActs, t: usize) -> Self {
        let nb = a.blocks_per_row();
        let b = t * nb..(t + 1) * nb;
        XRow {
            q: &a.q[t * a.cols..(t + 1) * a.cols],
            d: &a.d[b.clone()],
            s: &a.s[b.clone()],
            isum: &a.isum[b],
        }
    }
}

/// Most activation rows one kernel call takes (prefill tiles).
pub const TILE: usize = 4;

/// Fewest tokens for which a matrix multiply uses the AMX tiles (fewer: the VNNI kernels).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub const AMX_MIN_TOKENS: usize = 8;

/// `N` output elements: row `r` of `m` times activation vectors `t0..t0+N`.
#[inline]
fn dot_tile<const N: usize>(
    isa: Isa,
    m: &Matrix,
    r: usize,
    input: &Input<'_>,
    xs: &[XRow<'_>],
    t0: usize,
) -> [f32; N] {
    if let Weights::F32(w) = &m.w {
        let row = &w[r * m.cols..(r + 1) * m.cols];
        return std::array::from_fn(|i| {
            let t = t0 + i;
            math::dot(row, &input.x[t * m.cols..(t + 1) * m.cols])
        });
    }
    let x: &[XRow<'_>; N] = xs[t0..t0 + N].try_into().expect("tile of N rows");
    let nb = m.cols / QK;
    let wb = r * nb..(r + 1) * nb;
    // AMX only changes how many tokens one kernel call takes; below that, it is VNNI.
    let isa = if isa == Isa::Amx { Isa::Vnni } else { isa };
    match (&m.w, isa) {
        (Weights::Q4_1 { qs, d, m: mins }, Isa::Scalar) => {
            let q = &qs[wb.start * 16..wb.end * 16];
            x.map(|x| scalar::dot_q4_1(q, &d[wb.clone()], &mins[wb.clone()], &x))
        }
        (Weights::Q4_0 { qs, d }, Isa::Scalar) => {
            let q = &qs[wb.start * 16..wb.end * 16];
            x.map(|x| scalar::dot_q4_0(q, &d[wb.clone()], &x))
        }
        (Weights::Q8_0 { qs, d }, Isa::Scalar) => {
            let q = &qs[wb.start * QK..wb.end * QK];
            x.map(|x| scalar::dot_q8_0(q, &d[wb.clone()], &x))
        }
        (Weights::Q4F { qs, d, m: mins }, Isa::Scalar) => {
            let q = &qs[wb.start * 16..wb.end * 16];
            x.map(|x| scalar::dot_q4_1(q, &d[wb.clone()], &mins[wb.clone()], &x))
        }
        (
            Weights::Q8F {
                qs,
                d,
                m: mins,
                sub,
            },
            Isa::Scalar,
        ) => {
            let q = &qs[wb.start * QK..wb.end * QK];
            let mins = mins.as_deref().map(|v| &v[wb.clone()]);
            let sub = sub.as_deref().map(|v| &v[2 * wb.start..2 * wb.end]);
            x.map(|x| scalar::dot_q8f(q, &d[wb.clone()], mins, sub, &x))
        }
        // The formats without a VNNI kernel run the AVX2 one there (same bits, and every VNNI
        // CPU has AVX2).
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` and `Isa::Vnni` are only selected when the CPU supports them
        // (checked by `Ctx::new`), and both imply AVX2 and F16C.
        (Weights::Q4F { qs, d, m: mins }, Isa::Avx2 | Isa::Vnni) => unsafe {
            avx2::dot_q4_1(
                &qs[wb.start * 16..wb.end * 16],
                &d[wb.clone()],
                &mins[wb],
                x,
            )
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (
            Weights::Q8F {
                qs,
                d,
                m: mins,
                sub,
            },
            Isa::Avx2 | Isa::Vnni,
        ) => unsafe {
            let q = &qs[wb.start * QK..wb.end * QK];
            let mins = mins.as_deref().map(|v| &v[wb.clone()]);
            let sub = sub.as_deref().map(|v| &v[2 * wb.start..2 * wb.end]);
            let d = &d[wb];
            match (mins, sub) {
                (Some(m), Some(s)) => avx2::dot_q8f::<true, true, N>(q, d, m, s, x),
                (Some(m), None) => avx2::dot_q8f::<true, false, N>(q, d, m, &[], x),
                (None, Some(s)) => avx2::dot_q8f::<false, true, N>(q, d, &[], s, x),
                (None, None) => avx2::dot_q8f::<false, false, N>(q, d, &[], &[], x),
            }
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` is only selected when the CPU supports it (checked by `Ctx::new`),
        // and the slices have the lengths the kernels expect by construction.
        (Weights::Q4_1 { qs, d, m: mins }, Isa::Avx2) => unsafe {
            avx2::dot_q4_1(
                &qs[wb.start * 16..wb.end * 16],
                &d[wb.clone()],
                &mins[wb],
                x,
            )
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (Weights::Q4_0 { qs, d }, Isa::Avx2) => unsafe {
            avx2::dot_q4_0(&qs[wb.start * 16..wb.end * 16], &d[wb], x)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (Weights::Q8_0 { qs, d }, Isa::Avx2) => unsafe {
            avx2::dot_q8_0(&qs[wb.start * QK..wb.end * QK], &d[wb], x)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (Weights::Q4_1 { qs, d, m: mins }, Isa::Vnni) => unsafe {
            avx2::dot_q4_1_vnni(
                &qs[wb.start * 16..wb.end * 16],
                &d[wb.clone()],
                &mins[wb],
                x,
            )
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (Weights::Q4_0 { qs, d }, Isa::Vnni) => unsafe {
            avx2::dot_q4_0_vnni(&qs[wb.start * 16..wb.end * 16], &d[wb], x)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (Weights::Q8_0 { qs, d }, Isa::Vnni) => unsafe {
            avx2::dot_q8_0_vnni(&qs[wb.start * QK..wb.end * QK], &d[wb], x)
        },
        #[cfg(not(target_arch = "x86_64"))]
        (_, Isa::Avx2 | Isa::Vnni) => unreachable!("x86 kernels are never selected off x86-64"),
        (_, Isa::Amx) => unreachable!("mapped to VNNI above"),
        (Weights::F32(_), _) => unreachable!("handled above"),
    }
}

/// Row `r` of `m` times activation vectors `0..t`, written to `out(t, value)`.
#[inline]
fn dot_row(
    isa: Isa,
    m: &Matrix,
    r: usize,
    input: &Input<'_>,
    xs: &[XRow<'_>],
    t: usize,
    mut out: impl FnMut(usize, f32),
) {
    let mut t0 = 0;
    while t0 < t {
        let n = (t - t0).min(TILE);
        match n {
            4 => dot_tile::<4>(isa, m, r, input, xs, t0)
                .into_iter()
                .enumerate()
                .for_each(|(i, v)| out(t0 + i, v)),
            3 => dot_tile::<3>(isa, m, r, input, xs, t0)
                .into_iter()
                .enumerate()
                .for_each(|(i, v)| out(t0 + i, v)),
            2 => dot_tile::<2>(isa, m, r, input, xs, t0)
                .into_iter()
                .enumerate()
                .for_each(|(i, v)| out(t0 + i, v)),
            _ => out(t0, dot_tile::<1>(isa, m, r, input, xs, t0)[0]),
        }
        t0 += n;
    }
}

/// Compute context: the kernel set and the worker threads.
pub struct Ctx {
    isa: Isa,
    threads: usize,
    pool: pool::Pool,
}

impl fmt::Debug for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("isa", &self.isa)
            .field("threads", &self.threads)
            .finish()
    }
}

/// Raw output pointer shared by workers that write disjoint elements.
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: workers write disjoint indices (distinct rows) and the owner waits for all of them.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}

impl Ctx {
    /// A context with `threads` workers (1 = run on the calling thread).
    pub fn new(isa: Isa, threads: usize) -> Result<Self, String> {
        if !isa.is_supported() {
            return Err(format!("this CPU does not support the {isa} kernels"));
        }
        let threads = threads.max(1);
        let pool = pool::Pool::new(threads)
            .map_err(|e| format!("cannot start {threads} worker threads: {e}"))?;
        Ok(Ctx { isa, threads, pool })
    }

    /// The kernel set.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The worker count.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f(i)` for `i in 0..n`, spread over the workers.
    pub fn for_each(&self, n: usize, f: impl Fn(usize) + Sync) {
        self.pool.run(n, &f);
    }

    /// Runs `f(i, chunk_i)` over the `len`-sized chunks of `out`, spread over the workers.
    pub fn for_each_chunk(
        &self,
        out: &mut [f32],
        len: usize,
        f: impl Fn(usize, &mut [f32]) + Sync,
    ) {
        let total = out.len();
        let ptr = OutPtr(out.as_mut_ptr());
        self.for_each(total.div_ceil(len), |i| {
            let p = ptr;
            let end = ((i + 1) * len).min(total);
            // SAFETY: chunk `i` is `[i * len, end)`, disjoint from every other chunk, inside `out`,
            // and `out` stays borrowed until every task is done.
            let chunk = unsafe { std::slice::from_raw_parts_mut(p.0.add(i * len), end - i * len) };
            f(i, chunk);
        });
    }

    /// Prepares `x` (`rows` vectors of `cols`) once for matrices of the given kind (`quantized`:
    /// whether any of them reads Q8 activations), quantising in parallel.
    pub fn input<'a>(&self, x: &'a [f32], rows: usize, cols: usize, quantized: bool) -> Input<'a> {
        assert_eq!(x.len(), rows * cols, "matmul input shape");
        let q = quantized.then(|| {
            let mut q = QActs::zeroed(rows, cols);
            let simd = match self.isa {
                Isa::Scalar => Simd::None,
                Isa::Avx2 => Simd::Avx2,
                Isa::Vnni | Isa::Amx => Simd::Avx512,
            };
            let parts = q.split_rows_mut(QUANT_ROWS);
            let parts: Vec<_> = parts.into_iter().map(std::sync::Mutex::new).collect();
            self.for_each(parts.len(), |i| {
                let mut part = parts[i].lock().unwrap_or_else(|e| e.into_inner());
                let r0 = i * QUANT_ROWS;
                let n = part.rows();
                part.fill(&x[r0 * cols..(r0 + n) * cols], simd);
            });
            q
        });
        #[cfg(target_arch = "x86_64")]
        let packed = match &q {
            Some(q) if self.isa == Isa::Amx && rows >= AMX_MIN_TOKENS => {
                Some(amx::Packed::new(q, |n, f| self.for_each(n, f)))
            }
            _ => None,
        };
        Input {
            x,
            rows,
            q,
            #[cfg(target_arch = "x86_64")]
            packed,
        }
    }

    /// Runs `f(i, a_i, b_i)` over the `alen`-sized chunks of `a` paired with the `blen`-sized
    /// chunks of `b` (the same number of chunks), spread over the workers.
    pub fn for_each_chunk2(
        &self,
        a: &mut [f32],
        alen: usize,
        b: &mut [f32],
        blen: usize,
        f: impl Fn(usize, &mut [f32], &mut [f32]) + Sync,
    ) {
        let (na, nb) = (a.len(), b.len());
        let n = na.div_ceil(alen);
        assert_eq!(n, nb.div_ceil(blen), "paired chunks");
        let (pa, pb) = (OutPtr(a.as_mut_ptr()), OutPtr(b.as_mut_ptr()));
        self.for_each(n, |i| {
            let (pa, pb) = (pa, pb);
            let (ea, eb) = (((i + 1) * alen).min(na), ((i + 1) * blen).min(nb));
            // SAFETY: chunk `i` of each slice is disjoint from every other chunk and inside the
            // slice, and both stay borrowed until every task is done.
            let (ca, cb) = unsafe {
                (
                    std::slice::from_raw_parts_mut(pa.0.add(i * alen), ea - i * alen),
                    std::slice::from_raw_parts_mut(pb.0.add(i * blen), eb - i * blen),
                )
            };
            f(i, ca, cb);
        });
    }

    /// `out[t][r] = m[r] · x[t]` for `t` tokens (`out` is `t × m.rows`, token-major).
    pub fn matmul(&self, m: &Matrix, x: &[f32], t: usize, out: &mut [f32]) {
        let input = self.input(x, t, m.cols, m.wants_qacts());
        self.matmul_input(m, &input, out);
    }

    /// [`Ctx::matmul`] on prepared activations (share one [`Input`] among matrices that read the
    /// same vector, e.g. the query, key and value projections).
    pub fn matmul_input(&self, m: &Matrix, input: &Input<'_>, out: &mut [f32]) {
        let t = input.rows;
        assert_eq!(input.x.len(), t * m.cols, "matmul input shape");
        assert_eq!(out.len(), t * m.rows, "matmul output shape");
        assert!(
            !m.wants_qacts() || input.q.is_some(),
            "a quantised matrix needs quantised activations"
        );
        let isa = self.isa;
        let rows = m.rows;
        #[cfg(target_arch = "x86_64")]
        if let (Some(packed), true) = (&input.packed, amx::handles(&m.w)) {
            let ptr = OutPtr(out.as_mut_ptr());
            self.for_each(rows.div_ceil(amx::ROWS), |tile| {
                let p = ptr;
                let r0 = tile * amx::ROWS;
                let n = (rows - r0).min(amx::ROWS);
                // SAFETY: `packed` exists only when `Isa::Amx` was selected, i.e. when
                // `amx::supported()` (checked by `Ctx::new`); it holds `t` tokens of `m.cols`
                // columns; this task alone writes rows `r0..r0 + n` of each of the `t` output rows.
                unsafe { amx::rows_tile(&m.w, m.cols, r0, n, packed, t, p.0, rows) };
            });
            return;
        }
        let xs: Vec<XRow<'_>> = match &input.q {
            Some(q) if m.wants_qacts() => (0..t).map(|i| XRow::of(q, i)).collect(),
            _ => Vec::new(),
        };
        // Chunks of rows small enough to balance, large enough to amortise scheduling.
        let chunk = if self.threads == 1 {
            rows
        } else {
            (rows / (self.threads * 8)).clamp(16, 256)
        };
        let n_chunks = rows.div_ceil(chunk);
        let ptr = OutPtr(out.as_mut_ptr());
        self.for_each(n_chunks, |c| {
            let p = ptr;
            for r in c * chunk..((c + 1) * chunk).min(rows) {
                dot_row(isa, m, r, input, &xs, t, |tok, v| {
                    // SAFETY: `tok * rows + r` < out.len(), and row `r` belongs to this chunk only.
                    unsafe { *p.0.add(tok * rows + r) = v };
                });
            }
        });
    }
}

/// Activation rows quantised per parallel task.
const QUANT_ROWS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn scale(&mut self) -> f32 {
            (self.next() % 2000) as f32 / 65536.0 - 0.01
        }
    }

    fn rand_matrix(kind: u8, rows: usize, cols: usize, seed: u64) -> Matrix {
        let mut g = Rng(seed);
        let nb = rows * cols / QK;
        let w = match kind % 9 {
            0 => Weights::Q4_1 {
                qs: (0..nb * 16).map(|_| g.next() as u8).collect(),
                d: (0..nb).map(|_| half::f16::from_f32(g.scale())).collect(),
                m: (0..nb).map(|_| half::f16::from_f32(g.scale())).collect(),
            },
            1 => Weights::Q4_0 {
                qs: (0..nb * 16).map(|_| g.next() as u8).collect(),
                d: (0..nb).map(|_| half::f16::from_f32(g.scale())).collect(),
            },
            2 => Weights::Q8_0 {
                qs: (0..nb * QK).map(|_| g.next() as i8).collect(),
                d: (0..nb).map(|_| half::f16::from_f32(g.scale())).collect(),
            },
            3 => Weights::F32((0..rows * cols).map(|_| g.scale()).collect()),
            4 => Weights::Q4F {
                qs: (0..nb * 16).map(|_| g.next() as u8).collect(),
                d: (0..nb).map(|_| g.scale()).collect(),
                m: (0..nb).map(|_| g.scale()).collect(),
            },
            // Q8F with a minimum term, with half-block scales, with both, with neither.
            k => Weights::Q8F {
                qs: (0..nb * QK).map(|_| g.next() as i8).collect(),
                d: (0..nb).map(|_| g.scale()).collect(),
                m: (k % 2 == 1).then(|| (0..nb).map(|_| g.scale()).collect()),
                sub: (k >= 6).then(|| (0..2 * nb).map(|_| g.next() as i8).collect()),
            },
        };
        Matrix { rows, cols, w }
    }

    fn run(isa: Isa, threads: usize, m: &Matrix, x: &[f32], t: usize) -> Vec<u32> {
        let ctx = Ctx::new(isa, threads).unwrap();
        let mut out = vec![0f32; t * m.rows];
        ctx.matmul(m, x, t, &mut out);
        out.iter().map(|v| v.to_bits()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Every kernel set and thread count gives the same bits, for every weight type and for
        /// block counts that do and do not fill whole groups of eight.
        #[test]
        fn kernels_are_bit_identical(kind in 0u8..9, rows in 1usize..40, blocks in 1usize..30,
                                     t in 1usize..40, seed in 1u64..u64::MAX,
                                     xs in proptest::collection::vec(-50f32..50f32, 30 * 32 * 40)) {
            let cols = blocks * QK;
            let m = rand_matrix(kind, rows, cols, seed);
            let x = &xs[..t * cols];
            let reference = run(Isa::Scalar, 1, &m, x, t);
            prop_assert_eq!(&reference, &run(Isa::Scalar, 3, &m, x, t));
            for isa in [Isa::Avx2, Isa::Vnni, Isa::Amx].into_iter().filter(|i| i.is_supported()) {
                prop_assert_eq!(&reference, &run(isa, 1, &m, x, t));
                prop_assert_eq!(&reference, &run(isa, 2, &m, x, t));
            }
        }
    }

    /// The AMX tiles against the scalar reference on the shapes prefill meets: partial row and
    /// token tiles, every weight type, a long row (48 blocks, six whole groups).
    #[test]
    fn amx_tiles_match_scalar_bits() {
        if !Isa::Amx.is_supported() {
            ambient_testkit::skip!("this CPU or kernel offers no AMX-INT8");
            return;
        }
        for (kind, rows, blocks, t) in [
            (0, 37, 48, 33),
            (1, 16, 18, 16),
            (2, 20, 5, 8),
            (0, 3, 1, 17),
        ] {
            let m = rand_matrix(kind, rows, blocks * QK, 7 + kind as u64);
            let x: Vec<f32> = (0..t * blocks * QK)
                .map(|i| ((i * 7919 % 2003) as f32 - 1001.0) / 37.0)
                .collect();
            let reference = run(Isa::Scalar, 1, &m, &x, t);
            assert_eq!(reference, run(Isa::Amx, 1, &m, &x, t), "kind {kind}");
            assert_eq!(
                reference,
                run(Isa::Amx, 2, &m, &x, t),
                "kind {kind}, 2 threads"
            );
        }
    }

    #[test]
    fn quantised_dot_is_close_to_exact() {
        let (rows, cols) = (8, 256);
        for kind in 0..9 {
            let m = rand_matrix(kind, rows, cols, 42);
            let x: Vec<f32> = (0..cols)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 10.0)
                .collect();
            let out = run(Isa::Scalar, 1, &m, &x, 1);
            let mut row = vec![0f32; cols];
            for (r, &got) in out.iter().enumerate() {
                m.dequant_row(r, &mut row);
                let exact: f64 = row.iter().zip(&x).map(|(a, b)| *a as f64 * *b as f64).sum();
                let got = f32::from_bits(got) as f64;
                let mag: f64 = row
                    .iter()
                    .zip(&x)
                    .map(|(a, b)| (*a as f64 * *b as f64).abs())
                    .sum();
                assert!(
                    (got - exact).abs() <= 0.02 * mag + 1e-6,
                    "kind {kind} row {r}: {got} vs {exact}"
                );
            }
        }
    }
}
