//! `ambient miner`: a miner outside any validator, serving a node's auctions over its JSON-RPC
//! and HTTP API until Ctrl-C. Its work earns its key LStake, which draws it into verifier
//! committees: it also validates and votes when drawn (on its own thread).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ambient_llm::{Engine, EngineOptions};
use ambient_market::miner::{Miner, PricePolicy};
use ambient_market::roles;
use ambient_market::verifier::Verifier;
use anyhow::{anyhow, Context};
use clap::Args;
use solana_keypair::read_keypair_file;

/// Options of `ambient miner`.
#[derive(Args, Debug)]
pub struct MinerArgs {
    /// The node's JSON-RPC.
    #[arg(long, default_value = "http://127.0.0.1:8899")]
    rpc_url: String,
    /// The node's HTTP API (blob store).
    #[arg(long, default_value = "http://127.0.0.1:8901")]
    api_url: String,
    /// The miner's keypair file (it pays fees and bonds and is paid).
    #[arg(long)]
    keypair: PathBuf,
    /// GGUF model file (default: the development model in the model cache).
    #[arg(long, env = "AMBIENT_MODEL")]
    model: Option<PathBuf>,
    /// Price in lamports per token of a request's max tokens (at least 0.001 SOL a job).
    #[arg(long, default_value_t = PricePolicy::default().per_token)]
    price_per_token: u64,
    /// Where the bid book is kept (the secrets that win back the bonds).
    #[arg(long, default_value = "ambient-miner")]
    state_dir: PathBuf,
    /// Milliseconds between passes over the requests (several a slot: a reveal has one slot).
    #[arg(long, default_value_t = 50)]
    poll_ms: u64,
    /// Where the model runs: cpu, or cuda (a build with the `cuda` feature and a GPU).
    #[arg(long, default_value = "cpu")]
    backend: ambient_llm::Backend,
    /// For tests only: bid and reveal but never deliver (the deadline then slashes the bond).
    #[arg(long, hide = true)]
    withhold_results: bool,
    /// For tests only: deliver results on chain but never upload the outputs (the verifiers
    /// then vote fraud).
    #[arg(long, hide = true)]
    withhold_outputs: bool,
    /// For tests only: decline every won job, claiming its prompt cannot be served although it
    /// can (the committee then finds the claim false and the bond is slashed).
    #[arg(long, hide = true)]
    decline_jobs: bool,
}

/// Runs the command.
pub fn run(args: MinerArgs) -> anyhow::Result<()> {
    let path = crate::model_path(args.model.clone())?;
    let key = read_keypair_file(&args.keypair)
        .map_err(|e| anyhow!("reading keypair {}: {e}", args.keypair.display()))?;
    let opts = EngineOptions {
        backend: args.backend,
        ..EngineOptions::default()
    };
    let engine = Engine::load(&path, &opts, |_| {})
        .with_context(|| format!("loading {}", path.display()))?;
    let (key, engine) = (Arc::new(key), Arc::new(engine));
    let mut verifier = Verifier::new(key.clone(), &args.rpc_url, &args.api_url, engine.clone())?;
    verifier.vote_only();
    let mut miner = Miner::new(
        key,
        &args.rpc_url,
        &args.api_url,
        engine,
        PricePolicy {
            per_token: args.price_per_token,
            ..PricePolicy::default()
        },
        &args.state_dir,
    )?;
    if args.withhold_results {
        miner.withhold_results();
    }
    if args.withhold_outputs {
        miner.withhold_outputs();
    }
    if args.decline_jobs {
        miner.decline_every_job();
    }
    let exit = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, exit.clone()).context("installing signal handlers")?;
    }
    let every = Duration::from_millis(args.poll_ms);
    let verifying = roles::spawn("ambVerifier", verifier, every, exit.clone())
        .context("starting the verifier thread")?;
    println!(
        "miner {} ready on {} ({} lamports/token)",
        miner.identity(),
        args.rpc_url,
        args.price_per_token
    );
    while !exit.load(Ordering::Relaxed) {
        if let Err(e) = miner.step() {
            log::warn!("miner: {e}");
        }
        std::thread::sleep(every);
    }
    let _ = verifying.join();
    Ok(())
}
