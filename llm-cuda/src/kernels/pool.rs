//! A small fork–join thread pool for the forward pass. A decode step runs a few hundred short
//! parallel loops; workers spin briefly between them (then sleep), so handing out a loop costs well
//! under a microsecond instead of a thread wake-up. Which worker runs which task never affects a
//! result: tasks own whole output rows.
//!
//! The caller takes tasks too and never waits for a worker that has not joined the loop: a worker
//! joins (under the loop's ticket) before it reads the loop body, and the caller closes the loop
//! once every task is taken and no joined worker is still running one. On a machine with more
//! busy threads than cores a descheduled worker therefore costs nothing — waiting for every
//! worker to check in made each loop wait a scheduler time slice, and decode ran 8x slower on
//! two threads than on one beside six busy processes.
use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker spins before it sleeps.
const SPIN: Duration = Duration::from_micros(300);
/// Pauses in a wait loop before it starts yielding the core.
const SPINS_BEFORE_YIELD: u32 = 256;

/// The ticket: the loop's number above [`GEN_SHIFT`], a closed flag, and the workers that
/// joined it and have not left (the low 16 bits).
const GEN_SHIFT: u32 = 17;
const CLOSED: u64 = 1 << 16;
const ACTIVE: u64 = CLOSED - 1;

type Task = *const (dyn Fn(usize) + Sync);

struct Shared {
    /// The current loop body; written only while the previous loop is closed.
    job: UnsafeCell<Task>,
    n_tasks: AtomicUsize,
    next: AtomicUsize,
    ticket: AtomicU64,
    sleeping: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
    shutdown: AtomicBool,
    panicked: AtomicBool,
    /// Held by the thread whose loop the workers serve. One engine is shared by threads (a miner
    /// generating while a verifier validates): a second caller must not overwrite the loop.
    caller: Mutex<()>,
}

// SAFETY: `job` is written by the owner only while the loop is closed (no worker can join, none
// is joined), and read by a worker only after it joined the open loop with an acquire CAS on
// `ticket` that pairs with the release store that opened it.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

/// A pool of `threads - 1` workers plus the calling thread.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts a pool that runs loops on `threads` threads (the caller included).
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let noop: &'static (dyn Fn(usize) + Sync) = &|_| {};
        let shared = Arc::new(Shared {
            job: UnsafeCell::new(noop as Task),
            n_tasks: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
            ticket: AtomicU64::new(CLOSED),
            sleeping: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
            shutdown: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            caller: Mutex::new(()),
        });
        let mut workers = Vec::new();
        for i in 1..threads.max(1) {
            let s = Arc::clone(&shared);
            workers.push(
                std::thread::Builder::new()
                    .name(format!("ambient-llm-{i}"))
                    .spawn(move || worker(&s))?,
            );
        }
        Ok(Pool { shared, workers })
    }

    /// Runs `f(i)` for every `i in 0..n` across the threads and returns when all are done. While
    /// another thread's loop has the workers, this one runs on the calling thread alone (the same
    /// results: tasks own their outputs), so concurrent callers neither wait nor interfere.
    pub fn run(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
        if self.workers.is_empty() || n <= 1 {
            (0..n).for_each(f);
            return;
        }
        let s = &*self.shared;
        let _turn = match s.caller.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                (0..n).for_each(f);
                return;
            }
        };
        // SAFETY: the previous loop is closed, so no worker reads `job`; this `run` does not
        // return before the loop is closed again, so the borrowed closure outlives its use.
        unsafe {
            *s.job.get() = std::mem::transmute::<&(dyn Fn(usize) + Sync), Task>(f);
        }
        s.n_tasks.store(n, Ordering::Relaxed);
        s.next.store(0, Ordering::Relaxed);
        // Only the caller moves the ticket to a new loop.
        let generation = (s.ticket.load(Ordering::Relaxed) >> GEN_SHIFT) + 1;
        let open = generation << GEN_SHIFT;
        s.ticket.store(open, Ordering::SeqCst);
        if s.sleeping.load(Ordering::SeqCst) > 0 {
            let _g = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            s.wake.notify_all();
        }
        let caught = catch_unwind(AssertUnwindSafe(|| take_tasks(s, f)));
        // Every task is taken; close once the workers still running one have left.
        let mut spins = 0u32;
        while s
            .ticket
            .compare_exchange_weak(open, open | CLOSED, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            relax(&mut spins);
        }
        if let Err(p) = caught {
            std::panic::resume_unwind(p);
        }
        if s.panicked.swap(false, Ordering::Relaxed) {
            panic!("a worker thread panicked in a parallel loop");
        }
    }
}

/// One turn of a wait loop: a CPU pause for the first turns, then a yield.
fn relax(spins: &mut u32) {
    *spins += 1;
    if *spins < SPINS_BEFORE_YIELD {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

fn take_tasks(s: &Shared, f: &(dyn Fn(usize) + Sync)) {
    let n = s.n_tasks.load(Ordering::Relaxed);
    loop {
        let i = s.next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            break;
        }
        f(i);
    }
}

/// Joins the loop `generation` if it is still open; false when it is closed or over.
fn join(s: &Shared, generation: u64) -> bool {
    let mut t = s.ticket.load(Ordering::Relaxed);
    loop {
        if t >> GEN_SHIFT != generation || t & CLOSED != 0 || t & ACTIVE == ACTIVE {
            return false;
        }
        match s
            .ticket
            .compare_exchange_weak(t, t + 1, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => return true,
            Err(now) => t = now,
        }
    }
}

fn worker(s: &Shared) {
    let mut seen = 0u64;
    let published = |s: &Shared| s.ticket.load(Ordering::Acquire) >> GEN_SHIFT;
    loop {
        // Spin for a while, then sleep until the next loop is published.
        let start = Instant::now();
        let mut spins = 0u32;
        while published(s) == seen && !s.shutdown.load(Ordering::Relaxed) {
            relax(&mut spins);
            if spins.is_multiple_of(64) && start.elapsed() > SPIN {
                let mut g = s.lock.lock().unwrap_or_else(|e| e.into_inner());
                s.sleeping.fetch_add(1, Ordering::SeqCst);
                while s.ticket.load(Ordering::SeqCst) >> GEN_SHIFT == seen
                    && !s.shutdown.load(Ordering::SeqCst)
                {
                    g = s.wake.wait(g).unwrap_or_else(|e| e.into_inner());
                }
                s.sleeping.fetch_sub(1, Ordering::SeqCst);
                break;
            }
        }
        if s.shutdown.load(Ordering::Acquire) {
            return;
        }
        seen = published(s);
        if !join(s, seen) {
            // The caller finished it alone.
            continue;
        }
        // SAFETY: joined the open loop; `job` stays valid until we leave it.
        let f = unsafe { &**s.job.get() };
        if catch_unwind(AssertUnwindSafe(|| take_tasks(s, f))).is_err() {
            s.panicked.store(true, Ordering::Relaxed);
        }
        s.ticket.fetch_sub(1, Ordering::Release);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        {
            let _g = self.shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_every_task_once() {
        let pool = Pool::new(3).unwrap();
        for n in [0, 1, 2, 5, 100, 1000] {
            let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            pool.run(n, &|i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
        }
        // After sleeping, workers wake for the next loop.
        std::thread::sleep(Duration::from_millis(5));
        let total = AtomicUsize::new(0);
        pool.run(64, &|i| {
            total.fetch_add(i, Ordering::Relaxed);
        });
        assert_eq!(total.load(Ordering::Relaxed), 64 * 63 / 2);
    }

    #[test]
    fn concurrent_callers_each_run_every_task_once() {
        // Two threads share one pool (as a miner and a verifier share an engine).
        let pool = Pool::new(3).unwrap();
        std::thread::scope(|scope| {
            for caller in 0..3usize {
                let pool = &pool;
                scope.spawn(move || {
                    for round in 0..3_000usize {
                        let n = 2 + (round + caller) % 61;
                        let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
                        pool.run(n, &|i| {
                            hits[i].fetch_add(1, Ordering::Relaxed);
                        });
                        assert!(
                            hits.iter().all(|h| h.load(Ordering::Relaxed) == 1),
                            "caller {caller}, round {round}"
                        );
                    }
                });
            }
        });
    }

    #[test]
    fn many_loops_on_more_threads_than_cores_run_every_task_once() {
        // Workers join late, miss loops, sleep and wake while the caller closes loops alone.
        let pool = Pool::new(8).unwrap();
        let hits: Vec<AtomicUsize> = (0..97).map(|_| AtomicUsize::new(0)).collect();
        let mut want = vec![0usize; hits.len()];
        for round in 0..20_000usize {
            let n = 2 + round % 96;
            pool.run(n, &|i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            want[..n].iter_mut().for_each(|w| *w += 1);
            if round % 5_000 == 4_999 {
                // Long enough for the workers to fall asleep.
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        let got: Vec<usize> = hits.iter().map(|h| h.load(Ordering::Relaxed)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_panicking_task_is_reported() {
        let pool = Pool::new(2).unwrap();
        let r = catch_unwind(AssertUnwindSafe(|| {
            pool.run(100, &|i| {
                if i == 57 {
                    panic!("boom");
                }
            })
        }));
        assert!(r.is_err());
        // The pool still works afterwards.
        let c = AtomicUsize::new(0);
        pool.run(10, &|_| {
            c.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(c.load(Ordering::Relaxed), 10);
    }
}
