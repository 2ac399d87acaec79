//! The engine's error type.

use crate::gguf::GgufError;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The model file is unreadable or malformed.
    #[error(transparent)]
    Gguf(#[from] GgufError),
    /// The file holds a model architecture the engine does not implement.
    #[error("unsupported model architecture {0:?} (supported: llama, gemma3)")]
    UnsupportedArchitecture(String),
    /// Hyper-parameters or tensor shapes that do not fit together.
    #[error("inconsistent model: {0}")]
    BadConfig(String),
    /// The sequence would exceed the context window.
    #[error("context length exceeded: {needed} positions needed, the limit is {max}")]
    ContextOverflow {
        /// Positions the request needs.
        needed: usize,
        /// The limit.
        max: usize,
    },
    /// A token id outside the vocabulary.
    #[error("token id {token} is outside the vocabulary (size {vocab})")]
    BadToken {
        /// The token.
        token: u32,
        /// Vocabulary size.
        vocab: usize,
    },
    /// A forward pass over zero tokens.
    #[error("no input tokens")]
    EmptyInput,
    /// The tokenizer could not be built or failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The chat template could not be rendered.
    #[error("chat template: {0}")]
    Template(String),
    /// Invalid sampling parameters.
    #[error("invalid sampling parameters: {0}")]
    Sampling(String),
    /// The compute backend could not be set up.
    #[error("backend: {0}")]
    Backend(String),
}
