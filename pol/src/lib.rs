//! `ambient-pol`: Proof of Logits.
//!
//! A miner hashes the exact logits of every token it generates ([`hash`]), commits to them with a
//! Merkle root and a chain hash ([`commit`], [`merkle`]), and signs a [`receipt`]. After the
//! commitment is on chain, a verifier derives [`challenge`] positions from later randomness, and
//! [`validate`]s them by recomputing the logits with one prefill. Validated work becomes
//! [`lstake`], which weighs leader selection and committees ([`select`]); [`rules`] holds slashing,
//! difficulty and rewards. Pure logic: the engine is reached through [`validate::LogitsSource`].

pub mod challenge;
pub mod commit;
pub mod error;
pub mod hash;
pub mod lstake;
pub mod merkle;
pub mod miner;
pub mod receipt;
pub mod rules;
pub mod select;
pub mod validate;

pub use commit::{Commitment, Recorder};
pub use error::PolError;
pub use hash::{token_hash, Hash};
pub use receipt::Receipt;
pub use validate::{FraudProof, LogitsSource, Verdict};
