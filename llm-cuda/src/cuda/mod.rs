//! The CUDA backend's kernels: CUDA C compiled at run time with NVRTC (`kernels.cu`, which states
//! the rules). This module holds what every build needs — the source with the CPU's constants
//! prepended, the compile options and the entry points — so a machine without a GPU still checks
//! that the kernels compile (`tests/cuda_kernels.rs`); the device side runs where a GPU is lent.

use crate::math;

#[cfg(feature = "cuda")]
pub mod device;
#[cfg(feature = "cuda-emu")]
pub mod emu;
#[cfg(feature = "cuda-emu")]
pub mod emulated;

/// The kernel source as written (without the constants header).
pub const KERNELS_CU: &str = include_str!("kernels.cu");

/// NVRTC options: no FMA contraction, IEEE division and square root, denormals kept — the CPU's
/// arithmetic.
pub const COMPILE_OPTIONS: &[&str] = &[
    "--fmad=false",
    "--prec-div=true",
    "--prec-sqrt=true",
    "--ftz=false",
    "--std=c++17",
];

/// The NVRTC option naming the virtual architecture of compute capability `major.minor`. NVRTC's
/// default (compute_52) lacks `__dp4a`: the kernels are always compiled for a named one.
pub fn arch_option((major, minor): (i32, i32)) -> String {
    format!("--gpu-architecture=compute_{major}{minor}")
}

/// The oldest compute capability the kernels run on (`__dp4a` came with 6.1).
pub const MIN_ARCH: (i32, i32) = (6, 1);

/// The architecture compiled for when NVRTC does not know the device's (a GPU newer than the
/// NVRTC library): its PTX is JIT-compiled by the driver for any newer GPU. Also the target of
/// the PTX written for machines without NVRTC (`AMBIENT_CUDA_PTX`).
pub const FALLBACK_ARCH: (i32, i32) = (8, 0);

/// The kernels' entry points.
pub const ENTRY_POINTS: &[&str] = &[
    "quantize_q8",
    "rms_norm_q8",
    "matmul",
    "glu",
    "rope_kv",
    "attention",
];

/// The full source: the engine's constants as exact bit patterns, then [`KERNELS_CU`].
pub fn source() -> String {
    let mut h = String::from("// Generated from the engine's Rust constants (bit patterns).\n");
    let mut def = |name: &str, v: f32| {
        h.push_str(&format!(
            "#define {name} __int_as_float({:#010x}) /* {v:e} */\n",
            v.to_bits()
        ));
    };
    def("EXP_HI", math::EXP_HI);
    def("EXP_LO", math::EXP_LO);
    def("LOG2E", math::LOG2E);
    def("LN2_HI", math::LN2_HI);
    def("LN2_LO", math::LN2_LO);
    for (i, c) in math::EXP_POLY.iter().enumerate() {
        def(&format!("EXP_P{i}"), *c);
    }
    def("MAGIC", crate::quant::ROUND_MAGIC);
    h.push('\n');
    h + KERNELS_CU
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_carries_the_cpu_constants_bit_for_bit() {
        let s = source();
        assert!(s.contains(&format!(
            "#define LN2_LO __int_as_float({:#010x})",
            math::LN2_LO.to_bits()
        )));
        assert!(s.contains("#define EXP_P5 __int_as_float(0x3f000000)"));
        assert!(s.contains("#define MAGIC __int_as_float(0x4b400000)"));
        for e in ENTRY_POINTS {
            assert!(s.contains(&format!("void {e}(")), "{e} is not defined");
        }
    }
}
