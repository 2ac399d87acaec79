//! Bounded shutdown: a stop that waits for work to end, but not forever.
//!
//! A node asked to stop must stop. Agave's services join one after another, and one that waits
//! on something outside them (its JSON-RPC server's shutdown waits for every connection open to
//! it) can hold the whole stop; `agave-validator` itself dies on SIGTERM without joining
//! anything. Everything a restart needs is on disk before the join (the ledger in RocksDB with
//! its write-ahead log, the fastboot snapshot of the root), so past a limit the node names the
//! threads still running and exits without them.

use std::sync::mpsc;
use std::time::Duration;

/// Runs `work` on its own thread and waits at most `limit` for it. Returns whether it finished;
/// a thread that did not is left running (the process exit ends it).
pub fn finish_within(name: &str, limit: Duration, work: impl FnOnce() + Send + 'static) -> bool {
    let (done, finished) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            work();
            let _ = done.send(());
        });
    match spawned {
        // A panic in `work` drops the sender: that is finished too (the panic is already logged).
        Ok(_) => !matches!(
            finished.recv_timeout(limit),
            Err(mpsc::RecvTimeoutError::Timeout)
        ),
        Err(e) => {
            log::error!("spawning {name}: {e}");
            false
        }
    }
}

/// This process's threads ([`threads_of`]).
pub fn live_threads() -> String {
    threads_of("self")
}

/// The threads of process `pid` (a number, or `self`), by name with how many share it and what
/// the kernel says they wait on (`/proc/<pid>/task/*/{comm,wchan}`), e.g.
/// `solBanknStgVote ×1 (futex_wait_queue)`. Empty where `/proc` is not readable.
pub fn threads_of(pid: &str) -> String {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return String::new();
    };
    let mut seen = std::collections::BTreeMap::<(String, String), usize>::new();
    for task in tasks.flatten() {
        let read = |f: &str| {
            std::fs::read_to_string(task.path().join(f))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        *seen.entry((read("comm"), read("wchan"))).or_default() += 1;
    }
    seen.iter()
        .map(|((name, wchan), n)| format!("{name} ×{n} ({wchan})"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn work_that_ends_is_waited_for_and_work_that_hangs_is_not() {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        assert!(finish_within("quick", Duration::from_secs(10), move || {
            std::thread::sleep(Duration::from_millis(50));
            r.store(true, Ordering::SeqCst);
        }));
        assert!(ran.load(Ordering::SeqCst), "returned before the work ended");

        let release = Arc::new(AtomicBool::new(false));
        let rel = release.clone();
        let start = std::time::Instant::now();
        assert!(!finish_within(
            "stuck",
            Duration::from_millis(200),
            move || {
                while !rel.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        ));
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(
            live_threads().contains("stuck ×1"),
            "the hung thread is named: {}",
            live_threads()
        );
        release.store(true, Ordering::SeqCst);
    }

    #[test]
    fn work_that_panics_counts_as_finished() {
        assert!(finish_within("panics", Duration::from_secs(10), || {
            panic!("a service failed while stopping")
        }));
    }
}
