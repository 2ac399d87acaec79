//! The miner: watches requests for the model it serves, bids by its price policy (sealed, with a
//! bond) on the jobs it can do — the prompt fetched and usable, the deadline within reach at its
//! measured speed behind the jobs it already owes — reveals, and when it wins generates with the
//! engine while hashing every token's logits (PoL), stores the output (and the prompt again, so
//! verifiers find both) in the blob store and submits the commitment before the deadline. It takes
//! back its losing bonds and moves its own jobs along.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use ambient_llm::{Engine, GenerateOptions};
use ambient_pol::hash::{leaves_blob, tokens_hash};
use ambient_pol::Recorder;
use ambient_sdk::auction::instruction::{bid, decline, reveal, submit_result, withdraw_bid};
use ambient_sdk::auction::state::{JobResult, Request, RequestState, BID_LEN};
use ambient_sdk::auction::{bid_commitment, sampling_params};
use log::{debug, info, warn};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::bids::{BidBook, SealedBid};
use crate::blobs::Blobs;
use crate::chain::Chain;
use crate::error::MarketError;
use crate::keeper;
use crate::pace::{SlotClock, Speed};
use crate::stream::Push;

/// How a miner prices a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricePolicy {
    /// Lamports per token of the request's `max_tokens`.
    pub per_token: u64,
    /// Least it bids, in lamports.
    pub floor: u64,
}

impl Default for PricePolicy {
    /// 10 000 lamports a token, at least 0.001 SOL.
    fn default() -> Self {
        PricePolicy {
            per_token: 10_000,
            floor: 1_000_000,
        }
    }
}

impl PricePolicy {
    /// The price asked for a job of `max_tokens`.
    pub fn ask(&self, max_tokens: u32) -> u64 {
        self.per_token
            .saturating_mul(u64::from(max_tokens))
            .max(self.floor)
    }
}

/// Slots after which a miner looks again at a request whose prompt it could not fetch.
const RETRY_SLOTS: u64 = 2;

/// Why a miner does not bid on a request (yet).
struct Pass {
    why: String,
    /// Whether it may change (the prompt may still arrive): look again later.
    retry: bool,
}

impl Pass {
    fn never(why: String) -> Self {
        Pass { why, retry: false }
    }
}

/// Fees of a bid's transaction (two signatures at the base rate), with room to spare.
const BID_FEES: u64 = 20_000;

/// A miner.
pub struct Miner {
    key: Arc<Keypair>,
    chain: Chain,
    engine: Arc<Engine>,
    /// The model id it bids for (the engine's, unless told otherwise).
    model_id: [u8; 32],
    policy: PricePolicy,
    book: BidBook,
    deliver: bool,
    upload_output: bool,
    /// Dishonest (tests): declines every job it wins.
    decline_all: bool,
    rpc_url: String,
    api_url: String,
    stats: crate::stats::MarketStats,
    /// The job being generated on its own thread (bidding goes on meanwhile).
    serving: Option<(Pubkey, std::thread::JoinHandle<Result<(), MarketError>>)>,
    /// The slot at which each request's latest bid or reveal was sent: passes come several times a
    /// slot, so a step is sent again only once a whole slot went by without it landing.
    sent: std::collections::HashMap<Pubkey, u64>,
    /// The prompts of the requests it bid on, fetched before bidding.
    prompts: std::collections::HashMap<Pubkey, Vec<u32>>,
    /// Requests it passed on, with the slot from which to look again (`u64::MAX`: never).
    passed: std::collections::HashMap<Pubkey, u64>,
    blobs: Blobs,
    clock: SlotClock,
}

impl Miner {
    /// A miner signing with `key`, talking to the node at `rpc_url` / `api_url`, keeping its bid
    /// book in `state_dir`.
    pub fn new(
        key: Arc<Keypair>,
        rpc_url: &str,
        api_url: &str,
        engine: Arc<Engine>,
        policy: PricePolicy,
        state_dir: &Path,
    ) -> Result<Self, MarketError> {
        let model_id = engine.model_id().0;
        Ok(Miner {
            key,
            chain: Chain::new(rpc_url),
            engine,
            model_id,
            policy,
            book: BidBook::open(&state_dir.join("bids.json"))?,
            deliver: true,
            upload_output: true,
            decline_all: false,
            rpc_url: rpc_url.to_string(),
            api_url: api_url.to_string(),
            stats: Default::default(),
            serving: None,
            sent: Default::default(),
            prompts: Default::default(),
            passed: Default::default(),
            blobs: Blobs::new(api_url)?,
            clock: SlotClock::default(),
        })
    }

    /// Bids for requests naming `model_id` whatever its engine computes. Only a dishonest miner
    /// does this (the tests' fraud case: a perturbed model file passed off as the network's).
    pub fn claim_model(&mut self, model_id: [u8; 32]) {
        self.model_id = model_id;
    }

    /// Counts into `stats` (the node's metrics).
    pub fn with_stats(&mut self, stats: crate::stats::MarketStats) {
        self.stats = stats;
    }

    /// Never delivers won jobs (tests of the deadline: the bond is slashed).
    pub fn withhold_results(&mut self) {
        self.deliver = false;
    }

    /// Commits results on chain but never uploads the outputs (tests of the verifiers: withheld
    /// work is voted fraud and slashed).
    pub fn withhold_outputs(&mut self) {
        self.upload_output = false;
    }

    /// Declines every job it wins, claiming the prompt cannot be served although it can (tests of
    /// the committee: a false decline ends as a missed deadline, the bond slashed).
    pub fn decline_every_job(&mut self) {
        self.decline_all = true;
    }

    /// The miner's identity.
    pub fn identity(&self) -> Pubkey {
        self.key.pubkey()
    }

    /// One pass over every request.
    pub fn step(&mut self) -> Result<(), MarketError> {
        if self.serving.as_ref().is_some_and(|(_, h)| h.is_finished()) {
            if let Some((key, h)) = self.serving.take() {
                match h.join() {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => warn!("miner: serving {key}: {e}"),
                    Err(_) => warn!("miner: serving {key} panicked"),
                }
            }
        }
        let slot = self.chain.landing_slot()?;
        self.clock.observe(slot);
        let requests = self.chain.requests()?;
        let live = |k: &Pubkey| requests.iter().any(|(r, _)| r == k);
        self.sent.retain(|k, _| live(k));
        self.passed.retain(|k, _| live(k));
        self.prompts.retain(|k, _| live(k));
        // What it already bid on or won first (a reveal has one slot), then new requests, within
        // half a slot (a slow prompt fetch must not hold up the next pass's reveals).
        let fresh = |m: &Self, key: &Pubkey, r: &Request| {
            r.state == RequestState::Open && !m.book.contains(key)
        };
        for (key, r) in &requests {
            if !fresh(self, key, r) {
                if let Err(e) = self.on_request(slot, key, r) {
                    warn!("miner: request {key}: {e}");
                }
            }
        }
        let mut queued = self.queued(&requests);
        let (started, budget) = (std::time::Instant::now(), self.clock.slot() / 2);
        for (key, r) in &requests {
            let waiting = self.passed.get(key).is_some_and(|&retry| slot < retry);
            if !fresh(self, key, r) || waiting || slot >= r.bid_end {
                continue;
            }
            if started.elapsed() > budget {
                break;
            }
            match self.worth_bidding(key, r, queued) {
                Ok(()) => {
                    queued += u64::from(r.max_tokens);
                    if let Err(e) = self.on_request(slot, key, r) {
                        warn!("miner: request {key}: {e}");
                    }
                }
                Err(pass) => {
                    if !self.passed.contains_key(key) {
                        info!("miner: passing on {key}: {}", pass.why);
                    }
                    let retry = match pass.retry {
                        true => slot + RETRY_SLOTS,
                        false => u64::MAX,
                    };
                    self.passed.insert(*key, retry);
                }
            }
        }
        Ok(())
    }

    /// Tokens it owes: the most its won jobs not yet delivered and its open bids (which it may
    /// win) can take.
    fn queued(&self, requests: &[(Pubkey, Request)]) -> u64 {
        let me = self.key.pubkey();
        requests
            .iter()
            .filter(|(k, r)| match r.state {
                RequestState::Open => self.book.contains(k),
                RequestState::Awarded => r.winner_miner == me,
                _ => false,
            })
            .map(|(_, r)| u64::from(r.max_tokens))
            .sum()
    }

    /// Whether to bid on `r`: its model, a price it takes, a usable prompt (fetched now and kept
    /// for serving), and a deadline it can meet after the `queued` tokens it owes. `Err` says why
    /// not.
    fn worth_bidding(&mut self, key: &Pubkey, r: &Request, queued: u64) -> Result<(), Pass> {
        if r.model_id != self.model_id {
            return Err(Pass::never("another model".into()));
        }
        if self.policy.ask(r.max_tokens) > r.max_price {
            let why = format!("the maximum price {} is below its ask", r.max_price);
            return Err(Pass::never(why));
        }
        self.affordable(r)?;
        let prompt = self.usable_prompt(r)?;
        let speed = Speed::from_totals(
            self.stats.tokens_generated.get(),
            self.stats.generation_ms.get(),
        );
        let slots = r.deadline.saturating_sub(r.reveal_end);
        if !speed.feasible(queued, r.max_tokens, slots, self.clock.slot()) {
            return Err(Pass::never(format!(
                "{} tokens behind {queued} owed cannot be served in {slots} slots of {:?} at \
                 {:?} a token",
                r.max_tokens,
                self.clock.slot(),
                speed.per_token.unwrap_or_default()
            )));
        }
        self.prompts.insert(*key, prompt);
        Ok(())
    }

    /// The bond `r` asks of this miner and its audit rate (ppm) in the LStake table: the maximum
    /// price over the rate.
    fn bond_for(&self, r: &Request) -> Result<(u64, u32), MarketError> {
        let table = self.chain.lstake_table()?;
        let rate = table.audit_rate_of(&self.key.pubkey());
        Ok((r.min_bond(rate), rate))
    }

    /// Whether the miner holds the bond `r` asks of it, the bid's rent and the fees; bonds come
    /// back as jobs end, so a miner short of one looks again later.
    fn affordable(&self, r: &Request) -> Result<(), Pass> {
        let later = |e: MarketError| Pass {
            why: format!("{e}; looking again in {RETRY_SLOTS} slots"),
            retry: true,
        };
        let (bond, rate) = self.bond_for(r).map_err(later)?;
        let rent = self.chain.rent(BID_LEN).map_err(later)?;
        let holds = self
            .chain
            .rpc()
            .get_balance(&self.key.pubkey())
            .map_err(|e| later(e.into()))?;
        let needed = bond.saturating_add(rent).saturating_add(BID_FEES);
        if holds < needed {
            return Err(Pass {
                why: format!(
                    "its bond would be {bond} lamports (the maximum price {} over its audit rate \
                     of {rate} ppm) and it holds {holds}; looking again in {RETRY_SLOTS} slots",
                    r.max_price
                ),
                retry: true,
            });
        }
        Ok(())
    }

    /// The request's prompt from the blob store, if the engine can serve it
    /// ([`crate::prompt::problem`]).
    fn usable_prompt(&self, r: &Request) -> Result<Vec<u32>, Pass> {
        let prompt = self.blobs.get_tokens(&r.prompt_hash).map_err(|e| Pass {
            why: format!("prompt unavailable ({e}); looking again in {RETRY_SLOTS} slots"),
            retry: true,
        })?;
        match crate::prompt::problem(&self.engine, r, &prompt) {
            Some(why) => Err(Pass::never(why)),
            None => Ok(prompt),
        }
    }

    /// Whether a bid or reveal for `key` sent earlier may still land (sent this slot or the last).
    fn in_flight(&self, key: &Pubkey, slot: u64) -> bool {
        self.sent.get(key).is_some_and(|&s| slot <= s + 1)
    }

    fn on_request(&mut self, slot: u64, key: &Pubkey, r: &Request) -> Result<(), MarketError> {
        let me = self.key.pubkey();
        let mine = self.book.get(key).cloned();
        match (r.state, mine) {
            (RequestState::Open, None) if slot < r.bid_end => {
                // Checked by `worth_bidding` (prompt fetched, deadline within reach).
                self.sent.insert(*key, slot);
                self.place(key, r, SealedBid::new(self.policy.ask(r.max_tokens)))?;
            }
            (RequestState::Open, Some(b)) if slot < r.bid_end => {
                // Sent but not landed (a restart, a dropped transaction): send it again.
                let resend =
                    !self.in_flight(key, slot) && self.chain.bid(&b.keypair()?.pubkey())?.is_none();
                if resend {
                    self.sent.insert(*key, slot);
                    self.place(key, r, b)?;
                }
            }
            (RequestState::Open, Some(b)) if slot < r.reveal_end => {
                let bid_key = b.keypair()?.pubkey();
                // A reveal sent this slot or the last may still land (an earlier send was the bid).
                let pending = self.in_flight(key, slot) && self.sent[key] >= r.bid_end;
                if !pending && self.chain.bid(&bid_key)?.is_some_and(|x| !x.revealed) {
                    let ix = reveal(&me, key, &bid_key, b.price, b.salt()?);
                    self.sent.insert(*key, slot);
                    self.chain.submit(&self.key, &[], &[ix])?;
                    info!("miner: revealed {} lamports for {key}", b.price);
                }
            }
            (RequestState::Open, Some(_)) => {
                keeper::Round::new(&self.chain, &self.key, slot).crank(key, r)
            }
            (RequestState::Awarded, Some(_))
                if r.winner_miner == me
                    && slot < r.deadline
                    && self.deliver
                    && self.serving.is_none() =>
            {
                self.start_serving(key, r)?;
            }
            (RequestState::Awarded, Some(_)) if r.winner_miner == me && slot < r.deadline => {}
            (_, Some(b)) => {
                let bid_key = b.keypair()?.pubkey();
                if bid_key == r.winner {
                    keeper::Round::new(&self.chain, &self.key, slot).crank(key, r);
                    if r.state.is_final() {
                        self.book.remove(key)?;
                    }
                } else {
                    // Lost (or unfilled): take the bond back.
                    if self.chain.bid(&bid_key)?.is_some() {
                        let ix = withdraw_bid(&me, key, &bid_key, &me, &r.requester);
                        self.chain.submit(&self.key, &[], &[ix])?;
                        info!("miner: withdrew its bid on {key}");
                    }
                    self.book.remove(key)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Posts sealed bid `b` on `r` (at `key`) with the bond the request asks of this miner (the
    /// maximum price over its audit rate in the LStake table).
    fn place(&mut self, key: &Pubkey, r: &Request, b: SealedBid) -> Result<(), MarketError> {
        let me = self.key.pubkey();
        let bid_key = b.keypair()?;
        let commitment = bid_commitment(key, &me, b.price, &b.salt()?);
        let rent = self.chain.rent(BID_LEN)?;
        let (bond, _) = self.bond_for(r)?;
        // On disk before the bond leaves: the salt is what gets it back.
        self.book.insert(key, b.clone())?;
        let ixs = bid(&me, key, &bid_key.pubkey(), commitment, bond, rent);
        match self.chain.submit(&self.key, &[&bid_key], &ixs) {
            Ok(_) => {
                info!("miner: sealed bid on {key}");
                Ok(())
            }
            Err(e) => {
                debug!("miner: bid on {key} not placed: {e}");
                Err(e)
            }
        }
    }

    /// Generates a won job on its own thread, so the miner keeps bidding and revealing.
    fn start_serving(&mut self, key: &Pubkey, r: &Request) -> Result<(), MarketError> {
        let job = Job {
            prompt: self.prompts.get(key).cloned(),
            key: self.key.clone(),
            engine: self.engine.clone(),
            model_id: self.model_id,
            rpc_url: self.rpc_url.clone(),
            api_url: self.api_url.clone(),
            stats: self.stats.clone(),
            upload_output: self.upload_output,
            decline_all: self.decline_all,
        };
        let (auction, request) = (*key, r.clone());
        let h = std::thread::Builder::new()
            .name("ambMinerJob".into())
            .spawn(move || job.serve(&auction, &request))
            .map_err(|e| MarketError::Engine(format!("cannot start a job thread: {e}")))?;
        self.serving = Some((*key, h));
        Ok(())
    }
}

/// What a job's thread needs.
struct Job {
    /// The prompt fetched when bidding (fetched again if the miner restarted since).
    prompt: Option<Vec<u32>>,
    key: Arc<Keypair>,
    engine: Arc<Engine>,
    model_id: [u8; 32],
    rpc_url: String,
    api_url: String,
    stats: crate::stats::MarketStats,
    upload_output: bool,
    /// Dishonest: declines although the prompt can be served.
    decline_all: bool,
}

impl Job {
    /// The prompt to serve `r` with (kept from bidding, or fetched again), `None` if it is
    /// missing from the blob network or cannot be served ([`crate::prompt::problem`]). An error
    /// when the blob store cannot be asked (the job is tried again on the next pass).
    fn prompt_to_serve(&self, blobs: &Blobs, r: &Request) -> Result<Option<Vec<u32>>, MarketError> {
        let prompt = match &self.prompt {
            Some(p) => p.clone(),
            None => match blobs.get_tokens(&r.prompt_hash) {
                Ok(p) => p,
                Err(MarketError::MissingBlob(_) | MarketError::Pol(_)) => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        if let Some(why) = crate::prompt::problem(&self.engine, r, &prompt) {
            warn!("miner: the prompt of a won job cannot be served: {why}");
            return Ok(None);
        }
        Ok(Some(prompt))
    }

    /// Declines the won job `key` on chain (its committee checks the claim), saying `why` in
    /// the log.
    fn decline(
        &self,
        chain: &Chain,
        key: &Pubkey,
        r: &Request,
        why: &str,
    ) -> Result<(), MarketError> {
        let me = self.key.pubkey();
        let sig = chain.send(&self.key, &[], &[decline(&me, key, &r.winner)])?;
        info!("miner: declined {key}: {why} ({sig})");
        Ok(())
    }

    /// Serves a won job: the prompt (kept from bidding, or from the blob store), generation with
    /// PoL, output, token hashes and prompt stored (verifiers need them all, and the prompt may
    /// have expired from the store), result submitted.
    fn serve(&self, key: &Pubkey, r: &Request) -> Result<(), MarketError> {
        let chain = Chain::new(&self.rpc_url);
        let blobs = Blobs::new(&self.api_url)?;
        let me = self.key.pubkey();
        let prompt = match self.prompt_to_serve(&blobs, r) {
            Ok(Some(p)) if !self.decline_all => p,
            Ok(Some(_)) => return self.decline(&chain, key, r, "declining a servable job"),
            Ok(None) => return self.decline(&chain, key, r, "the prompt cannot be served"),
            Err(e) => return Err(e),
        };
        info!(
            "miner: serving {key} ({} prompt tokens, up to {})",
            prompt.len(),
            r.max_tokens
        );
        let opts = GenerateOptions {
            max_tokens: r.max_tokens as usize,
            sampling: sampling_params(&r.sampling),
            stop_at_eos: true,
        };
        let started = std::time::Instant::now();
        let mut rec = Recorder::new(self.model_id);
        let mut failed = None;
        let mut streaming = true;
        let miner = self.key.as_ref();
        self.engine
            .generate(&prompt, &opts, |step| {
                if let Err(e) = rec.record(step.index as u64, step.token, step.logits) {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
                // The requester sees each token at once (best effort; delivery is what counts).
                if streaming {
                    let push = Push::signed(miner, key, step.index as u32, &[step.token], false);
                    if let Err(e) = blobs.push_stream(key, &push) {
                        debug!("miner: streaming {key} stopped: {e}");
                        streaming = false;
                    }
                }
                ControlFlow::Continue(())
            })
            .map_err(|e| MarketError::Engine(e.to_string()))?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        let committed = rec.finish()?;
        let tokens = &committed.tokens;
        self.stats.tokens_generated.inc_by(tokens.len() as u64);
        self.stats
            .generation_ms
            .inc_by(started.elapsed().as_millis() as u64);
        if streaming {
            let end = Push::signed(miner, key, tokens.len() as u32, &[], true);
            let _ = blobs.push_stream(key, &end);
        }
        blobs.put_tokens(&prompt, &self.key)?;
        let leaves = committed.tree.leaves();
        if self.upload_output {
            blobs.put_tokens(tokens, &self.key)?;
            blobs.put_leaves(leaves, &self.key)?;
        }
        let result = JobResult {
            root: committed.commitment.root,
            chain: committed.commitment.chain,
            output_hash: tokens_hash(tokens),
            token_count: tokens.len() as u32,
            slot: 0,
            leaves_hash: ambient_blobs::BlobId::of(&leaves_blob(leaves)).0,
            prompt_tokens: prompt.len() as u32,
        };
        let sig = chain.send(
            &self.key,
            &[],
            &[submit_result(&me, key, &r.winner, result)],
        )?;
        self.stats.jobs_delivered.inc();
        info!("miner: delivered {} tokens for {key} ({sig})", tokens.len());
        Ok(())
    }
}
