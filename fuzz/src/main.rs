//! `ambient-fuzz`: fuzzes Ambient's parsers of outside input and prints a table of the results.
//!
//! Each target runs in a worker process (this binary with `--worker`), so an input that aborts,
//! overflows the stack, exhausts memory or hangs is kept as a regression input as well as one that
//! panics. Exit status: 0 when no target failed, 1 when any did, 2 on usage errors.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use ambient_fuzz::runner::{self, default_regressions_dir, Failure, Report};
use ambient_fuzz::slot::CrashSlot;
use ambient_fuzz::targets::{self, Target};
use ambient_fuzz::Config;
use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;

#[derive(Parser, Debug)]
// Later flags override earlier ones (`ci/fuzz.sh` passes defaults before the caller's).
#[command(name = "ambient-fuzz", version, about, args_override_self = true)]
struct Args {
    /// Targets to run (repeatable; all by default). `--list` names them.
    #[arg(long = "target", short = 't')]
    targets: Vec<String>,
    /// Mutated inputs per target (default 100000, or no limit with `--minutes`).
    #[arg(long, short = 'n')]
    iterations: Option<u64>,
    /// Seed of the mutation engine (default: from the clock; always printed).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Stop each target after this many minutes, even before `--iterations`.
    #[arg(long, short = 'm')]
    minutes: Option<f64>,
    /// Where failing inputs are kept (`<DIR>/<target>/<hash>.bin`).
    #[arg(long, default_value_os_t = default_regressions_dir())]
    regressions: PathBuf,
    /// A worker that makes no progress for this long is killed and its input kept as a hang.
    #[arg(long, default_value_t = 30)]
    hang_secs: u64,
    /// Run in this process (panics are still caught; aborts and hangs are not).
    #[arg(long)]
    in_process: bool,
    /// Replay these files through the (single) target instead of fuzzing.
    #[arg(long, num_args = 1..)]
    replay: Vec<PathBuf>,
    /// List the targets and exit.
    #[arg(long)]
    list: bool,
    /// Internal: run one target as a worker.
    #[arg(long, hide = true)]
    worker: bool,
    /// Internal: the worker's crash slot.
    #[arg(long, hide = true)]
    slot: Option<PathBuf>,
    /// Internal: where the worker writes its report (JSON).
    #[arg(long, hide = true)]
    report: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match real_main(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ambient-fuzz: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn chosen(args: &Args) -> Result<Vec<Target>> {
    if args.targets.is_empty() {
        return Ok(targets::all());
    }
    args.targets
        .iter()
        .map(|n| {
            targets::find(n).ok_or_else(|| {
                let names: Vec<_> = targets::all().iter().map(|t| t.name).collect();
                anyhow!("no target {n:?} (targets: {})", names.join(", "))
            })
        })
        .collect()
}

fn iterations(args: &Args) -> u64 {
    match (args.iterations, args.minutes) {
        (Some(n), _) => n,
        (None, Some(_)) => u64::MAX,
        (None, None) => 100_000,
    }
}

fn config(args: &Args, seed: u64) -> Config {
    Config {
        iterations: iterations(args),
        seed,
        time_limit: args
            .minutes
            .map(|m| Duration::from_secs_f64((m * 60.0).max(0.0))),
        regressions: args.regressions.clone(),
        progress: true,
        alloc_limit: runner::DEFAULT_ALLOC_LIMIT,
    }
}

fn real_main(args: Args) -> Result<ExitCode> {
    if args.list {
        for t in targets::all() {
            println!("{:<12} {}", t.name, t.about);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let targets = chosen(&args)?;
    if !args.replay.is_empty() {
        return replay(&args, &targets);
    }
    let seed = args.seed.unwrap_or_else(ambient_fuzz::time_seed);
    if args.worker {
        return worker(&args, &targets, seed);
    }
    let limit = match (iterations(&args), args.minutes) {
        (u64::MAX, Some(m)) => format!("{m} min per target"),
        (n, Some(m)) => format!("{n} inputs or {m} min per target"),
        (n, None) => format!("{n} inputs per target"),
    };
    eprintln!(
        "ambient-fuzz: seed {seed}, {limit}, regressions in {}",
        args.regressions.display()
    );
    let started = Instant::now();
    let mut reports = Vec::new();
    for t in &targets {
        let r = if args.in_process {
            runner::run(t, &config(&args, seed), None)
        } else {
            supervise(&args, t, seed)?
        };
        reports.push(r);
    }
    print_table(&reports, started.elapsed());
    let failed = reports.iter().any(|r| r.panics > 0);
    if failed {
        println!();
        for r in reports.iter().filter(|r| r.panics > 0) {
            println!(
                "reproduce {}: ambient-fuzz --target {} --seed {} --iterations {}",
                r.target, r.target, r.seed, r.inputs
            );
            for f in &r.failures {
                print_failure(f);
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_failure(f: &Failure) {
    let first = f.message.lines().next().unwrap_or("");
    match &f.saved {
        Some(p) => println!("  {} — {first}\n    kept as {}", f.signature, p.display()),
        None => println!("  {} — {first}", f.signature),
    }
}

fn replay(args: &Args, targets: &[Target]) -> Result<ExitCode> {
    let [t] = targets else {
        bail!("--replay needs exactly one --target");
    };
    let mut failed = false;
    for path in &args.replay {
        let input = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        match runner::replay(t, &input, runner::DEFAULT_ALLOC_LIMIT) {
            Ok(accepted) => println!(
                "{}: ok ({})",
                path.display(),
                if accepted { "accepted" } else { "rejected" }
            ),
            Err(e) => {
                failed = true;
                println!("{}: FAILED {e}", path.display());
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn worker(args: &Args, targets: &[Target], seed: u64) -> Result<ExitCode> {
    let [t] = targets else {
        bail!("a worker runs exactly one target");
    };
    let (Some(slot), Some(out)) = (&args.slot, &args.report) else {
        bail!("a worker needs --slot and --report");
    };
    let mut slot = CrashSlot::open(slot).context("opening the crash slot")?;
    let report = runner::run(t, &config(args, seed), Some(&mut slot));
    std::fs::write(out, serde_json::to_vec(&report)?).context("writing the report")?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `t` in a worker process, keeping the input of a crash or hang.
fn supervise(args: &Args, t: &Target, seed: u64) -> Result<Report> {
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let slot_path = scratch.path().join("slot");
    let report_path = scratch.path().join("report.json");
    let slot = CrashSlot::create(&slot_path, t.max_len).context("creating the crash slot")?;
    let exe = std::env::current_exe().context("locating ambient-fuzz")?;
    let mut cmd = Command::new(exe);
    cmd.arg("--worker")
        .args(["--target", t.name])
        .args(["--iterations", &iterations(args).to_string()])
        .args(["--seed", &seed.to_string()])
        .arg("--regressions")
        .arg(&args.regressions)
        .arg("--slot")
        .arg(&slot_path)
        .arg("--report")
        .arg(&report_path)
        .stdin(Stdio::null());
    if let Some(m) = args.minutes {
        cmd.args(["--minutes", &m.to_string()]);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().context("starting a worker")?;
    let hang = Duration::from_secs(args.hang_secs.max(1));
    let (mut seen, mut since) = (0u64, Instant::now());
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        let n = slot.counter();
        if n != seen {
            (seen, since) = (n, Instant::now());
        } else if n > 0 && since.elapsed() >= hang {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if status.is_some_and(|s| s.success()) {
        let bytes = std::fs::read(&report_path).context("reading the worker's report")?;
        return Ok(serde_json::from_slice(&bytes)?);
    }
    // The worker died (or hung): its last input is the culprit.
    let what = match status {
        Some(s) => format!("worker crashed: {s}"),
        None => format!("worker hung: no progress for {} s", hang.as_secs()),
    };
    let mut report = Report {
        target: t.name.to_string(),
        seed,
        inputs: slot.counter(),
        panics: 1,
        elapsed: started.elapsed(),
        ..Report::default()
    };
    let saved = match slot.last_input() {
        Some(input) => Some(save(&args.regressions, t, &input, seed, &what)?),
        None => None,
    };
    report.saved.extend(saved.clone());
    report.failures.push(Failure {
        signature: if status.is_some() {
            "crash".into()
        } else {
            "hang".into()
        },
        message: what,
        saved,
    });
    Ok(report)
}

fn save(dir: &Path, t: &Target, input: &[u8], seed: u64, what: &str) -> Result<PathBuf> {
    let note = format!("target: {}\nseed: {seed}\n{what}\n", t.name);
    runner::save_regression(dir, t.name, input, &note)
        .with_context(|| format!("saving a failing input under {}", dir.display()))
}

fn print_table(reports: &[Report], total: Duration) {
    println!(
        "{:<12} {:>11} {:>11} {:>10} {:>7} {:>10} {:>6}",
        "target", "inputs", "inputs/s", "accepted", "panics", "slowest", "saved"
    );
    for r in reports {
        if let Some(why) = &r.skipped {
            println!("{:<12} SKIPPED: {why}", r.target);
            continue;
        }
        println!(
            "{:<12} {:>11} {:>11.0} {:>10} {:>7} {:>8.1}ms {:>6}",
            r.target,
            r.inputs,
            r.rate(),
            r.accepted,
            r.panics,
            r.slowest.as_secs_f64() * 1e3,
            r.saved.len()
        );
    }
    println!("total time {:.1} s", total.as_secs_f64());
}
