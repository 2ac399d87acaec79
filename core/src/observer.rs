//! What the pipeline tells the services above it (RPC, PubSub, metrics) as slots progress.

use std::sync::Arc;

use solana_clock::Slot;
use solana_runtime::bank::Bank;
use solana_runtime::commitment::CommitmentSlots;

/// Receives the pipeline's progress. Every method is called from the block-production thread,
/// in slot order, after the data it announces is in the bank forks and the ledger.
pub trait Observer: Send + Sync {
    /// A bank for `slot` (child of `parent`) was created; `root` is the current root.
    fn new_bank(&self, _slot: Slot, _parent: Slot, _root: Slot) {}
    /// `bank` is frozen and its block is stored.
    fn frozen(&self, _bank: &Arc<Bank>) {}
    /// `slot` is confirmed: voted by more than 2/3 of the LStake-weighted voters.
    fn confirmed(&self, _slot: Slot) {}
    /// `root` became the root; `chain` lists the newly rooted slots (oldest first) with the
    /// parent of the oldest first.
    fn rooted(&self, _root: &Arc<Bank>, _chain: &[Slot]) {}
    /// The block commitment cache was updated to `slots`.
    fn commitment(&self, _slots: CommitmentSlots) {}
}
