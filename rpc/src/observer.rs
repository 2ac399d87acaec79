//! Turns block production's progress into `solana-rpc` notifications: slot and root updates for
//! PubSub, frozen / confirmed / rooted banks for the optimistically-confirmed-bank tracker (which
//! serves `confirmed` and drives signature subscriptions) and commitment changes. (The leader
//! schedules RPC serves are the node's own cache, kept by the pipeline.)

use std::sync::Arc;

use ambient_core::Observer;
use solana_rpc::optimistically_confirmed_bank_tracker::{BankNotification, BankNotificationSender};
use solana_rpc::rpc_subscriptions::RpcSubscriptions;
use solana_runtime::bank::Bank;
use solana_runtime::commitment::CommitmentSlots;
use solana_runtime::dependency_tracker::DependencyTracker;

/// The RPC side of the pipeline's [`Observer`].
pub struct RpcObserver {
    subscriptions: Arc<RpcSubscriptions>,
    banks: BankNotificationSender,
    dependency_tracker: Arc<DependencyTracker>,
}

impl RpcObserver {
    pub(crate) fn new(
        subscriptions: Arc<RpcSubscriptions>,
        banks: BankNotificationSender,
        dependency_tracker: Arc<DependencyTracker>,
    ) -> Self {
        RpcObserver {
            subscriptions,
            banks,
            dependency_tracker,
        }
    }

    /// Sends a bank notification that waits for every transaction status written so far.
    fn notify(&self, n: BankNotification) {
        let work = self.dependency_tracker.get_current_declared_work();
        let _ = self.banks.send((n, Some(work)));
    }
}

impl Observer for RpcObserver {
    fn new_bank(&self, slot: u64, parent: u64, root: u64) {
        self.subscriptions.notify_slot(slot, parent, root);
    }

    fn frozen(&self, bank: &Arc<Bank>) {
        self.notify(BankNotification::Frozen(bank.clone()));
    }

    fn confirmed(&self, slot: u64) {
        self.notify(BankNotification::OptimisticallyConfirmed(slot));
    }

    fn rooted(&self, root: &Arc<Bank>, chain: &[u64]) {
        self.notify(BankNotification::NewRootBank(root.clone()));
        self.notify(BankNotification::NewRootedChain(chain.to_vec()));
        self.subscriptions
            .notify_roots(chain.iter().skip(1).copied().collect());
    }

    fn commitment(&self, slots: CommitmentSlots) {
        self.subscriptions.notify_subscribers(slots);
    }
}
