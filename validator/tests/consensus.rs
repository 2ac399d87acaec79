//! Agave's validator (`solana-core`) with Ambient's consensus patch, run in this process on a
//! genesis whose work book already holds epoch 0's validated work, and read over its own
//! JSON-RPC: the epoch roll inside the bank reweighs the next epoch by LStake (vote accounts,
//! leader schedule), one vote account per identity carries its LStake, and the registry's reward
//! pool is the only issuance.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ambient_runtime::genesis::{inflation_governor, AmbientGenesis, GenesisParams};
use ambient_sdk::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use ambient_sdk::registry::reward_pool::{RewardPool, REWARD_POOL};
use ambient_sdk::registry::work_book::{Credit, WorkBook, WORK_BOOK};
use ambient_validator::node::{self, NodeSettings};
use solana_account::WritableAccount;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::config::RpcGetVoteAccountsConfig;
use solana_signer::Signer;

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
}

fn settings(ledger: &std::path::Path, identity: &Arc<Keypair>, vote: &Keypair) -> NodeSettings {
    let rpc = free_port();
    NodeSettings {
        ledger: ledger.to_path_buf(),
        identity: identity.clone(),
        vote_account: Some(vote.pubkey()),
        // The bootstrap vote account is its own authorized voter.
        authorized_voters: vec![Arc::new(vote.insecure_clone())],
        bind_address: Ipv4Addr::LOCALHOST.into(),
        gossip_port: 0,
        port_range: solana_net_utils::VALIDATOR_PORT_RANGE,
        public: Default::default(),
        // No front end here: the validator's own JSON-RPC is the public one.
        rpc_public: rpc,
        rpc_internal: rpc,
        pubsub: free_port(),
        faucet: None,
        max_request_body: 1 << 20,
        entrypoints: vec![],
        snapshot_interval_slots: 0,
        max_ledger_shreds: None,
        wait_for_supermajority: None,
        dev: true,
        snapshot_fetch: Default::default(),
        banking_scheduler_niceness: ambient_validator::niceness::DEV_ADJUSTMENT,
    }
}

#[test]
fn the_epoch_roll_reweighs_agaves_epoch_stakes_and_is_the_only_issuance() {
    // The work book holds epoch 0's validated work: the node itself (most of it, so its votes
    // keep a supermajority) and a miner that is in no genesis LStake and has no vote account.
    // A third identity holds a tenth of the genesis LStake behind four vote accounts.
    let _ = env_logger::builder().is_test(true).try_init();
    let dir = tempfile::tempdir().unwrap();
    let identity = Arc::new(Keypair::new());
    let (miner, sybil) = (Pubkey::new_unique(), Pubkey::new_unique());
    let sybil_votes: Vec<Pubkey> = (0..4).map(|_| Pubkey::new_unique()).collect();
    let mut params = GenesisParams::dev(identity.pubkey());
    params.slot_duration = Duration::from_millis(200);
    params.initial_lstake = vec![(identity.pubkey(), 900), (sybil, 100)];
    params.validators = sybil_votes.iter().map(|v| (sybil, *v)).collect();
    let mut genesis = AmbientGenesis::new(params);
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
    node::create_ledger(dir.path(), &genesis.config).unwrap();

    let vote = genesis.bootstrap_vote.pubkey();
    let s = settings(dir.path(), &identity, &genesis.bootstrap_vote);
    let exit = Arc::new(AtomicBool::new(false));
    let running = node::start(&s, exit).unwrap();
    let client = RpcClient::new_with_commitment(
        format!("http://{}", s.rpc_internal),
        CommitmentConfig::finalized(),
    );

    // Epoch 0: the genesis LStake; the sybil's lowest vote account alone carries its share.
    let mut sybil_sorted = sybil_votes.clone();
    sybil_sorted.sort();
    let weights = vote_weights(&client);
    assert_eq!(weights.get(&vote), Some(&900), "{weights:?}");
    assert_eq!(weights[&sybil_sorted[0]], 100);
    for v in &sybil_sorted[1..] {
        assert_eq!(
            weights[v], 0,
            "a second vote account of one identity weighs nothing"
        );
    }

    // The first bank of epoch 1 (slot 32) rolls the table and weighs epoch 2 (slots 96 to 223)
    // by it. Finalized slot 120: past the blocks in which Agave would pay epoch 1's staking
    // rewards.
    let start = Instant::now();
    while client.get_slot().unwrap_or(0) < 120 {
        assert!(
            // Generous: on a 2-core machine shared with other tests the node runs slowly.
            start.elapsed() < Duration::from_secs(600),
            "no finalized slot 120 (processed: {:?})",
            client.get_slot_with_commitment(CommitmentConfig::processed())
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(client.get_epoch_info().unwrap().epoch, 2);
    let rolled = book.lstake(0, &Default::default());
    let (mine, theirs) = (rolled[&identity.pubkey()], rolled[&miner]);
    assert!(mine > theirs && theirs > 0, "{rolled:?}");
    let table = LStakeTable::decode(&client.get_account_data(&LSTAKE_TABLE).unwrap()).unwrap();
    assert_eq!(table.epoch, 2);
    assert_eq!(table.entries, book.lstake(1, &Default::default()));
    // The vote accounts and the leader schedule follow the rolled LStake: the node's share of
    // the table, the sybil (no work) nothing, and the miner (no vote account) no epoch stake.
    let weights = vote_weights(&client);
    assert_eq!(weights[&vote], table.entries[&identity.pubkey()]);
    assert!(sybil_votes.iter().all(|v| weights[v] == 0), "{weights:?}");
    let schedule = client.get_leader_schedule(Some(100)).unwrap().unwrap();
    assert_eq!(
        schedule.keys().collect::<Vec<_>>(),
        vec![&identity.pubkey().to_string()]
    );

    // One issuance: the node voted through epochs 0 and 1, yet its delegated SOL earned nothing,
    // and Agave's inflation governor is Ambient's schedule.
    let stake = genesis.bootstrap_stake.pubkey();
    assert_eq!(
        client.get_balance(&stake).unwrap(),
        genesis.config.accounts[&stake].lamports,
        "the bootstrap stake account earned no staking rewards"
    );
    let governor = client.get_inflation_governor().unwrap();
    let ours = inflation_governor(&Default::default());
    assert_eq!(
        (governor.initial, governor.terminal, governor.taper),
        (ours.initial, ours.terminal, ours.taper)
    );
    assert_eq!(governor.foundation, 0.0);
    // The same roll released epoch 0's issuance: the miner's share of the pool is claimable.
    let pool = RewardPool::decode(&client.get_account_data(&REWARD_POOL).unwrap()).unwrap();
    assert!(pool.released > 0);
    assert!(pool.claimable[&miner] > 0);
    assert!(pool.claimable[&identity.pubkey()] > pool.claimable[&miner]);

    // `getInflationReward` reports those payouts, as Agave reports staking rewards: per identity
    // and epoch, what the roll at the epoch's end credited (epoch 0's in the first block of
    // epoch 1, epoch 1's in the first of epoch 2), the last one's post balance its claimable
    // balance. The sybil had LStake in epoch 0 only; the miner earned in both (its work in
    // epoch 0, its LStake in epoch 1).
    let ids = [identity.pubkey(), miner, sybil];
    let paid: Vec<_> = (0..2)
        .map(|epoch| client.get_inflation_reward(&ids, Some(epoch)).unwrap())
        .collect();
    for (k, who) in ids.iter().enumerate() {
        let total: u64 = paid
            .iter()
            .filter_map(|r| r[k].as_ref())
            .map(|r| r.amount)
            .sum();
        let claimable = pool.claimable.get(who).copied().unwrap_or(0);
        assert_eq!(total, claimable, "{who}: {paid:?}");
    }
    for (k, who) in ids[..2].iter().enumerate() {
        let last = paid[1][k].as_ref().expect("paid for epoch 1");
        assert_eq!((last.epoch, last.post_balance), (1, pool.claimable[who]));
        assert!(paid[0][k].as_ref().is_some_and(|r| r.amount > 0));
    }
    assert!(
        paid[0][2].as_ref().is_some_and(|r| r.amount > 0),
        "{paid:?}"
    );
    assert!(paid[1][2].is_none(), "{paid:?}");

    running.stop();
}

/// Every vote account's stake as `getVoteAccounts` reports it (current and delinquent, the
/// unstaked ones too).
fn vote_weights(client: &RpcClient) -> BTreeMap<Pubkey, u64> {
    let accounts = client
        .get_vote_accounts_with_config(RpcGetVoteAccountsConfig {
            keep_unstaked_delinquents: Some(true),
            ..RpcGetVoteAccountsConfig::default()
        })
        .unwrap();
    accounts
        .current
        .iter()
        .chain(&accounts.delinquent)
        .map(|a| (a.vote_pubkey.parse().unwrap(), a.activated_stake))
        .collect()
}
