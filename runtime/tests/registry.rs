//! The PoL registry through a real `Bank` with signed transactions.

use ambient_programs::registry::error::RegistryError;
use ambient_programs::registry::instruction::{
    deregister, register, register_only, register_verifier, register_verifier_holding, slash,
    top_up_verifier, unbond,
};
use ambient_programs::registry::processor::MIN_BOND;
use ambient_programs::registry::state::{Record, Role, RECORD_LEN};
use ambient_programs::registry::ID;
use ambient_programs::registry::{verifier_record, MIN_VERIFIER_BOND, UNBOND_SLOTS};
use proptest::prelude::*;
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

mod common;

use common::{chain, code_of, Chain, SOL};

fn code(e: TransactionError) -> Option<RegistryError> {
    code_of(e).and_then(RegistryError::from_code)
}

#[test]
fn register_and_deregister() {
    let c = chain();
    let miner = c.funded(10 * SOL);
    let record = Keypair::new();
    let bond = 3 * SOL;
    let ixs = register(
        &miner.pubkey(),
        &record.pubkey(),
        Role::Miner,
        bond,
        c.rent(RECORD_LEN),
    );
    c.send(&miner, &[&record], &ixs).unwrap();
    let acc = c.bank.get_account(&record.pubkey()).unwrap();
    assert_eq!(solana_account::ReadableAccount::owner(&acc), &ID);
    assert_eq!(
        solana_account::ReadableAccount::lamports(&acc),
        c.rent(RECORD_LEN) + bond
    );
    let r = Record::read(solana_account::ReadableAccount::data(&acc))
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.role, r.authority, r.bond),
        (Role::Miner, miner.pubkey(), bond)
    );
    assert_eq!(
        c.bank.get_balance(&miner.pubkey()),
        10 * SOL - bond - c.rent(RECORD_LEN) - c.fee(2)
    );

    let dest = Pubkey::new_unique();
    c.send(
        &miner,
        &[],
        &[deregister(&miner.pubkey(), &record.pubkey(), &dest)],
    )
    .unwrap();
    assert_eq!(c.bank.get_balance(&dest), bond + c.rent(RECORD_LEN));
    assert_eq!(c.bank.get_balance(&record.pubkey()), 0);
}

#[test]
fn every_failure_has_its_code() {
    let c = chain();
    let miner = c.funded(100 * SOL);
    let other = c.funded(10 * SOL);
    let rent = c.rent(RECORD_LEN);

    // Bond below the minimum.
    let rec = Keypair::new();
    let e = c.send(
        &miner,
        &[&rec],
        &register(
            &miner.pubkey(),
            &rec.pubkey(),
            Role::Miner,
            MIN_BOND - 1,
            rent,
        ),
    );
    assert_eq!(code(e.unwrap_err()), Some(RegistryError::BondTooSmall));

    // Lamports that are not exactly rent + bond.
    let rec = Keypair::new();
    let mut ixs = register(&miner.pubkey(), &rec.pubkey(), Role::Miner, SOL, rent);
    ixs[0] = solana_system_interface::instruction::create_account(
        &miner.pubkey(),
        &rec.pubkey(),
        rent + SOL + 1,
        RECORD_LEN as u64,
        &ID,
    );
    assert_eq!(
        code(c.send(&miner, &[&rec], &ixs).unwrap_err()),
        Some(RegistryError::BondMismatch)
    );

    // A record the registry does not own.
    let rec = Keypair::new();
    let mut ixs = register(&miner.pubkey(), &rec.pubkey(), Role::Miner, SOL, rent);
    ixs[0] = solana_system_interface::instruction::create_account(
        &miner.pubkey(),
        &rec.pubkey(),
        rent + SOL,
        RECORD_LEN as u64,
        &solana_sdk_ids::system_program::id(),
    );
    assert_eq!(
        code(c.send(&miner, &[&rec], &ixs).unwrap_err()),
        Some(RegistryError::WrongOwner)
    );

    // The wrong size.
    let rec = Keypair::new();
    let mut ixs = register(&miner.pubkey(), &rec.pubkey(), Role::Miner, SOL, rent);
    let rent10 = c
        .bank
        .get_minimum_balance_for_rent_exemption(RECORD_LEN + 10);
    ixs[0] = solana_system_interface::instruction::create_account(
        &miner.pubkey(),
        &rec.pubkey(),
        rent10 + SOL,
        RECORD_LEN as u64 + 10,
        &ID,
    );
    assert_eq!(
        code(c.send(&miner, &[&rec], &ixs).unwrap_err()),
        Some(RegistryError::WrongSize)
    );

    // No authority signature (another account pays and funds the record).
    let rec = Keypair::new();
    let mut ixs = register(&other.pubkey(), &rec.pubkey(), Role::Miner, SOL, rent);
    ixs[1].accounts[0] = AccountMeta::new_readonly(miner.pubkey(), false);
    assert_eq!(
        code(c.send(&other, &[&rec], &ixs).unwrap_err()),
        Some(RegistryError::MissingSignature)
    );

    // Malformed data and an unknown version.
    let rec = Keypair::new();
    let mut ixs = register(&miner.pubkey(), &rec.pubkey(), Role::Miner, SOL, rent);
    ixs[1].data.truncate(5);
    assert_eq!(
        code(c.send(&miner, &[&rec], &ixs).unwrap_err()),
        Some(RegistryError::MalformedInstruction)
    );
    ixs[1].data = vec![9, 0];
    assert_eq!(
        code(c.send(&miner, &[&rec], &ixs).unwrap_err()),
        Some(RegistryError::UnsupportedVersion)
    );

    // A good registration, then a repeated one (another payer, so not a duplicate transaction).
    let rec = Keypair::new();
    c.send(
        &miner,
        &[&rec],
        &register(&miner.pubkey(), &rec.pubkey(), Role::Miner, SOL, rent),
    )
    .unwrap();
    let again = register_only(&miner.pubkey(), &rec.pubkey(), Role::Miner, SOL);
    assert_eq!(
        code(c.send(&other, &[&miner], &[again]).unwrap_err()),
        Some(RegistryError::AlreadyRegistered)
    );

    // Deregistration by someone else, and of a record that was never registered.
    let e = c.send(
        &other,
        &[],
        &[deregister(&other.pubkey(), &rec.pubkey(), &other.pubkey())],
    );
    assert_eq!(code(e.unwrap_err()), Some(RegistryError::WrongAuthority));
    let empty = Keypair::new();
    let create = solana_system_interface::instruction::create_account(
        &miner.pubkey(),
        &empty.pubkey(),
        rent,
        RECORD_LEN as u64,
        &ID,
    );
    c.send(&miner, &[&empty], &[create]).unwrap();
    let e = c.send(
        &miner,
        &[],
        &[deregister(
            &miner.pubkey(),
            &empty.pubkey(),
            &miner.pubkey(),
        )],
    );
    assert_eq!(code(e.unwrap_err()), Some(RegistryError::NotRegistered));
    // The legitimate authority can still leave.
    c.send(
        &miner,
        &[],
        &[deregister(&miner.pubkey(), &rec.pubkey(), &miner.pubkey())],
    )
    .unwrap();
}

#[test]
fn a_verifier_bonds_at_its_own_address_and_unbonds_before_it_leaves() {
    let mut c = chain();
    let v = c.funded(10 * SOL);
    let rent = c.rent(RECORD_LEN);
    // Anywhere but its derived address, or below the verifier minimum: refused.
    let rec = Keypair::new();
    let ixs = register(
        &v.pubkey(),
        &rec.pubkey(),
        Role::Verifier,
        MIN_VERIFIER_BOND,
        rent,
    );
    assert_eq!(
        code(c.send(&v, &[&rec], &ixs).unwrap_err()),
        Some(RegistryError::WrongRecordAddress)
    );
    let small = register_verifier(&v.pubkey(), MIN_VERIFIER_BOND - 1, rent);
    assert_eq!(
        code(c.send(&v, &[], &small).unwrap_err()),
        Some(RegistryError::BondTooSmall)
    );
    c.send(
        &v,
        &[],
        &register_verifier(&v.pubkey(), MIN_VERIFIER_BOND, rent),
    )
    .unwrap();
    let record = verifier_record(&v.pubkey());
    let r = Record::read(solana_account::ReadableAccount::data(
        &c.bank.get_account(&record).unwrap(),
    ))
    .unwrap()
    .unwrap();
    assert_eq!(
        (r.role, r.bond, r.unbonding_slot),
        (Role::Verifier, MIN_VERIFIER_BOND, 0)
    );

    // Nobody but the auction slashes: not with the slasher's address unsigned, not with a key
    // that signs.
    let (slasher, _) = ambient_programs::auction::slasher();
    let mut ix = slash(&slasher, &record, 10_000);
    ix.accounts[0].is_signer = false;
    assert_eq!(
        code(c.send(&v, &[], &[ix]).unwrap_err()),
        Some(RegistryError::NotSlasher)
    );
    let ix = slash(&v.pubkey(), &record, 10_000);
    assert_eq!(
        code(c.send(&v, &[], &[ix]).unwrap_err()),
        Some(RegistryError::NotSlasher)
    );

    // Leaving takes an unbonding first, then the unbonding slots.
    let leave = deregister(&v.pubkey(), &record, &v.pubkey());
    assert_eq!(
        code(c.send(&v, &[], std::slice::from_ref(&leave)).unwrap_err()),
        Some(RegistryError::StillBonded)
    );
    let other = c.funded(SOL);
    let mut theirs = unbond(&v.pubkey());
    theirs.accounts[0].pubkey = other.pubkey();
    assert_eq!(
        code(c.send(&other, &[], &[theirs]).unwrap_err()),
        Some(RegistryError::WrongRecordAddress)
    );
    c.send(&v, &[], &[unbond(&v.pubkey())]).unwrap();
    c.advance(1);
    assert_eq!(
        code(c.send(&v, &[], &[unbond(&v.pubkey())]).unwrap_err()),
        Some(RegistryError::AlreadyUnbonding)
    );
    assert_eq!(
        code(c.send(&v, &[], std::slice::from_ref(&leave)).unwrap_err()),
        Some(RegistryError::StillBonded)
    );
    for _ in 0..UNBOND_SLOTS / 8 {
        c.advance(8);
    }
    let before = c.bank.get_balance(&v.pubkey());
    c.send(&v, &[], &[leave]).unwrap();
    assert_eq!(
        c.bank.get_balance(&v.pubkey()),
        before + rent + MIN_VERIFIER_BOND - c.fee(1)
    );
}

#[test]
fn lamports_sent_to_a_verifier_record_address_first_do_not_keep_it_from_bonding() {
    // The attack: the address of a verifier's record is known in advance; a transfer to it
    // makes `create_account_with_seed` fail, so the verifier could never bond.
    for gift in [1_000_000, MIN_VERIFIER_BOND + 10_000_000] {
        let c = chain();
        let v = c.funded(10 * SOL);
        let rent = c.rent(RECORD_LEN);
        let record = verifier_record(&v.pubkey());
        let spoiler = c.funded(SOL);
        let ix = solana_system_interface::instruction::transfer(&spoiler.pubkey(), &record, gift);
        c.send(&spoiler, &[], &[ix]).unwrap();
        let plain = register_verifier(&v.pubkey(), MIN_VERIFIER_BOND, rent);
        assert!(c.send(&v, &[], &plain).is_err());
        let held = c.bank.get_balance(&record);
        let ixs = register_verifier_holding(&v.pubkey(), MIN_VERIFIER_BOND, rent, held);
        c.send(&v, &[], &ixs).unwrap();
        let r = Record::read(solana_account::ReadableAccount::data(
            &c.bank.get_account(&record).unwrap(),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(r.role, Role::Verifier);
        assert_eq!(r.bond, MIN_VERIFIER_BOND.max(gift.saturating_sub(rent)));
        assert_eq!(c.bank.get_balance(&record), rent + r.bond);
    }
}

/// The record at `key`, decoded.
fn record_at(c: &Chain, key: &Pubkey) -> Record {
    Record::read(solana_account::ReadableAccount::data(
        &c.bank.get_account(key).unwrap(),
    ))
    .unwrap()
    .unwrap()
}

#[test]
fn a_verifier_tops_up_its_own_bond_and_no_one_elses() {
    let mut c = chain();
    let rent = c.rent(RECORD_LEN);
    let v = c.funded(10 * SOL);
    let record = verifier_record(&v.pubkey());
    // Nothing to top up before it registers.
    assert_eq!(
        code(
            c.send(&v, &[], &top_up_verifier(&v.pubkey(), SOL))
                .unwrap_err()
        ),
        Some(RegistryError::WrongOwner)
    );
    c.send(
        &v,
        &[],
        &register_verifier(&v.pubkey(), MIN_VERIFIER_BOND, rent),
    )
    .unwrap();
    c.advance(1); // the same top-up again: a new blockhash, not a replay
    c.send(&v, &[], &top_up_verifier(&v.pubkey(), SOL)).unwrap();
    assert_eq!(record_at(&c, &record).bond, MIN_VERIFIER_BOND + SOL);
    assert_eq!(c.bank.get_balance(&record), rent + MIN_VERIFIER_BOND + SOL);

    // Another key cannot move the bond of a record that is not its own, nor sign for it.
    let other = c.funded(10 * SOL);
    let mut ixs = top_up_verifier(&other.pubkey(), SOL);
    ixs[1].accounts[1].pubkey = record;
    assert_eq!(
        code(c.send(&other, &[], &ixs[1..]).unwrap_err()),
        Some(RegistryError::WrongRecordAddress)
    );
    let mut unsigned = top_up_verifier(&v.pubkey(), 1)[1].clone();
    unsigned.accounts[0].is_signer = false;
    assert_eq!(
        code(c.send(&other, &[], &[unsigned]).unwrap_err()),
        Some(RegistryError::MissingSignature)
    );
    // Lamports anyone sent to the record count once its verifier tops up.
    let gift = solana_system_interface::instruction::transfer(&other.pubkey(), &record, 7);
    c.send(&other, &[], &[gift]).unwrap();
    c.advance(1);
    c.send(&v, &[], &top_up_verifier(&v.pubkey(), 0)).unwrap();
    assert_eq!(record_at(&c, &record).bond, MIN_VERIFIER_BOND + SOL + 7);

    // An unbonding verifier's bond only waits to come back.
    c.send(&v, &[], &[unbond(&v.pubkey())]).unwrap();
    c.advance(1);
    assert_eq!(
        code(
            c.send(&v, &[], &top_up_verifier(&v.pubkey(), SOL))
                .unwrap_err()
        ),
        Some(RegistryError::AlreadyUnbonding)
    );
}

#[derive(Clone, Debug)]
enum Op {
    Register {
        actor: usize,
        bond_sol: u64,
        exact: bool,
    },
    Deregister {
        actor: usize,
        record: usize,
        dest: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3, 1u64..5, any::<bool>()).prop_map(|(actor, bond_sol, exact)| Op::Register {
            actor,
            bond_sol,
            exact
        }),
        (0usize..3, 0usize..6, 0usize..3).prop_map(|(actor, record, dest)| Op::Deregister {
            actor,
            record,
            dest
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// Lamports are conserved: across random registrations and deregistrations by several actors,
    /// successful or not, the tracked accounts lose exactly the transaction fees.
    #[test]
    fn lamports_are_conserved(ops in proptest::collection::vec(op(), 1..10)) {
        let c = chain();
        let actors: Vec<Keypair> = (0..3).map(|_| c.funded(20 * SOL)).collect();
        let mut records: Vec<Pubkey> = Vec::new();
        let mut tracked: Vec<Pubkey> = actors.iter().map(|k| k.pubkey()).collect();
        let total = |c: &Chain, t: &[Pubkey]| t.iter().map(|p| c.bank.get_balance(p)).sum::<u64>();
        let start = total(&c, &tracked);
        let mut fees = 0u64;
        for op in ops {
            let (res, sigs) = match op {
                Op::Register { actor, bond_sol, exact } => {
                    let rec = Keypair::new();
                    records.push(rec.pubkey());
                    tracked.push(rec.pubkey());
                    let mut ixs = register(&actors[actor].pubkey(), &rec.pubkey(), Role::Miner, bond_sol * SOL, c.rent(RECORD_LEN));
                    if !exact {
                        ixs[0] = solana_system_interface::instruction::create_account(
                            &actors[actor].pubkey(), &rec.pubkey(), c.rent(RECORD_LEN) + bond_sol * SOL + 7, RECORD_LEN as u64, &ID);
                    }
                    (c.send(&actors[actor], &[&rec], &ixs), 2)
                }
                Op::Deregister { actor, record, dest } => {
                    let Some(rec) = records.get(record) else { continue };
                    let ix = deregister(&actors[actor].pubkey(), rec, &actors[dest].pubkey());
                    (c.send(&actors[actor], &[], &[ix]), 1)
                }
            };
            match res {
                Ok(()) | Err(TransactionError::InstructionError(..)) => fees += c.fee(sigs),
                Err(TransactionError::AlreadyProcessed) => {}
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
            prop_assert_eq!(total(&c, &tracked) + fees, start);
        }
    }
}
