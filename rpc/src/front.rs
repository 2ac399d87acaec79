//! The public JSON-RPC endpoint. Every request within the limits ([`RpcLimits`]: body size,
//! batch length, requests per second per client address) goes unchanged to `solana-rpc`'s
//! service on an internal loopback port; the answer to `getVersion` also names Ambient
//! (`"ambient": "<version>"` next to Solana's `solana-core` and `feature-set`, which clients keep
//! reading as before). A request over a limit gets a JSON-RPC error with an HTTP 413 / 400 / 429.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use ambient_limits::{Limiter, RateLimit};
use hyper::body::HttpBody;
use hyper::header::{CONTENT_TYPE, RETRY_AFTER};
use hyper::server::conn::AddrStream;

use hyper::body::{to_bytes, Body};
use hyper::client::HttpConnector;
use hyper::header::{CONTENT_LENGTH, HOST};
use hyper::service::{make_service_fn, service_fn};
use hyper::{Client, Request, Response, Server, StatusCode};
use log::warn;
use serde_json::Value;

use crate::RpcError;

/// Largest request body accepted by default (the same limit `solana-rpc` applies).
pub const MAX_REQUEST_BODY: u64 = 50 * (1 << 20);
/// Most calls in one batch request by default.
pub const MAX_BATCH: usize = 256;

/// Limits on JSON-RPC requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcLimits {
    /// Largest request body, in bytes.
    pub max_body: u64,
    /// Most calls in one batch.
    pub max_batch: usize,
    /// Requests per second per client address.
    pub rate: RateLimit,
}

impl Default for RpcLimits {
    fn default() -> Self {
        RpcLimits {
            max_body: MAX_REQUEST_BODY,
            max_batch: MAX_BATCH,
            rate: RateLimit::off(),
        }
    }
}

/// The Ambient version `getVersion` reports.
pub const AMBIENT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The running front end.
pub struct Front {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Binds the public address (before the services behind it start, so a taken port is
/// reported first).
pub fn bind(public: SocketAddr) -> Result<std::net::TcpListener, RpcError> {
    std::net::TcpListener::bind(public).map_err(|source| RpcError::Bind {
        addr: public,
        source,
    })
}

impl Front {
    /// Serves `listener` (from [`bind`]), forwarding to `internal` what is within `limits`.
    pub fn start(
        listener: std::net::TcpListener,
        internal: SocketAddr,
        limits: RpcLimits,
    ) -> Result<Front, RpcError> {
        listener.set_nonblocking(true).map_err(RpcError::Thread)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ambRpcFront")
            .enable_all()
            .build()
            .map_err(RpcError::Thread)?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = {
            let _guard = runtime.enter();
            Server::from_tcp(listener)
                .map_err(|e| RpcError::Service(format!("RPC front end: {e}")))?
        };
        let thread = std::thread::Builder::new()
            .name("ambRpcFront".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let client: Client<HttpConnector> = Client::new();
                    let sizes = (limits.max_body, limits.max_batch);
                    let limiter = Arc::new(Limiter::new(limits.rate));
                    let make = make_service_fn(move |conn: &AddrStream| {
                        let client = client.clone();
                        let limiter = limiter.clone();
                        let peer = conn.remote_addr();
                        async move {
                            Ok::<_, Infallible>(service_fn(move |req| {
                                let limiter = limiter.clone();
                                let client = client.clone();
                                async move {
                                    if let Err(wait) = limiter.check(peer.ip()) {
                                        return Ok(too_many(wait));
                                    }
                                    forward(client, internal, sizes, req).await
                                }
                            }))
                        }
                    });
                    let served = server.serve(make).with_graceful_shutdown(async {
                        let _ = rx.await;
                    });
                    if let Err(e) = served.await {
                        warn!("RPC front end stopped: {e}");
                    }
                });
            })
            .map_err(RpcError::Thread)?;
        Ok(Front {
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// Stops serving and joins the thread.
    pub fn join(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn plain(status: StatusCode, msg: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(msg.to_string()));
    *r.status_mut() = status;
    r
}

/// A JSON-RPC error answer (`id` null: the request was not read) with an HTTP status.
fn rpc_error(status: StatusCode, code: i64, message: &str) -> Response<Body> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "error": {"code": code, "message": message},
        "id": null,
    });
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, "application/json".parse().expect("static"));
    r
}

/// The answer to a client over its rate limit.
fn too_many(wait: std::time::Duration) -> Response<Body> {
    let secs = ambient_limits::retry_after_secs(wait);
    let mut r = rpc_error(
        StatusCode::TOO_MANY_REQUESTS,
        -32005,
        &format!("too many requests from this address; retry in {secs} s"),
    );
    r.headers_mut().insert(RETRY_AFTER, secs.into());
    r
}

fn too_large(limit: u64) -> Response<Body> {
    rpc_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        -32600,
        &format!("request body larger than {limit} bytes"),
    )
}

/// Reads `body`, refusing it once it passes `limit` bytes (before reading the rest).
async fn read_limited(mut body: Body, limit: u64) -> Result<Vec<u8>, Response<Body>> {
    let mut out = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| {
            rpc_error(
                StatusCode::BAD_REQUEST,
                -32700,
                &format!("bad request body: {e}"),
            )
        })?;
        if (out.len() + chunk.len()) as u64 > limit {
            return Err(too_large(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The number of calls in a batch request (`None`: not a batch).
fn batch_len(body: &[u8]) -> Option<usize> {
    // Only a body that starts with `[` can be a batch; anything else skips the parse.
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'[' {
        return None;
    }
    serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(body)
        .ok()
        .map(|v| v.len())
}

/// Whether a JSON-RPC body is a single `getVersion` call.
fn is_get_version(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .is_some_and(|v| v.get("method").and_then(Value::as_str) == Some("getVersion"))
}

/// Adds `"ambient"` to a `getVersion` result.
fn name_ambient(body: &[u8]) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let result = v.get_mut("result")?.as_object_mut()?;
    result.insert("ambient".into(), Value::String(AMBIENT_VERSION.into()));
    let mut out = serde_json::to_vec(&v).ok()?;
    out.push(b'\n');
    Some(out)
}

async fn forward(
    client: Client<HttpConnector>,
    internal: SocketAddr,
    (max_body, max_batch): (u64, usize),
    req: Request<Body>,
) -> Result<Response<Body>, Infallible> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body) {
        return Ok(too_large(max_body));
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match read_limited(body, max_body).await {
        Ok(b) => b,
        Err(refusal) => return Ok(refusal),
    };
    if let Some(n) = batch_len(&bytes).filter(|n| *n > max_batch) {
        return Ok(rpc_error(
            StatusCode::BAD_REQUEST,
            -32600,
            &format!("a batch of {n} calls; this node takes at most {max_batch}"),
        ));
    }
    let version = is_get_version(&bytes);
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = match format!("http://{internal}{path}").parse() {
        Ok(u) => u,
        Err(_) => return Ok(plain(StatusCode::BAD_REQUEST, "bad request path")),
    };
    parts.headers.remove(HOST);
    let resp = match client
        .request(Request::from_parts(parts, Body::from(bytes)))
        .await
    {
        Ok(r) => r,
        Err(e) => {
            return Ok(plain(
                StatusCode::BAD_GATEWAY,
                &format!("JSON-RPC service unavailable: {e}"),
            ))
        }
    };
    if !version {
        return Ok(resp);
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body).await else {
        return Ok(plain(
            StatusCode::BAD_GATEWAY,
            "JSON-RPC service answer cut",
        ));
    };
    let out = name_ambient(&bytes).unwrap_or_else(|| bytes.to_vec());
    parts.headers.insert(CONTENT_LENGTH, out.len().into());
    Ok(Response::from_parts(parts, Body::from(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_counted_without_parsing_single_calls() {
        assert_eq!(batch_len(br#" [{"a":1}, {"b":2}, 3]"#), Some(3));
        assert_eq!(batch_len(b"[]"), Some(0));
        assert_eq!(batch_len(br#"{"jsonrpc":"2.0"}"#), None);
        assert_eq!(batch_len(b"[not json"), None);
        assert_eq!(batch_len(b""), None);
    }

    #[test]
    fn only_single_get_version_calls_are_renamed() {
        assert!(is_get_version(
            br#"{"jsonrpc":"2.0","id":1,"method":"getVersion"}"#
        ));
        assert!(!is_get_version(
            br#"{"jsonrpc":"2.0","id":1,"method":"getSlot"}"#
        ));
        assert!(!is_get_version(b"{not json"));
        let out = name_ambient(
            br#"{"jsonrpc":"2.0","result":{"solana-core":"4.2.2","feature-set":1},"id":1}"#,
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["result"]["ambient"], AMBIENT_VERSION);
        assert_eq!(v["result"]["solana-core"], "4.2.2");
        assert!(name_ambient(br#"{"jsonrpc":"2.0","error":{"code":-32600},"id":1}"#).is_none());
    }
}
