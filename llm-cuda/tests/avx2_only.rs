//! The `avx2` kernel set never executes an AVX-512 instruction: it runs the real model, in every
//! weight format, on a CPU without AVX-512 (qemu's Haswell model, where AVX-512 faults) and gives
//! the scalar reference's bits there.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ambient_llm::{Engine, Isa};
use common::{bits, engine_at, requantized, FORMATS};

/// Where the scalar reference logits come from when set (files written by the parent test); the
/// AVX2 run under qemu reads them instead of computing the scalar ones, which would take minutes
/// there.
const REFERENCE_DIR: &str = "AMBIENT_AVX2_REFERENCE_DIR";

/// The development model and the requantized copies present here; under qemu the two that hold
/// every weight format between them (Q4_K_M: Q4_K, Q5_0, Q6_K, Q8_0; Q5_K_M: Q5_K, Q5_1) besides
/// the development model's Q4_1 (BF16 and F16 widen to the F32 path every model runs).
fn models(under_qemu: bool) -> Vec<PathBuf> {
    let formats: &[&str] = if under_qemu {
        &["Q4_K_M", "Q5_K_M"]
    } else {
        &FORMATS
    };
    let mut all = vec![ambient_llm::default_model_path()];
    all.extend(formats.iter().filter_map(|f| requantized(f)));
    all
}

fn tokens(e: &Engine) -> Vec<u32> {
    e.tokenizer().encode("The capital of France is").unwrap()
}

fn reference_file(dir: &Path, model: &Path) -> PathBuf {
    dir.join(model.file_name().unwrap()).with_extension("bits")
}

/// The scalar kernels' logits (one thread), as raw bits.
fn scalar_bits(model: &Path) -> Vec<u32> {
    let e = engine_at(model, Isa::Scalar, 1);
    bits(&e.all_logits(&tokens(&e)).unwrap())
}

/// Runs the model with the AVX2 kernels (two threads; prefill, then decode) and compares the bits
/// with the scalar kernels' (computed here, or read from [`REFERENCE_DIR`]).
#[test]
fn avx2_kernels_give_the_scalar_bits() {
    if !Isa::Avx2.is_supported() {
        ambient_testkit::skip!("this CPU has no AVX2");
        return;
    }
    let dir = std::env::var_os(REFERENCE_DIR).map(PathBuf::from);
    for path in models(dir.is_some()) {
        let reference = match &dir {
            Some(d) => std::fs::read(reference_file(d, &path))
                .unwrap()
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            None => scalar_bits(&path),
        };
        let e = engine_at(&path, Isa::Avx2, 2);
        let toks = tokens(&e);
        assert!(
            bits(&e.all_logits(&toks).unwrap()) == reference,
            "{}: AVX2 differs from scalar",
            path.display()
        );
        let mut s = e.session();
        let mut stepped = Vec::new();
        for &t in &toks {
            stepped.extend(s.decode(t).unwrap());
        }
        assert!(
            bits(&stepped) == reference,
            "{}: decode differs",
            path.display()
        );
    }
}

/// [`avx2_kernels_give_the_scalar_bits`] again, under `qemu-x86_64 -cpu Haswell`: an AVX-512
/// instruction there is an illegal instruction, and the run fails.
#[test]
fn the_avx2_set_runs_where_avx512_faults() {
    if std::env::var_os(REFERENCE_DIR).is_some() {
        return; // This is the run under qemu.
    }
    if Command::new("qemu-x86_64")
        .arg("--version")
        .output()
        .is_err()
    {
        ambient_testkit::skip!(
            "no qemu-x86_64 (Debian's qemu-user; ci/install-deps.sh installs it)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for path in models(true) {
        let b: Vec<u8> = scalar_bits(&path)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(reference_file(dir.path(), &path), b).unwrap();
    }
    let run = Command::new("qemu-x86_64")
        .args(["-cpu", "Haswell"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "avx2_kernels_give_the_scalar_bits",
            "--nocapture",
        ])
        .env(REFERENCE_DIR, dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success() && out.contains("1 passed"),
        "under qemu Haswell: {}\n{out}\n{err}",
        run.status
    );
    assert!(
        !err.contains("SKIPPED"),
        "the AVX2 run was skipped under qemu: {err}"
    );
}
