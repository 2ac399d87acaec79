//! A single node producing real blocks: votes root slots, transfers land, and a restart replays
//! the ledger to the same bank hashes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ambient_core::{create_ledger, tpu, Node, Observer, Services};
use ambient_runtime::genesis::{AmbientGenesis, GenesisParams};
use solana_keypair::Keypair;
use solana_runtime::bank::Bank;
use solana_signer::Signer;

#[derive(Default)]
struct Seen {
    frozen: Mutex<Vec<(u64, solana_hash::Hash)>>,
    confirmed: Mutex<Vec<u64>>,
    roots: Mutex<Vec<u64>>,
}

impl Observer for Seen {
    fn frozen(&self, bank: &Arc<Bank>) {
        self.frozen.lock().unwrap().push((bank.slot(), bank.hash()));
    }
    fn confirmed(&self, slot: u64) {
        self.confirmed.lock().unwrap().push(slot);
    }
    fn rooted(&self, root: &Arc<Bank>, _chain: &[u64]) {
        self.roots.lock().unwrap().push(root.slot());
    }
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn produces_votes_roots_and_replays_to_the_same_hashes() {
    let _ = env_logger::builder().is_test(true).try_init();
    let dir = tempfile::tempdir().unwrap();
    let identity = Arc::new(Keypair::new());
    let genesis = AmbientGenesis::new(GenesisParams::dev(identity.pubkey()));
    create_ledger(dir.path(), &genesis.config).unwrap();
    let vote = genesis.bootstrap_vote.pubkey();

    let node = Node::open(dir.path(), false).unwrap();
    let seen = Arc::new(Seen::default());
    let exit = Arc::new(AtomicBool::new(false));
    let running = node
        .start(Services {
            identity: identity.clone(),
            vote_account: vote,
            authorized_voter: Arc::new(genesis.bootstrap_vote.insecure_clone()),
            tpu_socket: std::net::UdpSocket::bind("127.0.0.1:0").unwrap(),
            slot_duration: Duration::from_millis(40),
            status_sender: None,
            observers: vec![seen.clone()],
            exit: exit.clone(),
        })
        .unwrap();

    // A transfer from the faucet, verified like the TPU verifies.
    let alice = Keypair::new().pubkey();
    let blockhash = node
        .bank_forks
        .read()
        .unwrap()
        .working_bank()
        .last_blockhash();
    let tx = solana_system_transaction::transfer(&genesis.faucet, &alice, 1_000_000, blockhash);
    let wire = bincode::serialize(&solana_transaction::versioned::VersionedTransaction::from(
        tx,
    ))
    .unwrap();
    let verified = tpu::verify(&node.bank_forks, tpu::decode_transaction(&wire).unwrap()).unwrap();
    running.transactions.send(vec![verified]).unwrap();

    wait_for("a root past slot 2", Duration::from_secs(120), || {
        seen.roots.lock().unwrap().last().is_some_and(|r| *r >= 2)
    });
    let tip = node.bank_forks.read().unwrap().working_bank();
    assert_eq!(tip.get_balance(&alice), 1_000_000);
    let confirmed = seen.confirmed.lock().unwrap().clone();
    assert!(confirmed.windows(2).all(|w| w[0] < w[1]), "{confirmed:?}");
    let cache = node.commitment_cache.read().unwrap().commitment_slots();
    assert!(cache.highest_super_majority_root >= 2);
    assert!(cache.highest_confirmed_slot > cache.highest_super_majority_root);
    assert!(node.ledger.is_root(cache.highest_super_majority_root));

    exit.store(true, Ordering::Relaxed);
    running.join().unwrap();
    let produced = seen.frozen.lock().unwrap().clone();
    drop(node);

    // Replay: every produced slot reaches the hash it had.
    let again = Node::open(dir.path(), false).unwrap();
    let forks = again.bank_forks.read().unwrap();
    let (last_slot, last_hash) = *produced.last().unwrap();
    let replayed = forks.get(last_slot).expect("tip replayed");
    assert_eq!(replayed.hash(), last_hash);
    assert_eq!(replayed.get_balance(&alice), 1_000_000);
    for (slot, hash) in &produced {
        if let Some(b) = forks.get(*slot) {
            assert_eq!(b.hash(), *hash, "slot {slot}");
        }
    }
    assert!(forks.root() >= 2);
}
