//! A node among others: shreds broadcast along the Turbine tree and received on the TVU port,
//! missing shreds repaired from peers, transactions and votes forwarded to the upcoming leaders.
//! The nodes find each other through gossip (`ClusterInfo`).

pub mod forward;
pub mod repair;
pub mod turbine;
pub mod tvu;

use std::collections::HashSet;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use ambient_ledger::Ledger;
use log::debug;
use solana_clock::Slot;
use solana_gossip::cluster_info::ClusterInfo;
use solana_gossip::contact_info::Protocol;
use solana_keypair::Keypair;
use solana_ledger::leader_schedule_cache::LeaderScheduleCache;
use solana_ledger::shred::{Shred, ShredId};
use solana_pubkey::Pubkey;
use solana_runtime::bank_forks::BankForks;
use solana_signer::Signer;

/// Shred ids remembered for de-duplication before the set is cleared.
const SEEN_CAPACITY: usize = 200_000;

/// What the cluster services share.
pub struct ClusterContext {
    /// This node's identity.
    pub identity: Arc<Keypair>,
    /// Gossip's view of the cluster.
    pub cluster_info: Arc<ClusterInfo>,
    /// The ledger shreds go into.
    pub ledger: Arc<Ledger>,
    /// The banks (the root weighs the fan-out and names slot leaders).
    pub bank_forks: Arc<RwLock<BankForks>>,
    /// The leader schedules (a shred must be signed by its slot's leader).
    pub leader_schedule: Arc<LeaderScheduleCache>,
    /// The cluster's shred version.
    pub shred_version: u16,
    /// Turbine fan-out.
    pub fanout: usize,
    /// The socket shreds are sent from (broadcast and retransmit).
    pub send_socket: UdpSocket,
    seen: Mutex<HashSet<ShredId>>,
    /// The highest slot of a shred signed by a validator with LStake (even one this node cannot
    /// check against its slot's leader yet: a node far behind learns how far).
    highest_seen: AtomicU64,
}

impl std::fmt::Debug for ClusterContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterContext")
            .field("identity", &self.identity.pubkey())
            .finish()
    }
}

impl ClusterContext {
    /// The shared context.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        identity: Arc<Keypair>,
        cluster_info: Arc<ClusterInfo>,
        ledger: Arc<Ledger>,
        bank_forks: Arc<RwLock<BankForks>>,
        leader_schedule: Arc<LeaderScheduleCache>,
        shred_version: u16,
        fanout: usize,
        send_socket: UdpSocket,
    ) -> Self {
        ClusterContext {
            identity,
            cluster_info,
            ledger,
            bank_forks,
            leader_schedule,
            shred_version,
            fanout,
            send_socket,
            seen: Mutex::new(HashSet::new()),
            highest_seen: AtomicU64::new(0),
        }
    }

    /// The leader of `slot` (`None` for a slot of an epoch whose schedule is not known yet).
    pub fn slot_leader(&self, slot: Slot) -> Option<Pubkey> {
        let root = self.bank_forks.read().expect("bank forks").root_bank();
        self.leader_schedule
            .slot_leader_at(slot, Some(&root))
            .map(|l| l.id)
    }

    /// Other nodes of this cluster with their TVU address and LStake (gossip's view).
    pub fn peers(&self) -> Vec<(Pubkey, SocketAddr, u64)> {
        let root = self.bank_forks.read().expect("bank forks").root_bank();
        let staked = root.epoch_staked_nodes(root.epoch()).unwrap_or_default();
        self.cluster_info
            .tvu_peers(|ci| (*ci.pubkey(), ci.tvu(Protocol::UDP)))
            .into_iter()
            .filter_map(|(id, addr)| Some((id, addr?, staked.get(&id).copied().unwrap_or(0))))
            .collect()
    }

    /// Takes `slot` as seen (what an entrypoint reports of the cluster).
    pub fn hint_slot(&self, slot: Slot) {
        self.highest_seen.fetch_max(slot, Ordering::Relaxed);
    }

    /// The highest slot seen in a validator-signed shred.
    pub fn highest_seen(&self) -> Slot {
        self.highest_seen.load(Ordering::Relaxed)
    }

    /// Whether `shred` is signed by one of the identities staked (by LStake) in the root's epoch
    /// or the next.
    fn signed_by_a_validator(&self, shred: &Shred) -> bool {
        let root = self.bank_forks.read().expect("bank forks").root_bank();
        [root.epoch(), root.epoch() + 1]
            .into_iter()
            .filter_map(|e| root.epoch_staked_nodes(e))
            .any(|nodes| nodes.iter().any(|(id, w)| *w > 0 && shred.verify(id)))
    }

    /// Whether the shred was seen before (and remembers it).
    fn seen(&self, id: ShredId) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= SEEN_CAPACITY {
            seen.clear();
        }
        !seen.insert(id)
    }

    /// Sends `shreds` of a slot led by `leader` to this node's children in each shred's tree
    /// (all of them when this node is the leader).
    pub fn fan_out(&self, leader: &Pubkey, shreds: &[Shred]) {
        let me = self.identity.pubkey();
        let mut peers = self.peers();
        peers.retain(|(id, _, _)| id != leader);
        // This node is in the order too (gossip lists only the others).
        if me != *leader {
            peers.push((me, SocketAddr::from(([0, 0, 0, 0], 0)), 0));
        }
        let weights: Vec<(Pubkey, u64)> = peers.iter().map(|(id, _, w)| (*id, *w)).collect();
        let addrs: std::collections::HashMap<Pubkey, SocketAddr> =
            peers.iter().map(|(id, a, _)| (*id, *a)).collect();
        let mut sent = 0usize;
        for shred in shreds {
            let order = turbine::shuffle(&shred.id().seed(leader), &weights);
            for child in turbine::children(&order, &me, leader, self.fanout) {
                if *child == me {
                    continue;
                }
                if let Some(addr) = addrs.get(child) {
                    if self.send_socket.send_to(shred.payload(), addr).is_ok() {
                        sent += 1;
                    }
                }
            }
        }
        if sent > 0 {
            debug!("sent {sent} shred packets ({} shreds)", shreds.len());
        }
    }

    /// Checks, stores and (from the TVU) passes on received shred packets. Returns the slots
    /// that received new shreds.
    pub fn accept(&self, packets: Vec<Vec<u8>>, retransmit: bool) -> Vec<Slot> {
        let me = self.identity.pubkey();
        let root = self.bank_forks.read().expect("bank forks").root();
        let mut fresh: Vec<Shred> = Vec::new();
        for bytes in packets {
            let Ok(shred) = Shred::new_from_serialized_shred(bytes) else {
                continue;
            };
            if shred.version() != self.shred_version || shred.slot() <= root {
                continue;
            }
            let Some(leader) = self.slot_leader(shred.slot()) else {
                // An epoch this node has no schedule for yet: only a hint of how far the
                // cluster is, if a validator with LStake signed it.
                if self.signed_by_a_validator(&shred) {
                    self.highest_seen.fetch_max(shred.slot(), Ordering::Relaxed);
                }
                continue;
            };
            if leader == me || !shred.verify(&leader) || shred.sanitize().is_err() {
                continue;
            }
            self.highest_seen.fetch_max(shred.slot(), Ordering::Relaxed);
            // The Turbine path passes each shred on once; repair answers are stored as they
            // come (the blockstore ignores duplicates).
            if retransmit && self.seen(shred.id()) {
                continue;
            }
            fresh.push(shred);
        }
        if fresh.is_empty() {
            return Vec::new();
        }
        if retransmit {
            // Grouped by slot leader (shreds of one batch usually share it).
            let mut by_leader: std::collections::HashMap<Pubkey, Vec<Shred>> = Default::default();
            for s in &fresh {
                if let Some(l) = self.slot_leader(s.slot()) {
                    by_leader.entry(l).or_default().push(s.clone());
                }
            }
            for (leader, shreds) in by_leader {
                self.fan_out(&leader, &shreds);
            }
        }
        let mut slots: Vec<Slot> = fresh.iter().map(|s| s.slot()).collect();
        slots.sort_unstable();
        slots.dedup();
        if let Err(e) = self.ledger.insert_received(fresh) {
            log::warn!("storing received shreds: {e}");
        }
        slots
    }
}

/// Receive buffer asked for on the cluster's UDP sockets (the kernel caps it at `rmem_max`): a
/// slot's shreds, or a repair answer, arrive in one burst.
pub const RECV_BUFFER: usize = 8 << 20;

/// Enlarges `socket`'s receive buffer to [`RECV_BUFFER`] (as far as the kernel allows).
pub fn enlarge_recv_buffer(socket: &UdpSocket) {
    let s = socket2::SockRef::from(socket);
    if let Err(e) = s.set_recv_buffer_size(RECV_BUFFER) {
        log::warn!("cannot enlarge a UDP receive buffer: {e}");
    }
}
