//! `ambient-validator`: runs an Ambient node. With `--dev` it creates (or resumes) a single-node
//! development cluster with a faucet, like `solana-test-validator`, but as a real node: PoH, a
//! RocksDB ledger replayed on restart, the QUIC TPU, votes and the standard JSON-RPC + PubSub.

mod admin;
mod api_access;
mod disk;
mod keys;
mod limits;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ambient_api::{AuctionSettings, ChatService, Console, ConsoleConfig, NodeMetrics, StreamHub};
use ambient_blobs::{BlobServer, BlobStore};
use ambient_limits::Limiter;
use ambient_llm::{Engine, EngineOptions};
use ambient_market::closer::Closer;
use ambient_market::miner::{Miner, PricePolicy};
use ambient_market::roles;
use ambient_market::stats::MarketStats;
use ambient_market::verifier::Verifier;
use ambient_pol::rules::DifficultyParams;
use ambient_runtime::genesis::{AmbientGenesis, GenesisParams, MINIMUM_SLOTS_PER_EPOCH};

use ambient_validator::node::{self, ledger_exists};
use anyhow::{bail, Context, Result};
use clap::Parser;
use log::info;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// Command-line flags (named like `agave-validator`'s where they mean the same).
#[derive(Debug, Parser)]
#[command(name = "ambient-validator", version, about)]
struct Args {
    /// Development mode: create a single-node cluster with a faucet when the ledger is new.
    #[arg(long)]
    dev: bool,
    /// Ledger directory.
    #[arg(long, value_name = "DIR", default_value = "ambient-ledger")]
    ledger: PathBuf,
    /// Delete the ledger and start a new cluster (with --dev).
    #[arg(long)]
    reset: bool,
    /// JSON-RPC port; PubSub (websocket) uses the next one.
    #[arg(long, value_name = "PORT", default_value_t = 8899)]
    rpc_port: u16,
    /// Address the RPC, PubSub and TPU sockets bind to.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    bind_address: IpAddr,
    /// Where the node's UDP and QUIC sockets (TPU, TVU, repair, ...) are bound, as MIN-MAX.
    #[arg(long, value_name = "MIN-MAX", default_value = "8000-10000", value_parser = port_range)]
    dynamic_port_range: solana_net_utils::PortRange,
    /// Gossip port (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    gossip_port: u16,
    /// TVU address to advertise in gossip instead of the bound one (as agave-validator's): where
    /// the cluster sends this node's Turbine shreds, e.g. a NAT's public address.
    #[arg(long = "public-tvu-address", alias = "tvu-host-addr", value_name = "HOST:PORT",
          value_parser = solana_net_utils::parse_host_port)]
    public_tvu_address: Option<SocketAddr>,
    /// TPU (QUIC) address to advertise in gossip instead of the bound one.
    #[arg(long = "public-tpu-address", alias = "tpu-host-addr", value_name = "HOST:PORT",
          value_parser = solana_net_utils::parse_host_port)]
    public_tpu_address: Option<SocketAddr>,
    /// TPU forwards (QUIC) address to advertise in gossip instead of the bound one.
    #[arg(long = "public-tpu-forwards-address", value_name = "HOST:PORT",
          value_parser = solana_net_utils::parse_host_port)]
    public_tpu_forwards_address: Option<SocketAddr>,
    /// Validator identity keypair file (default: the ledger's validator-keypair.json, created
    /// in --dev mode).
    #[arg(long, value_name = "KEYPAIR")]
    identity: Option<PathBuf>,
    /// Log file ("-" for standard error).
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Slot length in milliseconds of a new --dev ledger (its genesis fixes it; default 400).
    #[arg(long, value_name = "MS")]
    slot_ms: Option<u64>,
    /// Slots per epoch of a new --dev ledger, every epoch that long from the first (as
    /// solana-test-validator's flag; at least 32). Default: Agave's 432 000, after warm-up
    /// epochs of 32, 64, 128, … slots.
    #[arg(long, value_name = "SLOTS")]
    slots_per_epoch: Option<u64>,
    /// The least audit rate of a new --dev ledger, in parts per million: the share of a known
    /// miner's jobs that get a verifier committee (a miner without LStake has every job audited).
    /// The rate starts at every job and each epoch moves it toward a validation overhead of
    /// 0.1 % of the inference work, never below this. 1000000 audits every job.
    #[arg(long, value_name = "PPM", default_value_t = DifficultyParams::default().min_rate_ppm,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    audit_floor: u64,
    /// Rooted blocks between full snapshots (0: none). A restart loads the newest snapshot and
    /// replays the ledger's slots after it.
    #[arg(long, alias = "full-snapshot-interval-slots", value_name = "SLOTS",
          default_value_t = node::DEFAULT_SNAPSHOT_INTERVAL_SLOTS)]
    snapshot_interval_slots: u64,
    /// Keep at most this many shreds in rooted slots: older slots are purged from the ledger
    /// (Agave's blockstore cleanup). Without a count: 200 000 000. The least is 50 000 000, or
    /// with --dev 10 000 (as solana-test-validator) and room for two snapshot intervals of
    /// blocks of one 32-shred FEC set (a restart replays the slots after the newest snapshot).
    /// Default: no limit.
    #[arg(long, value_name = "SHRED_COUNT", num_args = 0..=1,
          default_missing_value = DEFAULT_MAX_LEDGER_SHREDS_ARG)]
    limit_ledger_size: Option<u64>,
    /// Largest faucet airdrop per request, in SOL.
    #[arg(long, value_name = "SOL", default_value_t = 1_000_000)]
    faucet_sol: u64,
    /// Port of the node's HTTP API (the blob store at /v1/blobs); default: the JSON-RPC port + 2.
    #[arg(long, value_name = "PORT")]
    api_port: Option<u16>,
    /// A web origin (scheme://host[:port], or *) whose pages may call the HTTP API from a
    /// browser (CORS; repeatable). Default: none but the node's own console, which is served
    /// from the API's origin.
    #[arg(long = "api-allowed-origin", value_name = "ORIGIN",
          value_parser = ambient_api::browser::allowed_origin)]
    api_allowed_origins: Vec<String>,
    /// A host name (besides IP addresses and localhost) that requests changing anything on the
    /// HTTP API may call the node by (repeatable): other names are refused, so a web page cannot
    /// reach the API through a DNS name of its own that points at the node (DNS rebinding).
    #[arg(long = "api-allowed-host", value_name = "NAME")]
    api_allowed_hosts: Vec<String>,
    /// Another node's HTTP API (e.g. http://10.0.0.2:8901) to fetch missing blobs from
    /// (repeatable).
    #[arg(long = "blob-peer", value_name = "URL")]
    blob_peers: Vec<String>,
    /// A key whose blob uploads count as this node's own (an `ambient miner` the operator runs
    /// against this node, say): not held to the per-uploader quota (repeatable). The node's
    /// identity, miner and API keys always are.
    #[arg(long = "blob-trusted-uploader", value_name = "PUBKEY")]
    blob_trusted_uploaders: Vec<Pubkey>,
    /// Run the miner role: bid on requests for the model, serve won jobs with PoL.
    #[arg(long)]
    miner: bool,
    /// Run the verifier role: validate and vote when drawn into a committee, and move every
    /// auction along.
    #[arg(long)]
    verifier: bool,
    /// With --dev, leave the miner and verifier roles off (they are on by default).
    #[arg(long)]
    no_market: bool,
    /// The model file (GGUF) the network serves (default: $AMBIENT_MODEL, else the model cache).
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// The miner's keypair (default: the ledger's miner-keypair.json, created and funded in a
    /// new --dev ledger).
    #[arg(long, value_name = "KEYPAIR")]
    miner_keypair: Option<PathBuf>,
    /// The miner's price, in lamports per token of a request's max tokens (at least 0.001 SOL).
    #[arg(long, value_name = "LAMPORTS", default_value_t = PricePolicy::default().per_token)]
    miner_price_per_token: u64,
    /// The key that pays for the REST API's chat completions (default: the ledger's
    /// api-keypair.json, created and funded in a new --dev ledger; without one, callers open
    /// auctions with their own keys).
    #[arg(long, value_name = "KEYPAIR")]
    api_keypair: Option<PathBuf>,
    /// The API key book (default: api-keys.json in the ledger): the keys whose requests the
    /// node pays for, each with a budget and a price cap (`ambient node keys add|list|revoke`).
    /// A --dev node makes a key without limits and prints it.
    #[arg(long, value_name = "FILE")]
    api_keys: Option<PathBuf>,
    /// Seconds an auction the REST API opened stays readable after it ends (for its receipt and
    /// verdict) before the node closes it, returning what it holds to the API's payer.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    close_auctions_after: u64,
    /// Where the model runs for the miner and verifier: cpu, or cuda (a build with the `cuda`
    /// feature and a GPU; the same logits, bit for bit).
    #[arg(long, default_value = "cpu")]
    backend: ambient_llm::Backend,
    /// For fraud tests only: the miner generates with this model file while claiming the
    /// network's model (--model) — a dishonest miner the verifiers must catch.
    #[arg(long, value_name = "FILE", hide = true)]
    dishonest_model: Option<PathBuf>,
    /// For appeal tests only: the node's verifier votes the opposite of what it finds — a
    /// dishonest committee member whose verdict the wronged miner must appeal.
    #[arg(long, hide = true)]
    dishonest_verifier: bool,
    /// Join the cluster of the node whose gossip address this is (repeatable): the shred
    /// version and, for a new ledger, the genesis come from it.
    #[arg(long = "entrypoint", value_name = "HOST:PORT")]
    entrypoints: Vec<String>,
    /// Wait at this slot, before producing or voting, until 80 % of the stake is in gossip
    /// (Agave's coordinated start): every validator of a new multi-validator genesis starts
    /// with 0, so none leads its first slots alone.
    #[arg(long, value_name = "SLOT")]
    wait_for_supermajority: Option<u64>,
    /// How a node joining a cluster gets its starting state (the newest snapshot of the
    /// cluster by default).
    #[command(flatten)]
    snapshot_fetch: ambient_validator::bootstrap::SnapshotFetch,
    /// Add this value to the niceness of Agave's banking-stage scheduler thread, which spins
    /// on a core while the node leads (as --snapshot-packager-niceness-adjustment). Default: 19
    /// with --dev (the leader of every slot, beside its miner), else 0. Negative needs root.
    #[arg(long, value_name = "ADJUSTMENT", allow_negative_numbers = true,
          value_parser = banking_scheduler_niceness)]
    banking_scheduler_niceness_adjustment: Option<i8>,
    /// Refuse to join a cluster whose genesis hash differs.
    #[arg(long, value_name = "HASH")]
    expected_genesis_hash: Option<solana_hash::Hash>,
    /// The vote account keypair, also its authorized voter (default: the ledger's
    /// vote-keypair.json; a node without one does not vote).
    #[arg(long, value_name = "KEYPAIR")]
    vote_account: Option<PathBuf>,
    /// With --dev, when creating the ledger: another genesis validator, as
    /// IDENTITY_PUBKEY:VOTE_PUBKEY[:LSTAKE_WEIGHT] (repeatable). Genesis LStake is shared in
    /// proportion to the weights (this node's is --lstake-weight).
    #[arg(long = "bootstrap-validator", value_name = "IDENTITY:VOTE[:WEIGHT]")]
    bootstrap_validators: Vec<String>,
    /// With --bootstrap-validator: this node's genesis LStake weight.
    #[arg(long, value_name = "WEIGHT", default_value_t = 1)]
    lstake_weight: u64,
    /// Limits on outside input.
    #[command(flatten)]
    limits: limits::LimitArgs,
}

/// `--limit-ledger-size` without a count (Agave's `DEFAULT_MAX_LEDGER_SHREDS`).
const DEFAULT_MAX_LEDGER_SHREDS_ARG: &str = "200000000";

/// The least `--limit-ledger-size` of a --dev node (solana-test-validator's default).
const DEV_MIN_MAX_LEDGER_SHREDS: u64 = 10_000;

/// Refuses a `--limit-ledger-size` below Agave's minimum, or for a --dev node below
/// [`DEV_MIN_MAX_LEDGER_SHREDS`] and two snapshot intervals of one-FEC-set blocks, so the slots a
/// restart replays after the newest snapshot are still there.
fn check_limit_ledger_size(limit: Option<u64>, dev: bool, snapshot_interval: u64) -> Result<()> {
    use solana_ledger::blockstore_cleanup_service::DEFAULT_MIN_MAX_LEDGER_SHREDS;
    use solana_ledger::shred::DATA_SHREDS_PER_FEC_BLOCK;
    let least = if dev {
        let replayed = 2 * snapshot_interval * DATA_SHREDS_PER_FEC_BLOCK as u64;
        DEV_MIN_MAX_LEDGER_SHREDS.max(replayed)
    } else {
        DEFAULT_MIN_MAX_LEDGER_SHREDS
    };
    match limit {
        Some(n) if n < least => bail!(
            "--limit-ledger-size {n} is too small: the least is {least}{}",
            if dev { " with --dev" } else { "" }
        ),
        _ => Ok(()),
    }
}

/// A genesis validator given on the command line.
fn parse_bootstrap_validator(s: &str) -> Result<(Pubkey, Pubkey, u64)> {
    let parts: Vec<&str> = s.split(':').collect();
    let key = |p: &str| -> Result<Pubkey> {
        p.parse()
            .with_context(|| format!("--bootstrap-validator {s}: {p} is not a public key"))
    };
    match parts.as_slice() {
        [id, vote] => Ok((key(id)?, key(vote)?, 1)),
        [id, vote, w] => Ok((
            key(id)?,
            key(vote)?,
            w.parse().with_context(|| {
                format!("--bootstrap-validator {s}: weight {w} is not a number")
            })?,
        )),
        _ => bail!("--bootstrap-validator {s}: expected IDENTITY:VOTE or IDENTITY:VOTE:WEIGHT"),
    }
}

/// Genesis LStake from weights: parts of `LSTAKE_ONE` in proportion.
fn lstake_shares(weights: &[(Pubkey, u64)]) -> Result<Vec<(Pubkey, u64)>> {
    let total: u128 = weights.iter().map(|(_, w)| u128::from(*w)).sum();
    if total == 0 {
        bail!("genesis LStake weights are all zero: some validator must lead");
    }
    Ok(weights
        .iter()
        .map(|(id, w)| {
            let share = u128::from(*w) * u128::from(ambient_pol::lstake::LSTAKE_ONE) / total;
            (*id, share as u64)
        })
        .collect())
}

/// Resolves `HOST:PORT`.
fn resolve(addr: &str) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    addr.to_socket_addrs()
        .with_context(|| format!("resolving {addr}"))?
        .next()
        .with_context(|| format!("{addr} resolves to no address"))
}

/// Downloads the genesis of the cluster whose node serves JSON-RPC on `rpc` and writes a new
/// ledger for it at `ledger`.
fn join_ledger(
    entrypoint: &SocketAddr,
    ledger: &std::path::Path,
    expected: Option<solana_hash::Hash>,
) -> Result<()> {
    let rpc = node::entrypoint_rpc(entrypoint, Duration::from_secs(120))?;
    let tmp = ledger.join("tmp-genesis");
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let client = solana_rpc_client::rpc_client::RpcClient::new(format!("http://{rpc}"));
    let mut expected = expected;
    eprintln!("downloading the genesis from http://{rpc} ...");
    solana_genesis_utils::download_then_check_genesis_hash(
        &rpc,
        &tmp,
        &mut expected,
        solana_genesis_utils::MAX_GENESIS_ARCHIVE_UNPACKED_SIZE,
        false,
        true,
        &client,
    )
    .map_err(|e| anyhow::anyhow!("downloading the genesis from {rpc}: {e}"))?;
    let genesis = solana_genesis_config::GenesisConfig::load(&tmp)
        .with_context(|| format!("reading the genesis downloaded into {}", tmp.display()))?;
    node::create_ledger(ledger, &genesis)?;
    std::fs::remove_dir_all(&tmp).with_context(|| format!("removing {}", tmp.display()))?;
    eprintln!("joined cluster {} at {}", genesis.hash(), ledger.display());
    Ok(())
}

/// A stop asked for while the validator is still starting (replaying its ledger, or waiting for
/// the cluster with --wait-for-supermajority, which Agave does not interrupt) ends the process at
/// once: nothing has been produced or voted yet.
fn stop_while_starting(exit: Arc<AtomicBool>, started: Arc<AtomicBool>) -> Result<()> {
    std::thread::Builder::new()
        .name("ambStartStop".into())
        .spawn(move || {
            while !started.load(Ordering::Relaxed) {
                if exit.load(Ordering::Relaxed) {
                    eprintln!("stopped while starting");
                    log::info!("stopped while starting");
                    std::process::exit(0);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .context("spawning a thread")?;
    Ok(())
}

/// Parses `--banking-scheduler-niceness-adjustment`: in -20..=19, negative only with privilege.
fn banking_scheduler_niceness(s: &str) -> Result<i8> {
    let n: i8 = s
        .parse()
        .with_context(|| format!("{s:?} is not a niceness adjustment (-20..=19)"))?;
    ambient_validator::niceness::check(n).map_err(anyhow::Error::msg)?;
    Ok(n)
}

/// Parses `--dynamic-port-range` (MIN-MAX, at least Agave's minimum width).
fn port_range(s: &str) -> Result<solana_net_utils::PortRange> {
    let range = solana_net_utils::parse_port_range(s)
        .with_context(|| format!("{s:?} is not a port range MIN-MAX"))?;
    let width = range.1.saturating_sub(range.0);
    if width < solana_net_utils::MINIMUM_VALIDATOR_PORT_RANGE_WIDTH {
        bail!(
            "{s}: the range must hold at least {} ports",
            solana_net_utils::MINIMUM_VALIDATOR_PORT_RANGE_WIDTH
        );
    }
    Ok(range)
}

/// Lamports a new --dev ledger gives the local miner and the REST API's payer.
const DEV_KEY_LAMPORTS: u64 = 1_000 * 1_000_000_000;

fn load_engine(path: &std::path::Path, backend: ambient_llm::Backend) -> Result<Arc<Engine>> {
    if !path.exists() {
        bail!(
            "model {} not found: run `bash ci/fetch-model.sh`, pass --model, or start with \
             --no-market",
            path.display()
        );
    }
    eprintln!("loading the model {} ...", path.display());
    let opts = EngineOptions {
        backend,
        ..EngineOptions::default()
    };
    let engine =
        Engine::load(path, &opts, |_| {}).with_context(|| format!("loading {}", path.display()))?;
    eprintln!(
        "model loaded: {} backend, {} kernels, {} threads",
        engine.backend(),
        engine.ctx().isa(),
        engine.ctx().threads()
    );
    Ok(Arc::new(engine))
}

/// Panics go to the log too (standard error is often not kept), then to the default hook, and
/// stop the process.
fn log_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        log::error!("thread '{}' panicked: {info}", thread.name().unwrap_or("?"));
        default(info);
        // As Agave's validator: a node with a dead thread stops rather than run on half-working.
        std::process::exit(1);
    }));
}

fn init_logging(args: &Args) -> Result<()> {
    let mut b = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(
        "info,solana_metrics=warn,solana_runtime::bank=warn,solana_ledger::blockstore=warn,\
         solana_ledger::blockstore_cleanup_service=info,solana_ledger::blockstore_processor=info,\
         solana_accounts_db=warn,solana_streamer=warn,solana_rpc::rpc_subscriptions=warn,\
         solana_rpc::transaction_status_service=warn,solana_send_transaction_service=warn,\
         solana_tpu_client_next=warn",
    ));
    let path = match &args.log {
        Some(p) if p.as_os_str() != "-" => Some(p.clone()),
        Some(_) => None,
        None => Some(args.ledger.join("validator.log")),
    };
    if let Some(path) = path {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening log file {}", path.display()))?;
        b.target(env_logger::Target::Pipe(Box::new(file)));
    }
    b.init();
    Ok(())
}

/// The banner's TVU line: where Turbine shreds arrive, and where gossip says they should be sent
/// when that differs (`--public-tvu-address`).
fn tvu_line(bound: Option<SocketAddr>, advertised: Option<SocketAddr>) -> String {
    match (bound, advertised) {
        (Some(b), Some(a)) if a != b => format!("{b} (advertised as {a})"),
        (Some(b), _) => b.to_string(),
        (None, Some(a)) => format!("advertised as {a}"),
        (None, None) => "none".to_string(),
    }
}

/// The model's name in the REST API and the console: its file name without `.gguf`.
fn model_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".gguf").to_string())
        .unwrap_or_else(|| "ambient".into())
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.slot_ms == Some(0) {
        bail!("--slot-ms must be positive");
    }
    if let Some(n) = args
        .slots_per_epoch
        .filter(|n| *n < MINIMUM_SLOTS_PER_EPOCH)
    {
        bail!("--slots-per-epoch {n} is too small: the least is {MINIMUM_SLOTS_PER_EPOCH}");
    }
    args.limits.validate()?;
    check_limit_ledger_size(
        args.limit_ledger_size,
        args.dev,
        args.snapshot_interval_slots,
    )?;
    if args.reset {
        if !args.dev {
            bail!("--reset deletes the ledger; it is only allowed with --dev");
        }
        if args.ledger.exists() {
            std::fs::remove_dir_all(&args.ledger)
                .with_context(|| format!("deleting {}", args.ledger.display()))?;
        }
    }
    let miner_on = args.miner || (args.dev && !args.no_market);
    let verifier_on = args.verifier || (args.dev && !args.no_market);
    let market = miner_on || verifier_on;
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(ambient_llm::default_model_path);
    let engine = if market {
        Some(load_engine(&model_path, args.backend)?)
    } else {
        None
    };
    let entrypoints = args
        .entrypoints
        .iter()
        .map(|e| resolve(e))
        .collect::<Result<Vec<_>>>()?;
    if args.dev && !entrypoints.is_empty() {
        bail!("--dev creates a new cluster; --entrypoint joins one: use one of them");
    }
    if !ledger_exists(&args.ledger) && entrypoints.is_empty() {
        if !args.dev {
            bail!(
                "no ledger at {}; start with --dev to create a development cluster, or \
                 --entrypoint to join one",
                args.ledger.display()
            );
        }
        std::fs::create_dir_all(&args.ledger)
            .with_context(|| format!("creating {}", args.ledger.display()))?;
        let identity = match &args.identity {
            Some(p) => keys::read(p)?,
            None => solana_keypair::Keypair::new(),
        };
        let mut params = GenesisParams::dev(identity.pubkey());
        if let Some(ms) = args.slot_ms {
            params.slot_duration = Duration::from_millis(ms);
        }
        params.slots_per_epoch = args.slots_per_epoch;
        params.audit.1 = args.audit_floor;
        if let Some(p) = &args.vote_account {
            params.bootstrap_vote = Some(keys::read(p)?);
        }
        if !args.bootstrap_validators.is_empty() {
            let others = args
                .bootstrap_validators
                .iter()
                .map(|v| parse_bootstrap_validator(v))
                .collect::<Result<Vec<_>>>()?;
            let mut weights = vec![(identity.pubkey(), args.lstake_weight)];
            weights.extend(others.iter().map(|(id, _, w)| (*id, *w)));
            params.initial_lstake = lstake_shares(&weights)?;
            params.validators = others.iter().map(|(id, vote, _)| (*id, *vote)).collect();
        }
        let miner = solana_keypair::Keypair::new();
        let api_payer = solana_keypair::Keypair::new();
        if let Some(e) = &engine {
            params.allowed_models = vec![e.model_id().0];
        }
        let mut genesis = AmbientGenesis::new(params);
        for key in [&miner, &api_payer] {
            genesis.config.add_account(
                key.pubkey(),
                solana_account::AccountSharedData::new(
                    DEV_KEY_LAMPORTS,
                    0,
                    &solana_sdk_ids::system_program::id(),
                ),
            );
        }
        node::create_ledger(&args.ledger, &genesis.config)?;
        keys::write(&args.ledger.join(keys::MINER), &miner)?;
        keys::write(&args.ledger.join(keys::API), &api_payer)?;
        keys::write(&args.ledger.join(keys::IDENTITY), &identity)?;
        keys::write(&args.ledger.join(keys::VOTE), &genesis.bootstrap_vote)?;
        keys::write(&args.ledger.join(keys::FAUCET), &genesis.faucet)?;
        eprintln!("created a development ledger at {}", args.ledger.display());
    }
    std::fs::create_dir_all(&args.ledger)
        .with_context(|| format!("creating {}", args.ledger.display()))?;
    disk::check_writable(&args.ledger, args.limits.ledger_min_free_mb)?;
    init_logging(&args)?;
    log_panics();

    let identity = Arc::new(match &args.identity {
        Some(p) => keys::read(p)?,
        None if entrypoints.is_empty() => keys::read(&args.ledger.join(keys::IDENTITY))?,
        None => bail!("joining a cluster needs --identity (this node's keypair)"),
    });
    let ledger_identity = args.ledger.join(keys::IDENTITY);
    if ledger_identity.exists() {
        let bootstrap = keys::read(&ledger_identity)?.pubkey();
        if bootstrap != identity.pubkey() {
            bail!(
                "identity {} is not the validator of the ledger at {} ({bootstrap}); \
                 start without --identity, or with --reset for a new cluster",
                identity.pubkey(),
                args.ledger.display()
            );
        }
    }
    let vote_path = args
        .vote_account
        .clone()
        .unwrap_or_else(|| args.ledger.join(keys::VOTE));
    let vote = if vote_path.exists() {
        Some(Arc::new(keys::read(&vote_path)?))
    } else {
        info!(
            "no vote account keypair at {}: this node will not vote",
            vote_path.display()
        );
        None
    };
    let faucet_path = args.ledger.join(keys::FAUCET);
    let faucet = if args.dev && faucet_path.exists() {
        Some(keys::read(&faucet_path)?)
    } else {
        None
    };

    let exit = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, exit.clone()).context("installing signal handlers")?;
    }

    if !ledger_exists(&args.ledger) {
        join_ledger(&entrypoints[0], &args.ledger, args.expected_genesis_hash)?;
    }
    let genesis = solana_genesis_config::GenesisConfig::load(&args.ledger)
        .with_context(|| format!("reading the genesis at {}", args.ledger.display()))?;
    if let Some(expected) = args.expected_genesis_hash {
        if genesis.hash() != expected {
            bail!("the ledger's genesis {} is not {expected}", genesis.hash());
        }
    }
    let slot_duration = genesis.poh_config.target_tick_duration * genesis.ticks_per_slot as u32;
    if let Some(ms) = args
        .slot_ms
        .filter(|ms| Duration::from_millis(*ms) != slot_duration)
    {
        log::warn!(
            "--slot-ms {ms} ignored: the ledger's genesis sets {} ms slots",
            slot_duration.as_millis()
        );
    }
    let schedule = &genesis.epoch_schedule;
    if let Some(n) = args
        .slots_per_epoch
        .filter(|n| *n != schedule.slots_per_epoch || schedule.warmup)
    {
        log::warn!(
            "--slots-per-epoch {n} ignored: the ledger's genesis sets {} slots per epoch{}",
            schedule.slots_per_epoch,
            if schedule.warmup {
                " after warm-up epochs"
            } else {
                ""
            }
        );
    }
    let rpc_addr = SocketAddr::new(args.bind_address, args.rpc_port);
    let pubsub_addr = SocketAddr::new(args.bind_address, args.rpc_port.wrapping_add(1));
    let rpc_front = ambient_rpc::front::bind(rpc_addr)?;
    let faucet_addr = match faucet {
        Some(keypair) => {
            let cap = Some(args.faucet_sol.saturating_mul(1_000_000_000));
            Some(ambient_rpc::faucet::start(keypair, cap)?.0)
        }
        None => None,
    };
    let limits_rpc = args.limits.rpc();
    let settings = node::NodeSettings {
        ledger: args.ledger.clone(),
        identity: identity.clone(),
        vote_account: vote.as_ref().map(|v| v.pubkey()),
        authorized_voters: vote.iter().cloned().chain([identity.clone()]).collect(),
        bind_address: args.bind_address,
        gossip_port: args.gossip_port,
        port_range: args.dynamic_port_range,
        public: node::PublicAddrs {
            tvu: args.public_tvu_address,
            tpu: args.public_tpu_address,
            tpu_forwards: args.public_tpu_forwards_address,
        },
        rpc_public: rpc_addr,
        rpc_internal: ambient_rpc::free_loopback_port()?,
        pubsub: pubsub_addr,
        faucet: faucet_addr,
        max_request_body: limits_rpc.max_body as usize,
        entrypoints: entrypoints.clone(),
        snapshot_interval_slots: args.snapshot_interval_slots,
        max_ledger_shreds: args.limit_ledger_size,
        wait_for_supermajority: args.wait_for_supermajority,
        dev: args.dev,
        snapshot_fetch: args.snapshot_fetch.clone(),
        banking_scheduler_niceness: args.banking_scheduler_niceness_adjustment.unwrap_or(
            if args.dev {
                ambient_validator::niceness::DEV_ADJUSTMENT
            } else {
                0
            },
        ),
    };
    // The front end first: while the validator waits for the cluster (--wait-for-supermajority)
    // its JSON-RPC already serves the genesis to the nodes joining.
    let rpc_front = ambient_rpc::front::Front::start(rpc_front, settings.rpc_internal, limits_rpc)
        .context("starting the JSON-RPC front end")?;
    eprintln!("starting the validator on {} ...", args.ledger.display());
    // The validator's own exit flag: a stop asked for (signal, control socket, full disk) first
    // lets it snapshot its root, then raises this.
    let validator_exit = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    stop_while_starting(exit.clone(), started.clone())?;
    let running =
        node::start(&settings, validator_exit.clone()).context("starting the validator")?;
    started.store(true, Ordering::Relaxed);
    let contact = running.contact.clone();
    let tvu = tvu_line(
        running.tvu_bound,
        contact.tvu(solana_gossip::contact_info::Protocol::UDP),
    );
    let api_addr = SocketAddr::new(
        args.bind_address,
        args.api_port.unwrap_or(args.rpc_port.wrapping_add(2)),
    );
    let blobs = Arc::new(
        BlobStore::open(&args.ledger.join("blobs"), args.limits.blobs())
            .context("opening the blob store")?,
    );
    let listener = std::net::TcpListener::bind(api_addr)
        .with_context(|| format!("binding the HTTP API on {api_addr}"))?;
    // The REST API's payer opens auctions for callers (a --dev ledger has one).
    let payer_path = args
        .api_keypair
        .clone()
        .unwrap_or_else(|| args.ledger.join(keys::API));
    let api_payer = match &engine {
        Some(_) if payer_path.exists() => Some(Arc::new(keys::read(&payer_path)?)),
        _ => None,
    };
    let (api_keys, dev_key) = api_access::open(args.api_keys.as_ref(), &args.ledger, args.dev)?;
    let routes = match &engine {
        Some(engine) => {
            let payer = api_payer.clone();
            ambient_api::router(Arc::new(ChatService {
                engine: engine.clone(),
                model_name: model_name(&model_path),
                rpc_url: format!("http://{rpc_addr}"),
                api_url: format!("http://{api_addr}"),
                payer,
                prompt_uploader: Arc::new(solana_keypair::Keypair::new()),
                keys: api_keys.clone(),
                auction: AuctionSettings {
                    slot: slot_duration,
                    ..AuctionSettings::default()
                },
                streams: Arc::new(StreamHub::default()),
                limits: args.limits.chat(),
                in_flight: args.limits.chat().permits(),
            }))
        }
        None => axum::Router::new(),
    };
    let stats = MarketStats::default();
    let routes = routes.merge(ambient_api::metrics::router(Arc::new(NodeMetrics::new(
        &format!("http://{rpc_addr}"),
        identity.pubkey(),
        stats.clone(),
    ))));
    let mut node_roles = vec!["validator".to_string()];
    for (on, role) in [
        (miner_on, "miner"),
        (verifier_on, "verifier"),
        (engine.is_some(), "chat API"),
    ] {
        if on {
            node_roles.push(role.to_string());
        }
    }
    let routes = routes.merge(ambient_api::console::router(Console::new(ConsoleConfig {
        rpc_url: format!("http://{rpc_addr}"),
        identity: identity.pubkey(),
        roles: node_roles.clone(),
        model: engine.as_ref().map(|_| model_name(&model_path)),
        refresh: slot_duration.max(Duration::from_millis(200)),
    })));
    let miner_key = match miner_on && engine.is_some() {
        true => {
            let path = args
                .miner_keypair
                .clone()
                .unwrap_or_else(|| args.ledger.join(keys::MINER));
            Some(Arc::new(keys::read(&path)?))
        }
        false => None,
    };
    // The node's own keys upload to its blob store as the node; every other key within its quota.
    let trusted_uploaders: Vec<[u8; 32]> =
        [Some(&identity), miner_key.as_ref(), api_payer.as_ref()]
            .into_iter()
            .flatten()
            .map(|k| k.pubkey().to_bytes())
            .chain(args.blob_trusted_uploaders.iter().map(|k| k.to_bytes()))
            .collect();
    let app = ambient_blobs::server::router(blobs.clone(), &args.blob_peers, &trusted_uploaders)
        .merge(routes)
        .fallback(ambient_api::openai::unknown_route);
    let app =
        ambient_api::browser::protect(app, &args.api_allowed_origins, &args.api_allowed_hosts)?;
    let app = ambient_api::limits::per_client(app, Arc::new(Limiter::new(args.limits.rate())));
    let api = BlobServer::start_app(listener, blobs, app)
        .with_context(|| format!("starting the HTTP API on {api_addr}"))?;
    let mut roles = Vec::new();
    if let Some(engine) = engine.clone() {
        let rpc_url = format!("http://{rpc_addr}");
        // Several passes a slot: a bid or reveal sent early in its slot lands in it.
        let every = (slot_duration / 8).max(Duration::from_millis(25));
        // The miner's key earns LStake, so it is drawn into committees: it votes too (with the
        // network's model), and only it when the node runs no verifier role.
        let voter = match (&miner_key, verifier_on) {
            (_, true) => Some(identity.clone()),
            (Some(k), false) => Some(k.clone()),
            (None, false) => None,
        };
        if let Some(voter) = voter {
            let mut v = Verifier::new(voter, &rpc_url, &api.url(), engine.clone())?;
            if !verifier_on {
                v.vote_only();
            }
            if let Some(k) = &miner_key {
                v.also_vote_as(k.clone());
            }
            if args.dishonest_verifier {
                v.lie();
            }
            v.with_stats(stats.clone());
            roles.push(roles::spawn("ambVerifier", v, every, exit.clone())?);
        }
        if let Some(payer) = api_payer {
            // The auctions the API opened are closed once over: escrow and rent come back.
            let grace = Duration::from_secs(args.close_auctions_after);
            let closer = Closer::new(payer, &rpc_url, grace);
            roles.push(roles::spawn("ambCloser", closer, every * 8, exit.clone())?);
        }
        if let Some(key) = miner_key {
            let policy = PricePolicy {
                per_token: args.miner_price_per_token,
                ..PricePolicy::default()
            };
            let serving = match &args.dishonest_model {
                Some(p) => load_engine(p, args.backend)?,
                None => engine.clone(),
            };
            let mut m = Miner::new(
                key,
                &rpc_url,
                &api.url(),
                serving,
                policy,
                &args.ledger.join("market"),
            )?;
            m.claim_model(engine.model_id().0);
            m.with_stats(stats.clone());
            info!("miner {} on", m.identity());
            roles.push(roles::spawn("ambMiner", m, every, exit.clone())?);
        }
    }

    let _admin = admin::Admin::start(
        &args.ledger,
        admin::NodeFacts {
            identity: identity.pubkey().to_string(),
            roles: node_roles,
            rpc_url: format!("http://{rpc_addr}"),
            api_url: api.url(),
            keys: api_keys.clone(),
        },
        exit.clone(),
    )
    .context("starting the control socket")?;
    let ready = format!(
        "Ambient validator {} ready\n  identity:  {}\n  genesis:   {}\n  JSON-RPC:  http://{}\n  WebSocket: ws://{}\n  TPU/QUIC:  {}\n  TVU:       {}\n  gossip:    {}\n  HTTP API:  {}\n  API key:   {}\n  console:   {}/\n  faucet:    {}\n  market:    {}\n  ledger:    {}\n  control:   {} (ambient node status|exit)",
        env!("CARGO_PKG_VERSION"),
        identity.pubkey(),
        genesis.hash(),
        rpc_addr,
        pubsub_addr,
        contact
            .tpu(solana_gossip::contact_info::Protocol::QUIC)
            .map_or("none".to_string(), |a| a.to_string()),
        tvu,
        contact
            .gossip()
            .map_or("none".to_string(), |a| a.to_string()),
        api.url(),
        api_access::banner_line(&api_keys, dev_key.as_deref()),
        api.url(),
        faucet_addr
            .map_or("off".to_string(), |a| a.to_string()),
        match (miner_on, verifier_on) {
            (true, true) => "miner, verifier",
            (true, false) => "miner",
            (false, true) => "verifier",
            (false, false) => "off",
        },
        args.ledger.display(),
        args.ledger.join(admin::SOCKET).display(),
    );
    info!("{ready}");
    println!("{ready}");

    // A disk filling up stops the node cleanly before the ledger's writes start failing.
    let mut disk_full = None;
    let mut ticks = 0u64;
    while !exit.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        ticks += 1;
        if validator_exit.load(Ordering::Relaxed) {
            log::error!("the validator stopped; shutting down");
            eprintln!("the validator stopped; shutting down");
            exit.store(true, Ordering::Relaxed);
        }
        if ticks.is_multiple_of(20) {
            if let Err(e) = disk::check_free(&args.ledger, args.limits.ledger_min_free_mb) {
                log::error!("{e}; stopping");
                eprintln!("{e}; stopping");
                disk_full = Some(e);
                exit.store(true, Ordering::Relaxed);
            }
        }
    }
    eprintln!("shutting down ...");
    info!("shutting down");
    for r in roles {
        let _ = r.join();
    }
    // Everything that talks to Agave's JSON-RPC stops first: its HTTP server's shutdown waits
    // for the connections open to it, and the front end's and the API's pooled keep-alive
    // connections would hold it up to their idle timeout.
    api.join();
    rpc_front.join();
    running.stop();
    eprintln!("stopped");
    match disk_full {
        Some(e) => Err(e.context("stopped cleanly: free space on the ledger's disk and restart")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Args {
        let mut argv = vec!["ambient-validator", "--dev"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv).expect("valid arguments")
    }

    #[test]
    fn limit_ledger_size_takes_agaves_forms_and_minimums() {
        assert_eq!(parse(&[]).limit_ledger_size, None);
        assert_eq!(
            parse(&["--limit-ledger-size"]).limit_ledger_size,
            Some(200_000_000)
        );
        assert_eq!(
            parse(&["--limit-ledger-size", "20000"]).limit_ledger_size,
            Some(20_000)
        );
        // --dev: solana-test-validator's least, or two snapshot intervals of 32-shred blocks.
        assert!(check_limit_ledger_size(Some(10_000), true, 100).is_ok());
        assert!(check_limit_ledger_size(Some(9_999), true, 100).is_err());
        assert!(check_limit_ledger_size(Some(64_000), true, 1000).is_ok());
        let err = check_limit_ledger_size(Some(63_999), true, 1000).unwrap_err();
        assert!(
            err.to_string().contains("the least is 64000 with --dev"),
            "{err}"
        );
        let err = check_limit_ledger_size(Some(20_000), false, 1000).unwrap_err();
        assert!(err.to_string().contains("the least is 50000000"), "{err}");
        assert!(check_limit_ledger_size(Some(50_000_000), false, 1000).is_ok());
        assert!(check_limit_ledger_size(None, false, 1000).is_ok());
    }

    #[test]
    fn the_snapshot_interval_has_agaves_name_too() {
        let args = parse(&["--full-snapshot-interval-slots", "50"]);
        assert_eq!(args.snapshot_interval_slots, 50);
    }
}
