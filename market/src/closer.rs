//! Closing a requester's finished auctions: once an auction is over (paid, slashed, voided, timed
//! out or unfilled) and no bid account is left open on it, `Cancel` closes the request account
//! and returns what it still holds — the whole escrow of an unfilled auction, otherwise the
//! rent — to the requester. The node runs one for the REST API's payer, so the auctions it opens
//! for callers never leak their escrow or rent; a restart picks up what an earlier run left. An
//! auction stays readable for a grace period after it ends, so whoever follows it (the API's
//! receipts, the console, the SDKs) sees how it ended.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ambient_sdk::auction::instruction::cancel;
use ambient_sdk::auction::state::Request;
use log::{debug, info};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::chain::Chain;
use crate::error::MarketError;

/// Whether a request can be closed now: over, with no bid account open.
pub fn closable(r: &Request) -> bool {
    r.state.is_final() && r.bids == 0
}

/// Closes the finished auctions of one requester.
pub struct Closer {
    key: Arc<Keypair>,
    chain: Chain,
    /// How long a finished auction stays readable before it is closed.
    grace: Duration,
    /// When each closable auction was first seen so.
    seen: HashMap<solana_pubkey::Pubkey, Instant>,
}

impl Closer {
    /// Closes the auctions `key` opened, `grace` after each ended, through the node at
    /// `rpc_url`, paying the fees itself.
    pub fn new(key: Arc<Keypair>, rpc_url: &str, grace: Duration) -> Self {
        Closer {
            key,
            chain: Chain::new(rpc_url),
            grace,
            seen: HashMap::new(),
        }
    }

    /// One pass: closes every auction of the requester closable for the grace period, each `Cancel`
    /// awaited until the node has processed it (so the next pass, which reads the same state,
    /// never pays for a second one).
    pub fn step(&mut self) -> Result<(), MarketError> {
        let me = self.key.pubkey();
        let requests = self.chain.requests_of(&me)?;
        self.seen
            .retain(|k, _| requests.iter().any(|(key, r)| key == k && closable(r)));
        for (key, r) in requests {
            if !closable(&r) {
                continue;
            }
            let since = *self.seen.entry(key).or_insert_with(Instant::now);
            if since.elapsed() < self.grace {
                continue;
            }
            match self.chain.send(&self.key, &[], &[cancel(&me, &key, &me)]) {
                Ok(sig) => info!("request {key} ({:?}) closed ({sig})", r.state),
                Err(e) => debug!("request {key}: {e}"),
            }
        }
        Ok(())
    }
}
