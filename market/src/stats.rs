//! What the node's market roles have done, for its `/metrics` (Prometheus counters, shared with
//! the API's registry).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

/// Metric labels (name, value).
pub type Labels = Vec<(String, String)>;

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
    /// Milliseconds spent validating (fetching the blobs and recomputing), against
    /// `generation_ms`: the verification share of the inference compute.
    pub validation_ms: Counter,
    /// Auctions the keeper saw end, by final state (`paid`, `slashed`, `voided`, `timedout`,
    /// `unfilled`).
    pub auctions_ended: Family<Labels, Counter>,
}

impl MarketStats {
    /// Counts an auction that ended in `state`.
    pub fn ended(&self, state: ambient_sdk::auction::state::RequestState) {
        let state = format!("{state:?}").to_lowercase();
        self.auctions_ended
            .get_or_create(&vec![("state".to_string(), state)])
            .inc();
    }
}
