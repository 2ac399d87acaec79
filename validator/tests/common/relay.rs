//! A lossy UDP relay in front of a member's TVU: the member advertises the relay's address in
//! gossip (`--public-tvu-address`), so every Turbine shred sent to it (by the leader or a
//! retransmitting node) passes through the relay, which drops a fixed share of the data shreds and
//! forwards everything else to the member's own TVU socket.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use solana_ledger::shred::{wire, ShredType};

/// Data shreds whose index is `DROP_PHASE` modulo `DROP_EVERY` are dropped: 8 of each FEC set's
/// 32 data shreds, which its 32 coding shreds can always restore.
pub const DROP_EVERY: u32 = 4;
const DROP_PHASE: u32 = 1;

/// What the relay did.
#[derive(Default)]
pub struct RelayCounts {
    /// Data shreds dropped by the rule.
    pub dropped: AtomicU64,
    /// Packets forwarded (data shreds the rule spares, coding shreds, anything else).
    pub forwarded: AtomicU64,
}

/// A running relay; stops when dropped.
pub struct LossyRelay {
    /// Where it listens: the address the member advertises as its TVU.
    pub addr: SocketAddr,
    /// The member's own TVU socket, once known.
    target: Arc<Mutex<Option<SocketAddr>>>,
    /// Its counts.
    pub counts: Arc<RelayCounts>,
    exit: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl LossyRelay {
    /// Binds a relay on `ip` (any free port) and starts relaying once [`LossyRelay::forward_to`]
    /// names the target.
    pub fn bind(ip: std::net::Ipv4Addr) -> LossyRelay {
        let socket = UdpSocket::bind((ip, 0)).expect("bind the relay");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let target = Arc::new(Mutex::new(None));
        let counts = Arc::new(RelayCounts::default());
        let exit = Arc::new(AtomicBool::new(false));
        let thread = {
            let (target, counts, exit) = (target.clone(), counts.clone(), exit.clone());
            std::thread::spawn(move || relay(&socket, &target, &counts, &exit))
        };
        LossyRelay {
            addr,
            target,
            counts,
            exit,
            thread: Some(thread),
        }
    }

    /// Forwards to `tvu` from now on (the member's bound TVU socket, which a restart may move).
    pub fn forward_to(&self, tvu: SocketAddr) {
        *self.target.lock().unwrap() = Some(tvu);
    }

    /// Data shreds dropped so far.
    pub fn dropped(&self) -> u64 {
        self.counts.dropped.load(Ordering::Relaxed)
    }

    /// Packets forwarded so far.
    pub fn forwarded(&self) -> u64 {
        self.counts.forwarded.load(Ordering::Relaxed)
    }
}

impl Drop for LossyRelay {
    fn drop(&mut self) {
        self.exit.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Whether the relay drops this packet: a data shred at the dropped index phase.
pub fn is_dropped(packet: &[u8]) -> bool {
    matches!(wire::get_shred_type(packet), Ok(ShredType::Data))
        && wire::get_index(packet).is_some_and(|i| i % DROP_EVERY == DROP_PHASE)
}

fn relay(
    socket: &UdpSocket,
    target: &Mutex<Option<SocketAddr>>,
    counts: &RelayCounts,
    exit: &AtomicBool,
) {
    let mut buf = [0u8; 2048];
    while !exit.load(Ordering::Relaxed) {
        let Ok((n, _from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let packet = &buf[..n];
        // Packets that come before the member's TVU address is known are not forwarded.
        let Some(to) = *target.lock().unwrap() else {
            continue;
        };
        if is_dropped(packet) {
            counts.dropped.fetch_add(1, Ordering::Relaxed);
        } else if socket.send_to(packet, to).is_ok() {
            counts.forwarded.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The bound TVU address in a validator log's ready banner (`TVU:       127.0.0.1:8001 (advertised
/// as …)`), if the banner is there.
pub fn bound_tvu(log: &str) -> Option<SocketAddr> {
    log.lines()
        .filter_map(|l| l.trim_start().strip_prefix("TVU:"))
        .next_back()
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
}

/// The sum of one field of a metrics datapoint over a validator log (datapoints are logged when
/// the node runs with `solana_metrics::metrics=info`), e.g. `shred_insert_is_full`'s
/// `num_recovered`: per completed slot, its data shreds restored by erasure recovery.
pub fn datapoint_total(log: &str, datapoint: &str, field: &str) -> u64 {
    let name = format!("datapoint: {datapoint} ");
    let key = format!(" {field}=");
    log.lines()
        .filter(|l| l.contains(&name))
        .filter_map(|l| {
            let at = l.find(&key)? + key.len();
            let digits: String = l[at..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}
