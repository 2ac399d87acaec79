//! LStake: validated work over a short and a medium window, normalised over the network and
//! combined as `α·short + (1-α)·medium`. Integer arithmetic only, so every node computes the same
//! values.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::PolError;

/// An identity (ed25519 public key bytes).
pub type Identity = [u8; 32];

/// LStake values are parts of [`LSTAKE_ONE`]: the whole network sums to at most one.
pub const LSTAKE_ONE: u64 = 1_000_000_000_000;

/// Window lengths (in epochs) and the weight of the short window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LStakeParams {
    /// Short window, in epochs ("days").
    pub short_epochs: u64,
    /// Medium window, in epochs ("months").
    pub medium_epochs: u64,
    /// α in parts per million.
    pub alpha_ppm: u64,
}

impl Default for LStakeParams {
    /// With two-day epochs: a short window of about a week and a medium window of about three months.
    fn default() -> Self {
        LStakeParams {
            short_epochs: 4,
            medium_epochs: 45,
            alpha_ppm: 500_000,
        }
    }
}

impl LStakeParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), PolError> {
        if self.short_epochs == 0 || self.medium_epochs < self.short_epochs {
            return Err(PolError::Param(format!(
                "windows must satisfy 0 < short ({}) <= medium ({})",
                self.short_epochs, self.medium_epochs
            )));
        }
        if self.alpha_ppm > 1_000_000 {
            return Err(PolError::Param(format!(
                "alpha {} ppm is above 1",
                self.alpha_ppm
            )));
        }
        Ok(())
    }
}

/// What a prompt token (prefill) costs the engine against an output token (decode), in parts per
/// thousand: the CPU engine prefills about 11 tokens in the time it decodes one (1 690 against
/// 160 tokens/s on 2 threads, 993 against 87 on 1; `docs/benchmarks.md`).
pub const PREFILL_PERMILLE: u64 = 90;

/// Inference work of a job, in output-token units: its output tokens, and its prompt tokens at
/// [`PREFILL_PERMILLE`] (work measured as compute, so a long prompt counts for what it cost).
pub fn inference_units(prompt_tokens: u64, output_tokens: u64) -> u64 {
    output_tokens.saturating_add(work_units(prompt_tokens, PREFILL_PERMILLE))
}

/// Validation work of checking a job, in output-token units: a verifier recomputes every position
/// of the prompt and the output with one prefill, so both count at [`PREFILL_PERMILLE`].
pub fn validation_units(prompt_tokens: u64, output_tokens: u64) -> u64 {
    work_units(
        prompt_tokens.saturating_add(output_tokens),
        PREFILL_PERMILLE,
    )
}

/// Work units for `tokens` generated at `difficulty` (difficulty in parts per thousand).
pub fn work_units(tokens: u64, difficulty_permille: u64) -> u64 {
    tokens.saturating_mul(difficulty_permille) / 1000
}

/// Validated work per epoch and identity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LStakeBook {
    work: BTreeMap<u64, BTreeMap<Identity, u64>>,
    /// Identities whose LStake fraud zeroed (they earn again from the epoch after).
    zeroed: BTreeMap<Identity, u64>,
}

impl LStakeBook {
    /// Credits validated work (inference or validation) to `who` in `epoch`.
    pub fn credit(&mut self, epoch: u64, who: Identity, units: u64) {
        if self.zeroed.get(&who).is_some_and(|&e| epoch <= e) {
            return;
        }
        let w = self.work.entry(epoch).or_default().entry(who).or_default();
        *w = w.saturating_add(units);
    }

    /// Fraud: erases all of `who`'s recorded work up to and including `epoch`.
    pub fn zero(&mut self, epoch: u64, who: Identity) {
        for e in self.work.values_mut() {
            e.remove(&who);
        }
        self.zeroed.insert(who, epoch);
    }

    /// Drops epochs that no window ending at `epoch` or later can see.
    pub fn prune(&mut self, epoch: u64, p: &LStakeParams) {
        let keep_from = (epoch + 1).saturating_sub(p.medium_epochs);
        self.work = self.work.split_off(&keep_from);
    }

    fn window(&self, epoch: u64, len: u64) -> BTreeMap<Identity, u64> {
        let from = (epoch + 1).saturating_sub(len);
        let mut sum = BTreeMap::new();
        for (_, per) in self.work.range(from..=epoch) {
            for (who, &w) in per {
                let s: &mut u64 = sum.entry(*who).or_default();
                *s = s.saturating_add(w);
            }
        }
        sum
    }

    /// Every identity's LStake for windows ending at `epoch` (parts of [`LSTAKE_ONE`]). Identities
    /// with zero LStake are omitted.
    pub fn lstake(
        &self,
        epoch: u64,
        p: &LStakeParams,
    ) -> Result<BTreeMap<Identity, u64>, PolError> {
        p.validate()?;
        let short = self.window(epoch, p.short_epochs);
        let medium = self.window(epoch, p.medium_epochs);
        let st: u128 = short.values().map(|&v| v as u128).sum();
        let mt: u128 = medium.values().map(|&v| v as u128).sum();
        let who: BTreeSet<Identity> = short.keys().chain(medium.keys()).copied().collect();
        let one = LSTAKE_ONE as u128;
        let a = p.alpha_ppm as u128;
        let mut out = BTreeMap::new();
        for id in who {
            let s = short.get(&id).copied().unwrap_or(0) as u128;
            let m = medium.get(&id).copied().unwrap_or(0) as u128;
            let part_s = if st == 0 {
                0
            } else {
                a * s * one / (1_000_000 * st)
            };
            let part_m = if mt == 0 {
                0
            } else {
                (1_000_000 - a) * m * one / (1_000_000 * mt)
            };
            let v = (part_s + part_m) as u64;
            if v > 0 {
                out.insert(id, v);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_prompt_counts_at_its_prefill_cost() {
        assert_eq!(inference_units(0, 10), 10);
        assert_eq!(inference_units(100, 10), 19);
        assert_eq!(inference_units(11, 0), 0, "rounded down per job");
        assert_eq!(inference_units(1_000, 0), PREFILL_PERMILLE);
        assert_eq!(inference_units(u64::MAX, u64::MAX), u64::MAX);
        // A check is one prefill over the prompt and the output.
        assert_eq!(validation_units(100, 10), 9);
        assert_eq!(validation_units(0, 0), 0);
        assert_eq!(validation_units(1_000, 1_000), 2 * PREFILL_PERMILLE);
    }

    fn id(b: u8) -> Identity {
        [b; 32]
    }

    #[test]
    fn windows_weights_and_fraud() {
        let p = LStakeParams {
            short_epochs: 2,
            medium_epochs: 10,
            alpha_ppm: 500_000,
        };
        let mut b = LStakeBook::default();
        // A works steadily for 10 epochs; B only in the last two.
        for e in 0..10 {
            b.credit(e, id(1), 100);
        }
        b.credit(8, id(2), 100);
        b.credit(9, id(2), 100);
        let s = b.lstake(9, &p).unwrap();
        // Short: A 200, B 200 -> 1/2 each. Medium: A 1000, B 200 -> 5/6, 1/6.
        assert_eq!(s[&id(1)], LSTAKE_ONE / 4 + LSTAKE_ONE * 5 / 12);
        assert_eq!(s[&id(2)], LSTAKE_ONE / 4 + LSTAKE_ONE / 12);
        // Old work leaves the medium window.
        let later = b.lstake(20, &p).unwrap();
        assert!(later.is_empty());
        // Fraud zeroes B, and B's credits in that epoch are ignored.
        b.zero(9, id(2));
        b.credit(9, id(2), 1_000);
        let s = b.lstake(9, &p).unwrap();
        assert!(!s.contains_key(&id(2)));
        assert_eq!(s[&id(1)], LSTAKE_ONE);
        b.credit(10, id(2), 50);
        assert!(b.lstake(10, &p).unwrap().contains_key(&id(2)));
        assert!(LStakeParams {
            short_epochs: 5,
            medium_epochs: 2,
            alpha_ppm: 1
        }
        .validate()
        .is_err());
    }

    proptest! {
        #[test]
        fn total_never_exceeds_one_and_more_work_never_hurts(
            credits in proptest::collection::vec((0u64..12, 0u8..6, 1u64..1_000_000), 1..60),
            extra in 1u64..1_000_000,
        ) {
            let p = LStakeParams { short_epochs: 3, medium_epochs: 8, alpha_ppm: 300_000 };
            let mut b = LStakeBook::default();
            for (e, who, w) in &credits {
                b.credit(*e, id(*who), *w);
            }
            let s = b.lstake(11, &p).unwrap();
            let total: u64 = s.values().sum();
            prop_assert!(total <= LSTAKE_ONE);
            // Only rounding is lost (at most one unit per identity and window).
            let in_short = credits.iter().any(|(e, _, _)| *e >= 9);
            let in_medium = credits.iter().any(|(e, _, _)| *e >= 4);
            let mut expected = 0u64;
            if in_short { expected += LSTAKE_ONE / 1_000_000 * 300_000; }
            if in_medium { expected += LSTAKE_ONE / 1_000_000 * 700_000; }
            prop_assert!(total + 2 * 6 >= expected, "total {} expected {}", total, expected);
            let before = s.get(&id(0)).copied().unwrap_or(0);
            b.credit(11, id(0), extra);
            let after = b.lstake(11, &p).unwrap().get(&id(0)).copied().unwrap_or(0);
            prop_assert!(after >= before);
        }
    }
}
