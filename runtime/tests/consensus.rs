//! Ambient's consensus settings on a real bank. LStake is Agave's epoch stakes: through the patched
//! `solana-runtime`'s chain hooks, each identity's LStake becomes the stake of exactly one of its
//! vote accounts, from genesis and at every epoch boundary, whatever the delegated stake. The
//! genesis leaves Alpenglow and its admission ticket off (Tower BFT weighed by LStake).

mod common;

use std::collections::HashMap;

use ambient_programs::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use ambient_runtime::{new_bank_forks, AmbientGenesis, GenesisParams};
use solana_account::ReadableAccount;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_signer::Signer;

/// The stake of every vote account in `bank`'s epoch stakes of `epoch`.
fn epoch_stakes(bank: &Bank, epoch: u64) -> HashMap<Pubkey, u64> {
    bank.epoch_vote_accounts(epoch)
        .unwrap_or_else(|| panic!("epoch stakes of epoch {epoch}"))
        .iter()
        .map(|(vote, (stake, _))| (*vote, *stake))
        .collect()
}

#[test]
fn an_identity_with_seven_vote_accounts_weighs_its_lstake_once() {
    // A holds a quarter of LStake and makes seven vote accounts; B holds the rest with one. The
    // bootstrap validator has a million SOL delegated and no LStake.
    let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
    let mut a_votes: Vec<Pubkey> = (0..7).map(|_| Pubkey::new_unique()).collect();
    let b_vote = Pubkey::new_unique();
    let mut params = GenesisParams::dev(Pubkey::new_unique());
    params.initial_lstake = vec![(a, 250), (b, 750)];
    params.validators = a_votes.iter().map(|v| (a, *v)).collect();
    params.validators.push((b, b_vote));
    let g = AmbientGenesis::new(params);
    let dir = tempfile::tempdir().unwrap();
    let forks = new_bank_forks(&g.config, dir.path());
    let genesis = forks.read().unwrap().root_bank();
    a_votes.sort();

    let check = |bank: &Bank, epoch: u64| {
        let stakes = epoch_stakes(bank, epoch);
        assert_eq!(stakes.len(), 9, "every vote account is listed");
        assert_eq!(stakes[&a_votes[0]], 250, "A's lowest vote account");
        for v in &a_votes[1..] {
            assert_eq!(stakes[v], 0, "A's other vote accounts weigh nothing");
        }
        assert_eq!(stakes[&b_vote], 750);
        assert_eq!(
            stakes[&g.bootstrap_vote.pubkey()],
            0,
            "delegated stake alone weighs nothing"
        );
        let total = bank.epoch_stakes(epoch).unwrap().total_stake();
        assert_eq!(total, 1000);
        // The leader schedule follows: only the two weighed vote accounts lead.
        let schedule = solana_runtime::leader_schedule_utils::leader_schedule(epoch, bank).unwrap();
        for leader in schedule.get_slot_leaders() {
            assert!(
                leader.vote_address == a_votes[0] || leader.vote_address == b_vote,
                "{leader:?} leads in epoch {epoch}"
            );
        }
    };
    check(&genesis, 0);
    check(&genesis, 1);
    // The live view (`Bank::vote_accounts`, which replay's thresholds and `getVoteAccounts` read)
    // weighs the same, with the accounts' current states.
    let live = genesis.vote_accounts();
    assert_eq!(live[&a_votes[0]].0, 250);
    assert_eq!(live[&a_votes[1]].0, 0);
    assert_eq!(live[&b_vote].0, 750);
    assert_eq!(live[&g.bootstrap_vote.pubkey()].0, 0);

    // Past an epoch boundary the bank rolls the table (no work yet: the genesis LStake stands)
    // and computes the next epoch's stakes the same way.
    let mut bank = genesis.clone();
    while bank.epoch() == 0 {
        bank.freeze();
        let next = Bank::new_from_parent(bank.clone(), *bank.leader(), bank.slot() + 8);
        bank = forks
            .write()
            .unwrap()
            .insert(next)
            .clone_without_scheduler();
    }
    let table = LStakeTable::decode(bank.get_account(&LSTAKE_TABLE).unwrap().data()).unwrap();
    assert_eq!(table.epoch, 1, "the first bank of epoch 1 rolled the table");
    check(&bank, 2);
}

#[test]
fn the_genesis_keeps_tower_consensus_and_the_test_validators_other_features() {
    let g = AmbientGenesis::new(GenesisParams::dev(Pubkey::new_unique()));
    let dir = tempfile::tempdir().unwrap();
    let forks = new_bank_forks(&g.config, dir.path());
    let bank = forks.read().unwrap().root_bank();
    let features = bank.feature_set.clone();
    for (id, why) in ambient_runtime::genesis::DEACTIVATED_FEATURES {
        assert!(!features.is_active(&id), "{id} is off: {why}");
    }
    assert!(!features.snapshot().alpenglow);
    // Everything else solana-test-validator activates is active.
    let all = agave_feature_set::FeatureSet::all_enabled();
    let off: Vec<_> = all
        .active()
        .keys()
        .filter(|id| !features.is_active(id))
        .collect();
    assert_eq!(
        off.len(),
        ambient_runtime::genesis::DEACTIVATED_FEATURES.len(),
        "{off:?}"
    );
}
