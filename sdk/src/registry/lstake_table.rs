//! The LStake table: every identity's LStake for the current epoch, in one account owned by the
//! registry at a fixed address. Genesis seeds it with the bootstrap validators; the registry's
//! `RollEpoch` (sent by the leader in the first slot of each epoch) rewrites it from the work book.
//! The auction draws verifier committees from it and the node weighs votes and QoS by it.
//!
//! Layout v1: kind `4` · version `1` · epoch u64 · count u32 · `count` × (identity (32) · LStake u64),
//! sorted by identity.

use std::collections::BTreeMap;

use solana_pubkey::Pubkey;

use super::error::RegistryError;

/// Address of the LStake table account.
pub const LSTAKE_TABLE: Pubkey = Pubkey::new_from_array(*b"ambient/lstake-table/account/v1\0");
const KIND: u8 = 4;
const VERSION: u8 = 1;
const HEADER: usize = 2 + 8 + 4;
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
}

impl LStakeTable {
    /// Serialised form (its length is the account's size).
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(HEADER + ENTRY * self.entries.len());
        v.extend_from_slice(&[KIND, VERSION]);
        v.extend_from_slice(&self.epoch.to_le_bytes());
        v.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (k, w) in &self.entries {
            v.extend_from_slice(k.as_ref());
            v.extend_from_slice(&w.to_le_bytes());
        }
        v
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

    /// Size of a table account with room for `CAPACITY` identities.
    pub fn account_len() -> usize {
        HEADER + CAPACITY * ENTRY
    }

    /// Parses an account's data.
    pub fn decode(d: &[u8]) -> Result<Self, RegistryError> {
        if d.len() < HEADER || d[0] != KIND || d[1] != VERSION {
            return Err(RegistryError::MalformedInstruction);
        }
        let epoch = u64::from_le_bytes(d[2..10].try_into().expect("8 bytes"));
        let n = u32::from_le_bytes(d[10..14].try_into().expect("4 bytes")) as usize;
        // The account may be larger than its entries (allocated for `CAPACITY`).
        if d.len() < HEADER + n.checked_mul(ENTRY).ok_or(RegistryError::WrongSize)? {
            return Err(RegistryError::WrongSize);
        }
        let entries = d[HEADER..]
            .chunks_exact(ENTRY)
            .take(n)
            .map(|e| {
                (
                    Pubkey::new_from_array(e[..32].try_into().expect("32 bytes")),
                    u64::from_le_bytes(e[32..].try_into().expect("8 bytes")),
                )
            })
            .collect();
        Ok(LStakeTable { epoch, entries })
    }
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
        };
        assert_eq!(LStakeTable::decode(&t.encode()).unwrap(), t);
        assert!(LStakeTable::decode(&t.encode()[..20]).is_err());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(d in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = LStakeTable::decode(&d);
        }
    }
}
