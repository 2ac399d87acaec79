//! The node's limits on outside input, as command-line flags: request rates per client address,
//! JSON-RPC body size and batch length, chat prompt size, `max_tokens` and requests in flight,
//! blob sizes. Each violation is answered with a clear 4xx / JSON-RPC error.

use ambient_api::ChatLimits;
use ambient_blobs::Limits as BlobLimits;
use ambient_limits::RateLimit;
use ambient_rpc::front::RpcLimits;
use clap::Args;
use std::net::IpAddr;

/// Limit flags.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Requests per second each client address may make to JSON-RPC and to the HTTP API, with
    /// bursts of twice that (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub rate_limit: u32,
    /// A client address --rate-limit never applies to (repeatable; default 127.0.0.1 and ::1,
    /// the node's own roles and local tools; give 0.0.0.0 to exempt no one).
    #[arg(long = "rate-limit-exempt", value_name = "IP", default_values_t = ambient_limits::default_exempt())]
    pub rate_limit_exempt: Vec<IpAddr>,
    /// Largest JSON-RPC request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = ambient_rpc::front::MAX_REQUEST_BODY)]
    pub rpc_max_body: u64,
    /// Most calls in one JSON-RPC batch request.
    #[arg(long, value_name = "N", default_value_t = ambient_rpc::front::MAX_BATCH)]
    pub rpc_max_batch: usize,
    /// Largest chat request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = ChatLimits::default().max_body_bytes)]
    pub chat_max_body: usize,
    /// Most prompt tokens in a chat request (after the chat template).
    #[arg(long, value_name = "N", default_value_t = ChatLimits::default().max_prompt_tokens)]
    pub max_prompt_tokens: usize,
    /// Largest `max_tokens` a chat request may ask for.
    #[arg(long, value_name = "N", default_value_t = ChatLimits::default().max_tokens)]
    pub max_tokens: u32,
    /// Chat requests (streamed or not) served at once; more are answered 429.
    #[arg(long, value_name = "N", default_value_t = ChatLimits::default().max_in_flight)]
    pub max_chats: usize,
    /// Largest blob the blob store takes, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = BlobLimits::default().max_blob)]
    pub blob_max_bytes: u64,
    /// Least free space on the ledger's disk, in MiB: less refuses a start, and a running node
    /// stops cleanly when its disk fills to it.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub ledger_min_free_mb: u64,
    /// Most bytes the blob store holds in all.
    #[arg(long, value_name = "BYTES", default_value_t = BlobLimits::default().max_total)]
    pub blob_store_bytes: u64,
}

impl LimitArgs {
    /// Checks the values that must be positive.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (name, v) in [
            ("--rpc-max-body", self.rpc_max_body),
            ("--rpc-max-batch", self.rpc_max_batch as u64),
            ("--chat-max-body", self.chat_max_body as u64),
            ("--max-prompt-tokens", self.max_prompt_tokens as u64),
            ("--max-tokens", u64::from(self.max_tokens)),
            ("--max-chats", self.max_chats as u64),
            ("--blob-max-bytes", self.blob_max_bytes),
            ("--blob-store-bytes", self.blob_store_bytes),
        ] {
            if v == 0 {
                anyhow::bail!("{name} must be positive");
            }
        }
        if self.blob_max_bytes > self.blob_store_bytes {
            anyhow::bail!("--blob-max-bytes is larger than --blob-store-bytes");
        }
        Ok(())
    }

    /// The rate limit per client address.
    pub fn rate(&self) -> RateLimit {
        RateLimit {
            exempt: self.rate_limit_exempt.clone(),
            ..RateLimit::per_second(self.rate_limit)
        }
    }

    /// JSON-RPC's limits.
    pub fn rpc(&self) -> RpcLimits {
        RpcLimits {
            max_body: self.rpc_max_body,
            max_batch: self.rpc_max_batch,
            rate: self.rate(),
        }
    }

    /// The chat API's limits.
    pub fn chat(&self) -> ChatLimits {
        ChatLimits {
            max_body_bytes: self.chat_max_body,
            max_prompt_tokens: self.max_prompt_tokens,
            max_tokens: self.max_tokens,
            max_in_flight: self.max_chats,
        }
    }

    /// The blob store's limits: keys other than the node's share half of it.
    pub fn blobs(&self) -> BlobLimits {
        let foreign_total = self.blob_store_bytes / 2;
        BlobLimits {
            max_blob: self.blob_max_bytes,
            max_total: self.blob_store_bytes,
            foreign_total,
            per_uploader: BlobLimits::default().per_uploader.min(foreign_total),
            ..BlobLimits::default()
        }
    }
}
