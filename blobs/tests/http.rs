//! Blob servers over real sockets: limits and errors as HTTP statuses, and fetch-from-peer.

use std::sync::Arc;

use ambient_blobs::{BlobClient, BlobError, BlobId, BlobServer, BlobStore, Limits};

fn server(dir: &std::path::Path, peers: &[String]) -> BlobServer {
    let limits = Limits {
        max_blob: 1024,
        ..Limits::default()
    };
    let store = Arc::new(BlobStore::open(dir, limits).unwrap());
    BlobServer::start(store, "127.0.0.1:0".parse().unwrap(), peers).unwrap()
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
        let stored = client.put(b"a prompt", Some(120)).await.unwrap();
        assert_eq!(stored.id, BlobId::of(b"a prompt"));
        assert_eq!(stored.size, 8);
        assert_eq!(client.get(&stored.id).await.unwrap().unwrap(), b"a prompt");
        assert_eq!(client.get(&BlobId::of(b"never")).await.unwrap(), None);
        let usage = client.usage().await.unwrap();
        assert_eq!((usage.count, usage.used), (1, 8));

        let http = reqwest::Client::new();
        let url = |p: &str| format!("{}{p}", a.url());
        // POST names the id for the caller; only an octet-stream body (a form or text/plain
        // post, which a web page of any origin can send without a preflight, is refused).
        let r = http
            .post(url("/v1/blobs"))
            .header("content-type", "text/plain")
            .body("posted")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415);
        let r = http
            .post(url("/v1/blobs"))
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
        let r = http
            .post(url("/v1/blobs"))
            .header("content-type", "application/octet-stream")
            .body(vec![0u8; 1025])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        // A time to live over the maximum.
        let r = http
            .post(url("/v1/blobs?ttl=99999999"))
            .header("content-type", "application/octet-stream")
            .body("z")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let e = client.put(b"z", Some(0)).await.unwrap_err();
        assert!(
            matches!(e, BlobError::Http(ref m) if m.contains("time to live")),
            "{e}"
        );
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
            .put(b"output tokens", None)
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
    let b = BlobServer::start_on(b_listener, store, &[a.url()]).unwrap();
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
