//! The validator pipeline's main loop, on the PoH clock. The node replays the blocks other
//! leaders send (their shreds arrive on the TVU or by repair), chooses the heaviest fork by
//! LStake-weighted votes, votes on it when its tower allows, and resets its PoH to it. When the
//! PoH clock reaches a slot the LStake leader schedule gives this node, it produces the block:
//! one bank on the chosen fork, its vote first, then the transactions it receives (each batch
//! one conflict-free entry), ticks on time (the ticks of slots skipped since the parent first),
//! then stores the block and broadcasts its shreds along the Turbine tree. Commitment and roots
//! follow from the votes the chosen bank holds. A node alone in its cluster leads every slot.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use ambient_ledger::Ledger;
use ambient_poh::{Pacer, PohConfig, PohRecorder};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use log::{debug, info, warn};
use solana_clock::Slot;
use solana_entry::entry::Entry;
use solana_gossip::contact_info::Protocol;
use solana_keypair::Keypair;
use solana_leader_schedule::SlotLeader;
use solana_ledger::blockstore_processor::{
    execute_batch, process_single_slot, ConfirmationProgress, ProcessOptions,
    TransactionBatchWithIndexes, TransactionStatusSender,
};
use solana_ledger::leader_schedule_cache::LeaderScheduleCache;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_runtime::bank_forks::BankForks;
use solana_runtime::commitment::{BlockCommitmentCache, CommitmentSlots};
use solana_runtime::installed_scheduler_pool::BankWithScheduler;
use solana_runtime::vote_sender_types::ReplayVoteSendType;
use solana_signer::Signer;
use solana_svm::transaction_processing_result::ProcessedTransaction;
use solana_svm_timings::ExecuteTimings;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::TransactionVerificationMode;
use solana_transaction_error::{TransactionError, TransactionResult};

use crate::cluster::repair::Request;
use crate::cluster::ClusterContext;
use crate::commitment::{aggregate, vote_weights};
use crate::fork_choice::ForkChoice;
use crate::observer::Observer;
use crate::tower::Tower;
use crate::tpu::VerifiedTx;
use crate::CoreError;

/// The file (in the ledger directory) a node keeps its tower in.
pub const TOWER_FILE: &str = "tower.bin";
/// Failed loop turns in a row after which the pipeline gives up (and the node stops).
const MAX_FAILURES_IN_A_ROW: u32 = 100;
/// Transactions a node keeps while not leading (for its own next slots).
const BUFFER_CAPACITY: usize = 20_000;
/// How long a buffered transaction is kept.
const BUFFER_AGE: Duration = Duration::from_secs(30);
/// Upcoming slots whose leaders receive forwarded transactions and votes.
const FORWARD_SLOTS: u64 = 8;
/// Time between two repair requests for the same slot.
const REPAIR_RETRY: Duration = Duration::from_millis(300);
/// Ancestors asked for with a missing parent: a chain of missing blocks (an orphaned fork) comes
/// back eight links per round trip instead of one.
const ORPHAN_ANCESTORS: u8 = 8;

/// Slots a leader waits for the previous leader's block before building on an older one.
const GRACE_SLOTS: u32 = 2;
/// Slots a starting node with peers waits to hear a block before it leads on its own.
pub const JOIN_WAIT_SLOTS: u32 = 32;
/// A node is caught up when the newest slot it has seen is at most this far past its fork.
const CAUGHT_UP_SLOTS: u64 = 8;
/// Slots past its fork a node that is behind asks peers for at a time.
const CATCH_UP_WINDOW: u64 = 32;
/// Slots whose blocks stay incomplete or unconnected this long are given up on.
const KNOWN_STALE: Duration = Duration::from_secs(60);

/// The cluster side of the pipeline (absent for a node alone in its cluster, as in tests).
pub struct ClusterLink {
    /// Shared cluster services (gossip view, shred checks, fan-out).
    pub ctx: Arc<ClusterContext>,
    /// Slots that received shreds (from the TVU and repair).
    pub slots: Receiver<Slot>,
    /// Transactions other nodes forwarded here.
    pub forwarded: Receiver<Vec<VerifiedTx>>,
    /// The socket forwards and repair requests are sent from.
    pub socket: UdpSocket,
}

/// Everything the block producer works with.
pub struct Producer {
    /// The bank tree (the producer inserts, freezes and roots banks).
    pub bank_forks: Arc<RwLock<BankForks>>,
    /// Where blocks are stored.
    pub ledger: Arc<Ledger>,
    /// The leader schedules.
    pub leader_schedule: Arc<LeaderScheduleCache>,
    /// The cluster's shred version.
    pub shred_version: u16,
    /// The node identity (leader, fee payer of votes).
    pub identity: Arc<Keypair>,
    /// The node's vote account.
    pub vote_account: Pubkey,
    /// The vote account's authorized voter.
    pub authorized_voter: Arc<Keypair>,
    /// Verified transactions to include.
    pub transactions: Receiver<Vec<VerifiedTx>>,
    /// Where executed transactions' statuses go (for `getTransaction` and `getBlock`).
    pub status_sender: Option<TransactionStatusSender>,
    /// Told about each slot's progress.
    pub observers: Vec<Arc<dyn Observer>>,
    /// The commitment cache the RPC serves.
    pub commitment_cache: Arc<RwLock<BlockCommitmentCache>>,
    /// The TPU's QoS weights, refreshed from the root's LStake table when a new epoch is rooted.
    pub qos: Option<Arc<RwLock<solana_streamer::streamer::StakedNodes>>>,
    /// Accounts maintenance and snapshots: every new root goes through its controller.
    pub accounts: Arc<crate::snapshot::AccountsService>,
    /// The other nodes.
    pub cluster: Option<ClusterLink>,
    /// Wall-clock length of a slot.
    pub slot_duration: Duration,
    /// Set to stop after the current slot.
    pub exit: Arc<AtomicBool>,
}

struct SlotState {
    poh: PohRecorder,
    tx_index: usize,
    timings: ExecuteTimings,
}

/// The loop's state between iterations.
struct LoopState {
    /// This node's votes.
    tower: Tower,
    /// Everyone's latest votes.
    fork_choice: ForkChoice,
    /// The last epoch whose leader schedule the cache was told to compute.
    schedule_epoch: u64,
    /// The bank the PoH clock was last reset to (what a block of ours would build on).
    reset: Arc<Bank>,
    /// The PoH chain since the reset.
    poh: PohRecorder,
    /// Ticks of the slots passed since the reset without a block of ours.
    virtual_entries: Vec<Entry>,
    pacer: Pacer,
    tick_no: u64,
    /// When the current PoH slot began.
    slot_began: Instant,
    /// The last slot this node produced and when its last tick was due.
    produced_end: Option<(Slot, Instant)>,
    last_confirmed: Slot,
    /// Our votes waiting for a slot we lead.
    own_votes: Vec<VerifiedTx>,
    /// Transactions received while not leading.
    buffered: VecDeque<(Instant, VerifiedTx)>,
    /// Slots with shreds that are not replayed yet, and when they were first seen.
    known: BTreeMap<Slot, Instant>,
    /// Slots that failed replay.
    dead: HashSet<Slot>,
    /// Repair requests sent: slot → (when, how many times).
    asked: HashMap<Slot, (Instant, u32)>,
    last_repair: Instant,
    /// When the loop started.
    started: Instant,
    /// Whether a block of another node was received since.
    heard_peers: bool,
    /// Whether this node has once caught up with the highest slot its cluster showed it (from
    /// then on a higher slot alone does not hold it back: a minority fork that goes on alone
    /// must not stop the others from leading).
    caught_up: bool,
    /// When a block (or repair answer) from another node last arrived.
    last_peer_block: Option<Instant>,
    /// Set when this node found itself behind its cluster (a join or restart from an old bank):
    /// after catching up it still does not lead until a vote it cast since then has landed in its
    /// fork — its PoH clock, reset on the blocks it caught up with, may trail the cluster's by a
    /// few slots, and a block in a slot the cluster has passed would only fork away (Agave waits
    /// for the same). Cleared when the vote lands, or moot while no other node produces.
    await_own_vote: bool,
    /// The first slot this node voted on after catching up.
    first_vote_caught_up: Option<Slot>,
}

impl Producer {
    fn poh_config(&self, bank: &Bank) -> PohConfig {
        PohConfig {
            slot_duration: self.slot_duration,
            ticks_per_slot: bank.ticks_per_slot(),
            hashes_per_tick: bank.hashes_per_tick().filter(|h| *h > 1),
        }
    }

    /// Restarts the PoH chain on `bank`. The clock runs on from `bank`'s scheduled end when this
    /// node just produced it (its consecutive slots keep their pace), else from now.
    fn reset(&self, st: &mut LoopState, bank: Arc<Bank>) -> Result<(), CoreError> {
        let config = self.poh_config(&bank);
        st.poh = PohRecorder::new(bank.last_blockhash(), bank.slot() + 1, config)
            .map_err(|e| CoreError::Poh(e.to_string()))?;
        st.virtual_entries.clear();
        let now = Instant::now();
        let start = match st.produced_end {
            // Behind by more than half a slot: the clock restarts rather than rush the next.
            Some((slot, end)) if slot == bank.slot() && end + self.slot_duration / 2 > now => end,
            _ => now,
        };
        st.pacer = Pacer::starting_at(start, &config);
        st.tick_no = 0;
        st.slot_began = start;
        debug!("PoH reset to slot {}", bank.slot());
        st.reset = bank;
        Ok(())
    }

    /// Where this node's tower is kept between runs.
    fn tower_path(&self) -> std::path::PathBuf {
        self.ledger.path().join(TOWER_FILE)
    }

    fn leader_of(&self, slot: Slot, bank: &Bank) -> Option<Pubkey> {
        self.leader_schedule
            .slot_leader_at(slot, Some(bank))
            .map(|l| l.id)
    }

    /// Runs until `exit` is set; returns after the slot in progress is stored.
    pub fn run(self) -> Result<(), CoreError> {
        let (root_bank, frozen): (Arc<Bank>, Vec<Arc<Bank>>) = {
            let forks = self.bank_forks.read().expect("bank forks");
            (
                forks.root_bank(),
                forks.frozen_banks().map(|(_, b)| b).collect(),
            )
        };
        let mut fork_choice = ForkChoice::default();
        for b in &frozen {
            fork_choice.observe(b);
        }
        let weights = vote_weights(&root_bank);
        let tip = {
            let forks = self.bank_forks.read().expect("bank forks");
            fork_choice.heaviest(&forks, &weights, None)
        };
        if !tip.is_frozen() {
            return Err(CoreError::Unfrozen(tip.slot()));
        }
        let config = self.poh_config(&tip);
        let mut st = LoopState {
            tower: Tower::restore(&tip, &self.vote_account, &self.tower_path()),
            fork_choice,
            schedule_epoch: root_bank
                .epoch_schedule()
                .get_leader_schedule_epoch(root_bank.slot()),
            poh: PohRecorder::new(tip.last_blockhash(), tip.slot() + 1, config)
                .map_err(|e| CoreError::Poh(e.to_string()))?,
            reset: tip.clone(),
            virtual_entries: Vec::new(),
            pacer: Pacer::new(&config),
            tick_no: 0,
            slot_began: Instant::now(),
            produced_end: None,
            last_confirmed: self
                .commitment_cache
                .read()
                .expect("commitment cache")
                .highest_confirmed_slot(),
            own_votes: Vec::new(),
            buffered: VecDeque::new(),
            known: BTreeMap::new(),
            dead: HashSet::new(),
            asked: HashMap::new(),
            last_repair: Instant::now(),
            started: Instant::now(),
            heard_peers: false,
            caught_up: false,
            last_peer_block: None,
            await_own_vote: false,
            first_vote_caught_up: None,
        };
        // Slots stored but not replayed (shreds received before a restart) are candidates.
        if let Ok(Some(highest)) = self.ledger.blockstore().highest_slot() {
            for slot in tip.slot() + 1..=highest {
                if self.ledger.blockstore().has_existing_shreds_for_slot(slot) {
                    st.known.insert(slot, Instant::now());
                }
            }
        }
        info!(
            "pipeline starting on slot {} (root {}), tower last vote {:?}",
            tip.slot(),
            root_bank.slot(),
            st.tower.last_voted_slot()
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("ambReplay{i:02}"))
            .num_threads(2)
            .build()
            .map_err(|e| CoreError::Replay(e.to_string()))?;
        let mut failures = 0u32;
        while !self.exit.load(Ordering::Relaxed) {
            match self.step(&mut st, &pool) {
                Ok(()) => failures = 0,
                Err(e) => {
                    // One slot's failure (a block that could not be stored, a root that could
                    // not be set) must not stop the node: it goes on from the heaviest fork.
                    failures += 1;
                    log::error!("pipeline: {e}; going on from the heaviest fork");
                    if failures > MAX_FAILURES_IN_A_ROW {
                        return Err(e);
                    }
                    let best = {
                        let forks = self.bank_forks.read().expect("bank forks");
                        let weights = vote_weights(&forks.root_bank());
                        st.fork_choice.heaviest(&forks, &weights, None)
                    };
                    self.reset(&mut st, best)?;
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        info!("block production stopped at slot {}", st.reset.slot());
        Ok(())
    }

    /// One turn of the loop: new shreds, replay, fork choice, a block when leading, forwarding,
    /// repair, the PoH clock.
    fn step(&self, st: &mut LoopState, pool: &rayon::ThreadPool) -> Result<(), CoreError> {
        self.intake_slots(st);
        if self.replay_ready(st, pool)? {
            self.choose(st)?;
        }
        // Caught up once a peer's block arrived and the highest slot seen is reached.
        if !st.caught_up && !st.await_own_vote && self.far_behind(st) {
            st.await_own_vote = true;
            info!(
                "behind the cluster (slot {} here, {} seen): catching up, then leading once a \
                 vote of ours has landed",
                st.reset.slot(),
                self.cluster.as_ref().map_or(0, |c| c.ctx.highest_seen())
            );
        }
        if !st.caught_up && st.heard_peers && !self.far_behind(st) {
            st.caught_up = true;
            debug!("caught up at slot {}", st.reset.slot());
        }
        if st.await_own_vote && self.own_vote_landed(st) {
            st.await_own_vote = false;
            info!(
                "a vote of ours landed (slot {} holds it): leading again",
                st.reset.slot()
            );
        }
        let slot = st.poh.slot();
        if self.ready_to_lead(st, slot) {
            let bank = match self.produce_slot(st, slot) {
                Ok(b) => b,
                Err(e) => {
                    // The unfinished bank goes; the slot is skipped.
                    self.bank_forks.write().expect("bank forks").remove(slot);
                    return Err(e);
                }
            };
            st.fork_choice.observe(&bank);
            self.choose(st)?;
            return Ok(());
        }
        self.pass_on_transactions(st, slot);
        self.repair(st);
        self.tick_or_wait(st)
    }

    /// Takes note of slots that received shreds.
    fn intake_slots(&self, st: &mut LoopState) {
        if let Some(c) = &self.cluster {
            for slot in c.slots.try_iter() {
                st.known.entry(slot).or_insert_with(Instant::now);
                st.heard_peers = true;
                st.last_peer_block = Some(Instant::now());
            }
        }
    }

    /// Whether a vote this node cast after catching up is in the vote account of the bank its
    /// PoH clock was reset to.
    fn own_vote_landed(&self, st: &LoopState) -> bool {
        let Some(first) = st.first_vote_caught_up else {
            return false;
        };
        crate::commitment::vote_state(&st.reset, &self.vote_account)
            .and_then(|v| v.last_voted_slot())
            .is_some_and(|last| last >= first)
    }

    /// Whether this node should produce `slot` now: it leads it, nothing is stored for it, and
    /// either its parent would be the slot just before or the previous leader's block has had
    /// a slot's time to arrive.
    fn ready_to_lead(&self, st: &LoopState, slot: Slot) -> bool {
        let me = self.identity.pubkey();
        if self.leader_of(slot, &st.reset) != Some(me) || st.poh.ticks_in_slot() != 0 {
            return false;
        }
        if self
            .bank_forks
            .read()
            .expect("bank forks")
            .get(slot)
            .is_some()
            || self.ledger.blockstore().has_existing_shreds_for_slot(slot)
        {
            return false;
        }
        if self.behind(st) {
            return false;
        }
        let previous = slot - 1;
        previous == st.reset.slot()
            || self.leader_of(previous, &st.reset) == Some(me)
            || st.slot_began.elapsed() >= self.slot_duration * GRACE_SLOTS
    }

    /// Makes the leader schedule of the epoch after `bank`'s known as soon as a bank of this
    /// node's fork has rolled its LStake table (not only once a root reaches the epoch: young
    /// clusters, whose first epochs are 32 and 64 slots, would stop at the boundary before their
    /// first root). The schedule is the one every node computes from that fork.
    fn advance_schedule(&self, st: &mut LoopState, bank: &Bank) {
        let next = bank.epoch_schedule().get_leader_schedule_epoch(bank.slot());
        if next <= st.schedule_epoch {
            return;
        }
        // The bank's epoch stakes (LStake, by the runtime's epoch hooks) weigh the schedules.
        self.leader_schedule.set_root(bank);
        st.schedule_epoch = next;
        debug!(
            "slot {}: leader schedule known to epoch {next}",
            bank.slot()
        );
    }

    /// Whether this node has not caught up with its cluster: before it first caught up, the
    /// highest slot seen is well past its fork; it holds shreds of a newer block that extends
    /// its forks and has not replayed it; or, having peers, it has heard no block from them
    /// since it started (for up to [`JOIN_WAIT_SLOTS`] slots). A node that is behind does not
    /// lead: its block would fork away from the cluster.
    fn behind(&self, st: &LoopState) -> bool {
        if !st.caught_up && self.far_behind(st) {
            return true;
        }
        // A newer block on its way (shreds stored, not replayed yet) that extends this node's
        // forks. Blocks that do not connect to them — a fork whose ancestors this node never
        // received, such as a healed minority's — do not hold it back; repair fetches them.
        let reset = st.reset.slot();
        let newer = st.known.iter().any(|(s, seen)| {
            *s > reset
                && !st.dead.contains(s)
                && seen.elapsed() < KNOWN_STALE / 6
                && self.connects(*s)
        });
        if newer {
            return true;
        }
        // Back from behind, until a vote of ours lands — while other nodes produce (with none,
        // someone has to lead).
        let peers_producing = st
            .last_peer_block
            .is_some_and(|t| t.elapsed() < self.slot_duration * JOIN_WAIT_SLOTS);
        if st.await_own_vote && peers_producing {
            return true;
        }
        match &self.cluster {
            Some(c) if !st.heard_peers => {
                let peers = !c.ctx.cluster_info.tvu_peers(|ci| *ci.pubkey()).is_empty();
                peers && st.started.elapsed() < self.slot_duration * JOIN_WAIT_SLOTS
            }
            _ => false,
        }
    }

    /// Whether the highest slot seen (a validator-signed shred, or the entrypoint's slot at a
    /// join) is well past this node's fork and not replayed: a joining or restarted node
    /// catches up before it leads.
    fn far_behind(&self, st: &LoopState) -> bool {
        let Some(c) = &self.cluster else {
            return false;
        };
        let highest = c.ctx.highest_seen();
        let replayed = self
            .bank_forks
            .read()
            .expect("bank forks")
            .get(highest)
            .is_some();
        highest > st.reset.slot() + CAUGHT_UP_SLOTS && !replayed && !st.dead.contains(&highest)
    }

    /// Whether the stored block `slot` descends from a bank this node has (following parent
    /// links through stored blocks, at most [`CATCH_UP_WINDOW`] of them), not replayed itself.
    fn connects(&self, slot: Slot) -> bool {
        let forks = self.bank_forks.read().expect("bank forks");
        if forks.get(slot).is_some() {
            return false;
        }
        let root = forks.root();
        let mut at = slot;
        for _ in 0..CATCH_UP_WINDOW {
            let Some(parent) = self.ledger.parent_of(at) else {
                return false;
            };
            if forks.get(parent).is_some() {
                return true;
            }
            if parent < root {
                return false;
            }
            at = parent;
        }
        false
    }

    /// Advances the PoH clock through slots this node does not lead (their ticks are kept for
    /// a later block of ours), or waits for shreds until the next tick is due.
    fn tick_or_wait(&self, st: &mut LoopState) -> Result<(), CoreError> {
        let me = self.identity.pubkey();
        let slot = st.poh.slot();
        let mine = self.leader_of(slot, &st.reset) == Some(me)
            && self
                .bank_forks
                .read()
                .expect("bank forks")
                .get(slot)
                .is_none()
            && !self.ledger.blockstore().has_existing_shreds_for_slot(slot);
        let due = st.pacer.due(st.tick_no + 1);
        if !mine && Instant::now() >= due {
            st.tick_no += 1;
            st.poh.tick();
            if st.poh.slot_complete() {
                if let Some((_, entries)) = st.poh.take_slot() {
                    st.virtual_entries.extend(entries);
                }
                st.slot_began = st.pacer.due(st.tick_no);
            }
            return Ok(());
        }
        let wait = if mine {
            Duration::from_millis(5)
        } else {
            due.saturating_duration_since(Instant::now())
                .min(Duration::from_millis(20))
        };
        match &self.cluster {
            Some(c) => match c.slots.recv_timeout(wait) {
                Ok(slot) => {
                    st.known.entry(slot).or_insert_with(Instant::now);
                    st.heard_peers = true;
                    st.last_peer_block = Some(Instant::now());
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
            },
            None => std::thread::sleep(wait),
        }
        Ok(())
    }

    /// Replays every stored full slot whose parent is frozen. Returns whether any bank froze.
    fn replay_ready(
        &self,
        st: &mut LoopState,
        pool: &rayon::ThreadPool,
    ) -> Result<bool, CoreError> {
        let mut any = false;
        loop {
            let root = self.bank_forks.read().expect("bank forks").root();
            let mut progressed = false;
            let candidates: Vec<Slot> = st.known.keys().copied().collect();
            for slot in candidates {
                let done = slot <= root
                    || st.dead.contains(&slot)
                    || self
                        .bank_forks
                        .read()
                        .expect("bank forks")
                        .get(slot)
                        .is_some();
                if done {
                    st.known.remove(&slot);
                    continue;
                }
                if !self.ledger.is_full(slot) {
                    continue;
                }
                let Some(parent) = self.ledger.parent_of(slot) else {
                    continue;
                };
                if parent < root {
                    st.known.remove(&slot);
                    continue;
                }
                let Some(parent_bank) = self
                    .bank_forks
                    .read()
                    .expect("bank forks")
                    .get(parent)
                    .filter(|b| b.is_frozen())
                else {
                    continue;
                };
                st.known.remove(&slot);
                match self.replay_slot(slot, &parent_bank, pool) {
                    Ok(bank) => {
                        st.fork_choice.observe(&bank);
                        progressed = true;
                        any = true;
                    }
                    Err(e) => {
                        warn!("slot {slot} (parent {parent}) failed replay: {e}");
                        st.dead.insert(slot);
                    }
                }
            }
            if !progressed {
                return Ok(any);
            }
        }
    }

    /// Replays the stored block of `slot` on `parent`: a new bank, its entries verified (PoH,
    /// signatures, ticks) and executed, frozen.
    fn replay_slot(
        &self,
        slot: Slot,
        parent: &Arc<Bank>,
        pool: &rayon::ThreadPool,
    ) -> Result<Arc<Bank>, CoreError> {
        let leader = self
            .leader_schedule
            .slot_leader_at(slot, Some(parent))
            .ok_or_else(|| CoreError::Replay(format!("no leader known for slot {slot}")))?;
        let bank = Bank::new_from_parent(parent.clone(), leader, slot);
        let (bank, root, migration) = {
            let mut forks = self.bank_forks.write().expect("bank forks");
            let root = forks.root();
            (
                forks.insert_from_ledger(bank),
                root,
                forks.migration_status(),
            )
        };
        for o in &self.observers {
            o.new_bank(slot, parent.slot(), root);
        }
        let opts = ProcessOptions {
            run_verification: true,
            ..ProcessOptions::default()
        };
        let mut progress = ConfirmationProgress::new(parent.last_blockhash());
        let result = process_single_slot(
            self.ledger.blockstore(),
            &bank,
            self.shred_version,
            pool,
            &opts,
            &mut progress,
            self.status_sender.as_ref(),
            None,
            None,
            &mut ExecuteTimings::default(),
            &migration,
        );
        if let Err(e) = result {
            self.bank_forks.write().expect("bank forks").remove(slot);
            return Err(CoreError::Replay(e.to_string()));
        }
        let bank = bank.clone_without_scheduler();
        debug!(
            "replayed slot {slot} (parent {}, leader {}): {} transactions, hash {}",
            parent.slot(),
            leader.id,
            progress.num_txs,
            bank.hash()
        );
        for o in &self.observers {
            o.frozen(&bank);
        }
        Ok(bank)
    }

    /// Fork choice: the heaviest fork; a vote on it when the tower allows; PoH reset to it (or,
    /// when this node may not vote there, to the heaviest bank on its last vote's fork);
    /// commitment and roots from its votes.
    fn choose(&self, st: &mut LoopState) -> Result<(), CoreError> {
        let (best, reset_to) = {
            let forks = self.bank_forks.read().expect("bank forks");
            let weights = vote_weights(&forks.root_bank());
            let best = st.fork_choice.heaviest(&forks, &weights, None);
            match st.fork_choice.can_vote(&st.tower, &best, &forks, &weights) {
                Ok(()) => (Some(best.clone()), best),
                Err(why) => {
                    debug!("no vote on slot {}: {why:?}", best.slot());
                    let own = st.tower.last_voted_slot();
                    let reset_to = match own {
                        Some(last) if forks.get(last).is_some() => {
                            st.fork_choice.heaviest(&forks, &weights, Some(last))
                        }
                        _ => best,
                    };
                    (None, reset_to)
                }
            }
        };
        self.advance_schedule(st, &reset_to);
        if let Some(bank) = &best {
            self.vote(st, bank);
        }
        if reset_to.slot() != st.reset.slot() {
            self.reset(st, reset_to.clone())?;
        }
        self.settle(&reset_to, &mut st.last_confirmed)
    }

    /// Votes on `bank`: the vote goes into our next block if we lead soon, and to the upcoming
    /// leaders.
    fn vote(&self, st: &mut LoopState, bank: &Arc<Bank>) {
        if bank.get_account(&self.vote_account).is_none() {
            // A node without a vote account (an RPC node) follows without voting.
            return;
        }
        let block_id = bank.block_id().unwrap_or_default();
        let Some(tx) = st.tower.vote(
            bank,
            block_id,
            &self.identity,
            &self.authorized_voter,
            &self.vote_account,
            bank.last_blockhash(),
        ) else {
            return;
        };
        // The vote binds from now on: on disk before it leaves the node.
        if let Err(e) = st.tower.save(&self.tower_path()) {
            warn!("saving the tower: {e}");
        }
        if st.caught_up && st.first_vote_caught_up.is_none() {
            st.first_vote_caught_up = Some(bank.slot());
        }
        st.fork_choice.record(self.vote_account, bank.slot());
        let me = self.identity.pubkey();
        let leaders = self.upcoming_leaders(bank.slot() + 1, bank);
        let versioned = VersionedTransaction::from(tx);
        if leaders.contains(&me) || self.cluster.is_none() {
            match bank.verify_transaction(
                versioned.clone(),
                TransactionVerificationMode::FullVerification,
            ) {
                Ok(v) => st.own_votes.push(v),
                Err(e) => warn!("own vote on slot {} rejected: {e}", bank.slot()),
            }
        }
        if let Ok(wire) = bincode::serialize(&versioned) {
            self.forward(&[wire], &leaders);
        }
    }

    /// The distinct leaders of the `FORWARD_SLOTS` slots from `from`.
    fn upcoming_leaders(&self, from: Slot, bank: &Bank) -> Vec<Pubkey> {
        let mut out = Vec::new();
        for slot in from..from + FORWARD_SLOTS {
            if let Some(l) = self.leader_of(slot, bank) {
                if !out.contains(&l) {
                    out.push(l);
                }
            }
        }
        out
    }

    /// Sends wire transactions to the forward ports of `leaders` (not to ourselves).
    fn forward(&self, wire: &[Vec<u8>], leaders: &[Pubkey]) {
        let Some(c) = &self.cluster else {
            return;
        };
        let me = self.identity.pubkey();
        let addrs: Vec<SocketAddr> = leaders
            .iter()
            .filter(|l| **l != me)
            .filter_map(|l| {
                c.ctx
                    .cluster_info
                    .lookup_contact_info(l, |ci| ci.tpu_forwards(Protocol::UDP))
                    .flatten()
            })
            .collect();
        crate::cluster::forward::send(&c.socket, wire, &addrs);
    }

    /// While not leading: transactions received are forwarded to the upcoming leaders and kept
    /// for this node's own next slots.
    fn pass_on_transactions(&self, st: &mut LoopState, slot: Slot) {
        let mut fresh: Vec<VerifiedTx> = Vec::new();
        for batch in self.transactions.try_iter() {
            fresh.extend(batch);
        }
        if !fresh.is_empty() {
            let leaders = self.upcoming_leaders(slot, &st.reset);
            let wire: Vec<Vec<u8>> = fresh
                .iter()
                .filter_map(|t| bincode::serialize(&t.to_versioned_transaction()).ok())
                .collect();
            self.forward(&wire, &leaders);
        }
        if let Some(c) = &self.cluster {
            for batch in c.forwarded.try_iter() {
                fresh.extend(batch);
            }
        }
        let now = Instant::now();
        st.buffered.extend(fresh.into_iter().map(|t| (now, t)));
        while st
            .buffered
            .front()
            .is_some_and(|(t, _)| t.elapsed() > BUFFER_AGE)
            || st.buffered.len() > BUFFER_CAPACITY
        {
            st.buffered.pop_front();
        }
    }

    /// Asks peers for slots this node misses: parents of stored slots that are not full, and
    /// slots whose shreds stopped arriving.
    fn repair(&self, st: &mut LoopState) {
        let Some(c) = &self.cluster else {
            return;
        };
        if st.last_repair.elapsed() < Duration::from_millis(100) {
            return;
        }
        st.last_repair = Instant::now();
        let root = self.bank_forks.read().expect("bank forks").root();
        st.known.retain(|_, seen| seen.elapsed() < KNOWN_STALE);
        // Replayed, or stored in full (to be replayed).
        let have = |slot: Slot| {
            self.bank_forks
                .read()
                .expect("bank forks")
                .get(slot)
                .is_some()
                || self.ledger.is_full(slot)
        };
        let mut wanted: Vec<Request> = Vec::new();
        for (slot, seen) in &st.known {
            let meta = self.ledger.blockstore().meta(*slot).ok().flatten();
            if let Some(parent) = meta.as_ref().and_then(|m| m.parent_slot) {
                if parent > root && !have(parent) && !st.known.contains_key(&parent) {
                    // An orphan: its parent, and the parent's ancestors in the same answer.
                    wanted.push(Request {
                        slot: parent,
                        from: 0,
                        to: u32::MAX,
                        ancestors: ORPHAN_ANCESTORS,
                    });
                }
            }
            if !self.ledger.is_full(*slot) && seen.elapsed() > self.slot_duration {
                let from = meta.map_or(0, |m| m.consumed as u32);
                wanted.push(Request {
                    slot: *slot,
                    from,
                    to: u32::MAX,
                    ancestors: 0,
                });
            }
        }
        // Behind: the slots after this node's fork, in order (skipped slots get no answer).
        let highest = c.ctx.highest_seen();
        let reset = st.reset.slot();
        if highest > reset + 2 && !have(highest) {
            // Its parents lead back to this node's fork (however many slots were skipped).
            wanted.push(Request {
                slot: highest,
                from: 0,
                to: u32::MAX,
                ancestors: ORPHAN_ANCESTORS,
            });
        }
        if highest > reset + 2 && !st.caught_up {
            // Joining or restarted: every slot after this node's fork, in order (once caught
            // up, missing blocks are found through the parents of those that arrive).
            for slot in reset + 1..=highest.min(reset + CATCH_UP_WINDOW) {
                if have(slot) || st.dead.contains(&slot) {
                    continue;
                }
                let from = self
                    .ledger
                    .blockstore()
                    .meta(slot)
                    .ok()
                    .flatten()
                    .map_or(0, |m| m.consumed as u32);
                wanted.push(Request {
                    slot,
                    from,
                    to: u32::MAX,
                    ancestors: 0,
                });
            }
        }
        wanted.sort_by_key(|r| r.slot);
        wanted.dedup_by_key(|r| r.slot);
        st.asked.retain(|s, _| *s > root);
        let peers: Vec<(Pubkey, SocketAddr)> = c
            .ctx
            .cluster_info
            .tvu_peers(|ci| (*ci.pubkey(), ci.serve_repair(Protocol::UDP)))
            .into_iter()
            .filter_map(|(id, a)| Some((id, a?)))
            .collect();
        if peers.is_empty() {
            return;
        }
        for req in wanted {
            let (when, tries) = st
                .asked
                .get(&req.slot)
                .copied()
                .unwrap_or((Instant::now() - REPAIR_RETRY * 2, 0));
            if when.elapsed() < REPAIR_RETRY {
                continue;
            }
            // The slot's leader first, then the others in turn.
            let leader = c.ctx.slot_leader(req.slot);
            let pick = match peers.iter().position(|(id, _)| Some(*id) == leader) {
                Some(i) if tries == 0 => i,
                _ => (req.slot as usize + tries as usize) % peers.len(),
            };
            let (id, addr) = peers[pick];
            debug!(
                "repair: asking {id} for slot {} from {}",
                req.slot, req.from
            );
            let _ = c.socket.send_to(&req.encode(), addr);
            st.asked.insert(req.slot, (Instant::now(), tries + 1));
        }
    }

    /// Produces `slot` on the bank PoH was reset to.
    fn produce_slot(&self, st: &mut LoopState, slot: Slot) -> Result<Arc<Bank>, CoreError> {
        let parent = st.reset.clone();
        let leader = SlotLeader {
            id: self.identity.pubkey(),
            vote_address: self.vote_account,
        };
        let bank = Bank::new_from_parent(parent.clone(), leader, slot);
        let (bank, root) = {
            let mut forks = self.bank_forks.write().expect("bank forks");
            (forks.insert(bank), forks.root())
        };
        for o in &self.observers {
            o.new_bank(slot, parent.slot(), root);
        }
        // The ticks of the slots skipped since the parent open the block.
        let mut entries: Vec<Entry> = std::mem::take(&mut st.virtual_entries);
        for e in &entries {
            bank.register_tick(&e.hash);
        }
        if parent.slot() + 1 < slot {
            info!(
                "slot {slot}: building on slot {} ({} slots skipped)",
                parent.slot(),
                slot - parent.slot() - 1
            );
        }
        let config = self.poh_config(&parent);
        let placeholder = PohRecorder::new(parent.last_blockhash(), slot, config)
            .map_err(|e| CoreError::Poh(e.to_string()))?;
        let mut state = SlotState {
            poh: std::mem::replace(&mut st.poh, placeholder),
            tx_index: 0,
            timings: ExecuteTimings::default(),
        };
        let votes = std::mem::take(&mut st.own_votes);
        if !votes.is_empty() {
            self.execute(&bank, &mut state, votes);
        }
        let buffered: Vec<VerifiedTx> = st.buffered.drain(..).map(|(_, t)| t).collect();
        if !buffered.is_empty() {
            self.execute(&bank, &mut state, buffered);
        }
        // The slot's ticks follow the PoH clock (a slot that waited for the previous leader
        // starts now).
        let now = Instant::now();
        let start = if st.slot_began + self.slot_duration / 2 > now {
            st.slot_began
        } else {
            now
        };
        let pacer = Pacer::starting_at(start, &config);
        st.produced_end = Some((slot, pacer.due(config.ticks_per_slot)));
        for tick_no in 1..=config.ticks_per_slot {
            let due = pacer.due(tick_no);
            loop {
                let forwarded = self.cluster.as_ref().map(|c| &c.forwarded);
                let got = match forwarded {
                    Some(f) => crossbeam_channel::select! {
                        recv(self.transactions) -> b => b,
                        recv(f) -> b => b,
                        default(due.saturating_duration_since(Instant::now())) => break,
                    },
                    None => match self.transactions.recv_deadline(due) {
                        Ok(b) => Ok(b),
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => {
                            pacer.wait(tick_no);
                            break;
                        }
                    },
                };
                match got {
                    Ok(mut batch) => {
                        batch.extend(self.transactions.try_iter().flatten());
                        self.execute(&bank, &mut state, batch);
                    }
                    Err(_) => {
                        pacer.wait(tick_no);
                        break;
                    }
                }
            }
            let hash = state
                .poh
                .tick()
                .map(|e| e.hash)
                .ok_or(CoreError::Poh("slot complete before its last tick".into()))?;
            bank.register_tick(&hash);
        }
        let ticked = Instant::now();
        let (stored_slot, own) = state
            .poh
            .take_slot()
            .ok_or_else(|| CoreError::Poh("slot incomplete after its ticks".into()))?;
        debug_assert_eq!(stored_slot, slot);
        entries.extend(own);
        let shreds = self
            .ledger
            .write_slot(slot, parent.slot(), &entries, &self.identity)?;
        // As replay does: the block id (last shred set's Merkle root), then freeze, then the
        // bank hash stored for replay to verify against.
        let written = Instant::now();
        bank.set_block_id(Some(self.ledger.last_merkle_root(slot)?));
        bank.freeze();
        debug!(
            "slot {slot}: written in {:?}, frozen in {:?}",
            written.duration_since(ticked),
            written.elapsed()
        );
        self.ledger
            .blockstore()
            .insert_bank_hash(slot, bank.hash(), false);
        if let Some(c) = &self.cluster {
            c.ctx.fan_out(&self.identity.pubkey(), &shreds);
        }
        let bank = bank.clone_without_scheduler();
        if let Some(s) = &self.status_sender {
            s.send_transaction_status_freeze_message(&bank);
        }
        info!(
            "slot {slot}: produced on slot {}, {} transactions",
            parent.slot(),
            state.tx_index
        );
        debug!(
            "slot {slot}: {} transactions in {} entries, hash {} (ticks began {:?} late, \
             stored and sent in {:?})",
            state.tx_index,
            entries.len(),
            bank.hash(),
            now.saturating_duration_since(start),
            ticked.elapsed()
        );
        for o in &self.observers {
            o.frozen(&bank);
        }
        Ok(bank)
    }

    /// Executes `pending` as conflict-free entries: transactions that lock accounts another one in
    /// the same batch holds wait for the next entry.
    fn execute(&self, bank: &BankWithScheduler, state: &mut SlotState, pending: Vec<VerifiedTx>) {
        // Transactions this fork already holds, or whose blockhash it does not know (votes and
        // forwards that reached several leaders), are dropped before execution.
        let ok = vec![Ok(()); pending.len()];
        let checks = bank.check_transactions_with_forwarding_delay(&pending, &ok, 0);
        let mut pending: Vec<VerifiedTx> = pending
            .into_iter()
            .zip(checks)
            .filter_map(|(tx, c)| c.is_ok().then_some(tx))
            .collect();
        while !pending.is_empty() {
            let locks = bank
                .prepare_sanitized_batch(&pending)
                .lock_results()
                .clone();
            let (mut now, mut later) = (Vec::new(), Vec::new());
            for (tx, lock) in pending.into_iter().zip(locks) {
                match lock {
                    Ok(()) => now.push(tx),
                    Err(TransactionError::AccountInUse) => later.push(tx),
                    Err(e) => debug!("dropped {}: {e}", tx.signature()),
                }
            }
            if now.is_empty() {
                debug!("dropped {} transactions that cannot lock", later.len());
                return;
            }
            self.commit_entry(bank, state, now);
            pending = later;
        }
    }

    /// Executes and records one conflict-free batch; if any transaction in it cannot be
    /// processed (bad fee payer, expired blockhash, duplicate, block full), executes them one
    /// by one and records each that commits as its own entry.
    fn commit_entry(&self, bank: &BankWithScheduler, state: &mut SlotState, txs: Vec<VerifiedTx>) {
        match self.try_batch(bank, state, &txs) {
            Ok(()) => self.record(state, &txs),
            Err(e) if txs.len() == 1 => debug!("dropped {}: {e}", txs[0].signature()),
            Err(_) => {
                for tx in txs {
                    let one = [tx];
                    match self.try_batch(bank, state, &one) {
                        Ok(()) => self.record(state, &one),
                        Err(e) => debug!("dropped {}: {e}", one[0].signature()),
                    }
                }
            }
        }
    }

    fn try_batch(
        &self,
        bank: &BankWithScheduler,
        state: &mut SlotState,
        txs: &[VerifiedTx],
    ) -> TransactionResult<()> {
        let batch = TransactionBatchWithIndexes {
            batch: bank.prepare_sanitized_batch(txs),
            transaction_indexes: (state.tx_index..state.tx_index + txs.len()).collect(),
        };
        let bank_arc = bank.clone_without_scheduler();
        execute_batch(
            &batch,
            &bank_arc,
            self.status_sender.as_ref(),
            None,
            ReplayVoteSendType::VerifiedExecuted,
            &mut state.timings,
            None,
            None,
            None::<fn(&TransactionResult<ProcessedTransaction>) -> TransactionResult<Option<usize>>>,
        )?;
        state.tx_index += txs.len();
        Ok(())
    }

    fn record(&self, state: &mut SlotState, txs: &[VerifiedTx]) {
        let wire: Vec<VersionedTransaction> =
            txs.iter().map(|t| t.to_versioned_transaction()).collect();
        // Hashes per tick are unset or far above the entries one tick can hold, so a record
        // never finds a tick due; executed transactions must never miss the ledger.
        state
            .poh
            .record(wire)
            .expect("PoH has room for an entry between ticks");
    }

    /// Commitment and roots after `bank` froze.
    fn settle(&self, bank: &Arc<Bank>, last_confirmed: &mut Slot) -> Result<(), CoreError> {
        let c = aggregate(bank);
        if log::log_enabled!(log::Level::Trace) {
            let tower = Tower::from_bank(bank, &self.vote_account);
            log::trace!(
                "slot {}: tower {:?} root {:?}; confirmed {:?}, supermajority root {:?}",
                bank.slot(),
                tower
                    .votes()
                    .iter()
                    .map(|l| (l.slot(), l.confirmation_count()))
                    .collect::<Vec<_>>(),
                tower.root(),
                c.confirmed,
                c.supermajority_root
            );
        }
        if let Some(confirmed) = c.confirmed.filter(|s| *s > *last_confirmed) {
            *last_confirmed = confirmed;
            if let Some(b) = self.bank_forks.read().expect("bank forks").get(confirmed) {
                // Where RPC health and restarts look for the cluster's confirmed tip.
                self.ledger
                    .blockstore()
                    .insert_optimistic_slot(confirmed, &b.hash(), b.clock().unix_timestamp)
                    .map_err(|e| CoreError::Ledger(e.to_string()))?;
            }
            for o in &self.observers {
                o.confirmed(confirmed);
            }
        }
        let old_root = self.bank_forks.read().expect("bank forks").root();
        let mut root = old_root;
        if let Some(new_root) = c.supermajority_root.filter(|r| *r > old_root) {
            let root_bank = self
                .bank_forks
                .read()
                .expect("bank forks")
                .get(new_root)
                .ok_or(CoreError::MissingBank(new_root))?;
            let mut chain: Vec<Slot> = root_bank
                .parents()
                .iter()
                .map(|b| b.slot())
                .filter(|s| *s > old_root)
                .collect();
            chain.reverse();
            chain.push(new_root);
            self.ledger.set_roots(&chain)?;
            self.bank_forks.write().expect("bank forks").set_root(
                new_root,
                Some(self.accounts.controller()),
                Some(new_root),
            );
            if let Some(qos) = &self.qos {
                let old_epoch = root_bank.epoch_schedule().get_epoch(old_root);
                if root_bank.epoch() > old_epoch {
                    *qos.write().expect("QoS weights") = crate::tpu::lstake_nodes(&root_bank);
                }
            }
            chain.insert(0, old_root);
            for o in &self.observers {
                o.rooted(&root_bank, &chain);
            }
            root = new_root;
        }
        let slots = CommitmentSlots {
            slot: bank.slot(),
            root,
            highest_confirmed_slot: *last_confirmed,
            highest_super_majority_root: root,
        };
        *self.commitment_cache.write().expect("commitment cache") =
            BlockCommitmentCache::new(c.blocks, c.total, slots);
        for o in &self.observers {
            o.commitment(slots);
        }
        Ok(())
    }
}
