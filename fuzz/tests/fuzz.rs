//! The fuzzing harness in CI: every kept regression input replays cleanly, a CI-sized campaign per
//! target finds no failure (a fresh seed each time, printed so a failure can be reproduced), and
//! the harness provably catches a planted bug, an abort and a hang, keeping their inputs.

use std::path::Path;
use std::process::Command;

use ambient_fuzz::runner::{self, default_regressions_dir, Config, Report};
use ambient_fuzz::targets::{self, PLANTED_MAGIC};

/// The seed of this run: `AMBIENT_FUZZ_SEED` to reproduce a failure, else from the clock.
fn seed() -> u64 {
    match std::env::var("AMBIENT_FUZZ_SEED") {
        Ok(s) => s.parse().expect("AMBIENT_FUZZ_SEED must be a u64"),
        Err(_) => ambient_fuzz::time_seed(),
    }
}

fn target(name: &str) -> targets::Target {
    targets::find(name).unwrap_or_else(|| panic!("no target {name}"))
}

/// Fuzzes `name` for `iterations` inputs from a fresh seed; failures are kept in
/// `fuzz/regressions/<name>/`, where the replay test picks them up from then on.
fn ci_run(name: &str, iterations: u64) {
    let seed = seed();
    println!(
        "fuzzing {name}: {iterations} inputs, seed {seed} \
         (reproduce: AMBIENT_FUZZ_SEED={seed} cargo nextest run -p ambient-fuzz {}, \
         or ambient-fuzz --target {name} --seed {seed} --iterations {iterations})",
        name.replace('-', "_")
    );
    let r: Report = runner::run(&target(name), &Config::new(iterations, seed), None);
    if let Some(why) = &r.skipped {
        panic!("{name} was skipped, not fuzzed: {why}");
    }
    println!(
        "{name}: {} inputs ({} accepted) in {:.2} s, {:.0}/s, {} failing",
        r.inputs,
        r.accepted,
        r.elapsed.as_secs_f64(),
        r.rate(),
        r.panics
    );
    assert!(r.inputs > iterations, "the seeds and {iterations} mutants");
    assert!(
        r.accepted > 0,
        "{name}: no input was accepted, the seeds are not valid encodings"
    );
    assert!(
        r.panics == 0,
        "{name} (seed {seed}): {} failing inputs; kept: {:?}; first failures: {:#?}",
        r.panics,
        r.saved,
        r.failures
    );
}

#[test]
fn fuzz_auction_ix() {
    ci_run("auction-ix", 200_000);
}

#[test]
fn fuzz_registry_ix() {
    ci_run("registry-ix", 15_000);
}

#[test]
fn fuzz_receipt() {
    ci_run("receipt", 100_000);
}

#[test]
fn fuzz_gguf() {
    ci_run("gguf", 200_000);
}

#[test]
fn fuzz_chat_body() {
    ci_run("chat-body", 40_000);
}

#[test]
fn fuzz_blob() {
    ci_run("blob", 40_000);
}

#[test]
fn regression_inputs_replay_cleanly() {
    let dir = default_regressions_dir();
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions exists") {
        let entry = entry.unwrap();
        if !entry.file_type().unwrap().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let t = targets::find(&name)
            .unwrap_or_else(|| panic!("fuzz/regressions/{name} names no target"));
        assert!(
            !name.starts_with("selftest"),
            "self-test inputs do not belong in the repository"
        );
        for path in runner::regression_inputs(&dir, &name).unwrap() {
            let input = std::fs::read(&path).unwrap();
            if let Err(e) = runner::replay(&t, &input, runner::DEFAULT_ALLOC_LIMIT) {
                panic!("{} fails again: {e}", path.display());
            }
            replayed += 1;
        }
    }
    println!("{replayed} regression inputs replayed");
}

#[test]
fn every_seed_is_a_valid_encoding() {
    for t in targets::all() {
        (t.prepare)().unwrap_or_else(|why| panic!("{}: {why}", t.name));
        let seeds = (t.seeds)();
        assert!(!seeds.is_empty(), "{}", t.name);
        for (i, s) in seeds.iter().enumerate() {
            assert!(s.len() <= t.max_len, "{} seed {i} is over max_len", t.name);
            let accepted = runner::replay(&t, s, runner::DEFAULT_ALLOC_LIMIT)
                .unwrap_or_else(|e| panic!("{} seed {i} fails: {e}", t.name));
            // The blob target's last seed is an upload over the size limit, refused on purpose.
            let refused_on_purpose = t.name == "blob" && i == seeds.len() - 1;
            assert_eq!(accepted, !refused_on_purpose, "{} seed {i}", t.name);
        }
        (t.cleanup)();
    }
}

#[test]
fn the_harness_catches_a_planted_bug_and_keeps_its_input() {
    let seed = seed();
    println!("seed {seed}");
    let dir = tempfile::tempdir().unwrap();
    let t = target("selftest-panic");
    let cfg = Config {
        regressions: dir.path().to_path_buf(),
        ..Config::new(50_000, seed)
    };
    let r = runner::run(&t, &cfg, None);
    assert!(r.panics > 0, "seed {seed}: the planted bug was not reached");
    // One bug (one panic location): one kept input, however often it was hit.
    assert_eq!(r.failures.len(), 1, "{:#?}", r.failures);
    assert_eq!(r.saved.len(), 1);
    let saved = &r.saved[0];
    assert!(saved.starts_with(dir.path().join("selftest-panic")));
    assert_eq!(saved.extension().unwrap(), "bin");
    let input = std::fs::read(saved).unwrap();
    assert!(input.starts_with(&PLANTED_MAGIC), "{input:02x?}");
    assert_eq!(runner::regression_path(dir.path(), t.name, &input), *saved);
    let e = runner::replay(&t, &input, runner::DEFAULT_ALLOC_LIMIT).unwrap_err();
    assert!(e.contains("planted bug reached"), "{e}");
    assert!(r.failures[0].message.contains("planted bug reached"));
    let note = std::fs::read_to_string(saved.with_extension("txt")).unwrap();
    assert!(note.contains(&format!("seed: {seed}")), "{note}");
}

#[test]
fn an_oversize_allocation_is_a_failure() {
    fn greedy(input: &[u8]) -> bool {
        // A length field trusted without looking at the input's size.
        let n = input.first().map_or(0, |&b| usize::from(b)) << 20;
        let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(n));
        v.capacity() > 0
    }
    let t = targets::Target {
        name: "selftest-alloc",
        run: greedy,
        ..target("selftest-panic")
    };
    assert_eq!(runner::replay(&t, &[1], 16 << 20), Ok(true));
    let e = runner::replay(&t, &[17], 16 << 20).unwrap_err();
    assert!(e.starts_with("oversize allocation"), "{e}");
}

fn run_binary(dir: &Path, target: &str, extra: &[&str]) -> (std::process::Output, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_ambient-fuzz"))
        .args(["--target", target, "--iterations", "50000"])
        .arg("--regressions")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    let kept = runner::regression_inputs(dir, target).unwrap();
    assert_eq!(
        kept.len(),
        1,
        "{kept:?}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let input = std::fs::read(&kept[0]).unwrap();
    (out, input)
}

#[test]
fn the_binary_keeps_the_input_that_aborts_its_worker() {
    let dir = tempfile::tempdir().unwrap();
    let (out, input) = run_binary(dir.path(), "selftest-abort", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("worker crashed"), "{stdout}");
    assert!(input.starts_with(&PLANTED_MAGIC), "{input:02x?}");
}

#[test]
fn the_binary_keeps_the_input_that_hangs_its_worker() {
    let dir = tempfile::tempdir().unwrap();
    let (out, input) = run_binary(dir.path(), "selftest-hang", &["--hang-secs", "2"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("worker hung"), "{stdout}");
    assert!(input.starts_with(&PLANTED_MAGIC), "{input:02x?}");
}

#[test]
fn the_binary_prints_a_table_and_succeeds_on_a_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ambient-fuzz"))
        .args(["--target", "receipt", "--target", "auction-ix"])
        .args(["--iterations", "2000", "--seed", "1"])
        .arg("--regressions")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert!(
        rows[0].starts_with("target") && rows[0].contains("inputs/s"),
        "{stdout}"
    );
    assert!(rows.iter().any(|r| r.starts_with("receipt")), "{stdout}");
    assert!(rows.iter().any(|r| r.starts_with("auction-ix")), "{stdout}");
    let bad = Command::new(env!("CARGO_BIN_EXE_ambient-fuzz"))
        .args(["--target", "no-such-target"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
