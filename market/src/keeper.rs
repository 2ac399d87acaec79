//! Moving auctions along: the permissionless steps anyone may take once their slot has come —
//! settle after the reveal window, draw the committee after delivery, finalise on a verdict or at
//! the verification deadline (a new committee, or a void after the last), void a job whose
//! committee could not be drawn in time, claim a missed deadline, close the bids miners left
//! behind. The node runs them for every request; a miner runs them for its own.

use std::collections::HashMap;

use ambient_sdk::auction::draw::{draw_candidates, next_draw, seed_of};
use ambient_sdk::auction::instruction::{
    claim_timeout, draw_committee, finalize_request, settle, withdraw_bid,
};
use ambient_sdk::auction::state::{Bid, Escalation, Request, RequestState};
use ambient_sdk::registry::lstake_table::LStakeTable;
use log::debug;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::chain::Chain;
use crate::error::MarketError;

/// One pass of a keeper over the auctions: the slot its transactions land in
/// ([`Chain::landing_slot`]), who pays for them, and the LStake table, read at most once and only
/// when a committee draw is due.
pub struct Round<'a> {
    chain: &'a Chain,
    payer: &'a Keypair,
    slot: u64,
    table: std::cell::OnceCell<LStakeTable>,
}

impl<'a> Round<'a> {
    /// A pass whose steps land in `slot`, paid by `payer`.
    pub fn new(chain: &'a Chain, payer: &'a Keypair, slot: u64) -> Self {
        Round {
            chain,
            payer,
            slot,
            table: std::cell::OnceCell::new(),
        }
    }

    fn table(&self) -> Result<&LStakeTable, MarketError> {
        if let Some(t) = self.table.get() {
            return Ok(t);
        }
        let t = self.chain.lstake_table()?;
        Ok(self.table.get_or_init(|| t))
    }

    /// The step due for `r`, if any.
    pub fn due(&self, key: &Pubkey, r: &Request) -> Result<Option<Instruction>, MarketError> {
        let (chain, slot) = (self.chain, self.slot);
        let payee = || -> Result<Option<Pubkey>, MarketError> {
            Ok(chain.bid(&r.winner)?.map(|b| b.miner))
        };
        Ok(match r.state {
            RequestState::Open if slot >= r.reveal_end => Some(settle(key)),
            RequestState::Awarded if slot >= r.deadline => {
                payee()?.map(|m| claim_timeout(key, &r.winner, &r.requester, &m))
            }
            // A verdict (once its appeal window is over, or an appeal committee's), a grown
            // committee after a split one, a new committee in place of a silent one, or a void.
            RequestState::Delivered | RequestState::Verifying if r.ending(slot).is_ok() => {
                let appeal = match r.appealed {
                    Some(_) => match chain.appeal(&r.appeal)? {
                        Some(a) => Some(a),
                        None => return Ok(None),
                    },
                    None => None,
                };
                payee()?.map(|m| finalize_request(key, r, &m, appeal.as_ref()))
            }
            RequestState::Delivered if r.draw_window(slot).is_ok() => self.draw(key, r)?,
            _ => None,
        })
    }

    /// The draw of `r`'s committee (or its audit decision), with the verifier records of the
    /// candidates the program walks: none when the job will not be audited; `None` while the
    /// node has not seen every seed slot, or when no candidate is bonded for a first committee
    /// (a draw would fail and cost its fee: wait for the window to end, or for an epoch roll to
    /// bring verifiers).
    fn draw(&self, key: &Pubkey, r: &Request) -> Result<Option<Instruction>, MarketError> {
        let hashes = self.chain.slot_hashes()?;
        let seen = hashes
            .first()
            .is_some_and(|(s, _)| s >= r.seed_slots().end());
        let Some(seed) = seen
            .then(|| seed_of(&hashes, r.seed_slots()).ok())
            .flatten()
        else {
            return Ok(None);
        };
        let Some((order, need)) = next_draw(self.table()?, r, key, &seed) else {
            return Ok(Some(draw_committee(key, &[])));
        };
        let bonded: HashMap<Pubkey, bool> = order
            .iter()
            .copied()
            .zip(self.chain.may_vote(&order)?)
            .collect();
        let walked = draw_candidates(&order, need, |c| bonded[c]);
        // A grown committee keeps its members: it is drawn even when no one new can join; an
        // appeal committee without members leaves the appealed verdict standing.
        let growing = matches!(
            r.committee.escalation,
            Escalation::Pending | Escalation::AppealPending
        );
        let any = growing || walked.iter().any(|c| bonded[c]);
        Ok(any.then(|| draw_committee(key, &walked)))
    }

    /// Sends the step due for `r`, if any. A step someone else took first fails harmlessly.
    pub fn crank(&self, key: &Pubkey, r: &Request) {
        let ix = match self.due(key, r) {
            Ok(Some(ix)) => ix,
            Ok(None) => return,
            Err(e) => {
                debug!("request {key}: {e}");
                return;
            }
        };
        // Sent, not confirmed: the next pass reads the outcome back (and the miner and the
        // node's verifier may both send the same step; one of them fails harmlessly).
        match self.chain.submit(self.payer, &[], &[ix]) {
            Ok(sig) => debug!("request {key} ({:?}): step sent ({sig})", r.state),
            Err(e) => debug!("request {key} ({:?}): {e}", r.state),
        }
    }
}

/// The bids among `bids` that their miners left behind on settled requests, each with the
/// instruction that closes it (signed by `closer`; what a bid returns goes to its miner). The
/// winner's bid stays while its job is under way.
pub fn left_behind(
    closer: &Pubkey,
    requests: &HashMap<Pubkey, Request>,
    bids: &[(Pubkey, Bid)],
) -> Vec<(Pubkey, Instruction)> {
    bids.iter()
        .filter_map(|(key, bid)| {
            let r = requests.get(&bid.request)?;
            if r.state == RequestState::Open || (r.state.job_under_way() && r.winner == *key) {
                return None;
            }
            let ix = withdraw_bid(closer, &bid.request, key, &bid.miner, &r.requester);
            Some((*key, ix))
        })
        .collect()
}

/// Closes every bid its miner left behind on a settled request (paid by `payer`), so the
/// request can close and the bond and rent reach the miner.
pub fn close_left_behind(chain: &Chain, payer: &Keypair, requests: &HashMap<Pubkey, Request>) {
    let bids = match chain.bids() {
        Ok(b) => b,
        Err(e) => {
            debug!("bids: {e}");
            return;
        }
    };
    for (key, ix) in left_behind(&payer.pubkey(), requests, &bids) {
        match chain.submit(payer, &[], &[ix]) {
            Ok(sig) => debug!("bid {key}: closed for its miner ({sig})"),
            Err(e) => debug!("bid {key}: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ambient_sdk::auction::state::Sampling;

    fn request(state: RequestState, winner: Pubkey) -> Request {
        Request {
            state,
            requester: Pubkey::new_unique(),
            model_id: [0; 32],
            prompt_hash: [0; 32],
            max_tokens: 8,
            sampling: Sampling {
                temperature: 0.0,
                top_k: 0,
                top_p: 1.0,
                seed: 0,
            },
            max_price: 1,
            created_slot: 0,
            bid_end: 1,
            reveal_end: 2,
            deadline: 3,
            bids: 1,
            revealed: 1,
            best_bid: winner,
            best_price: 1,
            second_price: 1,
            winner,
            price: 1,
            result: Default::default(),
            committee: Default::default(),
            best_miner: Pubkey::default(),
            winner_miner: Pubkey::default(),
            audit_ppm: 1_000_000,
            audit: Default::default(),
            prompt_tokens: 1,
            appeal: Pubkey::default(),
            appealed: None,
        }
    }

    fn bid_on(request: Pubkey) -> (Pubkey, Bid) {
        let bid = Bid {
            revealed: true,
            request,
            miner: Pubkey::new_unique(),
            commitment: [0; 32],
            price: 1,
            bond: 1,
            audit_ppm: 1_000_000,
        };
        (Pubkey::new_unique(), bid)
    }

    #[test]
    fn only_settled_bids_that_back_no_job_are_closed_and_to_their_miner() {
        let closer = Pubkey::new_unique();
        let (open, unfilled, awarded, paid) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let (on_open, on_unfilled, winner, loser, on_paid) = (
            bid_on(open),
            bid_on(unfilled),
            bid_on(awarded),
            bid_on(awarded),
            bid_on(paid),
        );
        let requests: HashMap<Pubkey, Request> = [
            (open, request(RequestState::Open, Pubkey::default())),
            (unfilled, request(RequestState::Unfilled, Pubkey::default())),
            (awarded, request(RequestState::Awarded, winner.0)),
            (paid, request(RequestState::Paid, on_paid.0)),
        ]
        .into();
        let orphan = bid_on(Pubkey::new_unique());
        let bids = [on_open, on_unfilled, winner, loser, on_paid, orphan];
        let closed = left_behind(&closer, &requests, &bids);
        let keys: Vec<Pubkey> = closed.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [bids[1].0, bids[3].0, bids[4].0]);
        for ((key, ix), (_, bid)) in closed.iter().zip([&bids[1], &bids[3], &bids[4]]) {
            assert_eq!(ix.accounts[0].pubkey, closer);
            assert!(ix.accounts[0].is_signer);
            assert_eq!(ix.accounts[2].pubkey, *key);
            assert_eq!(ix.accounts[3].pubkey, bid.miner, "to the miner");
            assert_eq!(ix.accounts[4].pubkey, requests[&bid.request].requester);
        }
    }
}
