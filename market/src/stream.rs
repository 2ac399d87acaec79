//! Live token streams: the winning miner pushes its tokens to the node's HTTP API as it generates
//! them (`POST /v1/streams/{auction}`), signed with its identity, so the requester sees the answer
//! before it is delivered on chain.

use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

/// The bytes a miner signs for one push.
pub fn push_message(auction: &Pubkey, start: u32, tokens: &[u32], done: bool) -> Vec<u8> {
    let mut m = b"ambient-stream/v1".to_vec();
    m.extend_from_slice(auction.as_ref());
    m.extend_from_slice(&start.to_le_bytes());
    for t in tokens {
        m.extend_from_slice(&t.to_le_bytes());
    }
    m.push(done as u8);
    m
}

/// One push: `tokens` continue the stream at position `start`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Push {
    /// Position of the first token.
    pub start: u32,
    /// The tokens.
    pub tokens: Vec<u32>,
    /// Whether generation ended.
    pub done: bool,
    /// The miner's signature of [`push_message`] (base58).
    pub signature: String,
}

impl Push {
    /// A push signed by `miner`.
    pub fn signed(
        miner: &Keypair,
        auction: &Pubkey,
        start: u32,
        tokens: &[u32],
        done: bool,
    ) -> Self {
        let sig = miner.sign_message(&push_message(auction, start, tokens, done));
        Push {
            start,
            tokens: tokens.to_vec(),
            done,
            signature: sig.to_string(),
        }
    }
}
