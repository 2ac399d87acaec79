//! The query auction: a requester asks for an inference with a price escrowed; miners place sealed
//! bids (a hash of price and salt) with a bond, reveal them after the bid window, and settlement
//! awards the lowest price, paid at the second-lowest (capped by the maximum price). Losing bonds
//! are returned. The winner delivers its PoL commitment; a committee drawn by LStake votes; only a
//! majority verdict pays (valid) or slashes (fraud), the party it goes against may appeal it to a
//! fresh committee, and a job no committee decides is voided.

pub mod processor;

pub use ambient_sdk::auction::{
    bid_commitment, draw, error, instruction, slasher, state, verify_slots, APPEAL_COMMITTEE_SIZE,
    AUDIT_ALL_PPM, COMMITTEE_SIZE, DRAW_SLOTS, ESCALATED_COMMITTEE_SIZE, ID, MAX_COMMITTEES,
    MAX_PROMPT_TOKENS, MAX_VERIFY_SLOTS, MIN_BID_BOND, MISSED_VOTE_SLASH_BPS, NAME, SEED_SLOTS,
    SLASHER_SEED, VERIFIER_FEE_BPS, VERIFY_SLOTS, WRONG_VOTE_SLASH_BPS,
};
pub use processor::Entrypoint;
