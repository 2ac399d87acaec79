//! End-to-end latency of chat completions through `ambient-validator --dev` (400 ms slots, its
//! own miner and verifier) against the raw engine's generation time for the same prompt, tokens
//! and sampler on this machine; time to the first streamed token; and auctions served per second
//! with several requests in flight. Prints a table.
//!
//! `cargo bench -p ambient-validator --bench market` (AMBIENT_MARKET_RUNS sets the sequential runs,
//! 5; AMBIENT_MARKET_PARALLEL the requests in flight, 8).

mod common;

use std::time::{Duration, Instant};

use ambient_llm::{Engine, EngineOptions, GenerateOptions, Message, SamplingParams};
use serde_json::{json, Value};

const MAX_TOKENS: u32 = 32;
const QUESTION: &str = "Write one sentence about the sea.";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn body(stream: bool, seed: u64) -> Value {
    json!({
        "model": "SmolLM2-135M-Instruct.Q4_1",
        "messages": [{"role": "user", "content": QUESTION}],
        "max_tokens": MAX_TOKENS,
        "temperature": 0,
        "seed": seed,
        "stream": stream,
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let runs = env("AMBIENT_MARKET_RUNS", 5);
    let parallel = env("AMBIENT_MARKET_PARALLEL", 8);
    let dir = tempfile::tempdir().unwrap();
    let port = 18_700 + (std::process::id() % 1000) as u16 * 3;
    // The log is kept after the run (the ledger is a temporary directory).
    let log = std::env::temp_dir().join("ambient-market-bench.log");
    let (node, found) = common::start(
        dir.path(),
        port,
        &["--log", log.to_str().unwrap()],
        &["HTTP API:"],
    );
    let api = found[0].clone();
    let url = format!("{api}/v1/chat/completions");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let key = std::fs::read_to_string(dir.path().join("dev-api-key")).unwrap();
    let http = {
        let mut auth = reqwest::header::HeaderMap::new();
        auth.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", key.trim()).parse().unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(auth)
            .build()
            .unwrap()
    };
    std::thread::sleep(Duration::from_secs(3));

    // The raw engine on the same prompt, tokens and sampler.
    let engine = Engine::load(
        ambient_llm::default_model_path(),
        &EngineOptions::default(),
        |_| {},
    )
    .unwrap();
    let prompt = engine
        .chat_prompt(&[Message::new("user", QUESTION)])
        .unwrap();
    let opts = GenerateOptions {
        max_tokens: MAX_TOKENS as usize,
        sampling: SamplingParams::greedy(),
        stop_at_eos: true,
    };
    let mut raw = Vec::new();
    let mut tokens = 0;
    for _ in 0..3 {
        let t = Instant::now();
        tokens = engine
            .generate(&prompt, &opts, |_| std::ops::ControlFlow::Continue(()))
            .unwrap()
            .tokens
            .len();
        raw.push(t.elapsed().as_secs_f64());
    }
    let raw = median(&mut raw);

    let ask = |stream: bool, seed: u64| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let t = Instant::now();
            let mut r = http
                .post(&url)
                .json(&body(stream, seed))
                .send()
                .await
                .unwrap();
            if !r.status().is_success() {
                eprintln!("not served: {}", r.text().await.unwrap());
                return (t.elapsed().as_secs_f64(), None, Vec::new());
            }
            let mut first = None;
            let mut all = Vec::new();
            while let Some(c) = r.chunk().await.unwrap() {
                if first.is_none()
                    && stream
                    && String::from_utf8_lossy(&c).contains("\"content\":\"")
                {
                    let s = String::from_utf8_lossy(&c);
                    if s.matches("\"content\":\"\"").count() < s.matches("\"content\":\"").count() {
                        first = Some(t.elapsed().as_secs_f64());
                    }
                }
                all.extend_from_slice(&c);
            }
            (t.elapsed().as_secs_f64(), first, all)
        }
    };
    rt.block_on(ask(false, 0)); // warm-up
    let mut latency = Vec::new();
    let mut ttft = Vec::new();
    let mut unserved = 0;
    for i in 0..runs {
        let (secs, _, answer) = rt.block_on(ask(false, 1 + i as u64));
        if answer.is_empty() {
            unserved += 1;
        } else {
            latency.push(secs);
        }
        if let (_, Some(f), _) = rt.block_on(ask(true, 100 + i as u64)) {
            ttft.push(f);
        }
    }
    assert!(!latency.is_empty(), "no request was served");
    let latency = median(&mut latency);
    let ttft = if ttft.is_empty() {
        f64::NAN
    } else {
        median(&mut ttft)
    };

    let t = Instant::now();
    let answers = rt.block_on(async {
        let all: Vec<_> = (0..parallel)
            .map(|i| ask(false, 1_000 + i as u64))
            .collect();
        futures_util::future::join_all(all).await
    });
    let wall = t.elapsed().as_secs_f64();
    let served = answers.iter().filter(|a| !a.2.is_empty()).count();

    drop(node);
    println!("| measure (400 ms slots, {tokens} output tokens) | value |");
    println!("|---|---|");
    println!("| raw engine generation (median of 3) | {raw:.2} s |");
    println!("| chat completion, end to end (median of {runs}) | {latency:.2} s |");
    println!(
        "| **overhead: end to end − raw generation** | **{:.2} s** |",
        latency - raw
    );
    println!("| sequential requests not served (auction unfilled) | {unserved} of {runs} |");
    println!("| time to the first streamed token (median of {runs}) | {ttft:.2} s |");
    println!(
        "| {parallel} requests in flight: {served} served in | {wall:.1} s ({:.2} auctions/s) |",
        served as f64 / wall
    );
}
