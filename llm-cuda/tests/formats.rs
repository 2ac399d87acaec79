//! Every GGUF weight format the engine reads: decoded to exactly the values ggml's own Python
//! package (gguf-py, `reference/dequant.py`) gives, and computed bit-identically by every kernel
//! set and thread count.

mod common;

use std::path::Path;
use std::process::Command;

use ambient_llm::gguf::{self, TensorType};
use ambient_llm::quant::Matrix;
use ambient_llm::{Isa, Message};
use common::matrices::{block, inputs, Rng, TYPES};
use common::{assert_canonical, engine_at, requantized, FORMATS};

/// The Python that has gguf-py (`AMBIENT_PYTHON`, as `ci/clients.sh` sets it, else `python3`), or
/// why there is none.
fn python_with_gguf() -> Result<String, String> {
    let py = std::env::var("AMBIENT_PYTHON").unwrap_or_else(|_| "python3".into());
    match Command::new(&py)
        .args(["-c", "import gguf, numpy"])
        .output()
    {
        Ok(o) if o.status.success() => Ok(py),
        Ok(o) => Err(format!(
            "{py} has no gguf-py (pip install -r llm-cuda/reference/requirements.txt): {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Err(format!("no {py}: {e}")),
    }
}

/// One tensor of every format, `rows × cols` of random blocks.
fn random_tensors(rows: usize, cols: usize) -> Vec<(String, TensorType, Vec<u8>)> {
    let mut rng = Rng::new(0x5eed);
    TYPES
        .iter()
        .map(|&ty| {
            let n = rows * cols / ty.block_elems() as usize;
            let data = (0..n).flat_map(|_| block(ty, &mut rng)).collect();
            (format!("t.{ty:?}"), ty, data)
        })
        .collect()
}

#[test]
fn every_format_decodes_to_the_values_ggml_defines() {
    let py = match python_with_gguf() {
        Ok(py) => py,
        Err(why) => {
            ambient_testkit::skip!("{why}");
            return;
        }
    };
    let (rows, cols) = (3usize, 768usize);
    let tensors = random_tensors(rows, cols);
    let dims = [cols as u64, rows as u64];
    let outs: Vec<gguf::writer::TensorOut<'_>> = tensors
        .iter()
        .map(|(name, ty, data)| gguf::writer::TensorOut {
            name,
            dims: &dims,
            ty: *ty,
            data,
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("formats.gguf");
    std::fs::write(&file, gguf::writer::write(&[], &outs)).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/dequant.py");
    let out = dir.path().join("ggml");
    let run = Command::new(&py)
        .arg(&script)
        .arg(&file)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "dequant.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let g = gguf::Gguf::open(&file).unwrap();
    for (name, ty, _) in &tensors {
        let info = g.tensor(name).unwrap();
        let m = Matrix::from_gguf(info, g.tensor_data(info)).unwrap();
        let want = std::fs::read(out.join(format!("{name}.f32"))).unwrap();
        let want: Vec<u32> = want
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(want.len(), rows * cols, "{ty:?}: ggml's value count");
        let mut row = vec![0f32; cols];
        for r in 0..rows {
            m.dequant_row(r, &mut row);
            for (e, (got, want)) in row.iter().zip(&want[r * cols..]).enumerate() {
                assert_eq!(
                    got.to_bits(),
                    *want,
                    "{ty:?} row {r} value {e}: engine {got}, ggml {}",
                    f32::from_bits(*want)
                );
            }
        }
    }
}

#[test]
fn every_format_computes_the_same_bits_on_every_kernel_set() {
    let mut rng = Rng::new(17);
    // Rows of one and of several super-blocks; 5 activation rows (a prefill tile and one more).
    for (rows, cols, t) in [(19, 256, 1), (33, 1536, 5)] {
        for ty in TYPES {
            let m = common::matrices::matrix(ty, rows, cols, &mut rng);
            let x = inputs(t, cols, &mut rng);
            let run = |isa: Isa, threads: usize| {
                let ctx = ambient_llm::kernels::Ctx::new(isa, threads).unwrap();
                let mut out = vec![0f32; t * rows];
                ctx.matmul(&m, &x, t, &mut out);
                common::bits(&out)
            };
            let reference = run(Isa::Scalar, 1);
            for isa in common::isas() {
                for threads in [1, 3] {
                    assert!(
                        run(isa, threads) == reference,
                        "{ty:?} {rows}x{cols}: {isa} with {threads} threads differs"
                    );
                }
            }
        }
    }
}

#[test]
fn rows_that_split_a_super_block_are_refused() {
    let mut rng = Rng::new(1);
    for ty in [TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K] {
        let data: Vec<u8> = (0..2).flat_map(|_| block(ty, &mut rng)).collect();
        let info = gguf::TensorInfo {
            name: "w".into(),
            dims: vec![128, 4],
            ty,
            file_offset: 0,
            size: data.len() as u64,
        };
        let e = Matrix::from_gguf(&info, &data).unwrap_err().to_string();
        assert!(e.contains("row length 128 is not a multiple of 256"), "{e}");
    }
}

#[test]
fn requantized_models_are_canonical() {
    for format in FORMATS {
        let Some(path) = requantized(format) else {
            ambient_testkit::skip!("no {format} copy of the model: run `bash ci/requantize.sh`");
            continue;
        };
        let mut e = engine_at(&path, Isa::Scalar, 1);
        let toks = e
            .chat_prompt(&[Message::new("user", "Name three colours of the rainbow.")])
            .unwrap();
        assert_canonical(&mut e, &toks, format);
    }
}
