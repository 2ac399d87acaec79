//! A real bank to send signed transactions to, shared by the runtime's tests.

#![allow(dead_code)]

use std::sync::{Arc, RwLock};

use ambient_runtime::{new_bank_forks, AmbientGenesis, GenesisParams};
use solana_hash::Hash;
use solana_instruction::error::InstructionError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_runtime::bank_forks::BankForks;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

/// Lamports per SOL.
pub const SOL: u64 = 1_000_000_000;

/// The model id the test clusters serve.
pub const MODEL_ID: [u8; 32] = [1; 32];

/// A cluster's bank forks with the working bank and the faucet.
pub struct Chain {
    _dir: tempfile::TempDir,
    forks: Arc<RwLock<BankForks>>,
    /// The bank transactions go to.
    pub bank: Arc<Bank>,
    /// The genesis faucet.
    pub faucet: Keypair,
    /// Transactions sent, their signatures and their bytes on the wire, so far.
    pub sent: std::cell::Cell<Sent>,
}

/// What a [`Chain`] has been sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// Transactions.
    pub transactions: usize,
    /// Signatures (each pays the base fee).
    pub signatures: usize,
    /// Bytes of the serialised transactions (what crosses the wire and lands in the ledger).
    pub bytes: usize,
}

/// A fresh Ambient genesis and its first bank.
pub fn chain() -> Chain {
    chain_with_lstake(Vec::new())
}

/// A fresh genesis whose LStake table holds `lstake` (the bootstrap validator's when empty).
pub fn chain_with_lstake(lstake: Vec<(Pubkey, u64)>) -> Chain {
    let audit = GenesisParams::dev(Pubkey::default()).audit;
    chain_with(lstake, audit, None)
}

/// Like [`chain_with_lstake`], with the network's audit rate and its floor (ppm) at genesis and
/// `slots_per_epoch` (Agave's warm-up schedule when `None`).
pub fn chain_with(
    lstake: Vec<(Pubkey, u64)>,
    audit: (u64, u64),
    slots_per_epoch: Option<u64>,
) -> Chain {
    let mut params = GenesisParams::dev(Pubkey::new_unique());
    params.initial_lstake = lstake;
    params.audit = audit;
    params.slots_per_epoch = slots_per_epoch;
    params.allowed_models = vec![MODEL_ID];
    let g = AmbientGenesis::new(params);
    let dir = tempfile::tempdir().unwrap();
    let forks = new_bank_forks(&g.config, dir.path());
    let bank = forks.read().unwrap().working_bank();
    Chain {
        _dir: dir,
        forks,
        bank,
        faucet: g.faucet,
        sent: Default::default(),
    }
}

/// `DrawCommittee` for `req` as a keeper sends it: with the verifier records of the candidates
/// the draw walks, worked out from the bank's `SlotHashes`, LStake table and records (none when
/// something is missing: the program then refuses the draw).
pub fn draw_ix(c: &Chain, req: &Pubkey) -> Instruction {
    use ambient_programs::auction::draw::{
        decode_slot_hashes, draw_candidates, next_draw, seed_of,
    };
    use ambient_programs::auction::state::Request;
    use ambient_programs::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
    use ambient_programs::registry::state::Record;
    use solana_account::ReadableAccount;
    let data = |k: &Pubkey| c.bank.get_account(k).map(|a| a.data().to_vec());
    let walked = (|| {
        let r = Request::read(&data(req)?).ok()??;
        let hashes = decode_slot_hashes(&data(&solana_sdk_ids::sysvar::slot_hashes::id())?)?;
        let seed = seed_of(&hashes, r.seed_slots()).ok()?;
        let table = LStakeTable::decode(&data(&LSTAKE_TABLE)?).ok()?;
        let (order, need) = next_draw(&table, &r, req, &seed)?;
        let bonded = |v: &Pubkey| {
            data(&ambient_programs::registry::verifier_record(v))
                .and_then(|d| Record::read(&d).ok().flatten())
                .is_some_and(|rec| rec.may_vote(v))
        };
        Some(draw_candidates(&order, need, bonded))
    })();
    ambient_programs::auction::instruction::draw_committee(req, &walked.unwrap_or_default())
}

/// The custom error code of a failed instruction.
pub fn code_of(e: TransactionError) -> Option<u32> {
    match e {
        TransactionError::InstructionError(_, InstructionError::Custom(c)) => Some(c),
        _ => None,
    }
}

impl Chain {
    /// Signs (payer first) and processes a transaction in the working bank.
    pub fn send(
        &self,
        payer: &Keypair,
        signers: &[&Keypair],
        ixs: &[Instruction],
    ) -> Result<(), TransactionError> {
        let mut all: Vec<&Keypair> = vec![payer];
        all.extend(signers.iter().filter(|k| k.pubkey() != payer.pubkey()));
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&payer.pubkey()),
            &all,
            self.bank.last_blockhash(),
        );
        let mut sent = self.sent.get();
        let sigs = tx.signatures.len();
        sent.transactions += 1;
        sent.signatures += sigs;
        // The wire form: a short-vec count of signatures (one byte below 128), the signatures,
        // the message.
        sent.bytes += 1 + 64 * sigs + tx.message.serialize().len();
        self.sent.set(sent);
        self.bank.process_transaction(&tx)
    }

    /// A new key funded by the faucet.
    pub fn funded(&self, lamports: u64) -> Keypair {
        let k = Keypair::new();
        let ix = solana_system_interface::instruction::transfer(
            &self.faucet.pubkey(),
            &k.pubkey(),
            lamports,
        );
        self.send(&self.faucet, &[], &[ix]).unwrap();
        k
    }

    /// Rent-exempt minimum for `len` bytes.
    pub fn rent(&self, len: usize) -> u64 {
        self.bank.get_minimum_balance_for_rent_exemption(len)
    }

    /// The fee of a transaction with `signatures` signatures.
    pub fn fee(&self, signatures: u64) -> u64 {
        self.bank.last_blockhash_and_lamports_per_signature().1 * signatures
    }

    /// Ends the working bank's slot as a leader would (ticks up to the block boundary, which
    /// registers a new blockhash), freezes it, and continues in a child `slots` slots later.
    pub fn advance(&mut self, slots: u64) {
        let parent = self.bank.clone();
        let with_scheduler = self.forks.read().unwrap().working_bank_with_scheduler();
        assert_eq!(with_scheduler.slot(), parent.slot());
        let mut tick = 0u64;
        while parent.tick_height() < parent.max_tick_height() {
            let mut h = [0u8; 32];
            h[..8].copy_from_slice(&parent.slot().to_le_bytes());
            h[8..16].copy_from_slice(&tick.to_le_bytes());
            with_scheduler.register_tick(&Hash::new_from_array(h));
            tick += 1;
        }
        parent.freeze();
        let slot = parent.slot() + slots;
        let child = Bank::new_from_parent(parent.clone(), *parent.leader(), slot);
        self.forks.write().unwrap().insert(child);
        self.bank = self.forks.read().unwrap().get(slot).expect("inserted");
    }

    /// The current slot.
    pub fn slot(&self) -> u64 {
        self.bank.slot()
    }
}
