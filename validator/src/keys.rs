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

/// Reads a keypair file (warning when others than its owner may read it).
pub fn read(path: &Path) -> Result<Keypair> {
    let key =
        read_keypair_file(path).map_err(|e| anyhow!("reading keypair {}: {e}", path.display()))?;
    if let Some(mode) = exposed(path) {
        log::warn!(
            "keypair {} can be read by others (mode {mode:o}); `chmod 600` it",
            path.display()
        );
    }
    Ok(key)
}

/// The file's permission bits if its group or others may access it.
fn exposed(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

/// Writes a new keypair file, readable by its owner only (mode 0600).
pub fn write(path: &Path, key: &Keypair) -> Result<()> {
    write_keypair_file(key, path)
        .map(drop)
        .map_err(|e| anyhow!("writing keypair {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_signer::Signer;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keys_are_written_owner_only_and_loose_ones_are_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let key = Keypair::new();
        write(&path, &key).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(exposed(&path), None);
        assert_eq!(read(&path).unwrap().pubkey(), key.pubkey());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(exposed(&path), Some(0o644));
        assert_eq!(
            read(&path).unwrap().pubkey(),
            key.pubkey(),
            "still read, with a warning"
        );
        assert!(read(&dir.path().join("missing.json")).is_err());
    }
}
