//! Genesis of an Ambient cluster: a faucet, a bootstrap validator (identity, vote account, stake),
//! the initial LStake table, the empty work book, the funded reward pool, and the standard sysvars, built with `solana-runtime`'s genesis
//! utilities.

use agave_feature_set::FeatureSet;
use ambient_pol::lstake::LSTAKE_ONE;
use ambient_pol::rules::{DifficultyParams, AUDIT_ALL_PPM};
use ambient_programs::registry;
use ambient_programs::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use ambient_programs::registry::reward_pool::{RewardPool, REWARD_POOL};
use ambient_programs::registry::work_book::{WorkBook, WORK_BOOK};
use solana_account::{Account, AccountSharedData};
use solana_cluster_type::ClusterType;
use solana_epoch_schedule::EpochSchedule;
pub use solana_epoch_schedule::MINIMUM_SLOTS_PER_EPOCH;
use solana_fee_calculator::FeeRateGovernor;
use solana_genesis_config::GenesisConfig;
use solana_keypair::Keypair;
use solana_native_token::LAMPORTS_PER_SOL;
use solana_pubkey::Pubkey;
use solana_rent::Rent;
use solana_runtime::genesis_utils::create_genesis_config_with_leader_ex;
use solana_signer::Signer;

/// Fee per signature, as on Solana.
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// Lamports given to the bootstrap validator's identity (to pay for its votes).
pub const BOOTSTRAP_IDENTITY_LAMPORTS: u64 = 500 * LAMPORTS_PER_SOL;

/// The development genesis's reward reserve: about five years of issuance on its supply.
pub const DEV_REWARD_RESERVE: u64 = 150_000_000 * LAMPORTS_PER_SOL;

/// What a genesis needs.
#[derive(Debug)]
pub struct GenesisParams {
    /// The faucet's key (it receives `faucet_lamports`).
    pub faucet: Keypair,
    /// Lamports minted to the faucet.
    pub faucet_lamports: u64,
    /// The bootstrap validator's identity.
    pub bootstrap_identity: Pubkey,
    /// Lamports staked to the bootstrap validator (its initial weight until LStake takes over).
    pub bootstrap_stake: u64,
    /// Initial LStake (parts of `LSTAKE_ONE`) per identity; empty means the bootstrap validator
    /// holds all of it.
    pub initial_lstake: Vec<(Pubkey, u64)>,
    /// The bootstrap validator's vote account key (a new one when `None`).
    pub bootstrap_vote: Option<Keypair>,
    /// Further validators of the first epochs (identity, vote account), each funded and staked
    /// like the bootstrap validator; their vote accounts' authorized voter is the vote key.
    pub validators: Vec<(Pubkey, Pubkey)>,
    /// Model ids the network serves (`ambient_llm::ModelId` of each model file).
    pub allowed_models: Vec<[u8; 32]>,
    /// Lamports pre-minted into the reward pool, which the epoch rolls release as issuance.
    pub reward_reserve: u64,
    /// The slot length (the PoH clock: ticks per slot times the tick duration).
    pub slot_duration: std::time::Duration,
    /// Slots per epoch, every epoch that long from the first (solana-test-validator's
    /// `--slots-per-epoch`); at least [`MINIMUM_SLOTS_PER_EPOCH`]. `None`: Agave's default
    /// schedule (432 000 slots, after warm-up epochs of 32, 64, 128, … slots).
    pub slots_per_epoch: Option<u64>,
    /// The network's audit rate at genesis and the least it may fall to, in ppm (the share of a
    /// known miner's jobs that get a committee; a miner without LStake is audited on every
    /// job). The epoch rolls move the rate toward its target overhead between the two.
    pub audit: (u64, u64),
}

impl GenesisParams {
    /// A development genesis: a fresh faucet with 500 M SOL and a bootstrap validator.
    pub fn dev(bootstrap_identity: Pubkey) -> Self {
        GenesisParams {
            faucet: Keypair::new(),
            faucet_lamports: 500_000_000 * LAMPORTS_PER_SOL,
            bootstrap_identity,
            bootstrap_stake: 1_000_000 * LAMPORTS_PER_SOL,
            initial_lstake: Vec::new(),
            validators: Vec::new(),
            bootstrap_vote: None,
            allowed_models: Vec::new(),
            reward_reserve: DEV_REWARD_RESERVE,
            slot_duration: std::time::Duration::from_millis(solana_clock::DEFAULT_MS_PER_SLOT),
            slots_per_epoch: None,
            audit: (AUDIT_ALL_PPM, DifficultyParams::default().min_rate_ppm),
        }
    }
}

/// The features an Ambient cluster starts with: those `solana-test-validator` 4.2.2 activates
/// (every feature of this Agave version, `FeatureSet::all_enabled`) except the ones listed in
/// [`DEACTIVATED_FEATURES`].
pub fn cluster_features() -> FeatureSet {
    let mut f = FeatureSet::all_enabled();
    for (id, _) in &DEACTIVATED_FEATURES {
        f.deactivate(id);
    }
    f
}

/// The features an Ambient genesis leaves off, each with the reason (listed in `docs/cluster.md`).
pub const DEACTIVATED_FEATURES: [(Pubkey, &str); 5] = [
    (
        agave_feature_set::alpenglow::ID,
        "Alpenglow replaces Tower BFT by Votor; Ambient's consensus is Tower weighed by LStake",
    ),
    (
        agave_feature_set::alpenglow_fast_leader_handover::ID,
        "part of Alpenglow",
    ),
    (
        agave_feature_set::validator_admission_ticket::ID,
        "Alpenglow's validator admission ticket: filters and charges the epoch stakes' vote accounts",
    ),
    (
        agave_feature_set::disable_sbpf_v0_v1_v2_deployment::ID,
        "would refuse deploying SBPF v0-v2 programs (every published SPL program is v0)",
    ),
    (
        agave_feature_set::disable_sbpf_v0_execution::ID,
        "would refuse executing SBPF v0 programs",
    ),
];

/// A genesis config with the keys that control it.
#[derive(Debug)]
pub struct AmbientGenesis {
    /// The genesis config.
    pub config: GenesisConfig,
    /// The faucet key.
    pub faucet: Keypair,
    /// The bootstrap validator's vote account key.
    pub bootstrap_vote: Keypair,
    /// The bootstrap validator's stake account key.
    pub bootstrap_stake: Keypair,
}

impl AmbientGenesis {
    /// Builds the genesis: Solana's standard rent and a fixed fee per signature, the features of
    /// [`cluster_features`], a development cluster type.
    pub fn new(p: GenesisParams) -> Self {
        let vote = p.bootstrap_vote.unwrap_or_else(Keypair::new);
        let stake = Keypair::new();
        let mut config = create_genesis_config_with_leader_ex(
            p.faucet_lamports,
            &p.faucet.pubkey(),
            &p.bootstrap_identity,
            &vote.pubkey(),
            &stake.pubkey(),
            None,
            p.bootstrap_stake,
            BOOTSTRAP_IDENTITY_LAMPORTS,
            FeeRateGovernor::new(LAMPORTS_PER_SIGNATURE, 0),
            Rent::default(),
            ClusterType::Development,
            &cluster_features(),
            vec![],
        );
        // One issuance: Agave's inflation governor (what `getInflationGovernor` and
        // `getInflationRate` report) is Ambient's schedule, which the registry's reward pool pays
        // by LStake; the bank pays no staking rewards (`hooks`).
        config.inflation = inflation_governor(&ambient_pol::rules::Inflation::default());
        add_standard_programs(&mut config);
        config.poh_config.target_tick_duration = p.slot_duration / config.ticks_per_slot as u32;
        if let Some(n) = p.slots_per_epoch.map(|n| n.max(MINIMUM_SLOTS_PER_EPOCH)) {
            // As solana-test-validator: the leader schedule of epoch N+1 is known through epoch N.
            config.epoch_schedule = EpochSchedule::custom(n, n, false);
        }
        for (identity, vote) in &p.validators {
            add_validator(&mut config, identity, vote, p.bootstrap_stake);
        }
        let entries = if p.initial_lstake.is_empty() {
            [(p.bootstrap_identity, LSTAKE_ONE)].into()
        } else {
            p.initial_lstake.iter().copied().collect()
        };
        let mut table = vec![0u8; LStakeTable::account_len()];
        LStakeTable {
            audit_rate_ppm: p.audit.0,
            audit_floor_ppm: p.audit.1,
            ..LStakeTable::new(0, entries)
        }
        .encode_into(&mut table)
        .expect("the genesis LStake table fits its capacity");
        let lamports = config.rent.minimum_balance(table.len());
        config.add_account(
            LSTAKE_TABLE,
            AccountSharedData::from(Account {
                lamports,
                data: table,
                owner: registry::ID,
                executable: false,
                rent_epoch: 0,
            }),
        );
        let book = WorkBook::empty_account_data();
        let lamports = config.rent.minimum_balance(book.len());
        config.add_account(
            WORK_BOOK,
            AccountSharedData::from(Account {
                lamports,
                data: book,
                owner: ambient_programs::auction::ID,
                executable: false,
                rent_epoch: 0,
            }),
        );
        // The reward pool: the reserve, dated by the nominal slot duration, on the circulating
        // basis of everything else genesis mints.
        let basis = config.accounts.values().map(|a| a.lamports).sum::<u64>();
        let slot_ns = (config.poh_config.target_tick_duration.as_nanos() as u64)
            .saturating_mul(config.ticks_per_slot);
        let pool = RewardPool::genesis_account_data(slot_ns, basis);
        let lamports = config.rent.minimum_balance(pool.len()) + p.reward_reserve;
        config.add_account(
            REWARD_POOL,
            AccountSharedData::from(Account {
                lamports,
                data: pool,
                owner: registry::ID,
                executable: false,
                rent_epoch: 0,
            }),
        );
        let models = registry::models::encode(&p.allowed_models);
        let lamports = config.rent.minimum_balance(models.len());
        config.add_account(
            registry::models::ALLOWED_MODELS,
            AccountSharedData::from(Account {
                lamports,
                data: models,
                owner: registry::ID,
                executable: false,
                rent_epoch: 0,
            }),
        );
        AmbientGenesis {
            config,
            faucet: p.faucet,
            bootstrap_vote: vote,
            bootstrap_stake: stake,
        }
    }
}

/// The programs every Solana cluster has, installed as `solana-test-validator` installs them (from
/// `solana-program-binaries` of the same Agave): the core BPF programs (stake, address lookup
/// table, config, feature gate) and SPL Token, Token-2022, Memo and Associated Token Account.
fn add_standard_programs(config: &mut GenesisConfig) {
    let features = cluster_features();
    let rent = config.rent.clone();
    let core = solana_program_binaries::core_bpf_programs(&rent, |f| features.is_active(f));
    for (address, account) in core
        .into_iter()
        .chain(solana_program_binaries::spl_programs(&rent))
    {
        config.add_account(address, account);
    }
}

/// Ambient's inflation schedule as Agave's governor: the same initial rate, taper and floor
/// (Agave's `terminal`), all of it to validators (no foundation share).
pub fn inflation_governor(schedule: &ambient_pol::rules::Inflation) -> solana_inflation::Inflation {
    let mut governor = solana_inflation::Inflation::default();
    governor.initial = schedule.initial;
    governor.taper = schedule.taper;
    governor.terminal = schedule.floor;
    governor.foundation = 0.0;
    governor.foundation_term = 0.0;
    governor
}

/// Adds a validator to `config`: its identity funded for votes, a vote account whose authorized
/// voter and withdrawer is the vote key, and a stake account delegating `stake` lamports to it.
fn add_validator(config: &mut GenesisConfig, identity: &Pubkey, vote: &Pubkey, stake: u64) {
    let rent = config.rent.clone();
    // As the bootstrap validator's accounts are funded (enough for the vote program's minimums).
    let vote_lamports =
        stake.max(solana_runtime::genesis_utils::minimum_vote_account_balance_for_vat(100));
    let stake = stake.max(solana_runtime::genesis_utils::minimum_stake_lamports_for_vat(&rent));
    let vote_account = solana_vote_program::vote_state::create_v4_account_with_authorized(
        identity,
        vote,
        [0u8; 48],
        vote,
        0,
        vote,
        0,
        identity,
        vote_lamports,
    );
    // The stake account's address derives from the vote account (one per validator).
    let stake_address = Pubkey::create_with_seed(vote, "stake", &solana_sdk_ids::stake::id())
        .expect("a short seed");
    let stake_account = solana_runtime::stake_utils::create_stake_account(
        &stake_address,
        vote,
        &vote_account,
        &rent,
        stake,
    );
    config.add_account(
        *identity,
        AccountSharedData::new(
            BOOTSTRAP_IDENTITY_LAMPORTS,
            0,
            &solana_sdk_ids::system_program::id(),
        ),
    );
    config.add_account(*vote, vote_account);
    config.add_account(stake_address, stake_account);
}
