//! Ambient's validator pipeline on Agave's crates: transactions arrive over the QUIC TPU, are
//! signature-checked, executed into one bank per slot on the PoH clock and stored as shreds; the
//! node votes on its own blocks with the vote program, and commitment (processed, confirmed,
//! finalized = rooted) follows from votes weighted by LStake. On start the node replays its
//! ledger from genesis and reaches the same bank hashes.

pub mod cluster;
pub mod commitment;
pub mod fork_choice;
pub mod gossip;
pub mod node;
pub mod observer;
pub mod producer;
pub mod snapshot;
pub mod tower;
pub mod tpu;

use std::path::PathBuf;

pub use node::{create_ledger, ledger_exists, ClusterSockets, Node, Running, Services};
pub use observer::Observer;

/// Errors of the validator pipeline.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The QUIC server failed to start.
    #[error("QUIC TPU: {0}")]
    Quic(String),
    /// A thread could not be spawned.
    #[error("cannot spawn a thread: {0}")]
    Thread(std::io::Error),
    /// A file or directory could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The blockstore failed.
    #[error("ledger: {0}")]
    Ledger(String),
    /// A block could not be stored.
    #[error(transparent)]
    Store(#[from] ambient_ledger::LedgerError),
    /// Replaying the ledger failed.
    #[error("replaying the ledger: {0}")]
    Replay(String),
    /// The PoH recorder refused an operation.
    #[error("PoH: {0}")]
    Poh(String),
    /// Block production started on a bank that is not frozen.
    #[error("bank {0} is not frozen")]
    Unfrozen(u64),
    /// A bank that should be in the bank forks is not.
    #[error("bank {0} is missing from the bank forks")]
    MissingBank(u64),
    /// A snapshot could not be loaded.
    #[error("snapshot: {0}")]
    Snapshot(String),
    /// The contact info or gossip could not be set up.
    #[error("gossip: {0}")]
    Gossip(String),
    /// A pipeline thread panicked.
    #[error("a pipeline thread panicked")]
    Panicked,
}
