//! Multi-node clusters of real `ambient-validator` processes on loopback: they find each other
//! through gossip, rotate leaders by the LStake schedule, broadcast and replay each other's
//! blocks, vote, and finalize the same chain; data shreds dropped on the way to a member are
//! restored by erasure coding; a dead leader does not stop the others, a
//! restarted node catches up through repair, a partition heals, and work done in the cluster
//! moves leader slots to whoever did it.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use ambient_sdk::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use common::cluster::{ClusterConfig, LocalCluster};
use common::relay::datapoint_total;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_native_token::LAMPORTS_PER_SOL;
use solana_pubkey::Pubkey;
use solana_rpc_client_api::config::{RpcBlockProductionConfig, RpcBlockProductionConfigRange};
use solana_signer::Signer;
use solana_stake_interface::instruction as stake_ix;
use solana_stake_interface::state::{Authorized, Lockup, StakeStateV2};
use solana_transaction::Transaction;
use solana_vote_interface::instruction as vote_ix;
use solana_vote_interface::state::VoteInit;

const SLOT_MS: u64 = 400;
const WAIT: Duration = Duration::from_secs(300);
/// Epoch length of the clusters where a member falls behind: long enough that the cluster stays
/// within the epoch after the member's root (whose leader schedule it knows) while it is dead,
/// cut off, or locked out of voting by its minority fork's lockouts after the partition.
const HELD_BACK_EPOCH: u64 = 1024;

fn finalized() -> CommitmentConfig {
    CommitmentConfig::finalized()
}

/// The finalized blocks of member `i` in `from..=to` with their hash and parent.
fn blocks(c: &LocalCluster, i: usize, from: u64, to: u64) -> Vec<(u64, String, u64)> {
    let client = c.members[i].client(finalized());
    client
        .get_blocks(from, Some(to))
        .unwrap()
        .into_iter()
        .map(|s| {
            let b = client.get_block(s).unwrap();
            (s, b.blockhash, b.parent_slot)
        })
        .collect()
}

/// Waits until member `i` has rooted the blocks `reference` lists in `from..=to` (a member's
/// `getBlocks` at finalized serves the slots its own tower rooted, which can trail the cluster's
/// finalized slot while its lockouts hold it back) and asserts they match.
fn assert_roots_agree(
    c: &LocalCluster,
    i: usize,
    from: u64,
    to: u64,
    reference: &[(u64, String, u64)],
    what: &str,
) {
    let start = std::time::Instant::now();
    loop {
        let mine = blocks(c, i, from, to);
        if mine == reference || start.elapsed() > WAIT {
            assert_eq!(mine, reference, "member {i} disagrees {what}");
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn four_nodes_rotate_leaders_finalize_and_agree() {
    // Member 3's Turbine shreds pass through a relay that drops a quarter of the data shreds:
    // erasure coding must restore them (it follows the cluster like the others, below).
    let c = LocalCluster::launch(ClusterConfig {
        lossy_tvu: vec![3],
        ..ClusterConfig::new(&[1, 1, 1, 1], SLOT_MS)
    });
    let ids = c.identities();

    // Gossip: every member comes to know every other, with its TPU, RPC and gossip addresses.
    let start = std::time::Instant::now();
    loop {
        let nodes = c.members[3]
            .client(finalized())
            .get_cluster_nodes()
            .unwrap();
        let known: HashSet<String> = nodes
            .iter()
            .filter(|n| n.gossip.is_some() && n.tpu_quic.is_some() && n.rpc.is_some())
            .map(|n| n.pubkey.clone())
            .collect();
        if ids.iter().all(|id| known.contains(&id.to_string())) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "gossip does not list all members: {nodes:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // A transfer sent to one member's RPC is forwarded to the leaders and finalized everywhere.
    // (A member serves transactions once it has seen a confirmed slot: it is healthy.)
    c.wait_for(2, 1, CommitmentConfig::confirmed(), WAIT);
    let faucet =
        solana_keypair::read_keypair_file(c.members[0].ledger().join("faucet-keypair.json"))
            .unwrap();
    let to = Pubkey::new_unique();
    let client = c.members[2].client(CommitmentConfig::confirmed());
    let blockhash = client.get_latest_blockhash().unwrap();
    let tx = solana_system_transaction::transfer(&faucet, &to, 1_000_000_000, blockhash);
    let sig = client
        .send_and_confirm_transaction(&tx)
        .expect("transfer through member 2");
    let landed = client.get_signature_statuses(&[sig]).unwrap().value[0]
        .as_ref()
        .expect("a status")
        .slot;

    // Every member finalizes 64 slots past the transfer; they agree on every finalized block,
    // and at least half the slots have one. (The window starts after the first leader rotations:
    // member 0 ran alone before the others joined, and the first windows after the join see
    // skipped slots while the last members catch up.)
    let all_up = landed + 16;
    let target = all_up + 48;
    for i in 0..4 {
        c.wait_for(i, target, finalized(), WAIT);
    }
    let reference = blocks(&c, 0, all_up, target);
    let slots = (target - all_up + 1) as usize;
    println!(
        "{} finalized blocks in slots {all_up}..={target}",
        reference.len()
    );
    assert!(reference.len() * 2 >= slots, "few blocks: {reference:?}");
    for i in 1..4 {
        assert_roots_agree(&c, i, all_up, target, &reference, "");
    }
    for i in 0..4 {
        let got = c.members[i].client(finalized()).get_balance(&to).unwrap();
        assert_eq!(
            got, 1_000_000_000,
            "member {i}: the transfer is not finalized there"
        );
    }

    // The leader schedule (LStake-weighted, the same on every member) names all four, and each
    // produced some of the finalized blocks.
    let schedule = c.members[0]
        .client(finalized())
        .get_leader_schedule(None)
        .unwrap()
        .unwrap();
    assert_eq!(
        c.members[3]
            .client(finalized())
            .get_leader_schedule(None)
            .unwrap()
            .unwrap(),
        schedule
    );
    for id in &ids {
        assert!(
            schedule.contains_key(&id.to_string()),
            "{id} never leads: {schedule:?}"
        );
    }
    let leaders = c.members[0]
        .client(finalized())
        .get_slot_leaders(all_up, target - all_up + 1)
        .unwrap();
    let mut produced: HashMap<Pubkey, usize> = HashMap::new();
    for (slot, _, _) in &reference {
        *produced
            .entry(leaders[(*slot - all_up) as usize])
            .or_default() += 1;
    }
    println!("finalized blocks per leader: {produced:?}");
    for id in &ids {
        assert!(
            produced.get(id).copied().unwrap_or(0) > 0,
            "{id} produced no finalized block"
        );
    }

    // Member 3 lost a quarter of the data shreds sent to it, yet it agreed on every block above:
    // its blockstore restored them from the coding shreds (Agave's erasure recovery), not by
    // asking others for them (repair).
    assert_shreds_recovered(&c, 3);
}

/// Member `i` sits behind a lossy relay: the relay dropped data shreds, and the slots the member
/// completed got at least half as many data shreds back by erasure recovery as the relay dropped,
/// and more than they got by repair (Agave's `shred_insert_is_full` datapoint, per slot).
fn assert_shreds_recovered(c: &LocalCluster, i: usize) {
    let relay = &c.relays[&i];
    let log = c.members[i].log();
    let recovered = datapoint_total(&log, "shred_insert_is_full", "num_recovered");
    let repaired = datapoint_total(&log, "shred_insert_is_full", "num_repaired");
    let (dropped, forwarded) = (relay.dropped(), relay.forwarded());
    println!(
        "member {i}'s relay: {dropped} data shreds dropped, {forwarded} packets forwarded; the \
         slots it completed: {recovered} data shreds recovered by erasure coding, {repaired} \
         repaired"
    );
    assert!(
        dropped > 100,
        "the relay dropped only {dropped} data shreds"
    );
    assert!(
        recovered * 2 >= dropped && recovered > repaired,
        "{recovered} shreds recovered and {repaired} repaired of {dropped} dropped"
    );
}

#[test]
fn a_dead_leader_does_not_stop_the_others_and_a_restart_catches_up() {
    let mut c = LocalCluster::launch(ClusterConfig {
        slots_per_epoch: Some(HELD_BACK_EPOCH),
        ..ClusterConfig::new(&[1, 1, 1, 1], SLOT_MS)
    });
    let schedule = c.members[3]
        .client(finalized())
        .get_epoch_schedule()
        .unwrap();
    assert_eq!(
        (schedule.slots_per_epoch, schedule.warmup),
        (HELD_BACK_EPOCH, false),
        "the genesis has the epoch length asked for"
    );
    let before = c.wait_for(0, 24, finalized(), WAIT);

    // Member 3 (a quarter of the LStake) dies: the other three (three quarters, more than 2/3)
    // keep finalizing, skipping its slots.
    c.kill(3);
    let after = c.wait_for(0, before + 40, finalized(), WAIT);
    println!("finalized {before} when member 3 died, {after} without it");
    for i in 1..3 {
        c.wait_for(i, before + 40, finalized(), WAIT);
    }

    // Restarted, it replays its ledger, repairs the slots it missed and follows again.
    c.restart(3);
    let cluster = c.slot(0, finalized());
    let caught = c.wait_for(3, cluster, finalized(), WAIT);
    println!("member 3 finalized {caught} after its restart (cluster at {cluster})");
    // It holds the same finalized blocks as the others, up to the cluster's finalized slot.
    let since = cluster.saturating_sub(16);
    let theirs = blocks(&c, 0, since, cluster);
    assert!(
        !theirs.is_empty(),
        "no finalized blocks in {since}..={cluster}"
    );
    assert_roots_agree(&c, 3, since, cluster, &theirs, "after its restart");

    // Back from behind, it leads again only once a vote of its own has landed (Agave skips its
    // leader slots until then): every block it produced since its restart is on the cluster's
    // finalized chain (none in a slot the cluster had passed, forking away), and it did produce
    // some.
    let produced_since_restart = |log: &str| -> Vec<u64> {
        common::since_last_start(log)
            .lines()
            .filter_map(|l| {
                let rest = l.split_once("new fork:")?.1;
                let (slot, rest) = rest.split_once(" parent:")?;
                rest.contains("(leader)")
                    .then(|| slot.trim().parse().ok())?
            })
            .collect()
    };
    let start = std::time::Instant::now();
    let mine = loop {
        let mine = produced_since_restart(&c.members[3].log());
        let finalized_now = c.slot(0, finalized());
        let settled: Vec<u64> = mine
            .iter()
            .copied()
            .filter(|s| *s <= finalized_now)
            .collect();
        if settled.len() >= 2 || start.elapsed() > WAIT {
            break settled;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    assert!(
        !mine.is_empty(),
        "member 3 produced no block since its restart; log:\n{}",
        common::tail(&c.members[3].log(), 40)
    );
    let finalized_now = c.slot(0, finalized());
    let chain: Vec<u64> = blocks(&c, 0, caught.saturating_sub(64), finalized_now)
        .into_iter()
        .map(|(s, _, _)| s)
        .collect();
    for s in &mine {
        assert!(
            chain.contains(s),
            "member 3 produced slot {s} off the cluster's chain after its restart; log:\n{}",
            common::tail(&c.members[3].log(), 60)
        );
    }
    let held_back = common::since_last_start(&c.members[3].log())
        .contains("Haven't landed a vote, so skipping my leader slot");
    println!(
        "member 3 produced {mine:?} after its restart, all finalized (it held back its leader \
         slots until a vote of its own landed: {held_back})"
    );
}

#[test]
fn a_partition_stalls_the_minority_and_heals_without_rolling_back() {
    if !common::cluster::can_partition() {
        ambient_testkit::skip!("cutting the network between members needs root and iptables");
        return;
    }
    let c = LocalCluster::launch(ClusterConfig {
        own_addresses: true,
        slots_per_epoch: Some(HELD_BACK_EPOCH),
        ..ClusterConfig::new(&[1, 1, 1, 1], SLOT_MS)
    });
    let before = c.wait_for(0, 24, finalized(), WAIT);
    let kept = blocks(&c, 0, 1, before);

    // Members 0-2 (three quarters of the LStake) lose member 3 (a quarter) and it loses them.
    let cut = c.partition(&[0, 1, 2], &[3]);
    // The minority can at most finalize what the cluster had voted before the cut.
    let voted_at_cut = c.slot(3, CommitmentConfig::processed());
    let majority = c.wait_for(0, (before + 40).max(voted_at_cut + 24), finalized(), WAIT);
    let minority = c.slot(3, finalized());
    println!(
        "during the partition: the majority finalized {before} -> {majority}, the minority \
         {minority} (it had processed {voted_at_cut} at the cut)"
    );
    assert!(
        minority <= voted_at_cut && majority > voted_at_cut,
        "the minority kept finalizing: {minority} (processed {voted_at_cut} at the cut) vs {majority}"
    );

    // Healed: member 3 drops its own fork for the majority's and finalizes with it; no member
    // rolled back a block it had finalized.
    cut.heal();
    let healed_at = c.slot(0, finalized());
    c.wait_for(3, healed_at, finalized(), WAIT);
    let since = healed_at.saturating_sub(16);
    let theirs = blocks(&c, 0, since, healed_at);
    assert!(!theirs.is_empty());
    for i in 1..4 {
        assert_roots_agree(&c, i, since, healed_at, &theirs, "after healing");
        assert_eq!(
            blocks(&c, i, 1, before),
            kept,
            "member {i} rolled back a finalized block"
        );
    }
}

/// Member `i`'s LStake table (read at `confirmed`).
fn lstake_table(c: &LocalCluster, i: usize) -> LStakeTable {
    let data = c.members[i]
        .client(CommitmentConfig::confirmed())
        .get_account_data(&LSTAKE_TABLE)
        .unwrap();
    LStakeTable::decode(&data).unwrap()
}

/// Leader slots and blocks produced in `first..=last` per identity, as member `i` reports them.
fn production(
    c: &LocalCluster,
    i: usize,
    first: u64,
    last: u64,
) -> HashMap<String, (usize, usize)> {
    c.members[i]
        .client(finalized())
        .get_block_production_with_config(RpcBlockProductionConfig {
            identity: None,
            range: Some(RpcBlockProductionConfigRange {
                first_slot: first,
                last_slot: Some(last),
            }),
            commitment: Some(finalized()),
        })
        .unwrap()
        .value
        .by_identity
}

#[test]
fn work_done_in_the_cluster_moves_the_leader_slots_to_whoever_did_it() {
    // Member 1 holds three quarters of the genesis LStake; member 0 runs the inference market
    // (miner, verifier, chat API), member 1 only verifies: the committee of member 0's jobs
    // (the miner never verifies itself), whose verdict alone turns them into work — member 0's
    // inference and member 1's validation (a prefill of each job, a fraction of generating it).
    // Short epochs without warm-up: the work rolls into LStake at the next boundary and moves
    // the leader slots of the epoch after, within a few minutes of slots on a slow machine.
    let c = LocalCluster::launch(ClusterConfig {
        market: Some(0),
        verifiers: vec![1],
        slots_per_epoch: Some(64),
        ..ClusterConfig::new(&[1, 3], 200)
    });
    let ids = c.identities();
    let schedule = c.members[0]
        .client(finalized())
        .get_epoch_schedule()
        .unwrap();
    // Past the joining member's first blocks (it catches up from an old bank and its first
    // leader slots can fork off; transactions sent then may land on the abandoned fork).
    for i in 0..2 {
        c.wait_for(i, 64, finalized(), WAIT);
    }

    // Served jobs are member 0's work once member 1, the committee, finds them valid. Outputs of
    // 32 tokens: generating one is worth several times checking it.
    let api = c.members[0].validator.as_ref().unwrap().api_url();
    let key = c.members[0].validator.as_ref().unwrap().api_key();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for n in 0..2 {
        let answer: serde_json::Value = rt
            .block_on(async {
                reqwest::Client::new()
                    .post(format!("{api}/v1/chat/completions"))
                    .bearer_auth(&key)
                    .json(&serde_json::json!({
                        "model": "SmolLM2-135M-Instruct.Q4_1",
                        "messages": [{"role": "user", "content": format!("Count from {n} to 99.")}],
                        "max_tokens": 32,
                    }))
                    .send()
                    .await?
                    .json()
                    .await
            })
            .unwrap();
        assert!(
            answer["ambient"]["receipt"]["auction"].is_string(),
            "{answer}"
        );
    }

    // The next epoch roll replaces the genesis LStake (1 : 3) by the work done: member 0's
    // inference, several times member 1's validation.
    let genesis = lstake_table(&c, 0);
    assert_eq!(genesis.entries.len(), 2, "{genesis:?}");
    let start = std::time::Instant::now();
    let table = loop {
        let t = lstake_table(&c, 0);
        if t.entries != genesis.entries {
            break t;
        }
        assert!(start.elapsed() < WAIT, "no LStake from the work: {t:?}");
        std::thread::sleep(Duration::from_millis(500));
    };
    let mut workers: Vec<&Pubkey> = table.entries.keys().collect();
    workers.sort();
    let mut members = vec![&ids[0], &ids[1]];
    members.sort();
    assert_eq!(workers, members, "both did work: {table:?}");
    let (inference, validation) = (table.entries[&ids[0]], table.entries[&ids[1]]);
    assert!(inference > 3 * validation, "{table:?}");
    // Member 1 replays the roll's slot a moment after member 0 produced or replayed it.
    let start = std::time::Instant::now();
    let mut other = lstake_table(&c, 1);
    while other.entries != table.entries && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
        other = lstake_table(&c, 1);
    }
    assert_eq!(other.entries, table.entries, "members disagree");

    // As the table weighs them: most slots of the next epoch are member 0's (the schedule is
    // drawn by weight in windows of four: with a share below a quarter, member 1 holds half of
    // sixteen windows about once in five hundred epochs), both members' schedules agree, and
    // each slot's block comes from its leader.
    let next = table.epoch + 1;
    let first = schedule.get_first_slot_in_epoch(next);
    let last = first + 40;
    for i in 0..2 {
        c.wait_for(i, last, finalized(), WAIT);
    }
    // Before: the genesis schedule, under which member 1 led and produced blocks.
    let rolled = schedule.get_first_slot_in_epoch(table.epoch);
    let before = production(&c, 1, 1, rolled - 1);
    let slots = |p: &HashMap<String, (usize, usize)>, i: usize| p.get(&ids[i].to_string()).copied();
    let (s0, s1) = (slots(&before, 0), slots(&before, 1));
    println!(
        "before epoch {}: member 0 {s0:?}, member 1 {s1:?} (leader slots, blocks)",
        table.epoch
    );
    assert!(
        s1.is_some_and(|(_, produced)| produced > 0),
        "member 1 produced blocks under the genesis schedule: {before:?}"
    );

    let schedule_of = |i: usize| {
        c.members[i]
            .client(finalized())
            .get_slot_leaders(first, 64)
            .unwrap()
    };
    let leaders = schedule_of(0);
    assert_eq!(leaders, schedule_of(1), "the members' schedules differ");
    assert!(
        leaders.iter().all(|l| members.contains(&l)),
        "epoch {next} leaders {leaders:?}"
    );
    let led_by_0 = leaders.iter().filter(|l| **l == ids[0]).count();
    assert!(
        led_by_0 * 2 > leaders.len(),
        "epoch {next} leaders {leaders:?}"
    );
    let after = production(&c, 1, first, last);
    println!("epoch {next} (slots {first}..={last}): {after:?}");
    let (leader_slots, produced) = after
        .values()
        .fold((0, 0), |(l, p), (l1, p1)| (l + l1, p + p1));
    assert_eq!(leader_slots, (last - first + 1) as usize);
    assert!(
        after[&ids[0].to_string()].0 * 2 > leader_slots,
        "member 0 leads most: {after:?}"
    );
    assert!(
        produced * 10 >= leader_slots * 9,
        "{produced} of {leader_slots} produced"
    );
    assert_eq!(
        blocks(&c, 0, first, last),
        blocks(&c, 1, first, last),
        "members disagree on epoch {next}"
    );
}

/// An airdrop from member 0's faucet to `to`, confirmed; returns the slot member 0 is at then.
fn airdrop_confirmed(c: &LocalCluster, to: &Pubkey, lamports: u64) -> u64 {
    let client = c.members[0].client(CommitmentConfig::confirmed());
    let sig = client.request_airdrop(to, lamports).unwrap();
    let start = std::time::Instant::now();
    while !client.confirm_transaction(&sig).unwrap_or(false) {
        assert!(start.elapsed() < WAIT, "airdrop {sig} not confirmed");
        std::thread::sleep(Duration::from_millis(200));
    }
    client.get_slot().unwrap()
}

/// The slots of the full snapshot archives a node downloaded from others (Agave keeps them in
/// `snapshots/remote`).
fn downloaded_snapshots(ledger: &std::path::Path) -> Vec<u64> {
    let Ok(dir) = std::fs::read_dir(ledger.join("snapshots").join("remote")) else {
        return Vec::new();
    };
    let mut slots: Vec<u64> = dir
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("snapshot-")?
                .split('-')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    slots.sort_unstable();
    slots
}

/// A node that joins late starts from the cluster's newest snapshot (Agave's RPC bootstrap),
/// not by replaying from genesis, and follows the cluster; its identity, with no LStake, then
/// tries to buy weight with vote accounts and delegated SOL, and gets none.
#[test]
fn a_late_node_starts_from_the_clusters_snapshot_and_its_stake_weighs_nothing() {
    // One genesis validator that snapshots every 50 rooted blocks.
    // 64-slot epochs from the first: the delegations below reach the epoch stakes within
    // seconds.
    let mut c = LocalCluster::launch(ClusterConfig {
        snapshot_interval_slots: Some(50),
        slots_per_epoch: Some(64),
        ..ClusterConfig::new(&[1], 200)
    });
    let early = Pubkey::new_unique();
    let funded_at = airdrop_confirmed(&c, &early, 3_000_000_000);
    // Wait until the cluster advertises a snapshot that holds the airdrop.
    let client0 = c.members[0].client(CommitmentConfig::confirmed());
    let start = std::time::Instant::now();
    let advertised = loop {
        match client0.get_highest_snapshot_slot() {
            Ok(s) if s.full > funded_at => break s.full,
            _ => {}
        }
        assert!(start.elapsed() < WAIT, "no snapshot past slot {funded_at}");
        std::thread::sleep(Duration::from_millis(500));
    };

    // A new node joins through member 0 with an empty ledger.
    let j = c.join();
    let joined = downloaded_snapshots(&c.members[j].ledger());
    let from = *joined
        .first()
        .unwrap_or_else(|| panic!("the joiner downloaded no snapshot:\n{}", c.members[j].log()));
    assert!(
        from >= advertised,
        "downloaded {joined:?}, cluster had {advertised}"
    );
    let log = c.members[j].log();
    assert!(
        log.contains(&format!("Downloading a snapshot for slot {from}"))
            && log.contains(&format!(
                "Loading bank from full snapshot archive: {}",
                c.members[j]
                    .ledger()
                    .join("snapshots/remote")
                    .join(format!("snapshot-{from}-"))
                    .display()
            )),
        "the joiner did not start from the snapshot it downloaded:\n{log}"
    );

    // It holds the state the snapshot carries, but none of the blocks before it: it did not
    // replay (or repair) the cluster's history from genesis.
    let joiner = c.members[j].client(CommitmentConfig::confirmed());
    assert_eq!(joiner.get_balance(&early).unwrap(), 3_000_000_000);
    c.wait_for(j, from + 20, finalized(), WAIT);
    let held: Vec<u64> = c.members[j]
        .client(finalized())
        .get_blocks(1, Some(from + 20))
        .unwrap();
    // (The snapshot's slot is its first root, with no block.)
    assert!(
        held.iter().all(|s| *s >= from),
        "the joiner holds blocks {held:?} from before {from}"
    );
    // Its blocks after the first one it replayed (whose parent, the snapshot's slot, it lacks)
    // are the cluster's.
    let first = *held
        .iter()
        .find(|s| **s > from)
        .expect("the joiner holds no finalized block");
    let after = blocks(&c, j, first + 1, from + 20);
    assert!(
        !after.is_empty(),
        "the joiner holds one block only: {held:?}"
    );
    assert_roots_agree(&c, 0, first + 1, from + 20, &after, "after the join");

    // And it follows the cluster: a transfer made after it joined reaches it.
    let late = Pubkey::new_unique();
    let at = airdrop_confirmed(&c, &late, 1_000_000_000);
    c.wait_for(j, at, CommitmentConfig::confirmed(), WAIT);
    let start = std::time::Instant::now();
    while joiner.get_balance(&late).unwrap_or(0) != 1_000_000_000 {
        assert!(
            start.elapsed() < WAIT,
            "the joiner never saw the late airdrop"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // A sybil: the joiner's identity, in no LStake, makes two vote accounts, and a whale
    // delegates 200 000 SOL of native stake to each. Stock Agave would weigh them once the
    // stake activates (epoch stakes are taken one epoch ahead); here epoch stakes follow LStake
    // alone, so they weigh nothing and never lead.
    let sybil = c.members[j].identity.insecure_clone();
    let whale = Keypair::new();
    airdrop_confirmed(&c, &whale.pubkey(), 500_000 * LAMPORTS_PER_SOL);
    let mut sybil_votes = Vec::new();
    for _ in 0..2 {
        let (vote, stake) = (Keypair::new(), Keypair::new());
        let init = VoteInit {
            node_pubkey: sybil.pubkey(),
            authorized_voter: sybil.pubkey(),
            authorized_withdrawer: sybil.pubkey(),
            commission: 0,
        };
        let mut ixs = vote_ix::create_account_with_config(
            &whale.pubkey(),
            &vote.pubkey(),
            &init,
            LAMPORTS_PER_SOL,
            Default::default(),
        );
        ixs.extend(stake_ix::create_account_and_delegate_stake(
            &whale.pubkey(),
            &stake.pubkey(),
            &vote.pubkey(),
            &Authorized::auto(&whale.pubkey()),
            &Lockup::default(),
            200_000 * LAMPORTS_PER_SOL,
        ));
        // The stake program refuses delegations while an epoch's rewards are being
        // distributed (its first blocks: StakeError::EpochRewardsActive); a client tries again.
        let mut tries = 0;
        loop {
            let blockhash = client0.get_latest_blockhash().unwrap();
            let tx = Transaction::new_signed_with_payer(
                &ixs,
                Some(&whale.pubkey()),
                &[&whale, &vote, &sybil, &stake],
                blockhash,
            );
            match client0.send_and_confirm_transaction(&tx) {
                Ok(_) => break,
                Err(e) if tries < 20 && format!("{e:?}").contains("Custom(16)") => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(SLOT_MS));
                }
                Err(e) => panic!("the sybil's vote account and delegation: {e:?}"),
            }
        }
        sybil_votes.push((vote.pubkey(), stake.pubkey()));
    }
    let activation =
        |stake: &Pubkey| match bincode::deserialize(&client0.get_account_data(stake).unwrap())
            .unwrap()
        {
            StakeStateV2::Stake(_, s, _) => s.delegation,
            other => panic!("stake account {stake}: {other:?}"),
        };
    let delegated_in = sybil_votes
        .iter()
        .map(|(_, stake)| activation(stake).activation_epoch)
        .max()
        .unwrap();
    // Two epoch boundaries later stock Agave's epoch stakes hold the activated delegations.
    let first = c.members[0]
        .client(finalized())
        .get_epoch_schedule()
        .unwrap()
        .get_first_slot_in_epoch(delegated_in + 2);
    c.wait_for(0, first, finalized(), WAIT);
    let fin = c.members[0].client(finalized());
    let weights: HashMap<String, u64> = {
        let va = fin.get_vote_accounts().unwrap();
        va.current
            .iter()
            .chain(&va.delinquent)
            .map(|a| (a.vote_pubkey.clone(), a.activated_stake))
            .collect()
    };
    for (vote, stake) in &sybil_votes {
        assert_eq!(activation(stake).voter_pubkey, *vote);
        assert_eq!(
            weights.get(&vote.to_string()).copied().unwrap_or(0),
            0,
            "delegated SOL gave vote account {vote} weight: {weights:?}"
        );
    }
    let schedule = fin.get_leader_schedule(None).unwrap().unwrap();
    assert_eq!(
        schedule.keys().collect::<Vec<_>>(),
        vec![&c.members[0].identity.pubkey().to_string()],
        "the sybil leads slots"
    );
    assert!(
        !lstake_table(&c, 0).entries.contains_key(&sybil.pubkey()),
        "the sybil has LStake"
    );
}
