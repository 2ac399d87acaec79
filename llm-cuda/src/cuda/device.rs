//! The CUDA backend on a GPU (feature `cuda`): [`CudaModel`] is `forward.rs` compiled against
//! cudarc. The driver and NVRTC are loaded at run time (cudarc `dynamic-loading`): a build without
//! a CUDA toolkit works, and asking for CUDA where there is none is a clear error. The kernels and
//! the forward pass are checked bit for bit against the CPU by the emulator (`tests/
//! cuda_emulated.rs`, no GPU needed) and on a GPU by `tests/cuda_parity.rs`.

mod api {
    use std::sync::Arc;

    use cudarc::driver::{sys, DevicePtr, DriverError};
    pub use cudarc::driver::{
        CudaContext, CudaFunction, CudaGraph as Graph, CudaSlice, CudaStream, CudaView,
        LaunchConfig, PushKernelArg,
    };
    use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions, Ptx};

    use crate::error::LlmError;

    /// The device address of `s` (for the kernels' matrix descriptors).
    pub fn dev_ptr<T>(s: &CudaSlice<T>, stream: &Arc<CudaStream>) -> u64 {
        s.device_ptr(stream).0
    }

    /// Starts capturing the stream's work into a graph (this thread's calls only).
    pub fn begin_capture(s: &Arc<CudaStream>) -> Result<(), DriverError> {
        s.begin_capture(sys::CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)
    }

    /// Ends the capture; the instantiated graph, if anything was captured.
    pub fn end_capture(s: &Arc<CudaStream>) -> Result<Option<Graph>, DriverError> {
        s.end_capture(sys::CUgraphInstantiate_flags(0))
    }

    /// Why CUDA cannot be used here, if it cannot: no driver library, or no device.
    pub fn unavailable() -> Option<String> {
        // SAFETY: only probes whether the shared library can be opened.
        if !unsafe { cudarc::driver::sys::is_culib_present() } {
            return Some("no CUDA driver library (libcuda.so) on this machine".into());
        }
        match CudaContext::device_count() {
            Ok(n) if n > 0 => None,
            Ok(_) => Some("the CUDA driver reports no device".into()),
            Err(e) => Some(format!("the CUDA driver failed: {e}")),
        }
    }

    /// The kernels as PTX: from `AMBIENT_CUDA_PTX` (compiled elsewhere with the same source and
    /// options, for machines without NVRTC), else compiled now with NVRTC for the device's
    /// architecture (or [`FALLBACK_ARCH`](crate::cuda::FALLBACK_ARCH) if NVRTC does not know it).
    pub fn kernels(ctx: &Arc<CudaContext>) -> Result<Ptx, LlmError> {
        if let Ok(path) = std::env::var("AMBIENT_CUDA_PTX") {
            let text = std::fs::read_to_string(&path).map_err(|e| super::forward::err(&path, e))?;
            return Ok(Ptx::from_src(text));
        }
        let arch = ctx
            .compute_capability()
            .map_err(|e| super::forward::err("compute capability", e))?;
        if arch < crate::cuda::MIN_ARCH {
            return Err(LlmError::Backend(format!(
                "CUDA: compute capability {}.{} is below the kernels' 6.1 (dp4a)",
                arch.0, arch.1
            )));
        }
        // SAFETY: only probes whether the shared library can be opened.
        if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
            return Err(LlmError::Backend(
                "CUDA: no NVRTC library to compile the kernels (install it or set AMBIENT_CUDA_PTX)"
                    .into(),
            ));
        }
        let compile = |arch| {
            let mut options: Vec<String> = crate::cuda::COMPILE_OPTIONS
                .iter()
                .map(|s| s.to_string())
                .collect();
            options.push(crate::cuda::arch_option(arch));
            let opts = CompileOptions {
                options,
                ..Default::default()
            };
            compile_ptx_with_opts(crate::cuda::source(), opts)
        };
        compile(arch).or_else(|first| {
            log::warn!(
                "NVRTC cannot compile for compute {}.{} ({first}); using {:?}",
                arch.0,
                arch.1,
                crate::cuda::FALLBACK_ARCH
            );
            compile(crate::cuda::FALLBACK_ARCH)
                .map_err(|e| super::forward::err("compiling the kernels", e))
        })
    }

    /// Makes the stream's context current on this thread (frees from a thread that never used
    /// the GPU need it).
    pub fn bind(s: &Arc<CudaStream>) {
        if let Err(e) = s.context().bind_to_thread() {
            log::warn!("CUDA: binding the context: {e}");
        }
    }
}

#[path = "forward.rs"]
mod forward;

pub use api::unavailable;
pub use forward::{CudaModel, DevCache, Gpu};
