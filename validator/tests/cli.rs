//! `ambient-validator`'s refusals: clear errors and a non-zero exit for flags and ledgers that do
//! not fit together.

mod common;

use std::process::Command;

use common::{free_port_pair, Validator};
use solana_keypair::{write_keypair_file, Keypair};

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ambient-validator"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn refuses_what_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let l = ledger.to_str().unwrap();

    let (ok, err) = run(&["--ledger", l]);
    assert!(
        !ok && err.contains("no ledger at") && err.contains("--dev"),
        "{err}"
    );
    let (ok, err) = run(&["--ledger", l, "--reset"]);
    assert!(!ok && err.contains("only allowed with --dev"), "{err}");
    let (ok, err) = run(&["--dev", "--ledger", l, "--slot-ms", "0"]);
    assert!(!ok && err.contains("--slot-ms"), "{err}");
    let (ok, err) = run(&["--dev", "--ledger", l, "--audit-floor", "0"]);
    assert!(!ok && err.contains("--audit-floor"), "{err}");
    let (ok, err) = run(&["--dev", "--ledger", l, "--slots-per-epoch", "31"]);
    assert!(
        !ok && err.contains("--slots-per-epoch 31 is too small: the least is 32"),
        "{err}"
    );
    let (ok, err) = run(&[
        "--dev",
        "--ledger",
        l,
        "--identity",
        "/nonexistent/key.json",
    ]);
    assert!(!ok && err.contains("reading keypair"), "{err}");
    // Flags that only matter when joining a cluster, or that are malformed, are refused.
    let (ok, err) = run(&[
        "--dev",
        "--ledger",
        l,
        "--known-validator",
        "11111111111111111111111111111111",
    ]);
    assert!(!ok && err.contains("--entrypoint"), "{err}");
    let (ok, err) = run(&["--dev", "--ledger", l, "--public-tvu-address", "nowhere"]);
    assert!(!ok && err.contains("--public-tvu-address"), "{err}");

    // A ledger made with one identity refuses another.
    let mine = dir.path().join("mine.json");
    write_keypair_file(&Keypair::new(), &mine).unwrap();
    let mut v = Validator::start(
        &ledger,
        free_port_pair(),
        &["--identity", mine.to_str().unwrap()],
    );
    assert!(v.terminate().success());
    let other = dir.path().join("other.json");
    write_keypair_file(&Keypair::new(), &other).unwrap();
    let (ok, err) = run(&[
        "--dev",
        "--ledger",
        l,
        "--identity",
        other.to_str().unwrap(),
    ]);
    assert!(
        !ok && err.contains("is not the validator of the ledger"),
        "{err}"
    );
}
