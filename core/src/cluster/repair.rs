//! Repair: a node asks a peer for the data shreds of a slot it misses (a slot whose shreds did
//! not all arrive, or the parent of a slot it cannot replay), and serves the same requests from
//! its own blockstore. Requests and answers travel on the repair UDP port; answers are ordinary
//! shreds, checked against the slot leader's signature like those from the TVU.
//!
//! Request: magic `AMBREP1\0` · slot u64 · first index u32 · end index u32 (exclusive) · and,
//! optionally, ancestors u8, little endian. With ancestors, the answer continues with the whole
//! stored blocks of the slot's parent, its parent, … (that many, within the answer's budget): a
//! node missing a chain of blocks (an orphaned fork) learns several links per round trip, not one.

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
/// Size of a request without ancestors.
pub const REQUEST_LEN: usize = 8 + 8 + 4 + 4;
/// Size of a request with ancestors.
pub const REQUEST_WITH_ANCESTORS_LEN: usize = REQUEST_LEN + 1;
/// Most shreds one answer sends.
pub const MAX_ANSWER_SHREDS: usize = 1024;
/// Most ancestors one answer follows.
pub const MAX_ANCESTORS: u8 = 16;

/// A request for the data shreds `from..to` of `slot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The slot.
    pub slot: Slot,
    /// First shred index wanted.
    pub from: u32,
    /// One past the last index wanted (`u32::MAX`: all).
    pub to: u32,
    /// Whole stored ancestors to send after the slot (parent first), up to [`MAX_ANCESTORS`].
    pub ancestors: u8,
}

impl Request {
    /// Wire form (the short form when no ancestors are asked for, as older nodes send).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(REQUEST_WITH_ANCESTORS_LEN);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.slot.to_le_bytes());
        b.extend_from_slice(&self.from.to_le_bytes());
        b.extend_from_slice(&self.to.to_le_bytes());
        if self.ancestors > 0 {
            b.push(self.ancestors);
        }
        b
    }

    /// Parses a request (`None` for anything else, such as a shred).
    pub fn decode(b: &[u8]) -> Option<Request> {
        if !(b.len() == REQUEST_LEN || b.len() == REQUEST_WITH_ANCESTORS_LEN) || &b[..8] != MAGIC {
            return None;
        }
        Some(Request {
            slot: u64::from_le_bytes(b[8..16].try_into().ok()?),
            from: u32::from_le_bytes(b[16..20].try_into().ok()?),
            to: u32::from_le_bytes(b[20..24].try_into().ok()?),
            ancestors: b.get(REQUEST_LEN).copied().unwrap_or(0),
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

/// The answer to `req` from `ledger`: the stored data shreds of the slot in range, then those of
/// its stored ancestors (parent first, at most `req.ancestors`, capped at [`MAX_ANCESTORS`]), in
/// all at most [`MAX_ANSWER_SHREDS`].
pub fn answer(ledger: &ambient_ledger::Ledger, req: Request) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let Ok(shreds) = ledger.data_shreds(req.slot, u64::from(req.from)) else {
        return out;
    };
    out.extend(
        shreds
            .iter()
            .filter(|s| s.index() < req.to)
            .take(MAX_ANSWER_SHREDS)
            .map(|s| s.payload().to_vec()),
    );
    let mut slot = req.slot;
    for _ in 0..req.ancestors.min(MAX_ANCESTORS) {
        let Some(parent) = ledger.parent_of(slot).filter(|p| *p < slot) else {
            break;
        };
        let Ok(shreds) = ledger.data_shreds(parent, 0) else {
            break;
        };
        if shreds.is_empty() {
            break;
        }
        let room = MAX_ANSWER_SHREDS - out.len();
        out.extend(shreds.iter().take(room).map(|s| s.payload().to_vec()));
        if out.len() >= MAX_ANSWER_SHREDS {
            break;
        }
        slot = parent;
    }
    out
}

/// Answers `req` from the blockstore, to `to`.
fn serve(ctx: &ClusterContext, socket: &UdpSocket, req: Request, to: SocketAddr) {
    if !is_peer(ctx, &to) {
        debug!("repair: request from {to}, not a cluster member; ignored");
        return;
    }
    let shreds = answer(&ctx.ledger, req);
    let sent = shreds
        .iter()
        .filter(|s| socket.send_to(s, to).is_ok())
        .count();
    debug!(
        "repair: sent {sent} shreds of slot {} (and up to {} ancestors) to {to}",
        req.slot, req.ancestors
    );
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

    use solana_keypair::Keypair;

    #[test]
    fn requests_round_trip_and_other_bytes_are_not_requests() {
        let mut r = Request {
            slot: 77,
            from: 3,
            to: u32::MAX,
            ancestors: 0,
        };
        assert_eq!(
            r.encode().len(),
            REQUEST_LEN,
            "the short form, as older nodes send"
        );
        assert_eq!(Request::decode(&r.encode()), Some(r));
        r.ancestors = 9;
        assert_eq!(r.encode().len(), REQUEST_WITH_ANCESTORS_LEN);
        assert_eq!(Request::decode(&r.encode()), Some(r));
        assert_eq!(Request::decode(&r.encode()[..20]), None);
        assert_eq!(Request::decode(&[0u8; REQUEST_LEN]), None);
    }

    /// A ledger holding the chain 0 ← 1 ← … ← `last`, except `gap`; each block `per_slot` ticks
    /// (several data shreds when large).
    fn chain(
        last: u64,
        gap: Option<u64>,
        per_slot: u64,
    ) -> (tempfile::TempDir, ambient_ledger::Ledger) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = ambient_ledger::Ledger::open(dir.path(), 1).unwrap();
        let leader = Keypair::new();
        let mut hash = solana_hash::Hash::default();
        for slot in 1..=last {
            let entries = solana_entry::entry::create_ticks(per_slot, 1, hash);
            hash = entries.last().unwrap().hash;
            if Some(slot) != gap {
                let parent = if Some(slot - 1) == gap {
                    slot - 2
                } else {
                    slot - 1
                };
                ledger.write_slot(slot, parent, &entries, &leader).unwrap();
            }
        }
        (dir, ledger)
    }

    fn slots_of(answer: &[Vec<u8>]) -> Vec<u64> {
        let mut slots: Vec<u64> = answer
            .iter()
            .map(|b| {
                solana_ledger::shred::Shred::new_from_serialized_shred(b.clone())
                    .unwrap()
                    .slot()
            })
            .collect();
        slots.dedup();
        slots
    }

    #[test]
    fn an_answer_follows_the_parents_of_the_slot_asked_for() {
        let (_dir, ledger) = chain(6, None, 4);
        let ask = |slot, ancestors| Request {
            slot,
            from: 0,
            to: u32::MAX,
            ancestors,
        };
        assert_eq!(slots_of(&answer(&ledger, ask(6, 0))), [6]);
        assert_eq!(slots_of(&answer(&ledger, ask(6, 3))), [6, 5, 4, 3]);
        // Whole blocks: every data shred of each ancestor.
        let whole = |slot| ledger.data_shreds(slot, 0).unwrap().len();
        assert_eq!(
            answer(&ledger, ask(6, 2)).len(),
            whole(6) + whole(5) + whole(4)
        );
        // The chain ends at the first block (slot 0 holds nothing here).
        assert_eq!(slots_of(&answer(&ledger, ask(3, 10))), [3, 2, 1]);
        // A slot not stored: nothing.
        assert!(answer(&ledger, ask(9, 4)).is_empty());
    }

    #[test]
    fn an_answer_follows_skipped_slots_and_stops_at_the_budget() {
        // Slot 3 was skipped: 4's parent is 2.
        let (_dir, ledger) = chain(5, Some(3), 4);
        let ask = Request {
            slot: 5,
            from: 0,
            to: u32::MAX,
            ancestors: 2,
        };
        assert_eq!(slots_of(&answer(&ledger, ask)), [5, 4, 2]);
        // Large blocks: the budget caps the answer, ancestors or not.
        let (_dir, ledger) = chain(4, None, 20_000);
        let per_block = ledger.data_shreds(4, 0).unwrap().len();
        assert!(
            per_block > MAX_ANSWER_SHREDS / 3,
            "{per_block} shreds per block"
        );
        let all = answer(
            &ledger,
            Request {
                slot: 4,
                ancestors: MAX_ANCESTORS,
                ..ask
            },
        );
        assert_eq!(all.len(), MAX_ANSWER_SHREDS.min(4 * per_block));
    }
}
