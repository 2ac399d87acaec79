//! Soak: a `--dev` node with short slots and frequent snapshots runs past several snapshots and
//! epoch boundaries (the warm-up epochs included) under a mixed load of transfers and chat
//! completions (market jobs: auction, generation with PoL, verification), then stops and
//! restarts from its newest snapshot with every confirmed transfer and every job accounted for.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ambient_market::chain::Chain;
use ambient_market::requester;
use ambient_sdk::auction::state::RequestState;
use common::{free_port_pair, send_transfer, tail, Sent, Validator};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;

/// Blocks between full snapshots: several are taken within the run.
const SNAPSHOT_INTERVAL: u64 = 40;
/// Snapshots the run must see taken.
const SNAPSHOTS: usize = 3;
/// The finalized epoch the run must reach: epochs 0, 1 and 2 are the warm-up epochs of 32, 64
/// and 128 slots, so epoch 3 starts at slot 224.
const EPOCHS: u64 = 3;
/// The longest the load runs before the test gives up.
const RUN_LIMIT: Duration = Duration::from_secs(900);

/// What the load threads saw confirmed.
#[derive(Default)]
struct Done {
    /// Confirmed transfers.
    transfers: Mutex<Vec<Sent>>,
    /// Answered chat completions: their auctions.
    jobs: Mutex<Vec<Pubkey>>,
    /// Load failures (a transfer or a chat completion that did not go through).
    failures: Mutex<Vec<String>>,
}

/// Sends transfers of distinct amounts to new keys, one at a time, until `stop`.
fn transfer_load(v_url: String, faucet: Keypair, done: Arc<Done>, stop: Arc<AtomicBool>) {
    let client = solana_rpc_client::rpc_client::RpcClient::new_with_commitment(
        v_url,
        CommitmentConfig::confirmed(),
    );
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let lamports = 1_000_000 + i;
        i += 1;
        match send_transfer(&client, &faucet, lamports) {
            Ok(sent) => done.transfers.lock().unwrap().push(sent),
            Err(e) => done.failures.lock().unwrap().push(format!("transfer: {e}")),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Asks the node's OpenAI-compatible API one question after another until `stop`.
fn chat_load(api: String, key: String, done: Arc<Done>, stop: Arc<AtomicBool>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    while !stop.load(Ordering::Relaxed) {
        let answer: Result<serde_json::Value, reqwest::Error> = rt.block_on(async {
            http.post(format!("{api}/v1/chat/completions"))
                .bearer_auth(&key)
                .json(&serde_json::json!({
                    "model": "SmolLM2-135M-Instruct.Q4_1",
                    "messages": [{"role": "user", "content": "Name three colours."}],
                    "max_tokens": 12,
                }))
                .send()
                .await?
                .json()
                .await
        });
        let auction = answer
            .as_ref()
            .ok()
            .filter(|a| a["choices"][0]["message"]["content"].is_string())
            .and_then(|a| a["ambient"]["receipt"]["auction"].as_str()?.parse().ok());
        match auction {
            Some(key) => done.jobs.lock().unwrap().push(key),
            None => done
                .failures
                .lock()
                .unwrap()
                .push(format!("chat completion: {answer:?}")),
        }
    }
}

/// The slots of the full snapshot archives the node logged as made (Agave's log line).
fn snapshots_taken(log: &str) -> Vec<u64> {
    log.lines()
        .filter(|l| l.contains("Successfully created") && l.contains("snapshot-"))
        .filter_map(|l| {
            let rest = l.split(". slot: ").nth(1)?;
            rest.split(',').next()?.trim().parse().ok()
        })
        .collect()
}

#[test]
fn dev_node_runs_past_snapshots_and_epochs_under_load_and_restarts_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    let interval = SNAPSHOT_INTERVAL.to_string();
    let flags = ["--snapshot-interval-slots", interval.as_str()];
    let mut v = Validator::start(dir.path(), port, &flags);
    let done = Arc::new(Done::default());
    let stop = Arc::new(AtomicBool::new(false));
    let load = [
        std::thread::spawn({
            let (url, faucet, done, stop) = (v.url(), v.faucet(), done.clone(), stop.clone());
            move || transfer_load(url, faucet, done, stop)
        }),
        std::thread::spawn({
            let (api, key) = (v.api_url(), v.api_key());
            let (done, stop) = (done.clone(), stop.clone());
            move || chat_load(api, key, done, stop)
        }),
    ];

    let finalized = v.client(CommitmentConfig::finalized());
    let started = Instant::now();
    loop {
        let log = v.log();
        let epoch = finalized.get_epoch_info().map(|e| e.epoch).unwrap_or(0);
        let snapshots = snapshots_taken(&log).len();
        if epoch >= EPOCHS && snapshots >= SNAPSHOTS && !done.jobs.lock().unwrap().is_empty() {
            break;
        }
        let exited = v.child.as_mut().unwrap().try_wait().unwrap();
        assert!(
            exited.is_none() && started.elapsed() < RUN_LIMIT,
            "node {} at finalized epoch {epoch} with {snapshots} snapshots after {:?}; log:\n{}",
            exited.map_or("running".to_string(), |s| format!("exited ({s})")),
            started.elapsed(),
            tail(&log, 60)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().unwrap();
    }
    let failures = done.failures.lock().unwrap().clone();
    assert!(failures.is_empty(), "load failures: {failures:#?}");
    let transfers = done.transfers.lock().unwrap().clone();
    let jobs = done.jobs.lock().unwrap().clone();
    assert!(transfers.len() >= 50, "only {} transfers", transfers.len());

    // A clean stop takes a fastboot snapshot of its root (as `agave-validator exit`); the
    // restart starts from it (or, had it not finished, from the newest archive).
    let status = v.terminate();
    let before_restart = v.log();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        !before_restart.contains("panicked"),
        "{}",
        tail(&before_restart, 60)
    );
    let newest = *snapshots_taken(&before_restart).iter().max().unwrap();
    let v = Validator::start(dir.path(), port, &flags);
    let after = v.log()[before_restart.len()..].to_string();
    let restored: u64 = common::processed_from(&after)
        .unwrap_or_else(|| panic!("no snapshot loaded at the restart:\n{}", tail(&after, 40)));
    assert!(
        restored >= newest,
        "the restart starts from the newest snapshot ({restored} < {newest})"
    );

    v.assert_transfers_kept(&transfers, "after the restart");
    let chain = Chain::new(&v.url());
    for key in &jobs {
        let r = requester::wait(&chain, key, Duration::from_secs(120), requester::is_final)
            .unwrap_or_else(|e| panic!("job {key}: {e}; log:\n{}", tail(&v.log(), 40)));
        assert_eq!(r.state, RequestState::Paid, "job {key}");
    }
    eprintln!(
        "soak: {} transfers and {} jobs through {} snapshots and epoch {EPOCHS}; restored slot {restored}",
        transfers.len(),
        jobs.len(),
        snapshots_taken(&before_restart).len()
    );
}
