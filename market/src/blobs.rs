//! The blob store from the market's (blocking) threads, and the token blobs jobs exchange: a
//! prompt or an output is stored as `ambient_pol::hash::tokens_blob`, whose blob id is the tokens
//! hash the auction records on chain.

use ambient_blobs::{BlobClient, BlobId, UploadKey};
use ambient_pol::hash::{leaves_blob, leaves_from_blob, tokens_blob, tokens_from_blob, Hash};
use solana_keypair::Keypair;

use crate::error::MarketError;

/// A client of a node's HTTP API (its blob store and token streams) with its own small runtime,
/// for blocking callers.
pub struct Blobs {
    client: BlobClient,
    base: String,
    http: reqwest::Client,
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
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .pool_idle_timeout(ambient_blobs::serve::CLIENT_IDLE)
                .build()
                .map_err(|e| MarketError::Invalid(e.to_string()))?,
            rt,
        })
    }

    /// Stores `tokens`, uploaded by `uploader` (the store counts them against its quota unless
    /// it is one of the node's own keys); returns their blob id (= their tokens hash).
    pub fn put_tokens(&self, tokens: &[u32], uploader: &Keypair) -> Result<BlobId, MarketError> {
        self.put(&tokens_blob(tokens), uploader)
    }

    /// Stores a miner's token hashes ([`leaves_blob`]), uploaded by `uploader`; returns their
    /// blob id.
    pub fn put_leaves(&self, leaves: &[Hash], uploader: &Keypair) -> Result<BlobId, MarketError> {
        self.put(&leaves_blob(leaves), uploader)
    }

    /// The token hashes stored under `hash` (a result's `leaves_hash`).
    pub fn get_leaves(&self, hash: &[u8; 32]) -> Result<Vec<Hash>, MarketError> {
        Ok(leaves_from_blob(&self.get(hash)?)?)
    }

    fn put(&self, data: &[u8], uploader: &Keypair) -> Result<BlobId, MarketError> {
        let key = upload_key(uploader);
        Ok(self.rt.block_on(self.client.put(data, None, &key))?.id)
    }

    /// The blob stored under `hash`; [`MarketError::MissingBlob`] when no one has it.
    fn get(&self, hash: &[u8; 32]) -> Result<Vec<u8>, MarketError> {
        let id = BlobId(*hash);
        self.rt
            .block_on(self.client.get(&id))?
            .ok_or_else(|| MarketError::MissingBlob(id.to_hex()))
    }

    /// Pushes a piece of a live token stream (best effort: the delivered output is what counts).
    pub fn push_stream(
        &self,
        auction: &solana_pubkey::Pubkey,
        push: &crate::stream::Push,
    ) -> Result<(), MarketError> {
        let url = format!("{}/v1/streams/{auction}", self.base);
        // Built inside the runtime: the request's timeout needs its timer.
        let r = self
            .rt
            .block_on(async { self.http.post(url).json(push).send().await })
            .map_err(|e| MarketError::Rpc(e.to_string()))?;
        if !r.status().is_success() {
            let body = self.rt.block_on(r.text()).unwrap_or_default();
            return Err(MarketError::Rpc(format!("stream push refused: {body}")));
        }
        Ok(())
    }

    /// The tokens stored under `hash` (a prompt or output hash from chain).
    pub fn get_tokens(&self, hash: &[u8; 32]) -> Result<Vec<u32>, MarketError> {
        Ok(tokens_from_blob(&self.get(hash)?)?)
    }
}

/// The blob-upload key of a Solana keypair (the same ed25519 key).
pub fn upload_key(keypair: &Keypair) -> UploadKey {
    UploadKey::from_secret(keypair.secret_bytes())
}
