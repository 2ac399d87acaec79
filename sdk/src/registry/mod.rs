//! The PoL registry: miners and verifiers register with a bond held in a record account owned by
//! this program, and withdraw it (closing the record) when they leave. Once per epoch it rolls the
//! work book (validated work per identity and epoch, written by the auction) into the LStake table
//! and into rewards in the reward pool, which identities claim.

pub mod error;
pub mod instruction;
pub mod lstake_table;
pub mod models;
pub mod reward_pool;
pub mod state;
pub mod work_book;

use solana_pubkey::Pubkey;

/// The registry's program id.
pub const ID: Pubkey = Pubkey::new_from_array(*b"ambient/pol-registry/program/v1\0");

/// The name the program is registered under.
pub const NAME: &str = "ambient_pol_registry";

/// Smallest bond accepted, in lamports.
pub const MIN_BOND: u64 = 1_000_000;
