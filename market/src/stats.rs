//! What the node's market roles have done, for its `/metrics` (Prometheus counters, shared with
//! the API's registry).

use prometheus_client::metrics::counter::Counter;

/// Counters kept by the miner and the verifier.
#[derive(Clone, Debug, Default)]
pub struct MarketStats {
    /// Tokens generated for won jobs.
    pub tokens_generated: Counter,
    /// Seconds spent generating them (milliseconds, for a rate).
    pub generation_ms: Counter,
    /// Jobs delivered on chain.
    pub jobs_delivered: Counter,
    /// Validations that found the work valid.
    pub validations_valid: Counter,
    /// Validations that found fraud (or withheld output).
    pub validations_fraud: Counter,
    /// Validations that could not be completed (engine or chain errors).
    pub validation_errors: Counter,
}
