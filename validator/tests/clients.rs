//! Client libraries against a real `ambient-validator` process: the unmodified
//! `@solana/web3.js` and official `openai` Node clients in `clients/js` (node's test runner), the
//! solana-py / solders suite in `clients/python` (pytest), the official `openai` Python client
//! against the node's REST API,
//! and the Python and TypeScript SDKs (`clients/python/ambient`, `clients/ts`). `ci/test.sh`
//! installs the libraries first; without them these tests fail and say how to install them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{free_port_pair, Validator, AUDIT_EVERY_JOB};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run_suite(mut cmd: Command, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::start(dir.path(), free_port_pair(), &AUDIT_EVERY_JOB);
    let out = cmd
        .env("AMBIENT_RPC_URL", v.url())
        .env("AMBIENT_WS_URL", v.ws_url())
        .env("AMBIENT_API_URL", v.api_url())
        .env("AMBIENT_API_KEY", v.api_key())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the {what} suite: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} suite failed ({}):\n{stdout}\n{stderr}\nvalidator log tail:\n{}",
        out.status,
        common::tail(&v.log(), 30)
    );
    eprintln!("{}", common::tail(&stdout, 12));
}

#[test]
fn web3js_and_openai_node_suites_pass() {
    let js = repo().join("clients/js");
    for package in ["@solana/web3.js", "openai"] {
        assert!(
            js.join("node_modules").join(package).is_dir(),
            "{package} is not installed: run `npm ci --prefix clients/js` (ci/test.sh does)"
        );
    }
    let mut cmd = Command::new("node");
    cmd.current_dir(&js).args(["--test", "test/"]);
    run_suite(cmd, "@solana/web3.js and openai (Node)");
}

#[test]
fn typescript_sdk_suite_passes() {
    let ts = repo().join("clients/ts");
    assert!(
        ts.join("node_modules/@solana/web3.js").is_dir(),
        "the TypeScript SDK's packages are not installed: run `npm ci --prefix clients/ts` \
         (ci/test.sh does)"
    );
    let mut cmd = Command::new("node");
    cmd.current_dir(&ts).args(["--test", "test/"]);
    run_suite(cmd, "TypeScript SDK");
}

/// pytest on `file` in `clients/python`, with a Python that has `modules` (the venv ci/test.sh
/// makes, named by AMBIENT_PYTHON).
fn pytest(file: &str, modules: &str, what: &str) {
    let python = std::env::var("AMBIENT_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .status();
    assert!(
        probe.is_ok_and(|s| s.success()),
        "{what} is not installed for {python}: install clients/python/requirements.txt \
         (ci/test.sh does, into a venv named by AMBIENT_PYTHON)"
    );
    let mut cmd = Command::new(&python);
    cmd.current_dir(repo().join("clients/python")).args([
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        file,
    ]);
    run_suite(cmd, what);
}

#[test]
fn python_sdk_suite_passes() {
    pytest(
        "test_sdk.py",
        "ambient, solana, solders, blake3, httpx, pytest",
        "the Python SDK",
    );
}

#[test]
fn solana_py_suite_passes() {
    pytest("test_solana_py.py", "solana, solders, pytest", "solana-py");
}

#[test]
fn openai_python_client_gets_verified_answers() {
    pytest(
        "test_openai.py",
        "openai, httpx, pytest",
        "the openai client",
    );
}
