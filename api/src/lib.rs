//! The node's REST API, OpenAI-compatible, served next to the blob store on the node's HTTP API
//! port: chat completions that are real auctions on chain, answered with their PoL receipts
//! (see [`openai`]), the web console at `/` ([`console`]) and Prometheus metrics ([`metrics`]).

pub mod browser;
mod completions;
pub mod console;
pub mod deadline;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod openai;
mod options;
pub mod prompts;
pub mod rate;
pub mod streams;

pub use console::{Console, ConsoleConfig};
pub use keys::ApiKeys;
pub use metrics::NodeMetrics;
pub use openai::{router, AuctionSettings, ChatLimits, ChatService};
pub use streams::StreamHub;
