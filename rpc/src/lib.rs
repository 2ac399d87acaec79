//! What an Ambient node puts around Agave's JSON-RPC: the public front end that enforces the
//! request limits and names Ambient in `getVersion` ([`front`]), and the development faucet
//! behind `requestAirdrop` ([`faucet`]). The JSON-RPC and PubSub services themselves are
//! `solana-core`'s validator's (`solana-rpc`'s `JsonRpcService` and `PubSubService`).

pub mod faucet;
pub mod front;

use std::net::{Ipv4Addr, SocketAddr};

/// Errors of the RPC front end and the faucet.
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
    /// The front end could not serve.
    #[error("JSON-RPC service: {0}")]
    Service(String),
    /// A runtime or thread could not be created.
    #[error("cannot start a thread or runtime: {0}")]
    Thread(std::io::Error),
}

/// A loopback TCP port free at this moment (where the validator's own JSON-RPC listens, behind
/// the front end).
pub fn free_loopback_port() -> Result<SocketAddr, RpcError> {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_err(|source| RpcError::Bind {
            addr: (Ipv4Addr::LOCALHOST, 0).into(),
            source,
        })
}
