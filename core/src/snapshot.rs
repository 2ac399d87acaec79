//! Accounts maintenance and snapshots the way Agave's validator does them: one
//! `AccountsBackgroundService` thread owns every flush, clean and shrink of the accounts database
//! and turns the snapshot requests that `BankForks::set_root` files (through a
//! `SnapshotController`, every `interval` blocks) into snapshot packages; a packager thread (as
//! solana-core's `SnapshotPackagerService`) serialises and archives them, keeping the newest
//! [`ARCHIVES_KEPT`]. Nothing else touches the accounts cache, so flushes never race. A restart
//! loads the newest archive (Agave adds Ambient's builtins to it, through the chain hooks) and
//! replays only the slots after it.

use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use agave_fs::io_setup::IoSetupState;
use agave_snapshots::paths::{
    get_highest_full_snapshot_archive_info, get_highest_full_snapshot_archive_slot,
};
use agave_snapshots::snapshot_archive_info::SnapshotArchiveInfoGetter;
use agave_snapshots::snapshot_config::SnapshotConfig;
use agave_snapshots::{SnapshotInterval, SnapshotKind};
use log::{error, info, warn};
use solana_accounts_db::accounts_db::AccountsDbConfig;
use solana_clock::Slot;
use solana_genesis_config::GenesisConfig;
use solana_runtime::accounts_background_service::{
    AbsRequestHandlers, AccountsBackgroundService, PendingSnapshotPackages,
    PrunedBanksRequestHandler, SnapshotRequest, SnapshotRequestHandler, SnapshotRequestKind,
};
use solana_runtime::bank::Bank;
use solana_runtime::bank_forks::BankForks;
use solana_runtime::runtime_config::RuntimeConfig;
use solana_runtime::snapshot_bank_utils::bank_from_snapshot_archives;
use solana_runtime::snapshot_controller::SnapshotController;
use solana_runtime::snapshot_package::SnapshotPackage;
use solana_runtime::snapshot_utils;

use crate::CoreError;

/// Rooted slots between two full snapshots by default.
pub const DEFAULT_INTERVAL_SLOTS: u64 = 1000;

/// Full snapshot archives kept.
pub const ARCHIVES_KEPT: usize = 2;

/// Where a ledger keeps its snapshots (full archives only, none generated: see [`generating`]).
pub fn config(ledger_path: &Path) -> SnapshotConfig {
    let dir = ledger_path.join("snapshots");
    let kept = NonZeroUsize::new(ARCHIVES_KEPT).expect("non-zero");
    SnapshotConfig {
        full_snapshot_archive_interval: SnapshotInterval::Disabled,
        incremental_snapshot_archive_interval: SnapshotInterval::Disabled,
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

/// [`config`] with a full snapshot every `interval` blocks (0: none).
pub fn generating(ledger_path: &Path, interval: u64) -> SnapshotConfig {
    let full_snapshot_archive_interval = match NonZeroU64::new(interval) {
        Some(n) => SnapshotInterval::Slots(n),
        None => SnapshotInterval::Disabled,
    };
    SnapshotConfig {
        full_snapshot_archive_interval,
        ..config(ledger_path)
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

/// Agave's accounts background service (flush, clean, shrink, purging dropped banks, snapshot
/// requests) and a snapshot packager, over one bank tree. Dropping it stops both threads.
pub struct AccountsService {
    controller: Arc<SnapshotController>,
    exit: Arc<AtomicBool>,
    /// The slot of the newest archive (0: none).
    archived: Arc<AtomicU64>,
    abs: Option<AccountsBackgroundService>,
    packager: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for AccountsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountsService")
            .field("archived", &self.archived.load(Ordering::Relaxed))
            .finish()
    }
}

impl AccountsService {
    /// Starts the service on `bank_forks`, which must hold only its root bank: every bank dropped
    /// from now on is purged by the service (Agave's bank-drop callback), and every root set with
    /// [`AccountsService::controller`] whose block height is a multiple of `interval` (0: never)
    /// is snapshotted. Leftovers of a run that died while snapshotting are removed first.
    pub fn start(
        bank_forks: &Arc<RwLock<BankForks>>,
        ledger_path: &Path,
        interval: u64,
    ) -> Result<AccountsService, CoreError> {
        let config = generating(ledger_path, interval);
        for d in [
            &config.full_snapshot_archives_dir,
            &config.bank_snapshots_dir,
        ] {
            std::fs::create_dir_all(d).map_err(|e| CoreError::Io(d.clone(), e))?;
        }
        snapshot_utils::purge_incomplete_bank_snapshots(&config.bank_snapshots_dir);
        snapshot_utils::remove_tmp_snapshot_archives(&config.full_snapshot_archives_dir);
        let pruned_banks_receiver =
            AccountsBackgroundService::setup_bank_drop_callback(bank_forks.clone());
        let root = bank_forks.read().expect("bank forks").root();
        let (sender, receiver) = crossbeam_channel::unbounded();
        let controller = Arc::new(SnapshotController::new(sender, config, root));
        let pending = Arc::new(Mutex::new(PendingSnapshotPackages::default()));
        let exit = Arc::new(AtomicBool::new(false));
        let abs = AccountsBackgroundService::new(
            bank_forks.clone(),
            exit.clone(),
            AbsRequestHandlers {
                snapshot_request_handler: SnapshotRequestHandler {
                    snapshot_controller: controller.clone(),
                    snapshot_request_receiver: receiver,
                    pending_snapshot_packages: pending.clone(),
                },
                pruned_banks_request_handler: PrunedBanksRequestHandler {
                    pruned_banks_receiver,
                },
            },
        );
        // A restart from the newest archive has it already: a stop before the next root asks
        // for no snapshot of a bank whose accounts were never in this run's cache.
        let newest = get_highest_full_snapshot_archive_slot(
            &controller.snapshot_config().full_snapshot_archives_dir,
        );
        let archived = Arc::new(AtomicU64::new(newest.unwrap_or(0)));
        let packager = {
            let (controller, exit, archived) = (controller.clone(), exit.clone(), archived.clone());
            std::thread::Builder::new()
                .name("ambSnapshotPkg".into())
                .spawn(move || package(&pending, &controller, &exit, &archived))
                .map_err(CoreError::Thread)?
        };
        Ok(AccountsService {
            controller,
            exit,
            archived,
            abs: Some(abs),
            packager: Some(packager),
        })
    }

    /// What `BankForks::set_root` and ledger replay take, so new roots are snapshotted.
    pub fn controller(&self) -> &SnapshotController {
        &self.controller
    }

    /// Whether the background service still runs (it stops on a fatal snapshot error).
    pub fn is_running(&self) -> bool {
        self.abs.as_ref().is_some_and(|a| a.status().is_running())
    }

    /// The slot of the newest archive (0: none).
    pub fn archived_slot(&self) -> Slot {
        self.archived.load(Ordering::Relaxed)
    }

    /// Snapshots the rooted, frozen `root` (the last root of a clean stop, so the next start
    /// replays nothing) and waits at most `timeout` for its archive. Does nothing when snapshots
    /// are off or the newest archive is of `root`; returns whether an archive of `root` exists.
    pub fn snapshot_and_wait(&self, root: &Arc<Bank>, timeout: Duration) -> bool {
        let config = self.controller.snapshot_config();
        if config.full_snapshot_archive_interval == SnapshotInterval::Disabled || root.slot() == 0 {
            return false;
        }
        if self.archived_slot() < root.slot() {
            let request = SnapshotRequest {
                snapshot_root_bank: root.clone(),
                status_cache_slot_deltas: root
                    .status_cache
                    .read()
                    .expect("status cache")
                    .root_slot_deltas(),
                request_kind: SnapshotRequestKind::FullSnapshot,
                enqueued: Instant::now(),
            };
            if self.controller.request_sender().send(request).is_err() {
                return false;
            }
        }
        let deadline = Instant::now() + timeout;
        while self.archived_slot() < root.slot() {
            if !self.is_running() || Instant::now() > deadline {
                warn!("no snapshot of slot {} before stopping", root.slot());
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }
}

impl Drop for AccountsService {
    fn drop(&mut self) {
        self.exit.store(true, Ordering::Relaxed);
        if let Some(abs) = self.abs.take() {
            let _ = abs.join();
        }
        if let Some(t) = self.packager.take() {
            let _ = t.join();
        }
    }
}

/// The packager loop (solana-core's `SnapshotPackagerService` without gossip): serialises and
/// archives each package the background service leaves, then drops old archives and bank
/// snapshots.
fn package(
    pending: &Mutex<PendingSnapshotPackages>,
    controller: &SnapshotController,
    exit: &AtomicBool,
    archived: &AtomicU64,
) {
    let config = controller.snapshot_config();
    while !exit.load(Ordering::Relaxed) {
        let next = pending.lock().expect("pending snapshot packages").pop();
        let Some(package) = next else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let slot = package.slot;
        controller.set_latest_bank_snapshot_slot(slot);
        match archive(package, config) {
            Ok(path) => {
                info!("snapshot of slot {slot}: {}", path.display());
                snapshot_utils::purge_old_snapshot_archives(
                    &config.full_snapshot_archives_dir,
                    &config.incremental_snapshot_archives_dir,
                    config.maximum_full_snapshot_archives_to_retain,
                    config.maximum_incremental_snapshot_archives_to_retain,
                );
                snapshot_utils::purge_bank_snapshots_older_than_slot(
                    &config.bank_snapshots_dir,
                    slot,
                );
                archived.store(slot, Ordering::Relaxed);
            }
            Err(e) => error!("snapshot of slot {slot} failed: {e}"),
        }
    }
}

/// Serialises `package` into a bank snapshot and archives it; returns the archive's path.
fn archive(package: SnapshotPackage, config: &SnapshotConfig) -> agave_snapshots::Result<PathBuf> {
    let io_setup = IoSetupState::default()
        .with_direct_io(false)
        .with_buffers_registered(config.use_registered_io_uring_buffers);
    let bank_snapshot = snapshot_utils::serialize_snapshot(
        &config.bank_snapshots_dir,
        config.snapshot_version,
        package.bank_snapshot_package,
        &package.snapshot_storages,
        true,
        &io_setup,
    )?;
    let SnapshotKind::Archive(kind) = package.snapshot_kind else {
        return Ok(bank_snapshot.snapshot_dir);
    };
    let info = snapshot_utils::archive_snapshot_package(
        kind,
        package.slot,
        package.hash,
        &bank_snapshot.snapshot_dir,
        package.snapshot_storages,
        config,
        &io_setup,
    )?;
    Ok(info.path)
}

/// The snapshot archives directory of a ledger.
pub fn archives_dir(ledger_path: &Path) -> PathBuf {
    config(ledger_path).full_snapshot_archives_dir
}
