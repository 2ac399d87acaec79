//! The ledger's disk: a read-only file system or too little free space is refused at start with a
//! clear error, and a node whose disk fills up while it runs stops cleanly (a clean stop, a
//! snapshot of the root) before the ledger's writes start failing.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use anyhow::{anyhow, bail, Result};

const MIB: u64 = 1 << 20;

/// Bytes free for unprivileged writers on the file system holding `path`.
pub fn free_bytes(path: &Path) -> Result<u64> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| anyhow!("{} has a NUL byte", path.display()))?;
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(anyhow!(
            "reading the free space of {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

/// Refuses a ledger directory that cannot be written or has less than `min_free_mb` MiB free.
pub fn check_writable(ledger: &Path, min_free_mb: u64) -> Result<()> {
    let probe = ledger.join(".write-probe");
    let written = std::fs::write(&probe, b"ambient").and_then(|()| std::fs::remove_file(&probe));
    if let Err(e) = written {
        if e.raw_os_error() == Some(libc::EROFS) {
            bail!(
                "the ledger at {} is on a read-only file system; remount it read-write \
                 (nothing was changed)",
                ledger.display()
            );
        }
        bail!("the ledger at {} cannot be written: {e}", ledger.display());
    }
    check_free(ledger, min_free_mb)
}

/// Errs when the ledger's file system has less than `min_free_mb` MiB free.
pub fn check_free(ledger: &Path, min_free_mb: u64) -> Result<()> {
    let free = free_bytes(ledger)?;
    if free < min_free_mb * MIB {
        bail!(
            "the ledger's disk is almost full: {} MiB free at {} (at least {min_free_mb} MiB \
             needed; see --ledger-min-free-mb)",
            free / MIB,
            ledger.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read_and_a_writable_ledger_passes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).unwrap() > 0);
        check_writable(dir.path(), 0).unwrap();
        assert!(!dir.path().join(".write-probe").exists());
        let err = check_free(dir.path(), u64::MAX / MIB)
            .unwrap_err()
            .to_string();
        assert!(err.contains("almost full"), "{err}");
        let err = check_writable(&dir.path().join("missing"), 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be written"), "{err}");
    }
}
