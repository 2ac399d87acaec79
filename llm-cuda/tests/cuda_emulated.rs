//! The CUDA backend without a GPU: the forward pass of `src/cuda/forward.rs` and the kernels of
//! `kernels.cu`, run on the emulator (feature `cuda-emu`: the same source built for the host),
//! give the CPU engine's logits bit for bit — by prefill and by decode — and the kernels treat edge
//! values (NaN, infinities, subnormals, zeros) as the CPU does. The emulator's own checks (barriers
//! every thread reaches, the arguments of every launch) are shown to fail where they should. A GPU
//! run of `tests/cuda_parity.rs` remains the proof for the hardware.

mod common;

use std::sync::Arc;

use ambient_llm::cuda::emu::{CudaContext, CudaModule, LaunchConfig, Ptx, PushKernelArg};
use ambient_llm::cuda::emulated::CudaModel;
use ambient_llm::model::Logits;
use ambient_llm::{quant, Isa};
use common::bits;

fn emulator_or_skip() -> bool {
    if let Some(why) = ambient_llm::cuda::emu::unavailable() {
        ambient_testkit::skip!("{why}");
        return false;
    }
    true
}

fn kernels() -> Arc<CudaModule> {
    CudaContext::new(0)
        .unwrap()
        .load_module(Ptx::from_src(ambient_llm::cuda::source()))
        .expect("build the kernels for the host")
}

fn cfg(blocks: usize, threads: u32) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (blocks as u32, 1, 1),
        block_dim: (threads, 1, 1),
        shared_mem_bytes: 0,
    }
}

#[test]
fn emulated_cuda_forward_gives_the_cpu_logits_by_prefill_and_decode() {
    if !emulator_or_skip() {
        return;
    }
    let cpu = common::engine(Isa::detect(), 2);
    let model = cpu.model();
    let mut gpu = CudaModel::load(model, 0).expect("load the model on the emulator");
    // Prompts longer than a prefill pass: three passes here.
    gpu.set_prefill_chunk(16);
    let vocab = model.config.vocab;
    for text in [
        "What is the capital of France?",
        "Write a haiku about the sea.",
    ] {
        let (toks, split) = common::prompt_and_continuation(&cpu, text, 4);
        let want = cpu.all_logits(&toks).unwrap();

        // The prompt prefilled, then the continuation token by token (as a session does).
        let mut cache = gpu.new_cache(toks.len()).unwrap();
        let pre = gpu
            .forward(model, &mut cache, &toks[..split], Logits::All)
            .unwrap();
        let row = |i: usize| &want[i * vocab..(i + 1) * vocab];
        for i in 0..split {
            let got = &pre[i * vocab..(i + 1) * vocab];
            assert!(
                bits(got) == bits(row(i)),
                "{text:?}, position {i}: emulated prefill differs"
            );
        }
        for (i, &t) in toks.iter().enumerate().skip(split) {
            let dec = gpu.forward(model, &mut cache, &[t], Logits::Last).unwrap();
            assert!(
                bits(&dec) == bits(row(i)),
                "{text:?}, position {i}: emulated decode differs"
            );
        }
        assert_eq!(cache.len(), toks.len());
        assert!(
            cache.replays_graph(),
            "decode steps replay the captured graph"
        );
        eprintln!(
            "{text:?}: {} positions equal, prefill and decode",
            toks.len()
        );
    }
}

#[test]
fn emulated_matrix_products_and_swiglu_equal_the_cpu_for_every_weight_type() {
    if !emulator_or_skip() {
        return;
    }
    let gpu = ambient_llm::cuda::emulated::Gpu::open(0).expect("open the emulated device");
    common::matrices::check_products("emulated", |m, x, t| gpu.matmul(m, x, t).unwrap());
    common::matrices::check_glu("emulated", |g, u, x, t| gpu.glu(g, u, x, t).unwrap());
    let m = common::matrices::matrix(
        ambient_llm::gguf::TensorType::Q4_1,
        4,
        64,
        &mut common::matrices::Rng::new(1),
    );
    let e = gpu.matmul(&m, &[0.0; 63], 1).expect_err("a short input");
    assert!(e.to_string().contains("63 inputs"), "{e}");
}

#[test]
fn the_quantiser_kernel_treats_edge_values_as_the_cpu_does() {
    if !emulator_or_skip() {
        return;
    }
    let module = kernels();
    let f = module.load_function("quantize_q8").unwrap();
    let stream = CudaContext::new(0).unwrap().default_stream();
    let mut x = Vec::new();
    let specials = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        0.0,
        1e-45,
        -1e-39,
        f32::MAX,
        f32::MIN_POSITIVE,
        0.5,
        -1.5,
        2.5,
    ];
    for b in 0..24 {
        for i in 0..32 {
            let v = match b {
                0 => 0.0,
                1 => -0.0,
                // Each special value alone among ordinary ones, then specials everywhere.
                2..=13 if i == 5 => specials[b - 2],
                14 => specials[i % specials.len()],
                15 => (i as f32 - 16.0) + 0.5,
                _ => ((b * 32 + i) as f32 * 0.37).sin() * 10f32.powi(b as i32 - 18),
            };
            x.push(v);
        }
    }
    let nb = x.len() / 32;
    let dx = stream.clone_htod(&x).unwrap();
    let mut q = stream.alloc_zeros::<i8>(x.len()).unwrap();
    let mut d = stream.alloc_zeros::<f32>(nb).unwrap();
    let mut s = stream.alloc_zeros::<f32>(nb).unwrap();
    let mut isum = stream.alloc_zeros::<i32>(nb).unwrap();
    let n = nb as i32;
    unsafe {
        stream
            .launch_builder(&f)
            .arg(&dx)
            .arg(&n)
            .arg(&mut q)
            .arg(&mut d)
            .arg(&mut s)
            .arg(&mut isum)
            .launch(cfg(nb.div_ceil(8), 256))
    }
    .expect("quantize_q8");
    let (q, d, s, isum) = (
        stream.clone_dtoh(&q).unwrap(),
        stream.clone_dtoh(&d).unwrap(),
        stream.clone_dtoh(&s).unwrap(),
        stream.clone_dtoh(&isum).unwrap(),
    );
    for b in 0..nb {
        let mut want = [0i8; 32];
        let (wd, wsum) = quant::quantize_block(&x[b * 32..(b + 1) * 32], &mut want);
        assert_eq!(&q[b * 32..(b + 1) * 32], &want[..], "block {b}: values");
        assert_eq!(d[b].to_bits(), wd.to_bits(), "block {b}: scale");
        assert_eq!(isum[b], wsum, "block {b}: sum");
        let ws = wd * wsum as f32;
        assert!(
            s[b].to_bits() == ws.to_bits() || (s[b].is_nan() && ws.is_nan()),
            "block {b}: d·Σq {} vs {ws}",
            s[b]
        );
    }
}

/// Kernels that break CUDA's rules, and one that follows them, for the emulator's checks.
const RULES_CU: &str = r#"
extern "C" __global__ void divergent_barrier(float* x) {
    if (threadIdx.x < 16) __syncthreads();
    x[threadIdx.x] = 1.0f;
}
extern "C" __global__ void shuffle_after_exit(float* x) {
    if (threadIdx.x == 3) return;
    x[threadIdx.x] = __shfl_down_sync(0xffffffffu, 1.0f, 1, 8);
}
// Lane i of each warp: the value of lane i + 4 within groups of 8 (its own in the upper half),
// then the block's sum through shared memory.
extern "C" __global__ void lawful(const float* x, int n, float* out, float* total) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = i < n ? x[i] : 0.0f;
    out[i] = __shfl_down_sync(0xffffffffu, v, 4, 8);
    __shared__ float part[64];
    part[threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.0f;
        for (int k = 0; k < (int)blockDim.x; k++) s += part[k];
        total[blockIdx.x] = s;
    }
}
"#;

#[test]
fn the_emulator_rejects_what_cuda_leaves_undefined_and_runs_what_it_defines() {
    if !emulator_or_skip() {
        return;
    }
    let module = CudaContext::new(0)
        .unwrap()
        .load_module(Ptx::from_src(RULES_CU))
        .expect("build the test kernels");
    let stream = CudaContext::new(0).unwrap().default_stream();
    let mut buf = stream.alloc_zeros::<f32>(128).unwrap();
    let run = |name: &str, buf: &mut ambient_llm::cuda::emu::CudaSlice<f32>| {
        let f = module.load_function(name).unwrap();
        unsafe { stream.launch_builder(&f).arg(buf).launch(cfg(1, 64)) }
    };
    let e = run("divergent_barrier", &mut buf).expect_err("a divergent barrier");
    assert!(e.to_string().contains("barrier"), "{e}");
    let e = run("shuffle_after_exit", &mut buf).expect_err("a shuffle missing a lane");
    assert!(e.to_string().contains("shuffle"), "{e}");

    let f = module.load_function("lawful").unwrap();
    let x: Vec<f32> = (0..128).map(|i| i as f32).collect();
    let dx = stream.clone_htod(&x).unwrap();
    let mut out = stream.alloc_zeros::<f32>(128).unwrap();
    let mut total = stream.alloc_zeros::<f32>(2).unwrap();
    let n = 128i32;
    let e = unsafe {
        stream
            .launch_builder(&f)
            .arg(&dx)
            .arg(&n)
            .arg(&mut out)
            .launch(cfg(2, 64))
    }
    .expect_err("an argument missing");
    assert!(e.to_string().contains("takes 4 arguments, 3 given"), "{e}");
    let wide = 128i64;
    let e = unsafe {
        stream
            .launch_builder(&f)
            .arg(&dx)
            .arg(&wide)
            .arg(&mut out)
            .arg(&mut total)
            .launch(cfg(2, 64))
    }
    .expect_err("an 8-byte integer for an int");
    assert!(
        e.to_string().contains("argument 1 has 4 bytes, 8 given"),
        "{e}"
    );
    unsafe {
        stream
            .launch_builder(&f)
            .arg(&dx)
            .arg(&n)
            .arg(&mut out)
            .arg(&mut total)
            .launch(cfg(2, 64))
    }
    .expect("a lawful kernel runs");
    let out = stream.clone_dtoh(&out).unwrap();
    for (i, v) in out.iter().enumerate() {
        let src = if i % 8 < 4 { i + 4 } else { i };
        assert_eq!(*v, src as f32, "lane {i}");
    }
    let total = stream.clone_dtoh(&total).unwrap();
    assert_eq!(
        total,
        [(0..64).sum::<i32>() as f32, (64..128).sum::<i32>() as f32]
    );
    assert!(module.load_function("missing").is_err());
}

#[test]
fn threads_sharing_one_emulated_model_each_get_the_cpu_logits() {
    // The miner and the verifier of a node share one engine. A decode step is captured into a
    // graph from whatever its stream receives, so work from another thread must wait.
    if !emulator_or_skip() {
        return;
    }
    let cpu = common::engine(Isa::detect(), 1);
    let model = cpu.model();
    let gpu = CudaModel::load(model, 0).expect("load the model on the emulator");
    let vocab = model.config.vocab;
    std::thread::scope(|scope| {
        for text in ["The sea is", "A blockchain validator"] {
            let (cpu, gpu) = (&cpu, &gpu);
            scope.spawn(move || {
                let toks = cpu.tokenizer().encode(text).unwrap();
                let mut all = toks.clone();
                all.extend([260, 1025]);
                let want = cpu.all_logits(&all).unwrap();
                // A fresh cache per position: every decode step is a capture.
                for (i, &t) in all.iter().enumerate().skip(toks.len()) {
                    let mut cache = gpu.new_cache(all.len()).unwrap();
                    gpu.forward(model, &mut cache, &all[..i], Logits::Last)
                        .unwrap();
                    let got = gpu.forward(model, &mut cache, &[t], Logits::Last).unwrap();
                    assert!(
                        bits(&got) == bits(&want[i * vocab..(i + 1) * vocab]),
                        "{text:?}, position {i}: differs while other threads use the GPU"
                    );
                    assert!(cache.replays_graph());
                }
            });
        }
    });
}
