//! API keys: who may make the node spend its own key. A chat completion that the node opens and
//! pays for (no `ambient.request` of the caller's own) must bear an operator-issued key
//! (`Authorization: Bearer amb-…`), as `llama-server --api-key` and vLLM ask for one. Each key
//! has a budget (lamports it may spend in all) and a price cap (most escrowed for one request).
//!
//! The book lives in a JSON file (`<ledger>/api-keys.json`, mode 0600) that holds each key's
//! blake3 hash, never the key itself; it is rewritten (temporary file, fsync, rename) on every
//! change, so a crash loses nothing. A request reserves its escrow from the budget before its
//! auction opens; once its outcome is known the reservation becomes the price paid to the winner
//! (nothing when the auction ended without a result). A request refused before its auction
//! opened costs nothing; one whose outcome the node never learns (a timeout, a stop) stays
//! charged its escrow.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rand::RngCore;
use serde::{Deserialize, Serialize};

/// What keys start with.
pub const KEY_PREFIX: &str = "amb-";

/// A key's record in the book.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiKey {
    /// Its public id (`key-` and 8 hex digits), for `list` and `revoke`.
    pub id: String,
    /// The operator's name for it.
    pub name: String,
    /// blake3 of the key, hex.
    pub hash: String,
    /// Lamports it may spend in all; `None`: no limit.
    pub budget: Option<u64>,
    /// Lamports spent (and reserved for requests in flight).
    pub spent: u64,
    /// Most escrowed for one request, in lamports; `None`: the node's default escrow.
    pub max_price: Option<u64>,
    /// When it was made (Unix seconds).
    pub created: u64,
    /// Whether it was revoked.
    pub revoked: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Book {
    keys: Vec<ApiKey>,
}

/// A refusal, as the HTTP status it answers with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyRefusal {
    /// No key, an unknown one, or a revoked one (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The key's budget cannot cover the request's escrow (402).
    #[error("{0}")]
    OverBudget(String),
    /// The request asks for more than the key's price cap (403).
    #[error("{0}")]
    OverCap(String),
    /// The node cannot record the spending (its disk): nothing is spent (503).
    #[error("{0}")]
    Unrecorded(String),
}

/// The book cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyBookError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The book's path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a key book.
    #[error("{path} is not an API key book: {source}")]
    Malformed {
        /// The book's path.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// No such key.
    #[error("no API key {0}")]
    Unknown(String),
    /// A bad name.
    #[error("{0}")]
    Invalid(String),
}

/// The node's API keys.
pub struct ApiKeys {
    path: Option<PathBuf>,
    book: Mutex<Book>,
}

/// Escrow reserved from a key for one request; [`Charge::settle`] turns it into what was paid.
/// Dropped unsettled, it is refunded if its auction never opened and stays spent otherwise.
pub struct Charge {
    keys: Arc<ApiKeys>,
    id: String,
    reserved: u64,
    settled: Mutex<bool>,
    opened: std::sync::atomic::AtomicBool,
}

impl Drop for Charge {
    fn drop(&mut self) {
        if !self.opened.load(std::sync::atomic::Ordering::Relaxed) {
            self.settle(0);
        }
    }
}

impl Charge {
    /// The request cost `paid` (at most the reservation): the rest goes back to the key's budget.
    pub fn settle(&self, paid: u64) {
        let mut settled = self.settled.lock().unwrap_or_else(|p| p.into_inner());
        if *settled {
            return;
        }
        *settled = true;
        let refund = self.reserved.saturating_sub(paid);
        if refund > 0 {
            if let Err(e) = self.keys.refund(&self.id, refund) {
                log::error!("API key {}: refunding {refund} lamports: {e}", self.id);
            }
        }
    }

    /// The request's auction opened: its escrow is at stake from now on.
    pub fn mark_opened(&self) {
        self.opened
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn hash_of(key: &str) -> String {
    blake3::hash(key.as_bytes()).to_hex().to_string()
}

impl ApiKeys {
    /// The book at `path` (an empty one if the file does not exist yet).
    pub fn open(path: &Path) -> Result<ApiKeys, KeyBookError> {
        let book = match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|source| KeyBookError::Malformed {
                    path: path.to_path_buf(),
                    source,
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Book::default(),
            Err(source) => {
                return Err(KeyBookError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Ok(ApiKeys {
            path: Some(path.to_path_buf()),
            book: Mutex::new(book),
        })
    }

    /// A book kept in memory only (tests, fuzzing).
    pub fn in_memory() -> ApiKeys {
        ApiKeys {
            path: None,
            book: Mutex::new(Book::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the book as the market's bid book is written: a temporary file beside it (mode
    /// 0600, `tempfile`'s), fsynced, renamed over the old one.
    fn save(&self, book: &Book) -> Result<(), KeyBookError> {
        use std::io::Write;
        let Some(path) = &self.path else {
            return Ok(());
        };
        let io = |source| KeyBookError::Io {
            path: path.clone(),
            source,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let json = serde_json::to_vec_pretty(book).map_err(|e| io(std::io::Error::other(e)))?;
        tmp.write_all(&json).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// Makes a key named `name`; returns its record and the key itself (shown once: the book
    /// keeps only its hash).
    pub fn add(
        &self,
        name: &str,
        budget: Option<u64>,
        max_price: Option<u64>,
    ) -> Result<(ApiKey, String), KeyBookError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(KeyBookError::Invalid(
                "a key's name is 1 to 64 printable characters".into(),
            ));
        }
        let mut secret = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let key = format!("{KEY_PREFIX}{}", hex::encode(secret));
        let hash = hash_of(&key);
        let record = ApiKey {
            id: format!("key-{}", &hash[..8]),
            name: name.to_string(),
            hash,
            budget,
            spent: 0,
            max_price,
            created: now(),
            revoked: false,
        };
        let mut book = self.lock();
        book.keys.push(record.clone());
        if let Err(e) = self.save(&book) {
            book.keys.pop();
            return Err(e);
        }
        Ok((record, key))
    }

    /// Every key, revoked ones too.
    pub fn list(&self) -> Vec<ApiKey> {
        self.lock().keys.clone()
    }

    /// Revokes the key `id`: requests bearing it are refused from now on.
    pub fn revoke(&self, id: &str) -> Result<ApiKey, KeyBookError> {
        self.update(id, |k| k.revoked = true)
    }

    fn refund(&self, id: &str, lamports: u64) -> Result<ApiKey, KeyBookError> {
        self.update(id, |k| k.spent = k.spent.saturating_sub(lamports))
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut ApiKey)) -> Result<ApiKey, KeyBookError> {
        let unknown = || KeyBookError::Unknown(id.to_string());
        let change = |k: &mut ApiKey| {
            change(k);
            Ok(())
        };
        self.change_key(id, change, unknown, |e| e)
    }

    /// Changes key `id` and saves the book, or leaves the book as it was: `change` may refuse
    /// (its error is returned as it is); a key not in the book is `missing()`, a book that cannot
    /// be saved `unsaved(why)`.
    fn change_key<E>(
        &self,
        id: &str,
        change: impl FnOnce(&mut ApiKey) -> Result<(), E>,
        missing: impl FnOnce() -> E,
        unsaved: impl FnOnce(KeyBookError) -> E,
    ) -> Result<ApiKey, E> {
        let mut book = self.lock();
        let Some(at) = book.keys.iter().position(|k| k.id == id) else {
            return Err(missing());
        };
        let before = book.keys[at].clone();
        change(&mut book.keys[at])?;
        if let Err(e) = self.save(&book) {
            book.keys[at] = before;
            return Err(unsaved(e));
        }
        Ok(book.keys[at].clone())
    }

    /// The live key an `Authorization` header value bears (`Bearer amb-…`).
    pub fn authorize(&self, header: Option<&str>) -> Result<ApiKey, KeyRefusal> {
        // The scheme is case-insensitive (RFC 9110).
        let bearer = header
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .ok_or_else(|| {
                KeyRefusal::Unauthorized(
                    "this node pays for requests only with an API key it issued \
                     (Authorization: Bearer amb-…); or open the auction with your own key and \
                     pass its address as ambient.request"
                        .into(),
                )
            })?;
        let hash = hash_of(bearer);
        let book = self.lock();
        let key = book.keys.iter().find(|k| k.hash == hash).ok_or_else(|| {
            KeyRefusal::Unauthorized("the API key is not one this node issued".into())
        })?;
        if key.revoked {
            return Err(KeyRefusal::Unauthorized(format!(
                "API key {} was revoked",
                key.id
            )));
        }
        Ok(key.clone())
    }

    /// The escrow a request bearing `key` may offer: `asked` if the caller named one (refused
    /// above the key's cap), otherwise the node's `default` lowered to the cap.
    pub fn escrow(key: &ApiKey, asked: Option<u64>, default: u64) -> Result<u64, KeyRefusal> {
        match (asked, key.max_price) {
            (Some(a), Some(cap)) if a > cap => Err(KeyRefusal::OverCap(format!(
                "ambient.max_price {a} is above API key {}'s cap of {cap} lamports a request",
                key.id
            ))),
            (Some(a), _) => Ok(a),
            (None, Some(cap)) => Ok(default.min(cap)),
            (None, None) => Ok(default),
        }
    }

    /// Reserves `escrow` lamports of key `id`'s budget for one request.
    pub fn reserve(self: &Arc<Self>, id: &str, escrow: u64) -> Result<Charge, KeyRefusal> {
        let revoked = || KeyRefusal::Unauthorized(format!("API key {id} was revoked"));
        let spend = |key: &mut ApiKey| {
            if key.revoked {
                return Err(revoked());
            }
            let left = key.budget.map(|b| b.saturating_sub(key.spent));
            if left.is_some_and(|l| l < escrow) {
                return Err(KeyRefusal::OverBudget(format!(
                    "API key {id} has {} lamports of its budget left; this request escrows {escrow}",
                    left.unwrap_or(0)
                )));
            }
            key.spent = key.spent.saturating_add(escrow);
            Ok(())
        };
        let unsaved = |e: KeyBookError| {
            log::error!("API key book: {e}");
            KeyRefusal::Unrecorded(format!(
                "the node cannot record spending on API key {id} right now; nothing was spent"
            ))
        };
        self.change_key(id, spend, revoked, unsaved)?;
        Ok(Charge {
            keys: self.clone(),
            id: id.to_string(),
            reserved: escrow,
            settled: Mutex::new(false),
            opened: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(k: &str) -> Option<String> {
        Some(format!("Bearer {k}"))
    }

    #[test]
    fn a_key_is_shown_once_stored_as_a_hash_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api-keys.json");
        let keys = ApiKeys::open(&path).unwrap();
        let (rec, key) = keys.add("alice", Some(1_000), Some(300)).unwrap();
        assert!(key.starts_with(KEY_PREFIX) && key.len() == 4 + 48);
        let file = std::fs::read_to_string(&path).unwrap();
        assert!(!file.contains(&key) && file.contains(&rec.hash));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = ApiKeys::open(&path).unwrap();
        assert_eq!(again.authorize(bearer(&key).as_deref()).unwrap().id, rec.id);
    }

    #[test]
    fn missing_unknown_and_revoked_keys_are_unauthorized() {
        let keys = ApiKeys::in_memory();
        let (rec, key) = keys.add("bob", None, None).unwrap();
        let upper = Some(format!("BEARER {key}"));
        assert!(
            keys.authorize(upper.as_deref()).is_ok(),
            "the scheme is case-insensitive"
        );
        for h in [
            None,
            Some("Basic abc".to_string()),
            bearer("amb-00"),
            bearer(""),
        ] {
            assert!(matches!(
                keys.authorize(h.as_deref()),
                Err(KeyRefusal::Unauthorized(_))
            ));
        }
        assert!(keys.authorize(bearer(&key).as_deref()).is_ok());
        keys.revoke(&rec.id).unwrap();
        assert!(matches!(
            keys.authorize(bearer(&key).as_deref()),
            Err(KeyRefusal::Unauthorized(m)) if m.contains("revoked")
        ));
        assert!(matches!(
            keys.revoke("key-nope"),
            Err(KeyBookError::Unknown(_))
        ));
    }

    #[test]
    fn the_cap_bounds_each_request_and_the_budget_all_of_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api-keys.json");
        let keys = Arc::new(ApiKeys::open(&path).unwrap());
        let (rec, _) = keys.add("carol", Some(1_000), Some(400)).unwrap();
        // Over the cap: refused; no price named: the default, lowered to the cap.
        assert!(matches!(
            ApiKeys::escrow(&rec, Some(401), 100),
            Err(KeyRefusal::OverCap(_))
        ));
        assert_eq!(ApiKeys::escrow(&rec, None, 5_000).unwrap(), 400);
        assert_eq!(ApiKeys::escrow(&rec, Some(250), 5_000).unwrap(), 250);
        // Two reservations of 400 fit; a third does not until one settles below its escrow.
        let a = keys.reserve(&rec.id, 400).unwrap();
        let b = keys.reserve(&rec.id, 400).unwrap();
        a.mark_opened();
        b.mark_opened();
        assert!(matches!(
            keys.reserve(&rec.id, 400),
            Err(KeyRefusal::OverBudget(_))
        ));
        a.settle(150);
        a.settle(0); // settles once
        drop(b); // unsettled after its auction opened: its escrow stays spent
        let c = keys.reserve(&rec.id, 200).unwrap();
        c.settle(0);
        drop(keys.reserve(&rec.id, 200).unwrap()); // refused before its auction opened: free
        let spent = ApiKeys::open(&path).unwrap().list()[0].spent;
        assert_eq!(spent, 150 + 400);
    }

    #[test]
    fn a_malformed_book_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api-keys.json");
        std::fs::write(&path, b"{not json").unwrap();
        let e = ApiKeys::open(&path).err().unwrap().to_string();
        assert!(
            e.contains("api-keys.json") && e.contains("not an API key book"),
            "{e}"
        );
    }
}
