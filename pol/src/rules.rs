//! The economic rules as pure functions: slashing, the verification-rate (difficulty) adjustment,
//! and the reward schedule. Amounts are integers (lamports) and always conserved.

use crate::error::PolError;
use crate::lstake::LSTAKE_ONE;

/// Basis points in one.
pub const BPS: u64 = 10_000;

/// Why a bond is slashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offense {
    /// A validation found fraud.
    Fraud,
    /// The winner did not deliver before the deadline.
    Timeout,
}

/// Slashing parameters, in basis points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlashParams {
    /// Share of the bond taken for fraud.
    pub fraud_bps: u64,
    /// Share of the bond taken for a missed deadline.
    pub timeout_bps: u64,
    /// Share of a slashed amount paid to the requester (the rest is burned).
    pub to_requester_bps: u64,
}

impl Default for SlashParams {
    fn default() -> Self {
        SlashParams {
            fraud_bps: BPS,
            timeout_bps: BPS / 2,
            to_requester_bps: BPS / 2,
        }
    }
}

/// Where a bond goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slash {
    /// Paid to the requester.
    pub to_requester: u64,
    /// Destroyed.
    pub burned: u64,
    /// Returned to the miner.
    pub returned: u64,
}

/// Splits a bond for an offense; `to_requester + burned + returned == bond`.
pub fn slash(bond: u64, offense: Offense, p: &SlashParams) -> Result<Slash, PolError> {
    let bps = match offense {
        Offense::Fraud => p.fraud_bps,
        Offense::Timeout => p.timeout_bps,
    };
    if bps > BPS || p.to_requester_bps > BPS {
        return Err(PolError::Param("basis points above 10000".into()));
    }
    let slashed = (bond as u128 * bps as u128 / BPS as u128) as u64;
    let to_requester = (slashed as u128 * p.to_requester_bps as u128 / BPS as u128) as u64;
    Ok(Slash {
        to_requester,
        burned: slashed - to_requester,
        returned: bond - slashed,
    })
}

/// Bounds of the verification rate (the share of jobs that get a committee), in parts per million.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DifficultyParams {
    /// Target validation work as a share of inference work (ppm).
    pub target_overhead_ppm: u64,
    /// Lowest verification rate (ppm).
    pub min_rate_ppm: u64,
    /// Highest verification rate (ppm).
    pub max_rate_ppm: u64,
}

/// The whole: a verification (audit) rate of every job, in parts per million.
pub const AUDIT_ALL_PPM: u64 = 1_000_000;

impl Default for DifficultyParams {
    /// Validation at 0.1 % of the inference work, audits of at least 0.1 % of a known miner's
    /// jobs. One audited job costs its committee (three members) a prefill of the prompt and the
    /// output each, about a tenth of generating it for short prompts
    /// (`lstake::validation_units`), so at the target a known miner's jobs are audited at about
    /// 0.37 %.
    fn default() -> Self {
        DifficultyParams {
            target_overhead_ppm: 1_000,
            min_rate_ppm: 1_000,
            max_rate_ppm: AUDIT_ALL_PPM,
        }
    }
}

/// The audit rate of one miner's jobs (ppm), from the network's rate and the miner's LStake in
/// the current and the previous epoch: every job of a miner without LStake (new, or zeroed by
/// fraud), twice the network's rate for one whose LStake is new this epoch, the network's rate
/// for a record of two epochs or more; and never below twice the miner's share of the LStake.
/// That share is its share of the leader slots, and a leader can grind the blocks that seed its
/// own jobs' audits: audited at least at twice it, a miner that escapes every audit decided in
/// its slots still loses by forging (`docs/security.md`, "Audit rate").
pub fn miner_audit_rate(network_ppm: u64, lstake_now: u64, lstake_before: u64) -> u64 {
    let network = network_ppm.clamp(1, AUDIT_ALL_PPM);
    let by_record = if lstake_now == 0 {
        AUDIT_ALL_PPM
    } else if lstake_before == 0 {
        network.saturating_mul(2)
    } else {
        network
    };
    let share_ppm = u128::from(lstake_now) * u128::from(AUDIT_ALL_PPM) / u128::from(LSTAKE_ONE);
    let leader_floor = u64::try_from(share_ppm.saturating_mul(2)).unwrap_or(u64::MAX);
    by_record.max(leader_floor).min(AUDIT_ALL_PPM)
}

/// The least bond that makes forging a job a loss: a miner forging it saves at most its price,
/// and is caught only when the job is audited (`rate_ppm`), losing the bond; so the bond is the
/// price divided by the audit rate.
pub fn audit_bond(price: u64, rate_ppm: u64) -> u64 {
    let scaled = u128::from(price) * u128::from(AUDIT_ALL_PPM) / u128::from(rate_ppm.max(1));
    u64::try_from(scaled).unwrap_or(u64::MAX)
}

/// Work credited for an audited job of `units` whose miner is audited at `rate_ppm`: the units
/// divided by the rate, so a miner's expected credit per job is its work whatever its rate (an
/// unaudited job credits nothing).
pub fn audited_credit(units: u64, rate_ppm: u64) -> u64 {
    audit_bond(units, rate_ppm)
}

/// The next epoch's verification rate: moves toward the target overhead by at most a factor of two
/// per epoch, doubles (at least) after any detected fraud, and stays within the bounds.
pub fn next_verification_rate(
    current_ppm: u64,
    validation_work: u64,
    inference_work: u64,
    frauds: u64,
    p: &DifficultyParams,
) -> u64 {
    let cur = current_ppm.clamp(p.min_rate_ppm.max(1), p.max_rate_ppm);
    let mut next = if inference_work == 0 {
        cur
    } else if validation_work == 0 {
        cur.saturating_mul(2)
    } else {
        let observed = (validation_work as u128 * 1_000_000 / inference_work as u128).max(1);
        let ideal = cur as u128 * p.target_overhead_ppm as u128 / observed;
        ideal.clamp(cur as u128 / 2, cur as u128 * 2) as u64
    };
    if frauds > 0 {
        next = next.max(cur.saturating_mul(2));
    }
    next.clamp(p.min_rate_ppm, p.max_rate_ppm)
}

/// The inflation schedule: 8 % at genesis, tapering 15 % a year, never below the floor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Inflation {
    /// Initial yearly rate.
    pub initial: f64,
    /// Yearly taper (the rate is multiplied by `1 - taper` each year).
    pub taper: f64,
    /// Long-term floor.
    pub floor: f64,
}

impl Default for Inflation {
    fn default() -> Self {
        Inflation {
            initial: 0.08,
            taper: 0.15,
            floor: 0.015,
        }
    }
}

/// Seconds in a (Julian) year.
pub const YEAR_SECS: f64 = 365.25 * 24.0 * 3600.0;

impl Inflation {
    /// Yearly rate at `years` after genesis (pure-Rust `libm::pow`, so every platform agrees).
    pub fn rate(&self, years: f64) -> f64 {
        (self.initial * libm::pow(1.0 - self.taper, years)).max(self.floor)
    }

    /// New lamports for the epoch that starts `epoch_start_secs` after genesis and lasts
    /// `epoch_secs`, on a supply of `supply` lamports.
    pub fn epoch_reward(&self, supply: u64, epoch_start_secs: f64, epoch_secs: f64) -> u64 {
        let r = self.rate(epoch_start_secs / YEAR_SECS) * (epoch_secs / YEAR_SECS);
        (supply as f64 * r) as u64
    }
}

/// How an epoch's reward is shared, in basis points (must sum to 10 000).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewardSplit {
    /// Miners, by validated inference.
    pub inference_bps: u64,
    /// Verifiers, by validation work.
    pub validation_bps: u64,
    /// Leaders, by slots produced.
    pub leaders_bps: u64,
    /// Voters, by votes landed.
    pub voting_bps: u64,
}

impl Default for RewardSplit {
    fn default() -> Self {
        RewardSplit {
            inference_bps: 7_000,
            validation_bps: 1_500,
            leaders_bps: 1_000,
            voting_bps: 500,
        }
    }
}

/// An epoch reward divided into its four pools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pools {
    /// Inference pool (receives the rounding remainder).
    pub inference: u64,
    /// Validation pool.
    pub validation: u64,
    /// Leader pool.
    pub leaders: u64,
    /// Voting pool.
    pub voting: u64,
}

impl RewardSplit {
    /// Splits `total`; the parts add up to `total` exactly.
    pub fn split(&self, total: u64) -> Result<Pools, PolError> {
        let sum = self.inference_bps + self.validation_bps + self.leaders_bps + self.voting_bps;
        if sum != BPS {
            return Err(PolError::Param(format!(
                "reward split sums to {sum} bps, not 10000"
            )));
        }
        let part = |bps: u64| (total as u128 * bps as u128 / BPS as u128) as u64;
        let (validation, leaders, voting) = (
            part(self.validation_bps),
            part(self.leaders_bps),
            part(self.voting_bps),
        );
        Ok(Pools {
            inference: total - validation - leaders - voting,
            validation,
            leaders,
            voting,
        })
    }
}

/// Shares a pool among identities in proportion to their weights; remainders go to the heaviest
/// (then lowest-sorted) identities one lamport at a time, so the shares add up to `pool` exactly.
pub fn pro_rata<K: Ord + Clone>(pool: u64, weights: &[(K, u64)]) -> Vec<(K, u64)> {
    let total: u128 = weights.iter().map(|(_, w)| *w as u128).sum();
    if total == 0 {
        return weights.iter().map(|(k, _)| (k.clone(), 0)).collect();
    }
    let mut out: Vec<(K, u64)> = weights
        .iter()
        .map(|(k, w)| (k.clone(), (pool as u128 * *w as u128 / total) as u64))
        .collect();
    let mut left = pool - out.iter().map(|(_, v)| *v).sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        weights[b]
            .1
            .cmp(&weights[a].1)
            .then(weights[a].0.cmp(&weights[b].0))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        if weights[i].1 > 0 {
            out[i].1 += 1;
            left -= 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_and_zeroed_miners_are_audited_on_every_job_known_ones_at_the_network_rate() {
        assert_eq!(miner_audit_rate(5_000, 0, 0), AUDIT_ALL_PPM);
        assert_eq!(
            miner_audit_rate(5_000, 0, 7),
            AUDIT_ALL_PPM,
            "zeroed by fraud"
        );
        assert_eq!(miner_audit_rate(5_000, 7, 0), 10_000);
        assert_eq!(miner_audit_rate(600_000, 7, 0), AUDIT_ALL_PPM);
        assert_eq!(miner_audit_rate(5_000, 7, 7), 5_000);
        assert_eq!(miner_audit_rate(0, 7, 7), 1, "a zero rate still audits");
        // A tenth of the LStake (a tenth of the leader slots): at least a fifth of its jobs.
        assert_eq!(miner_audit_rate(5_000, LSTAKE_ONE / 10, 7), 200_000);
        assert_eq!(miner_audit_rate(5_000, LSTAKE_ONE, 7), AUDIT_ALL_PPM);
    }

    #[test]
    fn forging_is_a_loss_at_every_rate_and_honest_credit_is_unchanged_in_expectation() {
        for rate in [1, 1_000, 3_300, 250_000, AUDIT_ALL_PPM] {
            let (price, bond) = (5_000_000u64, audit_bond(5_000_000, rate));
            // A forger keeps the price when not audited and loses the bond when audited.
            let gain = (AUDIT_ALL_PPM - rate) as i128 * price as i128;
            let loss = rate as i128 * bond as i128;
            assert!(loss >= gain, "rate {rate}: forging pays");
            let credit = audited_credit(1_000, rate);
            assert!(
                (credit as u128 * rate as u128).abs_diff(1_000 * AUDIT_ALL_PPM as u128)
                    < AUDIT_ALL_PPM as u128
            );
        }
        assert_eq!(audit_bond(u64::MAX, 1), u64::MAX);
    }
    use proptest::prelude::*;

    #[test]
    fn inflation_schedule() {
        let inf = Inflation::default();
        assert_eq!(inf.rate(0.0), 0.08);
        assert!((inf.rate(1.0) - 0.068).abs() < 1e-12);
        assert!((inf.rate(2.0) - 0.0578).abs() < 1e-12);
        assert_eq!(inf.rate(100.0), 0.015);
        // One year of epochs at genesis rate on 1e18 lamports is about 8e16.
        let r = inf.epoch_reward(1_000_000_000_000_000_000, 0.0, YEAR_SECS);
        assert_eq!(r, 80_000_000_000_000_000);
    }

    #[test]
    fn difficulty_moves_toward_target() {
        let p = DifficultyParams {
            target_overhead_ppm: 10_000,
            min_rate_ppm: 10_000,
            max_rate_ppm: AUDIT_ALL_PPM,
        };
        // Overhead 4x the target: the rate halves (the step bound).
        assert_eq!(next_verification_rate(100_000, 40, 1000, 0, &p), 50_000);
        // Overhead at target: unchanged.
        assert_eq!(next_verification_rate(100_000, 10, 1000, 0, &p), 100_000);
        // Half the target: the rate doubles.
        assert_eq!(next_verification_rate(100_000, 5, 1000, 0, &p), 200_000);
        // Fraud at target overhead: at least doubles.
        assert_eq!(next_verification_rate(100_000, 10, 1000, 1, &p), 200_000);
        // Bounds.
        assert_eq!(next_verification_rate(10_000, 1000, 1000, 0, &p), 10_000);
        assert_eq!(next_verification_rate(900_000, 0, 1000, 3, &p), 1_000_000);
        assert_eq!(next_verification_rate(300_000, 0, 0, 0, &p), 300_000);
        // The defaults settle where validation is 0.1 % of inference: three members each
        // prefilling the output (and a short prompt) at 9 % of the generation cost, about 0.37 %
        // of jobs audited.
        let d = DifficultyParams::default();
        let mut rate = AUDIT_ALL_PPM;
        let (output, prompt) = (1_000_000u64, 0u64);
        for _ in 0..40 {
            let inference = crate::lstake::inference_units(prompt, output); // audited work / rate
            let per_check = crate::lstake::validation_units(prompt, output);
            let validation = (per_check as u128 * rate as u128 / 1_000_000 * 3) as u64;
            rate = next_verification_rate(rate, validation, inference, 0, &d);
        }
        assert!((3_300..=4_100).contains(&rate), "{rate}");
    }

    proptest! {
        #[test]
        fn slashing_and_splits_conserve(bond in any::<u64>(), fraud in any::<bool>(), a in 0u64..=10_000,
                                        b in 0u64..=10_000, c in 0u64..=10_000, total in any::<u64>()) {
            let p = SlashParams { fraud_bps: a, timeout_bps: b, to_requester_bps: c };
            let s = slash(bond, if fraud { Offense::Fraud } else { Offense::Timeout }, &p).unwrap();
            prop_assert_eq!(s.to_requester as u128 + s.burned as u128 + s.returned as u128, bond as u128);
            let pools = RewardSplit::default().split(total).unwrap();
            prop_assert_eq!(pools.inference as u128 + pools.validation as u128 + pools.leaders as u128 + pools.voting as u128, total as u128);
        }

        #[test]
        fn pro_rata_conserves_and_is_proportional(pool in 0u64..u64::MAX / 2, ws in proptest::collection::vec(0u64..1_000_000, 1..20)) {
            let weights: Vec<(usize, u64)> = ws.iter().copied().enumerate().collect();
            let shares = pro_rata(pool, &weights);
            let total_w: u64 = ws.iter().sum();
            let sum: u128 = shares.iter().map(|(_, v)| *v as u128).sum();
            if total_w > 0 {
                prop_assert_eq!(sum, pool as u128);
                for ((_, w), (_, v)) in weights.iter().zip(&shares) {
                    let exact = pool as u128 * *w as u128 / total_w as u128;
                    prop_assert!((*v as u128) >= exact && (*v as u128) <= exact + 1);
                    if *w == 0 { prop_assert_eq!(*v, 0); }
                }
            } else {
                prop_assert_eq!(sum, 0);
            }
        }
    }

    #[test]
    fn bad_parameters() {
        assert!(slash(
            10,
            Offense::Fraud,
            &SlashParams {
                fraud_bps: 10_001,
                ..Default::default()
            }
        )
        .is_err());
        assert!(RewardSplit {
            inference_bps: 1,
            ..Default::default()
        }
        .split(5)
        .is_err());
    }
}
