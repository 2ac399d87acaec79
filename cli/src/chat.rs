//! `ambient chat`: an interactive (or one-shot) conversation with the model, streamed token by token.

use std::io::{BufRead, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use ambient_llm::{
    Backend, Engine, EngineOptions, GenerateOptions, Isa, LoadProgress, Message, SamplingParams,
};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

/// Options of `ambient chat`.
#[derive(Args, Debug)]
pub struct ChatArgs {
    /// GGUF model file (default: the development model in the model cache).
    #[arg(long, env = "AMBIENT_MODEL")]
    model: Option<PathBuf>,
    /// Worker threads (the logits are identical for every count).
    #[arg(long, default_value_t = default_threads())]
    threads: usize,
    /// Kernel set: auto, scalar, avx2, avx512vnni or amx (identical logits; scalar is slow).
    #[arg(long, default_value = "auto")]
    kernels: Isa,
    /// Where the model runs: cpu, or cuda (a build with the `cuda` feature and a GPU; the same
    /// logits).
    #[arg(long, default_value = "cpu")]
    backend: Backend,
    /// Most tokens per answer.
    #[arg(long, default_value_t = 512)]
    max_tokens: usize,
    /// Sampling temperature (0 = greedy).
    #[arg(long, default_value_t = 0.0)]
    temperature: f32,
    /// Keep only the k most likely tokens (0 = all).
    #[arg(long, default_value_t = 0)]
    top_k: u32,
    /// Nucleus threshold in (0, 1].
    #[arg(long, default_value_t = 1.0)]
    top_p: f32,
    /// Seed of the sampler's draws.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// System message (the model's template supplies a default).
    #[arg(long)]
    system: Option<String>,
    /// Ask one question, print the answer and exit (otherwise read questions from standard input).
    #[arg(long)]
    prompt: Option<String>,
    /// Print generation speed after each answer.
    #[arg(long)]
    stats: bool,
    /// Ask the network instead of the local model: a node's HTTP API (e.g.
    /// http://127.0.0.1:8901). Each answer is an auction on chain, with its receipt.
    #[arg(long, value_name = "URL")]
    api_url: Option<String>,
    /// The API key the node issued for you (`ambient node keys add`; a --dev node prints one):
    /// the node pays for your questions with it.
    #[arg(
        long,
        env = "AMBIENT_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    api_key: Option<String>,
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One turn of the conversation: the history in, the answer (already printed) out.
type Turn = dyn FnMut(&[Message]) -> anyhow::Result<String>;

/// Runs the command.
pub fn run(args: ChatArgs) -> anyhow::Result<()> {
    let mut turn: Box<Turn> = match &args.api_url {
        // Through the network: each turn is an auction, answered with its receipt.
        Some(url) => {
            let url = url.trim_end_matches('/').to_string();
            let key = args.api_key.clone();
            let params = serde_json::json!({
                "max_tokens": args.max_tokens,
                "temperature": args.temperature,
                "top_p": args.top_p,
                "top_k": args.top_k,
                "seed": args.seed,
            });
            Box::new(move |history: &[Message]| {
                let messages: Vec<serde_json::Value> = history
                    .iter()
                    .map(|m| serde_json::json!({"role": m.role, "content": m.content}))
                    .collect();
                crate::network::ask(&url, key.as_deref(), &messages, params.clone())
            })
        }
        None => {
            let path = crate::model_path(args.model.clone())?;
            let sampling = SamplingParams {
                temperature: args.temperature,
                top_k: args.top_k,
                top_p: args.top_p,
                seed: args.seed,
            };
            sampling.validate()?;
            let engine = load(&path, &args)?;
            eprintln!("model id {}", engine.model_id());
            let opts = GenerateOptions {
                max_tokens: args.max_tokens,
                sampling,
                stop_at_eos: true,
            };
            let stats = args.stats;
            Box::new(move |history: &[Message]| answer(&engine, history, &opts, stats))
        }
    };

    let mut history: Vec<Message> = args
        .system
        .iter()
        .map(|s| Message::new("system", s.clone()))
        .collect();
    if let Some(q) = &args.prompt {
        history.push(Message::new("user", q.clone()));
        turn(&history)?;
        return Ok(());
    }
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    loop {
        write!(out, "> ")?;
        out.flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            writeln!(out)?;
            return Ok(());
        }
        let q = line.trim();
        if q.is_empty() {
            continue;
        }
        history.push(Message::new("user", q));
        let text = turn(&history)?;
        history.push(Message::new("assistant", text));
    }
}

fn load(path: &std::path::Path, args: &ChatArgs) -> anyhow::Result<Engine> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("loading {msg} [{bar:30}] {pos}/{len} tensors")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let opts = EngineOptions {
        threads: args.threads,
        isa: args.kernels,
        max_context: None,
        backend: args.backend,
    };
    let engine = Engine::load(path, &opts, |p| match p {
        LoadProgress::Tensors(done, total) => {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        LoadProgress::Hashing => bar.set_message("hashing weights"),
    })
    .with_context(|| format!("loading {}", path.display()))?;
    bar.finish_and_clear();
    Ok(engine)
}

fn answer(
    engine: &Engine,
    history: &[Message],
    opts: &GenerateOptions,
    stats: bool,
) -> anyhow::Result<String> {
    let prompt = engine.chat_prompt(history)?;
    let mut stream = engine.tokenizer().stream(true);
    let mut text = String::new();
    let mut out = std::io::stdout();
    let start = Instant::now();
    let mut first = None;
    let mut err = None;
    let gen = engine.generate(&prompt, opts, |step| {
        first.get_or_insert_with(Instant::now);
        if engine.tokenizer().is_eog(step.token) {
            return ControlFlow::Continue(());
        }
        match stream.push(step.token) {
            Ok(piece) => {
                text.push_str(&piece);
                if write!(out, "{piece}").and_then(|_| out.flush()).is_err() {
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            }
            Err(e) => {
                err = Some(e);
                ControlFlow::Break(())
            }
        }
    })?;
    if let Some(e) = err {
        return Err(e.into());
    }
    writeln!(out)?;
    if stats {
        let total = start.elapsed().as_secs_f64();
        let prefill = first.map_or(total, |f| (f - start).as_secs_f64());
        let n = gen.tokens.len();
        eprintln!(
            "[{} prompt tokens in {:.2}s ({:.1} tok/s); {} tokens in {:.2}s ({:.1} tok/s); finish {:?}]",
            prompt.len(),
            prefill,
            prompt.len() as f64 / prefill,
            n,
            total - prefill,
            n.saturating_sub(1) as f64 / (total - prefill).max(1e-9),
            gen.finish
        );
    }
    Ok(text)
}
