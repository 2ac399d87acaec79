//! Every node's blob store — the litepaper's temporary storage for prompts, outputs and PoL
//! openings. Content-addressed by blake3 (on-chain records hold only the hashes), with a size
//! limit per blob and in all, an expiry per blob, signed uploads counted against each uploader's
//! quota (the node's own keys aside), crash-safe writes, and fetch-from-peer: a node asked for a
//! blob it does not hold gets it from its peers, checks it against its id, and keeps it.
//!
//! [`store::BlobStore`] is the disk store, [`server`] its HTTP API, [`client::BlobClient`] the
//! client.

pub mod auth;
pub mod client;
pub mod error;
pub mod id;
pub mod serve;
pub mod server;
pub mod store;

pub use auth::UploadKey;
pub use client::BlobClient;
pub use error::BlobError;
pub use id::BlobId;
pub use server::BlobServer;
pub use store::{BlobStore, Limits, Owner, Stored};
