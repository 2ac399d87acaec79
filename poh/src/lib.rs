//! `ambient-poh`: the Proof-of-History clock of an Ambient node, on `solana-entry`'s `Poh`.
//!
//! [`PohRecorder`] turns the hash chain into ledger entries: a tick entry every `hashes_per_tick`
//! hashes (or on demand in low-power mode), and one entry per recorded transaction batch (its hash
//! mixed into the chain), `ticks_per_slot` ticks to a slot. [`Pacer`] holds ticks to wall-clock
//! time (400 ms slots by default). Entries verify with `solana_entry::entry::EntrySlice`.

use std::time::{Duration, Instant};

use solana_entry::entry::{hash_transactions, Entry};
use solana_entry::poh::Poh;
use solana_hash::Hash;
use solana_transaction::versioned::VersionedTransaction;

/// PoH timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PohConfig {
    /// Wall-clock length of a slot.
    pub slot_duration: Duration,
    /// Ticks per slot (a power of two).
    pub ticks_per_slot: u64,
    /// Hashes between ticks; `None` is low-power mode (a tick whenever asked for).
    pub hashes_per_tick: Option<u64>,
}

impl Default for PohConfig {
    /// 400 ms slots of 64 ticks, low-power hashing (a development node).
    fn default() -> Self {
        PohConfig {
            slot_duration: Duration::from_millis(400),
            ticks_per_slot: 64,
            hashes_per_tick: None,
        }
    }
}

/// Errors of the recorder.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PohError {
    /// A tick is due before more can be recorded.
    #[error("a tick is due before recording")]
    TickDue,
    /// The configuration is unusable.
    #[error("invalid PoH configuration: {0}")]
    Config(String),
}

/// Builds the entries of consecutive slots from one hash chain.
pub struct PohRecorder {
    poh: Poh,
    config: PohConfig,
    slot: u64,
    ticks_in_slot: u64,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for PohRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PohRecorder")
            .field("slot", &self.slot)
            .field("ticks_in_slot", &self.ticks_in_slot)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl PohRecorder {
    /// Starts the chain at `start_hash` (the parent slot's last entry hash) in `slot`.
    pub fn new(start_hash: Hash, slot: u64, config: PohConfig) -> Result<Self, PohError> {
        if !config.ticks_per_slot.is_power_of_two() {
            return Err(PohError::Config(format!(
                "ticks per slot {} is not a power of two",
                config.ticks_per_slot
            )));
        }
        if config.hashes_per_tick.is_some_and(|h| h < 2) {
            return Err(PohError::Config(
                "hashes per tick must be at least 2".into(),
            ));
        }
        if config.slot_duration.is_zero() {
            return Err(PohError::Config("slot duration must be positive".into()));
        }
        Ok(PohRecorder {
            poh: Poh::new(start_hash, config.hashes_per_tick),
            config,
            slot,
            ticks_in_slot: 0,
            entries: Vec::new(),
        })
    }

    /// The slot being recorded.
    pub fn slot(&self) -> u64 {
        self.slot
    }

    /// Ticks recorded in the current slot.
    pub fn ticks_in_slot(&self) -> u64 {
        self.ticks_in_slot
    }

    /// Whether the current slot has all its ticks.
    pub fn slot_complete(&self) -> bool {
        self.ticks_in_slot == self.config.ticks_per_slot
    }

    /// Hashes up to `max` times (never past a due tick); returns whether a tick is due.
    pub fn hash(&mut self, max: u64) -> bool {
        self.poh.hash(max)
    }

    /// Mixes a transaction batch into the chain as one entry.
    pub fn record(&mut self, transactions: Vec<VersionedTransaction>) -> Result<&Entry, PohError> {
        if self.slot_complete() {
            return Err(PohError::TickDue);
        }
        let mixin = hash_transactions(&transactions);
        let e = self.poh.record(mixin).ok_or(PohError::TickDue)?;
        self.entries.push(Entry {
            num_hashes: e.num_hashes,
            hash: e.hash,
            transactions,
        });
        Ok(self.entries.last().expect("just pushed"))
    }

    /// Advances the chain to the next tick, if one is due (always in low-power mode). Returns the
    /// tick entry when one was produced.
    pub fn tick(&mut self) -> Option<&Entry> {
        if self.slot_complete() {
            return None;
        }
        if self.config.hashes_per_tick.is_some() {
            while !self.poh.hash(u64::MAX) {}
        }
        let e = self.poh.tick()?;
        self.entries.push(Entry {
            num_hashes: e.num_hashes,
            hash: e.hash,
            transactions: vec![],
        });
        self.ticks_in_slot += 1;
        self.entries.last()
    }

    /// Takes the finished slot's entries and moves to the next slot (`None` if the slot still
    /// misses ticks).
    pub fn take_slot(&mut self) -> Option<(u64, Vec<Entry>)> {
        if !self.slot_complete() {
            return None;
        }
        let slot = self.slot;
        self.slot += 1;
        self.ticks_in_slot = 0;
        Some((slot, std::mem::take(&mut self.entries)))
    }
}

/// Holds ticks to wall-clock time: tick `n` (counted from the start) is due at
/// `start + n × slot_duration / ticks_per_slot`.
#[derive(Clone, Copy, Debug)]
pub struct Pacer {
    start: Instant,
    tick: Duration,
}

impl Pacer {
    /// A pacer starting now.
    pub fn new(config: &PohConfig) -> Self {
        Self::starting_at(Instant::now(), config)
    }

    /// A pacer whose tick 0 was at `start`.
    pub fn starting_at(start: Instant, config: &PohConfig) -> Self {
        Pacer {
            start,
            tick: config.slot_duration / config.ticks_per_slot as u32,
        }
    }

    /// When tick `n` is due.
    pub fn due(&self, n: u64) -> Instant {
        self.start + self.tick * n as u32
    }

    /// Sleeps until tick `n` is due (returns at once if it already is).
    pub fn wait(&self, n: u64) {
        let due = self.due(n);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
    }
}
