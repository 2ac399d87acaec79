//! Joining a running cluster from a snapshot, as `agave-validator` does: before the validator
//! starts, Agave's RPC bootstrap (`agave_validator::bootstrap::rpc_bootstrap`) finds the
//! cluster's RPC nodes in gossip, checks the genesis hash against theirs, and downloads the
//! newest full snapshot they advertise unless the ledger's own is recent enough. A node that joins
//! late then starts at that snapshot's slot instead of replaying (or repairing) every block since
//! genesis, which the cluster may have purged already (`--limit-ledger-size`).

use std::collections::HashSet;
use std::io::IsTerminal;
use std::sync::{Arc, RwLock};

use agave_validator::bootstrap::{rpc_bootstrap, RpcBootstrapConfig};
use solana_core::validator::{ValidatorConfig, ValidatorStartProgress};
use solana_genesis_utils::MAX_GENESIS_ARCHIVE_UNPACKED_SIZE;
use solana_gossip::contact_info::ContactInfo;
use solana_gossip::node::Node;
use solana_net_utils::SocketAddrSpace;
use solana_pubkey::Pubkey;

use crate::node::NodeSettings;

/// `agave-validator`'s default `--maximum-local-snapshot-age`.
pub const DEFAULT_MAXIMUM_LOCAL_SNAPSHOT_AGE: u64 = 2500;
/// `agave-validator`'s default `--minimal-snapshot-download-speed` (10 MB/s).
pub const DEFAULT_MINIMAL_SNAPSHOT_DOWNLOAD_SPEED: f32 = 10_485_760.0;
/// `agave-validator`'s default `--maximum-snapshot-download-abort`.
pub const DEFAULT_MAXIMUM_SNAPSHOT_DOWNLOAD_ABORT: u64 = 5;

/// How a node that joins a cluster (`--entrypoint`) gets its starting state; flags named and
/// meaning as `agave-validator`'s.
#[derive(Clone, Debug, clap::Args)]
pub struct SnapshotFetch {
    /// Do not download a snapshot from the cluster: start from this ledger (its own newest
    /// snapshot, or genesis). Validators of a new cluster, which has no snapshot yet, start
    /// with it.
    #[arg(long)]
    pub no_snapshot_fetch: bool,
    /// A validator whose snapshots are trusted (repeatable): a snapshot is downloaded only when
    /// these advertise the same hash for its slot. Without any, the newest snapshot any RPC
    /// node of the cluster advertises is taken.
    /// Only with --entrypoint: a new cluster's first node fetches nothing.
    #[arg(
        long = "known-validator",
        value_name = "PUBKEY",
        requires = "entrypoints"
    )]
    pub known_validators: Vec<Pubkey>,
    /// Download the genesis and snapshots only from the known validators' RPC.
    #[arg(long, requires = "known_validators")]
    pub only_known_rpc: bool,
    /// Keep the ledger's own newest snapshot when it is at most this many slots older than the
    /// cluster's.
    #[arg(long, value_name = "SLOTS", default_value_t = DEFAULT_MAXIMUM_LOCAL_SNAPSHOT_AGE)]
    pub maximum_local_snapshot_age: u64,
    /// Abort a snapshot download slower than this many bytes per second and try another node.
    #[arg(long, value_name = "BYTES_PER_SECOND",
          default_value_t = DEFAULT_MINIMAL_SNAPSHOT_DOWNLOAD_SPEED)]
    pub minimal_snapshot_download_speed: f32,
    /// Slow downloads aborted before one is kept whatever its speed.
    #[arg(long, value_name = "COUNT", default_value_t = DEFAULT_MAXIMUM_SNAPSHOT_DOWNLOAD_ABORT)]
    pub maximum_snapshot_download_abort: u64,
}

impl Default for SnapshotFetch {
    fn default() -> Self {
        SnapshotFetch {
            no_snapshot_fetch: false,
            known_validators: Vec::new(),
            only_known_rpc: false,
            maximum_local_snapshot_age: DEFAULT_MAXIMUM_LOCAL_SNAPSHOT_AGE,
            minimal_snapshot_download_speed: DEFAULT_MINIMAL_SNAPSHOT_DOWNLOAD_SPEED,
            maximum_snapshot_download_abort: DEFAULT_MAXIMUM_SNAPSHOT_DOWNLOAD_ABORT,
        }
    }
}

impl SnapshotFetch {
    /// The known validators as Agave's validator settings hold them (`None`: none named).
    pub fn known(&self) -> Option<HashSet<Pubkey>> {
        (!self.known_validators.is_empty()).then(|| self.known_validators.iter().copied().collect())
    }
}

/// Runs Agave's RPC bootstrap for a node joining through `entrypoints`: the genesis is already
/// in the ledger (it is checked against the cluster's), the snapshot is fetched as
/// [`SnapshotFetch`] says. `config` must carry the cluster's shred version. Like
/// `agave-validator`, this waits until an RPC node with a snapshot answers, and ends the
/// process with an error when none does in time.
pub fn fetch_snapshot(
    node: &Node,
    s: &NodeSettings,
    entrypoints: &[ContactInfo],
    config: &mut ValidatorConfig,
    progress: &Arc<RwLock<ValidatorStartProgress>>,
) {
    let fetch = &s.snapshot_fetch;
    let bootstrap = RpcBootstrapConfig {
        no_genesis_fetch: true,
        no_snapshot_fetch: fetch.no_snapshot_fetch,
        only_known_rpc: fetch.only_known_rpc,
        max_genesis_archive_unpacked_size: MAX_GENESIS_ARCHIVE_UNPACKED_SIZE,
        check_vote_account: None,
        incremental_snapshot_fetch: false,
    };
    if !fetch.no_snapshot_fetch {
        let what = "looking for the cluster's newest snapshot through gossip (a new cluster has \
                    none yet: its validators start with --no-snapshot-fetch) ...";
        eprintln!("{what}");
        log::info!("{what}");
    }
    rpc_bootstrap(
        node,
        &s.identity,
        &s.ledger,
        &s.vote_account.unwrap_or_default(),
        Arc::new(RwLock::new(s.authorized_voters.clone())),
        entrypoints,
        config,
        bootstrap,
        false,
        std::io::stderr().is_terminal(),
        fetch.maximum_local_snapshot_age,
        progress,
        fetch.minimal_snapshot_download_speed,
        fetch.maximum_snapshot_download_abort,
        SocketAddrSpace::Unspecified,
    );
}
