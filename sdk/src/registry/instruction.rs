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
//! - `Unbond` (tag 4): accounts `[authority (signer), record (writable)]`: a verifier stops
//!   voting; its record may close [`super::UNBOND_SLOTS`] later.
//! - `Slash { bps }` (tag 5, only from the auction by CPI): accounts `[the auction's slasher
//!   (signer), record (writable), incinerator (writable)]`: burns `bps` of the record's bond.
//! - `TopUp` (tag 6): accounts `[authority (signer), its verifier record (writable)]`: what the
//!   record holds above its rent becomes its bond (send the lamports first: [`top_up_verifier`]
//!   builds both instructions). Not while unbonding.
//!
//! A verifier's record lives at [`super::verifier_record`] (a `create_with_seed` address of its
//! authority) and holds at least [`super::MIN_VERIFIER_BOND`]; [`register_verifier`] builds the
//! two instructions.

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
    /// A verifier leaves: it votes no more, and may close its record after the unbonding slots.
    Unbond,
    /// Burns `bps` (basis points) of a verifier's bond: a vote the final verdict contradicted
    /// or a missed one. Signed by the auction's slasher address, so only the auction can.
    Slash {
        /// Share of the bond burned, in basis points (at most 10 000).
        bps: u16,
    },
    /// A verifier's record takes what it holds above its rent as its bond (after a slash left
    /// it under the minimum, or to stake more).
    TopUp,
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
            RegistryInstruction::Unbond => vec![VERSION, 4],
            RegistryInstruction::Slash { bps } => {
                let mut v = vec![VERSION, 5];
                v.extend_from_slice(&bps.to_le_bytes());
                v
            }
            RegistryInstruction::TopUp => vec![VERSION, 6],
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
            [VERSION, 4] => Ok(RegistryInstruction::Unbond),
            [VERSION, 5, a, b] => match u16::from_le_bytes([*a, *b]) {
                bps @ 0..=10_000 => Ok(RegistryInstruction::Slash { bps }),
                _ => Err(RegistryError::MalformedInstruction),
            },
            [VERSION, 6] => Ok(RegistryInstruction::TopUp),
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

/// The two instructions that register `authority` as a verifier with `bond`: a system
/// `create_account_with_seed` of its record at [`super::verifier_record`], then `Register`.
pub fn register_verifier(
    authority: &Pubkey,
    bond: u64,
    rent_exempt_minimum: u64,
) -> [Instruction; 2] {
    let record = super::verifier_record(authority);
    [
        solana_system_interface::instruction::create_account_with_seed(
            authority,
            &record,
            authority,
            super::VERIFIER_SEED,
            rent_exempt_minimum.saturating_add(bond),
            RECORD_LEN as u64,
            &ID,
        ),
        register_only(authority, &record, Role::Verifier, bond),
    ]
}

/// Like [`register_verifier`] when the record's address already holds `held` lamports (anyone
/// can send lamports to it, which makes `create_account_with_seed` fail): tops it up to rent plus
/// `bond` if it holds less (a larger gift becomes the bond), then allocates it for the registry
/// (`allocate_with_seed`) and registers.
pub fn register_verifier_holding(
    authority: &Pubkey,
    bond: u64,
    rent_exempt_minimum: u64,
    held: u64,
) -> Vec<Instruction> {
    if held == 0 {
        return register_verifier(authority, bond, rent_exempt_minimum).to_vec();
    }
    let record = super::verifier_record(authority);
    let needed = rent_exempt_minimum.saturating_add(bond);
    let mut ixs = Vec::with_capacity(3);
    let bond = if held >= needed {
        held - rent_exempt_minimum
    } else {
        ixs.push(solana_system_interface::instruction::transfer(
            authority,
            &record,
            needed - held,
        ));
        bond
    };
    ixs.push(solana_system_interface::instruction::allocate_with_seed(
        &record,
        authority,
        super::VERIFIER_SEED,
        RECORD_LEN as u64,
        &ID,
    ));
    ixs.push(register_only(authority, &record, Role::Verifier, bond));
    ixs
}

/// `Unbond`: the verifier `authority` stops voting and starts its unbonding slots.
pub fn unbond(authority: &Pubkey) -> Instruction {
    Instruction::new_with_bytes(
        ID,
        &RegistryInstruction::Unbond.encode(),
        vec![
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new(super::verifier_record(authority), false),
        ],
    )
}

/// Adds `lamports` to `authority`'s verifier bond: a transfer into its record, then `TopUp`.
pub fn top_up_verifier(authority: &Pubkey, lamports: u64) -> [Instruction; 2] {
    let record = super::verifier_record(authority);
    [
        solana_system_interface::instruction::transfer(authority, &record, lamports),
        Instruction::new_with_bytes(
            ID,
            &RegistryInstruction::TopUp.encode(),
            vec![
                AccountMeta::new_readonly(*authority, true),
                AccountMeta::new(record, false),
            ],
        ),
    ]
}

/// `Slash`: burn `bps` of `record`'s bond, signed by the auction's `slasher` address (the
/// auction sends it by CPI).
pub fn slash(slasher: &Pubkey, record: &Pubkey, bps: u16) -> Instruction {
    Instruction::new_with_bytes(
        ID,
        &RegistryInstruction::Slash { bps }.encode(),
        vec![
            AccountMeta::new_readonly(*slasher, true),
            AccountMeta::new(*record, false),
            AccountMeta::new(solana_sdk_ids::incinerator::id(), false),
        ],
    )
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
            RegistryInstruction::Unbond,
            RegistryInstruction::Slash { bps: 10_000 },
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
        assert_eq!(
            RegistryInstruction::decode(&[1, 5, 0x11, 0x27]),
            Err(RegistryError::MalformedInstruction),
            "a slash of more than the whole bond"
        );
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = RegistryInstruction::decode(&data);
        }
    }
}
