//! Registry instructions and their client builders.
//!
//! Data layout: version `1` · tag · fields (little-endian).
//! - `Register { role, bond }` (tag 0): accounts `[authority (signer), record (writable)]`. The
//!   record must be owned by the registry, [`RECORD_LEN`] bytes of zeros, and hold exactly its
//!   rent-exempt minimum plus `bond` lamports (create it with the system program in the same
//!   transaction: [`register`] builds both instructions).
//! - `Deregister` (tag 1): accounts `[authority (signer), record (writable), destination
//!   (writable)]`: closes the record and sends all its lamports (bond and rent) to `destination`.
//! - Tag 2 is unused: the epoch roll runs inside the bank at each epoch boundary.
//! - `ClaimRewards` (tag 3): accounts `[identity (signer), reward pool (writable), destination
//!   (writable)]`: pays the identity's whole claimable balance to `destination`.

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use super::error::RegistryError;
use super::state::{Role, RECORD_LEN};
use super::ID;

/// Instruction format version.
pub const VERSION: u8 = 1;

/// A registry instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryInstruction {
    /// Registers `authority` with a bond.
    Register {
        /// Miner or verifier.
        role: Role,
        /// Bond in lamports.
        bond: u64,
    },
    /// Closes the record and returns bond and rent.
    Deregister,
    /// Pays the signer's claimable rewards out of the reward pool.
    ClaimRewards,
}

impl RegistryInstruction {
    /// Encodes the instruction data.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            RegistryInstruction::Register { role, bond } => {
                let mut v = vec![VERSION, 0, *role as u8];
                v.extend_from_slice(&bond.to_le_bytes());
                v
            }
            RegistryInstruction::Deregister => vec![VERSION, 1],
            RegistryInstruction::ClaimRewards => vec![VERSION, 3],
        }
    }

    /// Decodes instruction data; anything malformed is a specific error, never a panic.
    pub fn decode(data: &[u8]) -> Result<Self, RegistryError> {
        match data {
            [VERSION, 0, role, bond @ ..] if bond.len() == 8 => Ok(RegistryInstruction::Register {
                role: Role::from_u8(*role)?,
                bond: u64::from_le_bytes(bond.try_into().expect("8 bytes")),
            }),
            [VERSION, 1] => Ok(RegistryInstruction::Deregister),
            [VERSION, 3] => Ok(RegistryInstruction::ClaimRewards),
            [v, ..] if *v != VERSION => Err(RegistryError::UnsupportedVersion),
            _ => Err(RegistryError::MalformedInstruction),
        }
    }
}

/// The two instructions that create and register a record: a system `create_account` funded by
/// `authority` with rent plus `bond`, owned by the registry, then `Register`.
pub fn register(
    authority: &Pubkey,
    record: &Pubkey,
    role: Role,
    bond: u64,
    rent_exempt_minimum: u64,
) -> [Instruction; 2] {
    [
        solana_system_interface::instruction::create_account(
            authority,
            record,
            rent_exempt_minimum.saturating_add(bond),
            RECORD_LEN as u64,
            &ID,
        ),
        register_only(authority, record, role, bond),
    ]
}

/// The `Register` instruction alone (for a record created beforehand).
pub fn register_only(authority: &Pubkey, record: &Pubkey, role: Role, bond: u64) -> Instruction {
    Instruction::new_with_bytes(
        ID,
        &RegistryInstruction::Register { role, bond }.encode(),
        vec![
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new(*record, false),
        ],
    )
}

/// `Deregister`: close `record` and pay its lamports to `destination`.
pub fn deregister(authority: &Pubkey, record: &Pubkey, destination: &Pubkey) -> Instruction {
    Instruction::new_with_bytes(
        ID,
        &RegistryInstruction::Deregister.encode(),
        vec![
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new(*record, false),
            AccountMeta::new(*destination, false),
        ],
    )
}

/// `ClaimRewards`: pay `identity`'s claimable rewards to `destination`.
pub fn claim_rewards(identity: &Pubkey, destination: &Pubkey) -> Instruction {
    Instruction::new_with_bytes(
        ID,
        &RegistryInstruction::ClaimRewards.encode(),
        vec![
            AccountMeta::new_readonly(*identity, true),
            AccountMeta::new(super::reward_pool::REWARD_POOL, false),
            AccountMeta::new(*destination, false),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip() {
        for ix in [
            RegistryInstruction::Register {
                role: Role::Miner,
                bond: 77,
            },
            RegistryInstruction::Register {
                role: Role::Verifier,
                bond: u64::MAX,
            },
            RegistryInstruction::Deregister,
            RegistryInstruction::ClaimRewards,
        ] {
            assert_eq!(RegistryInstruction::decode(&ix.encode()).unwrap(), ix);
        }
        assert_eq!(
            RegistryInstruction::decode(&[]),
            Err(RegistryError::MalformedInstruction)
        );
        assert_eq!(
            RegistryInstruction::decode(&[2, 1]),
            Err(RegistryError::UnsupportedVersion)
        );
        assert_eq!(
            RegistryInstruction::decode(&[1, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(RegistryError::UnknownRole)
        );
        assert_eq!(
            RegistryInstruction::decode(&[1, 1, 0]),
            Err(RegistryError::MalformedInstruction)
        );
        assert_eq!(
            RegistryInstruction::decode(&[1, 2]),
            Err(RegistryError::MalformedInstruction),
            "the epoch roll is not an instruction"
        );
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = RegistryInstruction::decode(&data);
        }
    }
}
