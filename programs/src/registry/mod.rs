//! The PoL registry: miners and verifiers register with a bond held in a record account owned by
//! this program, and withdraw it (closing the record) when they leave. It owns the work book
//! (validated work per identity and epoch) and the LStake table it rolls into once per epoch.

pub mod error;
pub mod instruction;
pub mod lstake_table;
pub mod models;
pub mod processor;
pub mod state;
pub mod work_book;

use solana_pubkey::Pubkey;

/// The registry's program id.
pub const ID: Pubkey = Pubkey::new_from_array(*b"ambient/pol-registry/program/v1\0");

/// The name the program is registered under.
pub const NAME: &str = "ambient_pol_registry";

pub use processor::Entrypoint;
