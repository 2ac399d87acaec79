//! The leader schedule weighted by LStake: Solana's stake-weighted shuffle (seeded per epoch,
//! four consecutive slots per leader) with each vote account weighed by its node identity's
//! LStake in place of delegated stake. The schedule of epoch `e` uses the LStake that held in
//! epoch `e - 1` (the LStake table keeps it, see [`LStakeTable::leader_weights`]), so every node
//! computes the same schedule from any rooted bank of epoch `e - 1` or `e`. Identities without a
//! vote account (miners that do not validate) and identities with zero LStake never lead. While
//! no voter has LStake (a new development cluster), delegated stake weighs the schedule, as it
//! weighs votes.
//!
//! The schedules are installed in `solana-ledger`'s `LeaderScheduleCache`, which replay, block
//! production and the RPC (`getLeaderSchedule`, `getSlotLeaders`) all read.

use std::collections::HashMap;

use ambient_programs::registry::lstake_table::LStakeTable;
use log::{debug, warn};
use solana_clock::Epoch;
use solana_leader_schedule::{LeaderSchedule, NUM_CONSECUTIVE_LEADER_SLOTS};
use solana_ledger::leader_schedule_cache::LeaderScheduleCache;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_vote::vote_account::VoteAccountsHashMap;

/// The vote accounts of `bank`, each weighed by the LStake `weights` give its node identity
/// (zero for identities without LStake); `None` when no vote account has any.
pub fn weighted_vote_accounts(
    bank: &Bank,
    weights: &std::collections::BTreeMap<Pubkey, u64>,
) -> Option<VoteAccountsHashMap> {
    let accounts = bank.vote_accounts();
    let map: VoteAccountsHashMap = accounts
        .iter()
        .map(|(vote, (_, account))| {
            let w = weights.get(account.node_pubkey()).copied().unwrap_or(0);
            (*vote, (w, account.clone()))
        })
        .collect();
    map.values().any(|(w, _)| *w > 0).then_some(map)
}

/// The LStake-weighted leader schedule of `epoch`, computed from `bank` (a bank of epoch
/// `epoch - 1` or `epoch`); `None` when `bank` cannot tell which LStake held in `epoch - 1`.
pub fn leader_schedule(bank: &Bank, epoch: Epoch) -> Option<LeaderSchedule> {
    let table = crate::commitment::lstake_table(bank)?;
    let weights = table.leader_weights(epoch).or_else(|| {
        // Genesis's table serves the first two epochs.
        (table.epoch == 0 && epoch <= 1).then_some(&table.entries)
    })?;
    let slots = bank.epoch_schedule().get_slots_in_epoch(epoch) as usize;
    let accounts = match weighted_vote_accounts(bank, weights) {
        Some(a) => a,
        None => {
            // No voter has LStake yet: delegated stake (as the vote weights fall back to).
            let staked: VoteAccountsHashMap = bank
                .vote_accounts()
                .iter()
                .map(|(k, (s, a))| (*k, (*s, a.clone())))
                .collect();
            if staked.values().all(|(s, _)| *s == 0) {
                return None;
            }
            staked
        }
    };
    Some(LeaderSchedule::new(
        &accounts,
        epoch,
        slots,
        NUM_CONSECUTIVE_LEADER_SLOTS,
    ))
}

/// Installs in `cache` the schedules `bank` determines: its own epoch's and the next one's.
/// Call it with each bank about to become a root (before `cache.set_root`, which would otherwise
/// compute a stake-weighted schedule for the new epoch) and once with the root at start.
pub fn install(cache: &LeaderScheduleCache, bank: &Bank) {
    install_with(cache, bank, true)
}

/// Installs the schedules `bank` determines for epochs `cache` has none for yet (for banks not
/// rooted: a root's schedule replaces them when it comes).
pub fn install_missing(cache: &LeaderScheduleCache, bank: &Bank) {
    install_with(cache, bank, false)
}

fn install_with(cache: &LeaderScheduleCache, bank: &Bank, overwrite: bool) {
    let table: Option<LStakeTable> = crate::commitment::lstake_table(bank);
    let Some(table) = table else {
        warn!(
            "slot {}: no LStake table; leader schedule unchanged",
            bank.slot()
        );
        return;
    };
    for epoch in [bank.epoch(), bank.epoch() + 1] {
        // Only a table that has rolled into this bank's epoch speaks for the next epoch.
        if epoch > bank.epoch() && table.epoch < bank.epoch() {
            continue;
        }
        if !overwrite && cache.get_epoch_leader_schedule(epoch).is_some() {
            continue;
        }
        match leader_schedule(bank, epoch) {
            Some(schedule) => {
                let (map, order) = &mut *cache.cached_schedules.write().expect("schedule cache");
                let fresh = !map.contains_key(&epoch);
                let schedule = std::sync::Arc::new(schedule);
                if map.get(&epoch) != Some(&schedule) {
                    debug!(
                        "slot {}: LStake leader schedule for epoch {epoch}",
                        bank.slot()
                    );
                    map.insert(epoch, schedule);
                }
                if fresh {
                    order.push_back(epoch);
                    while map.len() > cache.max_schedules() {
                        if let Some(old) = order.pop_front() {
                            map.remove(&old);
                        }
                    }
                }
            }
            None => debug!(
                "slot {}: the LStake table (epoch {}) cannot weigh epoch {epoch}",
                bank.slot(),
                table.epoch
            ),
        }
    }
}

/// A cache holding the LStake-weighted schedules that `root` determines.
pub fn new_cache(root: &Bank) -> LeaderScheduleCache {
    let cache = LeaderScheduleCache::new_from_bank(root);
    install(&cache, root);
    cache
}

/// How many slots of `schedule` each identity leads.
pub fn slots_by_identity(schedule: &LeaderSchedule) -> HashMap<Pubkey, usize> {
    let mut counts = HashMap::new();
    for leader in schedule.get_slot_leaders() {
        *counts.entry(leader.id).or_default() += 1;
    }
    counts
}
