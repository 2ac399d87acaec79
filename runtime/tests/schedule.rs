//! The LStake-weighted leader schedule on real banks, computed by Agave's own leader schedule code
//! from the epoch stakes the runtime's epoch hooks set: genesis validators share the first epochs
//! by their genesis LStake, a validator with zero LStake never leads, and the LStake table rolled at
//! an epoch boundary moves each validator's share of the next epoch's slots as predicted.

use std::collections::{BTreeMap, HashMap};

use ambient_pol::lstake::LSTAKE_ONE;
use ambient_programs::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use ambient_runtime::genesis::{AmbientGenesis, GenesisParams};
use solana_account::{ReadableAccount, WritableAccount};
use solana_keypair::Keypair;
use solana_ledger::leader_schedule_cache::LeaderScheduleCache;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_runtime::leader_schedule_utils::leader_schedule;
use solana_signer::Signer;

struct Cluster {
    bank: std::sync::Arc<Bank>,
    forks: std::sync::Arc<std::sync::RwLock<solana_runtime::bank_forks::BankForks>>,
    ids: Vec<Pubkey>,
    _dir: tempfile::TempDir,
}

/// A genesis with four validators whose LStake is `weights` (parts of the whole).
fn cluster(weights: [u64; 4]) -> Cluster {
    let ids: Vec<Pubkey> = (0..4).map(|_| Keypair::new().pubkey()).collect();
    let mut p = GenesisParams::dev(ids[0]);
    p.validators = ids[1..]
        .iter()
        .map(|id| (*id, Keypair::new().pubkey()))
        .collect();
    let total: u64 = weights.iter().sum();
    p.initial_lstake = ids
        .iter()
        .zip(weights)
        .map(|(id, w)| (*id, LSTAKE_ONE / total * w))
        .collect();
    let g = AmbientGenesis::new(p);
    let dir = tempfile::tempdir().unwrap();
    let forks = ambient_runtime::bank::new_bank_forks(&g.config, dir.path());
    let bank = forks.read().unwrap().root_bank();
    Cluster {
        bank,
        forks,
        ids,
        _dir: dir,
    }
}

fn shares(c: &Cluster, s: &solana_leader_schedule::LeaderSchedule) -> Vec<f64> {
    let mut counts: HashMap<Pubkey, usize> = HashMap::new();
    for leader in s.get_slot_leaders() {
        *counts.entry(leader.id).or_default() += 1;
    }
    let n = s.num_slots() as f64;
    c.ids
        .iter()
        .map(|id| *counts.get(id).unwrap_or(&0) as f64 / n)
        .collect()
}

#[test]
fn genesis_lstake_weighs_the_first_epochs_and_zero_never_leads() {
    let c = cluster([4, 2, 2, 0]);
    let cache = LeaderScheduleCache::new_from_bank(&c.bank);
    for epoch in [0, 1] {
        let s = leader_schedule(epoch, &c.bank).expect("a schedule");
        assert_eq!(
            Some(std::sync::Arc::new(s.clone())),
            cache.get_epoch_leader_schedule(epoch)
        );
        let got = shares(&c, &s);
        println!("epoch {epoch}: shares {got:?} of {} slots", s.num_slots());
        assert_eq!(got[3], 0.0, "zero LStake never leads");
        assert!(
            got.iter().sum::<f64>() > 0.999,
            "genesis validators lead every slot"
        );
        // Runs of four consecutive slots per leader, as on Solana.
        let leaders: Vec<_> = s.get_slot_leaders().map(|l| l.id).collect();
        assert!(leaders.chunks(4).all(|c| c.iter().all(|l| *l == c[0])));
    }
    // The slot leader the cache gives replay and RPC is the LStake schedule's.
    let s = leader_schedule(1, &c.bank).unwrap();
    let first = c.bank.epoch_schedule().get_first_slot_in_epoch(1);
    assert_eq!(
        cache.slot_leader_at(first, Some(&c.bank)).map(|l| l.id),
        Some(s[0].id)
    );
}

#[test]
fn an_lstake_shift_moves_leader_slots_of_the_next_epoch() {
    let c = cluster([1, 1, 1, 1]);
    // A table with LStake that holds from epoch 8 (validator 3 now holds 70 %, the others 10 %
    // each): the first bank of epoch 9 rolls it and weighs epoch 10 by it; epoch 9 keeps the
    // stakes computed at epoch 8's start (equal shares).
    let (e, next) = (9, 10);
    let child = |parent: &std::sync::Arc<Bank>, slot| {
        let bank = Bank::new_from_parent(
            parent.clone(),
            solana_leader_schedule::SlotLeader {
                id: c.ids[0],
                vote_address: Pubkey::default(),
            },
            slot,
        );
        c.forks
            .write()
            .unwrap()
            .insert(bank)
            .clone_without_scheduler()
    };
    let schedule = c.bank.epoch_schedule().clone();
    let bank8 = child(&c.bank, schedule.get_first_slot_in_epoch(e - 1));
    let mut account = bank8.get_account(&LSTAKE_TABLE).unwrap();
    let old = LStakeTable::decode(account.data()).unwrap();
    let new: BTreeMap<Pubkey, u64> = c
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, if i == 3 { 7 } else { 1 } * (LSTAKE_ONE / 10)))
        .collect();
    LStakeTable {
        epoch: e - 1,
        previous: old.entries.clone(),
        entries: new.clone(),
        ..old.clone()
    }
    .encode_into(account.data_as_mut_slice())
    .unwrap();
    bank8.store_account(&LSTAKE_TABLE, &account);
    bank8.freeze();
    let bank = child(&bank8, schedule.get_first_slot_in_epoch(e));
    let rolled = LStakeTable::decode(bank.get_account(&LSTAKE_TABLE).unwrap().data()).unwrap();
    assert_eq!(
        (rolled.epoch, &rolled.entries),
        (e, &new),
        "the boundary rolled the table"
    );

    let before = shares(&c, &leader_schedule(e, &bank).unwrap());
    let after = shares(&c, &leader_schedule(next, &bank).unwrap());
    println!("epoch {e} shares {before:?}; epoch {next} shares {after:?}");
    // Each share as predicted, within four standard deviations of the epoch's leader windows.
    let check = |epoch: u64, got: &[f64], predicted: &dyn Fn(usize) -> f64| {
        let windows = (bank.epoch_schedule().get_slots_in_epoch(epoch) / 4) as f64;
        for (i, share) in got.iter().enumerate() {
            let p = predicted(i);
            let spread = 4.0 * (p * (1.0 - p) / windows).sqrt();
            assert!(
                (share - p).abs() <= spread,
                "epoch {epoch}, validator {i}: share {share}, predicted {p} +- {spread}"
            );
        }
    };
    check(e, &before, &|_| 0.25);
    check(next, &after, &|i| if i == 3 { 0.7 } else { 0.1 });
    // Two epochs on, no stakes are known yet.
    assert!(leader_schedule(next + 1, &bank).is_none());
    // A cache handed this bank (as a root) serves the new schedule.
    let cache = LeaderScheduleCache::new_from_bank(&c.bank);
    cache.set_root(&bank);
    assert_eq!(
        cache.get_epoch_leader_schedule(next).map(|s| (*s).clone()),
        leader_schedule(next, &bank)
    );

    // Every reader of "this epoch's stakes" (the banking stage's vote filter, QoS, gossip and
    // repair weights, the epoch-stake syscall) weighs as this epoch's leader schedule and Tower
    // do: the LStake in force in epoch e, not epoch e + 1's. (Agave keys the delegations active
    // in e under e + 1; with LStake a validator that loses its weight for e + 1 would have its
    // votes dropped in e while it still weighs in Tower, and the cluster would stall.)
    let in_force = bank.epoch_staked_nodes(e).unwrap();
    assert_eq!(bank.current_epoch_staked_nodes(), in_force);
    assert_eq!(
        bank.get_current_epoch_total_stake(),
        bank.epoch_total_stake(e).unwrap()
    );
    let total: u64 = in_force.values().sum();
    assert_eq!(
        in_force[&c.ids[3]] * 4,
        total,
        "validator 3 holds a quarter in epoch {e}"
    );
}

#[test]
fn a_fixed_epoch_length_has_no_warm_up_epochs() {
    let id = Keypair::new().pubkey();
    let mut p = GenesisParams::dev(id);
    p.slots_per_epoch = Some(64);
    let g = AmbientGenesis::new(p);
    let s = g.config.epoch_schedule.clone();
    assert!(!s.warmup);
    assert_eq!(
        [1, 2, 3].map(|e| s.get_first_slot_in_epoch(e)),
        [64, 128, 192]
    );
    // The leader schedule of the next epoch is known from the start of the current one.
    assert_eq!(s.get_leader_schedule_epoch(0), 1);
    assert_eq!(s.get_leader_schedule_epoch(64), 2);
    let dir = tempfile::tempdir().unwrap();
    let forks = ambient_runtime::bank::new_bank_forks(&g.config, dir.path());
    let bank = forks.read().unwrap().root_bank();
    for epoch in [0, 1] {
        let schedule = leader_schedule(epoch, &bank).expect("a schedule");
        assert_eq!(schedule.num_slots(), 64);
        assert!(schedule.get_slot_leaders().all(|l| l.id == id));
    }

    // Agave's default, without the setting: warm-up epochs of 32, 64, 128 slots.
    let warm = AmbientGenesis::new(GenesisParams::dev(id))
        .config
        .epoch_schedule;
    assert!(warm.warmup);
    assert_eq!(
        [1, 2, 3].map(|e| warm.get_first_slot_in_epoch(e)),
        [32, 96, 224]
    );
}
