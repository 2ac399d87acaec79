//! The node: Agave's validator (`solana-core`'s `Validator`: banking, replay, Tower, fork choice,
//! Turbine, repair, gossip, snapshots, JSON-RPC and PubSub) on an Ambient ledger, with Ambient's
//! consensus hooks installed first (epoch stakes from LStake, the Ambient builtins, one issuance).

use std::net::{IpAddr, SocketAddr};
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use agave_snapshots::snapshot_config::{SnapshotConfig, SnapshotUsage};
use agave_snapshots::SnapshotInterval;
use anyhow::{Context, Result};
use solana_accounts_db::accounts_db::{AccountsDbConfig, ACCOUNTS_DB_CONFIG_FOR_TESTING};
use solana_accounts_db::accounts_index::{AccountsIndexConfig, ScanFilter};
use solana_accounts_db::utils::create_accounts_run_and_snapshot_dirs;
use solana_core::admin_rpc_post_init::AdminRpcRequestMetadataPostInit;
use solana_core::consensus::tower_storage::FileTowerStorage;
use solana_core::validator::{
    Validator, ValidatorConfig, ValidatorStartProgress, ValidatorTpuConfig,
};
use solana_genesis_config::GenesisConfig;
use solana_genesis_utils::MAX_GENESIS_ARCHIVE_UNPACKED_SIZE;
use solana_gossip::cluster_info::NodeConfig;
use solana_gossip::contact_info::ContactInfo;
use solana_gossip::gossip_service::discover_peers;
use solana_gossip::node::Node;
use solana_keypair::Keypair;
use solana_ledger::blockstore::create_new_ledger;
use solana_ledger::blockstore_options::LedgerColumnOptions;
use solana_net_utils::multihomed_sockets::BindIpAddrs;
use solana_net_utils::{PortRange, SocketAddrSpace};
use solana_pubkey::Pubkey;
use solana_rpc::rpc::JsonRpcConfig;
use solana_rpc::rpc_pubsub_service::{
    PubSubConfig, DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS, DEFAULT_QUEUE_CAPACITY_BYTES,
    DEFAULT_QUEUE_CAPACITY_ITEMS,
};
use solana_signer::Signer;

use crate::bootstrap::{self, SnapshotFetch};

/// How long a joining node waits for its entrypoint to tell the cluster's shred version.
const ENTRYPOINT_WAIT: Duration = Duration::from_secs(120);

/// Full snapshot archives kept (older ones are deleted).
pub const SNAPSHOT_ARCHIVES_KEPT: usize = 2;

/// Rooted blocks between full snapshots by default.
pub const DEFAULT_SNAPSHOT_INTERVAL_SLOTS: u64 = 1000;

/// What the node needs to start.
#[derive(Debug)]
pub struct NodeSettings {
    /// The ledger directory (genesis, blockstore, accounts, snapshots, tower).
    pub ledger: PathBuf,
    /// The node's identity.
    pub identity: Arc<Keypair>,
    /// The vote account this node votes with; `None`: it does not vote.
    pub vote_account: Option<Pubkey>,
    /// Keys that may be the vote account's authorized voter.
    pub authorized_voters: Vec<Arc<Keypair>>,
    /// The address every socket binds to and that gossip advertises.
    pub bind_address: IpAddr,
    /// The gossip port (0: the first free one in `port_range`).
    pub gossip_port: u16,
    /// Where the node's other UDP and QUIC sockets are bound.
    pub port_range: PortRange,
    /// Addresses advertised in gossip instead of the bound ones (a node behind NAT or a relay),
    /// as `agave-validator`'s `--public-tvu-address`, `--public-tpu-address` and
    /// `--public-tpu-forwards-address`.
    pub public: PublicAddrs,
    /// The public JSON-RPC address advertised in gossip (the front end).
    pub rpc_public: SocketAddr,
    /// Where the validator's own JSON-RPC listens (behind the front end).
    pub rpc_internal: SocketAddr,
    /// The PubSub (websocket) address.
    pub pubsub: SocketAddr,
    /// The faucet `requestAirdrop` asks, when there is one.
    pub faucet: Option<SocketAddr>,
    /// Largest JSON-RPC request body, in bytes.
    pub max_request_body: usize,
    /// Gossip addresses of nodes of the cluster to join.
    pub entrypoints: Vec<SocketAddr>,
    /// Rooted blocks between full snapshots (0: none).
    pub snapshot_interval_slots: u64,
    /// Most shreds kept in rooted slots (Agave's blockstore cleanup); `None`: no limit.
    pub max_ledger_shreds: Option<u64>,
    /// The slot at which to wait for 80 % of the stake in gossip before producing or voting.
    pub wait_for_supermajority: Option<u64>,
    /// A development node: skips start-up PoH verification.
    pub dev: bool,
    /// How a node joining through `entrypoints` gets its starting state.
    pub snapshot_fetch: SnapshotFetch,
    /// Added to the niceness of Agave's banking scheduler thread (it spins while the node
    /// leads; see [`crate::niceness`]).
    pub banking_scheduler_niceness: i8,
}

/// Addresses a node advertises in gossip in place of the ones its sockets are bound to.
#[derive(Clone, Copy, Debug, Default)]
pub struct PublicAddrs {
    /// Where other nodes send Turbine shreds (TVU).
    pub tvu: Option<SocketAddr>,
    /// Where clients send transactions (TPU, QUIC).
    pub tpu: Option<SocketAddr>,
    /// Where other nodes forward transactions (TPU forwards, QUIC).
    pub tpu_forwards: Option<SocketAddr>,
}

/// How long a clean stop waits for the fastboot snapshot of the root (as `agave-validator exit`).
const FASTBOOT_WAIT: Duration = Duration::from_secs(5);

/// How long a clean stop waits for Agave's services to join (about 5 s on an idle machine).
const JOIN_LIMIT: Duration = Duration::from_secs(60);

/// A started validator.
pub struct Running {
    /// Agave's validator.
    pub validator: Validator,
    /// The contact info it advertises in gossip.
    pub contact: ContactInfo,
    /// Where its TVU socket receives Turbine shreds (the advertised address may differ).
    pub tvu_bound: Option<SocketAddr>,
    post_init: Arc<RwLock<Option<AdminRpcRequestMetadataPostInit>>>,
}

impl Running {
    /// Stops the validator as `agave-validator exit` does: a fastboot snapshot of the next root
    /// first (a restart loads it instead of replaying the ledger since the last full snapshot;
    /// at most [`FASTBOOT_WAIT`]), then every service, joined (at most [`JOIN_LIMIT`]: past it the
    /// threads still running are logged and left to the process exit).
    pub fn stop(self) {
        let controller = self
            .post_init
            .read()
            .ok()
            .and_then(|p| p.as_ref().map(|p| p.snapshot_controller.clone()));
        if let Some(controller) = controller {
            let before = controller.latest_bank_snapshot_slot();
            controller.request_fastboot_snapshot();
            let start = std::time::Instant::now();
            while controller.latest_bank_snapshot_slot() == before
                && start.elapsed() < FASTBOOT_WAIT
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            log::info!(
                "fastboot snapshot of slot {} before exit",
                controller.latest_bank_snapshot_slot()
            );
        }
        let mut validator = self.validator;
        let joined = crate::shutdown::finish_within("ambStopJoin", JOIN_LIMIT, move || {
            validator.exit();
            validator.join();
        });
        if !joined {
            log::error!(
                "Agave's services did not all stop within {JOIN_LIMIT:?}; exiting without them \
                 (the ledger and the root's snapshot are on disk). Threads: {}",
                crate::shutdown::live_threads()
            );
        }
    }
}

/// Installs Ambient's consensus hooks and starts Agave's validator. `exit` set stops the
/// services; [`Running::stop`] then ends them cleanly.
pub fn start(s: &NodeSettings, exit: Arc<AtomicBool>) -> Result<Running> {
    // Before any bank is made or restored: builtins, LStake epoch stakes, one issuance.
    ambient_runtime::hooks::install();
    let mut node = gossip_node(s)?;
    let mut config = validator_config(s)?;
    let vote_account = s.vote_account.unwrap_or_else(Pubkey::new_unique);
    let entrypoints: Vec<ContactInfo> = s
        .entrypoints
        .iter()
        .map(ContactInfo::new_gossip_entry_point)
        .collect();
    let progress = Arc::new(RwLock::new(ValidatorStartProgress::default()));
    if !s.entrypoints.is_empty() && !s.snapshot_fetch.no_snapshot_fetch {
        // The bootstrap's gossip needs the cluster's shred version. (Without a snapshot to fetch
        // the validator starts on its own ledger even while every entrypoint is down, as
        // agave-validator does: a cluster restarting together must not wait on itself.)
        config.expected_shred_version =
            Some(cluster_shred_version(&s.entrypoints, ENTRYPOINT_WAIT)?);
        config.known_validators = s.snapshot_fetch.known();
        bootstrap::fetch_snapshot(&node, s, &entrypoints, &mut config, &progress);
        // The bootstrap's own gossip pushed a contact info of this identity; a fresh timestamp
        // makes the validator's win over it (as `agave-validator` does).
        node.info.hot_swap_pubkey(s.identity.pubkey());
    }
    let contact = node.info.clone();
    let tvu_bound = node.sockets.tvu.first().and_then(|t| t.local_addr().ok());
    let post_init = Arc::new(RwLock::new(None));
    let validator = Validator::new_with_exit(
        node,
        s.identity.clone(),
        &s.ledger,
        &vote_account,
        Arc::new(RwLock::new(s.authorized_voters.clone())),
        entrypoints,
        &config,
        None,
        progress,
        SocketAddrSpace::Unspecified,
        ValidatorTpuConfig::new_for_tests(),
        post_init.clone(),
        None,
        exit.clone(),
    )
    .map_err(|e| anyhow::anyhow!("starting the validator: {e}"))?;
    crate::niceness::keep_adjusted(
        crate::niceness::SPINNING_THREADS,
        s.banking_scheduler_niceness,
        exit,
    );
    Ok(Running {
        validator,
        contact,
        tvu_bound,
        post_init,
    })
}

/// The node's sockets and contact info, as `solana-test-validator` makes them.
fn gossip_node(s: &NodeSettings) -> Result<Node> {
    let config = NodeConfig {
        bind_ip_addrs: BindIpAddrs::new(vec![s.bind_address])
            .map_err(|e| anyhow::anyhow!("--bind-address {}: {e}", s.bind_address))?,
        gossip_port: s.gossip_port,
        port_range: s.port_range,
        advertised_ip: s.bind_address,
        public_tvu_addr: s.public.tvu,
        public_tpu_addr: s.public.tpu,
        public_tpu_forwards_addr: s.public.tpu_forwards,
        num_tvu_receive_sockets: NonZeroUsize::MIN,
        num_tvu_retransmit_sockets: NonZeroUsize::MIN,
        num_quic_endpoints: NonZeroUsize::new(solana_streamer::quic::DEFAULT_QUIC_ENDPOINTS)
            .context("QUIC endpoints")?,
    };
    let mut node = Node::new_with_external_ip(&s.identity.pubkey(), config);
    node.info
        .set_rpc(s.rpc_public)
        .map_err(|e| anyhow::anyhow!("JSON-RPC address {}: {e}", s.rpc_public))?;
    node.info
        .set_rpc_pubsub(s.pubsub)
        .map_err(|e| anyhow::anyhow!("PubSub address {}: {e}", s.pubsub))?;
    Ok(node)
}

/// Agave's validator settings for an Ambient node.
fn validator_config(s: &NodeSettings) -> Result<ValidatorConfig> {
    let accounts = s.ledger.join("accounts");
    let (run_dir, _) = create_accounts_run_and_snapshot_dirs(&accounts)
        .with_context(|| format!("creating {}", accounts.display()))?;
    Ok(ValidatorConfig {
        voting_disabled: s.vote_account.is_none(),
        account_paths: vec![run_dir],
        rpc_addrs: Some((s.rpc_internal, s.pubsub)),
        rpc_config: rpc_config(s),
        pubsub_config: PubSubConfig {
            enable_block_subscription: true,
            enable_vote_subscription: false,
            max_active_subscriptions: DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS,
            queue_capacity_items: DEFAULT_QUEUE_CAPACITY_ITEMS,
            queue_capacity_bytes: DEFAULT_QUEUE_CAPACITY_BYTES,
            worker_threads: 2,
            notification_threads: NonZeroUsize::new(2),
        },
        snapshot_config: snapshot_config(s),
        max_ledger_shreds: s.max_ledger_shreds,
        wait_for_supermajority: s.wait_for_supermajority,
        // A restart resumes the tower it voted with (Agave keeps it beside the ledger).
        tower_storage: Arc::new(FileTowerStorage::new(s.ledger.clone())),
        run_verification: !s.dev,
        // The first leader of a new cluster cannot wait for its own vote to land.
        no_wait_for_vote_to_start_leader: s.entrypoints.is_empty(),
        accounts_db_config: AccountsDbConfig {
            index: Some(AccountsIndexConfig::default()),
            scan_filter_for_shrinking: ScanFilter::All,
            ..ACCOUNTS_DB_CONFIG_FOR_TESTING
        },
        ..ValidatorConfig::default_for_test()
    })
}

/// The validator's JSON-RPC: every method, transaction history with logs (as
/// `solana-test-validator`), the faucet behind `requestAirdrop`.
fn rpc_config(s: &NodeSettings) -> JsonRpcConfig {
    JsonRpcConfig {
        enable_rpc_transaction_history: true,
        enable_extended_tx_metadata_storage: true,
        faucet_addr: s.faucet,
        full_api: true,
        health_check_slot_distance: 150,
        rpc_threads: 4,
        rpc_blocking_threads: 2,
        max_request_body_size: Some(s.max_request_body),
        ..JsonRpcConfig::default()
    }
}

/// Full snapshot archives under `<ledger>/snapshots` every `snapshot_interval_slots` rooted
/// blocks (0: none made, the newest one there still loads); no incremental ones.
fn snapshot_config(s: &NodeSettings) -> SnapshotConfig {
    let dir = s.ledger.join("snapshots");
    let kept = NonZeroUsize::new(SNAPSHOT_ARCHIVES_KEPT).unwrap_or(NonZeroUsize::MIN);
    let (usage, full) = match NonZeroU64::new(s.snapshot_interval_slots) {
        Some(n) => (SnapshotUsage::LoadAndGenerate, SnapshotInterval::Slots(n)),
        // Snapshots already there still load at start.
        None => (SnapshotUsage::LoadOnly, SnapshotInterval::Disabled),
    };
    SnapshotConfig {
        usage,
        full_snapshot_archive_interval: full,
        incremental_snapshot_archive_interval: SnapshotInterval::Disabled,
        full_snapshot_archives_dir: dir.clone(),
        incremental_snapshot_archives_dir: dir.clone(),
        bank_snapshots_dir: dir.join("bank"),
        maximum_full_snapshot_archives_to_retain: kept,
        maximum_incremental_snapshot_archives_to_retain: kept,
        use_direct_io: false,
        use_registered_io_uring_buffers: false,
        ..SnapshotConfig::default()
    }
}

/// Writes a new ledger at `path` from `genesis` (the genesis file, its archive and the
/// blockstore's first slot), as `agave-ledger-tool create-genesis` does.
pub fn create_ledger(path: &Path, genesis: &GenesisConfig) -> Result<()> {
    std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
    create_new_ledger(
        path,
        genesis,
        MAX_GENESIS_ARCHIVE_UNPACKED_SIZE,
        LedgerColumnOptions::default(),
    )
    .map_err(|e| anyhow::anyhow!("creating the ledger at {}: {e}", path.display()))?;
    Ok(())
}

/// Whether `path` holds a ledger (a genesis file).
pub fn ledger_exists(path: &Path) -> bool {
    path.join("genesis.bin").is_file()
}

/// The shred version of the cluster, asked of the entrypoints (each in turn, again for up to
/// `timeout`: a cluster's members start together, so they may still be starting).
pub fn cluster_shred_version(entrypoints: &[SocketAddr], timeout: Duration) -> Result<u16> {
    let start = std::time::Instant::now();
    loop {
        let mut last = String::from("no entrypoint given");
        for entrypoint in entrypoints {
            match solana_net_utils::get_cluster_shred_version(entrypoint) {
                Ok(v) => return Ok(v),
                Err(e) => last = format!("{entrypoint}: {e}"),
            }
        }
        if start.elapsed() >= timeout {
            anyhow::bail!(
                "no entrypoint told the cluster's shred version within {} s (last: {last}); \
                 start with --no-snapshot-fetch to start from this ledger without them",
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// The JSON-RPC address of the node whose gossip address is `entrypoint`, found by a gossip spy
/// (Agave's `discover_peers`) on the cluster's shred version (asked of the entrypoint).
pub fn entrypoint_rpc(entrypoint: &SocketAddr, timeout: Duration) -> Result<SocketAddr> {
    eprintln!("finding the entrypoint {entrypoint} through gossip ...");
    let shred_version = cluster_shred_version(std::slice::from_ref(entrypoint), timeout)?;
    let (peers, _) = discover_peers(
        None,
        &[*entrypoint],
        None,
        timeout,
        None,
        &[*entrypoint],
        None,
        shred_version,
        SocketAddrSpace::Unspecified,
    )
    .with_context(|| format!("finding {entrypoint} in gossip"))?;
    peers
        .iter()
        .find(|p| p.gossip() == Some(*entrypoint))
        .and_then(|p| p.rpc())
        .with_context(|| format!("the node at {entrypoint} advertises no JSON-RPC address"))
}
