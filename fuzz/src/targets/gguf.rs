//! GGUF model files (`ambient-llm`): header, metadata and tensor directory, the tensor data
//! bounds of every tensor the parser accepts, and the decoding of every accepted matrix into the
//! engine's weight layout.

use ambient_llm::gguf::writer::{write, TensorOut};
use ambient_llm::gguf::{Gguf, TensorType, Value};
use ambient_llm::quant::Matrix;

/// Keys and magic numbers of real model files.
pub const DICT: &[&[u8]] = &[
    b"GGUF",
    b"general.alignment",
    b"general.architecture",
    b"llama",
    b"tokenizer.ggml.tokens",
    b"tokenizer.chat_template",
    b"llama.context_length",
    b"token_embd.weight",
];

/// Parses the input from memory; for an accepted file, checks every tensor's size against its
/// dimensions and type and that its data lies inside the file, and reads the metadata back.
pub fn run(data: &[u8]) -> bool {
    let Ok(g) = Gguf::from_bytes(data.to_vec()) else {
        return false;
    };
    let file_len = g.bytes().len() as u64;
    for t in &g.tensors {
        // What the size must be, computed without overflow.
        let elems = t
            .dims
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .unwrap_or_else(|| {
                panic!(
                    "tensor {}: accepted dimensions {:?} overflow",
                    t.name, t.dims
                )
            });
        let expected = (elems / t.ty.block_elems()).checked_mul(t.ty.block_bytes());
        assert_eq!(
            Some(t.size),
            expected,
            "tensor {}: {:?} of {} has size {} bytes",
            t.name,
            t.dims,
            t.ty,
            t.size
        );
        assert!(
            t.file_offset
                .checked_add(t.size)
                .is_some_and(|end| end <= file_len),
            "tensor {} lies outside the {file_len}-byte file",
            t.name
        );
        assert_eq!(g.tensor_data(t).len() as u64, t.size, "tensor {}", t.name);
        assert!(
            g.tensor(&t.name).is_ok(),
            "tensor {} not found by name",
            t.name
        );
        // A matrix decodes (any block bytes are valid values) or is refused with an error.
        if t.dims.len() == 2 {
            if let Ok(m) = Matrix::from_gguf(t, g.tensor_data(t)) {
                let mut row = vec![0f32; m.cols];
                for r in [0, m.rows / 2, m.rows.saturating_sub(1)]
                    .into_iter()
                    .filter(|&r| r < m.rows)
                {
                    m.dequant_row(r, &mut row);
                }
            }
        }
    }
    for key in g.metadata.keys() {
        let _ = g.get_u64(key);
        let _ = g.get_f64(key);
        let _ = g.get_str(key);
        let _ = g.get_str_array(key);
    }
    true
}

fn f32_bytes(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| (i as f32 * 0.25).to_le_bytes())
        .collect()
}

/// Small but complete GGUF images: every value type, nested arrays, each tensor type.
pub fn seeds() -> Vec<Vec<u8>> {
    let tokens = Value::Array(
        ["<|im_start|>", "<|im_end|>", "a", "b", "ab"]
            .iter()
            .map(|s| Value::String((*s).into()))
            .collect(),
    );
    let metadata = vec![
        ("general.architecture", Value::String("llama".into())),
        ("general.alignment", Value::U32(32)),
        ("llama.context_length", Value::U32(2048)),
        ("llama.embedding_length", Value::U64(576)),
        ("llama.rope.freq_base", Value::F32(10_000.0)),
        ("llama.attention.layer_norm_rms_epsilon", Value::F64(1e-5)),
        ("tokenizer.ggml.model", Value::String("gpt2".into())),
        ("tokenizer.ggml.tokens", tokens),
        (
            "tokenizer.ggml.token_type",
            Value::Array(vec![Value::I32(3), Value::I32(3), Value::I32(1)]),
        ),
        ("tokenizer.ggml.bos_token_id", Value::U32(0)),
        ("misc.u8", Value::U8(7)),
        ("misc.i8", Value::I8(-7)),
        ("misc.u16", Value::U16(700)),
        ("misc.i16", Value::I16(-700)),
        ("misc.i64", Value::I64(-1)),
        ("misc.bool", Value::Bool(true)),
        (
            "misc.nested",
            Value::Array(vec![
                Value::Array(vec![Value::U8(1), Value::U8(2)]),
                Value::Array(vec![Value::U8(3)]),
            ]),
        ),
    ];
    let f32s = f32_bytes(16);
    let f16s: Vec<u8> = (0..32u16).flat_map(|i| i.to_le_bytes()).collect();
    let q4_0 = vec![0x11u8; 18 * 2];
    let q4_1 = vec![0x22u8; 20];
    let q8_0 = vec![0x33u8; 34 * 2];
    let q5_0 = vec![0x44u8; 22];
    let q5_1 = vec![0x55u8; 24 * 2];
    let q4_k = vec![0x66u8; 144];
    let q5_k = vec![0x77u8; 176];
    let q6_k = vec![0x38u8; 210 * 2];
    let bf16: Vec<u8> = (0..64u16)
        .flat_map(|i| (0x3f80 + i).to_le_bytes())
        .collect();
    let tensors = [
        TensorOut {
            name: "token_embd.weight",
            dims: &[8, 2],
            ty: TensorType::F32,
            data: &f32s,
        },
        TensorOut {
            name: "output_norm.weight",
            dims: &[32],
            ty: TensorType::F16,
            data: &f16s,
        },
        TensorOut {
            name: "blk.0.attn_q.weight",
            dims: &[32, 2],
            ty: TensorType::Q4_0,
            data: &q4_0,
        },
        TensorOut {
            name: "blk.0.attn_k.weight",
            dims: &[32, 1, 1],
            ty: TensorType::Q4_1,
            data: &q4_1,
        },
        TensorOut {
            name: "blk.0.ffn_up.weight",
            dims: &[64, 1, 1, 1],
            ty: TensorType::Q8_0,
            data: &q8_0,
        },
        TensorOut {
            name: "blk.0.attn_v.weight",
            dims: &[32, 1],
            ty: TensorType::Q5_0,
            data: &q5_0,
        },
        TensorOut {
            name: "blk.0.attn_output.weight",
            dims: &[32, 2],
            ty: TensorType::Q5_1,
            data: &q5_1,
        },
        TensorOut {
            name: "blk.0.ffn_gate.weight",
            dims: &[256, 1],
            ty: TensorType::Q4_K,
            data: &q4_k,
        },
        TensorOut {
            name: "blk.0.ffn_down.weight",
            dims: &[256, 1],
            ty: TensorType::Q5_K,
            data: &q5_k,
        },
        TensorOut {
            name: "output.weight",
            dims: &[256, 2],
            ty: TensorType::Q6_K,
            data: &q6_k,
        },
        TensorOut {
            name: "blk.1.attn_q.weight",
            dims: &[32, 2],
            ty: TensorType::BF16,
            data: &bf16,
        },
    ];
    let full = write(&metadata, &tensors);
    let mut v2 = full.clone();
    v2[4] = 2;
    let one = write(
        &[("general.architecture", Value::String("llama".into()))],
        &tensors[..1],
    );
    let header_only = write(&metadata[..4], &[]);
    vec![full, v2, one, header_only]
}
