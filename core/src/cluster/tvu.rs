//! The TVU: receives shreds on its UDP port, checks each against its slot leader's signature,
//! stores it, passes it on along the Turbine tree, and tells the pipeline which slots grew.

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::Sender;
use solana_clock::Slot;

use super::ClusterContext;
use crate::CoreError;

/// Largest datagram read (a shred is at most 1228 bytes).
pub const PACKET_SIZE: usize = 1280;
/// Packets read before a batch is stored.
const BATCH: usize = 256;

/// Reads up to [`BATCH`] datagrams: waits for the first (up to the socket's timeout), then takes
/// what is already there. Returns (payload, sender) pairs.
pub(crate) fn recv_batch(socket: &UdpSocket) -> Vec<(Vec<u8>, std::net::SocketAddr)> {
    let mut out = Vec::new();
    let mut buf = [0u8; PACKET_SIZE];
    if let Ok((n, from)) = socket.recv_from(&mut buf) {
        out.push((buf[..n].to_vec(), from));
        let _ = socket.set_nonblocking(true);
        while out.len() < BATCH {
            match socket.recv_from(&mut buf) {
                Ok((n, from)) => out.push((buf[..n].to_vec(), from)),
                Err(_) => break,
            }
        }
        let _ = socket.set_nonblocking(false);
    }
    out
}

/// Runs `handle` on each batch of datagrams `socket` receives, in a thread named `name`, until
/// `exit` is set or `handle` returns `false` (its consumer is gone). `what` names the socket in
/// errors.
pub(crate) fn serve_udp(
    name: &str,
    what: &str,
    socket: UdpSocket,
    exit: Arc<AtomicBool>,
    mut handle: impl FnMut(&UdpSocket, Vec<(Vec<u8>, std::net::SocketAddr)>) -> bool + Send + 'static,
) -> Result<JoinHandle<()>, CoreError> {
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| CoreError::Io(format!("{what} socket").into(), e))?;
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            while !exit.load(Ordering::Relaxed) {
                let batch = recv_batch(&socket);
                if !batch.is_empty() && !handle(&socket, batch) {
                    return;
                }
            }
        })
        .map_err(CoreError::Thread)
}

/// Starts the TVU receive thread on `socket`; slots that received new shreds go to `slots`.
pub fn start(
    socket: UdpSocket,
    ctx: Arc<ClusterContext>,
    slots: Sender<Slot>,
    exit: Arc<AtomicBool>,
) -> Result<JoinHandle<()>, CoreError> {
    serve_udp("ambTvu", "TVU", socket, exit, move |_, batch| {
        let packets = batch.into_iter().map(|(p, _)| p).collect();
        ctx.accept(packets, true)
            .into_iter()
            .all(|slot| slots.send(slot).is_ok())
    })
}
