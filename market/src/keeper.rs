//! Moving auctions along: the permissionless steps anyone may take once their slot has come —
//! settle after the reveal window, draw the committee after delivery, finalise on a quorum or at
//! the verification deadline, claim a missed deadline. The node runs them for every request; a
//! miner runs them for its own.

use ambient_sdk::auction::instruction::{claim_timeout, draw_committee, finalize, settle};
use ambient_sdk::auction::state::{Request, RequestState};
use log::debug;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;

use crate::chain::Chain;
use crate::error::MarketError;

/// The step due for `r` when a transaction sent now lands in `slot` ([`Chain::landing_slot`]), if
/// any.
pub fn due(
    chain: &Chain,
    slot: u64,
    key: &Pubkey,
    r: &Request,
) -> Result<Option<Instruction>, MarketError> {
    let payee = |chain: &Chain| -> Result<Option<Pubkey>, MarketError> {
        Ok(chain.bid(&r.winner)?.map(|b| b.miner))
    };
    Ok(match r.state {
        RequestState::Open if slot >= r.reveal_end => Some(settle(key)),
        RequestState::Awarded if slot >= r.deadline => {
            payee(chain)?.map(|m| claim_timeout(key, &r.winner, &r.requester, &m))
        }
        RequestState::Delivered if slot > r.result.slot => Some(draw_committee(key)),
        RequestState::Verifying => {
            let c = &r.committee;
            let quorum = c.len as u32 / 2 + 1;
            let decided = c.valid.count_ones() >= quorum || c.fraud.count_ones() >= quorum;
            if decided || slot >= c.deadline {
                payee(chain)?.map(|m| finalize(key, &r.winner, &r.requester, &m))
            } else {
                None
            }
        }
        _ => None,
    })
}

/// Sends the step due for `r`, if any (paid by `payer`). A step someone else took first fails
/// harmlessly.
pub fn crank(chain: &Chain, payer: &Keypair, slot: u64, key: &Pubkey, r: &Request) {
    let ix = match due(chain, slot, key, r) {
        Ok(Some(ix)) => ix,
        Ok(None) => return,
        Err(e) => {
            debug!("request {key}: {e}");
            return;
        }
    };
    // Sent, not confirmed: the next pass reads the outcome back (and the miner and the node's
    // verifier may both send the same step; one of them fails harmlessly).
    match chain.submit(payer, &[], &[ix]) {
        Ok(sig) => debug!("request {key} ({:?}): step sent ({sig})", r.state),
        Err(e) => debug!("request {key} ({:?}): {e}", r.state),
    }
}
