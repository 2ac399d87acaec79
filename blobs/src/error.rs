//! What the blob store refuses, and why.

/// Blob store errors.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// Not 64 hex digits.
    #[error("not a blob id (64 hex digits of blake3): {0:?}")]
    BadId(String),
    /// The bytes do not hash to the id they were stored under.
    #[error("content hashes to {actual}, not {expected}")]
    HashMismatch {
        /// The id asked for.
        expected: String,
        /// The content's blake3.
        actual: String,
    },
    /// Larger than the per-blob limit.
    #[error("blob of {size} bytes is over the {limit}-byte limit")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The store is at its byte limit even after dropping expired blobs.
    #[error("blob store is full ({used} of {limit} bytes used)")]
    Full {
        /// Bytes held.
        used: u64,
        /// The limit.
        limit: u64,
    },
    /// The uploads of identities other than the node's own fill their share of the store.
    #[error(
        "uploads from keys other than this node's fill their share of the blob store ({used} of \
         {limit} bytes)"
    )]
    ForeignFull {
        /// Bytes they hold.
        used: u64,
        /// Their share.
        limit: u64,
    },
    /// An uploader would hold more than its quota.
    #[error("uploader {uploader} holds {held} bytes; {size} more is over its {quota}-byte quota")]
    OverQuota {
        /// The uploader (base58).
        uploader: String,
        /// Bytes it holds.
        held: u64,
        /// The upload's size.
        size: u64,
        /// Its quota.
        quota: u64,
    },
    /// An upload without a valid signature of its uploader.
    #[error("{0}")]
    Unauthorized(String),
    /// A time to live of zero or over the maximum.
    #[error("time to live {ttl} s is outside 1..={max} s")]
    BadTtl {
        /// Asked for.
        ttl: u64,
        /// The maximum.
        max: u64,
    },
    /// A file in the store is not a blob file (it is removed).
    #[error("corrupt blob file {0}")]
    Corrupt(String),
    /// Disk trouble.
    #[error("blob store I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A peer or the server could not be reached or answered badly.
    #[error("blob transfer: {0}")]
    Http(String),
}
