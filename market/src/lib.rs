//! The inference market's participants, all talking to a node over JSON-RPC and its HTTP API:
//! - [`miner::Miner`]: bids by a price policy (sealed, bonded), reveals, serves won jobs with the
//!   engine while committing to every token's logits (PoL), stores the output, submits the result;
//! - [`verifier::Verifier`]: validates the jobs whose committee it is drawn into and votes;
//! - [`keeper`]: the permissionless steps that move every auction along;
//! - [`prompt`]: whether a request's prompt can be served;
//! - [`pace`]: the slot length and the miner's speed, to bid only on jobs it can finish;
//! - [`requester`]: opening a request and reading its output;
//! - [`closer::Closer`]: closing a requester's finished auctions (escrow and rent back);
//! - [`roles`]: the miner, verifier and closer loops a node runs on their own threads.

pub mod bids;
pub mod blobs;
pub mod chain;
pub mod closer;
pub mod error;
pub mod keeper;
pub mod miner;
pub mod pace;
pub mod prompt;
pub mod requester;
pub mod roles;
pub mod stats;
pub mod stream;
pub mod verifier;

pub use error::MarketError;
