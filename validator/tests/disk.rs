//! The ledger's disk on a real `ambient-validator --dev`, on a small tmpfs of its own: a disk that
//! fills up while the node runs stops it cleanly with a clear error, a full or read-only disk is
//! refused at start with a clear error, and once the disk is fixed the node starts again with
//! nothing confirmed lost. Mounting needs root (CI runs as root); elsewhere the test says it was
//! skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port_pair, Validator};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A tmpfs mounted for the test, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size_mb: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mb}m"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }

    fn remount(&self, mode: &str) {
        let s = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(s.success(), "remount {mode}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

const MIN_FREE_MB: u64 = 64;

/// Runs the validator on `ledger` expecting it to refuse to start; returns its error output.
fn refused(ledger: &Path, port: u16) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ambient-validator"))
        .args(["--dev", "--no-market", "--ledger"])
        .arg(ledger)
        .args(["--rpc-port", &port.to_string()])
        .args(["--ledger-min-free-mb", &MIN_FREE_MB.to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success(), "it started: {out:?}");
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Fills `dir`'s file system to `leave_mb` MiB free with a file it returns.
fn fill(dir: &Path, leave_mb: u64) -> PathBuf {
    let filler = dir.join("filler");
    let free = {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(dir)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let size = free.saturating_sub(leave_mb << 20);
    let f = std::fs::File::create(&filler).unwrap();
    // tmpfs has no fallocate for sparse tricks: write real bytes, 1 MiB at a time.
    let chunk = vec![0u8; 1 << 20];
    let mut w = std::io::BufWriter::new(f);
    for _ in 0..size >> 20 {
        std::io::Write::write_all(&mut w, &chunk).unwrap();
    }
    std::io::Write::flush(&mut w).unwrap();
    filler
}

#[test]
fn full_or_read_only_disks_give_clear_errors_and_no_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&dir.path().join("fs"), 1024) else {
        ambient_testkit::skip!("mounting a tmpfs needs root; the disk-full test did not run");
        return;
    };
    let ledger = fs.0.join("ledger");
    let port = free_port_pair();
    let extra = ["--no-market", "--ledger-min-free-mb", "64"];
    let mut v = Validator::start(&ledger, port, &extra);
    let client = v.client(CommitmentConfig::confirmed());
    let faucet = v.faucet();
    let to = Keypair::new().pubkey();
    let blockhash = client.get_latest_blockhash().unwrap();
    let tx = solana_system_transaction::transfer(&faucet, &to, 4_242_424, blockhash);
    let sig = client.send_and_confirm_transaction(&tx).unwrap();

    // The disk fills up while the node runs: it stops cleanly, saying why.
    let filler = fill(&fs.0, MIN_FREE_MB / 2);
    let mut child = v.child.take().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the node kept running on a full disk"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!status.success());
    let log = std::fs::read_to_string(ledger.join("validator.log")).unwrap();
    assert!(
        log.contains("disk is almost full"),
        "{}",
        common::tail(&log, 20)
    );
    assert!(log.contains("shutting down"), "a clean stop");

    // Still full: refused at start, clearly.
    let err = refused(&ledger, port);
    assert!(err.contains("disk is almost full"), "{err}");

    // Freed: it starts, and the confirmed transfer is there.
    std::fs::remove_file(&filler).unwrap();
    let mut v = Validator::start(&ledger, port, &extra);
    let client = v.client(CommitmentConfig::confirmed());
    assert!(client
        .get_signature_statuses_with_history(&[sig])
        .unwrap()
        .value[0]
        .is_some());
    let status = v.terminate();
    assert!(status.success());

    // Read-only: refused at start, clearly, with nothing changed.
    fs.remount("ro");
    let err = refused(&ledger, port);
    assert!(err.contains("read-only file system"), "{err}");
    fs.remount("rw");
    let v = Validator::start(&ledger, port, &extra);
    let client = v.client(CommitmentConfig::processed());
    // A restart replays the ledger past its newest snapshot: the transfer is there once the node
    // has caught up to it.
    let start = Instant::now();
    while client.get_balance(&to).unwrap_or(0) != 4_242_424 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the confirmed transfer is gone after the restart"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
