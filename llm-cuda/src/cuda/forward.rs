//! The CUDA forward pass, compiled twice: against cudarc in [`super::device`] (a GPU) and against
//! the emulator in `super::emulated` (feature `cuda-emu`, tests). Weights stay resident in the
//! natural block layout; the kernels of `kernels.cu` run the same sequence of operations as
//! [`crate::model::Model::forward`], so the logits are the CPU's bits.

use std::sync::Arc;

use super::api::{
    kernels, unavailable, CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig,
    PushKernelArg,
};

use crate::error::LlmError;
use crate::model::{Config, Logits, Model};
use crate::quant::{q4_offset, q8_offset, Matrix, Weights, QK};

pub(super) fn err(what: &str, e: impl std::fmt::Display) -> LlmError {
    LlmError::Backend(format!("CUDA: {what}: {e}"))
}

struct Kernels {
    quantize: CudaFunction,
    mm: [CudaFunction; 3],
    mm_f32: CudaFunction,
    add_rms_norm: CudaFunction,
    rope: CudaFunction,
    silu_mul: CudaFunction,
    attention: CudaFunction,
}

/// A weight matrix on the device: block values in order (16 bytes per Q4 block, 32 per Q8 block)
/// and the scales widened to f32 (exact), or plain f32.
struct DevMatrix {
    rows: usize,
    cols: usize,
    /// 0 = Q4_1, 1 = Q4_0, 2 = Q8_0, 3 = F32.
    kind: usize,
    qs: CudaSlice<u8>,
    d: CudaSlice<f32>,
    m: CudaSlice<f32>,
    w: CudaSlice<f32>,
}

struct DevLayer {
    attn_norm: CudaSlice<f32>,
    wq: DevMatrix,
    wk: DevMatrix,
    wv: DevMatrix,
    wo: DevMatrix,
    ffn_norm: CudaSlice<f32>,
    w_gate: DevMatrix,
    w_up: DevMatrix,
    w_down: DevMatrix,
}

/// One GPU with the kernels loaded: a stream and the entry points.
pub struct Gpu {
    stream: Arc<CudaStream>,
    k: Kernels,
}

/// The model on one GPU.
pub struct CudaModel {
    gpu: Gpu,
    layers: Vec<DevLayer>,
    out_norm: CudaSlice<f32>,
    output: DevMatrix,
    cos: CudaSlice<f32>,
    sin: CudaSlice<f32>,
    config: Config,
}

/// One sequence's key/value cache on the device.
pub struct DevCache {
    k: Vec<CudaSlice<f32>>,
    v: Vec<CudaSlice<f32>>,
    len: usize,
    cap: usize,
}

impl DevCache {
    /// Positions held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Drops positions from `len` on (later passes overwrite them).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
}

const THREADS: u32 = 256;

fn grid(items: usize, per_block: usize) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (items.div_ceil(per_block).max(1) as u32, 1, 1),
        block_dim: (THREADS, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// Quantised activations on the device.
struct DevActs {
    q: CudaSlice<i8>,
    d: CudaSlice<f32>,
    s: CudaSlice<f32>,
    isum: CudaSlice<i32>,
}

impl Gpu {
    /// Opens GPU `ordinal` and compiles (or loads) the kernels.
    pub fn open(ordinal: usize) -> Result<Self, LlmError> {
        if let Some(why) = unavailable() {
            return Err(LlmError::Backend(format!(
                "CUDA asked for but unavailable: {why}"
            )));
        }
        let ctx = CudaContext::new(ordinal).map_err(|e| err("opening the device", e))?;
        let stream = ctx.default_stream();
        let module = ctx
            .load_module(kernels()?)
            .map_err(|e| err("loading the kernels", e))?;
        let f = |name: &str| module.load_function(name).map_err(|e| err(name, e));
        let k = Kernels {
            quantize: f("quantize_q8")?,
            mm: [f("mm_q4_1")?, f("mm_q4_0")?, f("mm_q8_0")?],
            mm_f32: f("mm_f32")?,
            add_rms_norm: f("add_rms_norm")?,
            rope: f("rope")?,
            silu_mul: f("silu_mul")?,
            attention: f("attention")?,
        };
        Ok(Gpu { stream, k })
    }

    /// `m · x` for `t` vectors (`x` is `t × m.cols`, the result `t × m.rows`, token-major, as
    /// [`crate::kernels::Ctx::matmul`]): uploads both, runs the kernels, downloads the product.
    /// One product on its own, for tests and kernel benchmarks.
    pub fn matmul(&self, m: &Matrix, x: &[f32], t: usize) -> Result<Vec<f32>, LlmError> {
        if x.len() != t * m.cols {
            return Err(LlmError::Backend(format!(
                "CUDA matmul: {} inputs for {t} vectors of {}",
                x.len(),
                m.cols
            )));
        }
        let dm = upload(&self.stream, m)?;
        let dx = self.stream.clone_htod(x).map_err(|e| err("upload", e))?;
        let mut out = self
            .stream
            .alloc_zeros::<f32>(t * m.rows)
            .map_err(|e| err("alloc", e))?;
        self.matmul_dev(&dm, &dx, 0, t, &mut out)?;
        self.stream.clone_dtoh(&out).map_err(|e| err("download", e))
    }

    fn quantize(
        &self,
        x: &CudaSlice<f32>,
        from: usize,
        rows: usize,
        cols: usize,
    ) -> Result<DevActs, LlmError> {
        let nb = rows * cols / QK;
        let s = &self.stream;
        let mut a = DevActs {
            q: s.alloc_zeros::<i8>(rows * cols)
                .map_err(|e| err("alloc", e))?,
            d: s.alloc_zeros::<f32>(nb).map_err(|e| err("alloc", e))?,
            s: s.alloc_zeros::<f32>(nb).map_err(|e| err("alloc", e))?,
            isum: s.alloc_zeros::<i32>(nb).map_err(|e| err("alloc", e))?,
        };
        let view = x.slice(from * cols..(from + rows) * cols);
        let n = nb as i32;
        // SAFETY: argument types and counts match `quantize_q8` in kernels.cu; sizes as allocated.
        unsafe {
            s.launch_builder(&self.k.quantize)
                .arg(&view)
                .arg(&n)
                .arg(&mut a.q)
                .arg(&mut a.d)
                .arg(&mut a.s)
                .arg(&mut a.isum)
                .launch(grid(nb, THREADS as usize))
        }
        .map_err(|e| err("quantize_q8", e))?;
        Ok(a)
    }

    /// `out = m · x` for `t` rows of `x` starting at row `from` (`x` f32, quantised here when `m`
    /// is quantised).
    fn matmul_dev(
        &self,
        m: &DevMatrix,
        x: &CudaSlice<f32>,
        from: usize,
        t: usize,
        out: &mut CudaSlice<f32>,
    ) -> Result<(), LlmError> {
        let s = &self.stream;
        let (rows, t_i) = (m.rows as i32, t as i32);
        if m.kind == 3 {
            let view = x.slice(from * m.cols..(from + t) * m.cols);
            let cols = m.cols as i32;
            // SAFETY: matches `mm_f32`.
            unsafe {
                s.launch_builder(&self.k.mm_f32)
                    .arg(&m.w)
                    .arg(&rows)
                    .arg(&cols)
                    .arg(&view)
                    .arg(&t_i)
                    .arg(out)
                    .launch(grid(m.rows * t, THREADS as usize))
            }
            .map_err(|e| err("mm_f32", e))?;
            return Ok(());
        }
        let a = self.quantize(x, from, t, m.cols)?;
        let nb = (m.cols / QK) as i32;
        // SAFETY: matches `mm_q4_1` / `mm_q4_0` / `mm_q8_0` (eight threads per output element).
        unsafe {
            s.launch_builder(&self.k.mm[m.kind])
                .arg(&m.qs)
                .arg(&m.d)
                .arg(&m.m)
                .arg(&rows)
                .arg(&nb)
                .arg(&a.q)
                .arg(&a.d)
                .arg(&a.s)
                .arg(&a.isum)
                .arg(&t_i)
                .arg(out)
                .launch(grid(m.rows * t * 8, THREADS as usize))
        }
        .map_err(|e| err("block matmul", e))?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn add_norm(
        &self,
        c: &Config,
        x: &mut CudaSlice<f32>,
        add: Option<&CudaSlice<f32>>,
        w: &CudaSlice<f32>,
        rows: usize,
        out: &mut CudaSlice<f32>,
    ) -> Result<(), LlmError> {
        let (eps, n, r) = (c.eps, c.dim as i32, rows as i32);
        let null = 0u64;
        let mut b = self.stream.launch_builder(&self.k.add_rms_norm);
        b.arg(x);
        match add {
            Some(a) => b.arg(a),
            None => b.arg(&null),
        };
        b.arg(w).arg(&eps).arg(&n).arg(&r).arg(out);
        // SAFETY: matches `add_rms_norm` (a null `add` skips the residual).
        unsafe { b.launch(grid(rows, THREADS as usize)) }.map_err(|e| err("add_rms_norm", e))?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn rope(
        &self,
        c: &Config,
        cos: &CudaSlice<f32>,
        sin: &CudaSlice<f32>,
        v: &mut CudaSlice<f32>,
        t: usize,
        heads: usize,
        p0: usize,
    ) -> Result<(), LlmError> {
        let hd = c.head_dim;
        let (t_i, h_i, hd_i, p_i) = (t as i32, heads as i32, hd as i32, p0 as i32);
        // SAFETY: matches `rope`; the tables cover every position below the context length.
        unsafe {
            self.stream
                .launch_builder(&self.k.rope)
                .arg(v)
                .arg(&t_i)
                .arg(&h_i)
                .arg(&hd_i)
                .arg(&p_i)
                .arg(cos)
                .arg(sin)
                .launch(grid(t * heads * hd / 2, THREADS as usize))
        }
        .map_err(|e| err("rope", e))?;
        Ok(())
    }
}

impl CudaModel {
    /// Uploads `model` to GPU `ordinal` and compiles (or loads) the kernels.
    pub fn load(model: &Model, ordinal: usize) -> Result<Self, LlmError> {
        let gpu = Gpu::open(ordinal)?;
        let stream = &gpu.stream;
        let up_f32 = |v: &[f32]| stream.clone_htod(v).map_err(|e| err("upload", e));
        let layers = model
            .layers
            .iter()
            .map(|l| {
                Ok(DevLayer {
                    attn_norm: up_f32(&l.attn_norm)?,
                    wq: upload(stream, &l.wq)?,
                    wk: upload(stream, &l.wk)?,
                    wv: upload(stream, &l.wv)?,
                    wo: upload(stream, &l.wo)?,
                    ffn_norm: up_f32(&l.ffn_norm)?,
                    w_gate: upload(stream, &l.w_gate)?,
                    w_up: upload(stream, &l.w_up)?,
                    w_down: upload(stream, &l.w_down)?,
                })
            })
            .collect::<Result<Vec<_>, LlmError>>()?;
        Ok(CudaModel {
            out_norm: up_f32(&model.out_norm)?,
            output: upload(stream, model.output.as_ref().unwrap_or(&model.embed))?,
            cos: up_f32(&model.rope_cos)?,
            sin: up_f32(&model.rope_sin)?,
            layers,
            config: model.config.clone(),
            gpu,
        })
    }

    /// An empty cache for up to `max_context` positions.
    pub fn new_cache(&self, max_context: usize) -> Result<DevCache, LlmError> {
        let c = &self.config;
        let cap = max_context.min(c.context_length);
        let alloc = || {
            self.gpu
                .stream
                .alloc_zeros::<f32>(cap * c.kv_dim())
                .map_err(|e| err("KV cache", e))
        };
        Ok(DevCache {
            k: (0..c.n_layer).map(|_| alloc()).collect::<Result<_, _>>()?,
            v: (0..c.n_layer).map(|_| alloc()).collect::<Result<_, _>>()?,
            len: 0,
            cap,
        })
    }

    /// Runs `tokens` after the cache's positions (as [`Model::forward`]); the logits of the
    /// positions `which` names, `vocab` floats each.
    pub fn forward(
        &self,
        model: &Model,
        cache: &mut DevCache,
        tokens: &[u32],
        which: Logits,
    ) -> Result<Vec<f32>, LlmError> {
        let c = &self.config;
        let t = tokens.len();
        let p0 = cache.len;
        let first = model.check_batch(tokens, which, p0, cache.cap)?;
        let (dim, kv, hd) = (c.dim, c.kv_dim(), c.head_dim);
        let (g, s) = (&self.gpu, &self.gpu.stream);
        let mut host = vec![0f32; t * dim];
        for (i, &tok) in tokens.iter().enumerate() {
            model
                .embed
                .dequant_row(tok as usize, &mut host[i * dim..(i + 1) * dim]);
        }
        let alloc = |n: usize| s.alloc_zeros::<f32>(n).map_err(|e| err("alloc", e));
        let mut x = s.clone_htod(&host).map_err(|e| err("upload", e))?;
        let (mut xn, mut q, mut att, mut o) = (
            alloc(t * dim)?,
            alloc(t * dim)?,
            alloc(t * dim)?,
            alloc(t * dim)?,
        );
        let (mut k, mut v) = (alloc(t * kv)?, alloc(t * kv)?);
        let (mut gate, mut up) = (alloc(t * c.ffn_dim)?, alloc(t * c.ffn_dim)?);
        let n_max = p0 + t;
        let mut scores = alloc(t * c.n_head * n_max)?;
        let scale = 1.0 / (hd as f32).sqrt();
        let mut pending = false;
        for (li, layer) in self.layers.iter().enumerate() {
            g.add_norm(
                c,
                &mut x,
                pending.then_some(&o),
                &layer.attn_norm,
                t,
                &mut xn,
            )?;
            g.matmul_dev(&layer.wq, &xn, 0, t, &mut q)?;
            g.matmul_dev(&layer.wk, &xn, 0, t, &mut k)?;
            g.matmul_dev(&layer.wv, &xn, 0, t, &mut v)?;
            g.rope(c, &self.cos, &self.sin, &mut q, t, c.n_head, p0)?;
            g.rope(c, &self.cos, &self.sin, &mut k, t, c.n_head_kv, p0)?;
            s.memcpy_dtod(&k, &mut cache.k[li].slice_mut(p0 * kv..(p0 + t) * kv))
                .map_err(|e| err("KV cache", e))?;
            s.memcpy_dtod(&v, &mut cache.v[li].slice_mut(p0 * kv..(p0 + t) * kv))
                .map_err(|e| err("KV cache", e))?;
            let args = [t, c.n_head, c.n_head / c.n_head_kv, hd, kv, p0].map(|a| a as i32);
            let n_max_i = n_max as i32;
            // SAFETY: matches `attention`; `scores` holds n_max floats per (query, head).
            unsafe {
                let mut b = s.launch_builder(&g.k.attention);
                b.arg(&q).arg(&cache.k[li]).arg(&cache.v[li]);
                for a in &args {
                    b.arg(a);
                }
                b.arg(&scale).arg(&mut scores).arg(&n_max_i).arg(&mut att);
                b.launch(LaunchConfig {
                    grid_dim: ((t * c.n_head) as u32, 1, 1),
                    block_dim: (128, 1, 1),
                    shared_mem_bytes: 0,
                })
            }
            .map_err(|e| err("attention", e))?;
            g.matmul_dev(&layer.wo, &att, 0, t, &mut o)?;
            g.add_norm(c, &mut x, Some(&o), &layer.ffn_norm, t, &mut xn)?;
            g.matmul_dev(&layer.w_gate, &xn, 0, t, &mut gate)?;
            g.matmul_dev(&layer.w_up, &xn, 0, t, &mut up)?;
            let n = (t * c.ffn_dim) as i64;
            // SAFETY: matches `silu_mul`.
            unsafe {
                s.launch_builder(&g.k.silu_mul)
                    .arg(&mut gate)
                    .arg(&up)
                    .arg(&n)
                    .launch(grid(t * c.ffn_dim, THREADS as usize))
            }
            .map_err(|e| err("silu_mul", e))?;
            g.matmul_dev(&layer.w_down, &gate, 0, t, &mut o)?;
            pending = true;
        }
        cache.len = p0 + t;
        // The last residual and the output norm for every row (rows before `first` are unused).
        g.add_norm(c, &mut x, pending.then_some(&o), &self.out_norm, t, &mut xn)?;
        let n = t - first;
        let mut logits = alloc(n * c.vocab)?;
        g.matmul_dev(&self.output, &xn, first, n, &mut logits)?;
        s.clone_dtoh(&logits).map_err(|e| err("download", e))
    }
}

/// A matrix in the device layout (natural block order, f32 scales).
fn upload(stream: &Arc<CudaStream>, m: &Matrix) -> Result<DevMatrix, LlmError> {
    let nb = m.cols / QK;
    let up8 = |v: &[u8]| stream.clone_htod(v).map_err(|e| err("upload", e));
    let upf = |v: &[f32]| stream.clone_htod(v).map_err(|e| err("upload", e));
    let widen = |h: &[half::f16]| h.iter().map(|x| x.to_f32()).collect::<Vec<f32>>();
    let empty_f = || upf(&[0.0]);
    let (kind, qs, d, mm, w) = match &m.w {
        Weights::Q4_1 { qs, d, m: mins } => {
            (0, natural_q4(qs, m.rows, nb), widen(d), widen(mins), None)
        }
        Weights::Q4_0 { qs, d } => (1, natural_q4(qs, m.rows, nb), widen(d), Vec::new(), None),
        Weights::Q8_0 { qs, d } => (2, natural_q8(qs, m.rows, nb), widen(d), Vec::new(), None),
        Weights::F32(w) => (3, Vec::new(), Vec::new(), Vec::new(), Some(w)),
    };
    let or_dummy = |v: Vec<f32>| if v.is_empty() { empty_f() } else { upf(&v) };
    Ok(DevMatrix {
        rows: m.rows,
        cols: m.cols,
        kind,
        qs: if qs.is_empty() { up8(&[0])? } else { up8(&qs)? },
        d: or_dummy(d)?,
        m: or_dummy(mm)?,
        w: match w {
            Some(w) => upf(w)?,
            None => empty_f()?,
        },
    })
}

/// Q4 rows from the engine's grouped layout to 16 bytes per block in order.
fn natural_q4(qs: &[u8], rows: usize, nb: usize) -> Vec<u8> {
    let mut out = vec![0u8; rows * nb * 16];
    for r in 0..rows {
        let row = &qs[r * nb * 16..(r + 1) * nb * 16];
        for b in 0..nb {
            for i in 0..16 {
                out[(r * nb + b) * 16 + i] = row[q4_offset(nb, b, i)];
            }
        }
    }
    out
}

/// Q8 rows from the engine's grouped layout to 32 values per block in order.
fn natural_q8(qs: &[i8], rows: usize, nb: usize) -> Vec<u8> {
    let mut out = vec![0u8; rows * nb * QK];
    for r in 0..rows {
        let row = &qs[r * nb * QK..(r + 1) * nb * QK];
        for b in 0..nb {
            for e in 0..QK {
                out[(r * nb + b) * QK + e] = row[q8_offset(nb, b, e)] as u8;
            }
        }
    }
    out
}
