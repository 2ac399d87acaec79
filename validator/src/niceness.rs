//! A lower scheduling priority for Agave's threads that spin while the node leads.
//!
//! Agave's banking-stage scheduler (`solBnkTxSched`) polls its channels without sleeping for as
//! long as the node is the leader: one core at 100 %, with or without transactions. A validator
//! on cores of its own loses nothing by that; a `--dev` node (the leader of every slot) beside
//! its miner on a laptop, or a few nodes sharing two cores, lose a core to it. With a positive
//! niceness every other thread (inference, replay, RPC, other processes) goes first and the
//! scheduler still has any core left idle. As `agave-validator`'s
//! `--snapshot-packager-niceness-adjustment`, the adjustment adds to the thread's nice value.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The threads that spin while the node leads: Agave's banking-stage scheduler.
pub const SPINNING_THREADS: &[&str] = &["solBnkTxSched"];

/// The adjustment of a `--dev` node when none is given: the least priority there is.
pub const DEV_ADJUSTMENT: i8 = 19;

/// How often new threads of those names are looked for (Agave starts the scheduler again when
/// its workers fail or the block production method changes).
const SCAN_EVERY: Duration = Duration::from_secs(2);

/// Checks that `adjustment` is a niceness adjustment this process may apply: in -20..=19, and
/// (Agave's `is_renice_allowed`) on Linux, with root or `CAP_SYS_NICE` to raise a priority.
pub fn check(adjustment: i8) -> Result<(), String> {
    if !(-20..=19).contains(&adjustment) {
        return Err(format!(
            "{adjustment} is not a niceness adjustment (-20..=19)"
        ));
    }
    if !solana_perf::thread::is_renice_allowed(adjustment) {
        return Err(format!(
            "a niceness adjustment ({adjustment}) needs Linux, and a negative one root or \
             CAP_SYS_NICE"
        ));
    }
    Ok(())
}

/// Adds `adjustment` to the nice value of every thread of this process named in `names`, now
/// and every few seconds for threads started later, until `exit` is set. Nothing to do for 0.
pub fn keep_adjusted(names: &'static [&'static str], adjustment: i8, exit: Arc<AtomicBool>) {
    if adjustment == 0 {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("ambRenice".into())
        .spawn(move || {
            let mut done = HashSet::new();
            while !exit.load(Ordering::Relaxed) {
                adjust_new(names, adjustment, &mut done);
                std::thread::sleep(SCAN_EVERY);
            }
        });
    if let Err(e) = spawned {
        log::warn!("cannot start the thread that lowers the banking scheduler's priority: {e}");
    }
}

/// Adjusts the threads named in `names` that are not in `done` (thread ids), and records them.
/// Ids of threads that ended are dropped from `done`.
fn adjust_new(names: &[&str], adjustment: i8, done: &mut HashSet<i32>) {
    let live: HashSet<i32> = threads().into_iter().collect();
    done.retain(|tid| live.contains(tid));
    for tid in live {
        if done.contains(&tid) {
            continue;
        }
        let Some(name) = thread_name(tid).filter(|n| names.contains(&n.as_str())) else {
            continue;
        };
        match renice(tid, adjustment) {
            Ok(nice) => {
                log::info!("thread {tid} ({name}): niceness {nice} (it spins while the node leads)")
            }
            Err(e) => log::warn!("thread {tid}: cannot change its niceness: {e}"),
        }
        done.insert(tid);
    }
}

/// The ids of this process's threads.
fn threads() -> Vec<i32> {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A thread's name (`comm`).
fn thread_name(tid: i32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).ok()?;
    Some(comm.trim_end().to_string())
}

/// A thread's nice value.
fn niceness(tid: i32) -> std::io::Result<i32> {
    // SAFETY: getpriority reads a thread's attribute; errno is cleared first because -1 is
    // also a valid result.
    unsafe {
        *libc::__errno_location() = 0;
        let nice = libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t);
        if nice == -1 && *libc::__errno_location() != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(nice)
    }
}

/// Adds `adjustment` to thread `tid`'s nice value (clamped to -20..=19); returns the new value.
fn renice(tid: i32, adjustment: i8) -> std::io::Result<i32> {
    let nice = (niceness(tid)? + i32::from(adjustment)).clamp(-20, 19);
    // SAFETY: setpriority changes one thread's nice value (Linux: PRIO_PROCESS with a thread id).
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(nice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A thread named `name` that reports its id and parks until `stop` is set.
    fn named_thread(name: &str, stop: Arc<AtomicBool>) -> (i32, std::thread::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                // SAFETY: gettid has no preconditions.
                tx.send(unsafe { libc::gettid() }).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
            .unwrap();
        (rx.recv().unwrap(), handle)
    }

    #[test]
    fn only_the_named_threads_are_lowered_once_each_even_when_started_later() {
        let stop = Arc::new(AtomicBool::new(false));
        let (spinner, a) = named_thread("testSpinner", stop.clone());
        let (other, b) = named_thread("testOther", stop.clone());
        let before = niceness(other).unwrap();
        let mut done = HashSet::new();
        adjust_new(&["testSpinner", "testLater"], 5, &mut done);
        assert_eq!(niceness(spinner).unwrap(), (before + 5).min(19));
        assert_eq!(
            niceness(other).unwrap(),
            before,
            "other threads keep their priority"
        );
        // A second scan does not add again; a thread started since is found.
        let (later, c) = named_thread("testLater", stop.clone());
        adjust_new(&["testSpinner", "testLater"], 5, &mut done);
        assert_eq!(niceness(spinner).unwrap(), (before + 5).min(19));
        assert_eq!(niceness(later).unwrap(), (before + 5).min(19));
        stop.store(true, Ordering::Relaxed);
        for h in [a, b, c] {
            h.join().unwrap();
        }
        // Ended threads leave the record.
        adjust_new(&["testSpinner"], 5, &mut done);
        assert!(!done.contains(&spinner) && !done.contains(&later));
    }

    #[test]
    fn adjustments_out_of_range_or_needing_privilege_are_refused() {
        assert!(check(0).is_ok());
        assert!(check(19).is_ok());
        assert!(check(20).unwrap_err().contains("-20..=19"));
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            assert!(check(-1).unwrap_err().contains("root"));
        } else {
            assert!(check(-1).is_ok());
        }
    }
}
