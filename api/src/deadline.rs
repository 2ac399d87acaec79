//! A deadline for a whole request body: a body still arriving [`BODY_DEADLINE`] after its request
//! came in fails, however steadily it trickles (the idle timeout alone lets a client that sends a
//! byte every 29 s hold a connection and a request slot for as long as it likes).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use http_body::{Frame, SizeHint};

/// Longest a request body may take to arrive in all (an 8 MiB blob at 70 KB/s).
pub const BODY_DEADLINE: Duration = Duration::from_secs(120);

/// The body outlived its deadline.
#[derive(Debug, thiserror::Error)]
#[error("the request body took longer than {0:?} to arrive")]
pub struct BodyDeadline(Duration);

/// A body that fails once its deadline passes.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            let limit = self.limit;
            return Poll::Ready(Some(Err(axum::Error::new(BodyDeadline(limit)))));
        }
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// `request` with its body bounded by `limit` from now.
pub fn bound(request: Request, limit: Duration) -> Request {
    request.map(|inner| {
        Body::new(DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
            limit,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;
    use axum::Router;
    use tower::ServiceExt;

    fn trickle(bytes: usize, every: Duration) -> Body {
        let chunks = futures_util::stream::unfold(0, move |sent| async move {
            if sent == bytes {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"x")), sent + 1))
        });
        Body::from_stream(chunks)
    }

    #[tokio::test]
    async fn a_trickling_body_fails_at_the_deadline_and_a_prompt_one_passes() {
        let app = Router::new()
            .route(
                "/",
                post(
                    |body: Result<Bytes, axum::extract::rejection::BytesRejection>| async move {
                        match body {
                            Ok(b) => format!("got {}", b.len()),
                            Err(e) => format!("refused: {e}"),
                        }
                    },
                ),
            )
            .layer(axum::middleware::map_request(|r: Request| async move {
                bound(r, Duration::from_millis(300))
            }));
        let call = |body| {
            let app = app.clone();
            async move {
                let r = app
                    .oneshot(Request::post("/").body(body).unwrap())
                    .await
                    .unwrap();
                let b = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
                String::from_utf8_lossy(&b).to_string()
            }
        };
        // Each byte within 50 ms, the whole over 600 ms: cut at 300 ms.
        let slow = call(trickle(12, Duration::from_millis(50))).await;
        assert!(slow.contains("took longer than 300ms"), "{slow}");
        assert_eq!(call(trickle(3, Duration::from_millis(10))).await, "got 3");
    }
}
