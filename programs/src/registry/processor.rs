//! The registry's processor, run by the bank as a builtin program.

use solana_instruction::error::InstructionError;
use solana_program_runtime::declare_process_instruction;
use solana_program_runtime::invoke_context::InvokeContext;
use solana_transaction_context::instruction::InstructionContext;
use solana_transaction_context::instruction_accounts::BorrowedInstructionAccount;

use super::error::RegistryError;
use super::instruction::RegistryInstruction;
use super::reward_pool::{RewardPool, REWARD_POOL};
use super::state::{Record, Role, RECORD_LEN};
pub use super::MIN_BOND;
use super::{verifier_record, ID, MIN_VERIFIER_BOND, UNBOND_SLOTS};

/// Compute units charged per registry instruction.
pub const COMPUTE_UNITS: u64 = 750;

declare_process_instruction!(Entrypoint, COMPUTE_UNITS, |invoke_context| {
    process(invoke_context)
});

fn process(invoke_context: &mut InvokeContext) -> Result<(), InstructionError> {
    let transaction_context = &invoke_context.transaction_context;
    let ix = transaction_context.get_current_instruction_context()?;
    let instruction = RegistryInstruction::decode(ix.get_instruction_data())?;
    match instruction {
        RegistryInstruction::Register { role, bond } => {
            ix.check_number_of_instruction_accounts(2)?;
            if !ix.is_instruction_account_signer(0)? {
                return Err(RegistryError::MissingSignature.into());
            }
            let authority = *ix.get_key_of_instruction_account(0)?;
            let min = match role {
                Role::Miner => MIN_BOND,
                Role::Verifier => MIN_VERIFIER_BOND,
            };
            if bond < min {
                return Err(RegistryError::BondTooSmall.into());
            }
            // One record per verifier, where the auction looks for it to slash.
            if role == Role::Verifier
                && *ix.get_key_of_instruction_account(1)? != verifier_record(&authority)
            {
                return Err(RegistryError::WrongRecordAddress.into());
            }
            let rent = invoke_context
                .environment_config
                .sysvar_cache()
                .get_rent()?;
            let slot = slot(invoke_context)?;
            let mut record = ix.try_borrow_instruction_account(1)?;
            if !record.is_writable() {
                return Err(RegistryError::NotWritable.into());
            }
            if *record.get_owner() != ID {
                return Err(RegistryError::WrongOwner.into());
            }
            if record.get_data().len() != RECORD_LEN {
                return Err(RegistryError::WrongSize.into());
            }
            if Record::read(record.get_data())?.is_some() {
                return Err(RegistryError::AlreadyRegistered.into());
            }
            let needed = rent.minimum_balance(RECORD_LEN).saturating_add(bond);
            if record.get_lamports() != needed {
                return Err(RegistryError::BondMismatch.into());
            }
            let r = Record {
                role,
                authority,
                bond,
                registered_slot: slot,
                unbonding_slot: 0,
            };
            r.write(record.get_data_mut()?)?;
            Ok(())
        }
        RegistryInstruction::Deregister => {
            ix.check_number_of_instruction_accounts(3)?;
            if !ix.is_instruction_account_signer(0)? {
                return Err(RegistryError::MissingSignature.into());
            }
            let authority = *ix.get_key_of_instruction_account(0)?;
            let mut record = writable_record(&ix, 1)?;
            let r = Record::read(record.get_data())?.ok_or(RegistryError::NotRegistered)?;
            if r.authority != authority {
                return Err(RegistryError::WrongAuthority.into());
            }
            // A verifier's bond answers for its votes until every job they count in is final.
            if r.role == Role::Verifier
                && (r.unbonding_slot == 0
                    || slot(invoke_context)? < r.unbonding_slot.saturating_add(UNBOND_SLOTS))
            {
                return Err(RegistryError::StillBonded.into());
            }
            let lamports = record.get_lamports();
            record.get_data_mut()?.fill(0);
            record.set_lamports(0)?;
            drop(record);
            let mut dest = ix.try_borrow_instruction_account(2)?;
            if !dest.is_writable() {
                return Err(RegistryError::NotWritable.into());
            }
            dest.checked_add_lamports(lamports)?;
            Ok(())
        }
        RegistryInstruction::Unbond => {
            let (mut record, mut r) = own_bonded_record(&ix)?;
            r.unbonding_slot = slot(invoke_context)?.max(1);
            r.write(record.get_data_mut()?)?;
            Ok(())
        }
        RegistryInstruction::TopUp => {
            let (mut record, mut r) = own_bonded_record(&ix)?;
            let rent = invoke_context
                .environment_config
                .sysvar_cache()
                .get_rent()?
                .minimum_balance(RECORD_LEN);
            // Lamports leave a record only through Slash (which lowers the bond as much) and
            // Deregister: what it holds above its rent is at least its bond.
            r.bond = record.get_lamports().saturating_sub(rent).max(r.bond);
            r.write(record.get_data_mut()?)?;
            Ok(())
        }
        RegistryInstruction::Slash { bps } => {
            ix.check_number_of_instruction_accounts(3)?;
            if !ix.is_instruction_account_signer(0)?
                || *ix.get_key_of_instruction_account(0)? != crate::auction::slasher().0
            {
                return Err(RegistryError::NotSlasher.into());
            }
            let mut record = writable_record(&ix, 1)?;
            let mut r = Record::read(record.get_data())?.ok_or(RegistryError::NotRegistered)?;
            let burned = (u128::from(r.bond) * u128::from(bps) / 10_000) as u64;
            r.bond -= burned;
            r.write(record.get_data_mut()?)?;
            record.checked_sub_lamports(burned)?;
            drop(record);
            let mut dest = ix.try_borrow_instruction_account(2)?;
            if *dest.get_key() != solana_sdk_ids::incinerator::id() {
                return Err(RegistryError::WrongBurnAccount.into());
            }
            if !dest.is_writable() {
                return Err(RegistryError::NotWritable.into());
            }
            dest.checked_add_lamports(burned)?;
            Ok(())
        }
        RegistryInstruction::ClaimRewards => {
            ix.check_number_of_instruction_accounts(3)?;
            if !ix.is_instruction_account_signer(0)? {
                return Err(RegistryError::MissingSignature.into());
            }
            let identity = *ix.get_key_of_instruction_account(0)?;
            let mut p = ix.try_borrow_instruction_account(1)?;
            if *p.get_key() != REWARD_POOL || *p.get_owner() != ID {
                return Err(RegistryError::WrongRewardPool.into());
            }
            if !p.is_writable() {
                return Err(RegistryError::NotWritable.into());
            }
            let mut pool = RewardPool::decode(p.get_data())?;
            let lamports = pool.claim(&identity)?;
            pool.encode_into(p.get_data_mut()?)?;
            p.checked_sub_lamports(lamports)?;
            drop(p);
            let mut dest = ix.try_borrow_instruction_account(2)?;
            if !dest.is_writable() {
                return Err(RegistryError::NotWritable.into());
            }
            dest.checked_add_lamports(lamports)?;
            Ok(())
        }
    }
}

/// The current slot.
fn slot(invoke_context: &InvokeContext) -> Result<u64, InstructionError> {
    Ok(invoke_context
        .environment_config
        .sysvar_cache()
        .get_clock()?
        .slot)
}

/// For `Unbond` and `TopUp` (accounts: 0 the verifier, signer; 1 its record): the verifier's
/// own record at its derived address, writable, not unbonding, and what it holds.
fn own_bonded_record<'a>(
    ix: &'a InstructionContext,
) -> Result<(BorrowedInstructionAccount<'a, 'a>, Record), InstructionError> {
    ix.check_number_of_instruction_accounts(2)?;
    if !ix.is_instruction_account_signer(0)? {
        return Err(RegistryError::MissingSignature.into());
    }
    let authority = *ix.get_key_of_instruction_account(0)?;
    let record = writable_record(ix, 1)?;
    if *record.get_key() != verifier_record(&authority) {
        return Err(RegistryError::WrongRecordAddress.into());
    }
    let r = Record::read(record.get_data())?.ok_or(RegistryError::NotRegistered)?;
    if r.authority != authority {
        return Err(RegistryError::WrongAuthority.into());
    }
    if r.unbonding_slot != 0 {
        return Err(RegistryError::AlreadyUnbonding.into());
    }
    Ok((record, r))
}

/// Instruction account `i`: a writable record account of the registry.
fn writable_record<'a>(
    ix: &'a InstructionContext,
    i: u16,
) -> Result<BorrowedInstructionAccount<'a, 'a>, InstructionError> {
    let record = ix.try_borrow_instruction_account(i)?;
    if *record.get_owner() != ID {
        return Err(RegistryError::WrongOwner.into());
    }
    if !record.is_writable() {
        return Err(RegistryError::NotWritable.into());
    }
    if record.get_data().len() != RECORD_LEN {
        return Err(RegistryError::WrongSize.into());
    }
    Ok(record)
}
