//! The on-disk store: one file per blob, named by its id, written atomically (temporary file,
//! fsync, rename, fsync of the directory), so a crash leaves either the whole blob or none of it.
//!
//! File layout: magic `AMBB` · version `2` · expiry (unix seconds, u64 LE) · owner (one byte: 0 the
//! node, 1 an uploader, then its 32-byte key) · the bytes. Version 1 files (no owner) are the
//! node's. Reads check the content against its id; a damaged file is removed and reported missing.
//!
//! Owners: the node's own uploads (its miner, its API, blobs fetched from peers) may use the whole
//! store; every other uploader holds at most [`Limits::per_uploader`] bytes, all of them together
//! at most [`Limits::foreign_total`], each blob for at most [`Limits::foreign_max_ttl`] seconds.
//! So others' uploads never starve the node's own market.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use log::{info, warn};

use crate::error::BlobError;
use crate::id::BlobId;

const MAGIC: &[u8; 4] = b"AMBB";
const VERSION: u8 = 2;
const HEADER_V1: usize = 4 + 1 + 8;
const HEADER: usize = HEADER_V1 + 1 + 32;
const SUFFIX: &str = "blob";

/// What the store accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest blob, in bytes.
    pub max_blob: u64,
    /// Most bytes held in all (content only).
    pub max_total: u64,
    /// Time to live when none is asked for, in seconds.
    pub default_ttl: u64,
    /// Longest time to live, in seconds.
    pub max_ttl: u64,
    /// Most bytes one uploader other than the node holds at once.
    pub per_uploader: u64,
    /// Most bytes all uploaders other than the node hold together.
    pub foreign_total: u64,
    /// Longest (and default) time to live of their blobs, in seconds: a job's life, not more.
    pub foreign_max_ttl: u64,
}

impl Default for Limits {
    /// 8 MiB per blob, 1 GiB in all, a day by default, a week at most; other uploaders 64 MiB
    /// each, half the store together, an hour per blob.
    fn default() -> Self {
        Limits {
            max_blob: 8 << 20,
            max_total: 1 << 30,
            default_ttl: 24 * 3600,
            max_ttl: 7 * 24 * 3600,
            per_uploader: 64 << 20,
            foreign_total: 1 << 29,
            foreign_max_ttl: 3600,
        }
    }
}

/// Who stored a blob, for its quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    /// The node itself (its own keys, or a copy fetched from a peer): limited only by the store.
    Node,
    /// Another uploader, by its ed25519 public key: limited by its quota.
    Uploader([u8; 32]),
}

/// A stored blob's facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stored {
    /// Its id.
    pub id: BlobId,
    /// Its size in bytes.
    pub size: u64,
    /// When it expires (unix seconds).
    pub expires_at: u64,
}

#[derive(Clone, Copy, Debug)]
struct Meta {
    size: u64,
    expires_at: u64,
    owner: Owner,
    /// Where the content starts in the file (the header of its version).
    header_len: u64,
}

/// Counts for the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// Blobs held.
    pub count: u64,
    /// Bytes held.
    pub used: u64,
    /// The byte limit.
    pub limit: u64,
}

/// A content-addressed blob store in one directory.
#[derive(Debug)]
pub struct BlobStore {
    dir: PathBuf,
    limits: Limits,
    index: Mutex<HashMap<BlobId, Meta>>,
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn header(expires_at: u64, owner: Owner) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..4].copy_from_slice(MAGIC);
    h[4] = VERSION;
    h[5..HEADER_V1].copy_from_slice(&expires_at.to_le_bytes());
    if let Owner::Uploader(key) = owner {
        h[HEADER_V1] = 1;
        h[HEADER_V1 + 1..].copy_from_slice(&key);
    }
    h
}

/// A blob file's header (its expiry and owner) and its length, from the file's first bytes.
fn parse_header(h: &[u8]) -> Option<(u64, Owner, usize)> {
    if h.len() < HEADER_V1 || &h[..4] != MAGIC {
        return None;
    }
    let expires_at = u64::from_le_bytes(h[5..HEADER_V1].try_into().expect("8 bytes"));
    match (h[4], h.get(HEADER_V1)) {
        (1, _) => Some((expires_at, Owner::Node, HEADER_V1)),
        (2, Some(0)) if h.len() >= HEADER => Some((expires_at, Owner::Node, HEADER)),
        (2, Some(1)) if h.len() >= HEADER => {
            let key = h[HEADER_V1 + 1..HEADER].try_into().expect("32 bytes");
            Some((expires_at, Owner::Uploader(key), HEADER))
        }
        _ => None,
    }
}

/// Bytes held in `index` by the owners `whose` picks.
fn held(index: &HashMap<BlobId, Meta>, whose: impl Fn(Owner) -> bool) -> u64 {
    index
        .values()
        .filter(|m| whose(m.owner))
        .map(|m| m.size)
        .sum()
}

/// Refuses `data` that does not hash to `id`.
pub fn check_id(id: &BlobId, data: &[u8]) -> Result<(), BlobError> {
    let actual = BlobId::of(data);
    if actual != *id {
        return Err(BlobError::HashMismatch {
            expected: id.to_hex(),
            actual: actual.to_hex(),
        });
    }
    Ok(())
}

impl BlobStore {
    /// Opens (creating) the store in `dir`: leftovers of interrupted writes are removed, damaged
    /// files dropped, and the index rebuilt.
    pub fn open(dir: &Path, limits: Limits) -> Result<Self, BlobError> {
        fs::create_dir_all(dir)?;
        let mut index = HashMap::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let id = name
                .strip_suffix(&format!(".{SUFFIX}"))
                .and_then(|h| h.parse::<BlobId>().ok());
            let Some(id) = id else {
                if name.starts_with(".tmp") {
                    // An interrupted write: never renamed into place, so never visible.
                    let _ = fs::remove_file(&path);
                }
                continue;
            };
            let mut h = Vec::with_capacity(HEADER);
            let len = File::open(&path).and_then(|f| {
                let len = f.metadata()?.len();
                f.take(HEADER as u64).read_to_end(&mut h)?;
                Ok(len)
            });
            match (len, parse_header(&h)) {
                (Ok(len), Some((expires_at, owner, header_len))) if len >= header_len as u64 => {
                    let header_len = header_len as u64;
                    index.insert(
                        id,
                        Meta {
                            size: len - header_len,
                            expires_at,
                            owner,
                            header_len,
                        },
                    );
                }
                _ => {
                    warn!("removing damaged blob file {}", path.display());
                    let _ = fs::remove_file(&path);
                }
            }
        }
        let store = BlobStore {
            dir: dir.to_path_buf(),
            limits,
            index: Mutex::new(index),
        };
        let u = store.usage();
        info!(
            "blob store {}: {} blobs, {} bytes",
            dir.display(),
            u.count,
            u.used
        );
        Ok(store)
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn path(&self, id: &BlobId) -> PathBuf {
        self.dir.join(format!("{}.{SUFFIX}", id.to_hex()))
    }

    fn index(&self) -> std::sync::MutexGuard<'_, HashMap<BlobId, Meta>> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blobs and bytes held.
    pub fn usage(&self) -> Usage {
        let index = self.index();
        Usage {
            count: index.len() as u64,
            used: index.values().map(|m| m.size).sum(),
            limit: self.limits.max_total,
        }
    }

    /// The time to live of `owner`'s blob asked for `ttl` (its default when `None`).
    fn ttl(&self, ttl: Option<u64>, owner: Owner) -> Result<u64, BlobError> {
        let (default, max) = match owner {
            Owner::Node => (self.limits.default_ttl, self.limits.max_ttl),
            Owner::Uploader(_) => (
                self.limits.foreign_max_ttl.min(self.limits.default_ttl),
                self.limits.foreign_max_ttl.min(self.limits.max_ttl),
            ),
        };
        let ttl = ttl.unwrap_or(default);
        if ttl == 0 || ttl > max {
            return Err(BlobError::BadTtl { ttl, max });
        }
        Ok(ttl)
    }

    /// Stores `data` for `ttl` seconds (the default when `None`) as the node's own; storing
    /// bytes already held only extends their expiry.
    pub fn put(&self, data: &[u8], ttl: Option<u64>) -> Result<Stored, BlobError> {
        self.put_at(data, ttl, now_secs())
    }

    /// Stores `data` under `id` as the node's own, refusing content that does not hash to it.
    pub fn put_expected(
        &self,
        id: &BlobId,
        data: &[u8],
        ttl: Option<u64>,
    ) -> Result<Stored, BlobError> {
        check_id(id, data)?;
        self.put(data, ttl)
    }

    /// [`put`](Self::put) at the time `now` (unix seconds).
    pub fn put_at(&self, data: &[u8], ttl: Option<u64>, now: u64) -> Result<Stored, BlobError> {
        self.put_as(data, ttl, Owner::Node, now)
    }

    /// Stores `data` for `owner` for `ttl` seconds (its default when `None`) at the time `now`,
    /// within its quota. Bytes already held are renewed instead (see [`renew`](Self::renew): who
    /// holds them after, and whether their expiry moves).
    pub fn put_as(
        &self,
        data: &[u8],
        ttl: Option<u64>,
        owner: Owner,
        now: u64,
    ) -> Result<Stored, BlobError> {
        let size = data.len() as u64;
        if size > self.limits.max_blob {
            return Err(BlobError::TooLarge {
                size,
                limit: self.limits.max_blob,
            });
        }
        let expires_at = now.saturating_add(self.ttl(ttl, owner)?);
        let id = BlobId::of(data);
        let mut index = self.index();
        if let Some(m) = index.get(&id).copied().filter(|m| m.expires_at > now) {
            let m = self.renew(&index, &id, m, expires_at, owner)?;
            index.insert(id, m);
            return Ok(Stored {
                id,
                size,
                expires_at: m.expires_at,
            });
        }
        // Held but expired: stored afresh below, its file replaced.
        index.remove(&id);
        if self.room(&index, size, owner).is_err() {
            self.sweep_locked(&mut index, now);
            self.room(&index, size, owner)?;
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp")
            .tempfile_in(&self.dir)?;
        tmp.write_all(&header(expires_at, owner))?;
        tmp.write_all(data)?;
        tmp.as_file().sync_all()?;
        tmp.persist(self.path(&id)).map_err(|e| e.error)?;
        File::open(&self.dir)?.sync_all()?;
        index.insert(
            id,
            Meta {
                size,
                expires_at,
                owner,
                header_len: HEADER as u64,
            },
        );
        Ok(Stored {
            id,
            size,
            expires_at,
        })
    }

    /// A held blob stored again by `owner` until `expires_at`. The node's own upload takes it
    /// over (its expiry extended); another uploader's upload that extends it takes it over within
    /// that uploader's quota (whoever needs it kept longer holds it); a blob of the node's is not
    /// extended by others. Written to its file before the index changes.
    fn renew(
        &self,
        index: &HashMap<BlobId, Meta>,
        id: &BlobId,
        m: Meta,
        expires_at: u64,
        owner: Owner,
    ) -> Result<Meta, BlobError> {
        let extends = expires_at > m.expires_at;
        let take_over = match (owner, m.owner) {
            (Owner::Node, Owner::Node) => false,
            (Owner::Node, Owner::Uploader(_)) => true,
            (Owner::Uploader(_), Owner::Node) => return Ok(m),
            (mine, theirs) => mine != theirs && extends,
        };
        if !extends && !take_over {
            return Ok(m);
        }
        if take_over {
            if let Owner::Uploader(key) = owner {
                self.quota(index, m.size, key)?;
            }
        }
        let f = OpenOptions::new().write(true).open(self.path(id))?;
        let expires_at = m.expires_at.max(expires_at);
        f.write_all_at(&expires_at.to_le_bytes(), 5)?;
        if take_over {
            // Only version 2 files name an uploader, and only they are taken over.
            let h = header(expires_at, owner);
            f.write_all_at(&h[HEADER_V1..], HEADER_V1 as u64)?;
        }
        f.sync_data()?;
        Ok(Meta {
            expires_at,
            owner: if take_over { owner } else { m.owner },
            ..m
        })
    }

    /// Whether uploader `key` may hold `size` more bytes.
    fn quota(
        &self,
        index: &HashMap<BlobId, Meta>,
        size: u64,
        key: [u8; 32],
    ) -> Result<(), BlobError> {
        let held = held(index, |o| o == Owner::Uploader(key));
        if held + size > self.limits.per_uploader {
            return Err(BlobError::OverQuota {
                uploader: bs58::encode(key).into_string(),
                held,
                size,
                quota: self.limits.per_uploader,
            });
        }
        Ok(())
    }

    /// Whether `size` more bytes of `owner` fit: the store's limit, and for an uploader other
    /// than the node its own quota and the share of all such uploaders.
    fn room(
        &self,
        index: &HashMap<BlobId, Meta>,
        size: u64,
        owner: Owner,
    ) -> Result<(), BlobError> {
        let used = held(index, |_| true);
        if let Owner::Uploader(key) = owner {
            self.quota(index, size, key)?;
            let foreign = held(index, |o| o != Owner::Node);
            if foreign + size > self.limits.foreign_total {
                return Err(BlobError::ForeignFull {
                    used: foreign,
                    limit: self.limits.foreign_total,
                });
            }
        }
        if used + size > self.limits.max_total {
            return Err(BlobError::Full {
                used,
                limit: self.limits.max_total,
            });
        }
        Ok(())
    }

    /// Bytes `owner` holds (unexpired or not yet swept).
    pub fn held_by(&self, owner: Owner) -> u64 {
        held(&self.index(), |o| o == owner)
    }

    /// The blob's bytes, if held and not expired.
    pub fn get(&self, id: &BlobId) -> Result<Option<Vec<u8>>, BlobError> {
        self.get_at(id, now_secs())
    }

    /// [`get`](Self::get) at the time `now`.
    pub fn get_at(&self, id: &BlobId, now: u64) -> Result<Option<Vec<u8>>, BlobError> {
        let mut index = self.index();
        let Some(m) = index.get(id).copied() else {
            return Ok(None);
        };
        if m.expires_at <= now {
            index.remove(id);
            let _ = fs::remove_file(self.path(id));
            return Ok(None);
        }
        let mut f = File::open(self.path(id))?;
        f.seek(SeekFrom::Start(m.header_len))?;
        let mut data = Vec::with_capacity(m.size as usize);
        f.read_to_end(&mut data)?;
        if BlobId::of(&data) != *id {
            warn!("blob {id} is damaged on disk; removed");
            index.remove(id);
            let _ = fs::remove_file(self.path(id));
            return Ok(None);
        }
        Ok(Some(data))
    }

    /// Facts about a held, unexpired blob.
    pub fn stat(&self, id: &BlobId) -> Option<Stored> {
        let now = now_secs();
        self.index()
            .get(id)
            .filter(|m| m.expires_at > now)
            .map(|m| Stored {
                id: *id,
                size: m.size,
                expires_at: m.expires_at,
            })
    }

    /// Removes every blob expired at `now`; returns how many.
    pub fn sweep_at(&self, now: u64) -> usize {
        let mut index = self.index();
        self.sweep_locked(&mut index, now)
    }

    fn sweep_locked(&self, index: &mut HashMap<BlobId, Meta>, now: u64) -> usize {
        let expired: Vec<BlobId> = index
            .iter()
            .filter(|(_, m)| m.expires_at <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in &expired {
            index.remove(id);
            let _ = fs::remove_file(self.path(id));
        }
        expired.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Limits {
        Limits {
            max_blob: 100,
            max_total: 250,
            default_ttl: 60,
            max_ttl: 600,
            per_uploader: 150,
            foreign_total: 200,
            foreign_max_ttl: 30,
        }
    }

    #[test]
    fn round_trip_limits_and_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let s = BlobStore::open(dir.path(), small()).unwrap();
        let a = s.put_at(b"alpha", None, 1_000).unwrap();
        assert_eq!(a.id, BlobId::of(b"alpha"));
        assert_eq!((a.size, a.expires_at), (5, 1_060));
        assert_eq!(s.get_at(&a.id, 1_001).unwrap().unwrap(), b"alpha");
        // The same bytes again only extend the expiry.
        assert_eq!(
            s.put_at(b"alpha", Some(600), 1_000).unwrap().expires_at,
            1_600
        );
        assert_eq!(
            s.put_at(b"alpha", Some(1), 1_000).unwrap().expires_at,
            1_600
        );
        assert_eq!(s.usage().count, 1);

        assert!(matches!(
            s.put_at(&[0; 101], None, 1_000),
            Err(BlobError::TooLarge {
                size: 101,
                limit: 100
            })
        ));
        assert!(matches!(
            s.put_at(b"x", Some(0), 1_000),
            Err(BlobError::BadTtl { .. })
        ));
        assert!(matches!(
            s.put_at(b"x", Some(601), 1_000),
            Err(BlobError::BadTtl { .. })
        ));
        assert!(matches!(
            s.put_expected(&BlobId::of(b"other"), b"x", None),
            Err(BlobError::HashMismatch { .. })
        ));

        // Full: 5 + 100 + 100 bytes held, 100 more do not fit until something expires.
        s.put_at(&[1; 100], Some(10), 1_000).unwrap();
        s.put_at(&[2; 100], None, 1_000).unwrap();
        assert!(matches!(
            s.put_at(&[3; 100], None, 1_005),
            Err(BlobError::Full {
                used: 205,
                limit: 250
            })
        ));
        // At 1 010 the 10-second blob has expired and makes room.
        s.put_at(&[3; 100], None, 1_010).unwrap();
        assert_eq!(s.get_at(&BlobId::of(&[1; 100]), 1_010).unwrap(), None);
        assert_eq!(s.get_at(&a.id, 1_600).unwrap(), None, "expired");
        assert_eq!(s.sweep_at(10_000), 2);
        assert_eq!(s.usage().count, 0);
    }

    #[test]
    fn survives_a_crash_and_drops_damage() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let s = BlobStore::open(dir.path(), small()).unwrap();
            s.put(b"kept", None).unwrap().id
        };
        // A write interrupted before its rename, a file with a bad header, one with bad bytes.
        fs::write(dir.path().join(".tmpABC"), b"partial").unwrap();
        let bad_header = BlobId::of(b"h");
        fs::write(dir.path().join(format!("{bad_header}.blob")), b"junk").unwrap();
        let bad_bytes = BlobId::of(b"right");
        let mut f = header(u64::MAX, Owner::Node).to_vec();
        f.extend_from_slice(b"wrong");
        fs::write(dir.path().join(format!("{bad_bytes}.blob")), f).unwrap();

        let s = BlobStore::open(dir.path(), small()).unwrap();
        assert_eq!(s.get(&id).unwrap().unwrap(), b"kept");
        assert!(!dir.path().join(".tmpABC").exists());
        assert_eq!(s.get(&bad_header).unwrap(), None);
        assert_eq!(s.get(&bad_bytes).unwrap(), None);
        assert!(!dir.path().join(format!("{bad_bytes}.blob")).exists());
        assert_eq!(s.usage().count, 1);
    }

    const A: Owner = Owner::Uploader([1; 32]);
    const B: Owner = Owner::Uploader([2; 32]);

    #[test]
    fn other_uploaders_keep_to_their_quotas_and_never_starve_the_node() {
        let dir = tempfile::tempdir().unwrap();
        let s = BlobStore::open(dir.path(), small()).unwrap();
        // An uploader holds at most 150 bytes, for at most 30 s (its default too).
        let a1 = s.put_as(&[1; 100], None, A, 1_000).unwrap();
        assert_eq!(a1.expires_at, 1_030);
        assert!(matches!(
            s.put_as(&[2; 60], None, A, 1_000),
            Err(BlobError::OverQuota {
                held: 100,
                size: 60,
                quota: 150,
                ..
            })
        ));
        assert!(matches!(
            s.put_as(b"x", Some(31), A, 1_000),
            Err(BlobError::BadTtl { ttl: 31, max: 30 })
        ));
        // All of them together at most 200: B fits 100, then nothing more of anyone's.
        s.put_as(&[3; 100], None, B, 1_000).unwrap();
        assert!(matches!(
            s.put_as(&[4; 10], None, Owner::Uploader([3; 32]), 1_000),
            Err(BlobError::ForeignFull {
                used: 200,
                limit: 200
            })
        ));
        // The node still has the rest of the store, with its own limits.
        let own = s.put_as(&[5; 50], Some(600), Owner::Node, 1_000).unwrap();
        assert_eq!(own.expires_at, 1_600);
        assert_eq!(
            (s.held_by(A), s.held_by(B), s.held_by(Owner::Node)),
            (100, 100, 50)
        );
        // Another uploader that keeps A's blob longer holds it from then on, within its quota.
        assert!(matches!(
            s.put_as(&[1; 100], None, B, 1_010),
            Err(BlobError::OverQuota { held: 100, .. })
        ));
        let c = Owner::Uploader([3; 32]);
        assert_eq!(
            s.put_as(&[1; 100], None, c, 1_010).unwrap().expires_at,
            1_040
        );
        assert_eq!((s.held_by(A), s.held_by(c)), (0, 100));
        // Others do not extend the node's blobs.
        assert_eq!(
            s.put_as(&[5; 50], None, A, 1_010).unwrap().expires_at,
            1_600
        );
        // Their blobs expire with their short lives and make room again.
        s.sweep_at(1_031);
        assert_eq!(s.held_by(B), 0);
        s.put_as(&[2; 60], None, A, 1_031).unwrap();
        s.put_as(&[6; 100], None, B, 1_031).unwrap_err(); // c's 100 + A's 60 + 100 > 200
    }

    #[test]
    fn the_node_takes_over_a_blob_it_stores_too_and_owners_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let s = BlobStore::open(dir.path(), small()).unwrap();
            let id = s.put_as(b"a prompt", None, A, now_secs()).unwrap().id;
            s.put_as(b"kept by b", None, B, now_secs()).unwrap();
            // A miner keeps the prompt it serves: the node's now, for the node's time.
            let st = s
                .put_as(b"a prompt", Some(600), Owner::Node, now_secs())
                .unwrap();
            assert!(st.expires_at >= now_secs() + 600);
            id
        };
        let s = BlobStore::open(dir.path(), small()).unwrap();
        assert_eq!(s.held_by(A), 0);
        assert_eq!(s.held_by(B), 9);
        assert_eq!(s.held_by(Owner::Node), 8);
        assert_eq!(s.get(&id).unwrap().unwrap(), b"a prompt");
    }

    #[test]
    fn version_1_files_are_read_as_the_nodes() {
        let dir = tempfile::tempdir().unwrap();
        let id = BlobId::of(b"old");
        let mut f = MAGIC.to_vec();
        f.push(1);
        f.extend_from_slice(&u64::MAX.to_le_bytes());
        f.extend_from_slice(b"old");
        fs::write(dir.path().join(format!("{id}.blob")), f).unwrap();
        let s = BlobStore::open(dir.path(), small()).unwrap();
        assert_eq!(s.get(&id).unwrap().unwrap(), b"old");
        assert_eq!(s.held_by(Owner::Node), 3);
        // Renewed in place: still a version 1 file, still readable.
        s.put(b"old", Some(600)).unwrap();
        let s = BlobStore::open(dir.path(), small()).unwrap();
        assert_eq!(s.get(&id).unwrap().unwrap(), b"old");
    }
}
