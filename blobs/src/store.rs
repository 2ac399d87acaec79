//! The on-disk store: one file per blob, named by its id, written atomically (temporary file,
//! fsync, rename, fsync of the directory), so a crash leaves either the whole blob or none of it.
//!
//! File layout: magic `AMBB` · version `1` · expiry (unix seconds, u64 LE) · the bytes. Reads check
//! the content against its id; a damaged file is removed and reported missing.

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
const VERSION: u8 = 1;
const HEADER: usize = 4 + 1 + 8;
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
}

impl Default for Limits {
    /// 8 MiB per blob, 1 GiB in all, a day by default, a week at most.
    fn default() -> Self {
        Limits {
            max_blob: 8 << 20,
            max_total: 1 << 30,
            default_ttl: 24 * 3600,
            max_ttl: 7 * 24 * 3600,
        }
    }
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

fn header(expires_at: u64) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..4].copy_from_slice(MAGIC);
    h[4] = VERSION;
    h[5..].copy_from_slice(&expires_at.to_le_bytes());
    h
}

fn parse_header(h: &[u8]) -> Option<u64> {
    (h.len() == HEADER && &h[..4] == MAGIC && h[4] == VERSION)
        .then(|| u64::from_le_bytes(h[5..].try_into().expect("8 bytes")))
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
            let mut h = [0u8; HEADER];
            let meta = File::open(&path).and_then(|mut f| {
                let len = f.metadata()?.len();
                f.read_exact(&mut h)?;
                Ok(len)
            });
            match (meta, parse_header(&h)) {
                (Ok(len), Some(expires_at)) => {
                    index.insert(
                        id,
                        Meta {
                            size: len - HEADER as u64,
                            expires_at,
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

    fn ttl(&self, ttl: Option<u64>) -> Result<u64, BlobError> {
        let ttl = ttl.unwrap_or(self.limits.default_ttl);
        if ttl == 0 || ttl > self.limits.max_ttl {
            return Err(BlobError::BadTtl {
                ttl,
                max: self.limits.max_ttl,
            });
        }
        Ok(ttl)
    }

    /// Stores `data` for `ttl` seconds (the default when `None`); storing bytes already held only
    /// extends their expiry.
    pub fn put(&self, data: &[u8], ttl: Option<u64>) -> Result<Stored, BlobError> {
        self.put_at(data, ttl, now_secs())
    }

    /// Stores `data` under `id`, refusing content that does not hash to it.
    pub fn put_expected(
        &self,
        id: &BlobId,
        data: &[u8],
        ttl: Option<u64>,
    ) -> Result<Stored, BlobError> {
        let actual = BlobId::of(data);
        if actual != *id {
            return Err(BlobError::HashMismatch {
                expected: id.to_hex(),
                actual: actual.to_hex(),
            });
        }
        self.put(data, ttl)
    }

    /// [`put`](Self::put) at the time `now` (unix seconds).
    pub fn put_at(&self, data: &[u8], ttl: Option<u64>, now: u64) -> Result<Stored, BlobError> {
        let size = data.len() as u64;
        if size > self.limits.max_blob {
            return Err(BlobError::TooLarge {
                size,
                limit: self.limits.max_blob,
            });
        }
        let expires_at = now.saturating_add(self.ttl(ttl)?);
        let id = BlobId::of(data);
        let mut index = self.index();
        if let Some(m) = index.get(&id).copied() {
            if m.expires_at < expires_at {
                let f = OpenOptions::new().write(true).open(self.path(&id))?;
                f.write_all_at(&expires_at.to_le_bytes(), 5)?;
                f.sync_data()?;
                index.insert(id, Meta { expires_at, ..m });
            }
            let m = index[&id];
            return Ok(Stored {
                id,
                size,
                expires_at: m.expires_at,
            });
        }
        let mut used: u64 = index.values().map(|m| m.size).sum();
        if used + size > self.limits.max_total {
            self.sweep_locked(&mut index, now);
            used = index.values().map(|m| m.size).sum();
            if used + size > self.limits.max_total {
                return Err(BlobError::Full {
                    used,
                    limit: self.limits.max_total,
                });
            }
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp")
            .tempfile_in(&self.dir)?;
        tmp.write_all(&header(expires_at))?;
        tmp.write_all(data)?;
        tmp.as_file().sync_all()?;
        tmp.persist(self.path(&id)).map_err(|e| e.error)?;
        File::open(&self.dir)?.sync_all()?;
        index.insert(id, Meta { size, expires_at });
        Ok(Stored {
            id,
            size,
            expires_at,
        })
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
        f.seek(SeekFrom::Start(HEADER as u64))?;
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
        let mut f = header(u64::MAX).to_vec();
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
}
