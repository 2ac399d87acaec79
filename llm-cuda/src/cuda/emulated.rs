//! The CUDA backend on the emulator (feature `cuda-emu`): the same `forward.rs` as
//! [`super::device`], compiled against [`super::emu`] instead of cudarc, launching the same kernel
//! source built for the host. Tests use it to check the kernels and the forward pass bit for bit
//! against the CPU engine where there is no GPU.

mod api {
    use crate::cuda::emu::Ptx;
    pub use crate::cuda::emu::{
        begin_capture, dev_ptr, end_capture, unavailable, CudaContext, CudaFunction,
        CudaGraph as Graph, CudaSlice, CudaStream, CudaView, LaunchConfig, PushKernelArg,
    };
    use crate::error::LlmError;

    /// The kernel source, exactly as NVRTC gets it.
    pub fn kernels(_ctx: &std::sync::Arc<CudaContext>) -> Result<Ptx, LlmError> {
        Ok(Ptx::from_src(crate::cuda::source()))
    }

    /// Nothing to bind: emulated memory is host memory.
    pub fn bind(_s: &std::sync::Arc<CudaStream>) {}
}

#[path = "forward.rs"]
#[allow(clippy::duplicate_mod)]
mod forward;

pub use api::unavailable;
pub use forward::{CudaModel, DevCache, Gpu};
