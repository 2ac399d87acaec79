//! The SDK's errors.

/// What can go wrong talking to a node.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node's JSON-RPC failed or refused.
    #[error("JSON-RPC: {0}")]
    Rpc(#[from] solana_rpc_client_api::client_error::Error),
    /// The node's HTTP API could not be reached.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// The node's HTTP API answered with an error (OpenAI's shape: status, code, message).
    #[error("the node refused ({status}, {code}): {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The error's code.
        code: String,
        /// What the node said.
        message: String,
    },
    /// The node's answer was not what the API promises.
    #[error("unexpected answer from the node: {0}")]
    Protocol(String),
    /// The blob store failed.
    #[error("blob store: {0}")]
    Blob(#[from] ambient_blobs::BlobError),
    /// An account on chain is missing or malformed.
    #[error("account {0}: {1}")]
    Account(String, String),
    /// Nothing happened in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// Local PoL validation failed to run.
    #[error("validation: {0}")]
    Pol(#[from] ambient_pol::PolError),
}
