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
    engine_at(&path, isa, threads)
}

/// Loads the model at `path` with the given kernels and threads.
pub fn engine_at(path: &std::path::Path, isa: Isa, threads: usize) -> Engine {
    let opts = EngineOptions {
        threads,
        isa,
        max_context: None,
        ..Default::default()
    };
    Engine::load(path, &opts, |_| {}).unwrap_or_else(|e| panic!("load {}: {e}", path.display()))
}

/// The requantized copies of the development model that `ci/requantize.sh` makes.
pub const FORMATS: [&str; 5] = ["Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "BF16"];

/// Gemma 3 270M in Q4_K_M, if `ci/fetch-model.sh gemma3` fetched it.
pub fn gemma3() -> Option<std::path::PathBuf> {
    cached("gemma-3-270m-q4_k_m.gguf")
}

/// The model file `name` beside the development model, if it is there.
fn cached(name: &str) -> Option<std::path::PathBuf> {
    let path = ambient_llm::default_model_path().with_file_name(name);
    path.exists().then_some(path)
}

/// Where `ci/requantize.sh` puts the development model in `format`, if it is there.
pub fn requantized(format: &str) -> Option<std::path::PathBuf> {
    cached(&format!("SmolLM2-135M-Instruct.{format}.gguf"))
}

/// The raw bits of a logits vector, for exact comparison.
pub fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The logit bits of `toks` are the same for every kernel set this CPU runs and 1 or 3 threads,
/// and token-by-token decode gives them at every position (`label` names the model in failures).
pub fn assert_canonical(e: &mut Engine, toks: &[u32], label: &str) {
    e.set_compute(Isa::Scalar, 1).unwrap();
    let vocab = e.model().config.vocab;
    let reference = bits(&e.all_logits(toks).unwrap());
    for isa in isas() {
        for threads in [1, 3] {
            e.set_compute(isa, threads).unwrap();
            assert!(
                bits(&e.all_logits(toks).unwrap()) == reference,
                "{label}: {isa} with {threads} threads differs"
            );
        }
    }
    let mut s = e.session();
    for (i, &t) in toks.iter().enumerate() {
        assert!(
            bits(&s.decode(t).unwrap()) == reference[i * vocab..(i + 1) * vocab],
            "{label}: decode differs from prefill at position {i}"
        );
    }
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
