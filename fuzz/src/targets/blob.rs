//! Blob uploads (`ambient-blobs`): a real [`BlobStore`] on a temporary directory with small
//! limits, driven by the input, and the blob id's text form.
//!
//! Input: one operation byte, then the payload. The byte's low two bits pick the operation — `0`
//! `POST /v1/blobs` (put), `1` `PUT /v1/blobs/{id}` (the payload's first 32 bytes are the claimed
//! id), `2` `GET /v1/blobs/{id}` (the payload is the id's text), `3` housekeeping (sweep or
//! reopen) — and its upper six bits the time to live (`0` none, `63` zero, `62` `u64::MAX`, else
//! that many seconds; the limit is 32). A virtual clock advances one second per input, so blobs
//! expire and the store sweeps them when it is full.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ambient_blobs::store::now_secs;
use ambient_blobs::{BlobError, BlobId, BlobStore, Limits};

/// Small limits, so that inputs reach "too large" and "full".
pub const LIMITS: Limits = Limits {
    max_blob: 64 << 10,
    max_total: 1 << 20,
    default_ttl: 16,
    max_ttl: 32,
    per_uploader: 256 << 10,
    foreign_total: 512 << 10,
    foreign_max_ttl: 8,
};

struct State {
    store: BlobStore,
    now: u64,
    inputs: u64,
    // Dropped last: removes the directory.
    dir: tempfile::TempDir,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn scratch_root() -> PathBuf {
    // Each put syncs a file and its directory: memory-backed storage keeps that cheap.
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

fn fresh() -> Result<State, String> {
    let dir = tempfile::Builder::new()
        .prefix("ambient-fuzz-blob")
        .tempdir_in(scratch_root())
        .map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    let store = BlobStore::open(dir.path(), LIMITS).map_err(|e| format!("cannot open: {e}"))?;
    Ok(State {
        store,
        now: now_secs(),
        inputs: 0,
        dir,
    })
}

/// Opens the store on a new scratch directory (if none is open).
pub fn prepare() -> Result<(), String> {
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    if state.is_none() {
        *state = Some(fresh()?);
    }
    Ok(())
}

/// Closes the store and removes its directory.
pub fn cleanup() {
    STATE.lock().unwrap_or_else(|e| e.into_inner()).take();
}

fn ttl_of(op: u8) -> Option<u64> {
    match op >> 2 {
        0 => None,
        63 => Some(0),
        62 => Some(u64::MAX),
        s => Some(u64::from(s)),
    }
}

fn ttl_ok(ttl: Option<u64>) -> bool {
    let t = ttl.unwrap_or(LIMITS.default_ttl);
    t > 0 && t <= LIMITS.max_ttl
}

/// Checks a stored blob: id is blake3 of the bytes, the bytes read back identical, stat agrees.
/// `now` is the clock the upload used.
fn check_stored(st: &State, now: u64, data: &[u8], stored: &ambient_blobs::Stored) {
    assert_eq!(stored.id, BlobId::of(data), "stored under another id");
    assert_eq!(stored.id.0, *blake3::hash(data).as_bytes());
    assert_eq!(stored.size, data.len() as u64, "stored size");
    assert!(stored.expires_at > now, "stored blob already expired");
    match st.store.get_at(&stored.id, now) {
        Ok(Some(back)) => assert!(
            back == data,
            "blob {} reads back different bytes",
            stored.id
        ),
        other => panic!("blob {} stored but not read back: {other:?}", stored.id),
    }
    let stat = st.store.stat(&stored.id);
    assert!(
        stat.is_some_and(|s| s.size == stored.size && s.id == stored.id),
        "stat of a stored blob: {stat:?}"
    );
}

/// Checks that a refused upload was refused for a reason that holds.
fn check_refused(e: &BlobError, data: &[u8], ttl: Option<u64>) {
    match e {
        BlobError::TooLarge { size, .. } => {
            assert!(*size == data.len() as u64 && *size > LIMITS.max_blob, "{e}")
        }
        BlobError::BadTtl { .. } => assert!(!ttl_ok(ttl), "{e}"),
        BlobError::Full { used, limit } => {
            assert!(used + data.len() as u64 > *limit && *used <= *limit, "{e}")
        }
        BlobError::HashMismatch { .. } => {}
        other => panic!("unexpected store error: {other}"),
    }
}

/// Runs one operation against the store (see the module docs for the input format).
pub fn run(data: &[u8]) -> bool {
    // The text form of an id, whatever the operation.
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = text.parse::<BlobId>() {
        assert_eq!(id.to_hex(), text.to_ascii_lowercase(), "id text round trip");
        assert_eq!(id.to_hex().parse::<BlobId>().ok(), Some(id));
    }

    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        match fresh() {
            Ok(s) => *guard = Some(s),
            Err(_) => return false,
        }
    }
    let Some(st) = guard.as_mut() else {
        return false;
    };
    st.inputs += 1;
    st.now = (st.now + 1).max(now_secs());
    if st.inputs % 64 == 0 {
        st.store.sweep_at(st.now);
    }

    let Some((&op, payload)) = data.split_first() else {
        return false;
    };
    let ttl = ttl_of(op);
    let accepted = match op & 3 {
        0 => match st.store.put_at(payload, ttl, st.now) {
            Ok(stored) => {
                assert!(payload.len() as u64 <= LIMITS.max_blob && ttl_ok(ttl));
                check_stored(st, st.now, payload, &stored);
                true
            }
            Err(e) => {
                check_refused(&e, payload, ttl);
                false
            }
        },
        1 => {
            let (claimed, body) = if payload.len() >= 32 {
                let mut id = [0u8; 32];
                id.copy_from_slice(&payload[..32]);
                (BlobId(id), &payload[32..])
            } else {
                (BlobId::of(payload), payload)
            };
            // `put_expected` stores at the real clock (the virtual one runs ahead of it).
            let now = now_secs();
            match st.store.put_expected(&claimed, body, ttl) {
                Ok(stored) => {
                    assert_eq!(stored.id, claimed, "stored under an id it does not hash to");
                    check_stored(st, now, body, &stored);
                    true
                }
                Err(e) => {
                    if let BlobError::HashMismatch { .. } = e {
                        assert_ne!(BlobId::of(body), claimed, "{e}");
                    }
                    check_refused(&e, body, ttl);
                    false
                }
            }
        }
        2 => match String::from_utf8_lossy(payload).parse::<BlobId>() {
            Ok(id) => {
                if let Ok(Some(back)) = st.store.get_at(&id, st.now) {
                    assert_eq!(BlobId::of(&back), id, "get returned other bytes");
                }
                let _ = st.store.stat(&id);
                true
            }
            Err(_) => false,
        },
        _ => {
            if op & 4 == 0 {
                st.store.sweep_at(st.now.saturating_add(u64::from(op >> 3)));
            } else {
                // Reopen: the index is rebuilt from the files.
                let before = st.store.usage();
                match BlobStore::open(st.dir.path(), LIMITS) {
                    Ok(s) => {
                        st.store = s;
                        let after = st.store.usage();
                        assert_eq!(
                            (after.count, after.used),
                            (before.count, before.used),
                            "reopening changed the store"
                        );
                    }
                    Err(e) => panic!("cannot reopen the store: {e}"),
                }
            }
            let u = st.store.usage();
            assert!(u.used <= LIMITS.max_total, "store holds {u:?}");
            true
        }
    };
    accepted
}

/// Uploads of each kind, an id lookup and housekeeping.
pub fn seeds() -> Vec<Vec<u8>> {
    let with = |op: u8, payload: &[u8]| {
        let mut v = vec![op];
        v.extend_from_slice(payload);
        v
    };
    let text = b"{\"prompt\": [1, 2, 3]}".to_vec();
    let tokens: Vec<u8> = (0..512u32).flat_map(|t| t.to_le_bytes()).collect();
    let mut expected = BlobId::of(&tokens).0.to_vec();
    expected.extend_from_slice(&tokens);
    vec![
        with(0, &text),
        with(4 << 2, &tokens),
        with(0, &[]),
        with(1 | (8 << 2), &expected),
        with(1, b"short"),
        with(2, BlobId::of(&text).to_hex().as_bytes()),
        with(3, &[]),
        with(3 | 4, &[]),
        with(0, &vec![0xab; (LIMITS.max_blob + 1) as usize]),
    ]
}
