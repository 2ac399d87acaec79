//! Prefill and decode throughput of the engine at 1 and 2 threads (a bench binary, not a test), and
//! decode as a share of the memory-read bandwidth measured here with as many threads (decode reads
//! every weight once per token: [`ambient_llm::model::Model::decode_bytes`]).
//!
//! `cargo bench -p ambient-llm --bench throughput -- [--prefill 128] [--decode 64] [--runs 3]
//!  [--threads 1,2] [--cuda] [--tokens-out FILE] [--json FILE]`
//! `--tokens-out` writes the prompt token ids so `bench/compare.sh` can run llama.cpp on the same input.
//! `--cuda` (a build with `--features cuda`, on a GPU) adds the CUDA backend's row, measured in the
//! same run.

use std::time::Instant;

use ambient_llm::{Backend, Engine, EngineOptions, Isa};

struct Args {
    prefill: usize,
    decode: usize,
    runs: usize,
    threads: Vec<usize>,
    tokens_out: Option<String>,
    json: Option<String>,
    cuda: bool,
}

fn parse() -> Args {
    let mut a = Args {
        prefill: 128,
        decode: 64,
        runs: 3,
        threads: vec![1, 2],
        tokens_out: None,
        json: None,
        cuda: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--prefill" => a.prefill = val().parse().expect("--prefill N"),
            "--decode" => a.decode = val().parse().expect("--decode N"),
            "--runs" => a.runs = val().parse().expect("--runs N"),
            "--threads" => {
                a.threads = val()
                    .split(',')
                    .map(|t| t.parse().expect("--threads 1,2"))
                    .collect()
            }
            "--tokens-out" => a.tokens_out = Some(val()),
            "--json" => a.json = Some(val()),
            "--cuda" => a.cuda = true,
            "--bench" => {}
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn main() {
    let args = parse();
    let path = ambient_llm::default_model_path();
    let mut engine = Engine::load(&path, &EngineOptions::default(), |_| {})
        .expect("load model (run ci/fetch-model.sh)");
    let text = "The history of science is the study of the development of science and scientific knowledge, \
                including both the natural and social sciences. Science is a body of empirical, theoretical, \
                and practical knowledge about the natural world, produced by scientists who emphasize the \
                observation, explanation, and prediction of real-world phenomena. ";
    let mut prompt = Vec::new();
    while prompt.len() < args.prefill {
        prompt.extend(engine.tokenizer().encode(text).expect("tokenize"));
    }
    prompt.truncate(args.prefill);
    let short = &prompt[..8];
    if let Some(p) = &args.tokens_out {
        let ids: Vec<String> = prompt.iter().map(|t| t.to_string()).collect();
        std::fs::write(
            p,
            format!(
                "{{\"prefill\":[{}],\"decode_prompt\":[{}],\"decode\":{}}}",
                ids.join(","),
                ids[..8].join(","),
                args.decode
            ),
        )
        .expect("write tokens");
    }
    let mut rows = Vec::new();
    let bytes = engine.model().decode_bytes() as f64;
    println!(
        "weights read per decoded token: {:.1} MB ({})",
        bytes / 1e6,
        path.display()
    );
    println!(
        "| engine | threads | prefill {} tok (tok/s) | decode {} tok (tok/s) | memory read (GB/s) \
         | decode share of it |",
        args.prefill, args.decode
    );
    println!("|---|---|---|---|---|---|");
    for &threads in &args.threads {
        engine.set_compute(Isa::detect(), threads).expect("threads");
        let (p, d) = measure(&engine, &args, &prompt, short);
        let bw = read_bandwidth(threads);
        println!(
            "| ambient-llm ({}) | {threads} | {p:.1} | {d:.1} | {:.1} | {:.0} % |",
            Isa::detect(),
            bw / 1e9,
            100.0 * d * bytes / bw
        );
        rows.push(format!(
            "{{\"threads\":{threads},\"prefill_tps\":{p:.3},\"decode_tps\":{d:.3}}}"
        ));
    }
    if args.cuda {
        let opts = EngineOptions {
            backend: Backend::Cuda,
            ..Default::default()
        };
        let gpu = Engine::load(&path, &opts, |_| {}).expect("load the model on the GPU");
        let (p, d) = measure(&gpu, &args, &prompt, short);
        println!("| ambient-llm (cuda) | - | {p:.1} | {d:.1} |");
        rows.push(format!(
            "{{\"backend\":\"cuda\",\"prefill_tps\":{p:.3},\"decode_tps\":{d:.3}}}"
        ));
    }
    if let Some(j) = &args.json {
        std::fs::write(j, format!("[{}]", rows.join(","))).expect("write json");
    }
}

/// The best of `runs`: prefill tokens/s over `prompt`, decode tokens/s after `short`.
fn measure(engine: &Engine, args: &Args, prompt: &[u32], short: &[u32]) -> (f64, f64) {
    let vocab = engine.model().config.vocab;
    let mut best_prefill = f64::MAX;
    let mut best_decode = f64::MAX;
    // One unmeasured pass first: a GPU compiles its kernels and captures its decode graph then.
    for run in 0..=args.runs {
        let mut s = engine.session();
        let t0 = Instant::now();
        let l = s.prefill(prompt).expect("prefill");
        let prefill = t0.elapsed().as_secs_f64();
        assert_eq!(l.len(), vocab);

        let mut s = engine.session();
        let mut logits = s.prefill(short).expect("prefill");
        let t0 = Instant::now();
        for i in 0..args.decode {
            let tok = ambient_llm::sampler::sample(&logits, &Default::default(), i as u64)
                .expect("sample");
            logits = s.decode(tok).expect("decode");
        }
        if run > 0 {
            best_prefill = best_prefill.min(prefill);
            best_decode = best_decode.min(t0.elapsed().as_secs_f64());
        }
    }
    (
        prompt.len() as f64 / best_prefill,
        args.decode as f64 / best_decode,
    )
}

/// Bytes per second `threads` threads read from memory: the best of three passes summing a
/// 512 MiB buffer (far larger than any cache), each thread its own contiguous part.
fn read_bandwidth(threads: usize) -> f64 {
    let words = (512usize << 20) / 8;
    let buf: Vec<u64> = (0..words as u64).collect();
    let part = words.div_ceil(threads);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t0 = Instant::now();
        let sum: u64 = std::thread::scope(|s| {
            let handles: Vec<_> = buf
                .chunks(part)
                .map(|c| s.spawn(move || c.iter().fold(0u64, |a, &x| a.wrapping_add(x))))
                .collect();
            handles.into_iter().map(|h| h.join().expect("reader")).sum()
        });
        best = best.min(t0.elapsed().as_secs_f64());
        std::hint::black_box(sum);
    }
    (words * 8) as f64 / best
}
