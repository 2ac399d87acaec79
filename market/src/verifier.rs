//! The verifier: when drawn into a job's committee it fetches the prompt and the output from the
//! blob store, recomputes every position with one prefill (PoL full validation against the
//! commitment the miner put on chain) and votes. An output nobody can fetch by the last slots of
//! the vote is withheld work and voted fraud; but when its node reaches none of its blob peers
//! (the store answers `503`), a miss says nothing about the miner and it abstains. A job its
//! winner declined is checked for what the winner claimed: valid when the prompt is missing or
//! cannot be served, fraud when it can. Each key it votes as first registers a verifier record
//! bonded with `MIN_VERIFIER_BOND` (votes need one; a vote the final verdict contradicts, or a
//! missed one, costs part of it). When a committee votes fraud on a job of one of its keys (its
//! miner's) and its own check of the job finds it valid, it appeals, bond and all, to a fresh
//! committee. (A requester that checks the answers it paid for appeals a valid verdict itself,
//! with `ambient_sdk::auction::instruction::appeal`: checking every answer costs a prefill each.)
//! The node's verifier also moves every auction along (the keeper's steps).

use std::sync::Arc;

use ambient_llm::Engine;
use ambient_pol::commit::Committed;
use ambient_pol::validate::{end_fraud, first_divergence, Divergence, LogitsSource};
use ambient_pol::PolError;
use ambient_sdk::auction::instruction::{appeal, verdict, Evidence};
use ambient_sdk::auction::state::{Request, RequestState, APPEAL_LEN};
use ambient_sdk::auction::{commitment, sampling_params};
use ambient_sdk::registry::instruction::{register_verifier_holding, top_up_verifier};
use ambient_sdk::registry::state::RECORD_LEN;
use ambient_sdk::registry::{verifier_record, MIN_VERIFIER_BOND};
use log::{info, warn};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::blobs::Blobs;
use crate::chain::Chain;
use crate::error::MarketError;
use crate::keeper;

/// Slots before the vote deadline at which missing blobs count as withheld.
const WITHHELD_MARGIN: u64 = 3;

/// How long after a failed registration (no funds, RPC down) a voter tries again.
const BOND_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// How many times a refused appeal is sent before the verifier gives up on it.
const APPEAL_TRIES: u8 = 3;

/// Where a job's appeal stands for the verifier.
#[derive(Clone, Copy, Debug)]
enum Appealing {
    /// Its own check found the job valid: the appeal is due (`tries` refused so far;
    /// `told_short` once the appellant was found unable to pay).
    Due { tries: u8, told_short: bool },
    /// Appealed, given up, or its own check agrees with the verdict.
    Done,
}

/// A verifier (and keeper).
pub struct Verifier {
    key: Arc<Keypair>,
    /// Every key it votes as when drawn (its own first): an operator's miner key earns LStake
    /// too, so it is drawn into committees and must vote.
    voters: Vec<Arc<Keypair>>,
    /// Whether it also takes every auction's permissionless steps.
    keeps: bool,
    /// The ended auctions it has counted (as long as their accounts are open).
    ended: std::collections::HashSet<Pubkey>,
    /// Voters whose verifier record may vote, and when each voter's record was last checked.
    bonded: std::collections::HashSet<Pubkey>,
    bond_tried: std::collections::HashMap<Pubkey, std::time::Instant>,
    /// Jobs whose fraud verdict it checked for an appeal, with what it found (once each, while
    /// their accounts are open).
    appeals: std::collections::HashMap<Pubkey, Appealing>,
    /// Votes the opposite of what it finds (tests of appeals only).
    lies: bool,
    chain: Chain,
    blobs: Blobs,
    engine: Arc<Engine>,
    stats: crate::stats::MarketStats,
}

impl Verifier {
    /// A verifier signing with `key`, talking to the node at `rpc_url` / `api_url`.
    pub fn new(
        key: Arc<Keypair>,
        rpc_url: &str,
        api_url: &str,
        engine: Arc<Engine>,
    ) -> Result<Self, MarketError> {
        Ok(Verifier {
            voters: vec![key.clone()],
            keeps: true,
            ended: Default::default(),
            bonded: Default::default(),
            bond_tried: Default::default(),
            appeals: Default::default(),
            lies: false,
            key,
            chain: Chain::new(rpc_url),
            blobs: Blobs::new(api_url)?,
            engine,
            stats: Default::default(),
        })
    }

    /// Also votes as `key` when it is drawn into a committee.
    pub fn also_vote_as(&mut self, key: Arc<Keypair>) {
        if self.voters.iter().all(|k| k.pubkey() != key.pubkey()) {
            self.voters.push(key);
        }
    }

    /// Votes the opposite of what it finds, with evidence the program accepts (fraud on valid
    /// work as unavailable data, valid on fraud with the committed root): a dishonest committee
    /// member, for tests of the appeal that must overcome it. Its own appeals still rest on an
    /// honest check.
    pub fn lie(&mut self) {
        self.lies = true;
    }

    /// Only votes, leaving the auctions' other steps to the nodes' keepers.
    pub fn vote_only(&mut self) {
        self.keeps = false;
    }

    /// Counts into `stats` (the node's metrics).
    pub fn with_stats(&mut self, stats: crate::stats::MarketStats) {
        self.stats = stats;
    }

    /// One pass: vote where drawn and not yet voted, take every auction's due step, and close the
    /// bids miners left behind.
    pub fn step(&mut self) -> Result<(), MarketError> {
        self.bond_voters();
        let slot = self.chain.landing_slot()?;
        let requests: std::collections::HashMap<_, _> =
            self.chain.requests()?.into_iter().collect();
        self.appeals.retain(|k, _| requests.contains_key(k));
        for (key, r) in &requests {
            if let Err(e) = self.vote_if_drawn(slot, key, r) {
                warn!("verifier: request {key}: {e}");
            }
            if let Err(e) = self.appeal_if_wronged(slot, key, r) {
                warn!("verifier: request {key}: {e}");
            }
        }
        if self.keeps {
            let round = keeper::Round::new(&self.chain, &self.key, slot);
            for (key, r) in &requests {
                round.crank(key, r);
            }
            keeper::close_left_behind(&self.chain, &self.key, &requests);
            self.count_ended(&requests);
        }
        Ok(())
    }

    /// Registers each voter without a bonded verifier record (a voter whose record exists but
    /// cannot vote — under the minimum bond, unbonding — is reported, not touched).
    fn bond_voters(&mut self) {
        // Checked again every BOND_RETRY, bonded or not: a slash can leave a bond under the
        // minimum.
        let due: Vec<Arc<Keypair>> = self
            .voters
            .iter()
            .filter(|v| {
                self.bond_tried
                    .get(&v.pubkey())
                    .is_none_or(|t| t.elapsed() >= BOND_RETRY)
            })
            .cloned()
            .collect();
        for v in due {
            let who = v.pubkey();
            self.bond_tried.insert(who, std::time::Instant::now());
            match self.bond(&v) {
                Ok(()) => {
                    self.bonded.insert(who);
                }
                Err(e) => {
                    self.bonded.remove(&who);
                    warn!("verifier: {who} cannot vote: {e}");
                }
            }
        }
    }

    /// Makes sure `v` has a verifier record that may vote: registers one if it has none, tops
    /// the bond up to the minimum if a slash left it under (with a warning: a slash means a vote
    /// the verdict contradicted, or a missed one). An unbonding record is reported, not touched.
    fn bond(&self, v: &Keypair) -> Result<(), MarketError> {
        let who = v.pubkey();
        match self.chain.verifier_record(&who)? {
            Some(r) if r.may_vote(&who) => Ok(()),
            Some(r) if r.unbonding_slot == 0 && r.bond < MIN_VERIFIER_BOND => {
                let more = MIN_VERIFIER_BOND - r.bond;
                let sig = self.chain.send(v, &[], &top_up_verifier(&who, more))?;
                warn!(
                    "verifier: {who}'s bond was slashed to {} lamports; topped it up by {more} \
                     to vote again ({sig})",
                    r.bond
                );
                Ok(())
            }
            Some(r) => Err(MarketError::Invalid(format!(
                "its verifier record holds {} lamports of bond and is {}unbonding",
                r.bond,
                if r.unbonding_slot == 0 { "not " } else { "" }
            ))),
            None => {
                let rent = self.chain.rent(RECORD_LEN)?;
                let needed = rent + MIN_VERIFIER_BOND;
                let balance = self.chain.rpc().get_balance(&who)?;
                if balance <= needed {
                    return Err(MarketError::Invalid(format!(
                        "it holds {balance} lamports; bonding needs {needed} and the fee"
                    )));
                }
                // Someone may have sent lamports to the record's address first.
                let held = self.chain.rpc().get_balance(&verifier_record(&who))?;
                let ixs = register_verifier_holding(&who, MIN_VERIFIER_BOND, rent, held);
                let sig = self.chain.send(v, &[], &ixs)?;
                info!("verifier: {who} bonded {MIN_VERIFIER_BOND} lamports to vote ({sig})");
                Ok(())
            }
        }
    }

    /// Counts each auction that ended, once (the metrics' jobs by final state).
    fn count_ended(&mut self, requests: &std::collections::HashMap<Pubkey, Request>) {
        self.ended.retain(|k| requests.contains_key(k));
        for (key, r) in requests {
            if r.state.is_final() && self.ended.insert(*key) {
                self.stats.ended(r.state);
            }
        }
    }

    /// Validates the job once if any of its keys is drawn and has not voted yet, then votes as
    /// each of them.
    fn vote_if_drawn(&mut self, slot: u64, key: &Pubkey, r: &Request) -> Result<(), MarketError> {
        let c = &r.committee;
        if r.state != RequestState::Verifying || slot >= c.deadline {
            return Ok(());
        }
        let drawn: Vec<Arc<Keypair>> = self
            .voters
            .iter()
            .filter(|v| self.bonded.contains(&v.pubkey()))
            .filter(|v| c.silent().any(|m| *m == v.pubkey()))
            .cloned()
            .collect();
        if drawn.is_empty() {
            return Ok(());
        }
        if r.model_id != self.engine.model_id().0 {
            warn!("verifier: request {key} names a model this node does not run");
            return Ok(());
        }
        let started = std::time::Instant::now();
        let checked = self.judge(r);
        self.stats
            .validation_ms
            .inc_by(started.elapsed().as_millis() as u64);
        let (valid, evidence) = match checked {
            Ok(v) => v,
            Err(MarketError::MissingBlob(id)) => {
                if slot + WITHHELD_MARGIN < c.deadline {
                    return Ok(()); // try again next pass
                }
                if r.declined() {
                    info!("verifier: request {key}: the prompt {id} is missing; upholding the decline");
                    (true, Evidence::Prompt)
                } else {
                    warn!("verifier: request {key}: blob {id} withheld; voting fraud");
                    (false, Evidence::Unavailable)
                }
            }
            Err(MarketError::Pol(PolError::Engine(e))) => {
                // This node's engine failed (memory, device, a context it caps lower): no
                // finding about the miner. Abstain, retry next pass.
                self.stats.validation_errors.inc();
                return Err(MarketError::Engine(e));
            }
            Err(MarketError::Pol(e)) => {
                // A blob that is not what the result says it is, or work the engine cannot redo.
                warn!("verifier: request {key}: {e}; voting fraud");
                (false, Evidence::Unavailable)
            }
            Err(e) => {
                // Its own trouble (no blob peer reachable, RPC down): abstain, retry next pass.
                self.stats.validation_errors.inc();
                return Err(e);
            }
        };
        if valid {
            self.stats.validations_valid.inc();
        } else {
            self.stats.validations_fraud.inc();
        }
        let (valid, evidence) = match self.lies {
            false => (valid, evidence),
            true if r.declined() => (!valid, Evidence::Prompt),
            true if valid => (false, Evidence::Unavailable),
            true => (
                true,
                Evidence::Recomputed {
                    root: r.result.root,
                },
            ),
        };
        // Each key votes on its own: one failing (its bond slashed under the minimum since the
        // last check, say) does not keep the others silent.
        for voter in &drawn {
            let me = voter.pubkey();
            let ix = verdict(&me, key, valid, evidence.clone());
            match self.chain.send(voter, &[], &[ix]) {
                Ok(sig) => info!(
                    "verifier: {me} voted {} on {key} ({evidence:?}, {sig})",
                    if valid { "valid" } else { "fraud" }
                ),
                Err(e) => {
                    warn!("verifier: {me} could not vote on {key}: {e}");
                    self.bond_tried.remove(&me);
                }
            }
        }
        Ok(())
    }

    /// Appeals a fraud verdict on `r` (at `key`) against one of its keys (its miner's job) when
    /// its own check of the job finds it valid. The check runs once per job (again only after a
    /// failure of its own, such as a blob it could not fetch); an appellant that cannot pay the
    /// bond is told once and appeals if it is funded before the window closes; a refused appeal
    /// is sent at most [`APPEAL_TRIES`] times.
    fn appeal_if_wronged(
        &mut self,
        slot: u64,
        key: &Pubkey,
        r: &Request,
    ) -> Result<(), MarketError> {
        let Ok((false, appellant)) = r.appealable(slot) else {
            return Ok(());
        };
        let Some(k) = self
            .voters
            .iter()
            .find(|v| v.pubkey() == appellant)
            .cloned()
        else {
            return Ok(());
        };
        if r.model_id != self.engine.model_id().0 {
            return Ok(());
        }
        let Appealing::Due { tries, told_short } = self.appeal_state(key, r)? else {
            return Ok(());
        };
        let account = Keypair::new();
        let rent = self.chain.rent(APPEAL_LEN)?;
        let ixs = appeal(&appellant, key, &account.pubkey(), r.appeal_bond(), rent);
        let tx = self.chain.sign(&k, &[&account], &ixs)?;
        if let Some((needed, held)) = self.shortfall(&appellant, r.appeal_bond() + rent, &tx)? {
            if !told_short {
                warn!(
                    "verifier: {appellant} cannot pay the appeal of the fraud verdict on its job \
                     {key}: it needs {needed} lamports (bond, rent, fee) and holds {held}; it \
                     appeals if funded before slot {}",
                    r.appeal_end()
                );
            }
            self.appeals.insert(
                *key,
                Appealing::Due {
                    tries,
                    told_short: true,
                },
            );
            return Ok(());
        }
        let sent = self.chain.send_signed(&tx);
        let next = match &sent {
            Ok(_) => Appealing::Done,
            Err(_) if tries + 1 >= APPEAL_TRIES => Appealing::Done,
            Err(_) => Appealing::Due {
                tries: tries + 1,
                told_short,
            },
        };
        self.appeals.insert(*key, next);
        let sig = sent?;
        warn!("verifier: {appellant} appealed the fraud verdict on its job {key} ({sig})");
        Ok(())
    }

    /// Where the appeal of `r` (at `key`) stands; its own check of the job runs the first time.
    fn appeal_state(&mut self, key: &Pubkey, r: &Request) -> Result<Appealing, MarketError> {
        if let Some(state) = self.appeals.get(key) {
            return Ok(*state);
        }
        let (own, _) = self.judge(r)?;
        let state = if own {
            Appealing::Due {
                tries: 0,
                told_short: false,
            }
        } else {
            Appealing::Done
        };
        self.appeals.insert(*key, state);
        Ok(state)
    }

    /// What `payer` lacks to pay `amount` besides `tx`'s fee: `(needed, held)` when it is short.
    fn shortfall(
        &self,
        payer: &Pubkey,
        amount: u64,
        tx: &solana_transaction::Transaction,
    ) -> Result<Option<(u64, u64)>, MarketError> {
        let needed = amount + self.chain.rpc().get_fee_for_message(&tx.message)?;
        let held = self.chain.rpc().get_balance(payer)?;
        Ok((held < needed).then_some((needed, held)))
    }

    /// What this verifier finds of `r`'s job and the evidence for it: a declined job's claim
    /// checked ([`Self::check_decline`]), a delivered one validated ([`Self::check`]).
    fn judge(&self, r: &Request) -> Result<(bool, Evidence), MarketError> {
        if r.declined() {
            self.check_decline(r).map(|v| (v, Evidence::Prompt))
        } else {
            self.check(r)
        }
    }

    /// Whether a declined job's claim holds: its prompt cannot be served (unreadable, or failing
    /// [`crate::prompt::problem`]). A prompt missing from the blob network is
    /// [`MarketError::MissingBlob`], which upholds the claim near the vote's deadline.
    fn check_decline(&self, r: &Request) -> Result<bool, MarketError> {
        match self.blobs.get_tokens(&r.prompt_hash) {
            Ok(prompt) => Ok(crate::prompt::problem(&self.engine, r, &prompt).is_some()),
            Err(MarketError::Pol(_)) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Full validation of the delivered job against its on-chain commitment, and the evidence the
    /// vote rests on: a prompt count that is not the prompt's, an output that breaks a rule at a position (its length, the end rule, the
    /// sampler's pick), token hashes that do not rebuild the commitment, the first position whose
    /// token hash differs from the miner's (with the miner's opening there), or the recomputed
    /// root when every position agrees.
    fn check(&self, r: &Request) -> Result<(bool, Evidence), MarketError> {
        let prompt = self.blobs.get_tokens(&r.prompt_hash)?;
        let output = self.blobs.get_tokens(&r.result.output_hash)?;
        if prompt.len() != r.result.prompt_tokens as usize {
            info!(
                "verifier: the prompt has {} tokens, not the {} claimed",
                prompt.len(),
                r.result.prompt_tokens
            );
            return Ok((false, Evidence::PromptLength));
        }
        let count = r.result.token_count as usize;
        let misreported = |position: usize| {
            info!("verifier: the output breaks a rule at position {position}");
            Ok((
                false,
                Evidence::Misreported {
                    position: position as u32,
                },
            ))
        };
        if output.len() != count {
            return misreported(output.len().min(count));
        }
        if let Some(p) = end_fraud(&output, r.max_tokens, |t| self.engine.ends(t)) {
            return misreported(p.position as usize);
        }
        let leaves = match self.blobs.get_leaves(&r.result.leaves_hash) {
            Ok(l) if l.len() == count => l,
            Ok(_) | Err(MarketError::Pol(_)) => return Ok((false, Evidence::Unavailable)),
            Err(e) => return Err(e),
        };
        let miner = Committed::from_leaves(leaves, output)?;
        if miner.commitment != commitment(r) {
            info!("verifier: the miner's token hashes do not rebuild its commitment");
            return Ok((false, Evidence::Unavailable));
        }
        let sampling = sampling_params(&r.sampling);
        let (leaves, output) = (miner.tree.leaves(), &miner.tokens);
        match first_divergence(self.engine.as_ref(), &prompt, output, &sampling, leaves)? {
            None => Ok((
                true,
                Evidence::Recomputed {
                    root: r.result.root,
                },
            )),
            Some(Divergence::Sample { position }) => misreported(position as usize),
            Some(Divergence::Leaf { position, own_leaf }) => {
                info!("verifier: the token hashes part at position {position}");
                Ok((
                    false,
                    Evidence::Diverges {
                        position: position as u32,
                        miner_leaf: leaves[position as usize],
                        own_leaf,
                        proof: miner.tree.proof(position)?,
                    },
                ))
            }
        }
    }
}
