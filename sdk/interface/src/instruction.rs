//! Auction instructions: data format, encoding and decoding, and the `Request` instruction for
//! a cross-program invocation.
//!
//! Data: version `1` · tag · fields (little-endian). Accounts per instruction:
//! - `Request` (0): requester (signer), request (writable, signer; owned by the program, [`REQUEST_LEN`](crate::state::REQUEST_LEN)
//!   zero bytes, holding exactly its rent-exempt minimum plus `max_price`, the escrow), the
//!   registry's allowed-models account (the model id must be listed). The request account signs
//!   so no one else can claim an account its creator funded (were creation and initialisation
//!   ever sent apart).
//! - `Cancel` (1): requester (signer), request (writable), destination (writable). Only before any bid.
//! - `Bid` (2): miner (signer), request (writable), bid (writable, signer; owned by the program, [`BID_LEN`](crate::state::BID_LEN)
//!   zero bytes; its lamports above rent are the bond, at least `Request::min_bond` at the
//!   miner's audit rate), the LStake table (which gives that rate).
//! - `Reveal` (3): miner (signer), request (writable), bid (writable).
//! - `Settle` (4): request (writable). Anyone may settle once the reveal window is over.
//! - `SubmitResult` (6): miner (signer), request (writable), the winning bid: the PoL commitment,
//!   the output's hash, the blob id of the miner's token hashes and the prompt's length (the one the request names), before
//!   the deadline.
//! - `ClaimTimeout` (7): request (writable), winning bid (writable), requester (writable), miner
//!   (writable), incinerator (writable): after the deadline without a result, the escrow goes back
//!   to the requester and the winner's bond is slashed (`ambient_pol::rules`: part to the requester,
//!   part burned, the rest and the bid's rent to the miner).
//! - `DrawCommittee` (8): request (writable), the LStake table, then the verifier records of the
//!   candidates the draw walks in draw order (`ambient_sdk::auction::draw`; only bonded verifiers
//!   are drawn, and none may be left out): once the `SEED_SLOTS` after the
//!   request's draw slot (the delivery slot, or the slot a silent committee was replaced) are past
//!   and within the `DRAW_SLOTS` after it, draws up
//!   to `COMMITTEE_SIZE` verifiers, LStake-weighted without replacement (never the miner or the
//!   requester, nor a silent member of the previous committee), seeded by the hashes of the
//!   `SEED_SLOTS` slots after the draw slot. The first draw decides from the same seed whether
//!   the job is audited at all (with the winner's audit rate; a declined job always is): one
//!   that is not is paid as delivered by `Finalize`, with no committee and no credit.
//! - `Verdict { valid, evidence }` (9): verifier (signer), request (writable), its verifier
//!   record: one vote per bonded member before the verification deadline (`verify_slots` of the
//!   output after the draw), resting on [`Evidence`] the program checks against the result.
//! - `Finalize` (10): the accounts of `ClaimTimeout`, then the work book (writable), the reward
//!   pool (writable), the registry program, the auction's slasher and the verifier records of the
//!   committee that voted ([`Request::judging_members`](crate::state::Request::judging_members));
//!   after an appeal also the appeal account (writable), the appellant (writable) and the
//!   appealed committee's records. Once a verdict stands and its appeal window is over
//!   ([`Request::appeal_end`](crate::state::Request::appeal_end)): a fraud majority slashes the bond (fraud rules), refunds the escrow and zeroes
//!   the miner's work; a valid majority pays the miner the price less the verifiers' fee plus its
//!   bond, refunds the requester the rest, credits the miner's inference work divided by its
//!   audit rate and, to each member
//!   that voted with the outcome, validation work and a share of the fee (`VERIFIER_FEE_BPS` of the
//!   price, moved into the reward pool and claimable after the epoch roll). At the deadline
//!   without a majority: a new committee (up to `MAX_COMMITTEES`), then a void (escrow and bond
//!   back, no one credited); a delivered job with no committee drawn in its draw window is voided.
//!   A job its first draw left unaudited pays the miner the whole price and its bond, refunds the
//!   requester the rest and credits no one. After an appeal the appeal committee's majority is
//!   the final verdict (without one the appealed verdict stands): members of either committee it
//!   contradicts lose half their bond, silent ones a tenth; the appeal bond goes back to the
//!   appellant unless the appeal committee's majority upheld the appealed verdict (then it is
//!   burned), and the appeal account's rent goes back to the appellant.
//! - `Decline` (11): miner (signer), request (writable), the winning bid: before the deadline, the
//!   winner declares the prompt missing or unusable. The job goes to a committee like a result
//!   (no output, no tokens): a valid majority (the claim holds) voids it, the requester refunded
//!   less the verifiers' fee and the bond returned; a fraud majority (the prompt was there and
//!   usable) ends it as a missed deadline, the bond slashed.
//! - `Appeal` (12): appellant (signer), request (writable), appeal account (writable, signer;
//!   owned by the program, [`APPEAL_LEN`](crate::state::APPEAL_LEN) zero bytes, its lamports above
//!   rent the bond, at least [`Request::appeal_bond`](crate::state::Request::appeal_bond)): within
//!   the appeal window of an audited job's verdict, the party it goes against (the winning miner
//!   a fraud verdict, the requester a valid one) sends the job to an appeal committee of
//!   [`APPEAL_COMMITTEE_SIZE`](crate::APPEAL_COMMITTEE_SIZE) fresh members (`DrawCommittee`,
//!   seeded by the slots after the appeal), whose majority is final. Once per job.
//! - `WithdrawBid` (5): miner or anyone (signer), request (writable), bid (writable), destination
//!   (writable; the miner's own key unless the miner signs), requester (writable): once the
//!   request is settled, a losing bid's bond and rent go to the destination; a bid never revealed forfeits its bond to the requester (sealing without
//!   revealing would be a free option to probe or stall the auction) and only its rent comes back
//!   (the request counts open bids; a request is closed only when none is left).

use alloc::vec;
use alloc::vec::Vec;

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use crate::error::AuctionError;
use crate::state::{JobResult, Sampling};
use crate::{ALLOWED_MODELS, ID};

/// Instruction format version.
pub const VERSION: u8 = 1;

/// What a requester asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RequestParams {
    /// The model.
    pub model_id: [u8; 32],
    /// blake3 of the prompt tokens.
    pub prompt_hash: [u8; 32],
    /// Most tokens.
    pub max_tokens: u32,
    /// Sampler settings.
    pub sampling: Sampling,
    /// Most the requester pays.
    pub max_price: u64,
    /// Length of the bid window, in slots.
    pub bid_slots: u64,
    /// Length of the reveal window, in slots.
    pub reveal_slots: u64,
    /// Slots after the reveal window for the result.
    pub deadline_slots: u64,
    /// The prompt's length in tokens (1 to [`MAX_PROMPT_TOKENS`](crate::MAX_PROMPT_TOKENS)):
    /// the result must report the same, so its prefill credit is the requester's count.
    pub prompt_tokens: u32,
}

/// What a committee member's vote rests on: for "valid" the commitment it recomputed; for
/// "fraud" the first divergent position with the miner's opening there and the member's own
/// token hash (anyone settles it by recomputing one position), an output that breaks a rule at a
/// position, or data the miner did not make available; on a declined job, the prompt check.
/// The program checks what can be checked on chain: the root, the opening against the committed
/// root, the position against the output's length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Valid: the Merkle root the member recomputed over every position (the committed one).
    Recomputed {
        /// The recomputed root.
        root: [u8; 32],
    },
    /// Fraud: the first position whose token hash, recomputed for the token the seeded sampler
    /// picks, differs from the miner's.
    Diverges {
        /// Output position.
        position: u32,
        /// The miner's token hash there (leaf `position` of the committed tree).
        miner_leaf: [u8; 32],
        /// The member's.
        own_leaf: [u8; 32],
        /// The Merkle path of `miner_leaf` to the committed root (`ambient_pol::merkle`).
        proof: Vec<[u8; 32]>,
    },
    /// Fraud: the output breaks a rule at `position`, checkable from the blobs and at most one
    /// recomputed position: the end rule, its length against the result's count, or the seeded
    /// sampler's pick (the token hashes agree, the output token is not the one sampled).
    Misreported {
        /// Output position.
        position: u32,
    },
    /// Fraud: the output or the miner's token hashes could not be fetched near the deadline, or
    /// do not rebuild the committed root and chain.
    Unavailable,
    /// A declined job: valid if the prompt is missing or cannot be served, fraud if it can.
    Prompt,
    /// Fraud: the prompt's length is not the result's prompt count (credited as work): anyone
    /// can check it from the prompt blob.
    PromptLength,
}

/// Most Merkle siblings a [`Evidence::Diverges`] carries (an output of up to 2^24 tokens).
pub const MAX_PROOF: usize = 24;

/// An auction instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum AuctionInstruction {
    /// Open a request.
    Request(RequestParams),
    /// Cancel a request that has no bids.
    Cancel,
    /// Place a sealed bid.
    Bid {
        /// [`super::bid_commitment`] of price and salt.
        commitment: [u8; 32],
    },
    /// Reveal a sealed bid.
    Reveal {
        /// The price.
        price: u64,
        /// The salt.
        salt: [u8; 32],
    },
    /// Award the request after the reveal window.
    Settle,
    /// Take back a losing bid's bond.
    WithdrawBid,
    /// Deliver the result.
    SubmitResult(JobResult),
    /// Refund the requester and slash the winner after a missed deadline.
    ClaimTimeout,
    /// Draw the verifier committee of a delivered job.
    DrawCommittee,
    /// A committee member's vote.
    Verdict {
        /// Whether the work checked out.
        valid: bool,
        /// What the vote rests on.
        evidence: Evidence,
    },
    /// End a job: pay (valid majority) or slash (fraud majority); at a committee deadline without
    /// a verdict, replace the committee or, after the last one, void the job; void a delivered
    /// job whose committee was not drawn within the draw window.
    Finalize,
    /// The winner declares it cannot serve the job: the prompt is missing or unusable. A
    /// committee checks the claim as it would a result.
    Decline,
    /// The party a verdict goes against sends it to an appeal committee, with a bond.
    Appeal,
}

struct Rd<'a>(&'a [u8]);

impl Rd<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], AuctionError> {
        if self.0.len() < N {
            return Err(AuctionError::MalformedInstruction);
        }
        let (a, rest) = self.0.split_at(N);
        self.0 = rest;
        Ok(a.try_into().expect("N bytes"))
    }
    fn u32(&mut self) -> Result<u32, AuctionError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, AuctionError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn f32(&mut self) -> Result<f32, AuctionError> {
        Ok(f32::from_le_bytes(self.take()?))
    }
}

impl AuctionInstruction {
    /// Encodes the instruction data.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = vec![VERSION];
        match self {
            AuctionInstruction::Request(p) => {
                v.push(0);
                v.extend_from_slice(&p.model_id);
                v.extend_from_slice(&p.prompt_hash);
                v.extend_from_slice(&p.max_tokens.to_le_bytes());
                v.extend_from_slice(&p.sampling.temperature.to_le_bytes());
                v.extend_from_slice(&p.sampling.top_k.to_le_bytes());
                v.extend_from_slice(&p.sampling.top_p.to_le_bytes());
                v.extend_from_slice(&p.sampling.seed.to_le_bytes());
                for x in [p.max_price, p.bid_slots, p.reveal_slots, p.deadline_slots] {
                    v.extend_from_slice(&x.to_le_bytes());
                }
                v.extend_from_slice(&p.prompt_tokens.to_le_bytes());
            }
            AuctionInstruction::Cancel => v.push(1),
            AuctionInstruction::Bid { commitment } => {
                v.push(2);
                v.extend_from_slice(commitment);
            }
            AuctionInstruction::Reveal { price, salt } => {
                v.push(3);
                v.extend_from_slice(&price.to_le_bytes());
                v.extend_from_slice(salt);
            }
            AuctionInstruction::Settle => v.push(4),
            AuctionInstruction::WithdrawBid => v.push(5),
            AuctionInstruction::SubmitResult(r) => {
                v.push(6);
                v.extend_from_slice(&r.root);
                v.extend_from_slice(&r.chain);
                v.extend_from_slice(&r.output_hash);
                v.extend_from_slice(&r.token_count.to_le_bytes());
                v.extend_from_slice(&r.leaves_hash);
                v.extend_from_slice(&r.prompt_tokens.to_le_bytes());
            }
            AuctionInstruction::ClaimTimeout => v.push(7),
            AuctionInstruction::DrawCommittee => v.push(8),
            AuctionInstruction::Verdict { valid, evidence } => {
                v.extend_from_slice(&[9, u8::from(*valid)]);
                evidence.encode_into(&mut v);
            }
            AuctionInstruction::Finalize => v.push(10),
            AuctionInstruction::Decline => v.push(11),
            AuctionInstruction::Appeal => v.push(12),
        }
        v
    }

    /// Decodes instruction data; anything malformed is a specific error, never a panic.
    pub fn decode(data: &[u8]) -> Result<Self, AuctionError> {
        let (&version, rest) = data
            .split_first()
            .ok_or(AuctionError::MalformedInstruction)?;
        if version != VERSION {
            return Err(AuctionError::UnsupportedVersion);
        }
        let (&tag, rest) = rest
            .split_first()
            .ok_or(AuctionError::MalformedInstruction)?;
        let mut r = Rd(rest);
        let ix = match tag {
            0 => AuctionInstruction::Request(RequestParams {
                model_id: r.take()?,
                prompt_hash: r.take()?,
                max_tokens: r.u32()?,
                sampling: Sampling {
                    temperature: r.f32()?,
                    top_k: r.u32()?,
                    top_p: r.f32()?,
                    seed: r.u64()?,
                },
                max_price: r.u64()?,
                bid_slots: r.u64()?,
                reveal_slots: r.u64()?,
                deadline_slots: r.u64()?,
                prompt_tokens: r.u32()?,
            }),
            1 => AuctionInstruction::Cancel,
            2 => AuctionInstruction::Bid {
                commitment: r.take()?,
            },
            3 => AuctionInstruction::Reveal {
                price: r.u64()?,
                salt: r.take()?,
            },
            4 => AuctionInstruction::Settle,
            5 => AuctionInstruction::WithdrawBid,
            6 => AuctionInstruction::SubmitResult(JobResult {
                root: r.take()?,
                chain: r.take()?,
                output_hash: r.take()?,
                token_count: r.u32()?,
                slot: 0,
                leaves_hash: r.take()?,
                prompt_tokens: r.u32()?,
            }),
            7 => AuctionInstruction::ClaimTimeout,
            8 => AuctionInstruction::DrawCommittee,
            9 => AuctionInstruction::Verdict {
                valid: match r.take::<1>()?[0] {
                    0 => false,
                    1 => true,
                    _ => return Err(AuctionError::MalformedInstruction),
                },
                evidence: Evidence::decode_from(&mut r)?,
            },
            10 => AuctionInstruction::Finalize,
            11 => AuctionInstruction::Decline,
            12 => AuctionInstruction::Appeal,
            _ => return Err(AuctionError::MalformedInstruction),
        };
        if !r.0.is_empty() {
            return Err(AuctionError::MalformedInstruction);
        }
        Ok(ix)
    }
}

impl Evidence {
    fn encode_into(&self, v: &mut Vec<u8>) {
        match self {
            Evidence::Recomputed { root } => {
                v.push(0);
                v.extend_from_slice(root);
            }
            Evidence::Diverges {
                position,
                miner_leaf,
                own_leaf,
                proof,
            } => {
                v.push(1);
                v.extend_from_slice(&position.to_le_bytes());
                v.extend_from_slice(miner_leaf);
                v.extend_from_slice(own_leaf);
                v.push(proof.len() as u8);
                for h in proof {
                    v.extend_from_slice(h);
                }
            }
            Evidence::Misreported { position } => {
                v.push(2);
                v.extend_from_slice(&position.to_le_bytes());
            }
            Evidence::Unavailable => v.push(3),
            Evidence::Prompt => v.push(4),
            Evidence::PromptLength => v.push(5),
        }
    }

    fn decode_from(r: &mut Rd<'_>) -> Result<Self, AuctionError> {
        Ok(match r.take::<1>()?[0] {
            0 => Evidence::Recomputed { root: r.take()? },
            1 => {
                let position = r.u32()?;
                let miner_leaf = r.take()?;
                let own_leaf = r.take()?;
                let n = usize::from(r.take::<1>()?[0]);
                if n > MAX_PROOF {
                    return Err(AuctionError::MalformedInstruction);
                }
                let proof = (0..n).map(|_| r.take()).collect::<Result<_, _>>()?;
                Evidence::Diverges {
                    position,
                    miner_leaf,
                    own_leaf,
                    proof,
                }
            }
            2 => Evidence::Misreported { position: r.u32()? },
            3 => Evidence::Unavailable,
            4 => Evidence::Prompt,
            5 => Evidence::PromptLength,
            _ => return Err(AuctionError::MalformedInstruction),
        })
    }
}

/// The `Request` instruction alone: what a program invokes (the request account must already be
/// created — owned by the auction program, [`REQUEST_LEN`](crate::state::REQUEST_LEN) bytes,
/// holding its rent-exempt minimum plus `max_price` — and both `requester` and `request` must
/// sign, e.g. as the calling program's PDAs or the keypairs of the transaction that created it).
pub fn request_ix(requester: &Pubkey, request: &Pubkey, p: RequestParams) -> Instruction {
    Instruction::new_with_bytes(
        ID,
        &AuctionInstruction::Request(p).encode(),
        vec![
            AccountMeta::new_readonly(*requester, true),
            AccountMeta::new(*request, true),
            AccountMeta::new_readonly(ALLOWED_MODELS, false),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip() {
        let p = RequestParams {
            model_id: [1; 32],
            prompt_hash: [2; 32],
            max_tokens: 100,
            sampling: Sampling {
                temperature: 0.5,
                top_k: 3,
                top_p: 0.9,
                seed: 77,
            },
            max_price: 5,
            bid_slots: 2,
            reveal_slots: 2,
            deadline_slots: 10,
            prompt_tokens: 12,
        };
        for i in [
            AuctionInstruction::Request(p),
            AuctionInstruction::Cancel,
            AuctionInstruction::Bid {
                commitment: [9; 32],
            },
            AuctionInstruction::Reveal {
                price: 3,
                salt: [8; 32],
            },
            AuctionInstruction::Settle,
            AuctionInstruction::WithdrawBid,
            AuctionInstruction::SubmitResult(JobResult {
                root: [1; 32],
                chain: [2; 32],
                output_hash: [3; 32],
                token_count: 4,
                slot: 0,
                leaves_hash: [5; 32],
                prompt_tokens: 6,
            }),
            AuctionInstruction::ClaimTimeout,
            AuctionInstruction::DrawCommittee,
            AuctionInstruction::Verdict {
                valid: true,
                evidence: Evidence::Recomputed { root: [6; 32] },
            },
            AuctionInstruction::Verdict {
                valid: false,
                evidence: Evidence::Diverges {
                    position: 9,
                    miner_leaf: [1; 32],
                    own_leaf: [2; 32],
                    proof: vec![[3; 32], [4; 32]],
                },
            },
            AuctionInstruction::Verdict {
                valid: false,
                evidence: Evidence::Misreported { position: 3 },
            },
            AuctionInstruction::Verdict {
                valid: false,
                evidence: Evidence::Unavailable,
            },
            AuctionInstruction::Verdict {
                valid: true,
                evidence: Evidence::Prompt,
            },
            AuctionInstruction::Verdict {
                valid: false,
                evidence: Evidence::PromptLength,
            },
            AuctionInstruction::Finalize,
            AuctionInstruction::Decline,
            AuctionInstruction::Appeal,
        ] {
            let e = i.encode();
            assert_eq!(AuctionInstruction::decode(&e).unwrap(), i);
            assert!(AuctionInstruction::decode(&e[..e.len() - 1]).is_err());
            let mut longer = e.clone();
            longer.push(0);
            assert_eq!(
                AuctionInstruction::decode(&longer),
                Err(AuctionError::MalformedInstruction)
            );
        }
        assert_eq!(
            AuctionInstruction::decode(&[2, 4]),
            Err(AuctionError::UnsupportedVersion)
        );
        assert_eq!(
            AuctionInstruction::decode(&[1, 99]),
            Err(AuctionError::MalformedInstruction)
        );
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = AuctionInstruction::decode(&data);
        }
    }
}
