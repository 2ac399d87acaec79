//! The runner: feeds a target mutated inputs, catches panics (and oversize allocations), and keeps
//! every distinct failure as a regression input.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::alloc;
use crate::mutate::Mutator;
use crate::slot::CrashSlot;
use crate::targets::Target;

/// A single allocation larger than this while one input runs is a bug: no parser here needs to
/// reserve more than a few times its input, and inputs are at most a few hundred KiB.
pub const DEFAULT_ALLOC_LIMIT: usize = 16 << 20;

/// Most corpus entries kept (seeds plus accepted mutants).
const MAX_CORPUS: usize = 512;

/// Most distinct failing inputs saved by one run (they are usually one bug many times).
const MAX_SAVED: usize = 32;

/// What one run does.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mutated inputs to run (the seeds run first and are counted too).
    pub iterations: u64,
    /// Seed of the mutation engine: a run is reproduced by target, seed and iterations.
    pub seed: u64,
    /// Stop early after this long.
    pub time_limit: Option<Duration>,
    /// Failing inputs go to `<regressions>/<target>/<blake3-hex-16>.bin`.
    pub regressions: PathBuf,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Largest single allocation allowed while an input runs.
    pub alloc_limit: usize,
}

impl Config {
    /// A quiet run of `iterations` inputs from `seed` that saves failures under the repository's
    /// `fuzz/regressions`.
    pub fn new(iterations: u64, seed: u64) -> Self {
        Config {
            iterations,
            seed,
            time_limit: None,
            regressions: default_regressions_dir(),
            progress: false,
            alloc_limit: DEFAULT_ALLOC_LIMIT,
        }
    }
}

/// The repository's regression inputs: `fuzz/regressions`.
pub fn default_regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions")
}

/// One failure: the panic message with its location.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// Where it panicked (`file:line:column`), or what kind of failure it was.
    pub signature: String,
    /// The whole message.
    pub message: String,
    /// The saved input, if it was saved.
    pub saved: Option<PathBuf>,
}

/// What a run found.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// The target.
    pub target: String,
    /// Inputs run (seeds included).
    pub inputs: u64,
    /// Inputs the parser accepted (`Ok`).
    pub accepted: u64,
    /// Inputs that panicked, made an oversize allocation or crashed the worker.
    pub panics: u64,
    /// Wall time of the fuzzing loop.
    pub elapsed: Duration,
    /// The slowest single input.
    pub slowest: Duration,
    /// Files written under the regressions directory.
    pub saved: Vec<PathBuf>,
    /// The distinct failures (by signature), first occurrence of each.
    pub failures: Vec<Failure>,
    /// Why the target did not run (e.g. the model file is missing); `None` when it ran.
    pub skipped: Option<String>,
    /// The seed of the run.
    pub seed: u64,
}

impl Report {
    /// Inputs per second.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.inputs as f64 / s
        } else {
            0.0
        }
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that, on threads running fuzz inputs, records the message and
/// location instead of printing them; other threads keep the previous hook.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(|q| q.get()) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                    .unwrap_or_else(|| "unknown location".into());
                let message = payload_text(info.payload());
                LAST_PANIC.with(|p| *p.borrow_mut() = Some((location, message)));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &dyn Any) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

/// How one input ended.
#[derive(Debug)]
pub enum Outcome {
    /// The parser returned; `true` when it accepted the input.
    Returned(bool),
    /// It panicked (or allocated too much): signature and message.
    Failed {
        /// Location of the panic or the failure kind.
        signature: String,
        /// The message.
        message: String,
    },
}

/// Runs one input through `target` with panics caught and allocations measured.
pub fn run_one(target: &Target, input: &[u8], alloc_limit: usize) -> Outcome {
    install_hook();
    QUIET.with(|q| q.set(true));
    LAST_PANIC.with(|p| p.borrow_mut().take());
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        alloc::arm();
        let accepted = (target.run)(input);
        let peak = alloc::disarm();
        if peak > alloc_limit {
            panic!(
                "oversize allocation: one request of {peak} bytes for a {}-byte input (limit {alloc_limit})",
                input.len()
            );
        }
        accepted
    }));
    alloc::disarm();
    QUIET.with(|q| q.set(false));
    match result {
        Ok(accepted) => Outcome::Returned(accepted),
        Err(payload) => {
            let (signature, message) = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| ("unknown location".into(), payload_text(&*payload)));
            // Oversize allocations are one failure kind wherever the check fires.
            let signature = if message.starts_with("oversize allocation") {
                "oversize allocation".to_string()
            } else {
                signature
            };
            Outcome::Failed { signature, message }
        }
    }
}

/// Where a failing input of `target` is kept: `<dir>/<target>/<first 16 hex digits of blake3>.bin`.
pub fn regression_path(dir: &Path, target: &str, input: &[u8]) -> PathBuf {
    let hex = blake3::hash(input).to_hex();
    dir.join(target).join(format!("{}.bin", &hex[..16]))
}

/// Saves a failing input (and a `.txt` note with the message beside it); returns its path.
pub fn save_regression(
    dir: &Path,
    target: &str,
    input: &[u8],
    note: &str,
) -> std::io::Result<PathBuf> {
    let path = regression_path(dir, target, input);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, input)?;
    std::fs::write(path.with_extension("txt"), note)?;
    Ok(path)
}

/// The regression inputs kept for `target` under `dir` (sorted; none when the folder is absent).
pub fn regression_inputs(dir: &Path, target: &str) -> std::io::Result<Vec<PathBuf>> {
    let folder = dir.join(target);
    if !folder.exists() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "bin"));
    files.sort();
    Ok(files)
}

/// Fuzzes `target`: the seeds first, then `cfg.iterations` mutants (or until the time limit).
/// `slot`, when given, records each input before it runs (see [`crate::slot`]).
pub fn run(target: &Target, cfg: &Config, mut slot: Option<&mut CrashSlot>) -> Report {
    let mut report = Report {
        target: target.name.to_string(),
        seed: cfg.seed,
        ..Report::default()
    };
    if let Err(why) = (target.prepare)() {
        report.skipped = Some(why);
        return report;
    }
    let seeds = (target.seeds)();
    let n_seeds = seeds.len();
    let mut corpus = seeds;
    let mut mutator = Mutator::new(cfg.seed, target.max_len);
    let mut signatures = BTreeSet::new();
    let bar = if cfg.progress {
        // Without an input budget (a time-limited run) there is no bar to fill.
        let (bar, template) = if cfg.iterations == u64::MAX {
            (
                ProgressBar::no_length(),
                "{prefix:>12} [{elapsed_precise}] {pos} inputs ({per_sec})",
            )
        } else {
            (
                ProgressBar::new(cfg.iterations),
                "{prefix:>12} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
            )
        };
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(target.name);
        bar
    } else {
        ProgressBar::hidden()
    };

    let start = Instant::now();
    let mut input = Vec::with_capacity(target.max_len);
    let total = (n_seeds as u64).saturating_add(cfg.iterations);
    for i in 0..total {
        let parent = if (i as usize) < n_seeds {
            i as usize
        } else {
            mutator.rng().below(corpus.len())
        };
        input.clear();
        input.extend_from_slice(&corpus[parent]);
        if (i as usize) >= n_seeds {
            mutator.mutate(&mut input, &corpus, target.dict);
        }
        if let Some(slot) = slot.as_deref_mut() {
            slot.record(&input);
        }
        let t0 = Instant::now();
        let outcome = run_one(target, &input, cfg.alloc_limit);
        report.slowest = report.slowest.max(t0.elapsed());
        report.inputs += 1;
        match outcome {
            Outcome::Returned(accepted) => {
                if accepted {
                    report.accepted += 1;
                    // Keep new accepted inputs: mutating them reaches deeper than the seeds.
                    if (i as usize) >= n_seeds && input != corpus[parent] {
                        if corpus.len() < MAX_CORPUS {
                            corpus.push(input.clone());
                        } else if mutator.rng().one_in(8) {
                            let at = n_seeds + mutator.rng().below(corpus.len() - n_seeds);
                            corpus[at] = input.clone();
                        }
                    }
                }
            }
            Outcome::Failed { signature, message } => {
                report.panics += 1;
                if signatures.insert(signature.clone()) && report.failures.len() < MAX_SAVED {
                    let note = format!(
                        "target: {}\nseed: {}\ninput #{i}\nat: {signature}\n{message}\n",
                        target.name, cfg.seed
                    );
                    let saved = save_regression(&cfg.regressions, target.name, &input, &note)
                        .map_err(|e| {
                            bar.suspend(|| {
                                eprintln!("ambient-fuzz: cannot save a failing input: {e}")
                            })
                        })
                        .ok();
                    if let Some(p) = &saved {
                        report.saved.push(p.clone());
                    }
                    report.failures.push(Failure {
                        signature,
                        message,
                        saved,
                    });
                }
            }
        }
        if i % 1024 == 1023 {
            bar.set_position((i + 1).saturating_sub(n_seeds as u64));
            if cfg.time_limit.is_some_and(|limit| start.elapsed() >= limit) {
                break;
            }
        }
    }
    report.elapsed = start.elapsed();
    bar.finish_and_clear();
    (target.cleanup)();
    report
}

/// Runs one saved input through `target`: `Ok(accepted)` or the failure's message.
pub fn replay(target: &Target, input: &[u8], alloc_limit: usize) -> Result<bool, String> {
    (target.prepare)()?;
    match run_one(target, input, alloc_limit) {
        Outcome::Returned(accepted) => Ok(accepted),
        Outcome::Failed { signature, message } => Err(format!("{signature}: {message}")),
    }
}
