//! A node: its ledger opened and replayed into banks, then the TPU and block production started.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use ambient_ledger::Ledger;
use indicatif::{ProgressBar, ProgressStyle};
use log::info;
use solana_entry::entry::EntrySlice;
use solana_genesis_config::GenesisConfig;
use solana_keypair::Keypair;
use solana_ledger::blockstore::create_new_ledger;
use solana_ledger::blockstore_options::LedgerColumnOptions;
use solana_ledger::blockstore_processor::{
    process_blockstore_from_root, ProcessOptions, TransactionStatusSender,
};
use solana_ledger::leader_schedule_cache::LeaderScheduleCache;
use solana_pubkey::Pubkey;
use solana_runtime::bank_forks::BankForks;
use solana_runtime::commitment::BlockCommitmentCache;

use crate::cluster::ClusterContext;
use crate::observer::Observer;
use crate::producer::{ClusterLink, Producer};
use crate::snapshot::AccountsService;
use crate::tpu::Tpu;
use crate::CoreError;

/// Largest genesis archive a ledger may unpack to (Agave's default).
pub const MAX_GENESIS_ARCHIVE_UNPACKED_SIZE: u64 = 10 * 1024 * 1024;

/// Writes a new ledger at `path` for `genesis`: genesis files and slot 0's ticks. Anything at
/// `path` before is removed.
pub fn create_ledger(path: &Path, genesis: &GenesisConfig) -> Result<(), CoreError> {
    std::fs::create_dir_all(path).map_err(|e| CoreError::Io(path.to_path_buf(), e))?;
    create_new_ledger(
        path,
        genesis,
        MAX_GENESIS_ARCHIVE_UNPACKED_SIZE,
        LedgerColumnOptions::default(),
    )
    .map_err(|e| CoreError::Ledger(e.to_string()))?;
    Ok(())
}

/// Whether `path` holds a ledger (a genesis file).
pub fn ledger_exists(path: &Path) -> bool {
    path.join("genesis.bin").is_file()
}

/// A node whose ledger is replayed and whose banks are ready, before its services start.
pub struct Node {
    /// The genesis the ledger starts from.
    pub genesis: GenesisConfig,
    /// The ledger directory.
    pub ledger_path: PathBuf,
    /// The blockstore.
    pub ledger: Arc<Ledger>,
    /// The bank tree, rooted at the last root replayed.
    pub bank_forks: Arc<RwLock<BankForks>>,
    /// Commitment as of the newest replayed bank.
    pub commitment_cache: Arc<RwLock<BlockCommitmentCache>>,
    /// The shred version of this cluster.
    pub shred_version: u16,
    /// The LStake-weighted leader schedules (shared with the RPC).
    pub leader_schedule: Arc<LeaderScheduleCache>,
    /// Accounts flush, clean and shrink, and snapshots (Agave's background service).
    pub accounts: Arc<AccountsService>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("ledger_path", &self.ledger_path)
            .finish()
    }
}

/// Replayed banks compared with the hashes stored when their slots were made.
#[derive(Default)]
struct ReplayCheck {
    matched: u64,
    unrecorded: u64,
    mismatch: Vec<(u64, solana_hash::Hash, solana_hash::Hash)>,
}

impl Node {
    /// Opens the ledger at `ledger_path` and replays every stored slot after its newest snapshot
    /// (or genesis) into banks (with Ambient's builtins), showing progress. The result reaches the
    /// same bank hashes the slots had when they were produced. From here on a full snapshot is
    /// taken every `snapshot_interval` blocks that become roots (0: none).
    pub fn open(
        ledger_path: &Path,
        show_progress: bool,
        snapshot_interval: u64,
    ) -> Result<Node, CoreError> {
        // Ambient's hooks before any bank is made or restored: builtins and LStake epoch stakes.
        ambient_runtime::hooks::install();
        let genesis = GenesisConfig::load(ledger_path)
            .map_err(|e| CoreError::Io(ledger_path.join("genesis.bin"), e))?;
        let shred_version = solana_shred_version::compute_shred_version(&genesis.hash(), None);
        let ledger = Arc::new(Ledger::open(ledger_path, shred_version)?);
        let accounts = ledger_path.join("accounts");
        if accounts.exists() {
            std::fs::remove_dir_all(&accounts).map_err(|e| CoreError::Io(accounts.clone(), e))?;
        }
        std::fs::create_dir_all(&accounts).map_err(|e| CoreError::Io(accounts.clone(), e))?;
        let bank_forks = match crate::snapshot::load_latest(ledger_path, &genesis, &accounts)? {
            Some(bank) => {
                info!("restored slot {} from a snapshot", bank.slot());
                BankForks::new_rw_arc(bank)
            }
            None => {
                let bank_forks = ambient_runtime::bank::new_bank_forks(&genesis, &accounts);
                process_slot_0(&bank_forks, &ledger, genesis.hash())?;
                bank_forks
            }
        };
        let accounts = Arc::new(AccountsService::start(
            &bank_forks,
            ledger_path,
            snapshot_interval,
        )?);

        let highest = ledger
            .blockstore()
            .highest_slot()
            .ok()
            .flatten()
            .unwrap_or(0);
        let start_slot = bank_forks.read().expect("bank forks").root();
        // Ledger cleanup must leave the slots after the newest snapshot, or they cannot replay.
        let kept = ledger
            .blockstore()
            .meta(start_slot)
            .ok()
            .flatten()
            .is_some();
        if highest > start_slot && !kept {
            return Err(CoreError::Replay(format!(
                "the ledger no longer holds slot {start_slot} of the newest snapshot (its slots \
                 {} to {highest} are left): --limit-ledger-size cleaned past it; raise the limit \
                 or snapshot more often (--snapshot-interval-slots)",
                ledger.blockstore().lowest_slot()
            )));
        }
        let bar = if show_progress && highest > start_slot {
            let bar = ProgressBar::new(highest - start_slot);
            bar.set_style(
                ProgressStyle::with_template(
                    "replaying ledger {bar:40} {pos}/{len} slots ({per_sec}, eta {eta})",
                )
                .expect("static template"),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        let root = bank_forks.read().expect("bank forks").root_bank();
        // Agave's cache: schedules from the banks' epoch stakes (LStake, by the epoch hooks).
        let leader_schedule = Arc::new(LeaderScheduleCache::new_from_bank(&root));
        let progress = bar.clone();
        // Every replayed bank's hash is checked against the one stored when the slot was made:
        // a replay that computes another state is an error, not a silent fork of history.
        let checked = Arc::new(std::sync::Mutex::new(ReplayCheck::default()));
        let check = checked.clone();
        let store = ledger.blockstore().clone();
        let opts = ProcessOptions {
            run_verification: true,
            slot_callback: Some(Arc::new(move |bank| {
                progress.set_position(bank.slot().saturating_sub(start_slot));
                let mut c = check.lock().unwrap_or_else(|p| p.into_inner());
                match store.get_bank_hash(bank.slot()) {
                    Some(stored) if stored == bank.hash() => c.matched += 1,
                    Some(stored) => c.mismatch.push((bank.slot(), stored, bank.hash())),
                    None => c.unrecorded += 1,
                }
            })),
            ..ProcessOptions::default()
        };
        process_blockstore_from_root(
            ledger.blockstore(),
            &bank_forks,
            shred_version,
            &leader_schedule,
            &opts,
            None,
            None,
            Some(accounts.controller()),
        )
        .map_err(|e| CoreError::Replay(e.to_string()))?;
        bar.finish_and_clear();
        let checked = std::mem::take(&mut *checked.lock().unwrap_or_else(|p| p.into_inner()));
        if let Some((slot, stored, replayed)) = checked.mismatch.first() {
            return Err(CoreError::Replay(format!(
                "slot {slot} replayed to bank hash {replayed}, but it was made with {stored} \
                 ({} slots differ): the ledger was made under other consensus rules (another \
                 version of the node?); a development ledger starts afresh with --reset",
                checked.mismatch.len()
            )));
        }
        info!(
            "replayed {} slots, each to the bank hash it was made with ({} without a stored hash)",
            checked.matched, checked.unrecorded
        );

        let (tip, root) = {
            let forks = bank_forks.read().expect("bank forks");
            (forks.working_bank(), forks.root())
        };
        leader_schedule.set_root(&bank_forks.read().expect("bank forks").root_bank());
        let c = crate::commitment::aggregate(&tip);
        let slots = solana_runtime::commitment::CommitmentSlots {
            slot: tip.slot(),
            root,
            highest_confirmed_slot: c.confirmed.unwrap_or(root).max(root),
            highest_super_majority_root: root,
        };
        info!(
            "ledger replayed to slot {} (bank hash {}), root {root}",
            tip.slot(),
            tip.hash()
        );
        Ok(Node {
            genesis,
            ledger_path: ledger_path.to_path_buf(),
            ledger,
            bank_forks,
            commitment_cache: Arc::new(RwLock::new(BlockCommitmentCache::new(
                c.blocks, c.total, slots,
            ))),
            shred_version,
            leader_schedule,
            accounts,
        })
    }

    /// Starts the QUIC TPU and block production.
    pub fn start(&self, services: Services) -> Result<Running, CoreError> {
        let (tx_sender, tx_receiver) = crossbeam_channel::unbounded();
        let tpu = Tpu::start(
            services.tpu_socket,
            &services.identity,
            self.bank_forks.clone(),
            tx_sender.clone(),
            services.exit.clone(),
        )?;
        let mut threads = Vec::new();
        let cluster = match services.cluster {
            Some(sockets) => {
                for s in [&sockets.tvu, &sockets.repair, &sockets.forward] {
                    crate::cluster::enlarge_recv_buffer(s);
                }
                let send = sockets
                    .forward
                    .try_clone()
                    .map_err(|e| CoreError::Io("forward socket".into(), e))?;
                let ctx = Arc::new(ClusterContext::new(
                    services.identity.clone(),
                    sockets.cluster_info.clone(),
                    self.ledger.clone(),
                    self.bank_forks.clone(),
                    self.leader_schedule.clone(),
                    self.shred_version,
                    sockets.fanout,
                    send,
                ));
                if let Some(slot) = sockets.cluster_slot {
                    ctx.hint_slot(slot);
                }
                let (slot_tx, slot_rx) = crossbeam_channel::unbounded();
                let (fwd_tx, fwd_rx) = crossbeam_channel::unbounded();
                let request_socket = sockets
                    .repair
                    .try_clone()
                    .map_err(|e| CoreError::Io("repair socket".into(), e))?;
                threads.push(crate::cluster::tvu::start(
                    sockets.tvu,
                    ctx.clone(),
                    slot_tx.clone(),
                    services.exit.clone(),
                )?);
                threads.push(crate::cluster::repair::start(
                    sockets.repair,
                    ctx.clone(),
                    slot_tx,
                    services.exit.clone(),
                )?);
                threads.push(crate::cluster::forward::start(
                    sockets.forward,
                    self.bank_forks.clone(),
                    fwd_tx,
                    services.exit.clone(),
                )?);
                Some(ClusterLink {
                    ctx,
                    slots: slot_rx,
                    forwarded: fwd_rx,
                    socket: request_socket,
                })
            }
            None => None,
        };
        let producer = Producer {
            bank_forks: self.bank_forks.clone(),
            leader_schedule: self.leader_schedule.clone(),
            shred_version: self.shred_version,
            cluster,
            ledger: self.ledger.clone(),
            identity: services.identity.clone(),
            vote_account: services.vote_account,
            authorized_voter: services.authorized_voter,
            transactions: tx_receiver,
            status_sender: services.status_sender,
            observers: services.observers,
            commitment_cache: self.commitment_cache.clone(),
            accounts: self.accounts.clone(),
            qos: Some(tpu.qos.clone()),
            slot_duration: services.slot_duration,
            exit: services.exit.clone(),
        };
        let producer = std::thread::Builder::new()
            .name("ambProducer".into())
            .spawn(move || producer.run())
            .map_err(CoreError::Thread)?;
        Ok(Running {
            threads,
            accounts: self.accounts.clone(),
            bank_forks: self.bank_forks.clone(),
            transactions: tx_sender,
            tpu_addr: tpu.addr,
            tpu: Some(tpu),
            producer: Some(producer),
        })
    }
}

/// What the running node needs besides its banks.
pub struct Services {
    /// Node identity: leader and fee payer of votes.
    pub identity: Arc<Keypair>,
    /// The node's vote account.
    pub vote_account: Pubkey,
    /// The vote account's authorized voter.
    pub authorized_voter: Arc<Keypair>,
    /// The UDP socket the QUIC TPU serves on.
    pub tpu_socket: std::net::UdpSocket,
    /// Wall-clock slot length.
    pub slot_duration: Duration,
    /// Where transaction statuses go.
    pub status_sender: Option<TransactionStatusSender>,
    /// Told about slot progress.
    pub observers: Vec<Arc<dyn Observer>>,
    /// The sockets and gossip view of a node among others (`None`: alone in its cluster).
    pub cluster: Option<ClusterSockets>,
    /// Set to stop.
    pub exit: Arc<AtomicBool>,
}

/// What a node needs to work with other nodes.
pub struct ClusterSockets {
    /// Gossip's view of the cluster (this node's contact info must name the three ports below).
    pub cluster_info: Arc<solana_gossip::cluster_info::ClusterInfo>,
    /// Where shreds arrive (TVU).
    pub tvu: std::net::UdpSocket,
    /// Where repair requests and answers arrive (and requests are sent from).
    pub repair: std::net::UdpSocket,
    /// Where forwarded transactions and votes arrive (and forwards are sent from).
    pub forward: std::net::UdpSocket,
    /// Turbine fan-out.
    pub fanout: usize,
    /// The cluster's current slot as an entrypoint reported it at start (a joining node first
    /// catches up to it, even before any leader sends it a shred).
    pub cluster_slot: Option<u64>,
}

/// How long a clean stop waits for the snapshot of its last root.
const STOP_SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(120);

/// The running pipeline.
pub struct Running {
    /// The QUIC TPU's address.
    pub tpu_addr: SocketAddr,
    /// Verified transactions for block production (what the TPU feeds).
    pub transactions: crossbeam_channel::Sender<Vec<crate::tpu::VerifiedTx>>,
    tpu: Option<Tpu>,
    producer: Option<JoinHandle<Result<(), CoreError>>>,
    threads: Vec<JoinHandle<()>>,
    accounts: Arc<AccountsService>,
    bank_forks: Arc<RwLock<BankForks>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("tpu_addr", &self.tpu_addr)
            .finish_non_exhaustive()
    }
}

impl Running {
    /// The QoS weight the TPU gives `identity`'s connections (its LStake; `None`: unstaked).
    pub fn qos_weight(&self, identity: &Pubkey) -> Option<u64> {
        self.tpu.as_ref()?.qos.read().ok()?.get_node_stake(identity)
    }

    /// Whether the pipeline stopped on its own (an error it could not go on from).
    pub fn has_stopped(&self) -> bool {
        self.producer.as_ref().is_some_and(|p| p.is_finished())
    }

    /// Waits for block production to stop (after `exit` is set) and stops the TPU.
    pub fn join(mut self) -> Result<(), CoreError> {
        let result = match self.producer.take() {
            Some(p) => p.join().unwrap_or(Err(CoreError::Panicked)),
            None => Ok(()),
        };
        if let Some(tpu) = self.tpu.take() {
            tpu.join();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // The next start loads the last root instead of replaying up to it.
        let root = self.bank_forks.read().expect("bank forks").root_bank();
        self.accounts
            .snapshot_and_wait(&root, STOP_SNAPSHOT_TIMEOUT);
        result
    }
}

/// Bank 0: the genesis bank takes slot 0's ticks from the ledger (checked against the genesis
/// hash) and freezes.
fn process_slot_0(
    bank_forks: &RwLock<BankForks>,
    ledger: &Ledger,
    genesis_hash: solana_hash::Hash,
) -> Result<(), CoreError> {
    let blockstore = ledger.blockstore();
    let bank0 = bank_forks
        .read()
        .expect("bank forks")
        .get_with_scheduler(0)
        .ok_or(CoreError::MissingBank(0))?;
    let entries = blockstore
        .get_slot_entries(0, 0)
        .map_err(|e| CoreError::Ledger(e.to_string()))?;
    if entries.len() as u64 != bank0.ticks_per_slot()
        || entries.iter().any(|e| !e.is_tick())
        || !entries.verify_cpu(&genesis_hash).status()
    {
        return Err(CoreError::Replay(
            "slot 0 is not the genesis ticks of this ledger".into(),
        ));
    }
    for e in &entries {
        bank0.register_tick(&e.hash);
    }
    bank0.set_block_id(Some(ledger.last_merkle_root(0)?));
    bank0.freeze();
    Ok(())
}
