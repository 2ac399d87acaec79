//! LStake-weighted selection: verifier committees (sampling without replacement) and the leader
//! schedule (a weighted draw per group of consecutive slots, like Solana's, seeded per epoch).
//! Deterministic: inputs are sorted by identity and the randomness is ChaCha20 from a seed.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::error::PolError;
use crate::hash::Hash;
use crate::lstake::Identity;

fn rng(seed: &Hash, domain: &str) -> ChaCha20Rng {
    let mut h = blake3::Hasher::new_derive_key(domain);
    h.update(seed);
    ChaCha20Rng::from_seed(*h.finalize().as_bytes())
}

/// Index of the entry that `x` (uniform in `0..Σw`) falls into, walking the pool in order.
fn pick(pool: &[(Identity, u64)], mut x: u128) -> usize {
    pool.iter()
        .position(|(_, w)| {
            if x < *w as u128 {
                true
            } else {
                x -= *w as u128;
                false
            }
        })
        .expect("x < total weight")
}

/// Picks `k` distinct identities, each draw proportional to LStake among those not yet picked.
/// Identities with zero weight are never picked; fewer than `k` are returned if fewer have weight.
pub fn committee(weights: &BTreeMap<Identity, u64>, seed: &Hash, k: usize) -> Vec<Identity> {
    let mut pool: Vec<(Identity, u64)> = weights
        .iter()
        .filter(|(_, &w)| w > 0)
        .map(|(i, &w)| (*i, w))
        .collect();
    let mut r = rng(seed, "ambient-pol committee v1");
    let mut out = Vec::with_capacity(k.min(pool.len()));
    while out.len() < k && !pool.is_empty() {
        let total: u128 = pool.iter().map(|(_, w)| *w as u128).sum();
        let i = pick(&pool, r.gen_range(0..total));
        out.push(pool.remove(i).0);
    }
    out
}

/// A leader per slot for an epoch of `slots` slots: every `repeat` consecutive slots share one
/// leader drawn proportionally to LStake (with replacement), from a seed fixed for the epoch.
pub fn leader_schedule(
    weights: &BTreeMap<Identity, u64>,
    epoch_seed: &Hash,
    slots: u64,
    repeat: u64,
) -> Result<Vec<Identity>, PolError> {
    if repeat == 0 {
        return Err(PolError::Param("repeat must be at least 1".into()));
    }
    let pool: Vec<(Identity, u64)> = weights
        .iter()
        .filter(|(_, &w)| w > 0)
        .map(|(i, &w)| (*i, w))
        .collect();
    if pool.is_empty() {
        return Err(PolError::Param("no identity has LStake".into()));
    }
    let total: u128 = pool.iter().map(|(_, w)| *w as u128).sum();
    let mut r = rng(epoch_seed, "ambient-pol leader schedule v1");
    let mut out = Vec::with_capacity(slots as usize);
    while (out.len() as u64) < slots {
        let leader = pool[pick(&pool, r.gen_range(0..total))].0;
        for _ in 0..repeat.min(slots - out.len() as u64) {
            out.push(leader);
        }
    }
    Ok(out)
}

/// The seed of an epoch's leader schedule: blake3 over a bank hash fixed before the epoch and the
/// epoch number.
pub fn epoch_seed(bank_hash: &Hash, epoch: u64) -> Hash {
    let mut h = blake3::Hasher::new_derive_key("ambient-pol epoch seed v1");
    h.update(bank_hash);
    h.update(&epoch.to_le_bytes());
    *h.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(list: &[(u8, u64)]) -> BTreeMap<Identity, u64> {
        list.iter().map(|&(i, w)| ([i; 32], w)).collect()
    }

    #[test]
    fn committees_are_distinct_weighted_and_skip_zero() {
        let ws = w(&[(1, 70), (2, 20), (3, 10), (4, 0)]);
        let mut first = [0u32; 5];
        for s in 0..3000u32 {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&s.to_le_bytes());
            let c = committee(&ws, &seed, 2);
            assert_eq!(c.len(), 2);
            assert_ne!(c[0], c[1]);
            assert!(!c.contains(&[4; 32]));
            first[c[0][0] as usize] += 1;
        }
        // First draws follow the weights: 70% / 20% / 10% of 3000, within about 4 sigma.
        assert!((1980..=2220).contains(&first[1]), "{first:?}");
        assert!((490..=710).contains(&first[2]), "{first:?}");
        assert!((220..=380).contains(&first[3]), "{first:?}");
        assert_eq!(committee(&ws, &[0; 32], 10).len(), 3);
        assert_eq!(committee(&ws, &[5; 32], 3), committee(&ws, &[5; 32], 3));
    }

    #[test]
    fn leader_shares_follow_lstake() {
        let ws = w(&[(1, 3), (2, 1), (3, 0)]);
        let s = leader_schedule(&ws, &epoch_seed(&[7; 32], 3), 40_000, 4).unwrap();
        assert_eq!(s.len(), 40_000);
        assert!(s.chunks(4).all(|c| c.iter().all(|x| *x == c[0])));
        let ones = s.iter().filter(|x| **x == [1; 32]).count() as f64 / 40_000.0;
        assert!((ones - 0.75).abs() < 0.02, "{ones}");
        assert!(!s.contains(&[3; 32]));
        assert_ne!(
            s,
            leader_schedule(&ws, &epoch_seed(&[7; 32], 4), 40_000, 4).unwrap()
        );
        assert!(leader_schedule(&w(&[(1, 0)]), &[0; 32], 10, 4).is_err());
    }
}
