//! The query auction through a real `Bank`: request with escrow, sealed bids with bonds, reveals,
//! second-price settlement, bond withdrawal and cancellation, with slots advancing between phases.

mod common;

use ambient_pol::lstake::{inference_units, validation_units};
use ambient_pol::merkle::MerkleTree;
use ambient_pol::rules::{pro_rata, Inflation, RewardSplit, BPS};
use ambient_programs::auction::bid_commitment;
use ambient_programs::auction::error::AuctionError;
use ambient_programs::auction::instruction::{
    appeal, bid, cancel, claim_timeout, decline, finalize_request, request, reveal, settle,
    submit_result, verdict, withdraw_bid, Evidence, RequestParams,
};
use ambient_programs::auction::processor::{
    verify_slots, APPEAL_COMMITTEE_SIZE, AUDIT_ALL_PPM, DRAW_SLOTS, ESCALATED_COMMITTEE_SIZE,
    MAX_COMMITTEES, MAX_PROMPT_TOKENS, MIN_BID_BOND, MISSED_VOTE_SLASH_BPS, SEED_SLOTS,
    VERIFIER_FEE_BPS, WRONG_VOTE_SLASH_BPS,
};
use ambient_programs::auction::state::{
    Appeal, Audit, Escalation, JobResult, Request, RequestState, Sampling, APPEAL_LEN, BID_LEN,
    REQUEST_LEN,
};
use ambient_programs::registry::error::RegistryError;
use ambient_programs::registry::instruction::{
    claim_rewards, deregister, register_verifier, top_up_verifier, unbond,
};
use ambient_programs::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use ambient_programs::registry::reward_pool::{RewardPool, REWARD_POOL};
use ambient_programs::registry::state::{Record, RECORD_LEN};
use ambient_programs::registry::work_book::{Credit, WorkBook, WORK_BOOK};
use ambient_programs::registry::{verifier_record, MIN_VERIFIER_BOND};
use common::{chain, chain_with, chain_with_lstake, code_of, draw_ix, Chain, SOL};
use proptest::prelude::*;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

fn code(e: TransactionError) -> Option<AuctionError> {
    code_of(e).and_then(AuctionError::from_code)
}

fn params(max_price: u64) -> RequestParams {
    RequestParams {
        model_id: [1; 32],
        prompt_hash: [2; 32],
        max_tokens: 64,
        sampling: Sampling {
            temperature: 0.7,
            top_k: 40,
            top_p: 0.9,
            seed: 3,
        },
        max_price,
        bid_slots: 2,
        reveal_slots: 2,
        deadline_slots: 10,
        prompt_tokens: PROMPT_TOKENS,
    }
}

fn open(c: &Chain, requester: &Keypair, max_price: u64) -> Pubkey {
    let req = Keypair::new();
    let ixs = request(
        &requester.pubkey(),
        &req.pubkey(),
        params(max_price),
        c.rent(REQUEST_LEN),
    );
    c.send(requester, &[&req], &ixs).unwrap();
    req.pubkey()
}

fn read(c: &Chain, req: &Pubkey) -> Request {
    let acc = c.bank.get_account(req).expect("request account");
    Request::read(solana_account::ReadableAccount::data(&acc))
        .unwrap()
        .expect("initialised")
}

struct Bidder {
    key: Keypair,
    bid: Keypair,
    price: u64,
    salt: [u8; 32],
}

/// The bond of a request whose maximum price is `SOL` (the price the tests ask at most): it
/// scales with the maximum price.
const BOND: u64 = SOL;

/// The bond `req` asks of `miner` at its audit rate (the smallest bond where its account is
/// gone: the bid then fails).
fn bond_for(c: &Chain, req: &Pubkey, miner: &Pubkey) -> u64 {
    let rate = lstake_table(c).audit_rate_of(miner);
    c.bank
        .get_account(req)
        .and_then(|a| Request::read(solana_account::ReadableAccount::data(&a)).ok()?)
        .map_or(MIN_BID_BOND, |r| r.min_bond(rate))
}

/// Places a sealed bid at `price` with the bond the request asks for.
fn place(c: &Chain, req: &Pubkey, key: Keypair, price: u64) -> Result<Bidder, TransactionError> {
    let b = Bidder {
        key,
        bid: Keypair::new(),
        price,
        salt: [price as u8 ^ 0x5a; 32],
    };
    let commitment = bid_commitment(req, &b.key.pubkey(), price, &b.salt);
    let ixs = bid(
        &b.key.pubkey(),
        req,
        &b.bid.pubkey(),
        commitment,
        bond_for(c, req, &b.key.pubkey()),
        c.rent(BID_LEN),
    );
    c.send(&b.key, &[&b.bid], &ixs)?;
    Ok(b)
}

/// The bidder takes its bond back (to its own account; an unrevealed bond goes to the requester).
fn withdraw(c: &Chain, req: &Pubkey, b: &Bidder) -> Result<(), TransactionError> {
    let requester = read(c, req).requester;
    c.send(
        &b.key,
        &[],
        &[withdraw_bid(
            &b.key.pubkey(),
            req,
            &b.bid.pubkey(),
            &b.key.pubkey(),
            &requester,
        )],
    )
}

/// The bidder submits `r` as its result for `req`.
fn deliver(c: &Chain, req: &Pubkey, b: &Bidder, r: JobResult) -> Result<(), TransactionError> {
    c.send(
        &b.key,
        &[],
        &[submit_result(&b.key.pubkey(), req, &b.bid.pubkey(), r)],
    )
}

fn do_reveal(c: &Chain, req: &Pubkey, b: &Bidder) -> Result<(), TransactionError> {
    c.send(
        &b.key,
        &[],
        &[reveal(
            &b.key.pubkey(),
            req,
            &b.bid.pubkey(),
            b.price,
            b.salt,
        )],
    )
}

#[test]
fn lowest_bid_wins_at_the_second_price() {
    let mut c = chain();
    let requester = c.funded(10 * SOL);
    let req = open(&c, &requester, SOL);
    assert_eq!(c.bank.get_balance(&req), c.rent(REQUEST_LEN) + SOL);
    let cheap = place(&c, &req, c.funded(3 * SOL), SOL / 10 * 3).unwrap();
    let dear = place(&c, &req, c.funded(3 * SOL), SOL / 2).unwrap();
    assert_eq!(read(&c, &req).bids, 2);

    c.advance(2);
    do_reveal(&c, &req, &dear).unwrap();
    do_reveal(&c, &req, &cheap).unwrap();
    c.advance(2);
    c.send(&requester, &[], &[settle(&req)]).unwrap();
    let r = read(&c, &req);
    assert_eq!(r.state, RequestState::Awarded);
    assert_eq!(r.winner, cheap.bid.pubkey());
    assert_eq!(r.price, SOL / 2, "paid the second-lowest price");

    // The loser takes its bond and rent back; the winner's bond stays.
    let before = c.bank.get_balance(&dear.key.pubkey());
    withdraw(&c, &req, &dear).unwrap();
    assert_eq!(
        c.bank.get_balance(&dear.key.pubkey()),
        before + BOND + c.rent(BID_LEN) - c.fee(1)
    );
    let e = withdraw(&c, &req, &cheap);
    assert_eq!(
        code(e.unwrap_err()),
        Some(AuctionError::WinnerCannotWithdraw)
    );
    // Awarded requests cannot be cancelled (the escrow pays the winner).
    let e = c.send(
        &requester,
        &[],
        &[cancel(&requester.pubkey(), &req, &requester.pubkey())],
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::WrongState));
}

#[test]
fn a_single_bid_is_paid_the_maximum() {
    let mut c = chain();
    let requester = c.funded(10 * SOL);
    let req = open(&c, &requester, SOL);
    let only = place(&c, &req, c.funded(3 * SOL), 1234).unwrap();
    c.advance(2);
    do_reveal(&c, &req, &only).unwrap();
    c.advance(2);
    c.send(&requester, &[], &[settle(&req)]).unwrap();
    let r = read(&c, &req);
    assert_eq!((r.state, r.price), (RequestState::Awarded, SOL));
}

#[test]
fn no_one_can_claim_an_account_someone_else_created_and_funded() {
    // Creation and initialisation sent apart: a stranger who sees the funded, still empty
    // account must not make it its own request (then cancel it and take the escrow) or its own
    // bid (then withdraw the bond).
    let c = chain();
    let (requester, stranger) = (c.funded(10 * SOL), c.funded(10 * SOL));
    let funded = |owner: &Keypair, len: usize, lamports: u64| {
        let account = Keypair::new();
        let ix = solana_system_interface::instruction::create_account(
            &owner.pubkey(),
            &account.pubkey(),
            c.rent(len) + lamports,
            len as u64,
            &ambient_programs::auction::ID,
        );
        c.send(owner, &[&account], &[ix]).unwrap();
        account
    };
    let unsigned = |mut ix: Instruction, i: usize| {
        ix.accounts[i].is_signer = false;
        ix
    };
    let req = funded(&requester, REQUEST_LEN, SOL);
    let mut ixs = request(
        &stranger.pubkey(),
        &req.pubkey(),
        params(SOL),
        c.rent(REQUEST_LEN),
    );
    let claim = unsigned(ixs[1].clone(), 1);
    assert_eq!(
        code(c.send(&stranger, &[], &[claim]).unwrap_err()),
        Some(AuctionError::MissingSignature)
    );
    ixs = request(
        &requester.pubkey(),
        &req.pubkey(),
        params(SOL),
        c.rent(REQUEST_LEN),
    );
    c.send(&requester, &[&req], &ixs[1..]).unwrap();
    assert_eq!(read(&c, &req.pubkey()).requester, requester.pubkey());

    let miner = c.funded(3 * SOL);
    let bid_account = funded(&miner, BID_LEN, SOL);
    let ixs = bid(
        &stranger.pubkey(),
        &req.pubkey(),
        &bid_account.pubkey(),
        [7; 32],
        SOL,
        c.rent(BID_LEN),
    );
    let claim = unsigned(ixs[1].clone(), 2);
    assert_eq!(
        code(c.send(&stranger, &[], &[claim]).unwrap_err()),
        Some(AuctionError::MissingSignature)
    );
    let ixs = bid(
        &miner.pubkey(),
        &req.pubkey(),
        &bid_account.pubkey(),
        [7; 32],
        SOL,
        c.rent(BID_LEN),
    );
    c.send(&miner, &[&bid_account], &ixs[1..]).unwrap();
    assert_eq!(read(&c, &req.pubkey()).bids, 1);
}

#[test]
fn every_step_is_enforced() {
    let mut c = chain();
    let requester = c.funded(10 * SOL);
    let stranger = c.funded(10 * SOL);

    // Bad parameters and a wrong escrow.
    let r = Keypair::new();
    let mut p = params(SOL);
    p.max_tokens = 0;
    let e = c.send(
        &requester,
        &[&r],
        &request(&requester.pubkey(), &r.pubkey(), p, c.rent(REQUEST_LEN)),
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::BadParameters));
    let mut p = params(SOL);
    p.sampling.top_p = 0.0;
    let e = c.send(
        &requester,
        &[&r],
        &request(&requester.pubkey(), &r.pubkey(), p, c.rent(REQUEST_LEN)),
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::BadParameters));
    // The prompt's length is the requester's to name: at least one token, at most the largest
    // context the network serves.
    for bad in [0, MAX_PROMPT_TOKENS + 1] {
        let mut p = params(SOL);
        p.prompt_tokens = bad;
        let e = c.send(
            &requester,
            &[&r],
            &request(&requester.pubkey(), &r.pubkey(), p, c.rent(REQUEST_LEN)),
        );
        assert_eq!(code(e.unwrap_err()), Some(AuctionError::BadParameters));
    }
    let e = c.send(
        &requester,
        &[&r],
        &request(
            &requester.pubkey(),
            &r.pubkey(),
            params(SOL),
            c.rent(REQUEST_LEN) + 1,
        ),
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::EscrowMismatch));
    // A model the network does not serve, and a forged model list.
    let mut p = params(SOL);
    p.model_id = [9; 32];
    let e = c.send(
        &requester,
        &[&r],
        &request(&requester.pubkey(), &r.pubkey(), p, c.rent(REQUEST_LEN)),
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::ModelNotAllowed));
    let mut ixs = request(
        &requester.pubkey(),
        &r.pubkey(),
        params(SOL),
        c.rent(REQUEST_LEN),
    );
    ixs[1].accounts[2].pubkey = stranger.pubkey();
    assert_eq!(
        code(c.send(&requester, &[&r], &ixs).unwrap_err()),
        Some(AuctionError::WrongModelList)
    );

    let req = open(&c, &requester, SOL);
    let other = open(&c, &requester, 2 * SOL);
    // A bond below the minimum: the request's maximum price, never below MIN_BID_BOND (a flat
    // bond would be no deterrent on an expensive job).
    let cheap = open(&c, &requester, MIN_BID_BOND / 10);
    let m = c.funded(3 * SOL);
    let too_small = |req: &Pubkey, bond: u64| {
        let b = Keypair::new();
        let ixs = bid(
            &m.pubkey(),
            req,
            &b.pubkey(),
            [0; 32],
            bond,
            c.rent(BID_LEN),
        );
        code(c.send(&m, &[&b], &ixs).unwrap_err())
    };
    assert_eq!(too_small(&req, SOL - 1), Some(AuctionError::BondTooSmall));
    assert_eq!(too_small(&other, SOL), Some(AuctionError::BondTooSmall));
    assert_eq!(
        too_small(&cheap, MIN_BID_BOND - 1),
        Some(AuctionError::BondTooSmall)
    );
    assert_eq!(read(&c, &other).min_bond(AUDIT_ALL_PPM), 2 * SOL);
    assert_eq!(read(&c, &cheap).min_bond(AUDIT_ALL_PPM), MIN_BID_BOND);
    place(&c, &cheap, c.funded(3 * SOL), 1).unwrap();

    let a = place(&c, &req, c.funded(3 * SOL), SOL / 4).unwrap();
    let high = place(&c, &req, c.funded(3 * SOL), 2 * SOL).unwrap();
    // Reveals before the bid window ends; cancelling with bids; cancelling by a stranger.
    assert_eq!(
        code(do_reveal(&c, &req, &a).unwrap_err()),
        Some(AuctionError::NotRevealPhase)
    );
    let e = c.send(
        &requester,
        &[],
        &[cancel(&requester.pubkey(), &req, &requester.pubkey())],
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::HasBids));
    let e = c.send(
        &stranger,
        &[],
        &[cancel(&stranger.pubkey(), &req, &stranger.pubkey())],
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::WrongRequester));
    // Settling and withdrawing too early.
    assert_eq!(
        code(c.send(&stranger, &[], &[settle(&req)]).unwrap_err()),
        Some(AuctionError::TooEarly)
    );
    let e = withdraw(&c, &req, &a);
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::TooEarly));

    c.advance(2);
    // A late bid.
    assert_eq!(
        code(place(&c, &req, c.funded(3 * SOL), 1).err().unwrap()),
        Some(AuctionError::BiddingClosed)
    );
    // A wrong salt, another miner's bid, a price above the maximum, a double reveal.
    let wrong = c.send(
        &a.key,
        &[],
        &[reveal(
            &a.key.pubkey(),
            &req,
            &a.bid.pubkey(),
            a.price,
            [0; 32],
        )],
    );
    assert_eq!(code(wrong.unwrap_err()), Some(AuctionError::RevealMismatch));
    let theft = c.send(
        &stranger,
        &[],
        &[reveal(
            &stranger.pubkey(),
            &req,
            &a.bid.pubkey(),
            a.price,
            a.salt,
        )],
    );
    assert_eq!(code(theft.unwrap_err()), Some(AuctionError::WrongMiner));
    assert_eq!(
        code(do_reveal(&c, &req, &high).unwrap_err()),
        Some(AuctionError::PriceAboveMax)
    );
    do_reveal(&c, &req, &a).unwrap();
    let again = c.send(
        &c.faucet,
        &[&a.key],
        &[reveal(
            &a.key.pubkey(),
            &req,
            &a.bid.pubkey(),
            a.price,
            a.salt,
        )],
    );
    assert_eq!(
        code(again.unwrap_err()),
        Some(AuctionError::AlreadyRevealed)
    );
    // A bid of one request revealed on another (also in its reveal window).
    let cross = c.send(
        &c.faucet,
        &[&a.key],
        &[reveal(
            &a.key.pubkey(),
            &other,
            &a.bid.pubkey(),
            a.price,
            a.salt,
        )],
    );
    assert_eq!(code(cross.unwrap_err()), Some(AuctionError::WrongRequest));

    c.advance(2);
    // Reveals after the window; then settlement, and a second settlement.
    let late = c.send(
        &c.faucet,
        &[&high.key],
        &[reveal(
            &high.key.pubkey(),
            &req,
            &high.bid.pubkey(),
            SOL / 2,
            high.salt,
        )],
    );
    assert_eq!(code(late.unwrap_err()), Some(AuctionError::NotRevealPhase));
    c.send(&stranger, &[], &[settle(&req)]).unwrap();
    assert_eq!(
        code(c.send(&requester, &[], &[settle(&req)]).unwrap_err()),
        Some(AuctionError::WrongState)
    );
    // The unrevealed bid forfeits its bond to the requester (no one else); only its rent comes
    // back.
    let wrong = c.send(
        &high.key,
        &[],
        &[withdraw_bid(
            &high.key.pubkey(),
            &req,
            &high.bid.pubkey(),
            &high.key.pubkey(),
            &stranger.pubkey(),
        )],
    );
    assert_eq!(code(wrong.unwrap_err()), Some(AuctionError::WrongRequester));
    let (miner_before, requester_before) = (
        c.bank.get_balance(&high.key.pubkey()),
        c.bank.get_balance(&read(&c, &req).requester),
    );
    withdraw(&c, &req, &high).unwrap();
    assert_eq!(
        c.bank.get_balance(&high.key.pubkey()),
        miner_before + c.rent(BID_LEN) - c.fee(1)
    );
    assert_eq!(
        c.bank.get_balance(&read(&c, &req).requester),
        requester_before + BOND
    );
}

#[test]
fn unfilled_requests_refund_the_requester() {
    let mut c = chain();
    let requester = c.funded(10 * SOL);
    let req = open(&c, &requester, SOL);
    let silent = place(&c, &req, c.funded(3 * SOL), 5).unwrap();
    c.advance(4);
    c.send(&requester, &[], &[settle(&req)]).unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Unfilled);
    // A bid is open: the request cannot close yet.
    let e = c.send(
        &requester,
        &[],
        &[cancel(&requester.pubkey(), &req, &requester.pubkey())],
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::HasBids));
    // Its miner never withdraws it; the requester closes it instead. What the bid returns goes
    // to its miner (a never-revealed bond is forfeited to the requester either way), never to
    // whoever closes it.
    let reap = |dest: &Pubkey| {
        withdraw_bid(
            &requester.pubkey(),
            &req,
            &silent.bid.pubkey(),
            dest,
            &requester.pubkey(),
        )
    };
    let e = c.send(&requester, &[], &[reap(&requester.pubkey())]);
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::WrongMiner));
    let (miner_before, requester_before) = (
        c.bank.get_balance(&silent.key.pubkey()),
        c.bank.get_balance(&requester.pubkey()),
    );
    c.send(&requester, &[], &[reap(&silent.key.pubkey())])
        .unwrap();
    assert_eq!(
        c.bank.get_balance(&silent.key.pubkey()),
        miner_before + c.rent(BID_LEN)
    );
    assert_eq!(
        c.bank.get_balance(&requester.pubkey()),
        requester_before + BOND - c.fee(1)
    );
    assert_eq!(c.bank.get_balance(&silent.bid.pubkey()), 0);
    // Then the requester gets the escrow and the request's rent back.
    c.advance(1); // the retry is a new transaction (new blockhash), not a replay
    assert_eq!(
        close_request(&c, &requester, &req),
        SOL + c.rent(REQUEST_LEN)
    );
    assert_eq!(c.bank.get_balance(&req), 0);
}

#[test]
fn a_losing_bid_left_behind_is_closed_by_anyone_to_its_miner() {
    let mut c = chain();
    let requester = c.funded(10 * SOL);
    let (req, _win, lose) = awarded(&mut c, &requester);
    // The loser never withdraws; a stranger closes its bid, and bond and rent reach the loser.
    let stranger = c.funded(3 * SOL);
    let close_to = |dest: &Pubkey| {
        withdraw_bid(
            &stranger.pubkey(),
            &req,
            &lose.bid.pubkey(),
            dest,
            &requester.pubkey(),
        )
    };
    let e = c.send(&stranger, &[], &[close_to(&stranger.pubkey())]);
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::WrongMiner));
    let before = c.bank.get_balance(&lose.key.pubkey());
    c.send(&stranger, &[], &[close_to(&lose.key.pubkey())])
        .unwrap();
    assert_eq!(
        c.bank.get_balance(&lose.key.pubkey()),
        before + BOND + c.rent(BID_LEN)
    );
    assert_eq!(read(&c, &req).bids, 1, "the winner's bid stays open");
}

/// Prompt tokens of the delivered jobs: 100 at 90 ‰ (`PREFILL_PERMILLE`) add 9 units of work.
const PROMPT_TOKENS: u32 = 100;

/// The validation work of checking a delivered job (10 output tokens after the prompt): one
/// prefill of 110 tokens at 90 ‰.
const CHECK: u64 = 9;

/// The token hashes of a delivered output of `tokens` tokens (made up, in a real Merkle tree).
fn leaves(tokens: u32) -> Vec<[u8; 32]> {
    (0..tokens)
        .map(|i| ambient_pol::hash::tokens_hash(&[i]))
        .collect()
}

fn result(tokens: u32) -> JobResult {
    JobResult {
        root: MerkleTree::new(leaves(tokens)).map_or([0; 32], |t| t.root()),
        chain: [8; 32],
        output_hash: [9; 32],
        token_count: tokens,
        slot: 0,
        leaves_hash: [10; 32],
        prompt_tokens: PROMPT_TOKENS,
    }
}

/// What an honest member's vote of `valid` on `req` rests on: the prompt check of a declined
/// job, the committed root, or (fraud) an output that breaks a rule at its first position.
fn evidence(c: &Chain, req: &Pubkey, valid: bool) -> Evidence {
    let Some(r) = c.bank.get_account(req).and_then(|a| {
        Request::read(solana_account::ReadableAccount::data(&a))
            .ok()
            .flatten()
    }) else {
        return Evidence::Unavailable; // no request (any vote fails)
    };
    match (r.declined(), valid) {
        (true, _) => Evidence::Prompt,
        (false, true) => Evidence::Recomputed {
            root: r.result.root,
        },
        (false, false) => Evidence::Misreported { position: 0 },
    }
}

/// A request with two bids, revealed and settled: returns (request, winner, loser).
fn awarded(c: &mut Chain, requester: &Keypair) -> (Pubkey, Bidder, Bidder) {
    let key = c.funded(3 * SOL);
    awarded_to(c, requester, key)
}

/// Like [`awarded`], with the winner's key given.
fn awarded_to(c: &mut Chain, requester: &Keypair, winner: Keypair) -> (Pubkey, Bidder, Bidder) {
    let req = open(c, requester, SOL);
    let (win, lose) = bid_and_settle(c, &req, winner, requester);
    (req, win, lose)
}

/// Two bids on `req` (`winner` asks less), revealed, and the request settled by `settler`:
/// returns (winner, loser).
fn bid_and_settle(
    c: &mut Chain,
    req: &Pubkey,
    winner: Keypair,
    settler: &Keypair,
) -> (Bidder, Bidder) {
    let win = place(c, req, winner, SOL / 5).unwrap();
    let lose = place(c, req, c.funded(3 * SOL), SOL / 2).unwrap();
    c.advance(2);
    do_reveal(c, req, &win).unwrap();
    do_reveal(c, req, &lose).unwrap();
    c.advance(2);
    c.send(settler, &[], &[settle(req)]).unwrap();
    (win, lose)
}

#[test]
fn the_winner_delivers_before_the_deadline() {
    let mut c = chain();
    let requester = c.funded(10 * SOL);
    let (req, win, lose) = awarded(&mut c, &requester);
    let e = deliver(&c, &req, &lose, result(5));
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::NotWinner));
    let e = c.send(
        &lose.key,
        &[],
        &[submit_result(
            &lose.key.pubkey(),
            &req,
            &win.bid.pubkey(),
            result(5),
        )],
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::WrongMiner));
    for bad in [0, 65] {
        let e = deliver(&c, &req, &win, result(bad));
        assert_eq!(code(e.unwrap_err()), Some(AuctionError::BadResult));
    }
    // The result reports the prompt length the requester named, neither more (more credit)
    // nor less.
    for count in [0, PROMPT_TOKENS - 1, PROMPT_TOKENS + 1, MAX_PROMPT_TOKENS] {
        let claimed = JobResult {
            prompt_tokens: count,
            ..result(64)
        };
        let e = deliver(&c, &req, &win, claimed);
        assert_eq!(code(e.unwrap_err()), Some(AuctionError::BadResult));
    }
    deliver(&c, &req, &win, result(64)).unwrap();
    let r = read(&c, &req);
    assert_eq!(r.state, RequestState::Delivered);
    assert_eq!(
        (r.result.token_count, r.result.root, r.result.slot),
        (64, result(64).root, c.slot())
    );
    assert_eq!(r.result.leaves_hash, result(64).leaves_hash);
    // Delivered: no timeout, no second delivery, the winner's bond stays.
    c.advance(20);
    let e = c.send(
        &requester,
        &[],
        &[claim_timeout(
            &req,
            &win.bid.pubkey(),
            &requester.pubkey(),
            &win.key.pubkey(),
        )],
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::WrongState));
    let e = withdraw(&c, &req, &win);
    assert_eq!(
        code(e.unwrap_err()),
        Some(AuctionError::WinnerCannotWithdraw)
    );
}

#[test]
fn a_missed_deadline_refunds_the_requester_and_slashes_the_winner() {
    let mut c = chain();
    let requester = c.funded(10 * SOL);
    let (req, win, _lose) = awarded(&mut c, &requester);
    let claim = |c: &Chain| {
        c.send(
            &c.faucet,
            &[],
            &[claim_timeout(
                &req,
                &win.bid.pubkey(),
                &requester.pubkey(),
                &win.key.pubkey(),
            )],
        )
    };
    assert_eq!(code(claim(&c).unwrap_err()), Some(AuctionError::TooEarly));
    c.advance(10);
    let e = deliver(&c, &req, &win, result(5));
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::DeadlinePassed));
    // The wrong requester account or a fake burn account are refused.
    let mut wrong = claim_timeout(
        &req,
        &win.bid.pubkey(),
        &win.key.pubkey(),
        &win.key.pubkey(),
    );
    assert_eq!(
        code(c.send(&c.faucet, &[], &[wrong.clone()]).unwrap_err()),
        Some(AuctionError::WrongRequester)
    );
    wrong = claim_timeout(
        &req,
        &win.bid.pubkey(),
        &requester.pubkey(),
        &win.key.pubkey(),
    );
    wrong.accounts[4].pubkey = Pubkey::new_unique();
    assert_eq!(
        code(c.send(&c.faucet, &[], &[wrong]).unwrap_err()),
        Some(AuctionError::WrongBurnAccount)
    );

    let (r0, m0) = balances(&c, &requester, &win);
    let incinerator = solana_sdk_ids::incinerator::id();
    let i0 = c.bank.get_balance(&incinerator);
    claim(&c).unwrap();
    // Default slashing for a timeout: half the bond; half of that to the requester, half burned.
    let quarter = BOND / 4;
    assert_eq!(c.bank.get_balance(&requester.pubkey()), r0 + SOL + quarter);
    assert_eq!(c.bank.get_balance(&incinerator), i0 + quarter);
    assert_eq!(
        c.bank.get_balance(&win.key.pubkey()),
        m0 + BOND / 2 + c.rent(BID_LEN)
    );
    assert_eq!(read(&c, &req).state, RequestState::TimedOut);
    c.advance(1); // a new blockhash: a new claim, not a replay of the first
    assert_eq!(code(claim(&c).unwrap_err()), Some(AuctionError::WrongState));
}

/// Makes a block in every slot up to the first one after the request's seed slots: a
/// committee can be drawn then.
/// Funds each of `verifiers` with `lamports` and registers it as a verifier bonded with
/// [`MIN_VERIFIER_BOND`] (out of those lamports).
fn fund_and_bond(c: &Chain, verifiers: &[Keypair], lamports: u64) {
    for v in verifiers {
        let ix = solana_system_interface::instruction::transfer(
            &c.faucet.pubkey(),
            &v.pubkey(),
            lamports,
        );
        c.send(&c.faucet, &[], &[ix]).unwrap();
        let ixs = register_verifier(&v.pubkey(), MIN_VERIFIER_BOND, c.rent(RECORD_LEN));
        c.send(&c.faucet, &[v], &ixs).unwrap();
    }
}

/// What `who`'s verifier record holds above its rent: its bond.
fn bond_of(c: &Chain, who: &Pubkey) -> u64 {
    c.bank.get_balance(&verifier_record(who)) - c.rent(RECORD_LEN)
}

/// Advances past the appeal window of the verdict on `req` (no one appeals): `Finalize` may
/// end the job then.
fn past_appeal_window(c: &mut Chain, req: &Pubkey) {
    let end = read(c, req).appeal_end();
    if c.slot() < end {
        c.advance(end - c.slot());
    }
}

fn past_seed_slots(c: &mut Chain) {
    for _ in 0..=SEED_SLOTS {
        c.advance(1);
    }
}

/// Verifiers with LStake, the winning miner among them (with the largest LStake, so it would be
/// drawn often if it were not excluded), a delivered job: (chain, verifiers, requester, request,
/// winner, loser).
fn delivered() -> (Chain, Vec<Keypair>, Keypair, Pubkey, Bidder, Bidder) {
    delivered_with(4)
}

/// Like [`delivered`], with `n` verifiers.
fn delivered_with(n: usize) -> (Chain, Vec<Keypair>, Keypair, Pubkey, Bidder, Bidder) {
    let (c, verifiers, requester, req, win, lose) = awarded_with_verifiers(n);
    deliver(&c, &req, &win, result(10)).unwrap();
    (c, verifiers, requester, req, win, lose)
}

/// Like [`delivered`] before the delivery: awarded, with `n` verifiers.
fn awarded_with_verifiers(n: usize) -> (Chain, Vec<Keypair>, Keypair, Pubkey, Bidder, Bidder) {
    let verifiers: Vec<Keypair> = (0..n).map(|_| Keypair::new()).collect();
    let miner = Keypair::new();
    let mut lstake: Vec<(Pubkey, u64)> = verifiers.iter().map(|v| (v.pubkey(), 100)).collect();
    lstake.push((miner.pubkey(), 10_000));
    let (c, requester, req, win, lose) = awarded_among(lstake, &verifiers, miner);
    (c, verifiers, requester, req, win, lose)
}

/// A chain whose LStake table holds `lstake`, `bonded` registered as verifiers, and a request
/// awarded to `miner` (funded): (chain, requester, request, winner, loser).
fn awarded_among(
    lstake: Vec<(Pubkey, u64)>,
    bonded: &[Keypair],
    miner: Keypair,
) -> (Chain, Keypair, Pubkey, Bidder, Bidder) {
    let mut c = chain_with_lstake(lstake);
    fund_and_bond(&c, bonded, 3 * SOL);
    let ix = solana_system_interface::instruction::transfer(
        &c.faucet.pubkey(),
        &miner.pubkey(),
        3 * SOL,
    );
    c.send(&c.faucet, &[], &[ix]).unwrap();
    let requester = c.funded(10 * SOL);
    let (req, win, lose) = awarded_to(&mut c, &requester, miner);
    (c, requester, req, win, lose)
}

#[test]
fn a_decline_the_committee_upholds_voids_the_job_and_a_false_one_is_slashed() {
    for upheld in [true, false] {
        let (mut c, verifiers, requester, req, win, lose) = awarded_with_verifiers(4);
        let decline_by = |c: &Chain, b: &Bidder| {
            let ix = decline(&b.key.pubkey(), &req, &b.bid.pubkey());
            c.send(&b.key, &[], &[ix])
        };
        // Only the winner, only while awarded and before the deadline.
        assert_eq!(
            code(decline_by(&c, &lose).unwrap_err()),
            Some(AuctionError::NotWinner)
        );
        decline_by(&c, &win).unwrap();
        let r = read(&c, &req);
        assert_eq!((r.state, r.declined()), (RequestState::Delivered, true));
        c.advance(1);
        assert_eq!(
            code(decline_by(&c, &win).unwrap_err()),
            Some(AuctionError::WrongState)
        );
        past_seed_slots(&mut c);
        c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
        let members = unanimous_votes(&c, &verifiers, &req, upheld);
        let incinerator = solana_sdk_ids::incinerator::id();
        let (r0, m0, p0, i0) = (
            c.bank.get_balance(&requester.pubkey()),
            c.bank.get_balance(&win.key.pubkey()),
            c.bank.get_balance(&REWARD_POOL),
            c.bank.get_balance(&incinerator),
        );
        let work0 = work_book(&c).work(c.bank.epoch(), &win.key.pubkey());
        past_appeal_window(&mut c, &req);
        finalize_job(&c, &req, &win, &requester).unwrap();
        let epoch = c.bank.epoch();
        let book = work_book(&c);
        assert_eq!(
            book.work(epoch, &win.key.pubkey()),
            work0,
            "nothing served, nothing credited"
        );
        let m = c.bank.get_balance(&win.key.pubkey());
        if upheld {
            // The prompt could not be served: the requester pays the committee's fee, the miner
            // gets its whole bond back and is paid nothing.
            let fee = SOL / 2 * VERIFIER_FEE_BPS / BPS;
            assert_eq!(read(&c, &req).state, RequestState::Voided);
            assert_eq!(c.bank.get_balance(&requester.pubkey()), r0 + SOL - fee);
            assert_eq!(m, m0 + BOND + c.rent(BID_LEN));
            assert_eq!(c.bank.get_balance(&REWARD_POOL), p0 + fee);
            assert_eq!(book.earned(epoch, &members[1]).fees, fee / 3);
        } else {
            // The prompt was there: a dodged job costs what a missed deadline does.
            assert_eq!(read(&c, &req).state, RequestState::TimedOut);
            assert_eq!(c.bank.get_balance(&requester.pubkey()), r0 + SOL + BOND / 4);
            assert_eq!(c.bank.get_balance(&incinerator), i0 + BOND / 4);
            assert_eq!(m, m0 + BOND / 2 + c.rent(BID_LEN));
            assert_eq!(c.bank.get_balance(&REWARD_POOL), p0);
        }
    }
}

/// Every member of the committee votes `valid`; returns the committee.
fn unanimous_votes(c: &Chain, verifiers: &[Keypair], req: &Pubkey, valid: bool) -> Vec<Pubkey> {
    let members = committee_of(c, req);
    for m in &members {
        let v = verifiers.iter().find(|v| v.pubkey() == *m).unwrap();
        c.send(
            &c.faucet,
            &[v],
            &[verdict(m, req, valid, evidence(c, req, valid))],
        )
        .unwrap();
    }
    members
}

/// The requester's and the winning miner's balances.
fn balances(c: &Chain, requester: &Keypair, win: &Bidder) -> (u64, u64) {
    (
        c.bank.get_balance(&requester.pubkey()),
        c.bank.get_balance(&win.key.pubkey()),
    )
}

/// Finalises the delivered job (the faucet pays the fee).
fn finalize_job(
    c: &Chain,
    req: &Pubkey,
    win: &Bidder,
    requester: &Keypair,
) -> Result<(), TransactionError> {
    c.send(&c.faucet, &[], &[fin(c, req, win, requester)])
}

fn committee_of(c: &Chain, req: &Pubkey) -> Vec<Pubkey> {
    let r = read(c, req);
    r.committee.members[..r.committee.len as usize].to_vec()
}

#[test]
fn a_verified_job_pays_the_miner() {
    let (mut c, verifiers, requester, req, win, _) = delivered();
    // Not in the result's slot, nor until the blocks of the seed slots after it are made: the
    // leader that put the result in its block cannot know the committee.
    for _ in 0..SEED_SLOTS {
        assert_eq!(
            code(c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap_err()),
            Some(AuctionError::TooEarly)
        );
        c.advance(1);
    }
    c.advance(1);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let members = committee_of(&c, &req);
    assert_eq!(members.len(), 3);
    assert!(
        !members.contains(&win.key.pubkey()),
        "the miner verifies its own work"
    );
    assert!(members
        .iter()
        .all(|m| verifiers.iter().any(|v| v.pubkey() == *m)));
    let voter = |m: &Pubkey| verifiers.iter().find(|v| v.pubkey() == *m).unwrap();

    // Outsiders cannot vote; members vote once; no early finalisation.
    let outsider = verifiers
        .iter()
        .find(|v| !members.contains(&v.pubkey()))
        .unwrap();
    let e = c.send(
        &c.faucet,
        &[outsider],
        &[verdict(
            &outsider.pubkey(),
            &req,
            true,
            evidence(&c, &req, true),
        )],
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::NotInCommittee));
    let fin = fin(&c, &req, &win, &requester);
    c.send(
        &c.faucet,
        &[voter(&members[0])],
        &[verdict(&members[0], &req, true, evidence(&c, &req, true))],
    )
    .unwrap();
    let e = c.send(
        &c.faucet,
        &[voter(&members[0])],
        &[verdict(&members[0], &req, false, evidence(&c, &req, false))],
    );
    assert_eq!(code(e.unwrap_err()), Some(AuctionError::AlreadyVoted));
    assert_eq!(
        code(
            c.send(&c.faucet, &[], std::slice::from_ref(&fin))
                .unwrap_err()
        ),
        Some(AuctionError::TooEarly)
    );
    c.send(
        &c.faucet,
        &[voter(&members[1])],
        &[verdict(&members[1], &req, true, evidence(&c, &req, true))],
    )
    .unwrap();
    // A majority, but the third member may still vote (and dissent): no verdict until it has,
    // or until the deadline.
    c.advance(1);
    assert_eq!(
        code(
            c.send(&c.faucet, &[], std::slice::from_ref(&fin))
                .unwrap_err()
        ),
        Some(AuctionError::TooEarly)
    );
    let deadline = read(&c, &req).committee.deadline;
    while c.slot() < deadline {
        c.advance(1);
    }

    let (r0, m0, p0) = (
        c.bank.get_balance(&requester.pubkey()),
        c.bank.get_balance(&win.key.pubkey()),
        c.bank.get_balance(&REWARD_POOL),
    );
    let i0 = c.bank.get_balance(&solana_sdk_ids::incinerator::id());
    // Only the real reward pool takes the verifiers' fee.
    let mut fake = fin.clone();
    fake.accounts[6].pubkey = c.faucet.pubkey();
    assert_eq!(
        code(c.send(&c.faucet, &[], &[fake]).unwrap_err()),
        Some(AuctionError::WrongRewardPool)
    );
    past_appeal_window(&mut c, &req);
    c.send(&c.faucet, &[], &[fin]).unwrap();
    let price = SOL / 2;
    let fee = price * VERIFIER_FEE_BPS / BPS;
    assert_eq!(read(&c, &req).state, RequestState::Paid);
    assert_eq!(
        c.bank.get_balance(&win.key.pubkey()),
        m0 + price - fee + BOND + c.rent(BID_LEN)
    );
    assert_eq!(c.bank.get_balance(&requester.pubkey()), r0 + SOL - price);
    // The fee waits in the reward pool, booked to the two members that voted with the outcome.
    assert_eq!(c.bank.get_balance(&REWARD_POOL), p0 + fee);
    let book = work_book(&c);
    let epoch = c.bank.epoch();
    assert_eq!(book.earned(epoch, &members[0]).fees, fee / 2);
    assert_eq!(book.earned(epoch, &members[1]).fees, fee / 2);
    assert_eq!(book.earned(epoch, &members[2]), Credit::default());
    // The member that never voted loses part of its bond (burned); the others keep theirs.
    let missed = MIN_VERIFIER_BOND * u64::from(MISSED_VOTE_SLASH_BPS) / BPS;
    assert_eq!(bond_of(&c, &members[2]), MIN_VERIFIER_BOND - missed);
    assert_eq!(bond_of(&c, &members[0]), MIN_VERIFIER_BOND);
    assert_eq!(bond_of(&c, &members[1]), MIN_VERIFIER_BOND);
    assert_eq!(
        c.bank.get_balance(&solana_sdk_ids::incinerator::id()),
        i0 + missed
    );
}

#[test]
fn a_vote_rests_on_evidence_the_program_checks_against_the_result() {
    let (mut c, verifiers, _requester, req, _win, _) = delivered();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let members = committee_of(&c, &req);
    let root = read(&c, &req).result.root;
    let send = |m: &Pubkey, valid: bool, e: Evidence| {
        let v = verifiers.iter().find(|v| v.pubkey() == *m).unwrap();
        c.send(&c.faucet, &[v], &[verdict(m, &req, valid, e)])
    };
    let refused = |m: &Pubkey, valid: bool, e: Evidence| {
        assert_eq!(
            code(send(m, valid, e.clone()).unwrap_err()),
            Some(AuctionError::EvidenceMismatch),
            "{valid} on {e:?}"
        );
    };
    let m = members[0];
    // "Valid" names the committed root; evidence of the other kind fits no vote of this one.
    refused(&m, true, Evidence::Recomputed { root: [1; 32] });
    refused(&m, false, Evidence::Recomputed { root });
    refused(&m, true, Evidence::Unavailable);
    refused(&m, true, Evidence::Prompt);
    refused(&m, false, Evidence::Prompt);
    refused(&m, true, Evidence::PromptLength);
    // A divergence opens the committed tree at its position, and the member's hash differs.
    let tree = MerkleTree::new(leaves(10)).unwrap();
    let diverges =
        |position: u32, miner_leaf: [u8; 32], own_leaf: [u8; 32], proof| Evidence::Diverges {
            position,
            miner_leaf,
            own_leaf,
            proof,
        };
    let (leaf, proof) = (tree.leaf(4).unwrap(), tree.proof(4).unwrap());
    refused(&m, false, diverges(5, leaf, [9; 32], proof.clone()));
    refused(&m, false, diverges(4, [1; 32], [9; 32], proof.clone()));
    refused(&m, false, diverges(4, leaf, leaf, proof.clone()));
    refused(&m, false, diverges(4, leaf, [9; 32], proof[1..].to_vec()));
    let (last, last_proof) = (tree.leaf(9).unwrap(), tree.proof(9).unwrap());
    refused(&m, false, diverges(10, last, [9; 32], last_proof));
    refused(&m, true, diverges(4, leaf, [9; 32], proof.clone()));
    send(&m, false, diverges(4, leaf, [9; 32], proof)).unwrap();
    // A misreport falls within the output (its end included).
    refused(&members[1], false, Evidence::Misreported { position: 11 });
    send(&members[1], false, Evidence::Misreported { position: 10 }).unwrap();
    send(&members[2], true, Evidence::Recomputed { root }).unwrap();
    let r = read(&c, &req);
    assert_eq!((r.committee.fraud, r.committee.valid), (0b011, 0b100));
}

#[test]
fn a_fraud_majority_slashes_the_miner() {
    let (mut c, verifiers, requester, req, win, _) = delivered();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let members = unanimous_votes(&c, &verifiers, &req, false);
    let incinerator = solana_sdk_ids::incinerator::id();
    let (r0, m0, i0) = (
        c.bank.get_balance(&requester.pubkey()),
        c.bank.get_balance(&win.key.pubkey()),
        c.bank.get_balance(&incinerator),
    );
    past_appeal_window(&mut c, &req);
    finalize_job(&c, &req, &win, &requester).unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Slashed);
    // Fraud: the whole bond; half to the requester (with the whole escrow), half burned.
    assert_eq!(c.bank.get_balance(&requester.pubkey()), r0 + SOL + BOND / 2);
    assert_eq!(c.bank.get_balance(&incinerator), i0 + BOND / 2);
    assert_eq!(c.bank.get_balance(&win.key.pubkey()), m0 + c.rent(BID_LEN));
    // The miner's work is zeroed; the members who proved the fraud earn validation work.
    let (book, epoch) = (work_book(&c), c.bank.epoch());
    assert_eq!(book.work(epoch, &win.key.pubkey()), 0);
    assert!(!book
        .lstake(epoch, &Default::default())
        .contains_key(&win.key.pubkey()));
    for m in &members[..2] {
        assert_eq!(book.work(epoch, m), CHECK);
    }
}

#[test]
fn the_winner_keeps_its_bond_in_while_verifiers_vote() {
    // A miner that delivered junk must not pull its bond once the committee is drawn: the
    // slash would find nothing and the requester's escrow would stay locked.
    let (mut c, verifiers, requester, req, win, _) = delivered();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Verifying);
    assert_eq!(
        code(withdraw(&c, &req, &win).unwrap_err()),
        Some(AuctionError::WinnerCannotWithdraw)
    );
    unanimous_votes(&c, &verifiers, &req, false);
    c.advance(1);
    assert_eq!(
        code(withdraw(&c, &req, &win).unwrap_err()),
        Some(AuctionError::WinnerCannotWithdraw)
    );
    let r0 = c.bank.get_balance(&requester.pubkey());
    past_appeal_window(&mut c, &req);
    finalize_job(&c, &req, &win, &requester).unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Slashed);
    assert_eq!(
        c.bank.get_balance(&requester.pubkey()),
        r0 + SOL + BOND / 2,
        "the escrow and half the bond reach the requester"
    );
}

fn work_book(c: &Chain) -> WorkBook {
    WorkBook::decode(solana_account::ReadableAccount::data(
        &c.bank.get_account(&WORK_BOOK).unwrap(),
    ))
    .unwrap()
}

fn lstake_table(c: &Chain) -> LStakeTable {
    LStakeTable::decode(solana_account::ReadableAccount::data(
        &c.bank.get_account(&LSTAKE_TABLE).unwrap(),
    ))
    .unwrap()
}

fn rcode(e: TransactionError) -> Option<RegistryError> {
    code_of(e).and_then(RegistryError::from_code)
}

#[test]
fn finalised_work_rolls_into_the_next_epochs_lstake() {
    let (mut c, verifiers, requester, req, win, _) = delivered();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let members = unanimous_votes(&c, &verifiers, &req, true);
    past_appeal_window(&mut c, &req);
    finalize_job(&c, &req, &win, &requester).unwrap();
    // 10 output and 100 prompt tokens: 19 units of inference work; 9 units of validation (a
    // prefill of 110 tokens) to each assenting member.
    let book = work_book(&c);
    let epoch = c.bank.epoch();
    // The output's 10 tokens and the prompt's 100 at their prefill cost.
    assert_eq!(
        book.work(epoch, &win.key.pubkey()),
        inference_units(100, 10)
    );
    assert_eq!(inference_units(100, 10), 19);
    assert_eq!(validation_units(100, 10), CHECK);
    for m in &members {
        assert_eq!(book.work(epoch, m), CHECK);
    }

    // The table holds the current epoch already; the bank rolls it at the next boundary, by
    // itself: no transaction does it.
    assert_eq!(lstake_table(&c).epoch, epoch);
    let roll = Instruction::new_with_bytes(ambient_programs::registry::ID, &[1, 2], vec![]);
    assert_eq!(
        rcode(c.send(&c.faucet, &[], &[roll]).unwrap_err()),
        Some(RegistryError::MalformedInstruction)
    );
    let before = lstake_table(&c);
    let pool0 = reward_pool(&c);
    let pool_lamports = c.bank.get_balance(&REWARD_POOL);
    while c.bank.epoch() == epoch {
        c.advance(8);
    }
    assert_eq!(
        c.bank.get_balance(&REWARD_POOL),
        pool_lamports,
        "rolling moves no lamports"
    );

    // The epoch's issuance, per the schedule on the circulating basis, split four ways: the miner
    // takes the inference pool, the three assenting members the validation pool (equal work) and
    // the fee, the LStake in force during the epoch the leader and voting pools.
    let pool = reward_pool(&c);
    let schedule = c.bank.epoch_schedule();
    let secs = pool0.slot_ns as f64 / 1e9;
    let issued = Inflation::default().epoch_reward(
        pool0.basis,
        schedule.get_first_slot_in_epoch(epoch) as f64 * secs,
        schedule.get_slots_in_epoch(epoch) as f64 * secs,
    );
    assert!(issued > 0);
    let split = RewardSplit::default().split(issued).unwrap();
    let fee = SOL / 2 * VERIFIER_FEE_BPS / BPS;
    // On top of what earlier epochs' rolls left claimable (the appeal window may end after an
    // epoch boundary).
    let mut expected = pool0.claimable.clone();
    let mut add = |k: Pubkey, v: u64| *expected.entry(k).or_default() += v;
    add(win.key.pubkey(), split.inference);
    let assenting: Vec<(Pubkey, u64)> = members.iter().map(|m| (*m, 1)).collect();
    for (k, v) in pro_rata(split.validation, &assenting) {
        // The fee in equal shares, the first members taking the remainder.
        let i = members.iter().position(|m| *m == k).unwrap() as u64;
        let share = fee / 3 + u64::from(i < fee % 3);
        add(k, v + share);
    }
    let stake: Vec<(Pubkey, u64)> = before.entries.iter().map(|(k, v)| (*k, *v)).collect();
    for (k, v) in pro_rata(split.leaders, &stake)
        .into_iter()
        .chain(pro_rata(split.voting, &stake))
    {
        add(k, v);
    }
    assert_eq!(pool.claimable, expected);
    assert_eq!(
        pool.total_claimable(),
        pool0.total_claimable() + issued + fee
    );
    assert_eq!(pool.released, pool0.released + issued);
    assert_eq!(pool.basis, pool0.basis + issued);

    // Claims: the identity signs, names a destination, and is paid once.
    let member = verifiers.iter().find(|v| v.pubkey() == members[0]).unwrap();
    let owed = pool.claimable[&members[0]];
    let d0 = c.bank.get_balance(&requester.pubkey());
    let claim = claim_rewards(&members[0], &requester.pubkey());
    c.send(&c.faucet, &[member], std::slice::from_ref(&claim))
        .unwrap();
    assert_eq!(c.bank.get_balance(&requester.pubkey()), d0 + owed);
    assert_eq!(c.bank.get_balance(&REWARD_POOL), pool_lamports - owed);
    c.advance(1);
    assert_eq!(
        rcode(
            c.send(&c.faucet, &[member], std::slice::from_ref(&claim))
                .unwrap_err()
        ),
        Some(RegistryError::NothingToClaim)
    );
    let mut unsigned = claim_rewards(&members[1], &requester.pubkey());
    unsigned.accounts[0].is_signer = false;
    assert_eq!(
        rcode(c.send(&c.faucet, &[], &[unsigned]).unwrap_err()),
        Some(RegistryError::MissingSignature)
    );
    let mut fake = claim_rewards(&members[1], &requester.pubkey());
    fake.accounts[1].pubkey = WORK_BOOK;
    let other = verifiers.iter().find(|v| v.pubkey() == members[1]).unwrap();
    assert_eq!(
        rcode(c.send(&c.faucet, &[other], &[fake]).unwrap_err()),
        Some(RegistryError::WrongRewardPool)
    );

    let table = lstake_table(&c);
    assert_eq!(table.epoch, c.bank.epoch());
    assert_eq!(table.entries, book.lstake(epoch, &Default::default()));
    // Validation was 27 units against 19 of inference, far above the target overhead: the audit
    // rate halves (its step bound).
    assert_eq!(table.audit_rate_ppm, u64::from(AUDIT_ALL_PPM) / 2);
    // LStake in proportion to the work: the miner's 19 units against each member's 9.
    let (miner, member) = (table.entries[&win.key.pubkey()], table.entries[&members[0]]);
    assert_eq!(miner / 1_000, member * 19 / CHECK / 1_000, "{table:?}");
    let outsider = verifiers
        .iter()
        .map(|v| v.pubkey())
        .find(|v| !members.contains(v))
        .unwrap();
    assert!(!table.entries.contains_key(&outsider), "no work, no LStake");
    // The next epoch rolls again, once: the previous values are kept for the schedule.
    let epoch = c.bank.epoch();
    while c.bank.epoch() == epoch {
        c.advance(8);
    }
    let next = lstake_table(&c);
    assert_eq!(next.epoch, c.bank.epoch());
    assert_eq!(next.previous, table.entries);
    assert_eq!(
        next.audit_rate_ppm, table.audit_rate_ppm,
        "no work, no change"
    );
    c.advance(8);
    assert_eq!(lstake_table(&c), next, "one roll per epoch");
}

/// Verifiers (bonded), a miner whose LStake held in the epoch before too (audited at the
/// network's rate) and a new one (no LStake: every job audited), on a chain whose audit rate is
/// `rate` and whose first epoch is long enough for every job of a test (the roll would give the
/// only miner most of the LStake, and so a rate of twice its share): (chain, verifiers, known
/// miner, new miner).
fn audited_at(rate: u64) -> (Chain, Vec<Keypair>, Keypair, Keypair) {
    let verifiers: Vec<Keypair> = (0..4).map(|_| Keypair::new()).collect();
    let known = Keypair::new();
    let mut lstake: Vec<(Pubkey, u64)> = verifiers.iter().map(|v| (v.pubkey(), 100)).collect();
    lstake.push((known.pubkey(), 100));
    let c = chain_with(lstake, (rate, rate), Some(100_000));
    fund_and_bond(&c, &verifiers, 3 * SOL);
    let new = c.funded(10 * SOL);
    let ix = solana_system_interface::instruction::transfer(
        &c.faucet.pubkey(),
        &known.pubkey(),
        10 * SOL,
    );
    c.send(&c.faucet, &[], &[ix]).unwrap();
    (c, verifiers, known, new)
}

fn bid_account(c: &Chain, b: &Bidder) -> ambient_programs::auction::state::Bid {
    let a = c.bank.get_account(&b.bid.pubkey()).unwrap();
    ambient_programs::auction::state::Bid::read(solana_account::ReadableAccount::data(&a))
        .unwrap()
        .unwrap()
}

#[test]
fn a_miners_bond_is_the_price_over_its_audit_rate_which_its_record_sets() {
    let (mut c, _, known, new) = audited_at(250_000);
    let requester = c.funded(10 * SOL);
    let req = open(&c, &requester, SOL);
    // Known for two epochs: a quarter of its jobs audited, four times the price as bond.
    assert_eq!(lstake_table(&c).audit_rate_of(&known.pubkey()), 250_000);
    assert_eq!(bond_for(&c, &req, &known.pubkey()), 4 * SOL);
    // No LStake: every job audited, the price as bond.
    assert_eq!(bond_for(&c, &req, &new.pubkey()), SOL);
    let short = |miner: &Keypair, bond: u64| {
        let b = Keypair::new();
        let ixs = bid(
            &miner.pubkey(),
            &req,
            &b.pubkey(),
            [1; 32],
            bond,
            c.rent(BID_LEN),
        );
        code(c.send(miner, &[&b], &ixs).unwrap_err())
    };
    assert_eq!(short(&known, 4 * SOL - 1), Some(AuctionError::BondTooSmall));
    assert_eq!(short(&new, SOL - 1), Some(AuctionError::BondTooSmall));
    // The rate is the LStake table's: a bid naming another account is refused.
    let b = Keypair::new();
    let mut ixs = bid(
        &known.pubkey(),
        &req,
        &b.pubkey(),
        [1; 32],
        4 * SOL,
        c.rent(BID_LEN),
    );
    ixs[1].accounts[3].pubkey = WORK_BOOK;
    assert_eq!(
        code(c.send(&known, &[&b], &ixs).unwrap_err()),
        Some(AuctionError::WrongLStakeTable)
    );

    let k = known.insecure_clone();
    let kb = place(&c, &req, k, SOL / 4).unwrap();
    let nb = place(&c, &req, new, SOL / 2).unwrap();
    assert_eq!(
        (bid_account(&c, &kb).audit_ppm, bid_account(&c, &kb).bond),
        (250_000, 4 * SOL)
    );
    assert_eq!(
        (bid_account(&c, &nb).audit_ppm, bid_account(&c, &nb).bond),
        (AUDIT_ALL_PPM, SOL)
    );
    c.advance(2);
    do_reveal(&c, &req, &nb).unwrap();
    assert_eq!(read(&c, &req).audit_ppm, AUDIT_ALL_PPM);
    // The lower price leads, and its miner's rate comes with it.
    do_reveal(&c, &req, &kb).unwrap();
    assert_eq!(read(&c, &req).audit_ppm, 250_000);
    c.advance(2);
    c.send(&requester, &[], &[settle(&req)]).unwrap();
    let r = read(&c, &req);
    assert_eq!((r.winner_miner, r.audit_ppm), (known.pubkey(), 250_000));
}

/// Runs one job of `miner` (the only bid, so paid the maximum price `SOL`) to its delivery and
/// first draw: returns the request and the bid.
fn delivered_and_drawn(c: &mut Chain, requester: &Keypair, miner: &Keypair) -> (Pubkey, Bidder) {
    let req = open(c, requester, SOL);
    let m = miner.insecure_clone();
    let b = place(c, &req, m, SOL / 2).unwrap();
    c.advance(2);
    do_reveal(c, &req, &b).unwrap();
    c.advance(2);
    c.send(requester, &[], &[settle(&req)]).unwrap();
    deliver(c, &req, &b, result(10)).unwrap();
    past_seed_slots(c);
    c.send(&c.faucet, &[], &[draw_ix(c, &req)]).unwrap();
    (req, b)
}

#[test]
fn an_unaudited_job_is_paid_as_delivered_and_credits_no_one_an_audited_one_its_work_over_the_rate()
{
    let (mut c, verifiers, known, _) = audited_at(250_000);
    let requester = c.funded(100 * SOL);
    let (mut skipped, mut audited, mut quarter) = (0, 0, 0);
    for _ in 0..80 {
        let (req, b) = delivered_and_drawn(&mut c, &requester, &known);
        let r = read(&c, &req);
        assert_eq!(r.state, RequestState::Verifying);
        let before = balances(&c, &requester, &b);
        let epoch = c.bank.epoch();
        let earned = |c: &Chain, who: &Pubkey| work_book(c).earned(epoch, who);
        let miner0 = earned(&c, &known.pubkey());
        let checkers: Vec<Credit> = verifiers.iter().map(|v| earned(&c, &v.pubkey())).collect();
        let bid_lamports = c.bank.get_balance(&b.bid.pubkey());
        match r.audit {
            Audit::Skipped => {
                skipped += 1;
                assert_eq!(r.committee.len, 0);
                // No one may vote on it, and it is final at once.
                let v = &verifiers[0];
                let vote = verdict(&v.pubkey(), &req, true, evidence(&c, &req, true));
                let err = c.send(&c.faucet, &[v], &[vote]).unwrap_err();
                assert_eq!(code(err), Some(AuctionError::NotInCommittee));
                let pool = c.bank.get_balance(&REWARD_POOL);
                finalize_job(&c, &req, &b, &requester).unwrap();
                let r = read(&c, &req);
                assert_eq!(
                    (r.state, r.verification()),
                    (RequestState::Paid, "unaudited")
                );
                // The whole price and the bond (with the bid's rent) to the miner, the escrow
                // spent, nothing to the committee's pool, no work credited.
                let (req1, miner1) = balances(&c, &requester, &b);
                assert_eq!(req1, before.0);
                assert_eq!(miner1, before.1 + SOL + bid_lamports);
                assert_eq!(c.bank.get_balance(&REWARD_POOL), pool);
                assert_eq!(earned(&c, &known.pubkey()), miner0);
                let after: Vec<Credit> =
                    verifiers.iter().map(|v| earned(&c, &v.pubkey())).collect();
                assert_eq!(after, checkers, "no verifier credited");
            }
            Audit::Audited => {
                audited += 1;
                assert!(r.committee.len > 0);
                unanimous_votes(&c, &verifiers, &req, true);
                past_appeal_window(&mut c, &req);
                finalize_job(&c, &req, &b, &requester).unwrap();
                assert_eq!(read(&c, &req).verification(), "valid");
                // The job's work over the rate: four times it at a quarter (a miner whose
                // audited work has not reached the table yet is audited on every job, at par).
                let credit = earned(&c, &known.pubkey()).inference - miner0.inference;
                let units = inference_units(u64::from(PROMPT_TOKENS), 10);
                assert_eq!(credit, units * 1_000_000 / u64::from(r.audit_ppm));
                quarter += u32::from(r.audit_ppm == 250_000);
            }
            Audit::Undecided => panic!("the first draw decides"),
        }
        close_request(&c, &requester, &req);
        if skipped >= 2 && quarter >= 2 {
            return;
        }
    }
    panic!("80 jobs at 25 %: {audited} audited, {skipped} not");
}

fn reward_pool(c: &Chain) -> RewardPool {
    RewardPool::decode(solana_account::ReadableAccount::data(
        &c.bank.get_account(&REWARD_POOL).unwrap(),
    ))
    .unwrap()
}

/// The requester closes `req` (`Cancel`, to itself); returns what came back beyond the fee.
fn close_request(c: &Chain, requester: &Keypair, req: &Pubkey) -> u64 {
    let before = c.bank.get_balance(&requester.pubkey());
    c.send(
        requester,
        &[],
        &[cancel(&requester.pubkey(), req, &requester.pubkey())],
    )
    .unwrap();
    c.bank.get_balance(&requester.pubkey()) + c.fee(1) - before
}

/// Sends `ix` (the faucet pays) and returns the auction error it fails with.
fn fails(c: &Chain, ix: Instruction) -> Option<AuctionError> {
    code(c.send(&c.faucet, &[], &[ix]).unwrap_err())
}

/// The finalize instruction of `req` (won by `win`) as it stands on chain (its committee's
/// records included).
fn fin(c: &Chain, req: &Pubkey, win: &Bidder, requester: &Keypair) -> Instruction {
    let r = read(c, req);
    assert_eq!(r.requester, requester.pubkey());
    finalize_of(c, req, &r, &win.key.pubkey())
}

/// The finalize instruction of `r` (at `req`, won by `miner`), its appeal's accounts included.
fn finalize_of(c: &Chain, req: &Pubkey, r: &Request, miner: &Pubkey) -> Instruction {
    let appeal = r.appealed.and_then(|_| appeal_at(c, &r.appeal));
    finalize_request(req, r, miner, appeal.as_ref())
}

/// The appeal account at `key`, if there is one.
fn appeal_at(c: &Chain, key: &Pubkey) -> Option<Appeal> {
    let a = c.bank.get_account(key)?;
    Appeal::read(solana_account::ReadableAccount::data(&a))
        .ok()
        .flatten()
}

/// The members of `req`'s committee in `voters` vote `valid`.
fn vote(c: &Chain, verifiers: &[Keypair], req: &Pubkey, voters: &[Pubkey], valid: bool) {
    for m in voters {
        let v = verifiers.iter().find(|v| v.pubkey() == *m).unwrap();
        c.send(
            &c.faucet,
            &[v],
            &[verdict(m, req, valid, evidence(c, req, valid))],
        )
        .unwrap();
    }
}

/// Nobody's work is booked in the current epoch.
fn no_one_credited(c: &Chain, who: &[Pubkey]) {
    let (book, epoch) = (work_book(c), c.bank.epoch());
    for k in who {
        assert_eq!(book.earned(epoch, k), Credit::default(), "{k} credited");
    }
}

#[test]
fn a_silent_committee_is_replaced_without_its_silent_members_and_nothing_is_paid_meanwhile() {
    let (mut c, verifiers, requester, req, win, _) = delivered();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let first = committee_of(&c, &req);
    // One vote of three is no verdict: too early until the deadline.
    vote(&c, &verifiers, &req, &first[..1], true);
    assert_eq!(
        fails(&c, fin(&c, &req, &win, &requester)),
        Some(AuctionError::TooEarly)
    );
    c.advance(verify_slots(10));
    let (r0, m0) = balances(&c, &requester, &win);
    // At the deadline without a verdict: a new committee is due; no one is paid or credited.
    finalize_job(&c, &req, &win, &requester).unwrap();
    let r = read(&c, &req);
    assert_eq!(r.state, RequestState::Delivered);
    assert_eq!((r.committee.round, r.verification()), (1, "pending"));
    assert_eq!(c.bank.get_balance(&requester.pubkey()), r0);
    assert_eq!(c.bank.get_balance(&win.key.pubkey()), m0);
    let everyone: Vec<Pubkey> = verifiers.iter().map(|v| v.pubkey()).collect();
    no_one_credited(&c, &everyone);
    no_one_credited(&c, &[win.key.pubkey()]);
    // The redraw is seeded by a slot after the silent committee's deadline.
    assert_eq!(fails(&c, draw_ix(&c, &req)), Some(AuctionError::TooEarly));
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let second = committee_of(&c, &req);
    let r = read(&c, &req);
    assert_eq!((r.state, r.committee.round), (RequestState::Verifying, 2));
    // The two silent members are out: the one that voted and the fourth verifier remain.
    assert_eq!(second.len(), 2, "{second:?}");
    assert!(second.contains(&first[0]));
    assert!(!second.contains(&first[1]) && !second.contains(&first[2]));
    assert!(!second.contains(&win.key.pubkey()));
    // A verdict of the new committee pays and credits as usual; the old votes do not count.
    vote(&c, &verifiers, &req, &second[..1], true);
    assert_eq!(
        fails(&c, fin(&c, &req, &win, &requester)),
        Some(AuctionError::TooEarly)
    );
    vote(&c, &verifiers, &req, &second[1..], true);
    c.advance(1);
    past_appeal_window(&mut c, &req);
    finalize_job(&c, &req, &win, &requester).unwrap();
    let r = read(&c, &req);
    assert_eq!((r.state, r.verification()), (RequestState::Paid, "valid"));
    let book = work_book(&c);
    assert_eq!(book.work(c.bank.epoch(), &win.key.pubkey()), 19);
}

#[test]
fn a_job_no_committee_decides_is_voided_and_credits_no_one() {
    // The attack: a miner whose committee stays silent (offline, or paid to) used to be paid
    // and credited with inference work at the deadline. Now silence only ever voids the job.
    let (mut c, verifiers, requester, req, win, lose) = delivered_with(9);
    let (r0, m0) = balances(&c, &requester, &win);
    let mut silent: Vec<Pubkey> = Vec::new();
    for round in 1..=MAX_COMMITTEES {
        past_seed_slots(&mut c);
        c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
        let members = committee_of(&c, &req);
        assert_eq!(read(&c, &req).committee.round, round);
        assert!(
            members.iter().all(|m| !silent.contains(m)),
            "round {round}: {members:?} repeats a silent member of the last round"
        );
        silent = members;
        c.advance(verify_slots(10));
        finalize_job(&c, &req, &win, &requester).unwrap();
    }
    let r = read(&c, &req);
    assert_eq!((r.state, r.verification()), (RequestState::Voided, "void"));
    // The escrow goes back whole; the bond and the bid's rent go back to the miner.
    assert_eq!(c.bank.get_balance(&requester.pubkey()), r0 + SOL);
    assert_eq!(
        c.bank.get_balance(&win.key.pubkey()),
        m0 + BOND + c.rent(BID_LEN)
    );
    let everyone: Vec<Pubkey> = verifiers.iter().map(|v| v.pubkey()).collect();
    no_one_credited(&c, &everyone);
    no_one_credited(&c, &[win.key.pubkey()]);
    c.advance(1); // a new blockhash: these are new transactions, not replays
    assert_eq!(fails(&c, draw_ix(&c, &req)), Some(AuctionError::WrongState));
    assert_eq!(
        fails(&c, fin(&c, &req, &win, &requester)),
        Some(AuctionError::WrongState)
    );
    // Once the losing bid is withdrawn, the requester closes the account and takes its rent back.
    withdraw(&c, &req, &lose).unwrap();
    assert_eq!(close_request(&c, &requester, &req), c.rent(REQUEST_LEN));
}

/// `appellant` appeals the verdict on `req` with `bond` (it pays the fee): returns the appeal
/// account.
fn appeal_with(
    c: &Chain,
    req: &Pubkey,
    appellant: &Keypair,
    bond: u64,
) -> Result<Pubkey, TransactionError> {
    let account = Keypair::new();
    let ixs = appeal(
        &appellant.pubkey(),
        req,
        &account.pubkey(),
        bond,
        c.rent(APPEAL_LEN),
    );
    c.send(appellant, &[&account], &ixs)
        .map(|()| account.pubkey())
}

/// A delivered job among nine bonded verifiers whose first committee voted `valid` unanimously
/// (and the miner funded for an appeal bond): (chain, verifiers, requester, request, winner,
/// first committee).
fn unanimous_verdict(valid: bool) -> (Chain, Vec<Keypair>, Keypair, Pubkey, Bidder, Vec<Pubkey>) {
    let (mut c, verifiers, requester, req, win, _) = delivered_with(9);
    let top_up = solana_system_interface::instruction::transfer(
        &c.faucet.pubkey(),
        &win.key.pubkey(),
        2 * SOL,
    );
    c.send(&c.faucet, &[], &[top_up]).unwrap();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let first = unanimous_votes(&c, &verifiers, &req, valid);
    (c, verifiers, requester, req, win, first)
}

/// Draws `req`'s appeal committee: five fresh members, none of `first`.
fn appeal_committee(c: &mut Chain, req: &Pubkey, first: &[Pubkey]) -> Vec<Pubkey> {
    let r = read(c, req);
    assert_eq!(r.state, RequestState::Delivered);
    assert_eq!(r.committee.escalation, Escalation::AppealPending);
    // Seeded by the slots after the appeal, like any draw.
    assert_eq!(fails(c, draw_ix(c, req)), Some(AuctionError::TooEarly));
    past_seed_slots(c);
    c.send(&c.faucet, &[], &[draw_ix(c, req)]).unwrap();
    let r = read(c, req);
    let members = committee_of(c, req);
    assert_eq!(r.committee.escalation, Escalation::Appeal);
    assert_eq!(members.len(), APPEAL_COMMITTEE_SIZE);
    assert!(members.iter().all(|m| !first.contains(m)), "{members:?}");
    assert!(!members.contains(&r.winner_miner) && !members.contains(&r.requester));
    members
}

#[test]
fn a_unanimous_lie_is_appealed_and_the_fresh_committee_slashes_the_liars() {
    // The attack: all three members of a committee collude (no one dissents, so nothing
    // escalates). Against an honest miner they vote fraud, against a forgery valid. The party
    // the lie costs appeals with a bond; a fresh committee of five finds the truth; the liars
    // lose half their bond and the appellant gets its bond back.
    for forged in [false, true] {
        let (mut c, verifiers, requester, req, win, first) = unanimous_verdict(forged);
        let (appellant, other) = if forged {
            (&requester, &win.key)
        } else {
            (&win.key, &requester)
        };
        let bond = read(&c, &req).appeal_bond();
        assert_eq!(bond, SOL, "the maximum price");
        let e = appeal_with(&c, &req, other, bond).unwrap_err();
        assert_eq!(code(e), Some(AuctionError::NotAppellant));
        let e = appeal_with(&c, &req, appellant, bond - 1).unwrap_err();
        assert_eq!(code(e), Some(AuctionError::AppealBondTooSmall));
        let (r0, m0) = balances(&c, &requester, &win);
        let i0 = c.bank.get_balance(&solana_sdk_ids::incinerator::id());
        let account = appeal_with(&c, &req, appellant, bond).unwrap();
        let paid = bond + c.rent(APPEAL_LEN) + c.fee(2);
        let r = read(&c, &req);
        assert_eq!((r.appeal, r.appealed), (account, Some(forged)));
        assert_eq!(r.verification(), "pending");
        // Nothing ends while the appeal committee is to be drawn.
        assert_eq!(
            fails(&c, fin(&c, &req, &win, &requester)),
            Some(AuctionError::TooEarly)
        );
        let second = appeal_committee(&mut c, &req, &first);
        // The fresh committee finds the truth (two members stay silent); its majority is final
        // at its deadline, without an appeal window, and no one can appeal it.
        vote(&c, &verifiers, &req, &second[..3], !forged);
        let e = appeal_with(&c, &req, other, bond).unwrap_err();
        assert_eq!(code(e), Some(AuctionError::WrongState));
        let (r0, m0) = if forged {
            (r0, m0 - c.fee(2))
        } else {
            (r0 - c.fee(2), m0)
        };
        assert_eq!(
            fails(&c, fin(&c, &req, &win, &requester)),
            Some(AuctionError::TooEarly)
        );
        c.advance(verify_slots(10));
        finalize_job(&c, &req, &win, &requester).unwrap();
        let r = read(&c, &req);
        let wrong = MIN_VERIFIER_BOND * u64::from(WRONG_VOTE_SLASH_BPS) / BPS;
        let missed = MIN_VERIFIER_BOND * u64::from(MISSED_VOTE_SLASH_BPS) / BPS;
        for m in &first {
            assert_eq!(bond_of(&c, m), MIN_VERIFIER_BOND - wrong, "{m} lied");
        }
        for m in &second[..3] {
            assert_eq!(bond_of(&c, m), MIN_VERIFIER_BOND);
        }
        for m in &second[3..] {
            assert_eq!(
                bond_of(&c, m),
                MIN_VERIFIER_BOND - missed,
                "{m} stayed silent"
            );
        }
        let (book, epoch) = (work_book(&c), c.bank.epoch());
        for m in &second[..3] {
            assert_eq!(book.work(epoch, m), CHECK, "validation work for the truth");
        }
        for m in first.iter().chain(&second[3..]) {
            assert_eq!(book.work(epoch, m), 0);
        }
        assert!(
            c.bank.get_account(&account).is_none(),
            "the appeal is closed"
        );
        let incinerator = c.bank.get_balance(&solana_sdk_ids::incinerator::id());
        if forged {
            // The requester's appeal stops a forgery the committee passed: the escrow back with
            // half the bond, the appeal bond and its rent back, the miner's work zeroed.
            assert_eq!(r.state, RequestState::Slashed);
            assert_eq!(
                c.bank.get_balance(&requester.pubkey()),
                r0 - paid + bond + c.rent(APPEAL_LEN) + SOL + BOND / 2
            );
            assert_eq!(c.bank.get_balance(&win.key.pubkey()), m0 + c.rent(BID_LEN));
            assert_eq!(book.work(epoch, &win.key.pubkey()), 0);
            assert_eq!(incinerator, i0 + BOND / 2 + 3 * wrong + 2 * missed);
        } else {
            // The honest miner is paid and credited after all, and gets its appeal bond back.
            assert_eq!(r.state, RequestState::Paid);
            let fee = SOL / 2 * VERIFIER_FEE_BPS / BPS;
            assert_eq!(
                c.bank.get_balance(&win.key.pubkey()),
                m0 - paid + bond + c.rent(APPEAL_LEN) + SOL / 2 - fee + BOND + c.rent(BID_LEN)
            );
            assert_eq!(c.bank.get_balance(&requester.pubkey()), r0 + SOL / 2);
            assert_eq!(
                book.work(epoch, &win.key.pubkey()),
                inference_units(100, 10)
            );
            assert_eq!(
                book.earned(epoch, &second[0]).fees,
                fee / 3 + u64::from(!fee.is_multiple_of(3))
            );
            assert_eq!(incinerator, i0 + 3 * wrong + 2 * missed);
        }
    }
}

#[test]
fn an_appeal_the_fresh_committee_rejects_burns_its_bond_and_one_it_cannot_decide_returns_it() {
    // A forger caught by an honest committee appeals anyway (hoping for a lazier one): the fresh
    // committee agrees with the first, the forger loses its appeal bond on top of its bid bond.
    // An appeal committee that stays silent changes nothing: the appealed verdict stands, the
    // appellant gets its bond back, the silent members lose a tenth of theirs.
    for silent in [false, true] {
        let (mut c, verifiers, requester, req, win, first) = unanimous_verdict(false);
        // Not the requester's to appeal, not before the verdict stands, not after its window.
        let bond = read(&c, &req).appeal_bond();
        let e = appeal_with(&c, &req, &requester, bond).unwrap_err();
        assert_eq!(code(e), Some(AuctionError::NotAppellant));
        let i0 = c.bank.get_balance(&solana_sdk_ids::incinerator::id());
        let m0 = c.bank.get_balance(&win.key.pubkey());
        appeal_with(&c, &req, &win.key, bond).unwrap();
        let paid = bond + c.rent(APPEAL_LEN) + c.fee(2);
        let second = appeal_committee(&mut c, &req, &first);
        if silent {
            assert_eq!(
                fails(&c, fin(&c, &req, &win, &requester)),
                Some(AuctionError::TooEarly)
            );
            c.advance(verify_slots(10));
        } else {
            vote(&c, &verifiers, &req, &second, false);
        }
        finalize_job(&c, &req, &win, &requester).unwrap();
        assert_eq!(read(&c, &req).state, RequestState::Slashed);
        let missed = MIN_VERIFIER_BOND * u64::from(MISSED_VOTE_SLASH_BPS) / BPS;
        for m in &first {
            assert_eq!(bond_of(&c, m), MIN_VERIFIER_BOND, "{m} told the truth");
        }
        let m = c.bank.get_balance(&win.key.pubkey());
        let i = c.bank.get_balance(&solana_sdk_ids::incinerator::id());
        if silent {
            for s in &second {
                assert_eq!(bond_of(&c, s), MIN_VERIFIER_BOND - missed);
            }
            assert_eq!(m, m0 - paid + bond + c.rent(APPEAL_LEN) + c.rent(BID_LEN));
            assert_eq!(i, i0 + BOND / 2 + 5 * missed);
        } else {
            assert_eq!(m, m0 - paid + c.rent(APPEAL_LEN) + c.rent(BID_LEN));
            assert_eq!(i, i0 + BOND / 2 + bond);
        }
        // One appeal per job: the account is closed and the request final.
        c.advance(1);
        let e = appeal_with(&c, &req, &win.key, bond).unwrap_err();
        assert_eq!(code(e), Some(AuctionError::WrongState));
    }
}

#[test]
fn a_verdict_not_appealed_in_its_window_stands() {
    let (mut c, _, requester, req, win, _) = unanimous_verdict(false);
    let bond = read(&c, &req).appeal_bond();
    // Finalize waits for the window; an appeal after it is refused.
    assert_eq!(
        fails(&c, fin(&c, &req, &win, &requester)),
        Some(AuctionError::TooEarly)
    );
    past_appeal_window(&mut c, &req);
    let e = appeal_with(&c, &req, &win.key, bond).unwrap_err();
    assert_eq!(code(e), Some(AuctionError::AppealWindowPassed));
    finalize_job(&c, &req, &win, &requester).unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Slashed);
}

#[test]
fn finalize_after_an_appeal_needs_the_appeal_and_its_appellant() {
    let (mut c, verifiers, requester, req, win, first) = unanimous_verdict(false);
    let bond = read(&c, &req).appeal_bond();
    let account = appeal_with(&c, &req, &win.key, bond).unwrap();
    let second = appeal_committee(&mut c, &req, &first);
    vote(&c, &verifiers, &req, &second, true);
    let good = fin(&c, &req, &win, &requester);
    let at = 9 + second.len();
    assert_eq!(good.accounts[at].pubkey, account);
    // Someone else's account in the appeal's place, or another payee for its bond.
    let mut other = good.clone();
    other.accounts[at].pubkey = requester.pubkey();
    assert_eq!(fails(&c, other), Some(AuctionError::WrongOwner));
    let mut thief = good.clone();
    thief.accounts[at + 1].pubkey = requester.pubkey();
    assert_eq!(fails(&c, thief), Some(AuctionError::WrongAppeal));
    // Without the appealed committee's records its liars would go unpunished: refused.
    let mut short = good.clone();
    short.accounts.truncate(at + 2);
    assert!(c.send(&c.faucet, &[], &[short]).is_err());
    assert_eq!(read(&c, &req).state, RequestState::Verifying);
    c.send(&c.faucet, &[], &[good]).unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Paid);
}

#[test]
fn a_split_committee_with_no_one_left_to_join_still_decides() {
    // Three bonded verifiers only: the split escalates, the draw finds no one new, and the same
    // three members' majority is final.
    let (mut c, verifiers, requester, req, win, _) = delivered_with(3);
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let first = committee_of(&c, &req);
    assert_eq!(first.len(), 3);
    vote(&c, &verifiers, &req, &first[..2], true);
    vote(&c, &verifiers, &req, &first[2..], false);
    finalize_job(&c, &req, &win, &requester).unwrap();
    assert_eq!(read(&c, &req).committee.escalation, Escalation::Pending);
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let r = read(&c, &req);
    assert_eq!(committee_of(&c, &req), first);
    assert_eq!(r.committee.escalation, Escalation::Done);
    past_appeal_window(&mut c, &req);
    finalize_job(&c, &req, &win, &requester).unwrap();
    assert_eq!(read(&c, &req).verification(), "valid");
    let wrong = MIN_VERIFIER_BOND * u64::from(WRONG_VOTE_SLASH_BPS) / BPS;
    assert_eq!(bond_of(&c, &first[2]), MIN_VERIFIER_BOND - wrong);
}

#[test]
fn a_split_verdict_grows_the_committee_whose_majority_slashes_whoever_it_contradicts() {
    // The attack: two members of three collude, to pass a forgery or to slash an honest miner.
    // The honest third dissents, the committee grows to five, and the final majority burns half
    // the bond of every member it contradicts.
    for forged in [true, false] {
        let (mut c, verifiers, requester, req, win, _) = delivered_with(9);
        let voter = |m: &Pubkey| verifiers.iter().find(|v| v.pubkey() == *m).unwrap();
        past_seed_slots(&mut c);
        c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
        let first = committee_of(&c, &req);
        // Valid is the lie when the work is forged, fraud when it is not.
        vote(&c, &verifiers, &req, &first[..2], forged);
        vote(&c, &verifiers, &req, &first[2..], !forged);
        let (r0, m0) = balances(&c, &requester, &win);
        // Every member voted, so it is due at once, and it escalates: no one paid or slashed.
        finalize_job(&c, &req, &win, &requester).unwrap();
        let r = read(&c, &req);
        assert_eq!(r.state, RequestState::Delivered);
        assert_eq!(r.committee.escalation, Escalation::Pending);
        assert_eq!(r.verification(), "pending");
        assert_eq!(c.bank.get_balance(&requester.pubkey()), r0);
        assert_eq!(c.bank.get_balance(&win.key.pubkey()), m0);
        assert!(first.iter().all(|m| bond_of(&c, m) == MIN_VERIFIER_BOND));
        // The new members come from the hashes of slots after the split, like any draw.
        c.advance(1);
        assert_eq!(fails(&c, draw_ix(&c, &req)), Some(AuctionError::TooEarly));
        past_seed_slots(&mut c);
        c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
        let grown = committee_of(&c, &req);
        let r = read(&c, &req);
        assert_eq!(grown.len(), ESCALATED_COMMITTEE_SIZE);
        assert_eq!(
            &grown[..3],
            &first[..],
            "the first members stay, with their votes"
        );
        assert_eq!((r.committee.valid | r.committee.fraud), 0b111);
        assert_eq!(r.committee.escalation, Escalation::Done);
        assert!(!grown.contains(&win.key.pubkey()));
        let e = c.send(
            &c.faucet,
            &[voter(&first[0])],
            &[verdict(&first[0], &req, forged, evidence(&c, &req, forged))],
        );
        assert_eq!(code(e.unwrap_err()), Some(AuctionError::AlreadyVoted));
        // The new members find the truth: three of five, final (no second escalation).
        vote(&c, &verifiers, &req, &grown[3..], !forged);
        let i0 = c.bank.get_balance(&solana_sdk_ids::incinerator::id());
        past_appeal_window(&mut c, &req);
        finalize_job(&c, &req, &win, &requester).unwrap();
        let r = read(&c, &req);
        let expected = if forged {
            RequestState::Slashed
        } else {
            RequestState::Paid
        };
        assert_eq!(r.state, expected);
        let wrong = MIN_VERIFIER_BOND * u64::from(WRONG_VOTE_SLASH_BPS) / BPS;
        for m in &first[..2] {
            assert_eq!(bond_of(&c, m), MIN_VERIFIER_BOND - wrong, "{m} lied");
        }
        for m in first[2..].iter().chain(&grown[3..]) {
            assert_eq!(bond_of(&c, m), MIN_VERIFIER_BOND);
        }
        let miner_burn = if forged { BOND / 2 } else { 0 };
        assert_eq!(
            c.bank.get_balance(&solana_sdk_ids::incinerator::id()),
            i0 + miner_burn + 2 * wrong
        );
        // Validation work only for the members the verdict agrees with.
        let (book, epoch) = (work_book(&c), c.bank.epoch());
        for m in first[2..].iter().chain(&grown[3..]) {
            assert_eq!(book.work(epoch, m), CHECK);
        }
        for m in &first[..2] {
            assert_eq!(book.work(epoch, m), 0);
        }
    }
}

#[test]
fn only_a_bonded_verifier_votes_and_its_bond_answers_until_it_has_unbonded() {
    let (mut c, verifiers, requester, req, win, _) = delivered();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let members = committee_of(&c, &req);
    let voter = |m: &Pubkey| verifiers.iter().find(|v| v.pubkey() == *m).unwrap();
    // Someone else's record is not a bond.
    let mut borrowed = verdict(&members[0], &req, true, evidence(&c, &req, true));
    borrowed.accounts[2].pubkey = verifier_record(&members[1]);
    assert_eq!(
        code(
            c.send(&c.faucet, &[voter(&members[0])], &[borrowed])
                .unwrap_err()
        ),
        Some(AuctionError::NotBonded)
    );
    // A member lies about an honest job, then starts unbonding to get away: it votes no more,
    // and its bond stays until the unbonding slots are over.
    let (v0, m0) = (voter(&members[0]), members[0]);
    vote(&c, &verifiers, &req, &[m0], false);
    c.send(&c.faucet, &[v0], &[unbond(&m0)]).unwrap();
    assert_eq!(
        code(
            c.send(
                &c.faucet,
                &[v0],
                &[verdict(&m0, &req, true, evidence(&c, &req, true))]
            )
            .unwrap_err()
        ),
        Some(AuctionError::NotBonded)
    );
    let leave = deregister(&m0, &verifier_record(&m0), &m0);
    assert_eq!(
        rcode(c.send(&c.faucet, &[v0], &[leave]).unwrap_err()),
        Some(RegistryError::StillBonded)
    );
    // The other two find the work valid: a split, so the committee grows (by the one verifier
    // left), which agrees; the final verdict contradicts the liar, unbonding or not.
    vote(&c, &verifiers, &req, &members[1..], true);
    finalize_job(&c, &req, &win, &requester).unwrap();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let grown = committee_of(&c, &req);
    assert_eq!(grown.len(), 4);
    vote(&c, &verifiers, &req, &grown[3..], true);
    past_appeal_window(&mut c, &req);
    finalize_job(&c, &req, &win, &requester).unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Paid);
    let wrong = MIN_VERIFIER_BOND * u64::from(WRONG_VOTE_SLASH_BPS) / BPS;
    assert_eq!(bond_of(&c, &m0), MIN_VERIFIER_BOND - wrong);
}

#[test]
fn lstake_without_a_bond_is_passed_over_and_a_draw_must_carry_every_record_it_walks() {
    // Two bonded verifiers with little LStake, three identities with most of it and no bond
    // (sybils that would be drawn, stay silent and push the job to a void).
    let bonded: Vec<Keypair> = (0..2).map(|_| Keypair::new()).collect();
    let sybils: Vec<Keypair> = (0..3).map(|_| Keypair::new()).collect();
    let miner = Keypair::new();
    let mut lstake: Vec<(Pubkey, u64)> = bonded.iter().map(|v| (v.pubkey(), 10)).collect();
    lstake.extend(sybils.iter().map(|v| (v.pubkey(), 10_000)));
    lstake.push((miner.pubkey(), 100));
    let (mut c, requester, req, win, _) = awarded_among(lstake, &bonded, miner);
    deliver(&c, &req, &win, result(10)).unwrap();
    past_seed_slots(&mut c);

    let full = draw_ix(&c, &req);
    // The walk passes over every sybil it meets: their records ride along, empty.
    assert!(
        full.accounts.len() > 2 + bonded.len(),
        "{}",
        full.accounts.len()
    );
    // Whoever sends the draw cannot leave a walked candidate out, reorder them, or stop short.
    let mut dropped = full.clone();
    dropped.accounts.remove(2);
    let mut swapped = full.clone();
    swapped.accounts.swap(2, 3);
    let mut short = full.clone();
    short.accounts.pop();
    for bad in [dropped, swapped, short] {
        assert_eq!(fails(&c, bad), Some(AuctionError::MissingRecords));
    }
    c.send(&c.faucet, &[], &[full]).unwrap();
    let mut members = committee_of(&c, &req);
    members.sort();
    let mut want: Vec<Pubkey> = bonded.iter().map(|v| v.pubkey()).collect();
    want.sort();
    assert_eq!(
        members, want,
        "only the bonded are drawn, however little LStake they hold"
    );
    // So the job is verified and paid instead of voided.
    unanimous_votes(&c, &bonded, &req, true);
    past_appeal_window(&mut c, &req);
    finalize_job(&c, &req, &win, &requester).unwrap();
    assert_eq!(read(&c, &req).verification(), "valid");
}

#[test]
fn a_member_that_cannot_vote_loses_its_place_not_its_bond() {
    // Unbonding (or under the minimum) a member cannot vote; its silence is not fined, and a
    // bonded member's is.
    let (mut c, verifiers, requester, req, win, _) = delivered();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let members = committee_of(&c, &req);
    let v0 = verifiers.iter().find(|v| v.pubkey() == members[0]).unwrap();
    c.send(&c.faucet, &[v0], &[unbond(&members[0])]).unwrap();
    vote(&c, &verifiers, &req, &members[2..], true);
    c.advance(verify_slots(10));
    finalize_job(&c, &req, &win, &requester).unwrap();
    let r = read(&c, &req);
    assert_eq!((r.state, r.committee.round), (RequestState::Delivered, 1));
    let missed = MIN_VERIFIER_BOND * u64::from(MISSED_VOTE_SLASH_BPS) / BPS;
    assert_eq!(bond_of(&c, &members[0]), MIN_VERIFIER_BOND);
    assert_eq!(bond_of(&c, &members[1]), MIN_VERIFIER_BOND - missed);
    assert_eq!(bond_of(&c, &members[2]), MIN_VERIFIER_BOND);
    // Both silent members lose their place in the next committee.
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let next = committee_of(&c, &req);
    assert!(
        !next.contains(&members[0]) && !next.contains(&members[1]),
        "{next:?}"
    );
    // The fined member, now under the minimum, tops its bond up and may vote again.
    let v1 = verifiers.iter().find(|v| v.pubkey() == members[1]).unwrap();
    let record = |c: &Chain| {
        let a = c.bank.get_account(&verifier_record(&members[1])).unwrap();
        Record::read(solana_account::ReadableAccount::data(&a))
            .unwrap()
            .unwrap()
    };
    assert!(!record(&c).may_vote(&members[1]));
    c.send(v1, &[], &top_up_verifier(&members[1], missed))
        .unwrap();
    assert!(record(&c).may_vote(&members[1]));
    assert_eq!(bond_of(&c, &members[1]), MIN_VERIFIER_BOND);
}

#[test]
fn a_delivered_job_no_one_can_verify_is_voided_after_the_draw_window() {
    // Only the miner has LStake: no committee can be drawn. The job must not hold the escrow
    // and the bond forever.
    let (mut c, _, requester, req, win, _) = delivered_with(0);
    let (r0, m0) = balances(&c, &requester, &win);
    past_seed_slots(&mut c);
    assert_eq!(
        fails(&c, draw_ix(&c, &req)),
        Some(AuctionError::NoVerifiers)
    );
    assert_eq!(
        fails(&c, fin(&c, &req, &win, &requester)),
        Some(AuctionError::TooEarly)
    );
    // Blocks every few slots (a bank cannot skip a whole epoch: no leader schedule would cover it).
    for _ in 0..DRAW_SLOTS / 8 {
        c.advance(8);
    }
    assert_eq!(
        fails(&c, draw_ix(&c, &req)),
        Some(AuctionError::DrawWindowPassed)
    );
    finalize_job(&c, &req, &win, &requester).unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Voided);
    assert_eq!(c.bank.get_balance(&requester.pubkey()), r0 + SOL);
    assert_eq!(
        c.bank.get_balance(&win.key.pubkey()),
        m0 + BOND + c.rent(BID_LEN)
    );
    no_one_credited(&c, &[win.key.pubkey()]);
}

#[derive(Clone, Debug)]
enum Op {
    Bid {
        miner: usize,
        price: u64,
    },
    Reveal {
        bid: usize,
    },
    Advance,
    Settle,
    Withdraw {
        bid: usize,
    },
    Cancel,
    Deliver,
    Decline,
    Timeout,
    Draw,
    Vote {
        verifier: usize,
        valid: bool,
    },
    Finalize,
    Appeal {
        by_requester: bool,
    },
    NextEpoch,
    Claim {
        verifier: usize,
    },
    /// Advance to this slot (the wind-down's clock; never drawn at random).
    WaitUntil(u64),
    /// The committee member at this place votes (the wind-down's; never drawn at random).
    VoteMember {
        member: usize,
        valid: bool,
    },
}

/// Bonded verifiers of the property test: a committee and an appeal committee's worth.
const VERIFIERS: usize = 6;

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3, 1u64..2_000_000_000).prop_map(|(miner, price)| Op::Bid { miner, price }),
        (0usize..6).prop_map(|bid| Op::Reveal { bid }),
        Just(Op::Advance),
        Just(Op::Settle),
        (0usize..6).prop_map(|bid| Op::Withdraw { bid }),
        Just(Op::Cancel),
        Just(Op::Deliver),
        Just(Op::Decline),
        Just(Op::Timeout),
        Just(Op::Draw),
        (0usize..VERIFIERS, any::<bool>())
            .prop_map(|(verifier, valid)| Op::Vote { verifier, valid }),
        Just(Op::Finalize),
        any::<bool>().prop_map(|by_requester| Op::Appeal { by_requester }),
        Just(Op::NextEpoch),
        (0usize..VERIFIERS).prop_map(|verifier| Op::Claim { verifier }),
    ]
}

proptest! {
    // 1000 sequences per CI run (about 20 s); AMBIENT_AUCTION_CASES=10000 for a long run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("AMBIENT_AUCTION_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000),
        ..ProptestConfig::default()
    })]
    /// Whatever the actors do, in whatever order, no lamport is created or lost: the tracked
    /// accounts (requester, miners, request, bids, reward pool, incinerator) lose exactly the fees
    /// of the transactions and what freezing burns. And every auction ends (liveness): from
    /// wherever the actors left it, advancing the clock past the deadlines and sending the steps
    /// anyone may send (nobody votes) ends the job in a terminal state with every account closed.
    #[test]
    fn lamports_are_conserved_and_every_auction_ends(
        ops in proptest::collection::vec(op(), 1..16),
        judge in proptest::option::of((any::<bool>(), any::<bool>())),
    ) {
        let verifiers: Vec<Keypair> = (0..VERIFIERS).map(|_| Keypair::new()).collect();
        let mut c = chain_with_lstake(verifiers.iter().map(|v| (v.pubkey(), 1)).collect());
        fund_and_bond(&c, &verifiers, SOL);
        let requester = c.funded(10 * SOL);
        let miners: Vec<Keypair> = (0..3).map(|_| c.funded(5 * SOL)).collect();
        // Verifier records too: what a slash takes from one goes to the incinerator.
        let records = verifiers.iter().map(|v| verifier_record(&v.pubkey()));
        let mut tracked: Vec<Pubkey> = miners.iter().map(|k| k.pubkey()).chain([requester.pubkey(), REWARD_POOL]).chain(records).collect();
        let total = |c: &Chain, t: &[Pubkey]| t.iter().map(|p| c.bank.get_balance(p)).sum::<u64>();
        let start = total(&c, &tracked);
        let req = open(&c, &requester, SOL);
        tracked.push(req);
        let mut fees = c.fee(2);
        let mut bids: Vec<Bidder> = Vec::new();
        let incinerator = solana_sdk_ids::incinerator::id();
        tracked.push(incinerator);
        let start = start + c.bank.get_balance(&incinerator);
        let mut burned = 0u64;
        let mut queue: std::collections::VecDeque<Op> = ops.into();
        let mut rounds = 0;
        loop {
            let Some(op) = queue.pop_front() else {
                let left = wind_down(&c, &req, &bids, judge);
                if left.is_empty() {
                    break;
                }
                rounds += 1;
                // Each round in a new slot: a new blockhash, so no step repeats an earlier one.
                queue.push_back(Op::WaitUntil(c.slot() + 1));
                prop_assert!(rounds <= 16, "the auction did not end: {:?}", c.bank.get_account(&req).map(|a| Request::read(solana_account::ReadableAccount::data(&a))));
                queue.extend(left);
                continue;
            };
            let (res, sigs) = match op {
                Op::Bid { miner, price } => {
                    let key = miners[miner].insecure_clone();
                    match place(&c, &req, key, price) {
                        Ok(b) => { tracked.push(b.bid.pubkey()); bids.push(b); (Ok(()), 2) }
                        Err(e) => (Err(e), 2),
                    }
                }
                Op::Reveal { bid } => match bids.get(bid) { Some(b) => (do_reveal(&c, &req, b), 1), None => continue },
                Op::Advance => {
                    // Freezing the bank burns what the incinerator holds.
                    burned += c.bank.get_balance(&incinerator);
                    c.advance(3);
                    continue;
                }
                Op::WaitUntil(slot) => {
                    while c.slot() < slot {
                        burned += c.bank.get_balance(&incinerator);
                        c.advance((slot - c.slot()).min(8));
                    }
                    continue;
                }
                Op::Settle => (c.send(&requester, &[], &[settle(&req)]), 1),
                Op::Withdraw { bid } => match bids.get(bid) {
                    Some(b) => (withdraw(&c, &req, b), 1),
                    None => continue,
                },
                Op::Cancel => (c.send(&requester, &[], &[cancel(&requester.pubkey(), &req, &requester.pubkey())]), 1),
                Op::Draw => (c.send(&requester, &[], &[draw_ix(&c, &req)]), 1),
                Op::VoteMember { member, valid } => {
                    let Some(r) = c.bank.get_account(&req).and_then(|a| Request::read(solana_account::ReadableAccount::data(&a)).ok().flatten()) else { continue };
                    let m = r.committee.members[member];
                    let Some(v) = verifiers.iter().find(|v| v.pubkey() == m) else { continue };
                    (c.send(&requester, &[v], &[verdict(&m, &req, valid, evidence(&c, &req, valid))]), 2)
                }
                Op::Vote { verifier, valid } => {
                    (c.send(&requester, &[&verifiers[verifier]], &[verdict(&verifiers[verifier].pubkey(), &req, valid, evidence(&c, &req, valid))]), 2)
                }
                Op::NextEpoch => {
                    // Into the next epoch, whose first bank rolls the LStake table.
                    let epoch = c.bank.epoch();
                    while c.bank.epoch() == epoch {
                        burned += c.bank.get_balance(&incinerator);
                        c.advance(8);
                    }
                    continue;
                }
                Op::Appeal { by_requester } => {
                    let Some(r) = c.bank.get_account(&req).and_then(|a| Request::read(solana_account::ReadableAccount::data(&a)).ok().flatten()) else { continue };
                    let appellant = if by_requester {
                        requester.insecure_clone()
                    } else {
                        match bids.iter().find(|b| b.bid.pubkey() == r.winner) { Some(w) => w.key.insecure_clone(), None => continue }
                    };
                    let account = Keypair::new();
                    tracked.push(account.pubkey());
                    let ixs = appeal(&appellant.pubkey(), &req, &account.pubkey(), r.appeal_bond(), c.rent(APPEAL_LEN));
                    (c.send(&appellant, &[&account], &ixs), 2)
                }
                Op::Claim { verifier } => {
                    let v = &verifiers[verifier];
                    (c.send(&requester, &[v], &[claim_rewards(&v.pubkey(), &requester.pubkey())]), 2)
                }
                Op::Deliver | Op::Decline | Op::Timeout | Op::Finalize => {
                    let Some(acc) = c.bank.get_account(&req) else { continue };
                    let Ok(Some(r)) = Request::read(solana_account::ReadableAccount::data(&acc)) else { continue };
                    let winner = r.winner;
                    let Some(w) = bids.iter().find(|b| b.bid.pubkey() == winner) else { continue };
                    if matches!(op, Op::Deliver) {
                        (c.send(&w.key, &[], &[submit_result(&w.key.pubkey(), &req, &w.bid.pubkey(), result(3))]), 1)
                    } else if matches!(op, Op::Decline) {
                        (c.send(&w.key, &[], &[decline(&w.key.pubkey(), &req, &w.bid.pubkey())]), 1)
                    } else if matches!(op, Op::Finalize) {
                        (c.send(&requester, &[], &[finalize_of(&c, &req, &r, &w.key.pubkey())]), 1)
                    } else {
                        (c.send(&requester, &[], &[claim_timeout(&req, &w.bid.pubkey(), &requester.pubkey(), &w.key.pubkey())]), 1)
                    }
                }
            };
            match res {
                Ok(()) | Err(TransactionError::InstructionError(..)) => fees += c.fee(sigs),
                Err(TransactionError::AlreadyProcessed) => {}
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
            prop_assert_eq!(total(&c, &tracked) + fees + burned, start);
        }
        prop_assert!(bids.iter().all(|b| c.bank.get_account(&b.bid.pubkey()).is_none()));
    }
}

/// The next steps that move `req` towards its end, as anyone may send them once their slot has
/// come; empty once the request and every bid account are closed. Without `judge` nobody votes;
/// with `(valid, appeal)` a miner bids, reveals and delivers if no one has, every committee
/// member votes `valid`, an appeal committee the other way, and with `appeal` the party the
/// first verdict goes against appeals it.
fn wind_down(c: &Chain, req: &Pubkey, bids: &[Bidder], judge: Option<(bool, bool)>) -> Vec<Op> {
    let open_bids: Vec<Op> = (0..bids.len())
        .filter(|&i| c.bank.get_account(&bids[i].bid.pubkey()).is_some())
        .map(|bid| Op::Withdraw { bid })
        .collect();
    let Some(acc) = c.bank.get_account(req) else {
        return open_bids;
    };
    let Ok(Some(r)) = Request::read(solana_account::ReadableAccount::data(&acc)) else {
        return open_bids;
    };
    let slot = c.slot();
    match r.state {
        // With a judge the miners bid, reveal and deliver too.
        RequestState::Open => match judge {
            Some(_) if r.bids == 0 && slot < r.bid_end => vec![Op::Bid {
                miner: 0,
                price: SOL / 10,
            }],
            Some(_) if r.revealed == 0 && r.bids > 0 && slot < r.reveal_end => {
                let mut v = vec![Op::WaitUntil(r.bid_end)];
                v.extend((0..bids.len()).map(|bid| Op::Reveal { bid }));
                v
            }
            _ => vec![Op::WaitUntil(r.reveal_end), Op::Settle],
        },
        RequestState::Awarded if judge.is_some() && slot < r.deadline => vec![Op::Deliver],
        RequestState::Awarded => vec![Op::WaitUntil(r.deadline), Op::Timeout],
        RequestState::Delivered => {
            let from = r.draw_slot();
            let table = lstake_table(c);
            // An appeal committee takes no one from the appealed one.
            let appealed = r.committee.escalation == Escalation::AppealPending;
            let fresh = |k: &Pubkey| !(appealed && committee_has(&r, k));
            let eligible = table.entries.keys().any(|k| r.may_verify(k) && fresh(k));
            if eligible && slot < from + DRAW_SLOTS {
                vec![Op::WaitUntil(from + SEED_SLOTS + 1), Op::Draw]
            } else {
                vec![Op::WaitUntil(from + DRAW_SLOTS), Op::Finalize]
            }
        }
        RequestState::Verifying => {
            let cm = &r.committee;
            let voted = cm.valid | cm.fraud;
            let to_vote: Vec<usize> = (0..usize::from(cm.len))
                .filter(|i| voted & (1 << i) == 0)
                .collect();
            match judge {
                Some((valid, _)) if !to_vote.is_empty() && slot < cm.deadline => {
                    let valid = valid != (cm.escalation == Escalation::Appeal);
                    let vote = |member| Op::VoteMember { member, valid };
                    to_vote.into_iter().map(vote).collect()
                }
                // An appellant that cannot pay the appeal's bond leaves the verdict to stand.
                Some((_, true)) if r.appealable(slot).is_ok_and(|(_, a)| can_appeal(c, &r, &a)) => {
                    let by_requester = r.appealable(slot).is_ok_and(|(_, a)| a == r.requester);
                    vec![Op::Appeal { by_requester }]
                }
                _ => vec![Op::WaitUntil(cm.deadline.max(r.appeal_end())), Op::Finalize],
            }
        }
        _ => open_bids.into_iter().chain([Op::Cancel]).collect(),
    }
}

/// Whether `appellant` can pay an appeal of `r`: its bond, the appeal account's rent and the fee.
fn can_appeal(c: &Chain, r: &Request, appellant: &Pubkey) -> bool {
    c.bank.get_balance(appellant) >= r.appeal_bond() + c.rent(APPEAL_LEN) + c.fee(2)
}

/// Whether `k` sits on `r`'s committee.
fn committee_has(r: &Request, k: &Pubkey) -> bool {
    r.committee.members[..usize::from(r.committee.len)].contains(k)
}

/// A program that asks the network's model by cross-program invocation, through the no_std
/// interface crate alone, and later reads the verified result out of the request account — as an
/// SVM program would (registered here as a builtin: this machine has no SBF toolchain).
mod consumer {
    use ambient_interface::instruction::{request_ix, AuctionInstruction};
    use ambient_interface::state::{Request, REQUEST_LEN};
    use solana_instruction::error::InstructionError;
    use solana_instruction::{AccountMeta, Instruction};
    use solana_program_runtime::declare_process_instruction;
    use solana_program_runtime::invoke_context::InvokeContext;
    use solana_program_runtime::program_cache_entry::ProgramCacheEntry;
    use solana_program_runtime::solana_sbpf::program::BuiltinFunctionDefinition;
    use solana_pubkey::Pubkey;
    use solana_runtime::bank::Bank;

    pub const ID: Pubkey = Pubkey::new_from_array(*b"ambient/test/cpi-consumer/prog/1");
    const NAME: &str = "cpi_consumer";
    /// The program's vault: pays the escrow and is the request's requester.
    pub const VAULT_SEED: &[u8] = b"vault";
    /// Its error when the result is not (yet) verified.
    pub const NOT_VERIFIED: u32 = 1;

    declare_process_instruction!(Entrypoint, 10_000, |invoke_context| {
        process(invoke_context)
    });

    pub fn register(bank: &Bank) {
        bank.add_builtin(
            ID,
            NAME,
            ProgramCacheEntry::new_builtin(0, NAME.len(), Entrypoint::register),
        );
    }

    pub fn vault() -> (Pubkey, u8) {
        Pubkey::find_program_address(&[VAULT_SEED], &ID)
    }

    /// Ask: the program creates `request` (funded from its vault) and invokes the auction's
    /// `Request` with its vault as the requester.
    pub fn ask(
        request: &Pubkey,
        lamports: u64,
        params: ambient_interface::instruction::RequestParams,
    ) -> Instruction {
        let (vault, bump) = vault();
        let mut data = vec![0, bump];
        data.extend_from_slice(&lamports.to_le_bytes());
        data.extend_from_slice(&AuctionInstruction::Request(params).encode());
        Instruction::new_with_bytes(
            ID,
            &data,
            vec![
                AccountMeta::new(vault, false),
                AccountMeta::new(*request, true),
                AccountMeta::new_readonly(solana_sdk_ids::system_program::id(), false),
                AccountMeta::new_readonly(ambient_interface::ID, false),
                AccountMeta::new_readonly(ambient_interface::ALLOWED_MODELS, false),
            ],
        )
    }

    /// Read: copies the verified output hash and PoL root of `request` into `result` (an account
    /// of this program, 64 bytes); fails unless the committee found the work valid.
    pub fn read(request: &Pubkey, result: &Pubkey) -> Instruction {
        Instruction::new_with_bytes(
            ID,
            &[1],
            vec![
                AccountMeta::new_readonly(*request, false),
                AccountMeta::new(*result, false),
            ],
        )
    }

    fn process(ic: &mut InvokeContext) -> Result<(), InstructionError> {
        let ix = ic.transaction_context.get_current_instruction_context()?;
        let data = ix.get_instruction_data().to_vec();
        match data.split_first() {
            Some((0, rest)) if rest.len() > 9 => {
                let bump = rest[0];
                let lamports = u64::from_le_bytes(
                    rest[1..9]
                        .try_into()
                        .map_err(|_| InstructionError::InvalidInstructionData)?,
                );
                let AuctionInstruction::Request(params) = AuctionInstruction::decode(&rest[9..])
                    .map_err(|_| InstructionError::InvalidInstructionData)?
                else {
                    return Err(InstructionError::InvalidInstructionData);
                };
                let vault = *ix.get_key_of_instruction_account(0)?;
                let request = *ix.get_key_of_instruction_account(1)?;
                let seeds: &[&[u8]] = &[VAULT_SEED, &[bump]];
                ic.native_invoke_signed(
                    solana_system_interface::instruction::create_account(
                        &vault,
                        &request,
                        lamports,
                        REQUEST_LEN as u64,
                        &ambient_interface::ID,
                    ),
                    &[seeds],
                )?;
                ic.native_invoke_signed(request_ix(&vault, &request, params), &[seeds])
            }
            Some((1, [])) => {
                let acc = ix.try_borrow_instruction_account(0)?;
                if *acc.get_owner() != ambient_interface::ID {
                    return Err(InstructionError::InvalidAccountOwner);
                }
                let r = Request::read(acc.get_data())
                    .map_err(|_| InstructionError::InvalidAccountData)?
                    .ok_or(InstructionError::UninitializedAccount)?;
                drop(acc);
                if r.verification() != "valid" {
                    return Err(InstructionError::Custom(NOT_VERIFIED));
                }
                let mut out = ix.try_borrow_instruction_account(1)?;
                let mut bytes = r.result.output_hash.to_vec();
                bytes.extend_from_slice(&r.result.root);
                out.set_data_from_slice(&bytes)
            }
            _ => Err(InstructionError::InvalidInstructionData),
        }
    }
}

#[test]
fn a_program_requests_inference_by_cpi_and_reads_the_verified_result() {
    let verifiers: Vec<Keypair> = (0..4).map(|_| Keypair::new()).collect();
    let lstake = verifiers.iter().map(|v| (v.pubkey(), 100)).collect();
    let mut c = chain_with_lstake(lstake);
    consumer::register(&c.bank);
    fund_and_bond(&c, &verifiers, 3 * SOL);
    let (vault, _) = consumer::vault();
    let ix = solana_system_interface::instruction::transfer(&c.faucet.pubkey(), &vault, 10 * SOL);
    c.send(&c.faucet, &[], &[ix]).unwrap();
    // The program's result account.
    let result_acc = Keypair::new();
    let ix = solana_system_interface::instruction::create_account(
        &c.faucet.pubkey(),
        &result_acc.pubkey(),
        c.rent(64),
        64,
        &consumer::ID,
    );
    c.send(&c.faucet, &[&result_acc], &[ix]).unwrap();

    // The program asks: the request is its, escrowed from its vault.
    let req = Keypair::new();
    let vault_before = c.bank.get_balance(&vault);
    c.send(
        &c.faucet,
        &[&req],
        &[consumer::ask(
            &req.pubkey(),
            c.rent(REQUEST_LEN) + SOL,
            params(SOL),
        )],
    )
    .unwrap();
    let req = req.pubkey();
    let r = read(&c, &req);
    assert_eq!((r.state, r.requester), (RequestState::Open, vault));
    assert_eq!(r.max_price, SOL);
    assert_eq!(
        vault_before - c.bank.get_balance(&vault),
        c.rent(REQUEST_LEN) + SOL
    );

    // Not verified yet: the program refuses to read a result.
    let not_yet = c
        .send(
            &c.faucet,
            &[],
            &[consumer::read(&req, &result_acc.pubkey())],
        )
        .unwrap_err();
    assert_eq!(code_of(not_yet), Some(consumer::NOT_VERIFIED));

    // Miners bid, the cheaper wins, delivers; the committee verifies; the job is paid.
    let (faucet, winner) = (c.faucet.insecure_clone(), c.funded(3 * SOL));
    let (win, _) = bid_and_settle(&mut c, &req, winner, &faucet);
    let delivered = result(10);
    deliver(&c, &req, &win, delivered).unwrap();
    past_seed_slots(&mut c);
    c.send(&c.faucet, &[], &[draw_ix(&c, &req)]).unwrap();
    let members = committee_of(&c, &req);
    for m in &members {
        let v = verifiers.iter().find(|v| v.pubkey() == *m).unwrap();
        c.send(
            &c.faucet,
            &[v],
            &[verdict(m, &req, true, evidence(&c, &req, true))],
        )
        .unwrap();
    }
    past_appeal_window(&mut c, &req);
    c.send(
        &c.faucet,
        &[],
        &[finalize_request(
            &req,
            &read(&c, &req),
            &win.key.pubkey(),
            None,
        )],
    )
    .unwrap();
    assert_eq!(read(&c, &req).state, RequestState::Paid);

    // The program reads the verified result into its own account.
    c.send(
        &c.faucet,
        &[],
        &[consumer::read(&req, &result_acc.pubkey())],
    )
    .unwrap();
    let acc = c.bank.get_account(&result_acc.pubkey()).unwrap();
    let data = solana_account::ReadableAccount::data(&acc);
    assert_eq!(&data[..32], &delivered.output_hash);
    assert_eq!(&data[32..], &delivered.root);
    // The refund (escrow less the price paid at the second price) went back to the vault.
    let paid = read(&c, &req).price;
    assert_eq!(paid, SOL / 2);
    assert!(c.bank.get_balance(&vault) > vault_before - c.rent(REQUEST_LEN) - SOL);
}
