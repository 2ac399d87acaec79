//! The development faucet (`solana-faucet`) that the validator's `requestAirdrop` asks.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use solana_faucet::faucet::{run_faucet, Faucet};
use solana_keypair::Keypair;

use crate::RpcError;

/// Starts the faucet paying from `keypair` on a free loopback port, at most `per_request_cap`
/// lamports per airdrop (`None`: no limit); returns its address and thread. The thread serves
/// until the process ends, as `solana-test-validator`'s faucet does.
pub fn start(
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
