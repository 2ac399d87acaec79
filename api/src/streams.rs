//! Live token streams from miners to requesters. The winning miner pushes each token as it
//! generates it (`POST /v1/streams/{auction}`, signed with its identity); the node relays them to
//! the requester's server-sent events at once. The stream is a preview: the output delivered on
//! chain (and verified) is what counts, and the relay checks the two agree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ambient_market::chain::Chain;
use ambient_market::stream::{push_message, Push};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use tokio::sync::watch;

/// How long an idle stream is kept.
const KEEP: Duration = Duration::from_secs(600);

/// What a stream holds so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Tokens so far.
    pub tokens: Vec<u32>,
    /// Generation ended.
    pub done: bool,
}

struct Entry {
    tx: watch::Sender<Snapshot>,
    miner: Option<(Pubkey, u32)>,
    touched: Instant,
}

/// Every live stream on this node.
#[derive(Default)]
pub struct StreamHub {
    streams: Mutex<HashMap<Pubkey, Entry>>,
}

impl StreamHub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Pubkey, Entry>> {
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Follows the stream of `auction` (created if no push has come yet).
    pub fn subscribe(&self, auction: &Pubkey) -> watch::Receiver<Snapshot> {
        let mut s = self.lock();
        s.retain(|_, e| e.touched.elapsed() < KEEP);
        s.entry(*auction)
            .or_insert_with(|| Entry {
                tx: watch::channel(Snapshot::default()).0,
                miner: None,
                touched: Instant::now(),
            })
            .tx
            .subscribe()
    }

    fn apply(&self, auction: &Pubkey, miner: (Pubkey, u32), p: &Push) -> Result<(), String> {
        let mut s = self.lock();
        let e = s.entry(*auction).or_insert_with(|| Entry {
            tx: watch::channel(Snapshot::default()).0,
            miner: None,
            touched: Instant::now(),
        });
        e.miner = Some(miner);
        e.touched = Instant::now();
        let mut err = None;
        e.tx.send_if_modified(|snap| {
            if snap.done {
                err = Some("the stream has ended".to_string());
                return false;
            }
            if p.start as usize != snap.tokens.len() {
                err = Some(format!(
                    "push starts at {}, the stream is at {}",
                    p.start,
                    snap.tokens.len()
                ));
                return false;
            }
            if snap.tokens.len() + p.tokens.len() > miner.1 as usize {
                err = Some(format!("more than the request's {} tokens", miner.1));
                return false;
            }
            snap.tokens.extend_from_slice(&p.tokens);
            snap.done = p.done;
            true
        });
        err.map_or(Ok(()), Err)
    }

    fn miner_of(&self, auction: &Pubkey) -> Option<(Pubkey, u32)> {
        self.lock().get(auction).and_then(|e| e.miner)
    }
}

/// The push route over `hub`; `rpc_url` is the node's JSON-RPC (to learn each auction's winner).
pub fn router(hub: Arc<StreamHub>, rpc_url: String) -> Router {
    Router::new()
        .route("/v1/streams/{auction}", post(push))
        .with_state((hub, Arc::new(rpc_url)))
}

fn refuse(status: StatusCode, msg: String) -> Response {
    (
        status,
        Json(json!({"error": {"message": msg, "type": "invalid_request_error"}})),
    )
        .into_response()
}

async fn push(
    State((hub, rpc_url)): State<(Arc<StreamHub>, Arc<String>)>,
    Path(auction): Path<String>,
    Json(p): Json<Push>,
) -> Response {
    let Ok(auction) = auction.parse::<Pubkey>() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("{auction:?} is not an auction address"),
        );
    };
    let miner = match hub.miner_of(&auction) {
        Some(m) => m,
        None => {
            let url = rpc_url.clone();
            let found =
                tokio::task::spawn_blocking(move || Chain::new(&url).request(&auction)).await;
            match found {
                Ok(Ok(Some(r))) if r.winner_miner != Pubkey::default() => {
                    (r.winner_miner, r.max_tokens)
                }
                Ok(Ok(_)) => {
                    return refuse(
                        StatusCode::NOT_FOUND,
                        format!("no awarded auction at {auction}"),
                    )
                }
                Ok(Err(e)) => return refuse(StatusCode::BAD_GATEWAY, e.to_string()),
                Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        }
    };
    let Ok(sig) = p.signature.parse::<Signature>() else {
        return refuse(StatusCode::BAD_REQUEST, "signature is not base58".into());
    };
    if !sig.verify(
        miner.0.as_ref(),
        &push_message(&auction, p.start, &p.tokens, p.done),
    ) {
        return refuse(
            StatusCode::FORBIDDEN,
            format!("not signed by the auction's miner {}", miner.0),
        );
    }
    match hub.apply(&auction, miner, &p) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refuse(StatusCode::CONFLICT, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_must_continue_the_stream_and_stop_at_the_limit() {
        let hub = StreamHub::default();
        let auction = Pubkey::new_unique();
        let miner = (Pubkey::new_unique(), 3);
        let push = |start, tokens: &[u32], done| Push {
            start,
            tokens: tokens.to_vec(),
            done,
            signature: String::new(),
        };
        let rx = hub.subscribe(&auction);
        hub.apply(&auction, miner, &push(0, &[5, 6], false))
            .unwrap();
        assert!(
            hub.apply(&auction, miner, &push(0, &[7], false)).is_err(),
            "replayed"
        );
        assert!(
            hub.apply(&auction, miner, &push(2, &[7, 8], false))
                .is_err(),
            "over the limit"
        );
        hub.apply(&auction, miner, &push(2, &[7], true)).unwrap();
        assert!(
            hub.apply(&auction, miner, &push(3, &[], true)).is_err(),
            "after the end"
        );
        assert_eq!(
            *rx.borrow(),
            Snapshot {
                tokens: vec![5, 6, 7],
                done: true
            }
        );
        assert_eq!(hub.miner_of(&auction), Some(miner));
    }

    #[test]
    fn the_signature_covers_every_field() {
        use solana_keypair::Keypair;
        use solana_signer::Signer;
        let k = Keypair::new();
        let a = Pubkey::new_unique();
        let p = Push::signed(&k, &a, 4, &[1, 2], false);
        let sig: Signature = p.signature.parse().unwrap();
        assert!(sig.verify(k.pubkey().as_ref(), &push_message(&a, 4, &[1, 2], false)));
        assert!(!sig.verify(k.pubkey().as_ref(), &push_message(&a, 4, &[1, 3], false)));
        assert!(!sig.verify(k.pubkey().as_ref(), &push_message(&a, 5, &[1, 2], false)));
        assert!(!sig.verify(k.pubkey().as_ref(), &push_message(&a, 4, &[1, 2], true)));
    }
}
