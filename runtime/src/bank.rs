//! Banks with Ambient's native programs registered.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

use ambient_programs::{auction, registry};
use solana_accounts_db::accounts_db::AccountsDbConfig;
use solana_genesis_config::GenesisConfig;
use solana_program_runtime::program_cache_entry::ProgramCacheEntry;
use solana_program_runtime::solana_sbpf::program::BuiltinFunctionDefinition;
use solana_runtime::bank::Bank;
use solana_runtime::bank_forks::BankForks;
use solana_runtime::runtime_config::RuntimeConfig;

/// Registers Ambient's builtins in `bank`. Call it on every bank built from genesis or restored
/// from a snapshot before it processes transactions (registration is idempotent).
pub fn register_builtins(bank: &Bank) {
    bank.add_builtin(
        registry::ID,
        registry::NAME,
        ProgramCacheEntry::new_builtin(0, registry::NAME.len(), registry::Entrypoint::register),
    );
    bank.add_builtin(
        auction::ID,
        auction::NAME,
        ProgramCacheEntry::new_builtin(0, auction::NAME.len(), auction::Entrypoint::register),
    );
}

/// The bank forks of a new cluster: the genesis bank (accounts under `accounts_dir`, builtins
/// registered) as root. Banks must live in `BankForks`: the program cache needs its fork graph.
pub fn new_bank_forks(genesis: &GenesisConfig, accounts_dir: &Path) -> Arc<RwLock<BankForks>> {
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
    register_builtins(&bank);
    BankForks::new_rw_arc(bank)
}
