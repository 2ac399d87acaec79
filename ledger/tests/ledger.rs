//! Entries from the PoH recorder go through shreds into a real RocksDB blockstore and come back
//! unchanged after a reopen; roots persist; misuse is a clear error.

use std::time::Duration;

use ambient_ledger::{Ledger, LedgerError};
use ambient_poh::{PohConfig, PohRecorder};
use solana_entry::entry::{Entry, EntrySlice};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

fn slots(n: u64) -> (Hash, Vec<(u64, Vec<Entry>)>) {
    let start = Hash::new_from_array([3; 32]);
    let cfg = PohConfig {
        slot_duration: Duration::from_millis(10),
        ticks_per_slot: 4,
        hashes_per_tick: Some(8),
    };
    let mut r = PohRecorder::new(start, 1, cfg).unwrap();
    let payer = Keypair::new();
    let mut out = Vec::new();
    for s in 0..n {
        while !r.slot_complete() {
            let batch: Vec<VersionedTransaction> = (0..3)
                .map(|i| {
                    solana_system_transaction::transfer(
                        &payer,
                        &Keypair::new().pubkey(),
                        s * 10 + i + 1,
                        start,
                    )
                    .into()
                })
                .collect();
            let _ = r.record(batch);
            r.tick();
        }
        out.push(r.take_slot().unwrap());
    }
    (start, out)
}

#[test]
fn slots_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let leader = Keypair::new();
    let (start, written) = slots(3);
    {
        let ledger = Ledger::open(dir.path(), 42).unwrap();
        let mut parent = 0;
        for (slot, entries) in &written {
            ledger.write_slot(*slot, parent, entries, &leader).unwrap();
            parent = *slot;
        }
        ledger.set_roots(&[1, 2]).unwrap();
    }
    let ledger = Ledger::open(dir.path(), 42).unwrap();
    let mut all = Vec::new();
    for (slot, entries) in &written {
        assert!(ledger.is_full(*slot));
        let read = ledger.read_slot(*slot).unwrap();
        assert_eq!(&read, entries, "slot {slot}");
        all.extend(read);
    }
    assert!(
        all.verify_cpu(&start).status(),
        "the stored chain still verifies"
    );
    assert!(ledger.is_root(1) && ledger.is_root(2) && !ledger.is_root(3));
}

#[test]
fn misuse_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path(), 1).unwrap();
    let leader = Keypair::new();
    let (_, written) = slots(1);
    let (slot, entries) = &written[0];
    ledger.write_slot(*slot, 0, entries, &leader).unwrap();
    assert!(
        matches!(ledger.write_slot(*slot, 0, entries, &leader), Err(LedgerError::SlotExists(s)) if s == *slot)
    );
    assert!(matches!(
        ledger.read_slot(99),
        Err(LedgerError::Incomplete(99))
    ));
    assert!(matches!(
        ledger.write_slot(5, 1, &[], &leader),
        Err(LedgerError::Empty(5))
    ));
    assert!(matches!(
        ledger.write_slot(5, 9, entries, &leader),
        Err(LedgerError::Shred { .. })
    ));
    // A file where the ledger directory should be is reported with its path.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let e = Ledger::open(&file, 1).unwrap_err();
    assert!(e.to_string().contains("not-a-dir"), "{e}");
}
