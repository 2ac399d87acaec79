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

/// Smallest bond a verifier's record must hold to vote, in lamports: what a vote the final
/// verdict contradicts, or a missed one, costs is taken from it ([`crate::auction`]'s slashes).
pub const MIN_VERIFIER_BOND: u64 = 100_000_000;

/// Slots a verifier's record stays bonded after `Unbond` before `Deregister` may return its
/// bond: longer than any job a vote of it can still be judged on takes to finalise
/// ([`crate::auction::MAX_COMMITTEES`] rounds of a draw window and a long vote window, the
/// appeal window and the appeal committee's round), so a verifier cannot withdraw ahead of the
/// slash for a vote it cast.
pub const UNBOND_SLOTS: u64 = 8_192;

/// The seed of a verifier's record address ([`verifier_record`]).
pub const VERIFIER_SEED: &str = "ambient-verifier";

/// The one record address of the verifier `authority`: `create_with_seed(authority,`
/// [`VERIFIER_SEED`]`, registry)`, so the auction finds the bond of every committee member.
pub fn verifier_record(authority: &Pubkey) -> Pubkey {
    Pubkey::create_with_seed(authority, VERIFIER_SEED, &ID).expect("a short seed")
}
