//! The CUDA forward pass, compiled twice: against cudarc in [`super::device`] (a GPU) and against
//! the emulator in `super::emulated` (feature `cuda-emu`, tests). Weights stay resident in the
//! natural block layout; the kernels of `kernels.cu` run the same operations per output as
//! [`crate::model::Model::forward`], so the logits are the CPU's bits.
//!
//! Per layer: RMSNorm (+ quantisation), Q/K/V in one launch, RoPE writing the cache, attention,
//! quantisation, the output projection adding the residual, RMSNorm (+ quantisation), gate/up and
//! SwiGLU in one launch, quantisation, the down projection adding the residual. A decode step
//! (one token) runs in buffers kept with the sequence's cache and, after its first step, as a CUDA
//! graph replayed for every later position (the position is read from device memory).

use std::sync::{Arc, Mutex, MutexGuard};

use super::api::{
    begin_capture, bind, dev_ptr, end_capture, kernels, unavailable, CudaContext, CudaFunction,
    CudaSlice, CudaStream, CudaView, Graph, LaunchConfig, PushKernelArg,
};

use crate::error::LlmError;
use crate::model::{Config, Logits, Model};
use crate::quant::{q4_offset, q8_offset, Matrix, Weights, QK};

pub(super) fn err(what: &str, e: impl std::fmt::Display) -> LlmError {
    LlmError::Backend(format!("CUDA: {what}: {e}"))
}

struct Kernels {
    quantize: CudaFunction,
    rms_norm: CudaFunction,
    matmul: CudaFunction,
    glu: CudaFunction,
    rope_kv: CudaFunction,
    attention: CudaFunction,
}

/// A weight matrix on the device: block values in order (16 bytes per Q4 block, 32 per Q8 block)
/// and the scales widened to f32 (exact), or plain f32. The kernels read it through its `Mat`
/// descriptor (six 64-bit words, see kernels.cu).
struct DevMatrix {
    rows: usize,
    cols: usize,
    /// 0 = Q4_1, 1 = Q4_0, 2 = Q8_0, 3 = F32.
    kind: u64,
    qs: CudaSlice<u8>,
    d: CudaSlice<f32>,
    m: CudaSlice<f32>,
    w: CudaSlice<f32>,
}

/// Words of one `Mat` descriptor.
const MAT_WORDS: usize = 6;

impl DevMatrix {
    fn descriptor(&self, stream: &Arc<CudaStream>) -> [u64; MAT_WORDS] {
        [
            dev_ptr(&self.qs, stream),
            dev_ptr(&self.d, stream),
            dev_ptr(&self.m, stream),
            dev_ptr(&self.w, stream),
            self.rows as u64 | (self.cols as u64) << 32,
            self.kind,
        ]
    }
}

/// Matrices of a layer, in descriptor order.
const LAYER_MATS: usize = 7;
const WQ: usize = 0;
const WK: usize = 1;
const WV: usize = 2;
const WO: usize = 3;
const GATE: usize = 4;
const UP: usize = 5;
const DOWN: usize = 6;

struct DevLayer {
    attn_norm: CudaSlice<f32>,
    ffn_norm: CudaSlice<f32>,
    /// wq, wk, wv, wo, gate, up, down (the descriptors follow this order).
    mats: Vec<DevMatrix>,
}

fn lock(m: &Mutex<()>) -> MutexGuard<'_, ()> {
    // A panic in another pass leaves nothing half-done on the host side.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One GPU with the kernels loaded: a stream and the entry points.
pub struct Gpu {
    stream: Arc<CudaStream>,
    k: Kernels,
    /// Held by whatever uses the stream (passes, allocations, frees): work from another thread
    /// must not land in the stream while a decode step is being captured (capture takes whatever
    /// the stream receives, a cache's buffers freed on another thread included).
    busy: Arc<Mutex<()>>,
}

/// The model on one GPU.
pub struct CudaModel {
    gpu: Gpu,
    layers: Vec<DevLayer>,
    out_norm: CudaSlice<f32>,
    output: DevMatrix,
    /// `Mat` descriptors: layer l's matrix i at l · 7 + i, the output matrix last.
    descs: CudaSlice<u64>,
    cos: CudaSlice<f32>,
    sin: CudaSlice<f32>,
    config: Config,
    /// The most tokens one prefill pass takes (longer batches run in chunks).
    prefill_chunk: usize,
}

/// Tokens per prefill pass: its attention scores take tokens × heads × context floats.
pub const PREFILL_CHUNK: usize = 256;

/// A captured decode step. Only the cache that owns it launches it (through `&mut`), so it may move
/// between threads.
struct StepGraph(Graph);

// SAFETY: a graph is used by one thread at a time (its DevCache is borrowed mutably to launch it);
// CUDA requires no more of graph objects.
unsafe impl Send for StepGraph {}

/// One sequence's key/value cache on the device, with the buffers and graph of its decode step.
pub struct DevCache {
    k: Vec<CudaSlice<f32>>,
    v: Vec<CudaSlice<f32>>,
    len: usize,
    cap: usize,
    step: Option<Work>,
    graph: Option<StepGraph>,
    /// Capturing the decode step failed once: run it launch by launch.
    no_graph: bool,
    /// The GPU's stream lock, held while the buffers are freed.
    busy: Arc<Mutex<()>>,
    /// The stream (its context is made current before the buffers are freed).
    stream: Arc<CudaStream>,
}

impl Drop for DevCache {
    fn drop(&mut self) {
        let busy = self.busy.clone();
        let _busy = lock(&busy);
        bind(&self.stream);
        self.graph = None;
        self.step = None;
        self.k.clear();
        self.v.clear();
    }
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

    /// Whether decode steps replay a captured graph (after the first step, unless capture failed).
    pub fn replays_graph(&self) -> bool {
        self.graph.is_some()
    }
}

/// The buffers of one pass over `t` tokens whose positions run up to `n_max`.
struct Work {
    t: usize,
    n_max: usize,
    x: CudaSlice<f32>,
    xn: CudaSlice<f32>,
    q: CudaSlice<f32>,
    k: CudaSlice<f32>,
    v: CudaSlice<f32>,
    att: CudaSlice<f32>,
    hid: CudaSlice<f32>,
    acts: DevActs,
    scores: CudaSlice<f32>,
    logits: CudaSlice<f32>,
    /// The first position of the batch (read by RoPE and attention).
    pos: CudaSlice<i32>,
}

/// Quantised activations on the device.
struct DevActs {
    q: CudaSlice<i8>,
    d: CudaSlice<f32>,
    s: CudaSlice<f32>,
    isum: CudaSlice<i32>,
}

impl DevActs {
    fn new(stream: &Arc<CudaStream>, values: usize) -> Result<Self, LlmError> {
        let nb = values / QK;
        let a = |e| err("alloc", e);
        Ok(DevActs {
            q: stream.alloc_zeros::<i8>(values).map_err(a)?,
            d: stream.alloc_zeros::<f32>(nb).map_err(a)?,
            s: stream.alloc_zeros::<f32>(nb).map_err(a)?,
            isum: stream.alloc_zeros::<i32>(nb).map_err(a)?,
        })
    }
}

impl Work {
    fn new(
        stream: &Arc<CudaStream>,
        c: &Config,
        t: usize,
        n_max: usize,
        logit_rows: usize,
    ) -> Result<Self, LlmError> {
        let f = |n: usize| {
            stream
                .alloc_zeros::<f32>(n.max(1))
                .map_err(|e| err("alloc", e))
        };
        Ok(Work {
            t,
            n_max,
            x: f(t * c.dim)?,
            xn: f(t * c.dim)?,
            q: f(t * c.dim)?,
            k: f(t * c.kv_dim())?,
            v: f(t * c.kv_dim())?,
            att: f(t * c.dim)?,
            hid: f(t * c.ffn_dim)?,
            acts: DevActs::new(stream, t * c.dim.max(c.ffn_dim))?,
            scores: f(t * c.n_head * n_max)?,
            logits: f(logit_rows * c.vocab)?,
            pos: stream.alloc_zeros::<i32>(1).map_err(|e| err("alloc", e))?,
        })
    }
}

const THREADS: u32 = 256;

fn grid(threads: usize) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (threads.div_ceil(THREADS as usize).max(1) as u32, 1, 1),
        block_dim: (THREADS, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// A null device pointer, for the kernels' optional arguments.
const NULL: u64 = 0;

impl Gpu {
    /// Opens GPU `ordinal` and compiles (or loads) the kernels.
    pub fn open(ordinal: usize) -> Result<Self, LlmError> {
        if let Some(why) = unavailable() {
            return Err(LlmError::Backend(format!(
                "CUDA asked for but unavailable: {why}"
            )));
        }
        let ctx = CudaContext::new(ordinal).map_err(|e| err("opening the device", e))?;
        // SAFETY: all work goes to one stream, in order, so no cross-stream events are needed
        // (they would also end up inside captured graphs).
        unsafe { ctx.disable_event_tracking() };
        // A stream of our own: the legacy default stream cannot be captured into a graph.
        let stream = ctx.new_stream().map_err(|e| err("creating a stream", e))?;
        let module = ctx
            .load_module(kernels(&ctx)?)
            .map_err(|e| err("loading the kernels", e))?;
        let f = |name: &str| module.load_function(name).map_err(|e| err(name, e));
        let k = Kernels {
            quantize: f("quantize_q8")?,
            rms_norm: f("rms_norm_q8")?,
            matmul: f("matmul")?,
            glu: f("glu")?,
            rope_kv: f("rope_kv")?,
            attention: f("attention")?,
        };
        Ok(Gpu {
            stream,
            k,
            busy: Arc::new(Mutex::new(())),
        })
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
        let _busy = self.lock();
        let s = &self.stream;
        let dm = upload(s, m)?;
        let desc = s
            .clone_htod(&dm.descriptor(s))
            .map_err(|e| err("upload", e))?;
        let (dx, acts) = self.input(x)?;
        let mut out = s
            .alloc_zeros::<f32>(t * m.rows)
            .map_err(|e| err("alloc", e))?;
        self.products(
            &mut [(&desc.slice(..), dm.rows, &mut out)],
            false,
            &acts,
            &dx,
            t,
        )?;
        s.clone_dtoh(&out).map_err(|e| err("download", e))
    }

    /// `silu(gate · x) · (up · x)` for `t` vectors, as the feed-forward computes it: uploads,
    /// runs the quantiser and the SwiGLU kernel, downloads. For tests and kernel benchmarks.
    pub fn glu(
        &self,
        gate: &Matrix,
        up: &Matrix,
        x: &[f32],
        t: usize,
    ) -> Result<Vec<f32>, LlmError> {
        if gate.rows != up.rows || gate.cols != up.cols || x.len() != t * gate.cols {
            return Err(LlmError::Backend(format!(
                "CUDA glu: gate {}x{}, up {}x{}, {} inputs for {t} vectors",
                gate.rows,
                gate.cols,
                up.rows,
                up.cols,
                x.len()
            )));
        }
        let _busy = self.lock();
        let s = &self.stream;
        let (dg, du) = (upload(s, gate)?, upload(s, up)?);
        let descs = [dg.descriptor(s), du.descriptor(s)].concat();
        let descs = s.clone_htod(&descs).map_err(|e| err("upload", e))?;
        let (dx, acts) = self.input(x)?;
        let mut out = s
            .alloc_zeros::<f32>(t * gate.rows)
            .map_err(|e| err("alloc", e))?;
        self.glu_dev(
            &descs.slice(..MAT_WORDS),
            &descs.slice(MAT_WORDS..),
            gate.rows,
            &acts,
            &dx,
            t,
            &mut out,
        )?;
        s.clone_dtoh(&out).map_err(|e| err("download", e))
    }

    #[allow(clippy::too_many_arguments)]
    fn glu_dev(
        &self,
        gate: &CudaView<'_, u64>,
        up: &CudaView<'_, u64>,
        rows: usize,
        acts: &DevActs,
        xf: &CudaSlice<f32>,
        t: usize,
        out: &mut CudaSlice<f32>,
    ) -> Result<(), LlmError> {
        let t_i = t as i32;
        // SAFETY: matches `glu` (eight threads per output element); `out` holds rows · t.
        unsafe {
            self.stream
                .launch_builder(&self.k.glu)
                .arg(gate)
                .arg(up)
                .arg(&acts.q)
                .arg(&acts.d)
                .arg(&acts.s)
                .arg(&acts.isum)
                .arg(xf)
                .arg(&t_i)
                .arg(out)
                .launch(grid(rows * t * 8))
        }
        .map_err(|e| err("glu", e))?;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        lock(&self.busy)
    }

    /// `x` on the device, f32 and quantised (for [`Gpu::matmul`] and [`Gpu::glu`]).
    fn input(&self, x: &[f32]) -> Result<(CudaSlice<f32>, DevActs), LlmError> {
        let dx = self.stream.clone_htod(x).map_err(|e| err("upload", e))?;
        let mut acts = DevActs::new(&self.stream, x.len())?;
        self.quantize(&dx, x.len(), &mut acts)?;
        Ok((dx, acts))
    }

    /// Quantises the first `n` values of `x` (a multiple of 32) into `a`.
    fn quantize(&self, x: &CudaSlice<f32>, n: usize, a: &mut DevActs) -> Result<(), LlmError> {
        let nb = n / QK;
        let nb_i = nb as i32;
        // SAFETY: matches `quantize_q8` (one warp per block); `a` holds at least `nb` blocks.
        unsafe {
            self.stream
                .launch_builder(&self.k.quantize)
                .arg(x)
                .arg(&nb_i)
                .arg(&mut a.q)
                .arg(&mut a.d)
                .arg(&mut a.s)
                .arg(&mut a.isum)
                .launch(grid(nb * 32))
        }
        .map_err(|e| err("quantize_q8", e))?;
        Ok(())
    }

    /// RMSNorm of `rows` rows of `x` from row `from` into `y` (from row 0), quantised into `a`.
    #[allow(clippy::too_many_arguments)]
    fn rms_norm(
        &self,
        c: &Config,
        x: &CudaSlice<f32>,
        from: usize,
        rows: usize,
        w: &CudaSlice<f32>,
        y: &mut CudaSlice<f32>,
        a: &mut DevActs,
    ) -> Result<(), LlmError> {
        let view = x.slice(from * c.dim..(from + rows) * c.dim);
        let (eps, n) = (c.eps, c.dim as i32);
        // SAFETY: matches `rms_norm_q8` (one CUDA block per row); `y` and `a` hold `rows` rows.
        unsafe {
            self.stream
                .launch_builder(&self.k.rms_norm)
                .arg(&view)
                .arg(w)
                .arg(&eps)
                .arg(&n)
                .arg(y)
                .arg(&mut a.q)
                .arg(&mut a.d)
                .arg(&mut a.s)
                .arg(&mut a.isum)
                .launch(LaunchConfig {
                    grid_dim: (rows as u32, 1, 1),
                    block_dim: (THREADS, 1, 1),
                    shared_mem_bytes: 0,
                })
        }
        .map_err(|e| err("rms_norm_q8", e))?;
        Ok(())
    }

    /// Up to three products of one input (`acts` quantised, `xf` plain, `t` vectors): each
    /// (descriptor, rows, output), the output overwritten or, with `accumulate`, added to.
    fn products(
        &self,
        prods: &mut [(&CudaView<'_, u64>, usize, &mut CudaSlice<f32>)],
        accumulate: bool,
        acts: &DevActs,
        xf: &CudaSlice<f32>,
        t: usize,
    ) -> Result<(), LlmError> {
        debug_assert!((1..=3).contains(&prods.len()));
        let threads: usize = prods.iter().map(|p| p.1 * t * 8).sum();
        let (acc, t_i) = (accumulate as i32, t as i32);
        let descs: Vec<&CudaView<'_, u64>> = prods.iter().map(|p| p.0).collect();
        let mut b = self.stream.launch_builder(&self.k.matmul);
        for d in &descs {
            b.arg(*d);
        }
        for _ in descs.len()..3 {
            b.arg(&NULL);
        }
        for p in prods.iter_mut() {
            b.arg(&mut *p.2);
        }
        for _ in descs.len()..3 {
            b.arg(&NULL);
        }
        b.arg(&acc)
            .arg(&acts.q)
            .arg(&acts.d)
            .arg(&acts.s)
            .arg(&acts.isum)
            .arg(xf)
            .arg(&t_i);
        // SAFETY: matches `matmul` (eight threads per output element); each output holds
        // `rows · t` floats, the activations `t` vectors of the matrices' width.
        unsafe { b.launch(grid(threads)) }.map_err(|e| err("matmul", e))?;
        Ok(())
    }
}

impl CudaModel {
    /// Uploads `model` to GPU `ordinal` and compiles (or loads) the kernels.
    pub fn load(model: &Model, ordinal: usize) -> Result<Self, LlmError> {
        let c = &model.config;
        if c.arch != crate::model::Arch::Llama {
            return Err(LlmError::Backend(format!(
                "the CUDA backend runs llama models only, not {}; run this model on the CPU",
                c.arch.name()
            )));
        }
        if c.q_dim() != c.dim {
            return Err(LlmError::Backend(format!(
                "the CUDA backend needs heads × head width = the embedding width ({} × {} ≠ {}); \
                 run this model on the CPU",
                c.n_head, c.head_dim, c.dim
            )));
        }
        let gpu = Gpu::open(ordinal)?;
        let stream = &gpu.stream;
        let up_f32 = |v: &[f32]| stream.clone_htod(v).map_err(|e| err("upload", e));
        let layers = model
            .layers
            .iter()
            .map(|l| {
                let mats = [&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down]
                    .into_iter()
                    .map(|m| upload(stream, m))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(DevLayer {
                    attn_norm: up_f32(&l.attn_norm)?,
                    ffn_norm: up_f32(&l.ffn_norm)?,
                    mats,
                })
            })
            .collect::<Result<Vec<_>, LlmError>>()?;
        let output = upload(stream, model.output.as_ref().unwrap_or(&model.embed))?;
        let mut words = Vec::with_capacity((layers.len() * LAYER_MATS + 1) * MAT_WORDS);
        for l in &layers {
            for m in &l.mats {
                words.extend(m.descriptor(stream));
            }
        }
        words.extend(output.descriptor(stream));
        Ok(CudaModel {
            descs: stream.clone_htod(&words).map_err(|e| err("upload", e))?,
            out_norm: up_f32(&model.out_norm)?,
            output,
            cos: up_f32(&model.rope_cos)?,
            sin: up_f32(&model.rope_sin)?,
            layers,
            config: model.config.clone(),
            gpu,
            prefill_chunk: PREFILL_CHUNK,
        })
    }

    /// Sets the most tokens one prefill pass takes (at least 1; [`PREFILL_CHUNK`] by default).
    /// The logits do not depend on it.
    pub fn set_prefill_chunk(&mut self, tokens: usize) {
        self.prefill_chunk = tokens.max(1);
    }

    /// An empty cache for up to `max_context` positions.
    pub fn new_cache(&self, max_context: usize) -> Result<DevCache, LlmError> {
        let _busy = self.gpu.lock();
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
            step: None,
            graph: None,
            no_graph: false,
            busy: self.gpu.busy.clone(),
            stream: self.gpu.stream.clone(),
        })
    }

    /// The descriptor of layer `l`'s matrix `i` (the output matrix: `l` = number of layers).
    fn desc(&self, l: usize, i: usize) -> CudaView<'_, u64> {
        let at = (l * LAYER_MATS + i) * MAT_WORDS;
        self.descs.slice(at..at + MAT_WORDS)
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
        let mut host = vec![0f32; t * c.dim];
        for (i, &tok) in tokens.iter().enumerate() {
            model
                .embed
                .dequant_row(tok as usize, &mut host[i * c.dim..(i + 1) * c.dim]);
        }
        let _busy = self.gpu.lock();
        let s = &self.gpu.stream;
        let up = |e| err("upload", e);
        let logits = if t == 1 && first == 0 {
            let DevCache {
                k,
                v,
                step,
                graph,
                no_graph,
                cap,
                ..
            } = cache;
            let w = match step {
                Some(w) => w,
                None => step.insert(Work::new(s, c, 1, *cap, 1)?),
            };
            s.memcpy_htod(&host[..], &mut w.x).map_err(up)?;
            s.memcpy_htod(&[p0 as i32][..], &mut w.pos).map_err(up)?;
            if graph.is_none() && !*no_graph {
                match self.capture(w, k, v) {
                    Ok(g) => *graph = Some(StepGraph(g)),
                    Err(e) => {
                        log::warn!("CUDA graph capture failed, decoding launch by launch: {e}");
                        *no_graph = true;
                    }
                }
            }
            match graph {
                Some(g) => g.0.launch().map_err(|e| err("decode graph", e))?,
                None => self.run(w, k, v, 0, 1)?,
            }
            s.clone_dtoh(&w.logits).map_err(|e| err("download", e))?
        } else {
            // In chunks: a pass's attention scores grow with its length times the context.
            let mut logits = Vec::with_capacity((t - first) * c.vocab);
            for a in (0..t).step_by(self.prefill_chunk) {
                let b = (a + self.prefill_chunk).min(t);
                let from = first.max(a);
                let n = b.saturating_sub(from);
                let pos = p0 + a;
                let mut w = Work::new(s, c, b - a, pos + b - a, n)?;
                s.memcpy_htod(&host[a * c.dim..b * c.dim], &mut w.x)
                    .map_err(up)?;
                s.memcpy_htod(&[pos as i32][..], &mut w.pos).map_err(up)?;
                self.run(&mut w, &mut cache.k, &mut cache.v, from - a, n)?;
                if n > 0 {
                    logits.extend(s.clone_dtoh(&w.logits).map_err(|e| err("download", e))?);
                }
            }
            logits
        };
        cache.len = p0 + t;
        Ok(logits)
    }

    /// Records one decode step in `w` as a graph (nothing runs while capturing).
    fn capture(
        &self,
        w: &mut Work,
        k: &mut [CudaSlice<f32>],
        v: &mut [CudaSlice<f32>],
    ) -> Result<Graph, LlmError> {
        let s = &self.gpu.stream;
        begin_capture(s).map_err(|e| err("begin capture", e))?;
        let ran = self.run(w, k, v, 0, 1);
        let graph = end_capture(s).map_err(|e| err("end capture", e));
        if graph.is_err() {
            // An error reported before the capture was ended leaves the stream capturing: end it
            // (the error is cleared by then), or the next pass would be captured too.
            let _ = end_capture(s);
        }
        ran?;
        graph?.ok_or_else(|| err("end capture", "the captured graph is empty"))
    }

    /// The layers and the output head over the `w.t` tokens in `w.x` (positions from `w.pos`);
    /// logits of rows `first..first + n` into `w.logits`.
    fn run(
        &self,
        w: &mut Work,
        kc: &mut [CudaSlice<f32>],
        vc: &mut [CudaSlice<f32>],
        first: usize,
        n: usize,
    ) -> Result<(), LlmError> {
        let (g, c) = (&self.gpu, &self.config);
        let s = &g.stream;
        let t = w.t;
        let (hd, kv) = (c.head_dim, c.kv_dim());
        let ints = [t, c.n_head, c.n_head_kv, hd].map(|a| a as i32);
        let scale = 1.0 / (hd as f32).sqrt();
        for (li, layer) in self.layers.iter().enumerate() {
            let m = |i: usize| (self.desc(li, i), layer.mats[i].rows);
            g.rms_norm(c, &w.x, 0, t, &layer.attn_norm, &mut w.xn, &mut w.acts)?;
            let ((dq, rq), (dk, rk), (dv, rv)) = (m(WQ), m(WK), m(WV));
            g.products(
                &mut [
                    (&dq, rq, &mut w.q),
                    (&dk, rk, &mut w.k),
                    (&dv, rv, &mut w.v),
                ],
                false,
                &w.acts,
                &w.xn,
                t,
            )?;
            let threads = t * (c.n_head * hd / 2 + c.n_head_kv * hd / 2 + kv);
            // SAFETY: matches `rope_kv`; the tables and the cache cover positions below the
            // cache's capacity, which `check_batch` enforced.
            unsafe {
                let mut b = s.launch_builder(&g.k.rope_kv);
                b.arg(&mut w.q).arg(&w.k).arg(&w.v);
                for a in &ints {
                    b.arg(a);
                }
                b.arg(&w.pos)
                    .arg(&self.cos)
                    .arg(&self.sin)
                    .arg(&mut kc[li])
                    .arg(&mut vc[li]);
                b.launch(grid(threads))
            }
            .map_err(|e| err("rope_kv", e))?;
            let att_ints = [t, c.n_head, c.n_head / c.n_head_kv, hd, kv].map(|a| a as i32);
            let n_max = w.n_max as i32;
            // SAFETY: matches `attention`; `scores` holds n_max floats per (query, head).
            unsafe {
                let mut b = s.launch_builder(&g.k.attention);
                b.arg(&w.q).arg(&kc[li]).arg(&vc[li]);
                for a in &att_ints {
                    b.arg(a);
                }
                b.arg(&w.pos)
                    .arg(&scale)
                    .arg(&mut w.scores)
                    .arg(&n_max)
                    .arg(&mut w.att);
                b.launch(LaunchConfig {
                    grid_dim: ((t * c.n_head) as u32, 1, 1),
                    block_dim: (128, 1, 1),
                    shared_mem_bytes: 0,
                })
            }
            .map_err(|e| err("attention", e))?;
            g.quantize(&w.att, t * c.dim, &mut w.acts)?;
            let (dout, rout) = m(WO);
            g.products(&mut [(&dout, rout, &mut w.x)], true, &w.acts, &w.att, t)?;
            g.rms_norm(c, &w.x, 0, t, &layer.ffn_norm, &mut w.xn, &mut w.acts)?;
            let ((dg, rg), (du, _)) = (m(GATE), m(UP));
            g.glu_dev(&dg, &du, rg, &w.acts, &w.xn, t, &mut w.hid)?;
            g.quantize(&w.hid, t * c.ffn_dim, &mut w.acts)?;
            let (dd, rd) = m(DOWN);
            g.products(&mut [(&dd, rd, &mut w.x)], true, &w.acts, &w.hid, t)?;
        }
        // The output norm and head for the rows whose logits are returned.
        if n == 0 {
            return Ok(());
        }
        g.rms_norm(c, &w.x, first, n, &self.out_norm, &mut w.xn, &mut w.acts)?;
        let head = self.desc(self.layers.len(), 0);
        g.products(
            &mut [(&head, self.output.rows, &mut w.logits)],
            false,
            &w.acts,
            &w.xn,
            n,
        )?;
        Ok(())
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
        // Q4_K: the Q4_1 kernel, whose scales are f32 on the device already.
        Weights::Q4F { qs, d, m: mins } => {
            (0, natural_q4(qs, m.rows, nb), d.clone(), mins.clone(), None)
        }
        Weights::Q8F { .. } => {
            return Err(LlmError::Backend(
                "the CUDA backend has no kernels for Q5_1, Q5_K or Q6_K weights yet; \
                 run this model on the CPU"
                    .into(),
            ))
        }
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
