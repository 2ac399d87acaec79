//! The web console at `/`: a chat playground that streams answers and follows each answer's
//! receipt until it is verified or slashed, the live auction book, the LStake table and the
//! leader schedule, and the node's slot, root, TPS and roles. The page, its script and its style
//! are built into the binary (no build step, nothing fetched at run time).
//!
//! - `GET /`, `/console/app.js`, `/console/style.css`: the page.
//! - `GET /v1/console/state`: the node's state as one JSON object.
//! - `GET /v1/console/events`: server-sent events — `node` (with the next slots' leaders) at
//!   every refresh, `auctions` and `lstake` when they change. One poller per node reads the chain while anyone listens.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ambient_market::chain::Chain;
use ambient_pol::lstake::LSTAKE_ONE;
use ambient_sdk::auction::state::{Bid, Request, NO_PRICE};
use ambient_sdk::registry::lstake_table::{LStakeTable, LSTAKE_TABLE};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use solana_commitment_config::CommitmentConfig;
use solana_pubkey::Pubkey;
use tokio::sync::watch;

use crate::rate::Rates;

const INDEX_HTML: &str = include_str!("../console/index.html");
const APP_JS: &str = include_str!("../console/app.js");
const STYLE_CSS: &str = include_str!("../console/style.css");

/// Auctions the book lists (the newest).
pub const BOOK_LEN: usize = 50;
/// Upcoming slot leaders listed.
pub const UPCOMING_LEADERS: u64 = 16;

/// What the console shows about the node itself.
#[derive(Clone, Debug)]
pub struct ConsoleConfig {
    /// The node's JSON-RPC URL.
    pub rpc_url: String,
    /// The node's identity.
    pub identity: Pubkey,
    /// The roles the node runs (`leader`, `miner`, `verifier`, `api`).
    pub roles: Vec<String>,
    /// The model the chat API serves (`None`: no chat on this node).
    pub model: Option<String>,
    /// How often the chain is read while someone watches.
    pub refresh: Duration,
}

/// The node's state as the console shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    /// Slot, root, TPS, roles.
    pub node: NodeStatus,
    /// The newest auctions, newest first.
    pub auctions: Vec<AuctionView>,
    /// LStake and the leader schedule.
    pub lstake: LStakeView,
}

/// Slot, root, TPS and roles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeStatus {
    /// The node's identity.
    pub identity: String,
    /// The validator's version.
    pub version: String,
    /// Its roles.
    pub roles: Vec<String>,
    /// The chat model, if the node serves chat.
    pub model: Option<String>,
    /// The newest processed slot.
    pub slot: u64,
    /// The newest rooted slot.
    pub root: u64,
    /// The epoch.
    pub epoch: u64,
    /// The slot's index in its epoch.
    pub slot_index: u64,
    /// Slots in the epoch.
    pub slots_in_epoch: u64,
    /// Transactions processed since genesis.
    pub transactions: u64,
    /// Transactions per second over the last few seconds.
    pub tps: f64,
    /// Other nodes known through gossip.
    pub peers: usize,
    /// The next slots and their leaders.
    pub upcoming_leaders: Vec<SlotLeader>,
}

/// One auction of the book.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuctionView {
    /// The request account (the receipt id).
    pub address: String,
    /// `open`, `awarded`, `delivered`, `verifying`, `paid`, `slashed`, `timedout`, `unfilled`.
    pub state: String,
    /// See [`Request::verification`].
    pub verification: String,
    /// Who asked.
    pub requester: String,
    /// Most tokens.
    pub max_tokens: u32,
    /// Most paid, in lamports.
    pub max_price: u64,
    /// Slot of the request.
    pub created_slot: u64,
    /// Bids are taken before this slot.
    pub bid_end: u64,
    /// Reveals are taken before this slot.
    pub reveal_end: u64,
    /// The result is due before this slot.
    pub deadline: u64,
    /// The bids placed (sealed until revealed).
    pub bids: Vec<BidView>,
    /// Bid accounts still open (losing bids are withdrawn after settlement).
    pub open_bids: u32,
    /// Bids revealed.
    pub revealed: u32,
    /// The lowest revealed price.
    pub best_price: Option<u64>,
    /// The winning miner, once awarded.
    pub winner: Option<String>,
    /// What the winner is paid.
    pub price: Option<u64>,
    /// Tokens delivered.
    pub tokens: u32,
    /// Slot of the delivery.
    pub delivered_slot: Option<u64>,
}

/// A bid in the book.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BidView {
    /// The bidding miner.
    pub miner: String,
    /// Its price once revealed.
    pub price: Option<u64>,
}

/// The LStake table and the leader schedule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LStakeView {
    /// The epoch the table holds for.
    pub table_epoch: u64,
    /// The epoch of the leader schedule.
    pub schedule_epoch: u64,
    /// Every identity with LStake or leader slots, by LStake.
    pub entries: Vec<LStakeEntry>,
}

/// One identity's LStake and its share of the epoch's leader slots.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LStakeEntry {
    /// The identity.
    pub identity: String,
    /// Its LStake, a fraction of the whole network's (0..=1).
    pub lstake: f64,
    /// Slots it leads in the schedule's epoch.
    pub leader_slots: usize,
}

/// A slot and its leader.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlotLeader {
    /// The slot.
    pub slot: u64,
    /// Its leader.
    pub leader: String,
}

/// The console's state: its settings, the latest snapshot and the poller that makes it.
pub struct Console {
    config: ConsoleConfig,
    /// The node's RPC, kept across refreshes (one HTTP client, not one per refresh).
    chain: Chain,
    feed: watch::Sender<Option<Arc<Snapshot>>>,
    polling: AtomicBool,
    tps: Rates<1>,
    schedule: Mutex<Option<(u64, HashMap<String, usize>)>>,
}

type RpcError = solana_rpc_client_api::client_error::Error;

impl Console {
    /// A console for the node described by `config`.
    pub fn new(config: ConsoleConfig) -> Arc<Self> {
        Arc::new(Console {
            chain: Chain::new(&config.rpc_url),
            config,
            feed: watch::Sender::new(None),
            polling: AtomicBool::new(false),
            tps: Rates::new(Duration::from_secs(5)),
            schedule: Mutex::new(None),
        })
    }

    /// Reads the node's state from its RPC.
    pub fn read(&self) -> Result<Snapshot, String> {
        let chain = &self.chain;
        let rpc = chain.rpc();
        let e = |e: RpcError| e.to_string();
        let info = rpc.get_epoch_info().map_err(e)?;
        let root = rpc
            .get_slot_with_commitment(CommitmentConfig::finalized())
            .map_err(e)?;
        let transactions = match info.transaction_count {
            Some(n) => n,
            None => rpc.get_transaction_count().map_err(e)?,
        };
        let [tps] = self.tps.update([transactions]);
        let peers = rpc.get_cluster_nodes().map_err(e)?.len().saturating_sub(1);
        let node = NodeStatus {
            identity: self.config.identity.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            roles: self.config.roles.clone(),
            model: self.config.model.clone(),
            slot: info.absolute_slot,
            root,
            epoch: info.epoch,
            slot_index: info.slot_index,
            slots_in_epoch: info.slots_in_epoch,
            transactions,
            tps,
            peers,
            upcoming_leaders: upcoming_leaders(rpc, info.absolute_slot),
        };
        let requests = chain.requests().map_err(|e| e.to_string())?;
        let bids = chain.bids().map_err(|e| e.to_string())?;
        let auctions = book(requests, bids);
        let lstake = self.lstake(info.epoch, info.absolute_slot)?;
        Ok(Snapshot {
            node,
            auctions,
            lstake,
        })
    }

    fn lstake(&self, epoch: u64, slot: u64) -> Result<LStakeView, String> {
        let rpc = self.chain.rpc();
        let e = |e: RpcError| e.to_string();
        let table = match rpc
            .get_account_with_commitment(&LSTAKE_TABLE, CommitmentConfig::processed())
            .map_err(e)?
            .value
        {
            Some(acc) => LStakeTable::decode(&acc.data).map_err(|e| e.to_string())?,
            None => LStakeTable::default(),
        };
        // The schedule is fixed for an epoch: read it once per epoch.
        let mut cached = self.schedule.lock().unwrap_or_else(|p| p.into_inner());
        if cached.as_ref().is_none_or(|(ep, _)| *ep != epoch) {
            // A schedule the node cannot give yet is asked for again at the next refresh.
            match rpc.get_leader_schedule(Some(slot)) {
                Ok(schedule) => {
                    let counts = schedule
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, slots)| (k, slots.len()))
                        .collect();
                    *cached = Some((epoch, counts));
                }
                Err(err) => log::debug!("console: the leader schedule of epoch {epoch}: {err}"),
            }
        }
        let counts = cached
            .as_ref()
            .filter(|(ep, _)| *ep == epoch)
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        drop(cached);
        let mut all: BTreeMap<String, LStakeEntry> = BTreeMap::new();
        for (k, v) in &table.entries {
            all.insert(
                k.to_string(),
                LStakeEntry {
                    identity: k.to_string(),
                    lstake: *v as f64 / LSTAKE_ONE as f64,
                    leader_slots: 0,
                },
            );
        }
        for (k, n) in counts {
            all.entry(k.clone())
                .or_insert(LStakeEntry {
                    identity: k,
                    lstake: 0.0,
                    leader_slots: 0,
                })
                .leader_slots = n;
        }
        let mut entries: Vec<LStakeEntry> = all.into_values().collect();
        entries.sort_by(|a, b| {
            b.lstake
                .total_cmp(&a.lstake)
                .then(b.leader_slots.cmp(&a.leader_slots))
        });
        Ok(LStakeView {
            table_epoch: table.epoch,
            schedule_epoch: epoch,
            entries,
        })
    }

    /// A receiver of the snapshots; starts the poller if none is running.
    fn subscribe(self: &Arc<Self>) -> watch::Receiver<Option<Arc<Snapshot>>> {
        let rx = self.feed.subscribe();
        if !self.polling.swap(true, Ordering::SeqCst) {
            let me = self.clone();
            tokio::spawn(async move { me.poll().await });
        }
        rx
    }

    /// Refreshes the snapshot until nobody listens.
    async fn poll(self: Arc<Self>) {
        loop {
            let me = self.clone();
            match tokio::task::spawn_blocking(move || me.read()).await {
                Ok(Ok(s)) => {
                    self.feed.send_replace(Some(Arc::new(s)));
                }
                Ok(Err(e)) => log::debug!("console: reading the node's state: {e}"),
                Err(e) => log::warn!("console: the reader failed: {e}"),
            }
            tokio::time::sleep(self.config.refresh).await;
            if self.feed.receiver_count() == 0 {
                self.polling.store(false, Ordering::SeqCst);
                // A listener that came in meanwhile may have found the poller still marked on.
                if self.feed.receiver_count() == 0 || self.polling.swap(true, Ordering::SeqCst) {
                    return;
                }
            }
        }
    }
}

/// The leaders of the [`UPCOMING_LEADERS`] slots after `slot` (none while the node cannot say).
fn upcoming_leaders(rpc: &solana_rpc_client::rpc_client::RpcClient, slot: u64) -> Vec<SlotLeader> {
    rpc.get_slot_leaders(slot + 1, UPCOMING_LEADERS)
        .unwrap_or_else(|err| {
            log::debug!("console: the leaders after slot {slot}: {err}");
            Vec::new()
        })
        .into_iter()
        .enumerate()
        .map(|(i, k)| SlotLeader {
            slot: slot + 1 + i as u64,
            leader: k.to_string(),
        })
        .collect()
}

/// The newest [`BOOK_LEN`] auctions with their bids, newest first.
fn book(mut requests: Vec<(Pubkey, Request)>, bids: Vec<(Pubkey, Bid)>) -> Vec<AuctionView> {
    requests.sort_by(|a, b| b.1.created_slot.cmp(&a.1.created_slot).then(a.0.cmp(&b.0)));
    requests.truncate(BOOK_LEN);
    let mut by_request: HashMap<Pubkey, Vec<BidView>> = HashMap::new();
    for (_, b) in bids {
        by_request.entry(b.request).or_default().push(BidView {
            miner: b.miner.to_string(),
            price: b.revealed.then_some(b.price),
        });
    }
    let price = |p: u64| (p != NO_PRICE).then_some(p);
    let awarded = |k: &Pubkey| (*k != Pubkey::default()).then(|| k.to_string());
    requests
        .into_iter()
        .map(|(k, r)| {
            let mut bids = by_request.remove(&k).unwrap_or_default();
            bids.sort_by(|a, b| a.price.cmp(&b.price).then(a.miner.cmp(&b.miner)));
            let winner = awarded(&r.winner_miner);
            AuctionView {
                address: k.to_string(),
                state: format!("{:?}", r.state).to_lowercase(),
                verification: r.verification().to_string(),
                requester: r.requester.to_string(),
                max_tokens: r.max_tokens,
                max_price: r.max_price,
                created_slot: r.created_slot,
                bid_end: r.bid_end,
                reveal_end: r.reveal_end,
                deadline: r.deadline,
                bids,
                open_bids: r.bids,
                revealed: r.revealed,
                best_price: price(r.best_price),
                price: winner.as_ref().map(|_| r.price),
                winner,
                tokens: r.result.token_count,
                delivered_slot: (r.result.slot != 0).then_some(r.result.slot),
            }
        })
        .collect()
}

/// The console's routes.
pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML)))
        .route(
            "/console/app.js",
            get(|| asset("text/javascript; charset=utf-8", APP_JS)),
        )
        .route(
            "/console/style.css",
            get(|| asset("text/css; charset=utf-8", STYLE_CSS)),
        )
        .route("/v1/console/state", get(state))
        .route("/v1/console/events", get(events))
        .with_state(console)
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn state(State(c): State<Arc<Console>>) -> Response {
    match tokio::task::spawn_blocking(move || c.read()).await {
        Ok(Ok(s)) => Json(s).into_response(),
        Ok(Err(e)) => (
            StatusCode::BAD_GATEWAY,
            Json(
                serde_json::json!({"error": {"message": format!("reading the node's state: {e}")}}),
            ),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// What one listener was last sent.
#[derive(Default)]
struct Sent {
    auctions: Option<String>,
    lstake: Option<String>,
}

impl Sent {
    /// The events that bring a listener from what it was sent to `s`.
    fn events(&mut self, s: &Snapshot) -> Vec<Event> {
        let mut out = vec![Event::default().event("node").data(to_json(&s.node))];
        for (name, last, now) in [
            ("auctions", &mut self.auctions, to_json(&s.auctions)),
            ("lstake", &mut self.lstake, to_json(&s.lstake)),
        ] {
            if last.as_deref() != Some(now.as_str()) {
                out.push(Event::default().event(name).data(&now));
                *last = Some(now);
            }
        }
        out
    }
}

/// JSON text of a snapshot part (serialising these plain types cannot fail).
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

async fn events(State(c): State<Arc<Console>>) -> Response {
    let rx = c.subscribe();
    let events = futures_util::stream::unfold(
        (rx, Sent::default(), VecDeque::<Event>::new()),
        |(mut rx, mut sent, mut queue)| async move {
            loop {
                if let Some(e) = queue.pop_front() {
                    return Some((Ok::<Event, Infallible>(e), (rx, sent, queue)));
                }
                let snapshot = rx.borrow_and_update().clone();
                if let Some(s) = snapshot {
                    queue.extend(sent.events(&s));
                }
                if queue.is_empty() && rx.changed().await.is_err() {
                    return None;
                }
            }
        },
    );
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ambient_sdk::auction::state::{Committee, JobResult, RequestState, Sampling};

    fn request(slot: u64, state: RequestState) -> Request {
        Request {
            state,
            requester: Pubkey::new_unique(),
            model_id: [1; 32],
            prompt_hash: [2; 32],
            max_tokens: 16,
            sampling: Sampling {
                temperature: 0.0,
                top_k: 0,
                top_p: 1.0,
                seed: 0,
            },
            max_price: 5_000_000,
            created_slot: slot,
            bid_end: slot + 3,
            reveal_end: slot + 6,
            deadline: slot + 50,
            bids: 0,
            revealed: 0,
            best_bid: Pubkey::default(),
            best_miner: Pubkey::default(),
            best_price: NO_PRICE,
            second_price: NO_PRICE,
            winner: Pubkey::default(),
            price: 0,
            result: JobResult::default(),
            committee: Committee::default(),
            winner_miner: Pubkey::default(),
            audit_ppm: 1_000_000,
            audit: Default::default(),
            prompt_tokens: 1,
            appeal: Pubkey::default(),
            appealed: None,
        }
    }

    #[test]
    fn the_book_lists_the_newest_with_their_bids() {
        let mut requests: Vec<(Pubkey, Request)> = (0..BOOK_LEN as u64 + 5)
            .map(|s| (Pubkey::new_unique(), request(s, RequestState::Open)))
            .collect();
        let newest = requests.last().unwrap().0;
        let miner = Pubkey::new_unique();
        let (won, r) = &mut requests[BOOK_LEN];
        r.state = RequestState::Awarded;
        r.winner_miner = miner;
        r.price = 70;
        r.best_price = 60;
        let won = *won;
        let bid = |price: Option<u64>| Bid {
            revealed: price.is_some(),
            request: won,
            miner: Pubkey::new_unique(),
            commitment: [0; 32],
            price: price.unwrap_or(0),
            bond: 1,
            audit_ppm: 1_000_000,
        };
        let bids = vec![
            (Pubkey::new_unique(), bid(Some(70))),
            (Pubkey::new_unique(), bid(None)),
            (Pubkey::new_unique(), bid(Some(60))),
        ];
        let book = book(requests, bids);
        assert_eq!(book.len(), BOOK_LEN);
        assert_eq!(book[0].address, newest.to_string());
        assert!(book
            .windows(2)
            .all(|w| w[0].created_slot > w[1].created_slot));
        let a = book.iter().find(|a| a.address == won.to_string()).unwrap();
        assert_eq!(a.state, "awarded");
        assert_eq!(a.winner, Some(miner.to_string()));
        assert_eq!((a.best_price, a.price), (Some(60), Some(70)));
        let prices: Vec<_> = a.bids.iter().map(|b| b.price).collect();
        assert_eq!(prices, vec![None, Some(60), Some(70)]);
        let open = book.iter().find(|a| a.address != won.to_string()).unwrap();
        assert_eq!(
            (open.winner.as_deref(), open.price, open.best_price),
            (None, None, None)
        );
        assert!(open.bids.is_empty());
    }

    #[test]
    fn listeners_get_changes_only() {
        let snapshot = Snapshot {
            node: NodeStatus {
                identity: "x".into(),
                version: "0".into(),
                roles: vec![],
                model: None,
                slot: 1,
                root: 0,
                epoch: 0,
                slot_index: 1,
                slots_in_epoch: 32,
                transactions: 1,
                tps: 0.0,
                peers: 0,
                upcoming_leaders: vec![],
            },
            auctions: vec![],
            lstake: LStakeView {
                table_epoch: 0,
                schedule_epoch: 0,
                entries: vec![],
            },
        };
        let mut sent = Sent::default();
        assert_eq!(sent.events(&snapshot).len(), 3);
        assert_eq!(sent.events(&snapshot).len(), 1, "only the node's status");
        let mut next = snapshot.clone();
        next.auctions = book(
            vec![(Pubkey::new_unique(), request(3, RequestState::Open))],
            vec![],
        );
        assert_eq!(sent.events(&next).len(), 2, "the node and the book");
    }
}
