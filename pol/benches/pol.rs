//! PoL costs (a bench binary, not a test): the overhead of hashing logits during generation, and
//! the time to validate one position (one prefill) against generating the whole output.
//!
//! `cargo bench -p ambient-pol --bench pol -- [--threads 2] [--lengths 128,512,2048] [--runs 3]`

use std::ops::ControlFlow;
use std::time::Instant;

use ambient_llm::{Engine, EngineOptions, GenerateOptions, Isa, Message, SamplingParams};
use ambient_pol::commit::Recorder;
use ambient_pol::validate::LogitsSource;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn main() {
    let threads: usize = arg("--threads", "2").parse().expect("--threads N");
    let runs: usize = arg("--runs", "3").parse().expect("--runs N");
    let lengths: Vec<usize> = arg("--lengths", "128,512,2048")
        .split(',')
        .map(|s| s.parse().expect("--lengths a,b,c"))
        .collect();
    let opts = EngineOptions {
        threads,
        isa: Isa::detect(),
        max_context: None,
        ..Default::default()
    };
    let e = Engine::load(ambient_llm::default_model_path(), &opts, |_| {})
        .expect("load model (run ci/fetch-model.sh)");
    let prompt = e
        .chat_prompt(&[Message::new(
            "user",
            "Tell me a long story about a lighthouse keeper.",
        )])
        .expect("prompt");
    let model_id = e.model_id().0;
    let greedy = |n| GenerateOptions {
        max_tokens: n,
        sampling: SamplingParams::greedy(),
        stop_at_eos: false,
    };

    // 1. Overhead of the streaming hook.
    let n = 128;
    let (mut plain, mut hooked) = (f64::MAX, f64::MAX);
    for _ in 0..runs {
        let t = Instant::now();
        e.generate(&prompt, &greedy(n), |_| ControlFlow::Continue(()))
            .expect("generate");
        plain = plain.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut rec = Recorder::new(model_id);
        e.generate(&prompt, &greedy(n), |s| {
            rec.record(s.index as u64, s.token, s.logits)
                .expect("record");
            ControlFlow::Continue(())
        })
        .expect("generate");
        rec.finish().expect("commit");
        hooked = hooked.min(t.elapsed().as_secs_f64());
    }
    let logits = vec![0.5f32; e.model().config.vocab];
    let t = Instant::now();
    for i in 0..1000u64 {
        std::hint::black_box(ambient_pol::token_hash(&model_id, i, 7, &logits));
    }
    let per_hash = t.elapsed().as_secs_f64() / 1000.0;
    println!("## PoL overhead during generation ({threads} threads, {n} tokens, best of {runs})\n");
    println!("| generate | generate + PoL hook | overhead | one token hash |");
    println!("|---|---|---|---|");
    println!(
        "| {:.3} s | {:.3} s | {:+.2} % | {:.1} µs ({:.3} % of a decode step) |\n",
        plain,
        hooked,
        (hooked / plain - 1.0) * 100.0,
        per_hash * 1e6,
        per_hash / (plain / n as f64) * 100.0
    );

    // 2. Validation of one position vs generation.
    println!("## Validating one position vs generating ({threads} threads)\n");
    println!(
        "| output tokens | generate all | validate last position (1 prefill) | ratio | \
         validate a uniformly drawn position (mean) | ratio | full validation |"
    );
    println!("|---|---|---|---|---|---|---|");
    for &len in &lengths {
        let t = Instant::now();
        let g = e
            .generate(&prompt, &greedy(len), |_| ControlFlow::Continue(()))
            .expect("generate");
        let gen = t.elapsed().as_secs_f64();
        let mut seq = prompt.clone();
        seq.extend_from_slice(&g.tokens[..len - 1]);
        let t = Instant::now();
        let last = e.logits(&seq, seq.len() - 1).expect("prefill");
        let one = t.elapsed().as_secs_f64();
        assert_eq!(last.len(), e.model().config.vocab);
        // A challenge is uniform over the output: its expected cost is the mean prefill over
        // positions, estimated at the midpoints of eight equal slices of the output.
        let mut mean = 0.0;
        for k in 0..8 {
            let pos = prompt.len() - 1 + ((2 * k + 1) * len) / 16;
            let t = Instant::now();
            let l = e.logits(&seq[..=pos], pos).expect("prefill");
            mean += t.elapsed().as_secs_f64() / 8.0;
            assert_eq!(l.len(), e.model().config.vocab);
        }
        let t = Instant::now();
        let all = e.logits(&seq, prompt.len() - 1).expect("prefill");
        let full = t.elapsed().as_secs_f64();
        assert_eq!(all.len(), len * e.model().config.vocab);
        println!(
            "| {len} | {gen:.2} s | {one:.3} s | {:.1} % | {mean:.3} s | {:.1} % | {full:.2} s |",
            one / gen * 100.0,
            mean / gen * 100.0
        );
    }
}
