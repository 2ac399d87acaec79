//! Forwarding: a node that is not leading passes the transactions it receives (and its votes) to
//! the upcoming leaders' forward port (UDP, one transaction per datagram); the leader checks
//! signatures and includes them. Forwarded transactions are never forwarded again.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;

use crossbeam_channel::Sender;
use log::debug;
use solana_runtime::bank_forks::BankForks;

use crate::tpu::{decode_transaction, verify, VerifiedTx};
use crate::CoreError;

/// Sends each wire transaction in `wire` to every address in `to`.
pub fn send(socket: &UdpSocket, wire: &[Vec<u8>], to: &[SocketAddr]) {
    for addr in to {
        for tx in wire {
            if let Err(e) = socket.send_to(tx, addr) {
                debug!("forwarding to {addr}: {e}");
            }
        }
    }
}

/// Starts the thread that receives forwarded transactions on `socket`, verifies them against the
/// newest bank and sends them to `out`.
pub fn start(
    socket: UdpSocket,
    bank_forks: Arc<RwLock<BankForks>>,
    out: Sender<Vec<VerifiedTx>>,
    exit: Arc<AtomicBool>,
) -> Result<JoinHandle<()>, CoreError> {
    super::tvu::serve_udp("ambForwardRx", "forward", socket, exit, move |_, batch| {
        let bank = bank_forks.read().expect("bank forks").working_bank();
        let txs: Vec<VerifiedTx> = batch
            .iter()
            .filter_map(|(bytes, _)| {
                let tx = decode_transaction(bytes).ok()?;
                verify(&bank, tx)
                    .inspect_err(|e| debug!("forwarded transaction rejected: {e}"))
                    .ok()
            })
            .collect();
        txs.is_empty() || out.send(txs).is_ok()
    })
}
