//! A CPU emulator of the part of the CUDA driver API the backend uses (feature `cuda-emu`, for
//! tests on machines without a GPU). The same forward pass as on a GPU ([`super::emulated`] is
//! `forward.rs` compiled against this module instead of cudarc) launches the same kernel source,
//! built for the host by the C++ compiler with [`runtime.h`](runtime.h) standing in for CUDA's
//! built-ins. It checks what a GPU run would: the kernels' arithmetic and reduction order, their
//! indexing, the launch geometry and the arguments (count and sizes) of every launch. It cannot
//! check what only hardware shows (NVRTC's code generation, memory races the barrier points hide);
//! the parity test on a real GPU stays the proof.
//!
//! The names mirror cudarc's (`CudaContext`, `CudaStream`, `CudaSlice`, `LaunchConfig`, …) so
//! the forward pass compiles against either.

use std::alloc::Layout;
use std::ffi::{c_char, c_void, CStr, CString};
use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

/// The runtime the host compiler sees before the kernels.
pub const RUNTIME_H: &str = include_str!("runtime.h");

/// Host compiler flags: IEEE f32 arithmetic with no contraction into FMA, as `--fmad=false`.
pub const HOST_FLAGS: &[&str] = &[
    "-std=c++17",
    "-O2",
    "-ffp-contract=off",
    "-fno-fast-math",
    "-fno-strict-aliasing",
    "-fPIC",
    "-shared",
    "-pthread",
];

/// An emulator failure: compiling the kernels, a bad launch, or a kernel that breaks CUDA's rules.
#[derive(Debug, Clone)]
pub struct EmuError(pub String);

impl std::fmt::Display for EmuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmuError {}

/// Kernel source for [`CudaContext::load_module`] (the emulator compiles CUDA C, not PTX).
#[derive(Debug, Clone)]
pub struct Ptx(String);

impl Ptx {
    /// CUDA C source whose `extern "C" __global__` functions become the module's kernels.
    pub fn from_src(src: impl Into<String>) -> Self {
        Ptx(src.into())
    }
}

/// The emulated device.
#[derive(Debug)]
pub struct CudaContext {}

impl CudaContext {
    /// The emulator has one device.
    pub fn device_count() -> Result<i32, EmuError> {
        Ok(1)
    }

    /// Opens emulated device `ordinal` (only 0 exists).
    pub fn new(ordinal: usize) -> Result<Arc<Self>, EmuError> {
        if ordinal != 0 {
            return Err(EmuError(format!("no emulated device {ordinal}")));
        }
        Ok(Arc::new(CudaContext {}))
    }

    /// The stream launches run on (synchronously, in order).
    pub fn default_stream(self: &Arc<Self>) -> Arc<CudaStream> {
        Arc::new(CudaStream {
            capture: Mutex::new(None),
        })
    }

    /// Another stream (every emulated stream runs its work at once, in order).
    pub fn new_stream(self: &Arc<Self>) -> Result<Arc<CudaStream>, EmuError> {
        Ok(self.default_stream())
    }

    /// Nothing to disable: the emulator records no events.
    ///
    /// # Safety
    /// None here; unsafe as cudarc's, whose callers then order their streams themselves.
    pub unsafe fn disable_event_tracking(&self) {}

    /// Compiles the kernel source for the host (cached by content) and loads it.
    pub fn load_module(self: &Arc<Self>, ptx: Ptx) -> Result<Arc<CudaModule>, EmuError> {
        let entries = entry_points(&ptx.0);
        if entries.is_empty() {
            return Err(EmuError(
                "the source defines no extern \"C\" __global__ kernel".into(),
            ));
        }
        let path = compile(&translation_unit(&ptx.0, &entries))?;
        // SAFETY: the library is ours, just built from the kernel source and runtime.h; loading it
        // runs no initialisers beyond the C++ runtime's.
        let lib = unsafe { libloading::Library::new(&path) }
            .map_err(|e| EmuError(format!("loading {}: {e}", path.display())))?;
        // SAFETY: the signature matches `emu_launch` in the generated launcher.
        let launch = unsafe { lib.get::<LaunchFn>(b"emu_launch\0") }
            .map(|s| *s)
            .map_err(|e| EmuError(format!("emu_launch: {e}")))?;
        Ok(Arc::new(CudaModule {
            _lib: lib,
            launch,
            entries,
        }))
    }
}

type LaunchFn = unsafe extern "C" fn(
    *const c_char,
    *const u32,
    *const u32,
    *mut *mut c_void,
    *const u32,
    u32,
) -> *const c_char;

/// Kernels built for the host.
pub struct CudaModule {
    _lib: libloading::Library,
    launch: LaunchFn,
    entries: Vec<String>,
}

impl CudaModule {
    /// The kernel `name`.
    pub fn load_function(self: &Arc<Self>, name: &str) -> Result<CudaFunction, EmuError> {
        if !self.entries.iter().any(|e| e == name) {
            return Err(EmuError(format!("no kernel named {name}")));
        }
        Ok(CudaFunction {
            module: self.clone(),
            name: CString::new(name).map_err(|e| EmuError(e.to_string()))?,
        })
    }
}

/// One kernel of a module.
#[derive(Clone)]
pub struct CudaFunction {
    module: Arc<CudaModule>,
    name: CString,
}

/// Grid and block dimensions, as cudarc's.
#[derive(Debug, Clone, Copy)]
pub struct LaunchConfig {
    /// Blocks in the grid.
    pub grid_dim: (u32, u32, u32),
    /// Threads per block.
    pub block_dim: (u32, u32, u32),
    /// Dynamic shared memory (the emulated kernels declare theirs statically; must be 0).
    pub shared_mem_bytes: u32,
}

/// Values a kernel takes by value.
pub trait DeviceRepr: Copy {}
impl DeviceRepr for i8 {}
impl DeviceRepr for u8 {}
impl DeviceRepr for i32 {}
impl DeviceRepr for u32 {}
impl DeviceRepr for i64 {}
impl DeviceRepr for u64 {}
impl DeviceRepr for f32 {}

/// Emulated device memory: a zeroed host allocation aligned like `cuMemAlloc`'s (256 bytes).
pub struct CudaSlice<T> {
    ptr: *mut T,
    len: usize,
    layout: Layout,
}

// SAFETY: the allocation is owned; kernels touch it only inside a launch, which borrows it.
unsafe impl<T: Send> Send for CudaSlice<T> {}
// SAFETY: as above; shared access is read-only outside launches.
unsafe impl<T: Sync> Sync for CudaSlice<T> {}

impl<T> Drop for CudaSlice<T> {
    fn drop(&mut self) {
        // SAFETY: allocated in `CudaStream::alloc_zeros` with this layout.
        unsafe { std::alloc::dealloc(self.ptr as *mut u8, self.layout) }
    }
}

fn range(bounds: impl RangeBounds<usize>, len: usize) -> (usize, usize) {
    let start = match bounds.start_bound() {
        Bound::Included(&s) => s,
        Bound::Excluded(&s) => s + 1,
        Bound::Unbounded => 0,
    };
    let end = match bounds.end_bound() {
        Bound::Included(&e) => e + 1,
        Bound::Excluded(&e) => e,
        Bound::Unbounded => len,
    };
    assert!(
        start <= end && end <= len,
        "slice {start}..{end} of a device buffer of {len} (cudarc panics too)"
    );
    (start, end)
}

impl<T> CudaSlice<T> {
    /// Elements held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A read-only view of `bounds`.
    pub fn slice(&self, bounds: impl RangeBounds<usize>) -> CudaView<'_, T> {
        let (s, e) = range(bounds, self.len);
        CudaView {
            // SAFETY: in bounds of the allocation.
            ptr: unsafe { self.ptr.add(s) },
            len: e - s,
            _p: PhantomData,
        }
    }

    /// A writable view of `bounds`.
    pub fn slice_mut(&mut self, bounds: impl RangeBounds<usize>) -> CudaViewMut<'_, T> {
        let (s, e) = range(bounds, self.len);
        CudaViewMut {
            // SAFETY: in bounds of the allocation.
            ptr: unsafe { self.ptr.add(s) },
            len: e - s,
            _p: PhantomData,
        }
    }
}

/// A read-only part of a [`CudaSlice`].
pub struct CudaView<'a, T> {
    ptr: *mut T,
    len: usize,
    _p: PhantomData<&'a T>,
}

/// A writable part of a [`CudaSlice`].
pub struct CudaViewMut<'a, T> {
    ptr: *mut T,
    len: usize,
    _p: PhantomData<&'a mut T>,
}

/// Device memory that can be read.
pub trait DevicePtr<T> {
    /// The first element and the length.
    fn raw(&self) -> (*mut T, usize);
}

/// Device memory that can be written.
pub trait DevicePtrMut<T>: DevicePtr<T> {}

impl<T> DevicePtr<T> for CudaSlice<T> {
    fn raw(&self) -> (*mut T, usize) {
        (self.ptr, self.len)
    }
}
impl<T> DevicePtr<T> for CudaView<'_, T> {
    fn raw(&self) -> (*mut T, usize) {
        (self.ptr, self.len)
    }
}
impl<T> DevicePtr<T> for CudaViewMut<'_, T> {
    fn raw(&self) -> (*mut T, usize) {
        (self.ptr, self.len)
    }
}
impl<T> DevicePtrMut<T> for CudaSlice<T> {}
impl<T> DevicePtrMut<T> for CudaViewMut<'_, T> {}

/// A launch as recorded while capturing.
#[derive(Clone)]
struct Recorded {
    func: CudaFunction,
    values: Vec<u64>,
    sizes: Vec<u32>,
    cfg: LaunchConfig,
}

/// The emulated stream: copies and launches run at once, in order — or, while capturing, launches
/// are recorded for a [`CudaGraph`] (copies are refused then, as the backend makes none).
pub struct CudaStream {
    capture: Mutex<Option<Vec<Recorded>>>,
}

/// Starts recording the stream's launches.
pub fn begin_capture(s: &Arc<CudaStream>) -> Result<(), EmuError> {
    let mut c = s
        .capture
        .lock()
        .map_err(|_| EmuError("capture state poisoned".into()))?;
    if c.is_some() {
        return Err(EmuError("the stream is already capturing".into()));
    }
    *c = Some(Vec::new());
    Ok(())
}

/// Stops recording; the graph of the recorded launches (None if there were none).
pub fn end_capture(s: &Arc<CudaStream>) -> Result<Option<CudaGraph>, EmuError> {
    let mut c = s
        .capture
        .lock()
        .map_err(|_| EmuError("capture state poisoned".into()))?;
    let ops = c
        .take()
        .ok_or_else(|| EmuError("the stream is not capturing".into()))?;
    Ok((!ops.is_empty()).then_some(CudaGraph { ops }))
}

/// The device address of `s` (the host address here).
pub fn dev_ptr<T>(s: &CudaSlice<T>, _stream: &Arc<CudaStream>) -> u64 {
    s.ptr as u64
}

/// Recorded launches, replayed in order with the arguments they had.
pub struct CudaGraph {
    ops: Vec<Recorded>,
}

impl CudaGraph {
    /// Runs the recorded launches.
    pub fn launch(&self) -> Result<(), EmuError> {
        for op in &self.ops {
            // SAFETY: the launches were valid when recorded; the graph's owner keeps the buffers
            // they address alive (as with a CUDA graph).
            unsafe { run(&op.func, &op.values, &op.sizes, op.cfg) }?;
        }
        Ok(())
    }
}

/// Runs `func` over the grid of `cfg` with the given argument bytes.
///
/// # Safety
/// The arguments must be what the kernel expects (count and sizes are checked, pointers are not).
unsafe fn run(
    func: &CudaFunction,
    values: &[u64],
    sizes: &[u32],
    cfg: LaunchConfig,
) -> Result<(), EmuError> {
    if cfg.shared_mem_bytes != 0 {
        return Err(EmuError("dynamic shared memory is not emulated".into()));
    }
    let mut values = values.to_vec();
    let mut ptrs: Vec<*mut c_void> = values
        .iter_mut()
        .map(|v| v as *mut u64 as *mut c_void)
        .collect();
    let g = [cfg.grid_dim.0, cfg.grid_dim.1, cfg.grid_dim.2];
    let b = [cfg.block_dim.0, cfg.block_dim.1, cfg.block_dim.2];
    // SAFETY: `emu_launch` reads `ptrs.len()` argument pointers and sizes; the caller vouches for
    // what the kernel does with them.
    let e = unsafe {
        (func.module.launch)(
            func.name.as_ptr(),
            g.as_ptr(),
            b.as_ptr(),
            ptrs.as_mut_ptr(),
            sizes.as_ptr(),
            ptrs.len() as u32,
        )
    };
    if e.is_null() {
        return Ok(());
    }
    // SAFETY: a NUL-terminated message from the runtime.
    Err(EmuError(
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned(),
    ))
}

impl CudaStream {
    fn no_capture(&self, what: &str) -> Result<(), EmuError> {
        match self.capture.lock() {
            Ok(c) if c.is_none() => Ok(()),
            _ => Err(EmuError(format!("{what} while capturing (not emulated)"))),
        }
    }

    /// `n` zeroed elements.
    pub fn alloc_zeros<T: DeviceRepr>(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<CudaSlice<T>, EmuError> {
        let bytes = (n * std::mem::size_of::<T>()).max(1);
        let layout =
            Layout::from_size_align(bytes, 256).map_err(|e| EmuError(format!("alloc: {e}")))?;
        // SAFETY: non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
        if ptr.is_null() {
            return Err(EmuError(format!("out of memory allocating {bytes} bytes")));
        }
        Ok(CudaSlice {
            ptr,
            len: n,
            layout,
        })
    }

    /// A device copy of `src`.
    pub fn clone_htod<T: DeviceRepr>(
        self: &Arc<Self>,
        src: &[T],
    ) -> Result<CudaSlice<T>, EmuError> {
        let d = self.alloc_zeros::<T>(src.len())?;
        // SAFETY: `d` holds `src.len()` elements; distinct allocations.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), d.ptr, src.len()) };
        Ok(d)
    }

    /// Copies `src` into the start of `dst` (at least as long, as cudarc asserts).
    pub fn memcpy_htod<T: DeviceRepr, D: DevicePtrMut<T>>(
        self: &Arc<Self>,
        src: &[T],
        dst: &mut D,
    ) -> Result<(), EmuError> {
        self.no_capture("a host-to-device copy")?;
        let (d, m) = dst.raw();
        assert!(
            m >= src.len(),
            "memcpy_htod of {} elements into {m}",
            src.len()
        );
        // SAFETY: `d` holds at least `src.len()` elements; host and device memory are distinct.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), d, src.len()) };
        Ok(())
    }

    /// A host copy of `src`.
    pub fn clone_dtoh<T: DeviceRepr, S: DevicePtr<T>>(
        self: &Arc<Self>,
        src: &S,
    ) -> Result<Vec<T>, EmuError> {
        self.no_capture("a device-to-host copy")?;
        let (p, n) = src.raw();
        // SAFETY: `p` points at `n` initialised elements (device memory starts zeroed).
        Ok(unsafe { std::slice::from_raw_parts(p, n) }.to_vec())
    }

    /// Copies `src` into the start of `dst` (at least as long, as cudarc asserts).
    pub fn memcpy_dtod<T, S: DevicePtr<T>, D: DevicePtrMut<T>>(
        self: &Arc<Self>,
        src: &S,
        dst: &mut D,
    ) -> Result<(), EmuError> {
        self.no_capture("a device-to-device copy")?;
        let ((s, n), (d, m)) = (src.raw(), dst.raw());
        assert!(m >= n, "memcpy_dtod of {n} elements into {m}");
        // SAFETY: both ranges are in bounds; `copy` allows overlap.
        unsafe { std::ptr::copy(s, d, n) };
        Ok(())
    }

    /// Starts collecting the arguments of a launch of `func`.
    pub fn launch_builder<'a>(self: &'a Arc<Self>, func: &'a CudaFunction) -> LaunchArgs<'a> {
        LaunchArgs {
            stream: self,
            func,
            values: Vec::new(),
            sizes: Vec::new(),
        }
    }
}

/// A launch being prepared: each argument's bytes, as the driver API takes them.
pub struct LaunchArgs<'a> {
    stream: &'a CudaStream,
    func: &'a CudaFunction,
    values: Vec<u64>,
    sizes: Vec<u32>,
}

/// Adds one kernel argument (cudarc's trait of the same name).
pub trait PushKernelArg<A> {
    /// Appends `arg`.
    fn arg(&mut self, arg: A) -> &mut Self;
}

impl LaunchArgs<'_> {
    fn push_bytes<T: Copy>(&mut self, v: T) -> &mut Self {
        let mut word = 0u64;
        let n = std::mem::size_of::<T>();
        assert!(n <= 8, "kernel arguments wider than 8 bytes are not used");
        // SAFETY: copies the n ≤ 8 bytes of a Copy value.
        unsafe {
            std::ptr::copy_nonoverlapping(
                &v as *const T as *const u8,
                &mut word as *mut u64 as *mut u8,
                n,
            )
        };
        self.values.push(word);
        self.sizes.push(n as u32);
        self
    }

    /// Runs the kernel over the grid; returns when every block has finished.
    ///
    /// # Safety
    /// As with a real launch: the arguments must be what the kernel expects (the emulator checks
    /// their count and sizes, not what pointers point at).
    pub unsafe fn launch(&mut self, cfg: LaunchConfig) -> Result<(), EmuError> {
        let mut capture = self
            .stream
            .capture
            .lock()
            .map_err(|_| EmuError("capture state poisoned".into()))?;
        if let Some(ops) = capture.as_mut() {
            ops.push(Recorded {
                func: self.func.clone(),
                values: self.values.clone(),
                sizes: self.sizes.clone(),
                cfg,
            });
            return Ok(());
        }
        drop(capture);
        // SAFETY: as for this function.
        unsafe { run(self.func, &self.values, &self.sizes, cfg) }
    }
}

impl<'b, T: DeviceRepr> PushKernelArg<&'b T> for LaunchArgs<'_> {
    fn arg(&mut self, arg: &'b T) -> &mut Self {
        self.push_bytes(*arg)
    }
}
impl<'b, T> PushKernelArg<&'b CudaSlice<T>> for LaunchArgs<'_> {
    fn arg(&mut self, arg: &'b CudaSlice<T>) -> &mut Self {
        self.push_bytes(arg.ptr as u64)
    }
}
impl<'b, T> PushKernelArg<&'b mut CudaSlice<T>> for LaunchArgs<'_> {
    fn arg(&mut self, arg: &'b mut CudaSlice<T>) -> &mut Self {
        self.push_bytes(arg.ptr as u64)
    }
}
impl<'b, 'c, T> PushKernelArg<&'b CudaView<'c, T>> for LaunchArgs<'_> {
    fn arg(&mut self, arg: &'b CudaView<'c, T>) -> &mut Self {
        self.push_bytes(arg.ptr as u64)
    }
}
impl<'b, 'c, T> PushKernelArg<&'b mut CudaViewMut<'c, T>> for LaunchArgs<'_> {
    fn arg(&mut self, arg: &'b mut CudaViewMut<'c, T>) -> &mut Self {
        self.push_bytes(arg.ptr as u64)
    }
}

/// The names of the `extern "C" __global__` functions of `src`.
pub fn entry_points(src: &str) -> Vec<String> {
    const MARK: &str = "extern \"C\" __global__ void ";
    src.match_indices(MARK)
        .filter_map(|(i, _)| {
            let rest = &src[i + MARK.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// runtime.h, the kernel source, then the launcher the Rust side calls.
fn translation_unit(src: &str, entries: &[String]) -> String {
    let mut tu = String::with_capacity(RUNTIME_H.len() + src.len() + 4096);
    tu.push_str(RUNTIME_H);
    tu.push_str("\n#line 1 \"kernels.cu\"\n");
    tu.push_str(src);
    tu.push_str(
        "\n\nextern \"C\" __attribute__((visibility(\"default\"))) const char* emu_launch(\n\
         const char* name, const unsigned* g, const unsigned* b, void** args,\n\
         const uint32_t* sizes, unsigned nargs) {\n\
         dim3 gd{g[0], g[1], g[2]}, bd{b[0], b[1], b[2]};\n",
    );
    for e in entries {
        tu.push_str(&format!(
            "    if (!strcmp(name, \"{e}\")) return emu::launch(name, &{e}, gd, bd, args, sizes, nargs);\n"
        ));
    }
    tu.push_str("    return \"no such kernel\";\n}\n");
    tu
}

/// The host compiler: `$CXX`, else `c++`.
fn compiler() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "c++".into())
}

/// Why the emulator cannot run here, if it cannot (no host C++ compiler).
pub fn unavailable() -> Option<String> {
    match Command::new(compiler()).arg("--version").output() {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!("{} --version failed: {}", compiler(), o.status)),
        Err(e) => Some(format!("no host C++ compiler ({}): {e}", compiler())),
    }
}

/// Builds `tu` into a shared library, reusing an earlier build of the same text and flags.
fn compile(tu: &str) -> Result<PathBuf, EmuError> {
    let cxx = compiler();
    let mut h = blake3::Hasher::new();
    h.update(cxx.as_bytes());
    for f in HOST_FLAGS {
        h.update(f.as_bytes());
    }
    h.update(tu.as_bytes());
    let key = h.finalize().to_hex();
    let dir = std::env::temp_dir().join("ambient-cuda-emu");
    std::fs::create_dir_all(&dir).map_err(|e| EmuError(format!("{}: {e}", dir.display())))?;
    let lib = dir.join(format!("kernels-{}.so", &key[..16]));
    if lib.exists() {
        return Ok(lib);
    }
    let pid = std::process::id();
    let src = dir.join(format!("kernels-{}-{pid}.cpp", &key[..16]));
    let tmp = dir.join(format!("kernels-{}-{pid}.so", &key[..16]));
    std::fs::write(&src, tu).map_err(|e| EmuError(format!("{}: {e}", src.display())))?;
    let out = Command::new(&cxx)
        .args(HOST_FLAGS)
        .arg("-o")
        .arg(&tmp)
        .arg(&src)
        .output()
        .map_err(|e| EmuError(format!("running {cxx}: {e}")))?;
    let _ = std::fs::remove_file(&src);
    if !out.status.success() {
        return Err(EmuError(format!(
            "{cxx} failed to build the kernels for the host:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    std::fs::rename(&tmp, &lib).map_err(|e| EmuError(format!("{}: {e}", lib.display())))?;
    Ok(lib)
}
