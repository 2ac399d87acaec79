//! `ambient-validator --dev` driven by Solana's Rust RPC client: airdrops, transfers, the three
//! commitment levels, blocks and transaction history, bad input answered with standard errors,
//! clean shutdown on SIGTERM, and a kill -9 restart that loses no confirmed transaction.

mod common;

use std::time::{Duration, Instant};

use common::{ambient_bin, free_port_pair, post_raw, Validator};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_native_token::LAMPORTS_PER_SOL;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction_status_client_types::UiTransactionEncoding;

fn confirmed() -> CommitmentConfig {
    CommitmentConfig::confirmed()
}

/// Waits until `sig` has reached `commitment`.
fn wait_status(v: &Validator, sig: &Signature, commitment: CommitmentConfig) {
    let client = v.client(commitment);
    let start = Instant::now();
    while !client
        .confirm_transaction_with_commitment(sig, commitment)
        .unwrap()
        .value
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{sig} not {commitment:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn airdrop(v: &Validator, to: &solana_pubkey::Pubkey, lamports: u64) -> Signature {
    let client = v.client(confirmed());
    let sig = client.request_airdrop(to, lamports).unwrap();
    wait_status(v, &sig, confirmed());
    sig
}

#[test]
fn clients_transfer_and_see_all_three_commitments() {
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::start(dir.path(), free_port_pair(), &[]);
    let client = v.client(confirmed());

    // The dev ledger's keys are readable by their owner only.
    for key in [
        "validator-keypair.json",
        "vote-account-keypair.json",
        "faucet-keypair.json",
        "miner-keypair.json",
        "api-keypair.json",
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
    }

    // Agave's banking scheduler spins while the node leads (a --dev node leads every slot): it
    // runs at the least priority, so the miner and the rest of the machine go first.
    let nice = v.thread_niceness("solBnkTxSched", 19);
    assert!(
        !nice.is_empty() && nice.iter().all(|n| *n == 19),
        "the banking scheduler's niceness: {nice:?}"
    );

    let version = client.get_version().unwrap();
    assert!(!version.solana_core.is_empty());
    let (_, body) = post_raw(
        v.rpc_port,
        br#"{"jsonrpc":"2.0","id":1,"method":"getVersion"}"#,
    );
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["result"]["ambient"],
        env!("CARGO_PKG_VERSION"),
        "{body}"
    );

    let alice = Keypair::new();
    let bob = Keypair::new().pubkey();
    airdrop(&v, &alice.pubkey(), 2 * LAMPORTS_PER_SOL);
    assert_eq!(
        client.get_balance(&alice.pubkey()).unwrap(),
        2 * LAMPORTS_PER_SOL
    );

    let blockhash = client.get_latest_blockhash().unwrap();
    let tx = solana_system_transaction::transfer(&alice, &bob, 1_234_567, blockhash);
    let sig = client.send_and_confirm_transaction(&tx).unwrap();
    assert_eq!(client.get_balance(&bob).unwrap(), 1_234_567);

    // processed and confirmed now; finalized once rooted.
    let processed = v.client(CommitmentConfig::processed());
    assert!(processed.get_slot().unwrap() >= client.get_slot().unwrap());
    wait_status(&v, &sig, CommitmentConfig::finalized());
    let finalized = v.client(CommitmentConfig::finalized());
    assert_eq!(finalized.get_balance(&bob).unwrap(), 1_234_567);
    let (p, c, f) = (
        processed.get_slot().unwrap(),
        client.get_slot().unwrap(),
        finalized.get_slot().unwrap(),
    );
    assert!(p >= c && c > f, "processed {p} confirmed {c} finalized {f}");
    for cc in [
        CommitmentConfig::processed(),
        confirmed(),
        CommitmentConfig::finalized(),
    ] {
        let (hash, last_valid) = client.get_latest_blockhash_with_commitment(cc).unwrap();
        assert_ne!(hash, solana_hash::Hash::default());
        assert!(last_valid > 0);
    }

    // History: the transaction and the block that holds it.
    let config = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::Json),
        commitment: Some(confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let got = client.get_transaction_with_config(&sig, config).unwrap();
    let meta = got.transaction.meta.unwrap();
    assert_eq!(meta.fee, 5000);
    assert!(meta.err.is_none());
    let block = client
        .get_block_with_encoding(got.slot, UiTransactionEncoding::Base64)
        .unwrap();
    assert!(block.transactions.iter().any(|t| t
        .transaction
        .decode()
        .is_some_and(|d| d.signatures[0] == sig)));
    assert!(block.block_time.is_some());
    let statuses = client.get_signature_statuses(&[sig]).unwrap().value;
    assert_eq!(statuses[0].as_ref().unwrap().slot, got.slot);

    // Bad input: standard JSON-RPC / Solana errors, and the node keeps serving.
    let (_, body) = post_raw(v.rpc_port, b"{not json");
    assert!(body.contains("-32700"), "parse error: {body}");
    let (_, body) = post_raw(
        v.rpc_port,
        br#"{"jsonrpc":"2.0","id":1,"method":"noSuchMethod"}"#,
    );
    assert!(body.contains("-32601"), "method not found: {body}");
    let (_, body) = post_raw(
        v.rpc_port,
        br#"{"jsonrpc":"2.0","id":1,"method":"getBalance","params":["not-a-key"]}"#,
    );
    assert!(body.contains("-32602"), "invalid params: {body}");
    let (_, body) = post_raw(
        v.rpc_port,
        br#"{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AAAA",{"encoding":"base64"}]}"#,
    );
    assert!(body.contains("-32602"), "undecodable transaction: {body}");
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["{}",{{"encoding":"base64"}}]}}"#,
        "A".repeat(4000)
    );
    let (_, body) = post_raw(v.rpc_port, huge.as_bytes());
    assert!(
        body.contains("-32602") && body.contains("too large"),
        "oversized: {body}"
    );
    let mut forged = solana_system_transaction::transfer(&alice, &bob, 1, blockhash);
    forged.signatures[0] = Signature::from([7u8; 64]);
    let err = client.send_transaction(&forged).unwrap_err();
    assert!(
        err.to_string().to_lowercase().contains("signature"),
        "bad signature: {err}"
    );
    let before = client.get_slot().unwrap();
    v.wait_for_slot(before + 2, confirmed());
    assert_eq!(
        client.get_balance(&bob).unwrap(),
        1_234_567,
        "forged transfer landed"
    );

    // The QUIC TPU named in getClusterNodes: garbage, oversized and forged packets are dropped,
    // and a good transfer sent straight to it lands.
    use solana_connection_cache::client_connection::ClientConnection;
    let nodes = client.get_cluster_nodes().unwrap();
    let tpu = nodes[0]
        .tpu_quic
        .expect("TPU QUIC address in the contact info");
    let cache = solana_client::connection_cache::ConnectionCache::new_quic("ambient-test", 1);
    let conn = cache.get_connection(&tpu);
    let forged_wire = bincode::serialize(&forged).unwrap();
    let _ = conn.send_data_batch(&[vec![0xAB; 200], vec![1u8; 4000], forged_wire]);
    let blockhash = client.get_latest_blockhash().unwrap();
    let carol = Keypair::new().pubkey();
    let good = solana_system_transaction::transfer(&alice, &carol, 2_000_000, blockhash);
    conn.send_data(&bincode::serialize(&good).unwrap()).unwrap();
    wait_status(&v, &good.signatures[0], confirmed());
    assert_eq!(client.get_balance(&carol).unwrap(), 2_000_000);
}

/// Confirmed transfers of 1_000_000 + i lamports from `from` to new accounts, for i in `range`.
fn transfers(
    client: &solana_rpc_client::rpc_client::RpcClient,
    from: &Keypair,
    range: std::ops::Range<u64>,
) -> Vec<common::Sent> {
    range
        .map(|i| common::send_transfer(client, from, 1_000_000 + i).unwrap())
        .collect()
}

/// The slots of the full snapshot archives in a ledger.
fn snapshot_archive_slots(ledger: &std::path::Path) -> Vec<u64> {
    std::fs::read_dir(ledger.join("snapshots"))
        .map(|d| {
            d.filter_map(|e| {
                let name = e.ok()?.file_name().to_string_lossy().to_string();
                name.strip_prefix("snapshot-")?
                    .split('-')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect()
        })
        .unwrap_or_default()
}

#[test]
fn sigterm_stops_cleanly_and_kill9_loses_no_confirmed_transaction_or_blob() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    // A full snapshot every 16 rooted blocks: a restart starts from a snapshot, not genesis.
    let flags = ["--snapshot-interval-slots", "16"];
    let mut v = Validator::start(dir.path(), port, &flags);
    let faucet = v.faucet();
    let client = v.client(confirmed());
    let mut sent = transfers(&client, &faucet, 0..3);
    v.wait_for_slot(20, CommitmentConfig::finalized());
    let status = v.terminate();
    assert!(status.success(), "SIGTERM exit status {status:?}");
    let before = v.log();
    assert!(before.contains("shutting down"));

    // Restart after a clean stop (which took a fastboot snapshot of its root, as `agave-validator
    // exit` does): it starts from that snapshot. Add more, then kill -9 mid-run.
    let newest_archive = snapshot_archive_slots(dir.path()).into_iter().max();
    assert!(
        newest_archive >= Some(16),
        "a full snapshot archive by slot 20"
    );
    let mut v = Validator::start(dir.path(), port, &flags);
    let start = common::processed_from(&v.log()[before.len()..]);
    assert!(
        start >= newest_archive,
        "the restart starts from the newest snapshot ({start:?}, archives to {newest_archive:?})"
    );
    let client = v.client(confirmed());
    sent.extend(transfers(&client, &faucet, 3..6));
    let slot_before = client.get_slot().unwrap();
    // A blob in the node's store, acknowledged before the kill.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let blobs = ambient_blobs::BlobClient::new(&v.api_url());
    let blob = rt
        .block_on(blobs.put(
            b"a prompt that must survive",
            None,
            &ambient_market::blobs::upload_key(&faucet),
        ))
        .unwrap()
        .id;
    v.kill9();

    let v = Validator::start(dir.path(), port, &flags);
    assert!(v.log().contains("ledger processed in"));
    assert_eq!(
        rt.block_on(ambient_blobs::BlobClient::new(&v.api_url()).get(&blob))
            .unwrap()
            .as_deref(),
        Some(&b"a prompt that must survive"[..])
    );
    v.wait_for_slot(slot_before + 1, confirmed());
    v.assert_transfers_kept(&sent, "after a kill -9");
}

#[test]
fn leader_schedule_is_served_in_later_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::start(dir.path(), free_port_pair(), &["--no-market"]);
    let client = v.client(CommitmentConfig::processed());
    let identity = client.get_identity().unwrap();
    // Epochs warm up from 32 slots, doubling: epoch 2 is the first the node did not start in.
    let schedule = client.get_epoch_schedule().unwrap();
    let start = schedule.get_first_slot_in_epoch(2);
    v.wait_for_slot(start + 1, CommitmentConfig::processed());
    let info = client.get_epoch_info().unwrap();
    assert!(info.epoch >= 2, "{info:?}");
    let leaders = client.get_slot_leaders(info.absolute_slot + 1, 16).unwrap();
    assert_eq!(leaders, vec![identity; 16]);
    let by_leader = client
        .get_leader_schedule(Some(info.absolute_slot))
        .unwrap()
        .expect("a schedule for the current epoch");
    assert_eq!(
        by_leader.get(&identity.to_string()).map(Vec::len),
        Some(info.slots_in_epoch as usize),
        "the only node leads every slot: {by_leader:?}"
    );
}

#[test]
fn control_socket_is_local_only_and_stops_the_node() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut v = Validator::start(dir.path(), free_port_pair(), &["--no-market"]);
    let socket = dir.path().join("admin.sock");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "owner-only control socket");
    let node = |action: &str| {
        std::process::Command::new(ambient_bin())
            .args(["node", action, "--ledger"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let out = node("status");
    assert!(out.status.success(), "{out:?}");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let identity = v.client(confirmed()).get_identity().unwrap();
    assert_eq!(status["identity"], identity.to_string());
    assert_eq!(status["rpc_url"], v.url());

    // Control is not on the public ports.
    let (_, body) = post_raw(v.rpc_port, br#"{"jsonrpc":"2.0","id":1,"method":"exit"}"#);
    assert!(
        body.contains("-32601"),
        "no exit method on JSON-RPC: {body}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    for path in ["/exit", "/admin", "/v1/admin/exit"] {
        let status = rt
            .block_on(
                reqwest::Client::new()
                    .post(format!("{}{path}", v.api_url()))
                    .send(),
            )
            .unwrap()
            .status()
            .as_u16();
        assert!(status == 404 || status == 405, "{path}: {status}");
    }

    let out = node("exit");
    assert!(out.status.success(), "{out:?}");
    let mut child = v.child.take().unwrap();
    let start = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "still running");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(code.success(), "clean stop: {code}");
    assert!(!socket.exists(), "the socket is removed on stop");
    let out = node("status");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no node answers"));
}
