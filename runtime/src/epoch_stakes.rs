//! LStake as Agave's epoch stakes, through the patched `solana-runtime`'s chain hooks
//! ([`crate::hooks`]; see `agave/PATCHES.md`), so every bank of the process — genesis, ledger
//! replay, snapshot, block production — weighs validators by LStake, and everything in Agave that
//! reads epoch stakes (leader schedule, Tower, fork choice, Turbine, QoS) follows LStake with no
//! code of ours.
//!
//! - In the first bank of each epoch the registry's epoch roll runs ([`roll_in`]): the LStake
//!   table takes the work book's windows ending at the epoch before.
//! - Then the epoch stakes of the epoch the bank can now schedule give each identity's LStake to
//!   exactly one vote account ([`vote_stakes`]): of the vote accounts whose node is that identity,
//!   the one at the lowest address. Every other vote account weighs 0, so an identity gains
//!   nothing by creating more vote accounts. While no vote account's identity has LStake (no
//!   LStake table, or a table naming no voter), Agave's delegated stake stands.

use std::collections::{BTreeMap, HashMap};

use ambient_programs::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use ambient_programs::registry::reward_pool::{RewardPool, REWARD_POOL};
use ambient_programs::registry::roll::{roll, PoolBalance};
use ambient_programs::registry::work_book::{WorkBook, WORK_BOOK};
use ambient_programs::{auction, registry};
use log::{debug, info, warn};
use solana_account::{ReadableAccount, WritableAccount};
use solana_pubkey::Pubkey;
use solana_reward_info::RewardType;
use solana_runtime::bank::Bank;
use solana_runtime::reward_info::RewardInfo;
use solana_vote::vote_account::VoteAccounts;

/// The epoch stakes `bank` computes: each identity's LStake (from `bank`'s LStake table) on one
/// of its vote accounts; `None` while the table names no voter (delegated stake stands).
pub fn vote_stakes(bank: &Bank, vote_accounts: &VoteAccounts) -> Option<HashMap<Pubkey, u64>> {
    let table = bank
        .get_account(&LSTAKE_TABLE)
        .filter(|a| a.owner() == &registry::ID)
        .and_then(|a| LStakeTable::decode(a.data()).ok())?;
    let nodes = vote_accounts
        .iter()
        .map(|(vote, account)| (*vote, *account.node_pubkey()));
    let stakes = stakes_of(&table.entries, nodes);
    debug!(
        "slot {}: epoch stakes from the LStake table of epoch {}: {} vote accounts weighed",
        bank.slot(),
        table.epoch,
        stakes.len()
    );
    (!stakes.is_empty()).then_some(stakes)
}

/// The registry's epoch roll in the first bank of an epoch (logged; a bank without the registry's
/// accounts is left as it is).
pub fn on_new_epoch(bank: &Bank) {
    match roll_in(bank) {
        Ok(true) => info!(
            "slot {}: LStake rolled into epoch {}",
            bank.slot(),
            bank.epoch()
        ),
        Ok(false) => {}
        Err(e) => warn!("slot {}: no epoch roll: {e}", bank.slot()),
    }
}

/// Each identity's LStake on one vote account: of the `(vote account, node identity)` pairs
/// naming that identity, the lowest vote account address. Identities with no vote account or no
/// LStake weigh nothing.
pub fn stakes_of(
    lstake: &BTreeMap<Pubkey, u64>,
    vote_accounts: impl IntoIterator<Item = (Pubkey, Pubkey)>,
) -> HashMap<Pubkey, u64> {
    let mut chosen: BTreeMap<Pubkey, Pubkey> = BTreeMap::new();
    for (vote, node) in vote_accounts {
        if lstake.get(&node).is_some_and(|l| *l > 0) {
            let slot = chosen.entry(node).or_insert(vote);
            *slot = (*slot).min(vote);
        }
    }
    chosen
        .into_iter()
        .map(|(node, vote)| (vote, lstake[&node]))
        .collect()
}

/// Errors of the in-bank epoch roll (each leaves the bank unchanged).
#[derive(Debug, thiserror::Error)]
pub enum RollError {
    /// A registry account is missing or owned by another program.
    #[error("account {0} is missing or not the registry's")]
    Missing(&'static str),
    /// A registry account does not decode.
    #[error("account {0} is malformed: {1}")]
    Malformed(&'static str, String),
}

/// Runs the registry's epoch roll in `bank`; `Ok(false)` when the table is already rolled.
pub fn roll_in(bank: &Bank) -> Result<bool, RollError> {
    let account = |key, owner, name| {
        bank.get_account(key)
            .filter(|a| a.owner() == owner)
            .ok_or(RollError::Missing(name))
    };
    let malformed = |name| {
        move |e: ambient_programs::registry::error::RegistryError| {
            RollError::Malformed(name, e.to_string())
        }
    };
    let book = WorkBook::decode(account(&WORK_BOOK, &auction::ID, "work book")?.data())
        .map_err(malformed("work book"))?;
    let mut table_account = account(&LSTAKE_TABLE, &registry::ID, "LStake table")?;
    let mut pool_account = account(&REWARD_POOL, &registry::ID, "reward pool")?;
    let mut table = LStakeTable::decode(table_account.data()).map_err(malformed("LStake table"))?;
    let mut pool = RewardPool::decode(pool_account.data()).map_err(malformed("reward pool"))?;
    let balance = PoolBalance {
        lamports: pool_account.lamports(),
        rent_minimum: bank.get_minimum_balance_for_rent_exemption(pool_account.data().len()),
    };
    let Some(credited) = roll(
        &mut table,
        &mut pool,
        &book,
        bank.epoch(),
        bank.epoch_schedule(),
        balance,
    ) else {
        return Ok(false);
    };
    // Both encodings first, so the bank gets both accounts or neither.
    table
        .encode_into(table_account.data_as_mut_slice())
        .map_err(malformed("LStake table"))?;
    pool.encode_into(pool_account.data_as_mut_slice())
        .map_err(malformed("reward pool"))?;
    bank.store_account(&LSTAKE_TABLE, &table_account);
    bank.store_account(&REWARD_POOL, &pool_account);
    record_rewards(bank, &credited, &pool);
    Ok(true)
}

/// Records the issuance the roll credited as the rewards of the epoch's first block, of Agave's
/// vote-reward kind (the kind `getInflationReward` reads from that block by address), so
/// `getInflationReward` and `getBlock` report Ambient's payouts: per identity, its share of the
/// epochs just paid, and as post balance its claimable balance in the reward pool. The bank's
/// rewards are not part of its hash.
fn record_rewards(bank: &Bank, credited: &BTreeMap<Pubkey, u64>, pool: &RewardPool) {
    let mut rewards = bank.rewards.write().unwrap_or_else(|e| e.into_inner());
    for (who, lamports) in credited {
        rewards.push((
            *who,
            RewardInfo {
                reward_type: RewardType::Voting,
                lamports: i64::try_from(*lamports).unwrap_or(i64::MAX),
                post_balance: pool.claimable.get(who).copied().unwrap_or(0),
                commission_bps: None,
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::stakes_of;
    use solana_pubkey::Pubkey;

    #[test]
    fn an_identity_weighs_once_whatever_its_vote_accounts() {
        let (a, b, c) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let lstake = [(a, 25), (b, 75), (c, 0)].into_iter().collect();
        let mut votes: Vec<(Pubkey, Pubkey)> = (0..7).map(|_| (Pubkey::new_unique(), a)).collect();
        let b_vote = Pubkey::new_unique();
        votes.push((b_vote, b));
        votes.push((Pubkey::new_unique(), c));
        votes.push((Pubkey::new_unique(), Pubkey::new_unique()));
        let stakes = stakes_of(&lstake, votes.iter().copied());
        let a_lowest = votes.iter().filter(|(_, n)| *n == a).map(|(v, _)| *v).min();
        assert_eq!(stakes.len(), 2, "{stakes:?}");
        assert_eq!(stakes.get(&a_lowest.unwrap()), Some(&25));
        assert_eq!(stakes.get(&b_vote), Some(&75));
        assert_eq!(stakes.values().sum::<u64>(), 100);
        // The order the vote accounts come in does not matter.
        votes.reverse();
        assert_eq!(stakes_of(&lstake, votes), stakes);
    }
}
