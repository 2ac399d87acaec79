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
}

/// A running gossip service with the node's cluster info.
pub struct Gossip {
    /// The cluster info (this node's contact info and what gossip learned).
    pub cluster_info: Arc<ClusterInfo>,
    /// The gossip address.
    pub addr: SocketAddr,
    service: GossipService,
}

impl std::fmt::Debug for Gossip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gossip").field("addr", &self.addr).finish()
    }
}

impl Gossip {
    /// Starts gossip on `socket`, announcing `addrs` for `identity` in cluster `shred_version`.
    pub fn start(
        identity: Arc<Keypair>,
        shred_version: u16,
        socket: UdpSocket,
        addrs: Addresses,
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
        let cluster_info = Arc::new(ClusterInfo::new(
            contact,
            identity,
            SocketAddrSpace::Unspecified,
        ));
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
        })
    }

    /// Joins the gossip threads (after the exit flag is set).
    pub fn join(self) {
        let _ = self.service.join();
    }
}
