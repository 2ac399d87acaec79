//! Multi-node clusters of real `ambient-validator` processes on loopback: they find each other
//! through gossip, rotate leaders by the LStake schedule, broadcast and replay each other's
//! blocks, vote, and finalize the same chain; a dead leader does not stop the others, and a
//! restarted node catches up through repair.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::cluster::LocalCluster;
use solana_commitment_config::CommitmentConfig;
use solana_pubkey::Pubkey;

const SLOT_MS: u64 = 400;
const WAIT: Duration = Duration::from_secs(300);

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

#[test]
fn four_nodes_rotate_leaders_finalize_and_agree() {
    let c = LocalCluster::start(&[1, 1, 1, 1], SLOT_MS);
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
        assert_eq!(
            blocks(&c, i, all_up, target),
            reference,
            "member {i} disagrees"
        );
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
}

#[test]
fn a_dead_leader_does_not_stop_the_others_and_a_restart_catches_up() {
    let mut c = LocalCluster::start(&[1, 1, 1, 1], SLOT_MS);
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
    assert_eq!(blocks(&c, 3, since, cluster), theirs, "member 3 disagrees");
}

#[test]
fn a_partition_stalls_the_minority_and_heals_without_rolling_back() {
    if !common::cluster::can_partition() {
        eprintln!("SKIPPED: cutting the network between members needs root and iptables");
        return;
    }
    let c = LocalCluster::start_with(&[1, 1, 1, 1], SLOT_MS, true);
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
        assert_eq!(
            blocks(&c, i, since, healed_at),
            theirs,
            "member {i} disagrees after healing"
        );
        assert_eq!(
            blocks(&c, i, 1, before),
            kept,
            "member {i} rolled back a finalized block"
        );
    }
}
