//! Transfer throughput of `ambient-validator --dev` over its QUIC TPU, with confirmation latency,
//! against the same signed transfers executed in-process by LiteSVM (no network, no ledger, no
//! PoH: the SVM ceiling on this machine). Prints a table.
//!
//! `cargo bench -p ambient-validator --bench tps` (AMBIENT_TPS_SECS sets the send window, 60 s;
//! AMBIENT_TPS_NODE_FLAGS adds node flags).

mod common;

use std::sync::{mpsc, Arc, RwLock};
use std::time::{Duration, Instant};

use solana_client::connection_cache::ConnectionCache;
use solana_commitment_config::CommitmentConfig;
use solana_connection_cache::client_connection::ClientConnection;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_native_token::LAMPORTS_PER_SOL;
use solana_pubkey::Pubkey;
use solana_rpc_client::rpc_client::RpcClient;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_streamer::streamer::StakedNodes;
use solana_transaction::Transaction;

const PAYERS: usize = 512;
const RECIPIENTS: usize = 64;
const MAX_IN_FLIGHT: u64 = 8192;

fn transfers(payers: &[Keypair], to: &[Pubkey], blockhash: Hash, round: u64) -> Vec<Transaction> {
    payers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let lamports = 1 + round * PAYERS as u64 + i as u64;
            solana_system_transaction::transfer(p, &to[i % to.len()], lamports, blockhash)
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn litesvm_ceiling(n_rounds: u64) -> f64 {
    let mut svm = litesvm::LiteSVM::new().with_transaction_history(0);
    let payers: Vec<Keypair> = (0..PAYERS).map(|_| Keypair::new()).collect();
    let to: Vec<Pubkey> = (0..RECIPIENTS).map(|_| Pubkey::new_unique()).collect();
    for p in &payers {
        svm.airdrop(&p.pubkey(), 10 * LAMPORTS_PER_SOL).unwrap();
    }
    for r in &to {
        svm.airdrop(r, LAMPORTS_PER_SOL).unwrap();
    }
    let blockhash = svm.latest_blockhash();
    let txs: Vec<Transaction> = (0..n_rounds)
        .flat_map(|r| transfers(&payers, &to, blockhash, r))
        .collect();
    let start = Instant::now();
    let mut ok = 0u64;
    for tx in txs {
        if svm.send_transaction(tx).is_ok() {
            ok += 1;
        }
    }
    ok as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let secs: u64 = std::env::var("AMBIENT_TPS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // Extra node flags, e.g. AMBIENT_TPS_NODE_FLAGS=--no-market.
    let flags = std::env::var("AMBIENT_TPS_NODE_FLAGS").unwrap_or_default();
    let flags: Vec<&str> = flags.split_whitespace().collect();
    let (node, found) = common::start(dir.path(), port, &flags, &["TPU/QUIC:"]);
    let tpu: std::net::SocketAddr = found[0].parse().unwrap();
    let rpc = RpcClient::new_with_commitment(
        format!("http://127.0.0.1:{port}"),
        CommitmentConfig::confirmed(),
    );
    while rpc.get_slot().unwrap_or(0) < 2 {
        std::thread::sleep(Duration::from_millis(100));
    }

    // Fund payers and recipients from the faucet (airdrops land through the same TPU).
    let faucet = solana_keypair::read_keypair_file(dir.path().join("faucet-keypair.json")).unwrap();
    let payers: Vec<Keypair> = (0..PAYERS).map(|_| Keypair::new()).collect();
    let to: Vec<Pubkey> = (0..RECIPIENTS).map(|_| Pubkey::new_unique()).collect();
    let blockhash = rpc.get_latest_blockhash().unwrap();
    let keys: Vec<Pubkey> = payers
        .iter()
        .map(|p| p.pubkey())
        .chain(to.iter().copied())
        .collect();
    let funding: Vec<Signature> =
        common::funding(&faucet, &keys, 100 * LAMPORTS_PER_SOL, blockhash)
            .iter()
            .map(|t| rpc.send_transaction(t).unwrap())
            .collect();
    for s in &funding {
        let start = Instant::now();
        while !rpc.confirm_transaction(s).unwrap() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "funding not confirmed"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    // Send signed transfers over QUIC as fast as the client goes, for `secs` seconds.
    // The load generator connects as the node identity, which the TPU's LStake-weighted QoS
    // gives full stream capacity (an unstaked client is held to 200 TPS per connection).
    let identity =
        solana_keypair::read_keypair_file(dir.path().join("validator-keypair.json")).unwrap();
    let staked = Arc::new(RwLock::new(StakedNodes::new(
        Arc::new([(identity.pubkey(), 1u64)].into_iter().collect()),
        Default::default(),
    )));
    let cache = ConnectionCache::new_with_client_options(
        "ambient-tps",
        4,
        None,
        Some((&identity, std::net::IpAddr::from([127, 0, 0, 1]))),
        Some((&staked, &identity.pubkey())),
    );
    let conn = cache.get_connection(&tpu);
    let start_count = rpc.get_transaction_count().unwrap();
    let start_slot = rpc.get_slot().unwrap();
    let processed = RpcClient::new_with_commitment(
        format!("http://127.0.0.1:{port}"),
        CommitmentConfig::processed(),
    );
    // Latency: a thread polls sampled signatures while the load runs; a sample's latency is
    // from just before its batch is sent to the first poll that sees it confirmed.
    let (sample_tx, sample_rx) = mpsc::channel::<(Signature, Instant)>();
    let poll_url = format!("http://127.0.0.1:{port}");
    let poller = std::thread::spawn(move || {
        let rpc = RpcClient::new_with_commitment(poll_url, CommitmentConfig::confirmed());
        let mut pending: Vec<(Signature, Instant)> = Vec::new();
        let mut latencies = Vec::new();
        let mut closed = false;
        let mut deadline = None;
        loop {
            loop {
                match sample_rx.try_recv() {
                    Ok(s) => pending.push(s),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => {
                        closed = true;
                        break;
                    }
                }
            }
            if closed && deadline.is_none() {
                deadline = Some(Instant::now() + Duration::from_secs(30));
            }
            if closed && (pending.is_empty() || deadline.is_some_and(|d| Instant::now() > d)) {
                return latencies;
            }
            let mut still = Vec::new();
            for chunk in pending.chunks(200) {
                let sigs: Vec<Signature> = chunk.iter().map(|(s, _)| *s).collect();
                let Ok(st) = rpc.get_signature_statuses(&sigs) else {
                    still.extend_from_slice(chunk);
                    continue;
                };
                let now = Instant::now();
                for ((sig, at), st) in chunk.iter().zip(st.value) {
                    match st {
                        Some(s) if s.satisfies_commitment(CommitmentConfig::confirmed()) => {
                            latencies.push(now - *at)
                        }
                        _ => still.push((*sig, *at)),
                    }
                }
            }
            pending = still;
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let mut sent = 0u64;
    let mut round = 0u64;
    let mut blockhash = rpc.get_latest_blockhash().unwrap();
    let mut blockhash_at = Instant::now();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if blockhash_at.elapsed() > Duration::from_secs(20) {
            blockhash = rpc.get_latest_blockhash().unwrap();
            blockhash_at = Instant::now();
        }
        // Closed loop: at most MAX_IN_FLIGHT sent but not yet executed, so the queue (and the
        // latency) stays bounded and the rate measured is one the node sustains.
        let done = processed.get_transaction_count().unwrap_or(start_count) - start_count;
        if sent.saturating_sub(done) > MAX_IN_FLIGHT {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        let txs = transfers(&payers, &to, blockhash, round);
        round += 1;
        let wire: Vec<Vec<u8>> = txs.iter().map(|t| bincode::serialize(t).unwrap()).collect();
        let now = Instant::now();
        if round.is_multiple_of(4) {
            let _ = sample_tx.send((txs[0].signatures[0], now));
        }
        for batch in wire.chunks(64) {
            if conn.send_data_batch(batch).is_ok() {
                sent += batch.len() as u64;
            }
        }
    }
    let window = start.elapsed();
    let window_count = rpc.get_transaction_count().unwrap() - start_count;
    let window_slots = rpc.get_slot().unwrap() - start_slot;

    drop(sample_tx);
    let mut latencies = poller.join().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let landed = rpc.get_transaction_count().unwrap() - start_count;
    let slots = rpc.get_slot().unwrap();
    drop(node);
    latencies.sort();
    let tps = window_count as f64 / window.as_secs_f64();
    let slot_ms = window.as_secs_f64() * 1e3 / window_slots.max(1) as f64;
    let ceiling = litesvm_ceiling((landed / PAYERS as u64).clamp(8, 200));

    println!("| measure | value |");
    println!("|---|---|");
    println!("| send window | {:.1} s |", window.as_secs_f64());
    println!("| transfers sent over QUIC | {sent} |");
    println!("| confirmed within the window (incl. votes) | {window_count} |");
    println!("| landed in all (after the queue drained) | {landed} |");
    println!("| ambient-validator TPS (confirmed in the window) | {tps:.0} |");
    println!("| mean slot time in the window (target 400 ms) | {slot_ms:.0} ms |");
    println!(
        "| confirmation latency p50 (sampled {}) | {:.0} ms |",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3
    );
    println!(
        "| confirmation latency p99 | {:.0} ms |",
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );
    println!("| LiteSVM in-process TPS (ceiling) | {ceiling:.0} |");
    println!("| ratio | {:.1} % |", 100.0 * tps / ceiling);
    println!("| slot reached | {slots} |");
}
