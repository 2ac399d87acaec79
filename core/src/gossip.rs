//! The node's contact info (gossip, TPU, RPC and PubSub addresses) and the gossip service that
//! publishes it — what `getClusterNodes` and other nodes read.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use solana_gossip::cluster_info::ClusterInfo;
use solana_gossip::contact_info::{ContactInfo, Protocol};
use solana_gossip::gossip_service::GossipService;
use solana_keypair::Keypair;
use solana_net_utils::SocketAddrSpace;
use solana_signer::Signer;

use crate::CoreError;

/// The addresses a node announces.
#[derive(Clone, Copy, Debug)]
pub struct Addresses {
    /// QUIC TPU.
    pub tpu: SocketAddr,
    /// JSON-RPC.
    pub rpc: SocketAddr,
    /// PubSub (websocket).
    pub pubsub: SocketAddr,
    /// Shreds in (UDP), when the node takes part in a cluster.
    pub tvu: Option<SocketAddr>,
    /// Repair requests and answers (UDP).
    pub repair: Option<SocketAddr>,
    /// Forwarded transactions and votes (UDP).
    pub forwards: Option<SocketAddr>,
}

/// A running gossip service with the node's cluster info.
pub struct Gossip {
    /// The cluster info (this node's contact info and what gossip learned).
    pub cluster_info: Arc<ClusterInfo>,
    /// The gossip address.
    pub addr: SocketAddr,
    service: GossipService,
    /// Tells joining nodes the shred version on the gossip port (TCP), as Agave's entrypoints do.
    _ip_echo: Option<solana_net_utils::IpEchoServer>,
}

impl std::fmt::Debug for Gossip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gossip").field("addr", &self.addr).finish()
    }
}

impl Gossip {
    /// Starts gossip on `socket`, announcing `addrs` for `identity` in cluster `shred_version`,
    /// joining the cluster through `entrypoints` (gossip addresses of its nodes). The TCP port of
    /// the gossip address answers joining nodes' shred-version queries.
    pub fn start(
        identity: Arc<Keypair>,
        shred_version: u16,
        socket: UdpSocket,
        addrs: Addresses,
        entrypoints: &[SocketAddr],
        exit: Arc<AtomicBool>,
    ) -> Result<Gossip, CoreError> {
        let addr = socket
            .local_addr()
            .map_err(|e| CoreError::Io("gossip socket".into(), e))?;
        let mut contact = ContactInfo::new(
            identity.pubkey(),
            solana_time_utils::timestamp(),
            shred_version,
        );
        let set = |r: Result<(), solana_gossip::contact_info::Error>| {
            r.map_err(|e| CoreError::Gossip(e.to_string()))
        };
        set(contact.set_gossip(addr))?;
        set(contact.set_tpu(Protocol::QUIC, addrs.tpu))?;
        set(contact.set_rpc(addrs.rpc))?;
        set(contact.set_rpc_pubsub(addrs.pubsub))?;
        if let Some(a) = addrs.tvu {
            set(contact.set_tvu(Protocol::UDP, a))?;
        }
        if let Some(a) = addrs.repair {
            set(contact.set_serve_repair(Protocol::UDP, a))?;
        }
        if let Some(a) = addrs.forwards {
            set(contact.set_tpu_forwards(Protocol::UDP, a))?;
        }
        let cluster_info = Arc::new(ClusterInfo::new(
            contact,
            identity,
            SocketAddrSpace::Unspecified,
        ));
        if !entrypoints.is_empty() {
            cluster_info.set_entrypoints(
                entrypoints
                    .iter()
                    .map(ContactInfo::new_gossip_entry_point)
                    .collect(),
            );
        }
        // The shred-version service; a port already taken (another process) only loses it.
        let ip_echo = match std::net::TcpListener::bind(addr) {
            Ok(l) => Some(solana_net_utils::ip_echo_server(
                l,
                std::num::NonZeroUsize::new(1).expect("one"),
                Some(shred_version),
            )),
            Err(e) => {
                log::warn!("no shred-version service on tcp {addr}: {e}");
                None
            }
        };
        let service = GossipService::new(
            &cluster_info,
            None,
            Arc::from([socket]),
            None,
            None,
            true,
            None,
            exit,
        );
        Ok(Gossip {
            cluster_info,
            addr,
            service,
            _ip_echo: ip_echo,
        })
    }

    /// Joins the gossip threads (after the exit flag is set).
    pub fn join(self) {
        let _ = self.service.join();
    }
}

/// Asks the entrypoint `entrypoint` (a gossip address) for its cluster's shred version,
/// retrying until `timeout` passes.
pub fn cluster_shred_version(
    entrypoint: &SocketAddr,
    timeout: std::time::Duration,
) -> Result<u16, CoreError> {
    let start = std::time::Instant::now();
    loop {
        match solana_net_utils::get_cluster_shred_version(entrypoint) {
            Ok(v) => return Ok(v),
            Err(e) if start.elapsed() >= timeout => {
                return Err(CoreError::Gossip(format!(
                    "entrypoint {entrypoint} did not tell its shred version: {e}"
                )))
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(500)),
        }
    }
}

/// Waits until gossip knows the contact info of the node at gossip address `entrypoint` and
/// returns its JSON-RPC address.
pub fn entrypoint_rpc(
    cluster_info: &ClusterInfo,
    entrypoint: &SocketAddr,
    timeout: std::time::Duration,
) -> Result<SocketAddr, CoreError> {
    let start = std::time::Instant::now();
    loop {
        let found = cluster_info
            .all_peers()
            .into_iter()
            .find(|(ci, _)| ci.gossip().as_ref() == Some(entrypoint))
            .and_then(|(ci, _)| ci.rpc());
        if let Some(rpc) = found {
            return Ok(rpc);
        }
        if start.elapsed() >= timeout {
            return Err(CoreError::Gossip(format!(
                "no contact info from entrypoint {entrypoint} after {timeout:?}"
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
