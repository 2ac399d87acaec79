//! The registry's account layout.
//!
//! A record (v1, [`RECORD_LEN`] bytes): kind `1` · version `1` · role u8 · authority (32) ·
//! bond u64 · registered slot u64 · unbonding slot u64 (0: bonded) · zero padding. An all-zero record is uninitialised.

use solana_pubkey::Pubkey;

use super::error::RegistryError;

/// Size of a record account.
pub const RECORD_LEN: usize = 64;
const KIND_RECORD: u8 = 1;
const VERSION: u8 = 1;

/// What a registered identity does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Role {
    /// Bids on and serves inference.
    Miner = 1,
    /// Validates miners' work.
    Verifier = 2,
}

impl Role {
    /// Decodes a role byte.
    pub fn from_u8(b: u8) -> Result<Self, RegistryError> {
        match b {
            1 => Ok(Role::Miner),
            2 => Ok(Role::Verifier),
            _ => Err(RegistryError::UnknownRole),
        }
    }
}

/// A registered miner or verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Role.
    pub role: Role,
    /// The identity that controls the record.
    pub authority: Pubkey,
    /// Bond held in the record account (above its rent-exempt minimum).
    pub bond: u64,
    /// Slot of registration.
    pub registered_slot: u64,
    /// Slot at which a verifier asked to unbond (0 while bonded): it votes no more and may
    /// close the record [`super::UNBOND_SLOTS`] later.
    pub unbonding_slot: u64,
}

impl Record {
    /// Whether this record lets `voter` vote in a committee: its verifier record, bonded with at
    /// least [`super::MIN_VERIFIER_BOND`], not unbonding.
    pub fn may_vote(&self, voter: &Pubkey) -> bool {
        self.role == Role::Verifier
            && self.authority == *voter
            && self.bond >= super::MIN_VERIFIER_BOND
            && self.unbonding_slot == 0
    }

    /// Serialises into a record account's data.
    pub fn write(&self, out: &mut [u8]) -> Result<(), RegistryError> {
        if out.len() != RECORD_LEN {
            return Err(RegistryError::WrongSize);
        }
        out.fill(0);
        out[0] = KIND_RECORD;
        out[1] = VERSION;
        out[2] = self.role as u8;
        out[3..35].copy_from_slice(self.authority.as_ref());
        out[35..43].copy_from_slice(&self.bond.to_le_bytes());
        out[43..51].copy_from_slice(&self.registered_slot.to_le_bytes());
        out[51..59].copy_from_slice(&self.unbonding_slot.to_le_bytes());
        Ok(())
    }

    /// Reads a record account's data; `Ok(None)` for an uninitialised (all-zero) record.
    pub fn read(data: &[u8]) -> Result<Option<Self>, RegistryError> {
        if data.len() != RECORD_LEN {
            return Err(RegistryError::WrongSize);
        }
        if data.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        if data[0] != KIND_RECORD || data[1] != VERSION {
            return Err(RegistryError::MalformedInstruction);
        }
        let u64_at = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"));
        Ok(Some(Record {
            role: Role::from_u8(data[2])?,
            authority: Pubkey::new_from_array(data[3..35].try_into().expect("32 bytes")),
            bond: u64_at(35),
            registered_slot: u64_at(43),
            unbonding_slot: u64_at(51),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = Record {
            role: Role::Verifier,
            authority: Pubkey::new_from_array([7; 32]),
            bond: 5_000,
            registered_slot: 9,
            unbonding_slot: 11,
        };
        let mut d = [0u8; RECORD_LEN];
        r.write(&mut d).unwrap();
        assert_eq!(Record::read(&d).unwrap(), Some(r));
        assert_eq!(Record::read(&[0; RECORD_LEN]).unwrap(), None);
        assert_eq!(Record::read(&[0; 3]), Err(RegistryError::WrongSize));
    }
}
