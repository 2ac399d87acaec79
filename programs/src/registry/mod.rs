//! The PoL registry: miners and verifiers register with a bond held in a record account owned by
//! this program, and withdraw it (closing the record) when they leave. Once per epoch it rolls the
//! work book (validated work per identity and epoch, written by the auction) into the LStake table
//! and into rewards in the reward pool, which identities claim.

pub mod processor;

pub use ambient_sdk::registry::{
    error, instruction, lstake_table, models, reward_pool, state, work_book, ID, MIN_BOND, NAME,
};
pub use processor::Entrypoint;
