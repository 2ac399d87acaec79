//! The query auction: a requester asks for an inference with a price escrowed; miners place sealed
//! bids (a hash of price and salt) with a bond, reveal them after the bid window, and settlement
//! awards the lowest price, paid at the second-lowest (capped by the maximum price). Losing bonds
//! are returned. The winner delivers its PoL commitment; a committee drawn by LStake votes; only a
//! majority verdict pays (valid) or slashes (fraud), and a job no committee decides is voided.

pub mod draw;
pub mod instruction;
pub mod prompt;
pub mod receipt;

pub use ambient_interface::{
    error, follow_message, state, verify_slots, APPEAL_COMMITTEE_SIZE, AUDIT_ALL_PPM, DRAW_SLOTS,
    ID, MAX_COMMITTEES, MAX_PROMPT_TOKENS, MAX_VERIFY_SLOTS, MIN_APPEAL_BOND, MIN_BID_BOND,
    SEED_SLOTS, VERIFY_SLOTS, VERIFY_TOKENS_PER_SLOT,
};

use solana_pubkey::Pubkey;

// The interface (no_std, for SVM programs) and the rules name the same whole.
const _: () = assert!(AUDIT_ALL_PPM as u64 == ambient_pol::rules::AUDIT_ALL_PPM);

/// The name the program is registered under.
pub const NAME: &str = "ambient_query_auction";

/// Verifiers drawn per delivered job (fewer if fewer identities have LStake).
pub const COMMITTEE_SIZE: usize = 3;
const _: () = assert!(COMMITTEE_SIZE <= state::MAX_COMMITTEE);

/// The committee after a split verdict escalates: its first committee with more members drawn
/// to this size, every vote kept; the larger committee's majority is final.
pub const ESCALATED_COMMITTEE_SIZE: usize = state::MAX_COMMITTEE;
const _: () = assert!(COMMITTEE_SIZE < ESCALATED_COMMITTEE_SIZE);

/// Share of a verifier's bond burned for a vote the final verdict contradicts, in basis points.
pub const WRONG_VOTE_SLASH_BPS: u16 = 5_000;

/// Share of a verifier's bond burned for a missed vote (a member silent at its committee's
/// deadline), in basis points; the member also loses its place in the next committee.
pub const MISSED_VOTE_SLASH_BPS: u16 = 1_000;

/// Seed of the auction's slasher address ([`slasher`]).
pub const SLASHER_SEED: &[u8] = b"slasher";

/// The auction's slasher: a program address only the auction can sign for, which the registry
/// requires to burn a verifier's bond. Returns the address and its bump seed (derived once).
pub fn slasher() -> (Pubkey, u8) {
    static SLASHER: std::sync::OnceLock<(Pubkey, u8)> = std::sync::OnceLock::new();
    *SLASHER.get_or_init(|| Pubkey::find_program_address(&[SLASHER_SEED], &ID))
}

/// Share of a verified job's price paid to the committee members that voted with the outcome, in
/// basis points (claimable from the reward pool after the epoch roll).
pub const VERIFIER_FEE_BPS: u64 = 500;

// Every draw of a job (a replaced or grown committee included) and its vote, then the appeal
// window, the appeal committee's draw and its vote fit in a verifier's unbonding slots: a member
// cannot take its bond away before the final verdict on its vote.
const _: () = assert!(
    (MAX_COMMITTEES as u64 + 1) * (DRAW_SLOTS + MAX_VERIFY_SLOTS) + MAX_VERIFY_SLOTS
        < crate::registry::UNBOND_SLOTS
);

/// The PoL commitment a delivered request records: its result's Merkle root, chain hash and
/// token count.
pub fn commitment(r: &state::Request) -> ambient_pol::Commitment {
    ambient_pol::Commitment {
        root: r.result.root,
        chain: r.result.chain,
        len: u64::from(r.result.token_count),
    }
}

/// The engine's sampler settings for a request's on-chain sampling parameters.
pub fn sampling_params(s: &state::Sampling) -> ambient_llm::sampler::SamplingParams {
    ambient_llm::sampler::SamplingParams {
        temperature: s.temperature,
        top_k: s.top_k,
        top_p: s.top_p,
        seed: s.seed,
    }
}

/// The sealed-bid commitment: `blake3("ambient-auction/bid/v1" ‖ request ‖ miner ‖ price ‖ salt)`.
pub fn bid_commitment(request: &Pubkey, miner: &Pubkey, price: u64, salt: &[u8; 32]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"ambient-auction/bid/v1");
    h.update(request.as_ref());
    h.update(miner.as_ref());
    h.update(&price.to_le_bytes());
    h.update(salt);
    *h.finalize().as_bytes()
}
