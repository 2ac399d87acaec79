//! The work book: validated work per identity and epoch, the input of LStake and of the epoch's
//! rewards. The auction credits it when a job is finalised (the miner's inference work, the
//! verifiers' validation work and their share of the verification fee, whose lamports wait in the
//! reward pool) and zeroes a miner caught in fraud; the epoch roll turns its windows into the LStake
//! table and its epoch columns into claimable rewards.
//!
//! One account at a fixed address, owned by the auction program (the only writer) and allocated at
//! genesis for [`CAPACITY`] identities. Each identity keeps a ring of the last [`RING`] epochs
//! (enough for the medium window). A full book makes room for a newcomer with more work than the
//! least contributor (or for anyone, once someone's work has left the window).

use std::collections::BTreeMap;

use ambient_pol::lstake::{LStakeBook, LStakeParams};
use solana_pubkey::Pubkey;

use super::error::RegistryError;

/// The work book's address.
pub const WORK_BOOK: Pubkey = Pubkey::new_from_array(*b"ambient/work-book/account/v1\0\0\0\0");

/// Identities the book holds.
pub const CAPACITY: usize = 128;

/// Epochs each identity's ring covers (the default medium window).
pub const RING: usize = 45;

const KIND: u8 = 5;
const VERSION: u8 = 2;
const HEADER: usize = 2 + 4;
const NO_ZERO: u64 = u64::MAX;
/// Bytes per ring slot: epoch, inference units, validation units, fee lamports.
const SLOT: usize = 32;
/// Bytes per identity: key, the epoch fraud last zeroed it, and the ring of epoch slots.
const ENTRY: usize = 32 + 8 + RING * SLOT;

/// Size of the account.
pub const LEN: usize = HEADER + CAPACITY * ENTRY;

/// What one identity earned in one epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Credit {
    /// Inference work units (validated tokens served).
    pub inference: u64,
    /// Validation work units (tokens checked with the outcome).
    pub validation: u64,
    /// Verification fees earned, in lamports (held by the reward pool until the epoch roll).
    pub fees: u64,
}

impl Credit {
    /// Inference plus validation work: what LStake counts.
    pub fn work(&self) -> u64 {
        self.inference.saturating_add(self.validation)
    }

    fn add(&mut self, c: Credit) {
        self.inference = self.inference.saturating_add(c.inference);
        self.validation = self.validation.saturating_add(c.validation);
        self.fees = self.fees.saturating_add(c.fees);
    }

    fn is_empty(&self) -> bool {
        *self == Credit::default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    zeroed: Option<u64>,
    ring: Vec<(u64, Credit)>,
}

impl Entry {
    /// Work in the ring's window ending at `epoch` (the last [`RING`] epochs).
    fn window_work(&self, epoch: u64) -> u64 {
        self.ring
            .iter()
            .filter(|(e, _)| *e <= epoch && e.saturating_add(RING as u64) > epoch)
            .fold(0u64, |sum, (_, c)| sum.saturating_add(c.work()))
    }

    /// Whether it was credited or zeroed in `epoch` or the one before: its fees may still wait
    /// for the epoch roll, its fraud mark must hold.
    fn recent(&self, epoch: u64) -> bool {
        let near = |e: u64| e.saturating_add(1) >= epoch;
        self.zeroed.is_some_and(near) || self.ring.iter().any(|(e, c)| !c.is_empty() && near(*e))
    }
}

fn le(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().expect("8 bytes"))
}

/// The decoded book.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkBook {
    entries: BTreeMap<Pubkey, Entry>,
}

impl WorkBook {
    /// An empty book's account data.
    pub fn empty_account_data() -> Vec<u8> {
        let mut v = vec![0u8; LEN];
        WorkBook::default()
            .encode_into(&mut v)
            .expect("an empty book fits");
        v
    }

    /// Parses the account data.
    pub fn decode(d: &[u8]) -> Result<Self, RegistryError> {
        if d.len() != LEN || d[0] != KIND || d[1] != VERSION {
            return Err(RegistryError::WrongWorkBook);
        }
        let n = u32::from_le_bytes(d[2..6].try_into().expect("4 bytes")) as usize;
        if n > CAPACITY {
            return Err(RegistryError::WrongWorkBook);
        }
        let mut entries = BTreeMap::new();
        for e in d[HEADER..].chunks_exact(ENTRY).take(n) {
            let key = Pubkey::new_from_array(e[..32].try_into().expect("32 bytes"));
            let zeroed = le(&e[32..40]);
            let ring = e[40..]
                .chunks_exact(SLOT)
                .map(|c| {
                    (
                        le(&c[..8]),
                        Credit {
                            inference: le(&c[8..16]),
                            validation: le(&c[16..24]),
                            fees: le(&c[24..32]),
                        },
                    )
                })
                .collect();
            let zeroed = (zeroed != NO_ZERO).then_some(zeroed);
            entries.insert(key, Entry { zeroed, ring });
        }
        Ok(WorkBook { entries })
    }

    /// Writes the book into account data of [`LEN`] bytes.
    pub fn encode_into(&self, d: &mut [u8]) -> Result<(), RegistryError> {
        if d.len() != LEN {
            return Err(RegistryError::WrongWorkBook);
        }
        if self.entries.len() > CAPACITY {
            return Err(RegistryError::BookFull);
        }
        d.fill(0);
        d[0] = KIND;
        d[1] = VERSION;
        d[2..6].copy_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (e, (key, entry)) in d[HEADER..].chunks_exact_mut(ENTRY).zip(&self.entries) {
            e[..32].copy_from_slice(key.as_ref());
            e[32..40].copy_from_slice(&entry.zeroed.unwrap_or(NO_ZERO).to_le_bytes());
            for (c, (epoch, credit)) in e[40..].chunks_exact_mut(SLOT).zip(&entry.ring) {
                c[..8].copy_from_slice(&epoch.to_le_bytes());
                c[8..16].copy_from_slice(&credit.inference.to_le_bytes());
                c[16..24].copy_from_slice(&credit.validation.to_le_bytes());
                c[24..32].copy_from_slice(&credit.fees.to_le_bytes());
            }
        }
        Ok(())
    }

    /// Credits `credit` to `who` in `epoch`. Returns whether it was recorded: nothing is for an
    /// identity zeroed in this epoch or later.
    pub fn credit(
        &mut self,
        epoch: u64,
        who: Pubkey,
        credit: Credit,
    ) -> Result<bool, RegistryError> {
        if credit.is_empty() {
            return Ok(true);
        }
        if !self.entries.contains_key(&who) {
            self.make_room(epoch, credit.work())?;
        }
        let entry = self.entries.entry(who).or_insert_with(|| Entry {
            zeroed: None,
            ring: vec![(0, Credit::default()); RING],
        });
        if entry.zeroed.is_some_and(|z| epoch <= z) {
            return Ok(false);
        }
        let slot = &mut entry.ring[(epoch % RING as u64) as usize];
        if slot.0 != epoch {
            *slot = (epoch, Credit::default());
        }
        slot.1.add(credit);
        Ok(true)
    }

    /// Fraud: erases `who`'s work; it earns again from the epoch after `epoch`.
    pub fn zero(&mut self, epoch: u64, who: Pubkey) -> Result<(), RegistryError> {
        if !self.entries.contains_key(&who) {
            // The fraud mark must hold for the rest of the epoch: it takes a place like any work.
            self.make_room(epoch, u64::MAX)?;
        }
        self.entries.insert(
            who,
            Entry {
                zeroed: Some(epoch),
                ring: vec![(0, Credit::default()); RING],
            },
        );
        Ok(())
    }

    /// Makes room for a new identity about to be credited `work` in `epoch`: in a full book, the
    /// identity with the least work in the window ending at `epoch` leaves if it has less (or
    /// none at all), so the book always holds the largest contributors and no one can fill it to
    /// lock newcomers out. Identities credited or zeroed in this epoch or the last never leave.
    /// [`RegistryError::BookFull`] when no one may.
    fn make_room(&mut self, epoch: u64, work: u64) -> Result<(), RegistryError> {
        if self.entries.len() < CAPACITY {
            return Ok(());
        }
        let least = self
            .entries
            .iter()
            .filter(|(_, e)| !e.recent(epoch))
            .map(|(k, e)| (e.window_work(epoch), *k))
            .min();
        match least {
            Some((w, k)) if w < work || w == 0 => {
                self.entries.remove(&k);
                Ok(())
            }
            _ => Err(RegistryError::BookFull),
        }
    }

    /// What `who` earned in `epoch`.
    pub fn earned(&self, epoch: u64, who: &Pubkey) -> Credit {
        self.entries
            .get(who)
            .map(|e| e.ring[(epoch % RING as u64) as usize])
            .filter(|(e, _)| *e == epoch)
            .map_or(Credit::default(), |(_, c)| c)
    }

    /// Work (inference plus validation) credited to `who` in `epoch`.
    pub fn work(&self, epoch: u64, who: &Pubkey) -> u64 {
        self.earned(epoch, who).work()
    }

    /// Everyone who earned something in `epoch`, with what they earned.
    pub fn epoch(&self, epoch: u64) -> Vec<(Pubkey, Credit)> {
        self.entries
            .keys()
            .map(|k| (*k, self.earned(epoch, k)))
            .filter(|(_, c)| !c.is_empty())
            .collect()
    }

    /// The inference and the validation work credited to everyone in `epoch`, and how many
    /// identities fraud zeroed in it: what the roll moves the audit rate by.
    pub fn epoch_totals(&self, epoch: u64) -> (u64, u64, u64) {
        let (mut inference, mut validation) = (0u64, 0u64);
        for (_, c) in self.epoch(epoch) {
            inference = inference.saturating_add(c.inference);
            validation = validation.saturating_add(c.validation);
        }
        let frauds = self
            .entries
            .values()
            .filter(|e| e.zeroed == Some(epoch))
            .count() as u64;
        (inference, validation, frauds)
    }

    /// Every identity's LStake for the windows ending at `epoch`.
    pub fn lstake(&self, epoch: u64, p: &LStakeParams) -> BTreeMap<Pubkey, u64> {
        let mut book = LStakeBook::default();
        for (who, entry) in &self.entries {
            for &(e, credit) in &entry.ring {
                if credit.work() > 0 && e <= epoch {
                    book.credit(e, who.to_bytes(), credit.work());
                }
            }
        }
        book.lstake(epoch, p)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (Pubkey::new_from_array(k), v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ambient_pol::lstake::LSTAKE_ONE;

    fn inference(units: u64) -> Credit {
        Credit {
            inference: units,
            ..Credit::default()
        }
    }

    #[test]
    fn round_trip_credit_zero_and_windows() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut book = WorkBook::default();
        book.credit(3, a, inference(300)).unwrap();
        book.credit(3, b, inference(100)).unwrap();
        book.credit(4, a, inference(50)).unwrap();
        let verifier = Credit {
            inference: 0,
            validation: 5,
            fees: 40,
        };
        assert!(book.credit(4, b, verifier).unwrap());
        assert!(book.credit(4, b, verifier).unwrap());
        let mut d = WorkBook::empty_account_data();
        book.encode_into(&mut d).unwrap();
        let back = WorkBook::decode(&d).unwrap();
        assert_eq!(back, book);
        assert_eq!(back.work(3, &a), 300);
        assert_eq!(
            back.earned(4, &b),
            Credit {
                inference: 0,
                validation: 10,
                fees: 80
            }
        );
        assert_eq!(back.epoch(4).len(), 2);
        assert_eq!(back.epoch(5), vec![]);
        assert_eq!(
            back.work(3 + RING as u64, &a),
            0,
            "ring slots carry their epoch"
        );

        let p = LStakeParams::default();
        let l = back.lstake(4, &p);
        assert!(l[&a] > l[&b]);
        assert!(l.values().sum::<u64>() <= LSTAKE_ONE);

        // The ring reuses a slot for a later epoch.
        let mut later = back.clone();
        later.credit(3 + RING as u64, a, inference(7)).unwrap();
        assert_eq!(later.work(3 + RING as u64, &a), 7);
        assert_eq!(later.work(3, &a), 0);

        // Fraud zeroes, and credit in the same epoch is refused; the next epoch counts again.
        let mut z = back;
        z.zero(4, a).unwrap();
        assert!(!z.credit(4, a, inference(1_000)).unwrap());
        assert_eq!(z.work(3, &a), 0);
        assert_eq!(z.work(4, &a), 0);
        assert!(z.credit(5, a, inference(9)).unwrap());
        assert_eq!(z.work(5, &a), 9);
        assert!(!z.lstake(4, &p).contains_key(&a));
    }

    #[test]
    fn a_full_book_lets_a_larger_newcomer_in_by_evicting_the_least_worker() {
        // Sybils fill the book with one unit each in epoch 1.
        let mut book = WorkBook::default();
        let sybils: Vec<Pubkey> = (0..CAPACITY).map(|_| Pubkey::new_unique()).collect();
        for (i, s) in sybils.iter().enumerate() {
            book.credit(1, *s, inference(1 + (i == 0) as u64)).unwrap();
        }
        // In the same epoch (or the next) no one leaves: their fees may wait for the roll.
        let newcomer = Pubkey::new_unique();
        assert_eq!(
            book.credit(2, newcomer, inference(50)),
            Err(RegistryError::BookFull)
        );
        // Later, a newcomer with more work takes the place of one of the least.
        assert!(book.credit(3, newcomer, inference(50)).unwrap());
        assert_eq!(book.entries.len(), CAPACITY);
        assert_eq!(book.work(3, &newcomer), 50);
        assert!(book.entries.contains_key(&sybils[0]), "the largest stays");
        // One with no more work than the least is refused.
        assert_eq!(
            book.credit(3, Pubkey::new_unique(), inference(1)),
            Err(RegistryError::BookFull)
        );
        // A fraud mark takes the place of the least contributor.
        let cheat = Pubkey::new_unique();
        book.zero(3, cheat).unwrap();
        assert!(!book.credit(3, cheat, inference(1_000)).unwrap());
        // Once their work has left the window, anyone earning anything gets a place.
        let late = 1 + RING as u64;
        let fees_only = Credit {
            fees: 10,
            ..Credit::default()
        };
        assert!(book.credit(late, Pubkey::new_unique(), fees_only).unwrap());
    }

    #[test]
    fn capacity_and_malformed_data() {
        let mut book = WorkBook::default();
        for _ in 0..CAPACITY {
            book.credit(1, Pubkey::new_unique(), inference(1)).unwrap();
        }
        assert_eq!(
            book.credit(1, Pubkey::new_unique(), inference(1)),
            Err(RegistryError::BookFull)
        );
        let d = WorkBook::empty_account_data();
        assert_eq!(
            WorkBook::decode(&d[..LEN - 1]),
            Err(RegistryError::WrongWorkBook)
        );
        let mut bad = d.clone();
        bad[2..6].copy_from_slice(&(CAPACITY as u32 + 1).to_le_bytes());
        assert_eq!(WorkBook::decode(&bad), Err(RegistryError::WrongWorkBook));
    }
}
