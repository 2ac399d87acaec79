//! The public API: load a model, open sessions, prefill, decode and stream generations with the
//! logits of every generated token.

use std::ops::ControlFlow;
use std::path::Path;

use crate::chat::{ChatTemplate, Message};
use crate::error::LlmError;
use crate::gguf::Gguf;
use crate::kernels::{Ctx, Isa};
use crate::model::{Arch, KvCache, Logits, Model};
use crate::sampler::{self, SamplingParams};
use crate::tokenizer::Tokenizer;

/// Version tag of the canonical kernels. It enters the model id: any change to an operation that can
/// change a logit bit must bump it.
pub const KERNEL_VERSION: &str = "ambient-llm/kernels/v1";

/// A model id: blake3 over the canonical tensor data, the hyper-parameters and [`KERNEL_VERSION`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub [u8; 32]);

impl std::fmt::Debug for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ModelId({self})")
    }
}

impl std::fmt::Display for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl ModelId {
    /// Computes the id of a GGUF model: every tensor in name order (name, type, dimensions, data
    /// bytes), the compute-relevant configuration, and the kernel version, each length-prefixed.
    pub fn compute(g: &Gguf, model: &Model) -> Self {
        let mut h = blake3::Hasher::new();
        let mut put = |b: &[u8]| {
            h.update(&(b.len() as u64).to_le_bytes());
            h.update(b);
        };
        put(b"ambient-model-id/v1");
        put(KERNEL_VERSION.as_bytes());
        let c = &model.config;
        let mut config = format!(
            "{} n_layer={} dim={} ffn={} heads={} kv_heads={} vocab={} ctx={} eps={:08x} rope_base={:016x}",
            c.arch.name(),
            c.n_layer,
            c.dim,
            c.ffn_dim,
            c.n_head,
            c.n_head_kv,
            c.vocab,
            c.context_length,
            c.eps.to_bits(),
            c.rope_base.to_bits()
        );
        if c.arch != Arch::Llama {
            config += &format!(
                " head_dim={} window={} pattern={} rope_base_swa={:016x}",
                c.head_dim,
                c.sliding_window,
                c.swa_pattern,
                c.rope_base_swa.to_bits()
            );
        }
        put(config.as_bytes());
        let mut tensors: Vec<_> = g.tensors.iter().collect();
        tensors.sort_by(|a, b| a.name.cmp(&b.name));
        for t in tensors {
            put(t.name.as_bytes());
            put(&t.ty.ggml_id().to_le_bytes());
            let dims: Vec<u8> = t.dims.iter().flat_map(|d| d.to_le_bytes()).collect();
            put(&dims);
            put(g.tensor_data(t));
        }
        ModelId(*h.finalize().as_bytes())
    }
}

/// Where the forward pass runs. Both give the same logits, bit for bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// The CPU kernels ([`Isa`] picks the instruction set).
    #[default]
    Cpu,
    /// The first CUDA GPU (a build with the `cuda` feature, a CUDA driver and a device).
    Cuda,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Cpu => "cpu",
            Backend::Cuda => "cuda",
        })
    }
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cpu" => Ok(Backend::Cpu),
            "cuda" => Ok(Backend::Cuda),
            _ => Err(format!("unknown backend {s:?} (expected cpu or cuda)")),
        }
    }
}

/// How to run the engine.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Worker threads (results are identical for every count).
    pub threads: usize,
    /// Kernel set (results are identical for every set).
    pub isa: Isa,
    /// Context window cap (defaults to the model's trained length).
    pub max_context: Option<usize>,
    /// CPU or CUDA.
    pub backend: Backend,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            isa: Isa::detect(),
            max_context: None,
            backend: Backend::Cpu,
        }
    }
}

/// A loaded model with its tokenizer, chat template and compute context.
pub struct Engine {
    model: Model,
    tokenizer: Tokenizer,
    template: Option<ChatTemplate>,
    ctx: Ctx,
    id: ModelId,
    max_context: usize,
    #[cfg(feature = "cuda")]
    gpu: Option<crate::cuda::device::CudaModel>,
}

/// A sequence's key/value cache on the engine's backend.
enum SeqCache {
    Cpu(KvCache),
    /// Allocated on the device at the first forward pass.
    #[cfg(feature = "cuda")]
    Cuda(Option<Box<crate::cuda::device::DevCache>>),
}

impl SeqCache {
    fn len(&self) -> usize {
        match self {
            SeqCache::Cpu(c) => c.len(),
            #[cfg(feature = "cuda")]
            SeqCache::Cuda(c) => c.as_ref().map_or(0, |c| c.len()),
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("id", &self.id)
            .field("config", &self.model.config)
            .field("ctx", &self.ctx)
            .finish()
    }
}

/// What [`Engine::load`] reports while it works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadProgress {
    /// Tensors converted so far, of the total.
    Tensors(usize, usize),
    /// Hashing the weights for the model id.
    Hashing,
}

impl Engine {
    /// Loads a GGUF model.
    pub fn load(
        path: impl AsRef<Path>,
        opts: &EngineOptions,
        mut progress: impl FnMut(LoadProgress),
    ) -> Result<Self, LlmError> {
        let g = Gguf::open(path)?;
        let model = Model::from_gguf(&g, |d, t| progress(LoadProgress::Tensors(d, t)))?;
        let tokenizer = Tokenizer::from_gguf(&g)?;
        if tokenizer.vocab_size() != model.config.vocab {
            return Err(LlmError::BadConfig(format!(
                "tokenizer has {} tokens, the model {}",
                tokenizer.vocab_size(),
                model.config.vocab
            )));
        }
        let text = |id: Option<u32>| id.and_then(|i| tokenizer.token_text(i)).unwrap_or_default();
        let (bos, eos) = (text(tokenizer.bos), text(Some(tokenizer.eos)));
        let template = match ChatTemplate::from_gguf(&g, &bos, &eos) {
            // Gemma 3 files carry no template: Gemma's own turn format.
            Err(LlmError::Template(_)) if model.config.arch == Arch::Gemma3 => {
                ChatTemplate::new(crate::chat::GEMMA_TEMPLATE, &bos, &eos)
            }
            other => other,
        };
        let template = match template {
            Ok(t) => Some(t),
            Err(LlmError::Template(msg)) => {
                log::warn!("no usable chat template: {msg}");
                None
            }
            Err(e) => return Err(e),
        };
        progress(LoadProgress::Hashing);
        let id = ModelId::compute(&g, &model);
        let ctx = Ctx::new(opts.isa, opts.threads).map_err(LlmError::Backend)?;
        #[cfg(feature = "cuda")]
        let gpu = match opts.backend {
            Backend::Cpu => None,
            Backend::Cuda => Some(crate::cuda::device::CudaModel::load(&model, 0)?),
        };
        #[cfg(not(feature = "cuda"))]
        if opts.backend == Backend::Cuda {
            return Err(LlmError::Backend(
                "CUDA asked for, but this build has no CUDA backend (build with the `cuda` feature)"
                    .into(),
            ));
        }
        let max_context = opts
            .max_context
            .unwrap_or(model.config.context_length)
            .min(model.config.context_length);
        log::info!(
            "loaded model {id}: {} layers, dim {}, vocab {}, {} threads, {} kernels",
            model.config.n_layer,
            model.config.dim,
            model.config.vocab,
            ctx.threads(),
            ctx.isa()
        );
        Ok(Engine {
            model,
            tokenizer,
            template,
            ctx,
            id,
            max_context,
            #[cfg(feature = "cuda")]
            gpu,
        })
    }

    /// The model id.
    pub fn model_id(&self) -> ModelId {
        self.id
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The compute context.
    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// Switches the kernel set and thread count (the logits stay bit-identical).
    pub fn set_compute(&mut self, isa: Isa, threads: usize) -> Result<(), LlmError> {
        self.ctx = Ctx::new(isa, threads).map_err(LlmError::Backend)?;
        Ok(())
    }

    /// Caps the context window (never above the model's trained length).
    pub fn set_max_context(&mut self, max: usize) {
        self.max_context = max.min(self.model.config.context_length);
    }

    /// The context window.
    pub fn max_context(&self) -> usize {
        self.max_context
    }

    /// Renders a conversation with the model's chat template and tokenizes it, ready to generate
    /// the assistant's answer.
    pub fn chat_prompt(&self, messages: &[Message]) -> Result<Vec<u32>, LlmError> {
        let t = self
            .template
            .as_ref()
            .ok_or_else(|| LlmError::Template("the model has no chat template".into()))?;
        self.tokenizer.encode(&t.render(messages, true)?)
    }

    /// Where the forward pass runs.
    pub fn backend(&self) -> Backend {
        #[cfg(feature = "cuda")]
        if self.gpu.is_some() {
            return Backend::Cuda;
        }
        Backend::Cpu
    }

    fn new_cache(&self) -> SeqCache {
        #[cfg(feature = "cuda")]
        if self.gpu.is_some() {
            return SeqCache::Cuda(None);
        }
        SeqCache::Cpu(KvCache::default())
    }

    /// One forward pass on the engine's backend.
    fn forward(
        &self,
        cache: &mut SeqCache,
        tokens: &[u32],
        which: Logits,
    ) -> Result<Vec<f32>, LlmError> {
        match cache {
            SeqCache::Cpu(c) => self
                .model
                .forward(&self.ctx, c, tokens, which, self.max_context),
            #[cfg(feature = "cuda")]
            SeqCache::Cuda(c) => {
                let gpu = self.gpu.as_ref().ok_or_else(|| {
                    LlmError::Backend("a CUDA sequence on an engine without a GPU".into())
                })?;
                if c.is_none() {
                    *c = Some(Box::new(gpu.new_cache(self.max_context)?));
                }
                let c = c.as_mut().expect("just created");
                gpu.forward(&self.model, c, tokens, which)
            }
        }
    }

    /// A fresh sequence.
    pub fn session(&self) -> Session<'_> {
        Session {
            engine: self,
            cache: self.new_cache(),
        }
    }

    /// Logits at every position of `tokens` from one prefill (what a verifier recomputes).
    pub fn all_logits(&self, tokens: &[u32]) -> Result<Vec<f32>, LlmError> {
        self.forward(&mut self.new_cache(), tokens, Logits::All)
    }

    /// Logits at positions `first..tokens.len()` from one prefill (`vocab` floats each).
    pub fn logits_from(&self, tokens: &[u32], first: usize) -> Result<Vec<f32>, LlmError> {
        self.forward(&mut self.new_cache(), tokens, Logits::From(first))
    }

    /// Generates up to `opts.max_tokens` tokens after `prompt`, calling `on_token` with each token
    /// and the logits it was sampled from. Stops at end-of-sequence (unless disabled) or when
    /// `on_token` breaks.
    pub fn generate(
        &self,
        prompt: &[u32],
        opts: &GenerateOptions,
        mut on_token: impl FnMut(&Step<'_>) -> ControlFlow<()>,
    ) -> Result<Generation, LlmError> {
        opts.sampling.validate()?;
        let mut s = self.session();
        let mut logits = s.prefill(prompt)?;
        let mut tokens = Vec::new();
        let mut finish = Finish::Length;
        for i in 0..opts.max_tokens {
            let token = sampler::sample(&logits, &opts.sampling, i as u64)?;
            tokens.push(token);
            let step = Step {
                index: i,
                token,
                logits: &logits,
            };
            if on_token(&step).is_break() {
                finish = Finish::Stopped;
                break;
            }
            if opts.stop_at_eos && self.tokenizer.is_eog(token) {
                finish = Finish::Eos;
                break;
            }
            if i + 1 == opts.max_tokens {
                break;
            }
            if s.position() >= self.max_context {
                finish = Finish::Context;
                break;
            }
            logits = s.decode(token)?;
        }
        Ok(Generation { tokens, finish })
    }
}

/// Options of [`Engine::generate`].
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// Upper bound on generated tokens.
    pub max_tokens: usize,
    /// Sampler settings.
    pub sampling: SamplingParams,
    /// Stop after a token that ends a generation ([`Tokenizer::is_eog`]: the end-of-sequence
    /// token, an end-of-turn marker, …).
    pub stop_at_eos: bool,
}

/// One generated token, with the logits it was sampled from.
#[derive(Debug)]
pub struct Step<'a> {
    /// Position in the output (0-based).
    pub index: usize,
    /// The token.
    pub token: u32,
    /// The logits at this position.
    pub logits: &'a [f32],
}

/// Why generation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    /// End-of-sequence token.
    Eos,
    /// `max_tokens` reached.
    Length,
    /// The context window is full.
    Context,
    /// The callback stopped it.
    Stopped,
}

/// The result of [`Engine::generate`].
#[derive(Clone, Debug)]
pub struct Generation {
    /// Generated tokens.
    pub tokens: Vec<u32>,
    /// Why it ended.
    pub finish: Finish,
}

/// One sequence being processed.
pub struct Session<'e> {
    engine: &'e Engine,
    cache: SeqCache,
}

impl Session<'_> {
    /// Positions processed so far.
    pub fn position(&self) -> usize {
        self.cache.len()
    }

    /// Runs `tokens` and returns the logits of the last one.
    pub fn prefill(&mut self, tokens: &[u32]) -> Result<Vec<f32>, LlmError> {
        self.engine.forward(&mut self.cache, tokens, Logits::Last)
    }

    /// Runs `tokens` and returns the logits of every one (`vocab` floats each).
    pub fn prefill_all(&mut self, tokens: &[u32]) -> Result<Vec<f32>, LlmError> {
        self.engine.forward(&mut self.cache, tokens, Logits::All)
    }

    /// Runs one token and returns its logits.
    pub fn decode(&mut self, token: u32) -> Result<Vec<f32>, LlmError> {
        self.prefill(&[token])
    }

    /// Forgets positions from `len` on.
    pub fn rewind(&mut self, len: usize) {
        match &mut self.cache {
            SeqCache::Cpu(c) => c.truncate(len, self.engine.model.config.kv_dim()),
            #[cfg(feature = "cuda")]
            SeqCache::Cuda(c) => {
                if let Some(c) = c {
                    c.truncate(len);
                }
            }
        }
    }
}
