//! Client builders of the auction's instructions (the data format and codec are in
//! [`ambient_interface::instruction`], re-exported here).

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

pub use ambient_interface::instruction::{
    request_ix, AuctionInstruction, Evidence, RequestParams, MAX_PROOF, VERSION,
};

use super::state::{Appeal, JobResult, Request, APPEAL_LEN, BID_LEN, REQUEST_LEN};
use super::ID;

fn ix(data: AuctionInstruction, accounts: Vec<AccountMeta>) -> Instruction {
    Instruction::new_with_bytes(ID, &data.encode(), accounts)
}

/// Creates the request account (funded with rent + `max_price` escrow) and opens the request.
pub fn request(
    requester: &Pubkey,
    request: &Pubkey,
    p: RequestParams,
    rent_exempt_minimum: u64,
) -> [Instruction; 2] {
    [
        solana_system_interface::instruction::create_account(
            requester,
            request,
            rent_exempt_minimum.saturating_add(p.max_price),
            REQUEST_LEN as u64,
            &ID,
        ),
        request_ix(requester, request, p),
    ]
}

/// Cancels a request without bids; its lamports go to `destination`.
pub fn cancel(requester: &Pubkey, request: &Pubkey, destination: &Pubkey) -> Instruction {
    ix(
        AuctionInstruction::Cancel,
        vec![
            AccountMeta::new_readonly(*requester, true),
            AccountMeta::new(*request, false),
            AccountMeta::new(*destination, false),
        ],
    )
}

/// Creates the bid account (funded with rent + `bond`) and places a sealed bid.
pub fn bid(
    miner: &Pubkey,
    request: &Pubkey,
    bid: &Pubkey,
    commitment: [u8; 32],
    bond: u64,
    rent_exempt_minimum: u64,
) -> [Instruction; 2] {
    [
        solana_system_interface::instruction::create_account(
            miner,
            bid,
            rent_exempt_minimum.saturating_add(bond),
            BID_LEN as u64,
            &ID,
        ),
        ix(
            AuctionInstruction::Bid { commitment },
            vec![
                AccountMeta::new_readonly(*miner, true),
                AccountMeta::new(*request, false),
                AccountMeta::new(*bid, true),
                AccountMeta::new_readonly(crate::registry::lstake_table::LSTAKE_TABLE, false),
            ],
        ),
    ]
}

/// Reveals a sealed bid.
pub fn reveal(
    miner: &Pubkey,
    request: &Pubkey,
    bid: &Pubkey,
    price: u64,
    salt: [u8; 32],
) -> Instruction {
    ix(
        AuctionInstruction::Reveal { price, salt },
        vec![
            AccountMeta::new_readonly(*miner, true),
            AccountMeta::new(*request, false),
            AccountMeta::new(*bid, false),
        ],
    )
}

/// Settles a request after its reveal window.
pub fn settle(request: &Pubkey) -> Instruction {
    ix(
        AuctionInstruction::Settle,
        vec![AccountMeta::new(*request, false)],
    )
}

/// Returns a losing bid's bond and rent to `destination`. `signer` is the bid's miner, or anyone
/// closing a bid its miner left behind (then `destination` must be the miner).
pub fn withdraw_bid(
    signer: &Pubkey,
    request: &Pubkey,
    bid: &Pubkey,
    destination: &Pubkey,
    requester: &Pubkey,
) -> Instruction {
    ix(
        AuctionInstruction::WithdrawBid,
        vec![
            AccountMeta::new_readonly(*signer, true),
            AccountMeta::new(*request, false),
            AccountMeta::new(*bid, false),
            AccountMeta::new(*destination, false),
            AccountMeta::new(*requester, false),
        ],
    )
}

/// Delivers the winner's result (`slot` is set by the program).
pub fn submit_result(
    miner: &Pubkey,
    request: &Pubkey,
    winning_bid: &Pubkey,
    result: JobResult,
) -> Instruction {
    ix(
        AuctionInstruction::SubmitResult(result),
        vec![
            AccountMeta::new_readonly(*miner, true),
            AccountMeta::new(*request, false),
            AccountMeta::new_readonly(*winning_bid, false),
        ],
    )
}

/// The winner declines its job: the prompt is missing or unusable (a committee checks the claim).
pub fn decline(miner: &Pubkey, request: &Pubkey, winning_bid: &Pubkey) -> Instruction {
    ix(
        AuctionInstruction::Decline,
        vec![
            AccountMeta::new_readonly(*miner, true),
            AccountMeta::new(*request, false),
            AccountMeta::new_readonly(*winning_bid, false),
        ],
    )
}

/// Claims a missed deadline: refund the requester, slash the winner.
pub fn claim_timeout(
    request: &Pubkey,
    winning_bid: &Pubkey,
    requester: &Pubkey,
    miner: &Pubkey,
) -> Instruction {
    ix(
        AuctionInstruction::ClaimTimeout,
        vec![
            AccountMeta::new(*request, false),
            AccountMeta::new(*winning_bid, false),
            AccountMeta::new(*requester, false),
            AccountMeta::new(*miner, false),
            AccountMeta::new(solana_sdk_ids::incinerator::id(), false),
        ],
    )
}

/// Draws the committee of a delivered job from the LStake table: `candidates` are the draw's
/// candidates in draw order as far as the program walks them looking for bonded verifiers
/// ([`super::draw::next_draw`], [`super::draw::draw_candidates`]); their verifier records ride
/// along (none for a job its draw leaves unaudited).
pub fn draw_committee(request: &Pubkey, candidates: &[Pubkey]) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(*request, false),
        AccountMeta::new_readonly(crate::registry::lstake_table::LSTAKE_TABLE, false),
    ];
    accounts.extend(
        candidates
            .iter()
            .map(|c| AccountMeta::new_readonly(crate::registry::verifier_record(c), false)),
    );
    ix(AuctionInstruction::DrawCommittee, accounts)
}

/// A committee member's vote and what it rests on; the program checks the evidence against the
/// result and the member's bond in its verifier record ([`crate::registry::verifier_record`]).
pub fn verdict(
    verifier: &Pubkey,
    request: &Pubkey,
    valid: bool,
    evidence: Evidence,
) -> Instruction {
    ix(
        AuctionInstruction::Verdict { valid, evidence },
        vec![
            AccountMeta::new_readonly(*verifier, true),
            AccountMeta::new(*request, false),
            AccountMeta::new_readonly(crate::registry::verifier_record(verifier), false),
        ],
    )
}

/// Creates the appeal account (funded with rent + `bond`, at least
/// [`Request::appeal_bond`]) and appeals the verdict on `request`: `appellant` is the party it
/// goes against (the winning miner a fraud verdict, the requester a valid one).
pub fn appeal(
    appellant: &Pubkey,
    request: &Pubkey,
    appeal: &Pubkey,
    bond: u64,
    rent_exempt_minimum: u64,
) -> [Instruction; 2] {
    [
        solana_system_interface::instruction::create_account(
            appellant,
            appeal,
            rent_exempt_minimum.saturating_add(bond),
            APPEAL_LEN as u64,
            &ID,
        ),
        ix(
            AuctionInstruction::Appeal,
            vec![
                AccountMeta::new_readonly(*appellant, true),
                AccountMeta::new(*request, false),
                AccountMeta::new(*appeal, true),
            ],
        ),
    ]
}

/// Finalises a job after the committee's decision (the accounts of [`claim_timeout`], the work
/// book, the reward pool, then what slashing the committee's bonds takes: the registry program,
/// the auction's slasher and the verifier record of each of `committee`, in order). After an
/// appeal use [`finalize_request`], which adds the appeal's accounts.
pub fn finalize(
    request: &Pubkey,
    winning_bid: &Pubkey,
    requester: &Pubkey,
    miner: &Pubkey,
    committee: &[Pubkey],
) -> Instruction {
    let mut i = claim_timeout(request, winning_bid, requester, miner);
    i.data = AuctionInstruction::Finalize.encode();
    i.accounts.extend([
        AccountMeta::new(crate::registry::work_book::WORK_BOOK, false),
        AccountMeta::new(crate::registry::reward_pool::REWARD_POOL, false),
        AccountMeta::new_readonly(crate::registry::ID, false),
        AccountMeta::new_readonly(super::slasher().0, false),
    ]);
    i.accounts.extend(
        committee
            .iter()
            .map(|m| AccountMeta::new(crate::registry::verifier_record(m), false)),
    );
    i
}

/// [`finalize`] for the request `key` as read from chain (its committee's records included);
/// after an appeal, `appeal` (the account `r.appeal` as read from chain) adds the appeal
/// account, the appellant and the appealed committee's records.
pub fn finalize_request(
    key: &Pubkey,
    r: &Request,
    miner: &Pubkey,
    appeal: Option<&Appeal>,
) -> Instruction {
    let mut i = finalize(key, &r.winner, &r.requester, miner, r.judging_members());
    if let Some(a) = appeal {
        i.accounts.extend([
            AccountMeta::new(r.appeal, false),
            AccountMeta::new(a.appellant, false),
        ]);
        i.accounts.extend(
            a.members()
                .iter()
                .map(|m| AccountMeta::new(crate::registry::verifier_record(m), false)),
        );
    }
    i
}
