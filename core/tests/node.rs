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

/// A new development ledger: (its directory, the node identity, the genesis keys).
fn new_ledger() -> (tempfile::TempDir, Arc<Keypair>, AmbientGenesis) {
    let dir = tempfile::tempdir().unwrap();
    let identity = Arc::new(Keypair::new());
    let genesis = AmbientGenesis::new(GenesisParams::dev(identity.pubkey()));
    create_ledger(dir.path(), &genesis.config).unwrap();
    (dir, identity, genesis)
}

/// Sends `tx` to block production the way the TPU does: wire bytes, decoded and verified.
fn submit(node: &Node, running: &ambient_core::Running, tx: solana_transaction::Transaction) {
    let wire = bincode::serialize(&solana_transaction::versioned::VersionedTransaction::from(
        tx,
    ))
    .unwrap();
    let bank = node.bank_forks.read().unwrap().working_bank();
    let verified = tpu::verify(&bank, tpu::decode_transaction(&wire).unwrap()).unwrap();
    running.transactions.send(vec![verified]).unwrap();
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
    let (dir, identity, genesis) = new_ledger();
    let node = Node::open(dir.path(), false, 0).unwrap();
    let (seen, exit, running) = start(&node, &identity, &genesis.bootstrap_vote);

    // A transfer from the faucet, verified like the TPU verifies.
    let alice = Keypair::new().pubkey();
    let blockhash = node
        .bank_forks
        .read()
        .unwrap()
        .working_bank()
        .last_blockhash();
    let tx = solana_system_transaction::transfer(&genesis.faucet, &alice, 1_000_000, blockhash);
    submit(&node, &running, tx);

    wait_for("a root past slot 2", Duration::from_secs(120), || {
        seen.roots.lock().unwrap().last().is_some_and(|r| *r >= 2)
    });
    let tip = node.bank_forks.read().unwrap().working_bank();
    assert_eq!(tip.get_balance(&alice), 1_000_000);
    // Epoch 0 is 32 slots: the leader rolled the LStake table into epoch 1 (no work yet, so the
    // bootstrap validator keeps its LStake).
    assert!(tip.epoch() >= 1);
    let table = ambient_programs::registry::lstake_table::LStakeTable::decode(
        solana_account::ReadableAccount::data(
            &tip.get_account(&ambient_programs::registry::lstake_table::LSTAKE_TABLE)
                .unwrap(),
        ),
    )
    .unwrap();
    assert_eq!(table.epoch, tip.epoch());
    assert!(table.entries.contains_key(&identity.pubkey()));
    // The TPU weighs the node's own connections by its LStake; strangers are unstaked.
    assert_eq!(
        running.qos_weight(&identity.pubkey()),
        table.entries.get(&identity.pubkey()).copied()
    );
    assert_eq!(running.qos_weight(&Keypair::new().pubkey()), None);
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
    let again = Node::open(dir.path(), false, 0).unwrap();
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

#[test]
fn the_epoch_roll_in_the_bank_reweighs_the_next_epoch_and_is_the_only_issuance() {
    use ambient_programs::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
    use ambient_programs::registry::reward_pool::{RewardPool, REWARD_POOL};
    use ambient_programs::registry::work_book::{Credit, WorkBook, WORK_BOOK};
    use solana_account::{ReadableAccount, WritableAccount};

    // A genesis whose work book already holds epoch 0's validated work: the node itself (most of
    // it, so its votes still carry a supermajority) and a miner that is not in the genesis LStake.
    let dir = tempfile::tempdir().unwrap();
    let identity = Arc::new(Keypair::new());
    let miner = Keypair::new().pubkey();
    let mut genesis = AmbientGenesis::new(GenesisParams::dev(identity.pubkey()));
    let mut book = WorkBook::default();
    for (who, units) in [(identity.pubkey(), 900), (miner, 100)] {
        let credit = Credit {
            inference: units,
            ..Credit::default()
        };
        assert!(book.credit(0, who, credit).unwrap());
    }
    let account = genesis.config.accounts.get_mut(&WORK_BOOK).unwrap();
    book.encode_into(account.data_as_mut_slice()).unwrap();
    create_ledger(dir.path(), &genesis.config).unwrap();

    let node = Node::open(dir.path(), false, 0).unwrap();
    let (seen, exit, running) = start(&node, &identity, &genesis.bootstrap_vote);
    // Epoch 0: the genesis LStake (all of it the node's).
    assert_eq!(
        running.qos_weight(&identity.pubkey()),
        Some(ambient_pol::lstake::LSTAKE_ONE)
    );
    assert_eq!(running.qos_weight(&miner), None);

    // The first bank of epoch 1 (slot 32) rolls the table and weighs epoch 2 by it: once a slot
    // of epoch 2 (from slot 96) is rooted, the TPU weighs by the rolled LStake (slot 120: past
    // the blocks in which Agave would pay epoch 1's staking rewards). The miner has no
    // vote account, so it holds no epoch stake and stays an unstaked client.
    wait_for("root 120, in epoch 2", Duration::from_secs(180), || {
        seen.roots.lock().unwrap().last().is_some_and(|r| *r >= 120)
    });
    let root = node.bank_forks.read().unwrap().root_bank();
    let rolled = book.lstake(0, &Default::default());
    let (mine, theirs) = (rolled[&identity.pubkey()], rolled[&miner]);
    assert!(mine > theirs && theirs > 0, "{rolled:?}");
    let stakes = root.epoch_vote_accounts(2).unwrap();
    assert_eq!(stakes[&genesis.bootstrap_vote.pubkey()].0, mine);
    assert_eq!(running.qos_weight(&identity.pubkey()), Some(mine));
    assert_eq!(running.qos_weight(&miner), None);
    let table = LStakeTable::decode(root.get_account(&LSTAKE_TABLE).unwrap().data()).unwrap();
    assert_eq!(table.epoch, root.epoch());
    assert_eq!(table.entries, book.lstake(1, &Default::default()));

    // One issuance: the node voted through epochs 0 and 1, yet its delegated SOL earned nothing
    // (Agave pays epoch 1's staking rewards in the first blocks of epoch 2: about 21 SOL here), and
    // Agave's inflation governor is Ambient's schedule.
    let stake = genesis.bootstrap_stake.pubkey();
    assert_eq!(
        root.get_balance(&stake),
        genesis.config.accounts[&stake].lamports,
        "the bootstrap stake account earned no staking rewards"
    );
    assert_eq!(
        root.inflation(),
        ambient_runtime::genesis::inflation_governor(&Default::default())
    );

    // The same roll released epoch 0's issuance: the miner's share of the inference pool is
    // claimable.
    let pool = RewardPool::decode(root.get_account(&REWARD_POOL).unwrap().data()).unwrap();
    assert!(pool.released > 0);
    assert!(pool.claimable[&miner] > 0);
    assert!(pool.claimable[&identity.pubkey()] > pool.claimable[&miner]);

    exit.store(true, Ordering::Relaxed);
    running.join().unwrap();
}

fn start(
    node: &Node,
    identity: &Arc<Keypair>,
    vote: &Keypair,
) -> (Arc<Seen>, Arc<AtomicBool>, ambient_core::Running) {
    let seen = Arc::new(Seen::default());
    let exit = Arc::new(AtomicBool::new(false));
    let running = node
        .start(Services {
            identity: identity.clone(),
            vote_account: vote.pubkey(),
            authorized_voter: Arc::new(vote.insecure_clone()),
            tpu_socket: std::net::UdpSocket::bind("127.0.0.1:0").unwrap(),
            slot_duration: Duration::from_millis(40),
            status_sender: None,
            observers: vec![seen.clone()],
            cluster: None,
            exit: exit.clone(),
        })
        .unwrap();
    (seen, exit, running)
}

/// Opens the ledger in `dir` with a snapshot every 8 blocks, produces until a root of at least
/// `min_root`, then stops cleanly (which snapshots the root).
fn run_until_root(
    dir: &tempfile::TempDir,
    identity: &Arc<Keypair>,
    genesis: &AmbientGenesis,
    min_root: u64,
) -> (Node, Arc<Seen>) {
    let node = Node::open(dir.path(), false, 8).unwrap();
    let (seen, exit, running) = start(&node, identity, &genesis.bootstrap_vote);
    wait_for("a root", Duration::from_secs(180), || {
        seen.roots
            .lock()
            .unwrap()
            .last()
            .is_some_and(|r| *r >= min_root)
    });
    exit.store(true, Ordering::Relaxed);
    running.join().unwrap();
    (node, seen)
}

#[test]
fn restarts_from_a_snapshot_with_the_builtins_registered_again() {
    let (dir, identity, genesis) = new_ledger();
    let (node, seen) = run_until_root(&dir, &identity, &genesis, 17);
    let produced = seen.frozen.lock().unwrap().clone();
    let root = node.bank_forks.read().unwrap().root();
    drop(node);
    let archives: Vec<_> = std::fs::read_dir(ambient_core::snapshot::archives_dir(dir.path()))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("snapshot-"))
        .collect();
    assert!(!archives.is_empty() && archives.len() <= ambient_core::snapshot::ARCHIVES_KEPT);

    // Restart: the newest snapshot (the root at the clean stop) loads; only later slots replay.
    let node = Node::open(dir.path(), false, 8).unwrap();
    {
        let forks = node.bank_forks.read().unwrap();
        assert_eq!(
            forks.root(),
            root,
            "restart resumes from the snapshot of the last root"
        );
        assert!(
            forks.get(1).is_none(),
            "slots before the snapshot are not replayed"
        );
        let (last_slot, last_hash) = *produced.last().unwrap();
        assert_eq!(
            forks.get(last_slot).expect("tip replayed").hash(),
            last_hash
        );
    }

    // The restored banks run Ambient's builtins: register a miner with the PoL registry.
    let (_seen, exit, running) = start(&node, &identity, &genesis.bootstrap_vote);
    let record = Keypair::new();
    let bank = node.bank_forks.read().unwrap().working_bank();
    let rent =
        bank.get_minimum_balance_for_rent_exemption(ambient_programs::registry::state::RECORD_LEN);
    let ixs = ambient_programs::registry::instruction::register(
        &genesis.faucet.pubkey(),
        &record.pubkey(),
        ambient_programs::registry::state::Role::Miner,
        1_000_000_000,
        rent,
    );
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &ixs,
        Some(&genesis.faucet.pubkey()),
        &[&genesis.faucet, &record],
        bank.last_blockhash(),
    );
    submit(&node, &running, tx);
    wait_for("the registry record", Duration::from_secs(60), || {
        let b = node.bank_forks.read().unwrap().working_bank();
        b.get_account(&record.pubkey()).is_some_and(|a| {
            solana_account::ReadableAccount::owner(&a) == &ambient_programs::registry::ID
        })
    });
    exit.store(true, Ordering::Relaxed);
    running.join().unwrap();
    // The stop (whether or not a root came after the restored one) leaves its root archived and
    // the accounts service alive.
    let root = node.bank_forks.read().unwrap().root();
    assert!(node.accounts.is_running(), "the accounts service died");
    assert_eq!(node.accounts.archived_slot(), root);
}

#[test]
fn a_stop_right_after_a_restart_keeps_the_accounts_service_alive() {
    let (dir, identity, genesis) = new_ledger();
    let (node, _seen) = run_until_root(&dir, &identity, &genesis, 9);
    drop(node);
    // Restored from the stop's snapshot and stopped before any new root: the root is the
    // restored bank, already archived, so nothing is asked of the background service.
    let node = Node::open(dir.path(), false, 8).unwrap();
    let restored = node.bank_forks.read().unwrap().root();
    let (_seen, exit, running) = start(&node, &identity, &genesis.bootstrap_vote);
    exit.store(true, Ordering::Relaxed);
    running.join().unwrap();
    assert_eq!(node.bank_forks.read().unwrap().root(), restored);
    assert!(node.accounts.is_running(), "the accounts service died");
    assert_eq!(node.accounts.archived_slot(), restored);
}

#[test]
fn a_ledger_cleaned_past_its_newest_snapshot_is_refused_with_a_clear_error() {
    let (dir, identity, genesis) = new_ledger();
    let (node, _seen) = run_until_root(&dir, &identity, &genesis, 17);
    let root = node.bank_forks.read().unwrap().root();
    let blockstore = node.ledger.blockstore().clone();
    drop(node);
    // What --limit-ledger-size's cleanup does, taken past the snapshot of the last root.
    blockstore
        .purge_slots(0, root, solana_ledger::blockstore::PurgeType::Exact)
        .unwrap();
    drop(blockstore);
    let err = Node::open(dir.path(), false, 8).unwrap_err().to_string();
    assert!(
        err.contains(&format!("no longer holds slot {root}"))
            && err.contains("--limit-ledger-size"),
        "{err}"
    );
}
