//! The requester's side: put the prompt in the blob store, open an auction for it with the price
//! escrowed, follow it to the end, read the output.

use std::time::{Duration, Instant};

use ambient_sdk::auction::instruction::{request, RequestParams};
use ambient_sdk::auction::state::{Request, Sampling, REQUEST_LEN};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::blobs::Blobs;
use crate::chain::Chain;
use crate::error::MarketError;

/// What a requester asks for.
#[derive(Clone, Debug)]
pub struct Ask {
    /// The model (its id).
    pub model_id: [u8; 32],
    /// Prompt tokens (the chat template already applied).
    pub prompt: Vec<u32>,
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// Sampler settings and seed.
    pub sampling: Sampling,
    /// Most it pays, in lamports (escrowed).
    pub max_price: u64,
    /// Bid window, in slots.
    pub bid_slots: u64,
    /// Reveal window, in slots.
    pub reveal_slots: u64,
    /// Slots after the reveal window for the result.
    pub deadline_slots: u64,
}

impl Ask {
    /// The request's on-chain parameters, its prompt stored under `prompt_hash`.
    pub fn params(&self, prompt_hash: [u8; 32]) -> RequestParams {
        RequestParams {
            model_id: self.model_id,
            prompt_hash,
            max_tokens: self.max_tokens,
            sampling: self.sampling,
            max_price: self.max_price,
            bid_slots: self.bid_slots,
            reveal_slots: self.reveal_slots,
            deadline_slots: self.deadline_slots,
            prompt_tokens: u32::try_from(self.prompt.len()).unwrap_or(u32::MAX),
        }
    }
}

/// Whether a request is over (nothing more will happen to its money).
pub fn is_final(r: &Request) -> bool {
    r.state.is_final()
}

/// A signed auction opening: the request account and the transaction that creates it, kept so
/// the opening can be sent again if its first landing is rolled back with an abandoned fork.
#[derive(Clone, Debug)]
pub struct Opening {
    /// The request account (the auction's address).
    pub account: Pubkey,
    /// The signed opening transaction.
    pub tx: Transaction,
}

/// Stores the prompt and signs the auction's opening, paid by `payer`, without sending it.
pub fn prepare(
    chain: &Chain,
    blobs: &Blobs,
    payer: &Keypair,
    ask: &Ask,
) -> Result<Opening, MarketError> {
    if ask.prompt.is_empty() {
        return Err(MarketError::Invalid("empty prompt".into()));
    }
    let prompt_hash = blobs.put_tokens(&ask.prompt, payer)?.0;
    let account = Keypair::new();
    let params = ask.params(prompt_hash);
    let rent = chain.rent(REQUEST_LEN)?;
    let ixs = request(&payer.pubkey(), &account.pubkey(), params, rent);
    Ok(Opening {
        account: account.pubkey(),
        tx: chain.sign(payer, &[&account], &ixs)?,
    })
}

/// Stores the prompt and opens the auction, paid by `payer`, once the node has processed it;
/// returns the opening (pass it to [`wait_for_delivery`] to have it re-sent if its fork is
/// abandoned).
pub fn open_tracked(
    chain: &Chain,
    blobs: &Blobs,
    payer: &Keypair,
    ask: &Ask,
) -> Result<Opening, MarketError> {
    let opening = prepare(chain, blobs, payer, ask)?;
    chain.send_signed(&opening.tx)?;
    Ok(opening)
}

/// Stores the prompt and opens the auction, paid by `payer`; returns the request account.
pub fn open(
    chain: &Chain,
    blobs: &Blobs,
    payer: &Keypair,
    ask: &Ask,
) -> Result<Pubkey, MarketError> {
    Ok(open_tracked(chain, blobs, payer, ask)?.account)
}

/// Polls the request until `done` holds (or `timeout` passes).
pub fn wait(
    chain: &Chain,
    key: &Pubkey,
    timeout: Duration,
    mut done: impl FnMut(&Request) -> bool,
) -> Result<Request, MarketError> {
    let start = Instant::now();
    loop {
        if let Some(r) = chain.request(key)? {
            if done(&r) {
                return Ok(r);
            }
        }
        if start.elapsed() > timeout {
            return Err(MarketError::Timeout(format!("request {key}")));
        }
        std::thread::sleep(POLL);
    }
}

/// How often a requester reads its request back while waiting.
pub const POLL: Duration = Duration::from_millis(50);

/// Whether waiting for `r`'s output can stop: delivered, over, or its result deadline passed by a
/// few slots at `slot` with nothing delivered (the keeper then refunds it).
pub fn delivery_settled(r: &Request, slot: u64) -> bool {
    r.result.token_count > 0 || is_final(r) || slot > r.deadline + 4
}

/// Polls until the winner delivers or the auction is over — or its result deadline has passed
/// by a few slots with nothing delivered (the keeper then refunds it). Wall-clock `timeout` is
/// only a backstop. With the auction's `opening`, an opening missing from the node's fork (its
/// fork abandoned) is sent again while its blockhash lasts, then the wait fails with
/// [`MarketError::Lost`] (open another auction).
pub fn wait_for_delivery(
    chain: &Chain,
    key: &Pubkey,
    timeout: Duration,
    opening: Option<&Opening>,
) -> Result<Request, MarketError> {
    let start = Instant::now();
    let mut watch = OpeningWatch::new(opening);
    loop {
        match chain.request(key)? {
            Some(r) => {
                if delivery_settled(&r, chain.slot()?) {
                    return Ok(r);
                }
            }
            None => watch.missing(chain)?,
        }
        if start.elapsed() > timeout {
            return Err(MarketError::Timeout(format!("request {key}")));
        }
        std::thread::sleep(POLL);
    }
}

/// Looks after an auction's opening while its request account is missing from the node's fork.
pub struct OpeningWatch<'a> {
    opening: Option<&'a Opening>,
    since: Instant,
}

impl<'a> OpeningWatch<'a> {
    /// Watches `opening` (None: an auction opened elsewhere, nothing to re-send).
    pub fn new(opening: Option<&'a Opening>) -> Self {
        OpeningWatch {
            opening,
            since: Instant::now(),
        }
    }

    /// Call when the request account is missing: at most every [`RESEND_CHECK`], sends the
    /// opening again if the node's fork lacks it; [`MarketError::Lost`] once it can no longer land.
    pub fn missing(&mut self, chain: &Chain) -> Result<(), MarketError> {
        match self.opening {
            Some(o) if self.since.elapsed() >= RESEND_CHECK => {
                self.since = Instant::now();
                chain.resend_if_missing(&o.tx).map(|_| ())
            }
            _ => Ok(()),
        }
    }
}

/// How long a missing request account is given (a slot or two of lag between the status cache
/// and account reads) before its opening is checked.
pub const RESEND_CHECK: Duration = Duration::from_secs(1);

/// The delivered output's tokens.
pub fn output(blobs: &Blobs, r: &Request) -> Result<Vec<u32>, MarketError> {
    if r.result.token_count == 0 {
        return Err(MarketError::Invalid("no result delivered".into()));
    }
    blobs.get_tokens(&r.result.output_hash)
}
