//! The auction's account layouts (little-endian, fixed size, versioned; all zeros = uninitialised).

use solana_pubkey::Pubkey;

use crate::error::AuctionError;
use crate::{
    verify_slots, AUDIT_ALL_PPM, DRAW_SLOTS, MAX_COMMITTEES, MIN_APPEAL_BOND, MIN_BID_BOND,
    SEED_SLOTS,
};

/// Size of a request account (room left for fields of later versions).
pub const REQUEST_LEN: usize = 704;
/// Where the requester's key starts in a request account (after kind, version and state): the
/// offset to filter a requester's auctions by.
pub const REQUESTER_OFFSET: usize = 3;
/// Size of a bid account.
pub const BID_LEN: usize = 128;
/// Size of an appeal account.
pub const APPEAL_LEN: usize = 256;
const KIND_REQUEST: u8 = 2;
const KIND_BID: u8 = 3;
const KIND_APPEAL: u8 = 4;
const VERSION: u8 = 1;
/// "No price": the best and second-best prices before any reveal.
pub const NO_PRICE: u64 = u64::MAX;

/// Where a request is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RequestState {
    /// Taking bids, then reveals.
    Open = 1,
    /// Settled with a winner.
    Awarded = 2,
    /// Settled without any revealed bid.
    Unfilled = 3,
    /// The winner delivered a result (PoL commitment) before the deadline.
    Delivered = 4,
    /// The winner missed the deadline: bond slashed, escrow refunded.
    TimedOut = 5,
    /// A verifier committee is drawn and voting.
    Verifying = 6,
    /// A committee majority found the work valid: the miner is paid.
    Paid = 7,
    /// The committee found fraud: bond slashed, escrow refunded.
    Slashed = 8,
    /// No verdict could be reached (no committee drawn in time, or every committee stayed
    /// silent): escrow refunded, bond returned, no one credited.
    Voided = 9,
}

impl RequestState {
    /// Every state, in code order.
    pub const ALL: [RequestState; 9] = [
        RequestState::Open,
        RequestState::Awarded,
        RequestState::Unfilled,
        RequestState::Delivered,
        RequestState::TimedOut,
        RequestState::Verifying,
        RequestState::Paid,
        RequestState::Slashed,
        RequestState::Voided,
    ];

    /// Whether the auction is over: nothing more will happen to its escrow or the winner's bond
    /// (paid, slashed, voided, timed out or unfilled); only closing the account remains.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RequestState::Paid
                | RequestState::Slashed
                | RequestState::Voided
                | RequestState::TimedOut
                | RequestState::Unfilled
        )
    }

    /// Whether the winner's job is under way (awarded, delivered or verifying): its bond backs
    /// the job until `Finalize` or `ClaimTimeout` ends it.
    pub fn job_under_way(self) -> bool {
        matches!(
            self,
            RequestState::Awarded | RequestState::Delivered | RequestState::Verifying
        )
    }
}

/// Most verifiers in a committee.
pub const MAX_COMMITTEE: usize = 5;

/// What `Finalize` does to a job ([`Request::ending`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// A valid majority: pay and credit.
    Valid,
    /// A fraud majority: slash and zero the miner's work.
    Fraud,
    /// The committee's deadline passed without a verdict: draw another.
    Redraw,
    /// A majority with dissent: more members are drawn into the committee, whose larger
    /// majority decides.
    Escalate,
    /// No verdict can be reached: refund, return the bond, credit no one.
    Void,
    /// Not drawn for an audit: pay as delivered, return the bond, credit no one.
    Unaudited,
}

/// Where a committee stands on escalation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Escalation {
    /// Not escalated.
    #[default]
    None = 0,
    /// A split verdict: more members are to be drawn (`DrawCommittee`).
    Pending = 1,
    /// Grown after a split verdict: its majority is final.
    Done = 2,
    /// The verdict is appealed: a fresh committee is to be drawn (`DrawCommittee`), none of
    /// whose members sat on this one.
    AppealPending = 3,
    /// The appeal committee: its majority is final; without one the appealed verdict stands.
    Appeal = 4,
}

/// The verifier committee of a delivered job and its votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Committee {
    /// Members drawn (the first `len` of `members`).
    pub len: u8,
    /// The members' identities.
    pub members: [Pubkey; MAX_COMMITTEE],
    /// Bit `i`: member `i` voted "valid".
    pub valid: u8,
    /// Bit `i`: member `i` voted "fraud".
    pub fraud: u8,
    /// Votes are accepted in slots before this one.
    pub deadline: u64,
    /// Committees drawn for the job so far (a silent one is replaced, a bounded number of times).
    pub round: u8,
    /// The slot at which the last committee's deadline passed without a verdict (0 before any):
    /// the next committee is seeded by its hash.
    pub redraw_slot: u64,
    /// Whether the committee grew (or is to grow) after a split verdict, or is an appeal's.
    pub escalation: Escalation,
    /// The slot of the last vote cast (0 before any): once every member has voted, the verdict
    /// stands from then.
    pub last_vote: u64,
}

impl Committee {
    /// Votes needed for a verdict: a strict majority of the members.
    pub fn quorum(&self) -> u32 {
        u32::from(self.len) / 2 + 1
    }

    /// Whether a majority voted "valid".
    pub fn valid_majority(&self) -> bool {
        self.len > 0 && self.valid.count_ones() >= self.quorum()
    }

    /// Whether a majority voted "fraud".
    pub fn fraud_majority(&self) -> bool {
        self.len > 0 && self.fraud.count_ones() >= self.quorum()
    }

    /// Whether every member has voted.
    pub fn all_voted(&self) -> bool {
        (self.valid | self.fraud).count_ones() == u32::from(self.len)
    }

    /// Whether members voted both ways.
    pub fn split(&self) -> bool {
        self.valid != 0 && self.fraud != 0
    }

    /// The majority's verdict (`Some(true)` valid, `Some(false)` fraud), if there is one.
    pub fn majority(&self) -> Option<bool> {
        if self.valid_majority() {
            Some(true)
        } else if self.fraud_majority() {
            Some(false)
        } else {
            None
        }
    }

    /// The members that voted `verdict` (a bit per member).
    pub fn voted_for(&self, verdict: bool) -> u8 {
        if verdict {
            self.valid
        } else {
            self.fraud
        }
    }

    /// The members whose votes `verdict` contradicts (a bit per member).
    pub fn contradicted(&self, verdict: bool) -> u8 {
        self.voted_for(!verdict)
    }

    /// The members that have not voted.
    pub fn silent(&self) -> impl Iterator<Item = &Pubkey> {
        let voted = self.valid | self.fraud;
        self.members[..usize::from(self.len).min(MAX_COMMITTEE)]
            .iter()
            .enumerate()
            .filter(move |(i, _)| voted & (1 << i) == 0)
            .map(|(_, m)| m)
    }
}

/// What the winner delivers: its PoL commitment and the output's hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct JobResult {
    /// Merkle root over the token hashes.
    pub root: [u8; 32],
    /// Chain hash over the token hashes.
    pub chain: [u8; 32],
    /// blake3 of the output tokens (the tokens are in the blob store).
    pub output_hash: [u8; 32],
    /// Output length.
    pub token_count: u32,
    /// Slot of delivery.
    pub slot: u64,
    /// Blob id of the miner's token hashes (its Merkle leaves, `ambient_pol::hash::leaves_blob`):
    /// where a verifier takes the miner's opening of a divergent position from.
    pub leaves_hash: [u8; 32],
    /// Prompt length (at least one token): credited as prefill work; verifiers check it against
    /// the prompt.
    pub prompt_tokens: u32,
}

/// Sampling parameters as stored on chain (the PoL receipt repeats them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    /// 0 = greedy.
    pub temperature: f32,
    /// 0 = no limit.
    pub top_k: u32,
    /// In (0, 1].
    pub top_p: f32,
    /// Seed of the sampler.
    pub seed: u64,
}

impl Sampling {
    /// Whether the parameters are in range (the same rules as the engine's sampler).
    pub fn is_valid(&self) -> bool {
        self.temperature.is_finite()
            && self.temperature >= 0.0
            && self.top_p > 0.0
            && self.top_p <= 1.0
    }
}

/// An inference request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// State.
    pub state: RequestState,
    /// Who asked (and paid the escrow).
    pub requester: Pubkey,
    /// The model.
    pub model_id: [u8; 32],
    /// blake3 of the prompt tokens (the prompt itself is in the blob store).
    pub prompt_hash: [u8; 32],
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// Sampler settings.
    pub sampling: Sampling,
    /// Most the requester pays (escrowed in the account).
    pub max_price: u64,
    /// Slot of the request.
    pub created_slot: u64,
    /// Bids are accepted in slots `< bid_end`.
    pub bid_end: u64,
    /// Reveals are accepted in slots `bid_end..reveal_end`.
    pub reveal_end: u64,
    /// The result is due before this slot.
    pub deadline: u64,
    /// Bid accounts open (placed and not yet closed).
    pub bids: u32,
    /// Bids revealed.
    pub revealed: u32,
    /// Lowest revealed bid (account) so far.
    pub best_bid: Pubkey,
    /// Its price ([`NO_PRICE`] if none).
    pub best_price: u64,
    /// Second-lowest revealed price ([`NO_PRICE`] if none).
    pub second_price: u64,
    /// The winning bid account (after settlement).
    pub winner: Pubkey,
    /// What the winner is paid.
    pub price: u64,
    /// The delivered result (all zero before delivery).
    pub result: JobResult,
    /// The verifier committee (empty before it is drawn).
    pub committee: Committee,
    /// The miner of the lowest revealed bid so far.
    pub best_miner: Pubkey,
    /// The winning miner (after settlement).
    pub winner_miner: Pubkey,
    /// The audit rate (ppm) of the lowest revealed bid so far; after settlement, the winner's:
    /// the chance that the job gets a committee.
    pub audit_ppm: u32,
    /// Whether the delivered job is audited (decided at its first committee draw).
    pub audit: Audit,
    /// The prompt's length in tokens, as the requester named it: the result must report it.
    pub prompt_tokens: u32,
    /// The appeal account, once the verdict is appealed (default before).
    pub appeal: Pubkey,
    /// The appealed verdict (`Some(true)` valid, `Some(false)` fraud); `None` without an appeal.
    pub appealed: Option<bool>,
}

/// Whether a delivered job gets a committee: decided once, at its first draw, from the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Audit {
    /// Not decided yet.
    #[default]
    Undecided = 0,
    /// A committee verifies it (every declined job too).
    Audited = 1,
    /// Not drawn for an audit: paid as delivered, credited to no one.
    Skipped = 2,
}

/// A sealed (then revealed) bid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bid {
    /// Whether the price has been revealed.
    pub revealed: bool,
    /// The request bid on.
    pub request: Pubkey,
    /// The bidder.
    pub miner: Pubkey,
    /// [`super::bid_commitment`] of price and salt.
    pub commitment: [u8; 32],
    /// The revealed price.
    pub price: u64,
    /// Bond held in the bid account above its rent-exempt minimum.
    pub bond: u64,
    /// The miner's audit rate (ppm) when it bid, from the LStake table: its bond is sized by it.
    pub audit_ppm: u32,
}

struct W<'a> {
    b: &'a mut [u8],
    at: usize,
}

impl W<'_> {
    fn put(&mut self, x: &[u8]) -> &mut Self {
        self.b[self.at..self.at + x.len()].copy_from_slice(x);
        self.at += x.len();
        self
    }
}

struct R<'a> {
    b: &'a [u8],
    at: usize,
}

impl R<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let a = self.b[self.at..self.at + N]
            .try_into()
            .expect("length checked");
        self.at += N;
        a
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    fn f32(&mut self) -> f32 {
        f32::from_le_bytes(self.take())
    }
    fn key(&mut self) -> Pubkey {
        Pubkey::new_from_array(self.take())
    }
}

/// Checks size and header; `Ok(None)` for an all-zero (uninitialised) account.
fn header(data: &[u8], len: usize, kind: u8) -> Result<Option<R<'_>>, AuctionError> {
    if data.len() != len {
        return Err(AuctionError::WrongSize);
    }
    if data.iter().all(|&b| b == 0) {
        return Ok(None);
    }
    if data[0] != kind || data[1] != VERSION {
        return Err(AuctionError::NotInitialized);
    }
    Ok(Some(R { b: data, at: 2 }))
}

impl Request {
    /// Where the verification of the request stands: `valid` (paid after a committee majority
    /// found the work valid), `unaudited` (paid as delivered: not drawn for an audit), `fraud`
    /// (slashed), `void` (no verdict could be reached: refunded), `pending` (delivered, being
    /// verified) or `none` (no delivery to verify).
    pub fn verification(&self) -> &'static str {
        match self.state {
            RequestState::Paid if self.audit == Audit::Skipped => "unaudited",
            RequestState::Paid => "valid",
            RequestState::Slashed => "fraud",
            RequestState::Voided => "void",
            RequestState::Delivered | RequestState::Verifying => "pending",
            _ => "none",
        }
    }

    /// Whether the winner declined the job (`Decline`: no result, the prompt claimed missing or
    /// unusable) rather than delivering one.
    pub fn declined(&self) -> bool {
        self.result.slot != 0 && self.result.token_count == 0
    }

    /// The smallest bond a bid on this request must carry from a miner audited at `audit_ppm`:
    /// the maximum price divided by the audit rate (the price is sealed when the bond is posted,
    /// so the bond scales with what the job can pay at most), never below [`MIN_BID_BOND`]. A
    /// miner forging the job keeps at most the price when it is not audited and loses the bond
    /// when it is, so forging is a loss at every rate.
    pub fn min_bond(&self, audit_ppm: u32) -> u64 {
        let scaled =
            u128::from(self.max_price) * u128::from(AUDIT_ALL_PPM) / u128::from(audit_ppm.max(1));
        u64::try_from(scaled).unwrap_or(u64::MAX).max(MIN_BID_BOND)
    }

    /// The slot after which the next committee draw's seed is made: the delivery slot, or the
    /// slot at which the last committee's deadline passed without a verdict.
    pub fn draw_slot(&self) -> u64 {
        self.result.slot.max(self.committee.redraw_slot)
    }

    /// The slots whose hashes seed the next committee draw: the [`SEED_SLOTS`] after the draw
    /// slot (those of them not skipped).
    pub fn seed_slots(&self) -> core::ops::RangeInclusive<u64> {
        let from = self.draw_slot();
        from.saturating_add(1)..=from.saturating_add(SEED_SLOTS)
    }

    /// Whether a committee may be drawn at `slot`: once every seed slot is past (their hashes
    /// are known) and within [`DRAW_SLOTS`] of the draw slot.
    pub fn draw_window(&self, slot: u64) -> Result<(), AuctionError> {
        let from = self.draw_slot();
        if slot <= *self.seed_slots().end() {
            return Err(AuctionError::TooEarly);
        }
        if slot >= from.saturating_add(DRAW_SLOTS) {
            return Err(AuctionError::DrawWindowPassed);
        }
        Ok(())
    }

    /// How `Finalize` ends the job at `slot`: a job not drawn for an audit at once; otherwise
    /// once every member has voted or the committee's deadline has passed (a member still to vote
    /// may dissent): on a majority verdict, unless members dissent and the committee has not
    /// grown yet, which escalates it, and once the appeal window after the verdict is over
    /// ([`Request::appeal_end`]); without a majority by a new committee (the last one's silence
    /// voids the job). An appeal committee's majority is final at once; without one the appealed
    /// verdict stands. A delivered job whose draw window passed is voided (an appealed one keeps
    /// its appealed verdict). Anything else is too early (or not a job to finalise).
    pub fn ending(&self, slot: u64) -> Result<Ending, AuctionError> {
        let c = &self.committee;
        let more_draws = c.round < MAX_COMMITTEES;
        let end = |valid: bool| if valid { Ending::Valid } else { Ending::Fraud };
        match self.state {
            RequestState::Verifying if self.audit == Audit::Skipped => Ok(Ending::Unaudited),
            RequestState::Verifying if !c.all_voted() && slot < c.deadline => {
                Err(AuctionError::TooEarly)
            }
            RequestState::Verifying if c.escalation == Escalation::Appeal => c
                .majority()
                .or(self.appealed)
                .map(end)
                .ok_or(AuctionError::WrongState),
            RequestState::Verifying => match c.majority() {
                Some(_) if c.split() && c.escalation == Escalation::None && more_draws => {
                    Ok(Ending::Escalate)
                }
                Some(_) if slot < self.appeal_end() => Err(AuctionError::TooEarly),
                Some(valid) => Ok(end(valid)),
                None if more_draws => Ok(Ending::Redraw),
                None => Ok(Ending::Void),
            },
            RequestState::Delivered => match self.draw_window(slot) {
                Err(AuctionError::DrawWindowPassed) => Ok(self.appealed.map_or(Ending::Void, end)),
                _ => Err(AuctionError::TooEarly),
            },
            _ => Err(AuctionError::WrongState),
        }
    }

    /// The slot from which the committee's verdict stands: its last vote once every member has
    /// voted, else its deadline.
    pub fn verdict_slot(&self) -> u64 {
        let c = &self.committee;
        if c.all_voted() {
            c.last_vote
        } else {
            c.deadline
        }
    }

    /// The first slot after the appeal window of the committee's verdict: as long after the
    /// verdict stands as the vote window ([`verify_slots`]), so the party it goes against can
    /// check the work as a member would.
    pub fn appeal_end(&self) -> u64 {
        self.verdict_slot()
            .saturating_add(verify_slots(self.result.token_count))
    }

    /// The verdict open to appeal at `slot` and who may appeal it: a fraud verdict by the winning
    /// miner, a valid one by the requester (each is what the other side's majority costs). Only
    /// an audited job's first verdict (a grown committee's included, not an appeal committee's),
    /// once it stands and before [`Request::appeal_end`].
    pub fn appealable(&self, slot: u64) -> Result<(bool, Pubkey), AuctionError> {
        let c = &self.committee;
        if self.state != RequestState::Verifying
            || self.audit != Audit::Audited
            || !matches!(c.escalation, Escalation::None | Escalation::Done)
        {
            return Err(AuctionError::WrongState);
        }
        match self.ending(slot) {
            Err(AuctionError::TooEarly) if slot >= self.verdict_slot() => {}
            Err(e) => return Err(e),
            Ok(Ending::Valid | Ending::Fraud) => return Err(AuctionError::AppealWindowPassed),
            Ok(_) => return Err(AuctionError::WrongState),
        }
        let valid = c.majority().ok_or(AuctionError::TooEarly)?;
        let appellant = if valid {
            self.requester
        } else {
            self.winner_miner
        };
        Ok((valid, appellant))
    }

    /// The bond an appeal must carry: the request's maximum price, at least
    /// [`MIN_APPEAL_BOND`]. Burned when the appeal committee upholds the verdict, returned
    /// otherwise.
    pub fn appeal_bond(&self) -> u64 {
        self.max_price.max(MIN_APPEAL_BOND)
    }

    /// The members whose verifier records `Finalize` takes first, in order: the committee that
    /// voted (none while an appeal waits for its committee).
    pub fn judging_members(&self) -> &[Pubkey] {
        let c = &self.committee;
        if c.escalation == Escalation::AppealPending {
            return &[];
        }
        &c.members[..usize::from(c.len).min(MAX_COMMITTEE)]
    }

    /// Whether `who` may be drawn into the job's next committee: never the winning miner, nor the
    /// requester (it holds the output already and would get its escrow back by staying silent),
    /// nor a member of the previous committee that stayed silent.
    pub fn may_verify(&self, who: &Pubkey) -> bool {
        *who != self.winner_miner
            && *who != self.requester
            && !self.committee.silent().any(|m| m == who)
    }

    /// One open bid fewer (a bid account closed).
    pub fn remove_bid(&mut self) -> Result<(), solana_instruction::error::InstructionError> {
        self.bids = self
            .bids
            .checked_sub(1)
            .ok_or(solana_instruction::error::InstructionError::ArithmeticOverflow)?;
        Ok(())
    }

    /// Serialises into a request account's data.
    pub fn write(&self, out: &mut [u8]) -> Result<(), AuctionError> {
        if out.len() != REQUEST_LEN {
            return Err(AuctionError::WrongSize);
        }
        out.fill(0);
        let s = &self.sampling;
        let mut w = W { b: out, at: 0 };
        w.put(&[KIND_REQUEST, VERSION, self.state as u8])
            .put(self.requester.as_ref())
            .put(&self.model_id)
            .put(&self.prompt_hash)
            .put(&self.max_tokens.to_le_bytes())
            .put(&s.temperature.to_le_bytes())
            .put(&s.top_k.to_le_bytes())
            .put(&s.top_p.to_le_bytes())
            .put(&s.seed.to_le_bytes())
            .put(&self.max_price.to_le_bytes())
            .put(&self.created_slot.to_le_bytes())
            .put(&self.bid_end.to_le_bytes())
            .put(&self.reveal_end.to_le_bytes())
            .put(&self.deadline.to_le_bytes())
            .put(&self.bids.to_le_bytes())
            .put(&self.revealed.to_le_bytes())
            .put(self.best_bid.as_ref())
            .put(&self.best_price.to_le_bytes())
            .put(&self.second_price.to_le_bytes())
            .put(self.winner.as_ref())
            .put(&self.price.to_le_bytes())
            .put(&self.result.root)
            .put(&self.result.chain)
            .put(&self.result.output_hash)
            .put(&self.result.token_count.to_le_bytes())
            .put(&self.result.slot.to_le_bytes());
        let c = &self.committee;
        w.put(&[c.len]);
        for m in &c.members {
            w.put(m.as_ref());
        }
        w.put(&[c.valid, c.fraud])
            .put(&c.deadline.to_le_bytes())
            .put(self.best_miner.as_ref())
            .put(self.winner_miner.as_ref())
            .put(&[c.round])
            .put(&c.redraw_slot.to_le_bytes())
            .put(&[c.escalation as u8])
            .put(&self.result.leaves_hash)
            .put(&self.result.prompt_tokens.to_le_bytes())
            .put(&self.audit_ppm.to_le_bytes())
            .put(&[self.audit as u8])
            .put(&self.prompt_tokens.to_le_bytes())
            .put(&c.last_vote.to_le_bytes())
            .put(self.appeal.as_ref())
            .put(&[match self.appealed {
                None => 0,
                Some(true) => 1,
                Some(false) => 2,
            }]);
        Ok(())
    }

    /// Reads a request account; `Ok(None)` if uninitialised.
    pub fn read(data: &[u8]) -> Result<Option<Self>, AuctionError> {
        let Some(mut r) = header(data, REQUEST_LEN, KIND_REQUEST)? else {
            return Ok(None);
        };
        let state = match r.u8() {
            1 => RequestState::Open,
            2 => RequestState::Awarded,
            3 => RequestState::Unfilled,
            4 => RequestState::Delivered,
            5 => RequestState::TimedOut,
            6 => RequestState::Verifying,
            7 => RequestState::Paid,
            8 => RequestState::Slashed,
            9 => RequestState::Voided,
            _ => return Err(AuctionError::NotInitialized),
        };
        let mut req = Request {
            state,
            requester: r.key(),
            model_id: r.take(),
            prompt_hash: r.take(),
            max_tokens: r.u32(),
            sampling: Sampling {
                temperature: r.f32(),
                top_k: r.u32(),
                top_p: r.f32(),
                seed: r.u64(),
            },
            max_price: r.u64(),
            created_slot: r.u64(),
            bid_end: r.u64(),
            reveal_end: r.u64(),
            deadline: r.u64(),
            bids: r.u32(),
            revealed: r.u32(),
            best_bid: r.key(),
            best_price: r.u64(),
            second_price: r.u64(),
            winner: r.key(),
            price: r.u64(),
            result: JobResult {
                root: r.take(),
                chain: r.take(),
                output_hash: r.take(),
                token_count: r.u32(),
                slot: r.u64(),
                leaves_hash: [0; 32],
                prompt_tokens: 0,
            },
            // Fields are read in source order, so the committee follows the result.
            committee: Committee {
                len: r.u8().min(MAX_COMMITTEE as u8),
                members: core::array::from_fn(|_| r.key()),
                valid: r.u8(),
                fraud: r.u8(),
                deadline: r.u64(),
                round: 0,
                redraw_slot: 0,
                escalation: Escalation::None,
                last_vote: 0,
            },
            best_miner: r.key(),
            winner_miner: r.key(),
            audit_ppm: 0,
            audit: Audit::Undecided,
            prompt_tokens: 0,
            appeal: Pubkey::default(),
            appealed: None,
        };
        req.committee.round = r.u8();
        req.committee.redraw_slot = r.u64();
        req.committee.escalation = match r.u8() {
            1 => Escalation::Pending,
            2 => Escalation::Done,
            3 => Escalation::AppealPending,
            4 => Escalation::Appeal,
            _ => Escalation::None,
        };
        req.result.leaves_hash = r.take();
        req.result.prompt_tokens = r.u32();
        req.audit_ppm = r.u32();
        req.audit = match r.u8() {
            1 => Audit::Audited,
            2 => Audit::Skipped,
            _ => Audit::Undecided,
        };
        req.prompt_tokens = r.u32();
        req.committee.last_vote = r.u64();
        req.appeal = r.key();
        req.appealed = match r.u8() {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        };
        Ok(Some(req))
    }
}

impl Bid {
    /// Serialises into a bid account's data.
    pub fn write(&self, out: &mut [u8]) -> Result<(), AuctionError> {
        if out.len() != BID_LEN {
            return Err(AuctionError::WrongSize);
        }
        out.fill(0);
        W { b: out, at: 0 }
            .put(&[KIND_BID, VERSION, if self.revealed { 2 } else { 1 }])
            .put(self.request.as_ref())
            .put(self.miner.as_ref())
            .put(&self.commitment)
            .put(&self.price.to_le_bytes())
            .put(&self.bond.to_le_bytes())
            .put(&self.audit_ppm.to_le_bytes());
        Ok(())
    }

    /// Reads a bid account; `Ok(None)` if uninitialised.
    pub fn read(data: &[u8]) -> Result<Option<Self>, AuctionError> {
        let Some(mut r) = header(data, BID_LEN, KIND_BID)? else {
            return Ok(None);
        };
        let revealed = match r.u8() {
            1 => false,
            2 => true,
            _ => return Err(AuctionError::NotInitialized),
        };
        Ok(Some(Bid {
            revealed,
            request: r.key(),
            miner: r.key(),
            commitment: r.take(),
            price: r.u64(),
            bond: r.u64(),
            audit_ppm: r.u32(),
        }))
    }
}

/// An appeal of a committee's verdict: who appealed, its bond, and the appealed committee with
/// its votes (an appeal committee replaces it on the request; `Finalize` judges both by the
/// final verdict).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appeal {
    /// The request appealed.
    pub request: Pubkey,
    /// Who appealed (the winning miner against fraud, the requester against valid).
    pub appellant: Pubkey,
    /// Held in the appeal account above its rent-exempt minimum.
    pub bond: u64,
    /// The appealed verdict.
    pub appealed: bool,
    /// The appealed committee: its members and votes (`len`, `members`, `valid`, `fraud`).
    pub committee: Committee,
}

impl Appeal {
    /// The appealed committee's members, in order.
    pub fn members(&self) -> &[Pubkey] {
        &self.committee.members[..usize::from(self.committee.len).min(MAX_COMMITTEE)]
    }

    /// Serialises into an appeal account's data.
    pub fn write(&self, out: &mut [u8]) -> Result<(), AuctionError> {
        if out.len() != APPEAL_LEN {
            return Err(AuctionError::WrongSize);
        }
        out.fill(0);
        let c = &self.committee;
        let mut w = W { b: out, at: 0 };
        w.put(&[KIND_APPEAL, VERSION, 1 + u8::from(self.appealed)])
            .put(self.request.as_ref())
            .put(self.appellant.as_ref())
            .put(&self.bond.to_le_bytes())
            .put(&[c.len, c.valid, c.fraud]);
        for m in &c.members {
            w.put(m.as_ref());
        }
        Ok(())
    }

    /// Reads an appeal account; `Ok(None)` if uninitialised.
    pub fn read(data: &[u8]) -> Result<Option<Self>, AuctionError> {
        let Some(mut r) = header(data, APPEAL_LEN, KIND_APPEAL)? else {
            return Ok(None);
        };
        let appealed = match r.u8() {
            1 => false,
            2 => true,
            _ => return Err(AuctionError::NotInitialized),
        };
        let (request, appellant, bond) = (r.key(), r.key(), r.u64());
        let (len, valid, fraud) = (r.u8().min(MAX_COMMITTEE as u8), r.u8(), r.u8());
        let committee = Committee {
            len,
            members: core::array::from_fn(|_| r.key()),
            valid,
            fraud,
            ..Committee::default()
        };
        Ok(Some(Appeal {
            request,
            appellant,
            bond,
            appealed,
            committee,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec;

    /// A request under verification by a committee of `len` with the given votes.
    fn verifying(len: u8, valid: u8, fraud: u8, round: u8, escalation: Escalation) -> Request {
        Request {
            state: RequestState::Verifying,
            requester: Pubkey::new_from_array([1; 32]),
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
            created_slot: 1,
            bid_end: 2,
            reveal_end: 3,
            deadline: 4,
            bids: 1,
            revealed: 1,
            best_bid: Pubkey::default(),
            best_price: 1,
            second_price: NO_PRICE,
            winner: Pubkey::default(),
            price: 1,
            result: JobResult::default(),
            committee: Committee {
                len,
                valid,
                fraud,
                deadline: 100,
                round,
                escalation,
                ..Committee::default()
            },
            best_miner: Pubkey::default(),
            winner_miner: Pubkey::default(),
            audit_ppm: AUDIT_ALL_PPM,
            audit: Audit::Audited,
            prompt_tokens: 5,
            appeal: Pubkey::default(),
            appealed: None,
        }
    }

    #[test]
    fn a_verdict_waits_for_every_vote_and_dissent_escalates_once() {
        use Escalation::{Done, None as No};
        // Two of three agree, the third has not voted: it may still dissent.
        let r = verifying(3, 0b011, 0, 1, No);
        assert_eq!(r.ending(99), Err(AuctionError::TooEarly));
        let appealed_until = 100 + verify_slots(0);
        assert_eq!(r.ending(appealed_until), Ok(Ending::Valid));
        // Unanimous: decided at once (once its appeal window, from the last vote, is over).
        assert_eq!(verifying(3, 0b111, 0, 1, No).ending(50), Ok(Ending::Valid));
        assert_eq!(verifying(3, 0, 0b111, 1, No).ending(50), Ok(Ending::Fraud));
        // Dissent grows the committee once; the grown committee's majority decides.
        assert_eq!(
            verifying(3, 0b011, 0b100, 1, No).ending(50),
            Ok(Ending::Escalate)
        );
        assert_eq!(
            verifying(3, 0b001, 0b110, 1, No).ending(50),
            Ok(Ending::Escalate)
        );
        assert_eq!(
            verifying(5, 0b00011, 0b11100, 2, Done).ending(50),
            Ok(Ending::Fraud)
        );
        assert_eq!(
            verifying(5, 0b11011, 0b00100, 2, Done).ending(50),
            Ok(Ending::Valid)
        );
        // Without draws left a split majority is final.
        assert_eq!(
            verifying(3, 0b011, 0b100, MAX_COMMITTEES, No).ending(50),
            Ok(Ending::Valid)
        );
        // No majority by the deadline: another committee, then void.
        assert_eq!(
            verifying(3, 0b001, 0, 1, No).ending(100),
            Ok(Ending::Redraw)
        );
        assert_eq!(
            verifying(5, 0b00011, 0b01100, 2, Done).ending(100),
            Ok(Ending::Redraw)
        );
        assert_eq!(
            verifying(3, 0, 0, MAX_COMMITTEES, No).ending(100),
            Ok(Ending::Void)
        );
    }

    #[test]
    fn a_verdict_stands_after_its_appeal_window_and_an_appeal_committee_is_final() {
        use Escalation::{Appeal as Ap, AppealPending, Done, None as No};
        let window = verify_slots(0);
        // Unanimous at slot 50: appealable until 50 + window, final after.
        let mut r = verifying(3, 0b111, 0, 1, No);
        r.committee.last_vote = 50;
        assert_eq!(r.appeal_end(), 50 + window);
        assert_eq!(r.ending(50 + window - 1), Err(AuctionError::TooEarly));
        assert_eq!(r.ending(50 + window), Ok(Ending::Valid));
        assert_eq!(r.appealable(49), Err(AuctionError::TooEarly));
        assert_eq!(r.appealable(50), Ok((true, r.requester)));
        assert_eq!(
            r.appealable(50 + window),
            Err(AuctionError::AppealWindowPassed)
        );
        // A fraud verdict is the miner's to appeal.
        let mut f = verifying(3, 0, 0b111, 1, No);
        f.committee.last_vote = 50;
        f.winner_miner = Pubkey::new_from_array([7; 32]);
        assert_eq!(f.appealable(51), Ok((false, f.winner_miner)));
        // A majority with a member still to vote stands from the deadline.
        let r = verifying(3, 0b011, 0, 1, No);
        assert_eq!(r.appealable(99), Err(AuctionError::TooEarly));
        assert_eq!(r.ending(100), Err(AuctionError::TooEarly));
        assert_eq!(r.appealable(100), Ok((true, r.requester)));
        assert_eq!(r.ending(100 + window), Ok(Ending::Valid));
        // Dissent escalates first; the grown committee's verdict is appealable.
        let mut r = verifying(3, 0b011, 0b100, 1, No);
        r.committee.last_vote = 50;
        assert_eq!(r.appealable(50), Err(AuctionError::WrongState));
        r.committee = Committee {
            len: 5,
            valid: 0b00011,
            fraud: 0b11100,
            escalation: Done,
            ..r.committee
        };
        assert_eq!(r.appealable(50), Ok((false, r.winner_miner)));
        // No verdict, nothing to appeal.
        assert_eq!(
            verifying(3, 0b001, 0, 1, No).appealable(100),
            Err(AuctionError::WrongState)
        );
        // An appeal committee decides at once, and cannot be appealed; without a majority the
        // appealed verdict stands.
        let mut a = verifying(5, 0b00111, 0b11000, 2, Ap);
        a.committee.last_vote = 60;
        a.appealed = Some(false);
        assert_eq!(a.ending(60), Ok(Ending::Valid));
        assert_eq!(a.appealable(60), Err(AuctionError::WrongState));
        let mut a = verifying(5, 0b00011, 0b01000, 2, Ap);
        a.appealed = Some(false);
        assert_eq!(a.ending(99), Err(AuctionError::TooEarly));
        assert_eq!(a.ending(100), Ok(Ending::Fraud));
        let mut empty = verifying(0, 0, 0, 2, Ap);
        empty.appealed = Some(true);
        assert_eq!(empty.ending(0), Ok(Ending::Valid));
        // An appeal whose committee is never drawn keeps the appealed verdict.
        let mut p = verifying(3, 0, 0b111, 1, AppealPending);
        p.state = RequestState::Delivered;
        p.appealed = Some(false);
        p.committee.redraw_slot = 200;
        assert_eq!(p.ending(200 + DRAW_SLOTS - 1), Err(AuctionError::TooEarly));
        assert_eq!(p.ending(200 + DRAW_SLOTS), Ok(Ending::Fraud));
        assert!(p.judging_members().is_empty());
        assert_eq!(p.appeal_bond(), MIN_APPEAL_BOND);
    }

    #[test]
    fn a_job_left_unaudited_ends_at_once_and_says_so() {
        let mut r = verifying(0, 0, 0, 0, Escalation::None);
        r.audit = Audit::Skipped;
        assert_eq!(r.ending(0), Ok(Ending::Unaudited));
        r.state = RequestState::Paid;
        assert_eq!(r.verification(), "unaudited");
        r.audit = Audit::Audited;
        assert_eq!(r.verification(), "valid");
    }

    #[test]
    fn the_bond_is_the_maximum_price_over_the_audit_rate() {
        let mut r = verifying(0, 0, 0, 0, Escalation::None);
        r.max_price = 5_000_000;
        assert_eq!(r.min_bond(AUDIT_ALL_PPM), 5_000_000);
        assert_eq!(r.min_bond(10_000), 500_000_000);
        assert_eq!(
            r.min_bond(0),
            5_000_000 * 1_000_000,
            "a zero rate counts as one ppm"
        );
        r.max_price = 1;
        assert_eq!(r.min_bond(AUDIT_ALL_PPM), MIN_BID_BOND);
        r.max_price = u64::MAX;
        assert_eq!(r.min_bond(1), u64::MAX);
    }

    #[test]
    fn the_audit_outcome_sits_where_the_python_and_typescript_clients_read_it() {
        let mut r = verifying(1, 0, 0, 1, Escalation::None);
        r.audit_ppm = 3_300;
        r.audit = Audit::Skipped;
        let mut d = vec![0u8; REQUEST_LEN];
        r.write(&mut d).unwrap();
        assert_eq!(&d[648..652], &3_300u32.to_le_bytes());
        assert_eq!(d[652], 2);
        assert_eq!(&d[653..657], &5u32.to_le_bytes());
        assert!(d[657..].iter().all(|&b| b == 0));
    }

    #[test]
    fn round_trips() {
        let req = Request {
            state: RequestState::Awarded,
            requester: Pubkey::new_from_array([1; 32]),
            model_id: [2; 32],
            prompt_hash: [3; 32],
            max_tokens: 64,
            sampling: Sampling {
                temperature: 0.7,
                top_k: 40,
                top_p: 0.9,
                seed: 5,
            },
            max_price: 1_000,
            created_slot: 1,
            bid_end: 3,
            reveal_end: 5,
            deadline: 20,
            bids: 2,
            revealed: 1,
            best_bid: Pubkey::new_from_array([4; 32]),
            best_price: 500,
            second_price: NO_PRICE,
            winner: Pubkey::new_from_array([4; 32]),
            price: 1_000,
            result: JobResult {
                root: [8; 32],
                chain: [9; 32],
                output_hash: [10; 32],
                token_count: 7,
                slot: 11,
                leaves_hash: [15; 32],
                prompt_tokens: 16,
            },
            committee: Committee {
                len: 2,
                members: [Pubkey::new_from_array([12; 32]); MAX_COMMITTEE],
                valid: 1,
                fraud: 2,
                deadline: 40,
                round: 2,
                redraw_slot: 30,
                escalation: Escalation::Appeal,
                last_vote: 35,
            },
            best_miner: Pubkey::new_from_array([13; 32]),
            winner_miner: Pubkey::new_from_array([14; 32]),
            audit_ppm: 3_300,
            audit: Audit::Skipped,
            prompt_tokens: 17,
            appeal: Pubkey::new_from_array([18; 32]),
            appealed: Some(false),
        };
        let mut d = vec![0u8; REQUEST_LEN];
        req.write(&mut d).unwrap();
        assert_eq!(
            &d[REQUESTER_OFFSET..REQUESTER_OFFSET + 32],
            req.requester.as_ref()
        );
        assert_eq!(Request::read(&d).unwrap(), Some(req));
        let bid = Bid {
            revealed: true,
            request: Pubkey::new_from_array([5; 32]),
            miner: Pubkey::new_from_array([6; 32]),
            commitment: [7; 32],
            price: 9,
            bond: 10,
            audit_ppm: 3_300,
        };
        let mut d = vec![0u8; BID_LEN];
        bid.write(&mut d).unwrap();
        assert_eq!(Bid::read(&d).unwrap(), Some(bid));
        assert_eq!(Bid::read(&[0; BID_LEN]).unwrap(), None);
        let appeal = Appeal {
            request: Pubkey::new_from_array([1; 32]),
            appellant: Pubkey::new_from_array([2; 32]),
            bond: 77,
            appealed: false,
            committee: Committee {
                len: 5,
                members: core::array::from_fn(|i| Pubkey::new_from_array([i as u8 + 3; 32])),
                valid: 0b00011,
                fraud: 0b11100,
                ..Committee::default()
            },
        };
        let mut d = vec![0u8; APPEAL_LEN];
        appeal.write(&mut d).unwrap();
        assert_eq!(Appeal::read(&d).unwrap(), Some(appeal.clone()));
        assert_eq!(appeal.members().len(), 5);
        assert_eq!(Appeal::read(&[0; APPEAL_LEN]).unwrap(), None);
        assert_eq!(Appeal::read(&d[1..]), Err(AuctionError::WrongSize));
        assert_eq!(Request::read(&d[..]), Err(AuctionError::WrongSize));
    }

    #[test]
    fn neither_the_parties_nor_a_silent_member_may_verify() {
        let key = |b: u8| Pubkey::new_from_array([b; 32]);
        let mut r = Request::read(&{
            let mut d = vec![0u8; REQUEST_LEN];
            d[0] = KIND_REQUEST;
            d[1] = VERSION;
            d[2] = RequestState::Delivered as u8;
            d
        })
        .unwrap()
        .unwrap();
        (r.requester, r.winner_miner) = (key(1), key(2));
        r.committee.len = 2;
        r.committee.members[..2].copy_from_slice(&[key(3), key(4)]);
        r.committee.valid = 0b01;
        assert!(!r.may_verify(&key(1)), "the requester");
        assert!(!r.may_verify(&key(2)), "the miner");
        assert!(r.may_verify(&key(3)), "it voted");
        assert!(!r.may_verify(&key(4)), "it stayed silent");
        assert!(r.may_verify(&key(5)));
    }

    proptest! {
        #[test]
        fn random_account_data_never_panics(d in proptest::collection::vec(any::<u8>(), REQUEST_LEN)) {
            let _ = Request::read(&d);
            let _ = Bid::read(&d[..BID_LEN]);
        }
    }
}
