//! What a web page may do with the node's HTTP API. A browser sends a page's requests to any
//! address, this node's loopback API included; only a CORS policy decides whether a page of
//! another origin may read the answers or send anything but a "simple" request. The node answers
//! CORS only for the origins its operator allows (`--api-allowed-origin`; none by default: the
//! node's own console is served from the API's origin and needs none), and the requests that
//! spend or store — chat completions and prompts (JSON), blob posts (octets) — must carry their
//! content type, which a page cannot set on a cross-origin request without the preflight the
//! policy refuses. A page can still make itself same-origin by pointing its own DNS name at the
//! node (DNS rebinding), so requests that change anything (not GET, HEAD or OPTIONS) must name
//! the node in `Host` by an IP address, `localhost`, or a name the operator allows
//! (`--api-allowed-host`, and the hosts of the allowed origins). A request body that stalls for
//! [`BODY_TIMEOUT`] is cut off.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::openai::ApiError;

/// How long a request's body may stall (no bytes arriving) before the request is cut off.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a browser may cache a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// A bad `--api-allowed-origin`.
#[derive(Debug, thiserror::Error)]
#[error("allowed origin {origin:?}: {why} (an origin is scheme://host[:port], or *)")]
pub struct BadOrigin {
    origin: String,
    why: &'static str,
}

/// Checks an allowed origin as a browser sends it in `Origin`: `http` or `https`, a host, an
/// optional port, no path; or `*` (any origin).
fn parse_origin(origin: &str) -> Result<HeaderValue, BadOrigin> {
    let bad = |why| BadOrigin {
        origin: origin.to_string(),
        why,
    };
    if origin != "*" {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .ok_or_else(|| bad("not http:// or https://"))?;
        if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
            return Err(bad("not a bare host (no path, query or spaces)"));
        }
    }
    HeaderValue::from_str(origin).map_err(|_| bad("not a valid header value"))
}

/// An allowed origin checked (for a command-line parser).
pub fn allowed_origin(origin: &str) -> Result<String, BadOrigin> {
    parse_origin(origin).map(|_| origin.to_string())
}

/// The host name of an origin (`https://name:port` → `name`).
fn origin_host(origin: &str) -> Option<String> {
    let rest = origin.split_once("://")?.1;
    host_name(rest).map(str::to_ascii_lowercase)
}

/// The host of a `Host` header value without its port (`[::1]:8901` → `::1`).
fn host_name(host: &str) -> Option<&str> {
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split_once(']').map(|(ip, _)| ip);
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    (!name.is_empty()).then_some(name)
}

/// Whether a state-changing request naming `host` may go on: an IP address, `localhost`, or a
/// name in `allowed`.
fn host_allowed(host: &str, allowed: &[String]) -> bool {
    host_name(host).is_some_and(|name| {
        name.parse::<IpAddr>().is_ok()
            || name.eq_ignore_ascii_case("localhost")
            || allowed.iter().any(|a| a.eq_ignore_ascii_case(name))
    })
}

/// Refuses (403) a state-changing request whose `Host` is a name the node does not answer to.
async fn check_host(State(allowed): State<Arc<Vec<String>>>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if host_allowed(host, &allowed) {
        return next.run(req).await;
    }
    ApiError::new(
        StatusCode::FORBIDDEN,
        "invalid_request_error",
        "host_not_allowed",
        format!(
            "this node does not answer to host {host:?}: call it by IP address or localhost, \
             or let its operator allow the name (--api-allowed-host)"
        ),
    )
    .into_response()
}

/// `app` with the browser policy: the `Host` check of state-changing requests (IP addresses,
/// `localhost`, `allowed_hosts` and the allowed origins' hosts), CORS for `allowed_origins`
/// (none: no CORS at all) and the request body timeout.
pub fn protect(
    app: Router,
    allowed_origins: &[String],
    allowed_hosts: &[String],
) -> Result<Router, BadOrigin> {
    let origins = allowed_origins
        .iter()
        .map(|o| parse_origin(o))
        .collect::<Result<Vec<_>, _>>()?;
    let hosts: Vec<String> = allowed_hosts
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .chain(allowed_origins.iter().filter_map(|o| origin_host(o)))
        .collect();
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(hosts),
            check_host,
        ))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(axum::middleware::map_request(|r: Request| async move {
            crate::deadline::bound(r, crate::deadline::BODY_DEADLINE)
        }));
    if origins.is_empty() {
        return Ok(app);
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins)
    };
    let cors = CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::OPTIONS,
        ])
        // Whatever headers the page's client adds (the OpenAI SDK's own, for one).
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(PREFLIGHT_MAX_AGE);
    Ok(app.layer(cors))
}

/// Errs (415, OpenAI's error shape) unless the request says its body is JSON.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    ambient_blobs::server::require_media_type(headers, "application/json").map_err(|sent| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request_error",
            "unsupported_media_type",
            format!(
                "send the request body as JSON with Content-Type: application/json (not {sent})"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_bare_http_origins_or_any() {
        for ok in [
            "http://localhost:3000",
            "https://console.example.org",
            "http://127.0.0.1:8901",
            "*",
        ] {
            assert!(parse_origin(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "localhost:3000",
            "ftp://x",
            "https://",
            "https://a.example/path",
            "http://a b",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn state_changing_requests_name_the_node_by_address_or_an_allowed_name() {
        let allowed = vec!["node.example.org".to_string()];
        for ok in [
            "127.0.0.1:8901",
            "127.0.0.1",
            "[::1]:8901",
            "10.0.0.2:8901",
            "localhost:8901",
            "LOCALHOST",
            "node.example.org:443",
        ] {
            assert!(host_allowed(ok, &allowed), "{ok}");
        }
        for bad in [
            "attacker.example:8901",
            "",
            ":8901",
            "127.0.0.1.attacker.example",
        ] {
            assert!(!host_allowed(bad, &allowed), "{bad}");
        }
        assert_eq!(
            origin_host("https://Console.Example:3000").as_deref(),
            Some("console.example")
        );
    }

    #[test]
    fn only_json_bodies_pass() {
        let mut h = HeaderMap::new();
        assert!(require_json(&h).is_err());
        for (ct, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("multipart/form-data; boundary=x", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            assert_eq!(require_json(&h).is_ok(), ok, "{ct}");
        }
    }
}
