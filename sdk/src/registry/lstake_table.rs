//! The LStake table: every identity's LStake for the current epoch, in one account owned by the
//! registry at a fixed address. Genesis seeds it with the bootstrap validators; the registry's
//! epoch roll (run by the first bank of each epoch) rewrites it from the work book. The auction draws
//! verifier committees from it, and the bank makes each identity's LStake the epoch stake of one of
//! its vote accounts.
//!
//! The table also keeps the values that held in the epoch before (`previous`). The leader schedule
//! does not read the table: the bank turns it into epoch stakes at each boundary.
//!
//! It also holds the network's audit (verification) rate, which the roll moves toward its target
//! (`ambient_pol::rules::next_verification_rate`), and the rate's floor, a genesis parameter.
//!
//! Layout v3: kind `4` · version `3` · epoch u64 · audit rate u64 · audit floor u64 (both ppm) ·
//! count u32 · `count` × (identity (32) · LStake u64) · previous count u32 · that many entries,
//! each list sorted by identity. Versions 1 (no previous list, no rates) and 2 (no rates) still
//! decode: their previous values equal to their current ones, their rates every job and the
//! default floor.

use std::collections::BTreeMap;

use ambient_pol::rules::{miner_audit_rate, DifficultyParams, AUDIT_ALL_PPM};
use solana_pubkey::Pubkey;

use super::error::RegistryError;

/// Address of the LStake table account.
pub const LSTAKE_TABLE: Pubkey = Pubkey::new_from_array(*b"ambient/lstake-table/account/v1\0");
const KIND: u8 = 4;
const VERSION: u8 = 3;
const VERSION_1: u8 = 1;
/// Kind, version, epoch and the first count (versions 1 and 2).
const HEADER_V2: usize = 2 + 8 + 4;
/// With the two rates.
const HEADER: usize = HEADER_V2 + 16;
const COUNT: usize = 4;
const ENTRY: usize = 40;

/// Identities a table account has room for (the work book's capacity).
pub const CAPACITY: usize = super::work_book::CAPACITY;

/// The LStake of every identity for an epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LStakeTable {
    /// The epoch the values hold for.
    pub epoch: u64,
    /// LStake per identity (parts of `ambient_pol::lstake::LSTAKE_ONE`).
    pub entries: BTreeMap<Pubkey, u64>,
    /// The values that held in `epoch - 1` (at genesis, the same as `entries`).
    pub previous: BTreeMap<Pubkey, u64>,
    /// The network's audit rate for `epoch`, in ppm: the share of a known miner's jobs that get
    /// a committee ([`LStakeTable::audit_rate_of`]).
    pub audit_rate_ppm: u64,
    /// The least the audit rate may fall to, in ppm (a genesis parameter).
    pub audit_floor_ppm: u64,
}

impl LStakeTable {
    /// Serialised form (its length is the account's size).
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(HEADER + ENTRY * self.entries.len());
        v.extend_from_slice(&[KIND, VERSION]);
        v.extend_from_slice(&self.epoch.to_le_bytes());
        v.extend_from_slice(&self.audit_rate_ppm.to_le_bytes());
        v.extend_from_slice(&self.audit_floor_ppm.to_le_bytes());
        for list in [&self.entries, &self.previous] {
            v.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for (k, w) in list {
                v.extend_from_slice(k.as_ref());
                v.extend_from_slice(&w.to_le_bytes());
            }
        }
        v
    }

    /// A table for `epoch` whose previous values are the same as its current ones (genesis),
    /// every job audited and the default floor.
    pub fn new(epoch: u64, entries: BTreeMap<Pubkey, u64>) -> Self {
        LStakeTable {
            epoch,
            previous: entries.clone(),
            entries,
            audit_rate_ppm: AUDIT_ALL_PPM,
            audit_floor_ppm: DifficultyParams::default().min_rate_ppm,
        }
    }

    /// The audit rate of `miner`'s jobs this epoch, in ppm (at most a million, so it fits the
    /// `u32` the bid and the request keep; `ambient_pol::rules::miner_audit_rate`: every job
    /// without LStake).
    pub fn audit_rate_of(&self, miner: &Pubkey) -> u32 {
        let now = self.entries.get(miner).copied().unwrap_or(0);
        let before = self.previous.get(miner).copied().unwrap_or(0);
        let rate = miner_audit_rate(self.audit_rate_ppm, now, before).min(AUDIT_ALL_PPM);
        u32::try_from(rate).expect("at most AUDIT_ALL_PPM")
    }

    /// The rules the roll moves the audit rate by: the defaults, with this table's floor.
    pub fn difficulty(&self) -> DifficultyParams {
        DifficultyParams {
            min_rate_ppm: self.audit_floor_ppm.min(AUDIT_ALL_PPM),
            ..DifficultyParams::default()
        }
    }

    /// Writes the table into account data (zero-filled after the entries).
    pub fn encode_into(&self, d: &mut [u8]) -> Result<(), RegistryError> {
        let v = self.encode();
        if v.len() > d.len() {
            return Err(RegistryError::WrongSize);
        }
        d[..v.len()].copy_from_slice(&v);
        d[v.len()..].fill(0);
        Ok(())
    }

    /// Size of a table account with room for `CAPACITY` identities (in each list).
    pub fn account_len() -> usize {
        HEADER + COUNT + 2 * CAPACITY * ENTRY
    }

    /// Parses an account's data.
    pub fn decode(d: &[u8]) -> Result<Self, RegistryError> {
        let version = *d.get(1).ok_or(RegistryError::MalformedInstruction)?;
        let header = if version == VERSION {
            HEADER
        } else {
            HEADER_V2
        };
        if d.len() < header || d[0] != KIND || !(VERSION_1..=VERSION).contains(&version) {
            return Err(RegistryError::MalformedInstruction);
        }
        let word = |at: usize| u64::from_le_bytes(d[at..at + 8].try_into().expect("8 bytes"));
        let epoch = word(2);
        let (audit_rate_ppm, audit_floor_ppm) = if version == VERSION {
            (word(10), word(18))
        } else {
            (AUDIT_ALL_PPM, DifficultyParams::default().min_rate_ppm)
        };
        let (entries, rest) = entry_list(&d[header - COUNT..])?;
        let previous = if version == VERSION_1 {
            entries.clone()
        } else {
            entry_list(rest)?.0
        };
        Ok(LStakeTable {
            epoch,
            entries,
            previous,
            audit_rate_ppm,
            audit_floor_ppm,
        })
    }
}

/// One counted list of entries at the start of `d`, and the bytes after it. The account may be
/// larger than its entries (allocated for `CAPACITY`).
fn entry_list(d: &[u8]) -> Result<(BTreeMap<Pubkey, u64>, &[u8]), RegistryError> {
    let count = d.get(..COUNT).ok_or(RegistryError::WrongSize)?;
    let n = u32::from_le_bytes(count.try_into().expect("4 bytes")) as usize;
    let len = n.checked_mul(ENTRY).ok_or(RegistryError::WrongSize)?;
    let body = d.get(COUNT..COUNT + len).ok_or(RegistryError::WrongSize)?;
    let entries = body
        .chunks_exact(ENTRY)
        .map(|e| {
            (
                Pubkey::new_from_array(e[..32].try_into().expect("32 bytes")),
                u64::from_le_bytes(e[32..].try_into().expect("8 bytes")),
            )
        })
        .collect();
    Ok((entries, &d[COUNT + len..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip() {
        let t = LStakeTable {
            epoch: 3,
            entries: [
                (Pubkey::new_from_array([1; 32]), 5),
                (Pubkey::new_from_array([2; 32]), 7),
            ]
            .into(),
            previous: [(Pubkey::new_from_array([3; 32]), 9)].into(),
            audit_rate_ppm: 4_000,
            audit_floor_ppm: 1_000,
        };
        assert_eq!(LStakeTable::decode(&t.encode()).unwrap(), t);
        assert!(LStakeTable::decode(&t.encode()[..20]).is_err());
        let mut account = vec![0; LStakeTable::account_len()];
        t.encode_into(&mut account).unwrap();
        assert_eq!(LStakeTable::decode(&account).unwrap(), t);
    }

    #[test]
    fn version_1_decodes_with_previous_equal_to_current() {
        let mut v1 = vec![KIND, VERSION_1];
        v1.extend_from_slice(&5u64.to_le_bytes());
        v1.extend_from_slice(&1u32.to_le_bytes());
        v1.extend_from_slice(&[4; 32]);
        v1.extend_from_slice(&11u64.to_le_bytes());
        let t = LStakeTable::decode(&v1).unwrap();
        assert_eq!(t.epoch, 5);
        assert_eq!(t.entries, [(Pubkey::new_from_array([4; 32]), 11)].into());
        assert_eq!(t.previous, t.entries);
        assert_eq!(t.audit_rate_ppm, AUDIT_ALL_PPM);
    }

    #[test]
    fn a_miner_is_audited_by_its_record() {
        let (old, new, none) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let mut t = LStakeTable::new(3, [(old, 5), (new, 5)].into());
        t.previous.remove(&new);
        t.audit_rate_ppm = 4_000;
        assert_eq!(t.audit_rate_of(&old), 4_000);
        assert_eq!(t.audit_rate_of(&new), 8_000);
        assert_eq!(u64::from(t.audit_rate_of(&none)), AUDIT_ALL_PPM);
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(d in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = LStakeTable::decode(&d);
        }
    }
}
