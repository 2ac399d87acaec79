//! Challenge positions.
//!
//! `positions(randomness, verifier, root, n, k)` expands `blake3` in keyed-derivation mode over
//! (randomness ‖ verifier ‖ root ‖ n) into a stream of u64s and rejection-samples `k` distinct
//! positions uniformly from `0..n` (all of them when `k >= n`).
//!
//! Why a miner cannot predict them: `randomness` is a blockhash of a slot *after* the slot in which
//! the commitment landed, so it did not exist when the miner fixed the root; blake3 makes the
//! positions pseudo-random in it. Binding the verifier's identity gives every committee member its
//! own positions, and binding the root stops positions from one commitment applying to another. To
//! pass, a miner who skipped a fraction `f` of the work must avoid all `k` positions: probability at
//! most `(1-f)^k`.

use crate::hash::Hash;

/// Derives `min(k, n)` distinct challenge positions in `0..n`, in derivation order.
pub fn positions(
    randomness: &Hash,
    verifier: &[u8; 32],
    root: &Hash,
    n: u64,
    k: usize,
) -> Vec<u64> {
    if n == 0 || k == 0 {
        return Vec::new();
    }
    if k as u64 >= n {
        return (0..n).collect();
    }
    let mut h = blake3::Hasher::new_derive_key("ambient-pol challenge positions v1");
    h.update(randomness);
    h.update(verifier);
    h.update(root);
    h.update(&n.to_le_bytes());
    let mut xof = h.finalize_xof();
    // Largest multiple of n that fits: draws at or above it are rejected (no modulo bias).
    let zone = u64::MAX - (u64::MAX % n);
    let mut out = Vec::with_capacity(k);
    let mut buf = [0u8; 8];
    while out.len() < k {
        xof.fill(&mut buf);
        let x = u64::from_le_bytes(buf);
        if x >= zone {
            continue;
        }
        let p = x % n;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_in_range_and_deterministic() {
        let p = positions(&[1; 32], &[2; 32], &[3; 32], 100, 10);
        assert_eq!(p.len(), 10);
        assert!(p.iter().all(|&x| x < 100));
        let mut s = p.clone();
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), 10);
        assert_eq!(p, positions(&[1; 32], &[2; 32], &[3; 32], 100, 10));
        assert_eq!(
            positions(&[1; 32], &[2; 32], &[3; 32], 5, 10),
            vec![0, 1, 2, 3, 4]
        );
        assert!(positions(&[1; 32], &[2; 32], &[3; 32], 0, 3).is_empty());
    }

    #[test]
    fn change_with_randomness_verifier_and_root() {
        let base = positions(&[1; 32], &[2; 32], &[3; 32], 1_000_000, 4);
        assert_ne!(base, positions(&[9; 32], &[2; 32], &[3; 32], 1_000_000, 4));
        assert_ne!(base, positions(&[1; 32], &[9; 32], &[3; 32], 1_000_000, 4));
        assert_ne!(base, positions(&[1; 32], &[2; 32], &[9; 32], 1_000_000, 4));
    }

    #[test]
    fn uniform_over_positions() {
        let n = 16u64;
        let mut counts = [0u32; 16];
        for r in 0..8000u32 {
            let mut rand = [0u8; 32];
            rand[..4].copy_from_slice(&r.to_le_bytes());
            for p in positions(&rand, &[0; 32], &[0; 32], n, 1) {
                counts[p as usize] += 1;
            }
        }
        // Expected 500 each; a 5-sigma band is about ±108.
        assert!(
            counts.iter().all(|&c| (392..=608).contains(&c)),
            "{counts:?}"
        );
    }
}
