//! Signed uploads: every `POST`/`PUT` of a blob names an uploader (an ed25519 key, the same kind
//! as a Solana identity) and carries its signature of the blob id, the time to live asked for and
//! the time of signing. The store counts what each uploader holds against its quota; the node's
//! own keys are trusted (see [`crate::store::Owner`]).
//!
//! Headers: [`SIGNER_HEADER`] (the public key, base58), [`SIGNED_AT_HEADER`] (unix seconds) and
//! [`SIGNATURE_HEADER`] (base58) over [`upload_message`]. A signature older or newer than
//! [`FRESH_SECS`] is refused, so a captured upload cannot be replayed to bring a blob back later.

use axum::http::HeaderMap;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use crate::error::BlobError;
use crate::id::BlobId;

/// The uploader's public key (base58).
pub const SIGNER_HEADER: &str = "x-ambient-signer";
/// When the upload was signed (unix seconds).
pub const SIGNED_AT_HEADER: &str = "x-ambient-signed-at";
/// The uploader's signature of [`upload_message`] (base58).
pub const SIGNATURE_HEADER: &str = "x-ambient-signature";
/// How far the signing time may be from the server's clock, either way.
pub const FRESH_SECS: u64 = 300;

const DOMAIN: &[u8] = b"ambient-blob-upload/v1";

/// What an uploader signs: the domain, the blob id, the time to live asked for (0: the
/// server's default) and the signing time, both u64 little-endian.
pub fn upload_message(id: &BlobId, ttl: u64, signed_at: u64) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 32 + 16);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(&id.0);
    m.extend_from_slice(&ttl.to_le_bytes());
    m.extend_from_slice(&signed_at.to_le_bytes());
    m
}

/// The key an uploader signs with.
#[derive(Clone)]
pub struct UploadKey(SigningKey);

impl UploadKey {
    /// The key with this ed25519 secret (a Solana keypair's first 32 bytes).
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        UploadKey(SigningKey::from_bytes(secret))
    }

    /// Its public key.
    pub fn public(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The upload headers for blob `id` with `ttl` (0: the server's default), signed at `now`.
    pub fn headers(&self, id: &BlobId, ttl: u64, now: u64) -> [(&'static str, String); 3] {
        let sig = self.0.sign(&upload_message(id, ttl, now));
        [
            (SIGNER_HEADER, bs58::encode(self.public()).into_string()),
            (SIGNED_AT_HEADER, now.to_string()),
            (SIGNATURE_HEADER, bs58::encode(sig.to_bytes()).into_string()),
        ]
    }
}

impl std::fmt::Debug for UploadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "UploadKey({})",
            bs58::encode(self.public()).into_string()
        )
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, BlobError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            BlobError::Unauthorized(format!(
                "an upload must be signed: the {SIGNER_HEADER}, {SIGNED_AT_HEADER} and \
                 {SIGNATURE_HEADER} headers (missing {name})"
            ))
        })
}

fn base58<const N: usize>(text: &str, what: &str) -> Result<[u8; N], BlobError> {
    let bad = || BlobError::Unauthorized(format!("{what} is not {N} bytes of base58: {text:?}"));
    let bytes = bs58::decode(text).into_vec().map_err(|_| bad())?;
    bytes.try_into().map_err(|_| bad())
}

/// The uploader of blob `id` with `ttl` (0: default), if the request's headers carry its valid
/// signature made within [`FRESH_SECS`] of `now`.
pub fn uploader(
    headers: &HeaderMap,
    id: &BlobId,
    ttl: u64,
    now: u64,
) -> Result<[u8; 32], BlobError> {
    let signer: [u8; 32] = base58(header(headers, SIGNER_HEADER)?, SIGNER_HEADER)?;
    let at_text = header(headers, SIGNED_AT_HEADER)?;
    let signed_at: u64 = at_text.parse().map_err(|_| {
        BlobError::Unauthorized(format!(
            "{SIGNED_AT_HEADER} is not unix seconds: {at_text:?}"
        ))
    })?;
    if signed_at.abs_diff(now) > FRESH_SECS {
        return Err(BlobError::Unauthorized(format!(
            "the upload was signed at {signed_at}, {} s from this node's clock ({now}); at most \
             {FRESH_SECS} s are accepted",
            signed_at.abs_diff(now)
        )));
    }
    let sig: [u8; 64] = base58(header(headers, SIGNATURE_HEADER)?, SIGNATURE_HEADER)?;
    let key = VerifyingKey::from_bytes(&signer).map_err(|_| {
        BlobError::Unauthorized(format!("{SIGNER_HEADER} is not an ed25519 public key"))
    })?;
    key.verify(
        &upload_message(id, ttl, signed_at),
        &Signature::from_bytes(&sig),
    )
    .map_err(|_| {
        BlobError::Unauthorized(format!(
            "the signature is not {}'s of this blob, time to live and time",
            bs58::encode(signer).into_string()
        ))
    })?;
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_of(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_signature_binds_the_uploader_to_the_blob_ttl_and_time() {
        let key = UploadKey::from_secret(&[7; 32]);
        let id = BlobId::of(b"a prompt");
        let h = headers_of(&key.headers(&id, 60, 1_000));
        assert_eq!(uploader(&h, &id, 60, 1_000).unwrap(), key.public());
        assert_eq!(
            uploader(&h, &id, 60, 1_000 + FRESH_SECS).unwrap(),
            key.public()
        );
        // Another blob, another time to live, a stale or future signature: refused.
        for (id2, ttl, now) in [
            (BlobId::of(b"other"), 60, 1_000),
            (id, 61, 1_000),
            (id, 60, 1_001 + FRESH_SECS),
        ] {
            let e = uploader(&h, &id2, ttl, now).unwrap_err();
            assert!(matches!(e, BlobError::Unauthorized(_)), "{e}");
        }
        let early = headers_of(&key.headers(&id, 60, 2_000));
        assert!(uploader(&early, &id, 60, 1_000).is_err());
        // Another key's signature under this key's name.
        let mut forged = key.headers(&id, 60, 1_000);
        forged[2].1 = UploadKey::from_secret(&[8; 32]).headers(&id, 60, 1_000)[2]
            .1
            .clone();
        let e = uploader(&headers_of(&forged), &id, 60, 1_000).unwrap_err();
        assert!(e.to_string().contains("not"), "{e}");
    }

    #[test]
    fn missing_or_malformed_headers_say_what_is_wrong() {
        let id = BlobId::of(b"x");
        let e = uploader(&HeaderMap::new(), &id, 0, 1).unwrap_err();
        assert!(e.to_string().contains("must be signed"), "{e}");
        let key = UploadKey::from_secret(&[1; 32]);
        let mut h = key.headers(&id, 0, 1);
        h[0].1 = "not-base58-0OIl".into();
        let e = uploader(&headers_of(&h), &id, 0, 1).unwrap_err();
        assert!(e.to_string().contains(SIGNER_HEADER), "{e}");
        let mut h = key.headers(&id, 0, 1);
        h[1].1 = "yesterday".into();
        let e = uploader(&headers_of(&h), &id, 0, 1).unwrap_err();
        assert!(e.to_string().contains("unix seconds"), "{e}");
    }
}
