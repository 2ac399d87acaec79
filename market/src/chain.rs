//! The chain as the market's participants see it: auction requests and bids read over JSON-RPC,
//! transactions signed and sent to the node.

use ambient_sdk::auction::draw::decode_slot_hashes;
use ambient_sdk::auction::state::{
    Appeal, Bid, Request, APPEAL_LEN, BID_LEN, REQUESTER_OFFSET, REQUEST_LEN,
};
use ambient_sdk::auction::ID as AUCTION;
use ambient_sdk::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use ambient_sdk::registry::state::Record;
use ambient_sdk::registry::{verifier_record, ID as REGISTRY};
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::error::MarketError;

/// How long [`Chain::send`] waits for a node that makes no new slot (stopping, or stalled).
pub const STALL: std::time::Duration = std::time::Duration::from_secs(10);

/// How often [`Chain::send`] asks whether its transaction has landed.
pub const STATUS_POLL: std::time::Duration = std::time::Duration::from_millis(25);

/// A node's RPC, read at `processed` (the market acts on the newest state; every step it takes is
/// checked again on chain).
pub struct Chain {
    rpc: RpcClient,
}

impl Chain {
    /// Talks to the JSON-RPC at `url`.
    pub fn new(url: &str) -> Self {
        Chain {
            rpc: RpcClient::new_with_commitment(url.to_string(), CommitmentConfig::processed()),
        }
    }

    /// The RPC client.
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// The newest processed slot (a block the node has finished).
    pub fn slot(&self) -> Result<u64, MarketError> {
        Ok(self.rpc.get_slot()?)
    }

    /// The earliest slot a transaction sent now can land in: the one after the newest processed
    /// slot (the block being produced). Window checks use this, so a step sent in a window's
    /// last slot is not sent too late, nor one a slot too early.
    pub fn landing_slot(&self) -> Result<u64, MarketError> {
        Ok(self.slot()? + 1)
    }

    /// Every auction request account, decoded (malformed ones skipped).
    pub fn requests(&self) -> Result<Vec<(Pubkey, Request)>, MarketError> {
        self.program_accounts(REQUEST_LEN, |d| Request::read(d).ok().flatten())
    }

    /// The request accounts `requester` opened, decoded (malformed ones skipped).
    pub fn requests_of(&self, requester: &Pubkey) -> Result<Vec<(Pubkey, Request)>, MarketError> {
        let by = RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            REQUESTER_OFFSET,
            requester.to_bytes().to_vec(),
        ));
        self.program_accounts_where(REQUEST_LEN, vec![by], |d| Request::read(d).ok().flatten())
    }

    /// Every bid account, decoded (malformed ones skipped).
    pub fn bids(&self) -> Result<Vec<(Pubkey, Bid)>, MarketError> {
        self.program_accounts(BID_LEN, |d| Bid::read(d).ok().flatten())
    }

    /// The auction program's accounts of `len` bytes that `decode` accepts.
    fn program_accounts<T>(
        &self,
        len: usize,
        decode: impl Fn(&[u8]) -> Option<T>,
    ) -> Result<Vec<(Pubkey, T)>, MarketError> {
        self.program_accounts_where(len, Vec::new(), decode)
    }

    /// Like [`Chain::program_accounts`], among the accounts that also match `filters`.
    fn program_accounts_where<T>(
        &self,
        len: usize,
        mut filters: Vec<RpcFilterType>,
        decode: impl Fn(&[u8]) -> Option<T>,
    ) -> Result<Vec<(Pubkey, T)>, MarketError> {
        filters.push(RpcFilterType::DataSize(len as u64));
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let accounts = self
            .rpc
            .get_program_ui_accounts_with_config(&AUCTION, config)?;
        Ok(accounts
            .into_iter()
            .filter_map(|(k, a)| {
                let data = a.data.decode()?;
                decode(&data).map(|r| (k, r))
            })
            .collect())
    }

    /// The data of an auction-owned account of `len` bytes, if there is one at `key`.
    fn auction_account(&self, key: &Pubkey, len: usize) -> Result<Option<Vec<u8>>, MarketError> {
        Ok(self
            .rpc
            .get_account_with_commitment(key, CommitmentConfig::processed())?
            .value
            .filter(|a| a.owner == AUCTION && a.data.len() == len)
            .map(|a| a.data))
    }

    /// One request, if its account exists and holds one.
    pub fn request(&self, key: &Pubkey) -> Result<Option<Request>, MarketError> {
        match self.auction_account(key, REQUEST_LEN)? {
            Some(d) => {
                Request::read(&d).map_err(|e| MarketError::Account(key.to_string(), e.to_string()))
            }
            None => Ok(None),
        }
    }

    /// A bid account, if it exists.
    pub fn bid(&self, key: &Pubkey) -> Result<Option<Bid>, MarketError> {
        match self.auction_account(key, BID_LEN)? {
            Some(d) => {
                Bid::read(&d).map_err(|e| MarketError::Account(key.to_string(), e.to_string()))
            }
            None => Ok(None),
        }
    }

    /// An appeal account, if it exists.
    pub fn appeal(&self, key: &Pubkey) -> Result<Option<Appeal>, MarketError> {
        match self.auction_account(key, APPEAL_LEN)? {
            Some(d) => {
                Appeal::read(&d).map_err(|e| MarketError::Account(key.to_string(), e.to_string()))
            }
            None => Ok(None),
        }
    }

    /// The verifier record of `who` ([`ambient_sdk::registry::verifier_record`]), if it has one.
    pub fn verifier_record(&self, who: &Pubkey) -> Result<Option<Record>, MarketError> {
        let key = verifier_record(who);
        let account = self
            .rpc
            .get_account_with_commitment(&key, CommitmentConfig::processed())?
            .value
            .filter(|a| a.owner == REGISTRY);
        match account {
            Some(a) => Record::read(&a.data)
                .map_err(|e| MarketError::Account(key.to_string(), e.to_string())),
            None => Ok(None),
        }
    }

    /// Which of `who` hold a verifier record that lets them vote (one read for all of them).
    pub fn may_vote(&self, who: &[Pubkey]) -> Result<Vec<bool>, MarketError> {
        let keys: Vec<Pubkey> = who.iter().map(verifier_record).collect();
        let mut out = Vec::with_capacity(who.len());
        // The RPC answers at most 100 accounts per call.
        for (chunk, ids) in keys.chunks(100).zip(who.chunks(100)) {
            let accounts = self
                .rpc
                .get_multiple_accounts_with_commitment(chunk, CommitmentConfig::processed())?
                .value;
            out.extend(accounts.iter().zip(ids).map(|(a, id)| {
                a.as_ref()
                    .filter(|a| a.owner == REGISTRY)
                    .and_then(|a| Record::read(&a.data).ok().flatten())
                    .is_some_and(|r| r.may_vote(id))
            }));
        }
        Ok(out)
    }

    /// The data of an account the chain always has (a sysvar, the LStake table).
    fn fixed_account(&self, key: &Pubkey) -> Result<Vec<u8>, MarketError> {
        Ok(self
            .rpc
            .get_account_with_commitment(key, CommitmentConfig::processed())?
            .value
            .ok_or_else(|| MarketError::Account(key.to_string(), "missing".into()))?
            .data)
    }

    /// The hashes of recent slots as the `SlotHashes` sysvar holds them (newest first): what a
    /// committee draw is seeded by.
    pub fn slot_hashes(&self) -> Result<Vec<(u64, [u8; 32])>, MarketError> {
        let key = solana_sdk_ids::sysvar::slot_hashes::id();
        decode_slot_hashes(&self.fixed_account(&key)?)
            .ok_or_else(|| MarketError::Account(key.to_string(), "not SlotHashes".into()))
    }

    /// The LStake table in force (the committee draw's weights).
    pub fn lstake_table(&self) -> Result<LStakeTable, MarketError> {
        LStakeTable::decode(&self.fixed_account(&LSTAKE_TABLE)?)
            .map_err(|e| MarketError::Account(LSTAKE_TABLE.to_string(), e.to_string()))
    }

    /// Rent-exempt minimum for `len` bytes.
    pub fn rent(&self, len: usize) -> Result<u64, MarketError> {
        Ok(self.rpc.get_minimum_balance_for_rent_exemption(len)?)
    }

    pub(crate) fn sign(
        &self,
        payer: &Keypair,
        signers: &[&Keypair],
        ixs: &[Instruction],
    ) -> Result<Transaction, MarketError> {
        let mut all: Vec<&Keypair> = vec![payer];
        all.extend(signers.iter().filter(|k| k.pubkey() != payer.pubkey()));
        let blockhash = self.rpc.get_latest_blockhash()?;
        Ok(Transaction::new_signed_with_payer(
            ixs,
            Some(&payer.pubkey()),
            &all,
            blockhash,
        ))
    }

    /// Signs `ixs` (payer first) and sends them, waiting until the node has processed them.
    pub fn send(
        &self,
        payer: &Keypair,
        signers: &[&Keypair],
        ixs: &[Instruction],
    ) -> Result<Signature, MarketError> {
        let tx = self.sign(payer, signers, ixs)?;
        self.send_signed(&tx)
    }

    /// Sends a signed transaction, waiting until the node has processed it.
    pub fn send_signed(&self, tx: &Transaction) -> Result<Signature, MarketError> {
        let sig = self.send_unchecked(tx)?;
        self.processed(&sig, &tx.message.recent_blockhash)
    }

    /// Sends `tx` again if the node's current fork does not hold it — it was dropped, or landed on
    /// a fork the cluster has since abandoned — and says whether it did; an error
    /// ([`MarketError::Lost`]) once its blockhash expired without it.
    pub fn resend_if_missing(&self, tx: &Transaction) -> Result<bool, MarketError> {
        let sig = tx.signatures[0];
        let status = self
            .rpc
            .get_signature_statuses(&[sig])?
            .value
            .pop()
            .flatten();
        if let Some(status) = status {
            return match status.err {
                None => Ok(false),
                Some(e) => Err(MarketError::Rpc(format!("transaction {sig} failed: {e}"))),
            };
        }
        if !self
            .rpc
            .is_blockhash_valid(&tx.message.recent_blockhash, CommitmentConfig::processed())?
        {
            return Err(MarketError::Lost(format!(
                "transaction {sig} expired without landing on the node's fork"
            )));
        }
        log::info!("transaction {sig} is not on the node's fork: sending it again");
        self.send_unchecked(tx)?;
        Ok(true)
    }

    /// Waits until `sig` is processed (an error if it failed, once its blockhash expired without
    /// it, or once the node made no slot for [`STALL`] — a node shutting down keeps every
    /// blockhash valid). Polls every [`STATUS_POLL`]: the RPC client's own confirmation sleeps
    /// 500 ms between checks, more than a slot.
    fn processed(
        &self,
        sig: &Signature,
        blockhash: &solana_hash::Hash,
    ) -> Result<Signature, MarketError> {
        let mut last_check = std::time::Instant::now();
        let mut progress = (self.slot()?, std::time::Instant::now());
        loop {
            let status = self
                .rpc
                .get_signature_statuses(&[*sig])?
                .value
                .pop()
                .flatten();
            if let Some(status) = status {
                return match status.err {
                    None => Ok(*sig),
                    Some(e) => Err(MarketError::Rpc(format!("transaction {sig} failed: {e}"))),
                };
            }
            if last_check.elapsed() >= std::time::Duration::from_secs(2) {
                last_check = std::time::Instant::now();
                if !self
                    .rpc
                    .is_blockhash_valid(blockhash, CommitmentConfig::processed())?
                {
                    return Err(MarketError::Lost(format!(
                        "transaction {sig} expired without landing"
                    )));
                }
                let slot = self.slot()?;
                if slot != progress.0 {
                    progress = (slot, std::time::Instant::now());
                } else if progress.1.elapsed() >= STALL {
                    return Err(MarketError::Lost(format!(
                        "transaction {sig}: the node made no slot after {slot} in {STALL:?}"
                    )));
                }
            }
            std::thread::sleep(STATUS_POLL);
        }
    }

    /// Signs and sends without waiting: for steps whose outcome the next pass reads back from
    /// the chain, so many can be in flight at once.
    pub fn submit(
        &self,
        payer: &Keypair,
        signers: &[&Keypair],
        ixs: &[Instruction],
    ) -> Result<Signature, MarketError> {
        let tx = self.sign(payer, signers, ixs)?;
        self.send_unchecked(&tx)
    }

    /// Sends without the node's preflight simulation: it runs against the newest processed block,
    /// one slot before the one the transaction lands in ([`Chain::landing_slot`]), and would refuse
    /// a step whose window opens with the next slot. Failures show in the signature's status.
    fn send_unchecked(&self, tx: &Transaction) -> Result<Signature, MarketError> {
        let config = solana_rpc_client_api::config::RpcSendTransactionConfig {
            skip_preflight: true,
            ..Default::default()
        };
        Ok(self.rpc.send_transaction_with_config(tx, config)?)
    }
}
