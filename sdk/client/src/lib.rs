//! Ambient's async Rust SDK. A [`Client`] pays for inference with its own key:
//!
//! 1. [`Client::request`] has the node tokenize the conversation and store the prompt
//!    (`POST /v1/prompts`), then builds, signs and sends the auction's `Request` transaction,
//!    escrowing the price;
//! 2. [`Client::stream`] follows the auction and streams the winning miner's answer as it is
//!    generated (server-sent events relayed by the node; only the requester's signature gets
//!    them), ending with the PoL receipt;
//! 3. [`Client::wait`] follows the auction on chain until the verifiers' verdict;
//! 4. [`Client::verify`] checks the receipt against the chain and the blob store, and with a local
//!    engine recomputes the committed logits.
//!
//! ```no_run
//! # async fn run() -> Result<(), ambient_client::ClientError> {
//! use ambient_client::{Client, Event, Message, Options};
//! use futures_util::StreamExt;
//! let client = Client::new("http://127.0.0.1:8899", "http://127.0.0.1:8901",
//!     solana_keypair::Keypair::new());
//! let job = client.request(vec![Message::user("Count to five.")], Options::default()).await?;
//! let mut answer = client.stream(&job).await?;
//! while let Some(event) = answer.next().await {
//!     match event? {
//!         Event::Text(t) => print!("{t}"),
//!         Event::Done { receipt, .. } => println!("\nPoL root {}", receipt.pol_root),
//!     }
//! }
//! let settled = client.wait(&job.auction, ambient_client::until_final, std::time::Duration::from_secs(120)).await?;
//! println!("{:?}", settled.state);
//! # Ok(()) }
//! ```

mod client;
mod error;
mod stream;
mod verify;

pub use client::{until_final, Client, Job, Message, Options};
pub use error::ClientError;
pub use stream::{Event, Receipt};
pub use verify::Verification;
