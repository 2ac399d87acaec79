//! What goes wrong in the market's participants.

/// Market errors.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// The node's RPC failed or refused a transaction.
    #[error("RPC: {0}")]
    Rpc(String),
    /// The blob store failed.
    #[error("blob store: {0}")]
    Blob(#[from] ambient_blobs::BlobError),
    /// A blob the job needs is not available.
    #[error("blob {0} is not available")]
    MissingBlob(String),
    /// PoL or engine failure.
    #[error("PoL: {0}")]
    Pol(#[from] ambient_pol::PolError),
    /// The inference engine failed.
    #[error("engine: {0}")]
    Engine(String),
    /// Account data that does not decode.
    #[error("account {0}: {1}")]
    Account(String, String),
    /// Local state (the bid book) could not be read or written.
    #[error("state file {0}: {1}")]
    State(String, String),
    /// A wait ran out.
    #[error("timed out: {0}")]
    Timeout(String),
    /// A transaction's blockhash expired without it on the node's fork (dropped, or landed on a
    /// fork the cluster abandoned); signing it again with a new blockhash may succeed.
    #[error("lost: {0}")]
    Lost(String),
    /// Bad input from the caller.
    #[error("{0}")]
    Invalid(String),
}

impl From<solana_rpc_client_api::client_error::Error> for MarketError {
    fn from(e: solana_rpc_client_api::client_error::Error) -> Self {
        MarketError::Rpc(e.to_string())
    }
}
