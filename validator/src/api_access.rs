//! The node's API key book (`--api-keys`, default `<ledger>/api-keys.json`) and, on a `--dev`
//! node, its development key (`<ledger>/dev-api-key`, mode 0600; no budget, no price cap),
//! printed in the ready banner.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ambient_api::ApiKeys;
use anyhow::{Context, Result};

/// The key book's file name in the ledger.
pub const BOOK: &str = "api-keys.json";

/// The development key's file name in the ledger.
pub const DEV_KEY: &str = "dev-api-key";

/// The key book at `path` (or the ledger's), and the dev key when `dev`.
pub fn open(
    path: Option<&PathBuf>,
    ledger: &Path,
    dev: bool,
) -> Result<(Arc<ApiKeys>, Option<String>)> {
    let path = path.cloned().unwrap_or_else(|| ledger.join(BOOK));
    let keys = Arc::new(ApiKeys::open(&path).context("opening the API key book")?);
    let dev_key = match dev {
        true => Some(dev_key(&keys, &ledger.join(DEV_KEY))?),
        false => None,
    };
    Ok((keys, dev_key))
}

/// The dev key in `file` while the book still honours it; otherwise a new one, written there.
fn dev_key(keys: &ApiKeys, file: &Path) -> Result<String> {
    if let Ok(key) = std::fs::read_to_string(file) {
        let key = key.trim().to_string();
        if keys.authorize(Some(&format!("Bearer {key}"))).is_ok() {
            return Ok(key);
        }
    }
    let (_, key) = keys
        .add("dev", None, None)
        .context("making the development API key")?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("writing {}", file.display()))?;
    writeln!(f, "{key}").with_context(|| format!("writing {}", file.display()))?;
    Ok(key)
}

/// The banner's API key line.
pub fn banner_line(keys: &ApiKeys, dev_key: Option<&str>) -> String {
    let live = keys.list().iter().filter(|k| !k.revoked).count();
    match dev_key {
        Some(k) => format!("{k} (dev; {live} live; ambient node keys add|list|revoke)"),
        None => format!("{live} live (ambient node keys add|list|revoke)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_key_is_kept_across_starts_and_replaced_once_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let (keys, first) = open(None, dir.path(), true).unwrap();
        let first = first.unwrap();
        let (_, again) = open(None, dir.path(), true).unwrap();
        assert_eq!(again.as_deref(), Some(first.as_str()));
        let id = keys.list()[0].id.clone();
        keys.revoke(&id).unwrap();
        let (keys, third) = open(None, dir.path(), true).unwrap();
        assert_ne!(third.as_deref(), Some(first.as_str()));
        assert_eq!(keys.list().len(), 2);
        let (_, none) = open(None, dir.path(), false).unwrap();
        assert!(none.is_none());
    }
}
