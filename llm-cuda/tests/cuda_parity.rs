//! The CUDA backend gives the CPU engine's logits bit for bit: at every position of ≥ 20 prompts
//! (with a greedy continuation), by prefill and by token-by-token decode. It needs a build with the
//! `cuda` feature and a GPU (`cargo test -p ambient-llm --features cuda --test cuda_parity`);
//! elsewhere it says SKIPPED — it does not pass.

mod common;

use ambient_llm::{Backend, Engine, EngineOptions};

#[test]
fn asking_for_cuda_where_there_is_none_is_a_clear_error() {
    #[cfg(feature = "cuda")]
    if ambient_llm::cuda::device::unavailable().is_none() {
        eprintln!("SKIPPED: this machine has a GPU (the parity test covers it)");
        return;
    }
    let opts = EngineOptions {
        backend: Backend::Cuda,
        ..Default::default()
    };
    let err = Engine::load(ambient_llm::default_model_path(), &opts, |_| {})
        .expect_err("CUDA cannot load here");
    let msg = err.to_string();
    assert!(msg.contains("CUDA"), "unclear error: {msg}");
    eprintln!("as expected: {msg}");
}

#[test]
#[cfg_attr(
    not(feature = "cuda"),
    ignore = "needs a GPU and the `cuda` feature (cargo test -p ambient-llm --features cuda)"
)]
fn cuda_matrix_products_and_swiglu_equal_the_cpu_for_every_weight_type() {
    #[cfg(not(feature = "cuda"))]
    eprintln!(
        "SKIPPED: built without the `cuda` feature (cargo test -p ambient-llm --features cuda)"
    );
    #[cfg(feature = "cuda")]
    {
        if let Some(why) = ambient_llm::cuda::device::unavailable() {
            ambient_testkit::skip!("{why}");
            return;
        }
        let gpu = ambient_llm::cuda::device::Gpu::open(0).expect("open the GPU");
        common::matrices::check_products("CUDA", |m, x, t| gpu.matmul(m, x, t).unwrap());
        common::matrices::check_glu("CUDA", |g, u, x, t| gpu.glu(g, u, x, t).unwrap());
        eprintln!("CUDA = CPU, bit for bit: matrix products of every weight type and the SwiGLU");
    }
}

#[cfg(feature = "cuda")]
const PROMPTS: [&str; 21] = [
    "Explain in two sentences why the sky is blue.",
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "List three prime numbers.",
    "Translate 'good morning' into Spanish.",
    "What is 17 times 23?",
    "Describe a cat to someone who has never seen one.",
    "Give me a recipe for pancakes.",
    "Why do leaves change colour in autumn?",
    "Summarise the plot of Romeo and Juliet.",
    "What does a blockchain validator do?",
    "Name a famous physicist and one discovery.",
    "How many legs does a spider have?",
    "Write one sentence about mountains.",
    "What is the boiling point of water at sea level?",
    "Suggest a name for a friendly robot.",
    "Explain recursion to a child.",
    "What colour do you get by mixing blue and yellow?",
    "Tell me a short joke.",
    "How do airplanes stay in the air?",
    "",
];

#[test]
#[cfg_attr(
    not(feature = "cuda"),
    ignore = "needs a GPU and the `cuda` feature (cargo test -p ambient-llm --features cuda)"
)]
fn cuda_logits_equal_cpu_logits_at_every_position_by_prefill_and_decode() {
    #[cfg(not(feature = "cuda"))]
    eprintln!(
        "SKIPPED: built without the `cuda` feature (cargo test -p ambient-llm --features cuda)"
    );
    #[cfg(feature = "cuda")]
    parity();
}

#[cfg(feature = "cuda")]
fn parity() {
    use ambient_llm::Isa;
    use common::bits;

    if let Some(why) = ambient_llm::cuda::device::unavailable() {
        ambient_testkit::skip!("{why}");
        return;
    }
    let cpu = common::engine(Isa::detect(), 2);
    let gpu = Engine::load(
        ambient_llm::default_model_path(),
        &EngineOptions {
            backend: Backend::Cuda,
            ..Default::default()
        },
        |_| {},
    )
    .expect("load the model on the GPU");
    let vocab = cpu.model().config.vocab;
    let (mut prompts, mut positions) = (0, 0);
    for text in PROMPTS {
        let (toks, _) = common::prompt_and_continuation(&cpu, text, 24);
        let want = cpu.all_logits(&toks).unwrap();
        let got = gpu.all_logits(&toks).unwrap();
        let mut s = gpu.session();
        for (i, &t) in toks.iter().enumerate() {
            let row = &want[i * vocab..(i + 1) * vocab];
            let pre = &got[i * vocab..(i + 1) * vocab];
            let worst = |x: &[f32]| {
                x.iter()
                    .zip(row)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0f32, f32::max)
            };
            assert!(
                bits(pre) == bits(row),
                "prompt {text:?}, position {i}: CUDA prefill differs (max |diff| {})",
                worst(pre)
            );
            let dec = s.decode(t).unwrap();
            assert!(
                bits(&dec) == bits(row),
                "prompt {text:?}, position {i}: CUDA decode differs (max |diff| {})",
                worst(&dec)
            );
        }
        prompts += 1;
        positions += toks.len();
    }
    eprintln!(
        "CUDA = CPU, bit for bit: {prompts} prompts, {positions} positions, prefill and decode"
    );
}
