//! The LStake table: every identity's LStake for the current epoch, in one account owned by the
//! registry at a fixed address. Genesis seeds it with the bootstrap validators; the registry's
//! epoch roll (run by the first bank of each epoch) rewrites it from the work book. The auction draws
//! verifier committees from it, and the bank makes each identity's LStake the epoch stake of one of
//! its vote accounts.
//!
//! The table also keeps the values that held in the epoch before (`previous`). The leader schedule
//! does not read the table: the bank turns it into epoch stakes at each boundary.
//!
//! Layout v2: kind `4` · version `2` · epoch u64 · count u32 · `count` × (identity (32) · LStake u64)
//! · previous count u32 · that many entries, each list sorted by identity. Version 1 (no previous
//! list) still decodes, its previous values equal to its current ones.

use std::collections::BTreeMap;

use solana_pubkey::Pubkey;

use super::error::RegistryError;

/// Address of the LStake table account.
pub const LSTAKE_TABLE: Pubkey = Pubkey::new_from_array(*b"ambient/lstake-table/account/v1\0");
const KIND: u8 = 4;
const VERSION: u8 = 2;
const VERSION_1: u8 = 1;
const HEADER: usize = 2 + 8 + 4;
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
}

impl LStakeTable {
    /// Serialised form (its length is the account's size).
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(HEADER + ENTRY * self.entries.len());
        v.extend_from_slice(&[KIND, VERSION]);
        v.extend_from_slice(&self.epoch.to_le_bytes());
        for list in [&self.entries, &self.previous] {
            v.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for (k, w) in list {
                v.extend_from_slice(k.as_ref());
                v.extend_from_slice(&w.to_le_bytes());
            }
        }
        v
    }

    /// A table for `epoch` whose previous values are the same as its current ones (genesis).
    pub fn new(epoch: u64, entries: BTreeMap<Pubkey, u64>) -> Self {
        LStakeTable {
            epoch,
            previous: entries.clone(),
            entries,
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
        if d.len() < HEADER || d[0] != KIND || (d[1] != VERSION && d[1] != VERSION_1) {
            return Err(RegistryError::MalformedInstruction);
        }
        let epoch = u64::from_le_bytes(d[2..10].try_into().expect("8 bytes"));
        let (entries, rest) = entry_list(&d[HEADER - COUNT..])?;
        let previous = if d[1] == VERSION_1 {
            entries.clone()
        } else {
            entry_list(rest)?.0
        };
        Ok(LStakeTable {
            epoch,
            entries,
            previous,
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
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(d in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = LStakeTable::decode(&d);
        }
    }
}
