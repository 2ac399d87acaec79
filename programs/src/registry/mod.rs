//! The PoL registry: miners and verifiers register with a bond held in a record account owned by
//! this program, and withdraw it (closing the record) when they leave. At each epoch boundary the
//! bank rolls the work book (validated work per identity and epoch, written by the auction) into
//! the LStake table and into rewards in the reward pool ([`roll`]), which identities claim.

pub mod processor;
pub mod roll;

pub use ambient_sdk::registry::{
    error, instruction, lstake_table, models, reward_pool, state, verifier_record, work_book, ID,
    MIN_BOND, MIN_VERIFIER_BOND, NAME, UNBOND_SLOTS, VERIFIER_SEED,
};
pub use processor::Entrypoint;
