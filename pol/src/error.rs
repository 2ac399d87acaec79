//! Errors of the PoL crate.

/// Everything that can go wrong in PoL logic.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PolError {
    /// Bytes that do not decode as the expected structure.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// A signature that does not verify.
    #[error("bad signature on {0}")]
    BadSignature(&'static str),
    /// A commitment over zero tokens.
    #[error("a commitment needs at least one token")]
    Empty,
    /// A position outside the output.
    #[error("position {position} is outside an output of {len} tokens")]
    OutOfRange {
        /// The position.
        position: u64,
        /// Output length.
        len: u64,
    },
    /// The claimed data does not match the receipt.
    #[error("inconsistent with the receipt: {0}")]
    Mismatch(String),
    /// The engine failed.
    #[error("engine: {0}")]
    Engine(String),
    /// An invalid parameter.
    #[error("invalid parameter: {0}")]
    Param(String),
}

pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> PolError {
    PolError::Malformed {
        what,
        reason: reason.into(),
    }
}
