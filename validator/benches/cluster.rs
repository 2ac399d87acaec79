//! A four-node cluster of real `ambient-validator` processes on loopback (equal genesis LStake,
//! 400 ms slots, leaders rotating every 4 slots): confirmation and finalization latency of
//! transfers sent to each member in turn, then transfer throughput with the load spread over the
//! members' QUIC TPUs (each forwards to the slot's leader). Prints a table.
//!
//! `cargo bench -p ambient-validator --bench cluster` (`AMBIENT_CLUSTER_SECS` sets the load
//! window, 30 s; `AMBIENT_CLUSTER_SAMPLES` the latency samples, 80, one every 500 ms).

mod common;
#[path = "../tests/common/mod.rs"]
mod harness;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use harness::cluster::LocalCluster;
use solana_client::connection_cache::ConnectionCache;
use solana_commitment_config::CommitmentConfig;
use solana_connection_cache::client_connection::ClientConnection;
use solana_keypair::{read_keypair_file, Keypair};
use solana_native_token::LAMPORTS_PER_SOL;
use solana_pubkey::Pubkey;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_streamer::streamer::StakedNodes;

const MEMBERS: usize = 4;
const SLOT_MS: u64 = 400;
const PAYERS: usize = 256;
const MAX_IN_FLIGHT: u64 = 4096;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

/// Waits (up to 60 s) until `sig` is finalized on `rpc`.
fn wait_finalized(rpc: &RpcClient, sig: &Signature) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(st) = rpc.get_signature_statuses(&[*sig]) {
            if let Some(Some(s)) = st.value.first() {
                if s.satisfies_commitment(CommitmentConfig::finalized()) {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Funds `keys` from `faucet` through `rpc` and waits until every funding is finalized.
fn fund(rpc: &RpcClient, faucet: &Keypair, keys: &[Pubkey]) {
    let blockhash = rpc.get_latest_blockhash().unwrap();
    let sigs: Vec<Signature> = common::funding(faucet, keys, 100 * LAMPORTS_PER_SOL, blockhash)
        .iter()
        .map(|t| rpc.send_transaction(t).unwrap())
        .collect();
    for s in &sigs {
        assert!(wait_finalized(rpc, s), "funding {s} not finalized in 60 s");
    }
}

fn main() {
    let secs = env_or("AMBIENT_CLUSTER_SECS", 30);
    let samples = env_or("AMBIENT_CLUSTER_SAMPLES", 80) as usize;
    eprintln!("starting {MEMBERS} validators");
    let cluster = LocalCluster::start(&[1; MEMBERS], SLOT_MS);
    // Every member joined and caught up: each has finalized a block the others made.
    let start = cluster.slot(0, CommitmentConfig::processed());
    for i in 0..MEMBERS {
        cluster.wait_for(
            i,
            start + 16,
            CommitmentConfig::finalized(),
            Duration::from_secs(180),
        );
    }
    let clients: Vec<RpcClient> = (0..MEMBERS)
        .map(|i| cluster.members[i].client(CommitmentConfig::processed()))
        .collect();
    let faucet =
        read_keypair_file(cluster.members[0].ledger().join("faucet-keypair.json")).unwrap();
    let payers: Vec<Keypair> = (0..PAYERS).map(|_| Keypair::new()).collect();
    let to = Pubkey::new_unique();
    let keys: Vec<Pubkey> = payers.iter().map(|p| p.pubkey()).chain([to]).collect();
    eprintln!("funding {} accounts", keys.len());
    fund(&clients[0], &faucet, &keys);

    // Latency: a transfer every 500 ms, sent to member n % 4 and followed on that member
    // (statuses polled every 10 ms) until finalized.
    eprintln!("latency: {samples} transfers, one every 500 ms");
    let no_preflight = RpcSendTransactionConfig {
        skip_preflight: true,
        ..Default::default()
    };
    struct Sample {
        member: usize,
        sig: Signature,
        sent: Instant,
        confirmed: Option<Duration>,
        finalized: Option<Duration>,
    }
    let mut pending: Vec<Sample> = Vec::new();
    let mut next_send = Instant::now();
    let mut sent_all_at = None;
    loop {
        if pending.len() < samples && Instant::now() >= next_send {
            let n = pending.len();
            let rpc = &clients[n % MEMBERS];
            let blockhash = rpc.get_latest_blockhash().unwrap();
            let tx = solana_system_transaction::transfer(
                &payers[n % PAYERS],
                &to,
                1_000 + n as u64,
                blockhash,
            );
            let sent = Instant::now();
            let sig = rpc.send_transaction_with_config(&tx, no_preflight).unwrap();
            pending.push(Sample {
                member: n % MEMBERS,
                sig,
                sent,
                confirmed: None,
                finalized: None,
            });
            next_send = sent + Duration::from_millis(500);
            if pending.len() == samples {
                sent_all_at = Some(Instant::now());
            }
        }
        for (member, rpc) in clients.iter().enumerate() {
            let open: Vec<usize> = (0..pending.len())
                .filter(|i| pending[*i].member == member && pending[*i].finalized.is_none())
                .collect();
            if open.is_empty() {
                continue;
            }
            let sigs: Vec<Signature> = open.iter().map(|i| pending[*i].sig).collect();
            let Ok(st) = rpc.get_signature_statuses(&sigs) else {
                continue;
            };
            for (i, st) in open.into_iter().zip(st.value) {
                let Some(st) = st else { continue };
                let p = &mut pending[i];
                if p.confirmed.is_none() && st.satisfies_commitment(CommitmentConfig::confirmed()) {
                    p.confirmed = Some(p.sent.elapsed());
                }
                if st.satisfies_commitment(CommitmentConfig::finalized()) {
                    p.finalized = Some(p.sent.elapsed());
                    p.confirmed.get_or_insert(p.sent.elapsed());
                }
            }
        }
        let done = pending.iter().all(|p| p.finalized.is_some());
        if sent_all_at.is_some_and(|t| done || t.elapsed() > Duration::from_secs(60)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut confirmed: Vec<Duration> = pending.iter().filter_map(|p| p.confirmed).collect();
    let mut finalized: Vec<Duration> = pending.iter().filter_map(|p| p.finalized).collect();
    let lost = pending.len() - finalized.len();
    let sigs: Vec<Signature> = pending.iter().map(|p| p.sig).collect();
    confirmed.sort();
    finalized.sort();
    // Every member has every sample finalized (a member may root a slot or two after the one
    // that reported it: each gets 30 s).
    for (i, rpc) in clients.iter().enumerate() {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let missing: usize = sigs
                .chunks(200)
                .map(|chunk| {
                    let st = rpc.get_signature_statuses(chunk).unwrap().value;
                    st.iter()
                        .filter(|s| {
                            !s.as_ref().is_some_and(|s| {
                                s.satisfies_commitment(CommitmentConfig::finalized())
                            })
                        })
                        .count()
                })
                .sum();
            if missing <= lost {
                break;
            }
            assert!(
                Instant::now() < until,
                "member {i}: {missing} samples not finalized"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    // Throughput: pre-signed transfers over QUIC to every member's TPU in turn (each member
    // connects as its own identity, as a staked client), closed loop on member 0's count.
    eprintln!("throughput: {secs} s of transfers over QUIC to all members");
    let nodes = clients[0].get_cluster_nodes().unwrap();
    let conns: Vec<_> = cluster
        .members
        .iter()
        .map(|m| {
            let tpu = nodes
                .iter()
                .find(|n| n.pubkey == m.identity.pubkey().to_string())
                .and_then(|n| n.tpu_quic)
                .expect("every member lists its TPU");
            let staked = Arc::new(RwLock::new(StakedNodes::new(
                Arc::new([(m.identity.pubkey(), 1u64)].into_iter().collect()),
                Default::default(),
            )));
            let cache = ConnectionCache::new_with_client_options(
                "ambient-cluster-bench",
                2,
                None,
                Some((&m.identity, m.ip.into())),
                Some((&staked, &m.identity.pubkey())),
            );
            cache.get_connection(&tpu)
        })
        .collect();
    let finalized_rpc = cluster.members[0].client(CommitmentConfig::finalized());
    let count0 = finalized_rpc.get_transaction_count().unwrap();
    let processed0 = clients[0].get_transaction_count().unwrap();
    let slot0 = finalized_rpc.get_slot().unwrap();
    let mut blockhash = clients[0].get_latest_blockhash().unwrap();
    let mut blockhash_at = Instant::now();
    let mut sent = 0u64;
    let mut round = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if blockhash_at.elapsed() > Duration::from_secs(20) {
            blockhash = clients[0].get_latest_blockhash().unwrap();
            blockhash_at = Instant::now();
        }
        let done = clients[0]
            .get_transaction_count()
            .unwrap_or(processed0)
            .saturating_sub(processed0);
        if sent.saturating_sub(done) > MAX_IN_FLIGHT {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        let wire: Vec<Vec<u8>> = payers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let lamports = 1 + round * PAYERS as u64 + i as u64;
                let t = solana_system_transaction::transfer(p, &to, lamports, blockhash);
                bincode::serialize(&t).unwrap()
            })
            .collect();
        let conn = &conns[round as usize % MEMBERS];
        round += 1;
        for batch in wire.chunks(64) {
            if conn.send_data_batch(batch).is_ok() {
                sent += batch.len() as u64;
            }
        }
    }
    let window = start.elapsed();
    // What the window sent is finalized a little later: wait for member 0's finalized slot to
    // pass the processed tip at the window's end, then count.
    let tip = clients[0].get_slot().unwrap();
    cluster.wait_for(
        0,
        tip,
        CommitmentConfig::finalized(),
        Duration::from_secs(60),
    );
    let landed = finalized_rpc.get_transaction_count().unwrap() - count0;
    let slot1 = finalized_rpc.get_slot().unwrap();
    let blocks = finalized_rpc.get_blocks(slot0 + 1, Some(slot1)).unwrap();
    let skipped = (slot1 - slot0) as usize - blocks.len();
    // The members agree on the finalized blocks.
    let probe = blocks[blocks.len() / 2];
    let hash = finalized_rpc.get_block(probe).unwrap().blockhash;
    for (i, m) in cluster.members.iter().enumerate().skip(1) {
        let other = m
            .client(CommitmentConfig::finalized())
            .get_block(probe)
            .unwrap()
            .blockhash;
        assert_eq!(other, hash, "member {i} disagrees on block {probe}");
    }

    println!("| measure | value |");
    println!("|---|---|");
    println!("| members | {MEMBERS} (equal LStake, {SLOT_MS} ms slots, 4 slots per leader) |");
    println!(
        "| confirmation latency p50 / p90 / p99 ({} transfers) | {:.0} / {:.0} / {:.0} ms |",
        confirmed.len(),
        percentile(&confirmed, 0.5),
        percentile(&confirmed, 0.9),
        percentile(&confirmed, 0.99)
    );
    println!(
        "| finalization latency p50 / p90 / p99 | {:.0} / {:.0} / {:.0} ms |",
        percentile(&finalized, 0.5),
        percentile(&finalized, 0.9),
        percentile(&finalized, 0.99)
    );
    println!("| samples not finalized in 60 s | {lost} |");
    println!("| load window | {:.1} s |", window.as_secs_f64());
    println!("| transfers sent over QUIC (spread over the members) | {sent} |");
    println!("| finalized (incl. votes; counted once the window drained) | {landed} |");
    println!(
        "| **cluster TPS** (finalized over the window) | **{:.0}** |",
        landed as f64 / window.as_secs_f64()
    );
    println!(
        "| finalized slots in the window / skipped | {} / {skipped} ({:.1} %) |",
        slot1 - slot0,
        100.0 * skipped as f64 / (slot1 - slot0).max(1) as f64
    );
}
