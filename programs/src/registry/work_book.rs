//! The work book: validated work per identity and epoch, the input of LStake. The auction credits
//! it when a job is finalised (the miner's inference work, the verifiers' validation work) and
//! zeroes a miner caught in fraud; `RollEpoch` turns its windows into the LStake table.
//!
//! One account at a fixed address, owned by the auction program (the only writer) and allocated at
//! genesis for [`CAPACITY`] identities. Each identity keeps a ring of the last [`RING`] epochs
//! (enough for the medium window).

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
const VERSION: u8 = 1;
const HEADER: usize = 2 + 4;
const NO_ZERO: u64 = u64::MAX;
/// Bytes per identity: key, the epoch fraud last zeroed it, and the ring of (epoch, units).
const ENTRY: usize = 32 + 8 + RING * 16;

/// Size of the account.
pub const LEN: usize = HEADER + CAPACITY * ENTRY;

/// Validation work credited to each verifier that voted with the outcome, in permille of the
/// inference work of the tokens checked.
pub const VALIDATION_PERMILLE: u64 = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    zeroed: Option<u64>,
    ring: Vec<(u64, u64)>,
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
            let zeroed = u64::from_le_bytes(e[32..40].try_into().expect("8 bytes"));
            let ring = e[40..]
                .chunks_exact(16)
                .map(|c| {
                    (
                        u64::from_le_bytes(c[..8].try_into().expect("8 bytes")),
                        u64::from_le_bytes(c[8..].try_into().expect("8 bytes")),
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
            for (c, (epoch, units)) in e[40..].chunks_exact_mut(16).zip(&entry.ring) {
                c[..8].copy_from_slice(&epoch.to_le_bytes());
                c[8..].copy_from_slice(&units.to_le_bytes());
            }
        }
        Ok(())
    }

    /// Credits `units` of validated work to `who` in `epoch` (nothing for an identity zeroed in
    /// this epoch or later).
    pub fn credit(&mut self, epoch: u64, who: Pubkey, units: u64) -> Result<(), RegistryError> {
        if units == 0 {
            return Ok(());
        }
        if !self.entries.contains_key(&who) && self.entries.len() >= CAPACITY {
            return Err(RegistryError::BookFull);
        }
        let entry = self.entries.entry(who).or_insert_with(|| Entry {
            zeroed: None,
            ring: vec![(0, 0); RING],
        });
        if entry.zeroed.is_some_and(|z| epoch <= z) {
            return Ok(());
        }
        let slot = &mut entry.ring[(epoch % RING as u64) as usize];
        if slot.0 != epoch {
            *slot = (epoch, 0);
        }
        slot.1 = slot.1.saturating_add(units);
        Ok(())
    }

    /// Fraud: erases `who`'s work; it earns again from the epoch after `epoch`.
    pub fn zero(&mut self, epoch: u64, who: Pubkey) -> Result<(), RegistryError> {
        if !self.entries.contains_key(&who) && self.entries.len() >= CAPACITY {
            return Err(RegistryError::BookFull);
        }
        self.entries.insert(
            who,
            Entry {
                zeroed: Some(epoch),
                ring: vec![(0, 0); RING],
            },
        );
        Ok(())
    }

    /// Work credited to `who` in `epoch`.
    pub fn work(&self, epoch: u64, who: &Pubkey) -> u64 {
        self.entries
            .get(who)
            .map(|e| e.ring[(epoch % RING as u64) as usize])
            .filter(|(e, _)| *e == epoch)
            .map_or(0, |(_, u)| u)
    }

    /// Every identity's LStake for the windows ending at `epoch`.
    pub fn lstake(&self, epoch: u64, p: &LStakeParams) -> BTreeMap<Pubkey, u64> {
        let mut book = LStakeBook::default();
        for (who, entry) in &self.entries {
            for &(e, units) in &entry.ring {
                if units > 0 && e <= epoch {
                    book.credit(e, who.to_bytes(), units);
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

    #[test]
    fn round_trip_credit_zero_and_windows() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut book = WorkBook::default();
        book.credit(3, a, 300).unwrap();
        book.credit(3, b, 100).unwrap();
        book.credit(4, a, 50).unwrap();
        let mut d = WorkBook::empty_account_data();
        book.encode_into(&mut d).unwrap();
        let back = WorkBook::decode(&d).unwrap();
        assert_eq!(back, book);
        assert_eq!(back.work(3, &a), 300);
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
        later.credit(3 + RING as u64, a, 7).unwrap();
        assert_eq!(later.work(3 + RING as u64, &a), 7);
        assert_eq!(later.work(3, &a), 0);

        // Fraud zeroes, and credit in the same epoch is refused; the next epoch counts again.
        let mut z = back;
        z.zero(4, a).unwrap();
        z.credit(4, a, 1_000).unwrap();
        assert_eq!(z.work(3, &a), 0);
        assert_eq!(z.work(4, &a), 0);
        z.credit(5, a, 9).unwrap();
        assert_eq!(z.work(5, &a), 9);
        assert!(!z.lstake(4, &p).contains_key(&a));
    }

    #[test]
    fn capacity_and_malformed_data() {
        let mut book = WorkBook::default();
        for _ in 0..CAPACITY {
            book.credit(1, Pubkey::new_unique(), 1).unwrap();
        }
        assert_eq!(
            book.credit(1, Pubkey::new_unique(), 1),
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
