//! `ambient-ledger`: the node's ledger on Agave's RocksDB `Blockstore` (`solana-ledger`).
//!
//! A slot's entries are shredded into Merkle shreds signed by the slot leader (each slot's shreds
//! chained to its parent's last Merkle root) and inserted into the blockstore; reading a full slot
//! gives the entries back. Roots mark finalised slots. Everything lives under one directory and
//! survives restarts (RocksDB's write-ahead log: nothing written is lost on a crash).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use solana_entry::entry::Entry;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_ledger::blockstore::Blockstore;
use solana_ledger::shred::{ProcessShredsStats, ReedSolomonCache, Shred, Shredder};

/// Ledger errors.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The blockstore failed (I/O, RocksDB, a corrupt column).
    #[error("blockstore at {path}: {source}")]
    Blockstore {
        /// The ledger directory.
        path: PathBuf,
        /// The underlying error.
        source: solana_ledger::blockstore::BlockstoreError,
    },
    /// Shredding failed.
    #[error("shredding slot {slot}: {reason}")]
    Shred {
        /// The slot.
        slot: u64,
        /// Why.
        reason: String,
    },
    /// A slot that was already written.
    #[error("slot {0} is already in the ledger")]
    SlotExists(u64),
    /// A slot whose shreds are incomplete or absent.
    #[error("slot {0} is not complete in the ledger")]
    Incomplete(u64),
    /// An empty slot.
    #[error("slot {0} has no entries")]
    Empty(u64),
}

/// The ledger of one node.
pub struct Ledger {
    path: PathBuf,
    blockstore: Arc<Blockstore>,
    shred_version: u16,
    reed_solomon: ReedSolomonCache,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

impl Ledger {
    /// Opens (or creates) the ledger in `path`; `shred_version` identifies the cluster.
    pub fn open(path: &Path, shred_version: u16) -> Result<Self, LedgerError> {
        let blockstore = Blockstore::open(path).map_err(|source| LedgerError::Blockstore {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Ledger {
            path: path.to_path_buf(),
            blockstore: Arc::new(blockstore),
            shred_version,
            reed_solomon: ReedSolomonCache::default(),
        })
    }

    fn err(&self, source: solana_ledger::blockstore::BlockstoreError) -> LedgerError {
        LedgerError::Blockstore {
            path: self.path.clone(),
            source,
        }
    }

    /// The Merkle root of a slot's last data shred (`Hash::default()` when the slot is absent):
    /// what the next slot's shreds chain to.
    /// The Merkle root of `slot`'s last shred set (its block id; default when absent).
    pub fn last_merkle_root(&self, slot: u64) -> Result<Hash, LedgerError> {
        let Some(meta) = self.blockstore.meta(slot).map_err(|e| self.err(e))? else {
            return Ok(Hash::default());
        };
        let Some(last) = meta.last_index else {
            return Ok(Hash::default());
        };
        let Some(bytes) = self
            .blockstore
            .get_data_shred(slot, last)
            .map_err(|e| self.err(e))?
        else {
            return Ok(Hash::default());
        };
        let shred = Shred::new_from_serialized_shred(bytes).map_err(|e| LedgerError::Shred {
            slot,
            reason: e.to_string(),
        })?;
        shred.merkle_root().map_err(|e| LedgerError::Shred {
            slot,
            reason: e.to_string(),
        })
    }

    /// Writes a whole slot: shreds `entries` (signed by `leader`) and stores them. Returns the
    /// shreds (data and erasure coding) for broadcast.
    pub fn write_slot(
        &self,
        slot: u64,
        parent: u64,
        entries: &[Entry],
        leader: &Keypair,
    ) -> Result<Vec<Shred>, LedgerError> {
        if entries.is_empty() {
            return Err(LedgerError::Empty(slot));
        }
        if self
            .blockstore
            .meta(slot)
            .map_err(|e| self.err(e))?
            .is_some_and(|m| m.received > 0)
        {
            return Err(LedgerError::SlotExists(slot));
        }
        let shredder =
            Shredder::new(slot, parent, 0, self.shred_version).map_err(|e| LedgerError::Shred {
                slot,
                reason: e.to_string(),
            })?;
        let chained = self.last_merkle_root(parent)?;
        let shreds: Vec<Shred> = shredder
            .make_merkle_shreds_from_entries(
                leader,
                entries,
                true,
                chained,
                0,
                0,
                &self.reed_solomon,
                &mut ProcessShredsStats::default(),
            )
            .collect();
        self.blockstore
            .insert_shreds(shreds.clone(), None, true)
            .map_err(|e| self.err(e))?;
        Ok(shreds)
    }

    /// Stores shreds received from other nodes (their signatures checked by the caller); missing
    /// data shreds are recovered from coding shreds where possible.
    pub fn insert_received(&self, shreds: Vec<Shred>) -> Result<(), LedgerError> {
        self.blockstore
            .insert_shreds(shreds, None, false)
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The data shreds of `slot` from index `from`, as stored (for repair).
    pub fn data_shreds(&self, slot: u64, from: u64) -> Result<Vec<Shred>, LedgerError> {
        self.blockstore
            .get_data_shreds_for_slot(slot, from)
            .map_err(|e| self.err(e))
    }

    /// The ledger directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether every shred of `slot` is present.
    pub fn is_full(&self, slot: u64) -> bool {
        self.blockstore.is_full(slot)
    }

    /// The parent of the stored block `slot`, as its shreds name it (`None` when nothing of it
    /// is stored).
    pub fn parent_of(&self, slot: u64) -> Option<u64> {
        self.blockstore.meta(slot).ok().flatten()?.parent_slot
    }

    /// The entries of a full slot.
    pub fn read_slot(&self, slot: u64) -> Result<Vec<Entry>, LedgerError> {
        if !self.is_full(slot) {
            return Err(LedgerError::Incomplete(slot));
        }
        self.blockstore
            .get_slot_entries(slot, 0)
            .map_err(|e| self.err(e))
    }

    /// Marks slots as finalised (rooted).
    pub fn set_roots(&self, slots: &[u64]) -> Result<(), LedgerError> {
        self.blockstore
            .set_roots(slots.iter())
            .map_err(|e| self.err(e))
    }

    /// Whether `slot` is a root.
    pub fn is_root(&self, slot: u64) -> bool {
        self.blockstore.is_root(slot)
    }

    /// The underlying blockstore (for replay and RPC).
    pub fn blockstore(&self) -> &Arc<Blockstore> {
        &self.blockstore
    }
}
