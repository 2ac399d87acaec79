//! The blob store over HTTP.
//!
//! - `POST /v1/blobs[?ttl=SECONDS]`: stores the body (sent as `application/octet-stream`, so a
//!   web page of another origin cannot post one without a CORS preflight); `201` with
//!   `{"id", "size", "expires_at"}`. Signed by its uploader ([`crate::auth`]): the node's own
//!   keys (`trusted`) store as the node, any other key within its quota
//!   ([`crate::store::Owner`]).
//! - `PUT /v1/blobs/{id}[?ttl=SECONDS]`: the same, refusing a body that does not hash to `id`.
//! - `GET /v1/blobs/{id}` (and `HEAD`): the bytes (`application/octet-stream`). A blob this node
//!   does not hold is fetched from its peers, checked against its id, kept, and served. `404`
//!   when no peer has it; `503` when it has peers and none of them answered (the miss says
//!   nothing about the blob, so a verifier abstains rather than call it withheld).
//! - `GET /v1/blobs`: `{"count", "used", "limit"}`.
//!
//! Errors are JSON `{"error": "..."}`: `400` bad id, hash mismatch or ttl, `401` an upload
//! without its uploader's valid signature, `404` unknown, `413` over the size limit, `415` a POST
//! body of another content type, `429` over the uploader's quota, `507` store (or the share of
//! other uploaders) full, `500` disk trouble.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use log::{info, warn};
use serde::Deserialize;

use crate::client::BlobClient;
use crate::error::BlobError;
use crate::id::BlobId;
use crate::store::{check_id, now_secs, BlobStore, Owner};

/// Set on requests between peers, so a miss is not forwarded again.
pub const HOP_HEADER: &str = "x-ambient-blob-hop";

/// How often expired blobs are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

#[derive(Clone)]
struct AppState {
    store: Arc<BlobStore>,
    peers: Arc<Vec<BlobClient>>,
    /// Uploaders whose blobs are the node's own.
    trusted: Arc<HashSet<[u8; 32]>>,
}

#[derive(Deserialize)]
struct TtlQuery {
    ttl: Option<u64>,
}

fn status_of(e: &BlobError) -> StatusCode {
    match e {
        BlobError::BadId(_) | BlobError::HashMismatch { .. } | BlobError::BadTtl { .. } => {
            StatusCode::BAD_REQUEST
        }
        BlobError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        BlobError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        BlobError::OverQuota { .. } => StatusCode::TOO_MANY_REQUESTS,
        BlobError::Full { .. } | BlobError::ForeignFull { .. } => StatusCode::INSUFFICIENT_STORAGE,
        BlobError::Corrupt(_) | BlobError::Io(_) | BlobError::Http(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

fn error(status: StatusCode, msg: String) -> Response {
    (status, Json(serde_json::json!({ "error": msg }))).into_response()
}

fn refuse(e: BlobError) -> Response {
    error(status_of(&e), e.to_string())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e.to_string())))?
}

/// The content type blob bodies are sent as.
pub const BLOB_CONTENT_TYPE: &str = "application/octet-stream";

/// Checks that a request's `Content-Type` is the media type `media` (case-insensitive, parameters
/// such as `charset` aside); otherwise returns what it sent (`none` without the header).
pub fn require_media_type(headers: &HeaderMap, media: &str) -> Result<(), String> {
    let sent = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none");
    let named = sent.split(';').next().unwrap_or("").trim();
    if named.eq_ignore_ascii_case(media) {
        Ok(())
    } else {
        Err(sent.to_string())
    }
}

async fn post_blob(
    State(s): State<AppState>,
    Query(q): Query<TtlQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(sent) = require_media_type(&headers, BLOB_CONTENT_TYPE) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("a blob is posted as Content-Type: {BLOB_CONTENT_TYPE}, not {sent}"),
        );
    }
    let id = BlobId::of(&body);
    upload(s, id, q.ttl, &headers, body).await
}

async fn put_blob(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TtlQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let id: BlobId = match id.parse() {
        Ok(id) => id,
        Err(e) => return refuse(e),
    };
    if let Err(e) = check_id(&id, &body) {
        return refuse(e);
    }
    upload(s, id, q.ttl, &headers, body).await
}

/// Stores `body` (blob `id`) for its signed uploader: as the node's own when the uploader is
/// trusted, within the uploader's quota otherwise.
async fn upload(
    s: AppState,
    id: BlobId,
    ttl: Option<u64>,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let now = now_secs();
    let signer = match crate::auth::uploader(headers, &id, ttl.unwrap_or(0), now) {
        Ok(k) => k,
        Err(e) => return refuse(e),
    };
    let owner = match s.trusted.contains(&signer) {
        true => Owner::Node,
        false => Owner::Uploader(signer),
    };
    let store = s.store.clone();
    match blocking(move || store.put_as(&body, ttl, owner, now)).await {
        Ok(stored) => (StatusCode::CREATED, Json(stored)).into_response(),
        Err(e) => refuse(e),
    }
}

async fn get_blob(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let id: BlobId = match id.parse() {
        Ok(id) => id,
        Err(e) => return refuse(e),
    };
    let store = s.store.clone();
    match blocking(move || store.get(&id)).await {
        Ok(Some(data)) => return octets(data),
        Ok(None) => {}
        Err(e) => return refuse(e),
    }
    if headers.contains_key(HOP_HEADER) {
        return error(StatusCode::NOT_FOUND, format!("no blob {id}"));
    }
    // A miss is an answer only if some peer gave one: when none could be reached, this node
    // cannot tell a withheld blob from its own lost connectivity, and says so (503).
    let mut answered = s.peers.is_empty();
    for peer in s.peers.iter() {
        match peer.get_hop(&id).await {
            Ok(Some(data)) => {
                let store = s.store.clone();
                let kept = data.clone();
                if let Err(e) = blocking(move || store.put(&kept, None)).await {
                    warn!("blob {id} from {}: not kept: {e}", peer.base());
                }
                return octets(data);
            }
            Ok(None) => answered = true,
            Err(e) => warn!("blob {id} from {}: {e}", peer.base()),
        }
    }
    if !answered {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "no blob {id} here, and none of the {} peers answered",
                s.peers.len()
            ),
        );
    }
    error(StatusCode::NOT_FOUND, format!("no blob {id}"))
}

async fn usage(State(s): State<AppState>) -> Response {
    Json(s.store.usage()).into_response()
}

fn octets(data: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/octet-stream")], data).into_response()
}

/// The blob API as an axum router over `store`, fetching misses from `peers` (base URLs); the
/// uploads of `trusted` keys (the node's own) are the node's.
pub fn router(store: Arc<BlobStore>, peers: &[String], trusted: &[[u8; 32]]) -> Router {
    let max = store.limits().max_blob as usize;
    let state = AppState {
        store,
        peers: Arc::new(peers.iter().map(|p| BlobClient::new(p)).collect()),
        trusted: Arc::new(trusted.iter().copied().collect()),
    };
    Router::new()
        .route("/v1/blobs", post(post_blob).get(usage))
        .route("/v1/blobs/{id}", get(get_blob).put(put_blob))
        .layer(DefaultBodyLimit::max(max))
        .with_state(state)
}

/// The blob server running on its own thread.
pub struct BlobServer {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BlobServer {
    /// Binds `addr` and serves `store` (sweeping expired blobs every minute); `trusted` keys
    /// upload as the node.
    pub fn start(
        store: Arc<BlobStore>,
        addr: SocketAddr,
        peers: &[String],
        trusted: &[[u8; 32]],
    ) -> Result<BlobServer, BlobError> {
        let app = router(store.clone(), peers, trusted);
        Self::start_app(std::net::TcpListener::bind(addr)?, store, app)
    }

    /// Serves `app` — a node's whole HTTP API, [`router`] over `store` included — on a bound
    /// listener, sweeping `store`'s expired blobs. Handlers can read the client's address
    /// (`ConnectInfo<SocketAddr>`).
    pub fn start_app(
        listener: std::net::TcpListener,
        store: Arc<BlobStore>,
        app: Router,
    ) -> Result<BlobServer, BlobError> {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ambBlobs")
            .enable_all()
            .build()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ambBlobs".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            warn!("blob server: {e}");
                            return;
                        }
                    };
                    let sweeper = tokio::spawn(async move {
                        let mut tick = tokio::time::interval(SWEEP_EVERY);
                        loop {
                            tick.tick().await;
                            let store = store.clone();
                            let _ = tokio::task::spawn_blocking(move || {
                                let n = store.sweep_at(now_secs());
                                if n > 0 {
                                    info!("blob store: {n} expired blobs removed");
                                }
                            })
                            .await;
                        }
                    });
                    crate::serve::serve(listener, app, rx).await;
                    sweeper.abort();
                });
            })?;
        info!("HTTP API on http://{addr} (blob store at /v1/blobs)");
        Ok(BlobServer {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The base URL clients use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and joins the thread.
    pub fn join(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for BlobServer {
    fn drop(&mut self) {
        self.stop();
    }
}
