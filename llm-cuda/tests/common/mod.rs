//! Shared helpers of the model tests: they drive the real development model, fetched by
//! `ci/fetch-model.sh` (the tests fail with that hint when it is missing).

#![allow(dead_code)]

use ambient_llm::{Engine, EngineOptions, Isa};

/// Loads the development model with the given kernels and threads.
pub fn engine(isa: Isa, threads: usize) -> Engine {
    let path = ambient_llm::default_model_path();
    assert!(
        path.exists(),
        "model {} not found: run `bash ci/fetch-model.sh` (or set AMBIENT_MODEL)",
        path.display()
    );
    let opts = EngineOptions {
        threads,
        isa,
        max_context: None,
        ..Default::default()
    };
    Engine::load(&path, &opts, |_| {}).expect("load the development model")
}

/// The raw bits of a logits vector, for exact comparison.
pub fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Kernel sets this CPU can run.
pub fn isas() -> Vec<Isa> {
    [Isa::Scalar, Isa::Avx2, Isa::Vnni, Isa::Amx]
        .into_iter()
        .filter(|i| i.is_supported())
        .collect()
}

pub mod matrices;

/// The chat prompt for `text` followed by the engine's greedy continuation of up to `max_tokens`;
/// and where the continuation starts.
pub fn prompt_and_continuation(
    engine: &Engine,
    text: &str,
    max_tokens: usize,
) -> (Vec<u32>, usize) {
    use ambient_llm::{GenerateOptions, Message, SamplingParams};
    let mut toks = engine.chat_prompt(&[Message::new("user", text)]).unwrap();
    let split = toks.len();
    let opts = GenerateOptions {
        max_tokens,
        sampling: SamplingParams::greedy(),
        stop_at_eos: true,
    };
    let g = engine
        .generate(&toks, &opts, |_| std::ops::ControlFlow::Continue(()))
        .unwrap();
    toks.extend(&g.tokens);
    (toks, split)
}
