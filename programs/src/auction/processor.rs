//! The auction's processor, run by the bank as a builtin program. Every step checks signer, owner,
//! size, state and slot window, and fails with a specific [`AuctionError`].

use solana_instruction::error::InstructionError;
use solana_program_runtime::declare_process_instruction;
use solana_program_runtime::invoke_context::InvokeContext;
use solana_pubkey::Pubkey;
use solana_transaction_context::instruction::InstructionContext;
use solana_transaction_context::instruction_accounts::BorrowedInstructionAccount;

use super::draw::{audit_of, next_draw, seed_of};
use super::error::AuctionError;
use super::instruction::{AuctionInstruction, Evidence, RequestParams};
use super::state::{
    Appeal, Audit, Bid, Committee, Ending, Escalation, JobResult, Request, RequestState,
    APPEAL_LEN, BID_LEN, NO_PRICE, REQUEST_LEN,
};
use super::{bid_commitment, ID};
pub use super::{
    verify_slots, APPEAL_COMMITTEE_SIZE, AUDIT_ALL_PPM, COMMITTEE_SIZE, DRAW_SLOTS,
    ESCALATED_COMMITTEE_SIZE, MAX_COMMITTEES, MAX_PROMPT_TOKENS, MIN_BID_BOND,
    MISSED_VOTE_SLASH_BPS, SEED_SLOTS, VERIFIER_FEE_BPS, VERIFY_SLOTS, WRONG_VOTE_SLASH_BPS,
};
use crate::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use crate::registry::models::ALLOWED_MODELS;
use crate::registry::reward_pool::REWARD_POOL;
use crate::registry::state::Record;
use crate::registry::verifier_record;
use crate::registry::work_book::{Credit, WorkBook, WORK_BOOK};
use ambient_pol::lstake::{inference_units, validation_units};
use ambient_pol::rules::{audited_credit, slash, Offense, SlashParams, BPS};

/// Compute units charged per auction instruction.
pub const COMPUTE_UNITS: u64 = 1_500;

declare_process_instruction!(Entrypoint, COMPUTE_UNITS, |invoke_context| {
    let slashes = process(invoke_context)?;
    slash_bonds(invoke_context, &slashes)
});

/// A verifier's bond to burn: its record and the share, in basis points.
type Slash = (Pubkey, u16);

/// Burns each of `slashes` by a CPI into the registry's `Slash`, signed by the auction's
/// slasher address (the registry refuses any other signer).
fn slash_bonds(
    invoke_context: &mut InvokeContext,
    slashes: &[Slash],
) -> Result<(), InstructionError> {
    if slashes.is_empty() {
        return Ok(());
    }
    let (slasher, bump) = super::slasher();
    for (record, bps) in slashes {
        let ix = crate::registry::instruction::slash(&slasher, record, *bps);
        invoke_context.native_invoke_signed(ix, &[&[super::SLASHER_SEED, &[bump]]])?;
    }
    Ok(())
}

/// The key of instruction account `i`, which must have signed.
fn signer(ix: &InstructionContext, i: u16) -> Result<Pubkey, InstructionError> {
    if !ix.is_instruction_account_signer(i)? {
        return Err(AuctionError::MissingSignature.into());
    }
    Ok(*ix.get_key_of_instruction_account(i)?)
}

/// Instruction account `i`, which must be owned by this program, of `len` bytes, and (if
/// `writable`) writable.
fn owned<'a>(
    ix: &'a InstructionContext,
    i: u16,
    len: usize,
    writable: bool,
) -> Result<BorrowedInstructionAccount<'a, 'a>, InstructionError> {
    let a = ix.try_borrow_instruction_account(i)?;
    if *a.get_owner() != ID {
        return Err(AuctionError::WrongOwner.into());
    }
    if a.get_data().len() != len {
        return Err(AuctionError::WrongSize.into());
    }
    if writable && !a.is_writable() {
        return Err(AuctionError::NotWritable.into());
    }
    Ok(a)
}

fn read_request(a: &BorrowedInstructionAccount<'_, '_>) -> Result<Request, InstructionError> {
    Ok(Request::read(a.get_data())?.ok_or(AuctionError::NotInitialized)?)
}

/// The request at instruction account `i` (owned, writable), which must be in `state`.
fn request_in<'a>(
    ix: &'a InstructionContext,
    i: u16,
    state: RequestState,
) -> Result<(BorrowedInstructionAccount<'a, 'a>, Request), InstructionError> {
    let acc = owned(ix, i, REQUEST_LEN, true)?;
    let req = read_request(&acc)?;
    if req.state != state {
        return Err(AuctionError::WrongState.into());
    }
    Ok((acc, req))
}

fn read_bid(a: &BorrowedInstructionAccount<'_, '_>) -> Result<Bid, InstructionError> {
    Ok(Bid::read(a.get_data())?.ok_or(AuctionError::NotInitialized)?)
}

/// Moves every lamport of `from` to instruction account `to` and clears `from`'s data.
fn close(
    ix: &InstructionContext,
    mut from: BorrowedInstructionAccount<'_, '_>,
    to: u16,
) -> Result<(), InstructionError> {
    let lamports = from.get_lamports();
    from.get_data_mut()?.fill(0);
    from.set_lamports(0)?;
    drop(from);
    let mut dest = ix.try_borrow_instruction_account(to)?;
    if !dest.is_writable() {
        return Err(AuctionError::NotWritable.into());
    }
    dest.checked_add_lamports(lamports)
}

fn new_request(requester: Pubkey, p: &RequestParams, slot: u64) -> Result<Request, AuctionError> {
    if p.max_tokens == 0
        || !p.sampling.is_valid()
        || p.max_price == 0
        || p.bid_slots == 0
        || p.reveal_slots == 0
        || p.deadline_slots == 0
        || p.prompt_tokens == 0
        || p.prompt_tokens > MAX_PROMPT_TOKENS
    {
        return Err(AuctionError::BadParameters);
    }
    let bid_end = slot
        .checked_add(p.bid_slots)
        .ok_or(AuctionError::BadParameters)?;
    let reveal_end = bid_end
        .checked_add(p.reveal_slots)
        .ok_or(AuctionError::BadParameters)?;
    let deadline = reveal_end
        .checked_add(p.deadline_slots)
        .ok_or(AuctionError::BadParameters)?;
    Ok(Request {
        state: RequestState::Open,
        requester,
        model_id: p.model_id,
        prompt_hash: p.prompt_hash,
        max_tokens: p.max_tokens,
        sampling: p.sampling,
        max_price: p.max_price,
        created_slot: slot,
        bid_end,
        reveal_end,
        deadline,
        bids: 0,
        revealed: 0,
        best_bid: Pubkey::default(),
        best_price: NO_PRICE,
        second_price: NO_PRICE,
        winner: Pubkey::default(),
        price: 0,
        result: JobResult::default(),
        committee: Committee::default(),
        best_miner: Pubkey::default(),
        winner_miner: Pubkey::default(),
        audit_ppm: AUDIT_ALL_PPM,
        audit: Audit::Undecided,
        prompt_tokens: p.prompt_tokens,
        appeal: Pubkey::default(),
        appealed: None,
    })
}

/// How a job ends.
struct Outcome {
    /// Paid to the miner out of the escrow (the rest goes back to the requester).
    price: u64,
    /// Out of `price`, moved into the reward pool for the committee.
    verifier_fee: u64,
    /// Why the bond is slashed, if it is.
    offense: Option<Offense>,
    /// The request's final state.
    state: RequestState,
}

impl Outcome {
    /// A valid majority: the miner is paid `price`, `verifier_fee` of it to the committee.
    fn paid(price: u64, verifier_fee: u64) -> Self {
        Outcome {
            price,
            verifier_fee,
            offense: None,
            state: RequestState::Paid,
        }
    }

    /// A fraud majority: nothing paid, the bond slashed for fraud.
    fn fraud() -> Self {
        Outcome {
            price: 0,
            verifier_fee: 0,
            offense: Some(Offense::Fraud),
            state: RequestState::Slashed,
        }
    }

    /// A missed deadline: nothing paid, the bond slashed for the timeout.
    fn timed_out() -> Self {
        Outcome {
            offense: Some(Offense::Timeout),
            state: RequestState::TimedOut,
            ..Outcome::void()
        }
    }

    /// A decline the committee upheld: the job is void, the requester refunded all but the
    /// committee's `fee`, the bond returned.
    fn unservable(fee: u64) -> Self {
        Outcome {
            price: fee,
            verifier_fee: fee,
            offense: None,
            state: RequestState::Voided,
        }
    }

    /// No verdict could be reached: the escrow back to the requester, the bond to the miner.
    fn void() -> Self {
        Outcome {
            price: 0,
            verifier_fee: 0,
            offense: None,
            state: RequestState::Voided,
        }
    }
}

/// The LStake table at instruction account `i`.
fn lstake_table(ix: &InstructionContext, i: u16) -> Result<LStakeTable, InstructionError> {
    let a = ix.try_borrow_instruction_account(i)?;
    if *a.get_key() != LSTAKE_TABLE || *a.get_owner() != crate::registry::ID {
        return Err(AuctionError::WrongLStakeTable.into());
    }
    Ok(LStakeTable::decode(a.get_data()).map_err(|_| AuctionError::WrongLStakeTable)?)
}

/// The bonded verifiers among `order` (a draw's candidates, [`draw_order`]), in order, until
/// `need` are found: instruction accounts `first..` must be the candidates' verifier records in
/// the same order, as far as the walk goes, so whoever sends the draw cannot leave a bonded
/// candidate out. A candidate without a usable record (none, unbonding, under the minimum) is
/// passed over.
fn bonded_in_order(
    ix: &InstructionContext,
    first: u16,
    order: &[Pubkey],
    need: usize,
) -> Result<Vec<Pubkey>, InstructionError> {
    let mut found = Vec::with_capacity(need);
    for (j, candidate) in order.iter().enumerate() {
        if found.len() == need {
            break;
        }
        let i = first + j as u16;
        if i >= ix.get_number_of_instruction_accounts() {
            return Err(AuctionError::MissingRecords.into());
        }
        let a = ix.try_borrow_instruction_account(i)?;
        if *a.get_key() != verifier_record(candidate) {
            return Err(AuctionError::MissingRecords.into());
        }
        if record_in(&a).is_some_and(|r| r.may_vote(candidate)) {
            found.push(*candidate);
        }
    }
    Ok(found)
}

/// The next committee of `req`, drawn at `slot`: `members` (bonded verifiers in draw order),
/// with a vote window. `NoVerifiers` when there is none.
fn draw(req: &Request, members: &[Pubkey], slot: u64) -> Result<Committee, AuctionError> {
    if members.is_empty() {
        return Err(AuctionError::NoVerifiers);
    }
    let round = req.committee.round.saturating_add(1);
    Ok(fresh(req, members, slot, round, Escalation::None))
}

/// `req`'s appeal committee, drawn at `slot`: `members` (bonded verifiers none of whom sat on
/// the appealed committee), perhaps none (the appealed verdict then stands), with a vote window.
/// Its majority is final.
fn appeal_committee(req: &Request, members: &[Pubkey], slot: u64) -> Committee {
    fresh(req, members, slot, req.committee.round, Escalation::Appeal)
}

/// A committee of `members` drawn at `slot` for `req`, without votes.
fn fresh(
    req: &Request,
    members: &[Pubkey],
    slot: u64,
    round: u8,
    escalation: Escalation,
) -> Committee {
    let mut c = Committee {
        len: members.len() as u8,
        deadline: slot + verify_slots(req.result.token_count),
        round,
        redraw_slot: req.committee.redraw_slot,
        escalation,
        ..Committee::default()
    };
    c.members[..members.len()].copy_from_slice(members);
    c
}

/// `req`'s committee after a split verdict, at `slot`: its members and their votes, and `more`
/// (bonded verifiers drawn like [`draw`]'s, up to [`ESCALATED_COMMITTEE_SIZE`] in all), with a
/// new vote window. Its majority is final.
fn grow(req: &Request, more: &[Pubkey], slot: u64) -> Committee {
    let mut c = req.committee;
    let len = usize::from(c.len);
    c.round = c.round.saturating_add(1);
    c.members[len..len + more.len()].copy_from_slice(more);
    c.len += more.len() as u8;
    c.escalation = Escalation::Done;
    c.deadline = slot + verify_slots(req.result.token_count);
    c
}

/// Checks that `evidence` supports a `valid` (or fraud) vote on `req`'s result, as far as the
/// chain can: a recomputed root must be the committed one; a divergence's miner leaf must be
/// in the committed tree at its position (its Merkle path) and differ from the member's; a
/// misreport must fall within the output; a declined job's votes rest on the prompt check.
fn check_evidence(req: &Request, valid: bool, evidence: &Evidence) -> Result<(), AuctionError> {
    let r = &req.result;
    let holds = match (req.declined(), valid, evidence) {
        (true, _, Evidence::Prompt) => true,
        (false, true, Evidence::Recomputed { root }) => *root == r.root,
        (
            false,
            false,
            Evidence::Diverges {
                position,
                miner_leaf,
                own_leaf,
                proof,
            },
        ) => {
            *position < r.token_count
                && miner_leaf != own_leaf
                && ambient_pol::merkle::verify(
                    &r.root,
                    u64::from(r.token_count),
                    u64::from(*position),
                    miner_leaf,
                    proof,
                )
        }
        (false, false, Evidence::Misreported { position }) => *position <= r.token_count,
        (false, false, Evidence::Unavailable | Evidence::PromptLength) => true,
        _ => false,
    };
    if holds {
        Ok(())
    } else {
        Err(AuctionError::EvidenceMismatch)
    }
}

/// Checks instruction account `i` is `voter`'s verifier record and lets it vote
/// ([`Record::may_vote`]): a vote is something its bond answers for.
fn bonded(ix: &InstructionContext, i: u16, voter: &Pubkey) -> Result<(), InstructionError> {
    let a = ix.try_borrow_instruction_account(i)?;
    match record_in(&a) {
        Some(r) if *a.get_key() == verifier_record(voter) && r.may_vote(voter) => Ok(()),
        _ => Err(AuctionError::NotBonded.into()),
    }
}

/// The registry record `a` holds, if it is one.
fn record_in(a: &BorrowedInstructionAccount<'_, '_>) -> Option<Record> {
    (*a.get_owner() == crate::registry::ID)
        .then(|| Record::read(a.get_data()).ok().flatten())
        .flatten()
}

/// Whose bonds `Finalize` burns for `ending` of `req`: members the final verdict contradicts
/// ([`WRONG_VOTE_SLASH_BPS`]), and members silent at a committee's end
/// ([`MISSED_VOTE_SLASH_BPS`]), in the committee that voted and, after an appeal, in the
/// appealed one; no one while a committee escalates or when there is no committee to judge. An
/// appeal committee without a majority contradicts no one (the appealed verdict stands without
/// it). Accounts 7 (the registry), 8 (the slasher) and 9 on (the voting members' records, in
/// order; after an appeal the appealed members' records follow the appeal account and the
/// appellant) are checked; a member that never registered has no bond to burn.
fn slashes(
    ix: &InstructionContext,
    req: &Request,
    ending: Ending,
    appeal: Option<&(Appeal, u16)>,
) -> Result<Vec<Slash>, InstructionError> {
    let verdict = match ending {
        Ending::Escalate | Ending::Unaudited => return Ok(vec![]),
        Ending::Valid => Some(true),
        Ending::Fraud => Some(false),
        Ending::Redraw | Ending::Void => None,
    };
    if req.state != RequestState::Verifying && appeal.is_none() {
        return Ok(vec![]);
    }
    if *ix.get_key_of_instruction_account(7)? != crate::registry::ID
        || *ix.get_key_of_instruction_account(8)? != super::slasher().0
    {
        return Err(AuctionError::WrongRegistry.into());
    }
    let c = &req.committee;
    let undecided_appeal = c.escalation == Escalation::Appeal && c.majority().is_none();
    let own = if undecided_appeal { None } else { verdict };
    let mut out = vec![];
    fines(ix, 9, req.judging_members(), c, own, &mut out)?;
    if let Some((a, at)) = appeal {
        fines(ix, at + 2, a.members(), &a.committee, verdict, &mut out)?;
    }
    Ok(out)
}

/// Adds to `out` the fines of `members` (of committee `c`, their records from instruction account
/// `first` on, in order): half the bond of each one `verdict` contradicts, a tenth of each silent
/// one's.
fn fines(
    ix: &InstructionContext,
    first: u16,
    members: &[Pubkey],
    c: &Committee,
    verdict: Option<bool>,
    out: &mut Vec<Slash>,
) -> Result<(), InstructionError> {
    let wrong = verdict.map_or(0, |v| c.contradicted(v));
    let voted = c.valid | c.fraud;
    for (i, m) in members.iter().enumerate() {
        let bit = 1u8 << i;
        let bps = if wrong & bit != 0 {
            WRONG_VOTE_SLASH_BPS
        } else if voted & bit == 0 {
            MISSED_VOTE_SLASH_BPS
        } else {
            continue;
        };
        let a = ix.try_borrow_instruction_account(first + i as u16)?;
        if *a.get_key() != verifier_record(m) {
            return Err(AuctionError::WrongRecord.into());
        }
        let record = record_in(&a);
        // A wrong vote was cast with a bond; silence is fined only where the record could
        // have voted (a member unbonding, or under the minimum, has its place taken instead).
        let fined = match record {
            Some(r) if wrong & bit != 0 => r.bond > 0,
            Some(r) => r.may_vote(m),
            None => false,
        };
        if fined {
            out.push((*a.get_key(), bps));
        }
    }
    Ok(())
}

/// The appeal of `req` and where its account sits among `Finalize`'s accounts (after the voting
/// members' records; the appellant follows it): `None` without an appeal.
fn appeal_of(
    ix: &InstructionContext,
    req: &Request,
) -> Result<Option<(Appeal, u16)>, InstructionError> {
    if req.appealed.is_none() {
        return Ok(None);
    }
    let at = 9 + req.judging_members().len() as u16;
    let a = owned(ix, at, APPEAL_LEN, true)?;
    if *a.get_key() != req.appeal {
        return Err(AuctionError::WrongAppeal.into());
    }
    let appeal = Appeal::read(a.get_data())?.ok_or(AuctionError::NotInitialized)?;
    if *ix.get_key_of_instruction_account(at + 1)? != appeal.appellant {
        return Err(AuctionError::WrongAppeal.into());
    }
    Ok(Some((appeal, at)))
}

/// Closes the appeal account at `at`: its bond is burned (account 4) when the appeal committee's
/// majority upheld the appealed verdict, and goes back to the appellant (account `at + 1`)
/// otherwise, with the rent.
fn close_appeal(
    ix: &InstructionContext,
    req: &Request,
    (appeal, at): &(Appeal, u16),
) -> Result<(), InstructionError> {
    let c = &req.committee;
    let upheld = c.escalation == Escalation::Appeal && c.majority() == Some(appeal.appealed);
    let mut a = ix.try_borrow_instruction_account(*at)?;
    let lamports = a.get_lamports();
    let burned = if upheld { appeal.bond.min(lamports) } else { 0 };
    a.get_data_mut()?.fill(0);
    a.set_lamports(0)?;
    drop(a);
    let incinerator = solana_sdk_ids::incinerator::id();
    pay(ix, 4, &incinerator, burned, AuctionError::WrongBurnAccount)?;
    pay(
        ix,
        at + 1,
        &appeal.appellant,
        lamports - burned,
        AuctionError::WrongAppeal,
    )
}

/// The members of `req`'s voting committee and, after an appeal, of the appealed one, that voted
/// `verdict`.
fn voted_for(req: &Request, appeal: Option<&(Appeal, u16)>, verdict: bool) -> Vec<Pubkey> {
    let pick = |members: &[Pubkey], c: &Committee| -> Vec<Pubkey> {
        let bits = c.voted_for(verdict);
        let with = |(i, _): &(usize, &Pubkey)| bits & (1 << i) != 0;
        members
            .iter()
            .enumerate()
            .filter(with)
            .map(|(_, m)| *m)
            .collect()
    };
    let mut out = pick(req.judging_members(), &req.committee);
    if let Some((a, _)) = appeal {
        out.extend(pick(a.members(), &a.committee));
    }
    out
}

/// Closes a job: the request's escrow pays `price` to the miner and the rest to the requester; the
/// winner's bond is slashed for `offense` (if any: part to the requester, part burned) and the rest
/// of the bid account goes to the miner. Accounts: 0 request, 1 winning bid, 2 requester, 3 miner,
/// 4 incinerator.
fn close_job(
    ix: &InstructionContext,
    rent_request: u64,
    mut racc: BorrowedInstructionAccount<'_, '_>,
    mut req: Request,
    outcome: Outcome,
) -> Result<(), InstructionError> {
    let Outcome {
        price,
        verifier_fee,
        offense,
        state,
    } = outcome;
    let mut bacc = owned(ix, 1, BID_LEN, true)?;
    if *bacc.get_key() != req.winner {
        return Err(AuctionError::NotWinner.into());
    }
    let bid = read_bid(&bacc)?;
    if *ix.get_key_of_instruction_account(4)? != solana_sdk_ids::incinerator::id() {
        return Err(AuctionError::WrongBurnAccount.into());
    }
    let escrow = racc.get_lamports().saturating_sub(rent_request);
    let price = price.min(escrow);
    racc.checked_sub_lamports(escrow)?;
    req.state = state;
    req.remove_bid()?;
    req.write(racc.get_data_mut()?)?;
    drop(racc);
    let s = match offense {
        Some(o) => slash(bid.bond, o, &SlashParams::default())
            .map_err(|_| InstructionError::InvalidArgument)?,
        None => ambient_pol::rules::Slash {
            to_requester: 0,
            burned: 0,
            returned: bid.bond,
        },
    };
    let bid_lamports = bacc.get_lamports();
    bacc.get_data_mut()?.fill(0);
    bacc.set_lamports(0)?;
    drop(bacc);
    // The verifiers' fee comes out of the miner's price (never more than the price).
    let verifier_fee = verifier_fee.min(price);
    let to_miner = price - verifier_fee + (bid_lamports - s.to_requester - s.burned);
    pay(
        ix,
        2,
        &req.requester,
        escrow - price + s.to_requester,
        AuctionError::WrongRequester,
    )?;
    pay(ix, 3, &bid.miner, to_miner, AuctionError::WrongMiner)?;
    pay(
        ix,
        4,
        &solana_sdk_ids::incinerator::id(),
        s.burned,
        AuctionError::WrongBurnAccount,
    )?;
    if verifier_fee > 0 {
        pay(
            ix,
            6,
            &REWARD_POOL,
            verifier_fee,
            AuctionError::WrongRewardPool,
        )?;
    }
    Ok(())
}

/// What a verdict does to the miner's work in the work book.
enum MinerWork {
    /// Valid work: these inference units credited ([`inference_units`]).
    Credit(u64),
    /// Fraud: its work zeroed.
    Zero,
    /// A declined job: nothing was served, nothing changes.
    Keep,
}

/// Credit for a job a verdict decided, in the work book (instruction account 5): the miner's work
/// as `miner_work` says, and for each of `voters` (the members that voted with the outcome,
/// [`voted_for`]) `check` units of validation work ([`validation_units`]) and an equal share of `verifier_fee` (the
/// first members take the remainder). Only a verdict credits: a job without one (voided) credits
/// no one. Returns the fee actually credited, which the caller moves into the reward pool. A
/// full book credits nothing new rather than blocking payment.
fn credit_work(
    ix: &InstructionContext,
    epoch: u64,
    voters: &[Pubkey],
    (miner, miner_work): (Pubkey, MinerWork),
    check: u64,
    verifier_fee: u64,
) -> Result<u64, InstructionError> {
    let mut acc = ix.try_borrow_instruction_account(5)?;
    if *acc.get_key() != WORK_BOOK || *acc.get_owner() != crate::auction::ID {
        return Err(AuctionError::WrongWorkBook.into());
    }
    if !acc.is_writable() {
        return Err(AuctionError::NotWritable.into());
    }
    let mut book = WorkBook::decode(acc.get_data()).map_err(|_| AuctionError::WrongWorkBook)?;
    match miner_work {
        MinerWork::Zero => {
            let _ = book.zero(epoch, miner);
        }
        MinerWork::Credit(inference) => {
            let credit = Credit {
                inference,
                ..Credit::default()
            };
            let _ = book.credit(epoch, miner, credit);
        }
        MinerWork::Keep => {}
    }
    let n = voters.len().max(1) as u64;
    let mut credited = 0u64;
    for (k, m) in voters.iter().enumerate() {
        let fee = verifier_fee / n + u64::from((k as u64) < verifier_fee % n);
        let credit = Credit {
            inference: 0,
            validation: check,
            fees: fee,
        };
        if book.credit(epoch, *m, credit) == Ok(true) {
            credited += fee;
        }
    }
    book.encode_into(acc.get_data_mut()?)
        .map_err(|_| AuctionError::WrongWorkBook)?;
    Ok(credited)
}

/// The validation work of checking `req`'s result: one prefill over its prompt and output
/// (nothing for a declined job, whose check reads the prompt only).
fn check_units(req: &Request) -> u64 {
    let r = &req.result;
    validation_units(u64::from(r.prompt_tokens), u64::from(r.token_count))
}

/// The committee's fee on a job of `price`: [`VERIFIER_FEE_BPS`] of it.
fn verifier_fee(price: u64) -> u64 {
    (u128::from(price) * u128::from(VERIFIER_FEE_BPS) / u128::from(BPS)) as u64
}

/// Checks instruction account `i` is the reward pool, writable.
fn reward_pool(ix: &InstructionContext, i: u16) -> Result<(), InstructionError> {
    let a = ix.try_borrow_instruction_account(i)?;
    if *a.get_key() != REWARD_POOL || *a.get_owner() != crate::registry::ID {
        return Err(AuctionError::WrongRewardPool.into());
    }
    if !a.is_writable() {
        return Err(AuctionError::NotWritable.into());
    }
    Ok(())
}

/// Adds `lamports` to instruction account `i`, whose key must be `expected`.
fn pay(
    ix: &InstructionContext,
    i: u16,
    expected: &Pubkey,
    lamports: u64,
    wrong: AuctionError,
) -> Result<(), InstructionError> {
    let mut a = ix.try_borrow_instruction_account(i)?;
    if a.get_key() != expected {
        return Err(wrong.into());
    }
    if !a.is_writable() {
        return Err(AuctionError::NotWritable.into());
    }
    a.checked_add_lamports(lamports)
}

/// For `SubmitResult` and `Decline` (accounts: 0 miner, signer; 1 request; 2 winning bid): the
/// awarded request, its winner signing, before the deadline.
fn winner_before_deadline<'a>(
    ix: &'a InstructionContext,
    slot: u64,
) -> Result<(BorrowedInstructionAccount<'a, 'a>, Request), InstructionError> {
    ix.check_number_of_instruction_accounts(3)?;
    let miner = signer(ix, 0)?;
    let (racc, req) = request_in(ix, 1, RequestState::Awarded)?;
    let bacc = owned(ix, 2, BID_LEN, false)?;
    if *bacc.get_key() != req.winner {
        return Err(AuctionError::NotWinner.into());
    }
    if read_bid(&bacc)?.miner != miner {
        return Err(AuctionError::WrongMiner.into());
    }
    if slot >= req.deadline {
        return Err(AuctionError::DeadlinePassed.into());
    }
    Ok((racc, req))
}

/// What every step reads from the bank: the slot, its epoch, rent, and the sysvars.
struct Env<'a> {
    slot: u64,
    epoch: u64,
    rent: std::sync::Arc<solana_rent::Rent>,
    sysvars: &'a solana_program_runtime::sysvar_cache::SysvarCache,
}

/// Runs the instruction; returns the verifier bonds it burns (by CPI, once its accounts are
/// released).
fn process(invoke_context: &mut InvokeContext) -> Result<Vec<Slash>, InstructionError> {
    let sysvars = invoke_context.environment_config.sysvar_cache();
    let clock = sysvars.get_clock()?;
    let env = Env {
        slot: clock.slot,
        epoch: clock.epoch,
        rent: sysvars.get_rent()?,
        sysvars,
    };
    let ix = invoke_context
        .transaction_context
        .get_current_instruction_context()?;
    match AuctionInstruction::decode(ix.get_instruction_data())? {
        AuctionInstruction::Request(p) => open_request(&ix, &env, p)?,
        AuctionInstruction::Cancel => cancel(&ix)?,
        AuctionInstruction::Bid { commitment } => place_bid(&ix, &env, commitment)?,
        AuctionInstruction::Reveal { price, salt } => reveal_bid(&ix, &env, price, salt)?,
        AuctionInstruction::Settle => settle(&ix, &env)?,
        AuctionInstruction::WithdrawBid => withdraw_bid(&ix)?,
        AuctionInstruction::SubmitResult(result) => submit_result(&ix, &env, result)?,
        AuctionInstruction::Decline => decline(&ix, &env)?,
        AuctionInstruction::ClaimTimeout => claim_timeout(&ix, &env)?,
        AuctionInstruction::DrawCommittee => draw_committee(&ix, &env)?,
        AuctionInstruction::Verdict { valid, evidence } => vote(&ix, &env, valid, evidence)?,
        AuctionInstruction::Appeal => appeal(&ix, &env)?,
        AuctionInstruction::Finalize => return finalize(&ix, &env),
    }
    Ok(vec![])
}

/// `Request`: opens a request for an allowed model, its escrow in the account.
fn open_request(
    ix: &InstructionContext,
    env: &Env<'_>,
    p: RequestParams,
) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(3)?;
    let requester = signer(ix, 0)?;
    {
        let models = ix.try_borrow_instruction_account(2)?;
        if *models.get_key() != ALLOWED_MODELS || *models.get_owner() != crate::registry::ID {
            return Err(AuctionError::WrongModelList.into());
        }
        let allowed = crate::registry::models::decode(models.get_data())
            .map_err(|_| AuctionError::WrongModelList)?;
        if !allowed.contains(&p.model_id) {
            return Err(AuctionError::ModelNotAllowed.into());
        }
    }
    // The account itself signs: no one else can claim an escrow its creator funded.
    signer(ix, 1)?;
    let mut acc = owned(ix, 1, REQUEST_LEN, true)?;
    if Request::read(acc.get_data())?.is_some() {
        return Err(AuctionError::AlreadyInitialized.into());
    }
    let req = new_request(requester, &p, env.slot)?;
    if acc.get_lamports()
        != env
            .rent
            .minimum_balance(REQUEST_LEN)
            .saturating_add(p.max_price)
    {
        return Err(AuctionError::EscrowMismatch.into());
    }
    req.write(acc.get_data_mut()?)?;
    Ok(())
}

/// `Cancel`: the requester closes a request no job is under way on and no bid is open on.
fn cancel(ix: &InstructionContext) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(3)?;
    let who = signer(ix, 0)?;
    let acc = owned(ix, 1, REQUEST_LEN, true)?;
    let req = read_request(&acc)?;
    if req.requester != who {
        return Err(AuctionError::WrongRequester.into());
    }
    // Open (no bids yet), unfilled, or finished (paid, slashed, timed out): closing returns
    // what is left (the escrow, or just the rent) to the requester's destination.
    if req.state.job_under_way() {
        return Err(AuctionError::WrongState.into());
    }
    if req.bids > 0 {
        return Err(AuctionError::HasBids.into());
    }
    close(ix, acc, 2)?;
    Ok(())
}

/// `Bid`: a sealed bid with the bond the miner's audit rate asks.
fn place_bid(
    ix: &InstructionContext,
    env: &Env<'_>,
    commitment: [u8; 32],
) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(4)?;
    let miner = signer(ix, 0)?;
    let (mut racc, mut req) = request_in(ix, 1, RequestState::Open)?;
    if env.slot >= req.bid_end {
        return Err(AuctionError::BiddingClosed.into());
    }
    // The account itself signs: no one else can claim a bond its miner funded.
    signer(ix, 2)?;
    let mut bacc = owned(ix, 2, BID_LEN, true)?;
    if Bid::read(bacc.get_data())?.is_some() {
        return Err(AuctionError::AlreadyInitialized.into());
    }
    let audit_ppm = lstake_table(ix, 3)?.audit_rate_of(&miner);
    let bond = bacc
        .get_lamports()
        .checked_sub(env.rent.minimum_balance(BID_LEN))
        .filter(|&b| b >= req.min_bond(audit_ppm))
        .ok_or(AuctionError::BondTooSmall)?;
    let bid = Bid {
        revealed: false,
        request: *racc.get_key(),
        miner,
        commitment,
        price: 0,
        bond,
        audit_ppm,
    };
    bid.write(bacc.get_data_mut()?)?;
    req.bids = req
        .bids
        .checked_add(1)
        .ok_or(InstructionError::ArithmeticOverflow)?;
    req.write(racc.get_data_mut()?)?;
    Ok(())
}

/// `Reveal`: opens a sealed bid; the lowest and second-lowest prices are kept.
fn reveal_bid(
    ix: &InstructionContext,
    env: &Env<'_>,
    price: u64,
    salt: [u8; 32],
) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(3)?;
    let miner = signer(ix, 0)?;
    let (mut racc, mut req) = request_in(ix, 1, RequestState::Open)?;
    if env.slot < req.bid_end || env.slot >= req.reveal_end {
        return Err(AuctionError::NotRevealPhase.into());
    }
    let mut bacc = owned(ix, 2, BID_LEN, true)?;
    let mut bid = read_bid(&bacc)?;
    let request_key = *racc.get_key();
    if bid.request != request_key {
        return Err(AuctionError::WrongRequest.into());
    }
    if bid.miner != miner {
        return Err(AuctionError::WrongMiner.into());
    }
    if bid.revealed {
        return Err(AuctionError::AlreadyRevealed.into());
    }
    if bid_commitment(&request_key, &miner, price, &salt) != bid.commitment {
        return Err(AuctionError::RevealMismatch.into());
    }
    if price > req.max_price {
        return Err(AuctionError::PriceAboveMax.into());
    }
    bid.revealed = true;
    bid.price = price;
    bid.write(bacc.get_data_mut()?)?;
    req.revealed += 1;
    // Lowest price wins; on a tie the earlier reveal keeps the lead.
    if price < req.best_price {
        req.second_price = req.best_price;
        req.best_price = price;
        req.best_bid = *bacc.get_key();
        req.best_miner = miner;
        req.audit_ppm = bid.audit_ppm;
    } else if price < req.second_price {
        req.second_price = price;
    }
    req.write(racc.get_data_mut()?)?;
    Ok(())
}

/// `Settle`: after the reveal window, the lowest bid wins at the second price (or none).
fn settle(ix: &InstructionContext, env: &Env<'_>) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(1)?;
    let (mut racc, mut req) = request_in(ix, 0, RequestState::Open)?;
    if env.slot < req.reveal_end {
        return Err(AuctionError::TooEarly.into());
    }
    if req.best_price == NO_PRICE {
        req.state = RequestState::Unfilled;
    } else {
        req.state = RequestState::Awarded;
        req.winner = req.best_bid;
        req.winner_miner = req.best_miner;
        // Second price, capped by the maximum (a single bid is paid the maximum).
        req.price = req.second_price.min(req.max_price);
    }
    req.write(racc.get_data_mut()?)?;
    Ok(())
}

/// `WithdrawBid`: a losing (or unrevealed) bid's bond and rent go back.
fn withdraw_bid(ix: &InstructionContext) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(5)?;
    let who = signer(ix, 0)?;
    let mut racc = owned(ix, 1, REQUEST_LEN, true)?;
    let mut req = read_request(&racc)?;
    let bacc = owned(ix, 2, BID_LEN, true)?;
    let bid = read_bid(&bacc)?;
    if bid.request != *racc.get_key() {
        return Err(AuctionError::WrongRequest.into());
    }
    // The miner withdraws to any destination. Anyone else may close a bid its miner left
    // behind (a finished request closes only once no bid is open), and what the bid
    // returns goes to the miner itself.
    if bid.miner != who && *ix.get_key_of_instruction_account(3)? != bid.miner {
        return Err(AuctionError::WrongMiner.into());
    }
    if req.state == RequestState::Open {
        return Err(AuctionError::TooEarly.into());
    }
    if req.state.job_under_way() && req.winner == *bacc.get_key() {
        return Err(AuctionError::WinnerCannotWithdraw.into());
    }
    req.remove_bid()?;
    req.write(racc.get_data_mut()?)?;
    drop(racc);
    let mut bacc = bacc;
    if !bid.revealed {
        // Sealed and never revealed: the bond is forfeited to the requester.
        bacc.checked_sub_lamports(bid.bond)?;
        pay(
            ix,
            4,
            &req.requester,
            bid.bond,
            AuctionError::WrongRequester,
        )?;
    }
    close(ix, bacc, 3)?;
    Ok(())
}

/// `SubmitResult`: the winner delivers its PoL commitment before the deadline.
fn submit_result(
    ix: &InstructionContext,
    env: &Env<'_>,
    mut result: JobResult,
) -> Result<(), InstructionError> {
    let (mut racc, mut req) = winner_before_deadline(ix, env.slot)?;
    if result.token_count == 0
        || result.token_count > req.max_tokens
        || result.prompt_tokens != req.prompt_tokens
    {
        return Err(AuctionError::BadResult.into());
    }
    result.slot = env.slot;
    req.result = result;
    req.state = RequestState::Delivered;
    req.write(racc.get_data_mut()?)?;
    Ok(())
}

/// `Decline`: the winner claims the prompt cannot be served; a committee checks it.
fn decline(ix: &InstructionContext, env: &Env<'_>) -> Result<(), InstructionError> {
    let (mut racc, mut req) = winner_before_deadline(ix, env.slot)?;
    // No output: a committee checks the claim that the prompt cannot be served.
    req.result = JobResult {
        slot: env.slot,
        ..JobResult::default()
    };
    req.state = RequestState::Delivered;
    req.write(racc.get_data_mut()?)?;
    Ok(())
}

/// `ClaimTimeout`: a missed deadline refunds the requester and slashes the winner.
fn claim_timeout(ix: &InstructionContext, env: &Env<'_>) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(5)?;
    let (racc, req) = request_in(ix, 0, RequestState::Awarded)?;
    if env.slot < req.deadline {
        return Err(AuctionError::TooEarly.into());
    }
    let rent_request = env.rent.minimum_balance(REQUEST_LEN);
    close_job(ix, rent_request, racc, req, Outcome::timed_out())?;
    Ok(())
}

/// `DrawCommittee`: the audit decision and the next committee, from the seed slots' hashes.
fn draw_committee(ix: &InstructionContext, env: &Env<'_>) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(2)?;
    let (mut racc, mut req) = request_in(ix, 0, RequestState::Delivered)?;
    let table = lstake_table(ix, 1)?;
    req.draw_window(env.slot)?;
    let seed = seed_of(
        env.sysvars.get_slot_hashes()?.slot_hashes(),
        req.seed_slots(),
    )?;
    let key = *racc.get_key();
    req.audit = audit_of(&req, &key, &seed);
    req.committee = match next_draw(&table, &req, &key, &seed) {
        None => Committee::default(),
        Some((order, need)) => {
            let found = bonded_in_order(ix, 2, &order, need)?;
            match req.committee.escalation {
                Escalation::Pending => grow(&req, &found, env.slot),
                Escalation::AppealPending => appeal_committee(&req, &found, env.slot),
                _ => draw(&req, &found, env.slot)?,
            }
        }
    };
    req.state = RequestState::Verifying;
    req.write(racc.get_data_mut()?)?;
    Ok(())
}

/// `Verdict`: a bonded member's vote, resting on evidence checked against the result.
fn vote(
    ix: &InstructionContext,
    env: &Env<'_>,
    valid: bool,
    evidence: Evidence,
) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(3)?;
    let who = signer(ix, 0)?;
    bonded(ix, 2, &who)?;
    let (mut racc, mut req) = request_in(ix, 1, RequestState::Verifying)?;
    check_evidence(&req, valid, &evidence)?;
    let c = &mut req.committee;
    let i = c.members[..c.len as usize]
        .iter()
        .position(|m| *m == who)
        .ok_or(AuctionError::NotInCommittee)?;
    if env.slot >= c.deadline {
        return Err(AuctionError::DeadlinePassed.into());
    }
    let bit = 1u8 << i;
    if (c.valid | c.fraud) & bit != 0 {
        return Err(AuctionError::AlreadyVoted.into());
    }
    if valid {
        c.valid |= bit;
    } else {
        c.fraud |= bit;
    }
    c.last_vote = env.slot;
    req.write(racc.get_data_mut()?)?;
    Ok(())
}

/// `Appeal`: the party a standing verdict goes against sends it to a fresh committee.
fn appeal(ix: &InstructionContext, env: &Env<'_>) -> Result<(), InstructionError> {
    ix.check_number_of_instruction_accounts(3)?;
    let who = signer(ix, 0)?;
    let (mut racc, mut req) = request_in(ix, 1, RequestState::Verifying)?;
    let (appealed, appellant) = req.appealable(env.slot)?;
    if who != appellant {
        return Err(AuctionError::NotAppellant.into());
    }
    // The account itself signs: no one else can claim a bond its appellant funded.
    signer(ix, 2)?;
    let mut aacc = owned(ix, 2, APPEAL_LEN, true)?;
    if Appeal::read(aacc.get_data())?.is_some() {
        return Err(AuctionError::AlreadyInitialized.into());
    }
    let bond = aacc
        .get_lamports()
        .checked_sub(env.rent.minimum_balance(APPEAL_LEN))
        .filter(|&b| b >= req.appeal_bond())
        .ok_or(AuctionError::AppealBondTooSmall)?;
    let appeal = Appeal {
        request: *racc.get_key(),
        appellant,
        bond,
        appealed,
        committee: req.committee,
    };
    appeal.write(aacc.get_data_mut()?)?;
    // A fresh committee is drawn from the slots after the appeal.
    req.appeal = *aacc.get_key();
    req.appealed = Some(appealed);
    req.committee.escalation = Escalation::AppealPending;
    req.committee.redraw_slot = env.slot;
    req.state = RequestState::Delivered;
    req.write(racc.get_data_mut()?)?;
    Ok(())
}

/// `Finalize`: ends, grows, replaces or voids the job as `Request::ending` says; returns
/// the verifier bonds it burns.
fn finalize(ix: &InstructionContext, env: &Env<'_>) -> Result<Vec<Slash>, InstructionError> {
    ix.check_number_of_instruction_accounts(7)?;
    let acc = owned(ix, 0, REQUEST_LEN, true)?;
    let req = read_request(&acc)?;
    reward_pool(ix, 6)?;
    let rent_request = env.rent.minimum_balance(REQUEST_LEN);
    let ending = req.ending(env.slot)?;
    let appeal = appeal_of(ix, &req)?;
    let burn = slashes(ix, &req, ending, appeal.as_ref())?;
    if let Some(a) = &appeal {
        close_appeal(ix, &req, a)?;
    }
    match ending {
        Ending::Redraw | Ending::Escalate => {
            let mut req = req;
            let mut acc = acc;
            req.committee.redraw_slot = env.slot;
            if ending == Ending::Escalate {
                req.committee.escalation = Escalation::Pending;
            }
            req.state = RequestState::Delivered;
            req.write(acc.get_data_mut()?)?;
        }
        Ending::Void => close_job(ix, rent_request, acc, req, Outcome::void())?,
        // Not drawn for an audit: paid as delivered, no committee to pay, no credit.
        Ending::Unaudited => {
            let price = req.price;
            close_job(ix, rent_request, acc, req, Outcome::paid(price, 0))?
        }
        Ending::Fraud | Ending::Valid => {
            let valid = ending == Ending::Valid;
            let outcome = judged(ix, env.epoch, &req, appeal.as_ref(), valid)?;
            close_job(ix, rent_request, acc, req, outcome)?
        }
    }
    Ok(burn)
}

/// The work a final verdict (`valid`, or fraud) on `req` credits in `epoch`, and how the job
/// ends. A declined job served nothing: its miner's work stays as it is; a false decline (the
/// prompt was there) ends as a missed deadline, an upheld one is void with the requester paying
/// the committee's fee. Otherwise valid work is paid and credited over the audit rate, and fraud
/// zeroes the miner's work. The members that voted with the verdict are credited the check.
fn judged(
    ix: &InstructionContext,
    epoch: u64,
    req: &Request,
    appeal: Option<&(Appeal, u16)>,
    valid: bool,
) -> Result<Outcome, InstructionError> {
    let voters = voted_for(req, appeal, valid);
    let check = check_units(req);
    let miner = req.winner_miner;
    if !valid {
        let (work, outcome) = if req.declined() {
            (MinerWork::Keep, Outcome::timed_out())
        } else {
            (MinerWork::Zero, Outcome::fraud())
        };
        credit_work(ix, epoch, &voters, (miner, work), check, 0)?;
        return Ok(outcome);
    }
    let work = if req.declined() {
        MinerWork::Keep
    } else {
        let prompt = u64::from(req.result.prompt_tokens);
        let units = inference_units(prompt, u64::from(req.result.token_count));
        MinerWork::Credit(audited_credit(units, u64::from(req.audit_ppm)))
    };
    let fee = credit_work(
        ix,
        epoch,
        &voters,
        (miner, work),
        check,
        verifier_fee(req.price),
    )?;
    Ok(if req.declined() {
        Outcome::unservable(fee)
    } else {
        Outcome::paid(req.price, fee)
    })
}
