//! Tests that need something a machine may lack (root, a GPU, a CPU feature) call [`skip!`] when it
//! is missing, then return. A skip is not a silent pass: the test says why on standard error, the
//! skip is appended to the file `AMBIENT_SKIPPED_LOG` names (`ci/test.sh` prints the list after
//! the run), and with `AMBIENT_REQUIRE_ALL=1` — set where every resource exists — it fails the
//! test instead.

use std::io::Write;

/// Records that the running test cannot run here, then the caller returns:
/// `if !root { ambient_testkit::skip!("mounting a tmpfs needs root"); return; }`.
#[macro_export]
macro_rules! skip {
    ($($why:tt)+) => {
        $crate::skip_at(file!(), line!(), &format!($($why)+))
    };
}

/// What [`skip!`] does, for the test at `file`:`line`.
pub fn skip_at(file: &str, line: u32, why: &str) {
    let test = match std::thread::current().name() {
        Some(name) if name != "main" => format!("{name} ({file}:{line})"),
        _ => format!("{file}:{line}"),
    };
    if std::env::var("AMBIENT_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!("{test} cannot run here ({why}) and AMBIENT_REQUIRE_ALL=1 requires every test");
    }
    eprintln!("SKIPPED: {test}: {why}");
    if let Some(path) = std::env::var_os("AMBIENT_SKIPPED_LOG") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{test}: {why}");
        }
    }
}

#[cfg(test)]
mod tests {
    // One test: the environment is the process's, and `cargo test` runs tests as threads of one.
    #[test]
    fn a_skip_is_listed_and_fails_where_every_resource_is_required() {
        let log = std::env::temp_dir().join(format!("ambient-skips-{}", std::process::id()));
        std::env::set_var("AMBIENT_SKIPPED_LOG", &log);
        std::env::remove_var("AMBIENT_REQUIRE_ALL");
        crate::skip!("no {} here", "GPU");
        let listed = std::fs::read_to_string(&log).unwrap();
        let _ = std::fs::remove_file(&log);
        assert!(
            listed.contains("testkit/src/lib.rs") && listed.contains(": no GPU here"),
            "{listed}"
        );
        std::env::set_var("AMBIENT_REQUIRE_ALL", "1");
        let failed = std::panic::catch_unwind(|| crate::skip!("no root"));
        std::env::remove_var("AMBIENT_REQUIRE_ALL");
        let message = failed.expect_err("a skip fails under AMBIENT_REQUIRE_ALL=1");
        let message = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains("requires every test"), "{message}");
    }
}
