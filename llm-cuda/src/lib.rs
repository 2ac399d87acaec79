//! `ambient-llm`: a canonical inference engine for llama-architecture GGUF models.
//!
//! *Canonical* means the logits are defined by the algorithm, not by the hardware: the same f32 bits
//! for every kernel set (scalar, AVX2), every thread count, and for prefill and decode alike. That is
//! what lets Ambient's Proof of Logits hash logits and have any verifier recompute them. The rules
//! are in `ARCHITECTURE.md` ("Determinism rules"); [`math`] and [`kernels::scalar`] define the order
//! of every floating-point reduction.
//!
//! ```no_run
//! use ambient_llm::{Engine, EngineOptions, GenerateOptions, Message, SamplingParams};
//! let engine = Engine::load("model.gguf", &EngineOptions::default(), |_| {}).unwrap();
//! let prompt = engine.chat_prompt(&[Message::new("user", "Hi!")]).unwrap();
//! let opts = GenerateOptions { max_tokens: 32, sampling: SamplingParams::greedy(), stop_at_eos: true };
//! engine.generate(&prompt, &opts, |step| {
//!     println!("token {} at {} ({} logits)", step.token, step.index, step.logits.len());
//!     std::ops::ControlFlow::Continue(())
//! }).unwrap();
//! ```

pub mod blocks;
pub mod chat;
pub mod cuda;
pub mod engine;
mod eog;
pub mod error;
pub mod gguf;
pub mod kernels;
pub mod math;
pub mod model;
pub mod quant;
pub mod sampler;
pub mod tokenizer;

pub use chat::{ChatTemplate, Message};
pub use engine::{
    Backend, Engine, EngineOptions, Finish, GenerateOptions, Generation, LoadProgress, ModelId,
    Session, Step, KERNEL_VERSION,
};
pub use error::LlmError;
pub use kernels::Isa;
pub use sampler::SamplingParams;
pub use tokenizer::Tokenizer;

/// Where tests and tools look for the development model: `$AMBIENT_MODEL`, else
/// `$AMBIENT_MODEL_DIR/SmolLM2-135M-Instruct.Q4_1.gguf`, else `~/.cache/ambient/models/…`.
pub fn default_model_path() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("AMBIENT_MODEL") {
        return p.into();
    }
    let dir = std::env::var_os("AMBIENT_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            std::path::PathBuf::from(home).join(".cache/ambient/models")
        });
    dir.join("SmolLM2-135M-Instruct.Q4_1.gguf")
}
