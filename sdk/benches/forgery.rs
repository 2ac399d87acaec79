//! A forging miner against the audit rate, with the real engine (a bench binary that prints
//! tables, not a test). The miner serves a copy of the network's model with one weight moved by
//! one ulp (the f16 scale of the first block of the tied embedding/output matrix) and claims the
//! real model's id. Every job is generated with PoL by the forged model and, as an audit
//! would, recomputed by the real one (`ambient_pol::validate::first_divergence`, what the
//! node's verifier runs); honest jobs are recomputed too, for false alarms. Then the jobs are
//! audited as the chain draws it (`ambient_sdk::auction::draw::audited` on random seeds) at
//! several rates, with a fraction `f` of them forged, and the share of sequences caught within
//! `n` jobs is set against `1 - (1 - r·f·d)^n` (`d`: the share of forged jobs an audit catches),
//! with the forger's mean result per forged job at a bond of the price over the rate.
//!
//! `cargo bench -p ambient-sdk --bench forgery -- [--jobs 1000] [--honest 200] [--tokens 16]
//! [--threads 2] [--sequences 2000]`

use std::io::Write;
use std::ops::ControlFlow;
use std::time::Instant;

use ambient_llm::gguf::{Gguf, TensorType};
use ambient_llm::{Engine, EngineOptions, GenerateOptions, Isa, Message, SamplingParams};
use ambient_pol::commit::Recorder;
use ambient_pol::validate::first_divergence;
use ambient_sdk::auction::draw::audited;
use rand::{Rng, SeedableRng};
use solana_pubkey::Pubkey;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn num(name: &str, default: &str) -> usize {
    arg(name, default)
        .parse()
        .unwrap_or_else(|_| panic!("{name} takes a number"))
}

const PROMPTS: [&str; 8] = [
    "Give me two tips for writing clear code.",
    "What is a lighthouse for?",
    "Name three rivers in Europe.",
    "How do plants make food?",
    "Write a haiku about rain.",
    "Why is the sky blue?",
    "Suggest a name for a cat.",
    "What does a compiler do?",
];

/// The model with one weight moved by one ulp, written next to the real one.
fn forged_copy(path: &std::path::Path) -> tempfile::NamedTempFile {
    let g = Gguf::open(path).expect("the model parses");
    let t = g.tensor("token_embd.weight").expect("an embedding").clone();
    assert_eq!(t.ty, TensorType::Q8_0);
    let mut bytes = std::fs::read(path).expect("read the model");
    let at = t.file_offset as usize;
    let d = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    bytes[at..at + 2].copy_from_slice(&(d + 1).to_le_bytes());
    let mut f = tempfile::NamedTempFile::new().expect("a temporary file");
    f.write_all(&bytes).expect("write the forged model");
    f.flush().expect("flush");
    f
}

/// Generates job `i` with `miner` under the real model's id and recomputes it with `real`:
/// whether the recomputation finds a divergence.
fn job_caught(real: &Engine, miner: &Engine, i: usize, tokens: usize) -> bool {
    let prompt = real
        .chat_prompt(&[Message::new("user", PROMPTS[i % PROMPTS.len()])])
        .expect("prompt");
    let sampling = SamplingParams {
        temperature: 0.9,
        top_k: 50,
        top_p: 0.95,
        seed: i as u64,
    };
    let opts = GenerateOptions {
        max_tokens: tokens,
        sampling,
        stop_at_eos: false,
    };
    let mut rec = Recorder::new(real.model_id().0);
    miner
        .generate(&prompt, &opts, |s| {
            rec.record(s.index as u64, s.token, s.logits)
                .expect("record");
            ControlFlow::Continue(())
        })
        .expect("generate");
    let work = rec.finish().expect("commit");
    first_divergence(real, &prompt, &work.tokens, &sampling, work.tree.leaves())
        .expect("recompute")
        .is_some()
}

fn main() {
    let jobs = num("--jobs", "1000");
    let honest_jobs = num("--honest", "200");
    let tokens = num("--tokens", "16");
    let threads = num("--threads", "2");
    let sequences = num("--sequences", "2000");
    let path = ambient_llm::default_model_path();
    let opts = EngineOptions {
        threads,
        isa: Isa::detect(),
        max_context: Some(1024),
        ..Default::default()
    };
    let load = |p: &std::path::Path| {
        Engine::load(p, &opts, |_| {}).expect("load the model (run ci/fetch-model.sh)")
    };
    let forged_file = forged_copy(&path);
    let (real, forged) = (load(&path), load(forged_file.path()));

    let t = Instant::now();
    let caught: Vec<bool> = (0..jobs)
        .map(|i| job_caught(&real, &forged, i, tokens))
        .collect();
    let forged_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let false_alarms = (0..honest_jobs)
        .filter(|&i| job_caught(&real, &real, jobs + i, tokens))
        .count();
    let honest_secs = t.elapsed().as_secs_f64();
    let d = caught.iter().filter(|c| **c).count() as f64 / jobs as f64;
    println!(
        "forged jobs recomputed: {jobs} ({tokens} tokens at most, {forged_secs:.0} s), caught by \
         an audit: {:.1} %; honest jobs recomputed: {honest_jobs} ({honest_secs:.0} s), false \
         alarms: {false_alarms}",
        100.0 * d
    );
    println!();
    println!(
        "| audit rate r | forged share f | caught within n = 100 (simulated / predicted) | n = 1 000 | result per forged job, price 1: expected / simulated (± 2 s.e.) |"
    );
    println!("|---|---|---|---|---|");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for rate in [1_000_000u32, 250_000, 3_300, 1_000] {
        for f in [1.0f64, 0.1] {
            let r = f64::from(rate) / 1e6;
            let mut within = [0usize; 2];
            let (mut forged_n, mut result, mut square) = (0u64, 0.0f64, 0.0f64);
            for _ in 0..sequences {
                let mut first_catch = None;
                for j in 0..1_000 {
                    if rng.gen::<f64>() >= f {
                        continue;
                    }
                    // A forged job: one of the measured ones, audited as the chain draws it.
                    let m = rng.gen_range(0..jobs);
                    let seed: [u8; 32] = rng.gen();
                    let key = Pubkey::new_from_array(rng.gen());
                    forged_n += 1;
                    // Caught: the bond, the price over the rate; not: the price, for compute it
                    // skipped (at most).
                    let x = if audited(&seed, &key, rate) && caught[m] {
                        first_catch.get_or_insert(j);
                        -1.0 / r
                    } else {
                        1.0
                    };
                    result += x;
                    square += x * x;
                }
                for (k, n) in [100, 1_000].into_iter().enumerate() {
                    within[k] += usize::from(first_catch.is_some_and(|j| j < n));
                }
            }
            let p = |n: i32| 100.0 * (1.0 - (1.0 - r * f * d).powi(n));
            let m = |k: usize| 100.0 * within[k] as f64 / sequences as f64;
            let n = forged_n.max(1) as f64;
            let mean = result / n;
            let se = ((square / n - mean * mean) / n).sqrt();
            // Expected: (1 - r·d)·1 - r·d·(1/r).
            let expected = 1.0 - r * d - d;
            println!(
                "| {:.2} % | {f} | {:.1} % / {:.1} % | {:.1} % / {:.1} % | {expected:.4} / {mean:.4} ± {:.4} |",
                100.0 * r,
                m(0),
                p(100),
                m(1),
                p(1_000),
                2.0 * se
            );
        }
    }
}
