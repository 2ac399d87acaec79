//! The blob store from the market's (blocking) threads, and the token blobs jobs exchange: a
//! prompt or an output is stored as `ambient_pol::hash::tokens_blob`, whose blob id is the tokens
//! hash the auction records on chain.

use ambient_blobs::{BlobClient, BlobId};
use ambient_pol::hash::{tokens_blob, tokens_from_blob};

use crate::error::MarketError;

/// A blob client with its own small runtime, for blocking callers.
pub struct Blobs {
    client: BlobClient,
    rt: tokio::runtime::Runtime,
}

impl Blobs {
    /// Talks to the blob store at `base` (a node's HTTP API).
    pub fn new(base: &str) -> Result<Self, MarketError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| MarketError::Invalid(format!("cannot start a runtime: {e}")))?;
        Ok(Blobs {
            client: BlobClient::new(base),
            rt,
        })
    }

    /// Stores `tokens`; returns their blob id (= their tokens hash).
    pub fn put_tokens(&self, tokens: &[u32]) -> Result<BlobId, MarketError> {
        Ok(self
            .rt
            .block_on(self.client.put(&tokens_blob(tokens), None))?
            .id)
    }

    /// The tokens stored under `hash` (a prompt or output hash from chain).
    pub fn get_tokens(&self, hash: &[u8; 32]) -> Result<Vec<u32>, MarketError> {
        let id = BlobId(*hash);
        let data = self
            .rt
            .block_on(self.client.get(&id))?
            .ok_or_else(|| MarketError::MissingBlob(id.to_hex()))?;
        Ok(tokens_from_blob(&data)?)
    }
}
