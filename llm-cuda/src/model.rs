//! The llama and Gemma 3 architectures: configuration and weights from GGUF, and the canonical
//! forward pass.
//!
//! Per layer: RMSNorm → Q/K/V projections → RoPE (llama: adjacent pairs, llama.cpp's "normal"
//! mode) → grouped-query attention over the KV cache → output projection → residual; RMSNorm →
//! SwiGLU feed-forward → residual. A final RMSNorm and the output projection (tied to the token
//! embedding when the file has no `output.weight`) give the logits. Gemma 3 differs in a few
//! steps: the embedding is scaled by √dim; queries and keys get a per-head RMSNorm before RoPE
//! (halves, llama.cpp's "neox" mode); five of every six layers attend over a sliding window with
//! their own RoPE base; the attention and feed-forward outputs are RMS-normed before the residual;
//! the feed-forward gate is GELU (GeGLU). Every step follows ARCHITECTURE.md's
//! determinism rules; a position's logits do not depend on how many tokens are processed at once.

use std::path::Path;

use crate::error::LlmError;
use crate::gguf::{Gguf, TensorInfo};
use crate::kernels::attn::{self, HeadCache};
use crate::kernels::attn_group::{self, KeysT};
use crate::kernels::{vmath, Ctx};
use crate::math;
use crate::quant::{Matrix, QK};

/// Elements of the SwiGLU gate per parallel task.
const SILU_CHUNK: usize = 8192;

/// The architectures the engine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// Llama (SmolLM2, Llama 2/3, Mistral).
    Llama,
    /// Gemma 3 (text).
    Gemma3,
}

impl Arch {
    /// The `general.architecture` name.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Llama => "llama",
            Arch::Gemma3 => "gemma3",
        }
    }
}

/// Hyper-parameters of a model.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The architecture (`general.architecture`, the prefix of the other keys).
    pub arch: Arch,
    /// Transformer blocks.
    pub n_layer: usize,
    /// Embedding width.
    pub dim: usize,
    /// Feed-forward width.
    pub ffn_dim: usize,
    /// Query heads.
    pub n_head: usize,
    /// Key/value heads (grouped-query attention).
    pub n_head_kv: usize,
    /// Width of one head (`attention.key_length`, else `dim / n_head`).
    pub head_dim: usize,
    /// Vocabulary size.
    pub vocab: usize,
    /// Trained context length.
    pub context_length: usize,
    /// RMSNorm epsilon.
    pub eps: f32,
    /// RoPE frequency base.
    pub rope_base: f64,
    /// Positions a sliding-window layer's query sees (itself included); 0 = no sliding window.
    pub sliding_window: usize,
    /// Of each `swa_pattern` layers, the last attends to every position, the others use the window.
    pub swa_pattern: usize,
    /// RoPE frequency base of the sliding-window layers.
    pub rope_base_swa: f64,
}

impl Config {
    /// Reads and validates the configuration from GGUF metadata.
    pub fn from_gguf(g: &Gguf) -> Result<Self, LlmError> {
        let name = g.get_str("general.architecture")?;
        let arch = match name {
            "llama" => Arch::Llama,
            "gemma3" => Arch::Gemma3,
            other => return Err(LlmError::UnsupportedArchitecture(other.to_string())),
        };
        let key = |k: &str| format!("{name}.{k}");
        let u = |k: &str| -> Result<usize, LlmError> { Ok(g.get_u64(&key(k))? as usize) };
        // An optional key: `None` when absent, an error when malformed.
        let opt = |k: &str| -> Result<Option<u64>, LlmError> {
            match g.get_u64(&key(k)) {
                Ok(v) => Ok(Some(v)),
                Err(crate::gguf::GgufError::MissingKey(_)) => Ok(None),
                Err(e) => Err(e.into()),
            }
        };
        let n_head = u("attention.head_count")?;
        let n_head_kv = opt("attention.head_count_kv")?.map_or(n_head, |v| v as usize);
        let dim = u("embedding_length")?;
        let head_dim = match opt("attention.key_length")? {
            Some(v) => v as usize,
            None => dim.checked_div(n_head).unwrap_or(0),
        };
        if opt("attention.value_length")?.is_some_and(|v| v as usize != head_dim) {
            return Err(LlmError::BadConfig(
                "value heads wider or narrower than key heads are not supported".into(),
            ));
        }
        let vocab = match g.get_array("tokenizer.ggml.tokens") {
            Ok(a) => a.len(),
            Err(_) => u("vocab_size")?,
        };
        let f = |k: &str, default: f64| match g.get_f64(&key(k)) {
            Ok(v) => Ok(v),
            Err(crate::gguf::GgufError::MissingKey(_)) => Ok(default),
            Err(e) => Err(LlmError::from(e)),
        };
        let rope_base = f("rope.freq_base", 10_000.0)?;
        // Gemma 3: llama.cpp's defaults where the file is silent (a window every layer but each
        // sixth; RoPE base 10 000 in the window layers).
        let (sliding_window, swa_pattern, rope_base_swa) = match arch {
            Arch::Gemma3 => (
                opt("attention.sliding_window")?.unwrap_or(0) as usize,
                opt("attention.sliding_window_pattern")?.unwrap_or(6) as usize,
                f("rope.freq_base_swa", 10_000.0)?,
            ),
            Arch::Llama => (0, 1, rope_base),
        };
        let c = Config {
            arch,
            n_layer: u("block_count")?,
            dim,
            ffn_dim: u("feed_forward_length")?,
            n_head,
            n_head_kv,
            head_dim,
            vocab,
            context_length: u("context_length")?,
            eps: g.get_f64(&key("attention.layer_norm_rms_epsilon"))? as f32,
            rope_base,
            sliding_window,
            swa_pattern,
            rope_base_swa,
        };
        let bad = |m: String| Err(LlmError::BadConfig(m));
        if c.sliding_window > 0 && c.swa_pattern == 0 {
            return bad("a sliding-window pattern of 0 layers".into());
        }
        if c.arch == Arch::Gemma3 && c.n_layer == 62 {
            // Gemma 3 27B scales attention by its embedding width per head, not the head width.
            return bad("Gemma 3 27B's attention scale is not supported".into());
        }
        if c.n_layer == 0 || c.dim == 0 || c.n_head == 0 || c.n_head_kv == 0 || c.vocab == 0 {
            return bad(format!("zero-sized model: {c:?}"));
        }
        if c.head_dim == 0 || !c.n_head.is_multiple_of(c.n_head_kv) || !c.head_dim.is_multiple_of(2)
        {
            return bad(format!(
                "heads do not divide: dim {} heads {} kv heads {}",
                c.dim, c.n_head, c.n_head_kv
            ));
        }
        if !c.dim.is_multiple_of(QK)
            || !c.ffn_dim.is_multiple_of(QK)
            || !c.q_dim().is_multiple_of(QK)
        {
            return bad(format!(
                "dim {}, ffn {} and query width {} must be multiples of {QK}",
                c.dim,
                c.ffn_dim,
                c.q_dim()
            ));
        }
        if let Ok(rd) = g.get_u64(&key("rope.dimension_count")) {
            if rd as usize != c.head_dim {
                return bad(format!(
                    "partial rotary (rope dim {rd}, head dim {}) is not supported",
                    c.head_dim
                ));
            }
        }
        let eps_ok = c.eps.is_finite() && c.eps > 0.0;
        let base_ok = [c.rope_base, c.rope_base_swa]
            .iter()
            .all(|b| b.is_finite() && *b > 1.0);
        if c.context_length == 0 || !eps_ok || !base_ok {
            return bad(format!("bad context length, epsilon or rope base: {c:?}"));
        }
        Ok(c)
    }

    /// Width of the key/value projections.
    pub fn kv_dim(&self) -> usize {
        self.n_head_kv * self.head_dim
    }

    /// Width of the query projection and of the attention output (`dim` in most models).
    pub fn q_dim(&self) -> usize {
        self.n_head * self.head_dim
    }

    /// Whether layer `layer` attends over the sliding window.
    pub fn is_swa(&self, layer: usize) -> bool {
        self.sliding_window > 0 && layer % self.swa_pattern < self.swa_pattern - 1
    }

    /// The factor the token embedding is multiplied by (Gemma: √dim).
    pub fn embed_scale(&self) -> Option<f32> {
        (self.arch == Arch::Gemma3).then(|| (self.dim as f32).sqrt())
    }
}

/// One transformer block's weights.
#[derive(Debug)]
pub struct Layer {
    pub(crate) attn_norm: Vec<f32>,
    pub(crate) wq: Matrix,
    pub(crate) wk: Matrix,
    pub(crate) wv: Matrix,
    pub(crate) wo: Matrix,
    pub(crate) ffn_norm: Vec<f32>,
    pub(crate) w_gate: Matrix,
    pub(crate) w_up: Matrix,
    pub(crate) w_down: Matrix,
    /// Gemma: RMSNorm weights of each query and key head, and of the attention and feed-forward
    /// outputs.
    pub(crate) q_norm: Option<Vec<f32>>,
    pub(crate) k_norm: Option<Vec<f32>>,
    pub(crate) post_attn_norm: Option<Vec<f32>>,
    pub(crate) post_ffn_norm: Option<Vec<f32>>,
}

/// A loaded model: configuration, weights in the engine layout, and RoPE tables.
#[derive(Debug)]
pub struct Model {
    /// Hyper-parameters.
    pub config: Config,
    pub(crate) embed: Matrix,
    pub(crate) layers: Vec<Layer>,
    pub(crate) out_norm: Vec<f32>,
    pub(crate) output: Option<Matrix>,
    /// `cos`/`sin` per (position, pair), computed once in f64 with a pure-Rust libm.
    pub(crate) rope_cos: Vec<f32>,
    pub(crate) rope_sin: Vec<f32>,
    /// The sliding-window layers' tables, where their base differs.
    pub(crate) rope_swa: Option<(Vec<f32>, Vec<f32>)>,
}

/// Which positions' logits a forward pass returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logits {
    /// Only the last position.
    Last,
    /// Every position of the batch.
    All,
    /// Positions `n..` of the batch (a verifier needs only the output's positions).
    From(usize),
}

impl Logits {
    /// The first returned position of a batch of `t` tokens (`t > 0`).
    pub fn first(self, t: usize) -> Result<usize, LlmError> {
        match self {
            Logits::Last => Ok(t - 1),
            Logits::All => Ok(0),
            Logits::From(f) if f < t => Ok(f),
            Logits::From(f) => Err(LlmError::BadConfig(format!(
                "logits from position {f} of a {t}-token batch"
            ))),
        }
    }
}

/// The key/value cache of one sequence.
#[derive(Clone, Debug, Default)]
pub struct KvCache {
    k: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    /// The keys again, transposed in blocks of positions for the grouped attention kernel.
    kt: Vec<Vec<f32>>,
    len: usize,
}

impl KvCache {
    /// Positions held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Drops positions from `len` on (to rewind a sequence).
    pub fn truncate(&mut self, len: usize, kv_dim: usize) {
        if len < self.len {
            for l in self.k.iter_mut().chain(self.v.iter_mut()) {
                l.truncate(len * kv_dim);
            }
            for l in self.kt.iter_mut() {
                l.truncate(len.div_ceil(attn_group::BLOCK) * kv_dim * attn_group::BLOCK);
            }
            self.len = len;
        }
    }
}

fn vector(g: &Gguf, name: &str, len: usize) -> Result<Vec<f32>, LlmError> {
    let t = g.tensor(name)?;
    if t.dims != [len as u64] {
        return Err(shape_error(t, &[len]));
    }
    let m = Matrix::from_gguf(
        &TensorInfo {
            dims: vec![len as u64, 1],
            ..t.clone()
        },
        g.tensor_data(t),
    )?;
    let mut out = vec![0f32; len];
    m.dequant_row(0, &mut out);
    Ok(out)
}

fn matrix(g: &Gguf, name: &str, cols: usize, rows: usize) -> Result<Matrix, LlmError> {
    let t = g.tensor(name)?;
    if t.dims != [cols as u64, rows as u64] {
        return Err(shape_error(t, &[cols, rows]));
    }
    Ok(Matrix::from_gguf(t, g.tensor_data(t))?)
}

fn shape_error(t: &TensorInfo, want: &[usize]) -> LlmError {
    LlmError::BadConfig(format!(
        "tensor {} has shape {:?}, the configuration needs {:?}",
        t.name, t.dims, want
    ))
}

impl Model {
    /// Weight bytes one decoded token reads: every layer's matrices and the output matrix (the
    /// embedding matrix when the output is tied to it; a lookup reads one row only).
    pub fn decode_bytes(&self) -> usize {
        let layers: usize = self
            .layers
            .iter()
            .flat_map(|l| [&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down])
            .map(Matrix::bytes)
            .sum();
        layers + self.output.as_ref().unwrap_or(&self.embed).bytes()
    }

    /// Loads a model from a GGUF file; `progress(done, total)` is called after each tensor.
    pub fn load(
        path: impl AsRef<Path>,
        progress: impl FnMut(usize, usize),
    ) -> Result<Self, LlmError> {
        let g = Gguf::open(path)?;
        Self::from_gguf(&g, progress)
    }

    /// Builds a model from an opened GGUF file.
    pub fn from_gguf(g: &Gguf, mut progress: impl FnMut(usize, usize)) -> Result<Self, LlmError> {
        let c = Config::from_gguf(g)?;
        let has_output = g.tensor("output.weight").is_ok();
        let total = 2 + 9 * c.n_layer + usize::from(has_output);
        let mut done = 0;
        let mut step = |p: &mut dyn FnMut(usize, usize)| {
            done += 1;
            p(done, total);
        };
        let embed = matrix(g, "token_embd.weight", c.dim, c.vocab)?;
        step(&mut progress);
        let mut layers = Vec::with_capacity(c.n_layer);
        for i in 0..c.n_layer {
            let n = |s: &str| format!("blk.{i}.{s}.weight");
            let kv = c.kv_dim();
            let gemma = |s: &str, len: usize| {
                (c.arch == Arch::Gemma3)
                    .then(|| vector(g, &n(s), len))
                    .transpose()
            };
            layers.push(Layer {
                q_norm: gemma("attn_q_norm", c.head_dim)?,
                k_norm: gemma("attn_k_norm", c.head_dim)?,
                post_attn_norm: gemma("post_attention_norm", c.dim)?,
                post_ffn_norm: gemma("post_ffw_norm", c.dim)?,
                attn_norm: vector(g, &n("attn_norm"), c.dim)?,
                wq: matrix(g, &n("attn_q"), c.dim, c.q_dim())?,
                wk: matrix(g, &n("attn_k"), c.dim, kv)?,
                wv: matrix(g, &n("attn_v"), c.dim, kv)?,
                wo: matrix(g, &n("attn_output"), c.q_dim(), c.dim)?,
                ffn_norm: vector(g, &n("ffn_norm"), c.dim)?,
                w_gate: matrix(g, &n("ffn_gate"), c.dim, c.ffn_dim)?,
                w_up: matrix(g, &n("ffn_up"), c.dim, c.ffn_dim)?,
                w_down: matrix(g, &n("ffn_down"), c.ffn_dim, c.dim)?,
            });
            for _ in 0..9 {
                step(&mut progress);
            }
        }
        let out_norm = vector(g, "output_norm.weight", c.dim)?;
        step(&mut progress);
        let output = if has_output {
            let m = matrix(g, "output.weight", c.dim, c.vocab)?;
            step(&mut progress);
            Some(m)
        } else {
            None
        };
        let (rope_cos, rope_sin) = rope_tables(&c, c.rope_base);
        let rope_swa = (c.sliding_window > 0 && c.rope_base_swa != c.rope_base)
            .then(|| rope_tables(&c, c.rope_base_swa));
        Ok(Model {
            config: c,
            embed,
            layers,
            out_norm,
            output,
            rope_cos,
            rope_sin,
            rope_swa,
        })
    }

    /// Checks a batch of `tokens` to run after `p0` cached positions within a context of `limit`;
    /// returns the first position whose logits are asked for.
    pub(crate) fn check_batch(
        &self,
        tokens: &[u32],
        which: Logits,
        p0: usize,
        limit: usize,
    ) -> Result<usize, LlmError> {
        let t = tokens.len();
        if t == 0 {
            return Err(LlmError::EmptyInput);
        }
        let first = which.first(t)?;
        if p0 + t > limit {
            return Err(LlmError::ContextOverflow {
                needed: p0 + t,
                max: limit,
            });
        }
        let vocab = self.config.vocab;
        if let Some(&token) = tokens.iter().find(|&&tok| tok as usize >= vocab) {
            return Err(LlmError::BadToken { token, vocab });
        }
        Ok(first)
    }

    /// Runs `tokens` at positions `cache.len()..`, appending to the cache; returns the logits
    /// (`vocab` floats per returned position).
    pub fn forward(
        &self,
        ctx: &Ctx,
        cache: &mut KvCache,
        tokens: &[u32],
        which: Logits,
        max_context: usize,
    ) -> Result<Vec<f32>, LlmError> {
        let c = &self.config;
        let t = tokens.len();
        let p0 = cache.len;
        let first = self.check_batch(tokens, which, p0, max_context.min(c.context_length))?;
        let n = t - first;
        if cache.k.len() != c.n_layer {
            cache.k = vec![Vec::new(); c.n_layer];
            cache.v = vec![Vec::new(); c.n_layer];
            cache.kt = vec![Vec::new(); c.n_layer];
        }
        let (dim, qd, kv, hd) = (c.dim, c.q_dim(), c.kv_dim(), c.head_dim);

        let mut x = vec![0f32; t * dim];
        for (i, &tok) in tokens.iter().enumerate() {
            let row = &mut x[i * dim..(i + 1) * dim];
            self.embed.dequant_row(tok as usize, row);
            if let Some(scale) = c.embed_scale() {
                row.iter_mut().for_each(|v| *v *= scale);
            }
        }
        let mut xn = vec![0f32; t * dim];
        let mut q = vec![0f32; t * qd];
        let mut k = vec![0f32; t * kv];
        let mut v = vec![0f32; t * kv];
        let mut att = vec![0f32; t * qd];
        let mut o = vec![0f32; t * dim];
        let mut gate = vec![0f32; t * c.ffn_dim];
        let mut up = vec![0f32; t * c.ffn_dim];

        // `o` holds a residual branch not yet added to `x` (added together with the next norm).
        let mut pending = false;
        for (li, layer) in self.layers.iter().enumerate() {
            add_norm(
                ctx,
                &mut x,
                pending.then_some(&o[..]),
                &layer.attn_norm,
                c.eps,
                &mut xn,
            );
            let input = ctx.input(
                &xn,
                t,
                dim,
                layer.wq.wants_qacts() || layer.wk.wants_qacts() || layer.wv.wants_qacts(),
            );
            ctx.matmul_input(&layer.wq, &input, &mut q);
            ctx.matmul_input(&layer.wk, &input, &mut k);
            ctx.matmul_input(&layer.wv, &input, &mut v);
            drop(input);
            let swa = c.is_swa(li);
            ctx.for_each_chunk2(&mut q, ROWS * qd, &mut k, ROWS * kv, |ci, qc, kc| {
                for (j, (qr, kr)) in qc
                    .chunks_exact_mut(qd)
                    .zip(kc.chunks_exact_mut(kv))
                    .enumerate()
                {
                    let pos = p0 + ci * ROWS + j;
                    for qh in qr.chunks_exact_mut(hd) {
                        if let Some(w) = &layer.q_norm {
                            rms_norm_in_place(qh, w, c.eps);
                        }
                        self.rope(qh, pos, swa);
                    }
                    for kh in kr.chunks_exact_mut(hd) {
                        if let Some(w) = &layer.k_norm {
                            rms_norm_in_place(kh, w, c.eps);
                        }
                        self.rope(kh, pos, swa);
                    }
                }
            });
            cache.k[li].extend_from_slice(&k);
            cache.v[li].extend_from_slice(&v);
            attn_group::append_keys(&mut cache.kt[li], &k, p0, c.n_head_kv, hd);
            let keys = KeysT {
                kt: &cache.kt[li],
                n_kv: c.n_head_kv,
                head_dim: hd,
            };
            // The last layer's outputs matter only from the first returned position on (its keys
            // and values above are cached for every position).
            let lo = if li + 1 == self.layers.len() {
                first
            } else {
                0
            };
            let (tl, fd) = (t - lo, c.ffn_dim);
            let (q, att, o) = (&q[lo * qd..], &mut att[lo * qd..], &mut o[lo * dim..]);
            let (x, xn) = (&mut x[lo * dim..], &mut xn[lo * dim..]);
            let (gate, up) = (&mut gate[lo * fd..], &mut up[lo * fd..]);
            let window = swa.then_some(c.sliding_window);
            self.attention(
                ctx,
                q,
                keys,
                &cache.k[li],
                &cache.v[li],
                p0 + lo,
                window,
                att,
            );
            ctx.matmul(&layer.wo, att, tl, o);
            if let Some(w) = &layer.post_attn_norm {
                norm_rows(ctx, o, w, c.eps);
            }
            add_norm(ctx, x, Some(o), &layer.ffn_norm, c.eps, xn);
            let input = ctx.input(
                xn,
                tl,
                dim,
                layer.w_gate.wants_qacts() || layer.w_up.wants_qacts(),
            );
            ctx.matmul_input(&layer.w_gate, &input, gate);
            ctx.matmul_input(&layer.w_up, &input, up);
            drop(input);
            let (isa, arch) = (ctx.isa(), c.arch);
            ctx.for_each_chunk(gate, SILU_CHUNK, |i, g| {
                let u = &up[i * SILU_CHUNK..i * SILU_CHUNK + g.len()];
                match arch {
                    Arch::Llama => vmath::silu_mul(isa, g, u),
                    Arch::Gemma3 => vmath::gelu_mul(g, u),
                }
            });
            ctx.matmul(&layer.w_down, gate, tl, o);
            if let Some(w) = &layer.post_ffn_norm {
                norm_rows(ctx, o, w, c.eps);
            }
            pending = true;
        }
        if pending {
            for (xi, oi) in x[first * dim..].iter_mut().zip(&o[first * dim..]) {
                *xi += *oi;
            }
        }
        cache.len = p0 + t;

        let mut xf = vec![0f32; n * dim];
        rms_norm(&x[first * dim..], &self.out_norm, c.eps, &mut xf);
        let mut logits = vec![0f32; n * c.vocab];
        ctx.matmul(
            self.output.as_ref().unwrap_or(&self.embed),
            &xf,
            n,
            &mut logits,
        );
        Ok(logits)
    }

    /// Rotates one head at `pos`: pairs of adjacent elements (llama) or of the two halves (Gemma),
    /// with the sliding-window tables where `swa` and they differ.
    fn rope(&self, v: &mut [f32], pos: usize, swa: bool) {
        let half = self.config.head_dim / 2;
        let (cos, sin) = match (&self.rope_swa, swa) {
            (Some((c, s)), true) => (c, s),
            _ => (&self.rope_cos, &self.rope_sin),
        };
        let cos = &cos[pos * half..(pos + 1) * half];
        let sin = &sin[pos * half..(pos + 1) * half];
        let (a, b) = match self.config.arch {
            Arch::Llama => (2, 1),
            Arch::Gemma3 => (1, half),
        };
        for i in 0..half {
            let (i0, i1) = (a * i, a * i + b);
            let (x0, x1) = (v[i0], v[i1]);
            v[i0] = x0 * cos[i] - x1 * sin[i];
            v[i1] = x0 * sin[i] + x1 * cos[i];
        }
    }

    /// Causal grouped-query attention for `t` queries at positions `p0..p0+t`; with a `window`,
    /// a query at `p` sees positions `p + 1 − window ..= p` only.
    #[allow(clippy::too_many_arguments)]
    fn attention(
        &self,
        ctx: &Ctx,
        q: &[f32],
        keys: KeysT<'_>,
        kc: &[f32],
        vc: &[f32],
        p0: usize,
        window: Option<usize>,
        out: &mut [f32],
    ) {
        let c = &self.config;
        let (qd, kv, hd) = (c.q_dim(), c.kv_dim(), c.head_dim);
        let group = c.n_head / c.n_head_kv;
        let scale = 1.0 / (hd as f32).sqrt();
        let isa = ctx.isa();
        if window.is_none() && attn_group::available(isa, hd, group) {
            // Task = one query's heads of one KV head: contiguous in `out` and in `q`.
            ctx.for_each_chunk(out, group * hd, |idx, o| {
                let (i, g) = (idx / c.n_head_kv, idx % c.n_head_kv);
                let at = i * qd + g * group * hd;
                let values = HeadCache {
                    k: kc,
                    v: vc,
                    stride: kv,
                    offset: g * hd,
                };
                attn_group::group(
                    &q[at..at + group * hd],
                    keys,
                    values,
                    g,
                    p0 + i + 1,
                    scale,
                    o,
                );
            });
            return;
        }
        ctx.for_each_chunk(out, hd, |idx, o| {
            let (i, h) = (idx / c.n_head, idx % c.n_head);
            let qh = &q[i * qd + h * hd..i * qd + (h + 1) * hd];
            // Positions `from..=p`, in order: the cache seen from position `from`.
            let p = p0 + i;
            let from = window.map_or(0, |w| (p + 1).saturating_sub(w));
            let cache = HeadCache {
                k: &kc[from * kv..],
                v: &vc[from * kv..],
                stride: kv,
                offset: (h / group) * hd,
            };
            attn::head(isa, qh, cache, p + 1 - from, scale, o);
        });
    }
}

/// Canonical RMSNorm of each `dim`-sized row: `y = (x * (1 / sqrt(Σx²/n + eps))) * w`.
/// Token rows per parallel task of the elementwise steps (norms, residuals, RoPE).
const ROWS: usize = 16;

/// `x += add` (when given), then `out = rms_norm(x)`, rows spread over the workers.
fn add_norm(ctx: &Ctx, x: &mut [f32], add: Option<&[f32]>, w: &[f32], eps: f32, out: &mut [f32]) {
    let dim = w.len();
    ctx.for_each_chunk2(x, ROWS * dim, out, ROWS * dim, |ci, xc, oc| {
        if let Some(add) = add {
            let a = &add[ci * ROWS * dim..ci * ROWS * dim + xc.len()];
            for (xi, ai) in xc.iter_mut().zip(a) {
                *xi += *ai;
            }
        }
        rms_norm(xc, w, eps, oc);
    });
}

/// [`rms_norm`] of each row of `x` in place, rows spread over the workers.
fn norm_rows(ctx: &Ctx, x: &mut [f32], w: &[f32], eps: f32) {
    let dim = w.len();
    ctx.for_each_chunk(x, ROWS * dim, |_, xc| {
        for row in xc.chunks_exact_mut(dim) {
            rms_norm_in_place(row, w, eps);
        }
    });
}

/// [`rms_norm`] of one row in place (the same operations).
fn rms_norm_in_place(x: &mut [f32], w: &[f32], eps: f32) {
    let inv = rms_inv(x, eps);
    for (xi, &wi) in x.iter_mut().zip(w) {
        *xi = (*xi * inv) * wi;
    }
}

/// `1 / sqrt(Σx²/n + eps)` of one row, the factor every RMSNorm here applies.
fn rms_inv(x: &[f32], eps: f32) -> f32 {
    1.0 / (math::dot(x, x) / x.len() as f32 + eps).sqrt()
}

fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut [f32]) {
    let dim = w.len();
    for (xr, yr) in x.chunks_exact(dim).zip(out.chunks_exact_mut(dim)) {
        let inv = rms_inv(xr, eps);
        for ((y, &xi), &wi) in yr.iter_mut().zip(xr).zip(w) {
            *y = (xi * inv) * wi;
        }
    }
}

fn rope_tables(c: &Config, base: f64) -> (Vec<f32>, Vec<f32>) {
    let half = c.head_dim / 2;
    let inv_freq: Vec<f64> = (0..half)
        .map(|i| libm::pow(base, -((2 * i) as f64) / c.head_dim as f64))
        .collect();
    let n = c.context_length * half;
    let mut cos = Vec::with_capacity(n);
    let mut sin = Vec::with_capacity(n);
    for pos in 0..c.context_length {
        for &f in &inv_freq {
            let a = pos as f64 * f;
            cos.push(libm::cos(a) as f32);
            sin.push(libm::sin(a) as f32);
        }
    }
    (cos, sin)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::gguf::writer::{write, TensorOut};
    use crate::gguf::Value;

    /// A tiny llama GGUF (2 layers, dim 64, 2 heads, 1 KV head, ffn 96, vocab 40) with
    /// deterministic F32 weights; `skip` leaves one tensor out, `bad` gives one a wrong shape.
    fn tiny(skip: Option<&str>, bad: Option<&str>) -> tempfile::NamedTempFile {
        tiny_with(skip, bad, None)
    }

    /// [`tiny`], with heads of `head_dim` values (`attention.key_length`) instead of `dim / 2`.
    fn tiny_with(
        skip: Option<&str>,
        bad: Option<&str>,
        head_dim: Option<u64>,
    ) -> tempfile::NamedTempFile {
        let (dim, ffn, vocab) = (64u64, 96u64, 40u64);
        let kv = head_dim.unwrap_or(dim / 2);
        let qd = 2 * kv;
        let mut meta = vec![
            ("general.architecture", Value::String("llama".into())),
            ("llama.block_count", Value::U32(2)),
            ("llama.embedding_length", Value::U32(dim as u32)),
            ("llama.feed_forward_length", Value::U32(ffn as u32)),
            ("llama.attention.head_count", Value::U32(2)),
            ("llama.attention.head_count_kv", Value::U32(1)),
            ("llama.context_length", Value::U32(64)),
            ("llama.attention.layer_norm_rms_epsilon", Value::F32(1e-5)),
            ("llama.vocab_size", Value::U32(vocab as u32)),
        ];
        if let Some(h) = head_dim {
            meta.push(("llama.attention.key_length", Value::U32(h as u32)));
            meta.push(("llama.attention.value_length", Value::U32(h as u32)));
        }
        let mut shapes: Vec<(String, Vec<u64>)> = vec![
            ("token_embd.weight".into(), vec![dim, vocab]),
            ("output_norm.weight".into(), vec![dim]),
        ];
        for l in 0..2 {
            for (n, s) in [
                ("attn_norm", vec![dim]),
                ("attn_q", vec![dim, qd]),
                ("attn_k", vec![dim, kv]),
                ("attn_v", vec![dim, kv]),
                ("attn_output", vec![qd, dim]),
                ("ffn_norm", vec![dim]),
                ("ffn_gate", vec![dim, ffn]),
                ("ffn_up", vec![dim, ffn]),
                ("ffn_down", vec![ffn, dim]),
            ] {
                shapes.push((format!("blk.{l}.{n}.weight"), s));
            }
        }
        let data: Vec<(String, Vec<u64>, Vec<u8>)> = shapes
            .into_iter()
            .filter(|(n, _)| Some(n.as_str()) != skip)
            .map(|(n, mut s)| {
                if Some(n.as_str()) == bad {
                    s[0] += 32;
                }
                let len: u64 = s.iter().product();
                let bytes = (0..len)
                    .flat_map(|i| (((i * 7919 % 1000) as f32 - 500.0) / 5000.0).to_le_bytes())
                    .collect();
                (n, s, bytes)
            })
            .collect();
        let tensors: Vec<TensorOut<'_>> = data
            .iter()
            .map(|(n, s, b)| TensorOut {
                name: n,
                dims: s,
                ty: crate::gguf::TensorType::F32,
                data: b,
            })
            .collect();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&write(&meta, &tensors)).unwrap();
        f
    }

    /// Prefill with the scalar kernels equals decode with the detected ones, two threads.
    fn assert_canonical(m: &Model) -> Vec<f32> {
        let toks = [1u32, 5, 9, 3, 39];
        let ctx1 = Ctx::new(crate::kernels::Isa::Scalar, 1).unwrap();
        let ctx2 = Ctx::new(crate::kernels::Isa::detect(), 2).unwrap();
        let mut c = KvCache::default();
        let all = m.forward(&ctx1, &mut c, &toks, Logits::All, 64).unwrap();
        let mut c = KvCache::default();
        let mut stepped = Vec::new();
        for t in toks {
            stepped.extend(m.forward(&ctx2, &mut c, &[t], Logits::Last, 64).unwrap());
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&all), bits(&stepped));
        assert!(all.iter().all(|x| x.is_finite()));
        all
    }

    #[test]
    fn heads_wider_than_dim_over_heads_run_canonically() {
        let f = tiny_with(None, None, Some(48));
        let m = Model::load(f.path(), |_, _| {}).unwrap();
        let c = &m.config;
        assert_eq!((c.head_dim, c.q_dim(), c.kv_dim(), c.dim), (48, 96, 48, 64));
        let wide = assert_canonical(&m);
        let narrow = assert_canonical(&Model::load(tiny(None, None).path(), |_, _| {}).unwrap());
        assert_ne!(wide, narrow);
    }

    #[test]
    fn a_tiny_f32_model_runs_canonically() {
        let f = tiny(None, None);
        let m = Model::load(f.path(), |_, _| {}).unwrap();
        assert_eq!(
            (m.config.n_layer, m.config.head_dim, m.config.kv_dim()),
            (2, 32, 32)
        );
        assert_canonical(&m);
        let ctx1 = Ctx::new(crate::kernels::Isa::Scalar, 1).unwrap();
        // Tokens beyond the vocabulary and positions beyond the context are clear errors.
        let mut c = KvCache::default();
        assert!(matches!(
            m.forward(&ctx1, &mut c, &[40], Logits::Last, 64),
            Err(LlmError::BadToken { .. })
        ));
        let long = vec![1u32; 65];
        assert!(matches!(
            m.forward(&ctx1, &mut KvCache::default(), &long, Logits::Last, 64),
            Err(LlmError::ContextOverflow {
                needed: 65,
                max: 64
            })
        ));
    }

    #[test]
    fn missing_and_misshapen_tensors_are_named() {
        let f = tiny(Some("blk.1.ffn_up.weight"), None);
        let e = Model::load(f.path(), |_, _| {}).unwrap_err();
        assert_eq!(e.to_string(), "missing tensor blk.1.ffn_up.weight");
        let f = tiny(None, Some("blk.0.attn_k.weight"));
        let e = Model::load(f.path(), |_, _| {}).unwrap_err();
        assert!(
            e.to_string()
                .contains("tensor blk.0.attn_k.weight has shape [96, 32]"),
            "{e}"
        );
    }
}
