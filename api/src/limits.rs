//! Per-client request-rate limits on the node's HTTP API (REST, console, blob store): a request
//! over its client's limit is answered 429 with `Retry-After` and an OpenAI-shaped error body.

use std::net::SocketAddr;
use std::sync::Arc;

use ambient_limits::Limiter;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;

/// `app` with each request counted against its client address's limit in `limiter`.
pub fn per_client(app: Router, limiter: Arc<Limiter>) -> Router {
    app.layer(axum::middleware::from_fn_with_state(limiter, check))
}

async fn check(State(limiter): State<Arc<Limiter>>, req: Request, next: Next) -> Response {
    // Served without the client's address (in-process tests): nothing to count against.
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(Err(wait)) = client.map(|ip| limiter.check(ip)) {
        let secs = ambient_limits::retry_after_secs(wait);
        let body = json!({"error": {
            "message": format!("too many requests from this address; retry in {secs} s"),
            "type": "rate_limit_error",
            "param": null,
            "code": "rate_limited",
        }});
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, secs.to_string())],
            Json(body),
        )
            .into_response();
    }
    next.run(req).await
}
