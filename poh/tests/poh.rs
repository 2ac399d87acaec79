//! The PoH recorder produces entries that Agave's entry verification accepts, with the configured
//! ticks per slot, and rejects tampering.

use std::time::{Duration, Instant};

use ambient_poh::{Pacer, PohConfig, PohError, PohRecorder};
use solana_entry::entry::{Entry, EntrySlice};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

fn tx(from: &Keypair, lamports: u64) -> VersionedTransaction {
    let to = Keypair::new().pubkey();
    solana_system_transaction::transfer(from, &to, lamports, Hash::new_from_array([1; 32])).into()
}

fn run(cfg: PohConfig, slots: u64) -> (Hash, Vec<(u64, Vec<Entry>)>) {
    let start = Hash::new_from_array([7; 32]);
    let mut r = PohRecorder::new(start, 10, cfg).unwrap();
    let payer = Keypair::new();
    let mut out = Vec::new();
    let mut n = 0u64;
    for _ in 0..slots {
        while !r.slot_complete() {
            // Some batches of one or two transactions between ticks.
            for _ in 0..(n % 3) {
                n += 1;
                let batch = (0..1 + n % 2).map(|i| tx(&payer, n * 10 + i)).collect();
                match r.record(batch) {
                    Ok(e) => assert!(!e.is_tick()),
                    Err(PohError::TickDue) => break,
                    Err(e) => panic!("{e}"),
                }
            }
            n += 1;
            r.hash(3);
            assert!(r.tick().is_some());
        }
        out.push(r.take_slot().unwrap());
    }
    (start, out)
}

#[test]
fn entries_verify_with_the_configured_ticks() {
    for hashes_per_tick in [Some(16), None] {
        let cfg = PohConfig {
            slot_duration: Duration::from_millis(10),
            ticks_per_slot: 8,
            hashes_per_tick,
        };
        let (start, slots) = run(cfg, 3);
        assert_eq!(
            slots.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            vec![10, 11, 12]
        );
        let all: Vec<Entry> = slots.into_iter().flat_map(|(_, e)| e).collect();
        assert_eq!(all.tick_count(), 24);
        assert!(
            all.iter().any(|e| !e.is_tick()),
            "transactions were recorded"
        );
        assert!(all.verify_cpu(&start).status(), "{hashes_per_tick:?}");
        if let Some(h) = hashes_per_tick {
            assert!(all.verify_tick_hash_count(&mut 0, h));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert!(all.verify(&start, &pool).status());

        // Tampering with a recorded batch, a hash count, or the start breaks verification.
        let i = all.iter().position(|e| !e.is_tick()).unwrap();
        let mut bad = all.clone();
        bad[i].transactions.pop();
        bad[i].transactions.push(tx(&Keypair::new(), 1));
        assert!(!bad.verify_cpu(&start).status());
        let mut bad = all.clone();
        bad[0].num_hashes += 1;
        assert!(!bad.verify_cpu(&start).status());
        assert!(!all.verify_cpu(&Hash::new_from_array([8; 32])).status());
    }
}

#[test]
fn a_full_slot_takes_no_more_entries() {
    let cfg = PohConfig {
        slot_duration: Duration::from_millis(10),
        ticks_per_slot: 2,
        hashes_per_tick: None,
    };
    let mut r = PohRecorder::new(Hash::default(), 0, cfg).unwrap();
    assert!(r.take_slot().is_none());
    r.tick();
    r.tick();
    assert!(r.tick().is_none());
    assert_eq!(r.record(vec![]).unwrap_err(), PohError::TickDue);
    assert_eq!(r.take_slot().unwrap().1.len(), 2);
    assert_eq!(r.slot(), 1);
    let bad = PohConfig {
        ticks_per_slot: 3,
        ..cfg
    };
    assert!(matches!(
        PohRecorder::new(Hash::default(), 0, bad),
        Err(PohError::Config(_))
    ));
}

#[test]
fn the_pacer_holds_ticks_to_the_clock() {
    let cfg = PohConfig {
        slot_duration: Duration::from_millis(40),
        ticks_per_slot: 4,
        hashes_per_tick: None,
    };
    let pacer = Pacer::new(&cfg);
    let t0 = Instant::now();
    for n in 1..=8 {
        pacer.wait(n);
        assert!(Instant::now() >= pacer.due(n));
    }
    // Two slots of 40 ms cannot pass in less than 80 ms (an upper bound would be a timing test).
    assert!(t0.elapsed() >= Duration::from_millis(79));
}
