//! Starts real `ambient-validator` processes for tests and talks to them with Solana's own RPC
//! client.

#![allow(dead_code)]

pub mod cluster;
pub mod relay;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use solana_commitment_config::CommitmentConfig;
use solana_keypair::{read_keypair_file, Keypair};
use solana_rpc_client::rpc_client::RpcClient;

/// A validator process on a ledger directory.
pub struct Validator {
    /// The process (killed on drop).
    pub child: Option<Child>,
    /// Ledger directory.
    pub ledger: PathBuf,
    /// JSON-RPC port.
    pub rpc_port: u16,
    /// The address its ports listen on.
    pub host: String,
}

/// A TCP port free now, whose next two are free too (PubSub, the HTTP API). Picked at random below the
/// kernel's ephemeral range, so the free ports other processes (and the validator itself) are
/// handed by `bind(0)` cannot take it between this check and the validator's bind.
pub fn free_port_pair() -> u16 {
    let (low, _) = ephemeral_range();
    let floor = 10_000u32;
    let span = low.saturating_sub(floor + 1);
    let mut seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
    for _ in 0..200 {
        // xorshift64
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let port = if span > 1_000 {
            (floor + (seed % span as u64) as u32) as u16
        } else {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        if port < u16::MAX - 2 && (0..3).all(|i| TcpListener::bind(("127.0.0.1", port + i)).is_ok())
        {
            return port;
        }
    }
    panic!("no free port pair");
}

/// The kernel's ephemeral port range (Linux's default when it cannot be read).
fn ephemeral_range() -> (u32, u32) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(|p| p.parse::<u32>().ok());
            Some((it.next()??, it.next()??))
        })
        .unwrap_or((32_768, 60_999))
}

/// The flag that makes a new `--dev` ledger audit every job (the audit rate's floor at all of
/// them), for tests that follow each job to its committee's verdict.
pub const AUDIT_EVERY_JOB: [&str; 2] = ["--audit-floor", "1000000"];

impl Validator {
    /// Starts `ambient-validator --dev` on `ledger` and waits until it serves RPC.
    pub fn start(ledger: &Path, rpc_port: u16, extra: &[&str]) -> Validator {
        let mut args = vec!["--dev", "--slot-ms", "200"];
        args.extend_from_slice(extra);
        Self::spawn(ledger, rpc_port, &args)
    }

    /// Starts `ambient-validator` with `args` on `ledger` and waits until it serves RPC.
    pub fn spawn(ledger: &Path, rpc_port: u16, args: &[&str]) -> Validator {
        Self::spawn_logging(ledger, rpc_port, args, None)
    }

    /// As [`Validator::spawn`], with the log filter `log` (`RUST_LOG`) when given; otherwise
    /// `AMBIENT_NODE_LOG`'s, or the node's default.
    pub fn spawn_logging(
        ledger: &Path,
        rpc_port: u16,
        args: &[&str],
        log: Option<&str>,
    ) -> Validator {
        let bin = env!("CARGO_BIN_EXE_ambient-validator");
        let filter = log
            .map(str::to_string)
            .or_else(|| std::env::var("AMBIENT_NODE_LOG").ok());
        let mut child = Command::new(bin)
            .envs(filter.map(|l| ("RUST_LOG", l)))
            .arg("--ledger")
            .arg(ledger)
            .args(["--rpc-port", &rpc_port.to_string()])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ambient-validator");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("ready") {
                    let _ = tx.send(());
                }
            }
        });
        let started = Instant::now();
        let failure = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(()) => break None,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break Some("its output ended before it was ready".to_string())
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if let Ok(Some(status)) = child.try_wait() {
                break Some(format!("it exited ({status}) before it was ready"));
            }
            if started.elapsed() > Duration::from_secs(180) {
                break Some("it was not ready within 180 s".to_string());
            }
        };
        if let Some(why) = failure {
            let _ = child.kill();
            let log = std::fs::read_to_string(ledger.join("validator.log")).unwrap_or_default();
            panic!(
                "validator did not start: {why}; first panic:\n{}\nlog tail:\n{}",
                first_panic(&log),
                tail(&log, 40)
            );
        }
        // A --bind-address among the arguments is where its RPC listens.
        let host = args
            .iter()
            .position(|a| *a == "--bind-address")
            .and_then(|i| args.get(i + 1))
            .map_or("127.0.0.1".to_string(), |h| h.to_string());
        let v = Validator {
            child: Some(child),
            ledger: ledger.to_path_buf(),
            rpc_port,
            host,
        };
        v.wait_for_slot(2, CommitmentConfig::processed());
        v
    }

    /// The JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.rpc_port)
    }

    /// The API key a `--dev` node made for itself (`<ledger>/dev-api-key`): chat completions the
    /// node pays for need it.
    pub fn api_key(&self) -> String {
        std::fs::read_to_string(self.ledger.join("dev-api-key"))
            .expect("a --dev node's dev-api-key")
            .trim()
            .to_string()
    }

    /// The node's HTTP API (blob store) URL.
    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rpc_port + 2)
    }

    /// The PubSub URL.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.rpc_port + 1)
    }

    /// A Solana RPC client at `commitment`.
    pub fn client(&self, commitment: CommitmentConfig) -> RpcClient {
        RpcClient::new_with_commitment(self.url(), commitment)
    }

    /// The development faucet's key (from the ledger directory).
    pub fn faucet(&self) -> Keypair {
        read_keypair_file(self.ledger.join("faucet-keypair.json")).unwrap()
    }

    /// Waits until the node's slot at `commitment` reaches `slot`.
    pub fn wait_for_slot(&self, slot: u64, commitment: CommitmentConfig) -> u64 {
        let client = self.client(commitment);
        let start = Instant::now();
        loop {
            if let Ok(s) = client.get_slot() {
                if s >= slot {
                    return s;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(180),
                "slot {slot} not reached at {commitment:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the process with SIGKILL (no shutdown).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the process with SIGTERM and returns its exit status. A clean stop takes about 12 s
    /// on an idle machine (up to 5 s waiting for a fastboot snapshot of the root, then Agave's
    /// services joined); the limit leaves room for a 2-core CI machine running other
    /// validators and models at the same time. Past it, the panic shows the log's tail.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("running");
        let pid = c.id() as i32;
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let start = Instant::now();
        loop {
            if let Some(status) = c.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > STOP_LIMIT {
                let threads = ambient_validator::shutdown::threads_of(&pid.to_string());
                let _ = c.kill();
                panic!(
                    "validator did not stop within {STOP_LIMIT:?} of SIGTERM; threads still \
                     running: {threads}\nlog:\n{}",
                    tail(&self.log(), 40)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Checks that nothing confirmed was lost: once the node confirms again past the newest slot
    /// a transfer in `sent` landed in (a restarted node's RPC serves its root until it votes
    /// anew), every transfer is in the node's history without error and each recipient holds
    /// its lamports. `what` names the check in failures.
    pub fn assert_transfers_kept(&self, sent: &[Sent], what: &str) {
        let client = self.client(CommitmentConfig::confirmed());
        let newest = sent.iter().map(|s| s.slot).max().unwrap_or(0);
        self.wait_for_slot(newest, CommitmentConfig::confirmed());
        for s in sent {
            let status = client
                .get_signature_statuses_with_history(&[s.sig])
                .unwrap()
                .value[0]
                .clone()
                .unwrap_or_else(|| panic!("{what}: {} confirmed in slot {} lost", s.sig, s.slot));
            assert!(status.err.is_none(), "{what}: {} failed", s.sig);
        }
        for s in sent {
            assert_eq!(
                client.get_balance(&s.to).unwrap(),
                s.lamports,
                "{what}: {}",
                s.to
            );
        }
    }

    /// The validator log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.ledger.join("validator.log")).unwrap_or_default()
    }

    /// The nice values of the process's threads named `name`, once there are some and all are
    /// `want` (or after 30 s).
    #[allow(dead_code)]
    pub fn thread_niceness(&self, name: &str, want: i32) -> Vec<i32> {
        let pid = self.child.as_ref().expect("a running validator").id();
        let start = Instant::now();
        loop {
            let found: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/task"))
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    let dir = e.ok()?.path();
                    let comm = std::fs::read_to_string(dir.join("comm")).ok()?;
                    (comm.trim_end() == name).then_some(())?;
                    // Field 19 of stat, counted after the parenthesised name (which may hold
                    // spaces): the nice value.
                    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
                    stat.rsplit_once(')')?
                        .1
                        .split_whitespace()
                        .nth(16)?
                        .parse()
                        .ok()
                })
                .collect();
            let settled = !found.is_empty() && found.iter().all(|n| *n == want);
            if settled || start.elapsed() > Duration::from_secs(30) {
                return found;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// How long [`Validator::terminate`] waits for a clean stop.
const STOP_LIMIT: Duration = Duration::from_secs(150);

impl Drop for Validator {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A transfer the node reported confirmed.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Its signature.
    pub sig: solana_signature::Signature,
    /// The new account it paid.
    pub to: solana_pubkey::Pubkey,
    /// The lamports it paid.
    pub lamports: u64,
    /// The slot it landed in.
    pub slot: u64,
}

/// Sends `lamports` from `from` to a new account and waits until the node (at the client's
/// commitment) confirms it.
pub fn send_transfer(
    client: &RpcClient,
    from: &Keypair,
    lamports: u64,
) -> solana_rpc_client_api::client_error::Result<Sent> {
    use solana_signer::Signer;
    let to = Keypair::new().pubkey();
    let blockhash = client.get_latest_blockhash()?;
    let tx = solana_system_transaction::transfer(from, &to, lamports, blockhash);
    let sig = client.send_and_confirm_transaction(&tx)?;
    let status = client.get_signature_statuses(&[sig])?.value[0].clone();
    let slot = status.map_or_else(|| client.get_slot(), |s| Ok(s.slot))?;
    Ok(Sent {
        sig,
        to,
        lamports,
        slot,
    })
}

/// Calls `check` every `every` until it gives `Ok`; after `limit`, panics with the last `Err`
/// (what was still missing) and `context()` (a log tail, read only then).
#[allow(dead_code)]
pub fn poll<T, E: std::fmt::Display>(
    limit: Duration,
    every: Duration,
    mut check: impl FnMut() -> Result<T, E>,
    context: impl FnOnce() -> String,
) -> T {
    let start = Instant::now();
    loop {
        match check() {
            Ok(v) => return v,
            Err(why) if start.elapsed() > limit => panic!("after {limit:?}: {why}\n{}", context()),
            Err(_) => std::thread::sleep(every),
        }
    }
}

/// The last `n` lines of `s`, without gossip's periodic node tables (in a node's log they
/// crowd out everything else).
pub fn tail(s: &str, n: usize) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let mut in_table = false;
    for line in s.lines() {
        if line.starts_with('[') {
            in_table = line.trim_end().ends_with("solana_gossip::cluster_info]");
        }
        if !in_table {
            lines.push(line);
        }
    }
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Posts a raw body to the JSON-RPC endpoint and returns (HTTP status, body).
pub fn post_raw(port: u16, body: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// The part of `log` since the node's last start (after Agave's last "ledger processed in"
/// line); all of it when there is none.
pub fn since_last_start(log: &str) -> &str {
    log.rsplit("ledger processed in").next().unwrap_or(log)
}

/// The slot Agave's start-up processing began from in `log`, the last start's: a snapshot's
/// slot, or 0 for genesis ("Processing ledger from slot N...").
pub fn processed_from(log: &str) -> Option<u64> {
    number_after(log, "Processing ledger from slot ")
}

/// The number right after the last `marker` in `log`; `None` when the marker is absent or no
/// number follows it.
pub fn number_after(log: &str, marker: &str) -> Option<u64> {
    let (_, rest) = log.rsplit_once(marker)?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The first panic in a log with the lines around it (what a log tail of the drops and
/// shutdown that follow a panic hides), or "none".
pub fn first_panic(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    match lines.iter().position(|l| l.contains("panicked")) {
        Some(i) => lines[i.saturating_sub(5)..(i + 10).min(lines.len())].join("\n"),
        None => "none".to_string(),
    }
}

/// The `ambient` binary, built next to this test's.
pub fn ambient_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("ambient");
    assert!(
        bin.exists(),
        "{} not built: `bash ci/test.sh` builds it (or `cargo build -p ambient-cli`)",
        bin.display()
    );
    bin
}
