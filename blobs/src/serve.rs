//! The HTTP server loop of a node's HTTP API: hyper's HTTP/1 connections with a timer, so a
//! client that opens a connection and never finishes its request headers is cut off
//! ([`HEADER_READ_TIMEOUT`]; `axum::serve` sets no timer, hence no such limit), and a stop that
//! lets requests in flight finish for at most [`SHUTDOWN_GRACE`].

use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use log::{debug, warn};
use tower::ServiceExt;

/// Longest a client may take to send a request's headers (each request of a keep-alive
/// connection included); the connection is closed after it. An idle keep-alive connection is
/// closed after it too: clients should not reuse one idle for longer ([`CLIENT_IDLE`]).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long this workspace's HTTP clients keep an idle connection to a node for reuse: well under
/// [`HEADER_READ_TIMEOUT`], so a request never goes out on a connection the server is closing.
pub const CLIENT_IDLE: Duration = Duration::from_secs(5);

/// Longest a stop waits for the requests in flight (open event streams included).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `stop` fires; handlers can read the client's address
/// (`ConnectInfo<SocketAddr>`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    warn!("HTTP API: accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            app.clone().oneshot(req)
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                debug!("HTTP API connection from {remote}: {e}");
            }
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => {
            warn!("HTTP API: requests still open {SHUTDOWN_GRACE:?} after the stop; closing them");
        }
    }
}
