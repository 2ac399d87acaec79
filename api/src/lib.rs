//! The node's REST API, OpenAI-compatible, served next to the blob store on the node's HTTP API
//! port: chat completions that are real auctions on chain, answered with their PoL receipts.
//! See [`openai`].

pub mod metrics;
pub mod openai;
pub mod streams;

pub use metrics::NodeMetrics;
pub use openai::{router, AuctionSettings, ChatService};
pub use streams::StreamHub;
