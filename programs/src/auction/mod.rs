//! The query auction: a requester asks for an inference with a price escrowed; miners place sealed
//! bids (a hash of price and salt) with a bond, reveal them after the bid window, and settlement
//! awards the lowest price, paid at the second-lowest (capped by the maximum price). Losing bonds
//! are returned. Result delivery, verification and payout follow (next slice of the issue).

pub mod processor;

pub use ambient_sdk::auction::{
    bid_commitment, error, instruction, state, COMMITTEE_SIZE, ID, MIN_BID_BOND, NAME,
    VERIFIER_FEE_BPS, VERIFY_SLOTS,
};
pub use processor::Entrypoint;
