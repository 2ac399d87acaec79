//! Ambient's consensus patch: the hooks through which a chain built on Agave sets its epoch stakes
//! and adds its own builtin programs.
//!
//! Everything in Agave that weighs validators (the leader schedule, Tower's thresholds, fork choice,
//! Turbine, gossip, QUIC QoS, optimistic confirmation, repair) reads [`Bank::epoch_stakes`]. Agave
//! fills them from delegated stake at each epoch boundary (and from genesis for the first epochs).
//! A process that installs [`ChainHooks`] decides instead: [`ChainHooks::on_new_epoch`] runs in the
//! first bank of every epoch before its epoch stakes are computed, and [`ChainHooks::vote_stakes`]
//! gives each vote account's stake. Without hooks, or when `vote_stakes` answers `None`, Agave's
//! delegated stake stands. [`ChainHooks::builtins`] are added wherever Agave adds its own builtins
//! (genesis and snapshot restore; child banks inherit them). A chain that issues its own way turns
//! Agave's staking rewards off ([`ChainHooks::native_staking_rewards`]).
//!
//! The hooks are process-wide and installed once, before any bank is made: every bank of the
//! process (genesis, replay, snapshot, block production) must weigh alike, or nodes disagree.

use {
    crate::{bank::Bank, stakes::Stakes},
    solana_builtins::prototype::BuiltinPrototype,
    solana_pubkey::Pubkey,
    solana_vote::vote_account::VoteAccounts,
    std::{collections::HashMap, sync::OnceLock},
};

/// A chain's own rules on top of Agave's.
pub trait ChainHooks: Send + Sync + 'static {
    /// Runs in the first bank of each new epoch, before the bank computes the epoch stakes of
    /// the epoch it can now schedule. It may read and store accounts of `bank` (with no change of
    /// capitalization).
    fn on_new_epoch(&self, bank: &Bank);

    /// The stake of each vote account in the epoch stakes `bank` is computing, given every vote
    /// account `bank` knows (those missing from the answer weigh 0); `None` keeps Agave's
    /// delegated stake.
    fn vote_stakes(&self, bank: &Bank, vote_accounts: &VoteAccounts) -> Option<HashMap<Pubkey, u64>>;

    /// Builtin programs added beside Agave's, always enabled.
    fn builtins(&self) -> &[BuiltinPrototype];

    /// Whether the bank pays Agave's staking rewards (inflation to stake and vote accounts) at
    /// each epoch boundary; a chain that issues its own way answers `false`.
    fn native_staking_rewards(&self) -> bool {
        true
    }
}

static HOOKS: OnceLock<Box<dyn ChainHooks>> = OnceLock::new();

/// Installs the process's hooks; `false` if hooks were installed before (they stay).
pub fn install(hooks: Box<dyn ChainHooks>) -> bool {
    HOOKS.set(hooks).is_ok()
}

/// Whether hooks are installed.
pub fn installed() -> bool {
    HOOKS.get().is_some()
}

pub(crate) fn on_new_epoch(bank: &Bank) {
    if let Some(hooks) = HOOKS.get() {
        hooks.on_new_epoch(bank);
    }
}

pub(crate) fn native_staking_rewards() -> bool {
    HOOKS.get().is_none_or(|h| h.native_staking_rewards())
}

pub(crate) fn builtins() -> &'static [BuiltinPrototype] {
    HOOKS.get().map(|h| h.builtins()).unwrap_or_default()
}

/// `stakes` with its vote accounts weighed by the hooks: every vote account `bank` knows (`all`),
/// at the stake the hooks give it.
pub(crate) fn weigh<T: Clone>(
    bank: &Bank,
    all: VoteAccounts,
    stakes: Stakes<T>,
    epoch: u64,
) -> Stakes<T> {
    let Some(hooks) = HOOKS.get() else {
        return stakes;
    };
    let Some(weights) = hooks.vote_stakes(bank, &all) else {
        return stakes;
    };
    let weighed: VoteAccounts = all
        .iter()
        .map(|(vote, account)| {
            let stake = weights.get(vote).copied().unwrap_or(0);
            (*vote, (stake, account.clone()))
        })
        .collect();
    Stakes::new(weighed, epoch)
}
