//! The genesis bank of a new cluster, with Ambient's hooks installed.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

use solana_accounts_db::accounts_db::AccountsDbConfig;
use solana_genesis_config::GenesisConfig;
use solana_runtime::bank::Bank;
use solana_runtime::bank_forks::BankForks;
use solana_runtime::runtime_config::RuntimeConfig;

/// The bank forks of a new cluster: the genesis bank (accounts under `accounts_dir`, Ambient's
/// hooks installed, so it has the builtins and LStake epoch stakes) as root. Banks must live in `BankForks`: the program cache needs its fork graph.
pub fn new_bank_forks(genesis: &GenesisConfig, accounts_dir: &Path) -> Arc<RwLock<BankForks>> {
    crate::hooks::install();
    let config = AccountsDbConfig {
        bank_hash_details_dir: accounts_dir.join("bank_hash_details"),
        ..AccountsDbConfig::default()
    };
    let bank = Bank::new_from_genesis(
        genesis,
        Arc::new(RuntimeConfig::default()),
        vec![accounts_dir.to_path_buf()],
        None,
        config,
        None,
        None,
        Arc::new(AtomicBool::new(false)),
        None,
        None,
    );
    BankForks::new_rw_arc(bank)
}
