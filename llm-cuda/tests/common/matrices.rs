//! Weight matrices of every supported type with deterministic pseudo-random contents, and inputs
//! with the edge cases the quantiser must treat exactly (zero blocks, rounding ties, huge and
//! subnormal values), for checking a backend's matrix products against the CPU's.

use ambient_llm::gguf::{TensorInfo, TensorType};
use ambient_llm::kernels::Ctx;
use ambient_llm::quant::Matrix;
use ambient_llm::{math, Isa};
use half::f16;

/// xorshift64*: reproducible test data without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// GGUF bytes of one block of `ty` (one element for the float types): random values, scales of
/// a realistic size.
pub fn block(ty: TensorType, rng: &mut Rng) -> Vec<u8> {
    let h = |v: f32| f16::from_f32(v).to_le_bytes();
    let mut data = Vec::new();
    let bytes = |data: &mut Vec<u8>, rng: &mut Rng, n: usize| {
        data.extend((0..n).map(|_| rng.next() as u8));
    };
    match ty {
        TensorType::Q4_1 | TensorType::Q4_0 | TensorType::Q8_0 => {
            data.extend(h(rng.unit() * 0.05));
            if ty == TensorType::Q4_1 {
                data.extend(h(rng.unit() * 0.5));
            }
            bytes(&mut data, rng, if ty == TensorType::Q8_0 { 32 } else { 16 });
        }
        TensorType::Q5_0 | TensorType::Q5_1 => {
            data.extend(h(rng.unit() * 0.05));
            if ty == TensorType::Q5_1 {
                data.extend(h(rng.unit() * 0.5));
            }
            bytes(&mut data, rng, 20);
        }
        TensorType::Q4_K | TensorType::Q5_K => {
            data.extend(h(rng.unit() * 0.002));
            data.extend(h(rng.unit() * 0.01));
            bytes(
                &mut data,
                rng,
                if ty == TensorType::Q4_K { 140 } else { 172 },
            );
        }
        TensorType::Q6_K => {
            bytes(&mut data, rng, 208);
            data.extend(h(rng.unit() * 0.001));
        }
        TensorType::F32 => data.extend(rng.unit().to_le_bytes()),
        TensorType::F16 => data.extend(h(rng.unit())),
        TensorType::BF16 => data.extend(&rng.unit().to_le_bytes()[2..]),
    }
    data
}

/// A `rows × cols` matrix of type `ty` built from GGUF bytes, as the loader builds it.
pub fn matrix(ty: TensorType, rows: usize, cols: usize, rng: &mut Rng) -> Matrix {
    let n = rows * cols / ty.block_elems() as usize;
    let data: Vec<u8> = (0..n).flat_map(|_| block(ty, rng)).collect();
    let info = TensorInfo {
        name: format!("test.{ty:?}"),
        dims: vec![cols as u64, rows as u64],
        ty,
        file_offset: 0,
        size: data.len() as u64,
    };
    Matrix::from_gguf(&info, &data).expect("a well-formed test matrix")
}

/// An F32 matrix with the given values (row-major).
pub fn f32_matrix(rows: usize, cols: usize, values: &[f32]) -> Matrix {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let info = TensorInfo {
        name: "test.f32".into(),
        dims: vec![cols as u64, rows as u64],
        ty: TensorType::F32,
        file_offset: 0,
        size: data.len() as u64,
    };
    Matrix::from_gguf(&info, &data).expect("a well-formed F32 matrix")
}

/// `t` input vectors of `cols` values: random, then per vector one block each of zeros, exact
/// rounding ties, huge values, subnormals and mixed signs of one magnitude.
pub fn inputs(t: usize, cols: usize, rng: &mut Rng) -> Vec<f32> {
    let mut x: Vec<f32> = (0..t * cols).map(|_| rng.unit() * 4.0).collect();
    for v in 0..t {
        let row = &mut x[v * cols..(v + 1) * cols];
        let blocks = cols / 32;
        let special = |b: usize| b % blocks.max(1);
        for (k, i) in (0..32).enumerate() {
            row[special(v) * 32 + i] = 0.0;
            // amax 127 makes x · id = x exactly: ties at every .5 step.
            row[special(v + 1) * 32 + i] = if k == 0 {
                127.0
            } else {
                (i as f32 - 16.0) + 0.5
            };
            row[special(v + 2) * 32 + i] = rng.unit() * 1e30;
            row[special(v + 3) * 32 + i] = rng.unit() * 1e-39;
            row[special(v + 4) * 32 + i] = if i % 2 == 0 { 3.0 } else { -3.0 };
        }
    }
    x
}

/// The CPU engine's product (scalar kernels; every kernel set gives these bits).
pub fn cpu_matmul(m: &Matrix, x: &[f32], t: usize) -> Vec<f32> {
    let ctx = Ctx::new(Isa::Scalar, 1).expect("scalar kernels");
    let mut out = vec![0f32; t * m.rows];
    ctx.matmul(m, x, t, &mut out);
    out
}

/// Every supported weight type.
pub const TYPES: [TensorType; 11] = [
    TensorType::Q4_1,
    TensorType::Q4_0,
    TensorType::Q8_0,
    TensorType::Q5_0,
    TensorType::Q5_1,
    TensorType::Q4_K,
    TensorType::Q5_K,
    TensorType::Q6_K,
    TensorType::F32,
    TensorType::F16,
    TensorType::BF16,
];

/// The weight types the CUDA backend computes (the others are refused with a clear error).
pub const CUDA_TYPES: [TensorType; 8] = [
    TensorType::Q4_1,
    TensorType::Q4_0,
    TensorType::Q8_0,
    TensorType::Q5_0,
    TensorType::Q4_K,
    TensorType::F32,
    TensorType::F16,
    TensorType::BF16,
];

fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Checks a backend's matrix products against the CPU's bit for bit: every weight type the
/// backend computes; 11 blocks per row (lanes with unequal block counts), 3 (idle lanes), 37 rows
/// (a grid whose last block is partly outside the matrix); inputs with the quantiser's edge cases.
/// K-quant rows are whole super-blocks (256 values), so they take the shapes that allow it.
pub fn check_products(label: &str, matmul: impl Fn(&Matrix, &[f32], usize) -> Vec<f32>) {
    let mut rng = Rng::new(7);
    for (rows, cols, t) in [
        (37, 352usize, 3),
        (9, 96, 1),
        (64, 2048, 2),
        (576, 1536, 2),
        (37, 768, 3),
    ] {
        for ty in CUDA_TYPES {
            if !cols.is_multiple_of(ty.block_elems() as usize) {
                continue;
            }
            let m = matrix(ty, rows, cols, &mut rng);
            let x = inputs(t, cols, &mut rng);
            let want = cpu_matmul(&m, &x, t);
            let got = matmul(&m, &x, t);
            assert_eq!(got.len(), want.len());
            let bad = got.iter().zip(&want).position(|(a, b)| !same(*a, *b));
            assert!(
                bad.is_none(),
                "{label}: {ty:?} {rows}x{cols}, {t} vectors: element {bad:?} differs"
            );
        }
    }
}

/// Checks a backend's SwiGLU (`silu(gate · x) · (up · x)`) against the CPU's bit for bit: a
/// one-hot F32 gate passes chosen values to the SiLU exactly (exp's cut-offs at 88 and -87,
/// subnormals, huge values; infinities and NaN reach it as NaN), then random quantised matrices.
pub fn check_glu(label: &str, glu: impl Fn(&Matrix, &Matrix, &[f32], usize) -> Vec<f32>) {
    let cpu = |gate: &Matrix, up: &Matrix, x: &[f32], t: usize| -> Vec<f32> {
        let (g, u) = (cpu_matmul(gate, x, t), cpu_matmul(up, x, t));
        g.iter().zip(&u).map(|(g, u)| math::silu(*g) * u).collect()
    };
    let mut rng = Rng::new(11);
    let specials = [
        88.0,
        -88.0,
        87.0,
        -87.0,
        87.5,
        -87.5,
        89.0,
        -89.0,
        86.99,
        -86.99,
        1e-45,
        -1e-40,
        0.0,
        1e30,
        -1e30,
        f32::MAX,
        f32::MIN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        0.5,
        -0.5,
        20.0,
        -20.0,
        3.0,
        -3.0,
        1e-3,
        -1e-3,
        10.0,
        -10.0,
        60.0,
        -60.0,
    ];
    let (rows, cols) = (32, 32);
    let mut onehot = vec![0f32; rows * cols];
    for r in 0..rows {
        onehot[r * cols + r] = 1.0;
    }
    let gate = f32_matrix(rows, cols, &onehot);
    let up = matrix(TensorType::Q4_1, rows, cols, &mut rng);
    let t = 2;
    let mut x = specials.to_vec();
    x.extend((0..cols).map(|_| rng.unit() * 100.0));
    let (want, got) = (cpu(&gate, &up, &x, t), glu(&gate, &up, &x, t));
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        assert!(same(*a, *b), "{label}: SwiGLU element {i}: {a} vs {b}");
    }
    for ty in [TensorType::Q4_1, TensorType::Q8_0, TensorType::F32] {
        let (rows, cols, t) = (40, 576, 3);
        let (gate, up) = (
            matrix(ty, rows, cols, &mut rng),
            matrix(ty, rows, cols, &mut rng),
        );
        let x = inputs(t, cols, &mut rng);
        let (want, got) = (cpu(&gate, &up, &x, t), glu(&gate, &up, &x, t));
        let bad = got.iter().zip(&want).position(|(a, b)| !same(*a, *b));
        assert!(
            bad.is_none(),
            "{label}: {ty:?} SwiGLU element {bad:?} differs"
        );
    }
}
