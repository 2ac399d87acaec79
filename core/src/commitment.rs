//! Commitment from votes weighted by LStake: how deep each recent slot is locked by the cluster,
//! the highest slot a supermajority has voted (confirmed) and the highest slot a supermajority
//! has rooted (finalized).

use std::collections::HashMap;

use solana_account::ReadableAccount;
use solana_clock::Slot;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_runtime::commitment::BlockCommitment;
use solana_vote::vote_state_view::VoteStateView;

/// The weight of each vote account in `bank`: its stake in the epoch stakes of `bank`'s epoch,
/// which the runtime's epoch hooks set from the LStake table (one vote account per identity), as
/// Agave's Tower reads them. Vote accounts with no weight are left out.
pub fn vote_weights(bank: &Bank) -> HashMap<Pubkey, u64> {
    bank.epoch_vote_accounts(bank.epoch())
        .map(|accounts| {
            accounts
                .iter()
                .filter(|(_, (stake, _))| *stake > 0)
                .map(|(vote, (stake, _))| (*vote, *stake))
                .collect()
        })
        .unwrap_or_default()
}

/// The vote state of `vote` as `bank` holds it now (read from the account, so votes executed in
/// `bank` itself count).
pub fn vote_state(bank: &Bank, vote: &Pubkey) -> Option<VoteStateView> {
    let account = bank.get_account(vote)?;
    if account.owner() != &solana_sdk_ids::vote::id() {
        return None;
    }
    VoteStateView::try_new(std::sync::Arc::new(account.data().to_vec())).ok()
}

/// The cluster's commitment as seen from one frozen bank.
#[derive(Clone, Debug, Default)]
pub struct Commitment {
    /// Weight locking each slot, by lockout depth (what `getBlockCommitment` shows).
    pub blocks: HashMap<Slot, BlockCommitment>,
    /// Total weight of the voters.
    pub total: u64,
    /// Highest slot voted by more than 2/3 of the weight.
    pub confirmed: Option<Slot>,
    /// Highest slot rooted by more than 2/3 of the weight.
    pub supermajority_root: Option<Slot>,
}

/// The highest slot such that voters holding more than 2/3 of `total` are at or past it.
fn supermajority(mut points: Vec<(Slot, u64)>, total: u64) -> Option<Slot> {
    points.sort_unstable_by_key(|p| std::cmp::Reverse(p.0));
    let mut acc: u128 = 0;
    for (slot, w) in points {
        acc += w as u128;
        if acc * 3 > total as u128 * 2 {
            return Some(slot);
        }
    }
    None
}

/// Aggregates the votes held in `bank`'s vote accounts.
pub fn aggregate(bank: &Bank) -> Commitment {
    let weights = vote_weights(bank);
    let total: u64 = weights.values().sum();
    let mut blocks: HashMap<Slot, BlockCommitment> = HashMap::new();
    let mut last_votes = Vec::new();
    let mut roots = Vec::new();
    for (vote, w) in &weights {
        let Some(view) = vote_state(bank, vote) else {
            continue;
        };
        for lockout in view.votes_iter() {
            blocks
                .entry(lockout.slot())
                .or_default()
                .increase_confirmation_stake(lockout.confirmation_count() as usize, *w);
        }
        if let Some(root) = view.root_slot() {
            roots.push((root, *w));
        }
        if let Some(last) = view.last_voted_slot() {
            last_votes.push((last, *w));
        }
    }
    Commitment {
        blocks,
        total,
        confirmed: supermajority(last_votes, total),
        supermajority_root: supermajority(roots, total),
    }
}

#[cfg(test)]
mod tests {
    use super::supermajority;

    #[test]
    fn supermajority_needs_more_than_two_thirds() {
        assert_eq!(supermajority(vec![(10, 2), (8, 1)], 3), Some(8));
        assert_eq!(supermajority(vec![(10, 3), (8, 1)], 4), Some(10));
        assert_eq!(supermajority(vec![(10, 2)], 3), None);
        assert_eq!(supermajority(vec![], 0), None);
    }
}
