//! A client of a node's blob store. Everything fetched is checked against its id.

use std::time::Duration;

use crate::auth::UploadKey;
use crate::error::BlobError;
use crate::id::BlobId;
use crate::server::HOP_HEADER;
use crate::store::{Stored, Usage};

/// Talks to one blob server.
#[derive(Clone, Debug)]
pub struct BlobClient {
    base: String,
    http: reqwest::Client,
}

fn http_err(e: reqwest::Error) -> BlobError {
    BlobError::Http(e.to_string())
}

async fn refused(r: reqwest::Response) -> BlobError {
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    let msg = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or(body);
    BlobError::Http(format!("{status}: {msg}"))
}

impl BlobClient {
    /// A client of the server at `base` (e.g. `http://127.0.0.1:8901`).
    pub fn new(base: &str) -> Self {
        BlobClient {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_idle_timeout(crate::serve::CLIENT_IDLE)
                .build()
                .unwrap_or_default(),
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Stores `data` (for `ttl` seconds, or the server's default for the uploader), signed by
    /// `key`: the server counts it against that key's quota unless the key is its node's own.
    pub async fn put(
        &self,
        data: &[u8],
        ttl: Option<u64>,
        key: &UploadKey,
    ) -> Result<Stored, BlobError> {
        let id = BlobId::of(data);
        let mut req = self
            .http
            .put(format!("{}/v1/blobs/{id}", self.base))
            .header(
                reqwest::header::CONTENT_TYPE,
                crate::server::BLOB_CONTENT_TYPE,
            )
            .body(data.to_vec());
        for (name, value) in key.headers(&id, ttl.unwrap_or(0), crate::store::now_secs()) {
            req = req.header(name, value);
        }
        if let Some(t) = ttl {
            req = req.query(&[("ttl", t)]);
        }
        let r = req.send().await.map_err(http_err)?;
        if !r.status().is_success() {
            return Err(refused(r).await);
        }
        let stored: Stored = r.json().await.map_err(http_err)?;
        if stored.id != id {
            return Err(BlobError::HashMismatch {
                expected: id.to_hex(),
                actual: stored.id.to_hex(),
            });
        }
        Ok(stored)
    }

    /// The blob, if the server (or one of its peers) has it.
    pub async fn get(&self, id: &BlobId) -> Result<Option<Vec<u8>>, BlobError> {
        self.fetch(id, false).await
    }

    /// The blob, if the server itself has it (a peer-to-peer request, not forwarded further).
    pub async fn get_hop(&self, id: &BlobId) -> Result<Option<Vec<u8>>, BlobError> {
        self.fetch(id, true).await
    }

    async fn fetch(&self, id: &BlobId, hop: bool) -> Result<Option<Vec<u8>>, BlobError> {
        let mut req = self.http.get(format!("{}/v1/blobs/{id}", self.base));
        if hop {
            req = req.header(HOP_HEADER, "1");
        }
        let r = req.send().await.map_err(http_err)?;
        if r.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !r.status().is_success() {
            return Err(refused(r).await);
        }
        let data = r.bytes().await.map_err(http_err)?.to_vec();
        let actual = BlobId::of(&data);
        if actual != *id {
            return Err(BlobError::HashMismatch {
                expected: id.to_hex(),
                actual: actual.to_hex(),
            });
        }
        Ok(Some(data))
    }

    /// The server's counts.
    pub async fn usage(&self) -> Result<Usage, BlobError> {
        let r = self
            .http
            .get(format!("{}/v1/blobs", self.base))
            .send()
            .await
            .map_err(http_err)?;
        if !r.status().is_success() {
            return Err(refused(r).await);
        }
        r.json().await.map_err(http_err)
    }
}
