//! Full snapshots of rooted banks (Agave's snapshot archives), taken in the background every
//! `interval` rooted slots, so a restart loads the newest one — with Ambient's builtins registered
//! again — and replays only the slots after it.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::thread::JoinHandle;

use agave_snapshots::paths::get_highest_full_snapshot_archive_info;
use agave_snapshots::snapshot_archive_info::SnapshotArchiveInfoGetter;
use agave_snapshots::snapshot_config::SnapshotConfig;
use crossbeam_channel::{Receiver, Sender};
use log::{info, warn};
use solana_accounts_db::accounts_db::AccountsDbConfig;
use solana_genesis_config::GenesisConfig;
use solana_runtime::bank::Bank;
use solana_runtime::runtime_config::RuntimeConfig;
use solana_runtime::snapshot_bank_utils::{
    bank_from_snapshot_archives, bank_to_full_snapshot_archive,
};
use solana_runtime::snapshot_utils::purge_old_snapshot_archives;

use crate::CoreError;

/// Rooted slots between two full snapshots by default.
pub const DEFAULT_INTERVAL_SLOTS: u64 = 1000;

/// Full snapshot archives kept.
pub const ARCHIVES_KEPT: usize = 2;

/// Where a ledger keeps its snapshots.
pub fn config(ledger_path: &Path) -> SnapshotConfig {
    let dir = ledger_path.join("snapshots");
    let kept = NonZeroUsize::new(ARCHIVES_KEPT).expect("non-zero");
    SnapshotConfig {
        full_snapshot_archives_dir: dir.clone(),
        incremental_snapshot_archives_dir: dir.clone(),
        bank_snapshots_dir: dir.join("bank"),
        maximum_full_snapshot_archives_to_retain: kept,
        maximum_incremental_snapshot_archives_to_retain: kept,
        use_direct_io: false,
        use_registered_io_uring_buffers: false,
        ..SnapshotConfig::default()
    }
}

/// Loads the newest full snapshot of `ledger_path`, if any, into a bank whose accounts live under
/// `accounts_dir` (the caller registers the builtins again).
pub fn load_latest(
    ledger_path: &Path,
    genesis: &GenesisConfig,
    accounts_dir: &Path,
) -> Result<Option<Bank>, CoreError> {
    let config = config(ledger_path);
    let Some(info) = get_highest_full_snapshot_archive_info(&config.full_snapshot_archives_dir)
    else {
        return Ok(None);
    };
    std::fs::create_dir_all(&config.bank_snapshots_dir)
        .map_err(|e| CoreError::Io(config.bank_snapshots_dir.clone(), e))?;
    info!("loading snapshot {}", info.path().display());
    let bank = bank_from_snapshot_archives(
        &[accounts_dir.to_path_buf()],
        &info,
        None,
        &config,
        genesis,
        &RuntimeConfig::default(),
        None,
        None,
        None,
        false,
        false,
        false,
        AccountsDbConfig {
            bank_hash_details_dir: accounts_dir.join("bank_hash_details"),
            ..AccountsDbConfig::default()
        },
        None,
        Arc::new(AtomicBool::new(false)),
    )
    .map_err(|e| CoreError::Snapshot(format!("{}: {e}", info.path().display())))?;
    Ok(Some(bank))
}

/// The background snapshot taker.
pub struct Snapshotter {
    sender: Option<Sender<Arc<Bank>>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Snapshotter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshotter").finish()
    }
}

impl Snapshotter {
    /// Starts the thread that archives the banks it is handed, keeping the newest
    /// [`ARCHIVES_KEPT`].
    pub fn start(ledger_path: &Path) -> Result<Snapshotter, CoreError> {
        let config = config(ledger_path);
        for d in [
            &config.full_snapshot_archives_dir,
            &config.bank_snapshots_dir,
        ] {
            std::fs::create_dir_all(d).map_err(|e| CoreError::Io(d.clone(), e))?;
        }
        let (sender, receiver) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("ambSnapshot".into())
            .spawn(move || run(config, receiver))
            .map_err(CoreError::Thread)?;
        Ok(Snapshotter {
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    /// Asks for a snapshot of the rooted, frozen `bank`.
    pub fn request(&self, bank: Arc<Bank>) {
        if let Some(s) = &self.sender {
            let _ = s.send(bank);
        }
    }

    /// Finishes pending snapshots and stops.
    pub fn join(mut self) {
        self.sender.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Snapshotter {
    fn drop(&mut self) {
        self.sender.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(config: SnapshotConfig, banks: Receiver<Arc<Bank>>) {
    while let Ok(mut bank) = banks.recv() {
        // Only the newest request matters.
        for newer in banks.try_iter() {
            bank = newer;
        }
        let slot = bank.slot();
        match bank_to_full_snapshot_archive(&config, &bank) {
            Ok(info) => {
                info!("snapshot of slot {slot}: {}", info.path().display());
                purge_old_snapshot_archives(
                    &config.full_snapshot_archives_dir,
                    &config.incremental_snapshot_archives_dir,
                    config.maximum_full_snapshot_archives_to_retain,
                    config.maximum_incremental_snapshot_archives_to_retain,
                );
            }
            Err(e) => warn!("snapshot of slot {slot} failed: {e}"),
        }
    }
}

/// The snapshot archives directory of a ledger.
pub fn archives_dir(ledger_path: &Path) -> PathBuf {
    config(ledger_path).full_snapshot_archives_dir
}
