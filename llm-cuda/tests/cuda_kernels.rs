//! Every CUDA kernel compiles with NVRTC under the canonical options, on any machine: NVRTC is a
//! plain shared library (PyPI `nvidia-cuda-nvrtc-cu12`; `ci/nvrtc.sh` fetches it and sets
//! `AMBIENT_NVRTC`). The PTX is then checked for what the determinism rules forbid: fused
//! multiply-adds and approximate division, square root or exponentials. Without NVRTC the test
//! says SKIPPED — it does not pass.

use std::ffi::{c_char, c_int, c_void, CStr, CString};

use ambient_llm::cuda;

type Prog = *mut c_void;
type CreateFn = unsafe extern "C" fn(
    *mut Prog,
    *const c_char,
    *const c_char,
    c_int,
    *const *const c_char,
    *const *const c_char,
) -> c_int;
type CompileFn = unsafe extern "C" fn(Prog, c_int, *const *const c_char) -> c_int;
type SizeFn = unsafe extern "C" fn(Prog, *mut usize) -> c_int;
type TextFn = unsafe extern "C" fn(Prog, *mut c_char) -> c_int;
type DestroyFn = unsafe extern "C" fn(*mut Prog) -> c_int;

/// The NVRTC entry points this test needs, loaded at run time.
struct Nvrtc {
    _lib: *mut c_void,
    create: CreateFn,
    compile: CompileFn,
    ptx_size: SizeFn,
    ptx: TextFn,
    log_size: SizeFn,
    log: TextFn,
    destroy: DestroyFn,
}

impl Nvrtc {
    fn load() -> Option<Nvrtc> {
        let mut names: Vec<String> = Vec::new();
        if let Ok(p) = std::env::var("AMBIENT_NVRTC") {
            names.push(p);
        }
        names.extend(["libnvrtc.so", "libnvrtc.so.12", "libnvrtc.so.13"].map(String::from));
        let lib = names.iter().find_map(|n| {
            let c = CString::new(n.as_str()).ok()?;
            // SAFETY: dlopen of a path; a null handle means not found.
            let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
            (!h.is_null()).then_some(h)
        })?;
        let sym = |name: &str| -> *mut c_void {
            let c = CString::new(name).unwrap();
            // SAFETY: `lib` is a live handle; a null symbol fails the assertion below.
            let s = unsafe { libc::dlsym(lib, c.as_ptr()) };
            assert!(!s.is_null(), "NVRTC has no {name}");
            s
        };
        // SAFETY: the symbols have these C signatures (nvrtc.h).
        unsafe {
            Some(Nvrtc {
                _lib: lib,
                create: std::mem::transmute::<*mut c_void, CreateFn>(sym("nvrtcCreateProgram")),
                compile: std::mem::transmute::<*mut c_void, CompileFn>(sym("nvrtcCompileProgram")),
                ptx_size: std::mem::transmute::<*mut c_void, SizeFn>(sym("nvrtcGetPTXSize")),
                ptx: std::mem::transmute::<*mut c_void, TextFn>(sym("nvrtcGetPTX")),
                log_size: std::mem::transmute::<*mut c_void, SizeFn>(sym("nvrtcGetProgramLogSize")),
                log: std::mem::transmute::<*mut c_void, TextFn>(sym("nvrtcGetProgramLog")),
                destroy: std::mem::transmute::<*mut c_void, DestroyFn>(sym("nvrtcDestroyProgram")),
            })
        }
    }

    /// Compiles `src` with `options`; the PTX, or the compiler's log.
    fn compile(&self, src: &str, options: &[&str]) -> Result<String, String> {
        let src = CString::new(src).unwrap();
        let name = CString::new("ambient_kernels.cu").unwrap();
        let opts: Vec<CString> = options.iter().map(|o| CString::new(*o).unwrap()).collect();
        let ptrs: Vec<*const c_char> = opts.iter().map(|o| o.as_ptr()).collect();
        let mut prog: Prog = std::ptr::null_mut();
        // SAFETY: NVRTC's documented calling sequence with valid C strings and out-pointers.
        unsafe {
            assert_eq!(
                (self.create)(
                    &mut prog,
                    src.as_ptr(),
                    name.as_ptr(),
                    0,
                    std::ptr::null(),
                    std::ptr::null()
                ),
                0
            );
            let rc = (self.compile)(prog, ptrs.len() as c_int, ptrs.as_ptr());
            let out = if rc == 0 {
                let mut n = 0usize;
                assert_eq!((self.ptx_size)(prog, &mut n), 0);
                let mut buf = vec![0 as c_char; n];
                assert_eq!((self.ptx)(prog, buf.as_mut_ptr()), 0);
                Ok(CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned())
            } else {
                let mut n = 0usize;
                (self.log_size)(prog, &mut n);
                let mut buf = vec![0 as c_char; n.max(1)];
                (self.log)(prog, buf.as_mut_ptr());
                Err(format!(
                    "NVRTC error {rc}: {}",
                    CStr::from_ptr(buf.as_ptr()).to_string_lossy()
                ))
            };
            (self.destroy)(&mut prog);
            out
        }
    }
}

#[test]
fn every_kernel_compiles_to_ptx_without_fma_or_approximations() {
    let Some(nvrtc) = Nvrtc::load() else {
        ambient_testkit::skip!("no NVRTC library (run `bash ci/nvrtc.sh` or set AMBIENT_NVRTC)");
        return;
    };
    // Without a named architecture NVRTC targets compute_52, which has no dp4a: the backend always
    // names one (the device's, or the fallback).
    let log = nvrtc
        .compile(&cuda::source(), cuda::COMPILE_OPTIONS)
        .expect_err("no dp4a on NVRTC's default architecture");
    assert!(log.contains("__dp4a"), "{log}");
    // Hopper (the miners' GPUs), the fallback (Ampere) and the oldest supported (Pascal 6.1), with
    // the options the backend passes.
    for arch in [(9, 0), cuda::FALLBACK_ARCH, cuda::MIN_ARCH] {
        let arch_flag = cuda::arch_option(arch);
        let mut options = cuda::COMPILE_OPTIONS.to_vec();
        options.push(&arch_flag);
        let ptx = nvrtc
            .compile(&cuda::source(), &options)
            .unwrap_or_else(|log| panic!("kernels do not compile for {arch_flag}:\n{log}"));
        let arch = arch_flag.as_str();
        // For a GPU machine without NVRTC: AMBIENT_CUDA_PTX on it loads this file (the fallback
        // architecture's PTX runs on every newer GPU).
        if let (Ok(out), true) = (
            std::env::var("AMBIENT_CUDA_PTX_OUT"),
            arch_flag == cuda::arch_option(cuda::FALLBACK_ARCH),
        ) {
            std::fs::write(&out, &ptx).unwrap_or_else(|e| panic!("writing {out}: {e}"));
        }
        for e in cuda::ENTRY_POINTS {
            assert!(
                ptx.contains(&format!(".entry {e}(")),
                "{arch}: no entry point {e}"
            );
        }
        for forbidden in [
            "fma.rn.f32",
            "ex2.approx",
            "rsqrt.approx",
            "div.approx",
            "div.full",
            "sqrt.approx",
            "lg2.approx",
        ] {
            assert!(!ptx.contains(forbidden), "{arch}: the PTX uses {forbidden}");
        }
        // The arithmetic is there, correctly rounded.
        for needed in [
            "div.rn.f32",
            "sqrt.rn.f32",
            "dp4a",
            "mul.rn.f32",
            "add.rn.f32",
        ] {
            assert!(ptx.contains(needed), "{arch}: no {needed} in the PTX");
        }
    }
}

#[test]
fn a_contracting_compile_would_be_caught() {
    // The FMA check above can fail: the same source compiled with contraction allowed and plain
    // `a * b + c` (not the _rn intrinsics) produces fma.rn.f32.
    let Some(nvrtc) = Nvrtc::load() else {
        ambient_testkit::skip!("no NVRTC library (run `bash ci/nvrtc.sh` or set AMBIENT_NVRTC)");
        return;
    };
    let src =
        "extern \"C\" __global__ void k(float* o, const float* a) { o[0] = a[0] * a[1] + a[2]; }";
    let ptx = nvrtc
        .compile(src, &["--fmad=true", "--gpu-architecture=compute_80"])
        .unwrap();
    assert!(ptx.contains("fma.rn.f32"));
    let ptx = nvrtc
        .compile(src, &["--fmad=false", "--gpu-architecture=compute_80"])
        .unwrap();
    assert!(!ptx.contains("fma.rn.f32"));
}
