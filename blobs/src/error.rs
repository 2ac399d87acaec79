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
