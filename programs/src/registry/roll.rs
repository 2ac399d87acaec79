//! The epoch roll: in the first bank of each epoch the LStake table takes the work book's
//! windows ending at the epoch before, and the reward pool pays out every epoch since the last
//! roll with the LStake that was in force, and the audit rate moves toward its target by the
//! epoch's validation and inference work. It runs inside the bank at the epoch boundary
//! (`ambient-runtime`'s epoch hooks), before the bank computes the epoch stakes from the table, so
//! no leader can leave it out.

use ambient_pol::lstake::LStakeParams;
use ambient_pol::rules::next_verification_rate;
use std::collections::BTreeMap;

use solana_epoch_schedule::EpochSchedule;
use solana_pubkey::Pubkey;

use super::lstake_table::LStakeTable;
use super::reward_pool::RewardPool;
use super::work_book::{WorkBook, RING};

/// The reward pool's balance, as the roll needs it.
#[derive(Clone, Copy, Debug)]
pub struct PoolBalance {
    /// The pool account's lamports.
    pub lamports: u64,
    /// Its rent-exempt minimum.
    pub rent_minimum: u64,
}

/// Rolls `table` and `pool` into `epoch`, returning the issuance credited to each identity;
/// `None` (and nothing changed) when `table` is already at `epoch` or later. Moves no lamports:
/// the pool's issuance becomes claimable balances.
pub fn roll(
    table: &mut LStakeTable,
    pool: &mut RewardPool,
    book: &WorkBook,
    epoch: u64,
    schedule: &EpochSchedule,
    balance: PoolBalance,
) -> Option<BTreeMap<Pubkey, u64>> {
    if table.epoch >= epoch {
        return None;
    }
    let mut credited: BTreeMap<Pubkey, u64> = BTreeMap::new();
    // Every epoch since the last roll (as far back as the book remembers) is paid with the
    // LStake that was in force.
    let first = table.epoch.max(epoch.saturating_sub(RING as u64));
    for e in first..epoch {
        let paid = pool.settle_epoch(
            e,
            schedule,
            book,
            &table.entries,
            balance.lamports,
            balance.rent_minimum,
        );
        for (who, lamports) in paid.credited {
            *credited.entry(who).or_default() += lamports;
        }
    }
    let lstake = book.lstake(epoch - 1, &LStakeParams::default());
    // The audit rate moves toward its target overhead by the work of the epoch before.
    let (inference, validation, frauds) = book.epoch_totals(epoch - 1);
    table.audit_rate_ppm = next_verification_rate(
        table.audit_rate_ppm,
        validation,
        inference,
        frauds,
        &table.difficulty(),
    );
    // Until someone has validated work, the genesis LStake (the bootstrap validators') stands.
    table.previous = table.entries.clone();
    if !lstake.is_empty() {
        table.entries = lstake;
    }
    table.epoch = epoch;
    Some(credited)
}
