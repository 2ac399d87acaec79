//! Ambient's rules installed into the patched `solana-runtime` (`agave/PATCHES.md`): LStake as the
//! epoch stakes and the in-bank epoch roll ([`crate::epoch_stakes`]), and Ambient's builtin programs
//! (the PoL registry and the query auction) added wherever Agave adds its own — genesis and
//! snapshot restore — so every bank has them.

use std::collections::HashMap;

use ambient_programs::{auction, registry};
use solana_builtins::prototype::BuiltinPrototype;
use solana_program_runtime::solana_sbpf::program::BuiltinFunctionDefinition;
use solana_pubkey::Pubkey;
use solana_runtime::bank::Bank;
use solana_runtime::chain_hooks::{self, ChainHooks};
use solana_vote::vote_account::VoteAccounts;

/// Ambient's builtins, always enabled.
static BUILTINS: [BuiltinPrototype; 2] = [
    BuiltinPrototype {
        core_bpf_migration_config: None,
        enable_feature_id: None,
        program_id: registry::ID,
        name: registry::NAME,
        register_fn: registry::Entrypoint::register,
    },
    BuiltinPrototype {
        core_bpf_migration_config: None,
        enable_feature_id: None,
        program_id: auction::ID,
        name: auction::NAME,
        register_fn: auction::Entrypoint::register,
    },
];

/// Installs Ambient's hooks for every bank this process makes. Idempotent; call it before the
/// first bank is made or restored ([`crate::new_bank_forks`] does, and a node opening a ledger
/// must).
pub fn install() {
    if !chain_hooks::installed() {
        chain_hooks::install(Box::new(Ambient));
    }
}

struct Ambient;

impl ChainHooks for Ambient {
    fn on_new_epoch(&self, bank: &Bank) {
        crate::epoch_stakes::on_new_epoch(bank);
    }

    fn vote_stakes(
        &self,
        bank: &Bank,
        vote_accounts: &VoteAccounts,
    ) -> Option<HashMap<Pubkey, u64>> {
        crate::epoch_stakes::vote_stakes(bank, vote_accounts)
    }

    fn builtins(&self) -> &[BuiltinPrototype] {
        &BUILTINS
    }

    /// One issuance: the registry's reward pool, paid by LStake; no inflation to SOL stake.
    fn native_staking_rewards(&self) -> bool {
        false
    }
}
