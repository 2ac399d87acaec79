//! The miner's bid book: the secrets of its sealed bids (the bid account's key, the price and the
//! salt). Losing them would forfeit the bond (an unrevealed bid's bond goes to the requester), so
//! the book is written to disk before a bid is sent, atomically (temporary file, fsync, rename).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;

use crate::error::MarketError;

/// One sealed bid's secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBid {
    /// The bid account's keypair (64 bytes, hex).
    pub bid_key: String,
    /// The price bid, in lamports.
    pub price: u64,
    /// The salt of the commitment (hex).
    pub salt: String,
}

impl SealedBid {
    /// A new bid at `price` with a fresh account and salt.
    pub fn new(price: u64) -> Self {
        let salt: [u8; 32] = rand::random();
        SealedBid {
            bid_key: hex::encode(Keypair::new().to_bytes()),
            price,
            salt: hex::encode(salt),
        }
    }

    /// The bid account's keypair.
    pub fn keypair(&self) -> Result<Keypair, MarketError> {
        let b = hex::decode(&self.bid_key)
            .map_err(|e| MarketError::State("bid key".into(), e.to_string()))?;
        Keypair::try_from(b.as_slice())
            .map_err(|e| MarketError::State("bid key".into(), e.to_string()))
    }

    /// The salt.
    pub fn salt(&self) -> Result<[u8; 32], MarketError> {
        let mut s = [0u8; 32];
        hex::decode_to_slice(&self.salt, &mut s)
            .map_err(|e| MarketError::State("salt".into(), e.to_string()))?;
        Ok(s)
    }
}

/// Sealed bids by request, kept in a JSON file.
#[derive(Debug)]
pub struct BidBook {
    path: PathBuf,
    bids: BTreeMap<String, SealedBid>,
}

impl BidBook {
    /// Opens (or starts) the book at `path`.
    pub fn open(path: &Path) -> Result<Self, MarketError> {
        let err = |e: String| MarketError::State(path.display().to_string(), e);
        let bids = match std::fs::read(path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| err(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(err(e.to_string())),
        };
        Ok(BidBook {
            path: path.to_path_buf(),
            bids,
        })
    }

    /// The bid on `request`, if any.
    pub fn get(&self, request: &Pubkey) -> Option<&SealedBid> {
        self.bids.get(&request.to_string())
    }

    /// Whether it bid on `request`.
    pub fn contains(&self, request: &Pubkey) -> bool {
        self.bids.contains_key(&request.to_string())
    }

    /// Every request bid on.
    pub fn requests(&self) -> Vec<Pubkey> {
        self.bids.keys().filter_map(|k| k.parse().ok()).collect()
    }

    /// Records a bid (on disk before returning).
    pub fn insert(&mut self, request: &Pubkey, bid: SealedBid) -> Result<(), MarketError> {
        self.bids.insert(request.to_string(), bid);
        self.save()
    }

    /// Forgets a finished bid.
    pub fn remove(&mut self, request: &Pubkey) -> Result<(), MarketError> {
        if self.bids.remove(&request.to_string()).is_some() {
            self.save()?;
        }
        Ok(())
    }

    fn save(&self) -> Result<(), MarketError> {
        let err = |e: String| MarketError::State(self.path.display().to_string(), e);
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| err(e.to_string()))?;
        let json = serde_json::to_vec_pretty(&self.bids).map_err(|e| err(e.to_string()))?;
        tmp.write_all(&json).map_err(|e| err(e.to_string()))?;
        tmp.as_file().sync_all().map_err(|e| err(e.to_string()))?;
        tmp.persist(&self.path).map_err(|e| err(e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_signer::Signer;

    #[test]
    fn bids_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("market/bids.json");
        let req = Pubkey::new_unique();
        let bid = SealedBid::new(42);
        let key = bid.keypair().unwrap().pubkey();
        BidBook::open(&path)
            .unwrap()
            .insert(&req, bid.clone())
            .unwrap();
        let mut book = BidBook::open(&path).unwrap();
        assert_eq!(book.get(&req), Some(&bid));
        assert_eq!(book.get(&req).unwrap().keypair().unwrap().pubkey(), key);
        assert_eq!(book.requests(), vec![req]);
        book.remove(&req).unwrap();
        assert_eq!(BidBook::open(&path).unwrap().get(&req), None);
        std::fs::write(&path, b"not json").unwrap();
        assert!(matches!(BidBook::open(&path), Err(MarketError::State(..))));
    }
}
