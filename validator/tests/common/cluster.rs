//! A local cluster of `ambient-validator` processes on loopback, like Agave's `local-cluster`:
//! node 0 creates the genesis with every member as a genesis validator (LStake in proportion to
//! the given weights) and the others join it through gossip (`--entrypoint`), downloading the
//! genesis from it. Members can be killed and restarted; helpers wait for slots and roots.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use solana_commitment_config::CommitmentConfig;
use solana_keypair::{write_keypair_file, Keypair};
use solana_pubkey::Pubkey;
use solana_rpc_client::rpc_client::RpcClient;
use solana_signer::Signer;

use super::relay::{bound_tvu, LossyRelay};
use super::{free_port_pair, Validator};

/// One member of the cluster.
pub struct Member {
    /// Its identity.
    pub identity: Keypair,
    /// Its vote account (authorized voter too).
    pub vote: Keypair,
    /// Its genesis LStake weight.
    pub weight: u64,
    /// Its directory (keys, ledger).
    pub dir: PathBuf,
    /// JSON-RPC port (PubSub and the HTTP API take the next two).
    pub rpc_port: u16,
    /// The running process, if any.
    pub validator: Option<Validator>,
    /// The loopback address its ports listen on.
    pub ip: std::net::Ipv4Addr,
    /// It joined the running cluster later, not a genesis validator: it does not vote and
    /// starts from the cluster's newest snapshot.
    pub late: bool,
}

impl Member {
    /// The ledger directory.
    pub fn ledger(&self) -> PathBuf {
        self.dir.join("ledger")
    }

    /// An RPC client at `commitment`.
    pub fn client(&self, commitment: CommitmentConfig) -> RpcClient {
        RpcClient::new_with_commitment(format!("http://{}:{}", self.ip, self.rpc_port), commitment)
    }

    /// The validator log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.ledger().join("validator.log")).unwrap_or_default()
    }
}

/// How a local cluster is made (as Agave's `local-cluster` `ClusterConfig`).
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// One member per weight, genesis LStake in proportion.
    pub weights: Vec<u64>,
    /// Slot length.
    pub slot_ms: u64,
    /// Each member listens on its own loopback address (127.0.0.20, .21, …), so the network
    /// between members can be cut.
    pub own_addresses: bool,
    /// The member that runs the inference market (miner, verifier, chat API), if any; the
    /// others run without.
    pub market: Option<usize>,
    /// Members that run the verifier role alone (validate and vote when drawn into a committee;
    /// take every auction's permissionless steps).
    pub verifiers: Vec<usize>,
    /// Slots per epoch without warm-up (`--slots-per-epoch`); `None`: Agave's warm-up epochs of
    /// 32, 64, 128, … slots. A member can follow the cluster only while the cluster is within
    /// the epoch after its root's (the leader schedules it can know): a member held back
    /// (killed, cut off, locked out after a partition) needs epochs longer than its absence.
    pub slots_per_epoch: Option<u64>,
    /// Rooted blocks between snapshots (`--snapshot-interval-slots`); `None`: the node's default.
    pub snapshot_interval_slots: Option<u64>,
    /// Members whose Turbine shreds pass through a [`LossyRelay`] that drops a quarter of the data
    /// shreds (they advertise the relay as their TVU and log Agave's metrics datapoints).
    pub lossy_tvu: Vec<usize>,
}

impl ClusterConfig {
    /// `weights.len()` members with `slot_ms` slots, on one address, without the market, on
    /// Agave's warm-up epochs.
    pub fn new(weights: &[u64], slot_ms: u64) -> Self {
        ClusterConfig {
            weights: weights.to_vec(),
            slot_ms,
            own_addresses: false,
            market: None,
            verifiers: Vec::new(),
            slots_per_epoch: None,
            snapshot_interval_slots: None,
            lossy_tvu: Vec::new(),
        }
    }
}

/// N validator processes on loopback sharing one genesis.
pub struct LocalCluster {
    /// The members; member 0 made the genesis and is everyone's entrypoint.
    pub members: Vec<Member>,
    /// Member 0's gossip port.
    pub gossip_port: u16,
    /// How it was made.
    pub config: ClusterConfig,
    /// The lossy relays in front of the members of `config.lossy_tvu`, by member.
    pub relays: HashMap<usize, LossyRelay>,
    _dir: tempfile::TempDir,
}

/// The log filter of a member behind a lossy relay: the node's usual one, with Agave's metrics
/// datapoints (the blockstore's counts of recovered shreds among them).
const METRICS_LOG: &str = "info,solana_metrics=warn,solana_metrics::metrics=info,\
    solana_runtime::bank=warn,solana_ledger::blockstore=warn,solana_accounts_db=warn,\
    solana_streamer=warn,solana_rpc::rpc_subscriptions=warn,\
    solana_rpc::transaction_status_service=warn,solana_send_transaction_service=warn";

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for m in &mut self.members {
            if let Some(mut v) = m.validator.take() {
                v.kill9();
            }
        }
        if std::thread::panicking() {
            // The ledgers and logs of a failed run stay for a look.
            let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().unwrap());
            eprintln!("cluster directories kept at {}", dir.keep().display());
        }
    }
}

/// A UDP and TCP port free now (member 0's gossip port: UDP gossip, TCP shred-version service).
fn free_gossip_port() -> u16 {
    loop {
        let p = free_port_pair();
        if std::net::UdpSocket::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
}

impl LocalCluster {
    /// Starts one member per weight with `slot_ms` slots (see [`ClusterConfig::new`]) and waits
    /// until every member serves RPC.
    pub fn start(weights: &[u64], slot_ms: u64) -> LocalCluster {
        Self::launch(ClusterConfig::new(weights, slot_ms))
    }

    /// Starts the cluster `config` describes, all members at once, and waits until every member
    /// serves RPC.
    pub fn launch(config: ClusterConfig) -> LocalCluster {
        let dir = tempfile::tempdir().unwrap();
        let members: Vec<Member> = config
            .weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let d = dir.path().join(format!("node{i}"));
                std::fs::create_dir_all(&d).unwrap();
                let m = Member {
                    identity: Keypair::new(),
                    vote: Keypair::new(),
                    weight: *w,
                    dir: d,
                    rpc_port: free_port_pair(),
                    validator: None,
                    late: false,
                    ip: if config.own_addresses {
                        std::net::Ipv4Addr::new(127, 0, 0, 20 + i as u8)
                    } else {
                        std::net::Ipv4Addr::LOCALHOST
                    },
                };
                for (name, key) in [("identity.json", &m.identity), ("vote.json", &m.vote)] {
                    let path = m.dir.join(name);
                    write_keypair_file(key, &path).unwrap();
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                        .unwrap();
                }
                m
            })
            .collect();
        let relays = config
            .lossy_tvu
            .iter()
            .map(|&i| (i, LossyRelay::bind(members[i].ip)))
            .collect();
        let mut c = LocalCluster {
            members,
            gossip_port: free_gossip_port(),
            config,
            relays,
            _dir: dir,
        };
        // All start at once, as a cluster's validators do: the first creates the genesis, the
        // others download it from its JSON-RPC, and each waits for the others in gossip.
        let launched: Vec<Validator> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..c.members.len())
                .map(|i| {
                    let args = c.args(i);
                    let ledger = c.members[i].ledger();
                    let port = c.members[i].rpc_port;
                    let log = c.relays.contains_key(&i).then_some(METRICS_LOG);
                    scope.spawn(move || {
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        Validator::spawn_logging(&ledger, port, &args, log)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (i, v) in launched.into_iter().enumerate() {
            c.members[i].validator = Some(v);
            c.relay_to(i);
        }
        c
    }

    /// Points member `i`'s relay, if it has one, at the TVU its ready banner names.
    fn relay_to(&self, i: usize) {
        if let Some(relay) = self.relays.get(&i) {
            let tvu = bound_tvu(&self.members[i].log()).expect("the TVU line of the banner");
            relay.forward_to(tvu);
        }
    }

    /// The command-line arguments of member `i`.
    fn args(&self, i: usize) -> Vec<String> {
        let m = &self.members[i];
        let mut a: Vec<String> = vec![
            "--slot-ms".into(),
            self.config.slot_ms.to_string(),
            "--identity".into(),
            m.dir.join("identity.json").display().to_string(),
            "--bind-address".into(),
            m.ip.to_string(),
            // Four validators share the machine's cores: each one's banking scheduler, which
            // spins while it leads, goes after everything else.
            "--banking-scheduler-niceness-adjustment".into(),
            "19".into(),
        ];
        if let Some(n) = self.config.snapshot_interval_slots {
            a.extend(["--snapshot-interval-slots".into(), n.to_string()]);
        }
        if let Some(relay) = self.relays.get(&i) {
            a.extend(["--public-tvu-address".into(), relay.addr.to_string()]);
        }
        if !m.late {
            a.push("--vote-account".into());
            a.push(m.dir.join("vote.json").display().to_string());
            // A genesis validator starts (and restarts) from its own ledger, as agave-validator
            // with --no-snapshot-fetch: a young cluster has no snapshot to fetch.
            a.push("--no-snapshot-fetch".into());
            if !m.ledger().join("genesis.bin").exists() {
                // A new cluster: no one produces until 80 % of the genesis stake is in gossip.
                a.extend(["--wait-for-supermajority".into(), "0".into()]);
            }
        }
        // Blobs (prompts, outputs) live where they were stored: every member fetches missing
        // ones from the others' HTTP APIs, as operators set `--blob-peer`.
        for (j, o) in self.members.iter().enumerate() {
            if j != i {
                a.push("--blob-peer".into());
                a.push(format!("http://{}:{}", o.ip, o.rpc_port + 2));
            }
        }
        if self.config.market == Some(i) {
            // It mines as its validator identity: the work is that identity's LStake.
            a.push("--miner-keypair".into());
            a.push(m.dir.join("identity.json").display().to_string());
        } else {
            a.push("--no-market".into());
            if self.config.verifiers.contains(&i) {
                a.push("--verifier".into());
            }
        }
        if i == 0 {
            a.extend([
                "--dev".into(),
                "--gossip-port".into(),
                self.gossip_port.to_string(),
                "--lstake-weight".into(),
                m.weight.to_string(),
            ]);
            if let Some(n) = self.config.slots_per_epoch {
                a.extend(["--slots-per-epoch".into(), n.to_string()]);
            }
            for o in self.members[1..].iter().filter(|o| !o.late) {
                a.push("--bootstrap-validator".into());
                a.push(format!(
                    "{}:{}:{}",
                    o.identity.pubkey(),
                    o.vote.pubkey(),
                    o.weight
                ));
            }
        } else {
            a.push("--entrypoint".into());
            a.push(format!("{}:{}", self.members[0].ip, self.gossip_port));
        }
        a
    }

    /// Starts a new member that joins the running cluster through member 0, as an operator
    /// starts `agave-validator --entrypoint` on an empty ledger: it downloads the genesis and
    /// the cluster's newest snapshot, and follows the cluster without voting. Returns its index.
    pub fn join(&mut self) -> usize {
        let i = self.members.len();
        let d = self.members[0].dir.with_file_name(format!("node{i}"));
        std::fs::create_dir_all(&d).unwrap();
        let identity = Keypair::new();
        write_keypair_file(&identity, d.join("identity.json")).unwrap();
        self.members.push(Member {
            identity,
            vote: Keypair::new(),
            weight: 0,
            dir: d,
            rpc_port: free_port_pair(),
            validator: None,
            late: true,
            ip: if self.config.own_addresses {
                std::net::Ipv4Addr::new(127, 0, 0, 20 + i as u8)
            } else {
                std::net::Ipv4Addr::LOCALHOST
            },
        });
        self.restart(i);
        i
    }

    /// Starts member `i` again (or for the first time) on its ledger.
    pub fn restart(&mut self, i: usize) {
        let args = self.args(i);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ledger = self.members[i].ledger();
        let port = self.members[i].rpc_port;
        let log = self.relays.contains_key(&i).then_some(METRICS_LOG);
        self.members[i].validator = Some(Validator::spawn_logging(&ledger, port, &args, log));
        self.relay_to(i);
    }

    /// Kills member `i` (SIGKILL).
    pub fn kill(&mut self, i: usize) {
        if let Some(mut v) = self.members[i].validator.take() {
            v.kill9();
        }
    }

    /// The identities, in member order.
    pub fn identities(&self) -> Vec<Pubkey> {
        self.members.iter().map(|m| m.identity.pubkey()).collect()
    }

    /// Member `i`'s slot at `commitment` (0 when it does not answer).
    pub fn slot(&self, i: usize, commitment: CommitmentConfig) -> u64 {
        self.members[i].client(commitment).get_slot().unwrap_or(0)
    }

    /// Waits until member `i`'s slot at `commitment` reaches `slot`; returns it.
    pub fn wait_for(
        &self,
        i: usize,
        slot: u64,
        commitment: CommitmentConfig,
        timeout: Duration,
    ) -> u64 {
        let start = Instant::now();
        loop {
            let s = self.slot(i, commitment);
            if s >= slot {
                return s;
            }
            if start.elapsed() > timeout {
                panic!(
                    "member {i}: slot {slot} at {:?} not reached in {timeout:?} (at {s}); log tail:\n{}",
                    commitment.commitment,
                    super::tail(&self.members[i].log(), 30)
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Whether this machine lets a test cut the network between loopback addresses (root and
/// `iptables`).
pub fn can_partition() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    root && std::process::Command::new("iptables")
        .args(["-w", "-L", "INPUT", "-n"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A cut between two groups of members (`iptables` DROP rules both ways); healed when dropped.
pub struct Partition {
    rules: Vec<(String, String)>,
}

fn iptables(op: &str, from: &str, to: &str) {
    let tag = format!("ambient-test-{}", std::process::id());
    let ok = std::process::Command::new("iptables")
        .args([
            "-w",
            op,
            "INPUT",
            "-s",
            from,
            "-d",
            to,
            "-m",
            "comment",
            "--comment",
            &tag,
            "-j",
            "DROP",
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok || op == "-D", "iptables {op} {from} -> {to} failed");
}

/// Removes the cuts a killed test run left behind (rules tagged with a process that is gone).
fn clear_stale_rules() {
    let Ok(out) = std::process::Command::new("iptables")
        .args(["-w", "-S", "INPUT"])
        .output()
    else {
        return;
    };
    for rule in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(pid) = rule
            .split("ambient-test-")
            .nth(1)
            .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        else {
            continue;
        };
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let Some(spec) = rule.strip_prefix("-A ") else {
            continue;
        };
        let mut args = vec!["-w".to_string(), "-D".to_string()];
        args.extend(
            spec.split_whitespace()
                .map(|a| a.trim_matches('"').to_string()),
        );
        let _ = std::process::Command::new("iptables").args(&args).status();
    }
}

impl LocalCluster {
    /// Cuts every packet between members `a` and members `b`.
    pub fn partition(&self, a: &[usize], b: &[usize]) -> Partition {
        clear_stale_rules();
        let mut rules = Vec::new();
        for i in a {
            for j in b {
                let (x, y) = (
                    self.members[*i].ip.to_string(),
                    self.members[*j].ip.to_string(),
                );
                iptables("-I", &x, &y);
                iptables("-I", &y, &x);
                rules.push((x.clone(), y.clone()));
                rules.push((y, x));
            }
        }
        Partition { rules }
    }
}

impl Partition {
    /// Restores the network.
    pub fn heal(self) {}
}

impl Drop for Partition {
    fn drop(&mut self) {
        for (x, y) in self.rules.drain(..) {
            iptables("-D", &x, &y);
        }
    }
}
