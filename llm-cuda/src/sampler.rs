//! The seeded sampler. Anyone holding the logits, the parameters, the seed and the position can
//! recompute the sampled token, so a verifier can check it.
//!
//! Algorithm (version 1):
//! 1. `temperature == 0`: greedy — the highest logit, ties to the lowest token id.
//! 2. Otherwise candidates are ordered by logit (descending), ties by token id (ascending); NaN
//!    logits are never candidates. `top_k > 0` keeps the first `top_k`.
//! 3. Weights `w_j = exp((l_j - l_max) / temperature)` with the engine's canonical [`math::exp`].
//! 4. `top_p < 1` keeps the shortest prefix whose running sum (f64, in candidate order) reaches
//!    `top_p × Σw`.
//! 5. The draw `u = (first 8 bytes of blake3("ambient-sampler-v1" ‖ seed_le ‖ position_le) as a
//!    little-endian u64 >> 11) / 2^53` is uniform in [0, 1); the token is the first candidate whose
//!    running sum (f64) exceeds `u × Σ(kept w)`.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::error::LlmError;
use crate::math;

/// Sampling parameters (part of every PoL receipt).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplingParams {
    /// 0 for greedy decoding.
    pub temperature: f32,
    /// Keep only the `top_k` most likely tokens (0 = no limit).
    pub top_k: u32,
    /// Nucleus sampling threshold in (0, 1] (1 = off).
    pub top_p: f32,
    /// Seed of the per-position random draws.
    pub seed: u64,
}

impl Default for SamplingParams {
    fn default() -> Self {
        SamplingParams::greedy()
    }
}

impl SamplingParams {
    /// Greedy decoding.
    pub fn greedy() -> Self {
        SamplingParams {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: 0,
        }
    }

    /// Checks the parameters are in range.
    pub fn validate(&self) -> Result<(), LlmError> {
        if !self.temperature.is_finite() || self.temperature < 0.0 {
            return Err(LlmError::Sampling(format!(
                "temperature must be a finite number >= 0, got {}",
                self.temperature
            )));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(LlmError::Sampling(format!(
                "top_p must be in (0, 1], got {}",
                self.top_p
            )));
        }
        Ok(())
    }
}

/// The uniform draw in [0, 1) for output position `position`.
pub fn draw(seed: u64, position: u64) -> f64 {
    let mut h = blake3::Hasher::new();
    h.update(b"ambient-sampler-v1");
    h.update(&seed.to_le_bytes());
    h.update(&position.to_le_bytes());
    let b = h.finalize();
    let mut x = [0u8; 8];
    x.copy_from_slice(&b.as_bytes()[..8]);
    (u64::from_le_bytes(x) >> 11) as f64 / (1u64 << 53) as f64
}

fn by_rank(logits: &[f32]) -> impl Fn(&u32, &u32) -> Ordering + '_ {
    move |&a, &b| {
        logits[b as usize]
            .partial_cmp(&logits[a as usize])
            .unwrap_or(Ordering::Equal)
            .then(a.cmp(&b))
    }
}

/// Picks the token at output position `position` from `logits`.
pub fn sample(logits: &[f32], params: &SamplingParams, position: u64) -> Result<u32, LlmError> {
    params.validate()?;
    let mut cand: Vec<u32> = (0..logits.len() as u32)
        .filter(|&i| !logits[i as usize].is_nan())
        .collect();
    if cand.is_empty() {
        return Err(LlmError::Sampling("no finite logits to sample from".into()));
    }
    let cmp = by_rank(logits);
    if params.temperature == 0.0 {
        return Ok(cand
            .into_iter()
            .min_by(|a, b| cmp(a, b))
            .expect("non-empty"));
    }
    let k = params.top_k as usize;
    if k > 0 && k < cand.len() {
        cand.select_nth_unstable_by(k - 1, &cmp);
        cand.truncate(k);
    }
    cand.sort_unstable_by(&cmp);
    let lmax = logits[cand[0] as usize];
    let w: Vec<f64> = cand
        .iter()
        .map(|&i| math::exp((logits[i as usize] - lmax) / params.temperature) as f64)
        .collect();
    let total: f64 = w.iter().sum();
    let mut kept = w.len();
    if params.top_p < 1.0 {
        let limit = params.top_p as f64 * total;
        let mut cum = 0.0;
        for (j, &wj) in w.iter().enumerate() {
            cum += wj;
            if cum >= limit {
                kept = j + 1;
                break;
            }
        }
    }
    let kept_total: f64 = w[..kept].iter().sum();
    let target = draw(params.seed, position) * kept_total;
    let mut cum = 0.0;
    for (j, &wj) in w[..kept].iter().enumerate() {
        cum += wj;
        if cum > target {
            return Ok(cand[j]);
        }
    }
    Ok(cand[kept - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_takes_argmax_lowest_id_on_ties() {
        let l = [1.0, 3.0, f32::NAN, 3.0, -1.0];
        assert_eq!(sample(&l, &SamplingParams::greedy(), 0).unwrap(), 1);
    }

    #[test]
    fn draws_are_pure_and_spread() {
        assert_eq!(draw(7, 3), draw(7, 3));
        assert_ne!(draw(7, 3), draw(7, 4));
        assert_ne!(draw(7, 3), draw(8, 3));
        let mean: f64 = (0..10_000).map(|i| draw(1, i)).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }

    #[test]
    fn top_k_one_is_greedy_and_top_p_truncates() {
        let l: Vec<f32> = (0..100).map(|i| (i % 17) as f32 * 0.3).collect();
        let greedy = sample(&l, &SamplingParams::greedy(), 0).unwrap();
        for pos in 0..50 {
            let p = SamplingParams {
                temperature: 1.0,
                top_k: 1,
                top_p: 1.0,
                seed: 9,
            };
            assert_eq!(sample(&l, &p, pos).unwrap(), greedy);
            let p = SamplingParams {
                temperature: 1.0,
                top_k: 0,
                top_p: 1e-6,
                seed: 9,
            };
            assert_eq!(sample(&l, &p, pos).unwrap(), greedy);
        }
    }

    #[test]
    fn frequencies_follow_the_distribution() {
        // Two tokens with probabilities 1/(1+e^-1) and e^-1/(1+e^-1).
        let l = [1.0f32, 0.0];
        let p = SamplingParams {
            temperature: 1.0,
            top_k: 0,
            top_p: 1.0,
            seed: 5,
        };
        let n = 20_000;
        let zeros = (0..n).filter(|&i| sample(&l, &p, i).unwrap() == 0).count();
        let expected = 1.0 / (1.0 + (-1f64).exp());
        assert!(((zeros as f64 / n as f64) - expected).abs() < 0.015);
    }

    #[test]
    fn bad_parameters_are_rejected() {
        let l = [0.0f32; 4];
        for p in [
            SamplingParams {
                temperature: -1.0,
                ..SamplingParams::greedy()
            },
            SamplingParams {
                temperature: f32::NAN,
                ..SamplingParams::greedy()
            },
            SamplingParams {
                top_p: 0.0,
                ..SamplingParams::greedy()
            },
            SamplingParams {
                top_p: 1.5,
                ..SamplingParams::greedy()
            },
        ] {
            assert!(sample(&l, &p, 0).is_err());
        }
        assert!(sample(&[f32::NAN], &SamplingParams::greedy(), 0).is_err());
    }
}
