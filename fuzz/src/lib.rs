//! Fuzzing on stable Rust for every parser of outside input: auction and registry instruction
//! data and account layouts, PoL receipts, openings and proofs, GGUF headers and tensor
//! directories, REST chat bodies and blob uploads.
//!
//! - [`mutate`]: a deterministic mutation engine (SplitMix64; bit flips, interesting values,
//!   little-endian length-field values, insert/delete/duplicate, truncate/extend, splicing,
//!   dictionary tokens, random inputs).
//! - [`targets`]: one [`Target`] per parser, each starting from valid encodings made by the real
//!   encoders, so mutations reach deep code.
//! - [`runner`]: runs a target with `catch_unwind` around each input, measures allocations (a
//!   length field must not make a parser reserve gigabytes) and keeps every distinct failure in
//!   `fuzz/regressions/<target>/`.
//! - [`slot`]: the shared-memory slot through which the `ambient-fuzz` binary keeps inputs that
//!   crash the process outright (abort, stack overflow, out of memory) or hang.
//!
//! The tests replay the regression inputs and run a CI-sized campaign per target;
//! `ci/fuzz.sh` runs a million inputs per target in release.

pub mod alloc;
pub mod mutate;
pub mod runner;
pub mod slot;
pub mod targets;

pub use runner::{run, Config, Report};
pub use targets::Target;

#[global_allocator]
static GLOBAL: alloc::Tracking = alloc::Tracking;

/// A fresh seed from the clock (printed by every caller, so a failure can be reproduced).
pub fn time_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // Mix in the process id: two runs started in the same instant still differ.
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}
