//! Crash safety of a real `ambient-validator --dev`: killed with SIGKILL at random moments while
//! transfers and auctions flow, ten times, and restarted each time. Nothing confirmed is lost, and
//! each restart replays the ledger's rooted blocks (Agave's start-up processing, which its log
//! reports).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ambient_market::blobs::Blobs;
use ambient_market::chain::Chain;
use ambient_market::requester::{self, Ask};
use ambient_sdk::auction::state::Sampling;
use common::{free_port_pair, Sent, Validator};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_signer::Signer;

const KILLS: usize = 10;

/// xorshift64: the kill moments, from a seed printed for reproduction.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Transfers to new accounts, about 25 a second until `stop`, sent without waiting; each is
/// recorded once the node reports it confirmed.
fn transfer_load(
    url: String,
    from: Keypair,
    base: u64,
    stop: Arc<AtomicBool>,
    confirmed: Arc<Mutex<Vec<Sent>>>,
) {
    use solana_transaction_status_client_types::TransactionConfirmationStatus as Status;
    let client = solana_rpc_client::rpc_client::RpcClient::new_with_commitment(
        url,
        CommitmentConfig::confirmed(),
    );
    let mut pending: Vec<(Signature, Pubkey, u64)> = Vec::new();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        if let Ok(blockhash) = client.get_latest_blockhash() {
            for _ in 0..5 {
                i += 1;
                let to = Keypair::new().pubkey();
                let tx = solana_system_transaction::transfer(&from, &to, base + i, blockhash);
                if let Ok(sig) = client.send_transaction(&tx) {
                    pending.push((sig, to, base + i));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(200));
        let sigs: Vec<Signature> = pending.iter().map(|p| p.0).collect();
        let Ok(statuses) = client.get_signature_statuses(&sigs) else {
            continue;
        };
        let mut still = Vec::new();
        for ((sig, to, lamports), status) in pending.drain(..).zip(statuses.value) {
            let landed = status.filter(|s| {
                s.err.is_none()
                    && matches!(
                        s.confirmation_status,
                        Some(Status::Confirmed | Status::Finalized)
                    )
            });
            match landed {
                Some(s) => confirmed.lock().unwrap().push(Sent {
                    sig,
                    to,
                    lamports,
                    slot: s.slot,
                }),
                None => still.push((sig, to, lamports)),
            }
        }
        pending = still;
    }
}

#[test]
fn ten_kill9s_under_load_lose_nothing_confirmed_and_replay_matches() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill moments from seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    let mut v = Validator::start(dir.path(), port, &[]);
    let faucet = v.faucet();
    let confirmed = Arc::new(Mutex::new(Vec::new()));
    let mut auctions: Vec<Pubkey> = Vec::new();
    let mut checked_slots = 0u64;
    let requester = Keypair::new();
    {
        let chain = Chain::new(&v.url());
        let sig = chain
            .rpc()
            .request_airdrop(&requester.pubkey(), 100_000_000_000)
            .unwrap();
        chain
            .rpc()
            .poll_for_signature_with_commitment(&sig, CommitmentConfig::confirmed())
            .unwrap();
    }
    for round in 0..KILLS {
        let stop = Arc::new(AtomicBool::new(false));
        let load = {
            let (url, from) = (v.url(), faucet.insecure_clone());
            let (stop, confirmed) = (stop.clone(), confirmed.clone());
            let base = 1_000_000 * (round as u64 + 1);
            std::thread::spawn(move || transfer_load(url, from, base, stop, confirmed))
        };
        // An auction for the node's miner to serve, open while the node dies.
        let chain = Chain::new(&v.url());
        let blobs = Blobs::new(&v.api_url()).unwrap();
        let ask = Ask {
            model_id: chain_model(&chain),
            prompt: vec![1, 2, 3, round as u32 + 4],
            max_tokens: 8,
            sampling: Sampling {
                temperature: 0.0,
                top_k: 0,
                top_p: 1.0,
                seed: round as u64,
            },
            max_price: 5_000_000,
            bid_slots: 3,
            reveal_slots: 3,
            deadline_slots: 40,
        };
        if let Ok(key) = requester::open(&chain, &blobs, &requester, &ask) {
            auctions.push(key);
        }
        std::thread::sleep(Duration::from_millis(500 + rng.below(3_500)));
        if round == KILLS - 1 && checked_slots == 0 {
            // On a slow machine the short rounds may never have rooted a block: make sure the
            // last restart has rooted blocks after the snapshot (or genesis) to replay.
            v.wait_for_slot(40, CommitmentConfig::finalized());
        }
        v.kill9();
        stop.store(true, Ordering::Relaxed);
        load.join().unwrap();

        v = Validator::start(dir.path(), port, &[]);
        let log = v.log();
        // Agave's start-up processing: from the newest snapshot (or genesis) through the
        // rooted blocks of the ledger, each replayed (PoH, signatures, execution).
        let from = common::processed_from(&log);
        let root = log
            .contains("ledger processed in ")
            .then(|| common::number_after(&log, "root slot is "))
            .flatten();
        let (Some(from), Some(root)) = (from, root) else {
            panic!(
                "no ledger processing in the log:\n{}",
                common::tail(&log, 30)
            );
        };
        let replayed = root.saturating_sub(from);
        checked_slots += replayed;
        let sent = confirmed.lock().unwrap().clone();
        v.assert_transfers_kept(&sent, &format!("round {round}"));
        let chain = Chain::new(&v.url());
        for a in &auctions {
            assert!(
                chain.request(a).unwrap().is_some(),
                "round {round}: auction {a} lost"
            );
        }
        eprintln!(
            "round {round}: {} confirmed transfers and {} auctions intact, {replayed} rooted slots replayed",
            sent.len(),
            auctions.len()
        );
    }
    let sent = confirmed.lock().unwrap().len();
    assert!(
        sent >= KILLS,
        "the load went through: {sent} confirmed transfers"
    );
    assert!(!auctions.is_empty(), "auctions were opened");
    assert!(checked_slots > 0, "restarts replayed the ledger");
}

/// The model the dev genesis allows (the node's).
fn chain_model(chain: &Chain) -> [u8; 32] {
    let acc = chain
        .rpc()
        .get_account(&ambient_sdk::registry::models::ALLOWED_MODELS)
        .unwrap();
    ambient_sdk::registry::models::decode(&acc.data).unwrap()[0]
}
