//! The engine's own elementary functions, built from IEEE-exact `+ - * /` and `sqrt` only, so every
//! backend (scalar, SIMD, CUDA) computes the same bits. Hardware or libm `exp` is never used for
//! anything that reaches the logits.

/// Inputs at or above this give `+inf` (a definition, slightly below true overflow).
pub const EXP_HI: f32 = 88.0;
/// Inputs at or below this give `0.0`.
pub const EXP_LO: f32 = -87.0;
/// log2(e) rounded to f32.
pub const LOG2E: f32 = std::f32::consts::LOG2_E;
/// High part of ln 2 (few mantissa bits, so `k * LN2_HI` is exact for |k| <= 128).
pub const LN2_HI: f32 = 0.693_359_4;
/// Low part of ln 2: `LN2_HI + LN2_LO` ≈ ln 2.
pub const LN2_LO: f32 = -2.121_944_4e-4;
/// Polynomial coefficients for `exp(r)` on |r| <= ln2/2 (Cephes `expf`), highest degree first.
pub const EXP_POLY: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    5e-1,
];

/// Canonical `e^x`: Cody–Waite range reduction, a degree-7 polynomial evaluated in a fixed order
/// without fused multiply-add, then an exact scaling by `2^k`. Within about 1 ulp of the true value.
#[inline]
pub fn exp(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    if x >= EXP_HI {
        return f32::INFINITY;
    }
    if x <= EXP_LO {
        return 0.0;
    }
    let k = crate::quant::round_half_even(x * LOG2E);
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let z = r * r;
    let mut p = EXP_POLY[0];
    for &c in &EXP_POLY[1..] {
        p = p * r + c;
    }
    let y = (p * z + r) + 1.0;
    // k is in [-126, 127] here, so 2^k is a normal float built exactly from its bits.
    let scale = f32::from_bits(((k as i32 + 127) as u32) << 23);
    y * scale
}

/// Canonical SiLU: `x / (1 + exp(-x))`.
#[inline]
pub fn silu(x: f32) -> f32 {
    x / (1.0 + exp(-x))
}

/// Canonical tanh: `1 − 2 / (exp(2x) + 1)` with the engine's `exp` (±1 where `exp` overflows or
/// underflows).
#[inline]
pub fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// Canonical GELU, tanh form (Gemma's GeGLU): `(0.5·x) · (1 + tanh(√(2/π) · (x + 0.044715·x³)))`.
#[inline]
pub fn gelu(x: f32) -> f32 {
    const SQRT_2_OVER_PI: f32 = 0.797_884_6;
    let inner = SQRT_2_OVER_PI * (x + 0.044_715 * ((x * x) * x));
    (0.5 * x) * (1.0 + tanh(inner))
}

/// Sum of eight lanes in the engine's fixed tree: `((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))`.
#[inline]
pub fn tree8(l: &[f32; 8]) -> f32 {
    let s4 = [l[0] + l[4], l[1] + l[5], l[2] + l[6], l[3] + l[7]];
    let s2 = [s4[0] + s4[2], s4[1] + s4[3]];
    s2[0] + s2[1]
}

/// Canonical sum of a slice: lane `j` accumulates elements `j, j+8, j+16, …` in order, then
/// [`tree8`]. The order depends only on the index of each element, never on SIMD width or threads.
pub fn sum(xs: &[f32]) -> f32 {
    let mut l = [0f32; 8];
    for (i, &x) in xs.iter().enumerate() {
        l[i % 8] += x;
    }
    tree8(&l)
}

/// Canonical dot product of two f32 slices: like [`sum`] over `a[i] * b[i]` (multiply, then add).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut l = [0f32; 8];
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        l[i % 8] += x * y;
    }
    tree8(&l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_is_close_to_the_exact_tanh_form() {
        let exact = |x: f64| {
            0.5 * x * (1.0 + (0.797_884_560_802_865_4 * (x + 0.044715 * x * x * x)).tanh())
        };
        let mut x = -20.0f32;
        while x <= 20.0 {
            let (got, want) = (gelu(x) as f64, exact(x as f64));
            assert!(
                (got - want).abs() <= 1e-6 * (1.0 + want.abs()),
                "gelu({x}) = {got}, want {want}"
            );
            x += 0.013;
        }
        assert_eq!(gelu(100.0), 100.0);
        assert_eq!(gelu(-100.0), -0.0);
        assert!(gelu(f32::NAN).is_nan());
        assert_eq!((tanh(50.0), tanh(-50.0)), (1.0, -1.0));
    }

    #[test]
    fn exp_is_accurate() {
        let mut worst = 0f64;
        let mut x = -86.9f32;
        while x < 87.9 {
            let ours = exp(x) as f64;
            let truth = (x as f64).exp();
            let rel = ((ours - truth) / truth).abs();
            worst = worst.max(rel);
            x += 0.013;
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(100.0), f32::INFINITY);
        assert_eq!(exp(-100.0), 0.0);
        assert!(exp(f32::NAN).is_nan());
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
    }

    #[test]
    fn silu_limits() {
        assert_eq!(silu(0.0), 0.0);
        assert_eq!(silu(-200.0), -0.0);
        assert_eq!(silu(200.0), 200.0);
        assert!((silu(1.0) - 0.731_058_6).abs() < 1e-6);
    }

    #[test]
    fn sum_order_is_lane_strided() {
        // 1e8 + 1 - 1e8 depends on order; lane striding fixes it.
        let xs = [1e8f32, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1e8];
        let l0 = 1e8f32 + -1e8;
        assert_eq!(sum(&xs), tree8(&[l0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]));
    }
}
