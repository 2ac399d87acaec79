//! The client interface of Ambient's native programs, without the processors: what a wallet, a
//! miner, a verifier or an SDK needs to talk to them.
//! - [`registry`]: the PoL registry — records with bonds, the LStake table, the work book, the
//!   reward pool, the allowed models; `ClaimRewards`.
//! - [`auction`]: the query auction — requests with escrow, sealed bids, reveals, second-price
//!   settlement, results, verifier committees, verdicts, finalisation.
//!
//! Each program has its id, an instruction type with client builders (`instruction.rs`), account
//! layouts (`state.rs` and the fixed-address accounts), specific error codes (`error.rs`) and the
//! protocol constants its processor enforces. The processors live in `ambient-programs`.

pub mod auction;
pub mod registry;
