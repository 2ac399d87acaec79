//! Repair: a node asks a peer for the data shreds of a slot it misses (a slot whose shreds did
//! not all arrive, or the parent of a slot it cannot replay), and serves the same requests from
//! its own blockstore. Requests and answers travel on the repair UDP port; answers are ordinary
//! shreds, checked against the slot leader's signature like those from the TVU.
//!
//! Request: magic `AMBREP1\0` · slot u64 · first index u32 · end index u32 (exclusive), little
//! endian.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::Sender;
use log::debug;
use solana_clock::Slot;

use super::ClusterContext;
use crate::CoreError;

const MAGIC: &[u8; 8] = b"AMBREP1\0";
/// Size of a request.
pub const REQUEST_LEN: usize = 8 + 8 + 4 + 4;
/// Most shreds one answer sends.
pub const MAX_ANSWER_SHREDS: usize = 1024;

/// A request for the data shreds `from..to` of `slot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The slot.
    pub slot: Slot,
    /// First shred index wanted.
    pub from: u32,
    /// One past the last index wanted (`u32::MAX`: all).
    pub to: u32,
}

impl Request {
    /// Wire form.
    pub fn encode(&self) -> [u8; REQUEST_LEN] {
        let mut b = [0u8; REQUEST_LEN];
        b[..8].copy_from_slice(MAGIC);
        b[8..16].copy_from_slice(&self.slot.to_le_bytes());
        b[16..20].copy_from_slice(&self.from.to_le_bytes());
        b[20..24].copy_from_slice(&self.to.to_le_bytes());
        b
    }

    /// Parses a request (`None` for anything else, such as a shred).
    pub fn decode(b: &[u8]) -> Option<Request> {
        if b.len() != REQUEST_LEN || &b[..8] != MAGIC {
            return None;
        }
        Some(Request {
            slot: u64::from_le_bytes(b[8..16].try_into().ok()?),
            from: u32::from_le_bytes(b[16..20].try_into().ok()?),
            to: u32::from_le_bytes(b[20..24].try_into().ok()?),
        })
    }
}

/// Whether `from` is the repair address of a node gossip knows: answers (up to
/// [`MAX_ANSWER_SHREDS`] datagrams for 24 bytes) go only to cluster members, so a forged source
/// address cannot turn a node into an amplifier against anyone else.
fn is_peer(ctx: &ClusterContext, from: &SocketAddr) -> bool {
    ctx.cluster_info
        .tvu_peers(|ci| ci.serve_repair(solana_gossip::contact_info::Protocol::UDP))
        .iter()
        .any(|a| a.as_ref() == Some(from))
}

/// Answers `req` from the blockstore: the stored data shreds in range, to `to`.
fn serve(ctx: &ClusterContext, socket: &UdpSocket, req: Request, to: SocketAddr) {
    if !is_peer(ctx, &to) {
        debug!("repair: request from {to}, not a cluster member; ignored");
        return;
    }
    let Ok(shreds) = ctx.ledger.data_shreds(req.slot, u64::from(req.from)) else {
        return;
    };
    let mut sent = 0;
    for s in shreds
        .iter()
        .filter(|s| s.index() < req.to)
        .take(MAX_ANSWER_SHREDS)
    {
        if socket.send_to(s.payload(), to).is_ok() {
            sent += 1;
        }
    }
    debug!("repair: sent {sent} shreds of slot {} to {to}", req.slot);
}

/// Starts the repair thread on `socket`: serves requests and stores answers; slots that
/// received shreds go to `slots`.
pub fn start(
    socket: UdpSocket,
    ctx: Arc<ClusterContext>,
    slots: Sender<Slot>,
    exit: Arc<AtomicBool>,
) -> Result<JoinHandle<()>, CoreError> {
    super::tvu::serve_udp("ambRepair", "repair", socket, exit, move |socket, batch| {
        let mut shreds = Vec::new();
        for (bytes, from) in batch {
            match Request::decode(&bytes) {
                Some(req) => serve(&ctx, socket, req, from),
                None => shreds.push(bytes),
            }
        }
        shreds.is_empty()
            || ctx
                .accept(shreds, false)
                .into_iter()
                .all(|slot| slots.send(slot).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_other_bytes_are_not_requests() {
        let r = Request {
            slot: 77,
            from: 3,
            to: u32::MAX,
        };
        assert_eq!(Request::decode(&r.encode()), Some(r));
        assert_eq!(Request::decode(&r.encode()[..20]), None);
        assert_eq!(Request::decode(&[0u8; REQUEST_LEN]), None);
    }
}
