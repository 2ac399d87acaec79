//! Fork choice and the vote rules, weighted by LStake: each vote account's latest vote (as seen
//! in any replayed bank) adds its weight to the voted bank and every ancestor; the heaviest fork
//! is found by descending from the root into the heaviest child (Agave's heaviest-subtree fork
//! choice). A node votes on it only when its tower allows: no lockout on another fork, the vote
//! threshold (more than 2/3 of the weight on the slot its vote would lock 8 deep) and, to leave
//! the fork of its last vote, the switch threshold (38 % of the weight voting on other forks).

use std::collections::HashMap;
use std::sync::Arc;

use solana_clock::Slot;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_runtime::bank_forks::BankForks;

use crate::tower::Tower;

/// Depth in the tower whose slot must be voted by a supermajority before voting again.
pub const VOTE_THRESHOLD_DEPTH: usize = 8;
/// Share of the weight the switch threshold asks for.
pub const SWITCH_THRESHOLD: f64 = 0.38;

/// The latest vote of each vote account.
#[derive(Clone, Debug, Default)]
pub struct ForkChoice {
    latest: HashMap<Pubkey, Slot>,
}

/// Why the node does not vote on a bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoVote {
    /// The tower already holds a vote at or past this slot.
    Voted,
    /// A vote in the tower on another fork still locks this one out.
    LockedOut(Slot),
    /// Too little weight has voted the slot this vote would lock deep.
    Threshold(Slot),
    /// Leaving the last vote's fork needs more weight on other forks.
    Switch,
}

impl ForkChoice {
    /// Takes note of the votes `bank`'s vote accounts hold.
    pub fn observe(&mut self, bank: &Bank) {
        for vote in bank.vote_accounts().keys() {
            if let Some(last) =
                crate::commitment::vote_state(bank, vote).and_then(|v| v.last_voted_slot())
            {
                self.record(*vote, last);
            }
        }
    }

    /// Takes note of a vote by `vote` on `slot` (later votes replace earlier ones).
    pub fn record(&mut self, vote: Pubkey, slot: Slot) {
        let e = self.latest.entry(vote).or_insert(slot);
        *e = (*e).max(slot);
    }

    /// The weight of each frozen bank's subtree: the weights of the vote accounts whose latest
    /// vote is on it or a descendant.
    pub fn subtree_weights(
        &self,
        forks: &BankForks,
        weights: &HashMap<Pubkey, u64>,
    ) -> HashMap<Slot, u128> {
        let mut out: HashMap<Slot, u128> = HashMap::new();
        for (vote, slot) in &self.latest {
            let (Some(w), Some(bank)) = (weights.get(vote), forks.get(*slot)) else {
                continue;
            };
            for s in bank.ancestors.keys().into_iter().chain([*slot]) {
                if forks.get(s).is_some() {
                    *out.entry(s).or_default() += u128::from(*w);
                }
            }
        }
        out
    }

    /// The heaviest frozen bank descending from `from` (the root when `None`).
    pub fn heaviest(
        &self,
        forks: &BankForks,
        weights: &HashMap<Pubkey, u64>,
        from: Option<Slot>,
    ) -> Arc<Bank> {
        let subtree = self.subtree_weights(forks, weights);
        let mut children: HashMap<Slot, Vec<Slot>> = HashMap::new();
        for (slot, bank) in forks.frozen_banks() {
            if slot != forks.root() {
                children.entry(bank.parent_slot()).or_default().push(slot);
            }
        }
        let mut at = from
            .filter(|s| forks.is_frozen(*s))
            .unwrap_or_else(|| forks.root());
        // Heaviest child first; on equal weight the lower slot (the one that came first).
        while let Some(next) = children.get(&at).and_then(|c| {
            c.iter()
                .copied()
                .max_by_key(|s| (subtree.get(s).copied().unwrap_or(0), std::cmp::Reverse(*s)))
        }) {
            at = next;
        }
        forks.get(at).unwrap_or_else(|| forks.root_bank())
    }

    /// Whether the node whose tower is `tower` may vote on `bank` now. `weights` are the vote
    /// accounts' weights; `total` their sum.
    pub fn can_vote(
        &self,
        tower: &Tower,
        bank: &Bank,
        forks: &BankForks,
        weights: &HashMap<Pubkey, u64>,
    ) -> Result<(), NoVote> {
        let slot = bank.slot();
        if tower.last_voted_slot().is_some_and(|last| slot <= last) {
            return Err(NoVote::Voted);
        }
        let on_fork = |s: Slot| s == slot || bank.ancestors.contains_key(&s) || s <= forks.root();
        // Lockouts still in force at this slot must all be on this bank's fork.
        let mut simulated = tower.clone();
        for l in tower.votes() {
            if l.is_locked_out_at_slot(slot) && !on_fork(l.slot()) {
                return Err(NoVote::LockedOut(l.slot()));
            }
        }
        // Switching forks: the last vote is not an ancestor of this bank.
        if let Some(last) = tower.last_voted_slot() {
            if !on_fork(last) {
                let total: u128 = weights.values().map(|w| u128::from(*w)).sum();
                let last_bank = forks.get(last);
                let elsewhere: u128 = self
                    .latest
                    .iter()
                    .filter(|(_, s)| {
                        // Votes neither on the last vote's fork nor its descendants.
                        let on_last = **s == last
                            || last_bank
                                .as_ref()
                                .is_some_and(|b| b.ancestors.contains_key(s))
                            || forks
                                .get(**s)
                                .is_some_and(|b| b.ancestors.contains_key(&last));
                        !on_last
                    })
                    .filter_map(|(v, _)| weights.get(v))
                    .map(|w| u128::from(*w))
                    .sum();
                if (elsewhere as f64) < SWITCH_THRESHOLD * total as f64 {
                    return Err(NoVote::Switch);
                }
            }
        }
        // The vote threshold: with this vote recorded, the slot 8 deep must be voted by more
        // than 2/3 of the weight (as this bank's vote accounts show).
        simulated.record(slot);
        let depth = simulated.votes().len();
        if depth > VOTE_THRESHOLD_DEPTH {
            let deep = simulated.votes()[depth - 1 - VOTE_THRESHOLD_DEPTH].slot();
            let mut voted: u128 = 0;
            let mut total: u128 = 0;
            for (vote, w) in weights {
                total += u128::from(*w);
                let has = crate::commitment::vote_state(bank, vote).is_some_and(|v| {
                    v.votes_iter().any(|l| l.slot() >= deep)
                        || v.root_slot().is_some_and(|r| r >= deep)
                });
                if has {
                    voted += u128::from(*w);
                }
            }
            if voted * 3 <= total * 2 {
                return Err(NoVote::Threshold(deep));
            }
        }
        Ok(())
    }
}
