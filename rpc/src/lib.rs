//! The standard Solana JSON-RPC (`solana-rpc`'s `JsonRpcService`) and PubSub over an Ambient
//! node's banks, ledger and commitment, with the faucet behind `requestAirdrop` and transaction
//! history written by `solana-rpc`'s transaction-status service. `sendTransaction` goes to the
//! node's own QUIC TPU, as on Solana.

pub mod front;
pub mod observer;

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use ambient_core::Node;
use log::{info, warn};
use solana_faucet::faucet::{run_faucet, Faucet};
use solana_gossip::cluster_info::ClusterInfo;
use solana_keypair::Keypair;
use solana_ledger::blockstore_processor::TransactionStatusSender;
use solana_rpc::max_slots::MaxSlots;
use solana_rpc::optimistically_confirmed_bank_tracker::{
    OptimisticallyConfirmedBank, OptimisticallyConfirmedBankTracker,
};
use solana_rpc::rpc::JsonRpcConfig;
use solana_rpc::rpc_pubsub_service::{
    PubSubConfig, PubSubService, DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS, DEFAULT_QUEUE_CAPACITY_BYTES,
    DEFAULT_QUEUE_CAPACITY_ITEMS,
};
use solana_rpc::rpc_service::{JsonRpcService, JsonRpcServiceConfig, RpcTpuClientArgs};
use solana_rpc::rpc_subscriptions::RpcSubscriptions;
use solana_rpc::transaction_status_service::TransactionStatusService;
use solana_runtime::dependency_tracker::DependencyTracker;
use solana_validator_exit::Exit;
use tokio_util::sync::CancellationToken;

pub use observer::RpcObserver;

/// Errors starting the RPC services.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// A socket could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The faucet failed to start.
    #[error("faucet: {0}")]
    Faucet(String),
    /// `solana-rpc` refused to start.
    #[error("JSON-RPC service: {0}")]
    Service(String),
    /// A runtime or thread could not be created.
    #[error("cannot start a thread or runtime: {0}")]
    Thread(std::io::Error),
}

/// How to serve RPC.
pub struct RpcSettings {
    /// JSON-RPC address; PubSub listens on the next port.
    pub rpc_addr: SocketAddr,
    /// The node's cluster info; its contact info names the QUIC TPU `sendTransaction` forwards
    /// to, and `getClusterNodes` lists what it knows.
    pub cluster_info: Arc<ClusterInfo>,
    /// The faucet's key, when this node serves `requestAirdrop`.
    pub faucet: Option<Keypair>,
    /// Largest airdrop per request, in lamports (`None`: no limit).
    pub faucet_per_request_cap: Option<u64>,
    /// Limits on JSON-RPC requests (body size, batch length, rate per client).
    pub limits: front::RpcLimits,
}

impl std::fmt::Debug for RpcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcSettings")
            .field("rpc_addr", &self.rpc_addr)
            .field("faucet", &self.faucet.is_some())
            .finish()
    }
}

/// The running RPC services.
pub struct RpcServices {
    /// The JSON-RPC address.
    pub rpc_addr: SocketAddr,
    /// The PubSub (websocket) address.
    pub pubsub_addr: SocketAddr,
    /// The faucet address, when one runs.
    pub faucet_addr: Option<SocketAddr>,
    observer: Arc<RpcObserver>,
    status_sender: TransactionStatusSender,
    json_rpc: Option<JsonRpcService>,
    front: Option<front::Front>,
    pubsub: Option<(stream_cancel::Trigger, PubSubService)>,
    status_service: Option<TransactionStatusService>,
    tracker: Option<OptimisticallyConfirmedBankTracker>,
    client_runtime: Option<tokio::runtime::Runtime>,
    cancel: CancellationToken,
    exit: Arc<AtomicBool>,
    json_rpc_exit: Arc<AtomicBool>,
    _faucet: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RpcServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcServices")
            .field("rpc_addr", &self.rpc_addr)
            .field("pubsub_addr", &self.pubsub_addr)
            .finish()
    }
}

/// How often solana-rpc is given a fresh loopback port before the node gives up.
const JSON_RPC_BIND_ATTEMPTS: u32 = 5;

/// A loopback TCP port free at this moment.
fn free_loopback_port() -> Result<SocketAddr, RpcError> {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_err(|source| RpcError::Bind {
            addr: (Ipv4Addr::LOCALHOST, 0).into(),
            source,
        })
}

fn bind_check(addr: SocketAddr) -> Result<(), RpcError> {
    std::net::TcpListener::bind(addr)
        .map(drop)
        .map_err(|source| RpcError::Bind { addr, source })
}

impl RpcServices {
    /// Starts JSON-RPC, PubSub, the faucet and the transaction-status writer over `node`.
    /// `identity` is the node identity (it signs the contact info and the TPU client).
    pub fn start(
        node: &Node,
        identity: Arc<Keypair>,
        settings: RpcSettings,
        exit: Arc<AtomicBool>,
    ) -> Result<RpcServices, RpcError> {
        let rpc_addr = settings.rpc_addr;
        let limits = settings.limits;
        let pubsub_addr = SocketAddr::new(rpc_addr.ip(), rpc_addr.port().wrapping_add(1));
        bind_check(pubsub_addr)?;
        let public = front::bind(rpc_addr)?;
        // The faucet takes its port before solana-rpc's loopback port is chosen, so the two
        // cannot be handed the same free port.
        let faucet_addr = match settings.faucet {
            Some(keypair) => Some(start_faucet(keypair, settings.faucet_per_request_cap)?),
            None => None,
        };
        let faucet = faucet_addr.as_ref().map(|(addr, _)| *addr);

        let blockstore = node.ledger.blockstore().clone();
        let bank_forks = node.bank_forks.clone();
        let max_complete_transaction_status_slot = Arc::new(AtomicU64::new(
            bank_forks.read().expect("bank forks").root(),
        ));
        let dependency_tracker = Arc::new(DependencyTracker::default());
        let (status_tx, status_rx) = crossbeam_channel::unbounded();
        let status_service = TransactionStatusService::new(
            status_rx,
            max_complete_transaction_status_slot.clone(),
            true,
            None,
            blockstore.clone(),
            // Logs, inner instructions and return data kept for getTransaction, as on
            // solana-test-validator.
            true,
            Some(dependency_tracker.clone()),
            exit.clone(),
        );
        let status_sender = TransactionStatusSender {
            sender: status_tx,
            dependency_tracker: Some(dependency_tracker.clone()),
        };

        let optimistically_confirmed_bank =
            OptimisticallyConfirmedBank::locked_from_bank_forks_root(&bank_forks);
        let pubsub_config = PubSubConfig {
            enable_block_subscription: true,
            enable_vote_subscription: false,
            max_active_subscriptions: DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS,
            queue_capacity_items: DEFAULT_QUEUE_CAPACITY_ITEMS,
            queue_capacity_bytes: DEFAULT_QUEUE_CAPACITY_BYTES,
            worker_threads: 2,
            notification_threads: NonZeroUsize::new(2),
        };
        let subscriptions = Arc::new(RpcSubscriptions::new_with_config(
            exit.clone(),
            max_complete_transaction_status_slot.clone(),
            blockstore.clone(),
            bank_forks.clone(),
            node.commitment_cache.clone(),
            optimistically_confirmed_bank.clone(),
            &pubsub_config,
            None,
        ));
        let (bank_tx, bank_rx) = crossbeam_channel::unbounded();
        let tracker = OptimisticallyConfirmedBankTracker::new(
            bank_rx,
            exit.clone(),
            bank_forks.clone(),
            optimistically_confirmed_bank.clone(),
            subscriptions.clone(),
            None,
            None,
            Some(dependency_tracker.clone()),
        );
        let pubsub = PubSubService::new(pubsub_config, &subscriptions, pubsub_addr);

        let client_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ambRpcTpuClient")
            .enable_all()
            .build()
            .map_err(RpcError::Thread)?;
        let cancel = CancellationToken::new();
        let leader_schedule_cache = node.leader_schedule.clone();
        let max_slots = Arc::new(MaxSlots::default());
        // solana-rpc serves on a loopback port; the public port is the front end that names
        // Ambient in getVersion. solana-rpc binds the port itself, so a free one is picked
        // and, should another process take it first, picked again.
        let mut attempt = 0;
        let (json_rpc, internal, json_rpc_exit) = loop {
            attempt += 1;
            let internal = free_loopback_port()?;
            let client_socket =
                UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|source| RpcError::Bind {
                    addr: (Ipv4Addr::LOCALHOST, 0).into(),
                    source,
                })?;
            // Ends this attempt's send-transaction threads if the attempt fails.
            let attempt_exit = Arc::new(AtomicBool::new(exit.load(Ordering::Relaxed)));
            let started = JsonRpcService::new_with_config(JsonRpcServiceConfig {
                rpc_addr: internal,
                rpc_config: JsonRpcConfig {
                    enable_rpc_transaction_history: true,
                    enable_extended_tx_metadata_storage: true,
                    faucet_addr: faucet,
                    full_api: true,
                    health_check_slot_distance: 150,
                    rpc_threads: 4,
                    rpc_blocking_threads: 2,
                    max_request_body_size: Some(limits.max_body as usize),
                    ..JsonRpcConfig::default()
                },
                // Serves /genesis.tar.bz2 (joining nodes download it) and the snapshot archives.
                snapshot_config: Some(ambient_core::snapshot::config(&node.ledger_path)),
                bank_forks: bank_forks.clone(),
                block_commitment_cache: node.commitment_cache.clone(),
                blockstore: blockstore.clone(),
                cluster_info: settings.cluster_info.clone(),
                poh_recorder: None,
                genesis_hash: node.genesis.hash(),
                ledger_path: node.ledger_path.clone(),
                validator_exit: Arc::new(RwLock::new(Exit::default())),
                exit: attempt_exit.clone(),
                override_health_check: Arc::new(AtomicBool::new(false)),
                optimistically_confirmed_bank: optimistically_confirmed_bank.clone(),
                send_transaction_service_config:
                    solana_send_transaction_service::send_transaction_service::Config {
                        retry_rate_ms: 1000,
                        ..Default::default()
                    },
                max_slots: max_slots.clone(),
                leader_schedule_cache: leader_schedule_cache.clone(),
                max_complete_transaction_status_slot: max_complete_transaction_status_slot.clone(),
                prioritization_fee_cache: None,
                rpc_tpu_client_args: RpcTpuClientArgs(
                    &identity,
                    client_socket,
                    client_runtime.handle().clone(),
                    cancel.clone(),
                ),
            });
            match started {
                Ok(service) => break (service, internal, attempt_exit),
                Err(e) => {
                    attempt_exit.store(true, Ordering::Relaxed);
                    if attempt >= JSON_RPC_BIND_ATTEMPTS {
                        return Err(RpcError::Service(e));
                    }
                    warn!("JSON-RPC could not bind {internal} ({e}); trying another port");
                }
            }
        };
        let front = front::Front::start(public, internal, limits)?;
        info!("JSON-RPC on http://{rpc_addr}, PubSub on ws://{pubsub_addr}");
        if let Some(f) = faucet {
            info!("faucet on {f}");
        }

        Ok(RpcServices {
            rpc_addr,
            pubsub_addr,
            faucet_addr: faucet,
            observer: Arc::new(RpcObserver::new(subscriptions, bank_tx, dependency_tracker)),
            status_sender,
            json_rpc: Some(json_rpc),
            json_rpc_exit,
            front: Some(front),
            pubsub: Some(pubsub),
            status_service: Some(status_service),
            tracker: Some(tracker),
            client_runtime: Some(client_runtime),
            cancel,
            exit,
            _faucet: faucet_addr.map(|(_, t)| t),
        })
    }

    /// What block production must tell these services.
    pub fn observer(&self) -> Arc<RpcObserver> {
        self.observer.clone()
    }

    /// Where block production sends executed transactions' statuses.
    pub fn status_sender(&self) -> TransactionStatusSender {
        self.status_sender.clone()
    }

    /// Stops every service (set the shared exit flag first) and joins their threads.
    pub fn join(mut self) {
        self.exit.store(true, Ordering::Relaxed);
        self.json_rpc_exit.store(true, Ordering::Relaxed);
        self.cancel.cancel();
        if let Some((trigger, service)) = self.pubsub.take() {
            trigger.cancel();
            let _ = service.join();
        }
        if let Some(f) = self.front.take() {
            f.join();
        }
        if let Some(s) = self.json_rpc.take() {
            let _ = s.join();
        }
        if let Some(t) = self.tracker.take() {
            let _ = t.join();
        }
        if let Some(s) = self.status_service.take() {
            let _ = s.join();
        }
        if let Some(rt) = self.client_runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Starts the faucet on a local port; returns its address.
fn start_faucet(
    keypair: Keypair,
    per_request_cap: Option<u64>,
) -> Result<(SocketAddr, JoinHandle<()>), RpcError> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let faucet = Arc::new(Mutex::new(Faucet::new(
        keypair,
        None,
        None,
        per_request_cap,
    )));
    let addr: SocketAddr = (Ipv4Addr::LOCALHOST, 0).into();
    let handle = std::thread::Builder::new()
        .name("ambFaucet".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(run_faucet(faucet, addr, Some(tx))),
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        })
        .map_err(RpcError::Thread)?;
    let bound = rx
        .recv()
        .map_err(|_| RpcError::Faucet("faucet thread ended".into()))?
        .map_err(RpcError::Faucet)?;
    Ok((bound, handle))
}
