//! Block production: one bank per slot on the PoH clock. Each slot opens with the node's vote on
//! its parent, executes verified transactions as they arrive (each batch one entry, conflict-free
//! so replay executes it the same way), ticks on time, freezes, stores the block, then derives
//! commitment and roots from the votes the bank holds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ambient_ledger::Ledger;
use ambient_poh::{Pacer, PohConfig, PohRecorder};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use log::{debug, info, warn};
use solana_clock::Slot;
use solana_keypair::Keypair;
use solana_leader_schedule::SlotLeader;
use solana_ledger::blockstore_processor::{
    execute_batch, TransactionBatchWithIndexes, TransactionStatusSender,
};
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

use crate::commitment::aggregate;
use crate::observer::Observer;
use crate::tower::Tower;
use crate::tpu::VerifiedTx;
use crate::CoreError;

/// How many rooted slots pass between flushes of the accounts write cache.
const FLUSH_EVERY_ROOTS: u64 = 100;

/// Everything the block producer works with.
pub struct Producer {
    /// The bank tree (the producer inserts, freezes and roots banks).
    pub bank_forks: Arc<RwLock<BankForks>>,
    /// Where blocks are stored.
    pub ledger: Arc<Ledger>,
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
    /// The snapshot taker and its interval in rooted slots.
    pub snapshots: Option<(Arc<crate::snapshot::Snapshotter>, u64)>,
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

impl Producer {
    /// Produces slots until `exit` is set; returns after the slot in progress is stored.
    pub fn run(self) -> Result<(), CoreError> {
        let mut parent = self.bank_forks.read().expect("bank forks").working_bank();
        if !parent.is_frozen() {
            return Err(CoreError::Unfrozen(parent.slot()));
        }
        let highest_stored = self.ledger.blockstore().highest_slot().ok().flatten();
        let mut slot = (parent.slot() + 1).max(highest_stored.map_or(0, |s| s + 1));
        let ticks_per_slot = parent.ticks_per_slot();
        let config = PohConfig {
            slot_duration: self.slot_duration,
            ticks_per_slot,
            hashes_per_tick: parent.hashes_per_tick().filter(|h| *h > 1),
        };
        let pacer = Pacer::new(&config);
        let mut tick_no = 0u64;
        let mut last_confirmed = self
            .commitment_cache
            .read()
            .expect("commitment cache")
            .highest_confirmed_slot();
        info!(
            "producing from slot {slot} on parent {} (root {})",
            parent.slot(),
            self.bank_forks.read().expect("bank forks").root()
        );
        while !self.exit.load(Ordering::Relaxed) {
            let bank = self.produce_slot(&parent, slot, config, &pacer, &mut tick_no)?;
            self.settle(&bank, &mut last_confirmed)?;
            parent = bank;
            slot += 1;
        }
        info!("block production stopped after slot {}", parent.slot());
        if let Some((snapshotter, _)) = &self.snapshots {
            // The next start loads this instead of replaying up to it.
            let root = self.bank_forks.read().expect("bank forks").root_bank();
            if root.slot() > 0 {
                snapshotter.request(root);
            }
        }
        Ok(())
    }

    fn produce_slot(
        &self,
        parent: &Arc<Bank>,
        slot: Slot,
        config: PohConfig,
        pacer: &Pacer,
        tick_no: &mut u64,
    ) -> Result<Arc<Bank>, CoreError> {
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
        let mut state = SlotState {
            poh: PohRecorder::new(parent.last_blockhash(), slot, config)
                .map_err(|e| CoreError::Poh(e.to_string()))?,
            tx_index: 0,
            timings: ExecuteTimings::default(),
        };
        if let Some(vote) = self.vote_transaction(parent) {
            self.execute(&bank, &mut state, vec![vote]);
        }
        if let Some(roll) = self.epoch_roll(&bank, parent) {
            self.execute(&bank, &mut state, vec![roll]);
        }
        for _ in 0..config.ticks_per_slot {
            *tick_no += 1;
            let due = pacer.due(*tick_no);
            loop {
                match self.transactions.recv_deadline(due) {
                    Ok(mut batch) => {
                        batch.extend(self.transactions.try_iter().flatten());
                        self.execute(&bank, &mut state, batch);
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => {
                        pacer.wait(*tick_no);
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
        let (stored_slot, entries) = state
            .poh
            .take_slot()
            .ok_or_else(|| CoreError::Poh("slot incomplete after its ticks".into()))?;
        debug_assert_eq!(stored_slot, slot);
        self.ledger
            .write_slot(slot, parent.slot(), &entries, &self.identity)?;
        // As replay does: the block id (last shred set's Merkle root), then freeze, then the
        // bank hash stored for replay to verify against.
        bank.set_block_id(Some(self.ledger.last_merkle_root(slot)?));
        bank.freeze();
        self.ledger
            .blockstore()
            .insert_bank_hash(slot, bank.hash(), false);
        let bank = bank.clone_without_scheduler();
        if let Some(s) = &self.status_sender {
            s.send_transaction_status_freeze_message(&bank);
        }
        debug!(
            "slot {slot}: {} transactions in {} entries, hash {}",
            state.tx_index,
            entries.len(),
            bank.hash()
        );
        for o in &self.observers {
            o.frozen(&bank);
        }
        Ok(bank)
    }

    /// The node's vote on `parent`, built on the tower its vote account holds there.
    fn vote_transaction(&self, parent: &Arc<Bank>) -> Option<VerifiedTx> {
        let mut tower = Tower::from_bank(parent, &self.vote_account);
        let block_id = self
            .ledger
            .last_merkle_root(parent.slot())
            .unwrap_or_default();
        let tx = tower.vote(
            parent,
            block_id,
            &self.identity,
            &self.authorized_voter,
            &self.vote_account,
            parent.last_blockhash(),
        )?;
        parent
            .verify_transaction(
                VersionedTransaction::from(tx),
                TransactionVerificationMode::FullVerification,
            )
            .inspect_err(|e| warn!("own vote on slot {} rejected: {e}", parent.slot()))
            .ok()
    }

    /// In the first slot the leader produces in a new epoch, the registry's `RollEpoch`: the
    /// LStake table takes the work book's windows (a transaction, so replay rolls the same way).
    fn epoch_roll(&self, bank: &Bank, parent: &Bank) -> Option<VerifiedTx> {
        if crate::commitment::lstake_table(bank)?.epoch >= bank.epoch() {
            return None;
        }
        let tx = solana_transaction::Transaction::new_signed_with_payer(
            &[ambient_programs::registry::instruction::roll_epoch()],
            Some(&self.identity.pubkey()),
            &[&*self.identity],
            parent.last_blockhash(),
        );
        info!(
            "slot {}: rolling LStake into epoch {}",
            bank.slot(),
            bank.epoch()
        );
        bank.verify_transaction(
            VersionedTransaction::from(tx),
            TransactionVerificationMode::FullVerification,
        )
        .inspect_err(|e| warn!("epoch roll at slot {} rejected: {e}", bank.slot()))
        .ok()
    }

    /// Executes `pending` as conflict-free entries: transactions that lock accounts another one in
    /// the same batch holds wait for the next entry.
    fn execute(
        &self,
        bank: &BankWithScheduler,
        state: &mut SlotState,
        mut pending: Vec<VerifiedTx>,
    ) {
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
            self.bank_forks
                .write()
                .expect("bank forks")
                .set_root(new_root, None, Some(new_root));
            if let Some((snapshotter, interval)) = &self.snapshots {
                if new_root / interval > old_root / interval {
                    snapshotter.request(root_bank.clone());
                }
            }
            if let Some(qos) = &self.qos {
                let old_epoch = root_bank.epoch_schedule().get_epoch(old_root);
                if root_bank.epoch() > old_epoch {
                    *qos.write().expect("QoS weights") = crate::tpu::lstake_nodes(&root_bank);
                }
            }
            if new_root / FLUSH_EVERY_ROOTS > old_root / FLUSH_EVERY_ROOTS {
                // Rooted account versions move from the in-memory write cache to storage, so a
                // long-running node's memory stays bounded.
                root_bank.force_flush_accounts_cache();
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
