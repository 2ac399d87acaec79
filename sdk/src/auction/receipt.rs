//! A job's receipt as the REST API reports it (`ambient.receipt` of an answer,
//! `GET /v1/receipts/{id}`): the auction, its PoL commitment, its committee's votes and its
//! transactions. One definition for the node that writes it and the SDKs that read it.

use serde::{Deserialize, Serialize};
use solana_pubkey::Pubkey;

use super::state::Request;

/// The receipt of a job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// The auction (request account).
    pub auction: String,
    /// The auction's state (`delivered`, `verifying`, `paid`, `slashed`, …).
    pub state: String,
    /// `pending`, `valid`, `unaudited`, `fraud`, `void` or `none` ([`Request::verification`]).
    pub verification: String,
    /// The model id (hex).
    pub model_id: String,
    /// blake3 of the prompt tokens (hex; its blob id in the blob store).
    pub prompt_hash: String,
    /// blake3 of the output tokens (hex; its blob id).
    pub output_hash: String,
    /// Merkle root of the token hashes (hex).
    pub pol_root: String,
    /// Chain hash of the token hashes (hex).
    pub pol_chain: String,
    /// Output tokens committed.
    pub token_count: u32,
    /// Most tokens asked for.
    pub max_tokens: u32,
    /// Sampler settings and seed (what the output must follow).
    pub sampling: ReceiptSampling,
    /// The winning miner.
    pub miner: String,
    /// What the miner is paid (lamports).
    pub price: u64,
    /// Slot of delivery.
    pub delivered_slot: u64,
    /// The votes of the job's (last) committee.
    pub votes: Vec<Vote>,
    /// Transactions that touched the auction, newest first.
    pub transactions: Vec<String>,
}

/// The sampler a receipt's output must follow.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceiptSampling {
    /// 0: greedy.
    pub temperature: f32,
    /// 0: no limit.
    pub top_k: u32,
    /// Nucleus mass.
    pub top_p: f32,
    /// The sampler's seed.
    pub seed: u64,
}

/// One committee member's vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// The member.
    pub verifier: String,
    /// `valid`, `fraud` or `none` (not voted).
    pub vote: String,
}

impl Receipt {
    /// The receipt of the auction at `auction`, as `r` stands, with the `transactions` that
    /// touched it.
    pub fn of(auction: &Pubkey, r: &Request, transactions: Vec<String>) -> Self {
        let c = &r.committee;
        let votes = (0..usize::from(c.len).min(c.members.len()))
            .map(|i| Vote {
                verifier: c.members[i].to_string(),
                vote: match (c.valid & (1 << i) != 0, c.fraud & (1 << i) != 0) {
                    (true, _) => "valid",
                    (_, true) => "fraud",
                    _ => "none",
                }
                .into(),
            })
            .collect();
        let s = &r.sampling;
        Receipt {
            auction: auction.to_string(),
            state: format!("{:?}", r.state).to_lowercase(),
            verification: r.verification().into(),
            model_id: hex(&r.model_id),
            prompt_hash: hex(&r.prompt_hash),
            output_hash: hex(&r.result.output_hash),
            pol_root: hex(&r.result.root),
            pol_chain: hex(&r.result.chain),
            token_count: r.result.token_count,
            max_tokens: r.max_tokens,
            sampling: ReceiptSampling {
                temperature: s.temperature,
                top_k: s.top_k,
                top_p: s.top_p,
                seed: s.seed,
            },
            miner: r.winner_miner.to_string(),
            price: r.price,
            delivered_slot: r.result.slot,
            votes,
            transactions,
        }
    }
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
