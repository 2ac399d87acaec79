//! The public JSON-RPC endpoint. Every request goes unchanged to `solana-rpc`'s service on an
//! internal loopback port; the answer to `getVersion` also names Ambient (`"ambient": "<version>"`
//! next to Solana's `solana-core` and `feature-set`, which clients keep reading as before).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::thread::JoinHandle;

use hyper::body::{to_bytes, Body};
use hyper::client::HttpConnector;
use hyper::header::{CONTENT_LENGTH, HOST};
use hyper::service::{make_service_fn, service_fn};
use hyper::{Client, Request, Response, Server, StatusCode};
use log::warn;
use serde_json::Value;

use crate::RpcError;

/// Largest request body accepted (the same limit `solana-rpc` applies).
pub const MAX_REQUEST_BODY: u64 = 50 * (1 << 20);

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
    /// Serves `listener` (from [`bind`]), forwarding to `internal`.
    pub fn start(listener: std::net::TcpListener, internal: SocketAddr) -> Result<Front, RpcError> {
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
                    let make = make_service_fn(move |_| {
                        let client = client.clone();
                        async move {
                            Ok::<_, Infallible>(service_fn(move |req| {
                                forward(client.clone(), internal, req)
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
    req: Request<Body>,
) -> Result<Response<Body>, Infallible> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY) {
        return Ok(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large",
        ));
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match to_bytes(body).await {
        Ok(b) if b.len() as u64 <= MAX_REQUEST_BODY => b,
        Ok(_) => {
            return Ok(plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
            ))
        }
        Err(e) => {
            return Ok(plain(
                StatusCode::BAD_REQUEST,
                &format!("bad request body: {e}"),
            ))
        }
    };
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
