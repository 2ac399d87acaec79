//! The registry's error codes (returned as `InstructionError::Custom(code)`).

use solana_instruction::error::InstructionError;

/// Everything the registry rejects, each with a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[repr(u32)]
pub enum RegistryError {
    /// Instruction data does not decode.
    #[error("malformed instruction data")]
    MalformedInstruction = 0x5201,
    /// An unknown instruction version.
    #[error("unsupported instruction version")]
    UnsupportedVersion = 0x5202,
    /// The record account is not owned by the registry.
    #[error("record account is not owned by the registry")]
    WrongOwner = 0x5203,
    /// The record account has the wrong size.
    #[error("record account has the wrong size")]
    WrongSize = 0x5204,
    /// The record is already in use (a replayed or repeated registration).
    #[error("record is already initialised")]
    AlreadyRegistered = 0x5205,
    /// The record is not initialised.
    #[error("record is not initialised")]
    NotRegistered = 0x5206,
    /// A required signature is missing.
    #[error("missing required signature")]
    MissingSignature = 0x5207,
    /// The signer is not the record's authority.
    #[error("signer is not the record's authority")]
    WrongAuthority = 0x5208,
    /// The record's lamports are not exactly rent plus the stated bond.
    #[error("record lamports are not rent-exempt minimum plus the bond")]
    BondMismatch = 0x5209,
    /// The bond is below the minimum.
    #[error("bond is below the minimum")]
    BondTooSmall = 0x520a,
    /// An account that must be writable is not.
    #[error("account must be writable")]
    NotWritable = 0x520b,
    /// The role byte is unknown.
    #[error("unknown role")]
    UnknownRole = 0x520c,
    /// The work book is full (every identity slot is taken).
    #[error("the work book is full")]
    BookFull = 0x520d,
    /// Not the work book account, or its data is not a work book.
    #[error("not the work book account")]
    WrongWorkBook = 0x520e,
    /// Not the LStake table account, or its data is not an LStake table.
    #[error("not the LStake table account")]
    WrongLStakeTable = 0x520f,
    /// The LStake table already holds the current epoch.
    #[error("the LStake table is already rolled to this epoch")]
    AlreadyRolled = 0x5210,
    /// Not the reward pool account, or its data is not a reward pool.
    #[error("not the reward pool account")]
    WrongRewardPool = 0x5211,
    /// The reward pool has no room for another identity.
    #[error("the reward pool is full")]
    PoolFull = 0x5212,
    /// The signer has no rewards to claim (or already claimed them).
    #[error("nothing to claim")]
    NothingToClaim = 0x5213,
    /// A verifier's record is not at its derived address ([`super::verifier_record`]).
    #[error("a verifier's record must be at its derived address")]
    WrongRecordAddress = 0x5214,
    /// A verifier's record is already unbonding.
    #[error("the record is already unbonding")]
    AlreadyUnbonding = 0x5215,
    /// A verifier's record must unbond, and wait out the unbonding slots, before it closes.
    #[error("the record is still bonded: unbond and wait out the unbonding slots")]
    StillBonded = 0x5216,
    /// Only the auction may slash a record.
    #[error("only the auction slashes a record")]
    NotSlasher = 0x5217,
    /// A slash must burn into the incinerator.
    #[error("slashed lamports go to the incinerator")]
    WrongBurnAccount = 0x5218,
}

impl From<RegistryError> for InstructionError {
    fn from(e: RegistryError) -> Self {
        InstructionError::Custom(e as u32)
    }
}

impl RegistryError {
    /// The error for a custom code, if it is one of ours.
    pub fn from_code(code: u32) -> Option<Self> {
        use RegistryError::*;
        [
            MalformedInstruction,
            UnsupportedVersion,
            WrongOwner,
            WrongSize,
            AlreadyRegistered,
            NotRegistered,
            MissingSignature,
            WrongAuthority,
            BondMismatch,
            BondTooSmall,
            NotWritable,
            UnknownRole,
            BookFull,
            WrongWorkBook,
            WrongLStakeTable,
            AlreadyRolled,
            WrongRewardPool,
            PoolFull,
            NothingToClaim,
            WrongRecordAddress,
            AlreadyUnbonding,
            StillBonded,
            NotSlasher,
            WrongBurnAccount,
        ]
        .into_iter()
        .find(|e| *e as u32 == code)
    }
}
