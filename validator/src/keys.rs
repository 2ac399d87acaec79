//! Keypair files (the Solana CLI's JSON format) in the ledger directory.

use std::path::Path;

use anyhow::{anyhow, Result};
use solana_keypair::{read_keypair_file, write_keypair_file, Keypair};

/// The node identity, written in --dev mode when no --identity is given.
pub const IDENTITY: &str = "validator-keypair.json";
/// The bootstrap vote account (its own authorized voter).
pub const VOTE: &str = "vote-account-keypair.json";
/// The development faucet.
pub const FAUCET: &str = "faucet-keypair.json";
/// The local miner (created and funded with a new --dev ledger).
pub const MINER: &str = "miner-keypair.json";
/// The REST API's payer (created and funded with a new --dev ledger).
pub const API: &str = "api-keypair.json";

/// Reads a keypair file.
pub fn read(path: &Path) -> Result<Keypair> {
    read_keypair_file(path).map_err(|e| anyhow!("reading keypair {}: {e}", path.display()))
}

/// Writes a keypair file.
pub fn write(path: &Path, key: &Keypair) -> Result<()> {
    write_keypair_file(key, path)
        .map(drop)
        .map_err(|e| anyhow!("writing keypair {}: {e}", path.display()))
}
