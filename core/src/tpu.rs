//! Transaction intake: the QUIC TPU (`solana-streamer`'s stake-weighted server, the one Agave
//! runs) and the signature-verification stage that turns packets into verified transactions for
//! block production.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use log::{debug, info};
use solana_keypair::Keypair;
use solana_perf::packet::PacketBatch;
use solana_runtime::bank::Bank;
use solana_runtime::bank_forks::BankForks;
use solana_runtime_transaction::runtime_transaction::RuntimeTransaction;
use solana_streamer::nonblocking::swqos::SwQosConfig;
use solana_streamer::quic::{spawn_stake_weighted_qos_server, QuicStreamerConfig};
use solana_streamer::streamer::StakedNodes;
use solana_transaction::sanitized::SanitizedTransaction;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use tokio_util::sync::CancellationToken;

use crate::CoreError;

/// A transaction whose signatures have been verified and whose message is sanitized.
pub type VerifiedTx = RuntimeTransaction<SanitizedTransaction>;

/// The largest wire transaction accepted (Solana's packet size).
pub const MAX_TRANSACTION_SIZE: usize = solana_perf::packet::PACKET_DATA_SIZE;

/// Decodes one wire transaction, refusing oversized or malformed input.
pub fn decode_transaction(bytes: &[u8]) -> Result<VersionedTransaction, TransactionError> {
    use bincode::Options;
    if bytes.len() > MAX_TRANSACTION_SIZE {
        return Err(TransactionError::SanitizeFailure);
    }
    bincode::options()
        .with_limit(MAX_TRANSACTION_SIZE as u64)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize(bytes)
        .map_err(|_| TransactionError::SanitizeFailure)
}

/// Verifies signatures and sanitizes `tx` against `bank` (the newest one).
pub fn verify(bank: &Bank, tx: VersionedTransaction) -> Result<VerifiedTx, TransactionError> {
    bank.verify_transaction(
        tx,
        solana_transaction::TransactionVerificationMode::FullVerification,
    )
}

/// The running TPU: the QUIC server and the verification thread.
pub struct Tpu {
    /// The address the QUIC server listens on.
    pub addr: SocketAddr,
    /// The QoS weights the QUIC server uses (refreshed when the LStake table rolls).
    pub qos: Arc<RwLock<StakedNodes>>,
    cancel: CancellationToken,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Tpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tpu").field("addr", &self.addr).finish()
    }
}

impl Tpu {
    /// Serves the QUIC TPU on `socket` and starts verification; verified transactions go to
    /// `out` in batches.
    pub fn start(
        socket: UdpSocket,
        identity: &Keypair,
        bank_forks: Arc<RwLock<BankForks>>,
        out: Sender<Vec<VerifiedTx>>,
        exit: Arc<AtomicBool>,
    ) -> Result<Tpu, CoreError> {
        let addr = socket
            .local_addr()
            .map_err(|e| CoreError::Io("TPU socket".into(), e))?;
        let (packet_tx, packet_rx) = crossbeam_channel::unbounded();
        let cancel = CancellationToken::new();
        let root = bank_forks.read().expect("bank forks").root_bank();
        let qos = Arc::new(RwLock::new(lstake_nodes(&root)));
        let server = spawn_stake_weighted_qos_server(
            "ambQuicTpu",
            "ambient_tpu",
            [socket.into()],
            identity,
            packet_tx,
            qos.clone(),
            QuicStreamerConfig::default(),
            SwQosConfig::default(),
            cancel.clone(),
        )
        .map_err(|e| CoreError::Quic(e.to_string()))?;
        let verifier = std::thread::Builder::new()
            .name("ambSigVerify".into())
            .spawn(move || sigverify_loop(packet_rx, bank_forks, out, exit))
            .map_err(CoreError::Thread)?;
        info!("TPU (QUIC) listening on {addr}");
        Ok(Tpu {
            addr,
            qos,
            cancel,
            threads: vec![server.thread, verifier],
        })
    }

    /// Stops the server and joins its threads.
    pub fn join(self) {
        self.cancel.cancel();
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// QUIC quality of service weighs connections as Agave weighs them, by each node identity's
/// epoch stake (its LStake, set by the runtime's epoch hooks); everyone else is an unstaked client
/// (200 transactions per second per connection).
pub fn lstake_nodes(bank: &Bank) -> StakedNodes {
    let staked = bank.epoch_staked_nodes(bank.epoch()).unwrap_or_default();
    StakedNodes::new(staked, std::collections::HashMap::new())
}

fn sigverify_loop(
    packets: Receiver<PacketBatch>,
    bank_forks: Arc<RwLock<BankForks>>,
    out: Sender<Vec<VerifiedTx>>,
    exit: Arc<AtomicBool>,
) {
    use rayon::prelude::*;
    while !exit.load(Ordering::Relaxed) {
        let batch = match packets.recv_timeout(Duration::from_millis(100)) {
            Ok(b) => b,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut wire: Vec<Vec<u8>> = Vec::new();
        for b in std::iter::once(batch).chain(packets.try_iter()) {
            for p in b.iter() {
                if p.meta().discard() {
                    continue;
                }
                if let Some(d) = p.data(..) {
                    wire.push(d.to_vec());
                }
            }
        }
        // One bank for the whole batch (not a lock per transaction).
        let bank = bank_forks.read().expect("bank forks").working_bank();
        let verified: Vec<VerifiedTx> = wire
            .par_iter()
            .filter_map(|bytes| {
                let tx = decode_transaction(bytes)
                    .inspect_err(|e| debug!("TPU: undecodable packet: {e}"))
                    .ok()?;
                verify(&bank, tx)
                    .inspect_err(|e| debug!("TPU: rejected transaction: {e}"))
                    .ok()
            })
            .collect();
        if !verified.is_empty() && out.send(verified).is_err() {
            return;
        }
    }
}
