//! Blob servers over real sockets: signed uploads and quotas, limits and errors as HTTP
//! statuses, and fetch-from-peer.

use std::sync::Arc;

use ambient_blobs::auth::{SIGNATURE_HEADER, SIGNED_AT_HEADER};
use ambient_blobs::store::now_secs;
use ambient_blobs::{BlobClient, BlobError, BlobId, BlobServer, BlobStore, Limits, UploadKey};

/// The key of the node the test servers belong to (its uploads are the node's own).
fn node_key() -> UploadKey {
    UploadKey::from_secret(&[42; 32])
}

fn limits() -> Limits {
    Limits {
        max_blob: 1024,
        max_total: 8192,
        per_uploader: 2048,
        foreign_total: 3072,
        ..Limits::default()
    }
}

fn server(dir: &std::path::Path, peers: &[String]) -> BlobServer {
    let store = Arc::new(BlobStore::open(dir, limits()).unwrap());
    BlobServer::start(
        store,
        "127.0.0.1:0".parse().unwrap(),
        peers,
        &[node_key().public()],
    )
    .unwrap()
}

/// `req` with `key`'s upload signature of `body` (blob id), `ttl` (0: default), signed at `at`.
fn signed(
    req: reqwest::RequestBuilder,
    key: &UploadKey,
    body: &[u8],
    ttl: u64,
    at: u64,
) -> reqwest::RequestBuilder {
    key.headers(&BlobId::of(body), ttl, at)
        .into_iter()
        .fold(req, |r, (name, value)| r.header(name, value))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn stores_serves_and_refuses_with_clear_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let a = server(dir.path(), &[]);
    let client = BlobClient::new(&a.url());
    let rt = runtime();
    rt.block_on(async {
        let stored = client
            .put(b"a prompt", Some(120), &node_key())
            .await
            .unwrap();
        assert_eq!(stored.id, BlobId::of(b"a prompt"));
        assert_eq!(stored.size, 8);
        assert_eq!(client.get(&stored.id).await.unwrap().unwrap(), b"a prompt");
        assert_eq!(client.get(&BlobId::of(b"never")).await.unwrap(), None);
        let usage = client.usage().await.unwrap();
        assert_eq!((usage.count, usage.used), (1, 8));

        let http = reqwest::Client::new();
        let url = |p: &str| format!("{}{p}", a.url());
        let now = now_secs();
        // POST names the id for the caller; only an octet-stream body (a form or text/plain
        // post, which a web page of any origin can send without a preflight, is refused).
        let r = signed(http.post(url("/v1/blobs")), &node_key(), b"posted", 0, now)
            .header("content-type", "text/plain")
            .body("posted")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415);
        let r = signed(http.post(url("/v1/blobs")), &node_key(), b"posted", 0, now)
            .header("content-type", "application/octet-stream")
            .body("posted")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["id"], BlobId::of(b"posted").to_hex());
        // HEAD answers without the body.
        let r = http
            .head(url(&format!("/v1/blobs/{}", stored.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // Content under someone else's id.
        let r = http
            .put(url(&format!("/v1/blobs/{}", BlobId::of(b"x"))))
            .body("y")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["error"].as_str().unwrap().contains("hashes to"), "{v}");
        // Not an id.
        let r = http.get(url("/v1/blobs/not-a-hash")).send().await.unwrap();
        assert_eq!(r.status(), 400);
        // Over the size limit.
        let r = signed(
            http.post(url("/v1/blobs")),
            &node_key(),
            &[0u8; 1025],
            0,
            now,
        )
        .header("content-type", "application/octet-stream")
        .body(vec![0u8; 1025])
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 413);
        // A time to live over the maximum.
        let r = signed(
            http.post(url("/v1/blobs?ttl=99999999")),
            &node_key(),
            b"z",
            99999999,
            now,
        )
        .header("content-type", "application/octet-stream")
        .body("z")
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 400);
        let e = client.put(b"z", Some(0), &node_key()).await.unwrap_err();
        assert!(
            matches!(e, BlobError::Http(ref m) if m.contains("time to live")),
            "{e}"
        );
    });
}

#[test]
fn uploads_are_signed_and_other_uploaders_keep_to_their_quotas() {
    let dir = tempfile::tempdir().unwrap();
    let a = server(dir.path(), &[]);
    let client = BlobClient::new(&a.url());
    let http = reqwest::Client::new();
    let put = |body: &'static [u8]| {
        http.put(format!("{}/v1/blobs/{}", a.url(), BlobId::of(body)))
            .body(body)
    };
    let error = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let v: serde_json::Value = r.json().await.unwrap();
        (status, v["error"].as_str().unwrap_or_default().to_string())
    };
    let stranger = UploadKey::from_secret(&[1; 32]);
    runtime().block_on(async {
        let now = now_secs();
        // Anonymous: 401, naming the headers.
        let (status, msg) = error(put(b"anon").send().await.unwrap()).await;
        assert_eq!(status, 401, "{msg}");
        assert!(msg.contains("must be signed"), "{msg}");
        // Signed by a stranger: stored, counted against it.
        client.put(&[1; 1000], None, &stranger).await.unwrap();
        // Another key's signature under the stranger's name, a signature of another blob, one
        // made long ago (a replay): 401.
        let mut forged = stranger.headers(&BlobId::of(b"mine"), 0, now);
        forged[2].1 = UploadKey::from_secret(&[2; 32]).headers(&BlobId::of(b"mine"), 0, now)[2]
            .1
            .clone();
        let r = forged
            .into_iter()
            .fold(put(b"mine"), |r, (n, v)| r.header(n, v));
        assert_eq!(error(r.send().await.unwrap()).await.0, 401);
        let r = signed(put(b"mine"), &stranger, b"other", 0, now);
        assert_eq!(error(r.send().await.unwrap()).await.0, 401);
        let r = signed(put(b"mine"), &stranger, b"mine", 0, now - 3600);
        let (status, msg) = error(r.send().await.unwrap()).await;
        assert_eq!(status, 401, "{msg}");
        assert!(msg.contains("from this node's clock"), "{msg}");
        for (i, bad) in [(1, "soon"), (2, "x")] {
            let mut h = stranger.headers(&BlobId::of(b"mine"), 0, now);
            h[i].1 = bad.into();
            let r = h.into_iter().fold(put(b"mine"), |r, (n, v)| r.header(n, v));
            let (status, msg) = error(r.send().await.unwrap()).await;
            assert_eq!(status, 401, "{msg}");
            assert!(msg.contains(if i == 1 {
                SIGNED_AT_HEADER
            } else {
                SIGNATURE_HEADER
            }));
        }
        // Over its quota (2 048 bytes): 429 with what it holds.
        client.put(&[2; 1000], None, &stranger).await.unwrap();
        let e = client.put(&[3; 100], None, &stranger).await.unwrap_err();
        assert!(
            e.to_string().contains("429") && e.to_string().contains("holds 2000 bytes"),
            "{e}"
        );
        // Others longer than an hour: refused; fill the share of all others (3 072 bytes).
        let other = UploadKey::from_secret(&[3; 32]);
        let e = client.put(b"long", Some(7200), &other).await.unwrap_err();
        assert!(e.to_string().contains("time to live"), "{e}");
        client.put(&[4; 1000], None, &other).await.unwrap();
        let e = client.put(&[5; 100], None, &other).await.unwrap_err();
        assert!(e.to_string().contains("507"), "{e}");
        // The node's own uploads still have the rest of the store, for a day by default.
        for i in 0..5u8 {
            let st = client
                .put(&[10 + i; 1000], None, &node_key())
                .await
                .unwrap();
            assert!(st.expires_at >= now + 24 * 3600 - 5, "{st:?}");
        }
    });
}

#[test]
fn a_node_fetches_what_it_lacks_from_its_peers_and_keeps_it() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = server(da.path(), &[]);
    let b = server(db.path(), &[a.url()]);
    let rt = runtime();
    let id = rt.block_on(async {
        let id = BlobClient::new(&a.url())
            .put(b"output tokens", None, &node_key())
            .await
            .unwrap()
            .id;
        let via_b = BlobClient::new(&b.url());
        assert_eq!(via_b.get(&id).await.unwrap().unwrap(), b"output tokens");
        // Only through one hop: B asked directly as a peer does not forward.
        assert_eq!(via_b.get_hop(&BlobId::of(b"nowhere")).await.unwrap(), None);
        id
    });
    // A goes away; B kept its copy (on disk: it survives B's restart too).
    drop(a);
    drop(b);
    let b = server(db.path(), &[]);
    rt.block_on(async {
        assert_eq!(
            BlobClient::new(&b.url()).get(&id).await.unwrap().unwrap(),
            b"output tokens"
        );
    });
}

#[test]
fn a_miss_no_peer_answered_is_unavailable_not_unknown() {
    let (da, db, dc) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    // A port nothing listens on: bound, then closed.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone_url = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let cut_off = server(da.path(), std::slice::from_ref(&gone_url));
    let up = server(db.path(), &[]);
    let connected = server(dc.path(), &[gone_url, up.url()]);
    let rt = runtime();
    rt.block_on(async {
        let missing = BlobId::of(b"missing");
        let err = BlobClient::new(&cut_off.url())
            .get(&missing)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("none of the 1 peers answered"),
            "{err}"
        );
        // One peer down, one answering "not here": a real miss.
        assert_eq!(
            BlobClient::new(&connected.url())
                .get(&missing)
                .await
                .unwrap(),
            None
        );
    });
}

#[test]
fn peers_that_point_at_each_other_do_not_loop() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // A's peer is B, B's peer is A: B's socket is bound first.
    let b_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let b_addr = b_listener.local_addr().unwrap();
    let a = server(da.path(), &[format!("http://{b_addr}")]);
    let store = Arc::new(BlobStore::open(db.path(), Limits::default()).unwrap());
    let app = ambient_blobs::server::router(store.clone(), &[a.url()], &[]);
    let b = BlobServer::start_app(b_listener, store, app).unwrap();
    let rt = runtime();
    rt.block_on(async {
        let missing = BlobId::of(b"missing");
        assert_eq!(BlobClient::new(&a.url()).get(&missing).await.unwrap(), None);
        assert_eq!(BlobClient::new(&b.url()).get(&missing).await.unwrap(), None);
    });
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off_and_others_are_served() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let a = server(dir.path(), &[]);
    let addr = a.url().trim_start_matches("http://").to_string();
    // Half a request line, then silence (a slowloris client).
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /v1/blobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    // Meanwhile another client is served.
    let mut fine = std::net::TcpStream::connect(&addr).unwrap();
    fine.write_all(b"GET /v1/blobs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    fine.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The server closes the slow connection once the header timeout passes (hyper may answer
    // 408 first); it does not wait for the client.
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited >= ambient_blobs::serve::HEADER_READ_TIMEOUT - Duration::from_secs(1)
            && waited < ambient_blobs::serve::HEADER_READ_TIMEOUT + Duration::from_secs(10),
        "closed after {waited:?}"
    );
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
        "{rest}"
    );
}
