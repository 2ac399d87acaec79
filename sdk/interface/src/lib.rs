//! The query auction's interface for programs and clients: the program id, the instruction data
//! format, the account layouts and the `Request` instruction a program invokes (CPI) to ask the
//! network's model; after verification the program reads the result from the request account
//! ([`state::Request::read`], [`state::Request::verification`]).
//!
//! `no_std` (with `alloc`), no validator dependencies: an SVM program can depend on it.

#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod error;
pub mod instruction;
pub mod state;

use alloc::vec::Vec;
use solana_pubkey::Pubkey;

/// The auction's program id.
pub const ID: Pubkey = Pubkey::new_from_array(*b"ambient/query-auction/program/v1");

/// Address of the registry's allowed-models account (requests must name a model it lists).
pub const ALLOWED_MODELS: Pubkey = Pubkey::new_from_array(*b"ambient/allowed-models/account/1");

/// Committees drawn for one job at most: a committee whose deadline passes without a verdict is
/// replaced (its silent members left out) until this many have been drawn; then the job is voided.
pub const MAX_COMMITTEES: u8 = 3;

/// Slots after its draw slot whose hashes seed a committee draw: three leader windows of four
/// slots, so the hashes come from blocks other leaders made after the result landed, and the
/// leader of the result's slot cannot know the seed when it chooses what goes in that slot.
pub const SEED_SLOTS: u64 = 12;
const _: () = assert!(SEED_SLOTS < DRAW_SLOTS);

/// Slots after its draw slot ([`state::Request::draw_slot`]) within which a delivered job's
/// committee must be drawn; past them anyone may void the job. Below the 512 slots `SlotHashes`
/// keeps, so the seed's slots are always there while a draw is allowed.
pub const DRAW_SLOTS: u64 = 256;

/// Most prompt tokens a request may name (credited at their prefill cost; the largest context
/// the network serves).
pub const MAX_PROMPT_TOKENS: u32 = 32_768;

/// Smallest bid bond, in lamports (the bond of a job whose maximum price is below it).
pub const MIN_BID_BOND: u64 = 1_000_000;

/// An audit rate of every job, in parts per million. A bid's miner is audited at the rate the
/// LStake table gives it (every job for a miner without LStake); its bond is the request's
/// maximum price divided by that rate ([`state::Request::min_bond`]), so a forgery costs more
/// than it can earn however rarely it is audited.
pub const AUDIT_ALL_PPM: u32 = 1_000_000;

/// Slots the committee has to vote after it is drawn, for a short output ([`verify_slots`]).
pub const VERIFY_SLOTS: u64 = 16;

/// Output tokens per extra slot of the vote window: a verifier recomputes the whole output with
/// one prefill, so a long output gets a longer window.
pub const VERIFY_TOKENS_PER_SLOT: u64 = 8;

/// The longest vote window (a 8 064-token output; longer ones recompute in far less on a CPU).
pub const MAX_VERIFY_SLOTS: u64 = 1_024;

/// The vote window of a job whose output has `tokens` tokens (at most [`MAX_VERIFY_SLOTS`]).
/// The appeal window after a committee's verdict has the same length: the party the verdict goes
/// against checks the work as a member would before it appeals.
pub fn verify_slots(tokens: u32) -> u64 {
    (VERIFY_SLOTS + u64::from(tokens) / VERIFY_TOKENS_PER_SLOT).min(MAX_VERIFY_SLOTS)
}

/// Members of an appeal committee: drawn fresh (none of the appealed committee's members), its
/// majority final.
pub const APPEAL_COMMITTEE_SIZE: usize = state::MAX_COMMITTEE;

/// Smallest appeal bond, in lamports (an appeal's bond is the request's maximum price, at least
/// this: [`state::Request::appeal_bond`]).
pub const MIN_APPEAL_BOND: u64 = MIN_BID_BOND;

/// What a requester signs to have a node's REST API follow its auction and relay the answer
/// (`ambient.request` + `ambient.signature`): the answer goes only to whoever paid.
pub fn follow_message(request: &Pubkey) -> Vec<u8> {
    let mut m = Vec::with_capacity(15 + 32);
    m.extend_from_slice(b"ambient-follow:");
    m.extend_from_slice(request.as_ref());
    m
}
